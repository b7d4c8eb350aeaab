/* test_image.c: decoding (JPEG, PNG, PNM), resizing and PNG writing
 * (src/io/image*.c): round trips for every variant, gray/RGB agreement across
 * formats, and an error naming the file, never a crash or a leak, for every
 * kind of bad input. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "bovw/image.h"
#include "support/synth_images.h"
#include "support/testutil.h"

/* ---- helpers ------------------------------------------------------------ */

static const synth_color RED = {220, 30, 40}, BLUE = {20, 60, 200};

static float px(const bovw_image *img, int c, int x, int y) {
  return img->pixels[((size_t)c * img->height + y) * img->width + x];
}

static synth_image *gradient(int w, int h, int channels) {
  synth_image *img = synth_image_new(w, h, channels);
  ck_assert_ptr_nonnull(img);
  synth_gradient(img);
  return img;
}

static bovw_image *decode_ok(const unsigned char *bytes, size_t n, int channels) {
  bovw_error err = {0};
  bovw_image *img = NULL;
  int rc = bovw_image_decode(bytes, n, "ok.img", channels, &img, &err);
  ck_assert_msg(rc == BOVW_OK, "decode failed: %s", err.message);
  ck_assert_ptr_nonnull(img);
  ck_assert_int_eq(img->channels, channels);
  return img;
}

/* The message begins with "name: ". */
static void ck_names(const bovw_error *err, const char *name) {
  size_t len = strlen(name);
  ck_assert_msg(strncmp(err->message, name, len) == 0 &&
                    err->message[len] == ':' && err->message[len + 1] == ' ',
                "message does not start with \"%s: \": %s", name,
                err->message);
  ck_assert_msg(!strchr(err->message, '\n'), "message spans lines: %s",
                err->message);
}

/* Decoding fails with `code`, *out stays NULL, the message names the file. */
static void ck_decode_fails(const unsigned char *bytes, size_t n, int code,
                            const char *name) {
  bovw_error err = {0};
  bovw_image *img = (bovw_image *)&err;  /* must be reset to NULL */
  int rc = bovw_image_decode(bytes, n, name, 3, &img, &err);
  ck_assert_msg(rc == code, "%s (%zu bytes): got %d (%s), wanted %d", name, n,
                rc, err.message, code);
  ck_assert_int_eq(err.code, code);
  ck_assert_ptr_null(img);
  ck_names(&err, name);
}

/* Largest |decoded - expected sample / 255| over all pixels and channels. */
static double max_diff(const bovw_image *img, const synth_image *ref) {
  double worst = 0;
  for (int c = 0; c < img->channels; c++)
    for (int y = 0; y < img->height; y++)
      for (int x = 0; x < img->width; x++) {
        double d = fabs(px(img, c, x, y) - synth_image_at(ref, x, y, c) / 255.0);
        if (d > worst) worst = d;
      }
  return worst;
}

static double mean_diff(const bovw_image *a, const bovw_image *b) {
  double sum = 0;
  size_t n = (size_t)a->width * a->height * a->channels;
  for (size_t i = 0; i < n; i++) sum += fabs(a->pixels[i] - b->pixels[i]);
  return sum / n;
}

static double max_image_diff(const bovw_image *a, const bovw_image *b) {
  double worst = 0;
  size_t n = (size_t)a->width * a->height * a->channels;
  for (size_t i = 0; i < n; i++) {
    double d = fabs(a->pixels[i] - b->pixels[i]);
    if (d > worst) worst = d;
  }
  return worst;
}

static float luma(float r, float g, float b) {
  return 0.299f * r + 0.587f * g + 0.114f * b;
}

static void encode_png(const synth_png *spec, unsigned char **bytes, size_t *n) {
  ck_assert_int_eq(synth_png_encode(spec, bytes, n), 0);
}

/* An image encoded as "jpeg", "png" or "pnm" (8-bit, baseline 4:2:0). */
static void encode_as(const char *format, const synth_image *img,
                      unsigned char **bytes, size_t *n) {
  int rc;
  if (strcmp(format, "jpeg") == 0)
    rc = synth_jpeg_encode(img, 90, 0, bytes, n);
  else if (strcmp(format, "png") == 0)
    rc = synth_png_encode_image(img, 0, bytes, n);
  else
    rc = synth_pnm_encode_image(img, bytes, n);
  ck_assert_int_eq(rc, 0);
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* Rewrites a PNG's IHDR size, with a valid CRC so that only the size is
 * wrong. */
static void png_set_size(unsigned char *png, uint32_t w, uint32_t h) {
  put_be32(png + 16, w);
  put_be32(png + 20, h);
  put_be32(png + 29, (uint32_t)crc32(crc32(0L, Z_NULL, 0), png + 12, 17));
}

/* Rewrites a baseline JPEG's frame size (SOF0: FF C0, length, precision,
 * height, width). */
static void jpeg_set_size(unsigned char *jpeg, size_t n, int w, int h) {
  for (size_t i = 2; i + 9 < n; i++)
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xc0) {
      jpeg[i + 5] = (unsigned char)(h >> 8);
      jpeg[i + 6] = (unsigned char)h;
      jpeg[i + 7] = (unsigned char)(w >> 8);
      jpeg[i + 8] = (unsigned char)w;
      return;
    }
  ck_abort_msg("no SOF0 marker");
}

/* Offset of the first byte after a JPEG's SOS header: the entropy-coded
 * data. */
static size_t jpeg_scan_start(const unsigned char *jpeg, size_t n) {
  for (size_t i = 2; i + 3 < n; i++)
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xda)
      return i + 2 + ((size_t)jpeg[i + 2] << 8 | jpeg[i + 3]);
  ck_abort_msg("no SOS marker");
  return 0;
}

/* Entries in a folder other than "." and "..", hidden ones included. */
static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(d);
  return n;
}

/* ---- sniffing and the image object -------------------------------------- */

START_TEST(test_sniff_recognises_formats_by_magic_bytes_only) {
  static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0};
  static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ck_assert_int_eq(bovw_image_sniff(jpeg, sizeof jpeg), BOVW_IMAGE_JPEG);
  ck_assert_int_eq(bovw_image_sniff(png, sizeof png), BOVW_IMAGE_PNG);
  ck_assert_int_eq(bovw_image_sniff((const unsigned char *)"P5\n1 1", 6),
                   BOVW_IMAGE_PNM);
  ck_assert_int_eq(bovw_image_sniff((const unsigned char *)"P6 1 1", 6),
                   BOVW_IMAGE_PNM);
  /* Near misses: short prefixes, ASCII PNM, a "P5" word in text. */
  ck_assert_int_eq(bovw_image_sniff(jpeg, 2), BOVW_IMAGE_UNKNOWN);
  ck_assert_int_eq(bovw_image_sniff(png, 7), BOVW_IMAGE_UNKNOWN);
  ck_assert_int_eq(bovw_image_sniff((const unsigned char *)"P3\n1 1", 6),
                   BOVW_IMAGE_UNKNOWN);
  ck_assert_int_eq(bovw_image_sniff((const unsigned char *)"P5x", 3),
                   BOVW_IMAGE_UNKNOWN);
  ck_assert_int_eq(bovw_image_sniff((const unsigned char *)"P5", 2),
                   BOVW_IMAGE_UNKNOWN);
  ck_assert_int_eq(bovw_image_sniff(NULL, 0), BOVW_IMAGE_UNKNOWN);
  ck_assert_str_eq(bovw_image_format_name(BOVW_IMAGE_JPEG), "JPEG");
  ck_assert_str_eq(bovw_image_format_name(BOVW_IMAGE_PNG), "PNG");
  ck_assert_str_eq(bovw_image_format_name(BOVW_IMAGE_PNM), "PNM");
  ck_assert_str_eq(bovw_image_format_name(BOVW_IMAGE_UNKNOWN), "unknown");
}
END_TEST

