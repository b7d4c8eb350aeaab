/* threads.c: one threads setting for OpenMP and OpenBLAS. */
#include <cblas.h>
#include <omp.h>

#include "nn/internal.h"

int nn_threads_resolve(int threads) {
  if (threads > 0) return threads;
  int n = omp_get_num_procs();
  return n > 0 ? n : 1;
}

void nn_blas_threads(int threads) {
  /* Setting the same count again is cheap; a larger one may start OpenBLAS
   * threads the first time. */
  if (openblas_get_num_threads() != threads) openblas_set_num_threads(threads);
}
