/* conv_bn_block.c: a net's first convolution and the batch norm + rectifier
 * + max pool block behind it (layer_bn.c) as one, in training, when the
 * net's input gradient is not wanted: the convolution's output never goes
 * to memory, and the batch norm's input gradient is never made.
 *
 * Run apart, the convolution writes its output (the largest tensor of an
 * image net: 32 channels of 28 x 28 a sample in fmnist-cnn), the block
 * reads it twice (statistics, then normalisation), and backward writes the
 * batch norm's input gradient dx for all of it, which the convolution reads
 * back to sum dW[c][k] = sum_p dx_p col_k(p) over the batch's positions p
 * (col(p): the unrolled input at p, K values). Here the statistics and the
 * weight gradient come from the centred Gram matrix of the unrolled input,
 *   Gc = sum_p col(p) col(p)^T - S S^T / m,  S = sum_p col(p),
 * K x K for every channel at once (K is small in a first layer: 9 for a
 * gray 3x3 kernel, 27 for RGB), since the output x_p = w_c . col(p) + b_c
 * is affine in col(p):
 *   mean_c = w_c . S / m + b_c,  var_c = w_c^T Gc w_c / m
 * (m the values of a channel in the batch), and with the training formula
 * (Ioffe and Szegedy, section 3)
 *   dx_p = g_c (dy_p - s_c / m - xhat_p q_c / m),  g_c = gamma_c / sigma_c,
 * where dy is zero but at the positions the pool chose and s_c, q_c are the
 * sums of dy and dy xhat the block's backward takes,
 *   dW[c][k] = g_c (A[c][k] - s_c S_k / m - q_c / (m sigma_c) (w_c . Gc[., k]))
 * with A[c][k] the sum of dy_p col_k(p) over the chosen positions. The bias
 * gradient is exactly zero: a batch norm removes any constant its input
 * gets. Forward then computes each sample's output into a buffer that
 * stays in the core's cache and runs the block on its planes there.
 *
 * Against the layers run apart the statistics are those of the exact
 * outputs instead of their float roundings, and the weight gradient sums
 * exact products instead of the rounded dx: differences of the order of
 * float rounding, which docs/nn.md bounds and the tests check. Sums are in
 * double but for A's per sample and channel (one plane's chosen positions,
 * in float); samples go in fixed groups added in order, so the same
 * results at any thread count. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"
#include "nn/vec.h"

/* At most this many values in a position's unrolled input. */
enum { MAX_K = 32 };

struct nn_conv_bn_block {
  int K, KP, N, C, threads;
  float **col;     /* per thread: K x N, a sample's unrolled input */
  float **rows;    /* per thread: N x KP, the same a position a row, zero-padded */
  float **planes;  /* per thread: C x N, a sample's convolution output */
  float **scratch; /* per thread: the direct kernel's */
  double *partial; /* NN_GROUPS x (C K + K K + K): A, then G's upper triangle and S */
  double *gram;    /* K x K: the last forward's centred Gram matrix */
  double *sum;     /* K: its S */
};

static int unrolled_size(const nn_layer *conv) {
  return conv->in_c * conv->spec.kernel_h * conv->spec.kernel_w;
}

int nn_conv_bn_block_fits(const nn_layer *conv, const nn_layer *bn, const nn_layer *act,
                          const nn_layer *pool) {
  return conv->spec.kind == BOVW_NN_CONV && nn_conv_is_direct(conv) &&
         unrolled_size(conv) <= MAX_K && nn_bn_block_fits(bn, act, pool);
}

static void free_per_thread(float **v, int threads) {
  if (!v) return;
  for (int t = 0; t < threads; t++) free(v[t]);
  free(v);
}

void nn_conv_bn_block_free(nn_conv_bn_block *self) {
  if (!self) return;
  free_per_thread(self->col, self->threads);
  free_per_thread(self->rows, self->threads);
  free_per_thread(self->planes, self->threads);
  free_per_thread(self->scratch, self->threads);
  free(self->partial);
  free(self->gram);
  free(self->sum);
  free(self);
}

/* threads buffers of n floats each, zeroed. */
static float **per_thread(int threads, size_t n) {
  float **v = calloc((size_t)threads, sizeof *v);
  for (int t = 0; v && t < threads; t++)
    if (!(v[t] = calloc(n, sizeof(float)))) {
      free_per_thread(v, threads);
      return NULL;
    }
  return v;
}

nn_conv_bn_block *nn_conv_bn_block_new(const nn_layer *conv, int threads) {
  nn_conv_bn_block *self = calloc(1, sizeof *self);
  if (!self) return NULL;
  self->K = unrolled_size(conv);
  self->KP = self->K <= 16 ? 16 : 32;
  self->N = conv->out_h * conv->out_w;
  self->C = conv->out_c;
  self->threads = threads;
  const size_t K = (size_t)self->K, N = (size_t)self->N;
  const size_t group = (size_t)self->C * K + K * K + K;
  if (!(self->col = per_thread(threads, K * N)) ||
      !(self->rows = per_thread(threads, N * self->KP)) ||
      !(self->planes = per_thread(threads, (size_t)self->C * N)) ||
      !(self->scratch = per_thread(threads, nn_conv_direct_scratch(conv))) ||
      !(self->partial = malloc(NN_GROUPS * group * sizeof *self->partial)) ||
      !(self->gram = malloc(K * K * sizeof *self->gram)) ||
      !(self->sum = malloc(K * sizeof *self->sum))) {
    nn_conv_bn_block_free(self);
    return NULL;
  }
  return self;
}

typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));

static inline v4d load4d(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, v4d);
}

static inline double sum4d(v4d v) { return (v[0] + v[1]) + (v[2] + v[3]); }

/* The sum of n floats in double, four at a time. */
static double sum_double(const float *a, int n) {
  v4d acc = {0};
  int i = 0;
  for (; i + 4 <= n; i += 4) acc += load4d(a + i);
  double tail = 0;
  for (; i < n; i++) tail += a[i];
  return sum4d(acc) + tail;
}

/* out[i] += the dot product of a with b[i] (n floats), for i < nb <= 4, in
 * double: four independent sums, not one chain of dependent adds. */
static void add_dots(const float *a, const float *const *b, int nb, int n, double *out) {
  v4d acc[4] = {{0}};
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v4d x = load4d(a + i);
    for (int j = 0; j < 4; j++)
      if (j < nb) acc[j] += x * load4d(b[j] + i);
  }
  for (int j = 0; j < nb; j++) {
    double tail = 0;
    for (int t = i; t < n; t++) tail += (double)a[t] * b[j][t];
    out[j] += sum4d(acc[j]) + tail;
  }
}

/* A's row of one channel plane: the sum of the rows (16 or 32 floats,
 * zero-padded) of the chosen positions, each times its dy, the gradient
 * reaching the batch norm as nn_bn_block_backward has it. Two outputs a
 * step into separate sums, so that the adds do not wait on each other. */
static void add_chosen_rows(const float *rows, int kp, const int32_t *argmax,
                            const float *pooled, const float *dout, float slope, int outputs,
                            float *row_sum) {
  v8f acc[2][4] = {{{0}}};
  const int vectors = kp / 8;
  for (int j = 0; j < outputs; j++) {
    const float dy = (pooled[j] > 0 ? 1.0f : slope) * dout[j];
    const float *r = rows + (size_t)argmax[j] * kp;
    v8f *a = acc[j & 1];
    a[0] += dy * load8(r);
    a[1] += dy * load8(r + 8);
    if (vectors == 4) {
      a[2] += dy * load8(r + 16);
      a[3] += dy * load8(r + 24);
    }
  }
  for (int v = 0; v < vectors; v++) {
    const v8f sum = acc[0][v] + acc[1][v];
    memcpy(row_sum + 8 * v, &sum, sizeof sum);
  }
}

/* The groups' partial sums (size values a group) added in order into the
 * first group's. */
static void add_groups(double *partial, size_t size, int groups) {
  for (int g = 1; g < groups; g++)
    for (size_t i = 0; i < size; i++) partial[i] += partial[(size_t)g * size + i];
}

/* S and the upper triangle of sum_p col(p) col(p)^T of one sample. */
static void add_sample_gram(const nn_conv_bn_block *self, const float *col, double *G,
                            double *S) {
  const int K = self->K, N = self->N;
  for (int k = 0; k < K; k++) {
    const float *a = col + (size_t)k * N;
    S[k] += sum_double(a, N);
    for (int k2 = k; k2 < K; k2 += 4) {
      const float *b[4];
      const int nb = K - k2 < 4 ? K - k2 : 4;
      for (int j = 0; j < nb; j++) b[j] = col + (size_t)(k2 + j) * N;
      add_dots(a, b, nb, N, G + (size_t)k * K + k2);
    }
  }
}

