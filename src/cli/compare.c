/* compare.c: `bovw compare`, reports side by side and learning curves. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/compare.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char COMPARE_HELP[] =
    "Usage: bovw compare REPORT_DIR... -o OUT_DIR [--names A,B,...] [--curve] [--title T]\n"
    "Puts the reports of 'bovw eval' and 'bovw nn eval' side by side: writes\n"
    "compare.md, compare.json, accuracy.svg (accuracy and mean per-class\n"
    "accuracy) and per_class.svg (recall per class and system). Training and\n"
    "inference times and model sizes come from the reports' runs. The reports\n"
    "must have the same classes and the same test set (count, per-class\n"
    "counts, manifest and labels, as their runs record them).\n\n"
    "  -o, --output DIR     the folder to write (required)\n"
    "      --names A,B,...  one name per report, in order (default: from each\n"
    "                       report's run, such as hist-sgd or nn-fmnist-cnn)\n"
    "      --curve          also a learning curve (curve.svg): mean per-class\n"
    "                       accuracy against training images per class, one line\n"
    "                       per system name; a name SYSTEM@N sets the size N,\n"
    "                       otherwise it is the run's train_count / classes\n"
    "      --curve-x TEXT   what N is, for another curve than a learning\n"
    "                       curve (e.g. \"bits per dimension\", with names\n"
    "                       such as pq@0.5)\n"
    "      --title T        the title of compare.md\n"
    "      --mixed-test-sets  compare reports scored on different test sets\n"
    "                       (refused otherwise); compare.md then says so\n"
    "  -h, --help           this help\n";

enum { OPT_NAMES = 1000, OPT_CURVE, OPT_CURVE_X, OPT_TITLE, OPT_MIXED };

/* Splits "a,b,c" in place into *names (a new array of pointers into text). */
static int split_names(char *text, size_t expected, char ***names) {
  size_t n = 1;
  for (const char *p = text; *p; p++) n += *p == ',';
  if (n != expected)
    return cli_usage("--names gives %zu %s for %zu %s", n, n == 1 ? "name" : "names",
                     expected, expected == 1 ? "report" : "reports");
  if (!(*names = malloc(n * sizeof **names))) return cli_fail("out of memory");
  char *p = text;
  for (size_t i = 0; i < n; i++) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    if (!*p) {
      free(*names);
      *names = NULL;
      return cli_usage("--names: name %zu is empty", i + 1);
    }
    (*names)[i] = p;
    p = comma ? comma + 1 : p + strlen(p);
  }
  return CLI_OK;
}

int cmd_compare(int argc, char **argv) {
  cli_set_command("bovw compare");
  static const struct option options[] = {{"output", required_argument, 0, 'o'},
                                          {"names", required_argument, 0, OPT_NAMES},
                                          {"curve", no_argument, 0, OPT_CURVE},
                                          {"curve-x", required_argument, 0, OPT_CURVE_X},
                                          {"title", required_argument, 0, OPT_TITLE},
                                          {"mixed-test-sets", no_argument, 0, OPT_MIXED},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
  bovw_compare_options o;
  bovw_compare_options_default(&o);
  const char *out_dir = NULL;
  char *names_text = NULL;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_NAMES: names_text = optarg; break;
      case OPT_CURVE: o.curve = 1; break;
      case OPT_CURVE_X: o.curve_x = optarg; break;
      case OPT_TITLE: o.title = optarg; break;
      case OPT_MIXED: o.mixed_test_sets = 1; break;
      default: return cli_option_end(c, argv, COMPARE_HELP);
    }
  }
  if (optind >= argc) return cli_usage("no REPORT_DIR given");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  size_t count = (size_t)(argc - optind);
  char **names = NULL;
  int rc = names_text ? split_names(names_text, count, &names) : CLI_OK;
  if (rc) return rc;
  for (size_t i = 0; names && !o.curve && i < count; i++)
    for (size_t j = 0; j < i; j++)
      if (!strcmp(names[i], names[j])) {
        rc = cli_usage("--names: '%s' is given twice", names[i]);
        free(names);
        return rc;
      }
  o.names = names;
  bovw_error err = {0};
  bovw_compare *cmp = NULL;
  if (bovw_compare_new(argv + optind, count, &o, &cmp, &err) ||
      bovw_compare_write(cmp, out_dir, &err)) {
    rc = cli_fail("%s", err.message);
  } else {
    for (size_t i = 0; i < cmp->count; i++) {
      const bovw_compare_system *s = &cmp->systems[i];
      printf("%-24s accuracy %5.1f%%  mean per-class accuracy %5.1f%%\n", s->name,
             100 * s->report->accuracy, 100 * s->report->mean_class_accuracy);
    }
    printf("-> %s\n", out_dir);
  }
  bovw_compare_free(cmp);
  free(names);
  return rc;
}
