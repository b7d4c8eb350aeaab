#!/usr/bin/env bash
# nn_train.sh: `bovw nn train` and `bovw nn eval` through the real binary: a
# tiny CNN on 16x16 synthetic images (3 classes), the net folder, the report,
# the same run twice, validation and augmentation, a bad image, an MLP head
# on BoVW encodings, the refusals and the usage errors.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

# 45 images a class (circles, squares, triangles), 30 of them for training.
"$MAKE_TEST_IMAGES" "$TMP/data" --classes 3 --per-class 45 --size 16 --seed 3 --format png
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 30 -q >/dev/null 2>&1
cat > "$TMP/tiny.cfg" <<'EOF'
# a tiny CNN for 16x16 colour images
input 3x16x16
conv 8 3x3 pad=same
bn
relu
maxpool 2
conv 16 3x3 pad=same
bn
relu
maxpool 2
flatten
fc classes
softmax
EOF
TRAIN=(--epochs 20 --batch 16 -j 1 --seed 0)

expect_exit 0 "train a tiny CNN" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/net" "${TRAIN[@]}"
expect_grep "^bovw nn train: epoch 20/20 lr .* loss .* acc .*% .* img/s dead relu 2:.* 6:" "$TMP/err" "a line per epoch: loss, accuracy, speed, dead ReLUs"
expect_eq "$(grep -c "^bovw nn train: epoch [0-9]*/20 " "$TMP/err")" 20 "twenty epoch lines"
expect_grep "^3 classes, 90 training images, .* 20 epochs: train accuracy" "$TMP/out" "the summary line"
acc=$(sed -n 's/.*train accuracy \([0-9.]*\)%.*/\1/p' "$TMP/out")
if awk -v a="$acc" 'BEGIN {exit !(a >= 90)}'; then pass "train accuracy $acc%"; else fail "train accuracy $acc%"; fi
for f in weights.safetensors spec.cfg meta.json curve.csv curve.svg; do
  [ -s "$TMP/net/$f" ] && pass "net folder has $f" || fail "net folder lacks $f"
done
cmp -s "$TMP/tiny.cfg" "$TMP/net/spec.cfg" && pass "spec.cfg is the spec as given" || fail "spec.cfg differs"
expect_grep '"kind":[[:space:]]*"net"' "$TMP/net/meta.json" "meta.json is a net"
expect_grep '"normalization":' "$TMP/net/meta.json" "meta.json keeps the normalisation"
expect_grep '"history":' "$TMP/net/meta.json" "meta.json keeps the history"
# Then the weight gradient's norm of each conv and fc, the dead share of each ReLU.
expect_eq "$(head -1 "$TMP/net/curve.csv")" \
  "epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds,grad_norm_0,grad_norm_4,grad_norm_9,dead_relu_2,dead_relu_6" \
  "curve.csv header"
expect_eq "$(awk -F, 'NR > 1 && ($8 <= 0 || $12 == "" || $12 < 0 || $12 > 1) {print}' "$TMP/net/curve.csv")" "" \
  "curve.csv: gradient norms above 0, dead shares in [0, 1]"
expect_eq "$(wc -l < "$TMP/net/curve.csv")" 21 "curve.csv has a line per epoch"
expect_grep "<svg" "$TMP/net/curve.svg" "curve.svg is SVG"

expect_exit 0 "evaluate it on the test images" "$BOVW" nn eval "$TMP/net" --manifest "$TMP/ds/test.tsv" -o "$TMP/report" -j 1
acc=$(sed -n 's/.*mean per-class accuracy \([0-9.]*\)%.*/\1/p' "$TMP/out")
# 3 classes: chance is 33%; this run gets 98%, other seeds 67-98%.
if awk -v a="$acc" 'BEGIN {exit !(a >= 60)}'; then pass "test mean per-class accuracy $acc% (chance 33%)"; else
  fail "test mean per-class accuracy $acc%"; fi
for f in report.json report.md confusion.svg; do
  [ -s "$TMP/report/$f" ] && pass "$f written" || fail "$f missing"
done
expect_grep '"kind":[[:space:]]*"nn"' "$TMP/report/report.json" "the report says it is a network's"
expect_grep '"spec":[[:space:]]*"tiny"' "$TMP/report/report.json" "the report names the spec"
expect_grep '"confusion":' "$TMP/report/report.json" "the report has the confusion matrix"

