/* pq.c: compressed encodings. Product quantisation (Jegou, Douze and
 * Schmid, PAMI 2011; the compression of Sanchez and Perronnin, CVPR 2011):
 * each row cut into sub-vectors of G dimensions, each sub-vector replaced by
 * the index of its nearest centroid among 2^c learned for that position by
 * seeded k-means on a sample of rows, c / G bits per dimension, one byte per
 * sub-vector (c <= 8). Binarisation: one bit per dimension, its sign, packed
 * eight to a byte, decoded through the same centroid table (so that
 * training and scoring read both kinds alike).
 *
 * The k-means is this file's own: one small problem per position (256
 * centroids in 8 dimensions for the paper's setting), tens of thousands of
 * them, run side by side on the threads, each single-threaded and seeded by
 * its position, so that the quantiser does not depend on the thread
 * count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/encode.h"
#include "bovw/rng.h"
#include "io/runtime.h"
#include "simd.h"

enum { PQ_MAX_GROUP = 64, PQ_ITERATIONS = 10 };

const char *bovw_pq_method_name(bovw_pq_method method) {
  return method == BOVW_PQ_SIGN ? "sign" : "kmeans";
}

void bovw_pq_free(bovw_pq *self) {
  if (!self) return;
  free(self->centroids);
  free(self);
}

int bovw_pq_new(size_t dim, int group, int code_bits, bovw_pq_method method, bovw_pq **out,
                bovw_error *err) {
  *out = NULL;
  if (group < 1 || group > PQ_MAX_GROUP)
    return bovw_error_set(err, BOVW_ERR_INVALID, "sub-vectors of %d dimensions: 1 to %d", group,
                          PQ_MAX_GROUP);
  if (code_bits < 1 || code_bits > 8)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%d bits a sub-vector: one byte per sub-vector holds 1 to 8", code_bits);
  if (method == BOVW_PQ_SIGN && code_bits != group)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "the sign method stores one bit a dimension (%d bits for %d dimensions)",
                          code_bits, group);
  if (dim == 0 || dim % (size_t)group)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%zu dimensions do not cut into sub-vectors of %d", dim, group);
  bovw_pq *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  self->method = method;
  self->group = group;
  self->code_bits = code_bits;
  self->dim = dim;
  self->subs = dim / (size_t)group;
  self->k = 1 << code_bits;
  if (!(self->centroids = calloc(self->subs * (size_t)self->k * (size_t)group, sizeof(float)))) {
    free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the quantiser");
  }
  *out = self;
  return BOVW_OK;
}

/* A position's k centres of g floats (k x g) transposed into ct (g x k),
 * so that the distances of a point to all of them are computed k at a time
 * (vectorised across centres). */
static void transpose(const float *c, size_t k, size_t g, float *ct) {
  for (size_t j = 0; j < k; j++)
    for (size_t t = 0; t < g; t++) ct[t * k + j] = c[j * g + t];
}

/* The squared distances of v (g floats) to the k centres of ct (g x k) into
 * d, and the nearest (ties to the lower index). */
HOT static int nearest(const float *v, const float *ct, size_t k, size_t g, float *d) {
  memset(d, 0, k * sizeof *d);
  for (size_t t = 0; t < g; t++) {
    const float x = v[t], *c = ct + t * k;
#pragma omp simd
    for (size_t j = 0; j < k; j++) {
      const float e = x - c[j];
      d[j] += e * e;
    }
  }
  float best;
  return bovw_argmin(d, (int)k, &best);
}

/* nearest() for four points at once, when k is a multiple of 16: each
 * point's distances to 16 centres are summed in a register over the g
 * dimensions (one load of the centres for the four points) and stored
 * once, instead of read and written for every dimension. d: 4 x k
 * scratch. The same sums in the same order as nearest(). */
HOT static void nearest4(const float *const v[4], const float *ct, size_t k, size_t g, float *d,
                         int out[4]) {
  for (size_t j = 0; j < k; j += LANES) {
    v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, c, e;
    for (size_t t = 0; t < g; t++) {
      memcpy(&c, ct + t * k + j, sizeof c);
      e = v[0][t] - c; a0 += e * e;
      e = v[1][t] - c; a1 += e * e;
      e = v[2][t] - c; a2 += e * e;
      e = v[3][t] - c; a3 += e * e;
    }
    memcpy(d + j, &a0, sizeof a0);
    memcpy(d + k + j, &a1, sizeof a1);
    memcpy(d + 2 * k + j, &a2, sizeof a2);
    memcpy(d + 3 * k + j, &a3, sizeof a3);
  }
  float best;
  for (int p = 0; p < 4; p++) out[p] = bovw_argmin(d + (size_t)p * k, (int)k, &best);
}

/* The nearest centre of each of n points (point i at x + i * stride, g
 * floats) into idx, four at a time where the centres allow. d: 4 x k. */
