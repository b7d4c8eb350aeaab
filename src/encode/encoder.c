/* encoder.c: one image's descriptors into one vector (see encode.h for the
 * order of operations). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <vl/homkermap.h>
#include <vl/kdtree.h>

#include "bovw/encode.h"
#include "encode/fisher.h"
#include "encode/prerank.h"

struct bovw_encoder {
  bovw_encode_params p;
  const bovw_codebook *cb;
  VlKDForest *forest;            /* owned by the group's first encoder */
  bovw_fisher_gmm *gmm;          /* likewise: the prepared GMM (fisher) */
  bovw_prerank *prerank;         /* likewise: the pre-ranking axes (prerank) */
  VlKDForestSearcher *searcher;
  VlHomogeneousKernelMap *map;
  float *cnorm;                  /* k squared norms of the centres */
  size_t raw_dim, dim, plain_dim;  /* plain: before the kernel map */
  /* Buffers grown to the largest image seen. */
  size_t cap;
  float *frames, *scratch, *x;
  float *z, *post, *zcell, *pcell, *stats;  /* fisher */
  double *s0;                               /* fisher: k */
  size_t *order, *keys;                     /* fisher: descriptors by piece */
  size_t *voters;                           /* rows of the descriptors that vote */
  float *piece_stats;                       /* fisher: pieces x k x 2d */
  double *piece_s0;
  size_t piece_cap;
  int32_t *words;
  float *blas;
  float *plain;
};

bovw_encoder *bovw_encoder_at(bovw_encoder *group, int i) { return group + i; }

static void release(bovw_encoder *e) {
  if (e->map) vl_homogeneouskernelmap_delete(e->map);
  free(e->cnorm);
  free(e->voters);
  free(e->frames);
  free(e->scratch);
  free(e->x);
  free(e->z);
  free(e->post);
  free(e->zcell);
  free(e->pcell);
  free(e->stats);
  free(e->s0);
  free(e->order);
  free(e->keys);
  free(e->piece_stats);
  free(e->piece_s0);
  free(e->words);
  free(e->blas);
  free(e->plain);
}

void bovw_encoder_free_group(bovw_encoder *group, int count) {
  if (!group) return;
  for (int i = 0; i < count; i++) release(&group[i]);
  if (group[0].forest) vl_kdforest_delete(group[0].forest);  /* and its searchers */
  if (group[0].gmm) {
    bovw_fisher_gmm_clear(group[0].gmm);
    free(group[0].gmm);
  }
  if (group[0].prerank) {
    bovw_prerank_clear(group[0].prerank);
    free(group[0].prerank);
  }
  free(group);
}

