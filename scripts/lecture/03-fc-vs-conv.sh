#!/usr/bin/env bash
# 03-fc-vs-conv.sh: the lecture's vertical-edge detector as a fully
# connected layer and as a 1x2 convolution.
#
#   scripts/lecture/03-fc-vs-conv.sh [OUT_DIR] [--quick] [-j N] [--seed S]
#
#   OUT_DIR     where everything goes (runs/lecture/03-fc-vs-conv)
#   --quick     a tiny version for the tests (200 images a class)
#   -j N        threads (2)
#   --seed S    the images' and the networks' seed (0)
#
# 1. Costs, from `bovw nn summary` on specs written here: the detector maps
#    an H x W image to the H x (W-1) differences of horizontal neighbours,
#    as `fc H(W-1) bias=no` (every output sees every pixel) or as
#    `conv 1 1x2 bias=no` (every output sees two, with the same two
#    weights), for H = W = 28, 56, 112, 224: OUT_DIR/results.tsv and
#    fc-vs-conv.svg (parameters and multiply-adds against the side, log-log).
# 2. Training: `bovw dataset edges --rising` (28 x 28 images with one
#    rising step, vertical or horizontal, each of its own brightness), and
#    two nets told to tell the directions apart: the 1x2 convolution, then
#    a global average pool and a 2-way classifier; and the fully connected
#    layer of the same 756 outputs, then the classifier. Their test
#    accuracy, the convolution's learned kernel (`bovw nn weights`) and how
#    much the fc layer's rows look like an edge detector: OUT_DIR/training.tsv.
# results.md has both tables and what they show.
set -eu
. "$(dirname "$0")/lib.sh"
lecture_args 2 -- "$@"
mkdir -p "$OUT/specs"
t0=$(date +%s.%N)

# ---- 1. parameters and multiply-adds from the summaries -----------------------
# total_of SPEC: "params<TAB>MACs" of the summary's total line.
total_of() { "$BOVW" nn summary "$1" | awk '$1 == "total" {print $2 "\t" $3}'; }
printf 'side\tfc_params\tfc_macs\tconv_params\tconv_macs\n' > "$OUT/results.tsv"
for side in 28 56 112 224; do
  printf 'input 1x%dx%d\nfc %d bias=no\n' "$side" "$side" $((side * (side - 1))) \
    > "$OUT/specs/fc-$side.cfg"
  printf 'input 1x%dx%d\nconv 1 1x2 bias=no\n' "$side" "$side" > "$OUT/specs/conv-$side.cfg"
  printf '%d\t%s\t%s\n' "$side" "$(total_of "$OUT/specs/fc-$side.cfg")" \
    "$(total_of "$OUT/specs/conv-$side.cfg")" >> "$OUT/results.tsv"
done
"$BOVW" nn summary "$OUT/specs/fc-224.cfg"
"$BOVW" nn summary "$OUT/specs/conv-224.cfg"
"$BOVW" plot lines "$OUT/results.tsv" -o "$OUT/fc-vs-conv.svg" --x side \
  --y fc_params,fc_macs,conv_params,conv_macs --log-x --log-y \
  --title "A vertical-edge detector on side x side images: fc against a 1x2 convolution" \
  --x-title "image side (pixels)" --y-title "parameters, multiply-adds per image"

