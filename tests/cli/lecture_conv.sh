#!/usr/bin/env bash
# lecture_conv.sh: the lecture's 1-D and 3-D convolutions
# (scripts/lecture/05-conv1d-conv3d.sh --quick): the conv1d net beats the MLP
# on waves of random phase, conv3d beats the one-frame baseline, which stays
# near chance; and bad inputs to 1-D and 3-D nets are refused in one line.
. "$(dirname "$0")/../support/lecture-lib.sh"

OUT=$TMP/lecture
lecture 05-conv1d-conv3d "$OUT" --quick -j 1
expect_written "$OUT" results.tsv results.md curves-1d.tsv curves-3d.tsv accuracy-1d.svg accuracy-3d.svg
expect_eq "$(awk 'NR > 1' "$OUT/results.tsv" | wc -l | tr -d ' ')" 5 "five nets in the table"
acc() { awk -F'\t' -v n="$1" '$2 == n {print $8}' "$OUT/results.tsv"; }
# at least: a > b + margin
above() { awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN {exit !(a > b + m)}'; }
if above "$(acc conv3d)" "$(acc conv2d-one-frame)" 0.3; then pass "conv3d beats one frame clearly"
else fail "conv3d $(acc conv3d) against one frame $(acc conv2d-one-frame)"; fi
if above 0.45 "$(acc conv2d-one-frame)" 0; then pass "one frame stays near chance (25%)"
else fail "one frame at $(acc conv2d-one-frame)"; fi
if above "$(acc conv1d)" "$(acc mlp-1d)" 0.2; then pass "conv1d beats the MLP on waves clearly"
else fail "conv1d $(acc conv1d) against the MLP $(acc mlp-1d)"; fi
expect_grep "conv3d" "$OUT/results.md" "results.md names the nets"

# Bad inputs, each refused with exit 1 and one line naming the cause.
one_line() {
  expect_eq "$(wc -l < "$TMP/err" | tr -d ' ')" 1 "$1: one line on stderr"
}
W=$OUT/work
expect_exit 1 "a 3-D spec on images" "$BOVW" nn train "$W/specs/conv3d.cfg" --manifest "$TMP/images.tsv" -o "$TMP/x" -q
expect_grep "images are 2-D" "$TMP/err" "the refusal says images are 2-D"
one_line "a 3-D spec on images"
expect_exit 1 "a 3-D spec on single frames" "$BOVW" nn train "$W/specs/conv3d.cfg" --encodings "$W/frame/train" -o "$TMP/x" -q
expect_grep "input 1x8x16x16 takes 2048 values a sample, but the encodings of .* have 256" "$TMP/err" "the refusal names both sizes"
one_line "a 3-D spec on single frames"
expect_exit 1 "a 3-D net scoring single frames" "$BOVW" nn eval "$W/nets/conv3d" --encodings "$W/frame/test" -o "$TMP/x"
one_line "a 3-D net scoring single frames"
printf 'input 1x4x8x8\nconv3d 8 5 pad=0x2x2\nfc classes\nsoftmax\n' > "$TMP/big.cfg"
expect_exit 1 "a kernel larger than the padded input" "$BOVW" nn summary "$TMP/big.cfg" --classes 4
expect_grep "line 2: conv3d: kernel 5x5x5 does not fit the input 1x4x8x8 padded by 0x2x2" "$TMP/err" "the refusal names the line, kernel and input"
one_line "a kernel larger than the padded input"
printf 'input 1x28x28\nconv3d 8 3\nfc classes\nsoftmax\n' > "$TMP/flat.cfg"
expect_exit 1 "a 3-D layer on a 2-D input" "$BOVW" nn summary "$TMP/flat.cfg" --classes 4
expect_grep "a 3-D layer on a 2-D input 1x28x28" "$TMP/err" "the refusal says which axes"
one_line "a 3-D layer on a 2-D input"

# The generators' command lines: their options reach meta.json; each
# refuses the other's options, and a missing folder or value.
expect_exit 0 "clips with every option" "$BOVW" dataset clips -o "$TMP/c" --n 3 --test-n 2 --frames 3 \
  --size 10 --square 2 --speed 2 --frame 1 --noise 0.1 --seed 4 -q
expect_grep '"input":[[:space:]]*"1x10x10"' "$TMP/c/train/meta.json" "one frame of 10x10 a row"
expect_grep '"speed":[[:space:]]*2,' "$TMP/c/train/meta.json" "the speed recorded"
expect_grep '"seed":[[:space:]]*4' "$TMP/c/test/meta.json" "the seed recorded"
expect_exit 0 "signals with every option" "$BOVW" dataset signals -o "$TMP/s" --n 2 --test-n 1 \
  --length 40 --min-period 4 --max-period 9.5 --noise 0.3 --seed 2
expect_grep '"input":[[:space:]]*"1x40"' "$TMP/s/test/meta.json" "rows of 40 samples"
expect_grep '"max_period":[[:space:]]*9.5,' "$TMP/s/test/meta.json" "the longest period recorded"
expect_exit 2 "signals have no frames" "$BOVW" dataset signals -o "$TMP/x" --frames 3
expect_exit 2 "clips have no length" "$BOVW" dataset clips -o "$TMP/x" --length 3
expect_exit 2 "clips need a folder" "$BOVW" dataset clips
expect_exit 2 "a count needs a value" "$BOVW" dataset signals -o "$TMP/x" --n
expect_exit 2 "a square as large as the frame" "$BOVW" dataset clips -o "$TMP/x" --size 8 --square 8

# The summary speaks in the net's axes.
expect_exit 0 "summary of a 3-D net" "$BOVW" nn summary "$W/nets/conv3d"
expect_grep "input 1x8x16x16" "$TMP/out" "the input as CxDxHxW"
expect_grep "conv3d 8 3x3x3 pad=same  *8x8x16x16  *224  *442368  *3x3x3" "$TMP/out" "conv3d's row: shape, params, MACs, receptive field"
expect_exit 0 "summary of a 1-D net" "$BOVW" nn summary "$W/nets/conv1d"
expect_grep "conv1d 16 5 pad=same  *16x128  *96  *10240  *5 " "$TMP/out" "conv1d's row"
finish
