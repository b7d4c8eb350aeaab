/* fisher.h: improved Fisher vectors computed with matrix products (internal
 * to encode). The numbers are those of VLFeat's vl_fisher_encode with
 * VL_FISHER_FLAG_IMPROVED; only the posteriors' arithmetic is reorganised. */
#ifndef BOVW_ENCODE_FISHER_H
#define BOVW_ENCODE_FISHER_H

#include <stddef.h>

/* A GMM prepared for encoding: shared read-only by all threads. */
typedef struct bovw_fisher_gmm {
  int k, d;
  float *weights;    /* k x 2d: [1/sigma^2, -2 mu/sigma^2] per component */
  float *offset;     /* k: log prior - 1/2 sum log sigma^2 - 1/2 sum mu^2/sigma^2 */
  const float *mu, *var, *prior;
} bovw_fisher_gmm;

int bovw_fisher_gmm_init(bovw_fisher_gmm *self, const float *means, const float *variances,
                         const float *priors, int k, int d);
void bovw_fisher_gmm_clear(bovw_fisher_gmm *self);

/* z: n rows of [x^2, x] (2d floats each). Writes the posteriors (n x k). */
void bovw_fisher_posteriors(const bovw_fisher_gmm *g, const float *z, size_t n, float *post);

/* Adds the statistics of n rows with their posteriors to stats (k x 2d:
 * per component sum_i P_ik [(x_i - mu_k)^2, x_i - mu_k], centred for
 * accuracy: fisher.c says why) and s0 (k: sum_i P_ik). The
 * statistics of disjoint sets of rows add up, so a cell's can be summed from
 * the pieces it is made of. */
void bovw_fisher_accumulate(const bovw_fisher_gmm *g, const float *z, const float *post,
                            size_t n, float *stats, double *s0);

/* The improved Fisher vector (2 k d floats: the k mean-gradients then the
 * k variance-gradients, signed square root, L2) from the statistics of n
 * rows. n == 0 gives zeros. */
void bovw_fisher_finish(const bovw_fisher_gmm *g, const float *stats, const double *s0,
                        size_t n, float *out);

#endif
