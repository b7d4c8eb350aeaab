/* codebook.c: building, writing and reading a codebook artifact. */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vl/gmm.h>

#include "bovw/artifact.h"
#include "bovw/codebook.h"
#include "bovw/fs.h"
#include "codebook/internal.h"
#include "codebook/vl_progress.h"
#include "io/runtime.h"

void bovw_codebook_options_default(bovw_codebook_options *o) {
  memset(o, 0, sizeof *o);
  o->k = 600;  /* the reference recipe: 600 words from 100,000 descriptors */
  o->samples = 100000;
  o->algorithm = BOVW_KMEANS_ELKAN;
  o->init = BOVW_INIT_PLUSPLUS;
  o->iterations = 50;
  o->repetitions = 1;
}

void bovw_codebook_transform(const bovw_codebook *self, const void *raw,
                             const float *frames, size_t n, int width, int height,
                             float *scratch, float *out) {
  bovw_codebook_transform_rows(self, raw, NULL, frames, n, width, height, scratch, out);
}

void bovw_codebook_transform_rows(const bovw_codebook *self, const void *raw,
                                  const size_t *rows, const float *frames, size_t n,
                                  int width, int height, float *scratch, float *out) {
  int raw_dim = bovw_extract_params_dim(&self->features);
  /* Without PCA or x,y the floats are the output: no copy. */
  const int direct = !self->pca && !self->augment_xy;
  float *f = direct ? out : scratch;
  const int is_float = self->features.float_descriptors;
  if (rows) {
    const size_t row_bytes = (size_t)raw_dim * (is_float ? sizeof(float) : 1);
    for (size_t i = 0; i < n; i++)
      bovw_raw_to_float((const char *)raw + rows[i] * row_bytes, is_float, 1, raw_dim,
                        f + i * (size_t)raw_dim);
  } else {
    bovw_raw_to_float(raw, is_float, n, raw_dim, f);
  }
  if (direct) {
    if (self->rootsift) bovw_root_normalise(f, n, raw_dim);
    return;
  }
  if (self->rootsift) bovw_root_normalise(f, n, raw_dim);
  const float *src = f;
  int sdim = raw_dim;
  if (self->pca) {
    float *p = scratch + n * (size_t)raw_dim;
    bovw_pca_apply(self->pca, f, n, p);
    src = p;
    sdim = self->pca->out_dim;
  }
  for (size_t i = 0; i < n; i++) {
    float *y = out + i * (size_t)self->dim;
    memcpy(y, src + i * (size_t)sdim, (size_t)sdim * sizeof *y);
    if (self->augment_xy) {
      /* Position relative to the image, centred: in [-0.5, 0.5]. */
      y[sdim] = frames[4 * i] / (float)width - 0.5f;
      y[sdim + 1] = frames[4 * i + 1] / (float)height - 0.5f;
    }
  }
}

/* Writes a float32 matrix into dir/name. */
static int write_matrix(const char *dir, const char *name, const float *data,
                        int64_t rows, int64_t cols, bovw_error *err) {
  char *path = bovw_path_join(dir, name);
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int64_t shape[2] = {rows, cols};
  int rc = bovw_npy_write(path, BOVW_DTYPE_FLOAT32, cols > 0 ? 2 : 1, shape, data, err);
  free(path);
  return rc;
}

/* A diagonal GMM started from the k-means partition: each component's mean
 * is its centre, its variances those of its points, its prior its share;
 * then EM (VLFeat). */
