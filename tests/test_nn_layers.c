/* test_nn_layers.c: each layer kind of the network engine on its own: the
 * forward pass against a direct computation, the backward pass against
 * finite differences (bovw_nn_gradcheck), the output-size and parameter
 * formulas, batch norm's modes, dropout, softmax cross-entropy. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/nn.h"
#include "bovw/rng.h"
#include "nn/internal.h"
#include "nn_fixtures.h"
#include "testutil.h"

/* ---- helpers ----------------------------------------------------------------- */

static bovw_nn_net *make_net(const char *text, int classes, int threads) {
  return test_nn_net(text, classes, threads, 7);
}

/* n values uniform in [-1, 1]. */
static float *uniform_values(size_t n, uint64_t seed) { return test_uniform_values(n, seed); }

/* n values at least 0.1 away from zero (ReLU's kink). */
static float *values_away_from_zero(size_t n, uint64_t seed) {
  float *v = uniform_values(n, seed);
  for (size_t i = 0; i < n; i++) v[i] = v[i] < 0 ? v[i] - 0.1f : v[i] + 0.1f;
  return v;
}

/* n distinct values 0.05 apart in random order (no max-pool ties within a
 * finite-difference step). */
static float *spaced_values(size_t n, uint64_t seed) {
  float *v = malloc(n * sizeof *v);
  ck_assert_ptr_nonnull(v);
  for (size_t i = 0; i < n; i++) v[i] = 0.05f * (float)i - 0.025f * (float)n;
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  bovw_rng_shuffle(&rng, v, n, sizeof *v);
  return v;
}

static void set_params_uniform(bovw_nn_net *net, uint64_t seed) {
  for (size_t p = 0; p < bovw_nn_net_num_params(net); p++) {
    bovw_nn_param *param = bovw_nn_net_param(net, p);
    if (!param->trainable) continue;
    float *v = uniform_values(param->count, seed + p);
    memcpy(param->value, v, param->count * sizeof *v);
    free(v);
  }
}

/* Every input and parameter element is checked; no kinks are allowed unless
 * the caller says so. */
static bovw_nn_gradcheck_result expect_gradients_match_step(bovw_nn_net *net,
                                                            const float *x, int batch,
                                                            int kinks_allowed, double eps) {
  bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  opt.per_tensor = 0;
  opt.eps = eps;
  bovw_nn_gradcheck_result r;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_gradcheck(net, x, batch, &opt, &r, &err) == 0, "%s", err.message);
  ck_assert_msg(r.failed == 0 && r.max_rel_error < 1e-3,
                "%zu of %zu gradients off; worst %s: analytic %g, numeric %g "
                "(relative error %g)", r.failed, r.checked, r.worst,
                r.worst_analytic, r.worst_numeric, r.max_rel_error);
  ck_assert_msg(r.kinks <= (size_t)kinks_allowed, "%zu kinks (at most %d expected)",
                r.kinks, kinks_allowed);
  ck_assert_uint_gt(r.checked, 0);
  return r;
}

static bovw_nn_gradcheck_result expect_gradients_match(bovw_nn_net *net,
                                                       const float *x, int batch,
                                                       int kinks_allowed) {
  bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  return expect_gradients_match_step(net, x, batch, kinks_allowed, opt.eps);
}

static void check_layer_gradients_step(const char *spec, int batch, size_t input_size,
                                       float *(*make_input)(size_t, uint64_t), double eps) {
  bovw_nn_net *net = make_net(spec, 0, 2);
  ck_assert_uint_eq(bovw_nn_net_input_size(net), input_size);
  set_params_uniform(net, 3);
  float *x = make_input((size_t)batch * input_size, 11);
  expect_gradients_match_step(net, x, batch, 0, eps);
  free(x);
  bovw_nn_net_free(net);
}

static void check_layer_gradients(const char *spec, int batch, size_t input_size,
                                  float *(*make_input)(size_t, uint64_t)) {
  bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  check_layer_gradients_step(spec, batch, input_size, make_input, opt.eps);
}

static const float *forward(bovw_nn_net *net, const float *x, int batch) {
  const float *y;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_forward(net, x, batch, &y, &err) == 0, "%s", err.message);
  return y;
}

/* ---- fully connected -------------------------------------------------------- */

START_TEST(test_fc_forward_is_w_x_plus_b) {
  bovw_nn_net *net = make_net("input 2x1x3\nfc 4\n", 0, 1);
  set_params_uniform(net, 5);
  const float *w = bovw_nn_net_find_param(net, "0.weight")->value;
  const float *b = bovw_nn_net_find_param(net, "0.bias")->value;
  ck_assert_int_eq(bovw_nn_net_find_param(net, "0.weight")->shape[0], 4);
  ck_assert_int_eq(bovw_nn_net_find_param(net, "0.weight")->shape[1], 6);
  float *x = uniform_values(3 * 6, 2);
  const float *y = forward(net, x, 3);
  for (int s = 0; s < 3; s++)
    for (int o = 0; o < 4; o++) {
      double want = b[o];
      for (int i = 0; i < 6; i++) want += w[o * 6 + i] * x[s * 6 + i];
      ck_assert_double_eq_tol(y[s * 4 + o], want, 1e-5);
    }
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_fc_gradients_match_finite_differences) {
  check_layer_gradients("input 3x2x2\nfc 5\n", 4, 12, uniform_values);
  check_layer_gradients("input 7x1x1\nfc 3 bias=no\n", 2, 7, uniform_values);
  /* Products cut into blocks of columns: 64 outputs in 2, 70 inputs in 2.
   * The loss sum_j r_j y_j is linear in every input and weight, so a central
   * difference has no truncation error whatever its step h, only the float
   * rounding of the two losses divided by 2h. At the default h = 0.01 that
   * rounding, which follows the kernel set's summation order over 70 terms,
   * reached 1.6e-3 of a gradient with OpenBLAS's Nehalem kernels (the
   * tolerance is 1e-3); h = 0.25 divides it by 25, to about 6e-5. */
  check_layer_gradients_step("input 70x1x1\nfc 64\n", 3, 70, uniform_values, 0.25);
}
END_TEST

