/* data.c: samples in memory for training and evaluation: a manifest's
 * images decoded, resized and stacked into one NCHW array, or encodings
 * copied; a stratified hold-out; per-channel normalisation; and the
 * random crop and flip of augmentation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/image.h"
#include "nn/internal.h"

size_t bovw_nn_data_sample_size(const bovw_nn_data *self) {
  return (size_t)self->channels * (size_t)self->height * (size_t)self->width;
}

void bovw_nn_data_free(bovw_nn_data *self) {
  if (!self) return;
  free(self->x);
  free(self->labels);
  free(self->rows);
  for (size_t c = 0; self->class_names && c < self->num_classes; c++)
    free(self->class_names[c]);
  free(self->class_names);
  free(self);
}

/* A new data object with room for count samples of c x h x w and the class
 * names (copied; NULL names: "0", "1", ...). */
static int data_new(size_t count, int c, int h, int w, size_t num_classes,
                    char *const *names, bovw_nn_data **out, bovw_error *err) {
  *out = NULL;
  bovw_nn_data *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  self->count = count;
  self->channels = c;
  self->height = h;
  self->width = w;
  size_t n = count ? count : 1;
  self->x = malloc(n * bovw_nn_data_sample_size(self) * sizeof *self->x);
  self->labels = malloc(n * sizeof *self->labels);
  self->rows = malloc(n * sizeof *self->rows);
  self->class_names = calloc(num_classes ? num_classes : 1, sizeof *self->class_names);
  int ok = self->x && self->labels && self->rows && self->class_names;
  self->num_classes = self->class_names ? num_classes : 0;
  for (size_t k = 0; ok && k < num_classes; k++) {
    char number[32];
    snprintf(number, sizeof number, "%zu", k);
    ok = (self->class_names[k] = strdup(names && names[k] ? names[k] : number)) != NULL;
  }
  if (!ok) {
    bovw_nn_data_free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "out of memory for %zu samples of %dx%dx%d (%.0f MB)", count, c,
                          h, w, (double)count * c * h * w * 4 / 1e6);
  }
  *out = self;
  return BOVW_OK;
}

/* Decodes manifest row i into dst (c x h x w), or returns the reason it
 * could not (a new string; NULL on success). */
static char *load_one(const bovw_manifest *m, size_t i, int c, int h, int w, float *dst) {
  bovw_error e = {0};
  char *path = bovw_manifest_resolve(m, i);
  int rc = path ? bovw_image_load_sized(path, c, w, h, dst, &e)
                : bovw_error_set(&e, BOVW_ERR_NOMEM, "out of memory");
  free(path);
  return rc ? strdup(e.message[0] ? e.message : "unreadable") : NULL;
}

int bovw_nn_data_from_manifest(const bovw_manifest *m, int channels, int height,
                               int width, int threads, const bovw_monitor *monitor,
                               bovw_nn_data **out, bovw_error *err) {
  *out = NULL;
  if (channels != 1 && channels != 3)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "images have 1 (gray) or 3 (RGB) channels, not %d", channels);
  if (height < 1 || width < 1)
    return bovw_error_set(err, BOVW_ERR_INVALID, "image size %dx%d", height, width);
  if (m->count == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "the manifest lists no images");
  for (size_t i = 0; i < m->count; i++)
    if (m->labels[i] < 0 || (size_t)m->labels[i] >= m->num_classes)
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "image %zu (%s) has label %d, outside the %zu classes", i,
                            m->paths[i], (int)m->labels[i], m->num_classes);
  bovw_nn_data *self;
  int rc = data_new(m->count, channels, height, width, m->num_classes, m->class_names, &self,
                    err);
  if (rc) return rc;
  char **failed = calloc(m->count, sizeof *failed);
  if (!failed) {
    bovw_nn_data_free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  const size_t size = bovw_nn_data_sample_size(self);
  const long n = (long)m->count;
  size_t done = 0;
  /* Each image goes to its own slot: the result does not depend on which
   * thread decodes it. Progress calls are serialised. */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nn_threads_resolve(threads))
  for (long i = 0; i < n; i++) {
    failed[i] = load_one(m, (size_t)i, channels, height, width, self->x + (size_t)i * size);
    bovw_monitor_tick(monitor, "load", &done, m->count, 1);
  }
  /* Keep the readable images, in manifest order; warn about the others. */
  size_t kept = 0;
  for (size_t i = 0; i < m->count; i++) {
    if (failed[i]) {
      bovw_monitor_warning(monitor, "%s (skipped)", failed[i]);
      free(failed[i]);
      self->skipped++;
      continue;
    }
    if (kept != i) memmove(self->x + kept * size, self->x + i * size, size * sizeof *self->x);
    self->labels[kept] = m->labels[i];
    self->rows[kept] = i;
    kept++;
  }
  free(failed);
  self->count = kept;
  if (kept == 0) {
    bovw_nn_data_free(self);
    return bovw_error_set(err, BOVW_ERR_EMPTY, "none of the %zu images could be read",
                          m->count);
  }
  *out = self;
  return BOVW_OK;
}

