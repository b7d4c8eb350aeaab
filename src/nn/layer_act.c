/* layer_act.c: element-wise activations: ReLU, leaky ReLU, sigmoid. They
 * keep the shape and have no parameters. */
#include <math.h>

#include "nn/internal.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN (1L << 15)

static int same_shape_setup(nn_layer *self, bovw_error *err) {
  (void)err;
  self->out_c = self->in_c;
  self->out_h = self->in_h;
  self->out_w = self->in_w;
  return BOVW_OK;
}

static int leakyrelu_setup(nn_layer *self, bovw_error *err) {
  double s = self->spec.slope;
  if (!(s >= 0 && s < 1))
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "slope=%g: must be in [0, 1)", s);
  return same_shape_setup(self, err);
}

/* ReLU (Nair and Hinton 2010): y = max(x, 0); dy/dx = 1 for x > 0, else 0.
 * Leaky ReLU (Maas, Hannun, Ng 2013): y = x for x > 0, else slope x. One
 * loop serves both: ReLU is slope 0. The loops have no branch: the
 * compiler vectorises them, and random signs no longer mispredict. */
static void rectifier_forward(nn_layer *self, const nn_ctx *ctx,
                              const float *in, float *out, int batch,
                              float slope) {
  const long n = (long)batch * (long)nn_in_size(self);
#pragma omp parallel for num_threads(ctx->threads) if (n > PARALLEL_MIN) schedule(static)
  for (long i = 0; i < n; i++) {
    /* Written as a select against a constant and a subtraction: the plain
     * form x > 0 ? x : slope x is a branch GCC will not vectorise. */
    float positive = in[i] > 0 ? in[i] : 0.0f;
    out[i] = positive + slope * (in[i] - positive);
  }
}

static void rectifier_backward(nn_layer *self, const nn_ctx *ctx,
                               const float *in, const float *dout, float *din,
                               int batch, float slope) {
  if (!din) return;
  const long n = (long)batch * (long)nn_in_size(self);
#pragma omp parallel for num_threads(ctx->threads) if (n > PARALLEL_MIN) schedule(static)
  for (long i = 0; i < n; i++) din[i] = (in[i] > 0 ? 1.0f : slope) * dout[i];
}

static void relu_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                         float *out, int batch) {
  rectifier_forward(self, ctx, in, out, batch, 0.0f);
}
static void relu_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                          const float *out, const float *dout, float *din,
                          int batch) {
  (void)out;
  rectifier_backward(self, ctx, in, dout, din, batch, 0.0f);
}
static void leakyrelu_forward(nn_layer *self, const nn_ctx *ctx,
                              const float *in, float *out, int batch) {
  rectifier_forward(self, ctx, in, out, batch, (float)self->spec.slope);
}
static void leakyrelu_backward(nn_layer *self, const nn_ctx *ctx,
                               const float *in, const float *out,
                               const float *dout, float *din, int batch) {
  (void)out;
  rectifier_backward(self, ctx, in, dout, din, batch, (float)self->spec.slope);
}

/* Which side of zero each input was on, 64 at a time. */
static uint64_t sign_branches(const nn_layer *self, const float *in, int batch,
                              uint64_t hash) {
  const size_t n = (size_t)batch * nn_in_size(self);
  for (size_t i = 0; i < n; i += 64) {
    uint64_t bits = 0;
    for (size_t k = i; k < n && k < i + 64; k++) bits = bits << 1 | (in[k] > 0);
    hash = nn_hash_mix(hash, bits);
  }
  return hash;
}

/* Sigmoid: y = 1 / (1 + e^-x); dy/dx = y (1 - y), from the output. */
static void sigmoid_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            float *out, int batch) {
  const long n = (long)batch * (long)nn_in_size(self);
#pragma omp parallel for num_threads(ctx->threads) if (n > PARALLEL_MIN) schedule(static)
  for (long i = 0; i < n; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
}

static void sigmoid_backward(nn_layer *self, const nn_ctx *ctx,
                             const float *in, const float *out,
                             const float *dout, float *din, int batch) {
  (void)in;
  if (!din) return;
  const long n = (long)batch * (long)nn_in_size(self);
#pragma omp parallel for num_threads(ctx->threads) if (n > PARALLEL_MIN) schedule(static)
  for (long i = 0; i < n; i++) din[i] = dout[i] * out[i] * (1.0f - out[i]);
}

const nn_ops nn_relu_ops = {
    .kind = BOVW_NN_RELU,
    .setup = same_shape_setup,
    .forward = relu_forward,
    .backward = relu_backward,
    .branches = sign_branches,
};

const nn_ops nn_leakyrelu_ops = {
    .kind = BOVW_NN_LEAKYRELU,
    .setup = leakyrelu_setup,
    .forward = leakyrelu_forward,
    .backward = leakyrelu_backward,
    .branches = sign_branches,
};

const nn_ops nn_sigmoid_ops = {
    .kind = BOVW_NN_SIGMOID,
    .setup = same_shape_setup,
    .forward = sigmoid_forward,
    .backward = sigmoid_backward,
};
