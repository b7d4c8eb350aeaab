/* dataset_toy.c: `bovw dataset toy`, two-class points in the plane as
 * encodings folders (include/bovw/toy.h). */
#include <getopt.h>
#include <stdio.h>

#include "bovw/toy.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char TOY_HELP[] =
    "Usage: bovw dataset toy -o DIR [options]\n"
    "Draws two classes of points in the plane, on concentric rings (inner\n"
    "radius 1, outer 2) or on two interleaved spiral arms, moved by gaussian\n"
    "noise, and writes them as encodings folders DIR/train and DIR/test (and\n"
    "DIR/grid), which bovw train, eval, nn train and nn eval read. Each folder\n"
    "also holds points.tsv: x1, x2, rho, theta, label, class per row.\n\n"
    "  -o, --output DIR          the folder to write (required)\n"
    "      --shape NAME          rings or spirals (default rings)\n"
    "      --features NAME       what a point's vector holds: xy (x1, x2) or\n"
    "                            polar (rho, theta) (default xy)\n"
    "      --n N                 training points per class (default 200)\n"
    "      --test-n N            test points per class (default 200)\n"
    "      --noise S             deviation of the noise in x and in y (default 0.2)\n"
    "      --seed S              which points (default 0)\n"
    "      --grid G              also DIR/grid: G x G points over the square the\n"
    "                            points live in, labelled with the class of the\n"
    "                            nearest noise-free curve (default 0: none)\n"
    "  -q, --quiet               accepted; there is no progress to hide\n"
    "  -h, --help                this help\n";

int cmd_dataset_toy(int argc, char **argv) {
  cli_set_command("bovw dataset toy");
  enum { OPT_SHAPE = 1000, OPT_FEATURES, OPT_N, OPT_TEST_N, OPT_NOISE, OPT_SEED, OPT_GRID };
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"shape", required_argument, 0, OPT_SHAPE},
      {"features", required_argument, 0, OPT_FEATURES},
      {"n", required_argument, 0, OPT_N},
      {"test-n", required_argument, 0, OPT_TEST_N},
      {"noise", required_argument, 0, OPT_NOISE},
      {"seed", required_argument, 0, OPT_SEED},
      {"grid", required_argument, 0, OPT_GRID},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_toy_options o = BOVW_TOY_OPTIONS_DEFAULT;
  const char *out_dir = NULL;
  int c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_SHAPE:
        if (bovw_toy_shape_parse(optarg, &o.shape))
          rc = cli_usage("--shape '%s': expected rings or spirals", optarg);
        break;
      case OPT_FEATURES:
        if (bovw_toy_features_parse(optarg, &o.features))
          rc = cli_usage("--features '%s': expected xy or polar", optarg);
        break;
      case OPT_N:
        if (!(rc = cli_parse_long("--n", optarg, 1, 10000000, &v))) o.n = (size_t)v;
        break;
      case OPT_TEST_N:
        if (!(rc = cli_parse_long("--test-n", optarg, 1, 10000000, &v))) o.test_n = (size_t)v;
        break;
      case OPT_NOISE: rc = cli_parse_double("--noise", optarg, 0, 10, &o.noise); break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); break;
      case OPT_GRID:
        if (!(rc = cli_parse_long("--grid", optarg, 0, 4096, &v))) o.grid = (int)v;
        if (!rc && v == 1) rc = cli_usage("--grid 1: a grid needs at least 2 points a side");
        break;
      case 'q': break;
      default: return cli_option_end(c, argv, TOY_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc) return cli_usage("unexpected argument '%s'", argv[optind]);
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  bovw_error err = {0};
  if (bovw_toy_write(out_dir, &o, &err)) return cli_fail("%s", err.message);
  printf("%s, %s features: %zu + %zu training and %zu + %zu test points", bovw_toy_shape_name(o.shape),
         bovw_toy_features_name(o.features), o.n, o.n, o.test_n, o.test_n);
  if (o.grid) printf(", a %dx%d grid", o.grid, o.grid);
  printf(" -> %s\n", out_dir);
  return CLI_OK;
}
