/* test_nn_conv3d.c: the 1-D and 3-D kinds of the network engine (conv1d,
 * conv3d and their pools): the forward pass against a direct loop, conv1d
 * against the 2-D convolution with 1 x K kernels, gradients against finite
 * differences, the summary's shapes, parameters, MACs and receptive fields
 * against values computed by hand, specs printed and read back, weights
 * saved and loaded, batch norm folded, bad specs refused in one line; and
 * the seeded clips and signals of `bovw dataset clips` / `signals`. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bovw/clips.h"
#include "bovw/nn.h"
#include "bovw/rng.h"
#include "testutil.h"

/* ---- helpers ----------------------------------------------------------------- */

static bovw_nn_net *net_of(const char *text, int threads) {
  bovw_nn_spec *spec;
  bovw_nn_net *net;
  bovw_error err = {0};
  bovw_nn_net_options o = BOVW_NN_NET_OPTIONS_DEFAULT;
  o.seed = 5;
  o.classes = 3;
  o.threads = threads;
  ck_assert_msg(bovw_nn_spec_parse(text, "t", &spec, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_nn_net_new(spec, &o, &net, &err) == 0, "%s", err.message);
  bovw_nn_spec_free(spec);
  return net;
}

/* The message a spec is refused with ("" when it is not). */
static const char *refusal(const char *text) {
  static bovw_error err;
  bovw_nn_spec *spec = NULL;
  bovw_nn_net *net = NULL;
  memset(&err, 0, sizeof err);
  bovw_nn_net_options o = BOVW_NN_NET_OPTIONS_DEFAULT;
  o.classes = 3;
  if (bovw_nn_spec_parse(text, "t.cfg", &spec, &err) == 0 &&
      bovw_nn_net_new(spec, &o, &net, &err) == 0)
    err.message[0] = '\0';
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);
  return err.message;
}

/* n values in [-1, 1]; with `spread`, distinct values 0.05 apart in random
 * order (no max-pool ties within a finite-difference step). */
static float *values(size_t n, uint64_t seed, int spread) {
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  float *v = malloc(n * sizeof *v);
  ck_assert_ptr_nonnull(v);
  for (size_t i = 0; i < n; i++)
    v[i] = spread ? 0.05f * (float)i - 0.025f * (float)n
                  : (float)(2 * bovw_rng_uniform(&rng) - 1);
  if (spread) bovw_rng_shuffle(&rng, v, n, sizeof *v);
  return v;
}

static void randomise_params(bovw_nn_net *net, uint64_t seed) {
  for (size_t p = 0; p < bovw_nn_net_num_params(net); p++) {
    bovw_nn_param *param = bovw_nn_net_param(net, p);
    if (!param->trainable) continue;
    float *v = values(param->count, seed + p, 0);
    memcpy(param->value, v, param->count * sizeof *v);
    free(v);
  }
}

static const float *run(bovw_nn_net *net, const float *x, int batch) {
  const float *y;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_forward(net, x, batch, &y, &err) == 0, "%s", err.message);
  return y;
}

/* Every element of the input and the parameters, tolerance 1e-3 at floor
 * 0.1 for single layers and 1 for a net whose batch norm trains (docs/nn.md,
 * "Checking gradients"); no kink when the values are spread apart. */
static void expect_gradients_floor(const char *spec, int batch, int spread, double floor) {
  bovw_nn_net *net = net_of(spec, 2);
  randomise_params(net, 3);
  const size_t n = (size_t)batch * bovw_nn_net_input_size(net);
  float *x = values(n, 11, spread);
  bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
  opt.per_tensor = 0;
  opt.floor = floor;
  bovw_nn_gradcheck_result r;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_gradcheck(net, x, batch, &opt, &r, &err) == 0, "%s", err.message);
  ck_assert_msg(r.failed == 0 && r.max_rel_error < 1e-3,
                "%s: %zu of %zu off; worst %s: analytic %g, numeric %g", spec, r.failed,
                r.checked, r.worst, r.worst_analytic, r.worst_numeric);
  ck_assert_msg(r.kinks == 0, "%s: %zu kinks", spec, r.kinks);
  ck_assert_uint_ge(r.checked, n);
  free(x);
  bovw_nn_net_free(net);
}

