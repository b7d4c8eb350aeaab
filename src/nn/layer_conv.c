/* layer_conv.c: 2-D convolution as cross-correlation (no kernel flip, as in
 * every deep-learning library), with stride, zero or replicate padding and
 * an optional bias. Weight layout C_out x C_in x K_h x K_w.
 *
 * Each sample is unrolled with im2col into a (C_in K_h K_w) x (H_out W_out)
 * matrix, so that the convolution is one product with the weights
 * (Chellapilla, Puri, Simard, "High performance convolutional neural
 * networks for document processing", 2006). Samples run in parallel
 * (OpenMP), each product on one OpenBLAS thread. The weight gradient is
 * summed over fixed groups of samples and the groups are added in order, so
 * the result does not depend on the number of threads. */
#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

/* The batch is cut into at most this many groups for the weight gradient. */
enum { GROUPS = 16 };
/* Below this many multiply-adds per pass a parallel region costs more than
 * it saves (threads waiting at the barrier). */
#define PARALLEL_MIN_MACS (1L << 17)

typedef struct conv_state {
  int threads;           /* per-thread buffers made */
  float **col, **dcol;   /* per thread: K x N */
  float *partial;        /* GROUPS x (C_out K + C_out) */
} conv_state;

static int conv_setup(nn_layer *self, bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  if (l->units <= 0)
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "needs a number of filters (or 'classes' with the "
                          "number of classes given)");
  int ph, pw, rc = nn_resolve_padding(self, &ph, &pw, err);
  if (rc) return rc;
  self->pad_top = ph;
  self->pad_left = pw;
  self->out_c = l->units;
  self->out_h = nn_conv_out_size(self->in_h, l->kernel_h, l->stride_h, ph);
  self->out_w = nn_conv_out_size(self->in_w, l->kernel_w, l->stride_w, pw);
  if (self->out_h <= 0 || self->out_w <= 0)
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "kernel %dx%d does not fit the input %dx%dx%d "
                          "padded by %dx%d",
                          l->kernel_h, l->kernel_w, self->in_c, self->in_h,
                          self->in_w, ph, pw);
  int64_t wshape[4] = {l->units, self->in_c, l->kernel_h, l->kernel_w};
  int64_t bshape[1] = {l->units};
  nn_declare_param(self, 0, "weight", 4, wshape, 1, 1);
  if (l->bias) nn_declare_param(self, 1, "bias", 1, bshape, 1, 0);
  return BOVW_OK;
}

static void conv_init(nn_layer *self, bovw_rng *rng) {
  const bovw_nn_layer_spec *l = &self->spec;
  bovw_nn_param *w = &self->params[0];
  int area = l->kernel_h * l->kernel_w;
  nn_init_weights(w->value, w->count, self->in_c * area, self->out_c * area,
                  l->init, rng);
}

static size_t col_rows(const nn_layer *self) {
  return (size_t)self->in_c * (size_t)self->spec.kernel_h * (size_t)self->spec.kernel_w;
}
static size_t col_cols(const nn_layer *self) {
  return (size_t)self->out_h * (size_t)self->out_w;
}
/* A 1x1 kernel at stride 1 without padding needs no unrolling. */
static int is_pointwise(const nn_layer *self) {
  const bovw_nn_layer_spec *l = &self->spec;
  return l->kernel_h == 1 && l->kernel_w == 1 && l->stride_h == 1 &&
         l->stride_w == 1 && self->pad_top == 0 && self->pad_left == 0;
}

static void free_buffers(conv_state *st) {
  for (int t = 0; t < st->threads; t++) {
    free(st->col[t]);
    free(st->dcol[t]);
  }
  free(st->col);
  free(st->dcol);
  free(st->partial);
  memset(st, 0, sizeof *st);
}