int bovw_nn_data_from_encodings(const bovw_encodings *enc, bovw_nn_data **out,
                                bovw_error *err) {
  *out = NULL;
  if (enc->count == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no encodings");
  if (enc->dim == 0 || enc->dim > (1u << 30))
    return bovw_error_set(err, BOVW_ERR_INVALID, "encodings of dimension %zu", enc->dim);
  const int32_t *labels = enc->labels->data;
  size_t classes = enc->num_classes;
  if (!enc->class_names) /* no names: as many classes as the largest label says */
    for (size_t i = 0; i < enc->count; i++)
      if (labels[i] >= 0 && (size_t)labels[i] + 1 > classes) classes = (size_t)labels[i] + 1;
  for (size_t i = 0; i < enc->count; i++)
    if (labels[i] < 0 || (size_t)labels[i] >= classes)
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "encoding %zu has label %d, outside the %zu classes", i,
                            (int)labels[i], classes);
  bovw_nn_data *self;
  int rc = data_new(enc->count, (int)enc->dim, 1, 1, classes, enc->class_names, &self, err);
  if (rc) return rc;
  memcpy(self->x, enc->vectors->data, enc->count * enc->dim * sizeof *self->x);
  memcpy(self->labels, labels, enc->count * sizeof *self->labels);
  for (size_t i = 0; i < enc->count; i++) self->rows[i] = i;
  *out = self;
  return BOVW_OK;
}

int bovw_nn_data_reshape(bovw_nn_data *self, int channels, int height, int width,
                         bovw_error *err) {
  if (channels < 1 || height < 1 || width < 1 ||
      (size_t)channels * height * width != bovw_nn_data_sample_size(self))
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "samples of %dx%dx%d cannot be %dx%dx%d: not as many values",
                          self->channels, self->height, self->width, channels, height, width);
  self->channels = channels;
  self->height = height;
  self->width = width;
  return BOVW_OK;
}

