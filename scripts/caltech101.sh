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
# and any option of scripts/pipeline.sh, which runs the stages: each prints
# what it runs, its progress and how long it took; a stage is redone only
# when its command or inputs changed (or with --force).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA= OUT= TRAIN=15 TEST=15 SPLIT=(--sorted) PASS=()
while [ $# -gt 0 ]; do
  case $1 in
    --train) TRAIN=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --seed) SPLIT=(--seed "$2"); shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --force|--sorted) PASS+=("$1"); shift ;;
    -*) [ $# -ge 2 ] || { echo "caltech101.sh: $1 needs a value" >&2; exit 2; }
        PASS+=("$1" "$2"); shift 2 ;;
    *) if [ -z "$DATA" ]; then DATA=$1; elif [ -z "$OUT" ]; then OUT=$1; else
         echo "caltech101.sh: unexpected argument $1" >&2; exit 2; fi; shift ;;
  esac
done
DATA=${DATA:-$HERE/../../shared/datasets/caltech101/101_ObjectCategories}
OUT=${OUT:-runs/caltech101}
exec "$HERE/pipeline.sh" "$DATA" "$OUT" --train-per-class "$TRAIN" --test-per-class "$TEST" \
  "${SPLIT[@]}" --solver sdca "${PASS[@]}"