/* ---- convolution ---------------------------------------------------------------- */

/* Direct cross-correlation, the definition the layer must meet. */
static double conv_reference(const float *in, const float *w, const float *bias,
                             int C, int H, int W, int KH, int KW, int SH, int SW,
                             int PH, int PW, int replicate, int o, int y, int x) {
  double sum = bias ? bias[o] : 0;
  for (int c = 0; c < C; c++)
    for (int i = 0; i < KH; i++)
      for (int j = 0; j < KW; j++) {
        int iy = y * SH - PH + i, ix = x * SW - PW + j;
        if (replicate) {
          iy = iy < 0 ? 0 : iy >= H ? H - 1 : iy;
          ix = ix < 0 ? 0 : ix >= W ? W - 1 : ix;
        } else if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
          continue;
        }
        sum += (double)w[((o * C + c) * KH + i) * KW + j] * in[(c * H + iy) * W + ix];
      }
  return sum;
}

typedef struct conv_case {
  const char *spec;
  int C, H, W, O, KH, KW, SH, SW, PH, PW, replicate, bias;
} conv_case;

static const conv_case CONV_CASES[] = {
    {"input 2x6x5\nconv 3 3x3 pad=same\n", 2, 6, 5, 3, 3, 3, 1, 1, 1, 1, 0, 1},
    {"input 2x7x7\nconv 4 3x3 stride=2\n", 2, 7, 7, 4, 3, 3, 2, 2, 0, 0, 0, 1},
    {"input 1x6x6\nconv 2 3x3 stride=2 pad=same\n", 1, 6, 6, 2, 3, 3, 2, 2, 1, 1, 0, 1},
    {"input 2x5x6\nconv 2 3x3 pad=same padmode=replicate\n", 2, 5, 6, 2, 3, 3, 1, 1, 1, 1, 1, 1},
    {"input 3x4x4\nconv 2 1x1 bias=no\n", 3, 4, 4, 2, 1, 1, 1, 1, 0, 0, 0, 0},
    {"input 2x6x5\nconv 3 3x2 stride=2x1 pad=1x0\n", 2, 6, 5, 3, 3, 2, 2, 1, 1, 0, 0, 1},
    {"input 1x5x5\nconv 2 5x5 pad=2 padmode=replicate bias=no\n", 1, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 0},
    /* zeros around a kernel taller than the image: im2col's run per row
     * of a "same" convolution, its wrapped columns zeroed */
    {"input 2x4x5\nconv 3 5x5 pad=2 bias=no\n", 2, 4, 5, 3, 5, 5, 1, 1, 2, 2, 0, 0},
};

/* The outputs of batch samples of net (made from t->spec) against the
 * direct sum; frees net. */
static void expect_conv_forward(bovw_nn_net *net, const conv_case *t, int batch,
                                uint64_t seed) {
  set_params_uniform(net, 9);
  const float *w = bovw_nn_net_find_param(net, "0.weight")->value;
  bovw_nn_param *bp = bovw_nn_net_find_param(net, "0.bias");
  ck_assert_int_eq(bp != NULL, t->bias);
  const int OH = (t->H + 2 * t->PH - t->KH) / t->SH + 1,
            OW = (t->W + 2 * t->PW - t->KW) / t->SW + 1;
  ck_assert_uint_eq(bovw_nn_net_output_size(net), (size_t)t->O * OH * OW);
  size_t in_size = (size_t)t->C * t->H * t->W;
  float *x = uniform_values(batch * in_size, seed);
  const float *y = forward(net, x, batch);
  for (int b = 0; b < batch; b++)
    for (int o = 0; o < t->O; o++)
      for (int yy = 0; yy < OH; yy++)
        for (int xx = 0; xx < OW; xx++) {
          double want = conv_reference(x + b * in_size, w, bp ? bp->value : NULL, t->C, t->H,
                                       t->W, t->KH, t->KW, t->SH, t->SW, t->PH, t->PW,
                                       t->replicate, o, yy, xx);
          float got = y[((size_t)(b * t->O + o) * OH + yy) * OW + xx];
          ck_assert_msg(fabs(got - want) < 1e-5, "%s: out[%d][%d][%d][%d] = %g, want %g",
                        t->spec, b, o, yy, xx, got, want);
        }
  free(x);
  bovw_nn_net_free(net);
}

START_TEST(test_conv_forward_is_cross_correlation) {
  /* 40 samples: groups of 2 and 3, each one product */
  for (size_t k = 0; k < sizeof CONV_CASES / sizeof CONV_CASES[0]; k++)
    expect_conv_forward(make_net(CONV_CASES[k].spec, 0, 2), &CONV_CASES[k], 40, k);
}
END_TEST

START_TEST(test_conv_gradients_match_finite_differences) {
  for (size_t k = 0; k < sizeof CONV_CASES / sizeof CONV_CASES[0]; k++) {
    const conv_case *t = &CONV_CASES[k];
    check_layer_gradients(t->spec, 3, (size_t)t->C * t->H * t->W, uniform_values);
  }
}
END_TEST

