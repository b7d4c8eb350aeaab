/* codes.c: a codes artifact (bovw compress) opened as encodings whose rows
 * are decoded a block at a time, so that train and eval read compressed
 * rows without ever holding the whole matrix as floats. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/fs.h"
#include "encode/codes.h"

/* The quantiser a codes meta.json describes, its centroids from
 * centroids.npy (checked against the settings). */
static int open_quantiser(const char *dir, const cJSON *meta, bovw_pq **out, bovw_error *err) {
  const cJSON *params = cJSON_GetObjectItem(meta, "params");
  const int group = (int)bovw_meta_whole(params, "group", 0, INT_MAX, 0);
  const int code_bits = (int)bovw_meta_whole(params, "code_bits", 0, INT_MAX, 0);
  const char *method = bovw_meta_string(params, "method", "?");
  bovw_pq_method m = !strcmp(method, "sign") ? BOVW_PQ_SIGN : BOVW_PQ_KMEANS;
  if (strcmp(method, "sign") && strcmp(method, "kmeans"))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: unknown quantiser method '%s'",
                          dir, method);
  /* The centroids file is mapped first: the quantiser it must match is
   * allocated only when meta.json's dimension is that of the file, never
   * from meta.json's word alone. */
  char *qp = bovw_path_join(dir, "centroids.npy");
  bovw_npy *centroids = NULL;
  int rc = qp ? bovw_npy_map(qp, &centroids, err)
              : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_npy_expect(centroids, qp, BOVW_DTYPE_FLOAT32, 3, err);
  const double dim = bovw_meta_number(meta, "dim", 0);
  if (!rc && dim != (double)centroids->shape[0] * (double)centroids->shape[2])
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: dim %g, but centroids.npy is "
                        "%lld sub-vectors of %lld", dir, dim, (long long)centroids->shape[0],
                        (long long)centroids->shape[2]);
  if (!rc && bovw_pq_new((size_t)dim, group, code_bits, m, out, err)) {
    char why[BOVW_ERROR_MESSAGE_SIZE];  /* the message is rewritten in place */
    snprintf(why, sizeof why, "%s", err->message);
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: %s", dir, why);
  }
  bovw_pq *pq = *out;
  if (!rc && ((size_t)centroids->shape[0] != pq->subs || centroids->shape[1] != pq->k ||
              centroids->shape[2] != pq->group))
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not %zu x %d x %d centroids", qp, pq->subs,
                        pq->k, pq->group);
  if (!rc)
    memcpy(pq->centroids, centroids->data,
           pq->subs * (size_t)pq->k * (size_t)pq->group * sizeof(float));
  bovw_npy_free(centroids);
  free(qp);
  if (rc) {
    bovw_pq_free(pq);
    *out = NULL;
  }
  return rc;
}

int bovw_encodings_identity_copy(cJSON *dst, const cJSON *src) {
  static const char *const keys[] = {"params", "codebook", "features", "manifest", "classes"};
  return bovw_meta_copy(dst, src, keys, sizeof keys / sizeof *keys);
}

int bovw_encodings_map_labels(bovw_encodings *self, const char *dir, int64_t rows,
                              const char *rows_name, bovw_error *err) {
  char *lp = bovw_path_join(dir, "labels.npy");
  int rc = lp ? bovw_npy_map(lp, &self->labels, err)
              : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_npy_expect(self->labels, lp, BOVW_DTYPE_INT32, 1, err);
  if (!rc && self->labels->count != rows)
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: labels.npy and %s disagree", dir, rows_name);
  free(lp);
  if (rc) return rc;
  self->count = (size_t)rows;
  /* The class names of the identity's "classes" array. */
  const cJSON *classes = cJSON_GetObjectItem(self->meta, "classes");
  int n = cJSON_GetArraySize(classes);
  if (n > 0 && !(self->class_names = calloc((size_t)n, sizeof *self->class_names)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(classes, i));
    if (!(self->class_names[i] = strdup(name ? name : "?")))
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    self->num_classes = (size_t)i + 1;
  }
  return BOVW_OK;
}

static int open_codes(const char *dir, cJSON *meta, bovw_encodings *self, bovw_error *err) {
  /* The identity is that of the encodings the codes compress. */
  const cJSON *source = cJSON_GetObjectItem(meta, "encodings");
  const char *sha = bovw_meta_string(cJSON_GetObjectItem(meta, "quantiser"), "sha256", NULL);
  if (!source || !sha || strlen(sha) != 64)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: no encodings or quantiser", dir);
  memcpy(self->quantiser_sha256, sha, 65);
  if (!(self->meta = cJSON_CreateObject()) || !bovw_encodings_identity_copy(self->meta, source) ||
      !(self->codes_params = cJSON_Duplicate(cJSON_GetObjectItem(meta, "params"), 1)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = open_quantiser(dir, meta, &self->pq, err);
  char *cp = bovw_path_join(dir, "codes.npy");
  if (!rc && !cp) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_npy_map(cp, &self->codes, err);
  if (!rc) rc = bovw_npy_expect(self->codes, cp, BOVW_DTYPE_UINT8, 2, err);
  if (!rc && (size_t)self->codes->shape[1] != self->pq->subs)
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: %lld bytes a row, not the quantiser's %zu", cp,
                        (long long)self->codes->shape[1], self->pq->subs);
  if (!rc) {
    self->dim = self->pq->dim;
    rc = bovw_encodings_map_labels(self, dir, self->codes->shape[0], "codes.npy", err);
  }
  /* With fewer than 256 centroids a byte can name one that does not exist:
   * a corrupt file must not send decoding outside the table. */
  const size_t bytes = rc ? 0 : self->count * self->pq->subs;
  const uint8_t *code = rc ? NULL : self->codes->data;
  for (size_t i = 0; self->pq && self->pq->k < 256 && i < bytes; i++)
    if (code[i] >= self->pq->k) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: row %zu names centroid %d of a quantiser with %d: corrupt", cp,
                          i / self->pq->subs, code[i], self->pq->k);
      break;
    }
  free(cp);
  return rc;
}

int bovw_encodings_open_any(const char *dir, bovw_encodings **out, bovw_error *err) {
  *out = NULL;
  cJSON *meta = NULL;
  int rc = bovw_meta_read(dir, NULL, &meta, err);
  const char *kind = bovw_meta_string(meta, "kind", "");
  if (!rc && strcmp(kind, "codes")) {
    cJSON_Delete(meta);
    return bovw_encodings_open(dir, out, err);
  }
  bovw_encodings *self = calloc(1, sizeof *self);
  if (!rc && !self) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = open_codes(dir, meta, self, err);
  cJSON_Delete(meta);
  if (rc) {
    bovw_encodings_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

const float *bovw_encodings_row(const bovw_encodings *enc, size_t i, size_t c0, size_t cw,
                                float *buf) {
  if (!enc->codes) return (const float *)enc->vectors->data + i * enc->dim + c0;
  bovw_pq_decode_range(enc->pq, (const uint8_t *)enc->codes->data + i * enc->pq->subs, c0, cw, buf);
  return buf;
}

const float *bovw_encodings_block(const void *ctx, size_t first, size_t count, float *buf) {
  const bovw_encodings *enc = ctx;
  if (!enc->codes) return (const float *)enc->vectors->data + first * enc->dim;
  for (size_t r = 0; r < count; r++)
    bovw_pq_decode(enc->pq, (const uint8_t *)enc->codes->data + (first + r) * enc->pq->subs,
                   buf + r * enc->dim);
  return buf;
}
