/* pixels.c: the raw-pixel baseline: a manifest's images, resampled small
 * and flattened, as an encodings artifact (include/bovw/encode.h). It shows
 * what train, eval and the networks make of the images without descriptors
 * or a codebook. */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/fs.h"
#include "bovw/image.h"
#include "bovw/manifest.h"
#include "io/runtime.h"

#define PIXELS "pixels"  /* the "encoding" of these params */

void bovw_pixels_params_default(bovw_pixels_params *p) {
  *p = (bovw_pixels_params){.width = 32, .height = 32, .channels = 1, .standardize = 0};
}

const char *bovw_pixels_params_check(const bovw_pixels_params *p) {
  if (p->width < 1 || p->height < 1 || p->width > 4096 || p->height > 4096)
    return "the size must be from 1x1 to 4096x4096";
  if (p->channels != 1 && p->channels != 3) return "the colour must be gray or rgb";
  return NULL;
}

/* The params as meta.json holds them: the same words as the options. */
static cJSON *params_to_json(const bovw_pixels_params *p) {
  cJSON *j = cJSON_CreateObject();
  if (j && cJSON_AddStringToObject(j, "encoding", PIXELS) &&
      cJSON_AddNumberToObject(j, "width", p->width) &&
      cJSON_AddNumberToObject(j, "height", p->height) &&
      cJSON_AddStringToObject(j, "color", p->channels == 3 ? "rgb" : "gray") &&
      cJSON_AddBoolToObject(j, "standardize", p->standardize))
    return j;
  cJSON_Delete(j);
  return NULL;
}

int bovw_pixels_params_like(const char *encodings_dir, bovw_pixels_params *p,
                            bovw_error *err) {
  cJSON *meta;
  int rc = bovw_meta_read(encodings_dir, "encodings", &meta, err);
  if (rc) return rc;
  const cJSON *j = cJSON_GetObjectItem(meta, "params");
  const char *enc = bovw_meta_string(j, "encoding", "?");
  const char *color = bovw_meta_string(j, "color", "");
  if (strcmp(enc, PIXELS) != 0) {
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s holds %s encodings, not pixels",
                        encodings_dir, enc);
  } else {
    p->width = (int)bovw_meta_whole(j, "width", INT_MIN, INT_MAX, 0);
    p->height = (int)bovw_meta_whole(j, "height", INT_MIN, INT_MAX, 0);
    p->channels = !strcmp(color, "rgb") ? 3 : !strcmp(color, "gray") ? 1 : 0;
    p->standardize = cJSON_IsTrue(cJSON_GetObjectItem(j, "standardize"));
    const char *bad = bovw_pixels_params_check(p);
    if (bad) rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: %s", encodings_dir, bad);
  }
  cJSON_Delete(meta);
  return rc;
}

/* Mean 0 and deviation 1 within one image; a flat image becomes zeros. */
static void standardize(float *v, size_t n) {
  double sum = 0, sq = 0;
  for (size_t i = 0; i < n; i++) sum += v[i];
  const double mean = sum / (double)n;
  for (size_t i = 0; i < n; i++) sq += (v[i] - mean) * (v[i] - mean);
  const double sd = sqrt(sq / (double)n);
  const double scale = sd > 1e-6 ? 1 / sd : 0;
  for (size_t i = 0; i < n; i++) v[i] = (float)((v[i] - mean) * scale);
}

/* Decodes every image into v (count x dim), in parallel; failed[i] gets the
 * reason image i could not be read (a new string), or stays NULL. */
static int decode_all(const bovw_manifest *m, const bovw_pixels_params *p, size_t dim,
                      int threads, const bovw_monitor *monitor, float *v, char **failed) {
  const long n = (long)m->count;
  size_t done = 0;
  int nomem = 0;
  /* Each image goes to its own row: the result does not depend on which
   * thread decodes it. */
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
  for (long i = 0; i < n; i++) {
    bovw_error e = {0};
    float *row = v + (size_t)i * dim;
    char *path = bovw_manifest_resolve(m, (size_t)i);
    int rc = path ? bovw_image_load_sized(path, p->channels, p->width, p->height, row, &e)
                  : bovw_error_set(&e, BOVW_ERR_NOMEM, "out of memory");
    free(path);
    if (!rc && p->standardize) standardize(row, dim);
    if (rc && !(failed[i] = strdup(e.message)) ) nomem = 1;
    bovw_monitor_tick(monitor, "pixels", &done, m->count, 1);
  }
  return nomem ? BOVW_ERR_NOMEM : BOVW_OK;
}

