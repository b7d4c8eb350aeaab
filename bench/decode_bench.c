/* decode_bench.c: image decoding throughput over a manifest.
 *
 *   decode_bench MANIFEST.tsv [THREADS] [MAX_SIDE]
 *
 * Decodes every image of the manifest to float gray (as extract does) and,
 * when MAX_SIDE > 0, shrinks it so its longer side is at most MAX_SIDE.
 * Prints one line: images, seconds, images/s, megapixels/s. Files are read
 * once before the clock starts so the figure is decoding, not the disk. */
#define _GNU_SOURCE
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bovw/fs.h"
#include "bovw/image.h"
#include "bovw/manifest.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: decode_bench MANIFEST.tsv [THREADS] [MAX_SIDE]\n");
    return 2;
  }
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  int max_side = argc > 3 ? atoi(argv[3]) : 480;
  bovw_error err;
  bovw_manifest *m;
  if (bovw_manifest_read(argv[1], &m, &err)) {
    fprintf(stderr, "decode_bench: %s\n", err.message);
    return 1;
  }
  size_t n = m->count;
  unsigned char **bytes = calloc(n, sizeof *bytes);
  size_t *sizes = calloc(n, sizeof *sizes);
  for (size_t i = 0; i < n; i++) {
    char *path = bovw_manifest_resolve(m, i);
    if (bovw_read_file(path, 0, &bytes[i], &sizes[i], &err))
      fprintf(stderr, "decode_bench: %s\n", err.message);
    free(path);
  }
  double pixels = 0, t0 = now();
  size_t failed = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4) reduction(+ : pixels, failed)
  for (size_t i = 0; i < n; i++) {
    bovw_image *img = NULL, *small = NULL;
    bovw_error e;
    if (!bytes[i] || bovw_image_decode(bytes[i], sizes[i], m->paths[i], 1, &img, &e)) {
      failed++;
      continue;
    }
    pixels += (double)img->width * img->height;
    int w, h;
    bovw_image_fit_size(img->width, img->height, max_side, 0, &w, &h);
    if (w != img->width || h != img->height) {
      if (bovw_image_resize(img, w, h, &small, &e)) failed++;
    }
    bovw_image_free(small);
    bovw_image_free(img);
  }
  double dt = now() - t0;
  printf("images %zu failed %zu threads %d seconds %.3f images/s %.1f Mpixel/s %.1f\n",
         n, failed, threads, dt, (double)(n - failed) / dt, pixels / dt / 1e6);
  for (size_t i = 0; i < n; i++) free(bytes[i]);
  free(bytes);
  free(sizes);
  bovw_manifest_free(m);
  return 0;
}
