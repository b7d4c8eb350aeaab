/* model.c: scoring with a model, and the model artifact. */
#define _GNU_SOURCE
#include <cblas.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/fs.h"
#include "bovw/manifest.h"
#include "classify/internal.h"
#include "io/runtime.h"

const float *bovw_row_view_block(const void *ctx, size_t first, size_t count, float *buf) {
  const bovw_row_view *v = ctx;
  const size_t dim = v->enc->dim;
  if (!v->subset) return bovw_encodings_block(v->enc, v->first + first, count, buf);
  for (size_t r = 0; r < count; r++) {
    float *to = buf + r * dim;
    const float *row = bovw_encodings_row(v->enc, bovw_row_view_index(v, first + r), 0, dim, to);
    if (row != to) memcpy(to, row, dim * sizeof *to);
  }
  return buf;
}

/* Rows of a plain array, in place. */
typedef struct {
  const float *x;
  size_t dim;
} plain_rows;

static const float *plain_block(const void *ctx, size_t first, size_t count, float *buf) {
  (void)count;
  (void)buf;
  const plain_rows *p = ctx;
  return p->x + first * p->dim;
}

/* The linear scores of n rows from a row source: the biases, plus the
 * products in the blocks of bovw_sgemm_rows, the same at any thread count
 * and for rows in memory or decoded. */
static int linear_scores(const bovw_model *self, bovw_row_block_fn rows, const void *ctx,
                         int decode, size_t n, int threads, float *scores, bovw_error *err) {
  for (size_t i = 0; i < n; i++)
    memcpy(scores + i * self->num_classes, self->biases, self->num_classes * sizeof *scores);
  if (bovw_sgemm_rows(n, self->num_classes, self->dim, rows, ctx, decode, self->weights,
                      self->dim, 1.0f, scores, self->num_classes, threads))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory to decode rows");
  return BOVW_OK;
}

int bovw_model_scores(const bovw_model *self, const float *x, size_t n, int threads,
                      float *scores, bovw_error *err) {
  if (self->knn) return bovw_knn_scores(self, x, n, threads, scores, err);
  plain_rows p = {x, self->dim};
  return linear_scores(self, plain_block, &p, 0, n, threads, scores, err);
}

int bovw_model_scores_view(const bovw_model *self, const bovw_row_view *view, size_t n,
                           int threads, float *scores, bovw_error *err) {
  if (self->knn && !bovw_row_view_decodes(view))
    return bovw_knn_scores(self, (const float *)view->enc->vectors->data + view->first * self->dim,
                           n, threads, scores, err);
  if (self->knn)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "a nearest-neighbour model scores dense encodings only: decompress the "
                          "codes first (bovw decompress)");
  return linear_scores(self, bovw_row_view_block, view, bovw_row_view_decodes(view), n, threads,
                       scores, err);
}

int bovw_model_score_encodings(const bovw_model *self, const bovw_encodings *enc, int threads,
                               float *scores, bovw_error *err) {
  bovw_row_view view = {enc, NULL, 0};
  return bovw_model_scores_view(self, &view, enc->count, threads, scores, err);
}

double bovw_model_bytes(const bovw_model *self) {
  double rows = self->knn ? (double)self->train_count : (double)self->num_classes;
  return 4 * rows * ((double)self->dim + 1);
}

/* weights.npy and biases.npy. */
static int save_linear(const bovw_model *self, const char *dir, bovw_error *err) {
  char *wp = bovw_path_join(dir, "weights.npy"), *bp = bovw_path_join(dir, "biases.npy");
  int rc = wp && bp ? BOVW_OK : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int64_t ws[2] = {(int64_t)self->num_classes, (int64_t)self->dim}, bs[1] = {(int64_t)self->num_classes};
  if (!rc) rc = bovw_npy_write(wp, BOVW_DTYPE_FLOAT32, 2, ws, self->weights, err);
  if (!rc) rc = bovw_npy_write(bp, BOVW_DTYPE_FLOAT32, 1, bs, self->biases, err);
  free(wp);
  free(bp);
  return rc;
}

