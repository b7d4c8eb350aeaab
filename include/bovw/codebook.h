/* codebook.h: a visual vocabulary from sampled descriptors: k-means centres,
 * and optionally a PCA of the descriptors and a diagonal GMM (for Fisher
 * vectors), written as a codebook artifact that later stages reuse.
 *
 * The chain a descriptor goes through is recorded and replayed by encode:
 *   uint8/float SIFT -> [root: sqrt of the L1-normalised vector]
 *   -> [PCA to D, whitened or not] -> [x, y appended, relative to the image]
 * and the codebook keeps the extraction parameters of the features it was
 * built from, so that descriptors made otherwise are refused by name. */
#ifndef BOVW_CODEBOOK_H
#define BOVW_CODEBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"
#include "bovw/extract.h"
#include "bovw/monitor.h"
#include "bovw/npy.h"

typedef enum bovw_kmeans_algorithm {
  BOVW_KMEANS_ELKAN = 0, /* VLFeat's Elkan (exact, triangle-inequality bounds) */
  BOVW_KMEANS_LLOYD,     /* VLFeat's Lloyd (exact) */
  BOVW_KMEANS_ANN,       /* VLFeat's Lloyd with kd-forest assignments */
  BOVW_KMEANS_BLAS       /* bovw's Lloyd: assignments as one blocked sgemm */
} bovw_kmeans_algorithm;

typedef enum bovw_kmeans_init {
  BOVW_INIT_PLUSPLUS = 0, /* k-means++ (Arthur and Vassilvitskii, 2007) */
  BOVW_INIT_RANDOM        /* k distinct random samples */
} bovw_kmeans_init;

typedef struct bovw_codebook_options {
  int k;                            /* words: 600 */
  size_t samples;                   /* descriptors sampled: 100000 */
  bovw_kmeans_algorithm algorithm;  /* elkan */
  bovw_kmeans_init init;            /* kmeans++ */
  int iterations;                   /* 50 */
  int repetitions;                  /* 1; the lowest energy is kept */
  int rootsift;                     /* 0 */
  int pca_dim;                      /* 0: no PCA */
  int whiten;                       /* 0 */
  int augment_xy;                   /* 0 */
  int gmm;                          /* 0: no GMM */
  uint64_t seed;                    /* 0 */
  int threads;                      /* <= 0: all cores */
  int keep_sample;                  /* 0; 1: also write sample.npy, the
                                       transformed descriptors clustered */
} bovw_codebook_options;

void bovw_codebook_options_default(bovw_codebook_options *o);
const char *bovw_kmeans_algorithm_name(bovw_kmeans_algorithm a);
int bovw_kmeans_algorithm_parse(const char *name, bovw_kmeans_algorithm *out);

/* ---- k-means on a matrix ---------------------------------------------------- */

typedef struct bovw_kmeans_result {
  float *centers;       /* k x dim, owned (free) */
  double energy;        /* sum of squared distances to the nearest centre */
  int iterations;       /* of the kept repetition */
  double *energies;     /* energy after each iteration of the kept repetition
                           (iterations values, owned); NULL for VLFeat's
                           algorithms, which do not report them */
  const char *algorithm_used; /* may differ from the one asked (memory) */
  char note[256];       /* why, when it differs */
} bovw_kmeans_result;

/* Clusters n rows of `data` (n x dim floats) into k centres. Seeded: the
 * same seed gives the same centres. k > n, n == 0 or a non-finite value is an
 * error. */
int bovw_kmeans(const float *data, size_t n, int dim, int k,
                bovw_kmeans_algorithm algorithm, bovw_kmeans_init init,
                int iterations, int repetitions, uint64_t seed, int threads,
                const bovw_monitor *monitor, bovw_kmeans_result *out,
                bovw_error *err);
void bovw_kmeans_result_clear(bovw_kmeans_result *r);

/* Index of the nearest of k centres for each of n rows (exact, BLAS). */
int bovw_nearest_centers(const float *data, size_t n, int dim,
                         const float *centers, int k, int32_t *assign,
                         float *dist2, int threads, bovw_error *err);

