/* dataset_edges.c: `bovw dataset edges`, the synthetic edge images of the
 * lecture's fully connected versus convolution experiment. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bovw/dataset.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char EDGES_HELP[] =
    "Usage: bovw dataset edges -o ROOT [options]\n"
    "Writes gray images with one vertical step edge as ROOT/0_vertical/<j>.png\n"
    "and images with one horizontal step edge as ROOT/1_horizontal/<j>.png, then\n"
    "ROOT/meta.json: an image folder for 'bovw dataset scan'. Each image has a\n"
    "brightness, a step size and a sign of its own, the step between two\n"
    "columns or two rows drawn at random, and Gaussian noise on every pixel: only\n"
    "the direction of the step tells the classes apart. Image j of a class\n"
    "depends on the seed and j alone.\n\n"
    "  -o, --output ROOT         the folder to write (required)\n"
    "      --per-class N         images of each class (default 500)\n"
    "      --size HxW            image size (default 28x28; N for NxN; at least 2x2)\n"
    "      --brightness LO,HI    an image's level, in [0, 1] (default 0.2,0.8)\n"
    "      --contrast LO,HI      the size of the step (default 0.1,0.4)\n"
    "      --noise S             deviation of the pixel noise (default 0.02)\n"
    "      --rising              every step goes up, darker to lighter (left to\n"
    "                            right, top to bottom); default: up or down\n"
    "      --seed S              which images (default 0)\n"
    "  -j, --threads N           threads writing PNG files (default: all cores)\n"
    "  -q, --quiet               no progress\n"
    "  -h, --help                this help\n";

enum { OPT_PER_CLASS = 1000, OPT_SIZE, OPT_BRIGHTNESS, OPT_CONTRAST, OPT_NOISE, OPT_RISING, OPT_SEED };

/* "LO,HI" into two numbers in [0, 1], LO <= HI. */
static int parse_range(const char *option, const char *text, double *lo, double *hi) {
  char extra;
  if (sscanf(text, "%lf,%lf%c", lo, hi, &extra) != 2 || !(*lo >= 0 && *lo <= *hi && *hi <= 1))
    return cli_usage("%s: '%s' is not LO,HI with 0 <= LO <= HI <= 1", option, text);
  return CLI_OK;
}

/* "HxW" or "N" into two sizes; nothing may follow ("8x", "8abc"). */
static int parse_size(const char *text, int *h, int *w) {
  char extra;
  int ok = sscanf(text, "%dx%d%c", h, w, &extra) == 2;
  if (!ok && sscanf(text, "%d%c", h, &extra) == 1) {
    *w = *h;
    ok = 1;
  }
  if (!ok || *h < 2 || *w < 2 || *h > 4096 || *w > 4096)
    return cli_usage("--size: '%s' is not HxW or N (from 2x2 to 4096x4096)", text);
  return CLI_OK;
}

int cmd_dataset_edges(int argc, char **argv) {
  cli_set_command("bovw dataset edges");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"per-class", required_argument, 0, OPT_PER_CLASS},
      {"size", required_argument, 0, OPT_SIZE},
      {"brightness", required_argument, 0, OPT_BRIGHTNESS},
      {"contrast", required_argument, 0, OPT_CONTRAST},
      {"noise", required_argument, 0, OPT_NOISE},
      {"rising", no_argument, 0, OPT_RISING},
      {"seed", required_argument, 0, OPT_SEED},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_edges_options o;
  bovw_edges_options_default(&o);
  const char *root = NULL;
  int quiet = 0, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': root = optarg; break;
      case OPT_PER_CLASS:
        if (!(rc = cli_parse_long("--per-class", optarg, 1, 10000000, &v))) o.per_class = (int)v;
        break;
      case OPT_SIZE: rc = parse_size(optarg, &o.height, &o.width); break;
      case OPT_BRIGHTNESS:
        rc = parse_range("--brightness", optarg, &o.brightness_min, &o.brightness_max);
        break;
      case OPT_CONTRAST:
        rc = parse_range("--contrast", optarg, &o.contrast_min, &o.contrast_max);
        break;
      case OPT_NOISE: rc = cli_parse_double("--noise", optarg, 0, 1, &o.noise); break;
      case OPT_RISING: o.rising = 1; break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); break;
      case 'j': rc = cli_parse_threads(optarg, &o.threads); break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, EDGES_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc) return cli_usage("unexpected argument '%s'", argv[optind]);
  if (!root) return cli_usage("no output folder: -o ROOT is required");
  const char *bad = bovw_edges_options_check(&o);
  if (bad) return cli_usage("%s", bad);

  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  int status = bovw_dataset_edges(root, &o, &monitor, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  printf("%d images of %dx%d (%d with a vertical edge, %d with a horizontal one) written "
         "under %s\n", 2 * o.per_class, o.height, o.width, o.per_class, o.per_class, root);
  return CLI_OK;
}
