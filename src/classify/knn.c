/* knn.c: the k-nearest-neighbour classifier: the model is the training
 * encodings; scoring finds each test row's K nearest training rows and
 * counts their votes (include/bovw/classify.h says how scores break ties).
 *
 * Distances come from one matrix product per block of test rows, as the
 * nearest-word search of encode does: for a test row x and training row t,
 * |x - t|^2 = |x|^2 - 2 x.t + |t|^2, and |x|^2 is the same for every t, so
 * ranking |t|^2 - 2 x.t ranks the distances; for the cosine distance,
 * ranking -x.t / |t| ranks 1 - x.t / (|x| |t|). */
#define _GNU_SOURCE
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/npy.h"
#include "classify/internal.h"
#include "io/runtime.h"

/* The block of test rows scored by one product holds at most this many
 * distances (64 MB of floats), whatever the training set's size. */
#define BLOCK_DISTANCES ((size_t)1 << 24)

static const char *const METRICS[] = {"l2", "cosine"};

const char *bovw_knn_metric_name(bovw_knn_metric m) {
  return (unsigned)m < 2 ? METRICS[m] : "?";
}

int bovw_knn_metric_parse(const char *name, bovw_knn_metric *out) {
  for (int i = 0; i < 2; i++)
    if (!strcmp(name, METRICS[i])) {
      *out = (bovw_knn_metric)i;
      return 0;
    }
  return -1;
}

int bovw_knn_prepare(bovw_model *m, bovw_error *err) {
  free(m->train_aux);
  m->train_aux = malloc((m->train_count ? m->train_count : 1) * sizeof *m->train_aux);
  if (!m->train_aux) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (size_t j = 0; j < m->train_count; j++) {
    const float *t = m->train_x + j * m->dim;
    double sq = 0;
    for (size_t d = 0; d < m->dim; d++) sq += (double)t[d] * t[d];
    m->train_aux[j] = m->knn_metric == BOVW_KNN_L2 ? (float)sq
                      : sq > 0                     ? (float)(1 / sqrt(sq))
                                                   : 0;
  }
  return BOVW_OK;
}

