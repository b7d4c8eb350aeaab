/* run_info.c: the run object of a report, written by bovw eval and bovw nn
 * eval and read by bovw compare, with one set of names (see
 * include/bovw/report.h). */
#include <math.h>
#include <string.h>

#include "bovw/report.h"

void bovw_run_info_init(bovw_run_info *self) {
  memset(self, 0, sizeof *self);
  self->train_count = self->train_per_class = self->train_seconds = NAN;
  self->inference_seconds = self->model_bytes = self->dim = self->threads = NAN;
  self->count = NAN;
}

void bovw_run_info_clear(bovw_run_info *self) {
  cJSON_Delete(self->test_set);
  cJSON_Delete(self->from_pixels);
  self->test_set = self->from_pixels = NULL;
}

/* Adds key: value unless the value is unknown. */
static int add_number(cJSON *o, const char *key, double value) {
  return isnan(value) || cJSON_AddNumberToObject(o, key, value) != NULL;
}

static int add_copy(cJSON *o, const char *key, const cJSON *value) {
  if (!value) return 1;
  cJSON *copy = cJSON_Duplicate(value, 1);
  if (copy && cJSON_AddItemToObject(o, key, copy)) return 1;
  cJSON_Delete(copy);
  return 0;
}

cJSON *bovw_run_info_to_json(const bovw_run_info *self) {
  cJSON *o = cJSON_CreateObject();
  double per_second = self->inference_seconds > 0 ? self->count / self->inference_seconds : 0;
  int ok = o && (!self->kind || cJSON_AddStringToObject(o, "kind", self->kind)) &&
           add_number(o, "train_count", self->train_count) &&
           add_number(o, "train_per_class", self->train_per_class) &&
           add_number(o, "train_seconds", self->train_seconds) &&
           add_number(o, "dim", self->dim) &&
           add_number(o, "model_bytes", self->model_bytes) &&
           add_number(o, "inference_seconds", self->inference_seconds) &&
           add_number(o, "images_per_second", isnan(self->count) ? NAN : per_second) &&
           add_number(o, "threads", self->threads) &&
           add_copy(o, "test_set", self->test_set) &&
           add_copy(o, "from_pixels", self->from_pixels);
  if (ok) return o;
  cJSON_Delete(o);
  return NULL;
}

/* run[key] when it is a number >= 0, else NAN: a report made by hand or by
 * an older bovw may lack any of them. */
static double run_number(const cJSON *run, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(run, key);
  return cJSON_IsNumber(v) && v->valuedouble >= 0 && isfinite(v->valuedouble) ? v->valuedouble
                                                                               : NAN;
}

void bovw_run_info_from_json(const cJSON *run, bovw_run_info *out) {
  bovw_run_info_init(out);
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive(run, "kind");
  out->kind = cJSON_IsString(kind) ? kind->valuestring : NULL;
  out->train_count = run_number(run, "train_count");
  out->train_per_class = run_number(run, "train_per_class");
  out->train_seconds = run_number(run, "train_seconds");
  out->inference_seconds = run_number(run, "inference_seconds");
  if (isnan(out->inference_seconds))  /* the name bovw eval used before */
    out->inference_seconds = run_number(run, "score_seconds");
  out->model_bytes = run_number(run, "model_bytes");
  out->dim = run_number(run, "dim");
  out->threads = run_number(run, "threads");
}
