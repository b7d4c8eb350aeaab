/* layer_bn.c: batch normalization (Ioffe and Szegedy, "Batch
 * normalization", ICML 2015): per channel c, over the batch and the
 * spatial positions (after fc, H = W = 1: per feature over the batch),
 *   y = gamma_c (x - mu_c) / sqrt(var_c + eps) + beta_c.
 * Training uses the batch's mean and (biased) variance and updates the
 * running statistics as PyTorch does:
 *   running = (1 - momentum) running + momentum batch,
 * with the unbiased variance m / (m - 1) var (m values per channel).
 * Evaluation uses the running statistics. Channels run in parallel. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "nn/internal.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN (1L << 15)

typedef struct bn_state {
  float *xhat;        /* batch x C x H x W: the normalised input of training
                         (the fused block keeps only its chosen positions',
                         laid out as the pool's output) */
  size_t capacity;
  double *mean, *inv_std;  /* per channel, of the last training forward */
  double *sums;       /* 2 x C: the fused block's backward sums */
  float *plane;       /* per thread, two channel planes: the fused block's
                         rectified and normalised values before pooling */
  int threads;        /* planes made */
} bn_state;

static int bn_setup(nn_layer *self, bovw_error *err) {
  const bovw_nn_layer_spec *l = &self->spec;
  if (!(l->eps > 0) || !(l->momentum >= 0 && l->momentum <= 1))
    return nn_layer_error(self, err, BOVW_ERR_INVALID,
                          "momentum=%g must be in [0, 1] and eps=%g above 0",
                          l->momentum, l->eps);
  self->out_c = self->in_c;
  self->out_h = self->in_h;
  self->out_w = self->in_w;
  int64_t shape[1] = {self->in_c};
  /* Names as PyTorch's BatchNorm: weight is gamma, bias is beta. */
  nn_declare_param(self, 0, "weight", 1, shape, 1, 0);
  nn_declare_param(self, 1, "bias", 1, shape, 1, 0);
  nn_declare_param(self, 2, "running_mean", 1, shape, 0, 0);
  nn_declare_param(self, 3, "running_var", 1, shape, 0, 0);
  return BOVW_OK;
}

static void bn_init(nn_layer *self, bovw_rng *rng) {
  (void)rng;
  for (int c = 0; c < self->in_c; c++) {
    self->params[0].value[c] = 1.0f;
    self->params[1].value[c] = 0.0f;
    self->params[2].value[c] = 0.0f;
    self->params[3].value[c] = 1.0f;
  }
}

