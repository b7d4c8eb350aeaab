/* compress.c: `bovw compress` and `bovw decompress`, encodings to product-
 * quantised codes and back. */
#include <getopt.h>
#include <stdio.h>

#include "bovw/encode.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char COMPRESS_HELP[] =
    "Usage: bovw compress ENCODING_DIR -o CODES_DIR [--group 8] [--bits 1]\n"
    "                     [--sample 20000] [--seed S] [-j N] [-q]\n"
    "Product quantisation: each row cut into sub-vectors of G dimensions, each\n"
    "stored as one byte, the index of the nearest of 2^(G b) centroids learned\n"
    "for its position by seeded k-means on a sample of the rows (b bits per\n"
    "dimension; G = 8, b = 1: 32 times smaller than float32). meta.json records\n"
    "the reconstruction error. 'bovw decompress' gives encodings back.\n\n"
    "  -o, --output DIR   the codes folder to write (required)\n"
    "      --group G      dimensions per sub-vector (8; G b at most 8)\n"
    "      --bits B       bits per dimension (1)\n"
    "      --sample N     rows the centroids are learned from (20000)\n"
    "      --seed S       seed (0)\n"
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

enum { OPT_GROUP = 1000, OPT_BITS, OPT_SAMPLE, OPT_SEED };

int cmd_compress(int argc, char **argv) {
  cli_set_command("bovw compress");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'}, {"group", required_argument, 0, OPT_GROUP},
      {"bits", required_argument, 0, OPT_BITS}, {"sample", required_argument, 0, OPT_SAMPLE},
      {"seed", required_argument, 0, OPT_SEED}, {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},         {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_compress_options o;
  bovw_compress_options_default(&o);
  const char *out_dir = NULL;
  int c, rc = CLI_OK, quiet = 0;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_GROUP: if (!(rc = cli_parse_long("--group", optarg, 1, 8, &v))) o.group = (int)v; break;
      case OPT_BITS: if (!(rc = cli_parse_long("--bits", optarg, 1, 8, &v))) o.bits = (int)v; break;
      case OPT_SAMPLE:
        if (!(rc = cli_parse_long("--sample", optarg, 1, 100000000, &v))) o.sample = (size_t)v;
        break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) o.threads = (int)v; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, COMPRESS_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no ENCODING_DIR given" : "one ENCODING_DIR expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  if (o.group * o.bits > 8) return cli_usage("--group %d x --bits %d: at most 8 bits a sub-vector", o.group, o.bits);
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  int status = bovw_compress_run(argv[optind], &o, out_dir, &monitor, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  printf("%s compressed %dx (%d bits a dimension) -> %s\n", argv[optind], 32 / o.bits, o.bits,
         out_dir);
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
