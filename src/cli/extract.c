/* extract.c: `bovw extract` and `bovw merge`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/encode.h"
#include "bovw/extract.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char EXTRACT_HELP[] =
    "Usage: bovw extract MANIFEST.tsv -o FEATURES_DIR [options]\n"
    "Dense multi-scale SIFT (PHOW) of every image of the manifest, into a\n"
    "features artifact (descriptors.npy, frames.npy, offsets.npy, ...).\n\n"
    "  -o, --output DIR            the features folder to write (required)\n"
    "      --sizes LIST            SIFT bin sizes in pixels (default 4,6,8,10)\n"
    "      --step N                grid step in pixels (default 3)\n"
    "      --color SPACE           gray (128-D), rgb, hsv or opponent (384-D)\n"
    "                              (default gray)\n"
    "      --max-side N            shrink images whose longer side is larger\n"
    "                              (default 480; 0 never shrinks)\n"
    "      --min-side N            enlarge images whose longer side is smaller\n"
    "                              (bilinear; default 0: never), e.g. 112 for\n"
    "                              28x28 images\n"
    "      --contrast-threshold T  zero descriptors of lower contrast (0.005)\n"
    "      --magnif M              smoothing sigma = size / M (default 6)\n"
    "      --window-size W         Gaussian window, in bins (default 1.5)\n"
    "      --fast, --no-fast       flat window (fast, the default) or Gaussian\n"
    "      --float                 store float32 descriptors instead of uint8\n"
    "      --shard I/N             extract only the I-th of N equal slices of\n"
    "                              the manifest (I from 1); see 'bovw merge'\n"
    "  -j, --threads N             threads (default: all cores)\n"
    "  -q, --quiet                 no progress\n"
    "  -h, --help                  this help\n";

static const char MERGE_HELP[] =
    "Usage: bovw merge SHARD_DIR... -o DIR\n"
    "Concatenates the shards of one extraction (bovw extract --shard I/N) or of\n"
    "one encoding (bovw encode --shard I/N), all N of them, in any order, into\n"
    "one features or encodings artifact, in image order; or the class shards\n"
    "of one training (bovw train --classes I/N) into one model. The arrays are\n"
    "those of the unsharded run, byte for byte.\n\n"
    "  -o, --output DIR   the folder to write (required)\n"
    "  -q, --quiet        no progress\n"
    "  -h, --help         this help\n";

enum {
  OPT_SIZES = 1000, OPT_STEP, OPT_COLOR, OPT_MAX_SIDE, OPT_MIN_SIDE, OPT_CONTRAST, OPT_MAGNIF,
  OPT_WINDOW, OPT_FAST, OPT_NO_FAST, OPT_FLOAT, OPT_SHARD
};

static int parse_sizes(const char *text, bovw_extract_params *p) {
  char *copy = strdup(text), *save = NULL;
  if (!copy) return cli_fail("out of memory");
  p->num_sizes = 0;
  int rc = CLI_OK;
  for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
    long v;
    if (p->num_sizes == BOVW_MAX_SIZES)
      rc = cli_usage("--sizes: at most %d sizes", BOVW_MAX_SIZES);
    else if (!(rc = cli_parse_long("--sizes", tok, 1, 256, &v)))
      p->sizes[p->num_sizes++] = (int)v;
  }
  free(copy);
  if (!rc && p->num_sizes == 0) rc = cli_usage("--sizes: no size given");
  return rc;
}

int cmd_extract(int argc, char **argv) {
  cli_set_command("bovw extract");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"sizes", required_argument, 0, OPT_SIZES},
      {"step", required_argument, 0, OPT_STEP},
      {"color", required_argument, 0, OPT_COLOR},
      {"max-side", required_argument, 0, OPT_MAX_SIDE},
      {"min-side", required_argument, 0, OPT_MIN_SIDE},
      {"contrast-threshold", required_argument, 0, OPT_CONTRAST},
      {"magnif", required_argument, 0, OPT_MAGNIF},
      {"window-size", required_argument, 0, OPT_WINDOW},
      {"fast", no_argument, 0, OPT_FAST},
      {"no-fast", no_argument, 0, OPT_NO_FAST},
      {"float", no_argument, 0, OPT_FLOAT},
      {"shard", required_argument, 0, OPT_SHARD},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_extract_options o = {.threads = 0, .shard_index = 1, .shard_count = 1};
  bovw_extract_params_default(&o.params);
  bovw_extract_params *p = &o.params;
  const char *out_dir = NULL;
  int quiet = 0, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_SIZES: rc = parse_sizes(optarg, p); break;
      case OPT_STEP:
        if (!(rc = cli_parse_long("--step", optarg, 1, 1024, &v))) p->step = (int)v;
        break;
      case OPT_COLOR:
        if (bovw_color_parse(optarg, &p->color))
          rc = cli_usage("--color: '%s' is not gray, rgb, hsv or opponent", optarg);
        break;
      case OPT_MAX_SIDE:
        if (!(rc = cli_parse_long("--max-side", optarg, 0, 1 << 16, &v))) p->max_side = (int)v;
        break;
      case OPT_MIN_SIDE:
        if (!(rc = cli_parse_long("--min-side", optarg, 0, 1 << 16, &v))) p->min_side = (int)v;
        break;
      case OPT_CONTRAST:
        rc = cli_parse_double("--contrast-threshold", optarg, 0, 1e9, &p->contrast_threshold);
        break;
      case OPT_MAGNIF: rc = cli_parse_double("--magnif", optarg, 1e-3, 1e3, &p->magnif); break;
      case OPT_WINDOW:
        rc = cli_parse_double("--window-size", optarg, 1e-3, 1e3, &p->window_size);
        break;
      case OPT_FAST: p->fast = 1; break;
      case OPT_NO_FAST: p->fast = 0; break;
      case OPT_FLOAT: p->float_descriptors = 1; break;
      case OPT_SHARD: rc = cli_parse_shard(optarg, &o.shard_index, &o.shard_count); break;
      case 'j':
        if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) o.threads = (int)v;
        break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, EXTRACT_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no manifest given" : "one manifest expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  const char *manifest_path = argv[optind];

  bovw_error err = {0};
  bovw_manifest *m = NULL;
  if (bovw_manifest_read(manifest_path, &m, &err)) return cli_fail("%s", err.message);
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_extract_stats stats;
  int status = bovw_extract_run(m, manifest_path, &o, out_dir, &monitor, &stats, &err);
  cli_progress_end(&progress);
  if (status) {
    rc = cli_fail("%s", err.message);
  } else {
    printf("%zu images, %zu descriptors of %d dimensions (%zu below the contrast "
           "threshold), %zu skipped, %.1f s -> %s\n",
           stats.images, stats.descriptors, bovw_extract_params_dim(p), stats.zeroed,
           stats.skipped, stats.seconds, out_dir);
  }
  bovw_manifest_free(m);
  return rc;
}

int cmd_merge(int argc, char **argv) {
  cli_set_command("bovw merge");
  static const struct option options[] = {{"output", required_argument, 0, 'o'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
  const char *out_dir = NULL;
  int quiet = 0, c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, MERGE_HELP);
    }
  }
  if (optind >= argc) return cli_usage("no shard folders given");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  /* The first shard's kind says which merge: features or encodings. */
  cJSON *first = NULL;
  int status = bovw_meta_read(argv[optind], NULL, &first, &err);
  const char *kind = status ? "" : bovw_meta_string(first, "kind", "");
  const int encodings = !strcmp(kind, "encodings"), model = !strcmp(kind, "model");
  cJSON_Delete(first);
  char *const *shards = argv + optind;
  const size_t count = (size_t)(argc - optind);
  if (!status)
    status = model       ? bovw_model_merge(shards, count, out_dir, &err)
             : encodings ? bovw_encodings_merge(shards, count, out_dir, &monitor, &err)
                         : bovw_features_merge(shards, count, out_dir, &monitor, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  printf("%d shards merged -> %s\n", argc - optind, out_dir);
  return CLI_OK;
}
