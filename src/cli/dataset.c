/* dataset.c: `bovw dataset scan`, `import-idx` and `augment`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/dataset.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char SCAN_HELP[] =
    "Usage: bovw dataset scan ROOT -o DIR [options]\n"
    "Lists the images of ROOT (one subfolder per class) and splits them into\n"
    "training and test sets, stratified by class. Writes DIR/classes.txt,\n"
    "DIR/all.tsv, DIR/train.tsv, DIR/test.tsv and DIR/meta.json.\n\n"
    "  -o, --output DIR          the dataset folder to write (required)\n"
    "      --train-per-class N   N images of each class for training\n"
    "      --test-per-class N    at most N of each class for testing\n"
    "                            (default: all the images not used for training)\n"
    "      --test-fraction F     without --train-per-class: the share of each\n"
    "                            class that goes to test (default 0.25)\n"
    "      --sorted              take images in name order (first N train, next\n"
    "                            M test) instead of a seeded shuffle\n"
    "      --seed S              the shuffle's seed (default 0)\n"
    "      --any-extension       consider every file, not only *.jpg *.jpeg *.png\n"
    "                            *.pgm *.ppm *.pnm; the content decides\n"
    "      --verify              decode every image completely (slower; catches\n"
    "                            truncated files) instead of reading headers\n"
    "  -j, --threads N           threads for checking files (default: all cores)\n"
    "  -q, --quiet               no progress\n"
    "  -h, --help                this help\n";

static const char IMPORT_HELP[] =
    "Usage: bovw dataset import-idx --images FILE --labels FILE -o ROOT [options]\n"
    "Writes the images of an IDX file pair (MNIST format, gzip or not) as\n"
    "ROOT/<label>_<class>/<index>.png, an ordinary image folder.\n\n"
    "      --images FILE         the IDX images (N x rows x columns, unsigned byte)\n"
    "      --labels FILE         the IDX labels (N, unsigned byte)\n"
    "      --class-names NAMES   fashion-mnist, or a file with one name a line\n"
    "                            (default: folders named by the label alone)\n"
    "  -o, --output ROOT         the folder to write (required)\n"
    "  -j, --threads N           threads writing PNG files (default: all cores)\n"
    "  -q, --quiet               no progress\n"
    "  -h, --help                this help\n";

static const char AUGMENT_HELP[] =
    "Usage: bovw dataset augment TRAIN_MANIFEST.tsv -o DIR --count N [options]\n"
    "Writes N images made from the manifest's: the images themselves first, then\n"
    "copies of them, each shifted, turned and optionally mirrored by a seeded\n"
    "draw, as DIR/images/<class>/<index>.png, with DIR/train.tsv (the same\n"
    "classes, in the same order), DIR/classes.txt and DIR/meta.json.\n\n"
    "  -o, --output DIR          the folder to write (required)\n"
    "      --count N             images to write, at least the manifest's count\n"
    "                            (required)\n"
    "      --seed S              which transforms (default 0)\n"
    "      --shift P             shift each copy by up to P whole pixels in x and\n"
    "                            in y (default 2)\n"
    "      --rotate DEG          turn each copy by up to DEG degrees, bilinear\n"
    "                            (default 10)\n"
    "      --flip                mirror each copy left-right with probability 1/2\n"
    "                            (default off: right for clothes, wrong for digits)\n"
    "  -j, --threads N           threads (default: all cores; the result is the\n"
    "                            same byte for byte at any count)\n"
    "  -q, --quiet               no progress\n"
    "  -h, --help                this help\n";

static const char DATASET_HELP[] =
    "Usage: bovw dataset COMMAND [options]\n"
    "  scan ROOT -o DIR       list an image folder and split it into train/test\n"
    "  import-idx ...         IDX files (MNIST, Fashion-MNIST) into an image folder\n"
    "  augment MANIFEST ...   a larger training set by seeded shifts, turns, flips\n"
    "  toy -o DIR ...         two classes of points in the plane (rings, spirals)\n"
    "  edges -o ROOT          synthetic images of vertical and horizontal edges\n"
    "  clips -o DIR           short clips of a square moving one of four ways\n"
    "  signals -o DIR         noisy sines, square waves and sawtooths\n"
    "'bovw dataset COMMAND --help' tells more.\n";

enum {
  OPT_TRAIN = 1000, OPT_TEST, OPT_FRACTION, OPT_SORTED, OPT_SEED, OPT_ANY,
  OPT_VERIFY, OPT_IMAGES, OPT_LABELS, OPT_NAMES, OPT_COUNT, OPT_SHIFT, OPT_ROTATE,
  OPT_FLIP
};

static int scan(int argc, char **argv) {
  cli_set_command("bovw dataset scan");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"train-per-class", required_argument, 0, OPT_TRAIN},
      {"test-per-class", required_argument, 0, OPT_TEST},
      {"test-fraction", required_argument, 0, OPT_FRACTION},
      {"sorted", no_argument, 0, OPT_SORTED},
      {"seed", required_argument, 0, OPT_SEED},
      {"any-extension", no_argument, 0, OPT_ANY},
      {"verify", no_argument, 0, OPT_VERIFY},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_scan_options so = BOVW_SCAN_OPTIONS_DEFAULT;
  bovw_split_options sp = BOVW_SPLIT_OPTIONS_DEFAULT;
  const char *out_dir = NULL;
  int quiet = 0, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_TRAIN:
        if (!(rc = cli_parse_long("--train-per-class", optarg, 0, 1000000000, &v)))
          sp.train_per_class = (int)v;
        break;
      case OPT_TEST:
        if (!(rc = cli_parse_long("--test-per-class", optarg, 0, 1000000000, &v)))
          sp.test_per_class = (int)v;
        break;
      case OPT_FRACTION:
        rc = cli_parse_double("--test-fraction", optarg, 0, 1, &sp.test_fraction);
        break;
      case OPT_SORTED: sp.sorted = 1; break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &sp.seed); break;
      case OPT_ANY: so.any_extension = 1; break;
      case OPT_VERIFY: so.verify = 1; break;
      case 'j': rc = cli_parse_threads(optarg, &so.threads); break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, SCAN_HELP);
    }
  }
  if (rc || (rc = cli_one_argument(argc, "ROOT folder"))) return rc;
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  const char *root = argv[optind];

  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  bovw_manifest *all = NULL;
  bovw_scan_stats stats;
  size_t *train = NULL, *test = NULL, ntrain = 0, ntest = 0;
  int status = bovw_dataset_scan(root, &so, &monitor, &all, &stats, &err);
  if (!status)
    status = bovw_dataset_split(all, &sp, &monitor, &train, &ntrain, &test, &ntest, &err);
  if (!status)
    status = bovw_dataset_write(out_dir, root, all, train, ntrain, test, ntest, &sp,
                                &so, &stats, &err);
  cli_progress_end(&progress);
  if (status) {
    rc = cli_fail("%s", err.message);
  } else {
    printf("%zu images in %zu classes: %zu train, %zu test -> %s\n", all->count,
           all->num_classes, ntrain, ntest, out_dir);
    if (stats.not_images || stats.other_extension || stats.empty_classes)
      printf("skipped: %zu not readable as images, %zu without an image "
             "extension, %zu empty class folders\n",
             stats.not_images, stats.other_extension, stats.empty_classes);
  }
  free(train);
  free(test);
  bovw_manifest_free(all);
  return rc;
}

/* Reads a class-name file: one name a line, blank lines ignored. */
static char **read_names(const char *path, size_t *n) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char **names = NULL, line[512];
  *n = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0]) continue;
    char **grown = realloc(names, (*n + 1) * sizeof *grown);
    if (!grown || !(grown[*n] = strdup(line))) {
      free(grown ? grown : names);
      names = NULL;
      break;
    }
    names = grown;
    (*n)++;
  }
  fclose(f);
  return names;
}