static int conv_reserve(nn_layer *self, int batch, int threads, bovw_error *err) {
  (void)batch;
  conv_state *st = self->state;
  if (!st && !(st = self->state = calloc(1, sizeof *st)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (st->threads == threads) return BOVW_OK;
  free_buffers(st);
  size_t k = col_rows(self), n = col_cols(self), c = (size_t)self->out_c;
  st->col = calloc((size_t)threads, sizeof *st->col);
  st->dcol = calloc((size_t)threads, sizeof *st->dcol);
  st->partial = malloc(GROUPS * (c * k + c) * sizeof *st->partial);
  int ok = st->col && st->dcol && st->partial;
  st->threads = ok ? threads : 0;
  for (int t = 0; ok && t < threads; t++)
    ok = (st->col[t] = malloc(k * n * sizeof(float))) &&
         (st->dcol[t] = malloc(k * n * sizeof(float)));
  if (!ok) {
    free_buffers(st);
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "out of memory for the convolution of line %d",
                          self->spec.line);
  }
  return BOVW_OK;
}

static void conv_release(nn_layer *self) {
  conv_state *st = self->state;
  if (!st) return;
  free_buffers(st);
  free(st);
  self->state = NULL;
}

static int clamp(int v, int hi) { return v < 0 ? 0 : v >= hi ? hi - 1 : v; }

/* The outputs x in [*lo, *hi) whose input column x stride - pad + j falls
 * inside 0..in_w-1: the span that is a plain (strided) copy. */
static void inside_span(int pad, int j, int stride, int in_w, int out_w,
                        int *lo, int *hi) {
  const int first = pad - j, last = in_w - 1 + pad - j;
  int l = first <= 0 ? 0 : (first + stride - 1) / stride;
  int h = last < 0 ? 0 : last / stride + 1;
  if (h > out_w) h = out_w;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

/* col[(c K_h + i) K_w + j][y W_out + x] = in[c][y s_h - p_h + i][x s_w - p_w + j],
 * outside the image 0 (zeros) or the nearest edge pixel (replicate). Each
 * output row is three spans (left border, inside, right border), so the
 * inside is copied without a test per pixel. */
static void im2col(const nn_layer *self, const float *in, float *col) {
  const bovw_nn_layer_spec *l = &self->spec;
  const int H = self->in_h, W = self->in_w, OH = self->out_h, OW = self->out_w;
  const int sh = l->stride_h, sw = l->stride_w;
  float *dst = col;
  for (int c = 0; c < self->in_c; c++) {
    const float *plane = in + (size_t)c * H * W;
    for (int i = 0; i < l->kernel_h; i++)
      for (int j = 0; j < l->kernel_w; j++) {
        int lo, hi;
        inside_span(self->pad_left, j, sw, W, OW, &lo, &hi);
        const int shift = j - self->pad_left;
        for (int y = 0; y < OH; y++, dst += OW) {
          const int iy = y * sh - self->pad_top + i;
          if ((iy < 0 || iy >= H) && !l->replicate) {
            memset(dst, 0, (size_t)OW * sizeof *dst);
            continue;
          }
          const float *row = plane + (size_t)clamp(iy, H) * W;
          const float left = l->replicate ? row[0] : 0.0f;
          const float right = l->replicate ? row[W - 1] : 0.0f;
          for (int x = 0; x < lo; x++) dst[x] = left;
          if (sw == 1)
            memcpy(dst + lo, row + lo + shift, (size_t)(hi - lo) * sizeof *dst);
          else
            for (int x = lo; x < hi; x++) dst[x] = row[x * sw + shift];
          for (int x = hi; x < OW; x++) dst[x] = right;
        }
      }
  }
}

/* The adjoint of im2col: din = sum of the columns back at their pixels. */
static void col2im(const nn_layer *self, const float *col, float *din) {
  const bovw_nn_layer_spec *l = &self->spec;
  const int H = self->in_h, W = self->in_w, OH = self->out_h, OW = self->out_w;
  const int sh = l->stride_h, sw = l->stride_w;
  memset(din, 0, nn_in_size(self) * sizeof *din);
  const float *src = col;
  for (int c = 0; c < self->in_c; c++) {
    float *plane = din + (size_t)c * H * W;
    for (int i = 0; i < l->kernel_h; i++)
      for (int j = 0; j < l->kernel_w; j++) {
        int lo, hi;
        inside_span(self->pad_left, j, sw, W, OW, &lo, &hi);
        const int shift = j - self->pad_left;
        for (int y = 0; y < OH; y++, src += OW) {
          const int iy = y * sh - self->pad_top + i;
          if ((iy < 0 || iy >= H) && !l->replicate) continue;
          float *row = plane + (size_t)clamp(iy, H) * W;
          if (l->replicate) {
            for (int x = 0; x < lo; x++) row[0] += src[x];
            for (int x = hi; x < OW; x++) row[W - 1] += src[x];
          }
          if (sw == 1) {
            float *r = row + lo + shift;
            const float *from = src + lo;
#pragma omp simd
            for (int k = 0; k < hi - lo; k++) r[k] += from[k];
          } else {
            for (int x = lo; x < hi; x++) row[x * sw + shift] += src[x];
          }
        }
      }
  }
}

static void conv_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                         float *out, int batch) {
  conv_state *st = self->state;
  const int K = (int)col_rows(self), N = (int)col_cols(self), C = self->out_c;
  const size_t in_size = nn_in_size(self), out_size = nn_out_size(self);
  const float *w = self->params[0].value;
  const float *bias = self->num_params > 1 ? self->params[1].value : NULL;
  const int pointwise = is_pointwise(self);
  const int parallel = batch > 1 && (long)C * K * N * batch >= PARALLEL_MIN_MACS;
  nn_blas_threads(1);
#pragma omp parallel for num_threads(ctx->threads) if (parallel) schedule(static)
  for (int b = 0; b < batch; b++) {
    const float *col = in + (size_t)b * in_size;
    if (!pointwise) {
      float *buf = st->col[omp_get_thread_num()];
      im2col(self, col, buf);
      col = buf;
    }
    float *o = out + (size_t)b * out_size;
    /* out_b (C_out x N) = W (C_out x K) col (K x N) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, N, K, 1.0f, w, K,
                col, N, 0.0f, o, N);
    if (bias)
      for (int c = 0; c < C; c++) {
        float *oc = o + (size_t)c * N;
        const float bc = bias[c];
#pragma omp simd
        for (int n = 0; n < N; n++) oc[n] += bc;
      }
  }
}

static void conv_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                          const float *out, const float *dout, float *din,
                          int batch) {
  (void)out;
  conv_state *st = self->state;
  const int K = (int)col_rows(self), N = (int)col_cols(self), C = self->out_c;
  const size_t in_size = nn_in_size(self), out_size = nn_out_size(self);
  const size_t group_size = (size_t)C * K + (size_t)C;
  const int groups = batch < GROUPS ? batch : GROUPS;
  const int has_bias = self->num_params > 1;
  const int pointwise = is_pointwise(self);
  const float *w = self->params[0].value;
  const int parallel = groups > 1 && (long)C * K * N * batch >= PARALLEL_MIN_MACS;
  nn_blas_threads(1);
#pragma omp parallel for num_threads(ctx->threads) if (parallel) schedule(static, 1)
  for (int g = 0; g < groups; g++) {
    const int t = omp_get_thread_num();
    float *dw = st->partial + (size_t)g * group_size, *db = dw + (size_t)C * K;
    memset(db, 0, (size_t)C * sizeof *db);
    const int first = (int)((long)g * batch / groups);
    const int last = (int)((long)(g + 1) * batch / groups);
    for (int b = first; b < last; b++) {
      const float *col = in + (size_t)b * in_size;
      const float *d = dout + (size_t)b * out_size;
      if (!pointwise) {
        im2col(self, col, st->col[t]);
        col = st->col[t];
      }
      /* dW (C_out x K) += dout_b (C_out x N) col^T (N x K) */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, K, N, 1.0f, d, N,
                  col, N, b == first ? 0.0f : 1.0f, dw, K);
      if (has_bias)
        for (int c = 0; c < C; c++) {
          const float *dc = d + (size_t)c * N;
          double sum = 0;
#pragma omp simd reduction(+ : sum)
          for (int n = 0; n < N; n++) sum += dc[n];
          db[c] += (float)sum;
        }
      if (din) {
        /* dcol (K x N) = W^T (K x C_out) dout_b (C_out x N) */
        float *dcol = pointwise ? din + (size_t)b * in_size : st->dcol[t];
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, C, 1.0f, w,
                    K, d, N, 0.0f, dcol, N);
        if (!pointwise) col2im(self, dcol, din + (size_t)b * in_size);
      }
    }
  }
  /* Groups added in order: the same sums whatever the thread count. */
  float *gw = self->params[0].grad;
  float *gb = has_bias ? self->params[1].grad : NULL;
  memcpy(gw, st->partial, (size_t)C * K * sizeof *gw);
  if (gb) memcpy(gb, st->partial + (size_t)C * K, (size_t)C * sizeof *gb);
  for (int g = 1; g < groups; g++) {
    const float *p = st->partial + (size_t)g * group_size;
    for (size_t i = 0; i < (size_t)C * K; i++) gw[i] += p[i];
    if (gb)
      for (int c = 0; c < C; c++) gb[c] += p[(size_t)C * K + c];
  }
}

const nn_ops nn_conv_ops = {
    .kind = BOVW_NN_CONV,
    .setup = conv_setup,
    .init = conv_init,
    .reserve = conv_reserve,
    .forward = conv_forward,
    .backward = conv_backward,
    .release = conv_release,
};
