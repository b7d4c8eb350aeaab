/* compress.c: an encodings artifact into product-quantised codes, and the
 * codes back into encodings (see include/bovw/encode.h and pq.c). */
#define _GNU_SOURCE
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/fs.h"
#include "io/runtime.h"

void bovw_compress_options_default(bovw_compress_options *o) {
  memset(o, 0, sizeof *o);
  o->group = 8;
  o->bits = 1;
  o->sample = 20000;
}

/* The keys of an encodings meta.json that say what its rows are: a model
 * trained on decompressed rows accepts the same test encodings. */
static const char *const IDENTITY[] = {"params", "codebook", "features", "manifest", "classes"};

static int copy_keys(cJSON *dst, const cJSON *src) {
  return bovw_meta_copy(dst, src, IDENTITY, sizeof IDENTITY / sizeof *IDENTITY);
}

int bovw_compress_run(const char *encodings_dir, const bovw_compress_options *o,
                      const char *out_dir, const bovw_monitor *monitor, bovw_error *err) {
  const double t0 = bovw_now();
  const int threads = bovw_threads_resolve(o->threads);
  bovw_encodings *enc = NULL;
  bovw_pq *pq = NULL;
  bovw_npy_mapped *codes = NULL;
  double *row_err = NULL, *row_norm = NULL;
  char *cp = bovw_path_join(out_dir, "codes.npy"), *qp = bovw_path_join(out_dir, "centroids.npy"),
       *lp = bovw_path_join(out_dir, "labels.npy");
  int rc = cp && qp && lp ? bovw_encodings_open(encodings_dir, &enc, err)
                          : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_pq_train(enc->vectors->data, enc->count, enc->dim, o->group, o->bits,
                              o->sample, o->seed, threads, &pq, err);
  const size_t n = enc ? enc->count : 0;
  if (!rc && (!(row_err = calloc(n ? n : 1, sizeof *row_err)) ||
              !(row_norm = calloc(n ? n : 1, sizeof *row_norm))))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_artifact_begin(out_dir, err);
  int64_t cshape[2] = {(int64_t)n, pq ? (int64_t)pq->subs : 0};
  if (!rc) rc = bovw_npy_mapped_new(cp, BOVW_DTYPE_UINT8, 2, cshape, &codes, err);
  if (!rc) {
    uint8_t *c = bovw_npy_mapped_data(codes);
    const float *x = enc->vectors->data;
    size_t done = 0;
    int failed = 0;
#pragma omp parallel num_threads(threads)
    {
      float *back = malloc(enc->dim * sizeof *back);
      if (!back) {
#pragma omp atomic write
        failed = 1;
      }
#pragma omp for schedule(dynamic, 64)
      for (size_t i = 0; i < n; i++) {
        if (!back) continue;
        const float *row = x + i * enc->dim;
        bovw_pq_encode(pq, row, c + i * pq->subs);
        bovw_pq_decode(pq, c + i * pq->subs, back);
        double e = 0, q = 0;
        for (size_t d = 0; d < enc->dim; d++) {
          e += ((double)row[d] - back[d]) * ((double)row[d] - back[d]);
          q += (double)row[d] * row[d];
        }
        row_err[i] = e;
        row_norm[i] = q;
        bovw_monitor_tick(monitor, "compress", &done, n, 256);
      }
      free(back);
    }
    if (failed) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    if (!rc) rc = bovw_npy_mapped_finish(codes, err);
  }
  int64_t qshape[3] = {pq ? (int64_t)pq->subs : 0, pq ? pq->k : 0, o->group},
          lshape[1] = {(int64_t)n};
  if (!rc) rc = bovw_npy_write(qp, BOVW_DTYPE_FLOAT32, 3, qshape, pq->centroids, err);
  if (!rc) rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, lshape, enc->labels->data, err);
  if (!rc) {
    /* Summed in row order: the same figure at any thread count. */
    double e = 0, q = 0;
    for (size_t i = 0; i < n; i++) {
      e += row_err[i];
      q += row_norm[i];
    }
    cJSON *meta = bovw_meta_new("codes"), *params = cJSON_CreateObject(), *src = NULL;
    char *abs = realpath(encodings_dir, NULL);
    int ok = meta && params && cJSON_AddItemToObject(meta, "params", params);
    if (!ok) cJSON_Delete(params);
    ok = ok && cJSON_AddNumberToObject(params, "group", o->group) &&
         cJSON_AddNumberToObject(params, "bits", o->bits) &&
         cJSON_AddNumberToObject(params, "sample", (double)o->sample) &&
         cJSON_AddNumberToObject(params, "seed", (double)o->seed) &&
         cJSON_AddNumberToObject(meta, "count", (double)n) &&
         cJSON_AddNumberToObject(meta, "dim", (double)enc->dim) &&
         cJSON_AddNumberToObject(meta, "subs", (double)pq->subs) &&
         cJSON_AddNumberToObject(meta, "centroids_per_sub", pq->k) &&
         cJSON_AddNumberToObject(meta, "compression", 4.0 * (double)enc->dim / (double)pq->subs) &&
         cJSON_AddNumberToObject(meta, "mse_per_dimension", n ? e / ((double)n * (double)enc->dim) : 0) &&
         cJSON_AddNumberToObject(meta, "relative_error", q > 0 ? e / q : 0) &&
         (src = cJSON_AddObjectToObject(meta, "encodings")) &&
         cJSON_AddStringToObject(src, "path", abs ? abs : encodings_dir) &&
         copy_keys(src, enc->meta) &&
         cJSON_AddNumberToObject(meta, "threads", threads) &&
         cJSON_AddNumberToObject(meta, "seconds", bovw_now() - t0);
    free(abs);
    rc = ok ? bovw_meta_write(out_dir, meta, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    cJSON_Delete(meta);
  }
  bovw_npy_mapped_free(codes);
  bovw_pq_free(pq);
  bovw_encodings_free(enc);
  free(row_err);
  free(row_norm);
  free(cp);
  free(qp);
  free(lp);
  return rc;
}