int bovw_model_save(const bovw_model *self, const char *dir, bovw_error *err) {
  int rc = bovw_artifact_begin(dir, err);
  if (!rc) rc = self->knn ? bovw_knn_save(self, dir, err) : save_linear(self, dir, err);
  if (rc) return rc;
  cJSON *meta = bovw_meta_new("model");
  cJSON *names = cJSON_CreateStringArray((const char *const *)self->class_names,
                                         (int)self->num_classes);
  int ok = meta && names && cJSON_AddItemToObject(meta, "classes", names) &&
           cJSON_AddNumberToObject(meta, "num_classes", (double)self->num_classes) &&
           cJSON_AddNumberToObject(meta, "dim", (double)self->dim);
  if (!ok && meta && !cJSON_GetObjectItem(meta, "classes")) cJSON_Delete(names);
  const cJSON *item;
  cJSON_ArrayForEach(item, self->meta) {
    if (!ok) break;
    if (cJSON_GetObjectItem(meta, item->string)) continue;
    cJSON *copy = cJSON_Duplicate(item, 1);
    ok = copy && cJSON_AddItemToObject(meta, item->string, copy);
  }
  rc = ok ? bovw_meta_write(dir, meta, err) : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  cJSON_Delete(meta);
  return rc;
}

int bovw_model_open(const char *dir, bovw_model **out, bovw_error *err) {
  *out = NULL;
  bovw_model *m = calloc(1, sizeof *m);
  if (!m) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_meta_read(dir, "model", &m->meta, err);
  if (!rc) {
    m->num_classes = (size_t)bovw_meta_whole(m->meta, "num_classes", 1, INT_MAX, 0);
    m->dim = (size_t)bovw_meta_whole(m->meta, "dim", 1, INT_MAX, 0);
    const cJSON *names = cJSON_GetObjectItem(m->meta, "classes");
    if (!m->num_classes || !m->dim || cJSON_GetArraySize(names) != (int)m->num_classes)
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: bad classes or dim", dir);
    if (!rc && !(m->class_names = calloc(m->num_classes, sizeof *m->class_names)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    for (size_t c = 0; !rc && c < m->num_classes; c++) {
      const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(names, (int)c));
      if (!(m->class_names[c] = strdup(s ? s : "?")))
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
  }
  const int knn = !rc && !strcmp(bovw_meta_string(m->meta, "solver", ""),
                                 bovw_solver_name(BOVW_SOLVER_KNN));
  if (!rc && knn) rc = bovw_knn_open(m, dir, err);
  if (!rc && !knn)
    rc = bovw_npy_load_f32(dir, "weights.npy", (int64_t)m->num_classes, (int64_t)m->dim, &m->weights, err);
  if (!rc && !knn) rc = bovw_npy_load_f32(dir, "biases.npy", (int64_t)m->num_classes, 0, &m->biases, err);
  if (rc) {
    bovw_model_free(m);
    return rc;
  }
  *out = m;
  return BOVW_OK;
}

int bovw_model_check_encodings(const bovw_model *self, const bovw_encodings *enc,
                               const char *enc_name, bovw_error *err) {
  const cJSON *shard = cJSON_GetObjectItem(self->meta, "class_shard");
  if (shard)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "the model holds class shard %g of %g only (classes %g to %g): merge "
                          "the shards first (bovw merge)",
                          bovw_meta_number(shard, "index", 0), bovw_meta_number(shard, "count", 0),
                          bovw_meta_number(shard, "first_class", 0),
                          bovw_meta_number(shard, "end_class", 0) - 1);
  int rc = bovw_encodings_check_identity(enc, enc_name, cJSON_GetObjectItem(self->meta, "encodings"),
                                         self->dim, "model", err);
  /* Codes of another quantiser than the model's training codes decode to
   * other rows than the ones it learned from. */
  const char *mine = bovw_meta_string(cJSON_GetObjectItem(self->meta, "codes"), "quantiser_sha256", NULL);
  if (!rc && mine && enc->codes && strcmp(mine, enc->quantiser_sha256))
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "%s was compressed with another quantiser than the model's training "
                        "codes (centroids sha256 %.12s..., not %.12s...): compress the test "
                        "encodings with --like the training codes",
                        enc_name, enc->quantiser_sha256, mine);
  /* The same codebook says nothing of the classes: a label is an index
   * into the model's class list, so other classes would be scored as the
   * model's (cup images reported as Leopards). */
  if (!rc && enc->class_names)
    rc = bovw_classes_check(enc_name, enc->class_names, enc->num_classes, "model",
                            self->class_names, self->num_classes, err);
  const int32_t *labels = enc->labels->data;
  for (size_t i = 0; !rc && i < enc->count; i++)
    if (labels[i] < 0 || (size_t)labels[i] >= self->num_classes)
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: row %zu has label %d; the model knows "
                          "%zu classes", enc_name, i, labels[i], self->num_classes);
  return rc;
}
