/* train.c: `bovw train`. */
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
    "a k-nearest-neighbour classifier. ENCODING_DIR may be a codes folder\n"
    "(bovw compress) with --solver stream, which decodes a batch at a time.\n\n"
    "  -o, --output DIR     the model folder to write (required)\n"
    "      --solver S       sgd (default), sdca (VLFeat); liblinear-l2-dual,\n"
    "                       liblinear-l1-dual, liblinear-cs (Crammer-Singer);\n"
    "                       gram (liblinear-l1-dual's problem solved on the\n"
    "                       n x n Gram matrix: fast when dimensions far\n"
    "                       outnumber images, as with Fisher vectors);\n"
    "                       knn (k nearest neighbours: the model keeps the\n"
    "                       training encodings; the SVM options do not apply);\n"
    "                       stream (sdca's problem for every class in one pass\n"
    "                       over mini-batches of rows, by matrix products: the\n"
    "                       fast one for many rows and classes)\n"
    "      --C C            regularisation (default 10); VLFeat's solvers use\n"
    "                       lambda = 1 / (C n), the same objective up to scale\n"
    "      --lambda L       VLFeat's lambda directly (instead of --C)\n"
    "      --cv K           choose C among C x {0.01, 0.1, 1, 10, 100} by K-fold\n"
    "                       cross-validation (mean per-class accuracy)\n"
    "      --epochs E       VLFeat and stream: at most E passes over the data\n"
    "                       (default: the reference recipe's 50 / lambda\n"
    "                       iterations); gram: at most E passes (default 1000)\n"
    "      --epsilon E      stopping tolerance (VLFeat, stream and gram: duality gap\n"
    "                       1e-3 on VLFeat's scale; liblinear 0.1)\n"
    "      --bias B         bias multiplier (default 1; 0: no bias)\n"
    "      --balance        weight classes inversely to their size\n"
    "      --seed S         seed (default 0)\n"
    "      --classes I/N    train only the I-th of N equal slices of the classes\n"
    "                       (sgd, sdca, gram, stream: each class on its own);\n"
    "                       'bovw merge' joins the N models into the unsplit one\n"
    "      --neighbors K    knn: the neighbours that vote (default 1)\n"
    "      --knn-metric M   knn: l2 (default) or cosine\n"
    "  -j, --threads N      threads: VLFeat trains classes in parallel\n"
    "  -q, --quiet          no progress\n"
    "  -h, --help           this help\n";

enum { OPT_SOLVER = 1000, OPT_C, OPT_LAMBDA, OPT_CV, OPT_EPOCHS, OPT_EPSILON, OPT_BIAS,
       OPT_BALANCE, OPT_SEED, OPT_NEIGHBORS, OPT_KNN_METRIC, OPT_CLASSES };

int cmd_train(int argc, char **argv) {
  cli_set_command("bovw train");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},  {"solver", required_argument, 0, OPT_SOLVER},
      {"C", required_argument, 0, OPT_C},     {"lambda", required_argument, 0, OPT_LAMBDA},
      {"cv", required_argument, 0, OPT_CV},   {"epochs", required_argument, 0, OPT_EPOCHS},
      {"epsilon", required_argument, 0, OPT_EPSILON}, {"bias", required_argument, 0, OPT_BIAS},
      {"balance", no_argument, 0, OPT_BALANCE}, {"seed", required_argument, 0, OPT_SEED},
      {"classes", required_argument, 0, OPT_CLASSES},
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
                         "liblinear-l1-dual, liblinear-cs, gram, knn or stream", optarg);
        break;
      case OPT_C: rc = cli_parse_double("--C", optarg, 1e-12, 1e12, &o.C); break;
      case OPT_LAMBDA: rc = cli_parse_double("--lambda", optarg, 1e-15, 1e6, &o.lambda); break;
      case OPT_CV: if (!(rc = cli_parse_long("--cv", optarg, 2, 100, &v))) o.cv_folds = (int)v; break;
      case OPT_EPOCHS: if (!(rc = cli_parse_long("--epochs", optarg, 1, 1000000, &v))) o.epochs = (int)v; break;
      case OPT_EPSILON: rc = cli_parse_double("--epsilon", optarg, 1e-12, 10, &o.epsilon); break;
      case OPT_BIAS: rc = cli_parse_double("--bias", optarg, 0, 1e6, &o.bias); break;
      case OPT_BALANCE: o.balance = 1; break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); break;
      case OPT_CLASSES:
        rc = cli_parse_shard(optarg, &o.class_shard_index, &o.class_shard_count);
        break;
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
  if (bovw_encodings_open_any(argv[optind], &enc, &err)) return cli_fail("%s", err.message);
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