static void expect_gradients(const char *spec, int batch, int spread) {
  expect_gradients_floor(spec, batch, spread, 0.1);
}

static int clampi(int v, int n) { return v < 0 ? 0 : v >= n ? n - 1 : v; }

/* y[o][z][y][x] of a 3-D cross-correlation, straight from its definition. */
static double conv3d_direct(const float *in, const float *w, const float *b, int C, int D,
                            int H, int W, const int k[3], const int s[3], const int p[3],
                            int replicate, int o, int z, int y, int x) {
  double sum = b ? b[o] : 0;
  for (int c = 0; c < C; c++)
    for (int a = 0; a < k[0]; a++)
      for (int i = 0; i < k[1]; i++)
        for (int j = 0; j < k[2]; j++) {
          int iz = z * s[0] - p[0] + a, iy = y * s[1] - p[1] + i, ix = x * s[2] - p[2] + j;
          int outside = iz < 0 || iz >= D || iy < 0 || iy >= H || ix < 0 || ix >= W;
          if (outside && !replicate) continue;
          iz = clampi(iz, D);
          iy = clampi(iy, H);
          ix = clampi(ix, W);
          sum += (double)w[(((size_t)(o * C + c) * k[0] + a) * k[1] + i) * k[2] + j] *
                 in[(((size_t)c * D + iz) * H + iy) * W + ix];
        }
  return sum;
}

/* ---- conv3d ------------------------------------------------------------------- */

static const struct conv3d_case {
  const char *spec;
  int C, D, H, W, O, k[3], s[3], p[3], replicate;
} CONV3D_CASES[] = {
    {"input 2x4x5x6\nconv3d 3 3x3x3\n", 2, 4, 5, 6, 3, {3, 3, 3}, {1, 1, 1}, {0, 0, 0}, 0},
    {"input 2x5x6x7\nconv3d 3 3 stride=2 pad=same\n", 2, 5, 6, 7, 3, {3, 3, 3}, {2, 2, 2},
     {1, 1, 1}, 0},
    {"input 1x6x5x7\nconv3d 2 2x3x4 stride=2x1x3 pad=1x2x0 padmode=replicate bias=no\n", 1, 6,
     5, 7, 2, {2, 3, 4}, {2, 1, 3}, {1, 2, 0}, 1},
    {"input 3x3x4x4\nconv3d 2 1 stride=1x2x1\n", 3, 3, 4, 4, 2, {1, 1, 1}, {1, 2, 1}, {0, 0, 0},
     0},
};

START_TEST(test_conv3d_forward_is_the_direct_sum) {
  for (size_t t = 0; t < sizeof CONV3D_CASES / sizeof CONV3D_CASES[0]; t++) {
    const struct conv3d_case *c = &CONV3D_CASES[t];
    bovw_nn_net *net = net_of(c->spec, 2);
    randomise_params(net, 9);
    const float *w = bovw_nn_net_find_param(net, "0.weight")->value;
    const bovw_nn_param *bp = bovw_nn_net_find_param(net, "0.bias");
    const int OD = (c->D + 2 * c->p[0] - c->k[0]) / c->s[0] + 1,
              OH = (c->H + 2 * c->p[1] - c->k[1]) / c->s[1] + 1,
              OW = (c->W + 2 * c->p[2] - c->k[2]) / c->s[2] + 1;
    ck_assert_uint_eq(bovw_nn_net_output_size(net), (size_t)c->O * OD * OH * OW);
    const int batch = 3;
    const size_t in_size = (size_t)c->C * c->D * c->H * c->W;
    float *x = values(batch * in_size, t, 0);
    const float *y = run(net, x, batch);
    size_t at = 0;
    for (int b = 0; b < batch; b++)
      for (int o = 0; o < c->O; o++)
        for (int z = 0; z < OD; z++)
          for (int yy = 0; yy < OH; yy++)
            for (int xx = 0; xx < OW; xx++, at++) {
              double want = conv3d_direct(x + b * in_size, w, bp ? bp->value : NULL, c->C,
                                          c->D, c->H, c->W, c->k, c->s, c->p, c->replicate, o,
                                          z, yy, xx);
              /* A sum of at most 2 x 4 x 3 x 4 = 96 products of values in
               * [-1, 1]: float32 rounding stays far below 1e-5. */
              ck_assert_msg(fabs(y[at] - want) < 1e-5, "%s: output %zu is %g, want %g",
                            c->spec, at, y[at], want);
            }
    free(x);
    bovw_nn_net_free(net);
  }
}
END_TEST

