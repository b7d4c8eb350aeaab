/* phow.c: PHOW descriptors of one image (see include/bovw/extract.h).
 *
 * Follows VLFeat's vl_phow.m step by step, in C and on row-major images:
 *  - colour conversion (gray; rgb; hsv as MATLAB's rgb2hsv; opponent as
 *    vl_phow's variant, whose first channel is the intensity
 *    0.3 R + 0.59 G + 0.11 B and whose other two carry 0.01 of it);
 *  - per bin size s: Gaussian smoothing with sigma = s / magnif
 *    (vl_imsmooth_f), dense SIFT on every channel with bounds starting at
 *    off = floor(1 + 3/2 (max size - s)) (1-based, as in vl_phow), so that all
 *    sizes share the keypoint centres;
 *  - contrast: the keypoint norm of the intensity channel (gray, opponent),
 *    the mean over channels (rgb) or the V channel (hsv); rows below the
 *    threshold become zero;
 *  - uint8 descriptors as VLFeat's MATLAB interface returns them:
 *    min(512 x, 255), truncated.
 * VLFeat's MATLAB interface sees images transposed and transposes each
 * descriptor back; here the image is not transposed, so neither is the
 * descriptor: bins are in VLFeat's C order (orientation fastest, then x,
 * then y). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <vl/dsift.h>
#include <vl/imopv.h>

#include "bovw/extract.h"

enum { SIFT_DIM = 128 };

struct bovw_phow {
  bovw_extract_params p;
  int channels;  /* 1 or 3 */
  int dim;
  int max_size;
  /* One filter per bin size, kept while images keep the same size (as all
   * Fashion-MNIST images do). */
  VlDsiftFilter *filters[BOVW_MAX_SIZES];
  int filter_w, filter_h;
  float *planes;       /* the converted image, one plane per channel */
  float *smoothed;     /* one smoothed plane (3 planes of scratch space) */
  float *norms;        /* channels x keypoints of one size */
  void *descriptors;   /* the result's rows */
  float *frames;
  size_t planes_cap, smoothed_cap, norms_cap, descriptors_cap, frames_cap;
};

int bovw_phow_new(const bovw_extract_params *params, bovw_phow **out,
                  bovw_error *err) {
  *out = NULL;
  const char *why = bovw_extract_params_check(params);
  if (why) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", why);
  bovw_phow *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  self->p = *params;
  self->channels = params->color == BOVW_COLOR_GRAY ? 1 : 3;
  self->dim = bovw_extract_params_dim(params);
  for (int i = 0; i < params->num_sizes; i++)
    if (params->sizes[i] > self->max_size) self->max_size = params->sizes[i];
  *out = self;
  return BOVW_OK;
}

static void drop_filters(bovw_phow *self) {
  for (int i = 0; i < BOVW_MAX_SIZES; i++) {
    if (self->filters[i]) vl_dsift_delete(self->filters[i]);
    self->filters[i] = NULL;
  }
  self->filter_w = self->filter_h = 0;
}

void bovw_phow_free(bovw_phow *self) {
  if (!self) return;
  drop_filters(self);
  free(self->planes);
  free(self->smoothed);
  free(self->norms);
  free(self->descriptors);
  free(self->frames);
  free(self);
}

/* Grows *buf to hold n elements of `size` bytes. */
static int reserve(void **buf, size_t *cap, size_t n, size_t size) {
  if (n <= *cap) return 0;
  void *grown = realloc(*buf, n * size);
  if (!grown) return -1;
  *buf = grown;
  *cap = n;
  return 0;
}

/* ---- colour spaces --------------------------------------------------------- */

