#!/usr/bin/env bash
# learning-curve.sh: BoVW and a CNN at several training-set sizes, on one
# test set, as a learning curve (accuracy against images per class).
#
#   scripts/learning-curve.sh DATA_DIR OUT_DIR [options] [pipeline options]
#
#   --sizes LIST          training images per class (5,10,15,30)
#   --test-per-class M    test images per class, the same for every size (15)
#   --seed S              the split's seed (0)
#   --spec FILE           the CNN (models/small-color-cnn.cfg); "none": BoVW only
#   --epochs E            the CNN's epochs at every size (30)
#   -j N                  threads (all cores)
#   --force               redo finished stages
# Other options go to scripts/pipeline.sh (the BoVW recipe: --words,
# --encoding, --solver, --extract-opts ...).
#
# One seeded split takes the largest size for training and M images per
# class for testing; the training set of size n is the first n training
# images of each class (so the sets are nested). For each size, OUT_DIR/n/
# holds the BoVW run (scripts/pipeline.sh --dataset: its own codebook, the
# test features extracted once and shared) and, with a spec, the CNN's net/
# and nn-report/. Then `bovw compare --curve` draws both systems in
# OUT_DIR/curve/ (compare.md, curve.svg).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
me=learning-curve.sh
usage() { echo "$me: $*; see --help" >&2; exit 2; }
DATA= OUT= SIZES=5,10,15,30 TEST=15 SEED=0 SPEC=$HERE/../models/small-color-cnn.cfg EPOCHS=30
FORCE=() J=() PASS=()
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=$2; shift 2 ;;
    --test-per-class) TEST=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --spec) SPEC=$2; shift 2 ;;
    --epochs) EPOCHS=$2; shift 2 ;;
    -j|--threads) J=(-j "$2"); shift 2 ;;
    --force) FORCE=(--force); shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --words|--encoding|--solver|--C|--extract-opts|--codebook-opts|--encode-opts|--train-opts)
      [ $# -ge 2 ] || usage "$1 needs a value"; PASS+=("$1" "$2"); shift 2 ;;
    -*) usage "unknown option $1" ;;
    *) if [ -z "$DATA" ]; then DATA=$1; elif [ -z "$OUT" ]; then OUT=$1; else
         usage "unexpected argument $1"; fi; shift ;;
  esac
done
[ -n "$DATA" ] && [ -n "$OUT" ] || usage "give DATA_DIR and OUT_DIR"
[ -d "$DATA" ] || { echo "$me: $DATA: no such folder" >&2; exit 1; }
ROOT=$(cd "$DATA" && pwd)
IFS=, read -r -a NS <<< "$SIZES"
MAX=0
for n in "${NS[@]}"; do
  case $n in ''|*[!0-9]*|0) usage "--sizes takes positive integers, not '$n'" ;; esac
  [ "$n" -gt "$MAX" ] && MAX=$n
done
BOVW=${BOVW:-$HERE/../build/bovw}
export BOVW
[ -x "$BOVW" ] || { echo "$me: $BOVW not built" >&2; exit 1; }
[ "$SPEC" = none ] || [ -f "$SPEC" ] || { echo "$me: $SPEC: no such spec" >&2; exit 1; }

echo "== split: $MAX training and $TEST test images per class (seed $SEED)"
FORCE=${#FORCE[@]}  # run_stage reads FORCE=1
FORCE_OPT=(); [ "$FORCE" = 1 ] && FORCE_OPT=(--force)
run_stage split "$OUT/dataset" "$BOVW" dataset scan "$DATA" -o "$OUT/dataset" \
  --train-per-class "$MAX" --test-per-class "$TEST" --seed "$SEED"
NAMES=() REPORTS=()
FIRST=
for n in "${NS[@]}"; do
  d=$OUT/$n
  mkdir -p "$d/dataset"
  # The first n training rows of each class (the manifest's column 2 is the
  # label), and the common test set; paths made absolute, since these
  # manifests live away from the scanned root.
  # Written only when different, so that an unchanged manifest keeps the
  # stages made from it.
  subset_manifest "$OUT/dataset/train.tsv" "$d/dataset/train.tsv.new" "$ROOT" "$n"
  subset_manifest "$OUT/dataset/test.tsv" "$d/dataset/test.tsv.new" "$ROOT"
  cp "$OUT/dataset/classes.txt" "$d/dataset/classes.txt.new"
  for f in train.tsv test.tsv classes.txt; do
    if cmp -s "$d/dataset/$f.new" "$d/dataset/$f"; then rm "$d/dataset/$f.new"; else
      mv "$d/dataset/$f.new" "$d/dataset/$f"; fi
  done
  # The test features are the same at every size: extracted once.
  SHARED=()
  [ -z "$FIRST" ] || SHARED=(--test-features "$FIRST/features/test")
  echo "== BoVW, $n images per class"
  "$HERE/pipeline.sh" --dataset "$d/dataset" "$d" "${PASS[@]}" "${SHARED[@]}" "${J[@]}" "${FORCE_OPT[@]}"
  NAMES+=("bovw@$n") REPORTS+=("$d/report")
  [ -n "$FIRST" ] || FIRST=$d
done
if [ "$SPEC" != none ]; then
  for n in "${NS[@]}"; do
    d=$OUT/$n
    echo "== CNN, $n images per class: $(basename "$SPEC"), $EPOCHS epochs"
    run_stage "train cnn@$n" "$d/net" "$BOVW" nn train "$SPEC" --manifest "$d/dataset/train.tsv" \
      -o "$d/net" --epochs "$EPOCHS" --seed "$SEED" "${J[@]}"
    run_stage "eval cnn@$n" "$d/nn-report" "$BOVW" nn eval "$d/net" --manifest "$d/dataset/test.tsv" \
      -o "$d/nn-report" "${J[@]}"
    NAMES+=("cnn@$n") REPORTS+=("$d/nn-report")
  done
fi
echo "== learning curve: $OUT/curve"
"$BOVW" compare "${REPORTS[@]}" --names "$(IFS=,; echo "${NAMES[*]}")" --curve -o "$OUT/curve"
sed -n '/^| /p' "$OUT/curve/compare.md" | tail -n +1
