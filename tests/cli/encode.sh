#!/usr/bin/env bash
# encode.sh: `bovw encode` through the real binary.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

"$MAKE_TEST_IMAGES" "$TMP/data" --classes 3 --per-class 4 --size 80 --seed 5
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 2 -q >/dev/null 2>&1
"$BOVW" extract "$TMP/ds/train.tsv" -o "$TMP/ftrain" --step 4 -q >/dev/null 2>&1
"$BOVW" extract "$TMP/ds/test.tsv" -o "$TMP/ftest" --step 4 -q >/dev/null 2>&1
"$BOVW" extract "$TMP/ds/test.tsv" -o "$TMP/fother" --step 6 -q >/dev/null 2>&1
"$BOVW" codebook "$TMP/ftrain" -o "$TMP/cb" -k 10 --samples 1000 -q >/dev/null 2>&1
"$BOVW" codebook "$TMP/ftrain" -o "$TMP/fv" -k 4 --samples 1000 --pca 16 --gmm -q >/dev/null 2>&1

expect_exit 0 "encode with the reference settings" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/etrain" --libsvm "$TMP/train.svm"
expect_grep "6 images encoded as 600-D hist vectors" "$TMP/out" "2x2 + 4x4 cells x 10 words x 3 (chi2 map) = 600"
expect_grep '"kind":[[:space:]]*"encodings"' "$TMP/etrain/meta.json" "meta.json kind"
expect_grep '"sha256":' "$TMP/etrain/meta.json" "meta.json names the codebook by checksum"
expect_eq "$(wc -l < "$TMP/train.svm")" 6 "libsvm file: one line per image"
if awk '{ for (i = 2; i <= NF; i++) { split($i, kv, ":"); if (kv[1] < 1 || kv[1] > 600 || kv[2] == 0) exit 1 } }' "$TMP/train.svm"; then
  pass "libsvm indices are 1-based, within the dimension, zeros omitted"
else
  fail "bad libsvm line"
fi
expect_exit 0 "test set --like the training set" "$BOVW" encode "$TMP/ftest" --like "$TMP/etrain" -o "$TMP/etest"
expect_grep "encoded as 600-D hist vectors" "$TMP/out" "--like gives the same dimension"
expect_exit 2 "--like with other settings is refused" "$BOVW" encode "$TMP/ftest" --like "$TMP/etrain" -o "$TMP/x" --pyramid 1x1
expect_exit 1 "features extracted otherwise are refused" "$BOVW" encode "$TMP/fother" -c "$TMP/cb" -o "$TMP/x"
expect_grep "^bovw encode: features and codebook do not match: step is 6 in .*, 4 in the codebook" "$TMP/err" "the difference is named"
expect_exit 0 "VLAD, ANN" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/vlad" --encoding vlad --assign ann --pyramid 1x1
expect_grep "encoded as 1280-D vlad vectors" "$TMP/out" "VLAD is K x D per cell"
expect_exit 0 "pre-ranked assignment" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/pre" --assign prerank --prerank-dims 16 --prerank-candidates 4
expect_grep '"assign":[[:space:]]*"prerank"' "$TMP/pre/meta.json" "the assignment is recorded"
expect_grep '"prerank_dims":[[:space:]]*16' "$TMP/pre/meta.json" "its directions are recorded"
expect_exit 0 "test set --like pre-ranked encodings" "$BOVW" encode "$TMP/ftest" --like "$TMP/pre" -o "$TMP/pretest"
expect_grep '"prerank_candidates":[[:space:]]*4' "$TMP/pretest/meta.json" "--like keeps the candidates"
expect_exit 2 "unknown assignment" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/x" --assign nearest
expect_exit 2 "too many candidates" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/x" --assign prerank --prerank-candidates 33
expect_exit 0 "Fisher vectors" "$BOVW" encode "$TMP/ftrain" -c "$TMP/fv" -o "$TMP/fisher" --encoding fisher --pyramid 1x1,2x2
expect_grep "encoded as 640-D fisher vectors" "$TMP/out" "Fisher is 2 x K x D per cell"
expect_exit 1 "Fisher without a GMM" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/x" --encoding fisher
expect_grep "need a codebook with a GMM" "$TMP/err" "missing GMM explained"
expect_exit 2 "bad pyramid" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/x" --pyramid 2by2
expect_exit 2 "bad norm" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" -o "$TMP/x" --norm l3
# Sharded encoding: shards in any order, merged, are the unsharded arrays
# byte for byte (Fisher vectors: the heaviest encoder).
"$BOVW" encode "$TMP/ftest" -c "$TMP/fv" --encoding fisher -o "$TMP/whole" -q
for i in 3 1 2; do
  expect_exit 0 "encode shard $i/3" "$BOVW" encode "$TMP/ftest" -c "$TMP/fv" --encoding fisher \
    -o "$TMP/shard$i" --shard "$i/3" -j 1
