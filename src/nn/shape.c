/* shape.c: the output-size formula of convolutions and pools, and what
 * `pad=same` means. The formula lives here only; layers and the summary
 * call it. */
#include "nn/internal.h"

/* Output size along one axis, from Dumoulin and Visin, "A guide to
 * convolution arithmetic for deep learning" (2016), relationship 6:
 *   o = floor((i + 2p - k) / s) + 1. */
int nn_conv_out_size(int in, int kernel, int stride, int pad) {
  long span = (long)in + 2L * pad - kernel;
  if (span < 0 || stride <= 0) return 0;
  return (int)(span / stride + 1);
}

int nn_resolve_padding(const nn_layer *self, int *pad_h, int *pad_w,
                       bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  switch (l->pad) {
    case BOVW_NN_PAD_VALID:
      *pad_h = *pad_w = 0;
      return BOVW_OK;
    case BOVW_NN_PAD_SAME:
      /* Symmetric padding keeps the size only for odd kernels: with
       * p = (k - 1) / 2 the formula gives o = floor((i - 1) / s) + 1, which
       * is i at stride 1 and ceil(i / s) at stride s. */
      if (l->kernel_h % 2 == 0 || l->kernel_w % 2 == 0)
        return nn_layer_error(self, err, BOVW_ERR_INVALID,
                              "pad=same needs an odd kernel size, not %dx%d "
                              "(give pad=N instead)",
                              l->kernel_h, l->kernel_w);
      *pad_h = (l->kernel_h - 1) / 2;
      *pad_w = (l->kernel_w - 1) / 2;
      return BOVW_OK;
    case BOVW_NN_PAD_EXPLICIT:
      *pad_h = l->pad_h;
      *pad_w = l->pad_w;
      return BOVW_OK;
  }
  return nn_layer_error(self, err, BOVW_ERR_INVALID, "unknown padding");
}