START_TEST(test_conv_batch_larger_than_the_gradient_groups) {
  /* 37 samples: more than the 16 groups of the weight gradient, unevenly. */
  bovw_nn_net *net = make_net("input 1x4x4\nconv 2 3x3 pad=same\n", 0, 2);
  float *x = uniform_values(37 * 16, 4);
  bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  bovw_nn_gradcheck_result r;
  ck_assert_int_eq(bovw_nn_gradcheck(net, x, 37, &opt, &r, NULL), 0);
  ck_assert_msg(r.failed == 0, "worst %s: %g vs %g", r.worst, r.worst_analytic,
                r.worst_numeric);
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

/* One forward and backward pass of batch samples (parameters, inputs x and
 * output gradients r made on the first call, the same for every net). */
static void one_pass(bovw_nn_net *net, int batch, float **x, float **r, const float **y,
                      const float **g) {
  bovw_error err = {0};
  set_params_uniform(net, 5);
  if (!*x) *x = uniform_values(batch * bovw_nn_net_input_size(net), 12);
  if (!*r) *r = uniform_values(batch * bovw_nn_net_output_size(net), 13);
  ck_assert_int_eq(bovw_nn_net_forward(net, *x, batch, y, &err), 0);
  ck_assert_int_eq(bovw_nn_net_backward(net, *r, g, &err), 0);
}

/* Outputs, input gradients and parameter gradients of two passes: the
 * same bytes. */
static void expect_same_pass(bovw_nn_net *a, bovw_nn_net *b, const float *ya, const float *yb,
                             const float *ga, const float *gb, int batch) {
  ck_assert_mem_eq(ya, yb, batch * bovw_nn_net_output_size(a) * sizeof(float));
  ck_assert_mem_eq(ga, gb, batch * bovw_nn_net_input_size(a) * sizeof(float));
  for (size_t p = 0; p < bovw_nn_net_num_params(a); p++) {
    const bovw_nn_param *pa = bovw_nn_net_param(a, p), *pb = bovw_nn_net_param(b, p);
    ck_assert_mem_eq(pa->grad, pb->grad, pa->count * sizeof(float));
  }
}

/* A net of text at 1 and 2 threads: one pass of batch samples gives the
 * same bytes. */
static void expect_same_at_1_and_2_threads(const char *text, int batch) {
  bovw_nn_net *net[2];
  const float *y[2], *g[2];
  float *x = NULL, *r = NULL;
  for (int k = 0; k < 2; k++) {
    net[k] = make_net(text, 0, k + 1);
    one_pass(net[k], batch, &x, &r, &y[k], &g[k]);
  }
  expect_same_pass(net[0], net[1], y[0], y[1], g[0], g[1], batch);
  free(x);
  free(r);
  bovw_nn_net_free(net[0]);
  bovw_nn_net_free(net[1]);
}

/* 64 samples of the first fc layer of models/fmnist-cnn.cfg: its products
 * in blocks of columns (4, then 8 and 8), in parallel. */
START_TEST(test_fc_blocks_same_result_any_thread_count) {
  expect_same_at_1_and_2_threads("input 64x7x7\nfc 128\n", 64);
}
END_TEST

/* 64 samples of 8x40x40: 16 groups of 4, each unrolled as two products of
 * two samples (a sample's columns are 72 x 1600 floats). */
START_TEST(test_conv_chunks_same_result_any_thread_count) {
  expect_same_at_1_and_2_threads("input 8x40x40\nconv 6 3x3 pad=same\n", 64);
}
END_TEST

/* The direct 3x3 kernel (conv_direct.c), forced where the rule would not
 * pick it: output channels in blocks of 4 and one by one, rows of 16-float
 * tiles with a partial last one, padding 0, 1 and 2. */
static const conv_case DIRECT_CASES[] = {
    {"input 1x28x28\nconv 6 3x3 pad=same\n", 1, 28, 28, 6, 3, 3, 1, 1, 1, 1, 0, 1},
    {"input 2x5x7\nconv 5 3x3\n", 2, 5, 7, 5, 3, 3, 1, 1, 0, 0, 0, 1},
    {"input 3x6x17\nconv 4 3x3 pad=2 bias=no\n", 3, 6, 17, 4, 3, 3, 1, 1, 2, 2, 0, 0},
    {"input 2x4x9\nconv 9 3x3 pad=1x0\n", 2, 4, 9, 9, 3, 3, 1, 1, 1, 0, 0, 1},
};

static bovw_nn_net *make_direct_net(const char *text, int threads) {
  bovw_nn_net *net = make_net(text, 0, threads);
  bovw_error err = {0};
  nn_layer *l = nn_net_layer(net, 0);
  ck_assert_msg(nn_conv_force_form(l, NN_CONV_DIRECT, &err) == 0, "%s", err.message);
  ck_assert_msg(nn_conv_is_direct(l), "%s: the direct kernel does not fit", text);
  return net;
}

START_TEST(test_conv_direct_forward_is_cross_correlation) {
  for (size_t k = 0; k < sizeof DIRECT_CASES / sizeof DIRECT_CASES[0]; k++)
    expect_conv_forward(make_direct_net(DIRECT_CASES[k].spec, 2), &DIRECT_CASES[k], 7, k);
}
END_TEST

START_TEST(test_conv_direct_gradients_match_finite_differences) {
  for (size_t k = 0; k < sizeof DIRECT_CASES / sizeof DIRECT_CASES[0]; k++) {
    const conv_case *t = &DIRECT_CASES[k];
    bovw_nn_net *net = make_direct_net(t->spec, 2);
    set_params_uniform(net, 3);
    /* 20 samples: groups of 1 and 2 of the weight gradient */
    const int batch = k == 0 ? 2 : 20;
    float *x = uniform_values((size_t)batch * t->C * t->H * t->W, 11);
    expect_gradients_match(net, x, batch, 0);
    free(x);
    bovw_nn_net_free(net);
  }
}
END_TEST

/* The rule: the direct kernel for a 3x3 convolution at stride 1 with zero
 * padding, at most 3 input channels and rows of at least 16 outputs;
 * im2col + sgemm otherwise. */
START_TEST(test_conv_direct_chosen_by_the_rule) {
  static const struct {
    const char *spec;
    int direct;
  } cases[] = {
      {"input 1x28x28\nconv 32 3x3 pad=same\n", 1},
      {"input 1x28x28\nconv 32 3x3\n", 1},
      {"input 3x32x32\nconv 16 3x3 pad=same\n", 1},
      {"input 4x32x32\nconv 16 3x3 pad=same\n", 0},
      {"input 1x14x14\nconv 64 3x3 pad=same\n", 0},
      {"input 32x14x14\nconv 64 3x3 pad=same\n", 0},
      {"input 1x28x28\nconv 32 3x3 stride=2 pad=same\n", 0},
      {"input 1x28x28\nconv 32 3x3 pad=same padmode=replicate\n", 0},
      {"input 1x28x28\nconv 32 5x5 pad=same\n", 0},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    bovw_nn_net *net = make_net(cases[k].spec, 0, 1);
    ck_assert_msg(nn_conv_is_direct(nn_net_layer(net, 0)) == cases[k].direct, "%s",
                  cases[k].spec);
    bovw_nn_net_free(net);
  }
}
END_TEST

/* 64 samples of the first layer of models/fmnist-cnn.cfg (direct by the
 * rule): outputs and every gradient the same bytes at 1 and 2 threads, and
 * the outputs within float rounding of im2col + sgemm's: each is the bias
 * and 9 products of values in [-1, 1], summed in two orders, each within
 * 9 2^-24 of the 10 terms' magnitudes. */
START_TEST(test_conv_direct_same_result_any_thread_count) {
  const int batch = 64;
  bovw_nn_net *net[3];
  const float *y[3], *g[3];
  float *x = NULL, *r = NULL;
  bovw_error err = {0};
  for (int k = 0; k < 3; k++) {
    net[k] = make_net("input 1x28x28\nconv 8 3x3 pad=same\n", 0, k == 1 ? 2 : 1);
    if (k == 2) nn_conv_force_form(nn_net_layer(net[k], 0), NN_CONV_IM2COL, &err);
    ck_assert_int_eq(nn_conv_is_direct(nn_net_layer(net[k], 0)), k < 2);
    one_pass(net[k], batch, &x, &r, &y[k], &g[k]);
  }
  expect_same_pass(net[0], net[1], y[0], y[1], g[0], g[1], batch);
  for (size_t i = 0; i < batch * bovw_nn_net_output_size(net[0]); i++)
    ck_assert_msg(fabs(y[0][i] - y[2][i]) <= 2 * 9 * ldexp(1, -24) * 10, "out[%zu]: %g and %g",
                  i, y[0][i], y[2][i]);
  free(x);
  free(r);
  for (int k = 0; k < 3; k++) bovw_nn_net_free(net[k]);
}
END_TEST

/* H_out = floor((H_in - K + 2P) / S) + 1; params = C_out (C_in K_h K_w + 1). */
START_TEST(test_conv_output_size_and_params_follow_the_formulas) {
  static const struct {
    const char *pad;
    int H, K, S, P;
  } cases[] = {
      {"same", 28, 3, 1, 1},  {"same", 28, 3, 2, 1},  {"same", 27, 5, 2, 2},
      {"valid", 28, 3, 1, 0}, {"valid", 28, 3, 2, 0}, {"valid", 9, 4, 3, 0},
      {"2", 10, 5, 2, 2},     {"same", 7, 7, 3, 3},   {"valid", 3, 3, 2, 0},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char spec[128];
    snprintf(spec, sizeof spec, "input 3x%dx%d\nconv 5 %dx%d stride=%d pad=%s\n",
             cases[k].H, cases[k].H, cases[k].K, cases[k].K, cases[k].S, cases[k].pad);
    bovw_nn_net *net = make_net(spec, 0, 1);
    int want = (cases[k].H - cases[k].K + 2 * cases[k].P) / cases[k].S + 1;
    ck_assert_msg(bovw_nn_net_output_size(net) == (size_t)5 * want * want,
                  "%s: %zu values, want 5x%dx%d", spec, bovw_nn_net_output_size(net),
                  want, want);
    size_t params = 0;
    for (size_t p = 0; p < bovw_nn_net_num_params(net); p++)
      params += bovw_nn_net_param(net, p)->count;
    ck_assert_uint_eq(params, (size_t)5 * (3 * cases[k].K * cases[k].K + 1));
    bovw_nn_net_free(net);
  }
  /* pad=same keeps the size at stride 1 and gives ceil(H / S) at stride S. */
  bovw_nn_net *net = make_net("input 1x28x28\nconv 1 3x3 stride=2 pad=same\n", 0, 1);
  ck_assert_uint_eq(bovw_nn_net_output_size(net), 14 * 14);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_conv_refuses_kernels_that_do_not_fit) {
  bovw_nn_spec *spec;
  bovw_nn_net *net;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_spec_parse("input 1x2x2\nconv 4 3x3\n", "t", &spec, &err), 0);
  ck_assert_int_ne(bovw_nn_net_new(spec, NULL, &net, &err), 0);
  ck_assert_msg(strstr(err.message, "line 2") && strstr(err.message, "does not fit"),
                "%s", err.message);
  bovw_nn_spec_free(spec);
  ck_assert_int_eq(bovw_nn_spec_parse("input 1x8x8\nconv 4 2x2 pad=same\n", "t", &spec, &err), 0);
  ck_assert_int_ne(bovw_nn_net_new(spec, NULL, &net, &err), 0);
  ck_assert_msg(strstr(err.message, "odd kernel"), "%s", err.message);
  bovw_nn_spec_free(spec);
}
END_TEST

