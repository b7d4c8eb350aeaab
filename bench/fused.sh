#!/usr/bin/env bash
# fused.sh: `bovw encode --images` (extraction and encoding in one pass,
# nothing but the encodings written) against its floor: the bare PHOW loop
# (bench/phow_bare, which writes nothing) plus the encoder's own time
# (`bovw encode` of the same images' stored features).
#
#   bench/fused.sh [BUILD_DIR] [MANIFEST] [CODEBOOK_DIR] [RUNS] [-- ENCODE_OPTIONS...]
#
# Defaults: build, the first 600 rows of the Caltech-101 reference run's
# training manifest (runs/caltech101/dataset/train.tsv, made by
# scripts/caltech101.sh from ../shared/datasets/caltech101), its codebook (PHOW gray, sizes 4,6,8,10, step 3:
# phow_bare's settings) and the reference encoding (2x2 + 4x4 histograms,
# chi2 map), 3 runs each, 2 threads. The images are read into the page cache
# first and `sync` runs before each timed command. Prints the medians.
set -eu
BUILD=${1:-build}
MANIFEST=${2:-}
CB=${3:-runs/caltech101/codebook}
RUNS=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
[ "${1:-}" = "--" ] && shift
ENC=("$@")
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ -z "$MANIFEST" ]; then
  # The reference manifest's paths are relative to the image folder it lists.
  MANIFEST=$TMP/manifest.tsv
  root=$(realpath ../shared/datasets/caltech101/101_ObjectCategories)
  awk -F'\t' -v OFS='\t' -v root="$root" 'NR == 1 {print; next} NR <= 601 {$1 = root "/" $1; print}' \
    runs/caltech101/dataset/train.tsv > "$MANIFEST"
fi
B=$BUILD/bovw
N=$(($(wc -l < "$MANIFEST") - 1))
echo "machine: $(machine); $N images of $MANIFEST; codebook $CB; encode ${ENC[*]:-(defaults)}"
# Warm the page cache with the images.
"$B" extract "$MANIFEST" -o "$TMP/features" -q -j 2 >/dev/null
timed() {  # timed COMMAND...: seconds of wall clock
  sync
  local t0 t1
  t0=$(now); "$@" >/dev/null; t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f\n", b - a}'
}
bare=() enc=() fused=()
for _ in $(seq "$RUNS"); do
  bare+=("$("$BUILD/phow_bare" "$MANIFEST" 2 | sed -n 's/.*seconds \([0-9.]*\).*/\1/p')")
  rm -rf "$TMP/enc"
  enc+=("$(timed "$B" encode "$TMP/features" -c "$CB" -o "$TMP/enc" -j 2 -q "${ENC[@]}")")
  rm -rf "$TMP/fused"
  fused+=("$(timed "$B" encode --images "$MANIFEST" -c "$CB" -o "$TMP/fused" -j 2 -q "${ENC[@]}")")
done
cmp -s "$TMP/enc/encodings.npy" "$TMP/fused/encodings.npy" || echo "warning: the fused rows differ"
mb=$(printf '%s\n' "${bare[@]}" | median)
me=$(printf '%s\n' "${enc[@]}" | median)
mf=$(printf '%s\n' "${fused[@]}" | median)
echo "bare PHOW loop:        ${bare[*]} s, median $mb s"
echo "encode of features:    ${enc[*]} s, median $me s"
echo "encode --images:       ${fused[*]} s, median $mf s"
awk -v b="$mb" -v e="$me" -v f="$mf" -v n="$N" 'BEGIN {
  printf "fused / (bare + encoder) = %.3f; fused %.1f images/s\n", f / (b + e), n / f }'
