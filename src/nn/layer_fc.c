/* layer_fc.c: fully connected layer, y = W x + b, on the flattened input.
 * W is out x in (PyTorch's layout); a batch is one matrix product, cut
 * into blocks of columns run in parallel (OpenMP) on one OpenBLAS thread
 * each: OpenBLAS's own threads would wait, spinning, beside OpenMP's
 * through the layers that follow. The blocks are set by the shapes alone,
 * so the sums do not depend on the thread count. */
#include <cblas.h>
#include <string.h>

#include "nn/internal.h"

/* A product's columns are cut into at most PARTS blocks of at least
 * MIN_COLUMNS. */
enum { PARTS = 8, MIN_COLUMNS = 32 };
/* Below this many multiply-adds a parallel region costs more than it
 * saves. */
#define PARALLEL_MIN_MACS (1L << 17)

/* c (m x n) = op(a) (m x k) op(b) (k x n), row-major, by blocks of
 * columns. */
static void product(const nn_ctx *ctx, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m,
                    int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                    int ldc) {
  int parts = n / MIN_COLUMNS;
  parts = parts < 1 ? 1 : parts > PARTS ? PARTS : parts;
  nn_blas_threads(1);
#pragma omp parallel for num_threads(ctx->threads) if (parts > 1 && (long)m * n * k >= PARALLEL_MIN_MACS) schedule(static)
  for (int p = 0; p < parts; p++) {
    const int lo = (int)((long)p * n / parts), hi = (int)((long)(p + 1) * n / parts);
    const float *bp = tb == CblasNoTrans ? b + lo : b + (size_t)lo * ldb;
    cblas_sgemm(CblasRowMajor, ta, tb, m, hi - lo, k, 1.0f, a, lda, bp, ldb, 0.0f, c + lo, ldc);
  }
}

static int fc_setup(nn_layer *self, bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  if (l->units <= 0)
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "needs a number of outputs (or 'classes' with the "
                          "number of classes given)");
  int64_t in = (int64_t)nn_in_size(self);
  self->out_c = l->units;
  self->out_d = self->out_h = self->out_w = 1;
  int64_t wshape[2] = {l->units, in}, bshape[1] = {l->units};
  nn_declare_param(self, 0, "weight", 2, wshape, 1, 1);
  if (l->bias) nn_declare_param(self, 1, "bias", 1, bshape, 1, 0);
  return BOVW_OK;
}

static void fc_init(nn_layer *self, bovw_rng *rng) {
  bovw_nn_param *w = &self->params[0];
  nn_init_weights(w->value, w->count, (int)w->shape[1], (int)w->shape[0],
                  self->spec.init, rng);
}

static void fc_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                       float *out, int batch) {
  const int n_in = (int)nn_in_size(self), n_out = self->out_c;
  const float *w = self->params[0].value;
  /* out (B x out) = in (B x in) W^T (in x out) */
  product(ctx, CblasNoTrans, CblasTrans, batch, n_out, n_in, in, n_in, w, n_in, out, n_out);
  if (self->num_params > 1) {
    const float *b = self->params[1].value;
    for (int s = 0; s < batch; s++)
      for (int o = 0; o < n_out; o++) out[(size_t)s * n_out + o] += b[o];
  }
}

static void fc_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                        const float *out, const float *dout, float *din,
                        int batch) {
  (void)out;
  const int n_in = (int)nn_in_size(self), n_out = self->out_c;
  bovw_nn_param *w = &self->params[0];
  /* dW (out x in) = dout^T (out x B) in (B x in) */
  product(ctx, CblasTrans, CblasNoTrans, n_out, n_in, batch, dout, n_out, in, n_in, w->grad,
          n_in);
  if (self->num_params > 1) {
    float *db = self->params[1].grad;
    for (int o = 0; o < n_out; o++) {
      double sum = 0;
      for (int s = 0; s < batch; s++) sum += dout[(size_t)s * n_out + o];
      db[o] = (float)sum;
    }
  }
  /* din (B x in) = dout (B x out) W (out x in) */
  if (din)
    product(ctx, CblasNoTrans, CblasNoTrans, batch, n_in, n_out, dout, n_out, w->value, n_in,
            din, n_in);
}

const nn_ops nn_fc_ops = {
    .kind = BOVW_NN_FC,
    .setup = fc_setup,
    .init = fc_init,
    .forward = fc_forward,
    .backward = fc_backward,
};