START_TEST(test_conv3d_gradients_match_finite_differences) {
  for (size_t t = 0; t < sizeof CONV3D_CASES / sizeof CONV3D_CASES[0]; t++)
    expect_gradients(CONV3D_CASES[t].spec, 3, 0);
  /* More samples than the 16 groups of the weight gradient, unevenly. */
  expect_gradients("input 1x3x3x3\nconv3d 2 3 pad=same padmode=replicate\n", 37, 0);
}
END_TEST

START_TEST(test_pool3d_forward_by_hand_and_gradients) {
  /* One 2x2x4 volume holding 0..15: maxpool3d 2 keeps 5+8=13 and 15. */
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = (float)i;
  bovw_nn_net *net = net_of("input 1x2x2x4\nmaxpool3d 2\n", 1);
  ck_assert_uint_eq(bovw_nn_net_output_size(net), 2);
  const float *y = run(net, x, 1);
  ck_assert_float_eq(y[0], 13);
  ck_assert_float_eq(y[1], 15);
  bovw_nn_net_free(net);
  net = net_of("input 1x2x2x4\navgpool3d 2\n", 1);
  y = run(net, x, 1);
  ck_assert_float_eq(y[0], (0 + 1 + 4 + 5 + 8 + 9 + 12 + 13) / 8.0f);
  bovw_nn_net_free(net);
  /* Window 1x2x1 at stride 1x2x1 on D=2: pairs of rows. */
  net = net_of("input 1x2x2x4\navgpool3d 1x2x1\n", 1);
  ck_assert_uint_eq(bovw_nn_net_output_size(net), 8);
  y = run(net, x, 1);
  ck_assert_float_eq(y[0], 2);
  ck_assert_float_eq(y[7], 13);
  bovw_nn_net_free(net);
  expect_gradients("input 2x4x4x4\nmaxpool3d 2\n", 2, 1);
  expect_gradients("input 2x5x5x6\nmaxpool3d 3 stride=2x2x3\n", 2, 1);
  expect_gradients("input 2x4x5x4\navgpool3d 2x3x2 stride=1x2x2\n", 2, 0);
  expect_gradients("input 3x2x3x4\nglobalavgpool\n", 2, 0);
  expect_gradients_floor("input 2x3x4x4\nconv3d 2 3 pad=same\nbn\nflatten\nfc 3\n", 4, 0, 1);
}
END_TEST

/* ---- conv1d ------------------------------------------------------------------- */

/* conv1d on C x L is the 2-D convolution with 1 x K kernels on C x 1 x L:
 * the same weights give the same outputs and the same gradients. */
