#!/usr/bin/env bash
# extract.sh: `bovw extract` and `bovw merge` through the real binary.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

"$MAKE_TEST_IMAGES" "$TMP/data" --classes 3 --per-class 5 --size 96 --seed 2 --format mixed --bad
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 3 -q >/dev/null 2>&1

expect_exit 0 "extract the whole manifest" "$BOVW" extract "$TMP/ds/all.tsv" -o "$TMP/f1" -j 1
expect_grep "images, .* descriptors of 128 dimensions" "$TMP/out" "summary line"
expect_grep "warning: .*truncated.jpg.*skipped" "$TMP/err" "the truncated JPEG is skipped with a warning"
for f in descriptors.npy frames.npy offsets.npy image_size.npy labels.npy images.tsv meta.json; do
  [ -s "$TMP/f1/$f" ] && pass "$f written" || fail "$f missing"
done
expect_grep "truncated.jpg.*skipped: " "$TMP/f1/images.tsv" "images.tsv says which image was skipped and why"
expect_grep '"kind":[[:space:]]*"features"' "$TMP/f1/meta.json" "meta.json kind"
expect_grep '"sha256":' "$TMP/f1/meta.json" "meta.json records the manifest checksum"
expect_grep '"vlfeat_version":' "$TMP/f1/meta.json" "meta.json records the VLFeat version"
if ls -a "$TMP/f1" | grep -q '\.tmp-'; then fail "temporary files left"; else pass "no temporary files left"; fi

# Same output whatever the thread count.
"$BOVW" extract "$TMP/ds/all.tsv" -o "$TMP/f2" -j 2 -q >/dev/null 2>&1
same=1
for f in descriptors.npy frames.npy offsets.npy image_size.npy labels.npy images.tsv; do
  cmp -s "$TMP/f1/$f" "$TMP/f2/$f" || same=0
done
[ $same = 1 ] && pass "1 and 2 threads give identical files" || fail "thread count changed the output"

# Shards, merged in any order, equal the whole run.
for i in 1 2 3; do
  "$BOVW" extract "$TMP/ds/all.tsv" -o "$TMP/s$i" --shard "$i/3" -q >/dev/null 2>&1
done
expect_exit 0 "merge shards" "$BOVW" merge "$TMP/s3" "$TMP/s1" "$TMP/s2" -o "$TMP/merged"
same=1
for f in descriptors.npy frames.npy offsets.npy image_size.npy labels.npy images.tsv; do
  cmp -s "$TMP/f1/$f" "$TMP/merged/$f" || same=0
done
[ $same = 1 ] && pass "merged shards equal the unsharded run" || fail "merged shards differ"
expect_exit 1 "merge refuses a missing shard" "$BOVW" merge "$TMP/s1" "$TMP/s3" -o "$TMP/bad"
expect_grep "bovw merge: .*shards were given" "$TMP/err" "missing shard named"

# Colour: 384-D, recorded in meta.json.
expect_exit 0 "opponent colour" "$BOVW" extract "$TMP/ds/train.tsv" -o "$TMP/fc" --color opponent --sizes 4,8 --step 5 -q
expect_grep "descriptors of 384 dimensions" "$TMP/out" "opponent descriptors are 384-D"
expect_grep '"color":[[:space:]]*"opponent"' "$TMP/fc/meta.json" "colour recorded"

# Usage errors.
expect_exit 2 "no output" "$BOVW" extract "$TMP/ds/all.tsv"
expect_exit 2 "bad colour" "$BOVW" extract "$TMP/ds/all.tsv" -o "$TMP/x" --color purple
expect_grep "^bovw extract: --color: 'purple'" "$TMP/err" "bad colour named"
expect_exit 2 "bad shard" "$BOVW" extract "$TMP/ds/all.tsv" -o "$TMP/x" --shard 4/3
expect_exit 2 "bad sizes" "$BOVW" extract "$TMP/ds/all.tsv" -o "$TMP/x" --sizes 4,x
expect_exit 1 "missing manifest" "$BOVW" extract "$TMP/nope.tsv" -o "$TMP/x"
expect_grep "^bovw extract: $TMP/nope.tsv: cannot open" "$TMP/err" "missing manifest named"
finish
