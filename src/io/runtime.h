/* runtime.h: what every stage needs once and the same way (internal to the
 * library): the clock, the meaning of a thread count, the scope of
 * OpenBLAS's own threads, and matrix products whose result does not depend
 * on the thread count. */
#ifndef BOVW_IO_RUNTIME_H
#define BOVW_IO_RUNTIME_H

#include <cblas.h>
#include <stddef.h>

#include "bovw/error.h"

/* Seconds on a monotonic clock, for durations. */
double bovw_now(void);

/* A thread count as every option means it: > 0 is itself, <= 0 is all the
 * cores OpenMP may use. */
int bovw_threads_resolve(int threads);

/* The first failure of a parallel loop. An iteration that fails with
 * status (not 0) and its message in *local calls this: the first call sets
 * *failed, *rc = status and *err = *local (err may be NULL), later ones are
 * dropped, all in one critical section; iterations skip their work once
 * *failed is set. */
void bovw_parallel_fail(volatile int *failed, int *rc, bovw_error *err, int status,
                        const bovw_error *local);

/* OpenBLAS's thread count is one global setting. A scope sets it for a
 * stretch of code and gives the previous one back:
 *   int saved = bovw_blas_threads_push(1); ...; bovw_blas_threads_pop(saved);
 * threads <= 0 keeps the current count. */
int bovw_blas_threads_push(int threads);
void bovw_blas_threads_pop(int saved);

/* C = alpha op(A) op(B) + beta C, row-major, on `threads` threads (<= 0:
 * all), with a result that does not depend on the thread count: the product
 * is cut into blocks whose bounds depend only on the shapes, each block one
 * single-threaded BLAS call. OpenBLAS's own threading splits the work by
 * thread count, and its kernels then sum in another order on some CPUs
 * (Haswell and Zen kernels, seen in tests): the same model would score
 * differently at -j 1 and -j 2. */
void bovw_sgemm_fixed(enum CBLAS_TRANSPOSE trans_a, enum CBLAS_TRANSPOSE trans_b, size_t m,
                      size_t n, size_t k, float alpha, const float *a, size_t lda,
                      const float *b, size_t ldb, float beta, float *c, size_t ldc,
                      int threads);

/* A source of rows: rows [first, first + count) of some matrix, either a
 * pointer into it or decoded into buf (count x row length floats) and buf. */
typedef const float *(*bovw_row_block_fn)(const void *ctx, size_t first, size_t count,
                                          float *buf);

/* C (m x n) = A B^T + beta C, A's m rows of k floats read from rows(ctx)
 * a block of BOVW_ROW_BLOCK rows at a time (decoded into a buffer per
 * thread when decode is set), each block one single-threaded product: the
 * same blocks, and so the same result, whether the rows are in memory or
 * decoded, at any thread count. Returns 0, or BOVW_ERR_NOMEM when the
 * buffers cannot be had. */
enum { BOVW_ROW_BLOCK = 128 };
int bovw_sgemm_rows(size_t m, size_t n, size_t k, bovw_row_block_fn rows, const void *ctx,
                    int decode, const float *b, size_t ldb, float beta, float *c, size_t ldc,
                    int threads);

#endif