START_TEST(test_conv1d_is_conv_with_1xk_kernels) {
  static const char *const PAIRS[][2] = {
      {"input 3x20\nconv1d 4 5\n", "input 3x1x20\nconv 4 1x5\n"},
      {"input 3x20\nconv1d 4 5 stride=3 pad=same padmode=replicate\n",
       "input 3x1x20\nconv 4 1x5 stride=1x3 pad=0x2 padmode=replicate\n"},
      {"input 2x17\nconv1d 3 4 stride=2 pad=3 bias=no\n",
       "input 2x1x17\nconv 3 1x4 stride=1x2 pad=0x3 bias=no\n"},
      {"input 2x16\nmaxpool1d 3 stride=2\n", "input 2x1x16\nmaxpool 1x3 stride=1x2\n"},
      {"input 2x16\navgpool1d 4\n", "input 2x1x16\navgpool 1x4\n"},
  };
  for (size_t t = 0; t < sizeof PAIRS / sizeof PAIRS[0]; t++) {
    bovw_nn_net *one = net_of(PAIRS[t][0], 2), *two = net_of(PAIRS[t][1], 2);
    ck_assert_uint_eq(bovw_nn_net_num_params(one), bovw_nn_net_num_params(two));
    for (size_t p = 0; p < bovw_nn_net_num_params(one); p++) {
      bovw_nn_param *a = bovw_nn_net_param(one, p), *b = bovw_nn_net_param(two, p);
      ck_assert_uint_eq(a->count, b->count);
      memcpy(b->value, a->value, a->count * sizeof *a->value);
    }
    const bovw_nn_param *w = bovw_nn_net_find_param(one, "0.weight");
    if (w) { /* PyTorch's Conv1d layout: C_out x C_in x K */
      ck_assert_int_eq(w->ndim, 3);
      ck_assert_int_eq((int)w->shape[2], bovw_nn_net_spec(one)->layers[0].kernel_w);
    }
    const size_t in = bovw_nn_net_input_size(one), out = bovw_nn_net_output_size(one);
    ck_assert_uint_eq(in, bovw_nn_net_input_size(two));
    ck_assert_uint_eq(out, bovw_nn_net_output_size(two));
    float *x = values(2 * in, t, 1), *g = values(2 * out, t + 50, 0);
    const float *ya = run(one, x, 2), *yb = run(two, x, 2);
    ck_assert_mem_eq(ya, yb, 2 * out * sizeof *ya);
    const float *da, *db;
    bovw_error err = {0};
    ck_assert_int_eq(bovw_nn_net_backward(one, g, &da, &err), 0);
    ck_assert_int_eq(bovw_nn_net_backward(two, g, &db, &err), 0);
    ck_assert_mem_eq(da, db, 2 * in * sizeof *da);
    for (size_t p = 0; p < bovw_nn_net_num_params(one); p++)
      if (bovw_nn_net_param(one, p)->grad)
        ck_assert_mem_eq(bovw_nn_net_param(one, p)->grad, bovw_nn_net_param(two, p)->grad,
                         bovw_nn_net_param(one, p)->count * sizeof(float));
    free(x);
    free(g);
    bovw_nn_net_free(one);
    bovw_nn_net_free(two);
  }
}
END_TEST

START_TEST(test_conv1d_gradients_match_finite_differences) {
  expect_gradients("input 3x12\nconv1d 4 3\n", 3, 0);
  expect_gradients("input 2x13\nconv1d 3 5 stride=2 pad=same\n", 3, 0);
  expect_gradients("input 2x11\nconv1d 3 4 stride=3 pad=2 padmode=replicate\n", 3, 0);
  expect_gradients("input 2x12\nmaxpool1d 2\n", 2, 1);
  expect_gradients("input 2x13\nmaxpool1d 3 stride=2\n", 2, 1);
  expect_gradients("input 2x12\navgpool1d 3 stride=1\n", 2, 0);
  expect_gradients_floor("input 2x10\nconv1d 3 3 pad=same\nbn\nglobalavgpool\nfc 3\n", 4, 0, 1);
}
END_TEST

/* ---- the summary's formulas ------------------------------------------------------- */

typedef struct summary_row {
  const char *shape; /* as the spec writes it */
  int64_t params, macs;
  int rf_d, rf_h, rf_w; /* 0: all of the input */
} summary_row;

static void expect_summary(const char *text, const summary_row *want, int rows) {
  bovw_nn_net *net = net_of(text, 1);
  bovw_nn_summary *s;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_summary_new(net, &s, &err) == 0, "%s", err.message);
  ck_assert_int_eq(s->num_rows, rows);
  int64_t params = 0, macs = 0;
  for (int i = 0; i < rows; i++) {
    const bovw_nn_summary_row *r = &s->rows[i];
    char shape[64];
    bovw_nn_shape_format(s->input_dims, r->c, r->d, r->h, r->w, shape, sizeof shape);
    ck_assert_msg(!strcmp(shape, want[i].shape), "row %d (%s): shape %s, want %s", i, r->text,
                  shape, want[i].shape);
    ck_assert_msg(r->params == want[i].params && r->macs == want[i].macs,
                  "row %d (%s): %lld params %lld MACs, want %lld and %lld", i, r->text,
                  (long long)r->params, (long long)r->macs, (long long)want[i].params,
                  (long long)want[i].macs);
    ck_assert_msg(r->rf_d == want[i].rf_d && r->rf_h == want[i].rf_h && r->rf_w == want[i].rf_w,
                  "row %d (%s): receptive field %dx%dx%d, want %dx%dx%d", i, r->text, r->rf_d,
                  r->rf_h, r->rf_w, want[i].rf_d, want[i].rf_h, want[i].rf_w);
    ck_assert_int_eq(r->flops, 2 * r->macs);
    params += want[i].params;
    macs += want[i].macs;
  }
  ck_assert_int_eq(s->total_params, params);
  ck_assert_int_eq(s->total_macs, macs);
  bovw_nn_summary_free(s);
  bovw_nn_net_free(net);
}

