/* dataset.h: image folders into manifests, seeded train/test splits, IDX
 * files (MNIST, Fashion-MNIST) into image folders, and larger training sets
 * made from a manifest by seeded augmentation.
 *
 * A dataset folder has one subfolder per class; its name is the class name
 * and classes are numbered in byte order of their names (strcmp, not the
 * locale), so the same folder gives the same labels on every machine. */
#ifndef BOVW_DATASET_H
#define BOVW_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"
#include "bovw/image.h"
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

/* ---- augmentation (src/dataset/augment.c, augment_run.c) --------------------------- */

/* `bovw dataset augment`: a larger training set from a manifest's images by
 * seeded shifts, small rotations and optional mirroring. See the README's
 * dataset section and docs/augment.md for the geometry. */
typedef struct bovw_augment_options {
  size_t count;   /* images to write; at least the source's count (default 0:
                     required) */
  uint64_t seed;  /* which transforms (default 0) */
  int shift;      /* each copy moves by a whole number of pixels in [-shift,
                     shift] along x and along y (default 2) */
  double rotate;  /* and turns by an angle in [-rotate, rotate] degrees,
                     bilinear (default 10) */
  int flip;       /* 1: and is mirrored left-right with probability 1/2
                     (default 0: not every dataset keeps its labels mirrored,
                     digits do not) */
  int threads;    /* <= 0: all cores; changes no byte of the result */
} bovw_augment_options;

#define BOVW_AUGMENT_OPTIONS_DEFAULT {0, 0, 2, 10.0, 0, 0}

/* One copy's transform. Output pixel (x, y) shows the source at the point
 * that, mirrored (when flip), turned by `angle` degrees about the image
 * centre ((w-1)/2, (h-1)/2) and moved by (dx, dy), lands on (x, y). A
 * positive angle turns clockwise on screen (y grows downwards). */
typedef struct bovw_augment_transform {
  int dx, dy;
  double angle;
  int flip;
} bovw_augment_transform;

/* The transform of output image j, a function of (options->seed, j) alone:
 * a generator seeded from both draws dx, dy, the angle and the flip, in that
 * order, whatever the options (an option at 0 only zeroes its draw). */
void bovw_augment_draw(const bovw_augment_options *options, uint64_t j,
                       bovw_augment_transform *out);

/* Applies t to src into dst: 8-bit samples, interleaved, the size and
 * channels of src (what bovw_png_write takes). Bilinear; a point outside
 * src reads the background, per channel the median of src's outermost ring
 * of pixels (0 on Fashion-MNIST's black). With dx = dy = 0, angle 0 and no
 * flip, dst is src exactly, rounded to 8 bits. */
void bovw_augment_apply(const bovw_image *src, const bovw_augment_transform *t,
                        uint8_t *dst);

typedef struct bovw_augment_stats {
  size_t sources;          /* images the manifest lists */
  size_t images;           /* written and listed in DIR/train.tsv */
  size_t originals;        /* of which unchanged copies of the sources */
  size_t skipped_sources;  /* sources that could not be read */
  size_t skipped_images;   /* outputs left out for them */
  size_t removed;          /* files of an earlier run removed from DIR/images */
  double seconds;
} bovw_augment_stats;

/* Writes the augmented dataset artifact dir from the manifest at
 * manifest_path: dir/images/<class>/<j>.png for j in [0, count) (j
 * zero-padded: the sources unchanged first, in manifest order, then the
 * copies, each of a source taken in a seeded order), dir/train.tsv (same
 * classes, in the same order, paths relative to dir), dir/classes.txt and
 * dir/meta.json (kind "augmented"). A source that cannot be read is skipped
 * with one warning, its outputs left out and counted; any other failure
 * (writing, memory) stops the run with nothing committed. stats may be
 * NULL. */
int bovw_dataset_augment(const char *manifest_path, const char *dir,
                         const bovw_augment_options *options,
                         const bovw_monitor *monitor, bovw_augment_stats *stats,
                         bovw_error *err);

/* ---- synthetic edges (src/dataset/edges.c) ------------------------------------------ */

/* `bovw dataset edges`: gray images with one vertical step edge (class 0,
 * "vertical") or one horizontal step edge (class 1, "horizontal"), each of
 * its own brightness, step size and sign, with Gaussian noise: the data on
 * which a 1x2 convolution learns the difference of horizontal neighbours
 * (docs/lecture/03-fc-vs-conv.md). */
typedef struct bovw_edges_options {
  int per_class;                        /* images of each class: 500 */
  int height, width;                    /* 28 x 28 */
  double brightness_min, brightness_max; /* an image's level, in [0, 1]: 0.2 to 0.8 */
  double contrast_min, contrast_max;    /* the step's size: 0.1 to 0.4 */
  double noise;                         /* deviation of the pixel noise: 0.02 */
  int rising;                           /* 1: every step goes up (darker before,
                                           lighter after); 0: up or down */
  uint64_t seed;                        /* 0 */
  int threads;                          /* <= 0: all cores */
} bovw_edges_options;

/* The class names, in label order: "vertical", "horizontal". */
extern const char *const bovw_edges_classes[2];

void bovw_edges_options_default(bovw_edges_options *o);
/* NULL when the options make sense, else a sentence saying what is wrong. */
const char *bovw_edges_options_check(const bovw_edges_options *o);
/* Draws image j of the vertical class (vertical = 1) or the horizontal one
 * (0) into pixels (height x width bytes, row-major): a function of
 * (o->seed, vertical, j) alone. Returns the first column right of the
 * step (vertical) or the first row below it (horizontal). */
int bovw_edges_draw(const bovw_edges_options *o, int vertical, size_t j, uint8_t *pixels);
/* Writes root/0_vertical/<j>.png and root/1_horizontal/<j>.png, j from 0 to
 * per_class - 1 zero-padded (PNG files an earlier run left in those
 * folders are removed first), then root/meta.json (kind "images", the
 * options): an image folder for `bovw dataset scan`. */
int bovw_dataset_edges(const char *root, const bovw_edges_options *o,
                       const bovw_monitor *monitor, bovw_error *err);

#endif
