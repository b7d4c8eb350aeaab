/* sgd.c: stochastic gradient descent with momentum, classical or Nesterov,
 * and weight decay on the weights of conv and fc layers, in PyTorch's
 * formulation (torch.optim.SGD, dampening 0):
 *   g = grad + weight_decay w
 *   v = momentum v + g
 *   w = w - lr (g + momentum v)   (Nesterov; Sutskever et al., ICML 2013)
 *   w = w - lr v                  (classical momentum, Polyak 1964)
 * Biases and batch-norm scales and shifts are not decayed. */
#include <stdlib.h>

#include "nn/internal.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN (1L << 16)

struct bovw_nn_sgd {
  bovw_nn_net *net;
  bovw_nn_sgd_options opt;
  float **velocity;   /* one per parameter (NULL when not trainable) */
  size_t count;
};

void bovw_nn_sgd_free(bovw_nn_sgd *self) {
  if (!self) return;
  for (size_t i = 0; i < self->count; i++) free(self->velocity[i]);
  free(self->velocity);
  free(self);
}

int bovw_nn_sgd_new(bovw_nn_net *net, const bovw_nn_sgd_options *opt,
                    bovw_nn_sgd **out, bovw_error *err) {
  static const bovw_nn_sgd_options defaults = BOVW_NN_SGD_OPTIONS_DEFAULT;
  if (!opt) opt = &defaults;
  *out = NULL;
  if (!(opt->momentum >= 0 && opt->momentum < 1) || !(opt->weight_decay >= 0) ||
      (opt->nesterov && opt->momentum == 0))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "SGD: momentum %g must be in [0, 1) (above 0 for "
                          "Nesterov), weight decay %g at least 0",
                          opt->momentum, opt->weight_decay);
  bovw_nn_sgd *self = calloc(1, sizeof *self);
  size_t n = bovw_nn_net_num_params(net);
  if (!self || !(self->velocity = calloc(n ? n : 1, sizeof *self->velocity))) {
    free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  self->net = net;
  self->opt = *opt;
  self->count = n;
  for (size_t i = 0; i < n; i++) {
    bovw_nn_param *p = bovw_nn_net_param(net, i);
    if (p->trainable && !(self->velocity[i] = calloc(p->count ? p->count : 1, sizeof(float)))) {
      bovw_nn_sgd_free(self);
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
  }
  *out = self;
  return BOVW_OK;
}

void bovw_nn_sgd_step(bovw_nn_sgd *self, double lr) {
  const float momentum = (float)self->opt.momentum;
  const float rate = (float)lr;
  const int threads = nn_net_threads(self->net);
  for (size_t i = 0; i < self->count; i++) {
    bovw_nn_param *p = bovw_nn_net_param(self->net, i);
    if (!p->trainable) continue;
    const float decay = p->decay ? (float)self->opt.weight_decay : 0.0f;
    float *w = p->value, *v = self->velocity[i];
    const float *grad = p->grad;
    /* each value on its own: the same result on any number of threads */
#pragma omp parallel for num_threads(threads) if (p->count >= PARALLEL_MIN) schedule(static)
    for (size_t k = 0; k < p->count; k++) {
      float g = grad[k] + decay * w[k];
      v[k] = momentum * v[k] + g;
      w[k] -= rate * (self->opt.nesterov ? g + momentum * v[k] : v[k]);
    }
  }
}