static void to_gray(const float *rgb, size_t n, float *out) {
  const float *r = rgb, *g = rgb + n, *b = rgb + 2 * n;
  for (size_t i = 0; i < n; i++) out[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
}

/* As MATLAB's rgb2hsv: all three in [0,1], hue 0 where saturation is 0. */
static void to_hsv(const float *rgb, size_t n, float *out) {
  const float *r = rgb, *g = rgb + n, *b = rgb + 2 * n;
  for (size_t i = 0; i < n; i++) {
    float mx = fmaxf(r[i], fmaxf(g[i], b[i])), mn = fminf(r[i], fminf(g[i], b[i]));
    float delta = mx - mn, h = 0;
    if (delta > 0) {
      if (mx == r[i]) h = (g[i] - b[i]) / delta;
      else if (mx == g[i]) h = 2 + (b[i] - r[i]) / delta;
      else h = 4 + (r[i] - g[i]) / delta;
      h /= 6;
      if (h < 0) h += 1;
    }
    out[i] = h;
    out[n + i] = mx > 0 ? delta / mx : 0;
    out[2 * n + i] = mx;
  }
}

/* vl_phow's opponent space. */
static void to_opponent(const float *rgb, size_t n, float *out) {
  const float *r = rgb, *g = rgb + n, *b = rgb + 2 * n;
  const float alpha = 0.01f, s2 = 1.0f / sqrtf(2.0f), s6 = 1.0f / sqrtf(6.0f);
  for (size_t i = 0; i < n; i++) {
    float mu = 0.3f * r[i] + 0.59f * g[i] + 0.11f * b[i];
    out[i] = mu;
    out[n + i] = (r[i] - g[i]) * s2 + alpha * mu;
    out[2 * n + i] = (r[i] + g[i] - 2 * b[i]) * s6 + alpha * mu;
  }
}

/* Fills self->planes with the channels of `img` in the parameters' space. */
static void convert(bovw_phow *self, const bovw_image *img) {
  size_t n = (size_t)img->width * img->height;
  if (self->channels == 1) {
    if (img->channels == 1) memcpy(self->planes, img->pixels, n * sizeof(float));
    else to_gray(img->pixels, n, self->planes);
    return;
  }
  float *rgb = self->smoothed;  /* scratch: 3 planes are reserved there too */
  const float *src = img->pixels;
  if (img->channels == 1) {
    for (int c = 0; c < 3; c++) memcpy(rgb + c * n, img->pixels, n * sizeof(float));
    src = rgb;
  }
  switch (self->p.color) {
    case BOVW_COLOR_HSV: to_hsv(src, n, self->planes); break;
    case BOVW_COLOR_OPPONENT: to_opponent(src, n, self->planes); break;
    default: memcpy(self->planes, src, 3 * n * sizeof(float)); break;
  }
}

/* ---- dense SIFT -------------------------------------------------------------- */

static int make_filters(bovw_phow *self, int w, int h, bovw_error *err) {
  if (self->filter_w == w && self->filter_h == h) return BOVW_OK;
  drop_filters(self);
  for (int i = 0; i < self->p.num_sizes; i++) {
    int s = self->p.sizes[i];
    /* vl_phow's 1-based offset, made 0-based for the C API. */
    int off = (int)floor(1 + 1.5 * (self->max_size - s)) - 1;
    VlDsiftFilter *f = vl_dsift_new_basic(w, h, self->p.step, s);
    if (!f) {
      drop_filters(self);
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
    vl_dsift_set_bounds(f, off, off, w - 1, h - 1);
    vl_dsift_set_flat_window(f, self->p.fast);
    vl_dsift_set_window_size(f, self->p.window_size);
    self->filters[i] = f;
  }
  self->filter_w = w;
  self->filter_h = h;
  return BOVW_OK;
}

/* Extracts from an image already at its working size. sx, sy map working
 * coordinates back to the decoded image's. */
static int extract(bovw_phow *self, const bovw_image *img, double sx, double sy,
                   bovw_phow_result *res, bovw_error *err) {
  int w = img->width, h = img->height, nch = self->channels;
  size_t n = (size_t)w * h;
  int rc = make_filters(self, w, h, err);
  if (rc) return rc;
  size_t total = 0, most = 0;
  for (int i = 0; i < self->p.num_sizes; i++) {
    size_t k = (size_t)vl_dsift_get_keypoint_num(self->filters[i]);
    total += k;
    if (k > most) most = k;
  }
  size_t item = self->p.float_descriptors ? sizeof(float) : 1;
  if (reserve((void **)&self->planes, &self->planes_cap, 3 * n, sizeof(float)) ||
      reserve((void **)&self->smoothed, &self->smoothed_cap, 3 * n, sizeof(float)) ||
      reserve((void **)&self->norms, &self->norms_cap, (size_t)nch * most,
              sizeof(float)) ||
      reserve(&self->descriptors, &self->descriptors_cap, total,
              (size_t)self->dim * item) ||
      reserve((void **)&self->frames, &self->frames_cap, total, 4 * sizeof(float)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  convert(self, img);

  size_t row = 0, zeroed = 0;
  for (int i = 0; i < self->p.num_sizes; i++) {
    VlDsiftFilter *f = self->filters[i];
    int s = self->p.sizes[i];
    size_t k = (size_t)vl_dsift_get_keypoint_num(f);
    if (!k) continue;
    double sigma = s / self->p.magnif;
    for (int c = 0; c < nch; c++) {
      vl_imsmooth_f(self->smoothed, (vl_size)w, self->planes + c * n, (vl_size)w,
                    (vl_size)h, (vl_size)w, sigma, sigma);
      vl_dsift_process(f, self->smoothed);
      const float *d = vl_dsift_get_descriptors(f);
      const VlDsiftKeypoint *kp = vl_dsift_get_keypoints(f);
      for (size_t j = 0; j < k; j++) {
        const float *src = d + j * SIFT_DIM;
        size_t at = (row + j) * (size_t)self->dim + (size_t)c * SIFT_DIM;
        if (self->p.float_descriptors) {
          memcpy((float *)self->descriptors + at, src, SIFT_DIM * sizeof(float));
        } else {
          uint8_t *dst = (uint8_t *)self->descriptors + at;
          for (int t = 0; t < SIFT_DIM; t++) {
            float v = 512.0f * src[t];
            dst[t] = (uint8_t)(v < 255.0f ? v : 255.0f);
          }
        }
        self->norms[(size_t)c * k + j] = (float)kp[j].norm;
        if (c == 0) {
          float *fr = self->frames + 4 * (row + j);
          fr[0] = (float)((kp[j].x + 0.5) * sx - 0.5);
          fr[1] = (float)((kp[j].y + 0.5) * sy - 0.5);
          fr[2] = (float)(s * 0.5 * (sx + sy));
        }
      }
    }
    for (size_t j = 0; j < k; j++) {
      const float *nm = self->norms;
      float contrast;
      switch (self->p.color) {
        case BOVW_COLOR_RGB: contrast = (nm[j] + nm[k + j] + nm[2 * k + j]) / 3; break;
        case BOVW_COLOR_HSV: contrast = nm[2 * k + j]; break;
        default: contrast = nm[j]; break;
      }
      self->frames[4 * (row + j) + 3] = contrast;
      if (contrast < self->p.contrast_threshold) {
        memset((char *)self->descriptors + (row + j) * (size_t)self->dim * item, 0,
               (size_t)self->dim * item);
        zeroed++;
      }
    }
    row += k;
  }
  res->count = row;
  res->zeroed = zeroed;
  res->dim = self->dim;
  res->descriptors = self->descriptors;
  res->frames = self->frames;
  return BOVW_OK;
}

int bovw_phow_process(bovw_phow *self, const bovw_image *image,
                      bovw_phow_result *result, bovw_error *err) {
  memset(result, 0, sizeof *result);
  if (image->channels != 1 && image->channels != 3)
    return bovw_error_set(err, BOVW_ERR_INVALID, "image has %d channels",
                          image->channels);
  int w, h;
  bovw_image_fit_size(image->width, image->height, self->p.max_side, 0, &w, &h);
  if (self->p.min_side > 0 && (w > h ? w : h) < self->p.min_side)
    bovw_image_fit_size(w, h, self->p.min_side, 1, &w, &h);
  bovw_image *small = NULL;
  const bovw_image *work = image;
  if (w != image->width || h != image->height) {
    int rc = bovw_image_resize(image, w, h, &small, err);
    if (rc) return rc;
    work = small;
  }
  int rc = extract(self, work, (double)image->width / w, (double)image->height / h,
                   result, err);
  bovw_image_free(small);
  result->width = image->width;
  result->height = image->height;
  return rc;
}
