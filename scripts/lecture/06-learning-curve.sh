#!/usr/bin/env bash
# 06-learning-curve.sh: where learning overtakes. BoVW against the CNN and
# the MLP on Fashion-MNIST, from a handful to all 6,000 training images of
# each class, on one test set.
#
#   scripts/lecture/06-learning-curve.sh [OUT_DIR] [--quick] [-j N] [--seed S]
#                                        [--images DIR] [--sizes LIST]
#                                        [--test-per-class M] [--reuse-demo DIR]
#
#   OUT_DIR             where everything goes (runs/lecture/06-learning-curve)
#   --quick             a tiny version for the tests: sizes 5 and 20, 20 test
#                       images a class, the BoVW recipe on fewer scales, at
#                       most 20 epochs
#   -j N                threads (2)
#   --seed S            the networks' seed (0)
#   --images DIR        Fashion-MNIST imported and scanned (DIR/train,
#                       DIR/test); made there when missing
#                       (runs/lecture/fashion-mnist)
#   --sizes LIST        training images per class (5,20,100,500,2000,6000)
#   --test-per-class M  the first M test images of each class (all 1,000)
#   --reuse-demo DIR    take the reports of a finished demo run (DIR/bovw,
#                       DIR/cnn, DIR/mlp: scripts/demo.sh, all 60,000 images,
#                       the same recipes) for the size 6000 instead of
#                       training them again; they must be scored on this
#                       test set (`bovw compare` checks)
#
# At size n the training set is the first n images of each class (the sets
# are nested). BoVW is the demo's recipe (dense SIFT on images enlarged to
# 56 x 56, a 32-Gaussian GMM after PCA 48, Fisher vectors over 1x1 + 2x2,
# linear SVMs by SDCA), its codebook learned at each size from that size's
# images. The networks are models/fmnist-cnn.cfg and models/mlp.cfg with
# the engine's defaults, for max(15, min(100, 3000 / n)) epochs: 15 as in
# the demo once n >= 200, more passes over the smaller sets (a CNN given 15
# steps has not trained, whatever the data says); --quick caps them at 20.
# OUT_DIR/results.tsv has each system's test accuracy (%) per size and which
# system leads, results.md the crossover, learning-curve.svg the curves (log
# x), compare/ the reports side by side (`bovw compare --curve`).
set -eu
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/lecture/fmnist.sh"
lecture_args 2 --images IMAGES --sizes SIZES --test-per-class TEST_N --reuse-demo DEMO -- "$@"
IMAGES=${IMAGES:-$(dirname "$OUT")/fashion-mnist}
# The demo's BoVW recipe; --quick extracts two scales on a coarser grid.
EXTRACT="--min-side 56 --sizes 4,6,8 --step 2"
if [ "$QUICK" = 1 ]; then
  SIZES=${SIZES:-5,20} TEST_N=${TEST_N:-20} EXTRACT="--min-side 56 --sizes 4,8 --step 4" CAP=20
else
  SIZES=${SIZES:-5,20,100,500,2000,6000} CAP=100
fi
IFS=, read -r -a NS <<< "$SIZES"
for n in "${NS[@]}"; do
  case $n in ''|*[!0-9]*|0) usage "--sizes takes positive integers, not '$n'" ;; esac
done
t0=$(date +%s.%N)
fmnist_images "$IMAGES"
echo "== test set: $([ -n "$TEST_N" ] && echo "the first $TEST_N" || echo all) test images of each class"