done
expect_grep '"shard":' "$TMP/shard2/meta.json" "a shard records which it is"
expect_exit 0 "merge the shards" "$BOVW" merge "$TMP/shard3" "$TMP/shard1" "$TMP/shard2" -o "$TMP/merged"
for f in encodings.npy labels.npy; do
  cmp -s "$TMP/whole/$f" "$TMP/merged/$f" && pass "merged $f is the unsharded one byte for byte" ||
    fail "merged $f differs from the unsharded one"
done
expect_exit 0 "the merged encodings train like any" "$BOVW" train "$TMP/merged" -o "$TMP/mm" -q
expect_exit 1 "a missing shard" "$BOVW" merge "$TMP/shard1" "$TMP/shard3" -o "$TMP/bad1"
expect_grep "but 2 shards were given" "$TMP/err" "names what is missing"
expect_exit 1 "a whole encoding among shards" "$BOVW" merge "$TMP/shard1" "$TMP/whole" "$TMP/shard3" -o "$TMP/bad2"
expect_grep "not a shard" "$TMP/err" "says it is not a shard"
"$BOVW" encode "$TMP/ftest" -c "$TMP/cb" -o "$TMP/other2" --shard 2/3 -q
expect_exit 1 "a shard of another encoding" "$BOVW" merge "$TMP/shard1" "$TMP/other2" "$TMP/shard3" -o "$TMP/bad3"
expect_grep "not a shard of the same encoding" "$TMP/err" "names the difference"
expect_exit 2 "--shard with --libsvm" "$BOVW" encode "$TMP/ftest" -c "$TMP/cb" -o "$TMP/x" --shard 1/2 --libsvm "$TMP/x.svm"
expect_exit 2 "a bad --shard" "$BOVW" encode "$TMP/ftest" -c "$TMP/cb" -o "$TMP/x" --shard 3/2

# Compressed encodings: product quantisation and back; what comes back is
# encodings of the same identity, so a model trained on them takes the
# uncompressed test encodings.
expect_exit 0 "compress" "$BOVW" compress "$TMP/etrain" -o "$TMP/codes" --group 2 --bits 1 -q
expect_grep '"relative_error":' "$TMP/codes/meta.json" "the codes record their reconstruction error"
expect_exit 0 "decompress" "$BOVW" decompress "$TMP/codes" -o "$TMP/back" -q
expect_exit 0 "train on decompressed encodings" "$BOVW" train "$TMP/back" -o "$TMP/mback" -q
expect_exit 0 "eval on the uncompressed test encodings" "$BOVW" eval "$TMP/mback" "$TMP/etest" -o "$TMP/rback" -q
expect_exit 2 "more than 8 bits a sub-vector" "$BOVW" compress "$TMP/etrain" -o "$TMP/x" --group 3 --bits 3
expect_exit 1 "a group that does not divide the dimension" "$BOVW" compress "$TMP/etrain" -o "$TMP/x" --group 7
expect_grep "do not cut into sub-vectors of 7" "$TMP/err" "says why"

# Codes are read as encodings by train (the stream solver) and eval, a
# batch decoded at a time: the same model as on the decompressed rows, the
# same scores as on decompressed test codes.
expect_exit 0 "train on codes" "$BOVW" train "$TMP/codes" --solver stream --epochs 5 -o "$TMP/mcodes" -q
expect_exit 0 "train on their decompressed rows" "$BOVW" train "$TMP/back" --solver stream --epochs 5 -o "$TMP/mback2" -q
for f in weights.npy biases.npy; do
  cmp -s "$TMP/mcodes/$f" "$TMP/mback2/$f" || fail "$f trained on codes differs from that on the decompressed rows"