static int bn_reserve(nn_layer *self, int batch, int threads, bovw_error *err) {
  bn_state *st = self->state;
  if (!st) {
    if (!(st = self->state = calloc(1, sizeof *st)) ||
        !(st->mean = calloc((size_t)self->in_c, sizeof *st->mean)) ||
        !(st->inv_std = calloc((size_t)self->in_c, sizeof *st->inv_std)) ||
        !(st->sums = calloc(2 * (size_t)self->in_c, sizeof *st->sums)))
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  if (st->threads < threads) {
    float *grown = realloc(st->plane, 2 * (size_t)threads * nn_in_area(self) * sizeof *grown);
    if (!grown) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    st->plane = grown;
    st->threads = threads;
  }
  return nn_grow(&st->xhat, &st->capacity, (size_t)batch * nn_in_size(self), err);
}

static void bn_release(nn_layer *self) {
  bn_state *st = self->state;
  if (st) {
    free(st->xhat);
    free(st->mean);
    free(st->inv_std);
    free(st->sums);
    free(st->plane);
  }
  free(st);
  self->state = NULL;
}

/* The channels a thread of the enclosing parallel region takes: a fixed
 * share of the C channels, each channel's work done by one thread. */
static void channel_range(int C, int *c0, int *c1) {
  const long t = omp_get_thread_num(), n = omp_get_num_threads();
  *c0 = (int)(C * t / n);
  *c1 = (int)(C * (t + 1) / n);
}

/* The channels a forward pass takes at a time: as many as the batch's
 * planes of fill about 1 MB, so that the second pass over them (the
 * normalisation) reads what the first (the statistics) left in the core's
 * cache, while the reads stay runs of several KB. */
static int channel_group(int batch, size_t area) {
  const size_t channel = (size_t)batch * area * sizeof(float);
  return channel >= (1u << 20) ? 1 : (int)((1u << 20) / channel);
}

/* The batch's mean and 1 / sqrt(var + eps) of channels [c0, c1), kept in
 * the state for backward (the running statistics updated unless frozen).
 * The input is read sample by sample, a sample's planes of the range one
 * after the other: contiguous memory the hardware prefetcher follows (a
 * channel's planes alone are a few KB each, a sample apart). Each
 * channel's sums still run over its planes in the order of the samples,
 * whatever the range: the same figures at any thread count. */
static void channel_statistics(nn_layer *self, const nn_ctx *ctx, const float *in, int batch,
                               int c0, int c1) {
  bn_state *st = self->state;
  const size_t area = nn_in_area(self), sample = (size_t)self->in_c * area;
  const double m = (double)batch * (double)area;
  /* The two sums build up where the statistics will go. */
  double *sum = st->mean, *sq = st->inv_std;
  for (int c = c0; c < c1; c++) sum[c] = sq[c] = 0;
  for (int b = 0; b < batch; b++)
    for (int c = c0; c < c1; c++) {
      /* One pass for both sums, of the values shifted by the channel's
       * first one (the shifted-data variance). The subtraction that
       * follows loses about (shift - mean)^2 / var ulps of a double: float
       * inputs a thousand deviations from their mean would still lose
       * nothing a float can hold. */
      const double shift = in[c * area];
      const float *x = in + b * sample + c * area;
      double s = sum[c], q = sq[c];
#pragma omp simd reduction(+ : s, q)
      for (size_t i = 0; i < area; i++) {
        double d = x[i] - shift;
        s += d;
        q += d * d;
      }
      sum[c] = s;
      sq[c] = q;
    }
  for (int c = c0; c < c1; c++)
    nn_bn_set_statistics(self, ctx, c, in[c * area] + sum[c] / m,
                         (sq[c] - sum[c] * sum[c] / m) / m, m);
}

void nn_bn_set_statistics(nn_layer *self, const nn_ctx *ctx, int c, double mean, double var,
                          double m) {
  bn_state *st = self->state;
  const double momentum = self->spec.momentum;
  float *running_mean = self->params[2].value, *running_var = self->params[3].value;
  if (var < 0) var = 0;
  st->mean[c] = mean;
  st->inv_std[c] = 1.0 / sqrt(var + self->spec.eps);
  if (!ctx->frozen) {
    double unbiased = m > 1 ? var * m / (m - 1) : var;
    running_mean[c] = (float)((1 - momentum) * running_mean[c] + momentum * mean);
    running_var[c] = (float)((1 - momentum) * running_var[c] + momentum * unbiased);
  }
}

/* The mean and 1 / sqrt(var + eps) that normalise channel c: in training
 * the batch's (channel_statistics'), in evaluation the running ones. */
static void channel_norm(const nn_layer *self, const nn_ctx *ctx, int c, double *mean,
                         double *inv_std) {
  const bn_state *st = self->state;
  if (ctx->training) {
    *mean = st->mean[c];
    *inv_std = st->inv_std[c];
  } else {
    *mean = self->params[2].value[c];
    *inv_std = 1.0 / sqrt((double)self->params[3].value[c] + self->spec.eps);
  }
}

/* The loops below walk one channel's plane of one sample at a time
 * (contiguous; the forward passes samples outermost, as
 * channel_statistics) and declare their sums as SIMD reductions, so that
 * the compiler vectorises them; the sums stay in double. */
static void bn_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                       float *out, int batch) {
  bn_state *st = self->state;
  const int C = self->in_c;
  const size_t area = nn_in_area(self), sample = (size_t)C * area;
  const float *gamma = self->params[0].value, *beta = self->params[1].value;
#pragma omp parallel num_threads(ctx->threads) if ((long)(batch * sample) >= PARALLEL_MIN)
  {
    int r0, r1;
    channel_range(C, &r0, &r1);
    const int group = channel_group(batch, area);
    for (int c0 = r0; c0 < r1; c0 += group) {
      const int c1 = c0 + group < r1 ? c0 + group : r1;
      if (ctx->training) channel_statistics(self, ctx, in, batch, c0, c1);
      for (int b = 0; b < batch; b++)
        for (int c = c0; c < c1; c++) {
          double mean, inv_std;
          channel_norm(self, ctx, c, &mean, &inv_std);
          /* In double up to one rounding per output: fewer roundings, less
           * noise for the gradient checker's difference quotients. */
          const double g = gamma[c], beta_c = beta[c];
          const size_t at = b * sample + c * area;
          const float *x = in + at;
          float *y = out + at;
          if (ctx->training) {
            float *xhat = st->xhat + at;
#pragma omp simd
            for (size_t i = 0; i < area; i++) {
              double h = (x[i] - mean) * inv_std;
              xhat[i] = (float)h;
              y[i] = (float)(g * h + beta_c);
            }
          } else {
#pragma omp simd
            for (size_t i = 0; i < area; i++)
              y[i] = (float)(g * ((x[i] - mean) * inv_std) + beta_c);
          }
        }
    }
  }
}