START_TEST(test_image_new_is_zeroed_and_refuses_bad_or_overflowing_sizes) {
  bovw_image *img = bovw_image_new(5, 3, 3);
  ck_assert_ptr_nonnull(img);
  ck_assert_int_eq(img->width, 5);
  ck_assert_int_eq(img->height, 3);
  ck_assert_int_eq(img->channels, 3);
  for (int i = 0; i < 45; i++) ck_assert_float_eq(img->pixels[i], 0.0f);
  bovw_image_free(img);
  ck_assert_ptr_null(bovw_image_new(0, 3, 1));
  ck_assert_ptr_null(bovw_image_new(3, -1, 1));
  ck_assert_ptr_null(bovw_image_new(3, 3, 0));
  /* INT_MAX^2 * 3 floats does not fit in size_t: refused, not wrapped. */
  ck_assert_ptr_null(bovw_image_new(0x7fffffff, 0x7fffffff, 3));
  bovw_image_free(NULL);
}
END_TEST

/* ---- PNG ---------------------------------------------------------------- */

START_TEST(test_png_8bit_rgb_and_gray_round_trip_exactly) {
  for (int ch = 1; ch <= 3; ch += 2) {
    synth_image *src = gradient(37, 23, ch);
    unsigned char *bytes;
    size_t n;
    ck_assert_int_eq(synth_png_encode_image(src, 0, &bytes, &n), 0);
    bovw_image *img = decode_ok(bytes, n, ch);
    ck_assert_int_eq(img->width, 37);
    ck_assert_int_eq(img->height, 23);
    ck_assert_double_lt(max_diff(img, src), 1e-6);
    bovw_image_free(img);
    free(bytes);
    synth_image_free(src);
  }
}
END_TEST

START_TEST(test_png_low_bit_depth_gray_is_scaled_to_full_range) {
  /* 1, 2 and 4-bit gray: the top value is white, steps are even. */
  for (int depth = 1; depth <= 4; depth *= 2) {
    int levels = 1 << depth;
    uint16_t s[3 * 16];
    for (int i = 0; i < 3 * 16; i++) s[i] = (uint16_t)(i % levels);
    synth_png spec = {.width = 16, .height = 3, .color_type = SYNTH_PNG_GRAY,
                      .bit_depth = depth, .samples = s, .compression = 0};
    unsigned char *bytes;
    size_t n;
    encode_png(&spec, &bytes, &n);
    bovw_image *img = decode_ok(bytes, n, 1);
    for (int i = 0; i < 3 * 16; i++)
      ck_assert_double_lt(fabs(img->pixels[i] - (double)s[i] / (levels - 1)),
                          1e-6);
    bovw_image_free(img);
    free(bytes);
  }
}
END_TEST

START_TEST(test_png_16bit_is_rounded_to_8bit) {
  /* Samples chosen around the rounding points of v * 255 / 65535. */
  static const uint16_t values[] = {0, 1, 128, 129, 256, 32767, 32768,
                                    32896, 32897, 65407, 65408, 65534, 65535};
  int count = (int)(sizeof values / sizeof *values);
  for (int type = 0; type <= 2; type += 2) {
    int ch = type == SYNTH_PNG_RGB ? 3 : 1;
    uint16_t s[13 * 3];
    for (int i = 0; i < count * ch; i++) s[i] = values[(i / ch + i) % count];
    synth_png spec = {.width = count, .height = 1, .color_type = type,
                      .bit_depth = 16, .samples = s, .compression = 0};
    unsigned char *bytes;
    size_t n;
    encode_png(&spec, &bytes, &n);
    bovw_image *img = decode_ok(bytes, n, ch);
    for (int x = 0; x < count; x++)
      for (int c = 0; c < ch; c++) {
        double want = floor(s[x * ch + c] * 255.0 / 65535.0 + 0.5) / 255.0;
        ck_assert_msg(fabs(px(img, c, x, 0) - want) < 1e-6,
                      "16-bit %u gave %f, wanted %f", s[x * ch + c],
                      px(img, c, x, 0), want);
      }
    bovw_image_free(img);
    free(bytes);
  }
}
END_TEST

START_TEST(test_png_palette_decodes_to_the_palette_colours_with_alpha_dropped) {
  static const uint8_t palette[4 * 3] = {255, 0, 0, 0, 128, 0, 10, 20, 250,
                                         200, 200, 200};
  static const uint8_t trns[4] = {0, 128, 255, 7};
  for (int depth = 2; depth <= 8; depth *= 2) {
    for (int with_trns = 0; with_trns <= 1; with_trns++) {
      uint16_t s[9 * 5];
      for (int i = 0; i < 45; i++) s[i] = (uint16_t)((i * 7) % 4);
      synth_png spec = {.width = 9, .height = 5,
                        .color_type = SYNTH_PNG_PALETTE, .bit_depth = depth,
                        .samples = s, .palette = palette, .palette_size = 4,
                        .trns = with_trns ? trns : NULL, .trns_size = 4,
                        .compression = 0};
      unsigned char *bytes;
      size_t n;
      encode_png(&spec, &bytes, &n);
      bovw_image *img = decode_ok(bytes, n, 3);
      for (int i = 0; i < 45; i++)
        for (int c = 0; c < 3; c++)
          ck_assert_double_lt(fabs(img->pixels[c * 45 + i] -
                                   palette[3 * s[i] + c] / 255.0),
                              1e-6);
      bovw_image_free(img);
      free(bytes);
    }
  }
}
END_TEST

START_TEST(test_png_alpha_is_dropped_not_composited) {
  /* Colour under alpha 0 must come through unchanged. */
  uint16_t ga[4 * 2] = {10, 0, 100, 255, 200, 0, 255, 128};
  uint16_t rgba[2 * 4] = {10, 20, 30, 0, 40000, 50000, 60000, 0};
  synth_png gray = {.width = 4, .height = 1, .color_type = SYNTH_PNG_GRAY_ALPHA,
                    .bit_depth = 8, .samples = ga, .compression = 0};
  synth_png color = {.width = 2, .height = 1, .color_type = SYNTH_PNG_RGBA,
                     .bit_depth = 16, .samples = rgba, .compression = 0};
  unsigned char *bytes;
  size_t n;
  encode_png(&gray, &bytes, &n);
  bovw_image *img = decode_ok(bytes, n, 1);
  for (int x = 0; x < 4; x++)
    ck_assert_double_lt(fabs(px(img, 0, x, 0) - ga[2 * x] / 255.0), 1e-6);
  bovw_image_free(img);
  free(bytes);
  encode_png(&color, &bytes, &n);
  img = decode_ok(bytes, n, 3);
  for (int x = 0; x < 2; x++)
    for (int c = 0; c < 3; c++) {
      double want = floor(rgba[4 * x + c] * 255.0 / 65535.0 + 0.5) / 255.0;
      ck_assert_double_lt(fabs(px(img, c, x, 0) - want), 1e-6);
    }
  bovw_image_free(img);
  free(bytes);
}
END_TEST

