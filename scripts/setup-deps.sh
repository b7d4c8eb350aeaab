#!/usr/bin/env bash
# setup-deps.sh: installs what bovw builds and runs with, from Debian's
# packages. Idempotent and non-interactive; does nothing when all is there.
#   scripts/setup-deps.sh            the build, test and demo dependencies
#   scripts/setup-deps.sh --bench    also the peers the benchmarks compare with
set -eu

PACKAGES="build-essential cmake pkg-config libvlfeat-dev libturbojpeg0-dev
  liblinear-dev check libopenblas-dev libpng-dev libcjson-dev zlib1g-dev
  nettle-dev fonts-dejavu-core librsvg2-bin imagemagick libmagickcore-6.q16-6-extra
  poppler-utils parallel"
BENCH_PACKAGES="python3-numpy python3-opencv python3-sklearn python3-scipy python3-torch hyperfine time"

case "${1:-}" in
  --bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
  -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "setup-deps.sh: unknown option '$1'" >&2; exit 2 ;;
esac

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup-deps.sh: run as root, or install:$missing" >&2; exit 1; }
  SUDO=sudo
fi
echo "setup-deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
