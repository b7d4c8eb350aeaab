#!/usr/bin/env bash
# lecture.sh: every experiment of the lecture on image representations
# (docs/lecture.md), one after another, each into its own folder.
#
#   scripts/lecture.sh [OUT_DIR] [--quick] [-j N] [--seed S] [--only N,N...] [--docs]
#                      [--images DIR] [--reuse-demo DIR]
#
#   OUT_DIR      where the experiments write (runs/lecture)
#   --quick      the tiny version of each (seconds; what the tests run)
#   -j N         threads (each experiment's default: 2)
#   --seed S     the seed every experiment gets (0)
#   --only LIST  the experiments to run, by number (all)
#   --images DIR Fashion-MNIST imported and scanned, for the experiments
#                that take it (runs/lecture/fashion-mnist, made when missing;
#                the demo's runs/fashion-mnist/images will do)
#   --reuse-demo DIR  a finished demo run (scripts/demo.sh), whose reports
#                the learning curve takes for all 6,000 images a class
#   --docs       copy each experiment's pictures into docs/img as
#                lecture-NN-NAME.svg (or lecture-NN-NAME-PICTURE.svg when
#                it draws several), the names docs/lecture.md shows
# Each experiment is scripts/lecture/NN-NAME.sh and writes results.tsv,
# results.md and its pictures into OUT_DIR/NN-NAME. OUT_DIR/times.tsv gets
# each one's wall time; a failed experiment stops the run.
set -eu
CALLER=$PWD
# from_caller PATH: PATH as the caller meant it, once this script has moved
# to the repository's top.
from_caller() { case $1 in /*) echo "$1" ;; *) echo "$CALLER/$1" ;; esac; }
cd "$(dirname "$0")/.."
OUT= QUICK=() J=() SEED=0 ONLY= DOCS=0 IMAGES=() DEMO=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=(--quick); shift ;;
    -j|--threads) J=(-j "$2"); shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --only) ONLY=,$2,; shift 2 ;;
    --docs) DOCS=1; shift ;;
    --images) IMAGES=(--images "$(from_caller "$2")"); shift 2 ;;
    --reuse-demo) DEMO=(--reuse-demo "$(from_caller "$2")"); shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "lecture.sh: unknown option $1; see --help" >&2; exit 2 ;;
    *) if [ -z "$OUT" ]; then OUT=$(from_caller "$1"); else
         echo "lecture.sh: unexpected argument $1" >&2; exit 2; fi; shift ;;
  esac
done
OUT=${OUT:-$PWD/runs/lecture}
mkdir -p "$OUT"
TIMES=$OUT/times.tsv
printf 'experiment\tseconds\n' > "$TIMES"
found=0
for script in scripts/lecture/[0-9][0-9]-*.sh; do
  name=$(basename "$script" .sh)
  number=${name%%-*}
  if [ -n "$ONLY" ] && [[ $ONLY != *",$number,"* && $ONLY != *",$((10#$number)),"* ]]; then
    continue
  fi
  found=1
  echo "== $name" >&2
  start=$(date +%s.%N)
  # The options only some experiments have go to those whose usage names them.
  extra=()
  grep -q -- '--images DIR' "$script" && extra+=("${IMAGES[@]}")
  grep -q -- '--reuse-demo DIR' "$script" && extra+=("${DEMO[@]}")
  bash "$script" "$OUT/$name" "${QUICK[@]}" "${J[@]}" --seed "$SEED" "${extra[@]}"
  end=$(date +%s.%N)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  printf '%s\t%s\n' "$name" "$seconds" | tee -a "$TIMES" >&2
  if [ "$DOCS" = 1 ]; then
    mkdir -p docs/img
    svgs=("$OUT/$name"/*.svg)
    for svg in "${svgs[@]}"; do
      [ -e "$svg" ] || continue
      if [ "${#svgs[@]}" = 1 ]; then cp "$svg" "docs/img/lecture-$name.svg"
      else cp "$svg" "docs/img/lecture-$name-$(basename "$svg")"; fi
    done
  fi
done
if [ "$found" = 0 ]; then
  ONLY=${ONLY#,}
  echo "lecture.sh: no experiment matches --only ${ONLY%,}" >&2
  exit 2
fi
echo "-> $OUT (times in $TIMES)" >&2
