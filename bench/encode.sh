#!/usr/bin/env bash
# encode.sh: how fast `bovw encode` runs on Caltech-101, against scikit-learn,
# and what approximate assignment costs in accuracy (issue 5's figures).
#
#   bench/encode.sh [BUILD_DIR] [DATA_DIR] [OUT_DIR] [--runs R]
#                   [--threads "1 2"] [--modes "hist-exact hist-prerank hist-ann fisher"]
#                   [--no-sklearn] [--accuracy]
#
# First the reference protocol (scripts/caltech101.sh into OUT_DIR/ref: the
# sorted 15/15 split, gray PHOW, K=600 Elkan, exact 2x2+4x4 chi2 encodings,
# SDCA, report), and a Fisher codebook on the same training features (root
# SIFT, PCA 80, x,y appended, a 256-component GMM). Then, for each thread
# count, the median of R runs (default 3) of `bovw encode` on the 1,530
# training images: images/s of the whole command (mapping the features and
# writing the encodings included) and peak RSS, for each mode:
#   hist-exact  K=600, 2x2+4x4, chi2 map, exact nearest words
#   hist-prerank  the same, words pre-ranked in 24 principal directions, 8
#               candidates measured exactly (bovw encode --assign prerank)
#   hist-ann    the same with VLFeat's kd-forest (1 tree, 15 comparisons)
#   fisher      K=256 GMM, PCA 80 + x,y, 1x1+2x2+1x3, improved FV
# then scikit-learn's KMeans.predict + SciPy sparse histograms + its chi2
# sampler on the same images and centres (bench/encode_sklearn.py), checked
# once against bovw's histograms. --accuracy also encodes the test split with
# the approximate modes (and fisher), trains and evaluates them like the reference, and
# prints each mean per-class accuracy.
# Prints Markdown tables for bench/RESULTS.md.
set -eu
ARGS="$*"
RUNS=3 THREADS="1 2" MODES="hist-exact hist-prerank hist-ann fisher" SKLEARN=1 ACCURACY=0
POS=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --no-sklearn) SKLEARN=0; shift ;;
    --accuracy) ACCURACY=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) POS+=("$1"); shift ;;
  esac
done
BUILD=${POS[0]:-build}
DATA=${POS[1]:-../shared/datasets/caltech101/101_ObjectCategories}
OUT=${POS[2]:-$BUILD/bench-encode}
BOVW=$BUILD/bovw
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
say() { echo "encode.sh: $*" >&2; }
. "$(dirname "$0")/lib.sh"
mkdir -p "$OUT"

REF=$OUT/ref
say "reference protocol into $REF (stages already done are reused)"
BOVW=$(cd "$(dirname "$BOVW")" && pwd)/bovw "$HERE/../scripts/caltech101.sh" "$DATA" "$REF" -j 2 >&2
FVCB=$OUT/fisher-codebook
if [ ! -f "$FVCB/meta.json" ]; then
  say "Fisher codebook (K=256 GMM, root SIFT, PCA 80, x,y)"
  "$BOVW" codebook "$REF/features/train" -o "$FVCB" -k 256 --samples 256000 --rootsift \
    --pca 80 --augment-xy --gmm --seed 1 -q -j 2
fi

mode_args() {
  case $1 in
    hist-exact) echo "-c $REF/codebook" ;;
    hist-ann) echo "-c $REF/codebook --assign ann" ;;
    hist-prerank) echo "-c $REF/codebook --assign prerank" ;;
    fisher) echo "-c $FVCB --encoding fisher --pyramid 1x1,2x2,1x3" ;;
  esac
}

# One timed encode of the training split: prints "seconds peak_kb".
enc_run() {
  local mode=$1 t=$2 t0 t1
  rm -rf "$OUT/enc"
  t0=$(now)
  # shellcheck disable=SC2046
  /usr/bin/time -f %M -o "$OUT/rss" "$BOVW" encode "$REF/features/train" $(mode_args "$mode") \
    -o "$OUT/enc" -j "$t" -q >/dev/null
  t1=$(now)
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') $(tail -n 1 "$OUT/rss")"
}