/* meta.json of the artifact. */
static int write_meta(const char *out_dir, const bovw_manifest *m, const char *manifest_path,
                      const bovw_pixels_params *p, size_t kept, size_t dim, size_t skipped,
                      int threads, double seconds, bovw_error *err) {
  cJSON *meta = bovw_meta_new("encodings");
  cJSON *params = params_to_json(p), *man = NULL, *names = NULL;
  char *abs = realpath(manifest_path, NULL);
  int ok = meta && params && cJSON_AddItemToObject(meta, "params", params);
  if (!ok) cJSON_Delete(params);
  ok = ok && cJSON_AddNumberToObject(meta, "count", (double)kept) &&
       cJSON_AddNumberToObject(meta, "dim", (double)dim) &&
       (man = cJSON_AddObjectToObject(meta, "manifest")) &&
       cJSON_AddStringToObject(man, "path", abs ? abs : manifest_path) &&
       cJSON_AddStringToObject(man, "sha256", m->sha256) &&
       cJSON_AddNumberToObject(man, "rows", (double)m->count);
  if (ok) {
    names = cJSON_CreateStringArray((const char *const *)m->class_names, (int)m->num_classes);
    ok = names && cJSON_AddItemToObject(meta, "classes", names);
    if (!ok) cJSON_Delete(names);
  }
  ok = ok && cJSON_AddNumberToObject(meta, "skipped", (double)skipped) &&
       cJSON_AddNumberToObject(meta, "threads", threads) &&
       cJSON_AddNumberToObject(meta, "seconds", seconds);
  int rc = ok ? bovw_meta_write(out_dir, meta, err)
              : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  free(abs);
  cJSON_Delete(meta);
  return rc;
}

int bovw_encode_pixels_run(const char *manifest_path, const bovw_pixels_params *p, int threads,
                           const char *out_dir, const bovw_monitor *monitor, bovw_error *err) {
  const double t0 = bovw_now();
  const char *bad = bovw_pixels_params_check(p);
  if (bad) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", bad);
  threads = bovw_threads_resolve(threads);
  bovw_manifest *m = NULL;
  int rc = bovw_manifest_read(manifest_path, &m, err);
  if (rc) return rc;
  const size_t dim = (size_t)p->channels * (size_t)p->width * (size_t)p->height;
  float *v = NULL;
  char **failed = NULL;
  int32_t *labels = NULL;
  char *vp = NULL, *lp = NULL;
  if (m->count == 0) {
    rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: no images", manifest_path);
    goto done;
  }
  if ((double)m->count * (double)dim * 4 > 1e11) {
    rc = bovw_error_set(err, BOVW_ERR_INVALID, "%zu images x %zu pixels is too large",
                        m->count, dim);
    goto done;
  }
  v = malloc(m->count * dim * sizeof *v);
  failed = calloc(m->count, sizeof *failed);
  labels = malloc(m->count * sizeof *labels);
  vp = bovw_path_join(out_dir, "encodings.npy");
  lp = bovw_path_join(out_dir, "labels.npy");
  if (!v || !failed || !labels || !vp || !lp) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu images of %zu pixels",
                        m->count, dim);
    goto done;
  }
  if ((rc = bovw_artifact_begin(out_dir, err))) goto done;
  if ((rc = decode_all(m, p, dim, threads, monitor, v, failed))) {
    bovw_error_set(err, rc, "out of memory");
    goto done;
  }
  /* The readable images, in manifest order; a warning for each other. */
  size_t kept = 0;
  for (size_t i = 0; i < m->count; i++) {
    if (failed[i]) {
      bovw_monitor_warning(monitor, "%s (skipped)", failed[i]);
      continue;
    }
    if (kept != i) memmove(v + kept * dim, v + i * dim, dim * sizeof *v);
    labels[kept++] = m->labels[i];
  }
  if (kept == 0) {
    rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: none of the %zu images could be read",
                        manifest_path, m->count);
    goto done;
  }
  int64_t shape[2] = {(int64_t)kept, (int64_t)dim};
  if ((rc = bovw_npy_write(vp, BOVW_DTYPE_FLOAT32, 2, shape, v, err)) ||
      (rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, shape, labels, err)))
    goto done;
  rc = write_meta(out_dir, m, manifest_path, p, kept, dim, m->count - kept, threads, bovw_now() - t0,
                  err);
done:
  for (size_t i = 0; failed && i < m->count; i++) free(failed[i]);
  free(failed);
  free(labels);
  free(v);
  free(vp);
  free(lp);
  bovw_manifest_free(m);
  return rc;
}