START_TEST(test_png_interlaced_decodes_like_non_interlaced) {
  synth_image *src = gradient(29, 31, 3);
  synth_noise(src, &(uint64_t){7}, 40);
  unsigned char *plain, *adam7;
  size_t n1, n2;
  ck_assert_int_eq(synth_png_encode_image(src, 0, &plain, &n1), 0);
  ck_assert_int_eq(synth_png_encode_image(src, 1, &adam7, &n2), 0);
  ck_assert(n1 != n2 || memcmp(plain, adam7, n1) != 0);
  bovw_image *a = decode_ok(plain, n1, 3), *b = decode_ok(adam7, n2, 3);
  ck_assert_double_eq(max_image_diff(a, b), 0.0);
  ck_assert_double_lt(max_diff(b, src), 1e-6);
  bovw_image_free(a);
  bovw_image_free(b);
  free(plain);
  free(adam7);
  synth_image_free(src);
}
END_TEST

START_TEST(test_png_compressed_as_far_as_deflate_goes_still_decodes) {
  /* A black 2000 x 2000 PNG at zlib level 9 packs about 1000 bytes into
   * one: the size sanity check must let it through. */
  int w = 2000, h = 2000;
  uint16_t *s = calloc((size_t)w * h, sizeof *s);
  ck_assert_ptr_nonnull(s);
  synth_png spec = {.width = w, .height = h, .color_type = SYNTH_PNG_GRAY,
                    .bit_depth = 8, .samples = s, .compression = 9};
  unsigned char *bytes;
  size_t n;
  encode_png(&spec, &bytes, &n);
  ck_assert_uint_lt(n * 900, (size_t)w * h);  /* really that compressed */
  bovw_image *img = decode_ok(bytes, n, 1);
  ck_assert_int_eq(img->width, w);
  ck_assert_float_eq(img->pixels[(size_t)w * h - 1], 0.0f);
  bovw_image_free(img);
  free(bytes);
  free(s);
}
END_TEST

/* ---- PNM ---------------------------------------------------------------- */

START_TEST(test_pnm_8bit_p5_and_p6_round_trip_exactly) {
  for (int ch = 1; ch <= 3; ch += 2) {
    synth_image *src = gradient(19, 7, ch);
    unsigned char *bytes;
    size_t n;
    ck_assert_int_eq(synth_pnm_encode_image(src, &bytes, &n), 0);
    ck_assert_int_eq(bytes[1], ch == 1 ? '5' : '6');
    bovw_image *img = decode_ok(bytes, n, ch);
    ck_assert_int_eq(img->width, 19);
    ck_assert_int_eq(img->height, 7);
    ck_assert_double_lt(max_diff(img, src), 1e-6);
    bovw_image_free(img);
    free(bytes);
    synth_image_free(src);
  }
}
END_TEST

START_TEST(test_pnm_samples_are_scaled_by_maxval_and_clamped) {
  static const int maxvals[] = {1, 15, 255, 1000, 65535};
  for (int m = 0; m < 5; m++) {
    int maxval = maxvals[m];
    uint16_t s[4 * 3 * 3];
    for (int i = 0; i < 36; i++) s[i] = (uint16_t)((i * 37) % (maxval + 1));
    unsigned char *bytes;
    size_t n;
    ck_assert_int_eq(synth_pnm_encode(s, 4, 3, 3, maxval, "made by a test",
                                      &bytes, &n), 0);
    bovw_image *img = decode_ok(bytes, n, 3);
    for (int i = 0; i < 12; i++)
      for (int c = 0; c < 3; c++)
        ck_assert_double_lt(fabs(img->pixels[c * 12 + i] -
                                 (double)s[3 * i + c] / maxval), 1e-6);
    bovw_image_free(img);
    free(bytes);
  }
  /* A sample above maxval (forbidden by the format) is clamped to 1. */
  static const unsigned char over8[] = "P5\n2 1\n100\n\x64\xc8";
  static const unsigned char over16[] = "P5\n1 1\n1000\n\xff\xff";
  bovw_image *img = decode_ok(over8, sizeof over8 - 1, 1);
  ck_assert_float_eq(img->pixels[0], 1.0f);
  ck_assert_float_eq(img->pixels[1], 1.0f);
  bovw_image_free(img);
  img = decode_ok(over16, sizeof over16 - 1, 1);
  ck_assert_float_eq(img->pixels[0], 1.0f);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_pnm_header_comments_and_any_whitespace_are_accepted) {
  static const unsigned char text[] =
      "P6 # a comment right after the magic\n"
      "# a whole comment line\r\n"
      "  2\t# width\n"
      "1\r\n"
      "# comment before maxval\n"
      "255\n"
      "\x00\x80\xff\x0a\x0d\x20";  /* pixel bytes that look like whitespace */
  bovw_image *img = decode_ok(text, sizeof text - 1, 3);
  ck_assert_int_eq(img->width, 2);
  ck_assert_int_eq(img->height, 1);
  static const int want[6] = {0x00, 0x80, 0xff, 0x0a, 0x0d, 0x20};
  for (int x = 0; x < 2; x++)
    for (int c = 0; c < 3; c++)
      ck_assert_double_lt(fabs(px(img, c, x, 0) - want[3 * x + c] / 255.0),
                          1e-6);
  bovw_image_free(img);
}
END_TEST

/* ---- JPEG --------------------------------------------------------------- */

START_TEST(test_jpeg_baseline_progressive_and_gray_round_trip_within_tolerance) {
  static const struct {
    int channels, flags, quality;
    double max_err, mean_err;
  } cases[] = {
      {3, SYNTH_JPEG_444, 100, 4 / 255.0, 1 / 255.0},
      {3, 0, 95, 12 / 255.0, 2 / 255.0},  /* 4:2:0 blurs the chroma */
      {3, SYNTH_JPEG_PROGRESSIVE | SYNTH_JPEG_444, 100, 4 / 255.0, 1 / 255.0},
      {1, 0, 100, 3 / 255.0, 1 / 255.0},
      {1, SYNTH_JPEG_PROGRESSIVE, 100, 3 / 255.0, 1 / 255.0},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    synth_image *src = gradient(45, 30, cases[k].channels);
    unsigned char *bytes;
    size_t n;
    ck_assert_int_eq(synth_jpeg_encode(src, cases[k].quality, cases[k].flags,
                                       &bytes, &n), 0);
    bovw_image *img = decode_ok(bytes, n, cases[k].channels);
    ck_assert_int_eq(img->width, 45);
    ck_assert_int_eq(img->height, 30);
    double worst = max_diff(img, src), sum = 0;
    for (int c = 0; c < img->channels; c++)
      for (int y = 0; y < 30; y++)
        for (int x = 0; x < 45; x++)
          sum += fabs(px(img, c, x, y) - synth_image_at(src, x, y, c) / 255.0);
    double mean = sum / (45 * 30 * img->channels);
    ck_assert_msg(worst <= cases[k].max_err && mean <= cases[k].mean_err,
                  "case %zu: max error %f, mean %f", k, worst * 255,
                  mean * 255);
    bovw_image_free(img);
    free(bytes);
    synth_image_free(src);
  }
}
END_TEST