int bovw_gmm_fit(const float *data, size_t n, int dim, const float *centers, int k,
                 int iterations, int threads, float **means, float **variances,
                 float **priors, double *loglik, const bovw_monitor *monitor,
                 bovw_error *err) {
  int32_t *assign = malloc(n * sizeof *assign);
  double *var = calloc((size_t)k * dim, sizeof *var), *cnt = calloc((size_t)k, sizeof *cnt);
  float *m = malloc((size_t)k * dim * sizeof *m), *v = malloc((size_t)k * dim * sizeof *v);
  float *p = malloc((size_t)k * sizeof *p);
  VlGMM *gmm = NULL;
  int rc = BOVW_OK;
  if (!assign || !var || !cnt || !m || !v || !p) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the GMM");
    goto done;
  }
  rc = bovw_nearest_centers(data, n, dim, centers, k, assign, NULL, threads, err);
  if (rc) goto done;
  /* Variance floor: 1e-4 of the largest variance of the data, per VLFeat's
   * own default for vl_gmm_cluster. */
  double maxvar = 0;
  for (int d = 0; d < dim; d++) {
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
      s += data[i * dim + d];
      s2 += (double)data[i * dim + d] * data[i * dim + d];
    }
    double vv = s2 / (double)n - (s / (double)n) * (s / (double)n);
    if (vv > maxvar) maxvar = vv;
  }
  double floor_var = maxvar * 1e-4 > 1e-12 ? maxvar * 1e-4 : 1e-12;
  for (size_t i = 0; i < n; i++) {
    int c = assign[i];
    cnt[c]++;
    for (int d = 0; d < dim; d++) {
      double t = data[i * dim + d] - centers[(size_t)c * dim + d];
      var[(size_t)c * dim + d] += t * t;
    }
  }
  memcpy(m, centers, (size_t)k * dim * sizeof *m);
  for (int c = 0; c < k; c++) {
    p[c] = (float)((cnt[c] > 0 ? cnt[c] : 1) / (double)n);
    for (int d = 0; d < dim; d++) {
      double vv = cnt[c] > 0 ? var[(size_t)c * dim + d] / cnt[c] : maxvar;
      v[(size_t)c * dim + d] = (float)(vv > floor_var ? vv : floor_var);
    }
  }
  double psum = 0;
  for (int c = 0; c < k; c++) psum += p[c];
  for (int c = 0; c < k; c++) p[c] = (float)(p[c] / psum);
  gmm = vl_gmm_new(VL_TYPE_FLOAT, (vl_size)dim, (vl_size)k);
  if (!gmm) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the GMM");
    goto done;
  }
  vl_gmm_set_means(gmm, m);
  vl_gmm_set_covariances(gmm, v);
  vl_gmm_set_priors(gmm, p);
  vl_gmm_set_max_num_iterations(gmm, (vl_size)iterations);
  vl_gmm_set_covariance_lower_bound(gmm, floor_var);
  vl_set_num_threads((vl_size)(threads > 0 ? threads : 0));
  vl_gmm_set_verbosity(gmm, 1);  /* its iteration messages are the progress */
  bovw_vl_progress_begin(monitor, "GMM (EM)", (size_t)iterations);
  *loglik = vl_gmm_em(gmm, data, (vl_size)n);
  bovw_vl_progress_end();
  memcpy(m, vl_gmm_get_means(gmm), (size_t)k * dim * sizeof *m);
  memcpy(v, vl_gmm_get_covariances(gmm), (size_t)k * dim * sizeof *v);
  memcpy(p, vl_gmm_get_priors(gmm), (size_t)k * sizeof *p);
  *means = m;
  *variances = v;
  *priors = p;
  m = v = p = NULL;
done:
  if (gmm) vl_gmm_delete(gmm);
  free(assign);
  free(var);
  free(cnt);
  free(m);
  free(v);
  free(p);
  return rc;
}

/* What meta.json's samples.method says of how the codebook was learned. */
static const char SAMPLING_METHOD[] =
    "uniform sample without replacement of the usable descriptors (low-contrast ones "
    "excluded), seeded; PCA, k-means and GMM fitted on the sample alone";