START_TEST(test_summary_of_a_1d_net_by_hand) {
  /* L_out = floor((L + 2P - K) / S) + 1; params C_out (C_in K + 1); MACs
   * C_out L_out C_in K; r += (k - 1) j, j *= s. */
  static const summary_row want[] = {
      {"16x64", 16 * (28 * 5 + 1), 16 * 64 * 28 * 5, 1, 1, 5},        /* conv1d 16 5 same */
      {"16x64", 32, 0, 1, 1, 5},                                      /* bn */
      {"16x32", 0, 0, 1, 1, 6},                                       /* maxpool1d 2: j 2 */
      {"32x16", 32 * (16 * 3 + 1), 32 * 16 * 16 * 3, 1, 1, 10},       /* (32+2-3)/2+1 = 16 */
      {"32x7", 0, 0, 1, 1, 10 + 2 * 4},                               /* avgpool1d 3 stride 2: j 8 */
      {"224x1", 0, 0, 1, 1, 18},                                      /* flatten */
      {"3x1", 3 * 225, 3 * 224, 0, 0, 0},                             /* fc 3 */
      {"3x1", 0, 0, 0, 0, 0},                                         /* softmax */
  };
  expect_summary("input 28x64\nconv1d 16 5 pad=same\nbn\nmaxpool1d 2\n"
                 "conv1d 32 3 stride=2 pad=1 padmode=replicate\navgpool1d 3 stride=2\n"
                 "flatten\nfc classes\nsoftmax\n",
                 want, 8);
}
END_TEST

START_TEST(test_summary_of_a_3d_net_by_hand) {
  static const summary_row want[] = {
      /* conv3d 8 3x3x3 pad=same on 1x8x16x16: 8 (27 + 1) params, 8 x 2048 x 27 MACs */
      {"8x8x16x16", 8 * 28, 8 * 8 * 16 * 16 * 27, 3, 3, 3},
      {"8x4x8x8", 0, 0, 4, 4, 4}, /* maxpool3d 2: j 2 */
      /* conv3d 16 3 stride=1x2x2 pad=1: D (4+2-3)/1+1 = 4, H (8+2-3)/2+1 = 4 */
      {"16x4x4x4", 16 * (8 * 27 + 1), 16 * 64 * 8 * 27, 8, 8, 8},
      /* conv3d 4 1x3x3 valid: D 4, H 2; r_d unchanged, r_h 8 + 2 x 4 */
      {"4x4x2x2", 4 * (16 * 9 + 1), 4 * 16 * 16 * 9, 8, 16, 16},
      {"4x2x2x2", 0, 0, 10, 16, 16}, /* avgpool3d 2x1x1: j_d 4 */
      {"4x1x1x1", 0, 0, 0, 0, 0},    /* globalavgpool */
      {"3x1x1x1", 3 * 5, 3 * 4, 0, 0, 0},
  };
  expect_summary("input 1x8x16x16\nconv3d 8 3x3x3 pad=same\nmaxpool3d 2\n"
                 "conv3d 16 3 stride=1x2x2 pad=1\nconv3d 4 1x3x3\navgpool3d 2x1x1\n"
                 "globalavgpool\nfc classes\n",
                 want, 7);
}
END_TEST

/* ---- specs, weights, folding ----------------------------------------------------- */

