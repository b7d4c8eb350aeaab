/* features.c: opening a features artifact and checking it is whole. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/extract.h"
#include "bovw/fs.h"

void bovw_features_free(bovw_features *self) {
  if (!self) return;
  cJSON_Delete(self->meta);
  bovw_npy_free(self->descriptors);
  bovw_npy_free(self->frames);
  bovw_npy_free(self->offsets);
  bovw_npy_free(self->image_size);
  bovw_npy_free(self->labels);
  free(self);
}

static int map(const char *dir, const char *name, bovw_dtype dtype, int ndim,
               bovw_npy **out, bovw_error *err) {
  char *path = bovw_path_join(dir, name);
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_npy_map(path, out, err);
  if (!rc) rc = bovw_npy_expect(*out, path, dtype, ndim, err);
  free(path);
  return rc;
}

int bovw_features_open(const char *dir, bovw_features **out, bovw_error *err) {
  *out = NULL;
  bovw_features *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_meta_read(dir, "features", &self->meta, err);
  if (!rc) {
    rc = bovw_extract_params_from_json(cJSON_GetObjectItem(self->meta, "params"),
                                       &self->params, err);
    if (rc) bovw_error_prefix(err, dir);
  }
  if (!rc) {
    self->dim = bovw_extract_params_dim(&self->params);
    bovw_dtype dt = self->params.float_descriptors ? BOVW_DTYPE_FLOAT32 : BOVW_DTYPE_UINT8;
    rc = map(dir, "descriptors.npy", dt, 2, &self->descriptors, err);
  }
  if (!rc) rc = map(dir, "frames.npy", BOVW_DTYPE_FLOAT32, 2, &self->frames, err);
  if (!rc) rc = map(dir, "offsets.npy", BOVW_DTYPE_INT64, 1, &self->offsets, err);
  if (!rc) rc = map(dir, "image_size.npy", BOVW_DTYPE_INT32, 2, &self->image_size, err);
  if (!rc) rc = map(dir, "labels.npy", BOVW_DTYPE_INT32, 1, &self->labels, err);
  if (rc) {
    bovw_features_free(self);
    return rc;
  }
  /* The arrays must describe the same images and rows. */
  const int64_t *off = self->offsets->data;
  int64_t rows = self->descriptors->shape[0];
  self->num_images = self->offsets->count > 0 ? (size_t)self->offsets->count - 1 : 0;
  const char *bad = NULL;
  if (self->offsets->count < 1) bad = "offsets.npy is empty";
  else if (self->descriptors->shape[1] != self->dim)
    bad = "descriptors.npy has another dimension than meta.json says";
  else if (self->frames->shape[0] != rows || self->frames->shape[1] != 4)
    bad = "frames.npy does not have one row of 4 per descriptor";
  else if (self->labels->count != (int64_t)self->num_images ||
           self->image_size->shape[0] != (int64_t)self->num_images ||
           self->image_size->shape[1] != 2)
    bad = "labels.npy or image_size.npy does not have one entry per image";
  else if (off[0] != 0 || off[self->num_images] != rows)
    bad = "offsets.npy does not span descriptors.npy";
  for (size_t i = 0; !bad && i < self->num_images; i++)
    if (off[i + 1] < off[i]) bad = "offsets.npy decreases";
  if (bad) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: %s", dir, bad);
    bovw_features_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}
