/* compress.c: `bovw compress` and `bovw decompress`, encodings to product-
 * quantised codes and back. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bovw/encode.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char COMPRESS_HELP[] =
    "Usage: bovw compress ENCODING_DIR -o CODES_DIR [--group 8] [--bits 1]\n"
    "                     [--method kmeans|sign] [--sample 4096] [--seed S] [-j N] [-q]\n"
    "       bovw compress ENCODING_DIR -o CODES_DIR --like TRAIN_CODES_DIR [-j N] [-q]\n"
    "Compressed encodings: each row cut into sub-vectors of G dimensions, each\n"
    "stored as one byte. kmeans (product quantisation): the index of the\n"
    "nearest of 2^(G b) centroids learned for its position by seeded k-means\n"
    "on a sample of the rows; sign (binarisation): one bit a dimension, its\n"
    "sign, decoded as the mean of the sample's values of that sign. b bits a\n"
    "dimension (G = 8, b = 1: 32 times smaller than float32; G b a whole\n"
    "number from 1 to 8, so b = 0.5 with G = 16). train and eval read codes\n"
    "as they read encodings, decoding a block of rows at a time; meta.json\n"
    "records the reconstruction error. Compress the test encodings with\n"
    "--like the training codes: the same quantiser.\n\n"
    "  -o, --output DIR   the codes folder to write (required)\n"
    "      --group G      dimensions per sub-vector (8)\n"
    "      --bits B       bits per dimension (1)\n"
    "      --method M     kmeans (default) or sign (then G b = G: one bit a\n"
    "                     dimension)\n"
    "      --sample N     rows the centroids are learned from (4096)\n"
    "      --seed S       seed (0)\n"
    "      --like DIR     the quantiser of that codes folder\n"
    "  -j, --threads N    threads (default: all cores)\n"
    "  -q, --quiet        no progress\n"
    "  -h, --help         this help\n";

static const char DECOMPRESS_HELP[] =
    "Usage: bovw decompress CODES_DIR -o ENCODING_DIR [-q]\n"
    "Each row of a codes folder back as its centroids: an encodings folder of\n"
    "the same settings, codebook and features, which train and eval read.\n\n"
    "  -o, --output DIR   the encodings folder to write (required)\n"
    "  -q, --quiet        no progress\n"
    "  -h, --help         this help\n";

enum { OPT_GROUP = 1000, OPT_BITS, OPT_SAMPLE, OPT_SEED, OPT_METHOD, OPT_LIKE };

int cmd_compress(int argc, char **argv) {
  cli_set_command("bovw compress");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'}, {"group", required_argument, 0, OPT_GROUP},
      {"bits", required_argument, 0, OPT_BITS}, {"sample", required_argument, 0, OPT_SAMPLE},
      {"seed", required_argument, 0, OPT_SEED}, {"threads", required_argument, 0, 'j'},
      {"method", required_argument, 0, OPT_METHOD}, {"like", required_argument, 0, OPT_LIKE},
      {"quiet", no_argument, 0, 'q'},         {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_compress_options o;
  bovw_compress_options_default(&o);
  const char *out_dir = NULL;
  int c, rc = CLI_OK, quiet = 0, set = 0;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_GROUP:
        if (!(rc = cli_parse_long("--group", optarg, 1, 64, &v))) o.group = (int)v;
        set = 1;
        break;
      case OPT_BITS: rc = cli_parse_double("--bits", optarg, 1.0 / 64, 8, &o.bits); set = 1; break;
      case OPT_METHOD:
        if (!strcmp(optarg, "kmeans")) o.method = BOVW_PQ_KMEANS;
        else if (!strcmp(optarg, "sign")) o.method = BOVW_PQ_SIGN;
        else rc = cli_usage("--method %s: kmeans or sign", optarg);
        set = 1;
        break;
      case OPT_LIKE: o.like = optarg; break;
      case OPT_SAMPLE:
        if (!(rc = cli_parse_long("--sample", optarg, 1, 100000000, &v))) o.sample = (size_t)v;
        set = 1;
        break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); set = 1; break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) o.threads = (int)v; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, COMPRESS_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no ENCODING_DIR given" : "one ENCODING_DIR expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  if (o.like && set)
    return cli_usage("--like takes the quantiser as it is: no --group, --bits, --method, "
                     "--sample or --seed with it");
  const double code_bits = o.group * o.bits;
  if (!o.like && (code_bits < 1 || code_bits > 8 || code_bits != (double)(int)code_bits))
    return cli_usage("--group %d x --bits %g: a sub-vector's byte holds a whole number of bits "
                     "from 1 to 8", o.group, o.bits);
  if (!o.like && o.method == BOVW_PQ_SIGN && o.bits != 1)
    return cli_usage("--method sign stores one bit a dimension: --bits 1");
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  int status = bovw_compress_run(argv[optind], &o, out_dir, &monitor, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  printf("%s compressed -> %s\n", argv[optind], out_dir);
  return CLI_OK;
}

int cmd_decompress(int argc, char **argv) {
  cli_set_command("bovw decompress");
  static const struct option options[] = {{"output", required_argument, 0, 'o'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
  const char *out_dir = NULL;
  int c, quiet = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, DECOMPRESS_HELP);
    }
  }
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no CODES_DIR given" : "one CODES_DIR expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  int status = bovw_decompress_run(argv[optind], out_dir, &monitor, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  printf("%s decompressed -> %s\n", argv[optind], out_dir);
  return CLI_OK;
}