static void bn_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                        const float *out, const float *dout, float *din,
                        int batch) {
  (void)out;
  bn_state *st = self->state;
  const int C = self->in_c;
  const size_t area = nn_in_area(self), sample = (size_t)C * area;
  const double m = (double)batch * (double)area, eps = self->spec.eps;
  const float *gamma = self->params[0].value;
  const float *running_mean = self->params[2].value;
  const float *running_var = self->params[3].value;
  float *dgamma = self->params[0].grad, *dbeta = self->params[1].grad;
#pragma omp parallel for num_threads(ctx->threads) if ((long)(batch * sample) >= PARALLEL_MIN) schedule(static)
  for (int c = 0; c < C; c++) {
    double sum_dy = 0, sum_dy_xhat = 0;
    double mean = running_mean[c], inv_std = ctx->training
                                                 ? st->inv_std[c]
                                                 : 1.0 / sqrt((double)running_var[c] + eps);
    for (int b = 0; b < batch; b++) {
      const size_t at = b * sample + c * area;
      const float *dy = dout + at;
      if (ctx->training) {
        const float *xhat = st->xhat + at;
#pragma omp simd reduction(+ : sum_dy, sum_dy_xhat)
        for (size_t i = 0; i < area; i++) {
          sum_dy += dy[i];
          sum_dy_xhat += (double)dy[i] * xhat[i];
        }
      } else {
        const float *x = in + at;
#pragma omp simd reduction(+ : sum_dy, sum_dy_xhat)
        for (size_t i = 0; i < area; i++) {
          sum_dy += dy[i];
          sum_dy_xhat += dy[i] * ((x[i] - mean) * inv_std);
        }
      }
    }
    dgamma[c] = (float)sum_dy_xhat;
    dbeta[c] = (float)sum_dy;
    if (!din) continue;
    const double g = gamma[c] * inv_std;
    const double mean_dy = sum_dy / m, mean_dy_xhat = sum_dy_xhat / m;
    for (int b = 0; b < batch; b++) {
      const size_t at = b * sample + c * area;
      const float *dy = dout + at;
      float *dx = din + at;
      if (ctx->training) {
        /* Through the batch statistics (Ioffe and Szegedy, section 3):
         * dx = gamma / sigma (dy - mean(dy) - xhat mean(dy xhat)). */
        const float *xhat = st->xhat + at;
#pragma omp simd
        for (size_t i = 0; i < area; i++)
          dx[i] = (float)(g * (dy[i] - mean_dy - xhat[i] * mean_dy_xhat));
      } else {
#pragma omp simd
        for (size_t i = 0; i < area; i++) dx[i] = (float)(g * dy[i]);
      }
    }
  }
}

