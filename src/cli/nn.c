/* nn.c: `bovw nn summary` (the layers of a network spec or net folder with
 * their output shapes, parameters, multiply-accumulates and receptive
 * fields), `bovw nn train` (a network on images or encodings into a net
 * folder), `bovw nn eval` (a net folder on test data into a report) and
 * `bovw nn fold` (a net folder into one without batch-norm layers). */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/nn.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char SUMMARY_HELP[] =
    "Usage: bovw nn summary SPEC [--input CxHxW] [--classes N]\n"
    "       bovw nn summary NET_DIR\n"
    "Prints one line per layer of the network spec SPEC (docs/nn.md), or of\n"
    "the net in the net folder NET_DIR: its output shape, trainable\n"
    "parameters, multiply-accumulates per sample and receptive field (in input\n"
    "pixels, with the stride between neighbouring outputs), then the totals.\n"
    "A spec is summarised from its shapes alone, without making its weights:\n"
    "a net of billions of parameters takes no memory.\n\n"
    "      --input CxHxW     the input shape of a 2-D net (default: the spec's\n"
    "                        input line, which 1-D and 3-D nets need)\n"
    "      --classes N       what 'fc classes' means in the spec\n"
    "  -h, --help            this help\n";

static const char TRAIN_HELP[] =
    "Usage: bovw nn train SPEC (--manifest TRAIN.tsv | --encodings DIR) -o NET_DIR\n"
    "                      [options]\n"
    "Trains the network of SPEC (docs/nn.md) with SGD on images (decoded once\n"
    "into memory, gray or RGB as the spec's input line says, resized to its\n"
    "size, normalised per channel by the training set's mean and deviation) or\n"
    "on encodings: each row a vector (the spec's input line Dx1x1 or left out)\n"
    "or, when the input line holds as many values, a signal (CxL), an image\n"
    "(CxHxW) or a clip (CxDxHxW). Writes NET_DIR: weights.safetensors,\n"
    "spec.cfg, meta.json, curve.csv, curve.svg. A loss that stops being a\n"
    "finite number stops the run with a warning; the net folder is still\n"
    "written, marked \"diverged\" (meta.json, curve.csv), and nn eval refuses it.\n\n"
    "      --manifest TSV       training images (bad ones are skipped, with a warning)\n"
    "      --encodings DIR      training encodings (an MLP head on BoVW vectors)\n"
    "  -o, --output DIR         the net folder to write (required)\n"
    "      --epochs N           passes over the training set (default 15)\n"
    "      --batch N            samples per SGD step (default 64)\n"
    "      --lr R               starting learning rate (default 0.05)\n"
    "      --momentum M         (default 0.9)\n"
    "      --nesterov           Nesterov momentum\n"
    "      --weight-decay W     L2 on conv and fc weights (default 5e-4)\n"
    "      --schedule S         cosine (default: down to 0 over the epochs),\n"
    "                           step (x0.1 every max(1, epochs/3) epochs), constant\n"
    "      --augment            random crops (4-pixel zero padding) and flips\n"
    "      --val-fraction F     hold out a stratified share F of the training set\n"
    "                           and report validation loss and accuracy (default 0)\n"
    "      --seed S             weights, order, augmentation, hold-out (default 0)\n"
    "  -j, --threads N          threads (default: all cores); same seed and\n"
    "                           threads, same result\n"
    "  -q, --quiet              no progress and no epoch lines\n"
    "  -h, --help               this help\n";

static const char EVAL_HELP[] =
    "Usage: bovw nn eval NET_DIR (--manifest TEST.tsv | --encodings DIR) -o REPORT_DIR\n"
    "                     [--no-fold] [-j N] [-q]\n"
    "Scores the test images or encodings with the net of NET_DIR (normalised as\n"
    "at training) and writes report.json, report.md, confusion.svg and\n"
    "predictions.tsv, as 'bovw eval' does. Encodings made otherwise than the\n"
    "training ones, and a net whose training diverged, are refused.\n\n"
    "      --manifest TSV       test images\n"
    "      --encodings DIR      test encodings\n"
    "  -o, --output DIR         the report folder to write (required)\n"
    "      --no-fold            score with the batch norms as layers of their own\n"
    "                           (the default folds them into the conv or fc before\n"
    "                           them: the same scores within rounding, faster)\n"
    "  -j, --threads N          threads (default: all cores)\n"
    "  -q, --quiet              no progress\n"
    "  -h, --help               this help\n";

