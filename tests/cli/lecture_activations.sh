#!/usr/bin/env bash
# lecture_activations.sh: scripts/lecture/02-activations.sh --quick, and the
# direction of its result: the deep sigmoid net's first weight layer gets a
# gradient orders of magnitude below its last's, the ReLU net's does not;
# ReLU units die, leaky ReLU units do not. Then `bovw nn activations`: the
# table's values are the functions', and bad options are usage errors.
. "$(dirname "$0")/../support/lecture-lib.sh"

lecture 02-activations "$TMP/l" --quick -j 1
R=$TMP/l/results.tsv
expect_eq "$(cut -f1 "$R" | tr '\n' ' ')" "activation sigmoid relu leakyrelu " "a row per activation"
# get ACT COLUMN
get() { awk -F'\t' -v a="$1" -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) k[$i] = i; next}
  $1 == a {print $k[c]}' "$R"; }
expect_that "sigmoid: the first layer's gradient vanishes (first / last)" \
  "$(get sigmoid first_over_last)" "x > 0 && x < 1e-3"
expect_that "relu: it does not" "$(get relu first_over_last)" "x > 1e-2"
expect_that "leaky relu: it does not" "$(get leakyrelu first_over_last)" "x > 1e-2"
expect_that "relu: some units are dead" "$(get relu dead_worst_layer)" "x > 0"
expect_that "leaky relu: no unit is dead" "$(get leakyrelu dead_all_layers)" "x == 0"
expect_that "sigmoid: the deep net learns nothing (train accuracy %)" "$(get sigmoid train_accuracy)" "x <= 60"
expect_that "leaky relu: it learns (train accuracy %)" "$(get leakyrelu train_accuracy)" "x >= 70"
# The engine's ReLU probe over epochs, one row per epoch and ReLU layer.
expect_eq "$(tail -n +2 "$TMP/l/dead-relu.tsv" | wc -l)" 200 "dead-relu.tsv: 20 epochs x 10 layers"
expect_grep "vanish\|1/4" "$TMP/l/results.md" "results.md says what the table shows"
if "$BOVW" plot --help > /dev/null 2>&1; then
  for f in activations derivatives grad-norm-by-layer grad-norms-sigmoid dead-relu accuracy; do
    expect_grep "<svg" "$TMP/l/$f.svg" "$f.svg is drawn"
  done
fi

# The table of the functions: at x = 0 and x = 2, each value and derivative.
expect_exit 0 "nn activations" "$BOVW" nn activations --from -2 --to 2 --points 5 --slope 0.1 \
  -o "$TMP/a.tsv"
expect_eq "$(head -1 "$TMP/a.tsv")" "$(printf 'x\tsigmoid\trelu\tleakyrelu\td_sigmoid\td_relu\td_leakyrelu')" \
  "the table's columns"
expect_eq "$(awk -F'\t' '$1 == 0 {print $2, $3, $4, $5, $6, $7}' "$TMP/a.tsv")" "0.5 0 0 0.25 0 0.100000001" \
  "at 0: sigmoid 1/2, slope 1/4; ReLU's kink takes 0, leaky ReLU's the slope"
expect_eq "$(awk -F'\t' '$1 == -2 {print $3, $4, $6, $7}' "$TMP/a.tsv")" "0 -0.200000003 0 0.100000001" \
  "at -2: ReLU 0, leaky ReLU -0.2"
expect_exit 2 "--to below --from is a usage error" "$BOVW" nn activations --from 1 --to 0 -o "$TMP/b.tsv"
expect_exit 2 "no output is a usage error" "$BOVW" nn activations
expect_exit 2 "nn features without rows is a usage error" "$BOVW" nn features "$TMP/l/relu" -o "$TMP/f"
expect_exit 1 "nn features refuses a layer the net lacks" "$BOVW" nn features "$TMP/l/relu" \
  --encodings "$TMP/l/spirals/test" --layer 99 -o "$TMP/f"
expect_grep "layers 0 to 20" "$TMP/err" "the refusal says which layers there are"
finish