done
expect_grep '"quantiser_sha256":' "$TMP/mcodes/meta.json" "the model records the quantiser of its codes"
expect_exit 0 "compress the test set with the training codes' quantiser" "$BOVW" compress "$TMP/etest" -o "$TMP/tcodes" --like "$TMP/codes" -q
expect_exit 0 "eval on test codes" "$BOVW" eval "$TMP/mcodes" "$TMP/tcodes" -o "$TMP/rcodes" -q
expect_exit 0 "decompress the test codes" "$BOVW" decompress "$TMP/tcodes" -o "$TMP/tback" -q
expect_exit 0 "eval on the decompressed test codes" "$BOVW" eval "$TMP/mback2" "$TMP/tback" -o "$TMP/rtback" -q
accuracy() { grep -o '"accuracy":[[:space:]]*[0-9.e+-]*' "$1/report.json" | head -1; }
[ -n "$(accuracy "$TMP/rcodes")" ] || fail "no accuracy in $TMP/rcodes/report.json"
expect_eq "$(accuracy "$TMP/rcodes")" "$(accuracy "$TMP/rtback")" "codes score as their decompressed rows"
expect_exit 0 "a model of codes scores dense test encodings" "$BOVW" eval "$TMP/mcodes" "$TMP/etest" -o "$TMP/rdense" -q
expect_exit 0 "compress the test set with a quantiser of its own" "$BOVW" compress "$TMP/etest" -o "$TMP/tother" --group 2 --bits 1 --seed 5 -q
expect_exit 1 "test codes of another quantiser" "$BOVW" eval "$TMP/mcodes" "$TMP/tother" -o "$TMP/x"
expect_grep "another quantiser" "$TMP/err" "names the quantiser"
expect_exit 1 "codes with a solver that needs every row in memory" "$BOVW" train "$TMP/codes" --solver sdca -o "$TMP/x"
expect_grep "solver stream" "$TMP/err" "says which solver reads codes"
expect_exit 2 "--like with settings" "$BOVW" compress "$TMP/etest" -o "$TMP/x" --like "$TMP/codes" --bits 2
expect_exit 2 "sign with 2 bits" "$BOVW" compress "$TMP/etrain" -o "$TMP/x" --method sign --bits 2
expect_exit 0 "binarise" "$BOVW" compress "$TMP/etrain" -o "$TMP/signs" --method sign --group 8 -q
expect_grep '"method":[[:space:]]*"sign"' "$TMP/signs/meta.json" "records the method"
expect_exit 0 "train on signs" "$BOVW" train "$TMP/signs" --solver stream --epochs 5 -o "$TMP/msigns" -q
expect_exit 0 "half a bit a dimension" "$BOVW" compress "$TMP/etrain" -o "$TMP/half" --group 4 --bits 0.5 -q
expect_exit 2 "a fraction of a bit a sub-vector" "$BOVW" compress "$TMP/etrain" -o "$TMP/x" --group 3 --bits 0.5
# Codes of 4 centroids (G = 2, b = 1) with a byte naming a fifth: refused,
# not decoded from outside the table.
cp -r "$TMP/codes" "$TMP/corrupt"
printf '\310' | dd of="$TMP/corrupt/codes.npy" bs=1 seek=$(($(stat -c %s "$TMP/corrupt/codes.npy") - 1)) conv=notrunc 2>/dev/null
expect_exit 1 "a code naming no centroid" "$BOVW" eval "$TMP/mcodes" "$TMP/corrupt" -o "$TMP/x"
expect_grep "names centroid 200 of a quantiser with 4: corrupt" "$TMP/err" "says which row"
head -c 100 "$TMP/codes/codes.npy" > "$TMP/short" && mv "$TMP/short" "$TMP/codes/codes.npy"
expect_exit 1 "truncated codes to train on" "$BOVW" train "$TMP/codes" --solver stream -o "$TMP/x"
expect_eq "$(wc -l < "$TMP/err")" 1 "one line"
expect_exit 1 "truncated codes" "$BOVW" decompress "$TMP/codes" -o "$TMP/back2"
expect_eq "$(wc -l < "$TMP/err")" 1 "one line"

