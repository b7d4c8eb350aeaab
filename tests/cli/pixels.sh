#!/usr/bin/env bash
# pixels.sh: the raw-pixel baselines through the real binary: synthetic
# images encoded by their pixels, a k-nearest-neighbour and a linear
# classifier trained and evaluated on them (both well above chance), an MLP
# on the same encodings, the identity checks, compare, and the usage errors.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

# Six classes (circles, squares, triangles, two stripes, checkerboards),
# 40 images each at 32x32, 25 of them for training; chance is 1/6.
"$MAKE_TEST_IMAGES" "$TMP/data" --classes 6 --per-class 40 --size 32 --seed 3 --format png
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 25 -q >/dev/null 2>&1

expect_exit 0 "encode the training images by their pixels" \
  "$BOVW" encode --pixels "$TMP/ds/train.tsv" -o "$TMP/etr" -j 2
expect_grep "^150 images encoded as 1024-D pixel vectors (32x32 gray) -> " "$TMP/out" "150 vectors of 32x32"
expect_grep '"encoding":[[:space:]]*"pixels"' "$TMP/etr/meta.json" "meta.json says pixels"
expect_grep '"standardize":[[:space:]]*false' "$TMP/etr/meta.json" "and the settings"
expect_exit 0 "the test images like the training ones" \
  "$BOVW" encode --pixels "$TMP/ds/test.tsv" --like "$TMP/etr" -o "$TMP/ete" -q
expect_grep "^90 images encoded as 1024-D" "$TMP/out" "90 test vectors"

# accuracy_at_least MIN WHAT: the mean per-class accuracy of the last eval.
accuracy_at_least() {
  local acc
  acc=$(sed -n 's/.*mean per-class accuracy \([0-9.]*\)%.*/\1/p' "$TMP/out")
  if awk -v a="$acc" -v m="$1" 'BEGIN {exit !(a >= m)}'; then pass "$2: $acc% (chance 16.7%)"; else
    fail "$2: mean per-class accuracy $acc%"; fi
}

# This data gives 81% with 1-NN and 71% with the linear SVM; 40% is far
# above chance and leaves room for other seeds.
expect_exit 0 "train 1-NN" "$BOVW" train "$TMP/etr" -o "$TMP/knn" --solver knn
expect_grep "^6 classes, 150 training images, knn with 1 neighbour (l2) -> " "$TMP/out" "the knn summary line"
for f in train_encodings.npy train_labels.npy meta.json; do
  [ -s "$TMP/knn/$f" ] && pass "the knn model has $f" || fail "the knn model lacks $f"
done
expect_exit 0 "eval 1-NN" "$BOVW" eval "$TMP/knn" "$TMP/ete" -o "$TMP/r-knn" -j 2
accuracy_at_least 40 "pixels, 1-NN"
expect_grep '"solver":[[:space:]]*"knn"' "$TMP/r-knn/report.json" "the report names the solver"
expect_grep '"neighbors":[[:space:]]*1' "$TMP/r-knn/report.json" "and K"
expect_grep '"model_bytes":[[:space:]]*615000' "$TMP/r-knn/report.json" "the model is the training set: 150 x 1025 x 4 bytes"
expect_exit 0 "train 5-NN, cosine" "$BOVW" train "$TMP/etr" -o "$TMP/knn5" --solver knn --neighbors 5 --knn-metric cosine
expect_exit 0 "eval 5-NN" "$BOVW" eval "$TMP/knn5" "$TMP/ete" -o "$TMP/r-knn5" -j 1
accuracy_at_least 40 "pixels, 5-NN cosine"
expect_exit 0 "train a linear SVM" "$BOVW" train "$TMP/etr" -o "$TMP/svm" -q
expect_exit 0 "eval the linear SVM" "$BOVW" eval "$TMP/svm" "$TMP/ete" -o "$TMP/r-svm"
accuracy_at_least 40 "pixels, linear SVM"

# The networks read the same encodings.
printf 'input 1024x1x1\nflatten\nfc 64\nrelu\nfc classes\nsoftmax\n' > "$TMP/mlp.cfg"
expect_exit 0 "an MLP on the pixel encodings" "$BOVW" nn train "$TMP/mlp.cfg" --encodings "$TMP/etr" \
  -o "$TMP/net" --epochs 30 --batch 16 --lr 0.05 -j 1 -q
expect_exit 0 "nn eval on the pixel encodings" "$BOVW" nn eval "$TMP/net" --encodings "$TMP/ete" -o "$TMP/r-mlp" -j 1
accuracy_at_least 30 "pixels, MLP"