IMAGES=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["images"])' "$REF/features/train/meta.json")
echo "## Encoding speed ($(date +%Y-%m-%d))"
echo
echo "Command: \`bench/encode.sh $ARGS\` ($(machine))."
echo "The $IMAGES training images of Caltech-101's sorted 15/15 split, gray PHOW; bovw: median"
echo "of $RUNS runs of the whole command; scikit-learn $("$PY" -c 'import sklearn; print(sklearn.__version__)'): one run."
echo
echo "| encoding | assignment | threads | seconds | images/s | peak RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
for t in $THREADS; do
  for mode in $MODES; do
    say "$mode, $t thread(s)"
    all=()
    for ((r = 0; r < RUNS; r++)); do all+=("$(enc_run "$mode" "$t")"); done
    s=$(printf '%s\n' "${all[@]}" | awk '{print $1}' | median)
    rss=$(printf '%s\n' "${all[@]}" | awk '{print $2}' | median)
    case $mode in
      hist-exact) name="hist K=600 2x2+4x4 chi2 | exact" ;;
      hist-ann) name="hist K=600 2x2+4x4 chi2 | kd-forest (1 tree, 15 checks)" ;;
      hist-prerank) name="hist K=600 2x2+4x4 chi2 | pre-ranked (24 directions, 8 candidates)" ;;
      fisher) name="Fisher K=256, PCA 80 + xy, 1x1+2x2+1x3 | soft (GMM posteriors)" ;;
    esac
    printf '| %s | %d | %.1f | %.1f | %.0f MB |\n' "$name" "$t" "$s" \
      "$(awk -v n="$IMAGES" -v s="$s" 'BEGIN {print n / s}')" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
  done
  if [ "$SKLEARN" = 1 ]; then
    say "scikit-learn, $t thread(s)"
    read -r n s sp rest <<< "$("$PY" "$HERE/encode_sklearn.py" "$REF/features/train" "$REF/codebook/centers.npy" "$t")"
    printf '| scikit-learn predict + SciPy histograms + chi2 sampler | exact | %d | %.1f | %.1f | (predict %.1f s, the rest %.1f s) |\n' \
      "$t" "$s" "$(awk -v n="$n" -v s="$s" 'BEGIN {print n / s}')" "$sp" "$rest"
  fi
done
rm -rf "$OUT/enc" "$OUT/rss"

if [ "$SKLEARN" = 1 ]; then
  say "checking scikit-learn's histograms against bovw's on 50 images"
  "$BOVW" encode "$REF/features/train" -c "$REF/codebook" --kernel-map none -o "$OUT/plain" -q >/dev/null
  echo
  echo "Same vectors: $("$PY" "$HERE/encode_sklearn.py" "$REF/features/train" "$REF/codebook/centers.npy" 2 \
    --limit 50 --check "$OUT/plain/encodings.npy" | tail -n 1) (50 images, before the kernel map)."
  rm -rf "$OUT/plain"
fi

if [ "$ACCURACY" = 1 ]; then
  echo
  echo "| encoding | assignment | mean per-class accuracy | train seconds |"
  echo "| --- | --- | --- | --- |"
  acc() { "$PY" -c 'import json,sys; print("%.2f%%" % (100 * json.load(open(sys.argv[1]))["mean_class_accuracy"]))' "$1/report.json"; }
  secs() { "$PY" -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["run"]["train_seconds"])' "$1/report.json"; }
  echo "| hist K=600 | exact | $(acc "$REF/report") | $(secs "$REF/report") |"
  for mode in $MODES; do
    [ "$mode" = hist-exact ] && continue
    d=$OUT/acc-$mode
    if [ ! -f "$d/report/report.json" ]; then
      say "accuracy of $mode"
      # shellcheck disable=SC2046
      [ -f "$d/train/meta.json" ] || "$BOVW" encode "$REF/features/train" $(mode_args "$mode") -o "$d/train" -q -j 2 >/dev/null
      [ -f "$d/test/meta.json" ] || "$BOVW" encode "$REF/features/test" --like "$d/train" -o "$d/test" -q -j 2 >/dev/null
      [ -f "$d/model/meta.json" ] || "$BOVW" train "$d/train" -o "$d/model" --solver sdca --C 10 -q -j 2 >/dev/null
      "$BOVW" eval "$d/model" "$d/test" -o "$d/report" >/dev/null
    fi
    echo "| $mode | | $(acc "$d/report") | $(secs "$d/report") |"
  done
fi
