/* run.c: a features artifact into an encodings artifact, and reading one.
 *
 * The output matrix is created at its final size and mapped: threads encode
 * images in any order straight into their rows, so memory holds the matrix
 * once (and for very large D the kernel pages it out as it goes). */
#define _GNU_SOURCE
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/fs.h"
#include "encode/codes.h"
#include "io/runtime.h"

/* libsvm's sparse text: "label index:value ..." with 1-based indices and the
 * zeros left out, one image a line. */
static int write_libsvm(const char *path, const float *v, const int32_t *labels, size_t m,
                        size_t dim, bovw_error *err) {
  bovw_atomic_file f;
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  for (size_t i = 0; i < m; i++) {
    fprintf(f.fp, "%d", labels[i]);
    const float *row = v + i * dim;
    for (size_t j = 0; j < dim; j++)
      if (row[j] != 0) fprintf(f.fp, " %zu:%.8g", j + 1, row[j]);
    fputc('\n', f.fp);
  }
  return bovw_atomic_commit(&f, err);
}


int bovw_encode_run(const char *features_dir, const char *codebook_dir,
                    const bovw_encode_options *o, const char *out_dir,
                    const bovw_monitor *monitor, bovw_error *err) {
  double t0 = bovw_now();
  bovw_codebook *cb = NULL;
  bovw_features *f = NULL;
  bovw_encoder *group = NULL;
  bovw_npy_mapped *out = NULL;
  int threads = bovw_threads_resolve(o->threads);
  int rc = bovw_codebook_open(codebook_dir, &cb, err);
  if (!rc) rc = bovw_features_open(features_dir, &f, err);
  if (!rc) rc = bovw_codebook_check_features(cb, &f->params, features_dir, err);
  if (!rc) rc = bovw_encoder_new_group(&o->params, cb, threads, &group, err);
  const size_t total = f ? f->num_images : 0, dim = cb ? bovw_encode_dim(&o->params, cb) : 0;
  /* A shard: one contiguous slice of the images, as extract cuts them. */
  const int shards = o->shard_count > 1 ? o->shard_count : 1;
  const int shard = shards > 1 ? o->shard_index : 1;
  if (!rc && (shard < 1 || shard > shards))
    rc = bovw_error_set(err, BOVW_ERR_INVALID, "shard %d of %d", shard, shards);
  if (!rc && shards > 1 && o->libsvm_path)
    rc = bovw_error_set(err, BOVW_ERR_INVALID, "a shard writes no libsvm text: merge first");
  const size_t first = total * (size_t)(shard - 1) / (size_t)shards;
  const size_t m = total * (size_t)shard / (size_t)shards - first;
  char *path = bovw_path_join(out_dir, "encodings.npy");
  if (!rc && !path) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc && (double)m * (double)dim * 4 > 1e12)
    rc = bovw_error_set(err, BOVW_ERR_INVALID, "%zu images x %zu dimensions is too large", m, dim);
  if (!rc) rc = bovw_artifact_begin(out_dir, err);
  int64_t shape[2] = {(int64_t)m, (int64_t)dim};
  if (!rc) rc = bovw_npy_mapped_new(path, BOVW_DTYPE_FLOAT32, 2, shape, &out, err);
  free(path);

  size_t voting_total = 0, done = 0;
  if (!rc) {
    float *v = bovw_npy_mapped_data(out);
    const int64_t *off = f->offsets->data;
    const int32_t *sizes = f->image_size->data;
    size_t rowb = (size_t)f->dim * (f->params.float_descriptors ? sizeof(float) : 1);
    int saved = bovw_blas_threads_push(1);  /* parallel over images instead */
    volatile int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(+ : voting_total)
    for (size_t row = 0; row < m; row++) {
      if (failed) continue;
      const size_t i = first + row;  /* the image; row, its place in this artifact */
      bovw_encoder *e = bovw_encoder_at(group, omp_get_thread_num());
      size_t voting = 0;
      bovw_error local;
      int r = bovw_encoder_encode(e, (const char *)f->descriptors->data + (size_t)off[i] * rowb,
                                  (const float *)f->frames->data + 4 * (size_t)off[i],
                                  (size_t)(off[i + 1] - off[i]), sizes[2 * i], sizes[2 * i + 1],
                                  v + row * dim, &voting, &local);
      voting_total += voting;
      if (r) bovw_parallel_fail(&failed, &rc, err, r, &local);
      bovw_monitor_tick(monitor, "encode", &done, m, 16);
    }
    bovw_blas_threads_pop(saved);
    if (!rc && o->libsvm_path)
      rc = write_libsvm(o->libsvm_path, v, f->labels->data, m, dim, err);
  }
  if (!rc) rc = bovw_npy_mapped_finish(out, err);
  if (!rc) {
    char *labels = bovw_path_join(out_dir, "labels.npy");
    int64_t lshape[1] = {(int64_t)m};
    rc = labels ? bovw_npy_write(labels, BOVW_DTYPE_INT32, 1, lshape,
                                 (const int32_t *)f->labels->data + first, err)
                : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(labels);
  }
  if (!rc) {
    cJSON *meta = bovw_meta_new("encodings");
    cJSON *params = bovw_encode_params_to_json(&o->params);
    cJSON *cbj = meta ? cJSON_AddObjectToObject(meta, "codebook") : NULL;
    cJSON *fj = meta ? cJSON_AddObjectToObject(meta, "features") : NULL;
    char *cb_abs = realpath(codebook_dir, NULL), *f_abs = realpath(features_dir, NULL);
    int ok = params && cbj && fj && cb_abs && f_abs && cJSON_AddItemToObject(meta, "params", params);
    if (!ok) cJSON_Delete(params);
    ok = ok && cJSON_AddNumberToObject(meta, "count", (double)m) &&
         cJSON_AddNumberToObject(meta, "dim", (double)dim) &&
         cJSON_AddStringToObject(cbj, "path", cb_abs) &&
         cJSON_AddStringToObject(cbj, "sha256", cb->sha256) &&
         cJSON_AddNumberToObject(cbj, "k", cb->k) &&
         cJSON_AddNumberToObject(cbj, "dim", cb->dim) &&
         cJSON_AddStringToObject(fj, "path", f_abs) &&
         bovw_meta_copy(fj, f->meta, (const char *const[]){"params", "manifest"}, 2) &&
         bovw_meta_copy(meta, f->meta, (const char *const[]){"classes"}, 1) &&
         cJSON_AddNumberToObject(meta, "mean_voting_descriptors", m ? (double)voting_total / (double)m : 0) &&
         cJSON_AddNumberToObject(meta, "threads", threads) &&
         cJSON_AddNumberToObject(meta, "seconds", bovw_now() - t0) &&
         (!o->libsvm_path || cJSON_AddStringToObject(meta, "libsvm", o->libsvm_path));
    cJSON *sh = ok && shards > 1 ? cJSON_AddObjectToObject(meta, "shard") : NULL;
    ok = ok && (shards == 1 || (sh && cJSON_AddNumberToObject(sh, "index", shard) &&
                                cJSON_AddNumberToObject(sh, "count", shards) &&
                                cJSON_AddNumberToObject(sh, "first_row", (double)first) &&
                                cJSON_AddNumberToObject(sh, "end_row", (double)(first + m)) &&
                                cJSON_AddNumberToObject(sh, "images", (double)total)));
    rc = ok ? bovw_meta_write(out_dir, meta, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(cb_abs);
    free(f_abs);
    cJSON_Delete(meta);
  }
  bovw_npy_mapped_free(out);
  bovw_encoder_free_group(group, threads);
  bovw_features_free(f);
  bovw_codebook_free(cb);
  return rc;
}