int bovw_codebook_build(const char *features_dir, const bovw_codebook_options *o,
                        const char *out_dir, const bovw_monitor *monitor,
                        bovw_error *err) {
  double t0 = bovw_now();
  if (o->k < 1) return bovw_error_set(err, BOVW_ERR_INVALID, "k must be at least 1");
  if (o->samples < 1) return bovw_error_set(err, BOVW_ERR_INVALID, "no samples asked");
  bovw_features *f = NULL;
  int rc = bovw_features_open(features_dir, &f, err);
  if (rc) return rc;
  int raw_dim = f->dim;
  if (o->pca_dim > raw_dim)
    rc = bovw_error_set(err, BOVW_ERR_INVALID, "--pca %d is more than the %d dimensions",
                        o->pca_dim, raw_dim);
  size_t *rows = NULL, n = 0, usable = 0;
  if (!rc)
    rc = bovw_sample_rows(f, o->samples, o->seed, BOVW_SAMPLE_WINDOW, &rows, &n, &usable, err);
  if (!rc && n == 0)
    rc = bovw_error_set(err, BOVW_ERR_EMPTY,
                        "%s: no usable descriptors (all are empty or below the contrast "
                        "threshold)", features_dir);
  if (!rc && (size_t)o->k > n)
    rc = bovw_error_set(err, BOVW_ERR_INVALID,
                        "k = %d words but only %zu usable descriptors in %s", o->k, n,
                        features_dir);
  /* Gather the sample: raw rows into floats, with their positions. */
  float *raw = NULL, *data = NULL, *frames = NULL;
  int32_t *size = NULL;
  if (!rc && (!(raw = malloc(n * (size_t)raw_dim * sizeof *raw)) ||
              !(frames = malloc(n * 4 * sizeof *frames)) ||
              !(size = malloc(n * 2 * sizeof *size))))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu samples", n);
  if (!rc) bovw_sample_gather(f, rows, n, BOVW_SAMPLE_WINDOW, raw, frames, size);
  double t_sample = bovw_now() - t0;

  /* The transform chain, fitted on the sample. */
  bovw_codebook cb = {.features = f->params, .k = o->k, .rootsift = o->rootsift,
                      .augment_xy = o->augment_xy};
  double t_pca = 0;
  if (!rc && o->rootsift) bovw_root_normalise(raw, n, raw_dim);
  if (!rc && o->pca_dim > 0) {
    double t = bovw_now();
    rc = bovw_pca_fit(raw, n, raw_dim, o->pca_dim, o->whiten, &cb.pca, err);
    t_pca = bovw_now() - t;
  }
  int sdim = cb.pca ? cb.pca->out_dim : raw_dim;
  cb.dim = sdim + (o->augment_xy ? 2 : 0);
  /* The rows clustered: the projections, or the floats themselves, with x,y
   * appended when asked. Each larger buffer is freed as soon as the next
   * stage is made, to keep no more than two copies of the sample at once. */
  if (!rc && cb.pca) {
    float *proj = malloc(n * (size_t)sdim * sizeof *proj);
    if (!proj) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu samples", n);
    } else {
      bovw_pca_apply(cb.pca, raw, n, proj);
      free(raw);
      raw = proj;
    }
  }
  if (!rc && !o->augment_xy) {
    data = raw;
    raw = NULL;
  } else if (!rc && !(data = malloc(n * (size_t)cb.dim * sizeof *data))) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu samples", n);
  }
  for (size_t i = 0; !rc && raw && i < n; i++) {
    float *y = data + i * (size_t)cb.dim;
    memcpy(y, raw + i * (size_t)sdim, (size_t)sdim * sizeof *y);
    y[sdim] = frames[4 * i] / (float)size[2 * i] - 0.5f;
    y[sdim + 1] = frames[4 * i + 1] / (float)size[2 * i + 1] - 0.5f;
  }
  free(raw);
  raw = NULL;

  bovw_kmeans_result km = {0};
  double t_kmeans = 0, t_gmm = 0, loglik = 0;
  if (!rc) {
    double t = bovw_now();
    rc = bovw_kmeans(data, n, cb.dim, o->k, o->algorithm, o->init, o->iterations,
                     o->repetitions, o->seed, o->threads, monitor, &km, err);
    t_kmeans = bovw_now() - t;
    if (!rc && km.note[0]) bovw_monitor_warning(monitor, "%s", km.note);
  }
  if (!rc && o->gmm) {
    double t = bovw_now();
    rc = bovw_gmm_fit(data, n, cb.dim, km.centers, o->k, o->iterations, o->threads,
                 &cb.gmm_means, &cb.gmm_variances, &cb.gmm_priors, &loglik, monitor, err);
    t_gmm = bovw_now() - t;
  }

  /* Write the artifact; meta.json last. */
  if (!rc) rc = bovw_artifact_begin(out_dir, err);
  if (!rc) rc = write_matrix(out_dir, "centers.npy", km.centers, o->k, cb.dim, err);
  if (!rc && o->keep_sample)
    rc = write_matrix(out_dir, "sample.npy", data, (int64_t)n, cb.dim, err);
  if (!rc && cb.pca) {
    rc = write_matrix(out_dir, "pca_mean.npy", cb.pca->mean, cb.pca->in_dim, 0, err);
    if (!rc) rc = write_matrix(out_dir, "pca_components.npy", cb.pca->components,
                               cb.pca->out_dim, cb.pca->in_dim, err);
    if (!rc) rc = write_matrix(out_dir, "pca_variances.npy", cb.pca->variances,
                               cb.pca->out_dim, 0, err);
  }
  if (!rc && o->gmm) {
    rc = write_matrix(out_dir, "gmm_means.npy", cb.gmm_means, o->k, cb.dim, err);
    if (!rc) rc = write_matrix(out_dir, "gmm_variances.npy", cb.gmm_variances, o->k, cb.dim, err);
    if (!rc) rc = write_matrix(out_dir, "gmm_priors.npy", cb.gmm_priors, o->k, 0, err);
  }
  if (!rc) {
    cJSON *meta = bovw_meta_new("codebook");
    cJSON *fe = meta ? cJSON_AddObjectToObject(meta, "features") : NULL;
    cJSON *params = bovw_extract_params_to_json(&f->params);
    cJSON *km_json = meta ? cJSON_AddObjectToObject(meta, "kmeans") : NULL;
    cJSON *tr = meta ? cJSON_AddObjectToObject(meta, "transform") : NULL;
    cJSON *sm = meta ? cJSON_AddObjectToObject(meta, "samples") : NULL;
    cJSON *tm = meta ? cJSON_AddObjectToObject(meta, "seconds") : NULL;
    const cJSON *man = cJSON_GetObjectItem(f->meta, "manifest");
    char *abs = realpath(features_dir, NULL);
    int ok = fe && params && km_json && tr && sm && tm && abs &&
             cJSON_AddItemToObject(fe, "params", params) &&
             cJSON_AddStringToObject(fe, "path", abs) &&
             (!man || cJSON_AddItemToObject(fe, "manifest", cJSON_Duplicate(man, 1))) &&
             cJSON_AddNumberToObject(meta, "k", o->k) &&
             cJSON_AddNumberToObject(meta, "dim", cb.dim) &&
             cJSON_AddNumberToObject(meta, "seed", (double)o->seed) &&
             cJSON_AddStringToObject(km_json, "algorithm", bovw_kmeans_algorithm_name(o->algorithm)) &&
             cJSON_AddStringToObject(km_json, "algorithm_used", km.algorithm_used) &&
             cJSON_AddStringToObject(km_json, "init", o->init == BOVW_INIT_PLUSPLUS ? "kmeans++" : "random") &&
             cJSON_AddNumberToObject(km_json, "max_iterations", o->iterations) &&
             cJSON_AddNumberToObject(km_json, "iterations", km.iterations) &&
             cJSON_AddNumberToObject(km_json, "repetitions", o->repetitions) &&
             cJSON_AddNumberToObject(km_json, "energy", km.energy) &&
             cJSON_AddBoolToObject(tr, "rootsift", o->rootsift) &&
             cJSON_AddNumberToObject(tr, "pca_dim", o->pca_dim) &&
             cJSON_AddBoolToObject(tr, "whiten", o->whiten) &&
             cJSON_AddBoolToObject(tr, "augment_xy", o->augment_xy) &&
             cJSON_AddBoolToObject(meta, "gmm", o->gmm) &&
             cJSON_AddStringToObject(sm, "method", SAMPLING_METHOD) &&
             cJSON_AddNumberToObject(sm, "descriptors", (double)f->descriptors->shape[0]) &&
             cJSON_AddNumberToObject(sm, "asked", (double)o->samples) &&
             cJSON_AddNumberToObject(sm, "used", (double)n) &&
             cJSON_AddNumberToObject(sm, "usable", (double)usable) &&
             cJSON_AddNumberToObject(tm, "sampling", t_sample) &&
             cJSON_AddNumberToObject(tm, "pca", t_pca) &&
             cJSON_AddNumberToObject(tm, "kmeans", t_kmeans) &&
             cJSON_AddNumberToObject(tm, "gmm", t_gmm) &&
             cJSON_AddNumberToObject(tm, "total", bovw_now() - t0) &&
             cJSON_AddNumberToObject(meta, "threads", o->threads);
    if (ok && km.note[0]) ok = cJSON_AddStringToObject(km_json, "note", km.note) != NULL;
    if (ok && o->gmm) ok = cJSON_AddNumberToObject(meta, "gmm_loglikelihood", loglik) != NULL;
    if (ok && km.energies) {
      cJSON *e = cJSON_AddArrayToObject(km_json, "energies");
      for (int i = 0; ok && e && i < km.iterations; i++)
        ok = cJSON_AddItemToArray(e, cJSON_CreateNumber(km.energies[i]));
      ok = ok && e;
    }
    if (!fe || !cJSON_GetObjectItem(fe, "params")) cJSON_Delete(params);
    rc = ok ? bovw_meta_write(out_dir, meta, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(abs);
    cJSON_Delete(meta);
  }
  bovw_kmeans_result_clear(&km);
  bovw_pca_free(cb.pca);
  free(cb.gmm_means);
  free(cb.gmm_variances);
  free(cb.gmm_priors);
  free(data);
  free(frames);
  free(size);
  free(rows);
  bovw_features_free(f);
  return rc;
}

