/* layer_pool.c: max pooling, average pooling (a K_h x K_w window moved by
 * the stride, no padding, windows wholly inside the input) and global
 * average pooling (C x H x W -> C x 1 x 1). Each channel plane of each
 * sample is independent: planes run in parallel. */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

/* Below this many input values a parallel region costs more than it saves. */
#define PARALLEL_MIN (1L << 15)


static int window_setup(nn_layer *self, bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  self->out_c = self->in_c;
  self->out_h = nn_conv_out_size(self->in_h, l->kernel_h, l->stride_h, 0);
  self->out_w = nn_conv_out_size(self->in_w, l->kernel_w, l->stride_w, 0);
  if (self->out_h <= 0 || self->out_w <= 0)
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "window %dx%d is larger than the input %dx%dx%d",
                          l->kernel_h, l->kernel_w, self->in_c, self->in_h,
                          self->in_w);
  return BOVW_OK;
}

int nn_argmax_reserve(nn_layer *self, int batch, int threads, bovw_error *err) {
  (void)threads;
  nn_argmax_state *st = self->state;
  if (!st && !(st = self->state = calloc(1, sizeof *st)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  size_t n = (size_t)batch * nn_out_size(self);
  if (n <= st->capacity) return BOVW_OK;
  int32_t *grown = realloc(st->argmax, n * sizeof *grown);
  if (!grown) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  st->argmax = grown;
  st->capacity = n;
  return BOVW_OK;
}

void nn_argmax_release(nn_layer *self) {
  nn_argmax_state *st = self->state;
  if (st) free(st->argmax);
  free(st);
  self->state = NULL;
}

/* nn_maxpool_plane_carry's work; inlined with carry NULL for
 * nn_maxpool_plane, so that its loop is the same as before. */
static inline void maxpool_plane(const nn_layer *self, const float *src, float *dst,
                                 int32_t *arg, const float *carry, float *carry_dst) {
  const bovw_nn_layer_spec *l = &self->spec;
  const int W = self->in_w, OH = self->out_h, OW = self->out_w;
  if (l->kernel_h == 2 && l->kernel_w == 2 && l->stride_h == 2 && l->stride_w == 2) {
    /* The common window, unrolled in the same order (the first of equals
     * wins): a loop the compiler vectorises. */
    for (int y = 0; y < OH; y++) {
      const float *r0 = src + (size_t)2 * y * W, *r1 = r0 + W;
      float *d = dst + (size_t)y * OW;
      int32_t *a = arg + (size_t)y * OW;
      const int32_t at = 2 * y * W;
#pragma omp simd
      for (int x = 0; x < OW; x++) {
        float top = r0[2 * x];
        int32_t best = at + 2 * x;
        const int b1 = r0[2 * x + 1] > top;
        best = b1 ? at + 2 * x + 1 : best;
        top = b1 ? r0[2 * x + 1] : top;
        const int b2 = r1[2 * x] > top;
        best = b2 ? at + W + 2 * x : best;
        top = b2 ? r1[2 * x] : top;
        const int b3 = r1[2 * x + 1] > top;
        best = b3 ? at + W + 2 * x + 1 : best;
        top = b3 ? r1[2 * x + 1] : top;
        d[x] = top;
        a[x] = best;
        if (carry) carry_dst[(size_t)y * OW + x] = carry[best];
      }
    }
    return;
  }
  for (int y = 0; y < OH; y++)
    for (int x = 0; x < OW; x++) {
      int best = (y * l->stride_h) * W + x * l->stride_w;
      float top = src[best];
      for (int i = 0; i < l->kernel_h; i++)
        for (int j = 0; j < l->kernel_w; j++) {
          int at = (y * l->stride_h + i) * W + x * l->stride_w + j;
          /* Selects, not a branch: which input wins is a coin toss the
           * branch predictor would lose. The first of equals wins. */
          int better = src[at] > top;
          best = better ? at : best;
          top = better ? src[at] : top;
        }
      dst[y * OW + x] = top;
      arg[y * OW + x] = best;
      if (carry) carry_dst[y * OW + x] = carry[best];
    }
}

void nn_maxpool_plane(const nn_layer *self, const float *src, float *dst, int32_t *arg) {
  maxpool_plane(self, src, dst, arg, NULL, NULL);
}

void nn_maxpool_plane_carry(const nn_layer *self, const float *src, float *dst, int32_t *arg,
                            const float *carry, float *carry_dst) {
  maxpool_plane(self, src, dst, arg, carry, carry_dst);
}

static void maxpool_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            float *out, int batch) {
  int32_t *argmax = ((nn_argmax_state *)self->state)->argmax;
  const size_t in_plane = nn_in_area(self), out_plane = nn_out_area(self);
  const long planes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (planes * (long)nn_in_area(self) >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < planes; p++)
    nn_maxpool_plane(self, in + (size_t)p * in_plane, out + (size_t)p * out_plane,
                     argmax + (size_t)p * out_plane);
}

int nn_act_pool_fits(const nn_layer *act, const nn_layer *pool) {
  const bovw_nn_kind a = act->spec.kind, p = pool->spec.kind;
  return (a == BOVW_NN_RELU || a == BOVW_NN_LEAKYRELU) &&
         (p == BOVW_NN_MAXPOOL || p == BOVW_NN_MAXPOOL1D) && pool->in_d == 1 &&
         pool->spec.stride_h >= pool->spec.kernel_h && pool->spec.stride_w >= pool->spec.kernel_w;
}

void nn_act_pool_forward(const nn_layer *act, nn_layer *pool, const nn_ctx *ctx,
                         const float *in, float *out, int batch) {
  int32_t *argmax = ((nn_argmax_state *)pool->state)->argmax;
  const float slope = act->spec.kind == BOVW_NN_LEAKYRELU ? (float)act->spec.slope : 0.0f;
  const size_t in_plane = nn_in_area(pool), out_plane = nn_out_area(pool);
  const long planes = (long)batch * pool->in_c;
  const bovw_nn_layer_spec *w = &pool->spec;
  const int two_by_two = w->kernel_h == 2 && w->kernel_w == 2 && w->stride_h == 2 && w->stride_w == 2;
#pragma omp parallel for num_threads(ctx->threads) if (planes * (long)in_plane >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < planes; p++) {
    const float *src = in + (size_t)p * in_plane;
    float *o = out + (size_t)p * out_plane;
    if (two_by_two) {
      /* No choices to keep: the larger of the two rows, then of each pair
       * of columns (the same maxima; only zeros of either sign could tie,
       * and the rectifier makes both +0). */
      const int W = pool->in_w, OW = pool->out_w;
      for (int y = 0; y < pool->out_h; y++) {
        const float *r0 = src + (size_t)2 * y * W, *r1 = r0 + W;
        float *d = o + (size_t)y * OW;
#pragma omp simd
        for (int x = 0; x < OW; x++) {
          const float a = r0[2 * x] > r1[2 * x] ? r0[2 * x] : r1[2 * x];
          const float b = r0[2 * x + 1] > r1[2 * x + 1] ? r0[2 * x + 1] : r1[2 * x + 1];
          d[x] = a > b ? a : b;
        }
      }
    } else {
      nn_maxpool_plane(pool, src, o, argmax + (size_t)p * out_plane);
    }
    /* the rectifier's forward (layer_act.c), on the pooled values */
#pragma omp simd
    for (size_t k = 0; k < out_plane; k++) {
      const float positive = o[k] > 0 ? o[k] : 0.0f;
      o[k] = positive + slope * (o[k] - positive);
    }
  }
}