# Side by side, named from the runs.
expect_exit 0 "compare the baselines" "$BOVW" compare "$TMP/r-knn" "$TMP/r-knn5" "$TMP/r-svm" "$TMP/r-mlp" -o "$TMP/cmp"
expect_grep "^| pixels-knn (r-knn) | 90 | " "$TMP/cmp/compare.md" "pixels-knn"
expect_grep "^| pixels-sgd | 90 | " "$TMP/cmp/compare.md" "pixels-sgd"
expect_grep "^| nn-mlp | 90 | " "$TMP/cmp/compare.md" "nn-mlp"

# Encodings made otherwise are refused, by name.
expect_exit 0 "16x16 pixels" "$BOVW" encode --pixels "$TMP/ds/test.tsv" -o "$TMP/e16" --size 16x16 -q
expect_exit 1 "a model refuses another size" "$BOVW" eval "$TMP/knn" "$TMP/e16" -o "$TMP/x"
expect_grep "^bovw eval: .*e16 has 256-dimensional encodings; the model takes 1024$" "$TMP/err" "the dimension is named"
expect_exit 0 "standardized pixels" "$BOVW" encode --pixels "$TMP/ds/test.tsv" -o "$TMP/estd" --standardize -q
expect_exit 1 "a model refuses other settings" "$BOVW" eval "$TMP/svm" "$TMP/estd" -o "$TMP/x"
expect_grep "standardize is true there, false for the model" "$TMP/err" "the setting is named"
expect_exit 1 "BoVW encodings cannot be made like pixel ones" "$BOVW" encode "$TMP/nowhere" --like "$TMP/etr" -o "$TMP/x"
expect_grep "holds pixel encodings: make others like it with --pixels" "$TMP/err" "and says how"
img="$TMP/data/$(sed -n 2p "$TMP/ds/test.tsv" | cut -f1)"
expect_exit 1 "predict needs a BoVW model" "$BOVW" predict -m "$TMP/knn" -c "$TMP/etr" "$img"
expect_grep "knn was trained on pixel encodings: predict needs a BoVW model" "$TMP/err" "predict says why"
expect_exit 0 "rgb pixels" "$BOVW" encode --pixels "$TMP/ds/test.tsv" -o "$TMP/ergb" --size 8x4 --color rgb -q
expect_grep '"dim":[[:space:]]*96' "$TMP/ergb/meta.json" "8 x 4 x 3 values"
expect_exit 1 "more neighbours than training images" "$BOVW" train "$TMP/etr" -o "$TMP/x" --solver knn --neighbors 151
expect_grep "151 neighbours, but there are 150 training encodings" "$TMP/err" "K is checked"

# Usage errors.
expect_exit 2 "--pixels with a codebook" "$BOVW" encode --pixels "$TMP/ds/test.tsv" -c "$TMP/etr" -o "$TMP/x"
expect_exit 2 "a bad size" "$BOVW" encode --pixels "$TMP/ds/test.tsv" -o "$TMP/x" --size 32
expect_exit 2 "a bad colour" "$BOVW" encode --pixels "$TMP/ds/test.tsv" -o "$TMP/x" --color hsv
expect_exit 2 "--size without --pixels" "$BOVW" encode "$TMP/feat" -c "$TMP/cb" -o "$TMP/x" --size 8x8
expect_exit 2 "--like and a setting" "$BOVW" encode --pixels "$TMP/ds/test.tsv" --like "$TMP/etr" -o "$TMP/x" --size 8x8
expect_exit 2 "knn with an SVM option" "$BOVW" train "$TMP/etr" -o "$TMP/x" --solver knn --C 5
expect_grep "^bovw train: --C is an SVM option: knn does not take it$" "$TMP/err" "the option is named"
expect_exit 2 "--neighbors without knn" "$BOVW" train "$TMP/etr" -o "$TMP/x" --neighbors 3
expect_grep "^bovw train: --neighbors goes with --solver knn$" "$TMP/err" "the option is named"
expect_exit 2 "--neighbors 0" "$BOVW" train "$TMP/etr" -o "$TMP/x" --solver knn --neighbors 0
expect_exit 2 "a bad metric" "$BOVW" train "$TMP/etr" -o "$TMP/x" --solver knn --knn-metric l1
expect_exit 2 "eval: a bad thread count" "$BOVW" eval "$TMP/knn" "$TMP/ete" -o "$TMP/x" -j 0
finish
