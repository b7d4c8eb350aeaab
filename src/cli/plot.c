/* plot.c: `bovw plot lines` and `bovw plot points`, SVG charts of
 * tab-separated tables (docs/plot.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/plot.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char PLOT_HELP[] =
    "Usage: bovw plot lines TABLE -o OUT.svg --x COL --y COL[,COL...] [options]\n"
    "       bovw plot points TABLE -o OUT.svg --x COL --y COL --class COL [options]\n"
    "Draws a tab-separated table (a header line of column names, then rows)\n"
    "as an SVG chart.\n\n"
    "lines: one line per y column, or with --series one line per value of that\n"
    "column (then one y column); points joined in the order of x. A y cell\n"
    "that is not a finite number (nan, inf, empty, \"diverged\") is a cross on\n"
    "the plot's top edge: a run that diverged.\n"
    "points: a scatter coloured and shaped by the class column; --regions GRID\n"
    "(a table with the same columns on a regular grid, the class predicted at\n"
    "each point) is painted under the points as pale decision regions.\n\n"
    "  -o, --output FILE    the picture to write (required)\n"
    "      --x COL          the x column (required)\n"
    "      --y COL[,COL]    the y column(s) (required)\n"
    "      --series COL     lines: one line per value of COL\n"
    "      --class COL      points: the class column (required)\n"
    "      --regions GRID   points: decision regions from a grid table\n"
    "      --title TEXT     the title (default: \"Y against X\")\n"
    "      --x-title TEXT   the x axis's title (default: the column's name)\n"
    "      --y-title TEXT   the y axis's title (default: the column's name)\n"
    "      --log-x, --log-y logarithmic axes (lines only)\n"
    "  -h, --help           this help\n";

enum { OPT_X = 1000, OPT_Y, OPT_SERIES, OPT_CLASS, OPT_REGIONS, OPT_TITLE, OPT_X_TITLE,
       OPT_Y_TITLE, OPT_LOG_X, OPT_LOG_Y };

typedef struct plot_args {
  const char *out, *x, *series, *cls, *regions;
  char *y;  /* the --y text, split at commas in place */
  bovw_plot_options o;
} plot_args;

static int parse(int argc, char **argv, plot_args *a) {
  static const struct option options[] = {{"output", required_argument, 0, 'o'},
                                          {"x", required_argument, 0, OPT_X},
                                          {"y", required_argument, 0, OPT_Y},
                                          {"series", required_argument, 0, OPT_SERIES},
                                          {"class", required_argument, 0, OPT_CLASS},
                                          {"regions", required_argument, 0, OPT_REGIONS},
                                          {"title", required_argument, 0, OPT_TITLE},
                                          {"x-title", required_argument, 0, OPT_X_TITLE},
                                          {"y-title", required_argument, 0, OPT_Y_TITLE},
                                          {"log-x", no_argument, 0, OPT_LOG_X},
                                          {"log-y", no_argument, 0, OPT_LOG_Y},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
  memset(a, 0, sizeof *a);
  bovw_plot_options_default(&a->o);
  int c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
    switch (c) {
      case 'o': a->out = optarg; break;
      case OPT_X: a->x = optarg; break;
      case OPT_Y: a->y = optarg; break;
      case OPT_SERIES: a->series = optarg; break;
      case OPT_CLASS: a->cls = optarg; break;
      case OPT_REGIONS: a->regions = optarg; break;
      case OPT_TITLE: a->o.title = optarg; break;
      case OPT_X_TITLE: a->o.x_title = optarg; break;
      case OPT_Y_TITLE: a->o.y_title = optarg; break;
      case OPT_LOG_X: a->o.log_x = 1; break;
      case OPT_LOG_Y: a->o.log_y = 1; break;
      default: {
        int rc = cli_option_end(c, argv, PLOT_HELP);
        return rc == CLI_OK ? -1 : rc;  /* -1: help printed, stop there */
      }
    }
  }
  int rc = cli_one_argument(argc, "TABLE");
  if (rc) return rc;
  if (!a->out) return cli_usage("no output file: -o OUT.svg is required");
  if (!a->x || !a->y) return cli_usage("--x and --y are required");
  return CLI_OK;
}

/* Splits text at commas in place into a new array of at most max names. */
static int split_columns(char *text, const char ***names, size_t *n) {
  size_t count = 1;
  for (const char *p = text; *p; p++) count += *p == ',';
  if (!(*names = malloc(count * sizeof **names))) return cli_fail("out of memory");
  *n = 0;
  for (char *p = text;; ) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    if (!*p) return cli_usage("--y: an empty column name");
    (*names)[(*n)++] = p;
    if (!comma) break;
    p = comma + 1;
  }
  return CLI_OK;
}

static int run(const char *kind, int argc, char **argv) {
  plot_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  int lines = !strcmp(kind, "lines");
  if (lines && (a.cls || a.regions)) return cli_usage("--class and --regions are for points");
  if (!lines && a.series) return cli_usage("--series is for lines");
  if (!lines && !a.cls) return cli_usage("--class is required");
  if (!lines && strchr(a.y, ',')) return cli_usage("points take one --y column");
  const char **ys = NULL;
  size_t num_y = 0;
  if ((rc = split_columns(a.y, &ys, &num_y))) {
    free(ys);
    return rc;
  }
  if (a.series && num_y != 1) {
    free(ys);
    return cli_usage("--series takes one --y column");
  }
  bovw_error err = {0};
  bovw_table *table = NULL, *regions = NULL;
  if (bovw_table_read(argv[optind], &table, &err) ||
      (a.regions && bovw_table_read(a.regions, &regions, &err)) ||
      (lines ? bovw_plot_lines(table, a.x, ys, num_y, a.series, &a.o, a.out, &err)
             : bovw_plot_points(table, a.x, ys[0], a.cls, regions, &a.o, a.out, &err)))
    rc = cli_fail("%s", err.message);
  else
    printf("-> %s\n", a.out);
  bovw_table_free(table);
  bovw_table_free(regions);
  free(ys);
  return rc;
}

static int cmd_plot_lines(int argc, char **argv) {
  cli_set_command("bovw plot lines");
  return run("lines", argc, argv);
}

static int cmd_plot_points(int argc, char **argv) {
  cli_set_command("bovw plot points");
  return run("points", argc, argv);
}

int cmd_plot(int argc, char **argv) {
  static const cli_subcommand subs[] = {{"lines", cmd_plot_lines}, {"points", cmd_plot_points}};
  return cli_dispatch("plot", argc, argv, PLOT_HELP, subs, sizeof subs / sizeof *subs);
}