static void maxpool_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                             const float *out, const float *dout, float *din,
                             int batch) {
  (void)in;
  (void)out;
  if (!din) return;
  const int32_t *argmax = ((nn_argmax_state *)self->state)->argmax;
  const size_t in_plane = (size_t)self->in_h * self->in_w;
  const size_t out_plane = (size_t)self->out_h * self->out_w;
  const long planes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (planes * (long)nn_in_area(self) >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < planes; p++) {
    float *d = din + (size_t)p * in_plane;
    memset(d, 0, in_plane * sizeof *d);
    for (size_t o = 0; o < out_plane; o++)
      d[argmax[(size_t)p * out_plane + o]] += dout[(size_t)p * out_plane + o];
  }
}

/* The position each window chose. */
uint64_t nn_argmax_branches(const nn_layer *self, const float *in, int batch,
                            uint64_t hash) {
  (void)in;
  const int32_t *argmax = ((const nn_argmax_state *)self->state)->argmax;
  const size_t n = (size_t)batch * nn_out_size(self);
  for (size_t i = 0; i < n; i++) hash = nn_hash_mix(hash, (uint64_t)argmax[i]);
  return hash;
}

static void avgpool_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            float *out, int batch) {
  const bovw_nn_layer_spec *l = &self->spec;
  const int H = self->in_h, W = self->in_w, OH = self->out_h, OW = self->out_w;
  const double area = (double)l->kernel_h * l->kernel_w;
  const long planes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (planes * (long)nn_in_area(self) >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < planes; p++) {
    const float *src = in + (size_t)p * H * W;
    float *dst = out + (size_t)p * OH * OW;
    for (int y = 0; y < OH; y++)
      for (int x = 0; x < OW; x++) {
        double sum = 0;
        for (int i = 0; i < l->kernel_h; i++)
          for (int j = 0; j < l->kernel_w; j++)
            sum += src[(y * l->stride_h + i) * W + x * l->stride_w + j];
        dst[y * OW + x] = (float)(sum / area);
      }
  }
}

