#!/usr/bin/env bash
# reuse-codebook.sh: a codebook built on one dataset encodes, trains and
# evaluates on another.
#
#   scripts/reuse-codebook.sh CODEBOOK_DIR DATA_DIR OUT_DIR [pipeline options]
#
# DATA_DIR is an image folder (one subfolder per class). Its images are split
# and extracted with the codebook's own extraction parameters (the options
# `bovw codebook info` prints), encoded with the codebook, and a classifier
# is trained and evaluated: scripts/pipeline.sh with --codebook, into OUT_DIR
# (dataset/, features/, encodings/, model/, report/). Any other option of
# pipeline.sh applies (the split, --encoding fisher for a codebook with a
# GMM, --solver, -j, --force); see scripts/pipeline.sh --help.
set -eu
case ${1:-} in
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
if [ $# -lt 3 ]; then
  echo "reuse-codebook.sh: give CODEBOOK_DIR DATA_DIR OUT_DIR; see --help" >&2
  exit 2
fi
CODEBOOK=$1 DATA=$2 OUT=$3
shift 3
exec "$(dirname "$0")/pipeline.sh" "$DATA" "$OUT" --codebook "$CODEBOOK" "$@"
