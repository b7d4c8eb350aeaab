#!/usr/bin/env bash
# dataset.sh: `bovw dataset scan`, `import-idx` and `augment` through the real
# binary.
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

# augment: a small folder of 3 classes of 6 images (colour JPEG, PNG, PNM)
# and a truncated JPEG that passes the scan's header check but does not decode.
"$MAKE_TEST_IMAGES" "$TMP/small" --classes 3 --per-class 6 --size 48 --seed 2 --format mixed --bad
"$BOVW" dataset scan "$TMP/small" -o "$TMP/sm" --test-fraction 0 -q >/dev/null 2>&1
expect_eq "$(($(wc -l < "$TMP/sm/train.tsv") - 1))" 19 "the small manifest lists 18 images and the truncated one"
BAD=circles/truncated.jpg
expect_exit 0 "augment succeeds despite an unreadable source" \
  "$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/aug" --count 60 --seed 5 --flip -j 1
expect_grep "warning: .*$BAD.*skipped" "$TMP/err" "the unreadable source is named in a warning"
expect_eq "$(grep -c 'warning:' "$TMP/err")" 1 "one warning for it, not one per copy"
ROWS=$(($(wc -l < "$TMP/aug/train.tsv") - 1))
SKIPPED=$(sed -n 's/.*"skipped_images":[[:space:]]*\([0-9]*\).*/\1/p' "$TMP/aug/meta.json")
expect_eq "$((ROWS + SKIPPED))" 60 "train.tsv lists the 60 images asked but those of the unreadable source"
expect_eq "$(find "$TMP/aug/images" -type f | wc -l)" "$ROWS" "images/ holds exactly the images listed"
if cmp -s "$TMP/sm/classes.txt" "$TMP/aug/classes.txt"; then pass "classes.txt is the source's"; else fail "classes.txt changed"; fi
expect_eq "$(head -1 "$TMP/aug/train.tsv")" "$(printf 'path\tlabel\tclass')" "augmented manifest header"
expect_eq "$(sed -n 2p "$TMP/aug/train.tsv" | cut -f1,2)" "$(printf 'images/circles/00.png\t0')" "output 0 is source 0 of class 0"
expect_grep '"kind":[[:space:]]*"augmented"' "$TMP/aug/meta.json" "meta.json says what it is"
expect_grep "\"sha256\":[[:space:]]*\"$(sha256sum < "$TMP/sm/train.tsv" | cut -d' ' -f1)\"" "$TMP/aug/meta.json" "meta.json records the source manifest's digest"
expect_grep '"provenance"' "$TMP/aug/meta.json" "meta.json has the provenance"
expect_exit 0 "the augmented manifest can be read by extract" \
  "$BOVW" extract "$TMP/aug/train.tsv" -o "$TMP/augfeat" --sizes 4 --step 4 -q
# The same seed gives the same bytes at any thread count; another seed differs.
"$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/aug2" --count 60 --seed 5 --flip -j 2 -q >/dev/null 2>&1
if cmp -s "$TMP/aug/train.tsv" "$TMP/aug2/train.tsv" && diff -r "$TMP/aug/images" "$TMP/aug2/images" >/dev/null; then
  pass "same seed, same bytes at -j 1 and -j 2"; else fail "-j 2 changed the output"; fi
"$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/aug3" --count 60 --seed 6 --flip -q >/dev/null 2>&1
if diff -r "$TMP/aug/images" "$TMP/aug3/images" >/dev/null; then fail "another seed gave the same images"; else pass "another seed, other images"; fi
expect_exit 0 "status: the augmented set is up to date" \
  "$BOVW" status --stage "$TMP/aug2" -- dataset augment "$TMP/sm/train.tsv" -o "$TMP/aug2" --count 60 --seed 5 --flip -j 2

# Bad input: usage errors exit 2, failures 1, each with one line naming the
# command and the cause (a usage error adds the --help hint).
expect_exit 2 "augment without a manifest" "$BOVW" dataset augment -o "$TMP/x" --count 10
expect_grep "^bovw dataset augment: no manifest given" "$TMP/err" "missing manifest argument named"
expect_exit 1 "augment of a missing manifest file" "$BOVW" dataset augment "$TMP/none.tsv" -o "$TMP/x" --count 10
expect_eq "$(cat "$TMP/err")" "bovw dataset augment: $TMP/none.tsv: cannot open: No such file or directory" "one line naming the file and the cause"
expect_exit 2 "--count 0" "$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/x" --count 0
expect_grep "^bovw dataset augment: --count: '0' is not a whole number" "$TMP/err" "--count 0 explained"
expect_eq "$(grep -c '^bovw dataset augment:' "$TMP/err")" 1 "one error line for --count 0"
expect_exit 2 "negative --count" "$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/x" --count -5
expect_grep "^bovw dataset augment: --count: '-5' is not a whole number" "$TMP/err" "negative --count explained"
expect_exit 2 "no --count" "$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/x"
expect_exit 2 "no -o" "$BOVW" dataset augment "$TMP/sm/train.tsv" --count 30
expect_exit 2 "--rotate out of range" "$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/x" --count 30 --rotate 200
expect_exit 1 "a count below the sources" "$BOVW" dataset augment "$TMP/sm/train.tsv" -o "$TMP/x" --count 5
expect_eq "$(wc -l < "$TMP/err")" 1 "one line for a count below the sources"
expect_grep "lists 19 images, more than the count of 5" "$TMP/err" "the count below the sources explained"
[ ! -e "$TMP/x/meta.json" ] && pass "nothing committed after a failure" || fail "a failed augment left a meta.json"

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
