/* phow_bare.c: the floor for `bovw extract`: PHOW as a bare loop.
 *
 *   phow_bare MANIFEST.tsv [THREADS] [LIMIT] [--color gray|opponent]
 *
 * For each image of the manifest (the first LIMIT when given; 0 = all), in
 * parallel over images with OpenMP, it does the work PHOW cannot avoid and
 * nothing else: read and decode the file (bovw_image_load: 1 channel for
 * gray, 3 for opponent), shrink so the longer side is at most 480 (area
 * averaging), convert to vl_phow's opponent space when asked, then for each
 * bin size s in 4,6,8,10 and each channel: Gaussian smoothing with sigma =
 * s/6 (vl_imsmooth_f) and dense SIFT (vl_dsift, step 3, flat window, window
 * size 1.5, bounds offset so all sizes share the centres), each descriptor
 * converted to uint8 min(512 x, 255) into a per-thread buffer holding the
 * image's descriptors (rows of 128 or 3 x 128 bytes, as bovw lays them out).
 *
 * Left out on purpose, because they are what bovw adds on top: frames,
 * contrast zeroing, ordering results, writing to disk, progress. It calls
 * VLFeat directly (not bovw_phow_*), each thread owns its filters and
 * buffers, and VLFeat runs single-threaded (vl_set_num_threads(1)), as in
 * bovw. Files are NOT read ahead: bovw extract reads them too, so the
 * comparison is like for like (warm the page cache before timing either).
 * The timer covers the parallel loop only (not reading the manifest).
 *
 * Prints: images N threads T seconds S images/s X descriptors/s Y, where
 * N counts images decoded (failures are reported on stderr) and a
 * "descriptor" is one keypoint (one row, whatever the colour), as in the
 * counts `bovw extract` prints. bovw extract must come within 10% of this. */
#define _GNU_SOURCE
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vl/dsift.h>
#include <vl/generic.h>
#include <vl/imopv.h>

#include "bovw/image.h"
#include "bovw/manifest.h"

enum { NSIZES = 4, STEP = 3, MAX_SIDE = 480, DIM = 128 };
static const int SIZES[NSIZES] = {4, 6, 8, 10};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* What one thread owns: filters for the current image size, and buffers. */
typedef struct {
  VlDsiftFilter *f[NSIZES];
  int w, h;
  float *planes, *smoothed;
  uint8_t *desc;
  size_t planes_cap, smoothed_cap, desc_cap;
} worker;

static void *grow(void *p, size_t *cap, size_t bytes) {
  if (bytes <= *cap) return p;
  free(p);
  *cap = bytes;
  p = malloc(bytes);
  if (!p) { fprintf(stderr, "phow_bare: out of memory\n"); exit(1); }
  return p;
}

static void set_size(worker *wk, int w, int h) {
  if (wk->w == w && wk->h == h) return;
  for (int i = 0; i < NSIZES; i++) {
    if (wk->f[i]) vl_dsift_delete(wk->f[i]);
    int s = SIZES[i], off = (int)floor(1 + 1.5 * (SIZES[NSIZES - 1] - s)) - 1;
    wk->f[i] = vl_dsift_new_basic(w, h, STEP, s);
    vl_dsift_set_bounds(wk->f[i], off, off, w - 1, h - 1);
    vl_dsift_set_flat_window(wk->f[i], 1);
    vl_dsift_set_window_size(wk->f[i], 1.5);
  }
  wk->w = w;
  wk->h = h;
}

