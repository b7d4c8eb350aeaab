/* nn_inspect.c: `bovw nn features` (a trained net's layer as encodings) and
 * `bovw nn activations` (the engine's activation functions and their
 * derivatives as a table). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bovw/fs.h"
#include "bovw/nn.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char FEATURES_HELP[] =
    "Usage: bovw nn features NET_DIR --encodings DIR -o OUT_DIR [options]\n"
    "Runs the encodings through the net (trained on encodings) in evaluation\n"
    "mode and writes what one layer outputs for each row as an encodings folder\n"
    "(encodings.npy, labels.npy, meta.json), which bovw train, eval and\n"
    "nn train read. The layer's index counts the spec's lines after input\n"
    "from 0, as bovw nn summary numbers them.\n\n"
    "      --encodings DIR       the rows to run (checked against the net's\n"
    "                            training encodings, as nn eval does)\n"
    "  -o, --output DIR          the encodings folder to write (required)\n"
    "      --layer K             whose output (default: the last hidden layer,\n"
    "                            the one the last fc layer reads)\n"
    "      --tsv FILE            also the rows as text: h0, h1, ..., label, class\n"
    "  -j, --threads N           threads (default: all cores)\n"
    "  -q, --quiet               nothing but errors on stderr\n"
    "  -h, --help                this help\n";

static const char ACTIVATIONS_HELP[] =
    "Usage: bovw nn activations -o TABLE.tsv [options]\n"
    "Evaluates the engine's sigmoid, relu and leakyrelu layers, forward and\n"
    "backward, on evenly spaced inputs and writes the table: x, then each\n"
    "function, then each derivative (d_sigmoid, d_relu, d_leakyrelu).\n\n"
    "  -o, --output FILE         the table to write (required)\n"
    "      --from X              first input (default -6)\n"
    "      --to X                last input (default 6)\n"
    "      --points N            inputs from --from to --to (default 241)\n"
    "      --slope A             leaky ReLU's slope below 0 (default 0.01)\n"
    "  -h, --help                this help\n";

enum { OPT_ENCODINGS = 1000, OPT_LAYER, OPT_TSV, OPT_FROM, OPT_TO, OPT_POINTS, OPT_SLOPE };

int cmd_nn_features(int argc, char **argv) {
  cli_set_command("bovw nn features");
  static const struct option options[] = {
      {"encodings", required_argument, 0, OPT_ENCODINGS},
      {"output", required_argument, 0, 'o'},
      {"layer", required_argument, 0, OPT_LAYER},
      {"tsv", required_argument, 0, OPT_TSV},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *enc = NULL, *out_dir = NULL, *tsv = NULL;
  int threads = 0, layer = -1, quiet = 0, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case OPT_ENCODINGS: enc = optarg; break;
      case 'o': out_dir = optarg; break;
      case OPT_LAYER: if (!(rc = cli_parse_long("--layer", optarg, 0, 100000, &v))) layer = (int)v; break;
      case OPT_TSV: tsv = optarg; break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) threads = (int)v; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, FEATURES_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no NET_DIR given" : "one NET_DIR expected");
  if (!enc) return cli_usage("no rows given: --encodings DIR is required");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  bovw_error err = {0};
  bovw_nn_features_summary s;
  if (bovw_nn_features_run(argv[optind], enc, layer, threads, out_dir, tsv, &s, &err))
    return cli_fail("%s", err.message);
  if (!quiet)
    printf("%zu rows of layer %d (%s), %zu values each -> %s\n", s.count, s.layer,
           bovw_nn_kind_name(s.kind), s.dim, out_dir);
  return CLI_OK;
}

int cmd_nn_activations(int argc, char **argv) {
  cli_set_command("bovw nn activations");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"from", required_argument, 0, OPT_FROM},
      {"to", required_argument, 0, OPT_TO},
      {"points", required_argument, 0, OPT_POINTS},
      {"slope", required_argument, 0, OPT_SLOPE},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *out = NULL;
  double from = -6, to = 6, slope = 0.01;
  long points = 241;
  int c, rc = CLI_OK;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
    switch (c) {
      case 'o': out = optarg; break;
      case OPT_FROM: rc = cli_parse_double("--from", optarg, -1e6, 1e6, &from); break;
      case OPT_TO: rc = cli_parse_double("--to", optarg, -1e6, 1e6, &to); break;
      case OPT_POINTS: rc = cli_parse_long("--points", optarg, 2, 1000000, &points); break;
      case OPT_SLOPE: rc = cli_parse_double("--slope", optarg, 0, 1, &slope); break;
      default: return cli_option_end(c, argv, ACTIVATIONS_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc) return cli_usage("unexpected argument '%s'", argv[optind]);
  if (!out) return cli_usage("no output file: -o TABLE.tsv is required");
  if (!(to > from)) return cli_usage("--to %g must be above --from %g", to, from);

  static const bovw_nn_kind kinds[3] = {BOVW_NN_SIGMOID, BOVW_NN_RELU, BOVW_NN_LEAKYRELU};
  const size_t n = (size_t)points;
  float *x = malloc(n * sizeof *x), *y = malloc(3 * n * sizeof *y), *dy = malloc(3 * n * sizeof *dy);
  bovw_error err = {0};
  int status = x && y && dy ? 0 : bovw_error_set(&err, BOVW_ERR_NOMEM, "out of memory");
  /* Each input from its index, not by repeated addition: the steps do not
   * drift, and 0 is exactly 0 when the range is symmetric. */
  for (size_t i = 0; !status && i < n; i++)
    x[i] = (float)(from + (to - from) * (double)i / (double)(n - 1));
  for (int k = 0; !status && k < 3; k++)
    status = bovw_nn_activation_eval(kinds[k], slope, x, n, y + k * n, dy + k * n, &err);
  bovw_atomic_file f = {0};
  if (!status) status = bovw_atomic_open(&f, out, &err);
  if (!status) {
    fputs("x", f.fp);
    for (int k = 0; k < 3; k++) fprintf(f.fp, "\t%s", bovw_nn_kind_name(kinds[k]));
    for (int k = 0; k < 3; k++) fprintf(f.fp, "\td_%s", bovw_nn_kind_name(kinds[k]));
    fputc('\n', f.fp);
    for (size_t i = 0; i < n; i++) {
      fprintf(f.fp, "%.9g", x[i]);
      for (int k = 0; k < 3; k++) fprintf(f.fp, "\t%.9g", y[k * n + i]);
      for (int k = 0; k < 3; k++) fprintf(f.fp, "\t%.9g", dy[k * n + i]);
      fputc('\n', f.fp);
    }
    status = bovw_atomic_commit(&f, &err);
  }
  free(x);
  free(y);
  free(dy);
  if (status) return cli_fail("%s", err.message);
  return CLI_OK;
}
