#!/usr/bin/env bash
# nn.sh: `bovw nn` on Fashion-MNIST against PyTorch on the CPU (issue 7's
# figures).
#
#   bench/nn.sh [BUILD_DIR] [OUT_DIR] [--speed-epochs 2] [--epochs "1 5 15"]
#               [--threads "1 2"] [--no-torch] [--no-accuracy] [--no-layers]
#               [--augment]
#
# First the yardstick: BUILD_DIR/sgemm, OpenBLAS's sgemm on 2048 x 2048
# matrices, gives this machine's float32 peak at each thread count; every
# GFLOP/s below is also given as a share of it.
# Imports Fashion-MNIST's IDX files (dataset-fashion-mnist) into OUT_DIR
# once. Speed, for each thread count: `bovw nn train models/fmnist-cnn.cfg`
# for --speed-epochs epochs; seconds per epoch (the median of the epochs'
# times in curve.csv), training images/s, achieved GFLOP/s (training counts
# 3x the forward FLOPs of `bovw nn summary`: forward, and backward to the
# inputs and to the weights), then `bovw nn eval` on the 10,000 test images
# (inference images/s, from its report). Then PyTorch (bench/nn_torch.py,
# same net, batch, optimiser) for as many epochs, right after, so that both
# are measured in the same run. Then, unless --no-layers, BUILD_DIR/nn_layers
# at each thread count: a training step's time per layer on data in memory,
# each product's GFLOP/s, and the whole step's against the peak (a block of
# batch norm, ReLU and max pool counts under its batch norm). Accuracy: separate 2-thread
# runs of 1, 5 and 15 epochs (each its own cosine schedule) of the CNN, and
# 15 epochs of models/mlp.cfg, evaluated on the test set; --augment trains
# the CNN of the accuracy runs with random crops and flips (the speed runs
# and PyTorch's never augment).
# Prints Markdown tables for bench/RESULTS.md.
set -eu
ARGS="$*"
SPEED_EPOCHS=2 EPOCHS="1 5 15" THREADS="1 2" TORCH=1 ACCURACY=1 LAYERS=1 AUGMENT=
POS=()
while [ $# -gt 0 ]; do
  case $1 in
    --speed-epochs) SPEED_EPOCHS=$2; shift 2 ;;
    --epochs) EPOCHS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --no-torch) TORCH=0; shift ;;
    --no-accuracy) ACCURACY=0; shift ;;
    --no-layers) LAYERS=0; shift ;;
    --augment) AUGMENT=--augment; shift ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) POS+=("$1"); shift ;;
  esac
