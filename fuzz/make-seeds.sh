#!/usr/bin/env bash
# make-seeds.sh: the seed corpora of the fuzz targets, made from small valid
# files that bovw itself writes: synthetic images (make-image-seeds, the
# test suite's make-test-images), then a tiny pipeline run on them (scan,
# extract, codebook, encode, compress, train, eval, nn train, nn eval, nn
# fold), whose artifacts are packed into one input per folder as the folder
# targets cut them (fuzz/fuzz.h), plus specs, tables and IDX files written
# here. Nothing is copied from a dataset. Takes a few seconds.
#   fuzz/make-seeds.sh OUT_DIR
# Needs BOVW, MAKE_TEST_IMAGES and MAKE_IMAGE_SEEDS (the built programs);
# writes OUT_DIR/<target>/ for every target (the folder is made anew).
set -eu
if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -eq 1 ] && [ "$1" != -h ] && [ "$1" != --help ] && exit 2
  exit 0
fi
: "${BOVW:?set BOVW to the bovw binary}"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"
: "${MAKE_IMAGE_SEEDS:?set MAKE_IMAGE_SEEDS to the make-image-seeds tool}"
OUT=$1
SRC=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/bovw-seeds-XXXXXX")
trap 'rm -rf "$W"' EXIT
export OMP_WAIT_POLICY=PASSIVE

SEP=$'\n--bovw-fuzz-file--\n'
# pack OUT FILE...: the files joined by the separator, in the target's order;
# a file that does not exist leaves its part empty (the target leaves it out).
pack() {
  local out=$1 first=1 f
  shift
  for f; do
    [ $first = 1 ] || printf '%s' "$SEP"
    first=0
    if [ -f "$f" ]; then cat "$f"; fi
  done > "$out"
}
run() { "$BOVW" "$@" -q > /dev/null; }

rm -rf "$OUT"
for t in image npy idx table manifest features codebook encodings model net report spec \
         safetensors meta; do
  mkdir -p "$OUT/$t"
done

