#!/usr/bin/env bash
# lecture_representation.sh: scripts/lecture/01-representation.sh --quick,
# and the direction of its result: on the rings a linear SVM on (x1, x2)
# near chance, on (rho, theta) and the MLP far above; the MLP's last hidden
# layer linearly separable. Then `bovw dataset toy` itself: the same seed
# gives the same bytes, another shape's points are refused by a model, bad
# options are usage errors.
. "$(dirname "$0")/../support/lecture-lib.sh"

lecture 01-representation "$TMP/l" --quick -j 1
R=$TMP/l/results.tsv
expect_eq "$(head -1 "$R")" "$(printf 'shape\tsystem\tfeatures\ttest_accuracy\tgrid_agreement')" \
  "results.tsv header"
expect_eq "$(tail -n +2 "$R" | wc -l)" 8 "results.tsv: four rows a shape"
# acc SHAPE SYSTEM FEATURES: the test accuracy (%) of a row.
acc() { awk -F'\t' -v s="$1" -v y="$2" -v f="$3" '$1 == s && $2 == y && $3 == f {print $4}' "$R"; }
expect_that "rings, linear on (x1, x2): near chance" "$(acc rings linear xy)" "x >= 25 && x <= 70" %
expect_that "rings, linear on (rho, theta): far above" "$(acc rings linear polar)" "x >= 90" %
expect_that "rings, MLP on (x1, x2): far above" "$(acc rings mlp xy)" "x >= 90" %
expect_that "rings, linear on the MLP's hidden layer: separable" "$(acc rings linear mlp-hidden)" "x >= 90" %
expect_that "spirals, linear on (x1, x2): far from solved" "$(acc spirals linear xy)" "x <= 75" %
expect_that "spirals, MLP on (x1, x2): far above" "$(acc spirals mlp xy)" "x >= 85" %
expect_grep "near chance" "$TMP/l/results.md" "results.md says what the table shows"
# The grid's predictions, one per grid point (40 x 40 in the quick run).
expect_eq "$(tail -n +2 "$TMP/l/rings-mlp-xy-grid.tsv" | wc -l)" 1600 "a region label per grid point"
if "$BOVW" plot --help > /dev/null 2>&1; then
  for f in regions-rings-linear-xy regions-spirals-mlp-xy polar-rings hidden-spirals; do
    expect_grep "<svg" "$TMP/l/$f.svg" "$f.svg is drawn"
  done
fi

# The generator: the same seed, the same bytes; another seed, other points.
for run in 1-1 1-2 2-3; do  # seed-run
  "$BOVW" dataset toy --shape spirals --n 20 --test-n 10 --seed "${run%-*}" -o "$TMP/t$run" > /dev/null
done
cmp -s "$TMP/t1-1/train/encodings.npy" "$TMP/t1-2/train/encodings.npy" &&
  cmp -s "$TMP/t1-1/test/points.tsv" "$TMP/t1-2/test/points.tsv" &&
  pass "the same seed gives the same points" || fail "the same seed gave other points"
cmp -s "$TMP/t1-1/train/encodings.npy" "$TMP/t2-3/train/encodings.npy" &&
  fail "another seed gave the same points" || pass "another seed gives other points"
# A model of the rings refuses the spirals' points, naming the setting.
expect_exit 1 "a rings model refuses spirals" "$BOVW" eval "$TMP/l/rings/linear-xy" \
  "$TMP/t1-1/test" -o "$TMP/r"
expect_grep "shape" "$TMP/err" "the refusal names the shape"
expect_eq "$(wc -l < "$TMP/err")" 1 "the refusal is one line"
expect_exit 1 "an xy net refuses polar points" "$BOVW" nn eval "$TMP/l/rings/mlp" \
  --encodings "$TMP/l/rings/polar/test" -o "$TMP/r"
expect_grep "features" "$TMP/err" "the refusal names the features"
# Usage errors.
expect_exit 2 "an unknown shape is a usage error" "$BOVW" dataset toy --shape moons -o "$TMP/x"
expect_grep "rings or spirals" "$TMP/err" "the error lists the shapes"
expect_exit 2 "no output folder is a usage error" "$BOVW" dataset toy
expect_exit 2 "a grid of one point is a usage error" "$BOVW" dataset toy --grid 1 -o "$TMP/x"
finish
