/* synth_images.c: synthetic test images and their encoders (see
 * synth_images.h). */
#include "support/synth_images.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* ---- images and patterns ------------------------------------------------ */

synth_image *synth_image_new(int width, int height, int channels) {
  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3))
    return NULL;
  synth_image *self = malloc(sizeof *self);
  if (!self) return NULL;
  self->samples = calloc((size_t)width * height * channels, 1);
  if (!self->samples) {
    free(self);
    return NULL;
  }
  self->width = width;
  self->height = height;
  self->channels = channels;
  return self;
}

void synth_image_free(synth_image *self) {
  if (!self) return;
  free(self->samples);
  free(self);
}

uint8_t synth_image_at(const synth_image *self, int x, int y, int c) {
  if (self->channels == 1) c = 0;
  return self->samples[((size_t)y * self->width + x) * self->channels + c];
}

uint8_t synth_luma(synth_color color) {
  double v = 0.299 * color.r + 0.587 * color.g + 0.114 * color.b;
  return (uint8_t)(v + 0.5);
}

static void put(synth_image *self, int x, int y, synth_color color) {
  uint8_t *p = self->samples + ((size_t)y * self->width + x) * self->channels;
  if (self->channels == 1) {
    p[0] = synth_luma(color);
  } else {
    p[0] = color.r;
    p[1] = color.g;
    p[2] = color.b;
  }
}

void synth_fill(synth_image *self, synth_color color) {
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++) put(self, x, y, color);
}

void synth_gradient(synth_image *self) {
  int wx = self->width > 1 ? self->width - 1 : 1;
  int wy = self->height > 1 ? self->height - 1 : 1;
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++) {
      synth_color c = {(uint8_t)(255 * x / wx), (uint8_t)(255 * y / wy),
                       (uint8_t)(255 - 255 * (x + y) / (wx + wy))};
      put(self, x, y, c);
    }
}

void synth_stripes(synth_image *self, int period, int vertical, synth_color fg,
                   synth_color bg) {
  if (period < 1) period = 1;
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++) {
      int t = vertical ? x : y;
      put(self, x, y, (t / period) % 2 == 0 ? fg : bg);
    }
}

void synth_checkerboard(synth_image *self, int cell, synth_color fg,
                        synth_color bg) {
  if (cell < 1) cell = 1;
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++)
      put(self, x, y, (x / cell + y / cell) % 2 == 0 ? fg : bg);
}

void synth_circle(synth_image *self, double cx, double cy, double radius,
                  synth_color color) {
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++) {
      double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      if (dx * dx + dy * dy <= radius * radius) put(self, x, y, color);
    }
}

void synth_square(synth_image *self, double cx, double cy, double half_side,
                  synth_color color) {
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++) {
      double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      if (dx >= -half_side && dx <= half_side && dy >= -half_side &&
          dy <= half_side)
        put(self, x, y, color);
    }
}

void synth_triangle(synth_image *self, double cx, double cy, double size,
                    synth_color color) {
  if (size <= 0) return;
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++) {
      double px = x + 0.5 - cx, py = y + 0.5 - cy;
      /* Inside when between apex and base, and within the half-width the
       * sides allow at that height: it grows from 0 at the apex to `size`
       * at the base. */
      if (py < -size || py > size) continue;
      double half = (py + size) / 2;
      if (px >= -half && px <= half) put(self, x, y, color);
    }
}

