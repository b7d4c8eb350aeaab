#!/usr/bin/env bash
# dataset.sh: `bovw dataset scan` and `import-idx` through the real binary.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

"$MAKE_TEST_IMAGES" "$TMP/data" --classes 3 --per-class 12 --size 128 --seed 1 --format mixed --bad

# A folder with a corrupt JPEG, a truncated one, a text file and a hidden file.
expect_exit 0 "scan succeeds despite bad files" \
  "$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 5 --test-per-class 5 --seed 3
expect_grep "warning: .*corrupt.jpg" "$TMP/err" "corrupt JPEG is named in a warning"
expect_grep "warning: .*notes.txt" "$TMP/err" "stray text file is named in a warning"
expect_grep "skipped: 1 not readable as images, 1 without an image extension" "$TMP/out" "summary counts the skipped files"
expect_eq "$(grep -c . "$TMP/ds/train.tsv")" 16 "train.tsv has 5 per class and a header"
expect_eq "$(grep -c . "$TMP/ds/test.tsv")" 16 "test.tsv has 5 per class and a header"
expect_eq "$(head -1 "$TMP/ds/all.tsv")" "$(printf 'path\tlabel\tclass')" "manifest header"
expect_eq "$(wc -l < "$TMP/ds/classes.txt")" 3 "classes.txt has one line per class"
expect_grep '"kind":[[:space:]]*"dataset"' "$TMP/ds/meta.json" "meta.json says what it is"
if grep -q hidden "$TMP/ds/all.tsv"; then fail "hidden file listed"; else pass "hidden file not listed"; fi
# The truncated JPEG has a valid header: listed by default, refused by --verify.
expect_grep "truncated.jpg" "$TMP/ds/all.tsv" "header check lists the truncated JPEG"
expect_exit 0 "scan --verify" "$BOVW" dataset scan "$TMP/data" -o "$TMP/dsv" --verify -j 2
expect_grep "warning: .*truncated.jpg" "$TMP/err" "--verify names the truncated JPEG"

# Same seed, same split; another seed, another split; --sorted takes the first.
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds2" --train-per-class 5 --test-per-class 5 --seed 3 -q -j 1 2>/dev/null >/dev/null
if cmp -s "$TMP/ds/train.tsv" "$TMP/ds2/train.tsv"; then pass "same seed same split"; else fail "same seed gave another split"; fi
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds3" --train-per-class 5 --test-per-class 5 --seed 4 -q 2>/dev/null >/dev/null
if cmp -s "$TMP/ds/train.tsv" "$TMP/ds3/train.tsv"; then fail "another seed gave the same split"; else pass "another seed another split"; fi
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds4" --train-per-class 2 --test-per-class 1 --sorted -q 2>/dev/null >/dev/null
expect_eq "$(sed -n 2p "$TMP/ds4/train.tsv" | cut -f1)" "$(cd "$TMP/data" && printf '%s\n' circles/*.jpg circles/*.png circles/*.ppm | LC_ALL=C sort | grep -v -e corrupt -e truncated | head -1)" "--sorted takes the first image"

# Usage errors exit 2, failures exit 1, each with one line naming the command.
expect_exit 2 "missing -o is a usage error" "$BOVW" dataset scan "$TMP/data"
expect_grep "^bovw dataset scan: no output folder" "$TMP/err" "usage error names the command"
expect_exit 2 "bad number is a usage error" "$BOVW" dataset scan "$TMP/data" -o "$TMP/x" --train-per-class many
expect_exit 2 "unknown option" "$BOVW" dataset scan "$TMP/data" -o "$TMP/x" --frobnicate
expect_exit 1 "missing root fails" "$BOVW" dataset scan "$TMP/nope" -o "$TMP/x"
expect_grep "^bovw dataset scan: $TMP/nope: No such file or directory" "$TMP/err" "missing root named"
expect_exit 2 "unknown command" "$BOVW" frobnicate
expect_exit 0 "help" "$BOVW" help dataset
expect_exit 0 "--version" "$BOVW" --version

# import-idx: a hand-made IDX pair (2 images of 2x3), gzipped images.
printf '\0\0\x08\x03\0\0\0\x02\0\0\0\x02\0\0\0\x03abcdefghijkl' | gzip > "$TMP/img.gz"
printf '\0\0\x08\x01\0\0\0\x02\x01\x00' > "$TMP/lab"
printf 'left\nright\n' > "$TMP/names"
expect_exit 0 "import-idx" "$BOVW" dataset import-idx --images "$TMP/img.gz" --labels "$TMP/lab" --class-names "$TMP/names" -o "$TMP/idx"
[ -f "$TMP/idx/1_right/0.png" ] && [ -f "$TMP/idx/0_left/1.png" ] && pass "images land in their label's folder" || fail "import layout"
printf '\0\0\x08\x01\0\0\0\x03\x01\x00\x01' > "$TMP/lab3"
expect_exit 1 "mismatched counts fail" "$BOVW" dataset import-idx --images "$TMP/img.gz" --labels "$TMP/lab3" -o "$TMP/idx2"
expect_grep "mismatched counts: 2 images but 3 labels" "$TMP/err" "mismatch explained"
head -c 20 "$TMP/img.gz" > "$TMP/cut.gz"
expect_exit 1 "truncated gzip fails" "$BOVW" dataset import-idx --images "$TMP/cut.gz" --labels "$TMP/lab" -o "$TMP/idx3"
expect_grep "cut.gz" "$TMP/err" "truncated file named"

# The real Fashion-MNIST test set, when the Debian package is installed.
FM=/usr/share/datasets/fashion-mnist
if [ -f "$FM/t10k-images-idx3-ubyte.gz" ]; then
  expect_exit 0 "import Fashion-MNIST test set" "$BOVW" dataset import-idx -q \
    --images "$FM/t10k-images-idx3-ubyte.gz" --labels "$FM/t10k-labels-idx1-ubyte.gz" \
    --class-names fashion-mnist -o "$TMP/fm"
  expect_exit 0 "scan it" "$BOVW" dataset scan "$TMP/fm" -o "$TMP/fmds" --test-fraction 0 -q
  expect_grep "10000 images in 10 classes: 10000 train, 0 test" "$TMP/out" "10,000 images in 10 classes"
  expect_eq "$(sed -n 1p "$TMP/fmds/classes.txt")" "0_T-shirt-top" "first class is label 0"
else
  echo "skipped: $FM not installed (apt-get install dataset-fashion-mnist)"
fi
finish
