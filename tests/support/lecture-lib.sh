# lecture-lib.sh: what the tests of the lecture's experiments
# (tests/cli/lecture_*.sh) share, on top of cli-lib.sh; sourced by each:
#   . "$(dirname "$0")/../support/lecture-lib.sh"
# Sets SRC, the source tree (BOVW_SOURCE_DIR, as ctest sets it).
. "$(dirname "${BASH_SOURCE[0]}")/cli-lib.sh"
SRC=${BOVW_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# lecture NAME ARGS...: runs scripts/lecture/NAME.sh ARGS... as a check.
lecture() {
  local name=$1
  shift
  expect_exit 0 "the quick experiment runs" "$SRC/scripts/lecture/$name.sh" "$@"
}

# fmnist_images_or_skip: sets IMAGES to Fashion-MNIST imported and scanned
# (IMAGES/train, IMAGES/test): the demo's, else a folder of this test's
# that the experiment fills from Debian's IDX files (slower); skips the
# test (exit 77) when neither is there.
fmnist_images_or_skip() {
  local fm=/usr/share/datasets/fashion-mnist
  IMAGES=$SRC/runs/fashion-mnist/images
  [ -f "$IMAGES/train/train.tsv" ] && [ -f "$IMAGES/test/test.tsv" ] && return
  [ -f "$fm/train-images-idx3-ubyte.gz" ] || {
    echo "skipped: no Fashion-MNIST in $fm (apt-get install dataset-fashion-mnist)"; exit 77; }
  IMAGES=$TMP/images
}

# expect_written DIR FILE...: each FILE is in DIR and not empty.
expect_written() {
  local dir=$1 f
  shift
  for f in "$@"; do
    if [ -s "$dir/$f" ]; then pass "it wrote $f"; else fail "no $f"; fi
  done
}

# expect_that DESCRIPTION VALUE CONDITION [UNIT]: VALUE is a number and
# CONDITION (awk, on x) holds for it; UNIT follows VALUE in the message.
# Anything else (empty, "diverged") fails, whatever the condition.
expect_that() {
  if awk -v x="$2" "BEGIN {
       if (x !~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?\$/) exit 1
       x += 0; exit !($3) }"; then
    pass "$1 ($2${4:-})"
  else
    fail "$1: ${2:-nothing}${4:-}"
  fi
}
