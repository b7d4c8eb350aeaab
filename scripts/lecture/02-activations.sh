#!/usr/bin/env bash
# 02-activations.sh: activations. Sigmoid, ReLU and leaky ReLU and their
# derivatives as the engine computes them; then a deep MLP (ten hidden
# layers of 32 units) trained with each on the two spirals of
# 01-representation, recording per epoch the gradient norm of every weight
# layer (sigmoid's vanishes towards the input) and the share of dead ReLUs
# (units that output 0 for every sample, and so learn nothing more).
#
#   scripts/lecture/02-activations.sh [OUT_DIR] [--quick] [-j N] [--seed S]
#
#   OUT_DIR     where everything goes (runs/lecture/02-activations)
#   --quick     a tiny version for the tests: fewer points and epochs
#   -j N        threads for the bovw commands (1)
#   --seed S    the points' and the nets' seed (0)
#
# Writes OUT_DIR/results.tsv (per activation: accuracies, the first and
# last weight layers' gradient norms in the last epoch, the dead units),
# results.md, grad-norms.tsv and dead-relu.tsv (per epoch and layer), and
# the pictures: activations.svg, derivatives.svg, grad-norm-by-layer.svg,
# grad-norms-ACT.svg, dead-relu.svg, accuracy.svg.
set -eu
. "$(dirname "$0")/lib.sh"
lecture_args 1 -- "$@"

if [ "$QUICK" = 1 ]; then N=100 EPOCHS=20; else N=300 EPOCHS=100; fi
DEPTH=10 WIDTH=32
ACTS="sigmoid relu leakyrelu"
T0=$(date +%s.%N)
mkdir -p "$OUT"

# The functions and their derivatives, from the layers' own passes.
"$BOVW" nn activations --from -6 --to 6 -o "$OUT/activations.tsv"
plot lines "$OUT/activations.tsv" -o "$OUT/activations.svg" --x x --y sigmoid,relu,leakyrelu \
  --title "Activation functions" --y-title "f(x)"
plot lines "$OUT/activations.tsv" -o "$OUT/derivatives.svg" --x x \
  --y d_sigmoid,d_relu,d_leakyrelu --title "Their derivatives (what backpropagation multiplies by)" \
  --y-title "f'(x)"

"$BOVW" dataset toy --shape spirals --n "$N" --test-n "$N" --seed "$SEED" -o "$OUT/spirals" > /dev/null
printf 'activation\tepoch\tlayer\tgrad_norm\n' > "$OUT/grad-norms.tsv.new"
printf 'epoch\tlayer\tdead\n' > "$OUT/dead-relu.tsv.new"
printf 'activation\tepoch\ttrain_accuracy\n' > "$OUT/accuracy.tsv.new"
printf 'activation\ttrain_accuracy\ttest_accuracy\tgrad_norm_first\tgrad_norm_last\tfirst_over_last\tdead_worst_layer\tdead_all_layers\n' \
  > "$OUT/results.tsv.new"
for act in $ACTS; do
  {
    echo "# 02-activations: $DEPTH hidden layers of $WIDTH $act units"
    for i in $(seq "$DEPTH"); do echo "fc $WIDTH"; echo "$act"; done
    echo "fc classes"
    echo "softmax"
  } > "$OUT/$act.cfg"
  net=$OUT/$act
  "$BOVW" nn train "$OUT/$act.cfg" --encodings "$OUT/spirals/train" -o "$net" --epochs "$EPOCHS" \
    --batch 32 --lr 0.05 --seed "$SEED" -j "$J" -q > /dev/null
  "$BOVW" nn eval "$net" --encodings "$OUT/spirals/test" -o "$net-test" -j "$J" -q > /dev/null
  # curve.csv in long form: one row per epoch and weight layer (and ReLU).
  awk -F, -v act="$act" -v OFS='\t' -v g="$OUT/grad-norms.tsv.new" -v d="$OUT/dead-relu.tsv.new" \
      -v a="$OUT/accuracy.tsv.new" '
    NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i; next }
    { print act, $1, $4 >> a
      for (i = 8; i <= NF; i++) {
        if (name[i] ~ /^grad_norm_/) print act, $1, substr(name[i], 11), $i >> g
        else if (name[i] ~ /^dead_relu_/) print $1, substr(name[i], 11), $i >> d
      } }' "$net/curve.csv"
  # Dead units on the test points, the same rule for every activation: a
  # unit is dead when it outputs 0 for every row.
  worst=0 dead=0 units=0
  for i in $(seq "$DEPTH"); do
    layer=$((2 * i - 1))
    "$BOVW" nn features "$net" --encodings "$OUT/spirals/test" --layer "$layer" \
      -o "$net-layer$layer" --tsv "$net-layer$layer.tsv" -j "$J" -q
    read -r n_dead n_units < <(awk -F'\t' '
      NR == 1 { u = NF - 2; next }
      { for (i = 1; i <= u; i++) if ($i != 0) alive[i] = 1 }
      END { for (i = 1; i <= u; i++) d += !alive[i]; print d, u }' "$net-layer$layer.tsv")
    dead=$((dead + n_dead)) units=$((units + n_units))
    worst=$(awk -v a="$worst" -v b="$n_dead" -v u="$n_units" 'BEGIN {print (b / u > a ? b / u : a)}')
  done
  awk -F, -v act="$act" -v OFS='\t' -v test="$(json_number accuracy "$net-test/report.json")" \
      -v worst="$worst" -v dead="$dead" -v units="$units" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^grad_norm_/) { if (!first) first = i; last = i }; next }
    { acc = $4; g0 = $first; gl = $last }
    END { printf "%s\t%.2f\t%.2f\t%.3g\t%.3g\t%.2g\t%.3f\t%.3f\n", act, 100 * acc, 100 * test, g0, gl,
            g0 / gl, worst, dead / units }' "$net/curve.csv" >> "$OUT/results.tsv.new"
