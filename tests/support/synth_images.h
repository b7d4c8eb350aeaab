/* synth_images.h: test images made in memory, for every suite that needs
 * pictures: pixel patterns (gradients, stripes, shapes, noise), encoders to
 * JPEG, PNG and PNM written with the same libraries bovw reads with, and
 * small file helpers.
 *
 * A synth_image holds 8-bit interleaved samples (gray or RGB), the form the
 * encoders take. Random choices come from a caller-held seeded generator, so
 * a test makes the same bytes on every run and machine. Functions returning
 * int return 0 on success and -1 on failure (out of memory or an encoder
 * error); they never print. */
#ifndef SYNTH_IMAGES_H
#define SYNTH_IMAGES_H

#include <stddef.h>
#include <stdint.h>

/* ---- images and patterns ------------------------------------------------ */

typedef struct synth_image {
  int width, height;
  int channels;      /* 1 (gray) or 3 (RGB) */
  uint8_t *samples;  /* width * height * channels, row-major, interleaved */
} synth_image;

/* A new black image, or NULL. Free with synth_image_free (NULL is fine). */
synth_image *synth_image_new(int width, int height, int channels);
void synth_image_free(synth_image *self);

/* Sample c of pixel (x, y); for gray images c is ignored. */
uint8_t synth_image_at(const synth_image *self, int x, int y, int c);

/* A colour as RGB; gray images take its Rec. 601 luma (rounded). */
typedef struct synth_color {
  uint8_t r, g, b;
} synth_color;

void synth_fill(synth_image *self, synth_color color);
/* R rises with x, G with y, B falls with x + y, each over the full 0..255
 * range across the image (gray images get the luma of that). */
void synth_gradient(synth_image *self);
/* Bands of `period` pixels alternating fg and bg, the first band fg, along x
 * (vertical stripes) when vertical is non-zero, else along y. */
void synth_stripes(synth_image *self, int period, int vertical, synth_color fg,
                   synth_color bg);
/* Squares of `cell` pixels alternating fg and bg, fg at the origin. */
void synth_checkerboard(synth_image *self, int cell, synth_color fg,
                        synth_color bg);
/* Filled shapes drawn over what is there. A pixel is inside when its centre
 * (x + 0.5, y + 0.5) is. */
void synth_circle(synth_image *self, double cx, double cy, double radius,
                  synth_color color);
void synth_square(synth_image *self, double cx, double cy, double half_side,
                  synth_color color);
/* An upright isosceles triangle with its centroid-ish centre at (cx, cy):
 * apex at (cx, cy - size), base from (cx - size, cy + size) to
 * (cx + size, cy + size). */
void synth_triangle(synth_image *self, double cx, double cy, double size,
                    synth_color color);
/* Adds uniform noise in [-amplitude, amplitude] to every sample, clamped. */
void synth_noise(synth_image *self, uint64_t *rng, int amplitude);

/* A small seeded generator (splitmix64): the state is any uint64_t, the
 * sequence depends on nothing else. */
uint64_t synth_rand(uint64_t *rng);
/* Uniform in [0, 1). */
double synth_uniform(uint64_t *rng);
/* Uniform integer in [lo, hi]. */
int synth_rand_int(uint64_t *rng, int lo, int hi);

/* Rec. 601 luma of a colour, rounded: what a gray image stores. */
uint8_t synth_luma(synth_color color);

/* ---- encoders ----------------------------------------------------------- */
/* Each returns a new buffer in *out (free with free()) of *n bytes. */

enum {
  SYNTH_JPEG_PROGRESSIVE = 1, /* progressive scans instead of baseline */
  SYNTH_JPEG_GRAY = 2,        /* a one-component (grayscale) JPEG */
  SYNTH_JPEG_444 = 4          /* no chroma subsampling (default is 4:2:0) */
};

/* JPEG of a gray or RGB image at quality 1..100 with SYNTH_JPEG_* flags.
 * A gray image always gives a grayscale JPEG. */
int synth_jpeg_encode(const synth_image *img, int quality, int flags,
                      unsigned char **out, size_t *n);

/* A CMYK (stored as YCCK, with an Adobe marker) JPEG of an RGB image. The
 * CMYK samples are inverted, as Adobe software writes them: see
 * synth_rgb_to_cmyk. */
int synth_jpeg_encode_cmyk(const synth_image *rgb, int quality,
                           unsigned char **out, size_t *n);

/* Inverted ("Adobe") CMYK for an RGB colour: K' = max(R, G, B), and
 * C' = R * 255 / K' (likewise M' from G, Y' from B), all rounded, so that
 * R = C' K' / 255 comes back. Black gives C' = M' = Y' = 255, K' = 0. */
void synth_rgb_to_cmyk(uint8_t r, uint8_t g, uint8_t b, uint8_t cmyk[4]);

/* PNG colour types, numbered as in the PNG specification. */
enum {
  SYNTH_PNG_GRAY = 0,
  SYNTH_PNG_RGB = 2,
  SYNTH_PNG_PALETTE = 3,
  SYNTH_PNG_GRAY_ALPHA = 4,
  SYNTH_PNG_RGBA = 6
};

/* Channels per pixel of a PNG colour type (palette: 1, the index). */
int synth_png_channels(int color_type);

/* A PNG described sample by sample, for exercising every layout. */
typedef struct synth_png {
  int width, height;
  int color_type;           /* SYNTH_PNG_* */
  int bit_depth;            /* 1, 2, 4, 8 or 16 as the colour type allows */
  int interlaced;           /* Adam7 when non-zero */
  const uint16_t *samples;  /* width * height * synth_png_channels(type),
                             * interleaved, each below 2^bit_depth; palette
                             * indexes for SYNTH_PNG_PALETTE */
  const uint8_t *palette;   /* palette_size RGB triples (palette type only) */
  int palette_size;         /* 1 .. 2^bit_depth */
  const uint8_t *trns;      /* palette alpha, trns_size entries, or NULL */
  int trns_size;
  int compression;          /* zlib level 0..9; 0 is fine for tests, -1 for
                             * the default */
} synth_png;

int synth_png_encode(const synth_png *spec, unsigned char **out, size_t *n);

/* The common case: an 8-bit gray or RGB PNG of an image. */
int synth_png_encode_image(const synth_image *img, int interlaced,
                           unsigned char **out, size_t *n);

/* Binary PNM: P5 for one channel, P6 for three. samples are width * height *
 * channels values, each <= maxval (1..65535; two bytes big-endian each when
 * maxval > 255). A non-NULL comment goes on a "#" line inside the header. */
int synth_pnm_encode(const uint16_t *samples, int width, int height,
                     int channels, int maxval, const char *comment,
                     unsigned char **out, size_t *n);

/* The common case: an 8-bit (maxval 255) PNM of an image. */
int synth_pnm_encode_image(const synth_image *img, unsigned char **out,
                           size_t *n);

/* ---- files -------------------------------------------------------------- */

/* Writes n bytes to path (created or truncated, not atomically: tests want
 * to make odd files). */
int synth_write_file(const char *path, const void *bytes, size_t n);

/* For scratch folders, see testutil.h (test_tmpdir, test_rmtree). */

#endif