START_TEST(test_specs_print_and_read_back) {
  static const char *const TEXT =
      "input 1x8x16x16\nconv3d 8 3x5x5 stride=1x2x2 pad=1x2x2 padmode=replicate\nbn\nrelu\n"
      "maxpool3d 2x2x1\navgpool3d 2 stride=1\nflatten\nfc classes\nsoftmax\n";
  static const char *const TEXT1 = "input 28x28\nconv1d 16 5 stride=2 pad=same bias=no\n"
                                   "maxpool1d 2\navgpool1d 3 stride=1\nfc classes\nsoftmax\n";
  const char *const texts[] = {TEXT, TEXT1};
  for (int t = 0; t < 2; t++) {
    bovw_nn_spec *spec, *again;
    bovw_error err = {0};
    char *out;
    ck_assert_int_eq(bovw_nn_spec_parse(texts[t], "t", &spec, &err), 0);
    ck_assert_int_eq(spec->input_dims, t ? 1 : 3);
    ck_assert_int_eq(bovw_nn_spec_to_text(spec, &out, &err), 0);
    ck_assert_msg(bovw_nn_spec_parse(out, "again", &again, &err) == 0, "%s", err.message);
    ck_assert_int_eq(again->num_layers, spec->num_layers);
    for (int i = 0; i < spec->num_layers; i++) {
      again->layers[i].line = spec->layers[i].line;
      ck_assert_mem_eq(&again->layers[i], &spec->layers[i], sizeof spec->layers[i]);
    }
    ck_assert_int_eq(again->input_dims, spec->input_dims);
    ck_assert_int_eq(again->input_d, spec->input_d);
    free(out);
    bovw_nn_spec_free(again);
    bovw_nn_spec_free(spec);
  }
  /* Defaults left out for people. */
  bovw_nn_spec *spec;
  char line[128];
  ck_assert_int_eq(bovw_nn_spec_parse("input 1x4x8x8\nconv3d 8 3 pad=same\nmaxpool3d 2\n", "t",
                                      &spec, NULL), 0);
  bovw_nn_layer_spec_format(&spec->layers[0], 0, line, sizeof line);
  ck_assert_str_eq(line, "conv3d 8 3x3x3 pad=same");
  bovw_nn_layer_spec_format(&spec->layers[1], 0, line, sizeof line);
  ck_assert_str_eq(line, "maxpool3d 2");
  bovw_nn_spec_free(spec);
}
END_TEST

START_TEST(test_weights_keep_their_shapes_and_values) {
  char dir[] = "/tmp/bovw-conv3d-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[64];
  snprintf(path, sizeof path, "%s/w.safetensors", dir);
  bovw_nn_net *net = net_of("input 2x4x6x6\nconv3d 3 3x2x1 pad=1x0x0\nbn\nflatten\n"
                            "fc classes\nsoftmax\n", 1);
  randomise_params(net, 21);
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_save(net, path, &err) == 0, "%s", err.message);
  bovw_nn_net *back;
  ck_assert_msg(bovw_nn_net_load(path, 1, &back, &err) == 0, "%s", err.message);
  const bovw_nn_param *w = bovw_nn_net_find_param(back, "0.weight");
  ck_assert_int_eq(w->ndim, 5);
  const int64_t shape[5] = {3, 2, 3, 2, 1};
  for (int d = 0; d < 5; d++) ck_assert_int_eq(w->shape[d], shape[d]);
  ck_assert_int_eq(bovw_nn_net_spec(back)->input_dims, 3);
  for (size_t p = 0; p < bovw_nn_net_num_params(net); p++)
    ck_assert_mem_eq(bovw_nn_net_param(net, p)->value, bovw_nn_net_param(back, p)->value,
                     bovw_nn_net_param(net, p)->count * sizeof(float));
  bovw_nn_net_free(back);
  bovw_nn_net_free(net);
  unlink(path);
  rmdir(dir);
}
END_TEST

