/* layer_dropout.c: inverted dropout (Srivastava et al., "Dropout", JMLR
 * 2014): in training each value is dropped with probability p and the
 * others are scaled by 1 / (1 - p), so evaluation is the identity. Masks come
 * from the network's seeded generator, drawn in order, one thread. */
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

typedef struct dropout_state {
  float *mask;      /* 0 or 1 / (1 - p) per value of the last training batch */
  size_t capacity;
  int mask_batch;   /* the batch the mask was drawn for (0: none) */
} dropout_state;

static int dropout_setup(nn_layer *self, bovw_error *err) {
  double p = self->spec.rate;
  if (!(p >= 0 && p < 1))
    return nn_layer_error(self, err, BOVW_ERR_INVALID, "p=%g must be in [0, 1)", p);
  self->out_c = self->in_c;
  self->out_h = self->in_h;
  self->out_w = self->in_w;
  return BOVW_OK;
}

static int dropout_reserve(nn_layer *self, int batch, int threads, bovw_error *err) {
  (void)threads;
  dropout_state *st = self->state;
  if (!st && !(st = self->state = calloc(1, sizeof *st)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  size_t before = st->capacity;
  int rc = nn_grow(&st->mask, &st->capacity, (size_t)batch * nn_in_size(self), err);
  if (!rc && st->capacity != before) st->mask_batch = 0;
  return rc;
}

static void dropout_release(nn_layer *self) {
  dropout_state *st = self->state;
  if (st) free(st->mask);
  free(st);
  self->state = NULL;
}

static void dropout_forward(nn_layer *self, const nn_ctx *ctx, const float *in,
                            float *out, int batch) {
  dropout_state *st = self->state;
  const size_t n = (size_t)batch * nn_in_size(self);
  if (!ctx->training) {
    memcpy(out, in, n * sizeof *out);
    return;
  }
  /* A frozen network (gradient check) keeps the mask of its last batch. */
  if (!(ctx->frozen && st->mask_batch == batch)) {
    const double p = self->spec.rate;
    const float keep = (float)(1.0 / (1.0 - p));
    for (size_t i = 0; i < n; i++)
      st->mask[i] = bovw_rng_uniform(ctx->rng) < p ? 0.0f : keep;
    st->mask_batch = batch;
  }
  for (size_t i = 0; i < n; i++) out[i] = in[i] * st->mask[i];
}

static void dropout_backward(nn_layer *self, const nn_ctx *ctx, const float *in,
                             const float *out, const float *dout, float *din,
                             int batch) {
  (void)in;
  (void)out;
  if (!din) return;
  dropout_state *st = self->state;
  const size_t n = (size_t)batch * nn_in_size(self);
  if (!ctx->training) {
    memcpy(din, dout, n * sizeof *din);
    return;
  }
  for (size_t i = 0; i < n; i++) din[i] = dout[i] * st->mask[i];
}

const nn_ops nn_dropout_ops = {
    .kind = BOVW_NN_DROPOUT,
    .setup = dropout_setup,
    .reserve = dropout_reserve,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .release = dropout_release,
};