int bovw_encode_params_like(const char *encodings_dir, bovw_encode_params *p,
                            char **codebook_dir, bovw_error *err) {
  *codebook_dir = NULL;
  cJSON *meta;
  int rc = bovw_meta_read(encodings_dir, NULL, &meta, err);
  if (rc) return rc;
  /* Codes: the settings of the encodings they code. */
  const char *kind = bovw_meta_string(meta, "kind", "");
  const cJSON *src = !strcmp(kind, "codes") ? cJSON_GetObjectItem(meta, "encodings") : meta;
  if (strcmp(kind, "codes") && strcmp(kind, "encodings"))
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: is a %s artifact, not encodings or codes",
                        encodings_dir, kind);
  const cJSON *params = cJSON_GetObjectItem(src, "params");
  if (!strcmp(bovw_meta_string(params, "encoding", ""), "pixels"))
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "%s holds pixel encodings: make others like it with --pixels",
                        encodings_dir);
  if (!rc) rc = bovw_encode_params_from_json(params, p, err);
  const char *cb = bovw_meta_string(cJSON_GetObjectItem(src, "codebook"), "path", NULL);
  if (!rc && !cb) rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no codebook path", encodings_dir);
  if (!rc && !(*codebook_dir = strdup(cb))) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  cJSON_Delete(meta);
  return rc;
}

