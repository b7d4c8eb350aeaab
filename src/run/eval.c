/* eval.c: one system, or the late fusion of several, scored into a report
 * (see include/bovw/run.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/provenance.h"
#include "bovw/run.h"
#include "io/runtime.h"

/* One system of a fusion: a model, its encodings, its weight, its scores. */
typedef struct {
  const char *model_dir, *enc_dir;
  double weight;
  bovw_model *model;
  bovw_encodings *enc;
  float *scores;
  double seconds;
} eval_system;

/* The run object of one system (docs/report.md): the shared keys, then
 * what only a BoVW system has. NULL when out of memory. */
static cJSON *system_run_info(const eval_system *s, int threads) {
  const bovw_model *m = s->model;
  bovw_run_info ri;
  bovw_run_info_init(&ri);
  ri.kind = "bovw";
  ri.train_count = bovw_meta_number(m->meta, "train_count", 0);
  ri.train_seconds = bovw_meta_number(m->meta, "train_seconds", 0);
  ri.dim = (double)m->dim;
  ri.model_bytes = bovw_model_bytes(m);
  ri.inference_seconds = s->seconds;
  ri.count = (double)s->enc->count;
  ri.threads = threads;
  ri.test_set = bovw_test_set_json(bovw_encodings_manifest_sha256(s->enc),
                                   s->enc->labels->data, s->enc->count);
  cJSON *info = ri.test_set ? bovw_run_info_to_json(&ri) : NULL;
  bovw_run_info_clear(&ri);
  char *mabs = realpath(s->model_dir, NULL), *eabs = realpath(s->enc_dir, NULL);
  int ok = info && cJSON_AddStringToObject(info, "model", mabs ? mabs : s->model_dir) &&
           cJSON_AddStringToObject(info, "encodings", eabs ? eabs : s->enc_dir) &&
           cJSON_AddStringToObject(info, "solver", bovw_meta_string(m->meta, "solver", "?"));
  free(mabs);
  free(eabs);
  if (m->knn)
    ok = ok && cJSON_AddNumberToObject(info, "neighbors", m->neighbors) &&
         cJSON_AddStringToObject(info, "knn_metric", bovw_knn_metric_name(m->knn_metric));
  else
    ok = ok && cJSON_AddNumberToObject(info, "C", bovw_meta_number(m->meta, "C", 0));
  const cJSON *p = cJSON_GetObjectItem(s->enc->meta, "params");
  if (ok && p) {
    cJSON *copy = cJSON_Duplicate(p, 1);
    ok = copy && cJSON_AddItemToObject(info, "encoding", copy);
    if (!ok) cJSON_Delete(copy);
  }
  if (ok) return info;
  cJSON_Delete(info);
  return NULL;
}

/* The run object of a fusion: the first system's, with the sizes and times
 * of all summed (what the fused system costs), and a "fusion" array of the
 * systems' own run objects with their weights. */
static cJSON *fusion_run_info(const eval_system *sys, size_t count, int threads) {
  cJSON *info = NULL, *members = cJSON_CreateArray();
  double train_s = 0, dim = 0, bytes = 0, infer_s = 0;
  int ok = members != NULL;
  for (size_t k = 0; ok && k < count; k++) {
    cJSON *one = system_run_info(&sys[k], threads);
    ok = one && cJSON_AddNumberToObject(one, "weight", sys[k].weight) &&
         cJSON_AddItemToArray(members, one);
    if (!ok) cJSON_Delete(one);
    train_s += bovw_meta_number(sys[k].model->meta, "train_seconds", 0);
    dim += (double)sys[k].model->dim;
    bytes += bovw_model_bytes(sys[k].model);
    infer_s += sys[k].seconds;
  }
  /* The first member's keys, its weight left out, the costs summed. */
  if (ok && (info = cJSON_Duplicate(cJSON_GetArrayItem(members, 0), 1)))
    cJSON_DeleteItemFromObject(info, "weight");
  ok = ok && info;
  const char *keys[] = {"train_seconds", "dim", "model_bytes", "inference_seconds",
                        "images_per_second"};
  double values[] = {train_s, dim, bytes, infer_s,
                     infer_s > 0 ? (double)sys[0].enc->count / infer_s : 0};
  for (int i = 0; ok && i < 5; i++)
    cJSON_SetNumberValue(cJSON_GetObjectItem(info, keys[i]), values[i]);
  if (ok && cJSON_AddItemToObject(info, "fusion", members)) return info;
  cJSON_Delete(members);
  cJSON_Delete(info);
  return NULL;
}

