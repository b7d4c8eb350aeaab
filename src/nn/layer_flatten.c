/* layer_flatten.c: C x H x W -> (C H W) x 1 x 1 (C x D x H x W likewise). In NCHW the values do not
 * move: forward and backward are copies. */
#include <string.h>

#include "nn/internal.h"

static int flatten_setup(nn_layer *self, bovw_error *err) {
  (void)err;
  self->out_c = (int)nn_in_size(self);
  self->out_d = self->out_h = self->out_w = 1;
  return BOVW_OK;
}

static void flatten_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            float *out, int batch) {
  (void)ctx;
  memcpy(out, in, (size_t)batch * nn_in_size(self) * sizeof *out);
}

static void flatten_backward(nn_layer *self, const nn_ctx *ctx,
                             const float *in, const float *out,
                             const float *dout, float *din, int batch) {
  (void)ctx;
  (void)in;
  (void)out;
  if (din) memcpy(din, dout, (size_t)batch * nn_in_size(self) * sizeof *din);
}

const nn_ops nn_flatten_ops = {
    .kind = BOVW_NN_FLATTEN,
    .setup = flatten_setup,
    .forward = flatten_forward,
    .backward = flatten_backward,
};