START_TEST(test_jpeg_gray_request_on_colour_jpeg_gives_rec601_luma) {
  synth_image *src = gradient(40, 24, 3);
  synth_stripes(src, 5, 1, RED, BLUE);
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_jpeg_encode(src, 100, SYNTH_JPEG_444, &bytes, &n), 0);
  bovw_image *rgb = decode_ok(bytes, n, 3), *gray = decode_ok(bytes, n, 1);
  double worst = 0;
  for (int y = 0; y < 24; y++)
    for (int x = 0; x < 40; x++) {
      double want = luma(px(rgb, 0, x, y), px(rgb, 1, x, y), px(rgb, 2, x, y));
      double d = fabs(px(gray, 0, x, y) - want);
      if (d > worst) worst = d;
    }
  /* Y straight from the file versus Y recomputed from rounded RGB. */
  ck_assert_double_le(worst, 2 / 255.0);
  bovw_image_free(rgb);
  bovw_image_free(gray);
  free(bytes);
  synth_image_free(src);
}
END_TEST

START_TEST(test_jpeg_cmyk_is_converted_to_the_rgb_it_was_made_from) {
  /* Patches of 16x16 (whole JPEG blocks), sampled at their centres. */
  static const synth_color colors[] = {
      {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255},
      {0, 0, 0},   {128, 128, 128}, {200, 120, 40}, {30, 90, 160}};
  int count = (int)(sizeof colors / sizeof *colors);
  synth_image *src = synth_image_new(16 * count, 16, 3);
  for (int i = 0; i < count; i++)
    synth_square(src, 16 * i + 8, 8, 8, colors[i]);
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_jpeg_encode_cmyk(src, 100, &bytes, &n), 0);
  bovw_image *rgb = decode_ok(bytes, n, 3), *gray = decode_ok(bytes, n, 1);
  for (int i = 0; i < count; i++) {
    int x = 16 * i + 8, y = 8;
    const uint8_t want[3] = {colors[i].r, colors[i].g, colors[i].b};
    for (int c = 0; c < 3; c++)
      ck_assert_msg(fabs(px(rgb, c, x, y) - want[c] / 255.0) <= 6 / 255.0,
                    "colour %d channel %d: got %f, wanted %d", i, c,
                    px(rgb, c, x, y) * 255, want[c]);
    ck_assert_double_lt(fabs(px(gray, 0, x, y) - luma(px(rgb, 0, x, y),
                                                      px(rgb, 1, x, y),
                                                      px(rgb, 2, x, y))),
                        1e-5);
  }
  bovw_image_free(rgb);
  bovw_image_free(gray);
  free(bytes);
  synth_image_free(src);
}
END_TEST

/* ---- across formats ----------------------------------------------------- */

START_TEST(test_gray_is_the_same_whichever_format_it_came_in) {
  synth_image *src = gradient(48, 32, 3);
  synth_circle(src, 20, 14, 9, RED);
  synth_square(src, 36, 20, 6, BLUE);
  unsigned char *png, *pnm, *jpeg;
  size_t npng, npnm, njpeg;
  ck_assert_int_eq(synth_png_encode_image(src, 0, &png, &npng), 0);
  ck_assert_int_eq(synth_pnm_encode_image(src, &pnm, &npnm), 0);
  ck_assert_int_eq(synth_jpeg_encode(src, 100, SYNTH_JPEG_444, &jpeg, &njpeg), 0);
  bovw_image *g_png = decode_ok(png, npng, 1), *g_pnm = decode_ok(pnm, npnm, 1),
             *g_jpeg = decode_ok(jpeg, njpeg, 1);
  /* Lossless formats agree exactly, and with the Rec. 601 formula. */
  ck_assert_double_eq(max_image_diff(g_png, g_pnm), 0.0);
  for (int y = 0; y < 32; y++)
    for (int x = 0; x < 48; x++) {
      double want = luma(synth_image_at(src, x, y, 0) / 255.0f,
                         synth_image_at(src, x, y, 1) / 255.0f,
                         synth_image_at(src, x, y, 2) / 255.0f);
      ck_assert_double_lt(fabs(px(g_png, 0, x, y) - want), 1e-6);
    }
  /* JPEG within its loss: a few levels at the sharp edges, less on average. */
  ck_assert_double_le(max_image_diff(g_png, g_jpeg), 8 / 255.0);
  ck_assert_double_le(mean_diff(g_png, g_jpeg), 1 / 255.0);
  /* A gray image decoded as RGB repeats the plane. */
  synth_image *gsrc = gradient(10, 6, 1);
  unsigned char *gp;
  size_t ngp;
  ck_assert_int_eq(synth_png_encode_image(gsrc, 0, &gp, &ngp), 0);
  bovw_image *as_rgb = decode_ok(gp, ngp, 3);
  for (int i = 0; i < 60; i++) {
    ck_assert_float_eq(as_rgb->pixels[i], as_rgb->pixels[60 + i]);
    ck_assert_float_eq(as_rgb->pixels[i], as_rgb->pixels[120 + i]);
  }
  bovw_image_free(as_rgb);
  free(gp);
  synth_image_free(gsrc);
  bovw_image_free(g_png);
  bovw_image_free(g_pnm);
  bovw_image_free(g_jpeg);
  free(png);
  free(pnm);
  free(jpeg);
  synth_image_free(src);
}
END_TEST

START_TEST(test_probe_reads_format_and_size_from_the_header) {
  static const char *formats[3] = {"jpeg", "png", "pnm"};
  static const bovw_image_format want[3] = {BOVW_IMAGE_JPEG, BOVW_IMAGE_PNG,
                                            BOVW_IMAGE_PNM};
  synth_image *src = gradient(33, 17, 3);
  for (int f = 0; f < 3; f++) {
    unsigned char *bytes;
    size_t n;
    encode_as(formats[f], src, &bytes, &n);
    bovw_image_format format = BOVW_IMAGE_UNKNOWN;
    int w = 0, h = 0;
    bovw_error err = {0};
    ck_assert_int_eq(bovw_image_probe(bytes, n, "p", &format, &w, &h, &err), 0);
    ck_assert_int_eq(format, want[f]);
    ck_assert_int_eq(w, 33);
    ck_assert_int_eq(h, 17);
    free(bytes);
  }
  synth_image_free(src);
  bovw_error err = {0};
  int w, h;
  bovw_image_format format;
  ck_assert_int_eq(bovw_image_probe((const unsigned char *)"hello", 5, "t.txt",
                                    &format, &w, &h, &err), BOVW_ERR_FORMAT);
  ck_assert_int_eq(format, BOVW_IMAGE_UNKNOWN);
  ck_names(&err, "t.txt");
}
END_TEST

/* ---- resizing ----------------------------------------------------------- */

static bovw_image *random_image(int w, int h, int channels, uint64_t seed) {
  bovw_image *img = bovw_image_new(w, h, channels);
  ck_assert_ptr_nonnull(img);
  for (size_t i = 0; i < (size_t)w * h * channels; i++)
    img->pixels[i] = (float)synth_uniform(&seed);
  return img;
}

static bovw_image *resize_ok(const bovw_image *img, int w, int h) {
  bovw_image *out = NULL;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_image_resize(img, w, h, &out, &err), 0);
  ck_assert_int_eq(out->width, w);
  ck_assert_int_eq(out->height, h);
  ck_assert_int_eq(out->channels, img->channels);
  return out;
}

