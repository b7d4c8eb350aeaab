#!/usr/bin/env bash
# provenance.sh: what provenance costs on a Caltech-101 run of
# scripts/caltech101.sh (made first if OUT_DIR has none): the no-op rerun
# (every stage up to date), the check a script makes before each stage
# (`bovw status --stage`), and the digests a stage computes as it reads its
# inputs (bench/provenance_cost.c), each the median of RUNS runs.
#   bench/provenance.sh [BUILD_DIR] [DATA_DIR] [OUT_DIR] [RUNS]
set -eu
BUILD=${1:-build}
DATA=${2:-../shared/datasets/caltech101/101_ObjectCategories}
OUT=${3:-runs/caltech101}
RUNS=${4:-5}
. "$(dirname "$0")/lib.sh"
export BOVW=$PWD/$BUILD/bovw
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
echo "machine: $(machine)"
[ -f "$OUT/report/report.json" ] || scripts/caltech101.sh "$DATA" "$OUT"
m=$(for _ in $(seq "$RUNS"); do
  t0=$(now); scripts/caltech101.sh "$DATA" "$OUT" > "$LOG" 2>&1; t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
done | median)
printf 'no-op rerun of scripts/caltech101.sh: %.3f s (median of %d; %d stages up to date)\n' \
  "$m" "$RUNS" "$(grep -c 'up to date' "$LOG")"
printf '%-14s %12s %12s %10s\n' stage "stage (s)" "check (ms)" share
for dir in dataset features/train features/test codebook encodings/train encodings/test model report; do
  file=$OUT/$dir/meta.json; [ -f "$file" ] || file=$OUT/$dir/report.json
  # The recorded command and the stage's own seconds, from the artifact.
  read -r -a CMD < <(/usr/bin/python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["provenance"]["command"]))' "$file")
  case $dir in
    dataset|report)  # they record no time of their own: run them again elsewhere
      TMPOUT=$(mktemp -d)
      RUN=(); skip=0
      for w in "${CMD[@]}"; do
        if [ "$skip" = 1 ]; then RUN+=("$TMPOUT/out"); skip=0; else RUN+=("$w"); fi
        [ "$w" = -o ] && skip=1
      done
      secs=$(for _ in $(seq "$RUNS"); do
        t0=$(now); "$BOVW" "${RUN[@]}" -q >/dev/null; t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
      done | median)
      rm -rf "$TMPOUT" ;;
    *) secs=$(/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
s = m.get("seconds", m.get("train_seconds", 0))
print(s["total"] if isinstance(s, dict) else s)' "$file") ;;
  esac
  ms=$(for _ in $(seq "$RUNS"); do
    t0=$(now); "$BOVW" status --stage "$OUT/$dir" -- "${CMD[@]}" >/dev/null; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print 1000 * (b - a)}'
  done | median)
  awk -v d="$dir" -v s="$secs" -v m="$ms" 'BEGIN {printf "%-14s %12.2f %12.1f %9.2f%%\n", d, s, m, (s > 0 ? m / 10 / s : 0)}'
done
"$BUILD/provenance_cost" "$RUNS" "$DATA" "$OUT/dataset/all.tsv" "$OUT"/dataset "$OUT"/features/train \
  "$OUT"/codebook "$OUT"/encodings/train "$OUT"/model "$OUT"/encodings/test "$OUT"/report