/* ---- pooling ------------------------------------------------------------------- */

START_TEST(test_pools_forward_by_hand) {
  /* One 4x4 plane: 0..15. */
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = (float)i;
  bovw_nn_net *net = make_net("input 1x4x4\nmaxpool 2\n", 0, 1);
  const float *y = forward(net, x, 1);
  ck_assert_float_eq(y[0], 5);
  ck_assert_float_eq(y[1], 7);
  ck_assert_float_eq(y[2], 13);
  ck_assert_float_eq(y[3], 15);
  bovw_nn_net_free(net);
  net = make_net("input 1x4x4\navgpool 2\n", 0, 1);
  y = forward(net, x, 1);
  ck_assert_float_eq(y[0], 2.5f);
  ck_assert_float_eq(y[3], 12.5f);
  bovw_nn_net_free(net);
  /* Overlapping 3x3 windows at stride 1: 2x2 outputs. */
  net = make_net("input 1x4x4\nmaxpool 3 stride=1\n", 0, 1);
  ck_assert_uint_eq(bovw_nn_net_output_size(net), 4);
  y = forward(net, x, 1);
  ck_assert_float_eq(y[0], 10);
  ck_assert_float_eq(y[3], 15);
  bovw_nn_net_free(net);
  net = make_net("input 1x4x4\nglobalavgpool\n", 0, 1);
  y = forward(net, x, 1);
  ck_assert_float_eq(y[0], 7.5f);
  bovw_nn_net_free(net);
  /* A 5x5 input under maxpool 2: the last row and column are left out. */
  net = make_net("input 3x5x5\nmaxpool 2\n", 0, 1);
  ck_assert_uint_eq(bovw_nn_net_output_size(net), 3 * 2 * 2);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_pool_gradients_match_finite_differences) {
  check_layer_gradients("input 2x6x6\nmaxpool 2\n", 2, 72, spaced_values);
  check_layer_gradients("input 2x7x7\nmaxpool 3 stride=2\n", 2, 98, spaced_values);
  check_layer_gradients("input 2x6x5\navgpool 2\n", 2, 60, uniform_values);
  check_layer_gradients("input 2x7x7\navgpool 3x2 stride=2x1\n", 2, 98, uniform_values);
  check_layer_gradients("input 3x4x5\nglobalavgpool\n", 3, 60, uniform_values);
}
END_TEST

