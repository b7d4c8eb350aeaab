/* encode.h: one vector per image from its descriptors and a codebook:
 * visual-word histograms over a spatial pyramid, VLAD or Fisher vectors,
 * normalised and optionally mapped by a homogeneous kernel map; and reading
 * the encodings artifact back.
 *
 * The order of operations, for every encoding:
 *  1. each descriptor goes through the codebook's chain (root SIFT, PCA,
 *     x,y); descriptors zeroed for low contrast are left out entirely;
 *  2. each descriptor falls in one cell of every pyramid level, by its
 *     position relative to the image size (level "2x2": 2 columns, 2 rows);
 *  3. per cell: a histogram of nearest words (hist), VLAD (vl_vlad_encode,
 *     hard assignment, unnormalised), or an improved Fisher vector
 *     (vl_fisher_encode: signed square root and L2 inside each cell);
 *  4. hist, when level_l1 is set (the default): each pyramid level is
 *     L1-normalised, as VLFeat's phow_caltech101 does;
 *  5. the `norms` list, in the order given, on the whole vector;
 *  6. the kernel map, which multiplies the dimension by 2 order + 1. */
#ifndef BOVW_ENCODE_H
#define BOVW_ENCODE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "bovw/codebook.h"
#include "bovw/error.h"
#include "bovw/monitor.h"
#include "bovw/npy.h"

typedef enum bovw_encoding {
  BOVW_ENCODING_HIST = 0,
  BOVW_ENCODING_VLAD,
  BOVW_ENCODING_FISHER
} bovw_encoding;

typedef enum bovw_assign {
  BOVW_ASSIGN_EXACT = 0, /* nearest word by blocked matrix products */
  BOVW_ASSIGN_ANN,       /* VLFeat's kd-forest, bounded comparisons */
  BOVW_ASSIGN_PRERANK    /* ranked in the centres' first principal directions,
                            the best few measured exactly */
} bovw_assign;

typedef enum bovw_norm {
  BOVW_NORM_L1 = 0, /* divide by the sum of absolute values */
  BOVW_NORM_L2,     /* divide by the Euclidean norm */
  BOVW_NORM_SQRT,   /* signed square root (Hellinger for histograms) */
  BOVW_NORM_POWER   /* sign(x) |x|^power_alpha */
} bovw_norm;

typedef enum bovw_kernel_map {
  BOVW_KMAP_NONE = 0,
  BOVW_KMAP_CHI2,
  BOVW_KMAP_INTERSECTION,
  BOVW_KMAP_JS
} bovw_kernel_map;

#define BOVW_MAX_LEVELS 8
#define BOVW_MAX_NORMS 8

typedef struct bovw_encode_params {
  bovw_encoding encoding;            /* hist */
  int levels;                        /* pyramid levels */
  int level_x[BOVW_MAX_LEVELS];      /* columns of each level */
  int level_y[BOVW_MAX_LEVELS];      /* rows of each level */
  int level_l1;                      /* hist: L1-normalise each level (1) */
  bovw_assign assign;                /* exact */
  int ann_checks;                    /* ANN: comparisons per query (15) */
  int ann_trees;                     /* ANN: trees in the forest (1) */
  int prerank_dims;                  /* prerank: principal directions (24) */
  int prerank_candidates;            /* prerank: words measured exactly (8) */
  int num_norms;
  bovw_norm norms[BOVW_MAX_NORMS];   /* hist: l1; vlad: sqrt,l2; fisher: l2 */
  double power_alpha;                /* 0.5 */
  bovw_kernel_map kernel_map;        /* hist: chi2; others: none */
  int kernel_order;                  /* 1 */
  double kernel_gamma;               /* 0.5 */
} bovw_encode_params;

/* The defaults of an encoding: hist is the reference recipe (2x2 and 4x4,
 * l1, chi2 map of order 1, gamma 0.5); vlad and fisher use the pyramid
 * 1x1,2x2,3x1, no kernel map, and sqrt,l2 (vlad) or l2 (fisher). */
void bovw_encode_params_default(bovw_encode_params *p, bovw_encoding encoding);
/* Parses "2x2,4x4" (columns x rows, comma separated). */
int bovw_encode_parse_pyramid(const char *text, bovw_encode_params *p,
                              bovw_error *err);
