/* shape.c: the output-size formula of convolutions and pools, and what
 * `pad=same` means. The formula lives here only; layers and the summary
 * call it. */
#include <stdio.h>

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
      if (l->kernel_h % 2 == 0 || l->kernel_w % 2 == 0 ||
          (bovw_nn_kind_dims(l->kind) == 3 && l->kernel_d % 2 == 0)) {
        char kernel[64];
        nn_kernel_format(self, kernel, sizeof kernel);
        return nn_layer_error(self, err, BOVW_ERR_INVALID,
                              "pad=same needs an odd kernel size, not %s "
                              "(give pad=N instead)", kernel);
      }
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

int nn_resolve_padding_depth(const nn_layer *self) {
  const bovw_nn_layer_spec *l = &self->spec;
  if (bovw_nn_kind_dims(l->kind) != 3) return 0;
  if (l->pad == BOVW_NN_PAD_EXPLICIT) return l->pad_d;
  /* An even kernel_d under pad=same is refused by nn_resolve_padding. */
  return l->pad == BOVW_NN_PAD_SAME ? (l->kernel_d - 1) / 2 : 0;
}

int bovw_nn_kind_dims(bovw_nn_kind kind) {
  switch (kind) {
    case BOVW_NN_CONV1D:
    case BOVW_NN_MAXPOOL1D:
    case BOVW_NN_AVGPOOL1D: return 1;
    case BOVW_NN_CONV:
    case BOVW_NN_MAXPOOL:
    case BOVW_NN_AVGPOOL: return 2;
    case BOVW_NN_CONV3D:
    case BOVW_NN_MAXPOOL3D:
    case BOVW_NN_AVGPOOL3D: return 3;
    default: return 0;
  }
}

int bovw_nn_shape_format(int dims, int c, int d, int h, int w, char *buf, size_t size) {
  if (dims == 1) return snprintf(buf, size, "%dx%d", c, w);
  if (dims == 3) return snprintf(buf, size, "%dx%dx%dx%d", c, d, h, w);
  return snprintf(buf, size, "%dx%dx%d", c, h, w);
}
