#!/usr/bin/env bash
# sharded.sh: the BoVW pipeline with every stage that can be split run as
# shards through GNU parallel, then merged: the same files as
# scripts/pipeline.sh, byte for byte in the arrays.
#
#   scripts/sharded.sh DATA_DIR OUT_DIR [--shards N] [--jobs J] [pipeline options]
#
# Extraction and encoding run as N slices of the images, training as N
# slices of the classes (bovw extract/encode --shard I/N, bovw train
# --classes I/N), J at a time (default: the cores), each at one thread; bovw
# merge joins each stage's shards. The codebook and the evaluation run once.
# On several machines, the same commands run there: GNU parallel's
# --sshlogin, or the Slurm array in scripts/sharded.sbatch. The recipe is
# pipeline.sh's default (PHOW gray, 600 words, 2x2+4x4 chi2 histograms,
# SDCA) with its split options: --train-per-class, --test-per-class,
# --sorted, --seed; --words K and --solver S (sgd, sdca, gram or stream).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$HERE/lib.sh"
me=sharded.sh
usage() { echo "$me: $*; see --help" >&2; exit 2; }
DATA='' OUT='' N=4 JOBS=$(nproc 2>/dev/null || echo 2) WORDS=600 SOLVER=sdca SPLIT=()
while [ $# -gt 0 ]; do
  case $1 in
    --shards) N=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --words) WORDS=$2; shift 2 ;;
    --solver) SOLVER=$2; shift 2 ;;
    --train-per-class|--test-per-class|--seed) SPLIT+=("$1" "$2"); shift 2 ;;
    --sorted) SPLIT+=(--sorted); shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage "unknown option $1" ;;
    *) if [ -z "$DATA" ]; then DATA=$1; elif [ -z "$OUT" ]; then OUT=$1; else
         usage "unexpected argument $1"; fi; shift ;;
  esac
done
if [ -z "$DATA" ] || [ -z "$OUT" ]; then usage "give DATA_DIR and OUT_DIR"; fi
[[ $N =~ ^[1-9][0-9]*$ ]] || usage "--shards is a positive number"
command -v parallel >/dev/null || { echo "$me: GNU parallel not found: apt-get install parallel" >&2; exit 1; }
BOVW=${BOVW:-$HERE/../build/bovw}
export BOVW
mapfile -t SHARDS < <(seq "$N")
T0=$(date +%s.%N)
run_stage dataset "$OUT/dataset" "$BOVW" dataset scan "$DATA" -o "$OUT/dataset" "${SPLIT[@]}"
for part in train test; do
  echo "== extract $part: $N shards"
  parallel -j "$JOBS" --halt now,fail=1 "$BOVW" extract "$OUT/dataset/$part.tsv" \
    -o "$OUT/shards/features-$part-{}" --shard "{}/$N" -j 1 -q ::: "${SHARDS[@]}"
  "$BOVW" merge "$OUT"/shards/features-"$part"-* -o "$OUT/features/$part" -q
done
run_stage codebook "$OUT/codebook" "$BOVW" codebook "$OUT/features/train" -o "$OUT/codebook" \
  -k "$WORDS" --samples 100000 --algorithm elkan --iterations 50
echo "== encode train: $N shards"
parallel -j "$JOBS" --halt now,fail=1 "$BOVW" encode "$OUT/features/train" -c "$OUT/codebook" \
  -o "$OUT/shards/encodings-train-{}" --shard "{}/$N" -j 1 -q ::: "${SHARDS[@]}"
"$BOVW" merge "$OUT"/shards/encodings-train-* -o "$OUT/encodings/train" -q
echo "== encode test: $N shards"
parallel -j "$JOBS" --halt now,fail=1 "$BOVW" encode "$OUT/features/test" --like "$OUT/encodings/train" \
  -o "$OUT/shards/encodings-test-{}" --shard "{}/$N" -j 1 -q ::: "${SHARDS[@]}"
"$BOVW" merge "$OUT"/shards/encodings-test-* -o "$OUT/encodings/test" -q
echo "== train: $N class shards"
parallel -j "$JOBS" --halt now,fail=1 "$BOVW" train "$OUT/encodings/train" -o "$OUT/shards/model-{}" \
  --solver "$SOLVER" --C 10 --classes "{}/$N" -j 1 -q ::: "${SHARDS[@]}"
"$BOVW" merge "$OUT"/shards/model-* -o "$OUT/model" -q
run_stage eval "$OUT/report" "$BOVW" eval "$OUT/model" "$OUT/encodings/test" -o "$OUT/report"
echo "== total: $(elapsed "$T0")"
