# shellcheck shell=bash
# lib.sh: what the bench scripts share; sourced, not run.

# The median of the numbers on stdin, one a line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }
# "2 cores, CPU model" for the tables' headers.
machine() { echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"; }

# NumPy, SciPy and PyTorch load the same Debian OpenBLAS as bovw: give them
# the kernels bovw picks for itself (src/cli/blas_core.c), or on CPUs that
# OpenBLAS 0.3.21 does not recognise they run its generic ones.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
