/* layer_conv1d.c: 1-D convolution and pooling over signals of C channels x
 * L steps. A 1-D shape is held as C x 1 x L, so these kinds run through the
 * 2-D code with a 1 x K kernel (stride 1 x S, padding 0 x P): the same
 * products, the same speed, the same gradients. What is 1-D here is what a
 * user sees: the spec (`conv1d 16 5`), the messages, and the weight's
 * shape, C_out x C_in x K as PyTorch's Conv1d (the values are those of
 * C_out x C_in x 1 x K, in the same order). */
#include <stdio.h>

#include "nn/internal.h"

/* Refuses a window that does not fit, in 1-D words, before the 2-D setup
 * would in 2-D ones. */
static int check_fits(nn_layer *self, int pad, bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  if (nn_conv_out_size(self->in_w, l->kernel_w, l->stride_w, pad) > 0) return BOVW_OK;
  char shape[64];
  nn_in_shape_format(self, shape, sizeof shape);
  if (l->kind == BOVW_NN_CONV1D)
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "kernel %d does not fit the input %s padded by %d",
                          l->kernel_w, shape, pad);
  return nn_layer_error(self, err, BOVW_ERR_INVALID,
                        "window %d is larger than the input %s", l->kernel_w, shape);
}

static int conv1d_setup(nn_layer *self, bovw_error *err) {
  int ph, pw, rc = nn_resolve_padding(self, &ph, &pw, err);
  if (!rc && self->spec.units > 0) rc = check_fits(self, pw, err);
  if (!rc) rc = nn_conv_ops.setup(self, err);
  if (rc) return rc;
  int64_t wshape[3] = {self->spec.units, self->in_c, self->spec.kernel_w};
  nn_declare_param(self, 0, "weight", 3, wshape, 1, 1);
  return BOVW_OK;
}

static void conv1d_init(nn_layer *self, bovw_rng *rng) { nn_conv_ops.init(self, rng); }

static int conv1d_reserve(nn_layer *self, int batch, int threads, bovw_error *err) {
  return nn_conv_ops.reserve(self, batch, threads, err);
}

static void conv1d_forward(nn_layer *self, const nn_ctx *ctx, const float *in, float *out,
                           int batch) {
  nn_conv_ops.forward(self, ctx, in, out, batch);
}

static void conv1d_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            const float *out, const float *dout, float *din, int batch) {
  nn_conv_ops.backward(self, ctx, in, out, dout, din, batch);
}

static void conv1d_release(nn_layer *self) { nn_conv_ops.release(self); }

const nn_ops nn_conv1d_ops = {
    .kind = BOVW_NN_CONV1D,
    .setup = conv1d_setup,
    .init = conv1d_init,
    .reserve = conv1d_reserve,
    .forward = conv1d_forward,
    .backward = conv1d_backward,
    .release = conv1d_release,
};

/* ---- pooling: a 1 x K window ----------------------------------------------- */

static int pool1d_setup(nn_layer *self, bovw_error *err) {
  int rc = check_fits(self, 0, err);
  return rc ? rc : nn_maxpool_ops.setup(self, err);
}

static void maxpool1d_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                              float *out, int batch) {
  nn_maxpool_ops.forward(self, ctx, in, out, batch);
}

static void maxpool1d_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                               const float *out, const float *dout, float *din, int batch) {
  nn_maxpool_ops.backward(self, ctx, in, out, dout, din, batch);
}

static void avgpool1d_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                              float *out, int batch) {
  nn_avgpool_ops.forward(self, ctx, in, out, batch);
}

static void avgpool1d_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                               const float *out, const float *dout, float *din, int batch) {
  nn_avgpool_ops.backward(self, ctx, in, out, dout, din, batch);
}

const nn_ops nn_maxpool1d_ops = {
    .kind = BOVW_NN_MAXPOOL1D,
    .setup = pool1d_setup,
    .reserve = nn_argmax_reserve,
    .forward = maxpool1d_forward,
    .backward = maxpool1d_backward,
    .release = nn_argmax_release,
    .branches = nn_argmax_branches,
};

const nn_ops nn_avgpool1d_ops = {
    .kind = BOVW_NN_AVGPOOL1D,
    .setup = pool1d_setup,
    .forward = avgpool1d_forward,
    .backward = avgpool1d_backward,
};
