/* pq.c: product quantisation of encodings (Jegou, Douze and Schmid, PAMI
 * 2011; the compression of Sanchez and Perronnin, CVPR 2011): each row cut
 * into sub-vectors of G dimensions, each sub-vector replaced by the index of
 * its nearest centroid among 2^(b G) learned for that position by seeded
 * k-means on a sample of rows: b bits per dimension, one byte per
 * sub-vector (b G <= 8). */
#include <stdlib.h>
#include <string.h>

#include "bovw/codebook.h"
#include "bovw/encode.h"
#include "bovw/rng.h"
#include "io/runtime.h"

void bovw_pq_free(bovw_pq *self) {
  if (!self) return;
  free(self->centroids);
  free(self);
}

int bovw_pq_new(size_t dim, int group, int bits, bovw_pq **out, bovw_error *err) {
  *out = NULL;
  if (group < 1 || bits < 1 || group * bits > 8)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "group %d x bits %d: one byte per sub-vector needs 1 <= G b <= 8",
                          group, bits);
  if (dim == 0 || dim % (size_t)group)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%zu dimensions do not cut into sub-vectors of %d", dim, group);
  bovw_pq *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  self->group = group;
  self->bits = bits;
  self->dim = dim;
  self->subs = dim / (size_t)group;
  self->k = 1 << (group * bits);
  if (!(self->centroids = calloc(self->subs * (size_t)self->k * (size_t)group, sizeof(float)))) {
    free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the quantiser");
  }
  *out = self;
  return BOVW_OK;
}

int bovw_pq_train(const float *x, size_t n, size_t dim, int group, int bits, size_t sample,
                  uint64_t seed, int threads, bovw_pq **out, bovw_error *err) {
  int rc = bovw_pq_new(dim, group, bits, out, err);
  if (rc) return rc;
  bovw_pq *self = *out;
  /* A seeded sample of rows, in increasing order. */
  size_t m = sample < n ? sample : n;
  if (m < (size_t)self->k) {
    const int k = self->k;
    bovw_pq_free(self);
    *out = NULL;
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%zu rows to learn %d centroids per sub-vector: at least as many rows "
                          "are needed", m, k);
  }
  size_t *rows = malloc(n * sizeof *rows);
  float *sub = malloc(m * (size_t)group * sizeof *sub);
  if (!rows || !sub) {
    free(rows);
    free(sub);
    bovw_pq_free(self);
    *out = NULL;
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) rows[i] = i;
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  bovw_rng_shuffle(&rng, rows, n, sizeof *rows);
  for (size_t s = 0; s < self->subs && !rc; s++) {
    for (size_t i = 0; i < m; i++)
      memcpy(sub + i * (size_t)group, x + rows[i] * dim + s * (size_t)group,
             (size_t)group * sizeof *sub);
    bovw_kmeans_result km;
    rc = bovw_kmeans(sub, m, group, self->k, BOVW_KMEANS_LLOYD, BOVW_INIT_PLUSPLUS, 10, 1,
                     seed + s, threads, NULL, &km, err);
    if (!rc)
      memcpy(self->centroids + s * (size_t)self->k * (size_t)group, km.centers,
             (size_t)self->k * (size_t)group * sizeof(float));
    bovw_kmeans_result_clear(&km);
  }
  free(rows);
  free(sub);
  if (rc) {
    bovw_pq_free(self);
    *out = NULL;
  }
  return rc;
}

void bovw_pq_encode(const bovw_pq *self, const float *row, uint8_t *code) {
  const size_t g = (size_t)self->group;
  for (size_t s = 0; s < self->subs; s++) {
    const float *v = row + s * g, *c = self->centroids + s * (size_t)self->k * g;
    int best = 0;
    float best_d = 0;
    for (int j = 0; j < self->k; j++) {
      float d = 0;
      for (size_t t = 0; t < g; t++) {
        float e = v[t] - c[(size_t)j * g + t];
        d += e * e;
      }
      if (j == 0 || d < best_d) {  /* ties to the lower index */
        best_d = d;
        best = j;
      }
    }
    code[s] = (uint8_t)best;
  }
}

void bovw_pq_decode(const bovw_pq *self, const uint8_t *code, float *row) {
  const size_t g = (size_t)self->group;
  for (size_t s = 0; s < self->subs; s++)
    memcpy(row + s * g, self->centroids + (s * (size_t)self->k + code[s]) * g, g * sizeof *row);
}
