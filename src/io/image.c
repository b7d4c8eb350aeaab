/* image.c: the image object, format sniffing, and the dispatch of probe,
 * decode and load to the per-format readers (see include/bovw/image.h). */
#include "bovw/image.h"

#include <stdlib.h>
#include <string.h>

#include "bovw/fs.h"
#include "io/image_internal.h"

bovw_image *bovw_image_new(int width, int height, int channels) {
  if (width <= 0 || height <= 0 || channels <= 0) return NULL;
  size_t plane = (size_t)width * (size_t)height;  /* cannot overflow: ints */
  if (plane > SIZE_MAX / sizeof(float) / (size_t)channels) return NULL;
  bovw_image *self = malloc(sizeof *self);
  if (!self) return NULL;
  self->pixels = calloc(plane * (size_t)channels, sizeof(float));
  if (!self->pixels) {
    free(self);
    return NULL;
  }
  self->width = width;
  self->height = height;
  self->channels = channels;
  return self;
}

void bovw_image_free(bovw_image *self) {
  if (!self) return;
  free(self->pixels);
  free(self);
}

static int is_pnm_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

bovw_image_format bovw_image_sniff(const unsigned char *bytes, size_t n) {
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G',
                                           '\r', '\n', 0x1a, '\n'};
  if (!bytes) return BOVW_IMAGE_UNKNOWN;
  if (n >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
    return BOVW_IMAGE_JPEG;
  if (n >= 8 && memcmp(bytes, png_sig, 8) == 0) return BOVW_IMAGE_PNG;
  if (n >= 3 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6') &&
      is_pnm_space(bytes[2]))
    return BOVW_IMAGE_PNM;
  return BOVW_IMAGE_UNKNOWN;
}

const char *bovw_image_format_name(bovw_image_format format) {
  switch (format) {
    case BOVW_IMAGE_JPEG: return "JPEG";
    case BOVW_IMAGE_PNG: return "PNG";
    case BOVW_IMAGE_PNM: return "PNM";
    default: return "unknown";
  }
}

int bovw_image_check_size(long width, long height, const char *name,
                          const char *what, bovw_error *err) {
  if (width <= 0 || height <= 0)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: %s header gives an empty "
                          "image (%ldx%ld)", name, what, width, height);
  if (width > BOVW_IMAGE_MAX_SIDE || height > BOVW_IMAGE_MAX_SIDE ||
      (long long)width * height > BOVW_IMAGE_MAX_PIXELS)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: %s header gives an "
                          "absurd size (%ldx%ld; at most %d per side and %ld "
                          "pixels)", name, what, width, height,
                          BOVW_IMAGE_MAX_SIDE, BOVW_IMAGE_MAX_PIXELS);
  return BOVW_OK;
}

bovw_image *bovw_image_from_samples(const void *samples, int width,
                                    int height, int src_channels, int maxval,
                                    int channels) {
  bovw_image *self = bovw_image_new(width, height, channels);
  if (!self) return NULL;
  size_t plane = (size_t)width * (size_t)height;
  const uint8_t *s8 = samples;
  const uint16_t *s16 = samples;
  int wide = maxval > 255;
  float scale = 1.0f / (float)maxval;
  float *out = self->pixels;
  /* Read sample k of the interleaved input, whatever its width. */
#define SAMPLE(k) ((float)(wide ? s16[k] : s8[k]) * scale)
  if (src_channels == channels) {
    for (size_t i = 0; i < plane; i++)
      for (int c = 0; c < channels; c++)
        out[c * plane + i] = SAMPLE(i * (size_t)channels + (size_t)c);
  } else if (src_channels == 3) { /* RGB to gray */
    for (size_t i = 0; i < plane; i++)
      out[i] = BOVW_LUMA_R * SAMPLE(3 * i) + BOVW_LUMA_G * SAMPLE(3 * i + 1) +
               BOVW_LUMA_B * SAMPLE(3 * i + 2);
  } else { /* gray to RGB */
    for (size_t i = 0; i < plane; i++) out[i] = SAMPLE(i);
    memcpy(out + plane, out, plane * sizeof *out);
    memcpy(out + 2 * plane, out, plane * sizeof *out);
  }
#undef SAMPLE
  return self;
}

