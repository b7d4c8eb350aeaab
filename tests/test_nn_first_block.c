/* test_nn_first_block.c: a net's first convolution and the batch norm +
 * rectifier + max pool block behind it run as one in training
 * (src/nn/conv_bn_block.c), against the same layers run apart (a dropout
 * of 0, the identity, between the rectifier and the pool keeps them
 * apart), with tolerances from the error analysis below; the same bytes at
 * any thread count; the net's input gradient still there when asked for. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/nn.h"
#include "nn/internal.h"
#include "nn_fixtures.h"
#include "testutil.h"

static const double U = 0x1p-24; /* float's unit roundoff */

static bovw_nn_net *make_net(const char *text, int threads) {
  return test_nn_net(text, 0, threads, 3);
}

static float *uniform_values(size_t n, uint64_t seed) { return test_uniform_values(n, seed); }

/* The same trainable values in both nets (their layers numbered apart). */
static void set_params(bovw_nn_net *net, uint64_t seed) {
  for (size_t p = 0; p < bovw_nn_net_num_params(net); p++) {
    bovw_nn_param *param = bovw_nn_net_param(net, p);
    if (!param->trainable) continue;
    float *v = uniform_values(param->count, seed + (uint64_t)param->count);
    memcpy(param->value, v, param->count * sizeof *v);
    free(v);
  }
}

typedef struct {
  const char *fused, *apart;
  int C, H, W, O; /* input channels and sides, output channels (3x3, pad same) */
  float slope;
} block_case;

static const block_case CASES[] = {
    {"input 1x16x16\nconv 4 3x3 pad=same\nbn\nrelu\nmaxpool 2\n",
     "input 1x16x16\nconv 4 3x3 pad=same\nbn\nrelu\ndropout 0\nmaxpool 2\n", 1, 16, 16, 4, 0},
    /* K = 27: rows of 32 floats */
    {"input 3x16x20\nconv 5 3x3 pad=same\nbn\nleakyrelu slope=0.1\nmaxpool 2\n",
     "input 3x16x20\nconv 5 3x3 pad=same\nbn\nleakyrelu slope=0.1\ndropout 0\nmaxpool 2\n", 3,
     16, 20, 5, 0.1f},
};

/* col_k(p) of a 3x3 convolution with one pixel of zeros around. */
static double unrolled(const block_case *t, const float *x, int k, int y, int xx) {
  const int c = k / 9, i = k / 3 % 3, j = k % 3;
  const int iy = y + i - 1, ix = xx + j - 1;
  if (iy < 0 || iy >= t->H || ix < 0 || ix >= t->W) return 0;
  return x[((size_t)c * t->H + iy) * t->W + ix];
}

/* Error analysis. The layers apart compute the convolution's output in
 * float: x_p = x*_p + e_p, |e_p| <= (K + 1) u (sum_k |w_k col_k(p)| + |b|)
 * (a sum of K + 1 terms); the fused block's statistics are those of x*, in
 * double. With E the largest |e_p| of a channel, the mean moves by at most
 * E and so does the deviation (a norm of the centred values), so each
 * xhat_p = (x_p - mean) / sigma moves by at most (2 + |xhat_p|) E / sigma.
 * Everything after is Lipschitz in xhat: the outputs move by |gamma| times
 * that (relu and max are 1-Lipschitz), plus one rounding on each side; the
 * weight gradient sum_p dx_p col_k(p), with
 * dx_p = g (dy_p - s / m - xhat_p q / m), g = gamma / sigma, moves by
 * sum_p |d dx_p| |col_k(p)|, where |d dx_p| <= |g| (|d xhat_p| |q| + |xhat_p|
 * |dq|) / m + (E / sigma) |dx_p| and |dq| <= sum |dy_p| |d xhat_p|; the
 * apart side's float sums of (N + batch) terms a weight add
 * (N + batch + 2) u sum_p |dx_p col_k(p)|, the fused side's float sum of a
 * plane's chosen positions (out_area + 2) u |g| sum |dy_p col_k(p)|. The
 * figures are first order: the tests allow twice them. */