static const char FOLD_HELP[] =
    "Usage: bovw nn fold NET_DIR -o OUT_DIR\n"
    "Writes OUT_DIR, a net folder like NET_DIR in which every batch norm that\n"
    "follows a conv or fc layer is folded into that layer's weights and bias\n"
    "(a batch norm after any other layer stays). It scores as NET_DIR does in\n"
    "'bovw nn eval' (which folds at load anyway) and its meta.json says what it\n"
    "was folded from. OUT_DIR must not exist, or be empty; a failed fold leaves\n"
    "nothing behind.\n\n"
    "  -o, --output DIR         the net folder to write (required)\n"
    "  -h, --help               this help\n";

static const char NN_HELP[] =
    "Usage: bovw nn COMMAND [options]\n"
    "  summary SPEC|NET_DIR   shapes, parameters, MACs and receptive fields\n"
    "  train SPEC ...         train a network into a net folder\n"
    "  eval NET_DIR ...       evaluate a net folder into a report\n"
    "  fold NET_DIR -o DIR    a net folder with batch norm folded into conv and fc\n"
    "  weights NET_DIR        a net folder's tensors as text\n"
    "  features NET_DIR ...   a layer's outputs for encodings, as encodings\n"
    "  activations -o TSV     the activation functions and their derivatives\n"
    "'bovw nn COMMAND --help' tells more.\n";

enum { OPT_INPUT = 1000, OPT_CLASSES, OPT_MANIFEST, OPT_ENCODINGS, OPT_EPOCHS, OPT_BATCH,
       OPT_LR, OPT_MOMENTUM, OPT_NESTEROV, OPT_WEIGHT_DECAY, OPT_SCHEDULE, OPT_AUGMENT,
       OPT_VAL_FRACTION, OPT_SEED, OPT_NO_FOLD };

/* "CxHxW" into three positive sizes. */
static int parse_shape(const char *text, int *c, int *h, int *w) {
  char extra;
  if (sscanf(text, "%dx%dx%d%c", c, h, w, &extra) != 3 || *c <= 0 || *h <= 0 ||
      *w <= 0 || *c > 65536 || *h > 65536 || *w > 65536)
    return cli_usage("--input: '%s' is not CxHxW (three positive sizes, such as "
                     "3x96x96)", text);
  return CLI_OK;
}

/* Sizes along the axes a net has: "3" (1-D: the length), "3x3", "3x3x3";
 * "all" when a = 0 (the whole input). */
static void print_axes(char *buf, size_t size, int dims, int d, int h, int w) {
  if (h == 0)
    snprintf(buf, size, "all");
  else if (dims == 1)
    snprintf(buf, size, "%d", w);
  else if (dims == 3)
    snprintf(buf, size, "%dx%dx%d", d, h, w);
  else
    snprintf(buf, size, "%dx%d", h, w);
}

static void print_summary(const char *spec_path, const bovw_nn_summary *s) {
  char shape[64];
  bovw_nn_shape_format(s->input_dims, s->input_c, s->input_d, s->input_h, s->input_w, shape,
                       sizeof shape);
  printf("%s: input %s\n", spec_path, shape);
  printf("%3s  %-34s %-12s %10s %12s  %-9s %s\n", "#", "layer", "output", "params",
         "MACs", "RF", "stride");
  for (int i = 0; i < s->num_rows; i++) {
    const bovw_nn_summary_row *r = &s->rows[i];
    char rf[48], jump[48];
    bovw_nn_shape_format(s->input_dims, r->c, r->d, r->h, r->w, shape, sizeof shape);
    print_axes(rf, sizeof rf, s->input_dims, r->rf_d, r->rf_h, r->rf_w);
    if (r->rf_h == 0)
      snprintf(jump, sizeof jump, "-");
    else if (r->jump_h == r->jump_w && (s->input_dims != 3 || r->jump_d == r->jump_h))
      snprintf(jump, sizeof jump, "%d", r->jump_w);
    else
      print_axes(jump, sizeof jump, s->input_dims, r->jump_d, r->jump_h, r->jump_w);
    printf("%3d  %-34s %-12s %10" PRId64 " %12" PRId64 "  %-9s %s\n", r->index,
           r->text, shape, r->params, r->macs, rf, jump);
  }
  printf("%3s  %-34s %-12s %10" PRId64 " %12" PRId64 "\n", "", "total", "",
         s->total_params, s->total_macs);
  printf("per sample: %" PRId64 " FLOPs (2 x MACs of conv and fc layers), "
         "%" PRId64 " activations (%.1f MB in float32)\n",
         s->total_flops, s->activations, (double)s->activations * 4 / 1e6);
}