/* Refuses a system whose classes or images differ from the first's. */
static int check_same_task(const eval_system *first, const eval_system *s, bovw_error *err) {
  const bovw_model *a = first->model, *b = s->model;
  if (a->num_classes != b->num_classes)
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "%s: %zu classes, but %s has %zu: fusion needs the same classes",
                          s->model_dir, b->num_classes, first->model_dir, a->num_classes);
  for (size_t c = 0; c < a->num_classes; c++)
    if (strcmp(a->class_names[c], b->class_names[c]))
      return bovw_error_set(err, BOVW_ERR_MISMATCH,
                            "%s: class %zu is '%s', but '%s' in %s: fusion needs the same "
                            "classes",
                            s->model_dir, c, b->class_names[c], a->class_names[c],
                            first->model_dir);
  const char *sha_a = bovw_encodings_manifest_sha256(first->enc),
             *sha_b = bovw_encodings_manifest_sha256(s->enc);
  if (s->enc->count != first->enc->count || (sha_a && sha_b && strcmp(sha_a, sha_b)) ||
      memcmp(s->enc->labels->data, first->enc->labels->data, s->enc->count * sizeof(int32_t)))
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "%s: not the images of %s (another manifest, count or labels): "
                          "fusion sums scores of the same images",
                          s->enc_dir, first->enc_dir);
  return BOVW_OK;
}

/* Opens, checks and scores system s. */
static int score_system(eval_system *s, const eval_system *first, int threads,
                        bovw_error *err) {
  int rc;
  if ((rc = bovw_model_open(s->model_dir, &s->model, err)) ||
      (rc = bovw_encodings_open_any(s->enc_dir, &s->enc, err)) ||
      (rc = bovw_model_check_encodings(s->model, s->enc, s->enc_dir, err)) ||
      (first && (rc = check_same_task(first, s, err))))
    return rc;
  size_t n = s->enc->count ? s->enc->count : 1;
  if (!(s->scores = malloc(n * s->model->num_classes * sizeof *s->scores)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the scores");
  double t0 = bovw_now();
  rc = bovw_model_score_encodings(s->model, s->enc, threads, s->scores, err);
  s->seconds = bovw_now() - t0;
  return rc;
}

/* The cost of the systems from pixels (bovw_provenance_cost). */
static cJSON *system_cost(const eval_system *sys, size_t count, bovw_error *err) {
  char **models = malloc(count * sizeof *models), **encs = malloc(count * sizeof *encs);
  double score_s = 0;
  cJSON *cost = NULL;
  if (models && encs) {
    for (size_t k = 0; k < count; k++) {
      models[k] = (char *)sys[k].model_dir;
      encs[k] = (char *)sys[k].enc_dir;
      score_s += sys[k].seconds;
    }
    cost = bovw_provenance_cost(models, count, encs, count, score_s, err);
  } else {
    bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  free(models);
  free(encs);
  return cost;
}

int bovw_eval_run(const bovw_eval_options *o, const char *report_dir, bovw_report **out,
                  bovw_error *err) {
  if (out) *out = NULL;
  if (o->count < 1) return bovw_error_set(err, BOVW_ERR_INVALID, "no system to evaluate");
  const int threads = bovw_threads_resolve(o->threads);
  eval_system *sys = calloc(o->count, sizeof *sys);
  if (!sys) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  bovw_report *report = NULL;
  cJSON *info = NULL;
  int rc = BOVW_OK;
  for (size_t k = 0; k < o->count && !rc; k++) {
    sys[k] = (eval_system){o->model_dirs[k], o->encodings_dirs[k], o->weights ? o->weights[k] : 1,
                           NULL, NULL, NULL, 0};
    rc = score_system(&sys[k], k ? &sys[0] : NULL, threads, err);
  }
  if (rc) goto done;
  /* The fused scores, into the first system's array. */
  const size_t n = sys[0].enc->count, classes = sys[0].model->num_classes;
  for (size_t i = 0; o->count > 1 && i < n * classes; i++) {
    double sum = 0;
    for (size_t k = 0; k < o->count; k++) sum += sys[k].weight * sys[k].scores[i];
    sys[0].scores[i] = (float)sum;
  }
  if ((rc = bovw_report_from_scores(sys[0].scores, sys[0].enc->labels->data, n, classes,
                                    sys[0].model->class_names, &report, err)))
    goto done;
  info = o->count > 1 ? fusion_run_info(sys, o->count, threads) : system_run_info(&sys[0], threads);
  if (!info) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  cJSON *cost = system_cost(sys, o->count, err);
  if (!cost || !cJSON_AddItemToObject(info, "from_pixels", cost)) {
    rc = cost ? bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory") : BOVW_ERR_NOMEM;
    cJSON_Delete(cost);
    goto done;
  }
  rc = bovw_report_write(report, report_dir, "bovw eval", info, err);
done:
  cJSON_Delete(info);
  if (!rc && out) *out = report;
  else bovw_report_free(report);
  for (size_t k = 0; k < o->count; k++) {
    free(sys[k].scores);
    bovw_encodings_free(sys[k].enc);
    bovw_model_free(sys[k].model);
  }
  free(sys);
  return rc;
}