static void avgpool_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                             const float *out, const float *dout, float *din,
                             int batch) {
  (void)in;
  (void)out;
  if (!din) return;
  const bovw_nn_layer_spec *l = &self->spec;
  const int H = self->in_h, W = self->in_w, OH = self->out_h, OW = self->out_w;
  const float inv_area = 1.0f / (float)(l->kernel_h * l->kernel_w);
  const long planes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (planes * (long)nn_in_area(self) >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < planes; p++) {
    float *d = din + (size_t)p * H * W;
    const float *g = dout + (size_t)p * OH * OW;
    memset(d, 0, (size_t)H * W * sizeof *d);
    for (int y = 0; y < OH; y++)
      for (int x = 0; x < OW; x++) {
        float share = g[y * OW + x] * inv_area;
        for (int i = 0; i < l->kernel_h; i++)
          for (int j = 0; j < l->kernel_w; j++)
            d[(y * l->stride_h + i) * W + x * l->stride_w + j] += share;
      }
  }
}

static int global_setup(nn_layer *self, bovw_error *err) {
  (void)err;
  self->out_c = self->in_c;
  self->out_d = self->out_h = self->out_w = 1;
  return BOVW_OK;
}

static void global_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                           float *out, int batch) {
  const size_t area = nn_in_area(self);
  const long planes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (planes * (long)nn_in_area(self) >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < planes; p++) {
    double sum = 0;
    for (size_t i = 0; i < area; i++) sum += in[(size_t)p * area + i];
    out[p] = (float)(sum / (double)area);
  }
}

static void global_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            const float *out, const float *dout, float *din,
                            int batch) {
  (void)in;
  (void)out;
  if (!din) return;
  const size_t area = nn_in_area(self);
  const long planes = (long)batch * self->in_c;
#pragma omp parallel for num_threads(ctx->threads) if (planes * (long)nn_in_area(self) >= PARALLEL_MIN) schedule(static)
  for (long p = 0; p < planes; p++) {
    float share = dout[p] / (float)area;
    for (size_t i = 0; i < area; i++) din[(size_t)p * area + i] = share;
  }
}

const nn_ops nn_maxpool_ops = {
    .kind = BOVW_NN_MAXPOOL,
    .setup = window_setup,
    .reserve = nn_argmax_reserve,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .release = nn_argmax_release,
    .branches = nn_argmax_branches,
};

const nn_ops nn_avgpool_ops = {
    .kind = BOVW_NN_AVGPOOL,
    .setup = window_setup,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
};

const nn_ops nn_globalavgpool_ops = {
    .kind = BOVW_NN_GLOBALAVGPOOL,
    .setup = global_setup,
    .forward = global_forward,
    .backward = global_backward,
};
