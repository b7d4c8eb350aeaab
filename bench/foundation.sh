#!/usr/bin/env bash
# foundation.sh: figures for the foundation (issue 2): image decoding
# throughput and `bovw dataset scan` time on Caltech-101.
#   bench/foundation.sh [BUILD_DIR] [DATA_DIR] [RUNS]
# Prints the median of RUNS runs (default 5) of each measurement.
set -eu
BUILD=${1:-build}
DATA=${2:-../shared/datasets/caltech101/101_ObjectCategories}
RUNS=${3:-5}
[ -d "$DATA" ] || { echo "foundation.sh: $DATA not found" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

. "$(dirname "$0")/lib.sh"
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'; }

"$BUILD/bovw" dataset scan "$DATA" -o "$TMP/ds" -q >/dev/null 2>&1
cat "$DATA"/*/* >/dev/null 2>&1 || true   # warm the page cache once

echo "machine: $(machine)"
for t in 1 2; do
  m=$(for _ in $(seq "$RUNS"); do
    "$BUILD/decode_bench" "$TMP/ds/all.tsv" "$t" 480 | awk '{print $10}'
  done | median)
  printf 'decode to gray float, max side 480, %d thread(s): %.0f images/s (median of %d)\n' "$t" "$m" "$RUNS"
done
for mode in "" "--verify"; do
  for t in 1 2; do
    m=$(for _ in $(seq "$RUNS"); do
      seconds "$BUILD/bovw" dataset scan "$DATA" -o "$TMP/ds2" -q -j "$t" $mode
    done | median)
    printf 'bovw dataset scan %s -j %d: %.3f s (median of %d)\n' "${mode:-(header check)}" "$t" "$m" "$RUNS"
  done
done
