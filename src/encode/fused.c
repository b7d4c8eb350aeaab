/* fused.c: images straight into encodings or codes, extraction and
 * encoding in one pass, so that no descriptor is ever written: what a
 * training set too large for its descriptors needs (1,000,000 Fashion-MNIST
 * images would have 135 GB of them).
 *
 * The extraction settings are the codebook's own (those of the features it
 * was learned from), so the rows are what `bovw extract` then `bovw encode`
 * would give. Images go in blocks: the threads extract and encode a block's
 * images in any order into the block's rows, then the good rows are
 * appended in manifest order (a bad image is skipped with a warning), so
 * the output does not depend on the thread count and memory holds one
 * block. With a quantiser (codes_like), each row is coded as soon as it is
 * made and only the codes are written. */
#define _GNU_SOURCE
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <vl/generic.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/extract.h"
#include "bovw/fs.h"
#include "bovw/manifest.h"
#include "encode/codes.h"
#include "io/runtime.h"

/* Images a thread takes in a block; rows coded together (a position's
 * centroid table is prepared once for them). */
enum { IMAGES_PER_THREAD = 32, CODE_ROWS = 16 };

typedef struct {
  bovw_phow **phow;
  bovw_encoder *group;
  int threads;
  float *rows;         /* block x dim */
  uint8_t *codes;      /* block x subs, with a quantiser */
  int32_t *labels;     /* of every written row */
  char **why;          /* per image of the block: why it was skipped, or NULL */
  double *extract_s, *encode_s, *code_s;  /* per thread */
  double *row_err, *row_norm;    /* per image of the block: the coding's error */
  double err_sum, norm_sum;      /* the quantiser's error, in row order */
} fused_state;

/* Extracts and encodes manifest row i into row; returns NULL or
 * why the image was skipped (a new string). */
