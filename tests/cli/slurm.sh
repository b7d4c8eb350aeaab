#!/usr/bin/env bash
# slurm.sh: the sharded pipeline for real under Slurm: a one-node cluster
# on this machine (scripts/slurm-local.sh), extraction, encoding and
# training submitted as job arrays of scripts/sharded.sbatch (sbatch
# --wait), each stage's shards merged, and the arrays compared with an
# unsharded scripts/pipeline.sh run, byte for byte. Skipped (exit 77),
# saying why, where Slurm cannot run: not root, or slurm-wlm and munge not
# installed (they are not among the project's dependencies).
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"
: "${BOVW_SOURCE_DIR:?set BOVW_SOURCE_DIR to the repository}"
S=$BOVW_SOURCE_DIR/scripts
for tool in munged slurmctld slurmd sbatch; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool not found (apt-get install slurm-wlm munge)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skipped: slurmd runs as root"; exit 77; }
export BOVW

"$MAKE_TEST_IMAGES" "$TMP/a" --classes 4 --per-class 12 --size 64 --seed 4 --format png
expect_exit 0 "the unsharded pipeline" "$S/pipeline.sh" "$TMP/a" "$TMP/run" --train-per-class 6 --words 20 -j 2

SL=$TMP/slurm
if ! "$S/slurm-local.sh" start "$SL" >"$TMP/start" 2>&1; then
  echo "skipped: the Slurm daemons did not start here:"; sed 's/^/  | /' "$TMP/start"
  "$S/slurm-local.sh" stop "$SL" || true
  exit 77
fi
trap '"$S/slurm-local.sh" stop "$SL"; rm -rf "$TMP"' EXIT
export SLURM_CONF=$SL/slurm.conf
O=$TMP/sh
# array STAGE IN PREFIX [options]: 3 tasks of sharded.sbatch, waited for.
array() {
  sbatch --wait --array=1-3 --chdir="$TMP" --output="$TMP/slurm-%A-%a.log" \
    "$S/sharded.sbatch" "$@" >/dev/null
}
mkdir -p "$O/shards"
for part in train test; do
  expect_exit 0 "extract $part as a job array" array extract "$TMP/run/dataset/$part.tsv" "$O/shards/f-$part"
  "$BOVW" merge "$O"/shards/f-"$part"-* -o "$O/features/$part" -q
done
"$BOVW" codebook "$O/features/train" -o "$O/codebook" -k 20 --samples 100000 --algorithm elkan \
  --iterations 50 -q
expect_exit 0 "encode as a job array" array encode "$O/features/train" "$O/shards/e-train" -c "$O/codebook"
"$BOVW" merge "$O"/shards/e-train-* -o "$O/encodings/train" -q
expect_exit 0 "train as a job array" array train "$O/encodings/train" "$O/shards/m" --solver sdca --C 10
"$BOVW" merge "$O"/shards/m-* -o "$O/model" -q
for f in features/train/descriptors.npy features/test/descriptors.npy codebook/centers.npy \
         encodings/train/encodings.npy model/weights.npy model/biases.npy; do
  cmp -s "$TMP/run/$f" "$O/$f" && pass "under Slurm, $f is the unsharded one byte for byte" ||
    fail "under Slurm, $f differs from the unsharded one"
done
finish
