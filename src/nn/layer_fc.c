/* layer_fc.c: fully connected layer, y = W x + b, on the flattened input.
 * W is out x in (PyTorch's layout); a batch is one matrix product. */
#include <cblas.h>
#include <string.h>

#include "nn/internal.h"

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
  nn_blas_threads(ctx->threads);
  /* out (B x out) = in (B x in) W^T (in x out) */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, n_out, n_in, 1.0f,
              in, n_in, w, n_in, 0.0f, out, n_out);
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
  nn_blas_threads(ctx->threads);
  /* dW (out x in) = dout^T (out x B) in (B x in) */
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_out, n_in, batch, 1.0f,
              dout, n_out, in, n_in, 0.0f, w->grad, n_in);
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
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, n_in, n_out,
                1.0f, dout, n_out, w->value, n_in, 0.0f, din, n_in);
}

const nn_ops nn_fc_ops = {
    .kind = BOVW_NN_FC,
    .setup = fc_setup,
    .init = fc_init,
    .forward = fc_forward,
    .backward = fc_backward,
};
