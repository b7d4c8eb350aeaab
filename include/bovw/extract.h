/* extract.h: dense multi-scale SIFT (PHOW) over a manifest, into a features
 * artifact; and reading such an artifact back.
 *
 * PHOW (Bosch, Zisserman, Munoz, "Image classification using random forests
 * and ferns", ICCV 2007), as VLFeat's vl_phow computes it: for each bin size
 * s, smooth the image with a Gaussian of sigma = s / magnif, run dense SIFT
 * (vl_dsift) with that bin size on a grid of `step` pixels, and offset the
 * grid per size so that every size has the same keypoint centres. A
 * descriptor whose contrast (the norm vl_dsift reports) is below the
 * threshold is set to zero, not dropped, so every image keeps a full grid.
 * docs/extract.md has the details and where bovw departs from vl_phow. */
#ifndef BOVW_EXTRACT_H
#define BOVW_EXTRACT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"
#include "bovw/image.h"
#include "bovw/manifest.h"
#include "bovw/monitor.h"
#include "bovw/npy.h"

#define BOVW_MAX_SIZES 8

typedef enum bovw_color {
  BOVW_COLOR_GRAY = 0, /* 128-D */
  BOVW_COLOR_RGB,      /* 3 x 128-D, one descriptor per channel, concatenated */
  BOVW_COLOR_HSV,
  BOVW_COLOR_OPPONENT
} bovw_color;

/* The extraction parameters. Their names are the command-line options' and
 * the keys of meta.json's "params" (with '-' for '_'). */
typedef struct bovw_extract_params {
  int sizes[BOVW_MAX_SIZES];  /* bin sizes in pixels: 4,6,8,10 */
  int num_sizes;
  int step;                   /* grid step in pixels: 3 */
  bovw_color color;           /* gray */
  int max_side;               /* shrink larger images to this: 480 (0: never) */
  int min_side;               /* enlarge images whose longer side is below
                                 this to it: 0 (never); for tiny images such
                                 as Fashion-MNIST's 28 x 28 */
  double contrast_threshold;  /* 0.005 */
  double magnif;              /* 6: sigma = size / magnif */
  double window_size;         /* 1.5 bins */
  int fast;                   /* 1: flat window (vl_dsift's fast mode) */
  int float_descriptors;      /* 0: uint8 min(512 x, 255); 1: float32 x */
} bovw_extract_params;

/* Fills p with the defaults above. */
void bovw_extract_params_default(bovw_extract_params *p);
/* NULL when the parameters make sense, else a sentence saying what is wrong. */
const char *bovw_extract_params_check(const bovw_extract_params *p);
/* Descriptor dimension: 128 for gray, 384 for colour. */
int bovw_extract_params_dim(const bovw_extract_params *p);
const char *bovw_color_name(bovw_color c);
int bovw_color_parse(const char *name, bovw_color *out);

/* To and from JSON (an object with one key per field). */
cJSON *bovw_extract_params_to_json(const bovw_extract_params *p);
int bovw_extract_params_from_json(const cJSON *json, bovw_extract_params *p,
                                  bovw_error *err);
/* 1 when a and b give the same descriptors, else 0 and, when diff is not
 * NULL, a sentence naming the first difference with the names given
 * ("step is 3 in the codebook, 4 in feat/test"). */
int bovw_extract_params_equal(const bovw_extract_params *a,
                              const bovw_extract_params *b, const char *name_a,
                              const char *name_b, char *diff, size_t diff_size);

/* ---- one image ----------------------------------------------------------- */

/* Descriptors of one image. Row k of descriptors (dim values, uint8 or
 * float32 as the params say) goes with frames[4k .. 4k+3] = x, y, bin size,
 * contrast, in the pixel coordinates of the image as decoded (before any
 * shrinking; pixel centres at integers). */
typedef struct bovw_phow_result {
  size_t count;        /* keypoints */
  size_t zeroed;       /* of which below the contrast threshold */
  int dim;
  void *descriptors;   /* count x dim, owned by the bovw_phow object */
  float *frames;       /* count x 4, owned by the bovw_phow object */
  int width, height;   /* the image's size as decoded */
} bovw_phow_result;

/* A PHOW extractor: buffers and VLFeat filters reused from image to image.
 * Not shared between threads: make one per thread. */
typedef struct bovw_phow bovw_phow;

int bovw_phow_new(const bovw_extract_params *params, bovw_phow **out,
                  bovw_error *err);
void bovw_phow_free(bovw_phow *self);
/* Extracts from an image (1 channel for gray, 3 for the colour spaces; a
 * gray image is repeated into three channels when colour is asked). The
 * result points into self and stays valid until the next call. */
int bovw_phow_process(bovw_phow *self, const bovw_image *image,
                      bovw_phow_result *result, bovw_error *err);

/* ---- a manifest into a features artifact --------------------------------- */

typedef struct bovw_extract_options {
  bovw_extract_params params;
  int threads;      /* <= 0: all cores */
  int shard_index;  /* 1..shard_count: this run does one contiguous slice */
  int shard_count;  /* 1: the whole manifest */
} bovw_extract_options;

typedef struct bovw_extract_stats {
  size_t images, skipped, descriptors, zeroed;
  double seconds;
} bovw_extract_stats;

/* Extracts every image of the manifest (or of its shard) into out_dir:
 * descriptors.npy, frames.npy, offsets.npy, image_size.npy, labels.npy,
 * images.tsv and meta.json (see docs/formats.md). A bad image is skipped with
 * a warning and listed in images.tsv. Results stream to disk in manifest
 * order, the same for any thread count. `manifest_path` is recorded. */
int bovw_extract_run(const bovw_manifest *manifest, const char *manifest_path,
                     const bovw_extract_options *options, const char *out_dir,
                     const bovw_monitor *monitor, bovw_extract_stats *stats,
                     bovw_error *err);

/* Concatenates the shards of one extraction (all of 1/N .. N/N, same
 * parameters, same manifest) into out_dir, in manifest order. */
int bovw_features_merge(char *const *shard_dirs, size_t num_shards,
                        const char *out_dir, const bovw_monitor *monitor,
                        bovw_error *err);

/* ---- reading a features artifact ----------------------------------------- */

typedef struct bovw_features {
  bovw_extract_params params;
  cJSON *meta;
  size_t num_images;
  int dim;
  bovw_npy *descriptors;  /* N x dim, uint8 or float32 */
  bovw_npy *frames;       /* N x 4 float32 */
  bovw_npy *offsets;      /* num_images + 1 int64 */
  bovw_npy *image_size;   /* num_images x 2 int32: width, height */
  bovw_npy *labels;       /* num_images int32 */
} bovw_features;

/* Maps a features artifact and checks that its arrays agree with each other
 * and with meta.json. Free with bovw_features_free. */
int bovw_features_open(const char *dir, bovw_features **out, bovw_error *err);
void bovw_features_free(bovw_features *self);

#endif
