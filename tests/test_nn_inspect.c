/* test_nn_inspect.c: what the lecture reads off the engine: the activation
 * functions and their derivatives as the layers compute them, the gradient
 * norm per weight layer that training records, and the last hidden layer. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/nn.h"
#include "bovw/rng.h"
#include "testutil.h"

START_TEST(test_activation_eval_gives_the_functions_and_their_derivatives) {
  enum { N = 121 };
  float x[N], y[N], dy[N];
  for (int i = 0; i < N; i++) x[i] = -6.0f + 0.1f * (float)i;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_activation_eval(BOVW_NN_SIGMOID, 0, x, N, y, dy, &err), 0);
  for (int i = 0; i < N; i++) {
    const double s = 1 / (1 + exp(-(double)x[i]));
    /* float32 arithmetic on values below 1: a few ulp of 1. */
    ck_assert_double_eq_tol(y[i], s, 1e-6);
    ck_assert_double_eq_tol(dy[i], s * (1 - s), 1e-6);
  }
  ck_assert_int_eq(bovw_nn_activation_eval(BOVW_NN_RELU, 0, x, N, y, dy, &err), 0);
  for (int i = 0; i < N; i++) {
    ck_assert_float_eq(y[i], x[i] > 0 ? x[i] : 0);
    ck_assert_float_eq(dy[i], x[i] > 0 ? 1 : 0);
  }
  ck_assert_int_eq(bovw_nn_activation_eval(BOVW_NN_LEAKYRELU, 0.1, x, N, y, dy, &err), 0);
  for (int i = 0; i < N; i++) {
    ck_assert_float_eq_tol(y[i], x[i] > 0 ? x[i] : 0.1f * x[i], 1e-7);
    ck_assert_float_eq_tol(dy[i], x[i] > 0 ? 1 : 0.1f, 1e-7);
  }
  ck_assert_int_eq(bovw_nn_activation_eval(BOVW_NN_FC, 0, x, N, y, dy, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "not an activation"));
}
END_TEST

/* n points of 2 values in two classes (the sign of x0 + x1), new data. */
static bovw_nn_data *points(size_t n) {
  bovw_nn_data *d = calloc(1, sizeof *d);
  ck_assert_ptr_nonnull(d);
  d->count = n;
  d->channels = 2;
  d->height = d->width = 1;
  d->x = malloc(2 * n * sizeof *d->x);
  d->labels = malloc(n * sizeof *d->labels);
  d->rows = malloc(n * sizeof *d->rows);
  d->num_classes = 2;
  d->class_names = calloc(2, sizeof *d->class_names);
  ck_assert(d->x && d->labels && d->rows && d->class_names);
  d->class_names[0] = strdup("a");
  d->class_names[1] = strdup("b");
  bovw_rng rng;
  bovw_rng_seed(&rng, 3);
  for (size_t i = 0; i < n; i++) {
    d->x[2 * i] = (float)bovw_rng_normal(&rng);
    d->x[2 * i + 1] = (float)bovw_rng_normal(&rng);
    d->labels[i] = d->x[2 * i] + d->x[2 * i + 1] > 0;
    d->rows[i] = i;
  }
  return d;
}

/* fc 16 + act, `depth` times, then fc classes and softmax. */
static bovw_nn_net *deep_net(const char *act, int depth, uint64_t seed) {
  char text[1024] = "input 2x1x1\n";
  for (int i = 0; i < depth; i++) {
    strcat(text, "fc 16\n");
    strcat(text, act);
    strcat(text, "\n");
  }
  strcat(text, "fc classes\nsoftmax\n");
  bovw_nn_spec *spec;
  bovw_nn_net *net;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_spec_parse(text, "deep", &spec, &err) == 0, "%s", err.message);
  bovw_nn_net_options no = BOVW_NN_NET_OPTIONS_DEFAULT;
  no.classes = 2;
  no.seed = seed;
  no.threads = 1;
  ck_assert_msg(bovw_nn_net_new(spec, &no, &net, &err) == 0, "%s", err.message);
  bovw_nn_spec_free(spec);
  return net;
}