# The same seed and threads: the same weights and the same curve.
expect_exit 0 "train again with the same seed" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/net2" "${TRAIN[@]}" -q
cmp -s "$TMP/net/weights.safetensors" "$TMP/net2/weights.safetensors" && pass "same seed, same weights" || fail "same seed, other weights"
expect_eq "$(cut -d, -f1-6 "$TMP/net2/curve.csv" | md5sum)" "$(cut -d, -f1-6 "$TMP/net/curve.csv" | md5sum)" "same seed, same curve"
expect_exit 0 "train with another seed" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/net3" --epochs 2 --batch 16 -j 1 --seed 1 -q
cmp -s "$TMP/net/weights.safetensors" "$TMP/net3/weights.safetensors" && fail "another seed, same weights" || pass "another seed, other weights"

# Validation, augmentation, Nesterov, the step schedule.
expect_exit 0 "train with a validation share and augmentation" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/netv" --epochs 3 --batch 16 -j 1 --val-fraction 0.2 --augment --nesterov --schedule step
expect_grep "epoch 3/3 .* val loss [0-9.]* val acc [0-9.]*%" "$TMP/err" "validation loss and accuracy per epoch"
expect_grep "18 held out" "$TMP/out" "a fifth of each class held out (6 x 3)"
expect_grep '"val_count":[[:space:]]*18' "$TMP/netv/meta.json" "meta.json counts the held-out images"
expect_grep '"augment":[[:space:]]*true' "$TMP/netv/meta.json" "meta.json keeps the options"
expect_grep '"schedule":[[:space:]]*"step"' "$TMP/netv/meta.json" "meta.json keeps the schedule"

# A bad image is skipped with a warning, never an abort.
{ cat "$TMP/ds/train.tsv"; printf 'circles/missing.png\t0\tcircles\n'; } > "$TMP/ds/train-bad.tsv"
expect_exit 0 "train over a missing image" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train-bad.tsv" -o "$TMP/netb" --epochs 1 -j 1 -q
expect_grep "^bovw nn train: warning: .*missing.png" "$TMP/err" "the warning names the image"
expect_grep "(1 skipped)" "$TMP/out" "the summary counts it"
expect_grep '"skipped":[[:space:]]*1' "$TMP/netb/meta.json" "meta.json counts it"

# Specs that do not fit the data.
grep -v '^input' "$TMP/tiny.cfg" > "$TMP/noinput.cfg"
expect_exit 1 "images need the spec's input line" "$BOVW" nn train "$TMP/noinput.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" -j 1
expect_grep "no 'input CxHxW' line" "$TMP/err" "the error says what is missing"
sed 's/^input 3x16x16/input 2x16x16/' "$TMP/tiny.cfg" > "$TMP/twochannels.cfg"
expect_exit 1 "images have 1 or 3 channels" "$BOVW" nn train "$TMP/twochannels.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" -j 1
sed 's/^fc classes/fc 5/' "$TMP/tiny.cfg" > "$TMP/five.cfg"
expect_exit 1 "5 outputs for 3 classes" "$BOVW" nn train "$TMP/five.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" -j 1
expect_grep "gives 5 scores, but the data has 3 classes" "$TMP/err" "the error says why"
printf 'input 3x16x16\nconv 8 3x3 strid=2\n' > "$TMP/bad.cfg"
expect_exit 1 "a bad spec" "$BOVW" nn train "$TMP/bad.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" -j 1
expect_grep "bad.cfg:2:" "$TMP/err" "the error names the file and line"
expect_exit 1 "eval refuses a folder that is not a net" "$BOVW" nn eval "$TMP/ds" --manifest "$TMP/ds/test.tsv" -o "$TMP/x"
expect_exit 1 "eval refuses encodings for a net trained on images" "$BOVW" nn eval "$TMP/net" --encodings "$TMP/ds" -o "$TMP/x"
expect_grep "trained on images" "$TMP/err" "the refusal says why"

