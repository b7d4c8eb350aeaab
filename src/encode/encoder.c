/* encoder.c: one image's descriptors into one vector (see encode.h for the
 * order of operations). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <vl/fisher.h>
#include <vl/homkermap.h>
#include <vl/kdtree.h>

#include "bovw/encode.h"

struct bovw_encoder {
  bovw_encode_params p;
  const bovw_codebook *cb;
  VlKDForest *forest;            /* owned by the group's first encoder */
  VlKDForestSearcher *searcher;
  VlHomogeneousKernelMap *map;
  float *cnorm;                  /* k squared norms of the centres */
  size_t raw_dim, dim, plain_dim;  /* plain: before the kernel map */
  /* Buffers grown to the largest image seen. */
  size_t cap;
  unsigned char *raw;
  float *frames, *scratch, *x, *cellbuf;
  int32_t *words;
  float *blas;
  float *plain;
};

bovw_encoder *bovw_encoder_at(bovw_encoder *group, int i) { return group + i; }

static void release(bovw_encoder *e) {
  if (e->map) vl_homogeneouskernelmap_delete(e->map);
  free(e->cnorm);
  free(e->raw);
  free(e->frames);
  free(e->scratch);
  free(e->x);
  free(e->cellbuf);
  free(e->words);
  free(e->blas);
  free(e->plain);
}

void bovw_encoder_free_group(bovw_encoder *group, int count) {
  if (!group) return;
  for (int i = 0; i < count; i++) release(&group[i]);
  if (group[0].forest) vl_kdforest_delete(group[0].forest);  /* and its searchers */
  free(group);
}

static VlHomogeneousKernelType kernel_type(bovw_kernel_map k) {
  return k == BOVW_KMAP_INTERSECTION ? VlHomogeneousKernelIntersection
         : k == BOVW_KMAP_JS         ? VlHomogeneousKernelJS
                                     : VlHomogeneousKernelChi2;
}

