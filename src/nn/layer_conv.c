/* layer_conv.c: 2-D convolution as cross-correlation (no kernel flip, as in
 * every deep-learning library), with stride, zero or replicate padding and
 * an optional bias. Weight layout C_out x C_in x K_h x K_w.
 *
 * Samples are unrolled with im2col side by side into a (C_in K_h K_w) x
 * (samples H_out W_out) matrix, so that the convolution of several samples
 * is one product with the weights (Chellapilla, Puri, Simard, "High
 * performance convolutional neural networks for document processing",
 * 2006). The batch is cut into fixed groups of consecutive samples
 * (nn_num_groups) and a group into chunks of at most CHUNK_FLOATS unrolled
 * values (both set by the shapes and the batch size alone); a chunk is one
 * product on one OpenBLAS thread, groups run in parallel (OpenMP). The
 * product's result is copied to its samples with the bias added in the same pass; backward
 * gathers the output gradient the same way, summing the bias gradient as it
 * goes. The weight gradient is summed per group and the groups are added in
 * order, so the result does not depend on the number of threads. */
#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

/* A chunk's unrolled samples stay under this many floats (1 MB), to stay
 * in a core's cache with the product's other operands. */
enum { CHUNK_FLOATS = 1 << 18 };
/* Below this many multiply-adds per pass a parallel region costs more than
 * it saves (threads waiting at the barrier). */
#define PARALLEL_MIN_MACS (1L << 17)
/* A 3x3 convolution at stride 1 with zero padding, at most this many
 * input channels and output rows at least this wide runs the direct kernel
 * (conv_direct.c): with 9 C_in values per output, sgemm's inner dimension
 * is too short to reach its speed; the kernel's rows are 16-float tiles
 * (docs/nn.md gives the measurements behind the rule). */
enum { DIRECT_MAX_IN = 3, DIRECT_MIN_WIDTH = 16 };

typedef struct conv_state {
  int threads;           /* per-thread buffers made */
  int chunk;             /* samples they hold */
  float **col;           /* per thread: K x chunk N, unrolled input, then
                            its gradient */
  float **prod;          /* per thread: C_out x chunk N, a chunk's output or
                            output gradient */
  float *partial;        /* NN_GROUPS x (C_out K + C_out) */
  int form;              /* NN_CONV_AUTO, or the form forced */
  float **scratch;       /* per thread: the direct kernel's bordered planes */
  float *flipped;        /* the direct kernel's flipped weights */
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
    free(st->prod[t]);
    if (st->scratch) free(st->scratch[t]);
  }
  free(st->col);
  free(st->prod);
  free(st->scratch);
  free(st->partial);
  free(st->flipped);
  const int form = st->form;
  memset(st, 0, sizeof *st);
  st->form = form;
}

/* The direct kernel where it fits and the rule (or a forced form) says so. */
static int uses_direct(const nn_layer *self, int form) {
  if (form == NN_CONV_IM2COL || !nn_conv_direct_fits(self)) return 0;
  return form == NN_CONV_DIRECT ||
         (self->in_c <= DIRECT_MAX_IN && self->out_w >= DIRECT_MIN_WIDTH);
}

int nn_conv_is_direct(const nn_layer *self) {
  const conv_state *st = self->state;
  return uses_direct(self, st ? st->form : NN_CONV_AUTO);
}

