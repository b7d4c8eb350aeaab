/* predict.c: image files to class scores, end to end: the codebook's
 * extraction parameters, the model's encoding parameters, the model. */
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"

struct bovw_predictor {
  bovw_model *model;
  bovw_codebook *codebook;
  bovw_phow *phow;
  bovw_encoder *encoder;
  float *vector;
};

void bovw_predictor_free(bovw_predictor *self) {
  if (!self) return;
  bovw_encoder_free_group(self->encoder, 1);
  bovw_phow_free(self->phow);
  bovw_codebook_free(self->codebook);
  bovw_model_free(self->model);
  free(self->vector);
  free(self);
}

int bovw_predictor_new(const char *model_dir, const char *codebook_dir, bovw_predictor **out,
                       bovw_error *err) {
  *out = NULL;
  bovw_predictor *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_model_open(model_dir, &self->model, err);
  const cJSON *id = rc ? NULL : cJSON_GetObjectItem(self->model->meta, "encodings");
  if (!rc && !strcmp(bovw_meta_string(cJSON_GetObjectItem(id, "params"), "encoding", ""),
                     "pixels"))
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "%s was trained on pixel encodings: predict needs a BoVW model",
                        model_dir);
  if (!rc) rc = bovw_codebook_open(codebook_dir, &self->codebook, err);
  if (!rc) {
    /* The codebook must be the one the training encodings were made with. */
    const char *want = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(id, "codebook"), "sha256"));
    if (want && strcmp(want, self->codebook->sha256) != 0)
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "%s is not the codebook the model %s was trained with", codebook_dir,
                          model_dir);
  }
  bovw_encode_params params;
  if (!rc) {
    rc = bovw_encode_params_from_json(cJSON_GetObjectItem(id, "params"), &params, err);
    if (rc) bovw_error_prefix(err, model_dir);
  }
  if (!rc && bovw_encode_dim(&params, self->codebook) != self->model->dim)
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: the model's dimension does not follow "
                                                "from its encoding and the codebook", model_dir);
  if (!rc) rc = bovw_phow_new(&self->codebook->features, &self->phow, err);
  if (!rc) rc = bovw_encoder_new_group(&params, self->codebook, 1, &self->encoder, err);
  if (!rc && !(self->vector = malloc(self->model->dim * sizeof *self->vector)))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (rc) {
    bovw_predictor_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

const bovw_model *bovw_predictor_model(const bovw_predictor *self) { return self->model; }

int bovw_predictor_scores(bovw_predictor *self, const char *path, float *scores,
                          bovw_error *err) {
  const bovw_extract_params *p = &self->codebook->features;
  bovw_image *img = NULL;
  int rc = bovw_image_load(path, p->color == BOVW_COLOR_GRAY ? 1 : 3, &img, err);
  bovw_phow_result r;
  if (!rc) rc = bovw_phow_process(self->phow, img, &r, err);
  size_t voting;
  if (!rc)
    rc = bovw_encoder_encode(self->encoder, r.descriptors, r.frames, r.count, r.width, r.height,
                             self->vector, &voting, err);
  if (!rc) rc = bovw_model_scores(self->model, self->vector, 1, 1, scores, err);
  bovw_image_free(img);
  return rc;
}
