/* gram.c: one-vs-rest hinge-loss SVMs solved in the dual on the n x n Gram
 * matrix, for encodings with far more dimensions than training rows.
 *
 * Fisher vectors of Caltech-101 have 335,872 dimensions for 1,530 training
 * images. Primal solvers (VLFeat's SGD and SDCA) and liblinear's dual
 * coordinate descent touch every dimension of a row at every update, 102
 * classes times many passes. Here the rows are multiplied once, K = X X^T
 * (tiled products, the bulk of the work), each class's dual problem is solved
 * on K alone (an update costs n, not dim), and the weights are recovered at
 * the end by one matrix product, W = B^T X with B the classes' y_i alpha_i.
 *
 * The problem is liblinear's L2-regularised L1-loss SVC (the hinge loss):
 *   min_w 1/2 |w|^2 + sum_i C_i max(0, 1 - y_i (w.x_i + bias b_w)),
 * bias as a constant feature of value `bias`, so K gains bias^2 everywhere;
 * dual: min_a 1/2 a^T Q a - sum a, 0 <= a_i <= C_i, Q_ij = y_i y_j K_ij,
 * solved by coordinate descent (Hsieh et al., ICML 2008) over a seeded
 * permutation per pass. With the gradient G = Q a - 1 kept up to date, the
 * primal objective and the duality gap cost O(n), so the solver stops on the
 * gap, reported as VLFeat reports it (divided by C n, the objective of
 * lambda/2 |w|^2 + mean hinge with lambda = 1 / (C n)): the statistics of
 * sdca and gram are on one scale. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/rng.h"
#include "classify/internal.h"
#include "io/runtime.h"

/* A Gram matrix beyond this many rows would not fit in memory here
 * (32,768 rows: 4 GiB); liblinear is the solver for many rows. */
enum { GRAM_MAX_ROWS = 32768 };

typedef struct {
  double objective, gap;
  long passes;
  int converged;
} gram_result;

/* K = X X^T + bias2 (n x n, both triangles) from tiles of fixed size, each
 * one single-threaded product, the upper ones computed and mirrored: the
 * matrix, and so the model, is the same whatever the thread count (a
 * threaded syrk sums in an order that depends on it). */
enum { GRAM_TILE = 256 };

static void gram_matrix(const float *x, size_t n, size_t dim, double bias2, int threads,
                        float *k) {
  size_t tiles = (n + GRAM_TILE - 1) / GRAM_TILE, pairs = tiles * (tiles + 1) / 2;
  int saved = bovw_blas_threads_push(1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (size_t p = 0; p < pairs; p++) {
    size_t ti = 0, rest = p;  /* the p-th pair (ti <= tj), row by row */
    while (rest >= tiles - ti) rest -= tiles - ti++;
    size_t tj = ti + rest, i0 = ti * GRAM_TILE, j0 = tj * GRAM_TILE;
    size_t ni = n - i0 < GRAM_TILE ? n - i0 : GRAM_TILE, nj = n - j0 < GRAM_TILE ? n - j0 : GRAM_TILE;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)ni, (int)nj, (int)dim, 1.0f,
                x + i0 * dim, (int)dim, x + j0 * dim, (int)dim, 0.0f, k + i0 * n + j0, (int)n);
  }
  bovw_blas_threads_pop(saved);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i; j < n; j++) k[j * n + i] = k[i * n + j] += (float)bias2;
}

/* One class's dual problem. k: n x n Gram matrix (bias included);
 * y: +1 / -1; c: per-row upper bounds; a, g: n doubles of workspace,
 * a returns the dual variables. */