void bovw_codebook_free(bovw_codebook *self) {
  if (!self) return;
  free(self->centers);
  bovw_pca_free(self->pca);
  free(self->gmm_means);
  free(self->gmm_variances);
  free(self->gmm_priors);
  cJSON_Delete(self->meta);
  free(self);
}

int bovw_codebook_open(const char *dir, bovw_codebook **out, bovw_error *err) {
  *out = NULL;
  bovw_codebook *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_meta_read(dir, "codebook", &self->meta, err);
  const cJSON *fe = rc ? NULL : cJSON_GetObjectItem(self->meta, "features");
  const cJSON *tr = rc ? NULL : cJSON_GetObjectItem(self->meta, "transform");
  if (!rc) {
    rc = bovw_extract_params_from_json(cJSON_GetObjectItem(fe, "params"), &self->features, err);
    if (rc) bovw_error_prefix(err, dir);
  }
  if (!rc) {
    self->k = (int)bovw_meta_whole(self->meta, "k", 1, INT_MAX, 0);
    self->dim = (int)bovw_meta_whole(self->meta, "dim", 1, INT_MAX, 0);
    self->rootsift = cJSON_IsTrue(cJSON_GetObjectItem(tr, "rootsift"));
    self->augment_xy = cJSON_IsTrue(cJSON_GetObjectItem(tr, "augment_xy"));
    if (self->k < 1 || self->dim < 1)
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: bad k or dim", dir);
  }
  if (!rc) rc = bovw_npy_load_f32(dir, "centers.npy", self->k, self->dim, &self->centers, err);
  int pca_dim = (int)bovw_meta_whole(tr, "pca_dim", 0, INT_MAX, 0);
  int raw_dim = bovw_extract_params_dim(&self->features);
  if (!rc && pca_dim > 0) {
    if (!(self->pca = calloc(1, sizeof *self->pca))) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    } else {
      self->pca->in_dim = raw_dim;
      self->pca->out_dim = pca_dim;
      self->pca->whiten = cJSON_IsTrue(cJSON_GetObjectItem(tr, "whiten"));
      rc = bovw_npy_load_f32(dir, "pca_mean.npy", raw_dim, 0, &self->pca->mean, err);
      if (!rc) rc = bovw_npy_load_f32(dir, "pca_components.npy", pca_dim, raw_dim,
                                &self->pca->components, err);
      if (!rc) rc = bovw_npy_load_f32(dir, "pca_variances.npy", pca_dim, 0, &self->pca->variances, err);
    }
  }
  if (!rc && self->dim != (pca_dim > 0 ? pca_dim : raw_dim) + (self->augment_xy ? 2 : 0))
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s/meta.json: dim %d does not follow from the transforms", dir,
                        self->dim);
  if (!rc && cJSON_IsTrue(cJSON_GetObjectItem(self->meta, "gmm"))) {
    rc = bovw_npy_load_f32(dir, "gmm_means.npy", self->k, self->dim, &self->gmm_means, err);
    if (!rc) rc = bovw_npy_load_f32(dir, "gmm_variances.npy", self->k, self->dim,
                              &self->gmm_variances, err);
    if (!rc) rc = bovw_npy_load_f32(dir, "gmm_priors.npy", self->k, 0, &self->gmm_priors, err);
  }
  if (!rc) {
    char *centers = bovw_path_join(dir, "centers.npy");
    rc = centers ? bovw_sha256_file(centers, self->sha256, err)
                 : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(centers);
  }
  if (rc) {
    bovw_codebook_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

int bovw_codebook_check_features(const bovw_codebook *self,
                                 const bovw_extract_params *features,
                                 const char *features_name, bovw_error *err) {
  char diff[600];
  if (bovw_extract_params_equal(features, &self->features, features_name, "the codebook",
                                diff, sizeof diff))
    return BOVW_OK;
  return bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "features and codebook do not match: %s (extract again with the "
                        "settings 'bovw codebook info' lists)",
                        diff);
}
