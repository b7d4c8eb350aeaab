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
#include <stdlib.h>

#include "nn/internal.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN (1L << 15)

typedef struct bn_state {
  float *xhat;        /* batch x C x H x W: the normalised input of training */
  size_t capacity;
  double *inv_std;    /* per channel, of the last training forward */
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
  (void)threads;
  bn_state *st = self->state;
  if (!st) {
    if (!(st = self->state = calloc(1, sizeof *st)) ||
        !(st->inv_std = calloc((size_t)self->in_c, sizeof *st->inv_std)))
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  return nn_grow(&st->xhat, &st->capacity, (size_t)batch * nn_in_size(self), err);
}

static void bn_release(nn_layer *self) {
  bn_state *st = self->state;
  if (st) {
    free(st->xhat);
    free(st->inv_std);
  }
  free(st);
  self->state = NULL;
}

/* The loops below walk one channel's plane of one sample at a time
 * (contiguous) and declare their sums as SIMD reductions, so that the
 * compiler vectorises them; the sums stay in double. */
static void bn_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                       float *out, int batch) {
  bn_state *st = self->state;
  const int C = self->in_c;
  const size_t area = nn_in_area(self), sample = (size_t)C * area;
  const double m = (double)batch * (double)area, eps = self->spec.eps;
  const double momentum = self->spec.momentum;
  const float *gamma = self->params[0].value, *beta = self->params[1].value;
  float *running_mean = self->params[2].value, *running_var = self->params[3].value;
#pragma omp parallel for num_threads(ctx->threads) if ((long)(batch * sample) >= PARALLEL_MIN) schedule(static)
  for (int c = 0; c < C; c++) {
    double mean, inv_std;
    if (ctx->training) {
      /* One pass for both sums, of the values shifted by the channel's
       * first one (the shifted-data variance). The subtraction that follows
       * loses about (shift - mean)^2 / var ulps of a double: float inputs a
       * thousand deviations from their mean would still lose nothing a
       * float can hold. */
      const double shift = in[c * area];
      double sum = 0, sq = 0;
      for (int b = 0; b < batch; b++) {
        const float *x = in + b * sample + c * area;
#pragma omp simd reduction(+ : sum, sq)
        for (size_t i = 0; i < area; i++) {
          double d = x[i] - shift;
          sum += d;
          sq += d * d;
        }
      }
      mean = shift + sum / m;
      double var = (sq - sum * sum / m) / m;
      if (var < 0) var = 0;
      inv_std = 1.0 / sqrt(var + eps);
      st->inv_std[c] = inv_std;
      if (!ctx->frozen) {
        double unbiased = m > 1 ? var * m / (m - 1) : var;
        running_mean[c] = (float)((1 - momentum) * running_mean[c] + momentum * mean);
        running_var[c] = (float)((1 - momentum) * running_var[c] + momentum * unbiased);
      }
    } else {
      mean = running_mean[c];
      inv_std = 1.0 / sqrt((double)running_var[c] + eps);
    }
    /* In double up to one rounding per output: fewer roundings, less noise
     * for the gradient checker's difference quotients. */
    const double g = gamma[c], beta_c = beta[c];
    for (int b = 0; b < batch; b++) {
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

const nn_ops nn_batchnorm_ops = {
    .kind = BOVW_NN_BATCHNORM,
    .setup = bn_setup,
    .init = bn_init,
    .reserve = bn_reserve,
    .forward = bn_forward,
    .backward = bn_backward,
    .release = bn_release,
};
