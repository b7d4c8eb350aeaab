#!/usr/bin/env bash
# fuzz.sh: runs every fuzz target of fuzz/ (one per reader of outside
# files) under libFuzzer, ASan and UBSan, one after the other, and keeps
# what it finds.
#
#   scripts/fuzz.sh [SECONDS] [options]
#
#   SECONDS            each target's time (60)
#   --targets LIST     only these (image,npy,...; default: every fuzz/targets/*.c)
#   --build DIR        the clang build to use or make (build-fuzz)
#   --out DIR          where corpora, findings and logs go (runs/fuzz)
#   --runs N           stop a target after N executions instead (with SECONDS
#                      as a bound: whichever comes first)
#
# Configures DIR with CC=clang -DBOVW_FUZZ=ON if needed, builds the targets,
# makes the seed corpora (fuzz/make-seeds.sh), then runs each target on
# OUT/corpus/TARGET (kept and grown from run to run) and the seeds, with its
# dictionary (fuzz/dict/TARGET.dict), 2 GB of memory, 10 s an input, after
# replaying its committed regressions (fuzz/regressions/TARGET/). A crash,
# leak, timeout or out-of-memory input lands in OUT/findings/TARGET/.
# OUT/summary.tsv has, per target: seconds, executions, executions a second,
# edges (cov) and features (ft) reached, corpus inputs, findings.
# Exit status: 0 when nothing was found, 1 when something was, 2 usage.
# A finding, once fixed, goes to fuzz/regressions/TARGET/ (docs/fuzzing.md).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
me=fuzz.sh
usage() { echo "$me: $*; see --help" >&2; exit 2; }
SECONDS_EACH=60 TARGETS= BUILD=$ROOT/build-fuzz OUT=$ROOT/runs/fuzz RUNS=
while [ $# -gt 0 ]; do
  case $1 in
    --targets) TARGETS=${2//,/ }; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage "unknown option '$1'" ;;
    *) case $1 in ''|*[!0-9]*) usage "SECONDS '$1' is not a whole number" ;; esac
       SECONDS_EACH=$1; shift ;;
  esac
done
[ "$SECONDS_EACH" -gt 0 ] || usage "SECONDS must be above 0"
BUILD=$(realpath -m "$BUILD") OUT=$(realpath -m "$OUT")
if [ -z "$TARGETS" ]; then
  for f in "$ROOT"/fuzz/targets/*.c; do TARGETS="$TARGETS $(basename "$f" .c)"; done
fi
command -v clang > /dev/null ||
  { echo "$me: clang not found: apt-get install clang libclang-rt-dev" >&2; exit 1; }
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# Each input is written to a scratch folder under TMPDIR: in memory, not on
# a disk, which costs the folder readers two thirds of their speed.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBOVW_FUZZ=ON > /dev/null
fi
grep -q '^BOVW_FUZZ:BOOL=ON' "$BUILD/CMakeCache.txt" ||
  { echo "$me: $BUILD is not a fuzzing build (-DBOVW_FUZZ=ON)" >&2; exit 1; }
nice cmake --build "$BUILD" -j "$(nproc)" --target fuzz-targets bovw make-test-images \
  make-image-seeds > "$BUILD/fuzz-build.log" 2>&1 ||
  { tail -20 "$BUILD/fuzz-build.log" >&2; echo "$me: the build failed" >&2; exit 1; }

mkdir -p "$OUT"
SEEDS=$OUT/seeds
# The instrumented bovw makes the seeds; VLFeat's own leaks are not ours.
BOVW=$BUILD/bovw MAKE_TEST_IMAGES=$BUILD/tests/make-test-images \
  MAKE_IMAGE_SEEDS=$BUILD/fuzz/make-image-seeds \
  ASAN_OPTIONS=detect_leaks=0 bash "$ROOT/fuzz/make-seeds.sh" "$SEEDS"

SUMMARY=$OUT/summary.tsv
printf 'target\tseconds\texecutions\texec_per_second\tedges\tfeatures\tcorpus\tfindings\n' \
  > "$SUMMARY.tmp"
found=0
for t in $TARGETS; do
  bin=$BUILD/fuzz/fuzz-$t
  [ -x "$bin" ] || { echo "$me: no target '$t' ($bin)" >&2; exit 2; }
  corpus=$OUT/corpus/$t findings=$OUT/findings/$t log=$OUT/logs/$t.log
  mkdir -p "$corpus" "$findings" "$OUT/logs"
  dict=()
  [ -f "$ROOT/fuzz/dict/$t.dict" ] && dict=(-dict="$ROOT/fuzz/dict/$t.dict")
  runs=()
  [ -n "$RUNS" ] && runs=(-runs="$RUNS")
  # The committed regressions first, through this build's UBSan (CI
  # replays them too, in the gcc sanitizer build).
  regressions=$(find "$ROOT/fuzz/regressions/$t" -type f 2>/dev/null | sort)
  if [ -n "$regressions" ] &&
     ! "$bin" -rss_limit_mb=2048 -timeout=10 $regressions > "$OUT/logs/$t.regressions.log" 2>&1; then
    echo "$me: $t: a regression input fails again ($OUT/logs/$t.regressions.log)" >&2
    found=1
  fi
  echo "$me: $t for ${SECONDS_EACH} s" >&2
  start=$(date +%s.%N)
  # The fuzzer's exit status says whether it found something; the log says what.
  nice "$bin" -max_total_time="$SECONDS_EACH" "${runs[@]}" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$findings/" "${dict[@]}" \
    "$corpus" "$SEEDS/$t" > "$log" 2>&1 || true
  seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  inputs=$(find "$corpus" -type f | wc -l)
  n=$(find "$findings" -type f | wc -l)
  [ "$n" -eq 0 ] || found=1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seconds" "${execs:--}" "${speed:--}" \
    "${cov:--}" "${ft:--}" "$inputs" "$n" >> "$SUMMARY.tmp"
  if [ "$n" -gt 0 ]; then
    echo "$me: $t found $n input(s) in $findings (log: $log):" >&2
    grep -m3 -E 'ERROR: |runtime error|fuzz check failed' "$log" | sed 's/^/  /' >&2 || true
  fi
done
mv "$SUMMARY.tmp" "$SUMMARY"
column -t -s "$(printf '\t')" "$SUMMARY" 2> /dev/null || cat "$SUMMARY"
exit $found