void nn_conv_bn_block_forward(nn_conv_bn_block *self, const nn_layer *conv, nn_layer *bn,
                              const nn_layer *act, nn_layer *pool, const nn_ctx *ctx,
                              const float *in, float *out, int batch) {
  const int K = self->K, C = self->C, N = self->N, groups = nn_num_groups(batch);
  const size_t in_size = nn_in_size(conv), gram_size = (size_t)K * K + K;
  const int threads = ctx->threads < self->threads ? ctx->threads : self->threads;
  /* The Gram matrix and S, groups of samples in parallel. */
#pragma omp parallel for num_threads(threads) if (groups > 1) schedule(static, 1)
  for (int g = 0; g < groups; g++) {
    double *G = self->partial + (size_t)g * gram_size, *S = G + (size_t)K * K;
    float *col = self->col[omp_get_thread_num()];
    memset(G, 0, gram_size * sizeof *G);
    const int last = nn_group_start(g + 1, groups, batch);
    for (int b = nn_group_start(g, groups, batch); b < last; b++) {
      nn_conv_unroll(conv, in + (size_t)b * in_size, col);
      add_sample_gram(self, col, G, S);
    }
  }
  add_groups(self->partial, gram_size, groups);
  const double m = (double)batch * N, *S = self->partial + (size_t)K * K;
  double *Gc = self->gram;
  for (int k = 0; k < K; k++) {
    self->sum[k] = S[k];
    for (int k2 = k; k2 < K; k2++)
      Gc[k2 * K + k] = Gc[k * K + k2] = self->partial[k * K + k2] - S[k] * S[k2] / m;
  }
  /* Each channel's mean and variance from them. */
  const float *w = conv->params[0].value;
  const float *bias = conv->num_params > 1 ? conv->params[1].value : NULL;
  for (int c = 0; c < C; c++) {
    const float *wc = w + (size_t)c * K;
    double mean = 0, var = 0;
    for (int k = 0; k < K; k++) {
      double gw = 0;
      for (int k2 = 0; k2 < K; k2++) gw += Gc[k * K + k2] * wc[k2];
      mean += wc[k] * S[k];
      var += wc[k] * gw;
    }
    nn_bn_set_statistics(bn, ctx, c, mean / m + (bias ? bias[c] : 0.0), var / m, m);
  }
  /* Each sample's output, in the core's cache, through the block. */
#pragma omp parallel for num_threads(threads) if (batch > 1) schedule(static)
  for (int b = 0; b < batch; b++) {
    const int t = omp_get_thread_num();
    float *plane = self->planes[t];
    nn_conv_direct_forward(conv, w, bias, in + (size_t)b * in_size, plane, self->scratch[t]);
    for (int c = 0; c < C; c++)
      nn_bn_block_plane(bn, act, pool, t, b, c, plane + (size_t)c * N, out);
  }
}

/* One sample's A: for each channel, the rows of the chosen positions
 * times their dy. */
static void add_sample_chosen(const nn_conv_bn_block *self, const nn_layer *pool, float slope,
                              const float *col, float *rows, const float *pooled,
                              const float *dout, const int32_t *argmax, double *A) {
  const int K = self->K, KP = self->KP, N = self->N, C = self->C;
  const size_t out_area = nn_out_area(pool);
  /* Rows written one after the other, the K rows of col read as streams. */
  for (int n = 0; n < N; n++)
    for (int k = 0; k < K; k++) rows[(size_t)n * KP + k] = col[(size_t)k * N + n];
  for (int c = 0; c < C; c++) {
    float row_sum[MAX_K];
    const size_t o = (size_t)c * out_area;
    add_chosen_rows(rows, KP, argmax + o, pooled + o, dout + o, slope, (int)out_area, row_sum);
    for (int k = 0; k < K; k++) A[(size_t)c * K + k] += row_sum[k];
  }
}

void nn_conv_bn_block_backward(nn_conv_bn_block *self, nn_layer *conv, const nn_layer *bn,
                               const nn_layer *act, const nn_layer *pool, const nn_ctx *ctx,
                               const float *in, const float *pooled, const float *dout,
                               int batch) {
  const int K = self->K, C = self->C, groups = nn_num_groups(batch);
  const size_t size = (size_t)C * K;
  const size_t in_size = nn_in_size(conv), out_sample = nn_out_size(pool);
  const int32_t *argmax = ((const nn_argmax_state *)pool->state)->argmax;
  const float slope = act->spec.kind == BOVW_NN_LEAKYRELU ? (float)act->spec.slope : 0.0f;
  const int threads = ctx->threads < self->threads ? ctx->threads : self->threads;
#pragma omp parallel for num_threads(threads) if (groups > 1) schedule(static, 1)
  for (int g = 0; g < groups; g++) {
    const int t = omp_get_thread_num();
    double *A = self->partial + (size_t)g * size;
    memset(A, 0, size * sizeof *A);
    const int last = nn_group_start(g + 1, groups, batch);
    for (int b = nn_group_start(g, groups, batch); b < last; b++) {
      const size_t o = (size_t)b * out_sample;
      nn_conv_unroll(conv, in + (size_t)b * in_size, self->col[t]);
      add_sample_chosen(self, pool, slope, self->col[t], self->rows[t], pooled + o, dout + o,
                        argmax + o, A);
    }
  }
  add_groups(self->partial, size, groups);
  const double *A = self->partial, *S = self->sum, *Gc = self->gram;
  const double m = (double)batch * self->N;
  const double *sum_dy, *sum_dy_xhat, *inv_std;
  nn_bn_block_sums(bn, &sum_dy, &sum_dy_xhat, &inv_std);
  const float *w = conv->params[0].value, *gamma = bn->params[0].value;
  float *dw = conv->params[0].grad;
  for (int c = 0; c < C; c++) {
    const double gc = gamma[c] * inv_std[c];
    const double mean_dy = sum_dy[c] / m, scale = sum_dy_xhat[c] / m * inv_std[c];
    const float *wc = w + (size_t)c * K;
    for (int k = 0; k < K; k++) {
      double wg = 0;
      for (int k2 = 0; k2 < K; k2++) wg += wc[k2] * Gc[k2 * K + k];
      dw[(size_t)c * K + k] = (float)(gc * (A[(size_t)c * K + k] - mean_dy * S[k] - scale * wg));
    }
  }
  if (conv->num_params > 1) memset(conv->params[1].grad, 0, (size_t)C * sizeof(float));
}