uint64_t synth_rand(uint64_t *rng) {
  uint64_t z = (*rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double synth_uniform(uint64_t *rng) {
  return (double)(synth_rand(rng) >> 11) * (1.0 / 9007199254740992.0);
}

int synth_rand_int(uint64_t *rng, int lo, int hi) {
  if (hi <= lo) return lo;
  return lo + (int)(synth_rand(rng) % (uint64_t)(hi - lo + 1));
}

void synth_noise(synth_image *self, uint64_t *rng, int amplitude) {
  if (amplitude <= 0) return;
  size_t n = (size_t)self->width * self->height * self->channels;
  for (size_t i = 0; i < n; i++) {
    int v = self->samples[i] + synth_rand_int(rng, -amplitude, amplitude);
    self->samples[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

/* ---- JPEG ----------------------------------------------------------------- */

/* Compresses with TurboJPEG and hands back a malloc'ed copy, so that every
 * encoder's buffer is freed the same way. */
static int jpeg_compress(const uint8_t *px, int width, int height, int format,
                         int subsamp, int quality, int flags,
                         unsigned char **out, size_t *n) {
  *out = NULL;
  *n = 0;
  tjhandle tj = tjInitCompress();
  if (!tj) return -1;
  unsigned char *jpeg = NULL;
  unsigned long size = 0;
  int rc = tjCompress2(tj, px, width, 0, height, format, &jpeg, &size, subsamp,
                       quality, flags);
  tjDestroy(tj);
  if (rc != 0) {
    tjFree(jpeg);
    return -1;
  }
  *out = malloc(size);
  if (*out) memcpy(*out, jpeg, size);
  tjFree(jpeg);
  if (!*out) return -1;
  *n = size;
  return 0;
}

int synth_jpeg_encode(const synth_image *img, int quality, int flags,
                      unsigned char **out, size_t *n) {
  int gray = img->channels == 1 || (flags & SYNTH_JPEG_GRAY);
  int tjflags = (flags & SYNTH_JPEG_PROGRESSIVE) ? TJFLAG_PROGRESSIVE : 0;
  int subsamp = gray ? TJSAMP_GRAY
                : (flags & SYNTH_JPEG_444) ? TJSAMP_444 : TJSAMP_420;
  return jpeg_compress(img->samples, img->width, img->height,
                       img->channels == 1 ? TJPF_GRAY : TJPF_RGB, subsamp,
                       quality, tjflags, out, n);
}

void synth_rgb_to_cmyk(uint8_t r, uint8_t g, uint8_t b, uint8_t cmyk[4]) {
  unsigned k = r > g ? r : g;
  if (b > k) k = b;
  if (k == 0) {
    cmyk[0] = cmyk[1] = cmyk[2] = 255;
    cmyk[3] = 0;
    return;
  }
  cmyk[0] = (uint8_t)((r * 255u + k / 2) / k);
  cmyk[1] = (uint8_t)((g * 255u + k / 2) / k);
  cmyk[2] = (uint8_t)((b * 255u + k / 2) / k);
  cmyk[3] = (uint8_t)k;
}

int synth_jpeg_encode_cmyk(const synth_image *rgb, int quality,
                           unsigned char **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (rgb->channels != 3) return -1;
  size_t count = (size_t)rgb->width * rgb->height;
  uint8_t *cmyk = malloc(count * 4);
  if (!cmyk) return -1;
  for (size_t i = 0; i < count; i++)
    synth_rgb_to_cmyk(rgb->samples[3 * i], rgb->samples[3 * i + 1],
                      rgb->samples[3 * i + 2], cmyk + 4 * i);
  /* TurboJPEG writes CMYK as YCCK with an Adobe marker, as Photoshop does. */
  int rc = jpeg_compress(cmyk, rgb->width, rgb->height, TJPF_CMYK, TJSAMP_444,
                         quality, 0, out, n);
  free(cmyk);
  return rc;
}

/* ---- PNG ------------------------------------------------------------------ */

typedef struct mem_out {
  unsigned char *bytes;
  size_t n, cap;
  int failed;
} mem_out;

static void mem_write(png_structp png, png_bytep data, size_t len) {
  mem_out *m = png_get_io_ptr(png);
  if (m->n + len > m->cap) {
    size_t cap = m->cap ? m->cap : 1024;
    while (cap < m->n + len) cap *= 2;
    unsigned char *b = realloc(m->bytes, cap);
    if (!b) {
      m->failed = 1;
      png_error(png, "out of memory");
    }
    m->bytes = b;
    m->cap = cap;
  }
  memcpy(m->bytes + m->n, data, len);
  m->n += len;
}

static void mem_flush(png_structp png) { (void)png; }

static void png_fail(png_structp png, png_const_charp msg) {
  (void)msg;
  png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

int synth_png_channels(int color_type) {
  switch (color_type) {
    case SYNTH_PNG_GRAY: return 1;
    case SYNTH_PNG_RGB: return 3;
    case SYNTH_PNG_PALETTE: return 1;
    case SYNTH_PNG_GRAY_ALPHA: return 2;
    case SYNTH_PNG_RGBA: return 4;
    default: return 0;
  }
}

/* Rows in the layout libpng's writer takes: one byte per sample below 16
 * bits (png_set_packing packs them), two bytes big-endian at 16. */
static unsigned char *png_rows_bytes(const synth_png *s, size_t *row_bytes) {
  int ch = synth_png_channels(s->color_type);
  int bps = s->bit_depth == 16 ? 2 : 1;
  *row_bytes = (size_t)s->width * ch * bps;
  unsigned char *b = malloc(*row_bytes * s->height);
  if (!b) return NULL;
  size_t count = (size_t)s->width * s->height * ch;
  for (size_t i = 0; i < count; i++) {
    if (bps == 2) {
      b[2 * i] = (unsigned char)(s->samples[i] >> 8);
      b[2 * i + 1] = (unsigned char)(s->samples[i] & 0xff);
    } else {
      b[i] = (unsigned char)s->samples[i];
    }
  }
  return b;
}

/* Everything between setjmp and the end; see image_png.c for why the state
 * changed after setjmp lives in the caller. */
static int png_encode_rows(png_structp png, png_infop info, const synth_png *s,
                           png_bytep *rows, mem_out *m) {
  if (setjmp(png_jmpbuf(png))) return -1;
  png_set_write_fn(png, m, mem_write, mem_flush);
  png_set_IHDR(png, info, (png_uint_32)s->width, (png_uint_32)s->height,
               s->bit_depth, s->color_type,
               s->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (s->color_type == SYNTH_PNG_PALETTE) {
    png_color pal[256];
    int count = s->palette_size > 256 ? 256 : s->palette_size;
    for (int i = 0; i < count; i++) {
      pal[i].red = s->palette[3 * i];
      pal[i].green = s->palette[3 * i + 1];
      pal[i].blue = s->palette[3 * i + 2];
    }
    png_set_PLTE(png, info, pal, count);
    if (s->trns && s->trns_size > 0)
      png_set_tRNS(png, info, s->trns, s->trns_size, NULL);
  }
  if (s->compression >= 0) png_set_compression_level(png, s->compression);
  png_write_info(png, info);
  /* png_write_image handles the interlacing passes itself. */
  if (s->bit_depth < 8) png_set_packing(png);
  png_write_image(png, rows);
  png_write_end(png, NULL);
  return 0;
}

int synth_png_encode(const synth_png *spec, unsigned char **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (spec->width <= 0 || spec->height <= 0 || !spec->samples ||
      synth_png_channels(spec->color_type) == 0)
    return -1;
  size_t row_bytes;
  unsigned char *bytes = png_rows_bytes(spec, &row_bytes);
  png_bytep *rows = malloc((size_t)spec->height * sizeof *rows);
  mem_out m = {0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
                                            png_fail, png_quiet);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  int rc = -1;
  if (bytes && rows && info) {
    for (int y = 0; y < spec->height; y++) rows[y] = bytes + (size_t)y * row_bytes;
    rc = png_encode_rows(png, info, spec, rows, &m);
  }
  png_destroy_write_struct(&png, info ? &info : NULL);
  free(rows);
  free(bytes);
  if (rc != 0) {
    free(m.bytes);
    return -1;
  }
  *out = m.bytes;
  *n = m.n;
  return 0;
}

int synth_png_encode_image(const synth_image *img, int interlaced,
                           unsigned char **out, size_t *n) {
  size_t count = (size_t)img->width * img->height * img->channels;
  uint16_t *s = malloc(count * sizeof *s);
  if (!s) return -1;
  for (size_t i = 0; i < count; i++) s[i] = img->samples[i];
  synth_png spec = {.width = img->width,
                    .height = img->height,
                    .color_type = img->channels == 1 ? SYNTH_PNG_GRAY
                                                     : SYNTH_PNG_RGB,
                    .bit_depth = 8,
                    .interlaced = interlaced,
                    .samples = s,
                    .compression = -1};
  int rc = synth_png_encode(&spec, out, n);
  free(s);
  return rc;
}

/* ---- PNM ------------------------------------------------------------------ */

int synth_pnm_encode(const uint16_t *samples, int width, int height,
                     int channels, int maxval, const char *comment,
                     unsigned char **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) ||
      maxval < 1 || maxval > 65535)
    return -1;
  char header[512];
  int len = snprintf(header, sizeof header, "P%d\n%s%s%s%d %d\n%d\n",
                     channels == 1 ? 5 : 6, comment ? "# " : "",
                     comment ? comment : "", comment ? "\n" : "", width, height,
                     maxval);
  if (len < 0 || (size_t)len >= sizeof header) return -1;
  size_t count = (size_t)width * height * channels;
  int bps = maxval > 255 ? 2 : 1;
  unsigned char *b = malloc((size_t)len + count * bps);
  if (!b) return -1;
  memcpy(b, header, (size_t)len);
  unsigned char *p = b + len;
  for (size_t i = 0; i < count; i++) {
    if (bps == 2) {
      *p++ = (unsigned char)(samples[i] >> 8);
      *p++ = (unsigned char)(samples[i] & 0xff);
    } else {
      *p++ = (unsigned char)samples[i];
    }
  }
  *out = b;
  *n = (size_t)len + count * bps;
  return 0;
}

int synth_pnm_encode_image(const synth_image *img, unsigned char **out,
                           size_t *n) {
  size_t count = (size_t)img->width * img->height * img->channels;
  uint16_t *s = malloc(count * sizeof *s);
  if (!s) return -1;
  for (size_t i = 0; i < count; i++) s[i] = img->samples[i];
  int rc = synth_pnm_encode(s, img->width, img->height, img->channels, 255,
                            NULL, out, n);
  free(s);
  return rc;
}

/* ---- files ---------------------------------------------------------------- */

int synth_write_file(const char *path, const void *bytes, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = (n == 0 || fwrite(bytes, 1, n, f) == n);
  if (fclose(f) != 0) ok = 0;
  return ok ? 0 : -1;
}
