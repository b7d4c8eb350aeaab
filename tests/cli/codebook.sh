#!/usr/bin/env bash
# codebook.sh: `bovw codebook` and `bovw codebook info` through the real binary.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

"$MAKE_TEST_IMAGES" "$TMP/data" --classes 3 --per-class 4 --size 96 --seed 4
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 3 -q >/dev/null 2>&1
"$BOVW" extract "$TMP/ds/train.tsv" -o "$TMP/feat" --step 4 -q >/dev/null 2>&1
"$BOVW" extract "$TMP/ds/test.tsv" -o "$TMP/feat-step5" --step 5 -q >/dev/null 2>&1

expect_exit 0 "build a codebook" "$BOVW" codebook "$TMP/feat" -o "$TMP/cb" -k 20 --samples 2000 --seed 1 -q
expect_grep "20 words of 128 dimensions" "$TMP/out" "summary line"
for f in centers.npy meta.json; do [ -s "$TMP/cb/$f" ] && pass "$f written" || fail "$f missing"; done
expect_grep '"kind":[[:space:]]*"codebook"' "$TMP/cb/meta.json" "meta.json kind"
expect_grep '"step":[[:space:]]*4' "$TMP/cb/meta.json" "meta.json keeps the extraction parameters"
expect_grep '"method":[[:space:]]*"uniform sample' "$TMP/cb/meta.json" "meta.json says how the sample was drawn"
count() { sed -n 's/.*"descriptors":[[:space:]]*\([0-9]*\).*/\1/p' "$1"; }
total=$(count "$TMP/feat/meta.json")
expect_eq "$(count "$TMP/cb/meta.json")" "$total" "meta.json counts all the descriptors sampled from"

expect_exit 0 "same seed" "$BOVW" codebook "$TMP/feat" -o "$TMP/cb2" -k 20 --samples 2000 --seed 1 -q
cmp -s "$TMP/cb/centers.npy" "$TMP/cb2/centers.npy" && pass "same seed, same centres" || fail "same seed gave other centres"
expect_exit 0 "other seed" "$BOVW" codebook "$TMP/feat" -o "$TMP/cb3" -k 20 --samples 2000 --seed 2 -q
cmp -s "$TMP/cb/centers.npy" "$TMP/cb3/centers.npy" && fail "other seed gave the same centres" || pass "other seed, other centres"

expect_exit 0 "PCA, root SIFT, x,y and GMM" "$BOVW" codebook "$TMP/feat" -o "$TMP/fv" -k 8 \
  --samples 2000 --rootsift --pca 16 --whiten --augment-xy --gmm --algorithm blas -q
expect_grep "8 words of 18 dimensions" "$TMP/out" "PCA 16 + x,y = 18 dimensions"
for f in pca_mean.npy pca_components.npy gmm_means.npy gmm_variances.npy gmm_priors.npy; do
  [ -s "$TMP/fv/$f" ] && pass "$f written" || fail "$f missing"
done

expect_exit 0 "codebook info" "$BOVW" codebook info "$TMP/fv"
expect_grep "root SIFT, PCA to 16 (whitened), x,y appended, GMM" "$TMP/out" "info lists the transforms"
expect_grep "bovw extract --sizes 4,6,8,10 --step 4 --color gray" "$TMP/out" "info says how to extract"
expect_grep ", $total descriptors in all, seed 0)" "$TMP/out" "info says from how many"

expect_exit 1 "k larger than the samples" "$BOVW" codebook "$TMP/feat" -o "$TMP/x" -k 5000 --samples 100
expect_grep "^bovw codebook: k = 5000 words but only 100 usable descriptors" "$TMP/err" "k too large explained"
expect_exit 2 "bad algorithm" "$BOVW" codebook "$TMP/feat" -o "$TMP/x" --algorithm fast
expect_exit 2 "whiten without pca" "$BOVW" codebook "$TMP/feat" -o "$TMP/x" --whiten
expect_exit 1 "features that are not features" "$BOVW" codebook "$TMP/cb" -o "$TMP/x"
expect_grep "is a codebook artifact, not features" "$TMP/err" "wrong artifact kind named"
expect_exit 1 "info on a missing folder" "$BOVW" codebook info "$TMP/nope"
finish