int bovw_knn_fit(bovw_model *m, const float *x, const int32_t *labels, size_t n,
                 const bovw_train_options *o, bovw_error *err) {
  if (o->neighbors < 1 || (size_t)o->neighbors > n)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%d neighbours, but there are %zu training encodings", o->neighbors, n);
  m->knn = 1;
  m->neighbors = o->neighbors;
  m->knn_metric = o->knn_metric;
  m->train_count = n;
  m->train_x = malloc(n * m->dim * sizeof *m->train_x);
  m->train_labels = malloc(n * sizeof *m->train_labels);
  if (!m->train_x || !m->train_labels)
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu training encodings", n);
  memcpy(m->train_x, x, n * m->dim * sizeof *x);
  memcpy(m->train_labels, labels, n * sizeof *labels);
  if (!cJSON_AddStringToObject(m->meta, "solver", bovw_solver_name(BOVW_SOLVER_KNN)) ||
      !cJSON_AddNumberToObject(m->meta, "neighbors", m->neighbors) ||
      !cJSON_AddStringToObject(m->meta, "knn_metric", bovw_knn_metric_name(m->knn_metric)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  return bovw_knn_prepare(m, err);
}

/* The K smallest keys of a row, ascending; an equal key does not displace
 * an earlier row, so equal distances go to the earlier training row. */
static size_t nearest(const float *key, size_t n, size_t k, float *best, size_t *idx) {
  size_t have = 0;
  for (size_t j = 0; j < n; j++) {
    float v = key[j];
    if (have == k && !(v < best[k - 1])) continue;
    size_t pos = have < k ? have++ : k - 1;
    for (; pos > 0 && best[pos - 1] > v; pos--) {
      best[pos] = best[pos - 1];
      idx[pos] = idx[pos - 1];
    }
    best[pos] = v;
    idx[pos] = j;
  }
  return have;
}

/* One test row's scores from its dot products with every training row. */
static void score_row(const bovw_model *m, float *dots, size_t k, float *best, size_t *idx,
                      size_t *first, float *scores) {
  const size_t n = m->train_count, classes = m->num_classes;
  for (size_t j = 0; j < n; j++)
    dots[j] = m->knn_metric == BOVW_KNN_L2 ? m->train_aux[j] - 2 * dots[j]
                                           : -dots[j] * m->train_aux[j];
  size_t have = nearest(dots, n, k, best, idx);
  for (size_t c = 0; c < classes; c++) {
    scores[c] = 0;
    first[c] = k;
  }
  for (size_t q = 0; q < have; q++) {
    size_t c = (size_t)m->train_labels[idx[q]];
    if (c >= classes) continue;  /* checked when opened; never for a fitted model */
    scores[c] += 1;
    if (first[c] == k) first[c] = q;
  }
  for (size_t c = 0; c < classes; c++)
    if (first[c] < k) scores[c] += (float)(k - first[c]) / (float)(k + 1);
}

int bovw_knn_scores(const bovw_model *m, const float *x, size_t n, int threads, float *scores,
                    bovw_error *err) {
  const size_t N = m->train_count, D = m->dim, K = (size_t)m->neighbors;
  if (n == 0) return BOVW_OK;
  threads = bovw_threads_resolve(threads);
  size_t block = BLOCK_DISTANCES / (N ? N : 1);
  if (block < 1) block = 1;
  if (block > n) block = n;
  float *dots = malloc(block * N * sizeof *dots);
  float *best = malloc((size_t)threads * K * sizeof *best);
  size_t *idx = malloc((size_t)threads * K * sizeof *idx);
  size_t *first = malloc((size_t)threads * m->num_classes * sizeof *first);
  int rc = BOVW_OK;
  if (!dots || !best || !idx || !first) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the distances");
    goto done;
  }
  for (size_t i0 = 0; i0 < n; i0 += block) {
    const size_t b = n - i0 < block ? n - i0 : block;
    /* The product on all threads in fixed blocks (the same distances, so
     * the same neighbours, at any thread count), then the rows on all
     * threads (nothing in score_row calls BLAS). */
    bovw_sgemm_fixed(CblasNoTrans, CblasTrans, b, N, D, 1.0f, x + i0 * D, D, m->train_x, D, 0.0f,
                     dots, N, threads);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t r = 0; r < b; r++) {
      const size_t t = (size_t)omp_get_thread_num();
      score_row(m, dots + r * N, K, best + t * K, idx + t * K, first + t * m->num_classes,
                scores + (i0 + r) * m->num_classes);
    }
  }
done:
  free(dots);
  free(best);
  free(idx);
  free(first);
  return rc;
}

int bovw_knn_save(const bovw_model *m, const char *dir, bovw_error *err) {
  char *xp = bovw_path_join(dir, "train_encodings.npy");
  char *lp = bovw_path_join(dir, "train_labels.npy");
  int64_t xs[2] = {(int64_t)m->train_count, (int64_t)m->dim}, ls[1] = {(int64_t)m->train_count};
  int rc = xp && lp ? BOVW_OK : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_npy_write(xp, BOVW_DTYPE_FLOAT32, 2, xs, m->train_x, err);
  if (!rc) rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, ls, m->train_labels, err);
  free(xp);
  free(lp);
  return rc;
}

int bovw_knn_open(bovw_model *m, const char *dir, bovw_error *err) {
  const long long count = bovw_meta_whole(m->meta, "train_count", 1, INT_MAX, 0);
  const long long k = bovw_meta_whole(m->meta, "neighbors", 1, INT_MAX, 0);
  const char *metric = bovw_meta_string(m->meta, "knn_metric", "");
  m->knn = 1;
  if (!count || !k || k > count || bovw_knn_metric_parse(metric, &m->knn_metric))
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s/meta.json: bad train_count, neighbors or knn_metric", dir);
  m->train_count = (size_t)count;
  m->neighbors = (int)k;
  void *labels;
  int rc = bovw_npy_load_f32(dir, "train_encodings.npy", (int64_t)m->train_count,
                             (int64_t)m->dim, &m->train_x, err);
  if (!rc) {
    rc = bovw_npy_load(dir, "train_labels.npy", BOVW_DTYPE_INT32, (int64_t)m->train_count, 0,
                       &labels, err);
    m->train_labels = labels;
  }
  for (size_t j = 0; !rc && j < m->train_count; j++)
    if (m->train_labels[j] < 0 || (size_t)m->train_labels[j] >= m->num_classes)
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/train_labels.npy: row %zu has label %d, "
                          "outside the %zu classes", dir, j, (int)m->train_labels[j],
                          m->num_classes);
  if (!rc) rc = bovw_knn_prepare(m, err);
  return rc;
}