/* ---- batch norm, rectifier and max pool as one block ---------------------
 *
 * In training the three layers are two passes over the batch norm's input
 * instead of seven: the channel's statistics, then per sample plane the
 * normalised, rectified values (into a plane that stays in the core's
 * cache) pooled straight away, the normalised values at the chosen
 * positions kept. Backward needs only the pooled outputs, the chosen
 * positions, their normalised values and the batch norm's input: the gradient reaching the
 * batch norm is zero except at the chosen positions (the windows do not
 * overlap), where it is the pool's gradient gated by the rectifier (the
 * pooled value is above 0 exactly when the normalised one was), so the two
 * sums of the batch norm's backward run over a quarter of the values (for
 * 2x2 windows), and dx is one pass. The outputs and the input gradient are
 * those of the three layers run one after the other, value for value; only
 * the order of the batch norm's two backward sums (in double) differs. */

int nn_bn_block_fits(const nn_layer *bn, const nn_layer *act, const nn_layer *pool) {
  return bn->spec.kind == BOVW_NN_BATCHNORM && bn->in_d == 1 && nn_act_pool_fits(act, pool);
}

static float block_slope(const nn_layer *act) {
  return act->spec.kind == BOVW_NN_LEAKYRELU ? (float)act->spec.slope : 0.0f;
}

/* Channel c's plane x of one sample through the block: normalised,
 * rectified into r, pooled into out + o (the choices into argmax + o, the
 * normalised values at them into the state's xhat + o), h a plane of
 * scratch; the batch norm's output into y unless NULL. */
static inline void block_plane(nn_layer *bn, float slope, nn_layer *pool, int c, const float *x,
                               float *y, float *r, float *h, size_t o, float *out,
                               int32_t *argmax) {
  bn_state *st = bn->state;
  const size_t area = nn_in_area(bn);
  const double mean = st->mean[c], inv_std = st->inv_std[c];
  const double g = bn->params[0].value[c], beta_c = bn->params[1].value[c];
  /* The expressions of bn_forward and rectifier_forward, rounded where
   * they round. */
#pragma omp simd
  for (size_t i = 0; i < area; i++) {
    const double normalised = (x[i] - mean) * inv_std;
    const float v = (float)(g * normalised + beta_c);
    const float positive = v > 0 ? v : 0.0f;
    r[i] = positive + slope * (v - positive);
    h[i] = (float)normalised;
  }
  if (y)
    for (size_t i = 0; i < area; i++) y[i] = (float)(g * ((x[i] - mean) * inv_std) + beta_c);
  /* The normalised values at the chosen positions go with the choice, for
   * backward (which would gather them from memory). */
  nn_maxpool_plane_carry(pool, r, out + o, argmax + o, h, st->xhat + o);
}

void nn_bn_block_plane(nn_layer *bn, const nn_layer *act, nn_layer *pool, int thread, int b,
                       int c, const float *x, float *out) {
  bn_state *st = bn->state;
  const size_t area = nn_in_area(bn), out_area = nn_out_area(pool);
  float *r = st->plane + 2 * (size_t)thread * area;
  block_plane(bn, block_slope(act), pool, c, x, NULL, r, r + area,
              ((size_t)b * bn->in_c + c) * out_area, out,
              ((nn_argmax_state *)pool->state)->argmax);
}

void nn_bn_block_forward(nn_layer *bn, const nn_layer *act, nn_layer *pool, const nn_ctx *ctx,
                         const float *in, float *bn_out, float *act_out, float *out, int batch) {
  bn_state *st = bn->state;
  int32_t *argmax = ((nn_argmax_state *)pool->state)->argmax;
  const int C = bn->in_c;
  const size_t area = nn_in_area(bn), sample = (size_t)C * area;
  const size_t out_area = nn_out_area(pool), out_sample = (size_t)C * out_area;
  const float slope = block_slope(act);
#pragma omp parallel num_threads(ctx->threads) if ((long)(batch * sample) >= PARALLEL_MIN)
  {
    float *scratch = st->plane + 2 * (size_t)omp_get_thread_num() * area, *h = scratch + area;
    int r0, r1;
    channel_range(C, &r0, &r1);
    const int group = channel_group(batch, area);
    for (int c0 = r0; c0 < r1; c0 += group) {
      const int c1 = c0 + group < r1 ? c0 + group : r1;
      channel_statistics(bn, ctx, in, batch, c0, c1);
      for (int b = 0; b < batch; b++)
        for (int c = c0; c < c1; c++) {
          const size_t at = b * sample + c * area;
          block_plane(bn, slope, pool, c, in + at, bn_out ? bn_out + at : NULL,
                      act_out ? act_out + at : scratch, h, b * out_sample + c * out_area, out,
                      argmax);
        }
    }
  }
}

