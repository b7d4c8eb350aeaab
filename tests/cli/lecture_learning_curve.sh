#!/usr/bin/env bash
# lecture_learning_curve.sh: scripts/lecture/06-learning-curve.sh --quick on
# Fashion-MNIST (5 and 20 training images a class): with a handful of
# images the hand-made representation (BoVW) is ahead of the CNN, every
# system does better with more images, and the table names the leader.
. "$(dirname "$0")/../support/lecture-lib.sh"
fmnist_images_or_skip

lecture 06-learning-curve "$TMP/lec" --quick -j 2 --images "$IMAGES"
O=$TMP/lec
expect_written "$O" results.tsv results.md learning-curve.svg compare/compare.md
expect_eq "$(cut -f1 "$O/results.tsv" | tr '\n' ' ')" "images_per_class 5 20 " "one row per size"
five=$(awk -F'\t' '$1 == 5' "$O/results.tsv") twenty=$(awk -F'\t' '$1 == 20' "$O/results.tsv")
awk -v b="$(echo "$five" | cut -f2)" -v c="$(echo "$five" | cut -f3)" 'BEGIN {exit !(b + 0 > c + 0)}' &&
  pass "at 5 images a class BoVW leads the CNN ($(echo "$five" | cut -f2,3 | tr '\t' ' '))" ||
  fail "at 5 images a class: BoVW and CNN $(echo "$five" | cut -f2,3 | tr '\t' ' ')"
for k in 2 3 4; do
  awk -v a="$(echo "$five" | cut -f$k)" -v b="$(echo "$twenty" | cut -f$k)" 'BEGIN {exit !(b + 0 > a + 0)}' &&
    pass "column $k rises with the images" || fail "column $k: $(echo "$five" | cut -f$k) at 5, $(echo "$twenty" | cut -f$k) at 20"
done
awk -F'\t' 'NR > 1 {m = $2; l = "bovw"; if ($3 > m) {m = $3; l = "cnn"}; if ($4 > m) l = "mlp"
                    if (l != $5) bad = 1} END {exit bad}' "$O/results.tsv" &&
  pass "the leader column names the best system" || fail "a wrong leader in results.tsv"
finish
