/* codebook.c: `bovw codebook` (build) and `bovw codebook info`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/codebook.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char HELP[] =
    "Usage: bovw codebook FEATURES_DIR -o CODEBOOK_DIR [options]\n"
    "       bovw codebook info CODEBOOK_DIR\n"
    "Samples descriptors from a features folder and clusters them into a visual\n"
    "vocabulary (k-means), optionally with a PCA and a GMM for Fisher vectors.\n\n"
    "  -o, --output DIR        the codebook folder to write (required)\n"
    "  -k, --words K           number of visual words (default 600)\n"
    "      --samples N         descriptors sampled, low-contrast ones excluded\n"
    "                          (default 100000)\n"
    "      --algorithm A       elkan (default), lloyd, ann (VLFeat), or blas\n"
    "                          (bovw's Lloyd on matrix products)\n"
    "      --init I            kmeans++ (default) or random\n"
    "      --iterations N      at most N iterations (default 50)\n"
    "      --repetitions R     R runs, the lowest energy kept (default 1)\n"
    "      --rootsift          square root of the L1-normalised descriptor first\n"
    "      --pca D             project descriptors to D dimensions\n"
    "      --whiten            with --pca: unit variance per component\n"
    "      --augment-xy        append the keypoint's x, y relative to the image\n"
    "      --gmm               also fit a diagonal GMM (for Fisher vectors)\n"
    "      --seed S            seed for sampling and initialisation (default 0)\n"
    "      --keep-sample       also write sample.npy, the descriptors clustered\n"
    "  -j, --threads N         threads (default: all cores)\n"
    "  -q, --quiet             no progress\n"
    "  -h, --help              this help\n";

enum {
  OPT_SAMPLES = 1000, OPT_ALGORITHM, OPT_INIT, OPT_ITERATIONS, OPT_REPETITIONS,
  OPT_ROOTSIFT, OPT_PCA, OPT_WHITEN, OPT_AUGMENT, OPT_GMM, OPT_SEED, OPT_KEEP
};

static int info(int argc, char **argv) {
  cli_set_command("bovw codebook info");
  if (argc != 2) return cli_usage("one CODEBOOK_DIR expected");
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(HELP, stdout);
    return CLI_OK;
  }
  bovw_codebook *cb;
  bovw_error err = {0};
  if (bovw_codebook_open(argv[1], &cb, &err)) return cli_fail("%s", err.message);
  const bovw_extract_params *p = &cb->features;
  const cJSON *km = cJSON_GetObjectItem(cb->meta, "kmeans");
  const cJSON *fe = cJSON_GetObjectItem(cb->meta, "features");
  const cJSON *sm = cJSON_GetObjectItem(cb->meta, "samples");
  printf("codebook: %d words of %d dimensions (%s k-means, energy %.6g, %d iterations)\n",
         cb->k, cb->dim, bovw_meta_string(km, "algorithm_used", "?"),
         bovw_meta_number(km, "energy", 0), (int)bovw_meta_number(km, "iterations", 0));
  printf("transform: %s%s", cb->rootsift ? "root SIFT, " : "", cb->pca ? "" : "no PCA");
  if (cb->pca) printf("PCA to %d%s", cb->pca->out_dim, cb->pca->whiten ? " (whitened)" : "");
  printf("%s%s\n", cb->augment_xy ? ", x,y appended" : "", cb->gmm_means ? ", GMM" : "");
  printf("built from: %s (%.0f of %.0f usable descriptors sampled", bovw_meta_string(fe, "path", "?"),
         bovw_meta_number(sm, "used", 0), bovw_meta_number(sm, "usable", 0));
  /* Older codebooks do not record how many descriptors there were in all. */
  if (cJSON_GetObjectItem(sm, "descriptors"))
    printf(", %.0f descriptors in all", bovw_meta_number(sm, "descriptors", 0));
  printf(", seed %.0f)\n", bovw_meta_number(cb->meta, "seed", 0));
  printf("expects descriptors extracted with:\n  bovw extract --sizes ");
  for (int i = 0; i < p->num_sizes; i++) printf("%s%d", i ? "," : "", p->sizes[i]);
  printf(" --step %d --color %s --max-side %d", p->step, bovw_color_name(p->color), p->max_side);
  if (p->min_side) printf(" --min-side %d", p->min_side);
  printf(" --contrast-threshold %g --magnif %g --window-size %g %s%s\n", p->contrast_threshold,
         p->magnif,
         p->window_size, p->fast ? "--fast" : "--no-fast", p->float_descriptors ? " --float" : "");
  printf("identity (sha256 of centers.npy): %s\n", cb->sha256);
  bovw_codebook_free(cb);
  return CLI_OK;
}