/* PHOW of one image already at its working size; returns the keypoints. */
static size_t phow(worker *wk, const bovw_image *img, int opponent) {
  int w = img->width, h = img->height, nch = opponent ? 3 : 1;
  size_t n = (size_t)w * h, total = 0;
  set_size(wk, w, h);
  for (int i = 0; i < NSIZES; i++) total += vl_dsift_get_keypoint_num(wk->f[i]);
  wk->smoothed = grow(wk->smoothed, &wk->smoothed_cap, n * sizeof(float));
  wk->desc = grow(wk->desc, &wk->desc_cap, total * (size_t)nch * DIM);
  const float *planes = img->pixels;
  if (opponent) {  /* vl_phow's opponent space */
    wk->planes = grow(wk->planes, &wk->planes_cap, 3 * n * sizeof(float));
    const float *r = img->pixels, *g = r + n, *b = g + n;
    float *o = wk->planes, s2 = 1 / sqrtf(2), s6 = 1 / sqrtf(6);
    for (size_t i = 0; i < n; i++) {
      float mu = 0.3f * r[i] + 0.59f * g[i] + 0.11f * b[i];
      o[i] = mu;
      o[n + i] = (r[i] - g[i]) * s2 + 0.01f * mu;
      o[2 * n + i] = (r[i] + g[i] - 2 * b[i]) * s6 + 0.01f * mu;
    }
    planes = wk->planes;
  }
  size_t row = 0;
  for (int i = 0; i < NSIZES; i++) {
    size_t k = vl_dsift_get_keypoint_num(wk->f[i]);
    double sigma = SIZES[i] / 6.0;
    for (int c = 0; c < nch; c++) {
      vl_imsmooth_f(wk->smoothed, w, planes + c * n, w, h, w, sigma, sigma);
      vl_dsift_process(wk->f[i], wk->smoothed);
      const float *d = vl_dsift_get_descriptors(wk->f[i]);
      for (size_t j = 0; j < k; j++) {
        uint8_t *dst = wk->desc + ((row + j) * nch + c) * DIM;
        for (int t = 0; t < DIM; t++) {
          float v = 512.0f * d[j * DIM + t];
          dst[t] = (uint8_t)(v < 255.0f ? v : 255.0f);
        }
      }
    }
    row += k;
  }
  return row;
}

int main(int argc, char **argv) {
  const char *manifest = NULL;
  long nums[2] = {1, 0};  /* THREADS, LIMIT */
  int nnums = 0, opponent = 0, bad = 0;
  for (int a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "--color") && a + 1 < argc) {
      const char *c = argv[++a];
      if (!strcmp(c, "opponent")) opponent = 1;
      else if (strcmp(c, "gray")) bad = 1;
    } else if (!manifest) {
      manifest = argv[a];
    } else if (nnums < 2) {
      nums[nnums++] = atol(argv[a]);
    } else {
      bad = 1;
    }
  }
  if (!manifest || bad || nums[0] < 1 || nums[1] < 0) {
    fprintf(stderr, "usage: phow_bare MANIFEST.tsv [THREADS] [LIMIT] [--color gray|opponent]\n");
    return 2;
  }
  int threads = (int)nums[0];
  bovw_error err;
  bovw_manifest *m;
  if (bovw_manifest_read(manifest, &m, &err)) {
    fprintf(stderr, "phow_bare: %s\n", err.message);
    return 1;
  }
  size_t n = m->count;
  if (nums[1] > 0 && (size_t)nums[1] < n) n = (size_t)nums[1];
  char **paths = calloc(n, sizeof *paths);
  for (size_t i = 0; i < n; i++) paths[i] = bovw_manifest_resolve(m, i);
  worker *workers = calloc((size_t)threads, sizeof *workers);
  vl_set_num_threads(1);

  size_t done = 0, descriptors = 0;
  double t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : done, descriptors)
  {
    worker *wk = &workers[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
      bovw_image *img = NULL, *small = NULL;
      bovw_error e;
      if (bovw_image_load(paths[i], opponent ? 3 : 1, &img, &e)) {
        fprintf(stderr, "phow_bare: %s\n", e.message);
        continue;
      }
      int w, h;
      bovw_image_fit_size(img->width, img->height, MAX_SIDE, 0, &w, &h);
      if ((w != img->width || h != img->height) && bovw_image_resize(img, w, h, &small, &e)) {
        fprintf(stderr, "phow_bare: %s\n", e.message);
        bovw_image_free(img);
        continue;
      }
      descriptors += phow(wk, small ? small : img, opponent);
      done++;
      bovw_image_free(small);
      bovw_image_free(img);
    }
  }
  double dt = now() - t0;
  printf("images %zu threads %d seconds %.3f images/s %.1f descriptors/s %.0f\n", done,
         threads, dt, (double)done / dt, (double)descriptors / dt);

  for (int t = 0; t < threads; t++) {
    for (int i = 0; i < NSIZES; i++)
      if (workers[t].f[i]) vl_dsift_delete(workers[t].f[i]);
    free(workers[t].planes);
    free(workers[t].smoothed);
    free(workers[t].desc);
  }
  free(workers);
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
  bovw_manifest_free(m);
  return done == n ? 0 : 1;
}