START_TEST(test_batchnorm_folds_into_conv1d_and_conv3d) {
  static const char *const SPECS[] = {
      "input 2x3x5x5\nconv3d 4 3 pad=same\nbn\nrelu\nflatten\nfc classes\n",
      "input 3x16\nconv1d 4 3 bias=no\nbn\nrelu\nflatten\nfc classes\n"};
  for (int t = 0; t < 2; t++) {
    bovw_nn_net *net = net_of(SPECS[t], 1);
    randomise_params(net, 4);
    /* Running statistics away from 0 and 1. */
    bovw_nn_param *mean = bovw_nn_net_find_param(net, "1.running_mean");
    bovw_nn_param *var = bovw_nn_net_find_param(net, "1.running_var");
    for (size_t c = 0; c < mean->count; c++) {
      mean->value[c] = 0.1f * (float)c - 0.2f;
      var->value[c] = 0.5f + 0.3f * (float)c;
    }
    bovw_nn_net_set_training(net, 0);
    const size_t in = bovw_nn_net_input_size(net), out = bovw_nn_net_output_size(net);
    float *x = values(4 * in, 8, 0);
    float *want = malloc(4 * out * sizeof *want);
    memcpy(want, run(net, x, 4), 4 * out * sizeof *want);
    bovw_nn_net *folded;
    int n;
    bovw_error err = {0};
    ck_assert_msg(bovw_nn_net_fold_batchnorm(net, &folded, &n, &err) == 0, "%s", err.message);
    ck_assert_int_eq(n, 1);
    const float *got = run(folded, x, 4);
    double largest = 0;
    for (size_t i = 0; i < 4 * out; i++) largest = fmax(largest, fabs(want[i]));
    /* docs/nn.md: within 1e-5 of the outputs' largest magnitude. */
    for (size_t i = 0; i < 4 * out; i++)
      ck_assert_msg(fabs(got[i] - want[i]) <= 1e-5 * largest, "%s: output %zu %g, want %g",
                    SPECS[t], i, got[i], want[i]);
    free(x);
    free(want);
    bovw_nn_net_free(folded);
    bovw_nn_net_free(net);
  }
}
END_TEST

START_TEST(test_bad_specs_are_refused_in_one_line) {
  static const struct {
    const char *spec, *says;
  } CASES[] = {
      /* a 3-D layer on 2-D data, and the other way round */
      {"input 1x28x28\nconv3d 8 3\n", "line 2: conv3d: a 3-D layer on a 2-D input 1x28x28"},
      {"input 1x8x16x16\nconv 8 3x3\n", "use conv3d"},
      {"input 3x64\nmaxpool 2\n", "use maxpool1d"},
      {"input 1x28x28\navgpool1d 2\n", "use avgpool"},
      /* kernels larger than the padded input */
      {"input 1x4x16x16\nconv3d 8 5x3x3 pad=0x1x1\n",
       "kernel 5x3x3 does not fit the input 1x4x16x16 padded by 0x1x1"},
      {"input 2x6\nconv1d 4 9 pad=1\n", "kernel 9 does not fit the input 2x6 padded by 1"},
      {"input 2x6\nmaxpool1d 7\n", "window 7 is larger than the input 2x6"},
      {"input 1x2x8x8\nmaxpool3d 3\n", "window 3x3x3 is larger than the input 1x2x8x8"},
      {"input 1x4x8x8\nconv3d 8 2x3x3 pad=same\n", "pad=same needs an odd kernel size, not 2x3x3"},
      {"input 2x8\nconv1d 4 4 pad=same\n", "pad=same needs an odd kernel size, not 4"},
      /* sizes of the wrong number of axes */
      {"input 2x8\nconv1d 4 3x3\n", "t.cfg:2: kernel size '3x3': a 1-D layer takes one size"},
      {"input 1x4x8x8\nconv3d 4 3x3\n", "t.cfg:2: kernel size '3x3': expected N or DxHxW"},
      {"input 1x2x3x4x5\nfc 2\n", "t.cfg:1: input takes channels and sizes"},
      {"input 1x4x8x8\nconv3d 4 3 stride=1x2\n", "stride '1x2': expected N or DxHxW"},
  };
  for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
    const char *m = refusal(CASES[t].spec);
    ck_assert_msg(strstr(m, CASES[t].says), "%s: refused with \"%s\", want \"%s\"",
                  CASES[t].spec, m, CASES[t].says);
    ck_assert_msg(!strchr(m, '\n'), "one line: %s", m);
  }
}
END_TEST

/* ---- clips and signals --------------------------------------------------------- */

