/* nn.c: `bovw nn summary`: the layers of a network spec with their output
 * shapes, parameters, multiply-accumulates and receptive fields. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/nn.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char SUMMARY_HELP[] =
    "Usage: bovw nn summary SPEC [--input CxHxW] [--classes N]\n"
    "Prints one line per layer of the network spec SPEC (docs/nn.md): its\n"
    "output shape, trainable parameters, multiply-accumulates per sample and\n"
    "receptive field (in input pixels, with the stride between neighbouring\n"
    "outputs), then the totals.\n\n"
    "      --input CxHxW     the input shape (default: the spec's input line)\n"
    "      --classes N       what 'fc classes' means in the spec\n"
    "  -h, --help            this help\n";

static const char NN_HELP[] =
    "Usage: bovw nn COMMAND [options]\n"
    "  summary SPEC           shapes, parameters, MACs and receptive fields\n"
    "'bovw nn COMMAND --help' tells more.\n";

enum { OPT_INPUT = 1000, OPT_CLASSES };

/* "CxHxW" into three positive sizes. */
static int parse_shape(const char *text, int *c, int *h, int *w) {
  char extra;
  if (sscanf(text, "%dx%dx%d%c", c, h, w, &extra) != 3 || *c <= 0 || *h <= 0 ||
      *w <= 0 || *c > 65536 || *h > 65536 || *w > 65536)
    return cli_usage("--input: '%s' is not CxHxW (three positive sizes, such as "
                     "3x96x96)", text);
  return CLI_OK;
}

static void print_pair(char *buf, size_t size, int a, int b) {
  if (a == 0)
    snprintf(buf, size, "all");
  else
    snprintf(buf, size, "%dx%d", a, b);
}

static void print_summary(const char *spec_path, const bovw_nn_summary *s) {
  printf("%s: input %dx%dx%d\n", spec_path, s->input_c, s->input_h, s->input_w);
  printf("%3s  %-34s %-12s %10s %12s  %-9s %s\n", "#", "layer", "output", "params",
         "MACs", "RF", "stride");
  for (int i = 0; i < s->num_rows; i++) {
    const bovw_nn_summary_row *r = &s->rows[i];
    char shape[48], rf[32], jump[32];
    snprintf(shape, sizeof shape, "%dx%dx%d", r->c, r->h, r->w);
    print_pair(rf, sizeof rf, r->rf_h, r->rf_w);
    if (r->rf_h == 0)
      snprintf(jump, sizeof jump, "-");
    else if (r->jump_h == r->jump_w)
      snprintf(jump, sizeof jump, "%d", r->jump_h);
    else
      print_pair(jump, sizeof jump, r->jump_h, r->jump_w);
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
  int c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
    switch (c) {
      case OPT_INPUT: rc = parse_shape(optarg, &opt.input_c, &opt.input_h, &opt.input_w); break;
      case OPT_CLASSES:
        if (!(rc = cli_parse_long("--classes", optarg, 1, 1 << 24, &v))) opt.classes = (int)v;
        break;
      case 'h': fputs(SUMMARY_HELP, stdout); return CLI_OK;
      case ':': return cli_usage("%s needs a value", argv[optind - 1]);
      default: return cli_usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no SPEC file given" : "one SPEC file expected");
  const char *path = argv[optind];

  bovw_error err = {0};
  bovw_nn_spec *spec = NULL;
  bovw_nn_net *net = NULL;
  bovw_nn_summary *s = NULL;
  int status = bovw_nn_spec_read(path, &spec, &err);
  if (!status) {
    status = bovw_nn_net_new(spec, &opt, &net, &err);
    if (status) bovw_error_prefix(&err, path);
  }
  if (!status) status = bovw_nn_summary_new(net, &s, &err);
  if (status) {
    rc = cli_fail("%s", err.message);
    if (strstr(err.message, "classes was not given"))
      fprintf(stderr, "(give it with --classes N)\n");
  } else {
    print_summary(path, s);
  }
  bovw_nn_summary_free(s);
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);
  return rc;
}

int cmd_nn(int argc, char **argv) {
  cli_set_command("bovw nn");
  if (argc < 2) {
    fputs(NN_HELP, stderr);
    return CLI_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(NN_HELP, stdout);
    return CLI_OK;
  }
  if (!strcmp(argv[1], "summary")) return summary(argc - 1, argv + 1);
  return cli_usage("no command 'nn %s'", argv[1]);
}
