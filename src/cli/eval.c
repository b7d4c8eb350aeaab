/* eval.c: `bovw eval`, one model on its encodings or the late fusion of
 * several systems (their scores summed, optionally weighted) on the same
 * images. */
#define _GNU_SOURCE
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/provenance.h"
#include "bovw/report.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char EVAL_HELP[] =
    "Usage: bovw eval MODEL_DIR ENCODING_DIR [MODEL_DIR ENCODING_DIR ...]\n"
    "                 -o REPORT_DIR [--weights W,W,...] [-j N] [-q]\n"
    "Scores the encodings with the model and writes report.json, report.md and\n"
    "confusion.svg: accuracy, mean per-class accuracy, top-5, per-class\n"
    "precision and recall, the confusion matrix.\n"
    "With several MODEL_DIR ENCODING_DIR pairs (systems trained on different\n"
    "encodings of the same images, e.g. gray and colour), their scores are\n"
    "summed, each times its weight: late fusion. The models must have the same\n"
    "classes and the encodings the same images.\n\n"
    "  -o, --output DIR     the report folder to write (required)\n"
    "      --weights LIST   one weight per pair (default 1 each)\n"
    "  -j, --threads N      threads for scoring (default: all cores)\n"
    "  -q, --quiet          nothing but errors on stderr\n"
    "  -h, --help           this help\n";

/* One system of a fusion: a model, its encodings, its weight, its scores. */
typedef struct {
  const char *model_dir, *enc_dir;
  double weight;
  bovw_model *model;
  bovw_encodings *enc;
  float *scores;
  double seconds;
} eval_system;

/* The report's run object (docs/report.md): what was evaluated, and the
 * times and sizes bovw compare shows. NULL when out of memory. */
static cJSON *eval_run_info(const bovw_model *m, const bovw_encodings *enc, const char *model_dir,
                            const char *enc_dir, double seconds, int threads) {
  cJSON *info = cJSON_CreateObject();
  char *mabs = realpath(model_dir, NULL), *eabs = realpath(enc_dir, NULL);
  int ok = info && cJSON_AddStringToObject(info, "kind", "bovw") &&
           cJSON_AddStringToObject(info, "model", mabs ? mabs : model_dir) &&
           cJSON_AddStringToObject(info, "encodings", eabs ? eabs : enc_dir) &&
           cJSON_AddStringToObject(info, "solver", bovw_meta_string(m->meta, "solver", "?"));
  if (m->knn)
    ok = ok && cJSON_AddNumberToObject(info, "neighbors", m->neighbors) &&
         cJSON_AddStringToObject(info, "knn_metric", bovw_knn_metric_name(m->knn_metric));
  else
    ok = ok && cJSON_AddNumberToObject(info, "C", bovw_meta_number(m->meta, "C", 0));
  /* The same names as bovw nn eval's, so that compare reads both. */
  ok = ok && cJSON_AddNumberToObject(info, "train_count", bovw_meta_number(m->meta, "train_count", 0)) &&
       cJSON_AddNumberToObject(info, "train_seconds", bovw_meta_number(m->meta, "train_seconds", 0)) &&
       cJSON_AddNumberToObject(info, "dim", (double)m->dim) &&
       cJSON_AddNumberToObject(info, "model_bytes", bovw_model_bytes(m)) &&
       cJSON_AddNumberToObject(info, "inference_seconds", seconds) &&
       cJSON_AddNumberToObject(info, "images_per_second",
                               seconds > 0 ? (double)enc->count / seconds : 0) &&
       cJSON_AddNumberToObject(info, "threads", threads);
  cJSON *test_set = ok ? bovw_test_set_json(bovw_encodings_manifest_sha256(enc), enc->labels->data,
                                            enc->count)
                       : NULL;
  ok = ok && test_set && cJSON_AddItemToObject(info, "test_set", test_set);
  if (!ok) cJSON_Delete(test_set);
  const cJSON *p = cJSON_GetObjectItem(enc->meta, "params");
  if (ok && p) {
    cJSON *copy = cJSON_Duplicate(p, 1);
    ok = copy && cJSON_AddItemToObject(info, "encoding", copy);
    if (!ok) cJSON_Delete(copy);
  }
  free(mabs);
  free(eabs);
  if (!ok) {
    cJSON_Delete(info);
    return NULL;
  }
  return info;
}