done
for f in grad-norms dead-relu accuracy results; do mv "$OUT/$f.tsv.new" "$OUT/$f.tsv"; done

# The last epoch's norm against the layer's depth, one line per activation.
awk -F'\t' -v e="$EPOCHS" -v OFS='\t' 'NR == 1 || $2 == e {print $1, $3, $4}' "$OUT/grad-norms.tsv" \
  > "$OUT/grad-norm-by-layer.tsv"
plot lines "$OUT/grad-norm-by-layer.tsv" -o "$OUT/grad-norm-by-layer.svg" --x layer --y grad_norm \
  --series activation --log-y --title "Gradient norm of each weight layer, last epoch" \
  --x-title "layer (0: the input's)" --y-title "||dL/dW|| (mean over the epoch's batches)"
for act in $ACTS; do
  awk -F'\t' -v a="$act" -v OFS='\t' 'NR == 1 {print "epoch", "layer", "grad_norm"} $1 == a {print $2, $3, $4}' \
    "$OUT/grad-norms.tsv" > "$OUT/grad-norms-$act.tsv"
  plot lines "$OUT/grad-norms-$act.tsv" -o "$OUT/grad-norms-$act.svg" --x epoch --y grad_norm \
    --series layer --log-y --title "$act: gradient norm per weight layer" --y-title "||dL/dW||"
done
plot lines "$OUT/dead-relu.tsv" -o "$OUT/dead-relu.svg" --x epoch --y dead --series layer \
  --title "ReLU: share of dead units per layer" --y-title "dead share (probe of training samples)"
plot lines "$OUT/accuracy.tsv" -o "$OUT/accuracy.svg" --x epoch --y train_accuracy \
  --series activation --title "Training accuracy of the deep MLP" --y-title "accuracy (fraction)"
plots_checked

get() { awk -F'\t' -v a="$1" -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) k[$i] = i; next}
  $1 == a {print $k[c]}' "$OUT/results.tsv"; }
{
  echo "# Activations: vanishing gradients and dead units"
  echo
  echo "| activation | train accuracy (%) | test accuracy (%) | gradient norm, first weight layer | last weight layer | first / last | dead units, worst layer | dead units, all layers |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  tail -n +2 "$OUT/results.tsv" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %.1f%% | %.1f%% |\n", $1, $2, $3, $4, $5, $6, 100 * $7, 100 * $8}'
  echo
  echo "With sigmoids the gradient reaching the first layer is $(get sigmoid first_over_last) of the last"
  echo "layer's: each sigmoid multiplies it by at most 1/4, and the net stays near chance"
  echo "($(get sigmoid train_accuracy)% on its training points). ReLUs pass gradients on (first / last"
  echo "$(get relu first_over_last)) but units die: $(awk -v x="$(get relu dead_all_layers)" 'BEGIN {printf "%.0f", 100 * x}')% of them output 0 for every test point,"
  echo "up to $(awk -v x="$(get relu dead_worst_layer)" 'BEGIN {printf "%.0f", 100 * x}')% of a layer. Leaky ReLUs have none ($(awk -v x="$(get leakyrelu dead_all_layers)" 'BEGIN {printf "%.0f", 100 * x}')%): every unit"
  echo "keeps a gradient. Test accuracy: $(get leakyrelu test_accuracy)% with leaky ReLUs, $(get relu test_accuracy)% with ReLUs,"
  echo "$(get sigmoid test_accuracy)% with sigmoids."
  echo
  echo "$DEPTH hidden layers of $WIDTH units, spirals of $N training and $N test points per class,"
  echo "$EPOCHS epochs (batch 32, lr 0.05, cosine), seed $SEED; $(elapsed "$T0") in all."
} > "$OUT/results.md"
echo "$OUT/results.tsv, $OUT/results.md and the pictures in $OUT"
