#!/usr/bin/env bash
# lecture_batchnorm.sh: scripts/lecture/04-batchnorm.sh --quick on
# Fashion-MNIST. At a rate of 1 the CNN without batch norm diverges (nn
# train stops it, says so and marks it in meta.json and curve.csv; nn eval
# refuses the net) where the one with batch norm trains well above chance;
# the folded net scores exactly as the net it was folded from, run with its
# batch norms as layers (nn eval --no-fold).
. "$(dirname "$0")/../support/cli-lib.sh"
: "${BOVW_SOURCE_DIR:?set BOVW_SOURCE_DIR to the source tree}"
FM=/usr/share/datasets/fashion-mnist
IMAGES=$BOVW_SOURCE_DIR/runs/fashion-mnist/images
if [ ! -f "$IMAGES/train/train.tsv" ] || [ ! -f "$IMAGES/test/test.tsv" ]; then
  [ -f "$FM/train-images-idx3-ubyte.gz" ] || {
    echo "skipped: no Fashion-MNIST in $FM (apt-get install dataset-fashion-mnist)"; exit 77; }
  IMAGES=$TMP/images  # imported here: slower
fi

expect_exit 0 "the quick experiment runs" "$BOVW_SOURCE_DIR/scripts/lecture/04-batchnorm.sh" "$TMP/lec" \
  --quick -j 2 --images "$IMAGES"
O=$TMP/lec
for f in results.tsv results.md fold.tsv batchnorm.svg; do
  [ -s "$O/$f" ] && pass "it wrote $f" || fail "no $f"
done
row=$(awk -F'\t' '$1 == 1' "$O/results.tsv")
expect_eq "$(echo "$row" | cut -f3)" diverged "without batch norm the net diverges at a rate of 1"
bn=$(echo "$row" | cut -f2)
awk -v a="$bn" 'BEGIN {exit !(a + 0 > 30)}' && pass "with batch norm it trains ($bn%, chance 10%)" ||
  fail "with batch norm: $bn%"
expect_grep '"diverged":[[:space:]]*true' "$O/no-bn-1/meta.json" "meta.json says it diverged"
expect_grep ',diverged,' "$O/no-bn-1/curve.csv" "curve.csv too"
expect_grep '"diverged":[[:space:]]*false' "$O/bn-1/meta.json" "the normalised run did not"
expect_exit 1 "nn eval refuses a net that diverged" "$BOVW" nn eval "$O/no-bn-1" \
  --manifest "$O/dataset/test.tsv" -o "$TMP/r"
expect_grep "diverged" "$TMP/err" "saying why"
expect_exit 0 "nn train says so on stderr" "$BOVW" nn train "$O/specs/no-bn.cfg" \
  --manifest "$O/dataset/train.tsv" -o "$TMP/net" --epochs 2 --lr 1 --schedule constant -j 2
expect_grep "warning: the training loss became .* stopped there (diverged" "$TMP/err" "a warning"
expect_grep "diverged in epoch 1" "$TMP/out" "and its summary line"

unfolded=$(awk -F'\t' '$1 == "unfolded"' "$O/fold.tsv") folded=$(awk -F'\t' '$1 == "folded"' "$O/fold.tsv")
expect_eq "$(echo "$folded" | cut -f6)" "$(echo "$unfolded" | cut -f6)" "the folded net's accuracy equals the unfolded one's"
expect_eq "$(echo "$unfolded" | cut -f3) $(echo "$folded" | cut -f3)" "3 0" "three batch norms, none left after folding"
expect_grep '"batchnorm_folded":[[:space:]]*0' "$O/unfolded-report/report.json" "--no-fold scored the net as trained"
expect_grep '"batchnorm_folded":[[:space:]]*3' "$O/fold-report/report.json" "the folded net says what it folded"
finish
