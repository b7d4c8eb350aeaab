/* eval.c: `bovw eval`, one model on its encodings or the late fusion of
 * several systems (their scores summed, optionally weighted) on the same
 * images. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/run.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char EVAL_HELP[] =
    "Usage: bovw eval MODEL_DIR ENCODING_DIR [MODEL_DIR ENCODING_DIR ...]\n"
    "                 -o REPORT_DIR [--weights W,W,...] [-j N] [-q]\n"
    "Scores the encodings with the model and writes report.json, report.md,\n"
    "confusion.svg and predictions.tsv: accuracy, mean per-class accuracy,\n"
    "top-5, per-class precision and recall, the confusion matrix, each test\n"
    "row's true and predicted class. ENCODING_DIR may be a codes\n"
    "folder (bovw compress), decoded a block of rows at a time.\n"
    "With several MODEL_DIR ENCODING_DIR pairs (systems trained on different\n"
    "encodings of the same images, e.g. gray and colour), their scores are\n"
    "summed, each times its weight: late fusion. The models must have the same\n"
    "classes and the encodings the same images.\n\n"
    "  -o, --output DIR     the report folder to write (required)\n"
    "      --weights LIST   one weight per pair (default 1 each)\n"
    "  -j, --threads N      threads for scoring (default: all cores)\n"
    "  -q, --quiet          nothing but errors on stderr\n"
    "  -h, --help           this help\n";

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
  char **models = malloc(count * sizeof *models), **encs = malloc(count * sizeof *encs);
  double *w = malloc(count * sizeof *w);
  if (!models || !encs || !w) {
    free(models);
    free(encs);
    free(w);
    return cli_fail("out of memory");
  }
  for (size_t k = 0; k < count; k++) {
    models[k] = argv[optind + 2 * k];
    encs[k] = argv[optind + 2 * k + 1];
    w[k] = 1;
  }
  bovw_report *report = NULL;
  if (!weights || !(rc = parse_weights(weights, w, count))) {
    bovw_eval_options o = {count, models, encs, w, threads};
    bovw_error err = {0};
    if (bovw_eval_run(&o, out_dir, &report, &err)) {
      rc = cli_fail("%s", err.message);
    } else {
      printf("%zu images: accuracy %.2f%%, mean per-class accuracy %.2f%%, top-5 %.2f%% -> %s\n",
             report->count, 100 * report->accuracy, 100 * report->mean_class_accuracy,
             100 * report->top5_accuracy, out_dir);
    }
  }
  bovw_report_free(report);
  free(models);
  free(encs);
  free(w);
  return rc;
}