START_TEST(test_resize_2x_shrink_is_the_mean_of_2x2_blocks) {
  bovw_image *img = random_image(16, 12, 3, 42);
  bovw_image *out = resize_ok(img, 8, 6);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 6; y++)
      for (int x = 0; x < 8; x++) {
        double mean = (px(img, c, 2 * x, 2 * y) + px(img, c, 2 * x + 1, 2 * y) +
                       px(img, c, 2 * x, 2 * y + 1) +
                       px(img, c, 2 * x + 1, 2 * y + 1)) / 4;
        ck_assert_double_lt(fabs(px(out, c, x, y) - mean), 1e-6);
      }
  bovw_image_free(out);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_resize_fractional_shrink_weighs_partial_pixels_by_coverage) {
  /* 3 -> 2: output 0 covers input [0, 1.5): (a + b/2) / 1.5. */
  bovw_image *img = bovw_image_new(3, 1, 1);
  img->pixels[0] = 0.3f;
  img->pixels[1] = 0.9f;
  img->pixels[2] = 0.6f;
  bovw_image *out = resize_ok(img, 2, 1);
  ck_assert_double_lt(fabs(out->pixels[0] - (2 * 0.3 + 0.9) / 3), 1e-6);
  ck_assert_double_lt(fabs(out->pixels[1] - (0.9 + 2 * 0.6) / 3), 1e-6);
  bovw_image_free(out);
  bovw_image_free(img);
  /* Any shrink keeps the mean of the image, and a constant stays constant. */
  img = random_image(101, 37, 1, 9);
  out = resize_ok(img, 13, 10);
  double in_sum = 0, out_sum = 0;
  for (int i = 0; i < 101 * 37; i++) in_sum += img->pixels[i];
  for (int i = 0; i < 13 * 10; i++) out_sum += out->pixels[i];
  ck_assert_double_lt(fabs(in_sum / (101 * 37) - out_sum / 130), 1e-5);
  bovw_image_free(out);
  for (int i = 0; i < 101 * 37; i++) img->pixels[i] = 0.25f;
  out = resize_ok(img, 7, 3);
  for (int i = 0; i < 21; i++) ck_assert_double_lt(fabs(out->pixels[i] - 0.25), 1e-6);
  bovw_image_free(out);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_resize_upscale_is_bilinear_exact_on_a_linear_ramp) {
  /* f(x, y) = 0.01 + 0.03 x + 0.05 y, sampled at half-pixel centres, and
   * clamped to the edge samples outside them. */
  int iw = 8, ih = 6, ow = 20, oh = 15;
  bovw_image *img = bovw_image_new(iw, ih, 1);
  for (int y = 0; y < ih; y++)
    for (int x = 0; x < iw; x++) img->pixels[y * iw + x] = 0.01f + 0.03f * x + 0.05f * y;
  bovw_image *out = resize_ok(img, ow, oh);
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++) {
      double sx = (x + 0.5) * iw / ow - 0.5, sy = (y + 0.5) * ih / oh - 0.5;
      sx = sx < 0 ? 0 : sx > iw - 1 ? iw - 1 : sx;
      sy = sy < 0 ? 0 : sy > ih - 1 ? ih - 1 : sy;
      double want = 0.01 + 0.03 * sx + 0.05 * sy;
      ck_assert_msg(fabs(px(out, 0, x, y) - want) < 1e-5,
                    "(%d,%d): got %f, wanted %f", x, y, px(out, 0, x, y), want);
    }
  bovw_image_free(out);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_resize_shrinks_one_axis_while_enlarging_the_other) {
  /* f(x, y) = x + 10 y: x halves (pair means), y doubles (bilinear). */
  bovw_image *img = bovw_image_new(8, 4, 1);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 8; x++) img->pixels[y * 8 + x] = (float)(x + 10 * y);
  bovw_image *out = resize_ok(img, 4, 8);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 4; x++) {
      double sy = (y + 0.5) * 4 / 8 - 0.5;
      sy = sy < 0 ? 0 : sy > 3 ? 3 : sy;
      ck_assert_double_lt(fabs(px(out, 0, x, y) - (2 * x + 0.5 + 10 * sy)), 1e-4);
    }
  bovw_image_free(out);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_resize_same_size_copies_and_bad_sizes_are_refused) {
  bovw_image *img = random_image(9, 5, 3, 3);
  bovw_image *out = resize_ok(img, 9, 5);
  ck_assert_ptr_ne(out->pixels, img->pixels);
  ck_assert_int_eq(memcmp(out->pixels, img->pixels, 9 * 5 * 3 * sizeof(float)), 0);
  bovw_image_free(out);
  /* 1 x 1 both ways. */
  out = resize_ok(img, 1, 1);
  bovw_image *big = resize_ok(out, 4, 3);
  for (int i = 0; i < 12; i++) ck_assert_float_eq(big->pixels[i], out->pixels[0]);
  bovw_image_free(big);
  bovw_image_free(out);
  bovw_error err = {0};
  out = (bovw_image *)&err;
  ck_assert_int_eq(bovw_image_resize(img, 0, 5, &out, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(bovw_image_resize(img, 4, -2, &out, &err), BOVW_ERR_INVALID);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_fit_size_keeps_aspect_never_upscales_unless_asked) {
  static const int cases[][7] = {
      /* w, h, max_side, upscale -> w, h */
      {640, 480, 320, 0, 320, 240, 0},
      {480, 640, 320, 0, 240, 320, 0},
      {100, 50, 320, 0, 100, 50, 0},   /* small: kept */
      {100, 50, 320, 1, 320, 160, 0},  /* unless upscaling */
      {300, 300, 300, 0, 300, 300, 0},
      {333, 500, 100, 0, 67, 100, 0},  /* 66.6 rounds to 67 */
      {1000, 1, 100, 0, 100, 1, 0},    /* 0.1 becomes 1, never 0 */
      {1, 1000, 10, 1, 1, 10, 0},
      {640, 480, 0, 0, 640, 480, 0},   /* no limit */
      {640, 480, -5, 1, 640, 480, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int w = -1, h = -1;
    bovw_image_fit_size(cases[i][0], cases[i][1], cases[i][2], cases[i][3], &w, &h);
    ck_assert_msg(w == cases[i][4] && h == cases[i][5],
                  "%dx%d to %d (upscale %d): got %dx%d, wanted %dx%d",
                  cases[i][0], cases[i][1], cases[i][2], cases[i][3], w, h,
                  cases[i][4], cases[i][5]);
  }
}
END_TEST

/* ---- bad input ---------------------------------------------------------- */

START_TEST(test_empty_buffer_and_bad_channel_counts_are_refused) {
  ck_decode_fails((const unsigned char *)"", 0, BOVW_ERR_FORMAT, "empty.jpg");
  bovw_error err = {0};
  bovw_image *img = NULL;
  static const unsigned char pnm[] = "P5 1 1 255\n\x80";
  ck_assert_int_eq(bovw_image_decode(pnm, sizeof pnm - 1, "a.pgm", 2, &img, &err),
                   BOVW_ERR_INVALID);
  ck_assert_ptr_null(img);
  ck_names(&err, "a.pgm");
  ck_assert_int_eq(bovw_image_decode(pnm, sizeof pnm - 1, "a.pgm", 4, &img, &err),
                   BOVW_ERR_INVALID);
}
END_TEST

/* Every cut of a valid file, from 1 byte to all but the last, must fail. */
static void ck_every_truncation_fails(const unsigned char *bytes, size_t n,
                                      const char *name) {
  for (size_t len = 1; len < n; len++)
    ck_decode_fails(bytes, len, BOVW_ERR_FORMAT, name);
}

START_TEST(test_jpeg_truncated_is_an_error_naming_the_file) {
  synth_image *src = gradient(40, 40, 3);
  for (int progressive = 0; progressive <= 1; progressive++) {
    unsigned char *bytes;
    size_t n;
    ck_assert_int_eq(synth_jpeg_encode(src, 80, progressive ? SYNTH_JPEG_PROGRESSIVE : 0,
                                       &bytes, &n), 0);
    ck_every_truncation_fails(bytes, n, "img/cat/3.jpg");
    /* Cut in the header or in the data, the message says what is wrong,
     * in libjpeg's words. */
    for (size_t len = 3; len < n; len++) {
      bovw_error err = {0};
      bovw_image *img;
      bovw_image_decode(bytes, len, "x.jpg", 3, &img, &err);
      ck_assert_msg(strncmp(err.message, "x.jpg: truncated or corrupt JPEG data (", 39) == 0,
                    "cut at %zu: %s", len, err.message);
    }
    free(bytes);
  }
  synth_image_free(src);
}
END_TEST

START_TEST(test_png_truncated_is_an_error_naming_the_file) {
  synth_image *src = gradient(30, 20, 3);
  for (int interlaced = 0; interlaced <= 1; interlaced++) {
    unsigned char *bytes;
    size_t n;
    ck_assert_int_eq(synth_png_encode_image(src, interlaced, &bytes, &n), 0);
    ck_every_truncation_fails(bytes, n, "b.png");
    free(bytes);
  }
  synth_image_free(src);
}
END_TEST

START_TEST(test_pnm_truncated_is_an_error_naming_the_file) {
  synth_image *src = gradient(12, 9, 3);
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_pnm_encode_image(src, &bytes, &n), 0);
  ck_every_truncation_fails(bytes, n, "c.ppm");
  free(bytes);
  uint16_t wide[6] = {1, 2, 3, 4, 5, 6};
  ck_assert_int_eq(synth_pnm_encode(wide, 3, 2, 1, 4000, NULL, &bytes, &n), 0);
  ck_every_truncation_fails(bytes, n, "d.pgm");
  free(bytes);
  synth_image_free(src);
}
END_TEST

START_TEST(test_pnm_header_lying_about_its_size_or_maxval_is_an_error) {
  unsigned char file[64] = "P5\n100 100\n255\n";
  size_t header = strlen((char *)file);
  memset(file + header, 7, 37);
  bovw_error err = {0};
  bovw_image *img;
  ck_assert_int_eq(bovw_image_decode(file, header + 37, "b.pgm", 1, &img, &err),
                   BOVW_ERR_FORMAT);
  ck_assert_msg(strstr(err.message, "b.pgm: PNM header says 100x100 but the "
                                    "file holds 37 bytes of pixels"),
                "%s", err.message);
  static const char *bad[] = {
      "P5\n2 2\n0\n\1\1\1\1",           /* maxval 0 */
      "P5\n2 2\n65536\n\1\1\1\1\1\1\1\1", /* maxval too large */
      "P5\n2 2\n-3\n\1\1\1\1",          /* sign */
      "P5\nx 2\n255\n\1\1\1\1",         /* not a number */
      "P5\n2 2\n255x\1\1\1\1",          /* no whitespace after maxval */
      "P6\n2 2\n255",                   /* header and nothing after it */
      "P5\n2 # comment never ends",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    ck_decode_fails((const unsigned char *)bad[i], strlen(bad[i]),
                    BOVW_ERR_FORMAT, "e.pgm");
  /* The maxval message says what is wrong. */
  bovw_image_decode((const unsigned char *)bad[0], strlen(bad[0]), "e.pgm", 1, &img,
                    &err);
  ck_assert_msg(strstr(err.message, "maxval 0"), "%s", err.message);
}
END_TEST

START_TEST(test_zero_and_huge_dimensions_are_errors_before_any_allocation) {
  /* PNM */
  static const char *pnm[] = {"P5\n0 10\n255\n", "P5\n10 0\n255\n",
                              "P5\n70000 10\n255\n",
                              "P6\n20000 20000\n255\n",
                              "P5\n99999999999999999999 1\n255\n"};
  for (size_t i = 0; i < sizeof pnm / sizeof *pnm; i++)
    ck_decode_fails((const unsigned char *)pnm[i], strlen(pnm[i]), BOVW_ERR_FORMAT,
                    "z.pgm");
  /* PNG: only the IHDR size changed (valid CRC). */
  synth_image *src = gradient(8, 8, 3);
  unsigned char *png;
  size_t npng;
  ck_assert_int_eq(synth_png_encode_image(src, 0, &png, &npng), 0);
  static const uint32_t png_sizes[][2] = {
      {0, 8}, {8, 0}, {70000, 8}, {20000, 20000}, {0x7fffffff, 0x7fffffff},
      {0xffffffff, 1}};
  for (size_t i = 0; i < sizeof png_sizes / sizeof *png_sizes; i++) {
    png_set_size(png, png_sizes[i][0], png_sizes[i][1]);
    ck_decode_fails(png, npng, BOVW_ERR_FORMAT, "z.png");
    bovw_error err = {0};
    int w, h;
    ck_assert_int_eq(bovw_image_probe(png, npng, "z.png", NULL, &w, &h, &err),
                     BOVW_ERR_FORMAT);
    ck_names(&err, "z.png");
  }
  /* Within the limits, but far more pixels than the bytes could hold. */
  png_set_size(png, 16000, 16000);
  bovw_error err = {0};
  bovw_image *img;
  ck_assert_int_eq(bovw_image_decode(png, npng, "big.png", 3, &img, &err),
                   BOVW_ERR_FORMAT);
  ck_assert_msg(strstr(err.message, "big.png: truncated PNG data (16000 x 16000 "
                                    "pixels cannot fit in"), "%s", err.message);
  free(png);
  /* JPEG: only the frame size changed. */
  unsigned char *jpeg;
  size_t njpeg;
  ck_assert_int_eq(synth_jpeg_encode(src, 90, 0, &jpeg, &njpeg), 0);
  static const int jpeg_sizes[][2] = {{0, 8}, {8, 0}, {65535, 65535}, {20000, 20000}};
  for (size_t i = 0; i < sizeof jpeg_sizes / sizeof *jpeg_sizes; i++) {
    jpeg_set_size(jpeg, njpeg, jpeg_sizes[i][0], jpeg_sizes[i][1]);
    ck_decode_fails(jpeg, njpeg, BOVW_ERR_FORMAT, "z.jpg");
  }
  /* The message of a huge one says why. */
  bovw_image_decode(jpeg, njpeg, "z.jpg", 3, &img, &err);
  ck_assert_msg(strstr(err.message, "20000x20000"), "%s", err.message);
  free(jpeg);
  synth_image_free(src);
}
END_TEST

START_TEST(test_random_garbage_is_rejected_without_crashing) {
  static const unsigned char prefixes[4][9] = {
      {0}, {0xff, 0xd8, 0xff}, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
      {'P', '6', '\n'}};
  static const size_t prefix_len[4] = {0, 3, 8, 3};
  uint64_t rng = 2024;
  unsigned char buf[3000];
  for (int round = 0; round < 400; round++) {
    int p = round % 4;
    size_t n = prefix_len[p] + (size_t)synth_rand_int(&rng, 1, 2900);
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)synth_rand(&rng);
    memcpy(buf, prefixes[p], prefix_len[p]);
    if (p == 0 && bovw_image_sniff(buf, n) != BOVW_IMAGE_UNKNOWN) buf[0] = 0;
    ck_decode_fails(buf, n, BOVW_ERR_FORMAT, "garbage.bin");
  }
}
END_TEST

START_TEST(test_jpeg_corrupted_middle_is_an_error) {
  synth_image *src = gradient(64, 64, 3);
  synth_noise(src, &(uint64_t){5}, 30);
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_jpeg_encode(src, 90, 0, &bytes, &n), 0);
  size_t scan = jpeg_scan_start(bytes, n);
  ck_assert_uint_lt(scan + 200, n);
  uint64_t rng = 11;
  for (int trial = 0; trial < 20; trial++) {
    unsigned char *bad = malloc(n);
    memcpy(bad, bytes, n);
    size_t at = scan + (size_t)synth_rand_int(&rng, 0, (int)(n - scan) / 2);
    for (size_t i = at; i < at + 48; i++) bad[i] = (unsigned char)synth_rand(&rng);
    ck_decode_fails(bad, n, BOVW_ERR_FORMAT, "x.jpg");
    free(bad);
  }
  free(bytes);
  synth_image_free(src);
}
END_TEST

START_TEST(test_png_corrupted_middle_or_crc_is_an_error) {
  synth_image *src = gradient(32, 32, 3);
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_png_encode_image(src, 0, &bytes, &n), 0);
  size_t pos = 8;  /* the first IDAT chunk */
  while (pos + 8 < n && memcmp(bytes + pos + 4, "IDAT", 4) != 0)
    pos += 12 + be32(bytes + pos);
  ck_assert_uint_lt(pos + 8, n);
  size_t len = be32(bytes + pos);
  bovw_error err = {0};
  bovw_image *img;
  /* Bytes in the middle of the compressed data: zlib stumbles before the
   * CRC at the end of the chunk is reached; either way, an error. */
  uint64_t rng = 3;
  for (int trial = 0; trial < 20; trial++) {
    unsigned char *bad = malloc(n);
    memcpy(bad, bytes, n);
    size_t at = pos + 8 + (size_t)synth_rand_int(&rng, 2, (int)len - 9);
    for (size_t i = at; i < at + 8; i++) bad[i] ^= (unsigned char)(synth_rand(&rng) | 1);
    ck_decode_fails(bad, n, BOVW_ERR_FORMAT, "a.png");
    bovw_image_decode(bad, n, "a.png", 3, &img, &err);
    ck_assert_msg(strstr(err.message, "a.png: corrupt PNG ("), "%s", err.message);
    free(bad);
  }
  /* A wrong CRC over intact data is caught too. */
  bytes[pos + 8 + len] ^= 0x55;
  ck_decode_fails(bytes, n, BOVW_ERR_FORMAT, "a.png");
  bovw_image_decode(bytes, n, "a.png", 3, &img, &err);
  ck_assert_msg(strstr(err.message, "CRC"), "%s", err.message);
  free(bytes);
  synth_image_free(src);
}
END_TEST

