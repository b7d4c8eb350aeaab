/* sample.c: a seeded, uniform sample of usable descriptors from a features
 * artifact, and the descriptor transforms a codebook records.
 *
 * "Usable" means not zeroed for low contrast; the frames' contrast column
 * tells which rows those are without touching the (much larger) descriptor
 * array. Rows are chosen by selection sampling (Knuth, TAOCP vol. 2,
 * algorithm S): one pass, every subset of the requested size equally likely,
 * rows in increasing order, so the mapped descriptors are read sequentially. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/codebook.h"
#include "bovw/rng.h"
#include "codebook/internal.h"

int bovw_sample_rows(const bovw_features *f, size_t wanted, uint64_t seed,
                     size_t **rows, size_t *count, size_t *usable, bovw_error *err) {
  *rows = NULL;
  *count = *usable = 0;
  const float *frames = f->frames->data;
  size_t n = (size_t)f->frames->shape[0];
  float thr = (float)f->params.contrast_threshold;
  size_t u = 0;
  for (size_t i = 0; i < n; i++) u += frames[4 * i + 3] >= thr;
  *usable = u;
  size_t s = wanted < u ? wanted : u;
  size_t *out = malloc((s ? s : 1) * sizeof *out);
  if (!out) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  size_t seen = 0, chosen = 0;
  for (size_t i = 0; i < n && chosen < s; i++) {
    if (frames[4 * i + 3] < thr) continue;
    if ((double)(u - seen) * bovw_rng_uniform(&rng) < (double)(s - chosen)) out[chosen++] = i;
    seen++;
  }
  *rows = out;
  *count = chosen;
  return BOVW_OK;
}

/* Root SIFT (Arandjelovic and Zisserman, CVPR 2012): the square root of the
 * L1-normalised descriptor, so that Euclidean distance between results is
 * the Hellinger distance between the originals. */
void bovw_root_normalise(float *x, size_t n, int dim) {
  for (size_t i = 0; i < n; i++) {
    float *v = x + i * dim;
    double l1 = 0;
    for (int d = 0; d < dim; d++) l1 += fabsf(v[d]);
    if (l1 <= 0) continue;
    for (int d = 0; d < dim; d++) v[d] = sqrtf(fabsf(v[d]) / (float)l1);
  }
}

void bovw_raw_to_float(const void *raw, int is_float, size_t n, int dim, float *out) {
  if (is_float) {
    memcpy(out, raw, n * (size_t)dim * sizeof(float));
  } else {
    const uint8_t *u = raw;
    for (size_t i = 0; i < n * (size_t)dim; i++) out[i] = u[i];
  }
}