int nn_conv_force_form(nn_layer *self, int form, bovw_error *err) {
  conv_state *st = self->state;
  if (!st && !(st = self->state = calloc(1, sizeof *st)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (st->threads)
    return nn_layer_error(self, err, BOVW_ERR_INVALID, "form set after the first pass");
  st->form = form;
  return BOVW_OK;
}

/* Samples per product: a group's, or fewer when their unrolled columns
 * would pass CHUNK_FLOATS (at least one). Shapes and batch alone set it. */
static int chunk_samples(const nn_layer *self, int batch) {
  const int groups = nn_num_groups(batch);
  const int group = (batch + groups - 1) / groups;
  const size_t per_sample = col_rows(self) * col_cols(self);
  const size_t fit = per_sample ? CHUNK_FLOATS / per_sample : (size_t)group;
  return fit < 1 ? 1 : fit < (size_t)group ? (int)fit : group;
}

static int conv_reserve(nn_layer *self, int batch, int threads, bovw_error *err) {
  conv_state *st = self->state;
  if (!st && !(st = self->state = calloc(1, sizeof *st)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  const int chunk = chunk_samples(self, batch);
  if (st->threads == threads && st->chunk >= chunk) return BOVW_OK;
  free_buffers(st);
  size_t k = col_rows(self), n = col_cols(self) * (size_t)chunk, c = (size_t)self->out_c;
  const int direct = uses_direct(self, st->form);
  st->col = calloc((size_t)threads, sizeof *st->col);
  st->prod = calloc((size_t)threads, sizeof *st->prod);
  st->scratch = direct ? calloc((size_t)threads, sizeof *st->scratch) : NULL;
  st->flipped = direct ? malloc(c * k * sizeof *st->flipped) : NULL;
  st->partial = malloc(NN_GROUPS * (c * k + c) * sizeof *st->partial);
  int ok = st->col && st->prod && st->partial && (!direct || (st->scratch && st->flipped));
  st->threads = ok ? threads : 0;
  st->chunk = chunk;
  for (int t = 0; ok && t < threads; t++)
    ok = direct ? !!(st->scratch[t] = malloc(nn_conv_direct_scratch(self) * sizeof(float)))
                : (st->col[t] = malloc(k * n * sizeof(float))) &&
                      (st->prod[t] = malloc(c * n * sizeof(float)));
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

/* im2col's row of channel plane `plane` and kernel offset (dy, dx) =
 * (i - pad_top, j - pad_left) when the stride is 1, the padding zeros and
 * the output as wide as the input (W = OW: a "same" convolution) with a
 * kernel no wider than it (|dx| < W). Then the row's inside rows are one
 * run of the plane shifted by dy W + dx, copied at once (fmnist-cnn's
 * second layer: 196 values instead of 14 runs of 14), and the columns
 * that run wraps into the neighbouring image row (|dx| of them on the side
 * dx points to) are zeroed after it: the same values as the spans below. */
/* Where such a row meets the plane: output rows [y0, y1) are inside; the
 * run is the row's values [from, to), value t from plane[t + shift] (it
 * leaves out the first -dx values when dx < 0, the last dx when dx > 0,
 * which would fall before or after the plane); in each inside output row
 * the columns [zero_from, zero_to) are where the run wraps into the
 * neighbouring image row. Empty when y0 >= y1. */
typedef struct {
  int y0, y1, from, to, zero_from, zero_to;
  long shift;
} same_span;

static same_span same_row_span(int H, int W, int OH, int dy, int dx) {
  same_span s;
  s.y0 = dy < 0 ? -dy : 0;
  s.y1 = H - dy < OH ? H - dy : OH;
  s.from = s.y0 * W + (dx < 0 ? -dx : 0);
  s.to = s.y1 * W - (dx > 0 ? dx : 0);
  s.shift = (long)dy * W + dx;
  s.zero_from = dx < 0 ? 0 : W - dx;
  s.zero_to = dx < 0 ? -dx : W;
  return s;
}

static void im2col_row_same(const float *plane, int H, int W, int OH, int dy, int dx,
                            float *dst) {
  const same_span s = same_row_span(H, W, OH, dy, dx);
  if (s.y0 >= s.y1) {
    for (int t = 0; t < OH * W; t++) dst[t] = 0.0f;
    return;
  }
  for (int t = 0; t < s.y0 * W; t++) dst[t] = 0.0f;
  for (int t = s.y1 * W; t < OH * W; t++) dst[t] = 0.0f;
#pragma omp simd
  for (int t = s.from; t < s.to; t++) dst[t] = plane[t + s.shift];
  for (int y = s.y0; y < s.y1; y++)
    for (int x = s.zero_from; x < s.zero_to; x++) dst[y * W + x] = 0.0f;
}

/* Stride 1, zero padding, the output as wide as the input and a kernel no
 * wider than it: the case of im2col_row_same and col2im_row_same. */
static int is_same_padded(const nn_layer *self) {
  const bovw_nn_layer_spec *l = &self->spec;
  return l->stride_h == 1 && l->stride_w == 1 && self->out_w == self->in_w &&
         l->kernel_w <= self->in_w && !l->replicate;
}

/* col[(c K_h + i) K_w + j][y W_out + x] = in[c][y s_h - p_h + i][x s_w - p_w + j]
 * (rows ld floats apart, for samples side by side),
 * outside the image 0 (zeros) or the nearest edge pixel (replicate). Each
 * output row is three spans (left border, inside, right border), so the
 * inside is copied without a test per pixel. */
static void im2col(const nn_layer *self, const float *in, float *col, size_t ld) {
  const bovw_nn_layer_spec *l = &self->spec;
  const int H = self->in_h, W = self->in_w, OH = self->out_h, OW = self->out_w;
  const int sh = l->stride_h, sw = l->stride_w;
  size_t row = 0;
  if (is_same_padded(self)) {
    for (int c = 0; c < self->in_c; c++)
      for (int i = 0; i < l->kernel_h; i++)
        for (int j = 0; j < l->kernel_w; j++, row++)
          im2col_row_same(in + (size_t)c * H * W, H, W, OH, i - self->pad_top,
                          j - self->pad_left, col + row * ld);
    return;
  }
  for (int c = 0; c < self->in_c; c++) {
    const float *plane = in + (size_t)c * H * W;
    for (int i = 0; i < l->kernel_h; i++)
      for (int j = 0; j < l->kernel_w; j++, row++) {
        float *dst = col + row * ld;
        int lo, hi;
        inside_span(self->pad_left, j, sw, W, OW, &lo, &hi);
        const int shift = j - self->pad_left;
        for (int y = 0; y < OH; y++, dst += OW) {
          const int iy = y * sh - self->pad_top + i;
          if ((iy < 0 || iy >= H) && !l->replicate) {
            for (int x = 0; x < OW; x++) dst[x] = 0.0f;
            continue;
          }
          const float *row = plane + (size_t)clamp(iy, H) * W;
          const float left = l->replicate ? row[0] : 0.0f;
          const float right = l->replicate ? row[W - 1] : 0.0f;
          for (int x = 0; x < lo; x++) dst[x] = left;
          /* rows are short (14 values in fmnist-cnn's second layer): a
           * loop, where memcpy's call cost as much as the copy */
          if (sw == 1) {
#pragma omp simd
            for (int x = lo; x < hi; x++) dst[x] = row[x + shift];
          } else
            for (int x = lo; x < hi; x++) dst[x] = row[x * sw + shift];
          for (int x = hi; x < OW; x++) dst[x] = right;
        }
      }
  }
}

/* col2im's row for im2col_row_same's case: the inside rows added back as
 * one run, the wrapped columns (which belong to no pixel of this row)
 * zeroed in the row first, so that they add nothing where the run lands on
 * the neighbouring image row. Each pixel gets the same terms in the same
 * order as from the spans below: the same sums. */
static void col2im_row_same(float *src, int H, int W, int OH, int dy, int dx, float *plane) {
  const same_span s = same_row_span(H, W, OH, dy, dx);
  if (s.y0 >= s.y1) return;
  for (int y = s.y0; y < s.y1; y++)
    for (int x = s.zero_from; x < s.zero_to; x++) src[y * W + x] = 0.0f;
#pragma omp simd
  for (int t = s.from; t < s.to; t++) plane[t + s.shift] += src[t];
}

void nn_conv_unroll(const nn_layer *conv, const float *in, float *col) {
  im2col(conv, in, col, col_cols(conv));
}

/* The adjoint of im2col: din = sum of the columns back at their pixels.
 * The columns are scratch: the "same" case zeroes some of them. */
static void col2im(const nn_layer *self, float *col, size_t ld, float *din) {
  const bovw_nn_layer_spec *l = &self->spec;
  const int H = self->in_h, W = self->in_w, OH = self->out_h, OW = self->out_w;
  const int sh = l->stride_h, sw = l->stride_w;
  memset(din, 0, nn_in_size(self) * sizeof *din);
  size_t row = 0;
  if (is_same_padded(self)) {
    for (int c = 0; c < self->in_c; c++)
      for (int i = 0; i < l->kernel_h; i++)
        for (int j = 0; j < l->kernel_w; j++, row++)
          col2im_row_same(col + row * ld, H, W, OH, i - self->pad_top, j - self->pad_left,
                          din + (size_t)c * H * W);
    return;
  }
  for (int c = 0; c < self->in_c; c++) {
    float *plane = din + (size_t)c * H * W;
    for (int i = 0; i < l->kernel_h; i++)
      for (int j = 0; j < l->kernel_w; j++, row++) {
        const float *src = col + row * ld;
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

/* out_b[c] = prod[c][s N ..] + bias[c] for the samples of a chunk: the
 * product's columns back to NCHW, the bias added on the way (in place when
 * prod is out, for one sample). */
static void scatter_with_bias(const float *prod, int samples, int C, int N, const float *bias,
                              float *out) {
  const size_t ld = (size_t)samples * N;
  for (int s = 0; s < samples; s++)
    for (int c = 0; c < C; c++) {
      const float *from = prod + (size_t)c * ld + (size_t)s * N;
      float *to = out + ((size_t)s * C + c) * N;
      const float bc = bias ? bias[c] : 0.0f;
#pragma omp simd
      for (int n = 0; n < N; n++) to[n] = from[n] + bc;
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
  const int groups = nn_num_groups(batch), chunk = pointwise ? 1 : chunk_samples(self, batch);
  const int parallel = groups > 1 && (long)C * K * N * batch >= PARALLEL_MIN_MACS;
  if (uses_direct(self, st->form)) {
#pragma omp parallel for num_threads(ctx->threads) if (parallel) schedule(static)
    for (int b = 0; b < batch; b++)
      nn_conv_direct_forward(self, w, bias, in + (size_t)b * in_size, out + (size_t)b * out_size,
                             st->scratch[omp_get_thread_num()]);
    return;
  }
  nn_blas_threads(1);
#pragma omp parallel for num_threads(ctx->threads) if (parallel) schedule(static)
  for (int g = 0; g < groups; g++) {
    const int t = omp_get_thread_num();
    const int last = nn_group_start(g + 1, groups, batch);
    for (int b = nn_group_start(g, groups, batch); b < last; b += chunk) {
      const int samples = last - b < chunk ? last - b : chunk;
      const size_t ld = (size_t)samples * N;
      const float *col = in + (size_t)b * in_size;
      if (!pointwise) {
        for (int s = 0; s < samples; s++)
          im2col(self, in + (size_t)(b + s) * in_size, st->col[t] + (size_t)s * N, ld);
        col = st->col[t];
      }
      /* prod (C_out x samples N) = W (C_out x K) col (K x samples N); one
       * sample's product is its output already */
      float *o = out + (size_t)b * out_size, *prod = samples > 1 ? st->prod[t] : o;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, (int)ld, K, 1.0f, w, K, col,
                  (int)ld, 0.0f, prod, (int)ld);
      if (samples > 1 || bias) scatter_with_bias(prod, samples, C, N, bias, o);
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
  const int groups = nn_num_groups(batch);
  const int has_bias = self->num_params > 1;
  const int pointwise = is_pointwise(self);
  const int chunk = pointwise ? 1 : chunk_samples(self, batch);
  const float *w = self->params[0].value;
  const int parallel = groups > 1 && (long)C * K * N * batch >= PARALLEL_MIN_MACS;
  const int direct = uses_direct(self, st->form);
  if (direct && din) nn_conv_direct_flip(self, w, st->flipped);
  nn_blas_threads(1);
#pragma omp parallel for num_threads(ctx->threads) if (parallel) schedule(static, 1)
  for (int g = 0; g < groups; g++) {
    const int t = omp_get_thread_num();
    float *dw = st->partial + (size_t)g * group_size, *db = dw + (size_t)C * K;
    memset(db, 0, (size_t)C * sizeof *db);
    const int first = nn_group_start(g, groups, batch);
    const int last = nn_group_start(g + 1, groups, batch);
    if (direct) {
      memset(dw, 0, (size_t)C * K * sizeof *dw);
      for (int b = first; b < last; b++) {
        const float *d = dout + (size_t)b * out_size;
        nn_conv_direct_weight_grad(self, in + (size_t)b * in_size, d, st->scratch[t], dw,
                                   has_bias ? db : NULL);
        if (din)
          nn_conv_direct_input_grad(self, st->flipped, d, din + (size_t)b * in_size,
                                    st->scratch[t]);
      }
      continue;
    }
    for (int b = first; b < last; b += chunk) {
      const int samples = last - b < chunk ? last - b : chunk;
      const size_t ld = (size_t)samples * N;
      /* The chunk's output gradient as C_out x samples N (one sample:
       * as it is), its bias gradient summed on the way. */
      const float *d = dout + (size_t)b * out_size;
      if (samples > 1) {
        float *prod = st->prod[t];
        for (int s = 0; s < samples; s++)
          for (int c = 0; c < C; c++) {
            const float *from = d + ((size_t)s * C + c) * N;
            float *to = prod + (size_t)c * ld + (size_t)s * N;
            memcpy(to, from, (size_t)N * sizeof *to);
          }
        d = prod;
      }
      if (has_bias)
        for (int s = 0; s < samples; s++)
          for (int c = 0; c < C; c++) {
            const float *dc = dout + ((size_t)(b + s) * C + c) * N;
            double sum = 0;
#pragma omp simd reduction(+ : sum)
            for (int n = 0; n < N; n++) sum += dc[n];
            db[c] += (float)sum;
          }
      const float *col = in + (size_t)b * in_size;
      if (!pointwise) {
        for (int s = 0; s < samples; s++)
          im2col(self, in + (size_t)(b + s) * in_size, st->col[t] + (size_t)s * N, ld);
        col = st->col[t];
      }
      /* dW (C_out x K) += dout (C_out x samples N) col^T (samples N x K) */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, K, (int)ld, 1.0f, d, (int)ld,
                  col, (int)ld, b == first ? 0.0f : 1.0f, dw, K);
      if (din) {
        /* dcol (K x samples N) = W^T (K x C_out) dout (C_out x samples N),
         * into the unrolled input's buffer (done with), then folded back */
        float *dcol = pointwise ? din + (size_t)b * in_size : st->col[t];
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, (int)ld, C, 1.0f, w, K, d,
                    (int)ld, 0.0f, dcol, (int)ld);
        if (!pointwise)
          for (int s = 0; s < samples; s++)
            col2im(self, dcol + (size_t)s * N, ld, din + (size_t)(b + s) * in_size);
      }
    }
  }
  /* Groups added in order, each value on its own (in parallel): the same
   * sums whatever the thread count. */
  float *gw = self->params[0].grad;
  float *gb = has_bias ? self->params[1].grad : NULL;
  const long values = (long)C * K + (gb ? C : 0);
#pragma omp parallel for num_threads(ctx->threads) if (parallel && values * groups >= PARALLEL_MIN_MACS) schedule(static)
  for (long i = 0; i < values; i++) {
    float sum = st->partial[i];
    for (int g = 1; g < groups; g++) sum += st->partial[(size_t)g * group_size + (size_t)i];
    if (i < (long)C * K) gw[i] = sum;
    else gb[i - (long)C * K] = sum;
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
