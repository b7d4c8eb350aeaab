#!/usr/bin/env bash
# demo.sh: the whole bovw pipeline on Fashion-MNIST, BoVW next to a CNN.
#
# Today it installs the dependencies, builds bovw, installs Debian's
# dataset-fashion-mnist and imports it as an image folder with manifests:
# the stages after that (extract, codebook, encode, train, eval, nn, compare)
# are being built and will be chained here as they land (see README.md).
#   scripts/demo.sh [OUT_DIR]      (default runs/fashion-mnist)
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-runs/fashion-mnist}
FM=/usr/share/datasets/fashion-mnist

step() { printf '\n== %s ==\n' "$*"; }

step "dependencies"
scripts/setup-deps.sh
if [ ! -f "$FM/train-images-idx3-ubyte.gz" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root to install dataset-fashion-mnist" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

step "build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
BOVW=build/bovw

step "import Fashion-MNIST"
for part in train:train t10k:test; do
  src=${part%%:*} dst=${part##*:}
  if [ ! -d "$OUT/images/$dst" ]; then
    $BOVW dataset import-idx --class-names fashion-mnist -o "$OUT/images/$dst" \
      --images "$FM/$src-images-idx3-ubyte.gz" --labels "$FM/$src-labels-idx1-ubyte.gz"
  fi
done
$BOVW dataset scan "$OUT/images/train" -o "$OUT/dataset/train" --test-fraction 0 -q
$BOVW dataset scan "$OUT/images/test" -o "$OUT/dataset/test" --test-fraction 1 -q

step "not yet"
echo "The BoVW stages and the CNN are not built yet; the manifests are ready:"
echo "  $OUT/dataset/train/train.tsv   $OUT/dataset/test/test.tsv"