# An MLP head on BoVW encodings (64x64 images: dense SIFT needs room).
"$MAKE_TEST_IMAGES" "$TMP/big" --classes 3 --per-class 12 --size 64 --seed 3
B=("$BOVW")
"${B[@]}" dataset scan "$TMP/big" -o "$TMP/bds" --train-per-class 8 -q >/dev/null 2>&1
"${B[@]}" extract "$TMP/bds/train.tsv" -o "$TMP/ftr" -j 1 -q >/dev/null 2>&1
"${B[@]}" extract "$TMP/bds/test.tsv" -o "$TMP/fte" -j 1 -q >/dev/null 2>&1
"${B[@]}" codebook "$TMP/ftr" -o "$TMP/cb" -k 16 --samples 3000 -j 1 -q >/dev/null 2>&1
"${B[@]}" codebook "$TMP/ftr" -o "$TMP/cb2" -k 16 --samples 3000 --seed 9 -j 1 -q >/dev/null 2>&1
"${B[@]}" encode "$TMP/ftr" -c "$TMP/cb" -o "$TMP/etr" -j 1 -q >/dev/null 2>&1
"${B[@]}" encode "$TMP/fte" --like "$TMP/etr" -o "$TMP/ete" -j 1 -q >/dev/null 2>&1
"${B[@]}" encode "$TMP/fte" -c "$TMP/cb2" -o "$TMP/eother" -j 1 -q >/dev/null 2>&1
printf 'fc 32\nrelu\nfc classes\nsoftmax\n' > "$TMP/head.cfg"
expect_exit 0 "train an MLP head on encodings (no input line)" "$BOVW" nn train "$TMP/head.cfg" --encodings "$TMP/etr" -o "$TMP/head" --epochs 10 --batch 8 -j 1 -q
expect_grep '"from_encodings":[[:space:]]*true' "$TMP/head/meta.json" "the net knows it takes encodings"
expect_grep '"sha256":' "$TMP/head/meta.json" "it keeps the codebook's checksum"
expect_exit 0 "evaluate it on encodings made alike" "$BOVW" nn eval "$TMP/head" --encodings "$TMP/ete" -o "$TMP/hreport" -j 1
expect_grep '"encoding":' "$TMP/hreport/report.json" "the report records the encoding"
expect_exit 1 "eval refuses encodings from another codebook" "$BOVW" nn eval "$TMP/head" --encodings "$TMP/eother" -o "$TMP/x" -j 1
expect_grep "^bovw nn eval: .*another codebook" "$TMP/err" "the refusal says why"
expect_exit 1 "eval refuses a manifest for a net on encodings" "$BOVW" nn eval "$TMP/head" --manifest "$TMP/bds/test.tsv" -o "$TMP/x" -j 1
printf 'input 1x8x8\nflatten\nfc classes\nsoftmax\n' > "$TMP/image-head.cfg"
expect_exit 1 "an image input line for encodings" "$BOVW" nn train "$TMP/image-head.cfg" --encodings "$TMP/etr" -o "$TMP/x" -j 1 -q
expect_grep "leave the input line out" "$TMP/err" "the error says what to write"

# Usage errors.
expect_exit 2 "no spec" "$BOVW" nn train --manifest "$TMP/ds/train.tsv" -o "$TMP/x"
expect_exit 2 "no training data" "$BOVW" nn train "$TMP/tiny.cfg" -o "$TMP/x"
expect_exit 2 "both kinds of training data" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" --encodings "$TMP/etr" -o "$TMP/x"
expect_exit 2 "no output folder" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv"
expect_exit 2 "bad schedule" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" --schedule linear
expect_exit 2 "zero epochs" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" --epochs 0
expect_exit 2 "validation fraction of 1" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" --val-fraction 1
expect_exit 2 "Nesterov without momentum" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" --nesterov --momentum 0
expect_exit 2 "augmentation of encodings" "$BOVW" nn train "$TMP/head.cfg" --encodings "$TMP/etr" -o "$TMP/x" --augment
expect_exit 2 "unknown option" "$BOVW" nn train "$TMP/tiny.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/x" --frobnicate
expect_exit 2 "eval without output" "$BOVW" nn eval "$TMP/net" --manifest "$TMP/ds/test.tsv"
expect_exit 2 "eval without data" "$BOVW" nn eval "$TMP/net" -o "$TMP/x"
expect_exit 2 "no such nn command" "$BOVW" nn frobnicate
expect_exit 0 "train --help" "$BOVW" nn train --help
expect_grep "val-fraction" "$TMP/out" "the help lists the options"
expect_exit 0 "eval --help" "$BOVW" nn eval --help
[ ! -e "$TMP/x/meta.json" ] && pass "no refused run left a net behind" || fail "a refused run wrote $TMP/x"
finish
