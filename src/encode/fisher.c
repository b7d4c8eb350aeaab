/* fisher.c: improved Fisher vectors (Perronnin, Sanchez and Mensink, ECCV
 * 2010), posteriors by a matrix product.
 *
 * For a diagonal GMM, log pi_k N(x; mu_k, sigma_k^2) is, up to a constant
 * shared by all components,
 *   log pi_k - 1/2 sum_d log sigma_kd^2 - 1/2 sum_d (x_d - mu_kd)^2 / sigma_kd^2
 * and the last sum expands to x^2 . (1/sigma_k^2) + x . (-2 mu_k/sigma_k^2)
 * + sum mu_k^2/sigma_k^2: for all descriptors and components at once, one
 * product of [x^2, x] (n x 2d) with the k x 2d weights.
 *
 * The statistics are centred on each component's mean: with posteriors P,
 *   S1_kd = sum_i P_ik (x_id - mu_kd),  S2_kd = sum_i P_ik (x_id - mu_kd)^2,
 *   S0_k = sum_i P_ik.
 * The uncentred form sum P x^2 - 2 mu sum P x + mu^2 sum P, which one more
 * product would give, cancels in float32 when a component's spread is small
 * beside its mean: the result is about (sigma/mu)^2 times its terms, so
 * their rounding errors, which depend on the BLAS kernel's order of sums,
 * are multiplied by (mu/sigma)^2. Centred, every term of S2 is positive and
 * the sum is accurate to a few ulps times the number of terms. Posteriors
 * below 1e-6 are zero (as in vl_fisher_encode), so the sums run over the few
 * components each descriptor really belongs to. The statistics add over
 * disjoint sets of descriptors, so the encoder computes them once per piece
 * of the pyramid's common refinement and sums the pieces of each cell.
 * VLFeat's gradients follow:
 *   u_kd = S1_kd / sigma_kd / (n sqrt(pi_k))
 *   v_kd = (S2_kd / sigma_kd^2 - S0_k) / (n sqrt(2 pi_k))
 * then the signed square root and L2 normalisation of the improved FV. */
#include "encode/fisher.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int bovw_fisher_gmm_init(bovw_fisher_gmm *self, const float *means, const float *variances,
                         const float *priors, int k, int d) {
  memset(self, 0, sizeof *self);
  self->weights = malloc((size_t)k * 2 * d * sizeof *self->weights);
  self->offset = malloc((size_t)k * sizeof *self->offset);
  if (!self->weights || !self->offset) {
    bovw_fisher_gmm_clear(self);
    return -1;
  }
  self->k = k;
  self->d = d;
  self->mu = means;
  self->var = variances;
  self->prior = priors;
  for (int c = 0; c < k; c++) {
    double log_det = 0, quad = 0;
    float *w = self->weights + (size_t)c * 2 * d;
    for (int j = 0; j < d; j++) {
      double v = variances[(size_t)c * d + j], m = means[(size_t)c * d + j];
      w[j] = (float)(1.0 / v);
      w[d + j] = (float)(-2.0 * m / v);
      log_det += log(v);
      quad += m * m / v;
    }
    self->offset[c] = (float)(log(priors[c]) - 0.5 * log_det - 0.5 * quad);
  }
  return 0;
}

void bovw_fisher_gmm_clear(bovw_fisher_gmm *self) {
  free(self->weights);
  free(self->offset);
  memset(self, 0, sizeof *self);
}

/* e^x for x <= 0, written so that a loop over it vectorises (libm's expf
 * is a call per value). x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its
 * Taylor series to degree 7 (error below 6e-9 relative), 2^n put in the
 * exponent bits. Below -87 it returns about 1.6e-38, the smallest normal
 * float's neighbourhood: posteriors that small are zeroed anyway. */