START_TEST(test_decoders_print_nothing_on_bad_input) {
  /* libjpeg and libpng print warnings to stderr by default; ours must not. */
  char *dir = test_tmpdir();
  const char *log = test_path(dir, "stderr.txt");
  fflush(stderr);
  int saved = dup(2);
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  dup2(fd, 2);
  close(fd);
  synth_image *src = gradient(32, 32, 3);
  unsigned char *jpeg, *png;
  size_t nj, np;
  ck_assert_int_eq(synth_jpeg_encode(src, 90, 0, &jpeg, &nj), 0);
  ck_assert_int_eq(synth_png_encode_image(src, 0, &png, &np), 0);
  bovw_error err;
  bovw_image *img;
  for (size_t len = nj / 3; len < nj; len += 97)
    bovw_image_decode(jpeg, len, "q.jpg", 3, &img, &err);
  for (size_t len = np / 3; len < np; len += 13)
    bovw_image_decode(png, len, "q.png", 3, &img, &err);
  png[np / 2] ^= 0xff;  /* a CRC error */
  bovw_image_decode(png, np, "q.png", 3, &img, &err);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char *text = test_read_text(log);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(text[0] == '\0', "the decoders printed: %s", text);
  free(text);
  free(jpeg);
  free(png);
  synth_image_free(src);
  test_rmtree(dir);
}
END_TEST

