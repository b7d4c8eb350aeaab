#!/usr/bin/env bash
# codebook.sh: how fast `bovw codebook` clusters, against scikit-learn, on
# Caltech-101 descriptors (issue 4's figures).
#
#   bench/codebook.sh [BUILD_DIR] [DATA_DIR] [OUT_DIR] [--runs R] [--big]
#                     [--big-iterations N] [--no-small] [--no-sklearn]
#                     [--threads "1 2"] [--algorithms "blas elkan lloyd ann"]
#
# Extracts the gray PHOW features of the 15-per-class training split (1,530
# images), then for 1 and 2 threads: K=600 from 100,000 descriptors with each
# of bovw's algorithms (elkan, lloyd, ann: VLFeat; blas: bovw's Lloyd), 50
# iterations, median of R runs (default 3) of the command's wall clock, peak
# RSS, and the final energy, recomputed by the same formula for every
# algorithm (the sum of squared distances of the sample to its nearest
# centre); then scikit-learn's KMeans (lloyd, elkan) and MiniBatchKMeans on
# exactly the same sample (sample.npy), same K, iterations and threads.
# --big also runs K=4096 from 1,000,000 descriptors (blas and ann; Elkan's
# bounds would need 16 GB), one run each, --big-iterations (default 10: one
# exact iteration is a 1 TFLOP product); --no-small runs only that, and
# --no-sklearn leaves scikit-learn out.
# Prints Markdown tables for bench/RESULTS.md.
set -eu
ARGS="$*"
RUNS=3 BIG=0 BIG_ITERATIONS=10 SMALL=1 SKLEARN=1 THREADS="1 2" ALGORITHMS="blas elkan lloyd ann"
POS=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --big) BIG=1; shift ;;
    --big-iterations) BIG_ITERATIONS=$2; shift 2 ;;
    --no-small) SMALL=0; shift ;;
    --no-sklearn) SKLEARN=0; shift ;;
    --threads) THREADS=$2; shift 2 ;;
    --algorithms) ALGORITHMS=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) POS+=("$1"); shift ;;
  esac
done
BUILD=${POS[0]:-build}
DATA=${POS[1]:-../shared/datasets/caltech101/101_ObjectCategories}
OUT=${POS[2]:-$BUILD/bench-codebook}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
say() { echo "codebook.sh: $*" >&2; }
. "$(dirname "$0")/lib.sh"
mkdir -p "$OUT"


if [ ! -f "$OUT/feat/meta.json" ]; then
  say "extracting the training split's features"
  "$BUILD/bovw" dataset scan "$DATA" -o "$OUT/ds" --train-per-class 15 --test-per-class 15 --sorted -q >/dev/null
  "$BUILD/bovw" extract "$OUT/ds/train.tsv" -o "$OUT/feat" -q >/dev/null
fi

# One bovw codebook run: prints "seconds peak_kb energy iterations".
cb_run() {
  local k=$1 s=$2 a=$3 t=$4 iters=$5 extra=${6:-} t0 t1
  rm -rf "$OUT/cb"
  t0=$(now)
  # shellcheck disable=SC2086
  /usr/bin/time -f %M -o "$OUT/rss" "$BUILD/bovw" codebook "$OUT/feat" -o "$OUT/cb" -k "$k" \
    --samples "$s" --algorithm "$a" --iterations "$iters" -j "$t" --seed 1 -q $extra >/dev/null
  t1=$(now)
  [ -f "$OUT/sample-$k.npy" ] || cp "$OUT/cb/sample.npy" "$OUT/sample-$k.npy"
  local e it
  e=$("$PY" "$HERE/kmeans_sklearn.py" --energy "$OUT/sample-$k.npy" "$OUT/cb/centers.npy")
  it=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["kmeans"]["iterations"])' "$OUT/cb/meta.json")
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') $(tail -n 1 "$OUT/rss") $e $it"
}

median_of() {
  local runs=$1; shift
  local all=() r cols i
  for ((r = 0; r < runs; r++)); do all+=("$("$@")"); done
  cols=$(echo "${all[0]}" | wc -w)
  for i in $(seq "$cols"); do
    printf '%s ' "$(printf '%s\n' "${all[@]}" | awk -v i="$i" '{print $i}' | median)"
  done
  echo
}

echo "## Codebook speed ($(date +%Y-%m-%d))"
echo
echo "Command: \`bench/codebook.sh $ARGS\` ($(machine))."
echo "Gray PHOW descriptors of Caltech-101's 15-per-class training split; 50 iterations,"
echo "k-means++; bovw: median of $RUNS runs of the whole command (sampling from the mmap'ed"
echo "store included); scikit-learn $("$PY" -c 'import sklearn; print(sklearn.__version__)'): one run, fit only, same sample."
echo "Energy: sum of squared distances of the sample to the nearest centre, one formula for all."
echo
echo "| K | samples | threads | algorithm | seconds | peak RSS | energy | iterations |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for t in $THREADS; do
  [ "$SMALL" = 1 ] || break
  for a in $ALGORITHMS; do
    say "K=600, 100k, $t thread(s), $a"
    read -r s rss e it <<< "$(median_of "$RUNS" cb_run 600 100000 "$a" "$t" 50 --keep-sample)"
    printf '| 600 | 100,000 | %d | bovw %s | %.1f | %.0f MB | %s | %s |\n' "$t" "$a" "$s" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$e" "$it"
  done
  [ "$SKLEARN" = 1 ] || continue
  say "K=600, 100k, $t thread(s), scikit-learn"
  "$PY" "$HERE/kmeans_sklearn.py" "$OUT/sample-600.npy" 600 50 "$t" | while read -r name _ s _ e _ it; do
    printf '| 600 | 100,000 | %d | %s | %.1f | | %s | %s |\n' "$t" "$name" "$s" "$e" "$it"
  done
done
if [ "$BIG" = 1 ]; then
  for t in $THREADS; do
    for a in blas ann; do
      say "K=4096, 1M, $t thread(s), $a"
      read -r s rss e it <<< "$(cb_run 4096 1000000 "$a" "$t" "$BIG_ITERATIONS" --keep-sample)"
      printf '| 4096 | 1,000,000 | %d | bovw %s | %.1f | %.0f MB | %s | %s |\n' "$t" "$a" "$s" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$e" "$it"
    done
  done
fi
rm -rf "$OUT/cb" "$OUT/rss"
