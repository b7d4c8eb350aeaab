/* train.c: `bovw train` and `bovw eval`. */
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/report.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char TRAIN_HELP[] =
    "Usage: bovw train ENCODING_DIR -o MODEL_DIR [options]\n"
    "One-vs-rest linear SVMs on the encodings (every row is training data), or\n"
    "a k-nearest-neighbour classifier.\n\n"
    "  -o, --output DIR     the model folder to write (required)\n"
    "      --solver S       sgd (default), sdca (VLFeat); liblinear-l2-dual,\n"
    "                       liblinear-l1-dual, liblinear-cs (Crammer-Singer);\n"
    "                       knn (k nearest neighbours: the model keeps the\n"
    "                       training encodings; the SVM options do not apply)\n"
    "      --C C            regularisation (default 10); VLFeat's solvers use\n"
    "                       lambda = 1 / (C n), the same objective up to scale\n"
    "      --lambda L       VLFeat's lambda directly (instead of --C)\n"
    "      --cv K           choose C among C x {0.01, 0.1, 1, 10, 100} by K-fold\n"
    "                       cross-validation (mean per-class accuracy)\n"
    "      --epochs E       VLFeat: at most E passes over the data (default: the\n"
    "                       reference recipe's 50 / lambda iterations)\n"
    "      --epsilon E      stopping tolerance (VLFeat 1e-3, liblinear 0.1)\n"
    "      --bias B         bias multiplier (default 1; 0: no bias)\n"
    "      --balance        weight classes inversely to their size\n"
    "      --seed S         seed (default 0)\n"
    "      --neighbors K    knn: the neighbours that vote (default 1)\n"
    "      --knn-metric M   knn: l2 (default) or cosine\n"
    "  -j, --threads N      threads: VLFeat trains classes in parallel\n"
    "  -q, --quiet          no progress\n"
    "  -h, --help           this help\n";

static const char EVAL_HELP[] =
    "Usage: bovw eval MODEL_DIR ENCODING_DIR -o REPORT_DIR [-j N] [-q]\n"
    "Scores the encodings with the model and writes report.json, report.md and\n"
    "confusion.svg: accuracy, mean per-class accuracy, top-5, per-class\n"
    "precision and recall, the confusion matrix.\n\n"
    "  -o, --output DIR     the report folder to write (required)\n"
    "  -j, --threads N      threads for scoring (default: all cores)\n"
    "  -q, --quiet          nothing but errors on stderr\n"
    "  -h, --help           this help\n";

enum { OPT_SOLVER = 1000, OPT_C, OPT_LAMBDA, OPT_CV, OPT_EPOCHS, OPT_EPSILON, OPT_BIAS,
       OPT_BALANCE, OPT_SEED, OPT_NEIGHBORS, OPT_KNN_METRIC };

