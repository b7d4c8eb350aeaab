/* image.h: decoding images into float planes, and resizing them.
 *
 * Formats are recognised by their first bytes, never by the file name:
 * JPEG (libjpeg-turbo: baseline, progressive, grayscale, CMYK/YCCK converted to
 * RGB), PNG (libpng: 1-16 bit, palette, gray, alpha dropped; 16-bit samples
 * are rounded to 8 bits) and binary PNM (P5 gray, P6 colour, maxval up to
 * 65535).
 *
 * Pixels are float in [0,1], stored as planes: channel c of pixel (x, y) is
 * pixels[c * width * height + y * width + x]. Gray is computed from RGB with
 * the Rec. 601 weights 0.299 R + 0.587 G + 0.114 B, the luma a colour JPEG
 * already stores, so that a gray image is the same whichever format it came
 * in.
 *
 * Decoding is strict: a JPEG that libjpeg warns about (data ending early,
 * bad Huffman codes, stray bytes before a marker) is an error, as are a PNG
 * cut anywhere before IEND and a PNM shorter than its header says. A header
 * announcing more than 65535 pixels a side or 2^28 pixels in all is refused
 * before anything is allocated. Transparency is dropped, not composited;
 * EXIF orientation and colour profiles are ignored. Every call is
 * thread-safe: nothing is shared between calls. */
#ifndef BOVW_IMAGE_H
#define BOVW_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

typedef enum bovw_image_format {
  BOVW_IMAGE_UNKNOWN = 0,
  BOVW_IMAGE_JPEG,
  BOVW_IMAGE_PNG,
  BOVW_IMAGE_PNM
} bovw_image_format;

typedef struct bovw_image {
  int width, height;
  int channels;   /* 1 (gray) or 3 (RGB) */
  float *pixels;  /* channels planes of width x height floats, owned */
} bovw_image;

/* A new image with all pixels 0, or NULL when out of memory or when a
 * dimension or the channel count is not positive or the size overflows.
 * Free with bovw_image_free (NULL is fine). */
bovw_image *bovw_image_new(int width, int height, int channels);
void bovw_image_free(bovw_image *self);

/* Which format the first n bytes announce (n >= 8 is enough for all). */
bovw_image_format bovw_image_sniff(const unsigned char *bytes, size_t n);
const char *bovw_image_format_name(bovw_image_format format);

/* Reads width, height and format from the header only, without decoding the
 * pixels: a quick check that a file is an image (a PNM's probe also checks
 * that its pixel bytes are all there). `name` is used in messages only; any
 * of format, width, height may be NULL. *format is set even on failure.
 * Returns 0 or an error (BOVW_ERR_FORMAT for a bad or unknown header). */
int bovw_image_probe(const unsigned char *bytes, size_t n, const char *name,
                     bovw_image_format *format, int *width, int *height,
                     bovw_error *err);

/* Decodes bytes into a new image with `channels` (1 or 3) channels. `name` is
 * the file name put at the start of error messages ("img/3.jpg: truncated
 * JPEG data"). On success *out owns a new image; on failure *out is NULL. */
int bovw_image_decode(const unsigned char *bytes, size_t n, const char *name,
                      int channels, bovw_image **out, bovw_error *err);

/* Reads a whole file and decodes it (see bovw_image_decode). An empty file,
 * a directory, an unreadable file, or one that is not a JPEG, PNG or PNM
 * image gives an error naming the path. */
int bovw_image_load(const char *path, int channels, bovw_image **out,
                    bovw_error *err);

/* Loads an image file (bovw_image_load) and resamples it to exactly width x
 * height (bovw_image_resize, aspect ratio not kept; nothing when it has that
 * size already) into dst: channels planes of height x width floats, which
 * the caller provides. Errors name the path. */
int bovw_image_load_sized(const char *path, int channels, int width, int height, float *dst,
                          bovw_error *err);

/* Resamples to exactly width x height: area averaging (each output pixel the
 * mean of the input area it covers, partial pixels weighted by coverage)
 * when shrinking an axis, bilinear interpolation (pixel centres at
 * half-integers, edges clamped) when enlarging it; each axis on its own.
 * Returns a new image in *out, or BOVW_ERR_INVALID for a size below 1. */
int bovw_image_resize(const bovw_image *self, int width, int height,
                      bovw_image **out, bovw_error *err);

/* The size an image of width x height gets when its longer side is brought to
 * at most max_side (aspect kept, each side rounded, at least 1). A smaller
 * image keeps its size unless `upscale` is non-zero, in which case the longer
 * side becomes max_side too. max_side <= 0 means no limit, and a width or
 * height below 1 is passed through unchanged. */
void bovw_image_fit_size(int width, int height, int max_side, int upscale,
                         int *out_width, int *out_height);

/* Writes an 8-bit PNG (gray when channels == 1, RGB when 3) of interleaved
 * samples (row-major, width * channels bytes a row), through a temporary
 * file renamed at the end (see bovw_atomic_open). */
int bovw_png_write(const char *path, const uint8_t *samples, int width,
                   int height, int channels, bovw_error *err);

#endif