int bovw_nn_data_holdout(bovw_nn_data *self, double fraction, uint64_t seed,
                         bovw_nn_data **held, bovw_error *err) {
  *held = NULL;
  if (!(fraction >= 0 && fraction < 1))
    return bovw_error_set(err, BOVW_ERR_INVALID, "hold-out fraction %g: expected [0, 1)",
                          fraction);
  const size_t n = self->count, size = bovw_nn_data_sample_size(self);
  unsigned char *out_of_train = calloc(n ? n : 1, 1);
  size_t *members = malloc((n ? n : 1) * sizeof *members);
  if (!out_of_train || !members) {
    free(out_of_train);
    free(members);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  /* Per class, in class order: its samples shuffled, the first
   * round(fraction n_c) (at most n_c - 1) held out. */
  bovw_rng rng;
  bovw_rng_seed(&rng, seed ^ 0x3c6ef372fe94f82bULL);
  size_t total = 0;
  for (size_t c = 0; fraction > 0 && c < self->num_classes; c++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if ((size_t)self->labels[i] == c) members[m++] = i;
    if (m == 0) continue;
    size_t take = (size_t)floor(fraction * (double)m + 0.5);
    if (take > m - 1) take = m - 1;
    bovw_rng_shuffle(&rng, members, m, sizeof *members);
    for (size_t k = 0; k < take; k++) out_of_train[members[k]] = 1;
    total += take;
  }
  free(members);
  bovw_nn_data *h;
  int rc = data_new(total, self->channels, self->height, self->width, self->num_classes,
                    self->class_names, &h, err);
  if (rc) {
    free(out_of_train);
    return rc;
  }
  size_t kept = 0, moved = 0;
  for (size_t i = 0; i < n; i++) {
    if (out_of_train[i]) {
      memcpy(h->x + moved * size, self->x + i * size, size * sizeof *h->x);
      h->labels[moved] = self->labels[i];
      h->rows[moved] = self->rows[i];
      moved++;
    } else {
      if (kept != i) memmove(self->x + kept * size, self->x + i * size, size * sizeof *self->x);
      self->labels[kept] = self->labels[i];
      self->rows[kept] = self->rows[i];
      kept++;
    }
  }
  free(out_of_train);
  self->count = kept;
  if (kept && kept < n) { /* give the memory of the moved samples back */
    float *x = realloc(self->x, kept * size * sizeof *x);
    if (x) self->x = x;
  }
  *held = h;
  return BOVW_OK;
}

/* ---- normalisation ------------------------------------------------------------- */

void bovw_nn_norm_free(bovw_nn_norm *self) {
  if (!self) return;
  free(self->mean);
  free(self->std);
  memset(self, 0, sizeof *self);
}

int bovw_nn_norm_fit(const bovw_nn_data *data, bovw_nn_norm *out, bovw_error *err) {
  memset(out, 0, sizeof *out);
  const int c = data->channels;
  const size_t plane = (size_t)data->height * data->width;
  const size_t size = bovw_nn_data_sample_size(data);
  if (data->count == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no samples to normalise");
  out->mean = malloc((size_t)c * sizeof *out->mean);
  out->std = malloc((size_t)c * sizeof *out->std);
  double *sum = calloc((size_t)c, sizeof *sum), *sq = calloc((size_t)c, sizeof *sq);
  if (!out->mean || !out->std || !sum || !sq) {
    free(sum);
    free(sq);
    bovw_nn_norm_free(out);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  out->channels = c;
  /* Two passes in double: the mean, then the squared deviations from it. */
  for (size_t i = 0; i < data->count; i++)
    for (int k = 0; k < c; k++) {
      const float *p = data->x + i * size + (size_t)k * plane;
      for (size_t j = 0; j < plane; j++) sum[k] += p[j];
    }
  const double values = (double)data->count * (double)plane;
  for (int k = 0; k < c; k++) sum[k] /= values;
  for (size_t i = 0; i < data->count; i++)
    for (int k = 0; k < c; k++) {
      const float *p = data->x + i * size + (size_t)k * plane;
      for (size_t j = 0; j < plane; j++) sq[k] += (p[j] - sum[k]) * (p[j] - sum[k]);
    }
  for (int k = 0; k < c; k++) {
    double sd = sqrt(sq[k] / values);
    out->mean[k] = (float)sum[k];
    out->std[k] = sd < 1e-6 ? 1.0f : (float)sd;
  }
  free(sum);
  free(sq);
  return BOVW_OK;
}

int bovw_nn_norm_apply(const bovw_nn_norm *self, bovw_nn_data *data, bovw_error *err) {
  if (self->channels != data->channels)
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "normalisation of %d channels for data of %d", self->channels,
                          data->channels);
  const size_t plane = (size_t)data->height * data->width;
  const size_t size = bovw_nn_data_sample_size(data);
  for (size_t i = 0; i < data->count; i++)
    for (int k = 0; k < self->channels; k++) {
      float *p = data->x + i * size + (size_t)k * plane;
      const float mean = self->mean[k], inv = 1.0f / self->std[k];
      for (size_t j = 0; j < plane; j++) p[j] = (p[j] - mean) * inv;
    }
  return BOVW_OK;
}

/* ---- augmentation --------------------------------------------------------------- */

int bovw_nn_augment(float *x, int batch, int channels, int height, int width, int pad,
                    const float *fill, bovw_rng *rng, bovw_error *err) {
  if (pad < 0 || batch < 0 || channels < 1 || height < 1 || width < 1)
    return bovw_error_set(err, BOVW_ERR_INVALID, "augment: batch %d of %dx%dx%d, pad %d",
                          batch, channels, height, width, pad);
  const size_t plane = (size_t)height * width, size = (size_t)channels * plane;
  float *copy = malloc(size * sizeof *copy);
  if (!copy) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (int b = 0; b < batch; b++) {
    /* Offsets in the padded image: output (y, x) is input (y + dy, x + dx). */
    const int dy = (int)bovw_rng_below(rng, (uint64_t)(2 * pad + 1)) - pad;
    const int dx = (int)bovw_rng_below(rng, (uint64_t)(2 * pad + 1)) - pad;
    const int flip = (int)bovw_rng_below(rng, 2);
    float *s = x + (size_t)b * size;
    memcpy(copy, s, size * sizeof *copy);
    for (int c = 0; c < channels; c++) {
      const float *in = copy + (size_t)c * plane;
      float *o = s + (size_t)c * plane;
      const float f = fill ? fill[c] : 0.0f;
      for (int y = 0; y < height; y++) {
        const int sy = y + dy;
        for (int xx = 0; xx < width; xx++) {
          const int sx = (flip ? width - 1 - xx : xx) + dx;
          o[(size_t)y * width + xx] = sy >= 0 && sy < height && sx >= 0 && sx < width
                                          ? in[(size_t)sy * width + sx]
                                          : f;
        }
      }
    }
  }
  free(copy);
  return BOVW_OK;
}