# Extraction and encoding fused: the images of a manifest into the rows
# `extract` then `encode` give, byte for byte, without descriptors on disk;
# with --codes-like, straight into the codes `compress --like` would give.
expect_exit 0 "extract and encode in one pass" "$BOVW" encode --images "$TMP/ds/train.tsv" -c "$TMP/cb" -o "$TMP/fused" -q
for f in encodings.npy labels.npy; do
  cmp -s "$TMP/etrain/$f" "$TMP/fused/$f" || fail "fused $f differs from extract then encode"
done
expect_exit 0 "one thread" "$BOVW" encode --images "$TMP/ds/train.tsv" -c "$TMP/cb" -o "$TMP/fused1" -j 1 -q
cmp -s "$TMP/fused/encodings.npy" "$TMP/fused1/encodings.npy" || fail "fused rows depend on the thread count"
expect_exit 0 "Fisher vectors in one pass" "$BOVW" encode --images "$TMP/ds/train.tsv" -c "$TMP/fv" --encoding fisher -o "$TMP/fusedfv" -q
expect_exit 0 "Fisher vectors in two stages" "$BOVW" encode "$TMP/ftrain" -c "$TMP/fv" --encoding fisher -o "$TMP/efv" -q
cmp -s "$TMP/efv/encodings.npy" "$TMP/fusedfv/encodings.npy" || fail "fused Fisher vectors differ"
expect_exit 0 "train on fused encodings" "$BOVW" train "$TMP/fused" -o "$TMP/mfused" -q
expect_exit 0 "codes of fused rows" "$BOVW" encode --images "$TMP/ds/train.tsv" -c "$TMP/cb" --codes-like "$TMP/tcodes" -o "$TMP/fcodes" -q
expect_exit 0 "the same rows compressed" "$BOVW" compress "$TMP/etrain" -o "$TMP/ccodes" --like "$TMP/tcodes" -q
cmp -s "$TMP/ccodes/codes.npy" "$TMP/fcodes/codes.npy" || fail "fused codes differ from compress --like"
expect_exit 0 "the test set --like the fused codes" "$BOVW" encode --images "$TMP/ds/test.tsv" --like "$TMP/fcodes" --codes-like "$TMP/tcodes" -o "$TMP/ftcodes" -q
expect_exit 0 "eval on fused test codes" "$BOVW" eval "$TMP/mcodes" "$TMP/ftcodes" -o "$TMP/rf" -q
expect_exit 1 "a quantiser of other rows" "$BOVW" encode --images "$TMP/ds/train.tsv" -c "$TMP/fv" --encoding fisher --codes-like "$TMP/tcodes" -o "$TMP/x"
expect_grep "the quantiser takes 600" "$TMP/err" "names the difference"
expect_exit 2 "--codes-like without --images" "$BOVW" encode "$TMP/ftrain" -c "$TMP/cb" --codes-like "$TMP/tcodes" -o "$TMP/x"
# A bad image is skipped with a warning and counted; the others are encoded.
printf 'not an image' > "$TMP/data/broken.png"
awk -F'\t' -v OFS='\t' -v p="$TMP/data/broken.png" '{print} NR > 1 && !/^#/ && !done {$1 = p; print; done = 1}' "$TMP/ds/train.tsv" > "$TMP/ds/bad.tsv"
expect_exit 0 "a manifest with a bad image" "$BOVW" encode --images "$TMP/ds/bad.tsv" -c "$TMP/cb" -o "$TMP/fbad"
expect_grep "broken.png" "$TMP/err" "warns naming the image"
expect_grep "6 images extracted and encoded as hist vectors, 1 skipped" "$TMP/out" "counts it"
cmp -s "$TMP/etrain/encodings.npy" "$TMP/fbad/encodings.npy" || fail "the good images' rows changed"

finish
