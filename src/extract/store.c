/* store.c: a features artifact written image by image (see store.h and
 * docs/formats.md). The two large arrays stream through npy writers; the
 * per-image arrays are small (a few numbers an image) and kept in memory
 * until the end. */
#define _GNU_SOURCE
#include "extract/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vl/generic.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"

struct bovw_store_writer {
  char *dir;
  bovw_extract_params params;
  int dim;
  bovw_npy_writer *descriptors, *frames;
  bovw_atomic_file images_tsv;
  int64_t *offsets;   /* images + 1 */
  int32_t *sizes;     /* images x 2 */
  int32_t *labels;
  size_t cap;
  bovw_store_totals totals;
};

static int grow(bovw_store_writer *self, bovw_error *err) {
  if (self->totals.images + 1 < self->cap) return BOVW_OK;
  size_t cap = self->cap ? 2 * self->cap : 1024;
  int64_t *o = realloc(self->offsets, (cap + 1) * sizeof *o);
  if (o) self->offsets = o;
  int32_t *s = realloc(self->sizes, 2 * cap * sizeof *s);
  if (s) self->sizes = s;
  int32_t *l = realloc(self->labels, cap * sizeof *l);
  if (l) self->labels = l;
  if (!o || !s || !l) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  self->cap = cap;
  return BOVW_OK;
}

static char *in_dir(const bovw_store_writer *self, const char *name) {
  return bovw_path_join(self->dir, name);
}

int bovw_store_writer_new(const char *dir, const bovw_extract_params *params,
                          bovw_store_writer **out, bovw_error *err) {
  *out = NULL;
  int rc = bovw_artifact_begin(dir, err);
  if (rc) return rc;
  bovw_store_writer *self = calloc(1, sizeof *self);
  if (!self || !(self->dir = strdup(dir))) {
    free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  self->params = *params;
  self->dim = bovw_extract_params_dim(params);
  char *dpath = in_dir(self, "descriptors.npy"), *fpath = in_dir(self, "frames.npy");
  char *ipath = in_dir(self, "images.tsv");
  int64_t drow[1] = {self->dim}, frow[1] = {4};
  if (!dpath || !fpath || !ipath) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc)
    rc = bovw_npy_writer_new(dpath,
                             params->float_descriptors ? BOVW_DTYPE_FLOAT32 : BOVW_DTYPE_UINT8,
                             2, drow, &self->descriptors, err);
  if (!rc) rc = bovw_npy_writer_new(fpath, BOVW_DTYPE_FLOAT32, 2, frow, &self->frames, err);
  if (!rc) rc = bovw_atomic_open(&self->images_tsv, ipath, err);
  if (!rc) {
    fputs("index\tmanifest_row\tpath\tlabel\tdescriptors\tstatus\n", self->images_tsv.fp);
    rc = grow(self, err);
  }
  free(dpath);
  free(fpath);
  free(ipath);
  if (rc) {
    bovw_store_writer_free(self);
    return rc;
  }
  self->offsets[0] = 0;
  *out = self;
  return BOVW_OK;
}

int bovw_store_writer_add(bovw_store_writer *self, size_t row, const char *path,
                          int32_t label, const bovw_phow_result *r,
                          bovw_error *err) {
  if (r->dim != self->dim)
    return bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: %d-D descriptors in a %d-D store",
                          path, r->dim, self->dim);
  int rc = grow(self, err);
  if (!rc) rc = bovw_npy_writer_append(self->descriptors, r->descriptors, (int64_t)r->count, err);
  if (!rc) rc = bovw_npy_writer_append(self->frames, r->frames, (int64_t)r->count, err);
  if (rc) return rc;
  size_t i = self->totals.images++;
  self->offsets[i + 1] = self->offsets[i] + (int64_t)r->count;
  self->sizes[2 * i] = r->width;
  self->sizes[2 * i + 1] = r->height;
  self->labels[i] = label;
  self->totals.descriptors += r->count;
  self->totals.zeroed += r->zeroed;
  fprintf(self->images_tsv.fp, "%zu\t%zu\t%s\t%d\t%zu\tok\n", i, row, path, label,
          r->count);
  return BOVW_OK;
}