int bovw_decompress_run(const char *codes_dir, const char *out_dir, const bovw_monitor *monitor,
                        bovw_error *err) {
  const double t0 = bovw_now();
  cJSON *meta = NULL;
  bovw_npy *codes = NULL, *centroids = NULL, *labels = NULL;
  bovw_npy_mapped *out = NULL;
  bovw_pq *pq = NULL;
  char *cp = bovw_path_join(codes_dir, "codes.npy"), *qp = bovw_path_join(codes_dir, "centroids.npy"),
       *lp = bovw_path_join(codes_dir, "labels.npy"), *vp = bovw_path_join(out_dir, "encodings.npy"),
       *olp = bovw_path_join(out_dir, "labels.npy");
  int rc = cp && qp && lp && vp && olp ? bovw_meta_read(codes_dir, "codes", &meta, err)
                                       : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  const cJSON *params = cJSON_GetObjectItem(meta, "params");
  const size_t dim = (size_t)bovw_meta_number(meta, "dim", 0);
  if (!rc) rc = bovw_pq_new(dim, (int)bovw_meta_number(params, "group", 0),
                            (int)bovw_meta_number(params, "bits", 0), &pq, err);
  if (!rc) rc = bovw_npy_map(cp, &codes, err);
  if (!rc) rc = bovw_npy_expect(codes, cp, BOVW_DTYPE_UINT8, 2, err);
  if (!rc && (size_t)codes->shape[1] != pq->subs)
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: %lld bytes a row, not the quantiser's %zu", cp,
                        (long long)codes->shape[1], pq->subs);
  if (!rc) rc = bovw_npy_map(qp, &centroids, err);
  if (!rc) rc = bovw_npy_expect(centroids, qp, BOVW_DTYPE_FLOAT32, 3, err);
  if (!rc && ((size_t)centroids->shape[0] != pq->subs || centroids->shape[1] != pq->k ||
              centroids->shape[2] != pq->group))
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not %zu x %d x %d centroids", qp, pq->subs,
                        pq->k, pq->group);
  if (!rc) rc = bovw_npy_map(lp, &labels, err);
  if (!rc) rc = bovw_npy_expect(labels, lp, BOVW_DTYPE_INT32, 1, err);
  const size_t n = codes ? (size_t)codes->shape[0] : 0;
  if (!rc && (size_t)labels->count != n)
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: labels.npy and codes.npy disagree", codes_dir);
  if (!rc) {
    memcpy(pq->centroids, centroids->data, pq->subs * (size_t)pq->k * (size_t)pq->group * sizeof(float));
    rc = bovw_artifact_begin(out_dir, err);
  }
  int64_t shape[2] = {(int64_t)n, (int64_t)dim}, lshape[1] = {(int64_t)n};
  if (!rc) rc = bovw_npy_mapped_new(vp, BOVW_DTYPE_FLOAT32, 2, shape, &out, err);
  if (!rc) {
    float *v = bovw_npy_mapped_data(out);
    const uint8_t *c = codes->data;
    for (size_t i = 0; i < n; i++) {
      bovw_pq_decode(pq, c + i * pq->subs, v + i * dim);
      if (i % 1024 == 0 || i + 1 == n) bovw_monitor_progress(monitor, "decompress", i + 1, n);
    }
    rc = bovw_npy_mapped_finish(out, err);
  }
  if (!rc) rc = bovw_npy_write(olp, BOVW_DTYPE_INT32, 1, lshape, labels->data, err);
  if (!rc) {
    cJSON *m = bovw_meta_new("encodings"), *from = NULL;
    char *abs = realpath(codes_dir, NULL);
    int ok = m && copy_keys(m, cJSON_GetObjectItem(meta, "encodings")) &&
             cJSON_AddNumberToObject(m, "count", (double)n) &&
             cJSON_AddNumberToObject(m, "dim", (double)dim) &&
             (from = cJSON_AddObjectToObject(m, "decompressed_from")) &&
             cJSON_AddStringToObject(from, "path", abs ? abs : codes_dir) &&
             cJSON_AddItemToObject(from, "params", cJSON_Duplicate(params, 1)) &&
             cJSON_AddNumberToObject(m, "seconds", bovw_now() - t0);
    free(abs);
    rc = ok ? bovw_meta_write(out_dir, m, err) : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    cJSON_Delete(m);
  }
  bovw_npy_mapped_free(out);
  bovw_npy_free(codes);
  bovw_npy_free(centroids);
  bovw_npy_free(labels);
  bovw_pq_free(pq);
  cJSON_Delete(meta);
  free(cp); free(qp); free(lp); free(vp); free(olp);
  return rc;
}