static gram_result solve_dual(const float *k, const double *y, const double *c, size_t n,
                              double eps, long max_passes, uint64_t seed, double scale,
                              double *a, double *g, size_t *order) {
  for (size_t i = 0; i < n; i++) {
    a[i] = 0;
    g[i] = -1;
    order[i] = i;
  }
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  gram_result r = {0, INFINITY, 0, 0};
  while (r.passes < max_passes) {
    bovw_rng_shuffle(&rng, order, n, sizeof *order);
    for (size_t t = 0; t < n; t++) {
      size_t i = order[t];
      double qii = k[i * n + i];
      if (!(qii > 0)) continue;  /* a zero row: its a_i cannot matter */
      double ai = fmin(fmax(a[i] - g[i] / qii, 0), c[i]), delta = ai - a[i];
      if (delta == 0) continue;
      a[i] = ai;
      const float *ki = k + i * n;
      double s = delta * y[i];
#pragma omp simd
      for (size_t j = 0; j < n; j++) g[j] += s * y[j] * ki[j];
    }
    r.passes++;
    /* (Q a)_i = g_i + 1 = y_i f_i, f = the scores on the training rows. */
    double quad = 0, sum_a = 0, hinge = 0;
    for (size_t i = 0; i < n; i++) {
      quad += a[i] * (g[i] + 1);
      sum_a += a[i];
      hinge += c[i] * fmax(0, -g[i]);  /* 1 - y_i f_i = -g_i */
    }
    double primal = 0.5 * quad + hinge, dual = sum_a - 0.5 * quad;
    r.objective = primal / scale;
    r.gap = (primal - dual) / scale;
    if (r.gap <= eps) {
      r.converged = 1;
      break;
    }
  }
  return r;
}

int bovw_gram_train(const float *x, const int32_t *labels, size_t n, size_t dim,
                    size_t classes, const bovw_train_options *o, double C, float *w, float *b,
                    bovw_train_stats *stats, const bovw_monitor *monitor, bovw_error *err) {
  size_t done = 0, first_class, end_class;
  bovw_class_range(o, classes, &first_class, &end_class);
  if (n > GRAM_MAX_ROWS)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "the gram solver keeps an n x n matrix: %zu training rows is more "
                          "than %d; use liblinear-l1-dual (the same problem)",
                          n, GRAM_MAX_ROWS);
  const int threads = bovw_threads_resolve(o->threads);
  const double eps = o->epsilon > 0 ? o->epsilon : 1e-3, bias2 = o->bias * o->bias;
  const long max_passes = o->epochs > 0 ? o->epochs : 1000;
  float *k = malloc(n * n * sizeof *k), *beta = calloc(classes * n, sizeof *beta);
  size_t *count = calloc(classes, sizeof *count);
  if (!k || !beta || !count) {
    free(k); free(beta); free(count);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the %zu x %zu Gram matrix", n, n);
  }
  gram_matrix(x, n, dim, bias2, threads, k);
  for (size_t i = 0; i < n; i++) count[labels[i]]++;
  volatile int failed = 0;
#pragma omp parallel num_threads(threads)
  {
    double *y = malloc(n * sizeof *y), *c = malloc(n * sizeof *c), *a = malloc(n * sizeof *a),
           *g = malloc(n * sizeof *g);
    size_t *order = malloc(n * sizeof *order);
    if (!y || !c || !a || !g || !order) failed = 1;
#pragma omp for schedule(dynamic, 1)
    for (size_t cl = 0; cl < classes; cl++) {
      if (failed || cl < first_class || cl >= end_class) continue;
      size_t pos = count[cl];
      for (size_t i = 0; i < n; i++) {
        y[i] = labels[i] == (int32_t)cl ? 1 : -1;
        c[i] = o->balance && pos && pos < n ? C * bovw_balance_weight(y[i] > 0, pos, n) : C;
      }
      gram_result r = solve_dual(k, y, c, n, eps, max_passes, o->seed * 1000003u + cl,
                                 C * (double)n, a, g, order);
      double sum = 0;
      for (size_t i = 0; i < n; i++) {
        beta[cl * n + i] = (float)(a[i] * y[i]);
        sum += a[i] * y[i];
      }
      b[cl] = (float)(bias2 * sum);
      stats[cl] = (bovw_train_stats){r.objective, r.gap, r.passes, r.converged};
      bovw_monitor_tick(monitor, "SVMs (one per class)", &done, end_class - first_class, 1);
    }
    free(y); free(c); free(a); free(g); free(order);
  }
  if (!failed)
    bovw_sgemm_fixed(CblasNoTrans, CblasNoTrans, classes, dim, n, 1.0f, beta, n, x, dim, 0.0f,
                     w, dim, threads);
  free(k); free(beta); free(count);
  return failed ? bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory training SVMs") : BOVW_OK;
}
