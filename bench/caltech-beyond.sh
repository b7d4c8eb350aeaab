#!/usr/bin/env bash
# caltech-beyond.sh: Caltech-101 (15 train / 15 test per class, the sorted
# split) from the reference recipe to Fisher vectors, colour and late
# fusion, one step at a time, with what each step adds.
#
#   bench/caltech-beyond.sh [DATA_DIR] [OUT_DIR] [-j N] [--drop-features]
#
# DATA_DIR defaults to ../shared/datasets/caltech101/101_ObjectCategories,
# OUT_DIR to build/bench-beyond. The systems (each a scripts/pipeline.sh run
# on one shared split, in OUT_DIR/NAME):
#   gray-hist        the reference: PHOW gray, 600 words, 2x2+4x4 chi2, SDCA
#   gray-hist-l1     the same encodings, liblinear-l1-dual
#   gray-fisher      PHOW gray, improved Fisher vectors (K=256, root SIFT,
#                    PCA 80 + x,y, 1x1+2x2+1x3), the gram solver
#   opponent-fisher  the same on opponent-colour PHOW (384-D descriptors)
# then the late fusions (bovw eval with several systems, scores summed):
#   gray+opponent-fisher, and that with gray-hist.
# --drop-features deletes a system's descriptors once its encodings exist
# (opponent descriptors take 32 GB); a system whose report exists is reused.
# Prints a markdown table: mean per-class accuracy, the change from the
# row before, and each system's seconds (extract + codebook + encode +
# train + eval, from the pipeline's own clock).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
DATA= OUT= J=() DROP=0
while [ $# -gt 0 ]; do
  case $1 in
    -j|--threads) J=(-j "$2"); shift 2 ;;
    --drop-features) DROP=1; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "caltech-beyond.sh: unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$DATA" ]; then DATA=$1; elif [ -z "$OUT" ]; then OUT=$1; else
         echo "caltech-beyond.sh: unexpected argument $1" >&2; exit 2; fi; shift ;;
  esac
done
DATA=${DATA:-$HERE/../../shared/datasets/caltech101/101_ObjectCategories}
OUT=${OUT:-$HERE/../build/bench-beyond}
BOVW=${BOVW:-$HERE/../build/bovw}
export BOVW
[ -d "$DATA" ] || { echo "caltech-beyond.sh: $DATA: no such folder" >&2; exit 1; }
mkdir -p "$OUT"
say() { echo "caltech-beyond.sh: $*" >&2; }

[ -f "$OUT/dataset/meta.json" ] ||
  "$BOVW" dataset scan "$DATA" -o "$OUT/dataset" --train-per-class 15 --test-per-class 15 --sorted -q

# system NAME PIPELINE_OPTIONS...: one pipeline run, timed, unless reported.
system() {
  local name=$1 t0
  shift
  if [ ! -f "$OUT/$name/report/report.json" ]; then
    say "$name: scripts/pipeline.sh $*"
    t0=$(now)
    "$HERE/../scripts/pipeline.sh" --dataset "$OUT/dataset" "$OUT/$name" "$@" "${J[@]}" \
      > "$OUT/$name.log"
    awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f\n", b - a}' > "$OUT/$name.seconds"
  fi
  [ "$DROP" = 0 ] || rm -rf "$OUT/$name/features"
}
system gray-hist --solver sdca
system gray-fisher --encoding fisher --solver gram
system opponent-fisher --encoding fisher --solver gram --extract-opts "--color opponent"

# The same histograms with liblinear, and the fusions: models and reports only.
if [ ! -f "$OUT/gray-hist-l1/report/report.json" ]; then
  t0=$(now)
  "$BOVW" train "$OUT/gray-hist/encodings/train" -o "$OUT/gray-hist-l1/model" \
    --solver liblinear-l1-dual --C 10 -q "${J[@]}" > /dev/null
  "$BOVW" eval "$OUT/gray-hist-l1/model" "$OUT/gray-hist/encodings/test" \
    -o "$OUT/gray-hist-l1/report" -q "${J[@]}" > /dev/null
  awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f\n", b - a}' > "$OUT/gray-hist-l1.seconds"
fi
pair() { echo "$OUT/$1/model $OUT/$1/encodings/test"; }
# shellcheck disable=SC2046  # the pairs split into their two folders
"$BOVW" eval $(pair gray-fisher) $(pair opponent-fisher) -o "$OUT/fusion-fisher" -q > /dev/null
# shellcheck disable=SC2046
"$BOVW" eval $(pair gray-fisher) $(pair opponent-fisher) $(pair gray-hist) \
  -o "$OUT/fusion-all" -q > /dev/null

acc() { sed -n 's/^[[:space:]]*"mean_class_accuracy":[[:space:]]*\([0-9.e-]*\),*$/\1/p' "$OUT/$1/report.json" | head -n 1; }
secs() { cat "$OUT/$1.seconds" 2>/dev/null || echo "-"; }
echo "| step | mean per-class accuracy | change | seconds ($(machine)) |"
echo "| --- | --- | --- | --- |"
prev=
row() {  # row LABEL REPORT_DIR SECONDS
  local a
  a=$(acc "$2")
  awk -v l="$1" -v a="$a" -v p="$prev" -v s="$3" 'BEGIN {
    printf "| %s | %.2f%% | %s | %s |\n", l, 100 * a, p == "" ? "" : sprintf("%+.2f", 100 * (a - p)), s }'
  prev=$a
}
row "reference: gray PHOW, 600 words, 2x2+4x4 chi2, SDCA" gray-hist/report "$(secs gray-hist)"
row "the same encodings, liblinear-l1-dual" gray-hist-l1/report "$(secs gray-hist-l1)"
row "gray Fisher vectors (K=256), gram solver" gray-fisher/report "$(secs gray-fisher)"
row "opponent-colour Fisher vectors alone" opponent-fisher/report "$(secs opponent-fisher)"
row "late fusion: gray + opponent Fisher vectors" fusion-fisher "-"
row "late fusion: gray + opponent Fisher + gray histograms" fusion-all "-"