/* ---- activations --------------------------------------------------------------- */

START_TEST(test_activations_forward_by_hand) {
  float x[4] = {-2, -0.5f, 0, 3};
  bovw_nn_net *net = make_net("input 4x1x1\nrelu\n", 0, 1);
  const float *y = forward(net, x, 1);
  ck_assert_float_eq(y[0], 0);
  ck_assert_float_eq(y[3], 3);
  bovw_nn_net_free(net);
  net = make_net("input 4x1x1\nleakyrelu\n", 0, 1);
  y = forward(net, x, 1);
  ck_assert_float_eq_tol(y[0], -0.02f, 1e-7);
  ck_assert_float_eq(y[3], 3);
  bovw_nn_net_free(net);
  net = make_net("input 4x1x1\nleakyrelu slope=0.2\n", 0, 1);
  y = forward(net, x, 1);
  ck_assert_float_eq_tol(y[1], -0.1f, 1e-7);
  bovw_nn_net_free(net);
  net = make_net("input 4x1x1\nsigmoid\n", 0, 1);
  y = forward(net, x, 1);
  ck_assert_float_eq_tol(y[0], 1 / (1 + exp(2.0)), 1e-7);
  ck_assert_float_eq(y[2], 0.5f);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_activation_gradients_match_finite_differences) {
  check_layer_gradients("input 2x3x3\nrelu\n", 3, 18, values_away_from_zero);
  check_layer_gradients("input 2x3x3\nleakyrelu\n", 3, 18, values_away_from_zero);
  check_layer_gradients("input 2x3x3\nleakyrelu slope=0.3\n", 3, 18, values_away_from_zero);
  check_layer_gradients("input 2x3x3\nsigmoid\n", 3, 18, uniform_values);
  check_layer_gradients("input 2x3x3\nflatten\n", 3, 18, uniform_values);
}
END_TEST

START_TEST(test_gradcheck_reports_relu_kinks_instead_of_failing) {
  /* Inputs within eps of zero: the difference quotient straddles the kink,
   * and the checker knows it from the ReLU's flipped sign. */
  bovw_nn_net *net = make_net("input 4x1x1\nrelu\n", 0, 1);
  float x[4] = {0.004f, -0.003f, 0.5f, -0.5f};
  bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  opt.per_tensor = 0;
  bovw_nn_gradcheck_result r;
  ck_assert_int_eq(bovw_nn_gradcheck(net, x, 1, &opt, &r, NULL), 0);
  ck_assert_uint_eq(r.checked, 2);
  ck_assert_uint_eq(r.kinks, 2);
  ck_assert_uint_eq(r.failed, 0);
  bovw_nn_net_free(net);
}
END_TEST

/* ---- batch normalization ------------------------------------------------------- */