/* ---- threads ------------------------------------------------------------ */

/* What each thread decodes, and the answers decoded beforehand. */
typedef struct decode_job {
  const unsigned char *bytes[5];
  size_t n[5];
  const bovw_image *want[5];  /* NULL: must fail */
  int mismatches;
} decode_job;

static void *decode_many(void *arg) {
  decode_job *job = arg;
  for (int round = 0; round < 25; round++)
    for (int k = 0; k < 5; k++) {
      bovw_error err = {0};
      bovw_image *img = NULL;
      int rc = bovw_image_decode(job->bytes[k], job->n[k], "t", 3, &img, &err);
      if (job->want[k] ? rc != 0 || max_image_diff(img, job->want[k]) != 0
                       : rc != BOVW_ERR_FORMAT || strncmp(err.message, "t: ", 3))
        job->mismatches++;
      bovw_image_free(img);
    }
  return NULL;
}

START_TEST(test_decoding_in_parallel_threads_gives_the_same_pixels) {
  /* Decoders keep no state between calls: threads decoding good and bad
   * files at once get exactly what one thread gets. */
  synth_image *src = gradient(64, 48, 3);
  synth_noise(src, &(uint64_t){1}, 20);
  unsigned char *bytes[5];
  size_t n[5];
  ck_assert_int_eq(synth_jpeg_encode(src, 85, 0, &bytes[0], &n[0]), 0);
  ck_assert_int_eq(synth_png_encode_image(src, 1, &bytes[1], &n[1]), 0);
  ck_assert_int_eq(synth_pnm_encode_image(src, &bytes[2], &n[2]), 0);
  ck_assert_int_eq(synth_jpeg_encode(src, 85, SYNTH_JPEG_PROGRESSIVE, &bytes[3],
                                     &n[3]), 0);
  n[3] -= n[3] / 3;  /* truncated */
  ck_assert_int_eq(synth_png_encode_image(src, 0, &bytes[4], &n[4]), 0);
  n[4] -= 40;        /* truncated */
  bovw_image *want[5] = {NULL};
  for (int k = 0; k < 3; k++) want[k] = decode_ok(bytes[k], n[k], 3);
  decode_job jobs[4];
  pthread_t threads[4];
  for (int t = 0; t < 4; t++) {
    jobs[t] = (decode_job){.mismatches = 0};
    for (int k = 0; k < 5; k++) {
      jobs[t].bytes[k] = bytes[k];
      jobs[t].n[k] = n[k];
      jobs[t].want[k] = want[k];
    }
    ck_assert_int_eq(pthread_create(&threads[t], NULL, decode_many, &jobs[t]), 0);
  }
  for (int t = 0; t < 4; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].mismatches, 0);
  }
  for (int k = 0; k < 5; k++) {
    bovw_image_free(want[k]);
    free(bytes[k]);
  }
  synth_image_free(src);
}
END_TEST

