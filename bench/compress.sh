#!/usr/bin/env bash
# compress.sh: accuracy and size against bits per dimension. For each
# quantiser setting, the training encodings are compressed (the quantiser
# learned on them), the test encodings compressed with the same quantiser
# (--like), the stream solver trained straight on the training codes and the
# model evaluated twice: on the uncompressed test encodings (as Sanchez and
# Perronnin score: only the stored training set is compressed) and on the
# test codes; float32 rows are the reference. Then `bovw compare --curve`
# draws accuracy against bits per dimension.
#   SETTINGS="float32 pq-1 ..." bench/compress.sh [BUILD_DIR] [ENCODINGS_DIR] [OUT_DIR] [-- TRAIN_OPTIONS...]
# ENCODINGS_DIR holds train/ and test/ (default: the demo's Fisher vectors);
# OUT_DIR keeps the reports, results.tsv and the picture (default: a
# temporary folder, removed at the end). TRAIN_OPTIONS default to
# --solver stream --epochs 12 (the demo's budget).
set -eu
BUILD=${1:-build}
E=${2:-runs/fashion-mnist/bovw/encodings}
OUT=${3:-}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
TRAIN=("$@")
[ ${#TRAIN[@]} -gt 0 ] || TRAIN=(--solver stream --epochs 12)
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
[ -n "$OUT" ] || OUT=$TMP/out
mkdir -p "$OUT/reports"
B=$BUILD/bovw
echo "machine: $(machine)"
echo "encodings: $E; training: ${TRAIN[*]} -j 2"
seconds() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
accuracy() { sed -n 's/.*mean per-class accuracy \([0-9.]*\)%.*/\1/p'; }
printf 'name\tbits_per_dim\tcode_bytes\trelative_error\tcompress_s\ttrain_s\taccuracy_float_test\taccuracy_test_codes\n' > "$OUT/results.tsv"
names=()
reports=()
# setting NAME BITS COMPRESS_OPTIONS...
setting() {
  local name=$1 bits=$2 t0 t1 t2 train_dir test_dir err bytes
  shift 2
  if [ "$name" = float32 ]; then
    train_dir=$E/train test_dir=$E/test err=0 t0=0 t1=0
    bytes=$(stat -c %s "$E/train/encodings.npy")
  else
    t0=$(now)
    "$B" compress "$E/train" -o "$TMP/codes" -j 2 -q "$@" >/dev/null
    t1=$(now)
    "$B" compress "$E/test" -o "$TMP/tcodes" --like "$TMP/codes" -j 2 -q >/dev/null
    train_dir=$TMP/codes test_dir=$TMP/tcodes
    err=$(sed -n 's/.*"relative_error":[[:space:]]*\([0-9.e+-]*\).*/\1/p' "$TMP/codes/meta.json")
    bytes=$(stat -c %s "$TMP/codes/codes.npy")
  fi
  t2=$(now)
  "$B" train "$train_dir" -o "$TMP/m" -j 2 -q "${TRAIN[@]}" >/dev/null
  local t3
  t3=$(now)
  rm -rf "$OUT/reports/$name" "$OUT/reports/$name-codes"
  acc=$("$B" eval "$TMP/m" "$E/test" -o "$OUT/reports/$name" -j 2 -q | accuracy)
  local acc_codes=$acc
  if [ "$name" != float32 ]; then
    acc_codes=$("$B" eval "$TMP/m" "$test_dir" -o "$OUT/reports/$name-codes" -j 2 -q | accuracy)
    names+=("${name%%-*}-test-codes@$bits")
    reports+=("$OUT/reports/$name-codes")
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$bits" "$bytes" "$err" \
    "$(seconds "$t0" "$t1")" "$(seconds "$t2" "$t3")" "$acc" "$acc_codes" | tee -a "$OUT/results.tsv"
  # The line's name is the method: pq@1, sign@1, float32@32.
  names+=("${name%%-*}@$bits")
  reports+=("$OUT/reports/$name")
}
declare -A BITS=([float32]=32 [pq-8]=8 [pq-4]=4 [pq-2]=2 [pq-1]=1 [sign-1]=1 [pq-0.5]=0.5 [pq-0.25]=0.25)
declare -A OPTS=([float32]="" [pq-8]="--group 1 --bits 8" [pq-4]="--group 2 --bits 4"
  [pq-2]="--group 4 --bits 2" [pq-1]="--group 8 --bits 1" [sign-1]="--method sign --group 8"
  [pq-0.5]="--group 16 --bits 0.5" [pq-0.25]="--group 32 --bits 0.25")
for name in ${SETTINGS:-float32 pq-8 pq-4 pq-2 pq-1 sign-1 pq-0.5 pq-0.25}; do
  # shellcheck disable=SC2086
  setting "$name" "${BITS[$name]}" ${OPTS[$name]}
done
IFS=, eval 'joined="${names[*]}"'
"$B" compare "${reports[@]}" -o "$OUT/compare" --curve --curve-x "bits per dimension" \
  --names "$joined" --title "Accuracy against bits per dimension" >/dev/null
echo "picture: $OUT/compare/curve.svg"
