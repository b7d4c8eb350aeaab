#!/usr/bin/env bash
# 05-conv1d-conv3d.sh: the lecture's convolutions along one and three axes.
#
#   scripts/lecture/05-conv1d-conv3d.sh [OUT_DIR] [--quick] [-j N] [--seed S]
#
#   OUT_DIR     where everything goes (runs/lecture/05-conv1d-conv3d)
#   --quick     a tiny version (seconds), for the integration test
#   -j N        threads of the bovw commands (2)
#   --seed S    the data's and the nets' seed (0)
#
# 1-D: noisy sines, square waves and sawtooths of random period and phase
# (bovw dataset signals), classified by an MLP on the raw samples and by a
# small conv1d net (two conv1d layers, global average pooling).
# 3-D: clips of a square moving left, right, up or down on a frame that
# wraps around (bovw dataset clips), classified by a conv3d net on the
# 1x8x16x16 clip, by a conv2d net on one frame (frame 4: it cannot tell the
# directions apart, every frame being a square at a uniformly random
# place), and by a conv2d net that takes the 8 frames as 8 channels.
# Every net trains with 20% of the training set held out, whose accuracy
# after each epoch is the curve; the test accuracy is bovw nn eval's.
#
# Writes OUT_DIR/results.tsv and results.md (one row per net),
# curves-1d.tsv and curves-3d.tsv (held-out accuracy per epoch), and the
# pictures accuracy-1d.svg and accuracy-3d.svg; the data, specs, nets and
# reports under OUT_DIR/work.
set -eu
. "$(dirname "$0")/lib.sh"
lecture_args 2 -- "$@"

if [ "$QUICK" = 1 ]; then
  N=100 TEST_N=50 EPOCHS=8
else
  N=500 TEST_N=200 EPOCHS=15
fi
W=$OUT/work
mkdir -p "$W/specs"
t0=$(date +%s.%N)

# ---- data ---------------------------------------------------------------------
"$BOVW" dataset signals -o "$W/signals" --n "$N" --test-n "$TEST_N" --seed "$SEED" -q >/dev/null
"$BOVW" dataset clips -o "$W/clips" --n "$N" --test-n "$TEST_N" --seed "$SEED" -q >/dev/null
"$BOVW" dataset clips -o "$W/frame" --n "$N" --test-n "$TEST_N" --seed "$SEED" --frame 4 \
  -q >/dev/null

# ---- the nets -----------------------------------------------------------------
cat > "$W/specs/mlp-1d.cfg" <<'EOF'
# an MLP on the 128 raw samples
input 1x128
flatten
fc 64
relu
fc classes
softmax
EOF
cat > "$W/specs/conv1d.cfg" <<'EOF'
# two 1-D convolutions, then the mean over time: the same filters at every step
input 1x128
conv1d 16 5 pad=same
bn
relu
maxpool1d 2
conv1d 32 5 pad=same
bn
relu
globalavgpool
fc classes
softmax
EOF
# conv2d_spec NAME COMMENT INPUT: the two 2-D baselines, one net on
# different inputs.
conv2d_spec() {
  { printf '# %s\ninput %s\n' "$2" "$3"
    cat <<'EOF'
conv 8 3x3 pad=same
bn
relu
maxpool 2
conv 16 3x3 pad=same
bn
relu
globalavgpool
fc classes
softmax
EOF
  } > "$W/specs/$1.cfg"
}
conv2d_spec conv2d-one-frame "a 2-D CNN on frame 4 of each clip alone" 1x16x16
conv2d_spec conv2d-frames-as-channels "a 2-D CNN that takes the 8 frames as 8 channels" 8x16x16
cat > "$W/specs/conv3d.cfg" <<'EOF'
# a 3-D CNN: 3x3x3 filters slide over time as over space
input 1x8x16x16
conv3d 8 3x3x3 pad=same
bn
relu
maxpool3d 2
conv3d 16 3x3x3 pad=same
bn
relu
globalavgpool
fc classes
softmax
EOF

