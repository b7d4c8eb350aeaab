/* image_png.c: PNG reading and writing through libpng's classic API.
 *
 * libpng reports errors by calling an error function that must not return;
 * ours copies the message and longjmps back. Everything that changes after
 * setjmp lives in a struct owned by the caller of the function that calls
 * setjmp, so no local of that function is modified between setjmp and
 * longjmp (whose value C would then leave indeterminate). Warnings (a bad
 * sRGB profile, a damaged ancillary chunk that libpng skips) leave the pixels
 * intact and are ignored: the library never prints. */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bovw/fs.h"
#include "io/image_internal.h"

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G',
                                               '\r', '\n', 0x1a, '\n'};

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

/* The header is the IHDR chunk right after the signature: read directly,
 * CRC included, which is all a probe needs and much cheaper than libpng. */
int bovw_png_probe(const unsigned char *bytes, size_t n, const char *name,
                   int *width, int *height, bovw_error *err) {
  /* signature 8, chunk length 4, type 4, IHDR data 13, CRC 4 */
  if (n < 33 || memcmp(bytes, png_signature, 8) != 0)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: truncated PNG data (no complete header)", name);
  if (be32(bytes + 8) != 13 || memcmp(bytes + 12, "IHDR", 4) != 0)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: corrupt PNG (IHDR is not the first chunk)", name);
  if (crc32(crc32(0L, Z_NULL, 0), bytes + 12, 17) != be32(bytes + 29))
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: corrupt PNG (IHDR: CRC error)", name);
  uint32_t w = be32(bytes + 16), h = be32(bytes + 20);
  int rc = bovw_image_check_size(w > 0x7fffffff ? -1 : (long)w,
                                 h > 0x7fffffff ? -1 : (long)h, name, "PNG", err);
  if (rc) return rc;
  *width = (int)w;
  *height = (int)h;
  return BOVW_OK;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct png_reader {
  const unsigned char *bytes;
  size_t n, pos;
  int truncated;      /* the data ended before libpng was done */
  int rc;             /* set with err already filled, for non-libpng errors */
  char message[256];  /* libpng's error message */
  const char *name;
  bovw_error *err;
  uint8_t *pixels;    /* width x height x channels 8-bit samples */
  png_bytep *rows;
  int width, height, channels;
} png_reader;

static void on_error(png_structp png, png_const_charp msg) {
  png_reader *r = png_get_error_ptr(png);
  snprintf(r->message, sizeof r->message, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

static void on_read(png_structp png, png_bytep data, size_t len) {
  png_reader *r = png_get_io_ptr(png);
  if (len > r->n - r->pos) {
    r->truncated = 1;
    png_error(png, "file ends early");
  }
  memcpy(data, r->bytes + r->pos, len);
  r->pos += len;
}

/* Decodes into r->pixels; returns 0, or -1 after a libpng error (message in
 * r->message) or another error (r->rc, err filled). */
static int read_pixels(png_structp png, png_infop info, png_reader *r) {
  if (setjmp(png_jmpbuf(png))) return -1;
  png_set_read_fn(png, r, on_read);
  png_read_info(png, info);
  png_uint_32 w, h;
  int depth, color, interlace;
  png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, NULL, NULL);
  r->rc = bovw_image_check_size((long)w, (long)h, r->name, "PNG", r->err);
  if (r->rc) return -1;
  /* Everything to 8-bit gray or RGB. Transparency is dropped, not composited
   * over a background: the colour under a transparent pixel is what the
   * file stores, which is all we can know. */
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  /* Rounds 16 to 8 bits (v * 255 / 65535, to nearest) where png_set_strip_16
   * would truncate (v >> 8), which biases every sample down. */
  if (depth == 16) png_set_scale_16(png);
  if ((color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS))
    png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  int channels = png_get_channels(png, info);
  if (png_get_bit_depth(png, info) != 8 || (channels != 1 && channels != 3) ||
      png_get_rowbytes(png, info) != (size_t)w * (size_t)channels)
    png_error(png, "unsupported sample layout");
  r->width = (int)w;
  r->height = (int)h;
  r->channels = channels;
  r->pixels = malloc((size_t)w * h * (size_t)channels);
  r->rows = malloc(h * sizeof *r->rows);
  if (!r->pixels || !r->rows) {
    r->rc = bovw_error_set(r->err, BOVW_ERR_NOMEM, "%s: out of memory for "
                           "%ux%u pixels", r->name, (unsigned)w, (unsigned)h);
    return -1;
  }
  for (png_uint_32 y = 0; y < h; y++)
    r->rows[y] = r->pixels + (size_t)y * w * (size_t)channels;
  png_read_image(png, r->rows);
  /* Reading on to IEND makes a file cut anywhere an error, even after the
   * last pixel row, and checks the CRC of the last image data chunk. */
  png_read_end(png, NULL);
  return 0;
}

/* Deflate packs at most 1032 bytes into one, so a file with fewer than a
 * thousandth of the bytes its pixels need cannot be whole: say so before
 * allocating for them. Bits per pixel are IHDR's bit depth times the samples
 * per pixel of its colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha,
 * 6 RGBA); an invalid type is left for libpng to refuse. */
static int check_data_size(const unsigned char *bytes, size_t n,
                           const char *name, int width, int height,
                           bovw_error *err) {
  static const int samples_per_pixel[7] = {1, 0, 3, 1, 2, 0, 4};
  int depth = bytes[24], color = bytes[25];
  int spp = color <= 6 ? samples_per_pixel[color] : 0;
  double raw = (double)height * (1 + ((double)width * depth * spp + 7) / 8);
  if (raw > 1100.0 * (double)n)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: truncated PNG data "
                          "(%d x %d pixels cannot fit in %zu bytes)", name,
                          width, height, n);
  return BOVW_OK;
}

int bovw_png_decode(const unsigned char *bytes, size_t n, const char *name,
                    int channels, bovw_image **out, bovw_error *err) {
  *out = NULL;
  /* The probe first: its messages about the size are clearer than libpng's
   * "Invalid IHDR data", and an absurd size is refused before libpng runs. */
  int width = 0, height = 0;
  int rc = bovw_png_probe(bytes, n, name, &width, &height, err);
  if (rc) return rc;
  rc = check_data_size(bytes, n, name, width, height, err);
  if (rc) return rc;
  png_reader r = {.bytes = bytes, .n = n, .name = name, .err = err};
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    png_destroy_read_struct(&png, NULL, NULL);
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "%s: cannot start the PNG decoder", name);
  }
  int failed = read_pixels(png, info, &r);
  png_destroy_read_struct(&png, &info, NULL);
  free(r.rows);
  if (failed) {
    free(r.pixels);
    if (r.rc) return r.rc;
    if (r.truncated)
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: truncated PNG data",
                            name);
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: corrupt PNG (%s)", name,
                          r.message);
  }
  *out = bovw_image_from_samples(r.pixels, r.width, r.height, r.channels, 255,
                                 channels);
  free(r.pixels);
  if (!*out)
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory for %dx%d "
                          "pixels", name, r.width, r.height);
  return BOVW_OK;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct png_writer {
  FILE *fp;
  int errnum;         /* errno of a failed fwrite, 0 if none */
  char message[256];  /* libpng's error message */
} png_writer;

