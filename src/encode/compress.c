/* compress.c: an encodings artifact into product-quantised codes, and the
 * codes back into encodings (see include/bovw/encode.h and pq.c). */
#define _GNU_SOURCE
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/fs.h"
#include "encode/codes.h"
#include "io/runtime.h"

/* Rows coded together: each position's table is prepared once for them. */
enum { BLOCK = 64 };

void bovw_compress_options_default(bovw_compress_options *o) {
  memset(o, 0, sizeof *o);
  o->method = BOVW_PQ_KMEANS;
  o->group = 8;
  o->bits = 1;
  o->sample = 4096;
}


/* The quantiser: learned on enc's rows, or that of the codes folder
 * o->like, whose encodings must have been made like enc's. params gets the
 * quantiser's settings. */
static int quantiser(const bovw_encodings *enc, const char *encodings_dir,
                     const bovw_compress_options *o, int threads, bovw_pq **pq, cJSON *params,
                     bovw_error *err) {
  if (o->like) {
    bovw_encodings *like = NULL;
    int rc = bovw_encodings_open_any(o->like, &like, err);
    if (!rc && !like->pq) rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: not a codes folder", o->like);
    if (!rc) rc = bovw_encodings_check_identity(enc, encodings_dir, like->meta, like->dim,
                                                "quantiser", err);
    if (!rc) {
      const cJSON *item;
      cJSON_ArrayForEach(item, like->codes_params) {
        cJSON *copy = cJSON_Duplicate(item, 1);
        if (!copy || !cJSON_AddItemToObject(params, item->string, copy)) {
          cJSON_Delete(copy);
          rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
          break;
        }
      }
    }
    if (!rc) {
      *pq = like->pq;  /* taken over */
      like->pq = NULL;
    }
    bovw_encodings_free(like);
    return rc;
  }
  const double code_bits = o->bits * o->group;
  if (code_bits != (double)(int)code_bits)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%g bits a dimension over %d dimensions is not a whole number of bits",
                          o->bits, o->group);
  int ok = cJSON_AddStringToObject(params, "method", bovw_pq_method_name(o->method)) &&
           cJSON_AddNumberToObject(params, "group", o->group) &&
           cJSON_AddNumberToObject(params, "bits", o->bits) &&
           cJSON_AddNumberToObject(params, "code_bits", code_bits) &&
           cJSON_AddNumberToObject(params, "sample", (double)o->sample) &&
           cJSON_AddNumberToObject(params, "seed", (double)o->seed);
  if (!ok) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  return bovw_pq_train(enc->vectors->data, enc->count, enc->dim, o->group, (int)code_bits,
                       o->method, o->sample, o->seed, threads, pq, err);
}

int bovw_codes_write_centroids(const bovw_pq *pq, const char *out_dir, bovw_error *err) {
  char *qp = bovw_path_join(out_dir, "centroids.npy");
  int64_t shape[3] = {(int64_t)pq->subs, pq->k, pq->group};
  int rc = qp ? bovw_npy_write(qp, BOVW_DTYPE_FLOAT32, 3, shape, pq->centroids, err)
              : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  free(qp);
  return rc;
}