int bovw_image_probe(const unsigned char *bytes, size_t n, const char *name,
                     bovw_image_format *format, int *width, int *height,
                     bovw_error *err) {
  if (!name) name = "(memory)";
  bovw_image_format f = bovw_image_sniff(bytes, n);
  int w = 0, h = 0, rc;
  if (format) *format = f;
  if (n == 0) return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: empty file", name);
  switch (f) {
    case BOVW_IMAGE_JPEG: rc = bovw_jpeg_probe(bytes, n, name, &w, &h, err); break;
    case BOVW_IMAGE_PNG: rc = bovw_png_probe(bytes, n, name, &w, &h, err); break;
    case BOVW_IMAGE_PNM: rc = bovw_pnm_probe(bytes, n, name, &w, &h, err); break;
    default:
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: not a JPEG, PNG or PNM image", name);
  }
  if (rc) return rc;
  if (width) *width = w;
  if (height) *height = h;
  return BOVW_OK;
}

int bovw_image_decode(const unsigned char *bytes, size_t n, const char *name,
                      int channels, bovw_image **out, bovw_error *err) {
  if (!name) name = "(memory)";
  *out = NULL;
  if (channels != 1 && channels != 3)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s: cannot decode to %d channels (1 or 3)", name,
                          channels);
  if (n == 0) return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: empty file", name);
  switch (bovw_image_sniff(bytes, n)) {
    case BOVW_IMAGE_JPEG: return bovw_jpeg_decode(bytes, n, name, channels, out, err);
    case BOVW_IMAGE_PNG: return bovw_png_decode(bytes, n, name, channels, out, err);
    case BOVW_IMAGE_PNM: return bovw_pnm_decode(bytes, n, name, channels, out, err);
    default:
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: not a JPEG, PNG or PNM image", name);
  }
}

int bovw_image_load(const char *path, int channels, bovw_image **out,
                    bovw_error *err) {
  unsigned char *bytes;
  size_t n;
  *out = NULL;
  int rc = bovw_read_file(path, 0, &bytes, &n, err);
  if (rc) return rc;
  rc = bovw_image_decode(bytes, n, path, channels, out, err);
  free(bytes);
  return rc;
}

int bovw_image_load_sized(const char *path, int channels, int width, int height, float *dst,
                          bovw_error *err) {
  bovw_image *img = NULL, *sized = NULL;
  int rc = bovw_image_load(path, channels, &img, err);
  if (!rc && (img->width != width || img->height != height)) {
    rc = bovw_image_resize(img, width, height, &sized, err);
    if (rc) bovw_error_prefix(err, path);
  }
  if (!rc) {
    const bovw_image *use = sized ? sized : img;
    memcpy(dst, use->pixels, (size_t)channels * (size_t)width * (size_t)height * sizeof *dst);
  }
  bovw_image_free(img);
  bovw_image_free(sized);
  return rc;
}

void bovw_image_fit_size(int width, int height, int max_side, int upscale,
                         int *out_width, int *out_height) {
  *out_width = width;
  *out_height = height;
  if (width <= 0 || height <= 0 || max_side <= 0) return;
  long longer = width > height ? width : height;
  if (longer == max_side || (longer < max_side && !upscale)) return;
  /* Rounded to nearest in integers, so the longer side lands on max_side
   * exactly and the result does not depend on float rounding. */
  long w = ((long)width * max_side + longer / 2) / longer;
  long h = ((long)height * max_side + longer / 2) / longer;
  *out_width = w < 1 ? 1 : (int)w;
  *out_height = h < 1 ? 1 : (int)h;
}
