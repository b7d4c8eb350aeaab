/* edges.c: `bovw dataset edges`, a synthetic image folder for the lecture's
 * edge detector: gray images with one vertical step edge (class
 * "vertical") against images with one horizontal step edge (class
 * "horizontal").
 *
 * Both classes are drawn alike, so that nothing but the direction of the
 * step tells them apart: every image has a brightness of its own, drawn
 * uniformly, and steps by +-d (d uniform in [contrast_min, contrast_max],
 * the sign uniform, or always + with `rising`) between two columns (vertical) or two rows
 * (horizontal) drawn uniformly; then every pixel gets Gaussian noise and is
 * rounded to 8 bits. The brightness, the range of values and the mean
 * step say nothing about the class; a difference of horizontal neighbours
 * does. Image j of class c depends on (seed, c, j) alone, so the folder is
 * the same at any thread count. */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bovw/artifact.h"
#include "bovw/dataset.h"
#include "bovw/fs.h"
#include "bovw/rng.h"
#include "dataset/internal.h"
#include "io/runtime.h"

const char *const bovw_edges_classes[2] = {"vertical", "horizontal"};

/* Each image's generator: a stream of the seed per (class, index). */
#define IMAGE_STREAM 0x3c6ef372fe94f82bULL

void bovw_edges_options_default(bovw_edges_options *o) {
  *o = (bovw_edges_options){.per_class = 500,
                            .height = 28,
                            .width = 28,
                            .brightness_min = 0.2,
                            .brightness_max = 0.8,
                            .contrast_min = 0.1,
                            .contrast_max = 0.4,
                            .noise = 0.02,
                            .rising = 0,
                            .seed = 0,
                            .threads = 0};
}

const char *bovw_edges_options_check(const bovw_edges_options *o) {
  if (o->per_class < 1) return "at least one image per class";
  if (o->height < 2 || o->height > 4096 || o->width < 2 || o->width > 4096)
    return "the size must be from 2x2 to 4096x4096 (an edge lies between two columns or rows)";
  if (!(o->brightness_min >= 0 && o->brightness_min <= o->brightness_max &&
        o->brightness_max <= 1))
    return "the brightness range must be within [0, 1], its low end first";
  if (!(o->contrast_min > 0 && o->contrast_min <= o->contrast_max && o->contrast_max <= 1))
    return "the contrast range must be within (0, 1], its low end first";
  if (!(o->noise >= 0 && o->noise <= 1)) return "the noise must be from 0 to 1";
  return NULL;
}

int bovw_edges_draw(const bovw_edges_options *o, int vertical, size_t j, uint8_t *pixels) {
  bovw_rng rng;
  bovw_rng_seed(&rng, (o->seed ^ IMAGE_STREAM) + 0x9e3779b97f4a7c15ULL * (2 * (uint64_t)j +
                                                                            (vertical ? 0 : 1)));
  const double b = o->brightness_min + (o->brightness_max - o->brightness_min) *
                                           bovw_rng_uniform(&rng);
  const double d = o->contrast_min + (o->contrast_max - o->contrast_min) *
                                         bovw_rng_uniform(&rng);
  const int down = (int)bovw_rng_below(&rng, 2); /* drawn either way: the same images else */
  const double s = down && !o->rising ? -d : d;
  /* The first column right of the step, or the first row below it. */
  const int across = vertical ? o->width : o->height;
  const int step = 1 + (int)bovw_rng_below(&rng, (uint64_t)across - 1);
  for (int y = 0; y < o->height; y++)
    for (int x = 0; x < o->width; x++) {
      const int after = (vertical ? x : y) >= step;
      double v = b + (after ? s : -s) / 2 + o->noise * bovw_rng_normal(&rng);
      v = round(v * 255);
      pixels[(size_t)y * o->width + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  return step;
}

/* Removes the PNG files of a class folder: a rerun with fewer images leaves
 * none of the earlier run's behind. */
static int clear_pngs(const char *dir, bovw_error *err) {
  DIR *d = opendir(dir);
  if (!d) return BOVW_OK;
  const struct dirent *e;
  int rc = BOVW_OK;
  while (!rc && (e = readdir(d))) {
    const size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 4, ".png")) continue;
    char *path = bovw_path_join(dir, e->d_name);
    if (!path || unlink(path) != 0)
      rc = bovw_error_set(err, BOVW_ERR_IO, "%s/%s: cannot remove the earlier image", dir,
                          e->d_name);
    free(path);
  }
  closedir(d);
  return rc;
}

