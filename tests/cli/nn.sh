#!/usr/bin/env bash
# nn.sh: `bovw nn summary` through the real binary.
. "$(dirname "$0")/../support/cli-lib.sh"
MODELS=${BOVW_SOURCE_DIR:?}/models

expect_exit 0 "summary of the Fashion-MNIST CNN" "$BOVW" nn summary "$MODELS/fmnist-cnn.cfg" --input 1x28x28 --classes 10
# params = C_out (C_in Hk Wk + 1): 32 (1*9 + 1) = 320; 64 (32*9 + 1) = 18496;
# fc 3136 -> 128: 128 (3136 + 1) = 401536; bn 128: 256 (gamma, beta);
# fc 128 -> 10: 1290; bn 32 and 64: 64 and 128.
expect_grep "conv 32 3x3 pad=same .* 32x28x28 .* 320 " "$TMP/out" "first conv: shape and parameters"
expect_grep "conv 64 3x3 pad=same .* 64x14x14 .* 18496 " "$TMP/out" "second conv: shape and parameters"
expect_grep "fc 128 .* 401536 " "$TMP/out" "fc: parameters"
expect_grep "total .* 422090 " "$TMP/out" "total parameters"
expect_exit 0 "summary of the MLP" "$BOVW" nn summary "$MODELS/mlp.cfg" --input 1x28x28 --classes 10
expect_exit 0 "summary of the colour CNN" "$BOVW" nn summary "$MODELS/small-color-cnn.cfg" --input 3x96x96 --classes 102
printf 'input 1x8x8\nconv 4 3x3\nfrobnicate 2\n' > "$TMP/bad.cfg"
expect_exit 1 "a bad spec fails" "$BOVW" nn summary "$TMP/bad.cfg" --input 1x8x8 --classes 2
expect_grep "bad.cfg:3:" "$TMP/err" "the error names the file and line"
expect_exit 0 "the input shape defaults to the spec's input line" "$BOVW" nn summary "$MODELS/mlp.cfg"
expect_grep "input 1x28x28" "$TMP/out" "input from the spec"
expect_exit 2 "no spec" "$BOVW" nn summary
expect_exit 2 "bad --input" "$BOVW" nn summary "$MODELS/mlp.cfg" --input 28x28
finish