/* Floats of scratch the assignment needs. */
static size_t scratch_size(const bovw_encoder *e) {
  size_t exact = bovw_nearest_scratch_size(e->cb->k);
  size_t prerank = e->prerank ? bovw_prerank_scratch_size(e->prerank) : 0;
  return exact > prerank ? exact : prerank;
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
  if (!rc && p->assign == BOVW_ASSIGN_PRERANK && p->encoding != BOVW_ENCODING_FISHER) {
    if (!(g[0].prerank = calloc(1, sizeof *g[0].prerank)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    else
      rc = bovw_prerank_init(g[0].prerank, cb->centers, cb->k, cb->dim, p->prerank_dims,
                             p->prerank_candidates, err);
  }
  if (!rc && p->encoding == BOVW_ENCODING_FISHER) {
    if (!(g[0].gmm = calloc(1, sizeof *g[0].gmm)) ||
        bovw_fisher_gmm_init(g[0].gmm, cb->gmm_means, cb->gmm_variances, cb->gmm_priors, cb->k,
                             cb->dim))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; !rc && i < count; i++) {
    bovw_encoder *e = &g[i];
    e->gmm = g[0].gmm;
    e->prerank = g[0].prerank;
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
                !(e->blas = malloc(scratch_size(e) * sizeof *e->blas)) ||
                !(e->plain = malloc(e->plain_dim * sizeof *e->plain)) ||
                !(e->stats = malloc((size_t)cb->k * 2 * cb->dim * sizeof *e->stats)) ||
                !(e->s0 = malloc((size_t)cb->k * sizeof *e->s0))))
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
  size_t d = (size_t)e->cb->dim;
  size_t k = (size_t)e->cb->k;
  int fisher = e->p.encoding == BOVW_ENCODING_FISHER;
  free(e->voters); free(e->frames); free(e->scratch); free(e->x); free(e->words);
  free(e->z); free(e->post); free(e->zcell); free(e->pcell); free(e->order); free(e->keys);
  e->z = e->post = e->zcell = e->pcell = NULL;
  e->order = e->keys = NULL;
  e->voters = malloc(n * sizeof *e->voters);
  e->frames = malloc(n * 4 * sizeof(float));
  e->scratch = malloc(n * (e->raw_dim + d) * sizeof(float));
  e->x = malloc(n * d * sizeof(float));
  e->words = malloc(n * sizeof(int32_t));
  int ok = e->voters && e->frames && e->scratch && e->x && e->words;
  if (ok && fisher)
    ok = (e->z = malloc(n * 2 * d * sizeof(float))) && (e->post = malloc(n * k * sizeof(float))) &&
         (e->zcell = malloc(n * 2 * d * sizeof(float))) &&
         (e->pcell = malloc(n * k * sizeof(float))) && (e->order = malloc(n * sizeof(size_t))) &&
         (e->keys = malloc(n * sizeof(size_t)));
  e->cap = ok ? n : 0;
  return ok ? BOVW_OK
            : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu descriptors", n);
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

/* Gathers rows `rows[0..n)` of z and post into zcell and pcell. */
static void gather(bovw_encoder *e, const size_t *rows, size_t n) {
  size_t d2 = 2 * (size_t)e->cb->dim, k = (size_t)e->cb->k;
  for (size_t j = 0; j < n; j++) {
    memcpy(e->zcell + j * d2, e->z + rows[j] * d2, d2 * sizeof(float));
    memcpy(e->pcell + j * k, e->post + rows[j] * k, k * sizeof(float));
  }
}

enum { MAX_PIECES = 64 };

/* The Fisher vectors of every cell of every level of one image (m voting
 * descriptors in e->x, their frames in e->frames), into v. Posteriors are
 * computed once. The statistics of a cell are sums over its descriptors,
 * and the cells of all levels are unions of the pieces of their common
 * refinement (for 1x1, 2x2, 1x3: 8 pieces): so each descriptor enters one
 * product, in its piece, and each cell sums its pieces' statistics. */
static int fisher_image(bovw_encoder *e, size_t m, int width, int height, float *v,
                        bovw_error *err) {
  const bovw_encode_params *p = &e->p;
  size_t d = (size_t)e->cb->dim, k = (size_t)e->cb->k, stat_len = k * 2 * d;
  size_t per_cell = 2 * k * d;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < d; j++) {
      float xv = e->x[i * d + j];
      e->z[i * 2 * d + j] = xv * xv;
      e->z[i * 2 * d + d + j] = xv;
    }
  bovw_fisher_posteriors(e->gmm, e->z, m, e->post);
  /* Piece of each descriptor: its cells at all levels, as one number. */
  for (size_t i = 0; i < m; i++) {
    size_t key = 0;
    for (int l = 0; l < p->levels; l++)
      key = key * (size_t)(p->level_x[l] * p->level_y[l]) +
            (size_t)cell_of(e->frames + 4 * i, width, height, p->level_x[l], p->level_y[l]);
    e->keys[i] = key;
    e->order[i] = i;
  }
  /* Distinct pieces, in key order (few: a small insertion-ordered list). */
  size_t piece_key[MAX_PIECES], pieces = 0;
  int too_many = 0;
  for (size_t i = 0; i < m && !too_many; i++) {
    size_t a = 0;
    while (a < pieces && piece_key[a] != e->keys[i]) a++;
    if (a == pieces) {
      if (pieces == MAX_PIECES) too_many = 1;
      else piece_key[pieces++] = e->keys[i];
    }
  }
  if (!too_many && pieces > e->piece_cap) {
    free(e->piece_stats);
    free(e->piece_s0);
    e->piece_stats = malloc(pieces * stat_len * sizeof(float));
    e->piece_s0 = malloc(pieces * k * sizeof(double));
    e->piece_cap = e->piece_stats && e->piece_s0 ? pieces : 0;
    if (!e->piece_cap) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  size_t piece_n[MAX_PIECES];
  if (!too_many) {
    for (size_t a = 0; a < pieces; a++) {
      size_t n = 0;
      for (size_t i = 0; i < m; i++)
        if (e->keys[i] == piece_key[a]) e->order[n++] = i;
      piece_n[a] = n;
      gather(e, e->order, n);
      memset(e->piece_stats + a * stat_len, 0, stat_len * sizeof(float));
      memset(e->piece_s0 + a * k, 0, k * sizeof(double));
      bovw_fisher_accumulate(e->gmm, e->zcell, e->pcell, n, e->piece_stats + a * stat_len,
                             e->piece_s0 + a * k);
    }
  }
  /* Each cell: the sum of its pieces (or, with too many pieces, its own
   * product). */
  size_t base = 0;
  for (int l = 0; l < p->levels; l++) {
    size_t cells = (size_t)p->level_x[l] * p->level_y[l];
    size_t radix_below = 1;
    for (int j = l + 1; j < p->levels; j++) radix_below *= (size_t)(p->level_x[j] * p->level_y[j]);
    for (size_t cell = 0; cell < cells; cell++) {
      size_t n = 0;
      memset(e->stats, 0, stat_len * sizeof(float));
      memset(e->s0, 0, k * sizeof(double));
      if (!too_many) {
        for (size_t a = 0; a < pieces; a++) {
          if ((piece_key[a] / radix_below) % cells != cell) continue;
          n += piece_n[a];
          const float *ps = e->piece_stats + a * stat_len;
          for (size_t t = 0; t < stat_len; t++) e->stats[t] += ps[t];
          for (size_t c = 0; c < k; c++) e->s0[c] += e->piece_s0[a * k + c];
        }
      } else {
        for (size_t i = 0; i < m; i++)
          if ((e->keys[i] / radix_below) % cells == cell) e->order[n++] = i;
        gather(e, e->order, n);
        bovw_fisher_accumulate(e->gmm, e->zcell, e->pcell, n, e->stats, e->s0);
      }
      bovw_fisher_finish(e->gmm, e->stats, e->s0, n, v + base + cell * per_cell);
    }
    base += cells * per_cell;
  }
  return BOVW_OK;
}

int bovw_encoder_encode(bovw_encoder *e, const void *raw, const float *frames, size_t n,
                        int width, int height, float *out, size_t *voting, bovw_error *err) {
  const bovw_codebook *cb = e->cb;
  const bovw_encode_params *p = &e->p;
  size_t d = (size_t)cb->dim, k = (size_t)cb->k;
  int rc = grow(e, n ? n : 1, err);
  if (rc) return rc;
  /* 1. Keep the descriptors that vote, and map them through the codebook's chain. */
  float thr = (float)cb->features.contrast_threshold;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (frames[4 * i + 3] < thr) continue;
    e->voters[m] = i;
    memcpy(e->frames + 4 * m, frames + 4 * i, 4 * sizeof(float));
    m++;
  }
  *voting = m;
  if (m)
    bovw_codebook_transform_rows(cb, raw, e->voters, e->frames, m, width, height, e->scratch,
                                 e->x);
  /* 2. Nearest words (hist, vlad). */
  if (m && p->encoding != BOVW_ENCODING_FISHER) {
    if (p->assign == BOVW_ASSIGN_EXACT) {
      bovw_nearest_centers_1(e->x, m, (int)d, cb->centers, e->cnorm, (int)k, e->words, e->blas);
    } else if (p->assign == BOVW_ASSIGN_PRERANK) {
      bovw_prerank_assign(e->prerank, e->x, m, e->words, e->blas);
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
    } else if (l == 0) {
      int rc2 = fisher_image(e, m, width, height, v, err);
      if (rc2) return rc2;
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