static int summary(int argc, char **argv) {
  cli_set_command("bovw nn summary");
  static const struct option options[] = {
      {"input", required_argument, 0, OPT_INPUT},
      {"classes", required_argument, 0, OPT_CLASSES},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_nn_net_options opt = BOVW_NN_NET_OPTIONS_DEFAULT;
  opt.threads = 1;
  opt.shapes_only = 1; /* a summary needs no weights: 2.5e9 of them fit no memory */
  int c, rc = CLI_OK, shape_given = 0;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
    switch (c) {
      case OPT_INPUT:
        rc = parse_shape(optarg, &opt.input_c, &opt.input_h, &opt.input_w);
        shape_given = 1;
        break;
      case OPT_CLASSES:
        if (!(rc = cli_parse_long("--classes", optarg, 1, 1 << 24, &v))) opt.classes = (int)v;
        shape_given = 1;
        break;
      default: return cli_option_end(c, argv, SUMMARY_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no SPEC file given" : "one SPEC file expected");
  const char *path = argv[optind];
  struct stat st;
  const int is_folder = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
  /* A net folder knows its input and classes: options would contradict it. */
  if (is_folder && shape_given)
    return cli_usage("%s is a net folder: --input and --classes are for a SPEC file", path);

  bovw_error err = {0};
  bovw_nn_spec *spec = NULL;
  bovw_nn_net *net = NULL;
  bovw_nn_model *model = NULL;
  bovw_nn_summary *s = NULL;
  int status;
  if (is_folder) {
    status = bovw_nn_model_open(path, 1, &model, &err);
  } else {
    status = bovw_nn_spec_read(path, &spec, &err);
    if (!status) {
      status = bovw_nn_net_new(spec, &opt, &net, &err);
      if (status) bovw_error_prefix(&err, path);
    }
  }
  if (!status) status = bovw_nn_summary_new(model ? model->net : net, &s, &err);
  if (status) {
    rc = cli_fail("%s", err.message);
    if (strstr(err.message, "classes was not given"))
      fprintf(stderr, "(give it with --classes N)\n");
  } else {
    print_summary(path, s);
  }
  bovw_nn_summary_free(s);
  bovw_nn_model_free(model);
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);
  return rc;
}

/* ---- train ---------------------------------------------------------------------- */

typedef struct epoch_printer {
  cli_progress *progress;
  bovw_monitor inner;   /* the progress printer */
  int quiet, epochs;
} epoch_printer;

/* Progress as usual, except the end of an epoch on a plain stream: the
 * epoch line says it. */
static void progress_filter(void *ctx, const char *what, size_t done, size_t total) {
  epoch_printer *p = ctx;
  if (!p->progress->tty && done == total && !strncmp(what, "epoch", 5)) return;
  p->inner.progress(p->inner.ctx, what, done, total);
}

static void warning_pass(void *ctx, const char *message) {
  epoch_printer *p = ctx;
  p->inner.warning(p->inner.ctx, message);
}

static void print_epoch(void *ctx, const bovw_nn_history *h) {
  epoch_printer *p = ctx;
  if (p->quiet) return;
  const bovw_nn_epoch *e = &h->epochs[h->num_epochs - 1];
  cli_progress_end(p->progress);
  if (e->diverged) { /* the warning said how; the figures of lost weights mean nothing */
    fprintf(stderr, "%s: epoch %d/%d lr %.4g diverged\n", cli_command(), e->epoch, p->epochs,
            e->lr);
    return;
  }
  fprintf(stderr, "%s: epoch %d/%d lr %.4g loss %.4f acc %.2f%%", cli_command(), e->epoch,
          p->epochs, e->lr, e->train_loss, 100 * e->train_acc);
  if (!isnan(e->val_loss))
    fprintf(stderr, " val loss %.4f val acc %.2f%%", e->val_loss, 100 * e->val_acc);
  fprintf(stderr, " %.0f img/s", e->images_per_second);
  if (h->num_relu) {
    fputs(" dead relu", stderr);
    for (int k = 0; k < h->num_relu; k++)
      fprintf(stderr, " %d:%.2f", h->relu_layers[k],
              h->dead[(size_t)(h->num_epochs - 1) * h->num_relu + k]);
  }
  fputc('\n', stderr);
}

static int train(int argc, char **argv) {
  cli_set_command("bovw nn train");
  static const struct option options[] = {
      {"manifest", required_argument, 0, OPT_MANIFEST},
      {"encodings", required_argument, 0, OPT_ENCODINGS},
      {"output", required_argument, 0, 'o'},
      {"epochs", required_argument, 0, OPT_EPOCHS},
      {"batch", required_argument, 0, OPT_BATCH},
      {"lr", required_argument, 0, OPT_LR},
      {"momentum", required_argument, 0, OPT_MOMENTUM},
      {"nesterov", no_argument, 0, OPT_NESTEROV},
      {"weight-decay", required_argument, 0, OPT_WEIGHT_DECAY},
      {"schedule", required_argument, 0, OPT_SCHEDULE},
      {"augment", no_argument, 0, OPT_AUGMENT},
      {"val-fraction", required_argument, 0, OPT_VAL_FRACTION},
      {"seed", required_argument, 0, OPT_SEED},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  bovw_nn_source source = {NULL, NULL};
  const char *out_dir = NULL;
  int quiet = 0, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case OPT_MANIFEST: source.manifest = optarg; break;
      case OPT_ENCODINGS: source.encodings = optarg; break;
      case 'o': out_dir = optarg; break;
      case OPT_EPOCHS: if (!(rc = cli_parse_long("--epochs", optarg, 1, 100000, &v))) o.epochs = (int)v; break;
      case OPT_BATCH: if (!(rc = cli_parse_long("--batch", optarg, 1, 1 << 20, &v))) o.batch = (int)v; break;
      case OPT_LR: rc = cli_parse_double("--lr", optarg, 1e-12, 1e3, &o.lr); break;
      case OPT_MOMENTUM: rc = cli_parse_double("--momentum", optarg, 0, 0.999999, &o.momentum); break;
      case OPT_NESTEROV: o.nesterov = 1; break;
      case OPT_WEIGHT_DECAY: rc = cli_parse_double("--weight-decay", optarg, 0, 1, &o.weight_decay); break;
      case OPT_SCHEDULE:
        if (bovw_nn_schedule_parse(optarg, &o.schedule))
          rc = cli_usage("--schedule: '%s' is not constant, step or cosine", optarg);
        break;
      case OPT_AUGMENT: o.augment = 1; break;
      case OPT_VAL_FRACTION: rc = cli_parse_double("--val-fraction", optarg, 0, 0.99, &o.val_fraction); break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) o.threads = (int)v; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, TRAIN_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no SPEC file given" : "one SPEC file expected");
  if (!source.manifest == !source.encodings)
    return cli_usage("give the training data: --manifest TSV or --encodings DIR (one of them)");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  if (o.augment && source.encodings)
    return cli_usage("--augment crops and flips images: it does not apply to --encodings");
  const char *bad = bovw_nn_train_options_check(&o);
  if (bad) return cli_usage("%s", bad);
  const char *spec_path = argv[optind];

  cli_progress progress;
  epoch_printer printer = {&progress, cli_progress_monitor(&progress, quiet), quiet, o.epochs};
  bovw_monitor monitor = {progress_filter, warning_pass, &printer};
  bovw_error err = {0};
  bovw_nn_train_summary s;
  int status = bovw_nn_train_run(spec_path, &source, &o, out_dir, &monitor, print_epoch,
                                 &printer, &s, &err);
  cli_progress_end(&progress);
  if (status) {
    rc = cli_fail("%s", err.message);
    if (strstr(err.message, "classes was not given"))
      fprintf(stderr, "(the number of classes comes from the data)\n");
    return rc;
  }
  printf("%zu classes, %zu training images", s.num_classes, s.train_count);
  if (s.skipped) printf(" (%zu skipped)", s.skipped);
  if (s.val_count) printf(", %zu held out", s.val_count);
  printf(", %" PRId64 " parameters, %d epoch%s: ", s.params, s.last.epoch,
         s.last.epoch == 1 ? "" : "s");
  if (s.last.diverged)
    printf("diverged in epoch %d (a loss that was not finite), stopped there", s.last.epoch);
  else
    printf("train accuracy %.2f%%", 100 * s.last.train_acc);
  if (!s.last.diverged && !isnan(s.last.val_acc))
    printf(", validation accuracy %.2f%%", 100 * s.last.val_acc);
  printf(", %.1f s -> %s\n", s.seconds, out_dir);
  return CLI_OK;
}

/* ---- eval ----------------------------------------------------------------------- */

static int eval(int argc, char **argv) {
  cli_set_command("bovw nn eval");
  static const struct option options[] = {
      {"manifest", required_argument, 0, OPT_MANIFEST},
      {"encodings", required_argument, 0, OPT_ENCODINGS},
      {"output", required_argument, 0, 'o'},
      {"no-fold", no_argument, 0, OPT_NO_FOLD},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_nn_source source = {NULL, NULL};
  const char *out_dir = NULL;
  int threads = 0, quiet = 0, fold = 1, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case OPT_MANIFEST: source.manifest = optarg; break;
      case OPT_ENCODINGS: source.encodings = optarg; break;
      case 'o': out_dir = optarg; break;
      case OPT_NO_FOLD: fold = 0; break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) threads = (int)v; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, EVAL_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no NET_DIR given" : "one NET_DIR expected");
  if (!source.manifest == !source.encodings)
    return cli_usage("give the test data: --manifest TSV or --encodings DIR (one of them)");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  bovw_report *report = NULL;
  int status = bovw_nn_eval_run_folding(argv[optind], &source, threads, fold, out_dir, &monitor,
                                        &report, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  printf("%zu images: accuracy %.2f%%, mean per-class accuracy %.2f%%, top-5 %.2f%% -> %s\n",
         report->count, 100 * report->accuracy, 100 * report->mean_class_accuracy,
         100 * report->top5_accuracy, out_dir);
  bovw_report_free(report);
  return CLI_OK;
}

/* ---- fold ----------------------------------------------------------------------- */

static int fold(int argc, char **argv) {
  cli_set_command("bovw nn fold");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *out_dir = NULL;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      default: return cli_option_end(c, argv, FOLD_HELP);
    }
  }
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no NET_DIR given" : "one NET_DIR expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  bovw_error err = {0};
  bovw_nn_fold_summary s;
  if (bovw_nn_fold_run(argv[optind], out_dir, &s, &err)) return cli_fail("%s", err.message);
  printf("%d batch norm%s folded into the conv or fc before %s", s.folded,
         s.folded == 1 ? "" : "s", s.folded == 1 ? "it" : "them");
  if (s.kept) printf(", %d kept (after another kind of layer)", s.kept);
  printf(", %" PRId64 " -> %" PRId64 " parameters -> %s\n", s.params_before, s.params_after,
         out_dir);
  return CLI_OK;
}

int cmd_nn(int argc, char **argv) {
  cli_set_command("bovw nn");
  static const cli_subcommand subs[] = {
      {"summary", summary}, {"train", train}, {"eval", eval}, {"fold", fold},
      {"weights", cmd_nn_weights}, {"features", cmd_nn_features},
      {"activations", cmd_nn_activations}};
  return cli_dispatch("nn", argc, argv, NN_HELP, subs, sizeof subs / sizeof subs[0]);
}