# ---- 2. both trained on synthetic edges ---------------------------------------
if [ "$QUICK" = 1 ]; then PER=200 TRAIN=150 FC_EPOCHS=10; else PER=1000 TRAIN=800 FC_EPOCHS=20; fi
CONV_EPOCHS=100
echo "== edges: $PER images a class, $TRAIN of them for training (seed $SEED)"
"$BOVW" dataset edges -o "$OUT/edges" --per-class "$PER" --rising --seed "$SEED" -j "$J" -q
"$BOVW" dataset scan "$OUT/edges" -o "$OUT/dataset" --train-per-class "$TRAIN" --seed "$SEED" -q
cat > "$OUT/specs/edge-conv.cfg" <<'EOF'
# the vertical-edge detector as a convolution: two weights for every position
input 1x28x28
conv 1 1x2 bias=no
globalavgpool
fc classes
softmax
EOF
cat > "$OUT/specs/edge-fc.cfg" <<'EOF'
# the same 28 x 27 outputs from a fully connected layer: 784 weights for each
input 1x28x28
fc 756 bias=no
fc classes
softmax
EOF
# train NAME LR EPOCHS: trains specs/edge-NAME.cfg into OUT/NAME and scores it.
train() {
  rm -rf "$OUT/$1" "$OUT/$1-report"
  "$BOVW" nn train "$OUT/specs/edge-$1.cfg" --manifest "$OUT/dataset/train.tsv" -o "$OUT/$1" \
    --epochs "$3" --batch 32 --lr "$2" --seed "$SEED" -j "$J" -q > /dev/null
  "$BOVW" nn eval "$OUT/$1" --manifest "$OUT/dataset/test.tsv" -o "$OUT/$1-report" -j "$J" -q \
    | sed -n 's/.*: accuracy \([0-9.]*\)%.*/\1/p'
}
# Each net gets the rate it trains at: the fc layer diverges at 0.1 (a unit
# sums 784 inputs, the conv's 2), and the convolution's tiny signal (the
# average of 756 differences, one of them the step) needs a high rate and
# many epochs to leave the saddle at zero weights for every seed: 6
# parameters, a fraction of a second.
acc_conv=$(train conv 0.5 "$CONV_EPOCHS")
acc_fc=$(train fc 0.01 "$FC_EPOCHS")
# The learned kernel [a b], and its cosine with [-1 1]: 1 for the
# difference of neighbours, whatever its scale.
kernel=$("$BOVW" nn weights "$OUT/conv" 0.weight | awk -F'\t' 'NR == 2 {print $3}')
cosine=$(echo "$kernel" | awk -F, '{printf "%.4f", ($2 - $1) / sqrt(2 * ($1 * $1 + $2 * $2))}')
# How local the fc layer's rows are: the share of a row's squared weights
# on its best pair of horizontal neighbours, averaged over the rows (an
# edge detector: 1), trained and at initialisation (one epoch at a rate of
# 1e-12 leaves the weights as drawn).
edge_share() {
  "$BOVW" nn weights "$1" 0.weight | awk -F'\t' 'NR == 2 {
    split($2, shape, "x"); rows = shape[1]; n = shape[2]; side = sqrt(n)
    split($3, v, ","); total = 0
    for (r = 0; r < rows; r++) {
      ss = 0; best = 0
      for (i = 1; i <= n; i++) ss += v[r * n + i] ^ 2
      for (y = 0; y < side; y++)
        for (x = 0; x < side - 1; x++) {
          i = r * n + y * side + x + 1; p = v[i] ^ 2 + v[i + 1] ^ 2
          if (p > best) best = p
        }
      total += best / ss
    }
    printf "%.4f", total / rows }'
}
rm -rf "$OUT/fc-init"
"$BOVW" nn train "$OUT/specs/edge-fc.cfg" --manifest "$OUT/dataset/train.tsv" -o "$OUT/fc-init" \
  --epochs 1 --lr 1e-12 --seed "$SEED" -j "$J" -q > /dev/null
share_fc=$(edge_share "$OUT/fc") share_init=$(edge_share "$OUT/fc-init")
params() { total_of "$1" | cut -f1; }
{
  printf 'net\tparams\tepochs\tlr\ttest_accuracy\tkernel\tcosine_with_[-1_1]\tedge_share\tedge_share_at_init\n'
  printf 'conv 1x2\t%s\t%s\t0.5\t%s\t%s\t%s\t-\t-\n' "$(params "$OUT/conv")" "$CONV_EPOCHS" \
    "$acc_conv" "$kernel" "$cosine"
  printf 'fc 756\t%s\t%s\t0.01\t%s\t-\t-\t%s\t%s\n' "$(params "$OUT/fc")" "$FC_EPOCHS" "$acc_fc" \
    "$share_fc" "$share_init"
} > "$OUT/training.tsv"

# ---- results.md ---------------------------------------------------------------
r224=$(awk -F'\t' '$1 == 224' "$OUT/results.tsv")
fcp=$(echo "$r224" | cut -f2) fcm=$(echo "$r224" | cut -f3)
{
  echo "# FC versus convolution: the vertical-edge detector"
  echo
  echo "Parameters and multiply-adds per image of the detector on side x side images"
  echo "(\`bovw nn summary\`; FLOPs are twice the multiply-adds):"
  echo
  md_table "$OUT/results.tsv"
  echo
  awk -v p="$fcp" -v m="$fcm" 'BEGIN {printf "At 224 x 224 the fully connected layer has %.3g parameters and %.3g FLOPs per image; the convolution has 2 weights and 2 multiply-adds per output.\n", p, 2 * m}'
  echo
  echo "Both trained to tell vertical from horizontal rising edges ($PER images a class,"
  echo "$TRAIN for training; accuracy in % on the other $((PER - TRAIN)) a class):"
  echo
  md_table "$OUT/training.tsv"
  echo
  echo "The convolution learns the kernel [$kernel], a multiple of [-1 1] (cosine $cosine):"
  echo "the difference of horizontal neighbours. The fc layer's rows put $share_fc of their"
  echo "weight on their best pair of neighbours, as at initialisation ($share_init): they do not"
  echo "become local edge detectors."
} > "$OUT/results.md"
cat "$OUT/results.md"
echo "== $me: $(elapsed "$t0")"
