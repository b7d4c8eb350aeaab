#!/usr/bin/env bash
# pipeline.sh: the BoVW pipeline on any image folder (one subfolder per
# class), stage by stage: dataset, extract, codebook, encode, train, eval.
#
#   scripts/pipeline.sh DATA_DIR OUT_DIR [options]
#   scripts/pipeline.sh --dataset DIR OUT_DIR [options]
#
# --dataset DIR takes the split from DIR/train.tsv and DIR/test.tsv (made by
# `bovw dataset scan` or cut from its manifests) instead of scanning.
#
# The split (bovw dataset scan):
#   --train-per-class N    N images of each class for training
#   --test-per-class M     at most M of each class for testing
#   --test-fraction F      without --train-per-class: the test share (0.25)
#   --sorted               first N train, next M test, in name order
#   --seed S               the split's seed (0)
# The recipe (defaults: PHOW gray, 600 words, 2x2+4x4 chi2 histograms, SDCA):
#   --words K              vocabulary size (600; 256 with --encoding fisher)
#   --encoding E           hist, or fisher: root SIFT, PCA 80, x,y appended,
#                          a K-component GMM, pyramid 1x1,2x2,1x3
#   --test-features DIR    use these test features instead of extracting
#                          them (a learning curve's sizes share one test set)
#   --codebook DIR         use this codebook instead of building one: the
#                          features are extracted with its parameters
#                          (scripts/reuse-codebook.sh)
#   --solver S             bovw train's solver (sdca)
#   --C C                  its regularisation (10)
# Any stage's own options, passed through (split on spaces):
#   --extract-opts "..."  --codebook-opts "..."  --encode-opts "..."
#   --train-opts "..."
# And: -j N (threads, default all cores), --force (redo finished stages),
# -h.
#
# OUT_DIR gets dataset/, features/{train,test}/, codebook/ (unless
# --codebook), encodings/{train,test}/, model/ and report/. Each stage prints
# its command, its progress and its time. A rerun redoes exactly the stages
# whose command (options, data folder, split) or inputs changed, and
# everything downstream of them; the others are up to date and reused (each
# artifact records what it was made from: `bovw status OUT_DIR` tells).
# --force redoes all.
# The environment variable BOVW names the program (default: build/bovw of
# this repository).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
me=pipeline.sh
usage() { echo "$me: $*; see --help" >&2; exit 2; }
DATA= DATASET= OUT= WORDS= ENCODING=hist CODEBOOK= SOLVER=sdca C=10 FORCE=0 TEST_FEATURES=
SPLIT=() J=() EXTRACT_OPTS=() CODEBOOK_OPTS=() ENCODE_OPTS=() TRAIN_OPTS=()
# shellcheck disable=SC2206  # splitting the pass-through options (--extract-opts and the like) is the point
while [ $# -gt 0 ]; do
  case $1 in
    --train-per-class|--test-per-class|--test-fraction|--seed)
      [ $# -ge 2 ] || usage "$1 needs a value"; SPLIT+=("$1" "$2"); shift 2 ;;
    --sorted) SPLIT+=(--sorted); shift ;;
    --dataset) DATASET=$2; shift 2 ;;
    --words) WORDS=$2; shift 2 ;;
    --encoding) ENCODING=$2; shift 2 ;;
    --codebook) CODEBOOK=$2; shift 2 ;;
    --test-features) TEST_FEATURES=$2; shift 2 ;;
    --solver) SOLVER=$2; shift 2 ;;
    --C) C=$2; shift 2 ;;
    --extract-opts) EXTRACT_OPTS=($2); shift 2 ;;
    --codebook-opts) CODEBOOK_OPTS=($2); shift 2 ;;
    --encode-opts) ENCODE_OPTS=($2); shift 2 ;;
    --train-opts) TRAIN_OPTS=($2); shift 2 ;;
    -j|--threads) J=(-j "$2"); shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage "unknown option $1" ;;
    *) if [ -z "$DATA" ]; then DATA=$1; elif [ -z "$OUT" ]; then OUT=$1; else
         usage "unexpected argument $1"; fi; shift ;;
  esac