int bovw_codes_meta(const bovw_pq *pq, const cJSON *params, size_t n, double err_sum,
                    double norm_sum, const char *like, double learn_seconds, const char *source,
                    const cJSON *identity, int threads, double seconds, cJSON **out,
                    bovw_error *err) {
  cJSON *meta = bovw_meta_new("codes"), *src = NULL, *qz = NULL;
  char *abs = realpath(source, NULL), sha[65];
  bovw_sha256_hex(pq->centroids, pq->subs * (size_t)pq->k * (size_t)pq->group * sizeof(float), sha);
  int ok = meta && cJSON_AddItemToObject(meta, "params", cJSON_Duplicate(params, 1)) &&
           cJSON_AddNumberToObject(meta, "count", (double)n) &&
           cJSON_AddNumberToObject(meta, "dim", (double)pq->dim) &&
           cJSON_AddNumberToObject(meta, "subs", (double)pq->subs) &&
           cJSON_AddNumberToObject(meta, "centroids_per_sub", pq->k) &&
           cJSON_AddNumberToObject(meta, "compression", 4.0 * (double)pq->dim / (double)pq->subs) &&
           cJSON_AddNumberToObject(meta, "mse_per_dimension", n ? err_sum / ((double)n * (double)pq->dim) : 0) &&
           cJSON_AddNumberToObject(meta, "relative_error", norm_sum > 0 ? err_sum / norm_sum : 0) &&
           (qz = cJSON_AddObjectToObject(meta, "quantiser")) &&
           cJSON_AddStringToObject(qz, "sha256", sha) &&
           (!like || cJSON_AddStringToObject(qz, "like", like)) &&
           cJSON_AddNumberToObject(qz, "seconds", learn_seconds) &&
           (src = cJSON_AddObjectToObject(meta, "encodings")) &&
           cJSON_AddStringToObject(src, "path", abs ? abs : source) && bovw_encodings_identity_copy(src, identity) &&
           cJSON_AddNumberToObject(meta, "threads", threads) &&
           cJSON_AddNumberToObject(meta, "seconds", seconds);
  free(abs);
  if (!ok) {
    cJSON_Delete(meta);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  *out = meta;
  return BOVW_OK;
}

int bovw_compress_run(const char *encodings_dir, const bovw_compress_options *o,
                      const char *out_dir, const bovw_monitor *monitor, bovw_error *err) {
  const double t0 = bovw_now();
  const int threads = bovw_threads_resolve(o->threads);
  bovw_encodings *enc = NULL;
  bovw_pq *pq = NULL;
  bovw_npy_mapped *codes = NULL;
  double *row_err = NULL, *row_norm = NULL;
  char *cp = bovw_path_join(out_dir, "codes.npy"), *lp = bovw_path_join(out_dir, "labels.npy");
  cJSON *params = cJSON_CreateObject();
  int rc = cp && lp && params ? bovw_encodings_open(encodings_dir, &enc, err)
                                    : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  const double t_learn = bovw_now();
  if (!rc) rc = quantiser(enc, encodings_dir, o, threads, &pq, params, err);
  const double learn_seconds = bovw_now() - t_learn;
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
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
      const size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
      bovw_pq_encode_rows(pq, x + i0 * enc->dim, m, c + i0 * pq->subs);
      for (size_t i = i0; i < i0 + m; i++) {
        bovw_pq_row_error(pq, x + i * enc->dim, c + i * pq->subs, &row_err[i], &row_norm[i]);
        bovw_monitor_tick(monitor, "compress", &done, n, 256);
      }
    }
    rc = bovw_npy_mapped_finish(codes, err);
  }
  int64_t lshape[1] = {(int64_t)n};
  if (!rc) rc = bovw_codes_write_centroids(pq, out_dir, err);
  if (!rc) rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, lshape, enc->labels->data, err);
  if (!rc) {
    /* Summed in row order: the same figure at any thread count. */
    double e = 0, q = 0;
    for (size_t i = 0; i < n; i++) {
      e += row_err[i];
      q += row_norm[i];
    }
    cJSON *meta = NULL;
    rc = bovw_codes_meta(pq, params, n, e, q, o->like, learn_seconds, encodings_dir, enc->meta,
                         threads, bovw_now() - t0, &meta, err);
    if (!rc) rc = bovw_meta_write(out_dir, meta, err);
    cJSON_Delete(meta);
  }
  bovw_npy_mapped_free(codes);
  bovw_pq_free(pq);
  bovw_encodings_free(enc);
  cJSON_Delete(params);
  free(row_err);
  free(row_norm);
  free(cp);
  free(lp);
  return rc;
}

int bovw_decompress_run(const char *codes_dir, const char *out_dir, const bovw_monitor *monitor,
                        bovw_error *err) {
  const double t0 = bovw_now();
  bovw_encodings *codes = NULL;
  bovw_npy_mapped *out = NULL;
  char *vp = bovw_path_join(out_dir, "encodings.npy"), *olp = bovw_path_join(out_dir, "labels.npy");
  int rc = vp && olp ? bovw_encodings_open_any(codes_dir, &codes, err)
                     : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc && !codes->pq) rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: not a codes folder", codes_dir);
  if (!rc) rc = bovw_artifact_begin(out_dir, err);
  const size_t n = codes ? codes->count : 0, dim = codes ? codes->dim : 0;
  int64_t shape[2] = {(int64_t)n, (int64_t)dim}, lshape[1] = {(int64_t)n};
  if (!rc) rc = bovw_npy_mapped_new(vp, BOVW_DTYPE_FLOAT32, 2, shape, &out, err);
  if (!rc) {
    float *v = bovw_npy_mapped_data(out);
    for (size_t i = 0; i < n; i++) {
      bovw_encodings_block(codes, i, 1, v + i * dim);
      if (i % 1024 == 0 || i + 1 == n) bovw_monitor_progress(monitor, "decompress", i + 1, n);
    }
    rc = bovw_npy_mapped_finish(out, err);
  }
  if (!rc) rc = bovw_npy_write(olp, BOVW_DTYPE_INT32, 1, lshape, codes->labels->data, err);
  if (!rc) {
    cJSON *m = bovw_meta_new("encodings"), *from = NULL;
    char *abs = realpath(codes_dir, NULL);
    int ok = m && bovw_encodings_identity_copy(m, codes->meta) &&
             cJSON_AddNumberToObject(m, "count", (double)n) &&
             cJSON_AddNumberToObject(m, "dim", (double)dim) &&
             (from = cJSON_AddObjectToObject(m, "decompressed_from")) &&
             cJSON_AddStringToObject(from, "path", abs ? abs : codes_dir) &&
             cJSON_AddItemToObject(from, "params", cJSON_Duplicate(codes->codes_params, 1)) &&
             cJSON_AddStringToObject(from, "quantiser_sha256", codes->quantiser_sha256) &&
             cJSON_AddNumberToObject(m, "seconds", bovw_now() - t0);
    free(abs);
    rc = ok ? bovw_meta_write(out_dir, m, err) : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    cJSON_Delete(m);
  }
  bovw_npy_mapped_free(out);
  bovw_encodings_free(codes);
  free(vp);
  free(olp);
  return rc;
}
