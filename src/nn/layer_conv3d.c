/* layer_conv3d.c: 3-D convolution (cross-correlation) over C x D x H x W
 * volumes, such as short clips of D frames, with stride, zero or replicate
 * padding along each axis, and an optional bias. Weight layout
 * C_out x C_in x K_d x K_h x K_w (PyTorch's Conv3d).
 *
 * As the 2-D convolution (layer_conv.c), each sample is unrolled, here by
 * vol2col into a (C_in K_d K_h K_w) x (D_out H_out W_out) matrix, and
 * multiplied by the weights (C_out x C_in K_d K_h K_w) with cblas_sgemm.
 * Samples run in parallel, each product on one OpenBLAS thread; the weight
 * gradient is summed over fixed groups of samples added in order, so the
 * result does not depend on the number of threads. */
#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

/* Below this many multiply-adds per pass a parallel region costs more than
 * it saves. */
#define PARALLEL_MIN_MACS (1L << 17)

typedef struct conv3d_state {
  int threads;           /* per-thread buffers made */
  float **col, **dcol;   /* per thread: K x N */
  float *partial;        /* NN_GROUPS x (C_out K + C_out) */
} conv3d_state;

static int conv3d_setup(nn_layer *self, bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  if (l->units <= 0)
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "needs a number of filters (or 'classes' with the "
                          "number of classes given)");
  int ph, pw, rc = nn_resolve_padding(self, &ph, &pw, err);
  if (rc) return rc;
  const int pd = nn_resolve_padding_depth(self);
  self->pad_front = pd;
  self->pad_top = ph;
  self->pad_left = pw;
  self->out_c = l->units;
  self->out_d = nn_conv_out_size(self->in_d, l->kernel_d, l->stride_d, pd);
  self->out_h = nn_conv_out_size(self->in_h, l->kernel_h, l->stride_h, ph);
  self->out_w = nn_conv_out_size(self->in_w, l->kernel_w, l->stride_w, pw);
  if (self->out_d <= 0 || self->out_h <= 0 || self->out_w <= 0) {
    char shape[64];
    nn_in_shape_format(self, shape, sizeof shape);
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "kernel %dx%dx%d does not fit the input %s padded by %dx%dx%d",
                          l->kernel_d, l->kernel_h, l->kernel_w, shape, pd, ph, pw);
  }
  int64_t wshape[5] = {l->units, self->in_c, l->kernel_d, l->kernel_h, l->kernel_w};
  int64_t bshape[1] = {l->units};
  nn_declare_param(self, 0, "weight", 5, wshape, 1, 1);
  if (l->bias) nn_declare_param(self, 1, "bias", 1, bshape, 1, 0);
  return BOVW_OK;
}

static void conv3d_init(nn_layer *self, bovw_rng *rng) {
  const bovw_nn_layer_spec *l = &self->spec;
  bovw_nn_param *w = &self->params[0];
  int volume = l->kernel_d * l->kernel_h * l->kernel_w;
  nn_init_weights(w->value, w->count, self->in_c * volume, self->out_c * volume, l->init,
                  rng);
}

static size_t col_rows(const nn_layer *self) {
  const bovw_nn_layer_spec *l = &self->spec;
  return (size_t)self->in_c * (size_t)l->kernel_d * (size_t)l->kernel_h * (size_t)l->kernel_w;
}

static void free_buffers(conv3d_state *st) {
  for (int t = 0; t < st->threads; t++) {
    free(st->col[t]);
    free(st->dcol[t]);
  }
  free(st->col);
  free(st->dcol);
  free(st->partial);
  memset(st, 0, sizeof *st);
}