static char *one_image(const bovw_manifest *m, const bovw_codebook *cb, bovw_phow *phow,
                       bovw_encoder *enc, size_t i, float *row, double *extract_s,
                       double *encode_s) {
  const double t0 = bovw_now();
  char *path = bovw_manifest_resolve(m, i), *why = NULL;
  bovw_image *img = NULL;
  bovw_error e;
  bovw_phow_result r;
  int rc = path ? bovw_image_load(path, cb->features.color == BOVW_COLOR_GRAY ? 1 : 3, &img, &e)
                : bovw_error_set(&e, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_phow_process(phow, img, &r, &e);
  const double t1 = bovw_now();
  size_t voting;
  if (!rc) rc = bovw_encoder_encode(enc, r.descriptors, r.frames, r.count, r.width, r.height, row,
                                    &voting, &e);
  *extract_s += t1 - t0;
  *encode_s += bovw_now() - t1;
  /* The message names the image, once. */
  const int named = path && !strncmp(e.message, path, strlen(path));
  if (rc && asprintf(&why, "%s%s%s", named ? "" : path ? path : "?", named ? "" : ": ", e.message) < 0)
    why = NULL;
  if (rc && !why) why = strdup("out of memory");
  free(path);
  bovw_image_free(img);
  return why;
}

int bovw_encode_images_run(const char *manifest_path, const char *codebook_dir,
                           const bovw_encode_options *o, const char *codes_like,
                           const char *out_dir, const bovw_monitor *monitor,
                           bovw_encode_images_stats *stats, bovw_error *err) {
  const double t0 = bovw_now();
  memset(stats, 0, sizeof *stats);
  const int threads = bovw_threads_resolve(o->threads);
  const size_t block = (size_t)threads * IMAGES_PER_THREAD;
  bovw_manifest *m = NULL;
  bovw_codebook *cb = NULL;
  bovw_encodings *like = NULL;
  bovw_npy_writer *rows_out = NULL;
  cJSON *identity = NULL;
  fused_state st = {.threads = threads};
  int rc = bovw_manifest_read(manifest_path, &m, err);
  if (!rc && m->count == 0) rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: no images", manifest_path);
  if (!rc) rc = bovw_codebook_open(codebook_dir, &cb, err);
  const size_t dim = cb ? bovw_encode_dim(&o->params, cb) : 0;
  if (!rc) rc = bovw_encoder_new_group(&o->params, cb, threads, &st.group, err);
  if (!rc && !(st.phow = calloc((size_t)threads, sizeof *st.phow)))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (int t = 0; !rc && t < threads; t++) rc = bovw_phow_new(&cb->features, &st.phow[t], err);
  /* What the rows are: the identity a codes folder's quantiser must share. */
  if (!rc) {
    char *cb_abs = realpath(codebook_dir, NULL), *m_abs = realpath(manifest_path, NULL);
    cJSON *cbj = NULL, *fj = NULL, *mj = NULL, *params = bovw_encode_params_to_json(&o->params);
    int ok = (identity = cJSON_CreateObject()) && params &&
             cJSON_AddItemToObject(identity, "params", params);
    if (!ok) cJSON_Delete(params);
    ok = ok && (cbj = cJSON_AddObjectToObject(identity, "codebook")) &&
         cJSON_AddStringToObject(cbj, "path", cb_abs ? cb_abs : codebook_dir) &&
         cJSON_AddStringToObject(cbj, "sha256", cb->sha256) &&
         cJSON_AddNumberToObject(cbj, "k", cb->k) && cJSON_AddNumberToObject(cbj, "dim", cb->dim) &&
         (fj = cJSON_AddObjectToObject(identity, "features")) &&
         cJSON_AddBoolToObject(fj, "fused", 1) &&
         cJSON_AddItemToObject(fj, "params", bovw_extract_params_to_json(&cb->features)) &&
         (mj = cJSON_AddObjectToObject(fj, "manifest")) &&
         cJSON_AddStringToObject(mj, "path", m_abs ? m_abs : manifest_path) &&
         cJSON_AddStringToObject(mj, "sha256", m->sha256) &&
         cJSON_AddNumberToObject(mj, "rows", (double)m->count) &&
         cJSON_AddStringToObject(mj, "root", m->root ? m->root : "") &&
         cJSON_AddItemToObject(identity, "classes",
                               cJSON_CreateStringArray((const char *const *)m->class_names,
                                                       (int)m->num_classes));
    free(cb_abs);
    free(m_abs);
    if (!ok) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  if (!rc && codes_like) {
    rc = bovw_encodings_open_any(codes_like, &like, err);
    if (!rc && !like->pq) rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: not a codes folder", codes_like);
    if (!rc) {
      /* These rows against the quantiser's training rows. */
      bovw_encodings mine = {.meta = identity, .dim = dim};
      rc = bovw_encodings_check_identity(&mine, manifest_path, like->meta, like->dim,
                                         "quantiser", err);
    }
  }
  const bovw_pq *pq = like ? like->pq : NULL;
  const size_t width = pq ? pq->subs : dim;
  st.rows = rc ? NULL : calloc(block * dim, sizeof *st.rows);  /* a skipped image codes zeros */
  st.codes = rc || !pq ? NULL : malloc(block * pq->subs);
  st.labels = rc ? NULL : malloc(m->count * sizeof *st.labels);
  st.why = rc ? NULL : calloc(block, sizeof *st.why);
  st.extract_s = rc ? NULL : calloc((size_t)threads, sizeof(double));
  st.encode_s = rc ? NULL : calloc((size_t)threads, sizeof(double));
  st.code_s = rc ? NULL : calloc((size_t)threads, sizeof(double));
  if (!rc && (!st.rows || (pq && !st.codes) || !st.labels || !st.why || !st.extract_s ||
              !st.encode_s || !st.code_s))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for a block of %zu images", block);
  char *path = rc ? NULL : bovw_path_join(out_dir, pq ? "codes.npy" : "encodings.npy");
  if (!rc && !path) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_artifact_begin(out_dir, err);
  int64_t row_shape[1] = {(int64_t)width};
  if (!rc) rc = bovw_npy_writer_new(path, pq ? BOVW_DTYPE_UINT8 : BOVW_DTYPE_FLOAT32, 2, row_shape,
                                    &rows_out, err);
  free(path);
  size_t done = 0, written = 0;
  const int saved = bovw_blas_threads_push(1);  /* parallel over images instead */
  vl_set_num_threads(1);
  st.row_err = !rc && pq ? malloc(block * sizeof *st.row_err) : NULL;
  st.row_norm = !rc && pq ? malloc(block * sizeof *st.row_norm) : NULL;
  if (!rc && pq && (!st.row_err || !st.row_norm)) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (size_t b0 = 0; !rc && b0 < m->count; b0 += block) {
    const size_t nb = m->count - b0 < block ? m->count - b0 : block;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (size_t j = 0; j < nb; j++) {
      const int t = omp_get_thread_num();
      st.why[j] = one_image(m, cb, st.phow[t], bovw_encoder_at(st.group, t), b0 + j,
                            st.rows + j * dim, &st.extract_s[t], &st.encode_s[t]);
      bovw_monitor_tick(monitor, "extract+encode", &done, m->count, 64);
    }
    /* The block's rows coded CODE_ROWS at a time (a skipped image's row is
     * coded too, and dropped below). */
    if (pq) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
      for (size_t j0 = 0; j0 < nb; j0 += CODE_ROWS) {
        const double tc = bovw_now();
        const size_t n = nb - j0 < CODE_ROWS ? nb - j0 : CODE_ROWS;
        bovw_pq_encode_rows(pq, st.rows + j0 * dim, n, st.codes + j0 * pq->subs);
        for (size_t j = j0; j < j0 + n; j++)
          bovw_pq_row_error(pq, st.rows + j * dim, st.codes + j * pq->subs, &st.row_err[j],
                            &st.row_norm[j]);
        st.code_s[omp_get_thread_num()] += bovw_now() - tc;
      }
    }
    /* The block's good rows, in manifest order. */
    for (size_t j = 0; !rc && j < nb; j++) {
      if (st.why[j]) {
        bovw_monitor_warning(monitor, "skipped: %s", st.why[j]);
        free(st.why[j]);
        st.why[j] = NULL;
        stats->skipped++;
        continue;
      }
      if (pq) {
        st.err_sum += st.row_err[j];
        st.norm_sum += st.row_norm[j];
      }
      rc = bovw_npy_writer_append(rows_out, pq ? (const void *)(st.codes + j * pq->subs)
                                               : (const void *)(st.rows + j * dim), 1, err);
      st.labels[written++] = m->labels[b0 + j];
    }
    for (size_t j = 0; j < nb; j++) {
      free(st.why[j]);
      st.why[j] = NULL;
    }
  }
  bovw_blas_threads_pop(saved);
  free(st.row_err);
  free(st.row_norm);
  if (!rc && written == 0) rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: no image could be read", manifest_path);
  if (!rc) rc = bovw_npy_writer_finish(rows_out, err);
  int64_t lshape[1] = {(int64_t)written};
  char *lp = rc ? NULL : bovw_path_join(out_dir, "labels.npy");
  if (!rc) rc = lp ? bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, lshape, st.labels, err)
                   : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  free(lp);
  stats->images = written;
  for (int t = 0; st.extract_s && t < threads; t++) {
    stats->extract_thread_seconds += st.extract_s[t];
    stats->encode_thread_seconds += st.encode_s[t];
    stats->code_thread_seconds += st.code_s[t];
  }
  stats->seconds = bovw_now() - t0;
  if (!rc) {
    cJSON *meta = NULL, *fused = NULL;
    if (pq) {
      rc = bovw_codes_meta(pq, like->codes_params, written, st.err_sum, st.norm_sum, codes_like, 0,
                           manifest_path, identity, threads, stats->seconds, &meta, err);
      if (!rc) rc = bovw_codes_write_centroids(pq, out_dir, err);
    } else {
      if (!(meta = bovw_meta_new("encodings")) || !bovw_encodings_identity_copy(meta, identity) ||
          !cJSON_AddNumberToObject(meta, "count", (double)written) ||
          !cJSON_AddNumberToObject(meta, "dim", (double)dim) ||
          !cJSON_AddNumberToObject(meta, "threads", threads) ||
          !cJSON_AddNumberToObject(meta, "seconds", stats->seconds))
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
    /* Where the time went: the threads' seconds in extraction (reading and
     * PHOW) and in encoding (and coding). */
    if (!rc && (!(fused = cJSON_AddObjectToObject(meta, "fused")) ||
                !cJSON_AddNumberToObject(fused, "skipped", (double)stats->skipped) ||
                !cJSON_AddNumberToObject(fused, "extract_thread_seconds", stats->extract_thread_seconds) ||
                !cJSON_AddNumberToObject(fused, "encode_thread_seconds", stats->encode_thread_seconds) ||
                !cJSON_AddNumberToObject(fused, "code_thread_seconds", stats->code_thread_seconds)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    if (!rc) rc = bovw_meta_write(out_dir, meta, err);
    cJSON_Delete(meta);
  }
  bovw_npy_writer_free(rows_out);
  for (int t = 0; st.phow && t < threads; t++) bovw_phow_free(st.phow[t]);
  free(st.phow);
  if (st.group) bovw_encoder_free_group(st.group, threads);
  free(st.rows);
  free(st.codes);
  free(st.labels);
  free(st.why);
  free(st.extract_s);
  free(st.encode_s);
  free(st.code_s);
  cJSON_Delete(identity);
  bovw_encodings_free(like);
  bovw_codebook_free(cb);
  bovw_manifest_free(m);
  return rc;
}