void bovw_encodings_free(bovw_encodings *self) {
  if (!self) return;
  cJSON_Delete(self->meta);
  bovw_npy_free(self->vectors);
  bovw_npy_free(self->labels);
  bovw_npy_free(self->codes);
  bovw_pq_free(self->pq);
  cJSON_Delete(self->codes_params);
  for (size_t i = 0; self->class_names && i < self->num_classes; i++) free(self->class_names[i]);
  free(self->class_names);
  free(self);
}

int bovw_encodings_open(const char *dir, bovw_encodings **out, bovw_error *err) {
  *out = NULL;
  bovw_encodings *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_meta_read(dir, "encodings", &self->meta, err);
  char *vp = bovw_path_join(dir, "encodings.npy");
  if (!rc && !vp) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_npy_map(vp, &self->vectors, err);
  if (!rc) rc = bovw_npy_expect(self->vectors, vp, BOVW_DTYPE_FLOAT32, 2, err);
  if (!rc) {
    self->dim = (size_t)self->vectors->shape[1];
    rc = bovw_encodings_map_labels(self, dir, self->vectors->shape[0], "encodings.npy", err);
  }
  free(vp);
  if (rc) {
    bovw_encodings_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

int bovw_encodings_check_identity(const bovw_encodings *enc, const char *enc_name,
                                  const cJSON *identity, size_t dim, const char *who,
                                  bovw_error *err) {
  if (enc->dim != dim)
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "%s has %zu-dimensional encodings; the %s takes %zu", enc_name,
                          enc->dim, who, dim);
  const char *mine = bovw_meta_string(cJSON_GetObjectItem(identity, "codebook"), "sha256", NULL);
  const char *theirs = bovw_meta_string(cJSON_GetObjectItem(enc->meta, "codebook"), "sha256", NULL);
  if (mine && theirs && strcmp(mine, theirs))
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "%s was encoded with another codebook than the %s's training "
                          "data (codebook sha256 %.12s..., not %.12s...)",
                          enc_name, who, theirs, mine);
  const cJSON *mp = cJSON_GetObjectItem(identity, "params");
  const cJSON *tp = cJSON_GetObjectItem(enc->meta, "params");
  if (!mp || !tp || cJSON_Compare(mp, tp, 1)) return BOVW_OK;
  /* Name the first setting that differs. */
  const cJSON *item;
  cJSON_ArrayForEach(item, mp) {
    const cJSON *other = cJSON_GetObjectItem(tp, item->string);
    if (other && cJSON_Compare(item, other, 1)) continue;
    char *a = cJSON_PrintUnformatted(item), *b = other ? cJSON_PrintUnformatted(other) : NULL;
    bovw_error_set(err, BOVW_ERR_MISMATCH,
                   "%s was encoded otherwise than the %s's training data: %s is %s there, "
                   "%s for the %s (encode it with --like)",
                   enc_name, who, item->string, b ? b : "missing", a ? a : "?", who);
    free(a);
    free(b);
    return BOVW_ERR_MISMATCH;
  }
  return bovw_error_set(err, BOVW_ERR_MISMATCH, "%s was encoded otherwise than the %s's "
                                                "training data", enc_name, who);
}

const char *bovw_encodings_manifest_sha256(const bovw_encodings *enc) {
  const cJSON *features = cJSON_GetObjectItem(enc->meta, "features");
  const cJSON *manifest = cJSON_GetObjectItem(features ? features : enc->meta, "manifest");
  return bovw_meta_string(manifest, "sha256", NULL);
}
