/* blas_core.c: run OpenBLAS's fast kernels on CPUs it does not recognise.
 *
 * Debian 12's OpenBLAS (0.3.21) picks its kernels when it is loaded, from
 * the CPU model. On CPUs newer than its tables (Intel Emerald Rapids, for
 * one) it falls back to its generic "Prescott" kernels: sgemm of the shapes
 * k-means and encoding use runs about 5x slower there (27 against 141
 * GFLOP/s on one core, bench/RESULTS.md). The only way to choose another
 * kernel set is the OPENBLAS_CORETYPE variable, read at load time, so when
 * the library fell back and the CPU has AVX-512 (or AVX2 and FMA) the
 * program sets it and starts itself again. A variable the user set is never
 * overridden, and BOVW_BLAS_CORE=keep turns this off. */
#define _GNU_SOURCE
#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_choose_blas_core(char **argv) {
  if (getenv("OPENBLAS_CORETYPE")) return;
  const char *mode = getenv("BOVW_BLAS_CORE");
  if (mode && !strcmp(mode, "keep")) return;
  const char *core = openblas_get_corename();
  if (!core || strcasecmp(core, "prescott") != 0) return;
  __builtin_cpu_init();
  const char *pick = NULL;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    pick = "SkylakeX";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    pick = "Haswell";
  if (!pick) return;
  setenv("OPENBLAS_CORETYPE", pick, 1);
  execv("/proc/self/exe", argv);
  /* exec failed: go on with the generic kernels, correct but slower. */
}