START_TEST(test_clips_are_the_same_for_a_seed) {
  bovw_clips_options o = BOVW_CLIPS_OPTIONS_DEFAULT;
  o.seed = 3;
  const size_t dim = bovw_clips_dim(&o);
  ck_assert_uint_eq(dim, 8 * 16 * 16);
  float *a = malloc(dim * sizeof *a), *b = malloc(dim * sizeof *b);
  float *frame = malloc(16 * 16 * sizeof *frame);
  for (int label = 0; label < BOVW_CLIPS_CLASSES; label++) {
    bovw_clips_draw(&o, 0, label, 7, a);
    bovw_clips_draw(&o, 0, label, 7, b);
    ck_assert_mem_eq(a, b, dim * sizeof *a);
    bovw_clips_draw(&o, 1, label, 7, b); /* the test split's clip 7: another one */
    ck_assert_int_ne(memcmp(a, b, dim * sizeof *a), 0);
    /* --frame 5: frame 5 of the same clip. */
    bovw_clips_options one = o;
    one.frame = 5;
    ck_assert_uint_eq(bovw_clips_dim(&one), 256);
    bovw_clips_draw(&one, 0, label, 7, frame);
    ck_assert_mem_eq(frame, a + 5 * 256, 256 * sizeof *frame);
  }
  /* Without noise, the square moves by the speed in the class's direction:
   * frame 1 is frame 0 shifted one pixel (right for class 1), wrapping. */
  o.noise = 0;
  bovw_clips_draw(&o, 0, 1, 2, a);
  double lit = 0;
  for (int r = 0; r < 16; r++)
    for (int c = 0; c < 16; c++) {
      ck_assert_float_eq(a[256 + r * 16 + (c + 1) % 16], a[r * 16 + c]);
      lit += a[r * 16 + c];
    }
  ck_assert_double_eq(lit, 16); /* a 4x4 square */
  o.seed = 4;
  bovw_clips_draw(&o, 0, 1, 2, b);
  ck_assert_int_ne(memcmp(a, b, dim * sizeof *a), 0);
  free(a);
  free(b);
  free(frame);
}
END_TEST

START_TEST(test_signals_are_the_same_for_a_seed) {
  bovw_signals_options o = BOVW_SIGNALS_OPTIONS_DEFAULT;
  o.seed = 2;
  float a[128], b[128];
  for (int label = 0; label < BOVW_SIGNALS_CLASSES; label++) {
    bovw_signals_draw(&o, 0, label, 1, a);
    bovw_signals_draw(&o, 0, label, 1, b);
    ck_assert_mem_eq(a, b, sizeof a);
    bovw_signals_draw(&o, 0, label, 2, b);
    ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
  }
  /* Without noise: a square wave is +-1, a sawtooth within [-1, 1). */
  o.noise = 0;
  bovw_signals_draw(&o, 0, 1, 0, a);
  for (int t = 0; t < 128; t++) ck_assert(a[t] == 1.0f || a[t] == -1.0f);
  bovw_signals_draw(&o, 0, 2, 0, a);
  for (int t = 0; t < 128; t++) ck_assert(a[t] >= -1.0f && a[t] < 1.0f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_conv3d");
  TCase *tc = tcase_create("nn_conv3d");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_conv3d_forward_is_the_direct_sum);
  tcase_add_test(tc, test_conv3d_gradients_match_finite_differences);
  tcase_add_test(tc, test_pool3d_forward_by_hand_and_gradients);
  tcase_add_test(tc, test_conv1d_is_conv_with_1xk_kernels);
  tcase_add_test(tc, test_conv1d_gradients_match_finite_differences);
  tcase_add_test(tc, test_summary_of_a_1d_net_by_hand);
  tcase_add_test(tc, test_summary_of_a_3d_net_by_hand);
  tcase_add_test(tc, test_specs_print_and_read_back);
  tcase_add_test(tc, test_weights_keep_their_shapes_and_values);
  tcase_add_test(tc, test_batchnorm_folds_into_conv1d_and_conv3d);
  tcase_add_test(tc, test_bad_specs_are_refused_in_one_line);
  tcase_add_test(tc, test_clips_are_the_same_for_a_seed);
  tcase_add_test(tc, test_signals_are_the_same_for_a_seed);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