START_TEST(test_batchnorm_training_normalises_each_channel) {
  /* Conv-shaped: 3 channels of 2x2, batch 4: statistics over 16 values. */
  bovw_nn_net *net = make_net("input 3x2x2\nbn\n", 0, 2);
  float *x = uniform_values(4 * 12, 8);
  for (int i = 0; i < 4 * 12; i++) x[i] = 3 * x[i] + (float)((i / 4) % 3);  /* means 0,1,2 */
  const float *y = forward(net, x, 4);
  const float *rm = bovw_nn_net_find_param(net, "0.running_mean")->value;
  const float *rv = bovw_nn_net_find_param(net, "0.running_var")->value;
  for (int c = 0; c < 3; c++) {
    double mean = 0, var = 0, ymean = 0, yvar = 0;
    for (int b = 0; b < 4; b++)
      for (int i = 0; i < 4; i++) {
        mean += x[b * 12 + c * 4 + i] / 16.0;
        ymean += y[b * 12 + c * 4 + i] / 16.0;
      }
    for (int b = 0; b < 4; b++)
      for (int i = 0; i < 4; i++) {
        var += pow(x[b * 12 + c * 4 + i] - mean, 2) / 16.0;
        yvar += pow(y[b * 12 + c * 4 + i] - ymean, 2) / 16.0;
      }
    ck_assert_double_eq_tol(ymean, 0, 1e-6);
    ck_assert_double_eq_tol(yvar, var / (var + 1e-5), 1e-5);
    /* momentum 0.1 from mean 0, var 1; the running variance is unbiased. */
    ck_assert_double_eq_tol(rm[c], 0.1 * mean, 1e-6);
    ck_assert_double_eq_tol(rv[c], 0.9 + 0.1 * var * 16 / 15, 1e-6);
  }
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_batchnorm_evaluation_uses_running_values) {
  bovw_nn_net *net = make_net("input 2x1x1\nbn momentum=0.5 eps=0.001\n", 0, 1);
  float *rm = bovw_nn_net_find_param(net, "0.running_mean")->value;
  float *rv = bovw_nn_net_find_param(net, "0.running_var")->value;
  float *gamma = bovw_nn_net_find_param(net, "0.weight")->value;
  float *beta = bovw_nn_net_find_param(net, "0.bias")->value;
  rm[0] = 1;
  rm[1] = -2;
  rv[0] = 4;
  rv[1] = 0.25f;
  gamma[1] = 3;
  beta[1] = 0.5f;
  bovw_nn_net_set_training(net, 0);
  float x[4] = {3, -1, 1, -2};
  const float *y = forward(net, x, 2);
  ck_assert_double_eq_tol(y[0], (3 - 1) / sqrt(4.001), 1e-6);
  ck_assert_double_eq_tol(y[1], 3 * (-1 + 2) / sqrt(0.251) + 0.5, 1e-5);
  ck_assert_double_eq_tol(y[3], 0.5, 1e-6);
  /* Evaluation leaves the running statistics alone. */
  ck_assert_float_eq(rm[0], 1);
  ck_assert_float_eq(rv[1], 0.25f);
  /* Training does not: momentum 0.5 towards the batch's (mean 2, var 2). */
  bovw_nn_net_set_training(net, 1);
  forward(net, x, 2);
  ck_assert_double_eq_tol(rm[0], 0.5 * 1 + 0.5 * 2, 1e-6);
  ck_assert_double_eq_tol(rv[0], 0.5 * 4 + 0.5 * 2, 1e-6);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_batchnorm_gradients_match_finite_differences) {
  const char *specs[] = {"input 5x1x1\nbn\n", "input 3x3x2\nbn\n"};
  for (int s = 0; s < 2; s++)
    for (int training = 1; training >= 0; training--) {
      bovw_nn_net *net = make_net(specs[s], 0, 2);
      set_params_uniform(net, 4);
      float *rv = bovw_nn_net_find_param(net, "0.running_var")->value;
      float *rm = bovw_nn_net_find_param(net, "0.running_mean")->value;
      rv[0] = 0.5f;
      rm[1] = 0.3f;
      bovw_nn_net_set_training(net, training);
      size_t n = 4 * bovw_nn_net_input_size(net);
      float *x = uniform_values(n, 6);
      float before[2] = {rv[0], rm[1]};
      expect_gradients_match(net, x, 4, 0);
      /* The check leaves the running statistics as they were. */
      ck_assert_float_eq(rv[0], before[0]);
      ck_assert_float_eq(rm[1], before[1]);
      free(x);
      bovw_nn_net_free(net);
    }
}
END_TEST

/* ---- batch norm, rectifier and max pool: one block in training ------------------ */

START_TEST(test_bn_block_gradients_match_finite_differences) {
  /* 2x2 windows as the shipped nets have them; 2x2 windows 3 apart leave
   * gaps, whose input gradient is batch norm's mean terms alone. */
  const char *specs[] = {"input 3x6x6\nbn\nrelu\nmaxpool 2\n",
                         "input 2x5x5\nbn\nleakyrelu slope=0.1\nmaxpool 2 stride=3\n"};
  for (int s = 0; s < 2; s++) {
    bovw_nn_net *net = make_net(specs[s], 0, 2);
    set_params_uniform(net, 4);
    size_t n = 3 * bovw_nn_net_input_size(net);
    float *x = spaced_values(n, 6);
    bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
    opt.per_tensor = 0;
    bovw_nn_gradcheck_result r;
    bovw_error err = {0};
    ck_assert_msg(bovw_nn_gradcheck(net, x, 3, &opt, &r, &err) == 0, "%s", err.message);
    /* A kink (a sign or a window's choice changing within a step) is
     * reported, not compared; every other element must agree. */
    ck_assert_msg(r.failed == 0, "%s: %zu of %zu gradients off; worst %s: analytic %g, numeric %g",
                  specs[s], r.failed, r.checked, r.worst, r.worst_analytic, r.worst_numeric);
    ck_assert_uint_gt(r.checked, 2 * r.kinks);
    free(x);
    bovw_nn_net_free(net);
  }
}
END_TEST

