/* encode.c: `bovw encode`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/encode.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char HELP[] =
    "Usage: bovw encode FEATURES_DIR -c CODEBOOK_DIR -o ENCODING_DIR [options]\n"
    "       bovw encode FEATURES_DIR --like OTHER_ENCODING_DIR -o ENCODING_DIR\n"
    "       bovw encode --images MANIFEST -c CODEBOOK_DIR -o OUT_DIR [--codes-like CODES_DIR]\n"
    "                   [options]\n"
    "       bovw encode --pixels MANIFEST -o ENCODING_DIR [--size 32x32] [--color gray]\n"
    "                   [--standardize] [--like OTHER_ENCODING_DIR] [-j N] [-q]\n"
    "One vector per image: visual-word histograms over a spatial pyramid, VLAD\n"
    "or Fisher vectors, normalised, optionally through a kernel map; or, with\n"
    "--pixels, the images' own pixels (a baseline for train and eval).\n\n"
    "  -c, --codebook DIR      the codebook (required unless --like)\n"
    "  -o, --output DIR        the encodings folder to write (required)\n"
    "      --like DIR          every setting, and the codebook, of other encodings\n"
    "                          (encode the test set exactly as the training set)\n"
    "      --encoding E        hist (default), vlad or fisher (needs a GMM)\n"
    "      --pyramid LIST      cells per level, COLUMNSxROWS (hist: 2x2,4x4;\n"
    "                          vlad, fisher: 1x1,2x2,1x3)\n"
    "      --assign A          exact (default), prerank (approximate: words\n"
    "                          ranked in a few principal directions, the best\n"
    "                          few measured exactly) or ann (VLFeat's kd-forest)\n"
    "      --prerank-dims N    prerank: principal directions (default 24)\n"
    "      --prerank-candidates N  prerank: words measured exactly (default 8)\n"
    "      --ann-checks N      ANN comparisons per descriptor (default 15)\n"
    "      --ann-trees N       ANN trees (default 1)\n"
    "      --level-norm N      hist: l1 (default) normalises each pyramid level\n"
    "                          on its own first; none does not\n"
    "      --norm LIST         l1, l2, sqrt, power or none, applied in order to\n"
    "                          the whole vector (hist: l1; vlad: sqrt,l2;\n"
    "                          fisher: l2)\n"
    "      --power-alpha A     the exponent of 'power' (default 0.5)\n"
    "      --kernel-map K      none, chi2, intersection or js (hist: chi2)\n"
    "      --kernel-order N    kernel map order (default 1: 3 values per value)\n"
    "      --kernel-gamma G    kernel map gamma (default 0.5)\n"
    "      --libsvm FILE       also write libsvm text (for liblinear's tools)\n"
    "      --images            extract (with the codebook's extraction settings)\n"
    "                          and encode the images of MANIFEST in one pass,\n"
    "                          without descriptors on disk\n"
    "      --codes-like DIR    with --images: write codes with the quantiser of\n"
    "                          that codes folder (bovw compress), not floats\n"
    "      --pixels            encode the images of MANIFEST by their pixels:\n"
    "                          resized (aspect not kept), in [0,1], flattened\n"
    "      --size WxH          pixels: the size images are resized to (32x32)\n"
    "      --color C           pixels: gray (default) or rgb\n"
    "      --standardize       pixels: mean 0 and deviation 1 within each image\n"
    "      --shard I/N         encode only the I-th of N equal slices of the\n"
    "                          images (I from 1); see 'bovw merge'\n"
    "  -j, --threads N         threads (default: all cores)\n"
    "  -q, --quiet             no progress\n"
    "  -h, --help              this help\n";

enum {
  OPT_LIKE = 1000, OPT_ENCODING, OPT_PYRAMID, OPT_ASSIGN, OPT_CHECKS, OPT_TREES, OPT_NORM,
  OPT_ALPHA, OPT_KMAP, OPT_ORDER, OPT_GAMMA, OPT_LIBSVM, OPT_LEVEL, OPT_PIXELS, OPT_SIZE,
  OPT_COLOR, OPT_STANDARDIZE, OPT_PRERANK_DIMS, OPT_PRERANK_CANDIDATES, OPT_SHARD,
  OPT_IMAGES, OPT_CODES_LIKE
};

/* `bovw encode --pixels`: the settings come from the options, or all from
 * --like's encodings. */
