#!/usr/bin/env bash
# scale-run.sh: the demo's BoVW system on a training set made large by
# augmentation, with memory and disk bounded whatever its size.
#
#   scripts/scale-run.sh [--count N] [--dataset DIR] [--seed S] [-j N] [OUT_DIR]
#
# From the 60,000 Fashion-MNIST training images of DIR/train.tsv (default
# runs/fashion-mnist/dataset, made by scripts/demo.sh), `bovw dataset
# augment` makes N images (default 240,000: the originals, then shifted,
# turned and mirrored copies). Then, as the ILSVRC 2011 system did:
#   codebook   descriptors of a sample of 5,000 images only (500 a class),
#              the demo's Fisher codebook (root SIFT, PCA 48 + x,y, 32
#              Gaussians); the sample's descriptors are deleted after
#   quantiser  Fisher vectors of the same sample, product-quantised at 1 bit
#              a dimension (G = 8): 32 times smaller than float32
#   encode     every training image extracted and encoded in one pass
#              (`bovw encode --images`), each row coded at once: no
#              descriptor and no float row on disk (N x 2,000 bytes)
#   test       the 10,000 test images extracted and encoded in one pass,
#              and compressed with the same quantiser
#   train      the stream solver straight on the codes, 12 passes
#   eval       on the test encodings (as the ILSVRC system scored: only the
#              stored training set is compressed), and on the test codes
# Each stage is timed under /usr/bin/time: OUT_DIR/scale.tsv gets its
# seconds, images a second, peak resident memory and the disk OUT_DIR uses
# after it. Stages always run (this is a measurement); OUT_DIR defaults to
# runs/scale-N.
set -eu
cd "$(dirname "$0")/.."
COUNT=240000 DATA=runs/fashion-mnist/dataset SEED=1 J=() OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --count) COUNT=$2; shift 2 ;;
    --dataset) DATA=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    -j|--threads) J=(-j "$2"); shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "scale-run.sh: unknown option $1; see --help" >&2; exit 2 ;;
    *) [ -z "$OUT" ] || { echo "scale-run.sh: unexpected argument $1" >&2; exit 2; }; OUT=$1; shift ;;
  esac
done
OUT=${OUT:-runs/scale-$COUNT}
BOVW=${BOVW:-build/bovw}
. scripts/lib.sh
for f in "$DATA/train.tsv" "$DATA/test.tsv"; do
  [ -f "$f" ] || { echo "scale-run.sh: $f: no such manifest (run scripts/demo.sh first)" >&2; exit 1; }
done
[ -x "$BOVW" ] || { echo "scale-run.sh: $BOVW: not built (cmake --build build)" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(realpath "$OUT")  # the sample's manifest names images by absolute paths
TSV=$OUT/scale.tsv
printf 'stage\timages\tseconds\timages_per_s\tpeak_rss_mb\tdisk_gb\n' > "$TSV"

# stage NAME IMAGES COMMAND...: runs it under /usr/bin/time and adds its row.
stage() {
  local name=$1 images=$2
  shift 2
  echo "== $name: $*"
  /usr/bin/time -f '%e %M' -o "$OUT/.time" "$@"
  read -r secs rss < "$OUT/.time"
  local disk
  disk=$(du -sk "$OUT" | awk '{printf "%.2f", $1 * 1024 / 1e9}')
  awk -v n="$name" -v i="$images" -v s="$secs" -v r="$rss" -v d="$disk" -v OFS='\t' \
    'BEGIN {print n, i, s, (i > 0 && s > 0) ? sprintf("%.0f", i / s) : "", sprintf("%.0f", r / 1024), d}' \
    | tee -a "$TSV"
}

FISHER=(--encoding fisher --pyramid 1x1,2x2)
TEST_COUNT=$(($(wc -l < "$DATA/test.tsv") - 1))
stage augment "$COUNT" "$BOVW" dataset augment "$DATA/train.tsv" -o "$OUT/augmented" \
  --count "$COUNT" --seed "$SEED" --flip "${J[@]}"
subset_manifest "$OUT/augmented/train.tsv" "$OUT/sample.tsv" "$OUT/augmented" 500
stage "sample extract" 5000 "$BOVW" extract "$OUT/sample.tsv" -o "$OUT/sample-features" \
  --min-side 56 --sizes 4,6,8 --step 2 "${J[@]}"
stage codebook 5000 "$BOVW" codebook "$OUT/sample-features" -o "$OUT/codebook" -k 32 \
  --samples 256000 --rootsift --pca 48 --augment-xy --gmm "${J[@]}"
rm -rf "$OUT/sample-features"
stage "sample encode" 5000 "$BOVW" encode --images "$OUT/sample.tsv" -c "$OUT/codebook" \
  "${FISHER[@]}" -o "$OUT/sample-encodings" "${J[@]}"
stage quantiser 5000 "$BOVW" compress "$OUT/sample-encodings" -o "$OUT/quantiser" --group 8 \
  --bits 1 "${J[@]}"
rm -rf "$OUT/sample-encodings"
stage "extract+encode+compress" "$COUNT" "$BOVW" encode --images "$OUT/augmented/train.tsv" \
  --like "$OUT/quantiser" --codes-like "$OUT/quantiser" -o "$OUT/train-codes" "${J[@]}"
stage "test extract+encode" "$TEST_COUNT" "$BOVW" encode --images "$DATA/test.tsv" \
  --like "$OUT/quantiser" -o "$OUT/test-encodings" "${J[@]}"
stage "test compress" "$TEST_COUNT" "$BOVW" compress "$OUT/test-encodings" --like "$OUT/quantiser" \
  -o "$OUT/test-codes" "${J[@]}"
stage train "$COUNT" "$BOVW" train "$OUT/train-codes" --solver stream --epochs 12 -o "$OUT/model" "${J[@]}"
stage eval "$TEST_COUNT" "$BOVW" eval "$OUT/model" "$OUT/test-encodings" -o "$OUT/report" "${J[@]}"
stage "eval on test codes" "$TEST_COUNT" "$BOVW" eval "$OUT/model" "$OUT/test-codes" \
  -o "$OUT/report-test-codes" "${J[@]}"
echo
column -t -s $'\t' "$TSV"
for r in report report-test-codes; do
  echo "$r: $(grep -m1 'mean per-class accuracy' "$OUT/$r/report.md" || true)"
done
