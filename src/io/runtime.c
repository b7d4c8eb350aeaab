/* runtime.c: the clock, thread counts, OpenBLAS thread scopes and products
 * whose result does not depend on the thread count. */
#include "io/runtime.h"

#include <omp.h>
#include <stdlib.h>

#include "bovw/error.h"
#include <time.h>

double bovw_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int bovw_threads_resolve(int threads) {
  if (threads > 0) return threads;
  int n = omp_get_max_threads();
  return n > 0 ? n : 1;
}

int bovw_blas_threads_push(int threads) {
  int saved = openblas_get_num_threads();
  /* Setting the same count again is cheap; a larger one starts OpenBLAS's
   * threads the first time, so skip the call when nothing changes. */
  if (threads > 0 && threads != saved) openblas_set_num_threads(threads);
  return saved;
}

void bovw_blas_threads_pop(int saved) {
  if (openblas_get_num_threads() != saved) openblas_set_num_threads(saved);
}

void bovw_parallel_fail(volatile int *failed, int *rc, bovw_error *err, int status,
                        const bovw_error *local) {
#pragma omp critical(bovw_first_error)
  if (!*failed) {
    *failed = 1;
    *rc = status;
    if (err) *err = *local;
  }
}

/* Block sizes: large enough that each call runs near the kernel's full
 * speed, small enough that 2 to 8 threads find work. Rows when there are
 * many, else columns. */
enum { ROW_BLOCK = BOVW_ROW_BLOCK, COL_BLOCK = 2048 };

void bovw_sgemm_fixed(enum CBLAS_TRANSPOSE trans_a, enum CBLAS_TRANSPOSE trans_b, size_t m,
                      size_t n, size_t k, float alpha, const float *a, size_t lda,
                      const float *b, size_t ldb, float beta, float *c, size_t ldc,
                      int threads) {
  if (!m || !n) return;
  threads = bovw_threads_resolve(threads);
  int by_rows = m >= 2 * ROW_BLOCK || n < 2 * COL_BLOCK;
  size_t step = by_rows ? ROW_BLOCK : COL_BLOCK, total = by_rows ? m : n;
  size_t blocks = (total + step - 1) / step;
  int saved = bovw_blas_threads_push(1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (blocks > 1)
  for (size_t t = 0; t < blocks; t++) {
    size_t at = t * step, len = total - at < step ? total - at : step;
    const float *ab = a, *bb = b;
    float *cb = c;
    size_t mb = m, nb = n;
    if (by_rows) {
      ab += trans_a == CblasNoTrans ? at * lda : at;
      cb += at * ldc;
      mb = len;
    } else {
      bb += trans_b == CblasNoTrans ? at : at * ldb;
      cb += at;
      nb = len;
    }
    cblas_sgemm(CblasRowMajor, trans_a, trans_b, (int)mb, (int)nb, (int)k, alpha, ab, (int)lda,
                bb, (int)ldb, beta, cb, (int)ldc);
  }
  bovw_blas_threads_pop(saved);
}

int bovw_sgemm_rows(size_t m, size_t n, size_t k, bovw_row_block_fn rows, const void *ctx,
                    int decode, const float *b, size_t ldb, float beta, float *c, size_t ldc,
                    int threads) {
  if (!m || !n) return BOVW_OK;
  threads = bovw_threads_resolve(threads);
  const size_t blocks = (m + ROW_BLOCK - 1) / ROW_BLOCK;
  if ((size_t)threads > blocks) threads = (int)blocks;
  float *bufs = decode ? malloc((size_t)threads * ROW_BLOCK * k * sizeof *bufs) : NULL;
  if (decode && !bufs) return BOVW_ERR_NOMEM;
  int saved = bovw_blas_threads_push(1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (blocks > 1)
  for (size_t t = 0; t < blocks; t++) {
    const size_t at = t * ROW_BLOCK, len = m - at < ROW_BLOCK ? m - at : ROW_BLOCK;
    float *buf = bufs ? bufs + (size_t)omp_get_thread_num() * ROW_BLOCK * k : NULL;
    const float *a = rows(ctx, at, len, buf);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)len, (int)n, (int)k, 1.0f, a,
                (int)k, b, (int)ldb, beta, c + at * ldc, (int)ldc);
  }
  bovw_blas_threads_pop(saved);
  free(bufs);
  return BOVW_OK;
}
