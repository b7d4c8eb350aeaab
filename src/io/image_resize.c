/* image_resize.c: separable resampling of float planes.
 *
 * Each axis gets a table of weights: output sample i is the weighted sum of
 * `len[i]` consecutive input samples from `first[i]`. Rows are resampled
 * first (into a temporary of the output width), then columns, whole rows at a
 * time so that the inner loops run over contiguous memory.
 *
 * Shrinking an axis from n to m samples averages areas: output i covers the
 * input interval [i n/m, (i+1) n/m), and each input sample weighs the length
 * of its overlap with it, divided by n/m. Overlaps are computed in integers
 * (units of 1/m of an input sample), so the weights are exact fractions and
 * a 2x shrink is exactly the mean of 2x2 blocks.
 *
 * Enlarging is bilinear with pixel centres at half-integers: output i samples
 * the input at x = (i + 0.5) n/m - 0.5, clamped to [0, n-1] so the borders
 * repeat the edge sample rather than fade to black. */
#include <stdlib.h>
#include <string.h>

#include "bovw/image.h"

typedef struct axis_weights {
  int *first;     /* first input sample of each output */
  int *len;       /* how many input samples each output reads */
  float *weight;  /* stride `taps` per output */
  int taps;
} axis_weights;

static void axis_free(axis_weights *a) {
  free(a->first);
  free(a->len);
  free(a->weight);
}

/* Fills a for resampling n inputs to m outputs; 0 or -1 (out of memory). */
static int axis_init(axis_weights *a, int n, int m) {
  /* Shrinking, an output covers n/m inputs plus a partial one at each end. */
  a->taps = m < n ? (n + m - 1) / m + 1 : 2;
  a->first = malloc((size_t)m * sizeof *a->first);
  a->len = malloc((size_t)m * sizeof *a->len);
  a->weight = calloc((size_t)m * (size_t)a->taps, sizeof *a->weight);
  if (!a->first || !a->len || !a->weight) return -1;
  for (int i = 0; i < m; i++) {
    float *w = a->weight + (size_t)i * (size_t)a->taps;
    if (m < n) {
      /* Output i covers [i n, (i+1) n) and input k covers [k m, (k+1) m),
       * both in units of 1/m input sample. */
      long long lo = (long long)i * n, hi = lo + n;
      int k0 = (int)(lo / m), k1 = (int)((hi - 1) / m);
      a->first[i] = k0;
      a->len[i] = k1 - k0 + 1;
      for (int k = k0; k <= k1; k++) {
        long long a0 = (long long)k * m, a1 = a0 + m;
        long long overlap = (a1 < hi ? a1 : hi) - (a0 > lo ? a0 : lo);
        w[k - k0] = (float)((double)overlap / (double)n);
      }
    } else if (m == n) {
      a->first[i] = i;
      a->len[i] = 1;
      w[0] = 1.0f;
    } else {
      double x = ((double)i + 0.5) * (double)n / (double)m - 0.5;
      if (x < 0) x = 0;
      if (x > n - 1) x = n - 1;
      int k0 = (int)x;
      double f = x - k0;
      a->first[i] = k0;
      if (k0 + 1 < n && f > 0) {
        a->len[i] = 2;
        w[0] = (float)(1.0 - f);
        w[1] = (float)f;
      } else {
        a->len[i] = 1;
        w[0] = 1.0f;
      }
    }
  }
  return 0;
}

/* One plane: in (iw x ih) to out (ow x oh) through tmp (ow x ih). */
static void resize_plane(const float *in, int iw, int ih, float *tmp, float *out,
                         int ow, int oh, const axis_weights *ax,
                         const axis_weights *ay) {
  for (int y = 0; y < ih; y++) {
    const float *src = in + (size_t)y * iw;
    float *dst = tmp + (size_t)y * ow;
    for (int x = 0; x < ow; x++) {
      const float *w = ax->weight + (size_t)x * ax->taps;
      const float *s = src + ax->first[x];
      float sum = 0;
      for (int k = 0; k < ax->len[x]; k++) sum += w[k] * s[k];
      dst[x] = sum;
    }
  }
  for (int y = 0; y < oh; y++) {
    float *dst = out + (size_t)y * ow;
    const float *w = ay->weight + (size_t)y * ay->taps;
    const float *s = tmp + (size_t)ay->first[y] * ow;
    for (int x = 0; x < ow; x++) dst[x] = w[0] * s[x];
    for (int k = 1; k < ay->len[y]; k++) {
      const float *row = s + (size_t)k * ow;
      float wk = w[k];
      for (int x = 0; x < ow; x++) dst[x] += wk * row[x];
    }
  }
}

int bovw_image_resize(const bovw_image *self, int width, int height,
                      bovw_image **out, bovw_error *err) {
  *out = NULL;
  if (width <= 0 || height <= 0)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "cannot resize an image to %dx%d", width, height);
  bovw_image *res = bovw_image_new(width, height, self->channels);
  if (!res)
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "out of memory resizing to %dx%d", width, height);
  size_t in_plane = (size_t)self->width * (size_t)self->height;
  size_t out_plane = (size_t)width * (size_t)height;
  if (width == self->width && height == self->height) {
    memcpy(res->pixels, self->pixels,
           in_plane * (size_t)self->channels * sizeof *res->pixels);
    *out = res;
    return BOVW_OK;
  }
  axis_weights ax = {0}, ay = {0};
  float *tmp = malloc((size_t)width * (size_t)self->height * sizeof *tmp);
  if (!tmp || axis_init(&ax, self->width, width) ||
      axis_init(&ay, self->height, height)) {
    free(tmp);
    axis_free(&ax);
    axis_free(&ay);
    bovw_image_free(res);
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "out of memory resizing to %dx%d", width, height);
  }
  for (int c = 0; c < self->channels; c++)
    resize_plane(self->pixels + (size_t)c * in_plane, self->width, self->height,
                 tmp, res->pixels + (size_t)c * out_plane, width, height, &ax,
                 &ay);
  free(tmp);
  axis_free(&ax);
  axis_free(&ay);
  *out = res;
  return BOVW_OK;
}
