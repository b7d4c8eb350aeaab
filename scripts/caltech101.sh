#!/usr/bin/env bash
# caltech101.sh: the reference BoVW protocol on Caltech-101, stage by stage.
#
#   scripts/caltech101.sh [DATA_DIR] [OUT_DIR] [options]
#
# DATA_DIR defaults to ../shared/datasets/caltech101/101_ObjectCategories
# (beside the repository), OUT_DIR to runs/caltech101. The protocol of
# VLFeat's phow_caltech101: 102 classes, the first 15 images of each class
# (in name order) for training and the next 15 for testing, PHOW gray
# (sizes 4,6,8,10, step 3), 600 words from 100,000 descriptors (Elkan, 50
# iterations), histograms over 2x2 and 4x4 cells with the chi2 kernel map,
# one-vs-rest linear SVMs (C = 10), and the mean per-class accuracy.
#
# Options:
#   --train N / --test N   images per class (15 / 15)
#   --seed S               a seeded random split instead of the sorted one
#   --words K              vocabulary size (600)
#   --solver S             bovw train's solver (sdca, as phow_caltech101)
#   -j N                   threads (all cores)
#   --force                redo finished stages
# Each stage prints what it runs and how long it took; a finished stage (its
# meta.json exists) is reused unless --force.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA= OUT= TRAIN=15 TEST=15 SEED= WORDS=600 SOLVER=sdca THREADS= FORCE=0
while [ $# -gt 0 ]; do
  case $1 in
    --train) TRAIN=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --words) WORDS=$2; shift 2 ;;
    --solver) SOLVER=$2; shift 2 ;;
    -j|--threads) THREADS=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "caltech101.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) if [ -z "$DATA" ]; then DATA=$1; elif [ -z "$OUT" ]; then OUT=$1; else
         echo "caltech101.sh: unexpected argument $1" >&2; exit 2; fi; shift ;;
  esac
done
DATA=${DATA:-$HERE/../../shared/datasets/caltech101/101_ObjectCategories}
OUT=${OUT:-runs/caltech101}
BOVW=${BOVW:-$HERE/../build/bovw}
[ -d "$DATA" ] || { echo "caltech101.sh: $DATA: no such folder (give DATA_DIR)" >&2; exit 1; }
[ -x "$BOVW" ] || { echo "caltech101.sh: $BOVW not built (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
J=()
[ -n "$THREADS" ] && J=(-j "$THREADS")

# stage NAME DIR CMD...: runs CMD unless DIR/meta.json exists, timing it.
stage() {
  local name=$1 dir=$2 t0 t1
  shift 2
  if [ "$FORCE" = 0 ] && [ -f "$dir/meta.json" ]; then
    echo "== $name: done already ($dir)"
    return
  fi
  echo "== $name: $*"
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v n="$name" 'BEGIN {printf "== %s: %.1f s\n", n, b - a}'
}

SPLIT=(--sorted)
[ -n "$SEED" ] && SPLIT=(--seed "$SEED")
stage dataset "$OUT/dataset" "$BOVW" dataset scan "$DATA" -o "$OUT/dataset" \
  --train-per-class "$TRAIN" --test-per-class "$TEST" "${SPLIT[@]}" -q
stage "extract train" "$OUT/features/train" "$BOVW" extract "$OUT/dataset/train.tsv" -o "$OUT/features/train" -q "${J[@]}"
stage "extract test" "$OUT/features/test" "$BOVW" extract "$OUT/dataset/test.tsv" -o "$OUT/features/test" -q "${J[@]}"
stage codebook "$OUT/codebook" "$BOVW" codebook "$OUT/features/train" -o "$OUT/codebook" -k "$WORDS" \
  --samples 100000 --algorithm elkan --iterations 50 -q "${J[@]}"
stage "encode train" "$OUT/encodings/train" "$BOVW" encode "$OUT/features/train" -c "$OUT/codebook" \
  -o "$OUT/encodings/train" -q "${J[@]}"
stage "encode test" "$OUT/encodings/test" "$BOVW" encode "$OUT/features/test" \
  --like "$OUT/encodings/train" -o "$OUT/encodings/test" -q "${J[@]}"
stage train "$OUT/model" "$BOVW" train "$OUT/encodings/train" -o "$OUT/model" --solver "$SOLVER" --C 10 -q "${J[@]}"
echo "== eval"
"$BOVW" eval "$OUT/model" "$OUT/encodings/test" -o "$OUT/report"