static void nearest_all(const float *x, size_t n, size_t stride, const float *ct, size_t k,
                        size_t g, float *d, int *idx) {
  size_t i = 0;
  if (k % LANES == 0)
    for (; i + 4 <= n; i += 4) {
      const float *v[4] = {x + i * stride, x + (i + 1) * stride, x + (i + 2) * stride,
                           x + (i + 3) * stride};
      nearest4(v, ct, k, g, d, idx + i);
    }
  for (; i < n; i++) idx[i] = nearest(x + i * stride, ct, k, g, d);
}

/* Scratch for one position's k-means: the points transposed (g x m), the
 * centres transposed, distances, sums and counts. */
typedef struct {
  float *xt, *ct, *mind, *d;
  double *sum;
  size_t *count;
  int *assign;
} kmeans_scratch;

/* k-means of m points of g floats (x, m x g) into k centres: k-means++
 * seeding, then PQ_ITERATIONS Lloyd steps (a centre left empty keeps its
 * place). */
static void kmeans_small(const float *x, size_t m, size_t g, size_t k, uint64_t seed,
                         float *centres, kmeans_scratch *s) {
  for (size_t i = 0; i < m; i++)
    for (size_t t = 0; t < g; t++) s->xt[t * m + i] = x[i * g + t];
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  memset(s->mind, 0, m * sizeof *s->mind);
  for (size_t j = 0; j < k; j++) {
    size_t pick = 0;
    if (j == 0) {
      pick = bovw_rng_below(&rng, m);
    } else {  /* D^2 sampling; all points on centres: any point */
      double total = 0;
      for (size_t i = 0; i < m; i++) total += s->mind[i];
      if (total > 0) {
        double r = bovw_rng_uniform(&rng) * total, acc = 0;
        for (pick = 0; pick + 1 < m; pick++)
          if ((acc += s->mind[pick]) > r) break;
      } else {
        pick = bovw_rng_below(&rng, m);
      }
    }
    float *c = centres + j * g;
    memcpy(c, x + pick * g, g * sizeof *c);
    /* Each point's distance to its nearest centre so far, over all points
     * at once. */
    memset(s->d, 0, m * sizeof *s->d);
    for (size_t t = 0; t < g; t++) {
      const float ctr = c[t], *xt = s->xt + t * m;
      float *d = s->d;
#pragma omp simd
      for (size_t i = 0; i < m; i++) d[i] += (xt[i] - ctr) * (xt[i] - ctr);
    }
    for (size_t i = 0; i < m; i++)
      if (j == 0 || s->d[i] < s->mind[i]) s->mind[i] = s->d[i];
  }
  for (int it = 0; it < PQ_ITERATIONS; it++) {
    transpose(centres, k, g, s->ct);
    memset(s->sum, 0, k * g * sizeof *s->sum);
    memset(s->count, 0, k * sizeof *s->count);
    nearest_all(x, m, g, s->ct, k, g, s->d, s->assign);
    for (size_t i = 0; i < m; i++) {
      size_t j = (size_t)s->assign[i];
      s->count[j]++;
      for (size_t t = 0; t < g; t++) s->sum[j * g + t] += x[i * g + t];
    }
    for (size_t j = 0; j < k; j++)
      if (s->count[j])
        for (size_t t = 0; t < g; t++)
          centres[j * g + t] = (float)(s->sum[j * g + t] / (double)s->count[j]);
  }
}

/* The sign method's table for one position: entry j's dimension t is the
 * mean of the sample's positive values of that dimension when bit t of j
 * is set, of its non-positive values otherwise. */
static void sign_table(const float *x, size_t m, size_t g, float *centres) {
  for (size_t t = 0; t < g; t++) {
    double pos = 0, neg = 0;
    size_t np = 0, nn = 0;
    for (size_t i = 0; i < m; i++) {
      float v = x[i * g + t];
      if (v > 0) {
        pos += v;
        np++;
      } else {
        neg += v;
        nn++;
      }
    }
    const float up = np ? (float)(pos / (double)np) : 0, down = nn ? (float)(neg / (double)nn) : 0;
    for (size_t j = 0; j < (size_t)1 << g; j++) centres[j * g + t] = (j >> t) & 1 ? up : down;
  }
}