static int import_idx(int argc, char **argv) {
  cli_set_command("bovw dataset import-idx");
  static const struct option options[] = {
      {"images", required_argument, 0, OPT_IMAGES},
      {"labels", required_argument, 0, OPT_LABELS},
      {"class-names", required_argument, 0, OPT_NAMES},
      {"output", required_argument, 0, 'o'},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *images_path = NULL, *labels_path = NULL, *names = NULL, *root = NULL;
  int quiet = 0, threads = 0, c, rc = CLI_OK;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case OPT_IMAGES: images_path = optarg; break;
      case OPT_LABELS: labels_path = optarg; break;
      case OPT_NAMES: names = optarg; break;
      case 'o': root = optarg; break;
      case 'j': rc = cli_parse_threads(optarg, &threads); break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, IMPORT_HELP);
    }
  }
  if (rc) return rc;
  if (optind != argc) return cli_usage("unexpected argument '%s'", argv[optind]);
  if (!images_path || !labels_path) return cli_usage("--images and --labels are required");
  if (!root) return cli_usage("no output folder: -o ROOT is required");

  char **class_names = NULL;
  size_t num_classes = 0;
  int own_names = 0;
  if (names && !strcmp(names, "fashion-mnist")) {
    class_names = (char **)bovw_fashion_mnist_classes;
    num_classes = 10;
  } else if (names) {
    if (!(class_names = read_names(names, &num_classes)) || !num_classes)
      return cli_fail("%s: cannot read class names (one name a line)", names);
    own_names = 1;
  }

  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  bovw_idx *images = NULL, *labels = NULL;
  int status = bovw_idx_read(images_path, &images, &err);
  if (!status) status = bovw_idx_read(labels_path, &labels, &err);
  if (!status)
    status = bovw_idx_import(images, labels, class_names, num_classes, root,
                             threads, &monitor, &err);
  cli_progress_end(&progress);
  if (status)
    rc = cli_fail("%s", err.message);
  else
    printf("%u images of %ux%u written under %s\n", images->dims[0],
           images->dims[2], images->dims[1], root);
  bovw_idx_free(images);
  bovw_idx_free(labels);
  if (own_names) {
    for (size_t i = 0; i < num_classes; i++) free(class_names[i]);
    free(class_names);
  }
  return rc;
}

