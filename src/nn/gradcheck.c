/* gradcheck.c: the numeric gradient checker shipped with the engine (as
 * kann ships kad_check_grad): back-propagated gradients against central
 * differences of the loss, for the input and every trainable parameter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

typedef struct checker {
  bovw_nn_net *net;
  const bovw_nn_gradcheck_options *opt;
  float *x;            /* the input, perturbed in place */
  int batch;
  float *weights;      /* r, when there are no labels */
  size_t out_count;
  float *scratch;      /* dL/dout */
  double floor;        /* opt->floor times the network's gradient scale */
  uint64_t branches;   /* the ReLU signs and max-pool choices at that point */
  bovw_nn_gradcheck_result *result;
  bovw_error *err;
} checker;

/* L at the current point; *branches (may be NULL) receives the branches
 * the forward took. */
static int loss(checker *c, double *value, uint64_t *branches) {
  const float *out;
  int rc = bovw_nn_net_forward(c->net, c->x, c->batch, &out, c->err);
  if (rc) return rc;
  if (branches) *branches = nn_net_branches(c->net);
  if (c->opt->labels)
    return bovw_nn_softmax_cross_entropy(out, c->opt->labels, c->batch,
                                         (int)bovw_nn_net_output_size(c->net),
                                         value, c->scratch, NULL, c->err);
  double sum = 0;
  for (size_t i = 0; i < c->out_count; i++) sum += (double)c->weights[i] * out[i];
  memcpy(c->scratch, c->weights, c->out_count * sizeof *c->scratch);
  *value = sum;
  return BOVW_OK;
}

/* Records one comparison of an analytic derivative a with the difference
 * quotient n = (plus - minus) / h2, h2 being the total step 2h. */
static void compare(checker *c, const char *name, size_t at, double a,
                    double plus, double minus, double h2) {
  const bovw_nn_gradcheck_options *opt = c->opt;
  bovw_nn_gradcheck_result *r = c->result;
  const double numeric = (plus - minus) / h2, gap = fabs(a - numeric);
  double scale = fmax(fmax(fabs(a), fabs(numeric)), c->floor);
  if (scale == 0) scale = 1;  /* both zero, and every gradient too */
  const double rel = gap / scale;
  r->checked++;
  if (rel > opt->tolerance) r->failed++;
  if (rel > r->max_rel_error || r->worst[0] == '\0') {
    r->max_rel_error = rel;
    r->worst_analytic = a;
    r->worst_numeric = numeric;
    snprintf(r->worst, sizeof r->worst, "%s[%zu]", name, at);
  }
}

/* `count` elements of values (all of them, or per_tensor drawn with rng)
 * against analytic[i]. */
static int check_tensor(checker *c, const char *name, float *values,
                        const float *analytic, size_t count, bovw_rng *rng) {
  const bovw_nn_gradcheck_options *opt = c->opt;
  size_t n = opt->per_tensor > 0 && count > (size_t)opt->per_tensor
                 ? (size_t)opt->per_tensor : count;
  for (size_t k = 0; k < n; k++) {
    size_t i = n == count ? k : (size_t)bovw_rng_below(rng, count);
    const float v = values[i];
    const float up = (float)(v + opt->eps), down = (float)(v - opt->eps);
    double plus, minus;
    uint64_t branches_up, branches_down;
    values[i] = up;
    int rc = loss(c, &plus, &branches_up);
    values[i] = down;
    if (!rc) rc = loss(c, &minus, &branches_down);
    values[i] = v;
    if (rc) return rc;
    /* A step that flips a ReLU or moves a max-pool choice crosses a kink:
     * the quotient then mixes two slopes and proves nothing. */
    if (branches_up != c->branches || branches_down != c->branches) {
      c->result->kinks++;
      continue;
    }
    /* The steps actually taken in float, not 2 eps. */
    compare(c, name, i, analytic[i], plus, minus, (double)up - (double)down);
  }
  return BOVW_OK;
}