static int encode_pixels(const char *manifest, const char *out_dir, const char *like,
                         const char *size, const char *color, int standardize, int threads,
                         int quiet) {
  bovw_pixels_params p;
  bovw_pixels_params_default(&p);
  bovw_error err = {0};
  if (like) {
    if (size || color || standardize)
      return cli_usage("--like takes every pixel setting from %s; give no other", like);
    if (bovw_pixels_params_like(like, &p, &err)) return cli_fail("%s", err.message);
  }
  char extra;
  if (size && (sscanf(size, "%dx%d%c", &p.width, &p.height, &extra) != 2 ||
               bovw_pixels_params_check(&p)))
    return cli_usage("--size: '%s' is not WxH, from 1x1 to 4096x4096", size);
  if (color) {
    if (!strcmp(color, "gray")) p.channels = 1;
    else if (!strcmp(color, "rgb")) p.channels = 3;
    else return cli_usage("--color: '%s' is not gray or rgb", color);
  }
  if (standardize) p.standardize = 1;
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  int status = bovw_encode_pixels_run(manifest, &p, threads, out_dir, &monitor, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  bovw_encodings *enc;
  if (bovw_encodings_open(out_dir, &enc, &err)) return cli_fail("%s", err.message);
  printf("%zu images encoded as %zu-D pixel vectors (%dx%d %s%s)", enc->count, enc->dim,
         p.width, p.height, p.channels == 3 ? "rgb" : "gray",
         p.standardize ? ", standardized" : "");
  if (progress.warnings) printf(", %zu skipped", progress.warnings);
  printf(" -> %s\n", out_dir);
  bovw_encodings_free(enc);
  return CLI_OK;
}

int cmd_encode(int argc, char **argv) {
  cli_set_command("bovw encode");
  static const struct option options[] = {
      {"codebook", required_argument, 0, 'c'},   {"output", required_argument, 0, 'o'},
      {"like", required_argument, 0, OPT_LIKE},  {"encoding", required_argument, 0, OPT_ENCODING},
      {"pyramid", required_argument, 0, OPT_PYRAMID}, {"assign", required_argument, 0, OPT_ASSIGN},
      {"ann-checks", required_argument, 0, OPT_CHECKS}, {"ann-trees", required_argument, 0, OPT_TREES},
      {"prerank-dims", required_argument, 0, OPT_PRERANK_DIMS},
      {"prerank-candidates", required_argument, 0, OPT_PRERANK_CANDIDATES},
      {"norm", required_argument, 0, OPT_NORM},  {"level-norm", required_argument, 0, OPT_LEVEL},  {"power-alpha", required_argument, 0, OPT_ALPHA},
      {"kernel-map", required_argument, 0, OPT_KMAP}, {"kernel-order", required_argument, 0, OPT_ORDER},
      {"kernel-gamma", required_argument, 0, OPT_GAMMA}, {"libsvm", required_argument, 0, OPT_LIBSVM},
      {"threads", required_argument, 0, 'j'},    {"quiet", no_argument, 0, 'q'},
      {"pixels", no_argument, 0, OPT_PIXELS},    {"size", required_argument, 0, OPT_SIZE},
      {"color", required_argument, 0, OPT_COLOR}, {"standardize", no_argument, 0, OPT_STANDARDIZE},
      {"shard", required_argument, 0, OPT_SHARD},
      {"images", no_argument, 0, OPT_IMAGES},    {"codes-like", required_argument, 0, OPT_CODES_LIKE},
      {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
  /* Options are collected first, then applied over the encoding's defaults
   * (or over --like's settings), whatever their order on the command line. */
  const char *codebook = NULL, *out_dir = NULL, *like = NULL, *encoding = NULL, *pyramid = NULL,
             *assign = NULL, *norms = NULL, *kmap = NULL, *libsvm = NULL, *level = NULL,
             *size = NULL, *color = NULL, *codes_like = NULL;
  int images = 0, pixels = 0, standardize = 0, shard_index = 1, shard_count = 1;
  long checks = -1, trees = -1, order = -1, threads = 0, pdims = -1, pcands = -1;
  double alpha = -1, gamma = -1;
  int quiet = 0, c, rc = CLI_OK;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":c:o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'c': codebook = optarg; break;
      case 'o': out_dir = optarg; break;
      case OPT_LIKE: like = optarg; break;
      case OPT_ENCODING: encoding = optarg; break;
      case OPT_PYRAMID: pyramid = optarg; break;
      case OPT_ASSIGN: assign = optarg; break;
      case OPT_CHECKS: rc = cli_parse_long("--ann-checks", optarg, 1, 100000, &checks); break;
      case OPT_TREES: rc = cli_parse_long("--ann-trees", optarg, 1, 64, &trees); break;
      case OPT_PRERANK_DIMS: rc = cli_parse_long("--prerank-dims", optarg, 1, 4096, &pdims); break;
      case OPT_PRERANK_CANDIDATES:
        rc = cli_parse_long("--prerank-candidates", optarg, 1, 32, &pcands);
        break;
      case OPT_NORM: norms = optarg; break;
      case OPT_LEVEL: level = optarg; break;
      case OPT_ALPHA: rc = cli_parse_double("--power-alpha", optarg, 1e-3, 1, &alpha); break;
      case OPT_KMAP: kmap = optarg; break;
      case OPT_ORDER: rc = cli_parse_long("--kernel-order", optarg, 0, 10, &order); break;
      case OPT_GAMMA: rc = cli_parse_double("--kernel-gamma", optarg, 1e-3, 10, &gamma); break;
      case OPT_LIBSVM: libsvm = optarg; break;
      case 'j': rc = cli_parse_long("--threads", optarg, 1, 1024, &threads); break;
      case OPT_PIXELS: pixels = 1; break;
      case OPT_SIZE: size = optarg; break;
      case OPT_COLOR: color = optarg; break;
      case OPT_STANDARDIZE: standardize = 1; break;
      case OPT_SHARD: rc = cli_parse_shard(optarg, &shard_index, &shard_count); break;
      case OPT_IMAGES: images = 1; break;
      case OPT_CODES_LIKE: codes_like = optarg; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, HELP);
    }
  }
  if (rc) return rc;
  const int bovw_options = codebook || encoding || pyramid || assign || norms || kmap ||
                           level || libsvm || checks > 0 || trees > 0 || order >= 0 ||
                           alpha > 0 || gamma > 0 || pdims > 0 || pcands > 0;
  if (pixels) {
    if (shard_count > 1) return cli_usage("--shard goes with descriptors, not --pixels");
    if (optind != argc - 1)
      return cli_usage(optind >= argc ? "no MANIFEST given" : "one MANIFEST expected");
    if (!out_dir) return cli_usage("no output folder: -o DIR is required");
    if (bovw_options)
      return cli_usage("--pixels encodes images, not descriptors: no codebook or "
                       "encoding options");
    return encode_pixels(argv[optind], out_dir, like, size, color, standardize, (int)threads,
                         quiet);
  }
  if (size || color || standardize)
    return cli_usage("--size, --color and --standardize go with --pixels");
  if (codes_like && !images) return cli_usage("--codes-like goes with --images");
  if (images && (shard_count > 1 || libsvm))
    return cli_usage("--images writes one whole encoding: no --shard or --libsvm");
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? (images ? "no MANIFEST given" : "no FEATURES_DIR given")
                                    : (images ? "one MANIFEST expected" : "one FEATURES_DIR expected"));
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  if (!codebook && !like) return cli_usage("a codebook is required: -c CODEBOOK_DIR (or --like)");

  if (shard_count > 1 && libsvm) return cli_usage("--libsvm goes with the whole encoding: merge first");
  bovw_encode_options o = {.threads = (int)threads, .libsvm_path = libsvm,
                           .shard_index = shard_index, .shard_count = shard_count};
  bovw_error err = {0};
  char *like_codebook = NULL;
  if (like) {
    if (encoding || pyramid || assign || norms || kmap || level || checks > 0 || trees > 0 ||
        order >= 0 || alpha > 0 || gamma > 0 || pdims > 0 || pcands > 0)
      return cli_usage("--like takes every encoding setting from %s; give no other", like);
    if (bovw_encode_params_like(like, &o.params, &like_codebook, &err))
      return cli_fail("%s", err.message);
    if (!codebook) codebook = like_codebook;
  } else {
    bovw_encoding e = BOVW_ENCODING_HIST;
    if (encoding && bovw_encoding_parse(encoding, &e))
      return cli_usage("--encoding: '%s' is not hist, vlad or fisher", encoding);
    bovw_encode_params_default(&o.params, e);
    if (pyramid && bovw_encode_parse_pyramid(pyramid, &o.params, &err))
      return cli_usage("--pyramid: %s", err.message);
    if (norms && bovw_encode_parse_norms(norms, &o.params, &err))
      return cli_usage("--norm: %s", err.message);
    if (assign && bovw_assign_parse(assign, &o.params.assign))
      return cli_usage("--assign: '%s' is not exact, prerank or ann", assign);
    if (level) {
      if (!strcmp(level, "l1")) o.params.level_l1 = 1;
      else if (!strcmp(level, "none")) o.params.level_l1 = 0;
      else return cli_usage("--level-norm: '%s' is not l1 or none", level);
    }
    if (kmap && bovw_kernel_map_parse(kmap, &o.params.kernel_map))
      return cli_usage("--kernel-map: '%s' is not none, chi2, intersection or js", kmap);
    if (checks > 0) o.params.ann_checks = (int)checks;
    if (trees > 0) o.params.ann_trees = (int)trees;
    if (pdims > 0) o.params.prerank_dims = (int)pdims;
    if (pcands > 0) o.params.prerank_candidates = (int)pcands;
    if (order >= 0) o.params.kernel_order = (int)order;
    if (alpha > 0) o.params.power_alpha = alpha;
    if (gamma > 0) o.params.kernel_gamma = gamma;
  }
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  if (images) {
    bovw_encode_images_stats stats;
    int status = bovw_encode_images_run(argv[optind], codebook, &o, codes_like, out_dir, &monitor,
                                        &stats, &err);
    cli_progress_end(&progress);
    free(like_codebook);
    if (status) return cli_fail("%s", err.message);
    printf("%zu images extracted and encoded as %s %s, %zu skipped, %.1f s -> %s\n",
           stats.images, bovw_encoding_name(o.params.encoding),
           codes_like ? "codes" : "vectors", stats.skipped, stats.seconds, out_dir);
    return CLI_OK;
  }
  int status = bovw_encode_run(argv[optind], codebook, &o, out_dir, &monitor, &err);
  cli_progress_end(&progress);
  free(like_codebook);
  if (status) return cli_fail("%s", err.message);
  bovw_encodings *enc;
  if (bovw_encodings_open(out_dir, &enc, &err)) return cli_fail("%s", err.message);
  printf("%zu images encoded as %zu-D %s vectors -> %s\n", enc->count, enc->dim,
         bovw_encoding_name(o.params.encoding), out_dir);
  bovw_encodings_free(enc);
  return CLI_OK;
}
