#!/usr/bin/env bash
# 04-batchnorm.sh: batch norm allows higher learning rates; folded for test
# time, it costs nothing.
#
#   scripts/lecture/04-batchnorm.sh [OUT_DIR] [--quick] [-j N] [--seed S]
#                                   [--images DIR]
#
#   OUT_DIR       where everything goes (runs/lecture/04-batchnorm)
#   --quick       a tiny version for the tests: 100 training and 20 test
#                 images a class, two rates, 3 epochs
#   -j N          threads (2)
#   --seed S      the networks' seed (0)
#   --images DIR  Fashion-MNIST imported and scanned (DIR/train, DIR/test);
#                 made there when missing (runs/lecture/fashion-mnist)
#
# The CNN of models/fmnist-cnn.cfg (conv-bn-relu-pool twice, fc-bn-relu,
# dropout, fc) and the same net without its three bn lines, trained on the
# first 500 Fashion-MNIST images of each class for 4 epochs at each rate of
# a ladder from 0.01 to 3 (constant rate, momentum 0.9), and scored on the
# first 200 test images of each class. A run whose loss stops being a
# number is marked "diverged" (`bovw nn train` stops it). OUT_DIR/results.tsv
# and batchnorm.svg: test accuracy against the rate, a cross where a run
# diverged. Then the best batch-norm net is folded (`bovw nn fold`) and both
# score the whole test set (`bovw nn eval --no-fold` for the net as trained):
# accuracy and images per second in OUT_DIR/fold.tsv. results.md has both.
set -eu
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/lecture/fmnist.sh"
lecture_args 2 --images IMAGES -- "$@"
IMAGES=${IMAGES:-$(dirname "$OUT")/fashion-mnist}
if [ "$QUICK" = 1 ]; then
  TRAIN_N=100 TEST_N=20 FOLD_N=20 EPOCHS=3 RATES="0.03 1"
else
  TRAIN_N=500 TEST_N=200 FOLD_N= EPOCHS=4 RATES="0.01 0.03 0.1 0.3 1 3"
fi
t0=$(date +%s.%N)
fmnist_images "$IMAGES"
fmnist_subset "$IMAGES" "$OUT/dataset" "$TRAIN_N" "$TEST_N"
fmnist_subset "$IMAGES" "$OUT/fold-dataset" "$TRAIN_N" "$FOLD_N"
mkdir -p "$OUT/specs"
cp "$ROOT/models/fmnist-cnn.cfg" "$OUT/specs/bn.cfg"
{ echo "# models/fmnist-cnn.cfg without its batch norms"; grep -v '^bn' "$ROOT/models/fmnist-cnn.cfg"; } \
  > "$OUT/specs/no-bn.cfg"

# ---- the ladder -------------------------------------------------------------------
# accuracy NET: the test accuracy in % of a net folder, or "diverged".
accuracy() {
  if grep -q '"diverged":[[:space:]]*true' "$1/meta.json"; then echo diverged; return; fi
  "$BOVW" nn eval "$1" --manifest "$OUT/dataset/test.tsv" -o "$1-report" -j "$J" -q \
    | sed -n 's/.*: accuracy \([0-9.]*\)%.*/\1/p'
}
printf 'lr\tbatchnorm\tno_batchnorm\n' > "$OUT/results.tsv.new"
for lr in $RATES; do
  row=$lr
  for net in bn no-bn; do
    d=$OUT/$net-$lr
    echo "== $net, lr $lr"
    rm -rf "$d" "$d-report"
    "$BOVW" nn train "$OUT/specs/$net.cfg" --manifest "$OUT/dataset/train.tsv" -o "$d" \
      --epochs "$EPOCHS" --lr "$lr" --schedule constant --seed "$SEED" -j "$J" -q
    row=$row$'\t'$(accuracy "$d")
  done
  echo "$row" >> "$OUT/results.tsv.new"
done
mv "$OUT/results.tsv.new" "$OUT/results.tsv"
"$BOVW" plot lines "$OUT/results.tsv" -o "$OUT/batchnorm.svg" --x lr --y batchnorm,no_batchnorm \
  --log-x --title "Fashion-MNIST CNN, $TRAIN_N images a class, $EPOCHS epochs: with and without batch norm" \
  --x-title "learning rate (constant)" --y-title "test accuracy (%); x: diverged"

# ---- folding the best batch-norm net ------------------------------------------------
best=$(awk -F'\t' 'NR > 1 && $2 != "diverged" && (b == "" || $2 + 0 > best + 0) {best = $2; b = $1}
                   END {print b}' "$OUT/results.tsv")
[ -n "$best" ] || { echo "$me: every batch-norm run diverged: nothing to fold" >&2; exit 1; }
rm -rf "$OUT/folded" "$OUT/fold-report" "$OUT/unfolded-report"
"$BOVW" nn fold "$OUT/bn-$best" -o "$OUT/folded"
# field REPORT KEY: the first number under KEY in report.json (the report's own,
# else its run's).
field() { json_number "$2" "$1/report.json"; }
"$BOVW" nn eval "$OUT/bn-$best" --no-fold --manifest "$OUT/fold-dataset/test.tsv" \
  -o "$OUT/unfolded-report" -j "$J" -q
"$BOVW" nn eval "$OUT/folded" --manifest "$OUT/fold-dataset/test.tsv" -o "$OUT/fold-report" -j "$J" -q
layers() { "$BOVW" nn summary "$1" | awk '$1 ~ /^[0-9]+$/ {n++} / bn / {b++} END {print n "\t" b + 0}'; }
{
  printf 'net\tlayers\tbatchnorm_layers\tparams\ttest_images\taccuracy\timages_per_second\n'
  for r in unfolded:"$OUT/bn-$best":"$OUT/unfolded-report" folded:"$OUT/folded":"$OUT/fold-report"; do
    IFS=: read -r name net rep <<< "$r"
    printf '%s\t%s\t%s\t%s\t%.2f\t%.0f\n' "$name" "$(layers "$net")" \
      "$("$BOVW" nn summary "$net" | awk '$1 == "total" {print $2}')" "$(field "$rep" count)" \
      "$(awk -v a="$(field "$rep" accuracy)" 'BEGIN {print 100 * a}')" "$(field "$rep" images_per_second)"
  done
} > "$OUT/fold.tsv"

# ---- results.md ---------------------------------------------------------------------
{
  echo "# Batch norm allows higher learning rates"
  echo
  echo "Test accuracy (%) of the Fashion-MNIST CNN with and without batch norm after $EPOCHS"
  echo "epochs at a constant rate ($TRAIN_N training and $TEST_N test images a class):"
  echo
  md_table "$OUT/results.tsv"
  echo
  awk -F'\t' 'NR > 1 {if ($3 == "diverged" && $2 != "diverged" && !d) {d = $1; a = $2}
                      if ($2 != "diverged" && $3 != "diverged" && $2 - $3 > 20 && !g) g = $1}
              END {if (d) printf "Without batch norm the net diverges from a rate of %s, where the normalised one still learns (%s%%, chance 10%%).", d, a
                   if (g) printf " From %s on the unnormalised net already lags by more than 20 points.", g
                   print ""}' "$OUT/results.tsv"
  echo
  echo "The batch-norm net of rate $best folded for test time (\`bovw nn fold\`), both on"
  echo "$(field "$OUT/fold-report" count) test images ($J threads; the machine was shared: speeds under load):"
  echo
  md_table "$OUT/fold.tsv"
} > "$OUT/results.md"
cat "$OUT/results.md"
echo "== $me: $(elapsed "$t0")"
