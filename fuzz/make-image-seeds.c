/* make-image-seeds.c: the seed corpus of the image fuzz target, made with the
 * same libraries bovw reads images with (tests/support/synth_images): small
 * pictures in every layout the readers handle, so that the fuzzer starts
 * from each decoder's paths. Writes OUT_DIR/<name> files; prints nothing on
 * success.
 *   make-image-seeds OUT_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/synth_images.h"

static const char *out_dir;
static int failed;

/* Writes what an encoder made (rc its status) and frees it. */
static void save(const char *name, unsigned char **bytes, size_t n, int rc) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", out_dir, name);
  if (rc || synth_write_file(path, *bytes, n)) {
    fprintf(stderr, "make-image-seeds: %s: cannot make it\n", path);
    failed = 1;
  }
  free(*bytes);
  *bytes = NULL;
}

/* A PNG of w x h samples of a colour type and depth, a ramp of values. */
static void png(const char *name, int type, int depth, int interlaced, int w, int h) {
  int ch = synth_png_channels(type);
  uint16_t *s = malloc((size_t)w * h * ch * sizeof *s);
  uint8_t palette[3 * 16];
  if (!s) exit(1);
  for (int i = 0; i < w * h * ch; i++) s[i] = (uint16_t)((i * 37) % (1 << depth));
  for (int i = 0; i < 3 * 16; i++) palette[i] = (uint8_t)(i * 5);
  uint8_t trns[4] = {0, 128, 255, 64};
  synth_png spec = {w, h, type, depth, interlaced, s,
                    type == SYNTH_PNG_PALETTE ? palette : NULL, 16,
                    type == SYNTH_PNG_PALETTE ? trns : NULL, type == SYNTH_PNG_PALETTE ? 4 : 0,
                    -1};
  if (type == SYNTH_PNG_PALETTE)
    for (int i = 0; i < w * h; i++) s[i] = (uint16_t)(s[i] % 16);
  unsigned char *out = NULL;
  size_t n = 0;
  int rc = synth_png_encode(&spec, &out, &n);
  save(name, &out, n, rc);
  free(s);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make-image-seeds OUT_DIR\n");
    return 2;
  }
  out_dir = argv[1];
  uint64_t rng = 7;
  synth_image *rgb = synth_image_new(16, 12, 3), *gray = synth_image_new(9, 7, 1);
  if (!rgb || !gray) return 1;
  synth_gradient(rgb);
  synth_noise(rgb, &rng, 20);
  synth_checkerboard(gray, 2, (synth_color){250, 250, 250}, (synth_color){10, 10, 10});
  unsigned char *out = NULL;
  size_t n = 0;
  int rc;
  /* JPEG: baseline 4:2:0, 4:4:4, progressive, gray, CMYK (YCCK). */
  rc = synth_jpeg_encode(rgb, 80, 0, &out, &n);
  save("baseline.jpg", &out, n, rc);
  rc = synth_jpeg_encode(rgb, 90, SYNTH_JPEG_444, &out, &n);
  save("444.jpg", &out, n, rc);
  rc = synth_jpeg_encode(rgb, 75, SYNTH_JPEG_PROGRESSIVE, &out, &n);
  save("progressive.jpg", &out, n, rc);
  rc = synth_jpeg_encode(gray, 85, SYNTH_JPEG_GRAY, &out, &n);
  save("gray.jpg", &out, n, rc);
  rc = synth_jpeg_encode_cmyk(rgb, 70, &out, &n);
  save("cmyk.jpg", &out, n, rc);
  /* PNG: every colour type, low and high depths, interlaced. */
  png("gray1.png", SYNTH_PNG_GRAY, 1, 0, 11, 5);
  png("gray8.png", SYNTH_PNG_GRAY, 8, 0, 8, 6);
  png("gray16.png", SYNTH_PNG_GRAY, 16, 0, 5, 4);
  png("rgb8-adam7.png", SYNTH_PNG_RGB, 8, 1, 9, 9);
  png("rgb16.png", SYNTH_PNG_RGB, 16, 0, 4, 3);
  png("palette4.png", SYNTH_PNG_PALETTE, 4, 0, 7, 5);
  png("gray-alpha8.png", SYNTH_PNG_GRAY_ALPHA, 8, 0, 6, 6);
  png("rgba16.png", SYNTH_PNG_RGBA, 16, 1, 5, 5);
  /* PNM: P5 and P6 at 8 bits, 16 bits, with a comment. */
  rc = synth_pnm_encode_image(gray, &out, &n);
  save("gray.pgm", &out, n, rc);
  rc = synth_pnm_encode_image(rgb, &out, &n);
  save("rgb.ppm", &out, n, rc);
  uint16_t wide[4 * 3 * 3];
  for (int i = 0; i < 4 * 3 * 3; i++) wide[i] = (uint16_t)(i * 1800);
  rc = synth_pnm_encode(wide, 4, 3, 3, 65535, "a comment", &out, &n);
  save("rgb16.ppm", &out, n, rc);
  rc = synth_pnm_encode(wide, 6, 2, 1, 1000, NULL, &out, &n);
  save("gray1000.pgm", &out, n, rc);
  synth_image_free(rgb);
  synth_image_free(gray);
  return failed;
}