int cmd_train(int argc, char **argv) {
  cli_set_command("bovw train");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},  {"solver", required_argument, 0, OPT_SOLVER},
      {"C", required_argument, 0, OPT_C},     {"lambda", required_argument, 0, OPT_LAMBDA},
      {"cv", required_argument, 0, OPT_CV},   {"epochs", required_argument, 0, OPT_EPOCHS},
      {"epsilon", required_argument, 0, OPT_EPSILON}, {"bias", required_argument, 0, OPT_BIAS},
      {"balance", no_argument, 0, OPT_BALANCE}, {"seed", required_argument, 0, OPT_SEED},
      {"neighbors", required_argument, 0, OPT_NEIGHBORS},
      {"knn-metric", required_argument, 0, OPT_KNN_METRIC},
      {"threads", required_argument, 0, 'j'}, {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  bovw_train_options o;
  bovw_train_options_default(&o);
  const char *out_dir = NULL;
  /* The last option given that applies only to the SVMs, or only to knn:
   * the other kind of solver refuses it. */
  const char *svm_option = NULL, *knn_option = NULL;
  int quiet = 0, c, rc = CLI_OK, at;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, &at)) != -1) {
    if (c >= OPT_C && c <= OPT_BALANCE) svm_option = options[at].name;
    if (c == OPT_NEIGHBORS || c == OPT_KNN_METRIC) knn_option = options[at].name;
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_SOLVER:
        if (bovw_solver_parse(optarg, &o.solver))
          rc = cli_usage("--solver: '%s' is not sgd, sdca, liblinear-l2-dual, "
                         "liblinear-l1-dual, liblinear-cs or knn", optarg);
        break;
      case OPT_C: rc = cli_parse_double("--C", optarg, 1e-12, 1e12, &o.C); break;
      case OPT_LAMBDA: rc = cli_parse_double("--lambda", optarg, 1e-15, 1e6, &o.lambda); break;
      case OPT_CV: if (!(rc = cli_parse_long("--cv", optarg, 2, 100, &v))) o.cv_folds = (int)v; break;
      case OPT_EPOCHS: if (!(rc = cli_parse_long("--epochs", optarg, 1, 1000000, &v))) o.epochs = (int)v; break;
      case OPT_EPSILON: rc = cli_parse_double("--epsilon", optarg, 1e-12, 10, &o.epsilon); break;
      case OPT_BIAS: rc = cli_parse_double("--bias", optarg, 0, 1e6, &o.bias); break;
      case OPT_BALANCE: o.balance = 1; break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); break;
      case OPT_NEIGHBORS:
        if (!(rc = cli_parse_long("--neighbors", optarg, 1, 100000, &v))) o.neighbors = (int)v;
        break;
      case OPT_KNN_METRIC:
        if (bovw_knn_metric_parse(optarg, &o.knn_metric))
          rc = cli_usage("--knn-metric: '%s' is not l2 or cosine", optarg);
        break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) o.threads = (int)v; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, TRAIN_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no ENCODING_DIR given" : "one ENCODING_DIR expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  const int knn = o.solver == BOVW_SOLVER_KNN;
  if (knn && svm_option) return cli_usage("--%s is an SVM option: knn does not take it", svm_option);
  if (!knn && knn_option) return cli_usage("--%s goes with --solver knn", knn_option);
  bovw_error err = {0};
  bovw_encodings *enc;
  if (bovw_encodings_open(argv[optind], &enc, &err)) return cli_fail("%s", err.message);
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_model *m = NULL;
  int status = bovw_train(enc, &o, &monitor, &m, &err);
  if (!status) status = bovw_model_save(m, out_dir, &err);
  cli_progress_end(&progress);
  if (status) {
    rc = cli_fail("%s", err.message);
  } else if (knn) {
    printf("%zu classes, %zu training images, knn with %d %s (%s) -> %s\n", m->num_classes,
           enc->count, m->neighbors, m->neighbors == 1 ? "neighbour" : "neighbours",
           bovw_knn_metric_name(m->knn_metric), out_dir);
  } else {
    printf("%zu classes, %zu training images, solver %s, C %g, %.1f s -> %s\n", m->num_classes,
           enc->count, bovw_solver_name(o.solver), bovw_meta_number(m->meta, "C", 0),
           bovw_meta_number(m->meta, "train_seconds", 0), out_dir);
  }
  bovw_model_free(m);
  bovw_encodings_free(enc);
  return rc;
}

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

int cmd_eval(int argc, char **argv) {
  cli_set_command("bovw eval");
  static const struct option options[] = {{"output", required_argument, 0, 'o'},
                                          {"threads", required_argument, 0, 'j'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
  const char *out_dir = NULL;
  int c, rc = CLI_OK, threads = 0;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) threads = (int)v; break;
      case 'q': break;
      default: return cli_option_end(c, argv, EVAL_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 2) return cli_usage("MODEL_DIR and ENCODING_DIR expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  const char *model_dir = argv[optind], *enc_dir = argv[optind + 1];
  bovw_error err = {0};
  bovw_model *m = NULL;
  bovw_encodings *enc = NULL;
  bovw_report *report = NULL;
  float *scores = NULL;
  cJSON *info = NULL;
  struct timespec t0, t1;
  if (bovw_model_open(model_dir, &m, &err) || bovw_encodings_open(enc_dir, &enc, &err) ||
      bovw_model_check_encodings(m, enc, enc_dir, &err)) {
    rc = cli_fail("%s", err.message);
    goto done;
  }
  if (!(scores = malloc((enc->count ? enc->count : 1) * m->num_classes * sizeof *scores))) {
    rc = cli_fail("out of memory");
    goto done;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int status = bovw_model_scores(m, enc->vectors->data, enc->count, threads, scores, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (status || bovw_report_from_scores(scores, enc->labels->data, enc->count, m->num_classes,
                                        m->class_names, &report, &err)) {
    rc = cli_fail("%s", err.message);
    goto done;
  }
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  if (!(info = eval_run_info(m, enc, model_dir, enc_dir, seconds,
                             threads > 0 ? threads : omp_get_max_threads()))) {
    rc = cli_fail("out of memory");
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
  free(scores);
  bovw_report_free(report);
  bovw_encodings_free(enc);
  bovw_model_free(m);
  return rc;
}