static int conv3d_reserve(nn_layer *self, int batch, int threads, bovw_error *err) {
  (void)batch;
  conv3d_state *st = self->state;
  if (!st && !(st = self->state = calloc(1, sizeof *st)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (st->threads == threads) return BOVW_OK;
  free_buffers(st);
  size_t k = col_rows(self), n = nn_out_area(self), c = (size_t)self->out_c;
  st->col = calloc((size_t)threads, sizeof *st->col);
  st->dcol = calloc((size_t)threads, sizeof *st->dcol);
  st->partial = malloc(NN_GROUPS * (c * k + c) * sizeof *st->partial);
  int ok = st->col && st->dcol && st->partial;
  st->threads = ok ? threads : 0;
  for (int t = 0; ok && t < threads; t++)
    ok = (st->col[t] = malloc(k * n * sizeof(float))) &&
         (st->dcol[t] = malloc(k * n * sizeof(float)));
  if (!ok) {
    free_buffers(st);
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "out of memory for the convolution of line %d", self->spec.line);
  }
  return BOVW_OK;
}

static void conv3d_release(nn_layer *self) {
  conv3d_state *st = self->state;
  if (!st) return;
  free_buffers(st);
  free(st);
  self->state = NULL;
}

static int clamp(int v, int hi) { return v < 0 ? 0 : v >= hi ? hi - 1 : v; }

/* The outputs x in [lo, hi) whose input column x stride + shift falls
 * inside a row of in_w values; those left of lo read the left border,
 * those from hi on the right one. */
typedef struct span {
  int lo, hi;
} span;

static span inside(int out_w, int stride, int shift, int in_w) {
  span s = {0, 0};
  while (s.lo < out_w && s.lo * stride + shift < 0) s.lo++;
  s.hi = s.lo;
  while (s.hi < out_w && s.hi * stride + shift < in_w) s.hi++;
  return s;
}

/* col[((c K_d + a) K_h + i) K_w + j][(z H_out + y) W_out + x]
 *   = in[c][z s_d - p_d + a][y s_h - p_h + i][x s_w - p_w + j],
 * outside the volume 0 (zeros) or the nearest edge value (replicate). With
 * din given it runs the other way (col2vol, the adjoint): din is zeroed and
 * each position accumulates the values of col that were read from it. */
static void vol2col(const nn_layer *self, const float *in, float *col, float *din) {
  const bovw_nn_layer_spec *l = &self->spec;
  const int D = self->in_d, H = self->in_h, W = self->in_w;
  const int OD = self->out_d, OH = self->out_h, OW = self->out_w;
  const int replicate = l->replicate;
  if (din) memset(din, 0, nn_in_size(self) * sizeof *din);
  float *cell = col;
  for (int c = 0; c < self->in_c; c++)
    for (int a = 0; a < l->kernel_d; a++)
      for (int i = 0; i < l->kernel_h; i++)
        for (int j = 0; j < l->kernel_w; j++) {
          const int shift = j - self->pad_left;
          const span s = inside(OW, l->stride_w, shift, W);
          for (int z = 0; z < OD; z++) {
            const int iz = z * l->stride_d - self->pad_front + a;
            for (int y = 0; y < OH; y++, cell += OW) {
              const int iy = y * l->stride_h - self->pad_top + i;
              const int outside = iz < 0 || iz >= D || iy < 0 || iy >= H;
              if (outside && !replicate) {
                if (!din) memset(cell, 0, (size_t)OW * sizeof *cell);
                continue;
              }
              const size_t row = (((size_t)c * D + clamp(iz, D)) * H + clamp(iy, H)) * W;
              if (din) {
                float *r = din + row;
                if (replicate) {
                  for (int x = 0; x < s.lo; x++) r[0] += cell[x];
                  for (int x = s.hi; x < OW; x++) r[W - 1] += cell[x];
                }
                for (int x = s.lo; x < s.hi; x++) r[x * l->stride_w + shift] += cell[x];
              } else {
                const float *r = in + row;
                const float left = replicate ? r[0] : 0.0f, right = replicate ? r[W - 1] : 0.0f;
                for (int x = 0; x < s.lo; x++) cell[x] = left;
                for (int x = s.lo; x < s.hi; x++) cell[x] = r[x * l->stride_w + shift];
                for (int x = s.hi; x < OW; x++) cell[x] = right;
              }
            }
          }
        }
}

static void conv3d_forward(nn_layer *self, const nn_ctx *ctx, const float *in, float *out,
                           int batch) {
  conv3d_state *st = self->state;
  const int K = (int)col_rows(self), N = (int)nn_out_area(self), C = self->out_c;
  const size_t in_size = nn_in_size(self), out_size = nn_out_size(self);
  const float *w = self->params[0].value;
  const float *bias = self->num_params > 1 ? self->params[1].value : NULL;
  const int parallel = batch > 1 && (long)C * K * N * batch >= PARALLEL_MIN_MACS;
  nn_blas_threads(1);
#pragma omp parallel for num_threads(ctx->threads) if (parallel) schedule(static)
  for (int b = 0; b < batch; b++) {
    float *col = st->col[omp_get_thread_num()];
    vol2col(self, in + (size_t)b * in_size, col, NULL);
    float *o = out + (size_t)b * out_size;
    /* out_b (C_out x N) = W (C_out x K) col (K x N) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, N, K, 1.0f, w, K, col, N,
                0.0f, o, N);
    for (int c = 0; bias && c < C; c++) {
      float *oc = o + (size_t)c * N;
      const float bc = bias[c];
#pragma omp simd
      for (int n = 0; n < N; n++) oc[n] += bc;
    }
  }
}

static void conv3d_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            const float *out, const float *dout, float *din, int batch) {
  (void)out;
  conv3d_state *st = self->state;
  const int K = (int)col_rows(self), N = (int)nn_out_area(self), C = self->out_c;
  const size_t in_size = nn_in_size(self), out_size = nn_out_size(self);
  const size_t group_size = (size_t)C * K + (size_t)C;
  const int groups = nn_num_groups(batch);
  const int has_bias = self->num_params > 1;
  const float *w = self->params[0].value;
  const int parallel = groups > 1 && (long)C * K * N * batch >= PARALLEL_MIN_MACS;
  nn_blas_threads(1);
#pragma omp parallel for num_threads(ctx->threads) if (parallel) schedule(static, 1)
  for (int g = 0; g < groups; g++) {
    const int t = omp_get_thread_num();
    float *dw = st->partial + (size_t)g * group_size, *db = dw + (size_t)C * K;
    memset(db, 0, (size_t)C * sizeof *db);
    const int first = nn_group_start(g, groups, batch);
    const int last = nn_group_start(g + 1, groups, batch);
    for (int b = first; b < last; b++) {
      const float *d = dout + (size_t)b * out_size;
      vol2col(self, in + (size_t)b * in_size, st->col[t], NULL);
      /* dW (C_out x K) += dout_b (C_out x N) col^T (N x K) */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, K, N, 1.0f, d, N, st->col[t],
                  N, b == first ? 0.0f : 1.0f, dw, K);
      for (int c = 0; has_bias && c < C; c++) {
        const float *dc = d + (size_t)c * N;
        double sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int n = 0; n < N; n++) sum += dc[n];
        db[c] += (float)sum;
      }
      if (din) {
        /* dcol (K x N) = W^T (K x C_out) dout_b (C_out x N), folded back */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, C, 1.0f, w, K, d, N,
                    0.0f, st->dcol[t], N);
        vol2col(self, NULL, st->dcol[t], din + (size_t)b * in_size);
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
    for (int c = 0; gb && c < C; c++) gb[c] += p[(size_t)C * K + c];
  }
}

const nn_ops nn_conv3d_ops = {
    .kind = BOVW_NN_CONV3D,
    .setup = conv3d_setup,
    .init = conv3d_init,
    .reserve = conv3d_reserve,
    .forward = conv3d_forward,
    .backward = conv3d_backward,
    .release = conv3d_release,
};
