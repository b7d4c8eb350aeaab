/* dataset.h: image folders into manifests, seeded train/test splits, and
 * IDX files (MNIST, Fashion-MNIST) into image folders.
 *
 * A dataset folder has one subfolder per class; its name is the class name
 * and classes are numbered in byte order of their names (strcmp, not the
 * locale), so the same folder gives the same labels on every machine. */
#ifndef BOVW_DATASET_H
#define BOVW_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"
#include "bovw/manifest.h"
#include "bovw/monitor.h"

typedef struct bovw_scan_options {
  /* 0 (default): only files named *.jpg, *.jpeg, *.png, *.pgm, *.ppm, *.pnm
   * (any case) are candidates, the convention of the published protocols; 1:
   * every file is, and its content decides. */
  int any_extension;
  /* 0 (default): a candidate counts when its header parses as an image;
   * 1: it must decode completely (slower; catches truncated files). */
  int verify;
  int threads;  /* <= 0: all cores */
} bovw_scan_options;

#define BOVW_SCAN_OPTIONS_DEFAULT {0, 0, 0}

typedef struct bovw_scan_stats {
  size_t images;           /* listed in the manifest */
  size_t classes;
  size_t not_images;       /* candidates whose content is not a readable image */
  size_t other_extension;  /* files skipped for their name */
  size_t empty_classes;    /* class folders left out for having no image */
} bovw_scan_stats;

/* Lists root's images: paths relative to root, labels by class folder, in
 * class then file-name order. Every file skipped is reported through the
 * monitor's warning, in that order, whatever the thread count. */
int bovw_dataset_scan(const char *root, const bovw_scan_options *options,
                      const bovw_monitor *monitor, bovw_manifest **out,
                      bovw_scan_stats *stats, bovw_error *err);

typedef struct bovw_split_options {
  int train_per_class;   /* >= 0: this many per class for training */
  int test_per_class;    /* >= 0: at most this many per class for testing;
                            < 0: all the rest */
  double test_fraction;  /* used when train_per_class < 0: the share of each
                            class (rounded) that goes to test */
  uint64_t seed;         /* which images: a seeded shuffle per class */
  int sorted;            /* 1: no shuffle, take images in name order (the
                            "first 15 / next 15" protocol) */
} bovw_split_options;

#define BOVW_SPLIT_OPTIONS_DEFAULT {-1, -1, 0.25, 0, 0}

/* Chooses train and test rows of `all`, stratified by class. Each list is
 * in manifest order (new arrays, free them). A class too small for the
 * counts asked gets what it has, training first, with a warning. */
int bovw_dataset_split(const bovw_manifest *all, const bovw_split_options *options,
                       const bovw_monitor *monitor, size_t **train,
                       size_t *ntrain, size_t **test, size_t *ntest,
                       bovw_error *err);

/* Writes a dataset artifact into dir: classes.txt, all.tsv, train.tsv,
 * test.tsv and meta.json (kind "dataset": root, options, counts). */
int bovw_dataset_write(const char *dir, const char *root,
                       const bovw_manifest *all, const size_t *train,
                       size_t ntrain, const size_t *test, size_t ntest,
                       const bovw_split_options *split,
                       const bovw_scan_options *scan,
                       const bovw_scan_stats *stats, bovw_error *err);

/* An IDX file (the MNIST format): a big-endian magic whose third byte is the
 * type (0x08 = unsigned byte, the only one supported) and fourth the number
 * of dimensions, then the dimensions as big-endian uint32, then the data. */
typedef struct bovw_idx {
  int ndim;
  uint32_t dims[4];
  size_t count;    /* product of dims */
  uint8_t *data;   /* owned */
} bovw_idx;

/* Reads an IDX file, gzip-compressed or not (told apart by content). Bad
 * magic, unsupported types and truncated data are errors naming the file. */
int bovw_idx_read(const char *path, bovw_idx **out, bovw_error *err);
void bovw_idx_free(bovw_idx *self);

/* The ten Fashion-MNIST class names, made safe for folder names. */
extern const char *const bovw_fashion_mnist_classes[10];

/* Writes images (N x H x W) with labels (N) as root/<class>/<index>.png:
 * folder names are "<label>_<name>" with the label zero-padded, so that
 * `bovw dataset scan` numbers classes as the IDX labels do; file names are
 * the zero-padded image index. class_names may be NULL (names are then the
 * label alone). A label >= num_classes is an error. */
int bovw_idx_import(const bovw_idx *images, const bovw_idx *labels,
                    char *const *class_names, size_t num_classes,
                    const char *root, int threads, const bovw_monitor *monitor,
                    bovw_error *err);

#endif
