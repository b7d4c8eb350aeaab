#!/usr/bin/env bash
# test.sh: installs the dependencies, builds bovw, runs the whole test suite
# with ctest, the unit tests again under each OpenBLAS kernel set the CPU
# can run, then builds the unit tests again with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs them, with the fuzz targets' replay of
# their regressions and seeds (fuzz/). Exits non-zero on any failure.
#   scripts/test.sh [--no-sanitize]
set -eu
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

scripts/setup-deps.sh

echo "== build (Release) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS"
echo "== tests =="
(cd build && ctest --output-on-failure -j "$JOBS")

# OpenBLAS picks its kernels from the CPU model, and bovw itself re-executes
# with faster ones where OpenBLAS falls back to the generic set
# (src/cli/blas_core.c). The kernels sum in different orders, so the unit
# tests run under every kernel set this CPU can execute (lib.sh's
# blas_cores), not only the one this machine happens to pick.
. scripts/lib.sh
for core in $(blas_cores); do
  echo "== unit tests with OpenBLAS's $core kernels =="
  (cd build && OPENBLAS_CORETYPE=$core ctest -L unit --output-on-failure -j "$JOBS")
done

if [ "${1:-}" != "--no-sanitize" ]; then
  echo "== unit tests and fuzz replays under AddressSanitizer + UndefinedBehaviorSanitizer =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBOVW_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$JOBS"
  # Check forks a child per test; each child reports its own leaks. Leaks
  # inside VLFeat itself are suppressed by name (tests/lsan.supp says why).
  (cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    LSAN_OPTIONS=suppressions=$PWD/../tests/lsan.supp \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -L 'unit|fuzz-replay' --output-on-failure -j "$JOBS")
fi
echo "== all tests passed =="