/* The run object of a fusion: the first system's, with the sizes and times
 * of all summed (what the fused system costs), and a "fusion" array of the
 * systems' own run objects with their weights. */
static cJSON *fusion_run_info(const eval_system *sys, size_t count, int threads) {
  cJSON *info = NULL, *members = cJSON_CreateArray();
  double train_s = 0, dim = 0, bytes = 0, infer_s = 0;
  int ok = members != NULL;
  for (size_t k = 0; ok && k < count; k++) {
    cJSON *one = eval_run_info(sys[k].model, sys[k].enc, sys[k].model_dir, sys[k].enc_dir,
                               sys[k].seconds, threads);
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
  const char *keys[] = {"train_seconds", "dim", "model_bytes", "inference_seconds", "images_per_second"};
  double values[] = {train_s, dim, bytes, infer_s,
                     infer_s > 0 ? (double)sys[0].enc->count / infer_s : 0};
  for (int i = 0; ok && i < 5; i++) cJSON_SetNumberValue(cJSON_GetObjectItem(info, keys[i]), values[i]);
  if (ok && cJSON_AddItemToObject(info, "fusion", members)) return info;
  cJSON_Delete(members);
  cJSON_Delete(info);
  return NULL;
}

/* Refuses a system whose classes or images differ from the first's. */
static int check_same_task(const eval_system *first, const eval_system *s) {
  const bovw_model *a = first->model, *b = s->model;
  if (a->num_classes != b->num_classes)
    return cli_fail("%s: %zu classes, but %s has %zu: fusion needs the same classes",
                    s->model_dir, b->num_classes, first->model_dir, a->num_classes);
  for (size_t c = 0; c < a->num_classes; c++)
    if (strcmp(a->class_names[c], b->class_names[c]))
      return cli_fail("%s: class %zu is '%s', but '%s' in %s: fusion needs the same classes",
                      s->model_dir, c, b->class_names[c], a->class_names[c], first->model_dir);
  const char *sha_a = bovw_encodings_manifest_sha256(first->enc),
             *sha_b = bovw_encodings_manifest_sha256(s->enc);
  if (s->enc->count != first->enc->count || (sha_a && sha_b && strcmp(sha_a, sha_b)) ||
      memcmp(s->enc->labels->data, first->enc->labels->data, s->enc->count * sizeof(int32_t)))
    return cli_fail("%s: not the images of %s (another manifest, count or labels): fusion "
                    "sums scores of the same images", s->enc_dir, first->enc_dir);
  return CLI_OK;
}

static int parse_weights(const char *text, double *w, size_t n) {
  const char *p = text;
  for (size_t k = 0; k < n; k++) {
    char *end;
    w[k] = strtod(p, &end);
    if (end == p || (k + 1 < n && *end != ',') || (k + 1 == n && *end) || !(w[k] >= 0))
      return cli_usage("--weights: '%s' is not %zu non-negative numbers separated by commas",
                       text, n);
    p = end + 1;
  }
  return CLI_OK;
}

int cmd_eval(int argc, char **argv) {
  cli_set_command("bovw eval");
  enum { OPT_WEIGHTS = 1000 };
  static const struct option options[] = {{"output", required_argument, 0, 'o'},
                                          {"weights", required_argument, 0, OPT_WEIGHTS},
                                          {"threads", required_argument, 0, 'j'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
  const char *out_dir = NULL, *weights = NULL;
  int c, rc = CLI_OK, threads = 0;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_WEIGHTS: weights = optarg; break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) threads = (int)v; break;
      case 'q': break;
      default: return cli_option_end(c, argv, EVAL_HELP);
    }
  }
  if (rc) return rc;
  int args = argc - optind;
  if (args < 2 || args % 2) return cli_usage("MODEL_DIR ENCODING_DIR pairs expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  size_t count = (size_t)args / 2;
  eval_system *sys = calloc(count, sizeof *sys);
  double *w = malloc(count * sizeof *w);
  if (!sys || !w) {
    free(sys);
    free(w);
    return cli_fail("out of memory");
  }
  bovw_error err = {0};
  bovw_report *report = NULL;
  cJSON *info = NULL;
  for (size_t k = 0; k < count; k++) w[k] = 1;
  if (weights && (rc = parse_weights(weights, w, count))) goto done;
  for (size_t k = 0; k < count && !rc; k++) {
    eval_system *s = &sys[k];
    s->model_dir = argv[optind + 2 * k];
    s->enc_dir = argv[optind + 2 * k + 1];
    s->weight = w[k];
    if (bovw_model_open(s->model_dir, &s->model, &err) ||
        bovw_encodings_open(s->enc_dir, &s->enc, &err) ||
        bovw_model_check_encodings(s->model, s->enc, s->enc_dir, &err)) {
      rc = cli_fail("%s", err.message);
      break;
    }
    if (k > 0 && (rc = check_same_task(&sys[0], s))) break;
    size_t n = s->enc->count ? s->enc->count : 1;
    if (!(s->scores = malloc(n * s->model->num_classes * sizeof *s->scores))) {
      rc = cli_fail("out of memory");
      break;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (bovw_model_scores(s->model, s->enc->vectors->data, s->enc->count, threads, s->scores,
                          &err)) {
      rc = cli_fail("%s", err.message);
      break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  }
  if (rc) goto done;
  /* The fused scores, into the first system's array. */
  const size_t n = sys[0].enc->count, classes = sys[0].model->num_classes;
  for (size_t i = 0; count > 1 && i < n * classes; i++) {
    double sum = 0;
    for (size_t k = 0; k < count; k++) sum += sys[k].weight * sys[k].scores[i];
    sys[0].scores[i] = (float)sum;
  }
  if (bovw_report_from_scores(sys[0].scores, sys[0].enc->labels->data, n, classes,
                              sys[0].model->class_names, &report, &err)) {
    rc = cli_fail("%s", err.message);
    goto done;
  }
  int used = threads > 0 ? threads : omp_get_max_threads();
  info = count > 1 ? fusion_run_info(sys, count, used)
                   : eval_run_info(sys[0].model, sys[0].enc, sys[0].model_dir, sys[0].enc_dir,
                                   sys[0].seconds, used);
  if (!info) {
    rc = cli_fail("out of memory");
    goto done;
  }
  /* The cost of the whole system from pixels, beside the SVMs' own. */
  char **model_dirs = malloc(count * sizeof *model_dirs), **enc_dirs = malloc(count * sizeof *enc_dirs);
  double score_s = 0;
  for (size_t k = 0; model_dirs && enc_dirs && k < count; k++) {
    model_dirs[k] = (char *)sys[k].model_dir;
    enc_dirs[k] = (char *)sys[k].enc_dir;
    score_s += sys[k].seconds;
  }
  cJSON *cost = model_dirs && enc_dirs
                    ? bovw_provenance_cost(model_dirs, count, enc_dirs, count, score_s, &err)
                    : NULL;
  free(model_dirs);
  free(enc_dirs);
  if (!cost || !cJSON_AddItemToObject(info, "from_pixels", cost)) {
    cJSON_Delete(cost);
    rc = cli_fail("%s", err.message[0] ? err.message : "out of memory");
    goto done;
  }
  if (bovw_report_write(report, out_dir, "bovw eval", info, &err)) {
    rc = cli_fail("%s", err.message);
    goto done;
  }
  printf("%zu images: accuracy %.2f%%, mean per-class accuracy %.2f%%, top-5 %.2f%% -> %s\n",
         report->count, 100 * report->accuracy, 100 * report->mean_class_accuracy,
         100 * report->top5_accuracy, out_dir);
done:
  cJSON_Delete(info);
  bovw_report_free(report);
  for (size_t k = 0; k < count; k++) {
    free(sys[k].scores);
    bovw_encodings_free(sys[k].enc);
    bovw_model_free(sys[k].model);
  }
  free(sys);
  free(w);
  return rc;
}