static int augment(int argc, char **argv) {
  cli_set_command("bovw dataset augment");
  static const struct option options[] = {
      {"output", required_argument, 0, 'o'},
      {"count", required_argument, 0, OPT_COUNT},
      {"seed", required_argument, 0, OPT_SEED},
      {"shift", required_argument, 0, OPT_SHIFT},
      {"rotate", required_argument, 0, OPT_ROTATE},
      {"flip", no_argument, 0, OPT_FLIP},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bovw_augment_options ao = BOVW_AUGMENT_OPTIONS_DEFAULT;
  const char *out_dir = NULL;
  int quiet = 0, c, rc = CLI_OK;
  long v;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case OPT_COUNT:
        if (!(rc = cli_parse_long("--count", optarg, 1, 1000000000, &v))) ao.count = (size_t)v;
        break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, &ao.seed); break;
      case OPT_SHIFT:
        if (!(rc = cli_parse_long("--shift", optarg, 0, 4096, &v))) ao.shift = (int)v;
        break;
      case OPT_ROTATE: rc = cli_parse_double("--rotate", optarg, 0, 180, &ao.rotate); break;
      case OPT_FLIP: ao.flip = 1; break;
      case 'j': rc = cli_parse_threads(optarg, &ao.threads); break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, AUGMENT_HELP);
    }
  }
  if (rc || (rc = cli_one_argument(argc, "manifest"))) return rc;
  if (!out_dir) return cli_usage("no output folder: -o DIR is required");
  if (!ao.count) return cli_usage("--count N is required");

  cli_progress progress;
  bovw_monitor monitor = cli_progress_monitor(&progress, quiet);
  bovw_error err = {0};
  bovw_augment_stats st;
  int status = bovw_dataset_augment(argv[optind], out_dir, &ao, &monitor, &st, &err);
  cli_progress_end(&progress);
  if (status) return cli_fail("%s", err.message);
  printf("%zu images (%zu of them the sources) -> %s in %.1f s\n", st.images, st.originals,
         out_dir, st.seconds);
  if (st.skipped_sources)
    printf("skipped: %zu unreadable sources, %zu images not written\n", st.skipped_sources,
           st.skipped_images);
  if (st.removed) printf("removed %zu files an earlier run left in %s/images\n", st.removed, out_dir);
  return CLI_OK;
}

int cmd_dataset(int argc, char **argv) {
  cli_set_command("bovw dataset");
  static const cli_subcommand subs[] = {{"scan", scan}, {"import-idx", import_idx},
                                          {"augment", augment}, {"edges", cmd_dataset_edges},
                                          {"toy", cmd_dataset_toy}, {"clips", cmd_dataset_clips},
                                          {"signals", cmd_dataset_signals}};
  return cli_dispatch("dataset", argc, argv, DATASET_HELP, subs, sizeof subs / sizeof subs[0]);
}
