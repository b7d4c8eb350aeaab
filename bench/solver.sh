#!/usr/bin/env bash
# solver.sh: the stream solver against VLFeat's SDCA on one pair of
# encodings (default: the demo's Fisher vectors): training seconds (median
# of RUNS for stream, one run for SDCA) and test accuracy.
#   bench/solver.sh [BUILD_DIR] [ENCODINGS_DIR] [RUNS]
# ENCODINGS_DIR holds train/ and test/ (default runs/fashion-mnist/bovw/encodings).
set -eu
BUILD=${1:-build}
E=${2:-runs/fashion-mnist/bovw/encodings}
RUNS=${3:-3}
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
B=$BUILD/bovw
echo "machine: $(machine)"
# run NAME ARGS...: trains RUNS times (or once), prints the median seconds
# and the accuracy of the last model.
run() {
  local name=$1 runs=$2 t0 t1
  shift 2
  local m
  m=$(for _ in $(seq "$runs"); do
    t0=$(now); "$B" train "$E/train" -o "$TMP/m" -q "$@" >/dev/null; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
  done | median)
  acc=$("$B" eval "$TMP/m" "$E/test" -o "$TMP/r" -q | sed -n 's/.*mean per-class accuracy \([0-9.]*\)%.*/\1/p')
  printf '%-44s %8.1f s  %6s%%\n' "$name" "$m" "$acc"
}
for ep in 10 12 20; do
  run "stream, $ep passes, 2 threads" "$RUNS" --solver stream --epochs "$ep" -j 2
done
run "stream, 12 passes, 1 thread" "$RUNS" --solver stream --epochs 12 -j 1
run "sdca (VLFeat), 10 epochs, 2 threads" 1 --solver sdca --epochs 10 -j 2