/* Parses "l1,sqrt,l2". */
int bovw_encode_parse_norms(const char *text, bovw_encode_params *p,
                            bovw_error *err);
const char *bovw_encoding_name(bovw_encoding e);
int bovw_encoding_parse(const char *name, bovw_encoding *out);
const char *bovw_kernel_map_name(bovw_kernel_map k);
const char *bovw_assign_name(bovw_assign a);
int bovw_assign_parse(const char *name, bovw_assign *out);
int bovw_kernel_map_parse(const char *name, bovw_kernel_map *out);
const char *bovw_norm_name(bovw_norm n);
cJSON *bovw_encode_params_to_json(const bovw_encode_params *p);
int bovw_encode_params_from_json(const cJSON *json, bovw_encode_params *p,
                                 bovw_error *err);
/* NULL when valid, else what is wrong. */
const char *bovw_encode_params_check(const bovw_encode_params *p);

/* The dimension of one encoding with this codebook. */
size_t bovw_encode_dim(const bovw_encode_params *p, const bovw_codebook *cb);

/* ---- encoding one image ------------------------------------------------------ */

typedef struct bovw_encoder bovw_encoder;

/* An encoder for one thread (scratch buffers and, for ANN, a kd-forest
 * searcher); the codebook must outlive it. Encoders made from one "shared"
 * object share the kd-forest: make them with bovw_encoder_new_group. */
int bovw_encoder_new_group(const bovw_encode_params *p, const bovw_codebook *cb,
                           int count, bovw_encoder **out, bovw_error *err);
void bovw_encoder_free_group(bovw_encoder *group, int count);

/* Encodes one image: n raw descriptors (uint8 or float32 as the codebook's
 * features) and their frames, image size width x height; writes
 * bovw_encode_dim floats to out. *voting returns how many descriptors voted. */
int bovw_encoder_encode(bovw_encoder *self, const void *raw, const float *frames,
                        size_t n, int width, int height, float *out,
                        size_t *voting, bovw_error *err);
/* The i-th encoder of a group. */
bovw_encoder *bovw_encoder_at(bovw_encoder *group, int i);

/* ---- a features artifact into an encodings artifact ------------------------- */

typedef struct bovw_encode_options {
  bovw_encode_params params;
  int threads;              /* <= 0: all cores */
  const char *libsvm_path;  /* also write libsvm text here, or NULL */
  int shard_index;          /* 1..shard_count: this run encodes one contiguous */
  int shard_count;          /* slice of the images; 0 or 1: all of them */
} bovw_encode_options;

int bovw_encode_run(const char *features_dir, const char *codebook_dir,
                    const bovw_encode_options *o, const char *out_dir,
                    const bovw_monitor *monitor, bovw_error *err);

/* Concatenates the shards of one encoding (bovw_encode_run with shard
 * I of N, all N of them, in any order) into out_dir, in image order: the
 * arrays are byte for byte those of the unsharded run. Refuses shards of
 * other features, codebooks or settings, a missing or repeated shard, and
 * non-shards, naming the folder. */
int bovw_encodings_merge(char *const *shard_dirs, size_t num_shards, const char *out_dir,
                         const bovw_monitor *monitor, bovw_error *err);

/* ---- compressed encodings: product quantisation ------------------------------- */

/* How a quantiser's centroids are learned: k-means per sub-vector position
 * (product quantisation), or one bit per dimension, its sign (binarisation;
 * each dimension's two values the means of the sample's positive and
 * non-positive entries). */
typedef enum { BOVW_PQ_KMEANS = 0, BOVW_PQ_SIGN = 1 } bovw_pq_method;

/* A quantiser (pq.c): rows of dim floats cut into subs = dim / group
 * sub-vectors, each coded by one byte, the index of the nearest of k =
 * 2^code_bits centroids learned for its position (code_bits / group bits
 * per dimension). */
typedef struct bovw_pq {
  bovw_pq_method method;
  int group, code_bits, k;
  size_t dim, subs;
  float *centroids;  /* subs x k x group */
} bovw_pq;

/* An untrained quantiser (centroids zero); refuses code_bits outside 1..8
 * (the sign method: code_bits == group), a group outside 1..64 and a dim
 * that group does not divide. */
