/* augment.c: one augmented copy of an image: a whole-pixel shift, a small
 * rotation about the centre and an optional left-right mirror, resampled
 * bilinearly (see include/bovw/dataset.h and docs/augment.md).
 *
 * Each output pixel is mapped back into the source (the inverse of the
 * transform) and read there by bilinear interpolation, with the pixels
 * outside the source taking the background value; a point that lands on a
 * pixel centre reads that pixel exactly, so the identity copies bytes. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/dataset.h"
#include "bovw/rng.h"

/* Spreads j over the 64-bit seeds (an odd multiplier, then splitmix64
 * inside bovw_rng_seed): image j's generator depends on (seed, j) alone,
 * and neighbouring j do not get overlapping splitmix sequences, as seed + j
 * would give them. */
#define AUGMENT_STREAM 0xd1b54a32d192ed03ULL

void bovw_augment_draw(const bovw_augment_options *options, uint64_t j,
                       bovw_augment_transform *out) {
  bovw_rng rng;
  bovw_rng_seed(&rng, options->seed ^ ((j + 1) * AUGMENT_STREAM));
  const uint64_t span = 2 * (uint64_t)(options->shift > 0 ? options->shift : 0) + 1;
  out->dx = (int)bovw_rng_below(&rng, span) - (int)(span / 2);
  out->dy = (int)bovw_rng_below(&rng, span) - (int)(span / 2);
  out->angle = (2 * bovw_rng_uniform(&rng) - 1) * options->rotate;
  out->flip = (int)bovw_rng_below(&rng, 2) && options->flip;
}

/* Per channel, the median (the lower one) of the outermost ring of pixels,
 * from a histogram of their 8-bit values. */
static void background(const bovw_image *src, float *fill) {
  const int w = src->width, h = src->height;
  const size_t plane = (size_t)w * h;
  for (int c = 0; c < src->channels; c++) {
    const float *p = src->pixels + (size_t)c * plane;
    size_t hist[256] = {0}, ring = 0;
    for (int y = 0; y < h; y++) {
      int step = y == 0 || y == h - 1 ? 1 : (w > 1 ? w - 1 : 1);
      for (int x = 0; x < w; x += step) {
        long v = lrintf(p[(size_t)y * w + x] * 255.0f);
        hist[v < 0 ? 0 : v > 255 ? 255 : v]++;
        ring++;
      }
    }
    size_t seen = 0;
    int v = 0;
    while (v < 255 && (seen += hist[v]) < (ring + 1) / 2) v++;
    fill[c] = (float)v / 255.0f;
  }
}

void bovw_augment_apply(const bovw_image *src, const bovw_augment_transform *t,
                        uint8_t *dst) {
  const int w = src->width, h = src->height, channels = src->channels;
  const size_t plane = (size_t)w * h;
  float fill[3] = {0, 0, 0};
  background(src, fill);
  const double cx = 0.5 * (w - 1), cy = 0.5 * (h - 1);
  const double turn = t->angle * (M_PI / 180.0);
  const double co = t->angle == 0 ? 1 : cos(turn), si = t->angle == 0 ? 0 : sin(turn);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      /* Undo the shift, then the rotation (by -angle) about the centre,
       * then the mirror. */
      const double px = x - t->dx - cx, py = y - t->dy - cy;
      double sx = co * px + si * py + cx;
      const double sy = -si * px + co * py + cy;
      if (t->flip) sx = (w - 1) - sx;
      const double fx0 = floor(sx), fy0 = floor(sy);
      const float fx = (float)(sx - fx0), fy = (float)(sy - fy0);
      /* Far outside (only reads the background), clamped to stay an int. */
      const int x0 = fx0 < -2 ? -2 : fx0 > w ? w : (int)fx0;
      const int y0 = fy0 < -2 ? -2 : fy0 > h ? h : (int)fy0;
      const int in_x0 = x0 >= 0 && x0 < w, in_x1 = x0 + 1 >= 0 && x0 + 1 < w;
      const int in_y0 = y0 >= 0 && y0 < h, in_y1 = y0 + 1 >= 0 && y0 + 1 < h;
      for (int c = 0; c < channels; c++) {
        const float *p = src->pixels + (size_t)c * plane, f = fill[c];
#define AT(in, yy, xx) ((in) ? p[(size_t)(yy) * w + (size_t)(xx)] : f)
        const float v00 = AT(in_y0 && in_x0, y0, x0), v10 = AT(in_y0 && in_x1, y0, x0 + 1);
        const float v01 = AT(in_y1 && in_x0, y0 + 1, x0), v11 = AT(in_y1 && in_x1, y0 + 1, x0 + 1);
#undef AT
        const float v = (1 - fy) * ((1 - fx) * v00 + fx * v10) + fy * ((1 - fx) * v01 + fx * v11);
        const long q = lrintf(v * 255.0f);
        dst[((size_t)y * w + x) * channels + c] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
      }
    }
}
