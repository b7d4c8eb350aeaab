#!/usr/bin/env bash
# lecture_batchnorm.sh: scripts/lecture/04-batchnorm.sh --quick on
# Fashion-MNIST. At a rate of 1 the CNN without batch norm diverges (nn
# train stops it, says so and marks it in meta.json and curve.csv; nn eval
# refuses the net) where the one with batch norm trains well above chance;
# the folded net scores exactly as the net it was folded from, run with its
# batch norms as layers (nn eval --no-fold).
. "$(dirname "$0")/../support/lecture-lib.sh"
fmnist_images_or_skip

lecture 04-batchnorm "$TMP/lec" --quick -j 2 --images "$IMAGES"
O=$TMP/lec
expect_written "$O" results.tsv results.md fold.tsv batchnorm.svg
row=$(awk -F'\t' '$1 == 1' "$O/results.tsv")
expect_eq "$(echo "$row" | cut -f3)" diverged "without batch norm the net diverges at a rate of 1"
expect_that "with batch norm it trains (chance 10%)" "$(echo "$row" | cut -f2)" "x > 30" %
expect_grep '"diverged":[[:space:]]*true' "$O/no-bn-1/meta.json" "meta.json says it diverged"
expect_grep ',diverged,' "$O/no-bn-1/curve.csv" "curve.csv too"
expect_grep '"diverged":[[:space:]]*false' "$O/bn-1/meta.json" "the normalised run did not"
expect_exit 1 "nn eval refuses a net that diverged" "$BOVW" nn eval "$O/no-bn-1" \
  --manifest "$O/dataset/test.tsv" -o "$TMP/r"
expect_grep "diverged" "$TMP/err" "saying why"
expect_exit 0 "nn train says so on stderr" "$BOVW" nn train "$O/specs/no-bn.cfg" \
  --manifest "$O/dataset/train.tsv" -o "$TMP/net" --epochs 2 --lr 1 --schedule constant -j 2
expect_grep "warning: the training loss became \\(nan\\|inf\\) at batch [0-9]* of epoch 1: stopped there (diverged" "$TMP/err" "a warning (nan, not -nan)"
expect_grep "epoch 1/2 lr 1 diverged$" "$TMP/err" "the epoch's line says so, without the lost net's figures"
expect_grep ", 1 epoch: diverged in epoch 1" "$TMP/out" "and its summary line"

unfolded=$(awk -F'\t' '$1 == "unfolded"' "$O/fold.tsv") folded=$(awk -F'\t' '$1 == "folded"' "$O/fold.tsv")
expect_eq "$(echo "$folded" | cut -f6)" "$(echo "$unfolded" | cut -f6)" "the folded net's accuracy equals the unfolded one's"
expect_eq "$(echo "$unfolded" | cut -f3) $(echo "$folded" | cut -f3)" "3 0" "three batch norms, none left after folding"
expect_grep '"batchnorm_folded":[[:space:]]*0' "$O/unfolded-report/report.json" "--no-fold scored the net as trained"
expect_grep '"batchnorm_folded":[[:space:]]*3' "$O/fold-report/report.json" "the folded net says what it folded"
finish