static void expect_close_to_apart(const block_case *t, bovw_nn_net *fused, bovw_nn_net *apart,
                                  const float *in, const float *dout, int batch) {
  const int K = 9 * t->C, N = t->H * t->W, OA = (t->H / 2) * (t->W / 2);
  const double m = (double)batch * N;
  const float *w = bovw_nn_net_find_param(apart, "0.weight")->value;
  const float *bias = bovw_nn_net_find_param(apart, "0.bias")->value;
  const float *gamma = bovw_nn_net_find_param(apart, "1.weight")->value;
  const float *beta = bovw_nn_net_find_param(apart, "1.bias")->value;
  const double eps = nn_net_layer(apart, 1)->spec.eps;
  const float *x = nn_net_output(apart, 0), *pooled_apart = nn_net_output(apart, 4);
  const float *pooled_fused = nn_net_output(fused, 3);
  const int32_t *argmax = ((const nn_argmax_state *)nn_net_layer(apart, 4)->state)->argmax;
  const float *dw_apart = bovw_nn_net_find_param(apart, "0.weight")->grad;
  const float *dw_fused = bovw_nn_net_find_param(fused, "0.weight")->grad;
  double *dx = malloc((size_t)batch * N * sizeof *dx), *dxhat = malloc((size_t)batch * N * sizeof *dxhat);
  double *xhat = malloc((size_t)batch * N * sizeof *xhat), *dy = calloc((size_t)batch * N, sizeof *dy);
  ck_assert(dx && dxhat && xhat && dy);
  for (int c = 0; c < t->O; c++) {
    const float *wc = w + (size_t)c * K;
    /* the statistics of the float outputs, and E */
    double sum = 0, sq = 0, E = 0;
    for (int b = 0; b < batch; b++)
      for (int p = 0; p < N; p++) {
        const double v = x[((size_t)b * t->O + c) * N + p];
        sum += v;
        double mag = fabs(bias[c]);
        for (int k = 0; k < K; k++)
          mag += fabs(wc[k] * unrolled(t, in + (size_t)b * t->C * N, k, p / t->W, p % t->W));
        E = fmax(E, (K + 1) * U * mag);
      }
    const double mean = sum / m;
    for (int b = 0; b < batch; b++)
      for (int p = 0; p < N; p++) {
        const double d = x[((size_t)b * t->O + c) * N + p] - mean;
        sq += d * d;
      }
    const double sigma = sqrt(sq / m + eps), g = gamma[c] / sigma;
    /* dy at the chosen positions, s, q; xhat and its bound everywhere */
    double s = 0, q = 0, dq = 0;
    for (size_t i = 0; i < (size_t)batch * N; i++) dy[i] = 0;
    for (int b = 0; b < batch; b++) {
      for (int p = 0; p < N; p++) {
        const size_t i = (size_t)b * N + p;
        xhat[i] = (x[((size_t)b * t->O + c) * N + p] - mean) / sigma;
        dxhat[i] = (2 + fabs(xhat[i])) * E / sigma;
      }
      for (int j = 0; j < OA; j++) {
        const size_t o = ((size_t)b * t->O + c) * OA + j;
        const size_t i = (size_t)b * N + argmax[o];
        dy[i] = (pooled_apart[o] > 0 ? 1.0f : t->slope) * dout[o];
        s += dy[i];
        q += dy[i] * xhat[i];
        dq += fabs(dy[i]) * dxhat[i];
        /* the pooled outputs */
        const double tol = 2 * (fabs(gamma[c]) * dxhat[i] +
                                2 * U * (fabs(gamma[c] * xhat[i]) + fabs(beta[c])));
        ck_assert_msg(fabs((double)pooled_fused[o] - pooled_apart[o]) <= tol,
                      "%s: out[%zu] %.9g, apart %.9g (tolerance %g)", t->fused, o,
                      pooled_fused[o], pooled_apart[o], tol);
      }
    }
    for (size_t i = 0; i < (size_t)batch * N; i++) dx[i] = g * (dy[i] - s / m - xhat[i] * q / m);
    /* the weight gradient: both sides against the reference in double */
    for (int k = 0; k < K; k++) {
      double ref = 0, abs_dx = 0, abs_dy = 0, moved = 0;
      for (int b = 0; b < batch; b++)
        for (int p = 0; p < N; p++) {
          const size_t i = (size_t)b * N + p;
          const double col = fabs(unrolled(t, in + (size_t)b * t->C * N, k, p / t->W, p % t->W));
          const double v = unrolled(t, in + (size_t)b * t->C * N, k, p / t->W, p % t->W);
          ref += dx[i] * v;
          abs_dx += fabs(dx[i]) * col;
          abs_dy += fabs(dy[i]) * col;
          moved += (fabs(g) * (dxhat[i] * fabs(q) + fabs(xhat[i]) * dq) / m +
                    E / sigma * fabs(dx[i])) * col;
        }
      const double round_apart = (N + batch + 2) * U * abs_dx;
      const double round_fused = (OA + 2) * U * fabs(g) * abs_dy;
      const double got_apart = dw_apart[(size_t)c * K + k], got = dw_fused[(size_t)c * K + k];
      ck_assert_msg(fabs(got_apart - ref) <= 2 * round_apart + 1e-30,
                    "%s: apart dW[%d][%d] %.9g, reference %.9g", t->apart, c, k, got_apart, ref);
      ck_assert_msg(fabs(got - ref) <= 2 * (moved + round_fused + round_apart) + 1e-30,
                    "%s: dW[%d][%d] %.9g, reference %.9g (apart %.9g)", t->fused, c, k, got,
                    ref, got_apart);
    }
  }
  /* A batch norm removes any constant: the bias gets no gradient. */
  const bovw_nn_param *db = bovw_nn_net_find_param(fused, "0.bias");
  for (size_t i = 0; i < db->count; i++) ck_assert_float_eq(db->grad[i], 0.0f);
  free(dx);
  free(dxhat);
  free(xhat);
  free(dy);
}