/* The block against the same three layers run one by one (a dropout of 0,
 * the identity, between the rectifier and the pool keeps them apart): the
 * same outputs, value for value; the gradients differ only by the order of
 * batch norm's two backward sums, in double over m terms (relative error
 * about m 2^-53, 1e-14 here), so after the one rounding to float each
 * value is equal or one float ulp (2^-23 relative) apart, plus what
 * cancellation in dy - mean(dy) - xhat mean(dy xhat) makes of that 1e-14:
 * at most 1e-12 of the largest value. */
static void expect_close(const float *a, const float *b, size_t n, const char *what) {
  double top = 0;
  for (size_t i = 0; i < n; i++) top = fmax(top, fabs(a[i]));
  for (size_t i = 0; i < n; i++) {
    const double tol = ldexp(fmax(fabs(a[i]), fabs(b[i])), -23) + 1e-12 * top;
    ck_assert_msg(fabs((double)a[i] - b[i]) <= tol, "%s[%zu]: %.9g and %.9g", what, i, a[i],
                  b[i]);
  }
}

START_TEST(test_bn_block_equals_the_layers_one_by_one) {
  const char *fused = "input 4x8x8\nbn\nrelu\nmaxpool 2\nflatten\nfc 3\n";
  const char *apart = "input 4x8x8\nbn\nrelu\ndropout 0\nmaxpool 2\nflatten\nfc 3\n";
  for (int threads = 1; threads <= 2; threads++) {
    bovw_nn_net *a = make_net(fused, 0, threads), *b = make_net(apart, 0, threads);
    set_params_uniform(a, 4);
    set_params_uniform(b, 4);
    const int batch = 5;
    const size_t n = batch * bovw_nn_net_input_size(a), out = batch * 3;
    float *x = uniform_values(n, 8), *r = uniform_values(out, 9);
    const float *ya, *yb, *ga, *gb;
    bovw_error err = {0};
    ck_assert_int_eq(bovw_nn_net_forward(a, x, batch, &ya, &err), 0);
    ck_assert_int_eq(bovw_nn_net_forward(b, x, batch, &yb, &err), 0);
    ck_assert_mem_eq(ya, yb, out * sizeof *ya);
    ck_assert_int_eq(bovw_nn_net_backward(a, r, &ga, &err), 0);
    ck_assert_int_eq(bovw_nn_net_backward(b, r, &gb, &err), 0);
    expect_close(ga, gb, n, "input gradient");
    const char *names[][2] = {{"0.weight", "0.weight"}, {"0.bias", "0.bias"},
                              {"4.weight", "5.weight"}, {"0.running_mean", "0.running_mean"},
                              {"0.running_var", "0.running_var"}};
    for (int k = 0; k < 5; k++) {
      bovw_nn_param *p = bovw_nn_net_find_param(a, names[k][0]);
      bovw_nn_param *q = bovw_nn_net_find_param(b, names[k][1]);
      ck_assert_mem_eq(p->value, q->value, p->count * sizeof(float));
      if (p->grad) expect_close(p->grad, q->grad, p->count, names[k][0]);
    }
    free(x);
    free(r);
    bovw_nn_net_free(a);
    bovw_nn_net_free(b);
  }
}
END_TEST

/* ---- dropout --------------------------------------------------------------------- */

/* In a lean net's evaluation (a folded net's), a rectifier and the max
 * pool after it run as one pass, the pool first: the outputs are the same
 * bytes as the layers one by one (both rectifiers are non-decreasing, and
 * the pool picks one of the values either way), and a backward pass after
 * it is refused. */
START_TEST(test_act_pool_lean_evaluation_equals_the_layers) {
  /* 2x2 windows (their own loop), then 3x3 ones (the max pool's) */
  static const char *const texts[] = {
      "input 3x8x10\nconv 6 3x3 pad=same\nrelu\nmaxpool 2\n"
      "conv 4 3x3 pad=same\nleakyrelu slope=0.1\nmaxpool 2\nflatten\nfc 5\n",
      "input 2x9x9\nconv 3 3x3 pad=same\nleakyrelu slope=0.1\nmaxpool 3\nflatten\nfc 5\n",
  };
  const int batch = 9;
  for (int t = 0; t < 2; t++) {
    bovw_nn_net *net[2];
    const float *y[2];
    float *x = NULL;
    bovw_error err = {0};
    for (int k = 0; k < 2; k++) {
      net[k] = make_net(texts[t], 0, 2);
      set_params_uniform(net[k], 4);
      bovw_nn_net_set_training(net[k], 0);
      nn_net_set_lean(net[k], k);
      if (!x) x = uniform_values(batch * bovw_nn_net_input_size(net[k]), 21);
      y[k] = forward(net[k], x, batch);
    }
    ck_assert_mem_eq(y[0], y[1], batch * 5 * sizeof(float));
    /* the pooled outputs themselves, with negative values kept by the leaky
     * slope */
    for (int layer = 2; layer < nn_net_num_layers(net[0]); layer += 3)
      ck_assert_mem_eq(nn_net_output(net[0], layer), nn_net_output(net[1], layer),
                       batch * nn_out_size(nn_net_layer(net[0], layer)) * sizeof(float));
    float *r = uniform_values(batch * 5, 22);
    ck_assert_int_eq(bovw_nn_net_backward(net[0], r, NULL, &err), 0);
    ck_assert_int_ne(bovw_nn_net_backward(net[1], r, NULL, &err), 0);
    free(r);
    free(x);
    bovw_nn_net_free(net[0]);
    bovw_nn_net_free(net[1]);
  }
}
END_TEST

