#!/usr/bin/env bash
# train.sh: the BoVW pipeline end to end through the real binary on a small
# synthetic dataset: scan, extract, codebook, encode, train, eval.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

"$MAKE_TEST_IMAGES" "$TMP/data" --classes 4 --per-class 12 --size 96 --seed 3
B=("$BOVW")
"${B[@]}" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 7 -q >/dev/null 2>&1
"${B[@]}" extract "$TMP/ds/train.tsv" -o "$TMP/ftr" -q >/dev/null 2>&1
"${B[@]}" extract "$TMP/ds/test.tsv" -o "$TMP/fte" -q >/dev/null 2>&1
"${B[@]}" codebook "$TMP/ftr" -o "$TMP/cb" -k 32 --samples 5000 -q >/dev/null 2>&1
"${B[@]}" encode "$TMP/ftr" -c "$TMP/cb" -o "$TMP/etr" -q >/dev/null 2>&1
"${B[@]}" encode "$TMP/fte" --like "$TMP/etr" -o "$TMP/ete" -q >/dev/null 2>&1
"${B[@]}" codebook "$TMP/ftr" -o "$TMP/cb2" -k 32 --samples 5000 --seed 9 -q >/dev/null 2>&1
"${B[@]}" encode "$TMP/fte" -c "$TMP/cb2" -o "$TMP/eother" -q >/dev/null 2>&1

for solver in sgd sdca liblinear-l2-dual liblinear-cs gram stream; do
  expect_exit 0 "train with $solver" "$BOVW" train "$TMP/etr" -o "$TMP/model-$solver" --solver "$solver" -q
  expect_exit 0 "eval the $solver model" "$BOVW" eval "$TMP/model-$solver" "$TMP/ete" -o "$TMP/report-$solver"
  acc=$(sed -n 's/.*mean per-class accuracy \([0-9.]*\)%.*/\1/p' "$TMP/out")
  # 4 classes: chance is 25%; shapes this distinct should be far above it.
  if awk -v a="$acc" 'BEGIN {exit !(a >= 70)}'; then pass "$solver: mean per-class accuracy $acc% (chance 25%)"; else
    fail "$solver: mean per-class accuracy $acc%"; fi
done
for f in report.json report.md confusion.svg; do
  [ -s "$TMP/report-sgd/$f" ] && pass "$f written" || fail "$f missing"
done
expect_grep '"mean_class_accuracy":' "$TMP/report-sgd/report.json" "report.json has the mean per-class accuracy"
expect_grep '"confusion":' "$TMP/report-sgd/report.json" "report.json has the confusion matrix"
expect_grep "<svg" "$TMP/report-sgd/confusion.svg" "confusion.svg is SVG"
expect_grep '"inference_seconds":' "$TMP/report-sgd/report.json" "the run has the inference time"
# The reports of eval side by side: names, times and sizes from their runs.
expect_exit 0 "compare the solvers" "$BOVW" compare "$TMP/report-sgd" "$TMP/report-liblinear-cs" -o "$TMP/cmp"
expect_grep "^| hist-sgd | [0-9]* | .* [0-9.]* m\?s | [0-9.]* kB |$" "$TMP/cmp/compare.md" "hist-sgd with its times and size"
expect_grep "^| hist-liblinear-cs | " "$TMP/cmp/compare.md" "hist-liblinear-cs"

expect_exit 0 "cross-validation" "$BOVW" train "$TMP/etr" -o "$TMP/model-cv" --cv 3 --solver liblinear-l2-dual -q
expect_grep '"cross_validation":' "$TMP/model-cv/meta.json" "the grid is recorded"
expect_exit 1 "eval refuses encodings from another codebook" "$BOVW" eval "$TMP/model-sgd" "$TMP/eother" -o "$TMP/x"
expect_grep "^bovw eval: .*another codebook" "$TMP/err" "the refusal says why"
img="$TMP/data/$(sed -n 2p "$TMP/ds/test.tsv" | cut -f1)"
expect_exit 0 "predict an image file" "$BOVW" predict -m "$TMP/model-sgd" -c "$TMP/cb" --top 2 "$img"
expect_eq "$(awk -F'\t' '{print NF}' "$TMP/out")" 3 "one line: the path and two classes"
expect_exit 0 "predict --json" "$BOVW" predict -m "$TMP/model-sgd" -c "$TMP/cb" --json "$img"
expect_grep '"class":' "$TMP/out" "JSON lists classes"
expect_exit 1 "predict with another codebook" "$BOVW" predict -m "$TMP/model-sgd" -c "$TMP/cb2" "$img"
expect_grep "is not the codebook the model" "$TMP/err" "wrong codebook refused"
expect_exit 1 "predict a missing file" "$BOVW" predict -m "$TMP/model-sgd" -c "$TMP/cb" "$TMP/nope.jpg" "$img"
expect_grep "nope.jpg" "$TMP/err" "the missing file is named"
expect_eq "$(wc -l < "$TMP/out")" 1 "the good image is still classified"
# Late fusion: two systems (another codebook) on the same test images.
"${B[@]}" encode "$TMP/ftr" -c "$TMP/cb2" -o "$TMP/etr2" -q >/dev/null 2>&1
"${B[@]}" train "$TMP/etr2" -o "$TMP/model2" --solver sdca -q >/dev/null 2>&1
expect_exit 0 "eval fuses two systems" "$BOVW" eval "$TMP/model-sdca" "$TMP/ete" "$TMP/model2" "$TMP/eother" \
  --weights 1,0.5 -o "$TMP/fused"