int bovw_encoder_new_group(const bovw_encode_params *p, const bovw_codebook *cb,
                           int count, bovw_encoder **out, bovw_error *err) {
  *out = NULL;
  const char *why = bovw_encode_params_check(p);
  if (why) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", why);
  if (p->encoding == BOVW_ENCODING_FISHER && !cb->gmm_means)
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "Fisher vectors need a codebook with a GMM (bovw codebook --gmm)");
  bovw_encoder *g = calloc((size_t)count, sizeof *g);
  if (!g) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  if (p->assign == BOVW_ASSIGN_ANN && p->encoding != BOVW_ENCODING_FISHER) {
    g[0].forest = vl_kdforest_new(VL_TYPE_FLOAT, (vl_size)cb->dim, (vl_size)p->ann_trees,
                                  VlDistanceL2);
    if (!g[0].forest) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    else {
      vl_kdforest_build(g[0].forest, (vl_size)cb->k, cb->centers);
      vl_kdforest_set_max_num_comparisons(g[0].forest, (vl_size)p->ann_checks);
    }
  }
  for (int i = 0; !rc && i < count; i++) {
    bovw_encoder *e = &g[i];
    e->p = *p;
    e->cb = cb;
    e->raw_dim = (size_t)bovw_extract_params_dim(&cb->features);
    e->dim = bovw_encode_dim(p, cb);
    e->plain_dim = p->kernel_map == BOVW_KMAP_NONE ? e->dim : e->dim / (2 * (size_t)p->kernel_order + 1);
    if (g[0].forest && !(e->searcher = vl_kdforest_new_searcher(g[0].forest)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    if (!rc && p->kernel_map != BOVW_KMAP_NONE &&
        !(e->map = vl_homogeneouskernelmap_new(kernel_type(p->kernel_map), p->kernel_gamma,
                                               (vl_size)p->kernel_order, -1,
                                               VlHomogeneousKernelMapWindowRectangular)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    if (!rc && (!(e->cnorm = malloc((size_t)cb->k * sizeof *e->cnorm)) ||
                !(e->blas = malloc(bovw_nearest_scratch_size(cb->k) * sizeof *e->blas)) ||
                !(e->plain = malloc(e->plain_dim * sizeof *e->plain))))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    for (int c = 0; !rc && c < cb->k; c++) {
      double s = 0;
      for (int d = 0; d < cb->dim; d++) s += (double)cb->centers[c * cb->dim + d] * cb->centers[c * cb->dim + d];
      e->cnorm[c] = (float)s;
    }
  }
  if (rc) {
    bovw_encoder_free_group(g, count);
    return rc;
  }
  *out = g;
  return BOVW_OK;
}

static int grow(bovw_encoder *e, size_t n, bovw_error *err) {
  if (n <= e->cap) return BOVW_OK;
  size_t item = e->cb->features.float_descriptors ? sizeof(float) : 1, d = (size_t)e->cb->dim;
  free(e->raw); free(e->frames); free(e->scratch); free(e->x); free(e->cellbuf); free(e->words);
  e->raw = malloc(n * e->raw_dim * item);
  e->frames = malloc(n * 4 * sizeof(float));
  e->scratch = malloc(n * (e->raw_dim + d) * sizeof(float));
  e->x = malloc(n * d * sizeof(float));
  e->cellbuf = e->p.encoding == BOVW_ENCODING_FISHER ? malloc(n * d * sizeof(float)) : malloc(1);
  e->words = malloc(n * sizeof(int32_t));
  e->cap = n;
  if (!e->raw || !e->frames || !e->scratch || !e->x || !e->cellbuf || !e->words) {
    e->cap = 0;
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu descriptors", n);
  }
  return BOVW_OK;
}

/* The cell of a keypoint in a level of nx x ny cells over a w x h image. */
static int cell_of(const float *frame, int w, int h, int nx, int ny) {
  int cx = (int)floorf(frame[0] / (float)w * (float)nx);
  int cy = (int)floorf(frame[1] / (float)h * (float)ny);
  cx = cx < 0 ? 0 : cx >= nx ? nx - 1 : cx;
  cy = cy < 0 ? 0 : cy >= ny ? ny - 1 : cy;
  return cy * nx + cx;
}

static void normalise(float *v, size_t n, const bovw_encode_params *p) {
  for (int k = 0; k < p->num_norms; k++) {
    double s = 0;
    switch (p->norms[k]) {
      case BOVW_NORM_L1:
        for (size_t i = 0; i < n; i++) s += fabsf(v[i]);
        if (s > 0) for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / s);
        break;
      case BOVW_NORM_L2:
        for (size_t i = 0; i < n; i++) s += (double)v[i] * v[i];
        if (s > 0) {
          s = sqrt(s);
          for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / s);
        }
        break;
      case BOVW_NORM_SQRT:
        for (size_t i = 0; i < n; i++) v[i] = copysignf(sqrtf(fabsf(v[i])), v[i]);
        break;
      case BOVW_NORM_POWER:
        for (size_t i = 0; i < n; i++)
          v[i] = copysignf(powf(fabsf(v[i]), (float)p->power_alpha), v[i]);
        break;
    }
  }
}

int bovw_encoder_encode(bovw_encoder *e, const void *raw, const float *frames, size_t n,
                        int width, int height, float *out, size_t *voting, bovw_error *err) {
  const bovw_codebook *cb = e->cb;
  const bovw_encode_params *p = &e->p;
  size_t item = cb->features.float_descriptors ? sizeof(float) : 1;
  size_t rowb = e->raw_dim * item, d = (size_t)cb->dim, k = (size_t)cb->k;
  int rc = grow(e, n ? n : 1, err);
  if (rc) return rc;
  /* 1. Keep the descriptors that vote, and map them through the codebook's chain. */
  float thr = (float)cb->features.contrast_threshold;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (frames[4 * i + 3] < thr) continue;
    memcpy(e->raw + m * rowb, (const unsigned char *)raw + i * rowb, rowb);
    memcpy(e->frames + 4 * m, frames + 4 * i, 4 * sizeof(float));
    m++;
  }
  *voting = m;
  if (m) bovw_codebook_transform(cb, e->raw, e->frames, m, width, height, e->scratch, e->x);
  /* 2. Nearest words (hist, vlad). */
  if (m && p->encoding != BOVW_ENCODING_FISHER) {
    if (p->assign == BOVW_ASSIGN_EXACT) {
      bovw_nearest_centers_1(e->x, m, (int)d, cb->centers, e->cnorm, (int)k, e->words, e->blas);
    } else {
      for (size_t i = 0; i < m; i++) {
        VlKDForestNeighbor nb;
        vl_kdforestsearcher_query(e->searcher, &nb, 1, e->x + i * d);
        e->words[i] = (int32_t)nb.index;
      }
    }
  }
  /* 3-4. Per cell of every level. */
  float *v = e->plain;
  memset(v, 0, e->plain_dim * sizeof *v);
  size_t per_cell = p->encoding == BOVW_ENCODING_HIST ? k
                    : p->encoding == BOVW_ENCODING_VLAD ? k * d : 2 * k * d;
  size_t base = 0;
  for (int l = 0; l < p->levels; l++) {
    int nx = p->level_x[l], ny = p->level_y[l];
    size_t cells = (size_t)nx * ny;
    if (p->encoding == BOVW_ENCODING_HIST) {
      for (size_t i = 0; i < m; i++)
        v[base + (size_t)cell_of(e->frames + 4 * i, width, height, nx, ny) * k + (size_t)e->words[i]] += 1;
      if (p->level_l1)
        normalise(v + base, cells * k, &(bovw_encode_params){.num_norms = 1, .norms = {BOVW_NORM_L1}});
    } else if (p->encoding == BOVW_ENCODING_VLAD) {
      /* Jegou et al. 2010: per word, the sum of residuals x - c of the
       * descriptors assigned to it (vl_vlad_encode, unnormalised). */
      for (size_t i = 0; i < m; i++) {
        size_t c = (size_t)e->words[i];
        float *dst = v + base + (size_t)cell_of(e->frames + 4 * i, width, height, nx, ny) * per_cell + c * d;
        const float *x = e->x + i * d, *mu = cb->centers + c * d;
        for (size_t j = 0; j < d; j++) dst[j] += x[j] - mu[j];
      }
    } else {
      for (size_t cell = 0; cell < cells; cell++) {
        size_t in = 0;
        for (size_t i = 0; i < m; i++)
          if ((size_t)cell_of(e->frames + 4 * i, width, height, nx, ny) == cell)
            memcpy(e->cellbuf + (in++) * d, e->x + i * d, d * sizeof(float));
        if (in)
          vl_fisher_encode(v + base + cell * per_cell, VL_TYPE_FLOAT, cb->gmm_means, d, k,
                           cb->gmm_variances, cb->gmm_priors, e->cellbuf, in,
                           VL_FISHER_FLAG_IMPROVED);
      }
    }
    base += cells * per_cell;
  }
  /* 5. Norms on the whole vector; 6. the kernel map. */
  normalise(v, e->plain_dim, p);
  if (e->map) {
    size_t w = 2 * (size_t)p->kernel_order + 1;
    for (size_t i = 0; i < e->plain_dim; i++)
      vl_homogeneouskernelmap_evaluate_f(e->map, out + i * w, 1, v[i]);
  } else {
    memcpy(out, v, e->plain_dim * sizeof *out);
  }
  return BOVW_OK;
}
