/* layer.c: the table of layer kinds and what every kind shares: parameter
 * declarations, error messages naming the spec line, growing buffers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

const nn_ops *nn_ops_of(bovw_nn_kind kind) {
  switch (kind) {
    case BOVW_NN_FC: return &nn_fc_ops;
    case BOVW_NN_CONV: return &nn_conv_ops;
    case BOVW_NN_MAXPOOL: return &nn_maxpool_ops;
    case BOVW_NN_AVGPOOL: return &nn_avgpool_ops;
    case BOVW_NN_GLOBALAVGPOOL: return &nn_globalavgpool_ops;
    case BOVW_NN_RELU: return &nn_relu_ops;
    case BOVW_NN_LEAKYRELU: return &nn_leakyrelu_ops;
    case BOVW_NN_SIGMOID: return &nn_sigmoid_ops;
    case BOVW_NN_BATCHNORM: return &nn_batchnorm_ops;
    case BOVW_NN_DROPOUT: return &nn_dropout_ops;
    case BOVW_NN_FLATTEN: return &nn_flatten_ops;
    case BOVW_NN_CONV1D: return &nn_conv1d_ops;
    case BOVW_NN_CONV3D: return &nn_conv3d_ops;
    case BOVW_NN_MAXPOOL1D: return &nn_maxpool1d_ops;
    case BOVW_NN_AVGPOOL1D: return &nn_avgpool1d_ops;
    case BOVW_NN_MAXPOOL3D: return &nn_maxpool3d_ops;
    case BOVW_NN_AVGPOOL3D: return &nn_avgpool3d_ops;
    case BOVW_NN_SOFTMAX:
    case BOVW_NN_NUM_KINDS: break;
  }
  return NULL;
}

void nn_declare_param(nn_layer *self, int k, const char *what, int ndim,
                      const int64_t *shape, int trainable, int decay) {
  bovw_nn_param *p = &self->declared[k];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%d.%s", self->index, what);
  p->layer = self->index;
  p->ndim = ndim;
  p->count = 1;
  for (int d = 0; d < ndim; d++) {
    p->shape[d] = shape[d];
    p->count *= (size_t)shape[d];
  }
  p->trainable = trainable;
  p->decay = decay;
  if (k + 1 > self->num_params) self->num_params = k + 1;
}

int nn_layer_error(const nn_layer *self, bovw_error *err, int code,
                   const char *fmt, ...) {
  char what[BOVW_ERROR_MESSAGE_SIZE - 64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  const char *kind = bovw_nn_kind_name(self->spec.kind);
  if (self->spec.line > 0)
    return bovw_error_set(err, code, "line %d: %s: %s", self->spec.line, kind, what);
  return bovw_error_set(err, code, "layer %d: %s: %s", self->index, kind, what);
}

void nn_in_shape_format(const nn_layer *self, char *buf, size_t size) {
  bovw_nn_shape_format(self->dims, self->in_c, self->in_d, self->in_h, self->in_w,
                       buf, size);
}

void nn_kernel_format(const nn_layer *self, char *buf, size_t size) {
  const bovw_nn_layer_spec *l = &self->spec;
  switch (bovw_nn_kind_dims(l->kind)) {
    case 1: snprintf(buf, size, "%d", l->kernel_w); break;
    case 3: snprintf(buf, size, "%dx%dx%d", l->kernel_d, l->kernel_h, l->kernel_w); break;
    default: snprintf(buf, size, "%dx%d", l->kernel_h, l->kernel_w); break;
  }
}

int nn_grow(float **buf, size_t *capacity, size_t n, bovw_error *err) {
  if (n <= *capacity && *buf) return BOVW_OK;
  float *grown = realloc(*buf, (n ? n : 1) * sizeof *grown);
  if (!grown)
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory (%zu floats)", n);
  *buf = grown;
  *capacity = n;
  return BOVW_OK;
}