acc=$(sed -n 's/.*mean per-class accuracy \([0-9.]*\)%.*/\1/p' "$TMP/out")
if awk -v a="$acc" 'BEGIN {exit !(a >= 70)}'; then pass "fusion: mean per-class accuracy $acc%"; else
  fail "fusion: mean per-class accuracy $acc%"; fi
expect_grep '"fusion":' "$TMP/fused/report.json" "the report lists the systems fused"
expect_eq "$(grep -c '"weight":' "$TMP/fused/report.json")" 2 "with a weight each"
expect_grep '"weight":[[:space:]]*0.5' "$TMP/fused/report.json" "the second weighs 0.5"
expect_exit 1 "fusion refuses other images" "$BOVW" eval "$TMP/model-sdca" "$TMP/ete" "$TMP/model2" "$TMP/etr2" -o "$TMP/x"
expect_grep "^bovw eval: .*etr2: not the images of" "$TMP/err" "the refusal names the encodings"
expect_exit 2 "one weight per system" "$BOVW" eval "$TMP/model-sdca" "$TMP/ete" "$TMP/model2" "$TMP/eother" --weights 1 -o "$TMP/x"
expect_exit 2 "bad solver" "$BOVW" train "$TMP/etr" -o "$TMP/x" --solver magic
expect_exit 2 "eval needs two folders" "$BOVW" eval "$TMP/model-sgd" -o "$TMP/x"
# Training split by classes: three class shards, in any order, merged, are
# the unsplit model byte for byte, for every solver that trains each class
# on its own.
for solver in stream sdca gram; do
  "$BOVW" train "$TMP/etr" -o "$TMP/whole-$solver" --solver "$solver" -q -j 2
  for i in 2 3 1; do
    "$BOVW" train "$TMP/etr" -o "$TMP/cs$i-$solver" --solver "$solver" --classes "$i/3" -q -j 1
  done
  expect_exit 0 "merge the class shards ($solver)" "$BOVW" merge "$TMP/cs3-$solver" \
    "$TMP/cs1-$solver" "$TMP/cs2-$solver" -o "$TMP/merged-$solver"
  for f in weights.npy biases.npy; do
    cmp -s "$TMP/whole-$solver/$f" "$TMP/merged-$solver/$f" &&
      pass "$solver: merged $f is the unsplit one byte for byte" ||
      fail "$solver: merged $f differs from the unsplit one"
  done
done
expect_exit 1 "eval of one class shard" "$BOVW" eval "$TMP/cs2-stream" "$TMP/ete" -o "$TMP/r-shard"
expect_grep "merge the shards first" "$TMP/err" "says to merge first"
expect_exit 1 "a missing class shard" "$BOVW" merge "$TMP/cs1-stream" "$TMP/cs3-stream" -o "$TMP/m-bad"
expect_exit 1 "class shards of two solvers" "$BOVW" merge "$TMP/cs1-stream" "$TMP/cs2-sdca" \
  "$TMP/cs3-stream" -o "$TMP/m-bad2"
expect_grep "another solver" "$TMP/err" "names the difference"
expect_exit 1 "liblinear by class shards" "$BOVW" train "$TMP/etr" -o "$TMP/x" \
  --solver liblinear-l2-dual --classes 1/2
expect_exit 2 "a bad --classes" "$BOVW" train "$TMP/etr" -o "$TMP/x" --classes 0/2

finish
