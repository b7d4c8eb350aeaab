/* layer_pool3d.c: 3-D max and average pooling over C x D x H x W volumes: a
 * K_d x K_h x K_w window moved by the stride, no padding, windows wholly
 * inside the input (as the 2-D pools of layer_pool.c). Each channel volume
 * of each sample is independent: they run in parallel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

/* Below this many input values a parallel region costs more than it saves. */
#define PARALLEL_MIN (1L << 15)


static int pool3d_setup(nn_layer *self, bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  self->out_c = self->in_c;
  self->out_d = nn_conv_out_size(self->in_d, l->kernel_d, l->stride_d, 0);
  self->out_h = nn_conv_out_size(self->in_h, l->kernel_h, l->stride_h, 0);
  self->out_w = nn_conv_out_size(self->in_w, l->kernel_w, l->stride_w, 0);
  if (self->out_d <= 0 || self->out_h <= 0 || self->out_w <= 0) {
    char shape[64];
    nn_in_shape_format(self, shape, sizeof shape);
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "window %dx%dx%d is larger than the input %s", l->kernel_d,
                          l->kernel_h, l->kernel_w, shape);
  }
  return BOVW_OK;
}

/* The offset in its input volume of the first value of output (z, y, x)'s
 * window, and of value (a, i, j) of a window. */
static size_t window_start(const nn_layer *self, int z, int y, int x) {
  const bovw_nn_layer_spec *l = &self->spec;
  return ((size_t)z * l->stride_d * self->in_h + (size_t)y * l->stride_h) * self->in_w +
         (size_t)x * l->stride_w;
}
static size_t window_offset(const nn_layer *self, int a, int i, int j) {
  return ((size_t)a * self->in_h + (size_t)i) * self->in_w + (size_t)j;
}

static void maxpool3d_forward(nn_layer *self, const nn_ctx *ctx, const float *in, float *out,
                              int batch) {
  const bovw_nn_layer_spec *l = &self->spec;
  int32_t *argmax = ((nn_argmax_state *)self->state)->argmax;
  const size_t in_area = nn_in_area(self), out_area = nn_out_area(self);
  const long volumes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (volumes * (long)in_area >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < volumes; p++) {
    const float *src = in + (size_t)p * in_area;
    float *dst = out + (size_t)p * out_area;
    int32_t *arg = argmax + (size_t)p * out_area;
    size_t o = 0;
    for (int z = 0; z < self->out_d; z++)
      for (int y = 0; y < self->out_h; y++)
        for (int x = 0; x < self->out_w; x++, o++) {
          const size_t start = window_start(self, z, y, x);
          size_t best = start;
          float top = src[best];
          for (int a = 0; a < l->kernel_d; a++)
            for (int i = 0; i < l->kernel_h; i++)
              for (int j = 0; j < l->kernel_w; j++) {
                const size_t at = start + window_offset(self, a, i, j);
                /* The first of equals wins, as in the 2-D max pool. */
                const int better = src[at] > top;
                best = better ? at : best;
                top = better ? src[at] : top;
              }
          dst[o] = top;
          arg[o] = (int32_t)best;
        }
  }
}

static void maxpool3d_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                               const float *out, const float *dout, float *din, int batch) {
  (void)in;
  (void)out;
  if (!din) return;
  const int32_t *argmax = ((nn_argmax_state *)self->state)->argmax;
  const size_t in_area = nn_in_area(self), out_area = nn_out_area(self);
  const long volumes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (volumes * (long)in_area >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < volumes; p++) {
    float *d = din + (size_t)p * in_area;
    memset(d, 0, in_area * sizeof *d);
    for (size_t o = 0; o < out_area; o++)
      d[argmax[(size_t)p * out_area + o]] += dout[(size_t)p * out_area + o];
  }
}

static void avgpool3d_forward(nn_layer *self, const nn_ctx *ctx, const float *in, float *out,
                              int batch) {
  const bovw_nn_layer_spec *l = &self->spec;
  const size_t in_area = nn_in_area(self), out_area = nn_out_area(self);
  const double volume = (double)l->kernel_d * l->kernel_h * l->kernel_w;
  const long volumes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (volumes * (long)in_area >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < volumes; p++) {
    const float *src = in + (size_t)p * in_area;
    float *dst = out + (size_t)p * out_area;
    size_t o = 0;
    for (int z = 0; z < self->out_d; z++)
      for (int y = 0; y < self->out_h; y++)
        for (int x = 0; x < self->out_w; x++, o++) {
          const size_t start = window_start(self, z, y, x);
          double sum = 0;
          for (int a = 0; a < l->kernel_d; a++)
            for (int i = 0; i < l->kernel_h; i++)
              for (int j = 0; j < l->kernel_w; j++)
                sum += src[start + window_offset(self, a, i, j)];
          dst[o] = (float)(sum / volume);
        }
  }
}

static void avgpool3d_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                               const float *out, const float *dout, float *din, int batch) {
  (void)in;
  (void)out;
  if (!din) return;
  const bovw_nn_layer_spec *l = &self->spec;
  const size_t in_area = nn_in_area(self), out_area = nn_out_area(self);
  const float inv_volume = 1.0f / (float)(l->kernel_d * l->kernel_h * l->kernel_w);
  const long volumes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (volumes * (long)in_area >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < volumes; p++) {
    float *d = din + (size_t)p * in_area;
    const float *g = dout + (size_t)p * out_area;
    memset(d, 0, in_area * sizeof *d);
    size_t o = 0;
    for (int z = 0; z < self->out_d; z++)
      for (int y = 0; y < self->out_h; y++)
        for (int x = 0; x < self->out_w; x++, o++) {
          const size_t start = window_start(self, z, y, x);
          const float share = g[o] * inv_volume;
          for (int a = 0; a < l->kernel_d; a++)
            for (int i = 0; i < l->kernel_h; i++)
              for (int j = 0; j < l->kernel_w; j++)
                d[start + window_offset(self, a, i, j)] += share;
        }
  }
}

const nn_ops nn_maxpool3d_ops = {
    .kind = BOVW_NN_MAXPOOL3D,
    .setup = pool3d_setup,
    .reserve = nn_argmax_reserve,
    .forward = maxpool3d_forward,
    .backward = maxpool3d_backward,
    .release = nn_argmax_release,
    .branches = nn_argmax_branches,
};

const nn_ops nn_avgpool3d_ops = {
    .kind = BOVW_NN_AVGPOOL3D,
    .setup = pool3d_setup,
    .forward = avgpool3d_forward,
    .backward = avgpool3d_backward,
};
