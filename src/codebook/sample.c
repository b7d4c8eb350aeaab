/* sample.c: a seeded, uniform sample of usable descriptors from a features
 * artifact, and the descriptor transforms a codebook records.
 *
 * "Usable" means not zeroed for low contrast; the frames' contrast column
 * tells which rows those are without touching the (much larger) descriptor
 * array. Rows are chosen by selection sampling (Knuth, TAOCP vol. 2,
 * algorithm S): one pass, every subset of the requested size equally likely,
 * rows in increasing order, so the mapped descriptors are read sequentially.
 *
 * Memory: the arrays are mapped, and every page read would stay in the
 * process's resident set until the end (the whole 8 GB of descriptors of a
 * 56-million-row artifact: a sampled row every few pages, and the kernel
 * maps the pages around each one it reads). Both passes therefore drop what
 * they have gone through every `window` bytes (bovw_npy_release), so that
 * the resident memory is the sample plus about one window of each array,
 * however many descriptors there are. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/codebook.h"
#include "bovw/rng.h"
#include "codebook/internal.h"

int bovw_sample_rows(const bovw_features *f, size_t wanted, uint64_t seed, size_t window,
                     size_t **rows, size_t *count, size_t *usable, bovw_error *err) {
  *rows = NULL;
  *count = *usable = 0;
  const float *frames = f->frames->data;
  const size_t n = (size_t)f->frames->shape[0], fbytes = 4 * sizeof(float);
  const size_t step = window / fbytes ? window / fbytes : 1;  /* rows a window */
  const float thr = (float)f->params.contrast_threshold;
  size_t u = 0, done = 0;
  for (size_t a = 0; a < n; a += step) {
    size_t b = n - a > step ? a + step : n;
    for (size_t i = a; i < b; i++) u += frames[4 * i + 3] >= thr;
    done = bovw_npy_release(f->frames, done, b * fbytes);
  }
  *usable = u;
  size_t s = wanted < u ? wanted : u;
  size_t *out = malloc((s ? s : 1) * sizeof *out);
  if (!out) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  size_t seen = 0, chosen = 0;
  done = 0;
  for (size_t a = 0; a < n && chosen < s; a += step) {
    size_t b = n - a > step ? a + step : n;
    for (size_t i = a; i < b && chosen < s; i++) {
      if (frames[4 * i + 3] < thr) continue;
      if ((double)(u - seen) * bovw_rng_uniform(&rng) < (double)(s - chosen)) out[chosen++] = i;
      seen++;
    }
    done = bovw_npy_release(f->frames, done, b * fbytes);
  }
  *rows = out;
  *count = chosen;
  return BOVW_OK;
}

void bovw_sample_gather(const bovw_features *f, const size_t *rows, size_t n, size_t window,
                        float *raw, float *frames, int32_t *size) {
  const int dim = f->dim, is_float = f->params.float_descriptors;
  const size_t row_bytes = (size_t)dim * (is_float ? sizeof(float) : 1);
  const size_t fbytes = 4 * sizeof(float);
  const int64_t *off = f->offsets->data;
  const int32_t *sizes = f->image_size->data;
  size_t img = 0, ddone = 0, fdone = 0;
  for (size_t i = 0; i < n; i++) {
    size_t r = rows[i];
    /* Everything before row r has been read: drop it a window at a time
     * (the frames with the descriptors, whose rows are the larger). */
    if (r * row_bytes - ddone >= window) {
      ddone = bovw_npy_release(f->descriptors, ddone, r * row_bytes);
      fdone = bovw_npy_release(f->frames, fdone, r * fbytes);
    }
    while ((int64_t)r >= off[img + 1]) img++;  /* rows ascend: images too */
    bovw_raw_to_float((const char *)f->descriptors->data + r * row_bytes, is_float, 1, dim,
                      raw + i * (size_t)dim);
    memcpy(frames + 4 * i, (const float *)f->frames->data + 4 * r, fbytes);
    size[2 * i] = sizes[2 * img];
    size[2 * i + 1] = sizes[2 * img + 1];
  }
  size_t end = (size_t)f->descriptors->shape[0];
  bovw_npy_release(f->descriptors, ddone, end * row_bytes);
  bovw_npy_release(f->frames, fdone, end * fbytes);
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