int cmd_codebook(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "info")) return info(argc - 1, argv + 1);
  cli_set_command("bovw codebook");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"words", required_argument, 0, 'k'},
      {"samples", required_argument, 0, OPT_SAMPLES},
      {"algorithm", required_argument, 0, OPT_ALGORITHM},
      {"init", required_argument, 0, OPT_INIT},
      {"iterations", required_argument, 0, OPT_ITERATIONS},
      {"repetitions", required_argument, 0, OPT_REPETITIONS},
      {"rootsift", no_argument, 0, OPT_ROOTSIFT},
      {"pca", required_argument, 0, OPT_PCA},
      {"whiten", no_argument, 0, OPT_WHITEN},
      {"augment-xy", no_argument, 0, OPT_AUGMENT},
      {"gmm", no_argument, 0, OPT_GMM},
      {"seed", required_argument, 0, OPT_SEED},
      {"keep-sample", no_argument, 0, OPT_KEEP},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_codebook_options o;
  bovw_codebook_options_default(&o);
  const char *out_dir = NULL;
  int quiet = 0, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:k:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case 'k': if (!(rc = cli_parse_long("-k", optarg, 1, 1 << 20, &v))) o.k = (int)v; break;
      case OPT_SAMPLES:
        if (!(rc = cli_parse_long("--samples", optarg, 1, 1L << 40, &v))) o.samples = (size_t)v;
        break;
      case OPT_ALGORITHM:
        if (bovw_kmeans_algorithm_parse(optarg, &o.algorithm))
          rc = cli_usage("--algorithm: '%s' is not elkan, lloyd, ann or blas", optarg);
        break;
      case OPT_INIT:
        if (!strcmp(optarg, "kmeans++")) o.init = BOVW_INIT_PLUSPLUS;
        else if (!strcmp(optarg, "random")) o.init = BOVW_INIT_RANDOM;
        else rc = cli_usage("--init: '%s' is not kmeans++ or random", optarg);
        break;
      case OPT_ITERATIONS:
        if (!(rc = cli_parse_long("--iterations", optarg, 1, 100000, &v))) o.iterations = (int)v;
        break;
      case OPT_REPETITIONS:
        if (!(rc = cli_parse_long("--repetitions", optarg, 1, 1000, &v))) o.repetitions = (int)v;
        break;
      case OPT_ROOTSIFT: o.rootsift = 1; break;
      case OPT_PCA: if (!(rc = cli_parse_long("--pca", optarg, 1, 4096, &v))) o.pca_dim = (int)v; break;
      case OPT_WHITEN: o.whiten = 1; break;
      case OPT_AUGMENT: o.augment_xy = 1; break;
      case OPT_GMM: o.gmm = 1; break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &o.seed); break;
      case OPT_KEEP: o.keep_sample = 1; break;
      case 'j': if (!(rc = cli_parse_long("--threads", optarg, 1, 1024, &v))) o.threads = (int)v; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage(optind >= argc ? "no FEATURES_DIR given" : "one FEATURES_DIR expected");
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  if (o.whiten && !o.pca_dim) return cli_usage("--whiten goes with --pca D");
  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  int status = bovw_codebook_build(argv[optind], &o, out_dir, &monitor, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  bovw_codebook *cb;
  if (bovw_codebook_open(out_dir, &cb, &err)) return cli_fail("%s", err.message);
  const cJSON *km = cJSON_GetObjectItem(cb->meta, "kmeans");
  const cJSON *tm = cJSON_GetObjectItem(cb->meta, "seconds");
  printf("%d words of %d dimensions, energy %.6g after %d iterations (%s), %.1f s -> %s\n",
         cb->k, cb->dim, bovw_meta_number(km, "energy", 0),
         (int)bovw_meta_number(km, "iterations", 0), bovw_meta_string(km, "algorithm_used", "?"),
         bovw_meta_number(tm, "total", 0), out_dir);
  bovw_codebook_free(cb);
  return CLI_OK;
}