int bovw_pq_new(size_t dim, int group, int code_bits, bovw_pq_method method, bovw_pq **out,
                bovw_error *err);
/* Learns the centroids on a seeded sample of at most `sample` of the n rows
 * (rows(ctx, i) gives row i): k-means++ then 10 Lloyd iterations for each
 * position on its own (seeded by seed and the position, so the result does
 * not depend on the thread count), or the sign method's means. */
int bovw_pq_train(const float *x, size_t n, size_t dim, int group, int code_bits,
                  bovw_pq_method method, size_t sample, uint64_t seed, int threads, bovw_pq **out,
                  bovw_error *err);
/* One row into subs bytes (the nearest centroid, ties to the lower index;
 * for the sign method, bit t of a byte is dimension t's sign), and back. */
void bovw_pq_encode(const bovw_pq *self, const float *row, uint8_t *code);
/* count rows (count x dim) into count x subs bytes: faster than a row at a
 * time (each position's table is prepared once). */
void bovw_pq_encode_rows(const bovw_pq *self, const float *x, size_t count, uint8_t *codes);
void bovw_pq_decode(const bovw_pq *self, const uint8_t *code, float *row);
/* The squared error of a coded row against the row, and the row's squared
 * norm (what meta.json's relative_error sums). */
void bovw_pq_row_error(const bovw_pq *self, const float *row, const uint8_t *code, double *err,
                       double *norm);
/* Dimensions [c0, c0 + cw) of a coded row into out (cw floats). */
void bovw_pq_decode_range(const bovw_pq *self, const uint8_t *code, size_t c0, size_t cw,
                          float *out);
const char *bovw_pq_method_name(bovw_pq_method method);
void bovw_pq_free(bovw_pq *self);

typedef struct bovw_compress_options {
  bovw_pq_method method;  /* k-means (product quantisation) */
  int group;              /* dimensions per sub-vector (8) */
  double bits;            /* bits per dimension (1): 2^(group bits) centroids */
  size_t sample;          /* rows the centroids are learned from (4096) */
  uint64_t seed;          /* 0 */
  const char *like;       /* a codes folder whose quantiser to use, or NULL */
  int threads;            /* <= 0: all cores */
} bovw_compress_options;

void bovw_compress_options_default(bovw_compress_options *o);

/* An encodings artifact into a codes artifact (docs/formats.md): codes.npy
 * (uint8, rows x subs), centroids.npy, labels.npy and a meta.json with the
 * quantiser's settings and checksum, the source encodings' identity and the
 * reconstruction error. With o->like, the quantiser of that codes folder
 * (whose encodings must have been made like these) instead of a new one. */
int bovw_compress_run(const char *encodings_dir, const bovw_compress_options *o,
                      const char *out_dir, const bovw_monitor *monitor, bovw_error *err);

/* A codes artifact back into an encodings artifact of the same identity
 * (settings, codebook, features), each row its centroids. */
int bovw_decompress_run(const char *codes_dir, const char *out_dir, const bovw_monitor *monitor,
                        bovw_error *err);

/* ---- images straight into encodings or codes (fused.c) ------------------------ */

typedef struct bovw_encode_images_stats {
  size_t images, skipped;
  double seconds;
  /* summed over threads: reading and PHOW, encoding, coding */
  double extract_thread_seconds, encode_thread_seconds, code_thread_seconds;
} bovw_encode_images_stats;

/* Every image of the manifest extracted with the codebook's extraction
 * settings and encoded, in one pass, without descriptors on disk: an
 * encodings artifact, or with codes_like (a codes folder whose quantiser was
 * learned on rows made like these) a codes artifact. Bad images are
 * skipped with a warning and counted; the rows of the others are in
 * manifest order whatever the thread count. */
int bovw_encode_images_run(const char *manifest_path, const char *codebook_dir,
                           const bovw_encode_options *o, const char *codes_like,
                           const char *out_dir, const bovw_monitor *monitor,
                           bovw_encode_images_stats *stats, bovw_error *err);

/* Reads the encoding parameters and codebook path of an encodings artifact
 * (for --like). *codebook_dir is a new string. */