static void on_write_error(png_structp png, png_const_charp msg) {
  png_writer *w = png_get_error_ptr(png);
  snprintf(w->message, sizeof w->message, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}

static void on_write(png_structp png, png_bytep data, size_t len) {
  png_writer *w = png_get_io_ptr(png);
  if (fwrite(data, 1, len, w->fp) != len) {
    w->errnum = errno ? errno : EIO;
    png_error(png, "write failed");
  }
}

static void on_flush(png_structp png) { (void)png; }

static int write_rows(png_structp png, png_infop info, png_writer *w,
                      png_bytep *rows, int width, int height, int channels) {
  if (setjmp(png_jmpbuf(png))) return -1;
  png_set_write_fn(png, w, on_write, on_flush);
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  /* Level 6 is zlib's default trade-off; higher levels cost much more time
   * for the many small images a dataset export writes, for a few bytes. */
  png_set_compression_level(png, 6);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, NULL);
  return 0;
}

int bovw_png_write(const char *path, const uint8_t *samples, int width,
                   int height, int channels, bovw_error *err) {
  if (!samples || width <= 0 || height <= 0 || width > BOVW_IMAGE_MAX_SIDE ||
      height > BOVW_IMAGE_MAX_SIDE || (channels != 1 && channels != 3))
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: cannot write a PNG of "
                          "%dx%d pixels with %d channels", path, width, height,
                          channels);
  png_bytep *rows = malloc((size_t)height * sizeof *rows);
  if (!rows) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  /* libpng takes non-const rows but copies each before filtering it. */
  for (int y = 0; y < height; y++)
    rows[y] = (png_bytep)(uintptr_t)(samples + (size_t)y * width * channels);
  bovw_atomic_file f;
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) {
    free(rows);
    return rc;
  }
  f.no_sync = 1;  /* image folders are written thousands of files at a time */
  png_writer w = {.fp = f.fp};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w,
                                            on_write_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    png_destroy_write_struct(&png, NULL);
    free(rows);
    bovw_atomic_abort(&f);
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "%s: cannot start the PNG encoder", path);
  }
  int failed = write_rows(png, info, &w, rows, width, height, channels);
  png_destroy_write_struct(&png, &info);
  free(rows);
  if (failed) {
    bovw_atomic_abort(&f);
    if (w.errnum)
      return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s", path,
                            strerror(w.errnum));
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write PNG (%s)", path,
                          w.message);
  }
  return bovw_atomic_commit(&f, err);
}
