#!/usr/bin/env bash
# blas-cores.sh: the unit tests under each OpenBLAS kernel set this CPU can
# run (scripts/lib.sh's blas_cores), and under OpenBLAS's own choice: one
# line per kernel set with the failing suites, for bench/RESULTS.md.
#   bench/blas-cores.sh [BUILD_DIR]
set -eu
BUILD=${1:-build}
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/lib.sh"
unset OPENBLAS_CORETYPE  # bench/lib.sh's choice is for the peers, not here
echo "machine: $(machine)"
for core in default $(blas_cores); do
  log=$(cd "$BUILD" && if [ "$core" = default ]; then ctest -L unit 2>&1; else
    OPENBLAS_CORETYPE=$core ctest -L unit 2>&1; fi || true)
  picked=$([ "$core" = default ] && echo " (OpenBLAS's own choice)" || true)
  summary=$(echo "$log" | grep -o '[0-9]*% tests passed, [0-9]* tests failed out of [0-9]*')
  failed=$(echo "$log" | sed -n 's/^.*[0-9]* - \(test_[a-z_]*\) (Failed)$/\1/p' | tr '\n' ' ')
  echo "$core$picked: $summary${failed:+; failed: $failed}"
done