done
BUILD=${POS[0]:-build}
OUT=${POS[1]:-$BUILD/bench-nn}
BOVW=$BUILD/bovw
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
MODELS=$HERE/../models
FM=/usr/share/datasets/fashion-mnist
say() { echo "nn.sh: $*" >&2; }
. "$(dirname "$0")/lib.sh"
json() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"; }
[ -f "$FM/train-images-idx3-ubyte.gz" ] || { say "$FM: install dataset-fashion-mnist"; exit 1; }
mkdir -p "$OUT"
for part in train:train t10k:test; do
  src=${part%%:*} dst=${part##*:}
  if [ ! -f "$OUT/dataset/$dst/meta.json" ] && [ ! -f "$OUT/dataset/$dst/$dst.tsv" ]; then
    say "importing Fashion-MNIST $dst"
    rm -rf "$OUT/images/$dst"
    "$BOVW" dataset import-idx --class-names fashion-mnist -o "$OUT/images/$dst" -q \
      --images "$FM/$src-images-idx3-ubyte.gz" --labels "$FM/$src-labels-idx1-ubyte.gz"
    frac=0; [ "$dst" = test ] && frac=1
    "$BOVW" dataset scan "$OUT/images/$dst" -o "$OUT/dataset/$dst" --test-fraction "$frac" -q
  fi
done
TRAIN=$OUT/dataset/train/train.tsv TEST=$OUT/dataset/test/test.tsv
FLOPS=$("$BOVW" nn summary "$MODELS/fmnist-cnn.cfg" | sed -n 's/^per sample: \([0-9]*\) FLOPs.*/\1/p')
say "sgemm peak at $THREADS thread(s)"
# shellcheck disable=SC2086
"$BUILD/sgemm" $THREADS > "$OUT/sgemm.txt"
peak() { awk -v t="$1" '$3 == t && $5 == "2048x2048x2048" {print $7}' "$OUT/sgemm.txt"; }

echo "## Neural networks on Fashion-MNIST ($(date +%Y-%m-%d))"
echo
echo "Command: \`bench/nn.sh $ARGS\` ($(machine))."
echo "models/fmnist-cnn.cfg ($FLOPS forward FLOPs per image), 60,000 training images, batch 64,"
echo "SGD momentum 0.9, lr 0.05 cosine, weight decay 5e-4; seconds per epoch: median over"
echo "$SPEED_EPOCHS epochs. Inference: the 10,000 test images. Peak: OpenBLAS sgemm on 2048 x 2048"
echo "matrices ($(for t in $THREADS; do printf '%s GFLOP/s at %s thread(s); ' "$(peak "$t")" "$t"; done | sed 's/; $//'))."
echo
echo "| engine | threads | seconds / epoch | training images/s | training GFLOP/s | share of sgemm peak | inference images/s |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for t in $THREADS; do
  say "bovw, $t thread(s), $SPEED_EPOCHS epochs"
  rm -rf "$OUT/speed"
  "$BOVW" nn train "$MODELS/fmnist-cnn.cfg" --manifest "$TRAIN" -o "$OUT/speed" \
    --epochs "$SPEED_EPOCHS" -j "$t" -q >/dev/null
  # The seconds column by its name: curve.csv has columns after it.
  s=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i; next }
    { print $c }' "$OUT/speed/curve.csv" | median)
  "$BOVW" nn eval "$OUT/speed" --manifest "$TEST" -o "$OUT/speed-report" -j "$t" >/dev/null
  inf=$(json "$OUT/speed-report/report.json" run.images_per_second)
  awk -v t="$t" -v s="$s" -v f="$FLOPS" -v i="$inf" -v p="$(peak "$t")" 'BEGIN {
    g = 3 * f * 60000 / s / 1e9
    printf "| bovw | %d | %.1f | %.0f | %.1f | %.1f%% | %.0f |\n", t, s, 60000 / s, g, 100 * g / p, i }'
  if [ "$TORCH" = 1 ]; then
    say "PyTorch, $t thread(s), $SPEED_EPOCHS epochs"
    "$PY" "$HERE/nn_torch.py" cnn "$SPEED_EPOCHS" "$t" > "$OUT/torch.txt"
    s=$(grep '^epoch' "$OUT/torch.txt" | awk '{print $3}' | median)
    inf=$(awk '/^inference/ {print $2}' "$OUT/torch.txt")
    v=$("$PY" -c 'import torch; print(torch.__version__)')
    awk -v t="$t" -v s="$s" -v f="$FLOPS" -v i="$inf" -v v="$v" -v p="$(peak "$t")" 'BEGIN {
      g = 3 * f * 60000 / s / 1e9
      printf "| PyTorch %s | %d | %.1f | %.0f | %.1f | %.1f%% | %.0f |\n", v, t, s, 60000 / s, g, 100 * g / p, i }'
  fi
done
rm -rf "$OUT/speed" "$OUT/speed-report"

if [ "$LAYERS" = 1 ]; then
  for t in $THREADS; do
    say "per-layer profile, $t thread(s)"
    echo
    echo "Per layer, $t thread(s): \`$BUILD/nn_layers models/fmnist-cnn.cfg -j $t --peak $(peak "$t")\`"
    echo "(100 training steps of batch 64 on data in memory; milliseconds per batch)."
    echo
    "$BUILD/nn_layers" "$MODELS/fmnist-cnn.cfg" -j "$t" --peak "$(peak "$t")"
  done
fi

if [ "$ACCURACY" = 1 ]; then
  echo
  echo "| net | epochs | test accuracy | mean per-class | training seconds (2 threads) |"
  echo "| --- | --- | --- | --- | --- |"
  run() {
    local spec=$1 e=$2 augment=${3:-} d=$OUT/acc-$1-$2${3:+-augment}
    if [ ! -f "$d/report/report.json" ]; then
      say "$spec, $e epochs ${augment:+(augmented) }, 2 threads"
      rm -rf "$d"
      # shellcheck disable=SC2086
      "$BOVW" nn train "$MODELS/$spec.cfg" --manifest "$TRAIN" -o "$d/net" --epochs "$e" -j 2 -q $augment >/dev/null
      "$BOVW" nn eval "$d/net" --manifest "$TEST" -o "$d/report" -j 2 >/dev/null
    fi
    awk -v n="$spec" -v e="$e" -v a="$(json "$d/report/report.json" accuracy)" \
      -v m="$(json "$d/report/report.json" mean_class_accuracy)" \
      -v s="$(json "$d/report/report.json" run.train_seconds)" \
      -v g="${augment:+ (augmented)}" \
      'BEGIN {printf "| %s%s | %d | %.2f%% | %.2f%% | %.0f |\n", n, g, e, 100 * a, 100 * m, s}'
  }
  for e in $EPOCHS; do run fmnist-cnn "$e" "$AUGMENT"; done
  run mlp 15
fi