/* ---- files -------------------------------------------------------------- */

START_TEST(test_load_errors_name_the_path) {
  char *dir = test_tmpdir();
  bovw_error err = {0};
  bovw_image *img = NULL;
  const char *missing = test_path(dir, "missing.jpg");
  ck_assert_int_eq(bovw_image_load(missing, 3, &img, &err), BOVW_ERR_IO);
  ck_assert_ptr_null(img);
  ck_names(&err, missing);
  ck_assert_int_eq(bovw_image_load(dir, 3, &img, &err), BOVW_ERR_IO);
  ck_names(&err, dir);
  const char *empty = test_path(dir, "empty.png");
  ck_assert_int_eq(synth_write_file(empty, "", 0), 0);
  ck_assert_int_eq(bovw_image_load(empty, 3, &img, &err), BOVW_ERR_FORMAT);
  ck_names(&err, empty);
  const char *text = test_path(dir, "notes.jpg");
  ck_assert_int_eq(synth_write_file(text, "just some text\n", 15), 0);
  ck_assert_int_eq(bovw_image_load(text, 3, &img, &err), BOVW_ERR_FORMAT);
  ck_names(&err, text);
  ck_assert_msg(strstr(err.message, "not a JPEG, PNG or PNM image"), "%s",
                err.message);
  /* A good file loads, whatever its extension says. */
  synth_image *src = gradient(6, 4, 3);
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_png_encode_image(src, 0, &bytes, &n), 0);
  const char *good = test_path(dir, "really-a-png.jpg");
  ck_assert_int_eq(synth_write_file(good, bytes, n), 0);
  ck_assert_int_eq(bovw_image_load(good, 3, &img, &err), 0);
  ck_assert_double_lt(max_diff(img, src), 1e-6);
  bovw_image_free(img);
  free(bytes);
  synth_image_free(src);
  test_rmtree(dir);
}
END_TEST

START_TEST(test_png_write_round_trips_and_leaves_no_temporary_file) {
  char *dir = test_tmpdir();
  for (int ch = 1; ch <= 3; ch += 2) {
    synth_image *src = gradient(28, 28, ch);
    synth_noise(src, &(uint64_t){ch}, 50);
    const char *path = test_path(dir, ch == 1 ? "gray.png" : "rgb.png");
    bovw_error err = {0};
    ck_assert_int_eq(bovw_png_write(path, src->samples, 28, 28, ch, &err), 0);
    bovw_image *img = NULL;
    ck_assert_int_eq(bovw_image_load(path, ch, &img, &err), 0);
    ck_assert_double_lt(max_diff(img, src), 1e-6);
    bovw_image_free(img);
    synth_image_free(src);
  }
  ck_assert_int_eq(count_entries(dir), 2);  /* no ".rgb.png.tmp-..." left */
  /* Errors: a folder that does not exist, and arguments out of range. */
  uint8_t px8[4] = {0};
  bovw_error err = {0};
  const char *nowhere = test_path(dir, "no/such/folder/x.png");
  ck_assert_int_eq(bovw_png_write(nowhere, px8, 2, 2, 1, &err), BOVW_ERR_IO);
  ck_names(&err, nowhere);
  ck_assert_int_eq(bovw_png_write(test_path(dir, "y.png"), px8, 2, 2, 2, &err),
                   BOVW_ERR_INVALID);
  ck_assert_int_eq(bovw_png_write(test_path(dir, "y.png"), px8, 0, 2, 1, &err),
                   BOVW_ERR_INVALID);
  ck_assert_int_eq(count_entries(dir), 2);
  test_rmtree(dir);
}
END_TEST

static Suite *image_suite(void) {
  Suite *s = suite_create("image");
  TCase *tc = tcase_create("decode");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_sniff_recognises_formats_by_magic_bytes_only);
  tcase_add_test(tc, test_image_new_is_zeroed_and_refuses_bad_or_overflowing_sizes);
  tcase_add_test(tc, test_png_8bit_rgb_and_gray_round_trip_exactly);
  tcase_add_test(tc, test_png_low_bit_depth_gray_is_scaled_to_full_range);
  tcase_add_test(tc, test_png_16bit_is_rounded_to_8bit);
  tcase_add_test(tc, test_png_palette_decodes_to_the_palette_colours_with_alpha_dropped);
  tcase_add_test(tc, test_png_alpha_is_dropped_not_composited);
  tcase_add_test(tc, test_png_interlaced_decodes_like_non_interlaced);
  tcase_add_test(tc, test_png_compressed_as_far_as_deflate_goes_still_decodes);
  tcase_add_test(tc, test_pnm_8bit_p5_and_p6_round_trip_exactly);
  tcase_add_test(tc, test_pnm_samples_are_scaled_by_maxval_and_clamped);
  tcase_add_test(tc, test_pnm_header_comments_and_any_whitespace_are_accepted);
  tcase_add_test(tc, test_jpeg_baseline_progressive_and_gray_round_trip_within_tolerance);
  tcase_add_test(tc, test_jpeg_gray_request_on_colour_jpeg_gives_rec601_luma);
  tcase_add_test(tc, test_jpeg_cmyk_is_converted_to_the_rgb_it_was_made_from);
  tcase_add_test(tc, test_gray_is_the_same_whichever_format_it_came_in);
  tcase_add_test(tc, test_probe_reads_format_and_size_from_the_header);
  suite_add_tcase(s, tc);

  tc = tcase_create("resize");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_resize_2x_shrink_is_the_mean_of_2x2_blocks);
  tcase_add_test(tc, test_resize_fractional_shrink_weighs_partial_pixels_by_coverage);
  tcase_add_test(tc, test_resize_upscale_is_bilinear_exact_on_a_linear_ramp);
  tcase_add_test(tc, test_resize_shrinks_one_axis_while_enlarging_the_other);
  tcase_add_test(tc, test_resize_same_size_copies_and_bad_sizes_are_refused);
  tcase_add_test(tc, test_fit_size_keeps_aspect_never_upscales_unless_asked);
  suite_add_tcase(s, tc);

  tc = tcase_create("bad_input");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_empty_buffer_and_bad_channel_counts_are_refused);
  tcase_add_test(tc, test_jpeg_truncated_is_an_error_naming_the_file);
  tcase_add_test(tc, test_png_truncated_is_an_error_naming_the_file);
  tcase_add_test(tc, test_pnm_truncated_is_an_error_naming_the_file);
  tcase_add_test(tc, test_pnm_header_lying_about_its_size_or_maxval_is_an_error);
  tcase_add_test(tc, test_zero_and_huge_dimensions_are_errors_before_any_allocation);
  tcase_add_test(tc, test_random_garbage_is_rejected_without_crashing);
  tcase_add_test(tc, test_jpeg_corrupted_middle_is_an_error);
  tcase_add_test(tc, test_png_corrupted_middle_or_crc_is_an_error);
  tcase_add_test(tc, test_decoders_print_nothing_on_bad_input);
  tcase_add_test(tc, test_decoding_in_parallel_threads_gives_the_same_pixels);
  suite_add_tcase(s, tc);

  tc = tcase_create("files");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_load_errors_name_the_path);
  tcase_add_test(tc, test_png_write_round_trips_and_leaves_no_temporary_file);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(image_suite()); }