printf 'experiment\tnet\tinput\tparams\tMACs\tepochs\ttrain_seconds\ttest_accuracy\n' \
  > "$OUT/results.tsv.tmp"
for dims in 1d 3d; do
  printf 'net\tepoch\theld_out_accuracy\n' > "$OUT/curves-$dims.tsv.tmp"
done

# run EXPERIMENT NET DATA: trains specs/NET.cfg on DATA/train, scores DATA/test.
run() {
  local dims=$1 net=$2 data=$3 spec=$W/specs/$2.cfg
  "$BOVW" nn train "$spec" --encodings "$data/train" -o "$W/nets/$net" --epochs "$EPOCHS" \
    --batch 32 --val-fraction 0.2 --seed "$SEED" -j "$J" -q >/dev/null
  "$BOVW" nn eval "$W/nets/$net" --encodings "$data/test" -o "$W/reports/$net" -j "$J" \
    -q >/dev/null
  local input total
  input=$(sed -n 's/^input //p' "$spec")
  total=$("$BOVW" nn summary "$W/nets/$net" | awk '$1 == "total" {print $2 "\t" $3}')
  printf '%s\t%s\t%s\t%s\t%s\t%.2f\t%.4f\n' "$dims" "$net" "$input" "$total" "$EPOCHS" \
    "$(json_number train_seconds "$W/nets/$net/meta.json")" \
    "$(json_number accuracy "$W/reports/$net/report.json")" >> "$OUT/results.tsv.tmp"
  awk -F, -v net="$net" 'NR > 1 {print net "\t" $1 "\t" $6}' "$W/nets/$net/curve.csv" \
    >> "$OUT/curves-$dims.tsv.tmp"
}
run 1d mlp-1d "$W/signals"
run 1d conv1d "$W/signals"
run 3d conv2d-one-frame "$W/frame"
run 3d conv2d-frames-as-channels "$W/clips"
run 3d conv3d "$W/clips"
for f in results curves-1d curves-3d; do mv "$OUT/$f.tsv.tmp" "$OUT/$f.tsv"; done

# ---- pictures -------------------------------------------------------------------
"$BOVW" plot lines "$OUT/curves-1d.tsv" -o "$OUT/accuracy-1d.svg" --x epoch \
  --y held_out_accuracy --series net --title "Waves (sine, square, sawtooth): MLP and conv1d" \
  --x-title epoch --y-title "held-out accuracy" >/dev/null
"$BOVW" plot lines "$OUT/curves-3d.tsv" -o "$OUT/accuracy-3d.svg" --x epoch \
  --y held_out_accuracy --series net --title "Moving squares: one frame, frames as channels, conv3d" \
  --x-title epoch --y-title "held-out accuracy" >/dev/null

# ---- results.md -------------------------------------------------------------------
acc() { awk -F'\t' -v n="$1" '$2 == n {printf "%.1f%%", 100 * $8}' "$OUT/results.tsv"; }
{
  echo "# 1-D and 3-D convolutions"
  echo
  echo "| experiment | net | input | parameters | MACs per sample | epochs | training (s) | test accuracy |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' 'NR > 1 {printf "| %s | %s | %s | %s | %s | %s | %s | %.1f%% |\n",
                      $1, $2, $3, $4, $5, $6, $7, 100 * $8}' "$OUT/results.tsv"
  echo
  echo "Waves of random period and phase: the MLP on the raw samples $(acc mlp-1d), the"
  echo "conv1d net (the same filters at every step, then the mean over time) $(acc conv1d)."
  echo "Moving squares (chance 25%): one frame $(acc conv2d-one-frame) (a frame shows a square"
  echo "at a uniformly random place, whatever the direction), the 2-D net with the frames as"
  echo "channels $(acc conv2d-frames-as-channels), conv3d $(acc conv3d)."
  echo "$N training and $TEST_N test samples per class, seed $SEED."
} > "$OUT/results.md.tmp"
mv "$OUT/results.md.tmp" "$OUT/results.md"
echo "$me: $(elapsed "$t0") -> $OUT"