mkdir -p "$OUT"
printf 'images_per_class\tbovw\tcnn\tmlp\tleader\n' > "$OUT/results.tsv.new"
FIRST= REPORTS=() NAMES=()
for n in "${NS[@]}"; do
  d=$OUT/$n
  if [ "$n" = 6000 ] && [ -n "$DEMO" ] && [ -z "$TEST_N" ]; then
    echo "== $n images a class: the reports of $DEMO"
    for s in bovw cnn mlp; do
      [ -f "$DEMO/$s/report/report.json" ] || { echo "$me: no $DEMO/$s/report" >&2; exit 1; }
    done
    R_BOVW=$DEMO/bovw/report R_CNN=$DEMO/cnn/report R_MLP=$DEMO/mlp/report
  else
    fmnist_subset "$IMAGES" "$d/dataset" "$n" "$TEST_N"
    # The test features are the same at every size: extracted once.
    SHARED=()
    [ -z "$FIRST" ] || SHARED=(--test-features "$FIRST/bovw/features/test")
    echo "== BoVW, $n images a class"
    "$ROOT/scripts/pipeline.sh" --dataset "$d/dataset" "$d/bovw" --encoding fisher --words 32 \
      --codebook-opts "--pca 48" --extract-opts "$EXTRACT" --encode-opts "--pyramid 1x1,2x2" \
      --solver sdca --train-opts "--epochs 10" "${SHARED[@]}" -j "$J" > "$d/bovw.log"
    [ -n "$FIRST" ] || FIRST=$d
    epochs=$(awk -v n="$n" -v cap="$CAP" 'BEGIN {e = int(3000 / n); if (e > cap) e = cap; if (e < 15) e = 15; print e}')
    for s in cnn:fmnist-cnn mlp:mlp; do
      name=${s%%:*} spec=$ROOT/models/${s##*:}.cfg
      echo "== $name, $n images a class, $epochs epochs"
      run_stage "train $name@$n" "$d/$name" "$BOVW" nn train "$spec" --manifest "$d/dataset/train.tsv" \
        -o "$d/$name" --epochs "$epochs" --seed "$SEED" -j "$J" -q
      run_stage "eval $name@$n" "$d/$name-report" "$BOVW" nn eval "$d/$name" \
        --manifest "$d/dataset/test.tsv" -o "$d/$name-report" -j "$J" -q
    done
    R_BOVW=$d/bovw/report R_CNN=$d/cnn-report R_MLP=$d/mlp-report
  fi
  a=$(report_accuracy "$R_BOVW") b=$(report_accuracy "$R_CNN") c=$(report_accuracy "$R_MLP")
  lead=$(awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {l = "bovw"; m = a
           if (b > m) {l = "cnn"; m = b}; if (c > m) l = "mlp"; print l}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$a" "$b" "$c" "$lead" >> "$OUT/results.tsv.new"
  REPORTS+=("$R_BOVW" "$R_CNN" "$R_MLP") NAMES+=("bovw@$n" "cnn@$n" "mlp@$n")
done
mv "$OUT/results.tsv.new" "$OUT/results.tsv"
# Where the lead passes from BoVW to a network: between the last size BoVW
# leads and the next.
cross=$(awk -F'\t' 'NR > 1 {if (prev == "bovw" && $5 != "bovw") {print p " and " $1; exit}
                            prev = $5; p = $1}' "$OUT/results.tsv")
title="Fashion-MNIST: accuracy against images per class"
[ -z "$cross" ] || title="$title (learning overtakes between $cross)"
"$BOVW" plot lines "$OUT/results.tsv" -o "$OUT/learning-curve.svg" --x images_per_class \
  --y bovw,cnn,mlp --log-x --title "$title" --x-title "training images per class" \
  --y-title "test accuracy (%)"
# The reports side by side, as the demo's compare does.
"$BOVW" compare "${REPORTS[@]}" --names "$(IFS=,; echo "${NAMES[*]}")" --curve -o "$OUT/compare" > /dev/null

{
  echo "# Where learning overtakes"
  echo
  echo "Test accuracy (%) on Fashion-MNIST against the training images of each class"
  echo "(the same $( [ -n "$TEST_N" ] && echo "$((TEST_N * 10))" || echo 10,000) test images at every size):"
  echo
  md_table "$OUT/results.tsv"
  echo
  if [ -n "$cross" ]; then
    echo "The hand-made representation leads up to the first size of the pair, the learned"
    echo "one from the second: the crossover is between $cross images a class."
  else
    echo "No crossover from BoVW to a network within these sizes (leaders: $(cut -f5 "$OUT/results.tsv" | tail -n +2 | tr '\n' ' '))."
  fi
} > "$OUT/results.md"
cat "$OUT/results.md"
echo "== $me: $(elapsed "$t0")"