int bovw_nn_gradcheck(bovw_nn_net *net, const float *input, int batch,
                      const bovw_nn_gradcheck_options *opt,
                      bovw_nn_gradcheck_result *result, bovw_error *err) {
  static const bovw_nn_gradcheck_options defaults = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  if (!opt) opt = &defaults;
  memset(result, 0, sizeof *result);
  if (batch <= 0 || !(opt->eps > 0) || !(opt->floor > 0) || !(opt->tolerance > 0))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "gradient check: batch %d, eps %g, floor %g, tolerance %g",
                          batch, opt->eps, opt->floor, opt->tolerance);
  if (opt->labels && !bovw_nn_net_has_softmax(net))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "gradient check with labels needs a net ending with softmax");
  const size_t in_count = (size_t)batch * bovw_nn_net_input_size(net);
  const size_t out_count = (size_t)batch * bovw_nn_net_output_size(net);
  checker c = {.net = net, .opt = opt, .batch = batch, .out_count = out_count,
               .result = result, .err = err};
  size_t grads_count = in_count;
  for (size_t p = 0; p < bovw_nn_net_num_params(net); p++)
    grads_count += bovw_nn_net_param(net, p)->count;
  float *grads = malloc(grads_count * sizeof *grads);
  c.x = malloc(in_count * sizeof *c.x);
  c.weights = malloc(out_count * sizeof *c.weights);
  c.scratch = malloc(out_count * sizeof *c.scratch);
  if (!grads || !c.x || !c.weights || !c.scratch) {
    free(grads);
    free(c.x);
    free(c.weights);
    free(c.scratch);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  memcpy(c.x, input, in_count * sizeof *c.x);
  bovw_rng rng;
  bovw_rng_seed(&rng, opt->seed);
  for (size_t i = 0; i < out_count; i++)
    c.weights[i] = (float)(2.0 * bovw_rng_uniform(&rng) - 1.0);

  nn_net_set_frozen(net, 1);
  /* The analytic gradients, copied out before the differences run. */
  const float *grad_input;
  double base;
  int rc = loss(&c, &base, &c.branches);
  if (!rc) rc = bovw_nn_net_backward(net, c.scratch, &grad_input, err);
  if (!rc) {
    memcpy(grads, grad_input, in_count * sizeof *grads);
    size_t at = in_count;
    for (size_t p = 0; p < bovw_nn_net_num_params(net); p++) {
      bovw_nn_param *param = bovw_nn_net_param(net, p);
      if (param->trainable) memcpy(grads + at, param->grad, param->count * sizeof *grads);
      at += param->count;
    }
    /* The network's gradient scale: the root mean square of every gradient
     * checked, the input's and the trainable parameters'. */
    double sq = 0;
    size_t counted = in_count;
    for (size_t i = 0; i < in_count; i++) sq += (double)grads[i] * grads[i];
    at = in_count;
    for (size_t p = 0; p < bovw_nn_net_num_params(net); p++) {
      bovw_nn_param *param = bovw_nn_net_param(net, p);
      if (param->trainable) {
        for (size_t i = 0; i < param->count; i++)
          sq += (double)grads[at + i] * grads[at + i];
        counted += param->count;
      }
      at += param->count;
    }
    c.floor = opt->floor * sqrt(sq / (double)(counted ? counted : 1));
    rc = check_tensor(&c, "input", c.x, grads, in_count, &rng);
    at = in_count;
    for (size_t p = 0; !rc && p < bovw_nn_net_num_params(net); p++) {
      bovw_nn_param *param = bovw_nn_net_param(net, p);
      if (param->trainable)
        rc = check_tensor(&c, param->name, param->value, grads + at, param->count, &rng);
      at += param->count;
    }
  }
  nn_net_set_frozen(net, 0);
  free(grads);
  free(c.x);
  free(c.weights);
  free(c.scratch);
  return rc;
}