done
if [ -n "$DATASET" ]; then  # one positional argument: OUT_DIR
  [ -z "$OUT" ] || usage "with --dataset give OUT_DIR only"
  OUT=$DATA DATA=
  [ ${#SPLIT[@]} = 0 ] || usage "--dataset comes split already"
fi
[ -n "$OUT" ] && { [ -n "$DATA" ] || [ -n "$DATASET" ]; } || usage "give DATA_DIR and OUT_DIR"
case $ENCODING in hist|fisher) ;; *) usage "--encoding is hist or fisher" ;; esac
BOVW=${BOVW:-$HERE/../build/bovw}
if [ -n "$DATASET" ]; then
  for part in train test; do
    [ -f "$DATASET/$part.tsv" ] || { echo "$me: $DATASET/$part.tsv: no such manifest" >&2; exit 1; }
  done
else
  [ -d "$DATA" ] || { echo "$me: $DATA: no such folder" >&2; exit 1; }
fi
[ -x "$BOVW" ] || { echo "$me: $BOVW not built (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
if [ -n "$CODEBOOK" ] && [ ! -f "$CODEBOOK/meta.json" ]; then
  echo "$me: $CODEBOOK: not a codebook (no meta.json)" >&2; exit 1
fi

TOTAL0=$(date +%s.%N)
stage() { run_stage "$@"; }

if [ -n "$DATASET" ]; then
  MANIFESTS=$DATASET
else
  MANIFESTS=$OUT/dataset
  stage dataset "$MANIFESTS" "$BOVW" dataset scan "$DATA" -o "$MANIFESTS" "${SPLIT[@]}"
fi

# With a given codebook, extract exactly as its features were extracted.
if [ -n "$CODEBOOK" ]; then
  read -r -a CB_EXTRACT <<< "$("$BOVW" codebook info "$CODEBOOK" | sed -n 's/^ *bovw extract //p')"
  EXTRACT_OPTS=("${CB_EXTRACT[@]}" "${EXTRACT_OPTS[@]}")
  CB=$CODEBOOK
else
  CB=$OUT/codebook
fi
if [ "$ENCODING" = fisher ]; then
  RECIPE_CB=(-k "${WORDS:-256}" --samples 256000 --rootsift --pca 80 --augment-xy --gmm)
  RECIPE_ENC=(--encoding fisher --pyramid 1x1,2x2,1x3)
else
  RECIPE_CB=(-k "${WORDS:-600}" --samples 100000 --algorithm elkan --iterations 50)
  RECIPE_ENC=()
fi
for part in train test; do
  [ "$part" = test ] && [ -n "$TEST_FEATURES" ] && continue
  stage "extract $part" "$OUT/features/$part" "$BOVW" extract "$MANIFESTS/$part.tsv" \
    -o "$OUT/features/$part" "${EXTRACT_OPTS[@]}" "${J[@]}"
done
FEATURES_TEST=${TEST_FEATURES:-$OUT/features/test}

if [ -z "$CODEBOOK" ]; then
  stage codebook "$CB" "$BOVW" codebook "$OUT/features/train" -o "$CB" \
    "${RECIPE_CB[@]}" "${CODEBOOK_OPTS[@]}" "${J[@]}"
fi
stage "encode train" "$OUT/encodings/train" "$BOVW" encode "$OUT/features/train" \
  -c "$CB" -o "$OUT/encodings/train" "${RECIPE_ENC[@]}" "${ENCODE_OPTS[@]}" "${J[@]}"
stage "encode test" "$OUT/encodings/test" "$BOVW" encode "$FEATURES_TEST" \
  --like "$OUT/encodings/train" -o "$OUT/encodings/test" "${J[@]}"
REG=(--C "$C")
[ "$SOLVER" = knn ] && REG=()  # the SVMs' regularisation does not apply
stage train "$OUT/model" "$BOVW" train "$OUT/encodings/train" -o "$OUT/model" \
  --solver "$SOLVER" "${REG[@]}" "${TRAIN_OPTS[@]}" "${J[@]}"
stage eval "$OUT/report" "$BOVW" eval "$OUT/model" "$OUT/encodings/test" \
  -o "$OUT/report" "${J[@]}"
echo "== total: $(elapsed "$TOTAL0")"
echo "== report: $OUT/report/report.md"
sed -n '/^| /p' "$OUT/report/report.md" | head -n 7