START_TEST(test_dropout_drops_p_and_scales_the_rest) {
  bovw_nn_net *net = make_net("input 100x10x10\ndropout 0.25\n", 0, 1);
  float *x = malloc(10000 * sizeof *x);
  for (int i = 0; i < 10000; i++) x[i] = 1.5f;
  const float *y = forward(net, x, 1);
  int zeros = 0;
  for (int i = 0; i < 10000; i++) {
    if (y[i] == 0)
      zeros++;
    else
      ck_assert_float_eq_tol(y[i], 1.5f / 0.75f, 1e-6);
  }
  ck_assert_int_gt(zeros, 2300);
  ck_assert_int_lt(zeros, 2700);
  bovw_nn_net_set_training(net, 0);
  y = forward(net, x, 1);
  for (int i = 0; i < 10000; i++) ck_assert_float_eq(y[i], 1.5f);
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_dropout_gradients_match_finite_differences) {
  bovw_nn_net *net = make_net("input 4x2x2\ndropout 0.5\n", 0, 1);
  float *x = uniform_values(3 * 16, 1);
  bovw_nn_gradcheck_result r = expect_gradients_match(net, x, 3, 0);
  ck_assert_uint_eq(r.checked, 48);
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

/* ---- softmax cross-entropy ----------------------------------------------------- */

START_TEST(test_softmax_cross_entropy_by_hand) {
  float logits[6] = {0, 0, 0, 1, 2, 3};
  int32_t labels[2] = {1, 2};
  float grad[6];
  double loss;
  size_t correct;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_softmax_cross_entropy(logits, labels, 2, 3, &loss, grad,
                                                 &correct, &err), 0);
  double z = exp(1.0) + exp(2.0) + exp(3.0);
  double want = (log(3.0) + (log(z) - 3)) / 2;
  ck_assert_double_eq_tol(loss, want, 1e-9);
  ck_assert_uint_eq(correct, 1);  /* the first row is a tie, won by class 0 */
  ck_assert_double_eq_tol(grad[0], (1 / 3.0) / 2, 1e-7);
  ck_assert_double_eq_tol(grad[1], (1 / 3.0 - 1) / 2, 1e-7);
  ck_assert_double_eq_tol(grad[5], (exp(3.0) / z - 1) / 2, 1e-7);
  /* Large logits do not overflow. */
  float big[2] = {1000, -1000};
  int32_t one = 1;
  ck_assert_int_eq(bovw_nn_softmax_cross_entropy(big, &one, 1, 2, &loss, NULL, NULL, &err), 0);
  ck_assert_double_eq_tol(loss, 2000, 1e-3);
  /* Labels out of range are refused. */
  int32_t bad[2] = {0, 3};
  ck_assert_int_eq(bovw_nn_softmax_cross_entropy(logits, bad, 2, 3, &loss, NULL, NULL, &err),
                   BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "label 3"));
  float probs[6];
  bovw_nn_softmax(logits, 2, 3, probs);
  ck_assert_double_eq_tol(probs[5], exp(3.0) / z, 1e-7);
}
END_TEST

START_TEST(test_softmax_cross_entropy_gradients_match_finite_differences) {
  bovw_nn_net *net = make_net("input 6x1x1\nfc classes\nsoftmax\n", 4, 1);
  set_params_uniform(net, 2);
  float *x = uniform_values(5 * 6, 3);
  int32_t labels[5] = {0, 3, 1, 1, 2};
  bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  opt.per_tensor = 0;
  opt.labels = labels;
  bovw_nn_gradcheck_result r;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_gradcheck(net, x, 5, &opt, &r, &err) == 0, "%s", err.message);
  ck_assert_msg(r.failed == 0, "worst %s: %g vs %g", r.worst, r.worst_analytic,
                r.worst_numeric);
  ck_assert_uint_eq(r.checked, 30 + 24 + 4);
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_layers");
  TCase *tc = tcase_create("nn_layers");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_fc_forward_is_w_x_plus_b);
  tcase_add_test(tc, test_fc_gradients_match_finite_differences);
  tcase_add_test(tc, test_fc_blocks_same_result_any_thread_count);
  tcase_add_test(tc, test_conv_forward_is_cross_correlation);
  tcase_add_test(tc, test_conv_gradients_match_finite_differences);
  tcase_add_test(tc, test_conv_batch_larger_than_the_gradient_groups);
  tcase_add_test(tc, test_conv_chunks_same_result_any_thread_count);
  tcase_add_test(tc, test_conv_direct_forward_is_cross_correlation);
  tcase_add_test(tc, test_conv_direct_gradients_match_finite_differences);
  tcase_add_test(tc, test_conv_direct_chosen_by_the_rule);
  tcase_add_test(tc, test_conv_direct_same_result_any_thread_count);
  tcase_add_test(tc, test_conv_output_size_and_params_follow_the_formulas);
  tcase_add_test(tc, test_conv_refuses_kernels_that_do_not_fit);
  tcase_add_test(tc, test_pools_forward_by_hand);
  tcase_add_test(tc, test_pool_gradients_match_finite_differences);
  tcase_add_test(tc, test_activations_forward_by_hand);
  tcase_add_test(tc, test_activation_gradients_match_finite_differences);
  tcase_add_test(tc, test_gradcheck_reports_relu_kinks_instead_of_failing);
  tcase_add_test(tc, test_batchnorm_training_normalises_each_channel);
  tcase_add_test(tc, test_batchnorm_evaluation_uses_running_values);
  tcase_add_test(tc, test_batchnorm_gradients_match_finite_differences);
  tcase_add_test(tc, test_bn_block_gradients_match_finite_differences);
  tcase_add_test(tc, test_bn_block_equals_the_layers_one_by_one);
  tcase_add_test(tc, test_act_pool_lean_evaluation_equals_the_layers);
  tcase_add_test(tc, test_dropout_drops_p_and_scales_the_rest);
  tcase_add_test(tc, test_dropout_gradients_match_finite_differences);
  tcase_add_test(tc, test_softmax_cross_entropy_by_hand);
  tcase_add_test(tc, test_softmax_cross_entropy_gradients_match_finite_differences);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