START_TEST(test_history_records_each_weight_layers_gradient_norm) {
  enum { N = 64, DEPTH = 8 };
  bovw_nn_data *d = points(N);
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  o.epochs = 3;
  o.batch = N; /* one batch an epoch: epoch 1's norm is the first gradient's */
  o.seed = 5;
  o.threads = 1;
  bovw_nn_net *net = deep_net("sigmoid", DEPTH, o.seed);
  bovw_nn_history *h = NULL;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_train(net, d, NULL, NULL, &o, NULL, NULL, NULL, &h, &err) == 0, "%s",
                err.message);
  /* Every fc, in order: layers 0, 2, ..., 2 DEPTH. */
  ck_assert_int_eq(h->num_weighted, DEPTH + 1);
  for (int k = 0; k <= DEPTH; k++) ck_assert_int_eq(h->weighted_layers[k], 2 * k);
  for (int k = 0; k < 3 * h->num_weighted; k++)
    ck_assert(isfinite(h->grad_norm[k]) && h->grad_norm[k] > 0);

  /* The same net, untrained: its gradient on the whole set by hand. The
   * epoch's shuffle only reorders the batch, which changes the sums'
   * order: float rounding, far below 1e-4 of the norm. */
  bovw_nn_net *fresh = deep_net("sigmoid", DEPTH, o.seed);
  const float *logits;
  float grad[2 * N];
  double loss;
  ck_assert_int_eq(bovw_nn_net_forward(fresh, d->x, N, &logits, &err), 0);
  ck_assert_int_eq(bovw_nn_softmax_cross_entropy(logits, d->labels, N, 2, &loss, grad, NULL, &err), 0);
  ck_assert_int_eq(bovw_nn_net_backward(fresh, grad, NULL, &err), 0);
  for (int k = 0; k <= DEPTH; k++) {
    char name[32];
    snprintf(name, sizeof name, "%d.weight", 2 * k);
    const bovw_nn_param *p = bovw_nn_net_find_param(fresh, name);
    double sq = 0;
    for (size_t j = 0; j < p->count; j++) sq += (double)p->grad[j] * p->grad[j];
    ck_assert_double_eq_tol(h->grad_norm[k], sqrt(sq), 1e-4 * sqrt(sq));
  }
  /* Eight sigmoid layers: the first layer's gradient is orders of
   * magnitude below the last one's (each sigmoid passes at most 1/4). */
  ck_assert_msg(h->grad_norm[0] < 1e-3 * h->grad_norm[DEPTH], "first %g, last %g",
                h->grad_norm[0], h->grad_norm[DEPTH]);
  bovw_nn_history_free(h);
  bovw_nn_net_free(fresh);
  bovw_nn_net_free(net);

  /* With ReLUs (He initialisation) it is not. */
  net = deep_net("relu", DEPTH, o.seed);
  ck_assert_int_eq(bovw_nn_train(net, d, NULL, NULL, &o, NULL, NULL, NULL, &h, &err), 0);
  ck_assert_msg(h->grad_norm[0] > 1e-2 * h->grad_norm[DEPTH], "first %g, last %g",
                h->grad_norm[0], h->grad_norm[DEPTH]);
  ck_assert_int_eq(h->num_relu, DEPTH);
  bovw_nn_history_free(h);
  bovw_nn_net_free(net);
  bovw_nn_data_free(d);
}
END_TEST

START_TEST(test_last_hidden_is_what_the_last_fc_reads) {
  bovw_nn_net *net = deep_net("relu", 2, 0);
  ck_assert_int_eq(bovw_nn_net_last_hidden(net), 3);  /* fc relu fc relu | fc softmax */
  bovw_nn_net_free(net);
  net = deep_net("relu", 0, 0);
  ck_assert_int_eq(bovw_nn_net_last_hidden(net), -1); /* fc softmax: no hidden layer */
  bovw_nn_net_free(net);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_inspect");
  TCase *tc = tcase_create("nn_inspect");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_activation_eval_gives_the_functions_and_their_derivatives);
  tcase_add_test(tc, test_history_records_each_weight_layers_gradient_norm);
  tcase_add_test(tc, test_last_hidden_is_what_the_last_fc_reads);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
