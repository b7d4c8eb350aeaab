#!/usr/bin/env bash
# caltech-2011.sh: the ILSVRC 2011 winner's recipe (Sanchez and Perronnin,
# CVPR 2011) on Caltech-101, step by step.
#
#   scripts/caltech-2011.sh [DATA_DIR] [OUT_DIR] [--train 15] [--test 15]
#       [--gaussians 1024] [--pca 64] [--sample-per-class 5]
#       [--pq-opts "--group 8 --bits 1"] [-j N] [--force]
#
# For each descriptor type, SIFT (PHOW gray, 128-D) and colour (PHOW in
# opponent colour space, 384-D: bovw's colour descriptor, where the paper
# used 96-D local colour statistics):
#   codebook  root SIFT, PCA to 64 dimensions (x,y not appended, as in the
#             paper), a GMM of 1,024 Gaussians, learned on the descriptors of
#             a sample of the training images (5 a class)
#   encode    improved Fisher vectors over 1x1 + 1x3 cells (the paper's 1x1 +
#             3x1: three horizontal bands), 2 x 64 x 1,024 x 4 = 524,288-D,
#             extracted and encoded in one pass (bovw encode --images)
#   compress  product quantisation at 1 bit a dimension (G = 8, 32x)
#   train     the stream solver (C = 10), on the float rows and on the codes
#   eval      on the uncompressed test rows, each type alone and both fused
#             (late fusion: the two systems' scores summed)
# The split is the protocol's: the first TRAIN images of each class (in name
# order) for training and the next TEST for testing (--train 30 --test 50
# for the other protocol). OUT_DIR (default runs/caltech-2011-TRAIN) gets
# one folder per step and steps.tsv: each step's mean per-class accuracy.
# A rerun redoes only the stages whose command or inputs changed (--force:
# all), as scripts/pipeline.sh does.
set -eu
cd "$(dirname "$0")/.."
DATA= OUT= TRAIN=15 TEST=15 GAUSS=1024 PCA=64 SAMPLE=5 J=() FORCE=0 PQ=(--group 8 --bits 1)
while [ $# -gt 0 ]; do
  case $1 in
    --train) TRAIN=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --gaussians) GAUSS=$2; shift 2 ;;
    --pca) PCA=$2; shift 2 ;;
    --sample-per-class) SAMPLE=$2; shift 2 ;;
    --pq-opts) read -r -a PQ <<< "$2"; shift 2 ;;
    -j|--threads) J=(-j "$2"); shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "caltech-2011.sh: unknown option $1; see --help" >&2; exit 2 ;;
    *) if [ -z "$DATA" ]; then DATA=$1; elif [ -z "$OUT" ]; then OUT=$1; else
         echo "caltech-2011.sh: unexpected argument $1" >&2; exit 2; fi; shift ;;
  esac
done
DATA=${DATA:-../shared/datasets/caltech101/101_ObjectCategories}
OUT=${OUT:-runs/caltech-2011-$TRAIN}
BOVW=${BOVW:-build/bovw}
export FORCE
. scripts/lib.sh
[ -d "$DATA" ] || { echo "caltech-2011.sh: $DATA: no such folder" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

run_stage "split" "$OUT/dataset" "$BOVW" dataset scan "$DATA" -o "$OUT/dataset" \
  --train-per-class "$TRAIN" --test-per-class "$TEST" --sorted
subset_manifest "$OUT/dataset/train.tsv" "$OUT/sample.tsv" "$(realpath "$DATA")" "$SAMPLE"
STEPS=$OUT/steps.tsv
printf 'step\tmean_per_class_accuracy\n' > "$STEPS"
# step NAME REPORT_DIR: adds the report's mean per-class accuracy.
step() {
  printf '%s\t%s\n' "$1" "$(sed -n 's/.*"mean_class_accuracy":[[:space:]]*\([0-9.e+-]*\).*/\1/p' "$2/report.json" | head -1)" \
    | tee -a "$STEPS"
}
for type in gray opponent; do
  T=$OUT/$type
  run_stage "$type sample features" "$T/sample-features" "$BOVW" extract "$OUT/sample.tsv" \
    -o "$T/sample-features" --color "$type" "${J[@]}"
  run_stage "$type codebook" "$T/codebook" "$BOVW" codebook "$T/sample-features" -o "$T/codebook" \
    -k "$GAUSS" --samples 256000 --rootsift --pca "$PCA" --gmm "${J[@]}"
  run_stage "$type train encodings" "$T/train" "$BOVW" encode --images "$OUT/dataset/train.tsv" \
    -c "$T/codebook" --encoding fisher --pyramid 1x1,1x3 -o "$T/train" "${J[@]}"
  run_stage "$type test encodings" "$T/test" "$BOVW" encode --images "$OUT/dataset/test.tsv" \
    --like "$T/train" -o "$T/test" "${J[@]}"
  run_stage "$type codes" "$T/codes" "$BOVW" compress "$T/train" -o "$T/codes" "${PQ[@]}" "${J[@]}"
  for rows in train codes; do
    run_stage "$type model ($rows)" "$T/model-$rows" "$BOVW" train "$T/$rows" --solver stream \
      -o "$T/model-$rows" "${J[@]}"
    run_stage "$type eval ($rows)" "$T/report-$rows" "$BOVW" eval "$T/model-$rows" "$T/test" \
      -o "$T/report-$rows" "${J[@]}"
    step "$type, trained on ${rows/train/float32 rows}" "$T/report-$rows"
  done
done
for rows in train codes; do
  run_stage "fusion ($rows)" "$OUT/fusion-$rows" "$BOVW" eval "$OUT/gray/model-$rows" "$OUT/gray/test" \
    "$OUT/opponent/model-$rows" "$OUT/opponent/test" -o "$OUT/fusion-$rows" "${J[@]}"
  step "gray + opponent fused, trained on ${rows/train/float32 rows}" "$OUT/fusion-$rows"
done
echo
column -t -s $'\t' "$STEPS"