/* One training pass of each net on the same batch and output gradient. */
static void train_pass(bovw_nn_net *net, const float *x, const float *r, int batch,
                       const float **din) {
  bovw_error err = {0};
  const float *y;
  ck_assert_msg(bovw_nn_net_forward(net, x, batch, &y, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_nn_net_backward(net, r, din, &err) == 0, "%s", err.message);
}

START_TEST(test_first_block_within_rounding_of_the_layers) {
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    const block_case *t = &CASES[k];
    for (int threads = 1; threads <= 2; threads++) {
      bovw_nn_net *fused = make_net(t->fused, threads), *apart = make_net(t->apart, threads);
      set_params(fused, 4);
      set_params(apart, 4);
      /* 20 samples: 16 groups, of 1 and 2 */
      const int batch = 20;
      float *x = uniform_values(batch * bovw_nn_net_input_size(fused), 5 + k);
      float *r = uniform_values(batch * bovw_nn_net_output_size(fused), 9 + k);
      train_pass(fused, x, r, batch, NULL);
      train_pass(apart, x, r, batch, NULL);
      expect_close_to_apart(t, fused, apart, x, r, batch);
      free(x);
      free(r);
      bovw_nn_net_free(fused);
      bovw_nn_net_free(apart);
    }
  }
}
END_TEST

/* Outputs and every gradient: the same bytes at 1 and 2 threads. */
START_TEST(test_first_block_same_result_any_thread_count) {
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    bovw_nn_net *net[2];
    const int batch = 37;
    float *x = NULL, *r = NULL;
    for (int n = 0; n < 2; n++) {
      net[n] = make_net(CASES[k].fused, n + 1);
      set_params(net[n], 6);
      if (!x) x = uniform_values(batch * bovw_nn_net_input_size(net[n]), 7);
      if (!r) r = uniform_values(batch * bovw_nn_net_output_size(net[n]), 8);
      train_pass(net[n], x, r, batch, NULL);
    }
    ck_assert_mem_eq(nn_net_output(net[0], 3), nn_net_output(net[1], 3),
                     batch * bovw_nn_net_output_size(net[0]) * sizeof(float));
    for (size_t p = 0; p < bovw_nn_net_num_params(net[0]); p++) {
      const bovw_nn_param *a = bovw_nn_net_param(net[0], p), *b = bovw_nn_net_param(net[1], p);
      ck_assert_mem_eq(a->value, b->value, a->count * sizeof(float));
      if (a->grad) ck_assert_mem_eq(a->grad, b->grad, a->count * sizeof(float));
    }
    free(x);
    free(r);
    bovw_nn_net_free(net[0]);
    bovw_nn_net_free(net[1]);
  }
}
END_TEST

/* The net's input gradient asked for after a fused forward: the
 * convolution's output is made then and the layers' backward runs, so the
 * input gradient is the apart net's but for the statistics' rounding (the
 * fused forward's, a relative change E / sigma of about 1e-6 here, times
 * the small factors of the analysis above): 1e-4 of the largest value is
 * far above that and far below what a missing or stale convolution output
 * gives (differences of the order of the values). */
START_TEST(test_first_block_input_gradient_when_asked) {
  const block_case *t = &CASES[0];
  bovw_nn_net *fused = make_net(t->fused, 2), *apart = make_net(t->apart, 2);
  set_params(fused, 4);
  set_params(apart, 4);
  const int batch = 6;
  const size_t n = batch * bovw_nn_net_input_size(fused);
  float *x = uniform_values(n, 11), *r = uniform_values(batch * bovw_nn_net_output_size(fused), 12);
  const float *ga, *gb;
  train_pass(fused, x, r, batch, &ga);
  train_pass(apart, x, r, batch, &gb);
  ck_assert_ptr_nonnull(ga);
  double top = 0;
  for (size_t i = 0; i < n; i++) top = fmax(top, fabs(gb[i]));
  ck_assert(top > 0);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(fabs((double)ga[i] - gb[i]) <= 1e-4 * top, "din[%zu] %.9g, apart %.9g", i,
                  ga[i], gb[i]);
  free(x);
  free(r);
  bovw_nn_net_free(fused);
  bovw_nn_net_free(apart);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_first_block");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_first_block_within_rounding_of_the_layers);
  tcase_add_test(tc, test_first_block_same_result_any_thread_count);
  tcase_add_test(tc, test_first_block_input_gradient_when_asked);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