static inline float exp_nonpositive(float x) {
  const float log2e = 1.44269504f, ln2_hi = 0.693145752f, ln2_lo = 1.42860677e-6f;
  const float round = 12582912.0f; /* 1.5 2^23: adding it rounds to an integer */
  x = x < -87.0f ? -87.0f : x;
  float n = (x * log2e + round) - round;
  float r = (x - n * ln2_hi) - n * ln2_lo;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

void bovw_fisher_posteriors(const bovw_fisher_gmm *g, const float *z, size_t n, float *post) {
  int k = g->k;
  if (!n) return;
  /* post = -1/2 z W^T, then + offset, then a softmax per row. */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, k, 2 * g->d, -0.5f, z,
              2 * g->d, g->weights, 2 * g->d, 0.0f, post, k);
  const float *offset = g->offset;
  for (size_t i = 0; i < n; i++) {
    float *p = post + i * (size_t)k, best = -INFINITY;
#pragma omp simd reduction(max : best)
    for (int c = 0; c < k; c++) {
      p[c] += offset[c];
      best = p[c] > best ? p[c] : best;
    }
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < k; c++) {
      p[c] = exp_nonpositive(p[c] - best);
      sum += p[c];
    }
    /* Posteriors below 1e-6 count as 0, as in vl_fisher_encode: the same
     * numbers as VLFeat's, and no denormal floats, which would otherwise
     * reach the statistics' product and slow it several times over. */
    float inv = (float)(1.0 / sum);
#pragma omp simd
    for (int c = 0; c < k; c++) {
      float v = p[c] * inv;
      p[c] = v < 1e-6f ? 0.0f : v;
    }
  }
}

void bovw_fisher_accumulate(const bovw_fisher_gmm *g, const float *z, const float *post,
                            size_t n, float *stats, double *s0) {
  const int k = g->k, d = g->d;
  for (size_t i = 0; i < n; i++) {
    const float *x = z + i * 2 * (size_t)d + d, *p = post + i * (size_t)k;
    for (int c = 0; c < k; c++) {
      const float w = p[c];
      if (w == 0.0f) continue;
      s0[c] += w;
      const float *mu = g->mu + (size_t)c * d;
      float *s2 = stats + (size_t)c * 2 * d, *s1 = s2 + d;
#pragma omp simd
      for (int j = 0; j < d; j++) {
        float diff = x[j] - mu[j], wd = w * diff;
        s1[j] += wd;
        s2[j] += wd * diff;
      }
    }
  }
}

void bovw_fisher_finish(const bovw_fisher_gmm *g, const float *stats, const double *s0,
                        size_t n, float *out) {
  int k = g->k, d = g->d;
  size_t len = 2 * (size_t)k * d;
  memset(out, 0, len * sizeof *out);
  if (!n) return;
  for (int c = 0; c < k; c++) {
    /* A component of negligible prior is left at 0, as VLFeat does (its
     * 1 / sqrt(prior) would blow up any stray posterior). */
    if (g->prior[c] < 1e-6) continue;
    const float *s2 = stats + (size_t)c * 2 * d, *s1 = s2 + d;
    const float *var = g->var + (size_t)c * d;
    double up = 1.0 / ((double)n * sqrt(g->prior[c]));
    double vp = 1.0 / ((double)n * sqrt(2.0 * g->prior[c]));
    float *u = out + (size_t)c * d, *v = out + (size_t)k * d + (size_t)c * d;
    for (int j = 0; j < d; j++) {
      double var_j = var[j];
      u[j] = (float)(s1[j] / sqrt(var_j) * up);
      v[j] = (float)((s2[j] / var_j - s0[c]) * vp);
    }
  }
  double norm = 0;
  for (size_t i = 0; i < len; i++) {
    out[i] = copysignf(sqrtf(fabsf(out[i])), out[i]);
    norm += (double)out[i] * out[i];
  }
  norm = sqrt(norm);
  if (norm < 1e-12) norm = 1e-12;
  for (size_t i = 0; i < len; i++) out[i] = (float)(out[i] / norm);
}
