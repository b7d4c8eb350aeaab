# shellcheck shell=bash
# fmnist.sh: Fashion-MNIST for the lecture's experiments; sourced, not run
# (after scripts/lib.sh, with BOVW set).

FM=${FM:-/usr/share/datasets/fashion-mnist}

# fmnist_images DIR: DIR/train and DIR/test, Debian's Fashion-MNIST imported
# (`bovw dataset import-idx`) and scanned. A folder that has both manifests
# already (an earlier call's, or the demo's runs/fashion-mnist/images) is
# read as it is, never rewritten.
fmnist_images() {
  local dir=$1 part src dst frac
  [ -f "$dir/train/train.tsv" ] && [ -f "$dir/test/test.tsv" ] && return
  [ -f "$FM/train-images-idx3-ubyte.gz" ] || {
    echo "fmnist.sh: no Fashion-MNIST in $FM (apt-get install dataset-fashion-mnist)" >&2
    return 1
  }
  for part in train:train t10k:test; do
    src=${part%%:*} dst=${part##*:}
    frac=0; [ "$dst" = test ] && frac=1
    run_stage "import $dst" "$dir/$dst/images" "$BOVW" dataset import-idx --class-names fashion-mnist \
      -o "$dir/$dst/images" --images "$FM/$src-images-idx3-ubyte.gz" \
      --labels "$FM/$src-labels-idx1-ubyte.gz" -q
    run_stage "scan $dst" "$dir/$dst" "$BOVW" dataset scan "$dir/$dst/images" -o "$dir/$dst" \
      --test-fraction "$frac" -q
  done
}

# fmnist_subset DIR OUT TRAIN_N TEST_N: OUT/train.tsv and OUT/test.tsv, the
# first TRAIN_N (TEST_N) images of each class of DIR's manifests (all of
# them when empty), paths made absolute, and OUT/classes.txt; a file is
# rewritten only when it changes, so that the stages made from it stay.
fmnist_subset() {
  local dir=$1 out=$2 f
  mkdir -p "$out"
  subset_manifest "$dir/train/train.tsv" "$out/train.tsv.new" "$(cd "$dir/train/images" && pwd)" "$3"
  subset_manifest "$dir/test/test.tsv" "$out/test.tsv.new" "$(cd "$dir/test/images" && pwd)" "$4"
  cp "$dir/train/classes.txt" "$out/classes.txt.new"
  for f in train.tsv test.tsv classes.txt; do
    if cmp -s "$out/$f.new" "$out/$f"; then rm "$out/$f.new"; else mv "$out/$f.new" "$out/$f"; fi
  done
}
