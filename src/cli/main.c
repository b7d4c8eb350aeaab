/* main.c: the bovw program: finds the subcommand and hands it the rest of
 * the arguments (git style: `bovw dataset scan ROOT -o DIR`). */
#include <stdio.h>
#include <string.h>

#include "bovw/provenance.h"
#include "bovw/version.h"
#include "cli/cli.h"
#include "cli/commands.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command COMMANDS[] = {
    {"dataset", cmd_dataset,
     "image folders and IDX files into manifests and splits; synthetic sets"},
    {"extract", cmd_extract, "dense multi-scale SIFT (PHOW) into a features folder"},
    {"merge", cmd_merge, "join shards: of an extraction, an encoding or a training by classes"},
    {"codebook", cmd_codebook, "a visual vocabulary (k-means, PCA, GMM) from features"},
    {"encode", cmd_encode, "one vector per image: histograms, VLAD, Fisher vectors"},
    {"train", cmd_train, "one-vs-rest linear SVMs (VLFeat, liblinear) on encodings"},
    {"eval", cmd_eval, "a model on encodings: accuracy, per-class, confusion matrix"},
    {"predict", cmd_predict, "classify image files with a model and its codebook"},
    {"nn", cmd_nn, "neural networks: summary, train, eval, fold, weights, features"},
    {"compare", cmd_compare, "reports side by side: tables, pictures, learning curves"},
    {"plot", cmd_plot, "SVG charts of tab-separated tables: lines, points over regions"},
    {"compress", cmd_compress, "encodings into product-quantised codes (1 byte a sub-vector)"},
    {"decompress", cmd_decompress, "codes back into encodings"},
    {"status", cmd_status, "which artifacts of a run are up to date, and why not"},
};
enum { NUM_COMMANDS = sizeof COMMANDS / sizeof COMMANDS[0] };

static void usage(FILE *out) {
  fprintf(out,
          "Usage: bovw COMMAND [ARGS...]\n"
          "Bag-of-Visual-Words image classification, stage by stage.\n\n"
          "Commands:\n");
  for (int i = 0; i < NUM_COMMANDS; i++)
    fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
  fprintf(out,
          "\n'bovw help COMMAND' or 'bovw COMMAND --help' tells more.\n"
          "'bovw --version' prints the version.\n");
}

static const command *find(const char *name) {
  for (int i = 0; i < NUM_COMMANDS; i++)
    if (!strcmp(COMMANDS[i].name, name)) return &COMMANDS[i];
  return NULL;
}

int main(int argc, char **argv) {
  cli_choose_blas_core(argv);
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(name, "--version")) {
    printf("bovw %s\n", BOVW_VERSION);
    return CLI_OK;
  }
  if (!strcmp(name, "help")) {
    if (argc < 3) {
      usage(stdout);
      return CLI_OK;
    }
    const command *c = find(argv[2]);
    if (!c) return cli_usage("no command '%s'", argv[2]);
    char *help_argv[] = {argv[2], "--help", NULL};
    return c->run(2, help_argv);
  }
  const command *c = find(name);
  if (!c) {
    cli_set_command("bovw");
    return cli_usage("no command '%s' (see 'bovw help')", name);
  }
  /* What every artifact this run writes records as its command. */
  if (bovw_provenance_set_command(argc - 1, argv + 1)) {
    cli_set_command("bovw");
    return cli_fail("out of memory");
  }
  return c->run(argc - 1, argv + 1);
}