/* The same on the calling thread alone, for callers that parallelise over
 * images themselves (they set OpenBLAS to one thread first, with
 * openblas_set_num_threads(1)). cnorm holds the centres' squared norms;
 * scratch holds bovw_nearest_scratch_size(k) floats. */
void bovw_nearest_centers_1(const float *data, size_t n, int dim, const float *centers,
                            const float *cnorm, int k, int32_t *assign, float *scratch);
size_t bovw_nearest_scratch_size(int k);

/* ---- PCA -------------------------------------------------------------------- */

typedef struct bovw_pca {
  int in_dim, out_dim, whiten;
  float *mean;        /* in_dim */
  float *components;  /* out_dim x in_dim, rows are unit principal axes */
  float *variances;   /* out_dim eigenvalues, descending */
} bovw_pca;

/* Fits a PCA of n rows (n x in_dim) keeping out_dim components (LAPACK's
 * ssyevd on the covariance). Free with bovw_pca_free. */
int bovw_pca_fit(const float *data, size_t n, int in_dim, int out_dim, int whiten,
                 bovw_pca **out, bovw_error *err);
void bovw_pca_free(bovw_pca *self);
/* y = P (x - mean), divided by sqrt(variance + eps) per component when
 * whitening, for n rows at once (one matrix product). `in` is centred in
 * place (it holds x - mean afterwards); in and out may not overlap. */
void bovw_pca_apply(const bovw_pca *self, float *in, size_t n, float *out);

/* ---- GMM ------------------------------------------------------------------- */

/* A diagonal GMM of n rows, started from a k-means partition (each
 * component's mean its centre, its variances and prior those of its points)
 * and refined by EM (VLFeat's vl_gmm_em, at most `iterations`). New arrays:
 * means and variances k x dim, priors k. *loglik is the final
 * log-likelihood. */
int bovw_gmm_fit(const float *data, size_t n, int dim, const float *centers, int k,
                 int iterations, int threads, float **means, float **variances,
                 float **priors, double *loglik, const bovw_monitor *monitor,
                 bovw_error *err);

/* ---- the codebook artifact ---------------------------------------------------- */

typedef struct bovw_codebook {
  bovw_extract_params features;  /* what the descriptors must be */
  int k, dim;                    /* dim: of the transformed descriptors */
  int rootsift, augment_xy;
  float *centers;                /* k x dim */
  bovw_pca *pca;                 /* NULL without PCA */
  float *gmm_means, *gmm_variances, *gmm_priors; /* NULL without GMM */
  char sha256[65];               /* of centers.npy: the codebook's identity */
  cJSON *meta;
} bovw_codebook;

/* Samples descriptors from a features artifact, fits the transforms and
 * k-means (and the GMM), and writes the codebook artifact into out_dir. */
int bovw_codebook_build(const char *features_dir, const bovw_codebook_options *o,
                        const char *out_dir, const bovw_monitor *monitor,
                        bovw_error *err);

/* Reads a codebook artifact. Free with bovw_codebook_free. */
int bovw_codebook_open(const char *dir, bovw_codebook **out, bovw_error *err);
void bovw_codebook_free(bovw_codebook *self);

/* Refuses features whose extraction parameters differ from the codebook's:
 * the message names the difference. */
int bovw_codebook_check_features(const bovw_codebook *self,
                                 const bovw_extract_params *features,
                                 const char *features_name, bovw_error *err);

/* Applies the codebook's chain to n raw descriptors (uint8 or float32 as the
 * features are) with their frames and image size; out holds n x self->dim. */
void bovw_codebook_transform(const bovw_codebook *self, const void *raw,
                             const float *frames, size_t n, int width, int height,
                             float *scratch, float *out);
/* The same for rows[0..n) of raw, in that order (frames: theirs, n x 4), so
 * that a caller keeping some of an image's descriptors need not copy them
 * first. */
void bovw_codebook_transform_rows(const bovw_codebook *self, const void *raw,
                                  const size_t *rows, const float *frames, size_t n,
                                  int width, int height, float *scratch, float *out);

#endif