# ---- images and the pipeline -------------------------------------------------
"$MAKE_IMAGE_SEEDS" "$OUT/image"
"$MAKE_TEST_IMAGES" "$W/data" --classes 2 --per-class 3 --size 24 --seed 3 --format mixed
for f in "$W"/data/circles/*; do cp "$f" "$OUT/image/test-image-$(basename "$f")"; done

cd "$W"
run dataset scan data -o ds --train-per-class 2
run extract ds/all.tsv -o feat --sizes 4 --step 6 -j 1
run extract ds/all.tsv -o feat-color --sizes 4 --step 8 --color opponent --float -j 1
run codebook feat -o cb -k 3 -j 1
run codebook feat -o cb-pca-gmm -k 2 --pca 8 --whiten --augment-xy --gmm --rootsift -j 1
run encode feat -c cb -o enc -j 1
run encode feat -c cb-pca-gmm -o enc-fisher --encoding fisher --pyramid 1x1 -j 1
run compress enc -o codes --group 2 --bits 1 -j 1
run compress enc -o codes-sign --group 4 --method sign -j 1
run train enc -o model -j 1
run train enc -o knn --solver knn -j 1
run eval model enc -o report -j 1
printf 'input 180x1x1\nfc 8\nbn\nrelu\ndropout 0.5\nfc classes\nsoftmax\n' > mlp.cfg
printf '%s\n' 'input 3x12x12' 'conv 4 3x3 pad=same' 'bn' 'leakyrelu slope=0.1' 'maxpool 2' \
  'conv 2 3x3 stride=2 padmode=replicate bias=no init=xavier' 'sigmoid' 'avgpool 1' \
  'globalavgpool' 'flatten' 'fc classes' 'softmax' > cnn.cfg
run nn train mlp.cfg --encodings enc -o net --epochs 1 --batch 2 -j 1
run nn train cnn.cfg --manifest ds/train.tsv -o cnn --epochs 1 --batch 2 -j 1
"$BOVW" nn fold net -o net-folded > /dev/null
run nn eval net --encodings enc -o report-nn -j 1

# ---- folder targets: one input per artifact ------------------------------------
for d in feat feat-color; do
  pack "$OUT/features/$d" $d/meta.json $d/descriptors.npy $d/frames.npy $d/offsets.npy \
    $d/image_size.npy $d/labels.npy
done
for d in cb cb-pca-gmm; do
  pack "$OUT/codebook/$d" $d/meta.json $d/centers.npy $d/pca_mean.npy $d/pca_components.npy \
    $d/pca_variances.npy $d/gmm_means.npy $d/gmm_variances.npy $d/gmm_priors.npy
done
for d in enc enc-fisher codes codes-sign; do
  pack "$OUT/encodings/$d" $d/meta.json $d/encodings.npy $d/labels.npy $d/codes.npy \
    $d/centroids.npy
done
for d in model knn; do
  pack "$OUT/model/$d" $d/meta.json $d/weights.npy $d/biases.npy $d/train_encodings.npy \
    $d/train_labels.npy
done
for d in net cnn net-folded; do
  pack "$OUT/net/$d" $d/meta.json $d/weights.safetensors
  cp $d/weights.safetensors "$OUT/safetensors/$d.safetensors"
done
cp report/report.json "$OUT/report/svm.json"
cp report-nn/report.json "$OUT/report/nn.json"
pack "$OUT/manifest/dataset" ds/train.tsv ds/classes.txt ds/meta.json
pack "$OUT/manifest/bare" ds/test.tsv
for d in ds feat cb cb-pca-gmm enc codes model knn net net-folded; do
  cp $d/meta.json "$OUT/meta/$d.json"
done
cp report/report.json "$OUT/meta/report.json"

# ---- arrays of every dtype ------------------------------------------------------
cp feat/descriptors.npy "$OUT/npy/uint8.npy"
cp feat/offsets.npy "$OUT/npy/int64.npy"
cp feat/labels.npy "$OUT/npy/int32.npy"
cp feat-color/descriptors.npy "$OUT/npy/float32.npy"
cp codes/centroids.npy "$OUT/npy/float32-3d.npy"

# ---- specs: the shipped ones and every kind of layer ----------------------------
cp "$SRC"/models/*.cfg "$OUT/spec/"
cp mlp.cfg cnn.cfg "$OUT/spec/"
printf '%s\n' '# 1-D' 'input 2x64' 'conv1d 4 5 pad=2' 'maxpool1d 2' 'avgpool1d 2 stride=1' \
  'flatten' 'fc 3' 'softmax' > "$OUT/spec/conv1d.cfg"
printf '%s\n' 'input 1x4x8x8' 'conv3d 2 3x3x3 pad=same' 'maxpool3d 2' 'avgpool3d 1x2x2' \
  'globalavgpool' 'fc classes' 'softmax' > "$OUT/spec/conv3d.cfg"
printf 'conv 8 5x5 stride=2x1 pad=1x2\nbn momentum=0.2 eps=0.001\nrelu\nfc 4 bias=no\n' \
  > "$OUT/spec/no-input.cfg"

# ---- tables and IDX -------------------------------------------------------------
printf 'epoch\tsigmoid\trelu\n1\t0.001\t0.5\n2\tdiverged\t0.4\n3\tnan\t\n' > "$OUT/table/lines.tsv"
printf 'x\ty\tclass\r\n0\t1.5e-3\ta\r\n\r\n-1\tinf\tb\r\n' > "$OUT/table/points.tsv"
# IDX: 3 images of 2 x 2 bytes, their 3 labels; one gzip-compressed.
printf '\0\0\010\003\0\0\0\003\0\0\0\002\0\0\0\002\001\002\003\004\005\006\007\010\011\012\013\014' \
  > "$OUT/idx/images.idx"
printf '\0\0\010\001\0\0\0\003\000\001\002' > "$OUT/idx/labels.idx"
gzip -9 -n -c "$OUT/idx/images.idx" > "$OUT/idx/images.idx.gz"