static cJSON *options_json(const bovw_edges_options *o) {
  cJSON *j = cJSON_CreateObject();
  int ok = j && cJSON_AddNumberToObject(j, "per_class", o->per_class) &&
           cJSON_AddNumberToObject(j, "height", o->height) &&
           cJSON_AddNumberToObject(j, "width", o->width) &&
           cJSON_AddNumberToObject(j, "brightness_min", o->brightness_min) &&
           cJSON_AddNumberToObject(j, "brightness_max", o->brightness_max) &&
           cJSON_AddNumberToObject(j, "contrast_min", o->contrast_min) &&
           cJSON_AddNumberToObject(j, "contrast_max", o->contrast_max) &&
           cJSON_AddNumberToObject(j, "noise", o->noise) &&
           cJSON_AddBoolToObject(j, "rising", o->rising) &&
           cJSON_AddNumberToObject(j, "seed", (double)o->seed);
  if (!ok) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

int bovw_dataset_edges(const char *root, const bovw_edges_options *o,
                       const bovw_monitor *monitor, bovw_error *err) {
  const char *bad = bovw_edges_options_check(o);
  if (bad) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", bad);
  int rc = bovw_artifact_begin(root, err);
  char *folders[2] = {NULL, NULL};
  for (int c = 0; !rc && c < 2; c++) {
    char name[32];
    snprintf(name, sizeof name, "%d_%s", c, bovw_edges_classes[c]);
    if (!(folders[c] = bovw_path_join(root, name)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    if (!rc) rc = bovw_mkdir_p(folders[c], err);
    if (!rc) rc = clear_pngs(folders[c], err);
  }
  const size_t per = (size_t)o->per_class, n = 2 * per, pixels = (size_t)o->height * o->width;
  const int width = bovw_dataset_digits(per - 1), threads = bovw_threads_resolve(o->threads);
  size_t done = 0;
  volatile int failed = rc != BOVW_OK;
#pragma omp parallel num_threads(threads)
  {
    uint8_t *img = malloc(pixels);
#pragma omp for schedule(dynamic, 64)
    for (size_t i = 0; i < n; i++) {
      if (failed) continue;
      const int c = (int)(i / per);
      const size_t j = i % per;
      char file[64];
      snprintf(file, sizeof file, "%0*zu.png", width, j);
      char *path = img ? bovw_path_join(folders[c], file) : NULL;
      bovw_error local;
      int r;
      if (!path) {
        r = bovw_error_set(&local, BOVW_ERR_NOMEM, "out of memory");
      } else {
        bovw_edges_draw(o, c == 0, j, img);
        r = bovw_png_write(path, img, o->width, o->height, 1, &local);
      }
      free(path);
      if (r) bovw_parallel_fail(&failed, &rc, err, r, &local);
      bovw_monitor_tick(monitor, "edges", &done, n, 500);
    }
    free(img);
  }
  free(folders[0]);
  free(folders[1]);
  if (rc) return rc;
  /* meta.json, last: the folder is an artifact of kind "images", as an
   * IDX import is, whose options say how to make it again. */
  cJSON *meta = bovw_meta_new("images");
  cJSON *names = meta ? cJSON_CreateStringArray(bovw_edges_classes, 2) : NULL;
  int ok = names && cJSON_AddItemToObject(meta, "classes", names);
  if (!ok) cJSON_Delete(names);
  cJSON *opts = ok ? options_json(o) : NULL;
  ok = ok && opts && cJSON_AddItemToObject(meta, "options", opts);
  if (!ok) cJSON_Delete(opts);
  ok = ok && cJSON_AddStringToObject(meta, "generator", "edges") &&
       cJSON_AddNumberToObject(meta, "count", (double)n);
  rc = ok ? bovw_meta_write(root, meta, err) : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  cJSON_Delete(meta);
  return rc;
}
