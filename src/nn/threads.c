/* threads.c: one threads setting for OpenMP and OpenBLAS. */
#include <cblas.h>
#include <omp.h>

#include "nn/internal.h"
#include "io/runtime.h"

int nn_threads_resolve(int threads) { return bovw_threads_resolve(threads); }

void nn_blas_threads(int threads) { bovw_blas_threads_push(threads); }
