#!/usr/bin/env bash
# lecture_fc_conv.sh: scripts/lecture/03-fc-vs-conv.sh --quick, and the
# commands it is made of. The costs are those of the formulas (an fc layer
# from H x W to H x (W-1): H W H (W-1) weights; a 1x2 kernel: 2); trained on
# vertical against horizontal edges, the convolution's kernel is a multiple
# of [-1 1] and tells them apart, while the fc layer's rows stay as spread
# as drawn. `bovw dataset edges` is seeded and the same at any thread count;
# `bovw nn weights` refuses a name the net does not have.
. "$(dirname "$0")/../support/lecture-lib.sh"

lecture 03-fc-vs-conv "$TMP/lec" --quick -j 2
O=$TMP/lec
expect_written "$O" results.tsv results.md training.tsv fc-vs-conv.svg
row=$(awk -F'\t' '$1 == 224' "$O/results.tsv")
expect_eq "$(echo "$row" | cut -f2)" "$((224 * 224 * 224 * 223))" "the fc layer at 224 x 224 has H W H (W-1) weights"
expect_eq "$(echo "$row" | cut -f3)" "$((224 * 224 * 224 * 223))" "and as many multiply-adds"
expect_eq "$(echo "$row" | cut -f4)" 2 "the convolution has 2"
expect_eq "$(echo "$row" | cut -f5)" "$((224 * 223 * 2))" "and 2 multiply-adds per output"
expect_grep "5.01e+09 FLOPs" "$O/results.md" "results.md gives the fc layer's FLOPs at 224 x 224"

conv=$(awk -F'\t' '$1 == "conv 1x2"' "$O/training.tsv")
fc=$(awk -F'\t' '$1 == "fc 756"' "$O/training.tsv")
cosine=$(echo "$conv" | cut -f7)
expect_that "the learned kernel [$(echo "$conv" | cut -f6)] is +-[-1 1] (cosine with it)" "$cosine" \
  "x > 0.99 || x < -0.99"
expect_that "the convolution tells the edges apart" "$(echo "$conv" | cut -f5)" "x >= 90" %
expect_that "the fc layer's rows are no local detectors (share of a row's weight on its best pair of neighbours)" \
  "$(echo "$fc" | cut -f8)" "x < 0.1"
expect_eq "$(echo "$fc" | cut -f2)" $((784 * 756 + 756 * 2 + 2)) "the fc net's parameters"
expect_eq "$(echo "$conv" | cut -f2)" 6 "the conv net's parameters"

# bovw dataset edges: seeded, the same at any thread count; refusals.
expect_exit 0 "edges at 1 thread" "$BOVW" dataset edges -o "$TMP/e1" --per-class 20 --size 8x12 --seed 3 -j 1 -q
expect_exit 0 "edges at 2 threads" "$BOVW" dataset edges -o "$TMP/e2" --per-class 20 --size 8x12 --seed 3 -j 2 -q
expect_eq "$(cd "$TMP/e1" && find . -name '*.png' | sort | xargs cat | md5sum)" \
  "$(cd "$TMP/e2" && find . -name '*.png' | sort | xargs cat | md5sum)" "the same images"
expect_eq "$(find "$TMP/e1/0_vertical" -name '*.png' | wc -l)" 20 "20 vertical edges"
expect_eq "$(find "$TMP/e1/1_horizontal" -name '*.png' | wc -l)" 20 "20 horizontal ones"
expect_grep '"kind":[[:space:]]*"images"' "$TMP/e1/meta.json" "an images artifact"
expect_exit 0 "fewer images into the same folder" "$BOVW" dataset edges -o "$TMP/e1" --per-class 5 --size 8x12 -q
expect_eq "$(find "$TMP/e1" -name '*.png' | wc -l)" 10 "the earlier run's images are gone"
expect_exit 0 "another seed" "$BOVW" dataset edges -o "$TMP/e3" --per-class 20 --size 8x12 --seed 4 -q
if cmp -s "$TMP/e2/0_vertical/00.png" "$TMP/e3/0_vertical/00.png"; then fail "another seed, the same image"; else
  pass "another seed, other images"; fi
expect_exit 2 "a size of one row" "$BOVW" dataset edges -o "$TMP/x" --size 1x8
expect_exit 2 "a size with text after it" "$BOVW" dataset edges -o "$TMP/x" --size 8abc
expect_exit 2 "a size without its width" "$BOVW" dataset edges -o "$TMP/x" --size 8x
expect_exit 0 "a square size as one number" "$BOVW" dataset edges -o "$TMP/sq" --size 6 --per-class 1 -q
expect_grep '"height":[[:space:]]*6,' "$TMP/sq/meta.json" "6 rows"
expect_grep '"width":[[:space:]]*6,' "$TMP/sq/meta.json" "and 6 columns"
expect_exit 2 "a contrast range upside down" "$BOVW" dataset edges -o "$TMP/x" --contrast 0.5,0.1
expect_exit 2 "no output" "$BOVW" dataset edges

# bovw nn weights
expect_exit 0 "nn weights of the conv" "$BOVW" nn weights "$O/conv" 0.weight
expect_eq "$(sed -n 2p "$TMP/out" | cut -f1,2)" "0.weight	1x1x1x2" "the name and shape"
expect_eq "$(sed -n 2p "$TMP/out" | cut -f3)" "$(echo "$conv" | cut -f6)" "the kernel the table shows"
expect_exit 0 "every tensor" "$BOVW" nn weights "$O/conv"
expect_eq "$(tail -n +2 "$TMP/out" | cut -f1 | tr '\n' ' ')" "0.weight 2.weight 2.bias " "the conv net's tensors"
expect_exit 1 "a name the net does not have" "$BOVW" nn weights "$O/conv" 9.weight
expect_grep "no tensor named '9.weight'" "$TMP/err" "saying which"
expect_exit 1 "a folder that is not a net" "$BOVW" nn weights "$O/dataset"
expect_exit 2 "no folder" "$BOVW" nn weights
finish