int bovw_pq_train(const float *x, size_t n, size_t dim, int group, int code_bits,
                  bovw_pq_method method, size_t sample, uint64_t seed, int threads, bovw_pq **out,
                  bovw_error *err) {
  int rc = bovw_pq_new(dim, group, code_bits, method, out, err);
  if (rc) return rc;
  bovw_pq *self = *out;
  const size_t m = sample < n ? sample : n, g = (size_t)group, k = (size_t)self->k;
  if (m < k && method == BOVW_PQ_KMEANS) {
    bovw_pq_free(self);
    *out = NULL;
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%zu rows to learn %zu centroids per sub-vector: at least as many rows "
                          "are needed", m, k);
  }
  if (m == 0) {
    bovw_pq_free(self);
    *out = NULL;
    return bovw_error_set(err, BOVW_ERR_EMPTY, "no rows to learn the quantiser from");
  }
  /* A seeded sample of rows. */
  size_t *rows = malloc(n * sizeof *rows);
  if (!rows) {
    bovw_pq_free(self);
    *out = NULL;
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) rows[i] = i;
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  bovw_rng_shuffle(&rng, rows, n, sizeof *rows);
  int failed = 0;
  threads = bovw_threads_resolve(threads);
#pragma omp parallel num_threads(threads)
  {
    float *sub = malloc(m * g * sizeof *sub);
    kmeans_scratch ks = {malloc(m * g * sizeof(float)), malloc(k * g * sizeof(float)),
                         malloc(m * sizeof(float)), malloc((m > 4 * k ? m : 4 * k) * sizeof(float)),
                         malloc(k * g * sizeof(double)), malloc(k * sizeof(size_t)),
                         malloc(m * sizeof(int))};
    const int ok = sub && ks.xt && ks.ct && ks.mind && ks.d && ks.sum && ks.count && ks.assign;
    if (!ok) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (size_t s = 0; s < self->subs; s++) {
      if (!ok) continue;
      for (size_t i = 0; i < m; i++)
        memcpy(sub + i * g, x + rows[i] * dim + s * g, g * sizeof *sub);
      float *centres = self->centroids + s * k * g;
      if (method == BOVW_PQ_SIGN) sign_table(sub, m, g, centres);
      else kmeans_small(sub, m, g, k, seed + 0x9e3779b97f4a7c15ull * (s + 1), centres, &ks);
    }
    free(sub);
    free(ks.xt);
    free(ks.ct);
    free(ks.mind);
    free(ks.d);
    free(ks.sum);
    free(ks.count);
    free(ks.assign);
  }
  free(rows);
  if (failed) {
    bovw_pq_free(self);
    *out = NULL;
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory to learn the quantiser");
  }
  return BOVW_OK;
}

void bovw_pq_encode_rows(const bovw_pq *self, const float *x, size_t count, uint8_t *codes) {
  const size_t g = (size_t)self->group, k = (size_t)self->k;
  /* One position at a time for all the rows: its table transposed once;
   * rows four at a time. */
  enum { ROWS = 64 };
  float ct[PQ_MAX_GROUP * 256], d[4 * 256];
  int idx[ROWS];
  for (size_t s = 0; s < self->subs; s++) {
    if (self->method == BOVW_PQ_SIGN) {
      for (size_t i = 0; i < count; i++) {
        const float *v = x + i * self->dim + s * g;
        unsigned byte = 0;
        for (size_t t = 0; t < g; t++) byte |= (unsigned)(v[t] > 0) << t;
        codes[i * self->subs + s] = (uint8_t)byte;
      }
      continue;
    }
    transpose(self->centroids + s * k * g, k, g, ct);
    for (size_t i0 = 0; i0 < count; i0 += ROWS) {
      const size_t n = count - i0 < ROWS ? count - i0 : ROWS;
      nearest_all(x + i0 * self->dim + s * g, n, self->dim, ct, k, g, d, idx);
      for (size_t i = 0; i < n; i++) codes[(i0 + i) * self->subs + s] = (uint8_t)idx[i];
    }
  }
}

void bovw_pq_encode(const bovw_pq *self, const float *row, uint8_t *code) {
  bovw_pq_encode_rows(self, row, 1, code);
}

void bovw_pq_row_error(const bovw_pq *self, const float *row, const uint8_t *code, double *err,
                       double *norm) {
  const size_t g = (size_t)self->group;
  double e = 0, q = 0;
  for (size_t s = 0; s < self->subs; s++) {
    const float *v = row + s * g, *c = self->centroids + (s * (size_t)self->k + code[s]) * g;
    for (size_t t = 0; t < g; t++) {
      e += ((double)v[t] - c[t]) * ((double)v[t] - c[t]);
      q += (double)v[t] * v[t];
    }
  }
  *err = e;
  *norm = q;
}

void bovw_pq_decode(const bovw_pq *self, const uint8_t *code, float *row) {
  bovw_pq_decode_range(self, code, 0, self->dim, row);
}

void bovw_pq_decode_range(const bovw_pq *self, const uint8_t *code, size_t c0, size_t cw,
                          float *out) {
  const size_t g = (size_t)self->group, end = c0 + cw;
  for (size_t d = c0; d < end;) {
    const size_t s = d / g, at = d - s * g, take = g - at < end - d ? g - at : end - d;
    memcpy(out + (d - c0), self->centroids + (s * (size_t)self->k + code[s]) * g + at,
           take * sizeof *out);
    d += take;
  }
}
