/* pca.c: principal component analysis of sampled descriptors.
 *
 * The covariance (X - mean)^T (X - mean) / (n - 1) is formed in double with
 * one BLAS rank-k update (dsyrk) and diagonalised with LAPACK's dsyevd from
 * OpenBLAS. Each axis is signed so that its largest coordinate is positive,
 * which makes the result independent of LAPACK's arbitrary signs. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/codebook.h"

/* LAPACK's symmetric eigensolver (Fortran interface, exported by OpenBLAS). */
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
                    const int *lda, double *w, double *work, const int *lwork,
                    int *iwork, const int *liwork, int *info);

void bovw_pca_free(bovw_pca *self) {
  if (!self) return;
  free(self->mean);
  free(self->components);
  free(self->variances);
  free(self);
}

int bovw_pca_fit(const float *data, size_t n, int in_dim, int out_dim, int whiten,
                 bovw_pca **out, bovw_error *err) {
  *out = NULL;
  if (out_dim < 1 || out_dim > in_dim)
    return bovw_error_set(err, BOVW_ERR_INVALID, "PCA to %d dimensions of %d-D data",
                          out_dim, in_dim);
  if (n < 2) return bovw_error_set(err, BOVW_ERR_EMPTY, "PCA needs at least 2 samples");
  bovw_pca *self = calloc(1, sizeof *self);
  double *centred = malloc(n * (size_t)in_dim * sizeof *centred);
  double *mean = calloc((size_t)in_dim, sizeof *mean);
  double *cov = calloc((size_t)in_dim * in_dim, sizeof *cov);
  double *w = malloc((size_t)in_dim * sizeof *w);
  int rc = BOVW_OK;
  if (!self || !centred || !mean || !cov || !w ||
      !(self->mean = malloc((size_t)in_dim * sizeof(float))) ||
      !(self->components = malloc((size_t)out_dim * in_dim * sizeof(float))) ||
      !(self->variances = malloc((size_t)out_dim * sizeof(float)))) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for PCA");
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < in_dim; d++) mean[d] += data[i * in_dim + d];
  for (int d = 0; d < in_dim; d++) mean[d] /= (double)n;
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < in_dim; d++)
      centred[i * in_dim + d] = data[i * in_dim + d] - mean[d];
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, in_dim, (int)n,
              1.0 / (double)(n - 1), centred, in_dim, 0.0, cov, in_dim);
  /* Row-major upper = column-major lower: tell LAPACK "L". */
  int dim = in_dim, lwork = -1, liwork = -1, info = 0, iwork_query;
  double work_query;
  dsyevd_("V", "L", &dim, cov, &dim, w, &work_query, &lwork, &iwork_query, &liwork, &info);
  lwork = (int)work_query;
  liwork = iwork_query;
  double *work = malloc((size_t)lwork * sizeof *work);
  int *iwork = malloc((size_t)liwork * sizeof *iwork);
  if (!work || !iwork) {
    free(work);
    free(iwork);
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for PCA");
    goto done;
  }
  dsyevd_("V", "L", &dim, cov, &dim, w, work, &lwork, iwork, &liwork, &info);
  free(work);
  free(iwork);
  if (info != 0) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "PCA: the eigensolver failed (info %d)", info);
    goto done;
  }
  /* Column-major eigenvectors: vector j is cov[j * dim ..]; ascending. */
  self->in_dim = in_dim;
  self->out_dim = out_dim;
  self->whiten = whiten;
  for (int d = 0; d < in_dim; d++) self->mean[d] = (float)mean[d];
  for (int r = 0; r < out_dim; r++) {
    int j = in_dim - 1 - r;
    const double *v = cov + (size_t)j * in_dim;
    int big = 0;
    for (int d = 1; d < in_dim; d++)
      if (fabs(v[d]) > fabs(v[big])) big = d;
    double sign = v[big] < 0 ? -1 : 1;
    for (int d = 0; d < in_dim; d++)
      self->components[(size_t)r * in_dim + d] = (float)(sign * v[d]);
    self->variances[r] = (float)(w[j] > 0 ? w[j] : 0);
  }
done:
  free(centred);
  free(mean);
  free(cov);
  free(w);
  if (rc) {
    bovw_pca_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

void bovw_pca_apply(const bovw_pca *self, float *in, size_t n, float *out) {
  int din = self->in_dim, dout = self->out_dim;
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < din; d++) in[i * din + d] -= self->mean[d];
  if (n)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, dout, din, 1.0f, in, din,
                self->components, din, 0.0f, out, dout);
  if (!self->whiten) return;
  /* Whitening divides by sqrt(variance + eps): eps keeps near-zero
   * components from exploding (1e-5 of the largest variance). */
  double eps = 1e-5 * (dout ? self->variances[0] : 0);
  for (int r = 0; r < dout; r++) {
    float scale = (float)(1.0 / sqrt(self->variances[r] + eps));
    for (size_t i = 0; i < n; i++) out[i * dout + r] *= scale;
  }
}
