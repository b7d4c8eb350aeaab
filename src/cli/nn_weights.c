/* nn_weights.c: `bovw nn weights`, the tensors of a net folder as text, one
 * a line: what a script needs to look at a learned kernel. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bovw/nn.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char WEIGHTS_HELP[] =
    "Usage: bovw nn weights NET_DIR [NAME...]\n"
    "Prints the tensors of the net in NET_DIR (weights.safetensors), or only\n"
    "those named, as tab-separated lines under the header 'name shape values':\n"
    "the name (\"<layer index>.weight\", \".bias\", \".running_mean\", ...), the\n"
    "shape in PyTorch's order (conv C_out x C_in x K_h x K_w, conv1d\n"
    "C_out x C_in x K, conv3d C_out x C_in x K_d x K_h x K_w, fc out x in) and\n"
    "the values in C order, comma-separated, each read back to the same float.\n\n"
    "  -h, --help            this help\n";

static void print_param(const bovw_nn_param *p) {
  printf("%s\t", p->name);
  for (int d = 0; d < p->ndim; d++) printf("%s%" PRId64, d ? "x" : "", p->shape[d]);
  putchar('\t');
  for (size_t i = 0; i < p->count; i++) printf("%s%.9g", i ? "," : "", p->value[i]);
  putchar('\n');
}

int cmd_nn_weights(int argc, char **argv) {
  cli_set_command("bovw nn weights");
  static const struct option options[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
    return cli_option_end(c, argv, WEIGHTS_HELP);
  if (optind >= argc) return cli_usage("no NET_DIR given");
  const char *dir = argv[optind];
  bovw_error err = {0};
  bovw_nn_model *model = NULL;
  if (bovw_nn_model_open(dir, 1, &model, &err)) return cli_fail("%s", err.message);
  const size_t n = bovw_nn_net_num_params(model->net);
  /* Every name asked for must exist: a typo is an error, not an empty answer. */
  int rc = CLI_OK;
  for (int a = optind + 1; a < argc && !rc; a++) {
    size_t i = 0;
    while (i < n && strcmp(bovw_nn_net_param(model->net, i)->name, argv[a])) i++;
    if (i == n) rc = cli_fail("%s: no tensor named '%s'", dir, argv[a]);
  }
  if (!rc) {
    printf("name\tshape\tvalues\n");
    for (size_t i = 0; i < n; i++) {
      const bovw_nn_param *p = bovw_nn_net_param(model->net, i);
      int wanted = optind + 1 == argc;
      for (int a = optind + 1; a < argc && !wanted; a++) wanted = !strcmp(p->name, argv[a]);
      if (wanted) print_param(p);
    }
  }
  bovw_nn_model_free(model);
  return rc;
}