void nn_bn_block_backward(nn_layer *bn, const nn_layer *act, const nn_layer *pool,
                          const nn_ctx *ctx, const float *in, const float *out,
                          const float *dout, float *din, int batch) {
  bn_state *st = bn->state;
  const int32_t *argmax = ((const nn_argmax_state *)pool->state)->argmax;
  const int C = bn->in_c;
  const size_t area = nn_in_area(bn), sample = (size_t)C * area;
  const size_t out_area = nn_out_area(pool), out_sample = (size_t)C * out_area;
  const double m = (double)batch * (double)area;
  const float *gamma = bn->params[0].value;
  float *dgamma = bn->params[0].grad, *dbeta = bn->params[1].grad;
  const float slope = block_slope(act);
  double *sum_dy = st->sums, *sum_dy_xhat = st->sums + C;
#pragma omp parallel num_threads(ctx->threads) if ((long)(batch * sample) >= PARALLEL_MIN)
  {
    int c0, c1;
    channel_range(C, &c0, &c1);
    for (int c = c0; c < c1; c++) sum_dy[c] = sum_dy_xhat[c] = 0;
    /* Samples outermost, as channel_statistics, each channel's sums in the
     * order of the samples. */
    for (int b = 0; b < batch; b++)
      for (int c = c0; c < c1; c++) {
        const size_t o = b * out_sample + c * out_area;
        const float *xhat = st->xhat + o;
        double s = sum_dy[c], q = sum_dy_xhat[c];
#pragma omp simd reduction(+ : s, q)
        for (size_t k = 0; k < out_area; k++) {
          const float dy = (out[o + k] > 0 ? 1.0f : slope) * dout[o + k];
          s += dy;
          q += (double)dy * xhat[k];
        }
        sum_dy[c] = s;
        sum_dy_xhat[c] = q;
      }
    for (int c = c0; c < c1; c++) {
      dgamma[c] = (float)sum_dy_xhat[c];
      dbeta[c] = (float)sum_dy[c];
    }
    /* dx = gamma / sigma (dy - mean(dy) - xhat mean(dy xhat)): dy = 0
     * everywhere, then the chosen positions again with their dy. */
    if (din)
      for (int b = 0; b < batch; b++)
        for (int c = c0; c < c1; c++) {
          const double mean = st->mean[c], inv_std = st->inv_std[c];
          const double g = gamma[c] * inv_std;
          const double mean_dy = sum_dy[c] / m, mean_dy_xhat = sum_dy_xhat[c] / m;
          const size_t at = b * sample + c * area;
          const float *x = in + at;
          float *dx = din + at;
#pragma omp simd
          for (size_t i = 0; i < area; i++) {
            const float xhat = (float)((x[i] - mean) * inv_std);
            dx[i] = (float)(g * (0.0 - mean_dy - xhat * mean_dy_xhat));
          }
          const size_t o = b * out_sample + c * out_area;
          const float *chosen_xhat = st->xhat + o;
          for (size_t k = 0; k < out_area; k++) {
            const float dy = (out[o + k] > 0 ? 1.0f : slope) * dout[o + k];
            dx[argmax[o + k]] = (float)(g * (dy - mean_dy - chosen_xhat[k] * mean_dy_xhat));
          }
        }
  }
}

void nn_bn_block_sums(const nn_layer *bn, const double **sum_dy, const double **sum_dy_xhat,
                      const double **inv_std) {
  const bn_state *st = bn->state;
  *sum_dy = st->sums;
  *sum_dy_xhat = st->sums + bn->in_c;
  *inv_std = st->inv_std;
}

const nn_ops nn_batchnorm_ops = {
    .kind = BOVW_NN_BATCHNORM,
    .setup = bn_setup,
    .init = bn_init,
    .reserve = bn_reserve,
    .forward = bn_forward,
    .backward = bn_backward,
    .release = bn_release,
};
