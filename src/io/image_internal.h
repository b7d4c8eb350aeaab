/* image_internal.h: what the per-format decoders (image_jpeg.c, image_png.c,
 * image_pnm.c) share with the dispatcher in image.c. Not a public header.
 *
 * Each decoder turns its bytes into interleaved samples (8-bit for JPEG and
 * PNG, up to 16-bit for PNM) and hands them to bovw_image_from_samples, so
 * that the conversion to float planes, and to gray, is written once. */
#ifndef BOVW_IMAGE_INTERNAL_H
#define BOVW_IMAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/image.h"

/* Limits on what a header may announce, checked before any allocation so
 * that a corrupt or hostile header cannot make us allocate gigabytes. 2^28
 * pixels is a 16384 x 16384 photograph: far beyond any dataset image. */
#define BOVW_IMAGE_MAX_SIDE 65535
#define BOVW_IMAGE_MAX_PIXELS (1L << 28)

/* Rec. 601 luma, the weights a colour JPEG stores its Y channel with. */
#define BOVW_LUMA_R 0.299f
#define BOVW_LUMA_G 0.587f
#define BOVW_LUMA_B 0.114f

/* 0, or BOVW_ERR_FORMAT naming `name` when width x height is empty or beyond
 * the limits above. `what` names the format in the message ("PNG"). */
int bovw_image_check_size(long width, long height, const char *name,
                          const char *what, bovw_error *err);

/* A new image of `channels` (1 or 3) planes from interleaved samples with
 * src_channels (1 or 3) per pixel. Samples are 8-bit when maxval <= 255 and
 * 16-bit native-endian otherwise; each is divided by maxval. Gray from RGB
 * uses the Rec. 601 weights; gray to RGB copies the plane. Returns NULL when
 * out of memory. */
bovw_image *bovw_image_from_samples(const void *samples, int width,
                                    int height, int src_channels, int maxval,
                                    int channels);

/* The per-format readers. bytes/n hold the whole file; `name` begins every
 * message. Probes read the header only; decoders fill *out (NULL on error). */
int bovw_jpeg_probe(const unsigned char *bytes, size_t n, const char *name,
                    int *width, int *height, bovw_error *err);
int bovw_jpeg_decode(const unsigned char *bytes, size_t n, const char *name,
                     int channels, bovw_image **out, bovw_error *err);

int bovw_png_probe(const unsigned char *bytes, size_t n, const char *name,
                   int *width, int *height, bovw_error *err);
int bovw_png_decode(const unsigned char *bytes, size_t n, const char *name,
                    int channels, bovw_image **out, bovw_error *err);

int bovw_pnm_probe(const unsigned char *bytes, size_t n, const char *name,
                   int *width, int *height, bovw_error *err);
int bovw_pnm_decode(const unsigned char *bytes, size_t n, const char *name,
                    int channels, bovw_image **out, bovw_error *err);

#endif