int bovw_encode_params_like(const char *encodings_dir, bovw_encode_params *p,
                            char **codebook_dir, bovw_error *err);

/* ---- raw pixels: a baseline without descriptors ------------------------------ */

/* Images of a manifest as vectors of their pixels: each image decoded (gray
 * or RGB), resampled to exactly width x height (bovw_image_load_sized:
 * aspect ratio not kept), its values in [0, 1] laid out as the channel
 * planes row by row (C x H x W, the layout of `bovw nn`), and with
 * `standardize` shifted and scaled to mean 0 and deviation 1 within the
 * image (an image of one flat colour becomes all zeros). The result is an
 * encodings artifact like any other, so train, eval and nn read it; its
 * params ({"encoding": "pixels", ...}) are its identity. */
typedef struct bovw_pixels_params {
  int width, height;   /* 32 x 32 */
  int channels;        /* 1 (gray) or 3 (RGB) */
  int standardize;     /* 0 */
} bovw_pixels_params;

void bovw_pixels_params_default(bovw_pixels_params *p);
/* NULL when valid, else what is wrong. */
const char *bovw_pixels_params_check(const bovw_pixels_params *p);
/* Reads the pixel parameters of an encodings artifact (for --like); refuses
 * encodings that are not pixels (BOVW_ERR_MISMATCH). */
int bovw_pixels_params_like(const char *encodings_dir, bovw_pixels_params *p,
                            bovw_error *err);

/* Encodes every image of the manifest into out_dir (encodings.npy,
 * labels.npy, meta.json). An image that cannot be read is skipped with a
 * warning and counted (meta.json's "skipped"); none readable is an error.
 * threads <= 0: all cores. */
int bovw_encode_pixels_run(const char *manifest_path, const bovw_pixels_params *p, int threads,
                           const char *out_dir, const bovw_monitor *monitor, bovw_error *err);

/* ---- reading encodings --------------------------------------------------------- */

typedef struct bovw_encodings {
  cJSON *meta;        /* for codes: the compressed encodings' identity */
  size_t count, dim;
  bovw_npy *vectors;  /* count x dim float32; NULL for codes */
  bovw_npy *labels;   /* count int32 */
  size_t num_classes;
  char **class_names; /* from the features' manifest */
  /* Codes (bovw compress): rows decoded a block at a time. */
  bovw_npy *codes;    /* count x subs uint8, or NULL */
  bovw_pq *pq;
  char quantiser_sha256[65];  /* of centroids.npy; "" for dense encodings */
  cJSON *codes_params;        /* the codes' own params; NULL for dense */
} bovw_encodings;

/* Dense encodings (encodings.npy) only. */
int bovw_encodings_open(const char *dir, bovw_encodings **out, bovw_error *err);
/* Dense encodings or codes, told apart by meta.json's kind. */
int bovw_encodings_open_any(const char *dir, bovw_encodings **out, bovw_error *err);

/* Columns [c0, c0 + cw) of row i: a pointer into the mapped rows (dense),
 * or decoded into buf (cw floats) and buf returned (codes). */
const float *bovw_encodings_row(const bovw_encodings *enc, size_t i, size_t c0, size_t cw,
                                float *buf);
/* bovw_sgemm_rows's row source over enc (ctx: the encodings). */
const float *bovw_encodings_block(const void *enc, size_t first, size_t count, float *buf);

/* Checks encodings against what a classifier recorded of its training
 * encodings: `identity` is their meta.json's params and codebook (as a
 * model's or net's "encodings" object holds them) and `dim` their
 * dimension. A different dimension, codebook (by checksum) or encoding
 * setting is refused with a message naming it; `who` names the classifier
 * in messages ("model", "net"). */
int bovw_encodings_check_identity(const bovw_encodings *enc, const char *enc_name,
                                  const cJSON *identity, size_t dim, const char *who,
                                  bovw_error *err);
void bovw_encodings_free(bovw_encodings *self);

/* The SHA-256 of the manifest the encodings' images were listed in (from
 * their features, or the manifest itself for raw pixels), or NULL when the
 * meta.json does not record it. Points into enc->meta. */
const char *bovw_encodings_manifest_sha256(const bovw_encodings *enc);

#endif