int bovw_store_writer_skip(bovw_store_writer *self, size_t row, const char *path,
                           int32_t label, const char *why, bovw_error *err) {
  self->totals.skipped++;
  /* The reason is one line; tabs would break the columns. */
  fprintf(self->images_tsv.fp, "-1\t%zu\t%s\t%d\t0\tskipped: ", row, path, label);
  for (const char *c = why; *c; c++) fputc(*c == '\t' || *c == '\n' ? ' ' : *c, self->images_tsv.fp);
  fputc('\n', self->images_tsv.fp);
  return ferror(self->images_tsv.fp)
             ? bovw_error_set(err, BOVW_ERR_IO, "%s/images.tsv: cannot write", self->dir)
             : BOVW_OK;
}

void bovw_store_writer_totals(const bovw_store_writer *self,
                              bovw_store_totals *totals) {
  *totals = self->totals;
}

static int write_small(bovw_store_writer *self, const char *name, bovw_dtype dtype,
                       int ndim, const int64_t *shape, const void *data,
                       bovw_error *err) {
  char *path = in_dir(self, name);
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_npy_write(path, dtype, ndim, shape, data, err);
  free(path);
  return rc;
}

int bovw_store_writer_finish(bovw_store_writer *self, const cJSON *extra,
                             bovw_error *err) {
  int64_t n = (int64_t)self->totals.images;
  int64_t shape_offsets[1] = {n + 1}, shape_sizes[2] = {n, 2}, shape_labels[1] = {n};
  int rc = bovw_npy_writer_finish(self->descriptors, err);
  if (!rc) rc = bovw_npy_writer_finish(self->frames, err);
  if (!rc) rc = write_small(self, "offsets.npy", BOVW_DTYPE_INT64, 1, shape_offsets,
                            self->offsets, err);
  if (!rc) rc = write_small(self, "image_size.npy", BOVW_DTYPE_INT32, 2, shape_sizes,
                            self->sizes, err);
  if (!rc) rc = write_small(self, "labels.npy", BOVW_DTYPE_INT32, 1, shape_labels,
                            self->labels, err);
  if (!rc) rc = bovw_atomic_commit(&self->images_tsv, err);
  if (rc) return rc;

  cJSON *meta = bovw_meta_new("features");
  cJSON *params = bovw_extract_params_to_json(&self->params);
  cJSON *counts = meta ? cJSON_AddObjectToObject(meta, "counts") : NULL;
  if (!meta || !params || !counts || !cJSON_AddItemToObject(meta, "params", params) ||
      !cJSON_AddStringToObject(meta, "dtype", self->params.float_descriptors ? "float32" : "uint8") ||
      !cJSON_AddNumberToObject(meta, "dim", self->dim) ||
      !cJSON_AddStringToObject(meta, "vlfeat_version", vl_get_version_string()) ||
      !cJSON_AddNumberToObject(counts, "images", (double)self->totals.images) ||
      !cJSON_AddNumberToObject(counts, "skipped", (double)self->totals.skipped) ||
      !cJSON_AddNumberToObject(counts, "descriptors", (double)self->totals.descriptors) ||
      !cJSON_AddNumberToObject(counts, "zeroed", (double)self->totals.zeroed)) {
    if (!meta || !cJSON_GetObjectItem(meta, "params")) cJSON_Delete(params);
    cJSON_Delete(meta);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  const cJSON *item;
  cJSON_ArrayForEach(item, extra) {
    cJSON *copy = cJSON_Duplicate(item, 1);
    if (!copy || !cJSON_AddItemToObject(meta, item->string, copy)) {
      cJSON_Delete(copy);
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
      break;
    }
  }
  if (!rc) rc = bovw_meta_write(self->dir, meta, err);
  cJSON_Delete(meta);
  return rc;
}

void bovw_store_writer_free(bovw_store_writer *self) {
  if (!self) return;
  bovw_npy_writer_free(self->descriptors);
  bovw_npy_writer_free(self->frames);
  if (self->images_tsv.fp) bovw_atomic_abort(&self->images_tsv);
  free(self->offsets);
  free(self->sizes);
  free(self->labels);
  free(self->dir);
  free(self);
}
