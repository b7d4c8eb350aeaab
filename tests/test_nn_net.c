/* test_nn_net.c: whole networks: the spec language and its errors, the
 * shipped models, the summary's formulas, gradients through a whole net,
 * batch-norm folding (in memory and into a net folder), safetensors round
 * trips and damaged files, seeds and threads, SGD and schedules, and a tiny
 * CNN that learns. */
#include <check.h>
#include <cjson/cJSON.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/nn.h"
#include "bovw/rng.h"
#include "nn/internal.h"
#include "nn_fixtures.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* ---- helpers ----------------------------------------------------------------- */

static bovw_nn_spec *parse(const char *text) {
  bovw_nn_spec *spec;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_spec_parse(text, "test.cfg", &spec, &err) == 0, "%s", err.message);
  return spec;
}

static bovw_nn_net *make_net(const char *text, int classes, uint64_t seed, int threads) {
  bovw_nn_spec *spec = parse(text);
  bovw_nn_net_options o = BOVW_NN_NET_OPTIONS_DEFAULT;
  o.classes = classes;
  o.seed = seed;
  o.threads = threads;
  bovw_nn_net *net;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_new(spec, &o, &net, &err) == 0, "%s", err.message);
  bovw_nn_spec_free(spec);
  return net;
}

static float *uniform_values(size_t n, uint64_t seed) { return test_uniform_values(n, seed); }

static const float *forward(bovw_nn_net *net, const float *x, int batch) {
  const float *y;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_forward(net, x, batch, &y, &err) == 0, "%s", err.message);
  return y;
}

static void expect_same_params(bovw_nn_net *a, bovw_nn_net *b) {
  ck_assert_uint_eq(bovw_nn_net_num_params(a), bovw_nn_net_num_params(b));
  for (size_t i = 0; i < bovw_nn_net_num_params(a); i++) {
    bovw_nn_param *p = bovw_nn_net_param(a, i), *q = bovw_nn_net_param(b, i);
    ck_assert_str_eq(p->name, q->name);
    ck_assert_uint_eq(p->count, q->count);
    ck_assert_msg(!memcmp(p->value, q->value, p->count * sizeof(float)),
                  "%s differs", p->name);
  }
}

static int params_differ(bovw_nn_net *a, bovw_nn_net *b) {
  for (size_t i = 0; i < bovw_nn_net_num_params(a); i++) {
    bovw_nn_param *p = bovw_nn_net_param(a, i), *q = bovw_nn_net_param(b, i);
    if (memcmp(p->value, q->value, p->count * sizeof(float))) return 1;
  }
  return 0;
}

static int64_t param_total(bovw_nn_net *net) {
  int64_t total = 0;
  for (size_t i = 0; i < bovw_nn_net_num_params(net); i++)
    if (bovw_nn_net_param(net, i)->trainable) total += (int64_t)bovw_nn_net_param(net, i)->count;
  return total;
}

/* models/NAME in the source tree: two folders up from $BOVW_TEST_DATA
 * (SOURCE/tests/data, which need not exist), else beside this file. */
static const char *model_path(const char *name) {
  static char path[4096];
  char base[4096];
  const char *data = getenv("BOVW_TEST_DATA");
  snprintf(base, sizeof base, "%s", data && *data ? data : __FILE__);
  char *root = dirname(dirname(base));
  snprintf(path, sizeof path, "%s/models/%s", root, name);
  return path;
}

/* Vertical (label 0) or horizontal (label 1) stripes of period 2 to 4, any
 * phase and contrast, with noise: n images of 1x8x8. */
static void make_stripes(size_t n, uint64_t seed, float *x, int32_t *labels) {
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  for (size_t k = 0; k < n; k++) {
    int label = (int)bovw_rng_below(&rng, 2);
    int period = 2 + (int)bovw_rng_below(&rng, 3);
    int phase = (int)bovw_rng_below(&rng, (uint64_t)period);
    float contrast = 0.5f + (float)bovw_rng_uniform(&rng);
    for (int y = 0; y < 8; y++)
      for (int xx = 0; xx < 8; xx++) {
        int along = label == 0 ? xx : y;
        float v = ((along + phase) % period) * 2 < period ? contrast : -contrast;
        x[k * 64 + y * 8 + xx] = v + 0.2f * (float)(bovw_rng_uniform(&rng) - 0.5);
      }
    labels[k] = label;
  }
}

/* ---- the spec ---------------------------------------------------------------- */

static const char EVERY_KIND[] =
    "# every kind, with options\n"
    "input 3x32x30\n"
    "conv 16 5x3 stride=2x1 pad=2x1 padmode=replicate bias=no init=xavier\n"
    "bn momentum=0.05 eps=0.001   # comment after a layer\n"
    "leakyrelu slope=0.2\n"
    "maxpool 3 stride=2\n"
    "\n"
    "conv 8 3x3 pad=same\n"
    "relu\n"
    "avgpool 2x1\n"
    "sigmoid\n"
    "globalavgpool\n"
    "flatten\n"
    "dropout 0.25\n"
    "fc classes init=xavier\n"
    "softmax\n";

START_TEST(test_spec_parses_every_kind_and_prints_it_back) {
  bovw_nn_spec *spec = parse(EVERY_KIND);
  ck_assert_int_eq(spec->input_c, 3);
  ck_assert_int_eq(spec->input_h, 32);
  ck_assert_int_eq(spec->input_w, 30);
  ck_assert_int_eq(spec->num_layers, 13);
  const bovw_nn_layer_spec *conv = &spec->layers[0];
  ck_assert_int_eq(conv->kind, BOVW_NN_CONV);
  ck_assert_int_eq(conv->line, 3);
  ck_assert_int_eq(conv->units, 16);
  ck_assert_int_eq(conv->kernel_h, 5);
  ck_assert_int_eq(conv->kernel_w, 3);
  ck_assert_int_eq(conv->stride_h, 2);
  ck_assert_int_eq(conv->stride_w, 1);
  ck_assert_int_eq(conv->pad, BOVW_NN_PAD_EXPLICIT);
  ck_assert_int_eq(conv->pad_h, 2);
  ck_assert_int_eq(conv->pad_w, 1);
  ck_assert_int_eq(conv->replicate, 1);
  ck_assert_int_eq(conv->bias, 0);
  ck_assert_int_eq(conv->init, BOVW_NN_INIT_XAVIER);
  ck_assert_double_eq(spec->layers[1].momentum, 0.05);
  ck_assert_double_eq(spec->layers[1].eps, 0.001);
  ck_assert_double_eq(spec->layers[2].slope, 0.2);
  ck_assert_int_eq(spec->layers[3].stride_h, 2);     /* given */
  ck_assert_int_eq(spec->layers[6].stride_h, 2);     /* avgpool 2x1: the window */
  ck_assert_int_eq(spec->layers[6].stride_w, 1);
  ck_assert_double_eq(spec->layers[10].rate, 0.25);
  ck_assert_int_eq(spec->layers[11].units, BOVW_NN_UNITS_CLASSES);
  ck_assert_int_eq(spec->layers[12].kind, BOVW_NN_SOFTMAX);
  /* Printed with every option and parsed again: the same layers. */
  char *text;
  ck_assert_int_eq(bovw_nn_spec_to_text(spec, &text, NULL), 0);
  bovw_nn_spec *again = parse(text);
  ck_assert_int_eq(again->num_layers, spec->num_layers);
  ck_assert_int_eq(again->input_w, 30);
  for (int i = 0; i < spec->num_layers; i++) {
    again->layers[i].line = spec->layers[i].line;
    ck_assert_msg(!memcmp(&again->layers[i], &spec->layers[i], sizeof spec->layers[i]),
                  "layer %d changed: %s", i, text);
  }
  /* The short form leaves the defaults out. */
  char line[128];
  bovw_nn_layer_spec_format(&spec->layers[4], 0, line, sizeof line);
  ck_assert_str_eq(line, "conv 8 3x3 pad=same");
  bovw_nn_layer_spec_format(&spec->layers[3], 0, line, sizeof line);
  ck_assert_str_eq(line, "maxpool 3 stride=2");
  bovw_nn_layer_spec_format(&spec->layers[1], 1, line, sizeof line);
  ck_assert_str_eq(line, "bn momentum=0.05 eps=0.001");
  free(text);
  bovw_nn_spec_free(again);
  bovw_nn_spec_free(spec);
}
END_TEST

static void expect_spec_error(const char *text, const char *where, const char *words) {
  bovw_nn_spec *spec = NULL;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_spec_parse(text, "my.cfg", &spec, &err) != 0, "accepted: %s", text);
  ck_assert_ptr_null(spec);
  ck_assert_msg(strstr(err.message, where) && strstr(err.message, words),
                "message '%s' lacks '%s' or '%s'", err.message, where, words);
}

START_TEST(test_spec_errors_name_the_line) {
  expect_spec_error("input 1x8x8\n\nconvv 3 3x3\n", "my.cfg:3:", "unknown layer 'convv'");
  expect_spec_error("input 1x8x8\nconv 32\n", "my.cfg:2:", "kernel size");
  expect_spec_error("conv 32 3x3 stride=0\n", "my.cfg:1:", "stride '0'");
  expect_spec_error("conv 32 3x3 pad=sideways\n", "my.cfg:1:", "pad=sideways");
  expect_spec_error("relu\nmaxpool 2 strid=2\n", "my.cfg:2:", "no option 'strid'");
  expect_spec_error("conv 8 5x5 =2x1\n", "my.cfg:1:", "no option ''");  /* once a hang */
  expect_spec_error("dropout 1.5\n", "my.cfg:1:", "dropout probability '1.5'");
  expect_spec_error("relu 3\n", "my.cfg:1:", "takes no arguments");
  expect_spec_error("relu slope=0.1\n", "my.cfg:1:", "takes no options");
  expect_spec_error("fc 10\nsoftmax\nrelu\n", "my.cfg:3:", "nothing may follow softmax");
  expect_spec_error("input 28\nrelu\n", "my.cfg:1:", "input takes");
  expect_spec_error("relu\ninput 1x28x28\n", "my.cfg:2:", "first line");
  expect_spec_error("conv 8 3x3 stride=2 stride=1\n", "my.cfg:1:", "stride given twice");
  expect_spec_error("fc\n", "my.cfg:1:", "fc takes the number of outputs");
  expect_spec_error("fc -3\n", "my.cfg:1:", "number of outputs '-3'");
  expect_spec_error("conv 8 3x3 bias=maybe\n", "my.cfg:1:", "expected one of no, yes");
  expect_spec_error("leakyrelu slope=1\n", "my.cfg:1:", "slope '1'");
  expect_spec_error("# nothing\n\n", "my.cfg", "no layers");
  /* At most 1024 layers, whatever the file's length (docs/formats.md). */
  static char many[1025 * 5 + 1];
  for (int i = 0; i < 1025; i++) memcpy(many + 5 * i, "relu\n", 5);
  expect_spec_error(many, "my.cfg:1025:", "more than 1024 layers");
  many[1024 * 5] = '\0';
  bovw_nn_spec_free(parse(many));
  /* Errors found when the net is made name the line too. */
  bovw_nn_spec *spec = parse("input 1x8x8\nrelu\nfc classes\nsoftmax\n");
  bovw_nn_net *net;
  bovw_error err = {0};
  ck_assert_int_ne(bovw_nn_net_new(spec, NULL, &net, &err), 0);
  ck_assert_msg(strstr(err.message, "line 3") && strstr(err.message, "classes"), "%s",
                err.message);
  bovw_nn_spec_free(spec);
  spec = parse("relu\n");
  ck_assert_int_ne(bovw_nn_net_new(spec, NULL, &net, &err), 0);
  ck_assert_msg(strstr(err.message, "no input shape"), "%s", err.message);
  bovw_nn_spec_free(spec);
  spec = parse("input 3x8x8\nconv 4 3x3\nsoftmax\n");
  ck_assert_int_ne(bovw_nn_net_new(spec, NULL, &net, &err), 0);
  ck_assert_msg(strstr(err.message, "line 3: softmax needs one score per class"), "%s",
                err.message);
  bovw_nn_spec_free(spec);
}
END_TEST

START_TEST(test_input_shape_and_classes_come_from_the_options) {
  bovw_nn_spec *spec = parse(
      "conv 4 3x3 pad=same\nrelu\nglobalavgpool\nfc classes\nsoftmax\n");
  bovw_nn_net_options o = BOVW_NN_NET_OPTIONS_DEFAULT;
  o.input_c = 3;
  o.input_h = 17;
  o.input_w = 9;
  o.classes = 5;
  bovw_nn_net *net;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_new(spec, &o, &net, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(bovw_nn_net_input_size(net), 3 * 17 * 9);
  ck_assert_uint_eq(bovw_nn_net_output_size(net), 5);
  ck_assert_int_eq(bovw_nn_net_spec(net)->layers[3].units, 5);
  ck_assert(bovw_nn_net_has_softmax(net));
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);
}
END_TEST

/* ---- shipped models and the summary -------------------------------------------- */

START_TEST(test_shipped_models_build_with_the_expected_sizes) {
  bovw_nn_spec *spec;
  bovw_nn_net *net;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_spec_read(model_path("fmnist-cnn.cfg"), &spec, &err) == 0, "%s",
                err.message);
  ck_assert_msg(bovw_nn_net_new(spec, NULL, &net, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(bovw_nn_net_input_size(net), 784);
  ck_assert_uint_eq(bovw_nn_net_output_size(net), 10);
  /* conv 32 (1*9+1) + bn 2*32 + conv 64 (32*9+1) + bn 2*64 + fc 128 (64*7*7+1)
   * + bn 2*128 + fc 10 (128+1) */
  ck_assert_int_eq(param_total(net), 320 + 64 + 18496 + 128 + 401536 + 256 + 1290);
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);

  ck_assert_msg(bovw_nn_spec_read(model_path("mlp.cfg"), &spec, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_nn_net_new(spec, NULL, &net, &err) == 0, "%s", err.message);
  ck_assert_int_eq(param_total(net), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);

  ck_assert_msg(bovw_nn_spec_read(model_path("small-color-cnn.cfg"), &spec, &err) == 0,
                "%s", err.message);
  ck_assert_int_ne(bovw_nn_net_new(spec, NULL, &net, &err), 0);  /* classes needed */
  static const int sides[] = {64, 96, 128};
  for (int k = 0; k < 3; k++) {
    bovw_nn_net_options o = BOVW_NN_NET_OPTIONS_DEFAULT;
    o.classes = 101;
    o.input_c = 3;
    o.input_h = o.input_w = sides[k];
    ck_assert_msg(bovw_nn_net_new(spec, &o, &net, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(bovw_nn_net_output_size(net), 101);
    bovw_nn_net_free(net);
  }
  bovw_nn_spec_free(spec);
}
END_TEST

START_TEST(test_summary_follows_the_formulas) {
  bovw_nn_spec *spec;
  bovw_nn_net *net;
  bovw_nn_summary *s;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_spec_read(model_path("fmnist-cnn.cfg"), &spec, &err), 0);
  ck_assert_int_eq(bovw_nn_net_new(spec, NULL, &net, &err), 0);
  ck_assert_int_eq(bovw_nn_summary_new(net, &s, &err), 0);
  ck_assert_int_eq(s->num_rows, spec->num_layers);
  const bovw_nn_summary_row *r = s->rows;
  /* conv 32 3x3 pad=same on 1x28x28 */
  ck_assert_str_eq(r[0].text, "conv 32 3x3 pad=same");
  ck_assert_int_eq(r[0].c, 32);
  ck_assert_int_eq(r[0].h, 28);
  ck_assert_int_eq(r[0].params, 32 * (1 * 3 * 3 + 1));
  ck_assert_int_eq(r[0].macs, 32 * 28 * 28 * 1 * 3 * 3);
  ck_assert_int_eq(r[0].flops, 2 * r[0].macs);
  ck_assert_int_eq(r[0].rf_h, 3);
  ck_assert_int_eq(r[1].params, 64);   /* bn: scale and shift */
  ck_assert_int_eq(r[1].macs, 0);
  ck_assert_int_eq(r[3].h, 14);        /* maxpool 2 */
  ck_assert_int_eq(r[3].rf_h, 4);
  ck_assert_int_eq(r[3].jump_h, 2);
  ck_assert_int_eq(r[4].params, 64 * (32 * 9 + 1));
  ck_assert_int_eq(r[4].macs, (int64_t)64 * 14 * 14 * 32 * 9);
  ck_assert_int_eq(r[4].rf_h, 4 + 2 * 2);
  ck_assert_int_eq(r[7].rf_h, 8 + 1 * 2);
  ck_assert_int_eq(r[7].jump_h, 4);
  ck_assert_int_eq(r[7].h, 7);
  ck_assert_int_eq(r[8].c, 64 * 7 * 7); /* flatten */
  ck_assert_int_eq(r[8].rf_h, 10);
  ck_assert_int_eq(r[9].macs, 64 * 7 * 7 * 128);
  ck_assert_int_eq(r[9].rf_h, 0);      /* fc sees everything */
  ck_assert_int_eq(r[10].params, 2 * 128); /* bn after fc: per feature */
  ck_assert_int_eq(r[12].kind, BOVW_NN_DROPOUT);
  ck_assert_int_eq(r[14].kind, BOVW_NN_SOFTMAX);
  ck_assert_int_eq(r[14].c, 10);
  int64_t params = 0, macs = 0, flops = 0;
  for (int i = 0; i < s->num_rows; i++) {
    params += r[i].params;
    macs += r[i].macs;
    flops += r[i].flops;
  }
  ck_assert_int_eq(s->total_params, params);
  ck_assert_int_eq(s->total_params, param_total(net));
  ck_assert_int_eq(s->total_macs, macs);
  ck_assert_int_eq(s->total_flops, flops);
  bovw_nn_summary_free(s);
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);

  /* Stride 2: H_out = floor((H_in - K + 2P) / S) + 1, jumps multiply. */
  net = make_net("input 3x32x32\nconv 8 3x3 stride=2 pad=same\nconv 8 3x3 stride=2\n"
                 "conv 4 5x5 stride=2 pad=valid\n", 0, 1, 1);
  ck_assert_int_eq(bovw_nn_summary_new(net, &s, &err), 0);
  ck_assert_int_eq(s->rows[0].h, (32 - 3 + 2) / 2 + 1);  /* 16 */
  ck_assert_int_eq(s->rows[1].h, (16 - 3) / 2 + 1);      /* 7 */
  ck_assert_int_eq(s->rows[2].h, (7 - 5) / 2 + 1);       /* 2 */
  ck_assert_int_eq(s->rows[0].rf_h, 3);
  ck_assert_int_eq(s->rows[1].rf_h, 3 + 2 * 2);
  ck_assert_int_eq(s->rows[2].rf_h, 7 + 4 * 4);
  ck_assert_int_eq(s->rows[2].jump_h, 8);
  ck_assert_int_eq(s->rows[2].macs, 4 * 2 * 2 * 8 * 5 * 5);
  ck_assert_int_eq(s->rows[1].params, 8 * (8 * 9 + 1));
  bovw_nn_summary_free(s);
  bovw_nn_net_free(net);
}
END_TEST

/* ---- gradients through a whole net ------------------------------------------ */

/* The shape of fmnist-cnn in miniature, with every other kind of layer the
 * engine has in a CNN: replicate padding, leaky ReLU, dropout. */
static const char WHOLE_NET[] =
    "input 2x6x6\n"
    "conv 3 3x3 pad=same\n"
    "bn\n"
    "relu\n"
    "maxpool 2\n"
    "conv 4 3x3 pad=same padmode=replicate\n"
    "bn\n"
    "leakyrelu\n"
    "flatten\n"
    "dropout 0.25\n"
    "fc 5\n"
    "relu\n"
    "fc classes\n"
    "softmax\n";

START_TEST(test_whole_net_gradients_match_finite_differences) {
  for (int training = 1; training >= 0; training--) {
    bovw_nn_net *net = make_net(WHOLE_NET, 3, 1, 1);
    float *x = uniform_values(4 * 72, 101);
    /* Running statistics away from their start, for evaluation mode. */
    for (int k = 0; k < 3; k++) forward(net, x, 4);
    bovw_nn_net_set_training(net, training);
    int32_t labels[4] = {0, 1, 2, 1};
    bovw_nn_gradcheck_options opt = BOVW_NN_GRADCHECK_OPTIONS_DEFAULT;
    opt.per_tensor = 0;
    opt.labels = labels;
    /* Through a whole net the rounding error of the quotient is the same for
     * every element (about 1e-4 of the network's gradient scale here, more
     * when batch norm trains): errors are judged against that scale. */
    opt.floor = 1;
    bovw_nn_gradcheck_result r;
    bovw_error err = {0};
    ck_assert_msg(bovw_nn_gradcheck(net, x, 4, &opt, &r, &err) == 0, "%s", err.message);
    ck_assert_msg(r.failed == 0 && r.max_rel_error < 1e-3,
                  "training %d: %zu of %zu off; worst %s: %g vs %g (%g)", training,
                  r.failed, r.checked, r.worst, r.worst_analytic, r.worst_numeric,
                  r.max_rel_error);
    /* Every element of the input and of every parameter is compared, except
     * where a step flips a ReLU or a max-pool choice (weights shared over
     * many positions often do). */
    size_t elements = 4 * 72 + (3 * 2 * 9 + 3) + 3 * 2 + (4 * 3 * 9 + 4) + 4 * 2 +
                      (5 * 36 + 5) + (3 * 5 + 3);
    ck_assert_uint_eq(r.checked + r.kinks, elements);
    ck_assert_msg(r.checked * 2 >= elements, "only %zu of %zu compared", r.checked, elements);
    free(x);
    bovw_nn_net_free(net);
  }
}
END_TEST

/* A backward pass 1% off must fail the check: the checker can tell. */
static void (*true_fc_backward)(nn_layer *, const nn_ctx *, const float *,
                                const float *, const float *, float *, int);
static void fc_backward_one_percent_off(nn_layer *self, const nn_ctx *ctx,
                                        const float *in, const float *out,
                                        const float *dout, float *din, int batch) {
  true_fc_backward(self, ctx, in, out, dout, din, batch);
  bovw_nn_param *w = &self->params[0];
  for (size_t i = 0; i < w->count; i++) w->grad[i] *= 1.01f;
}

START_TEST(test_gradcheck_catches_a_gradient_one_percent_off) {
  bovw_nn_net *net = make_net("input 5x1x1\nfc 3\n", 0, 1, 1);
  float *x = uniform_values(4 * 5, 2);
  bovw_nn_gradcheck_result r;
  ck_assert_int_eq(bovw_nn_gradcheck(net, x, 4, NULL, &r, NULL), 0);
  ck_assert_uint_eq(r.failed, 0);
  nn_layer *fc = nn_net_layer(net, 0);
  nn_ops broken = *fc->ops;
  true_fc_backward = broken.backward;
  broken.backward = fc_backward_one_percent_off;
  fc->ops = &broken;
  ck_assert_int_eq(bovw_nn_gradcheck(net, x, 4, NULL, &r, NULL), 0);
  ck_assert_uint_ge(r.failed, 10);  /* the weights, but for the smallest */
  ck_assert_ptr_nonnull(strstr(r.worst, "0.weight"));
  ck_assert_double_gt(r.max_rel_error, 5e-3);
  fc->ops = &nn_fc_ops;
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_backward_needs_a_forward_in_the_same_mode) {
  bovw_nn_net *net = make_net("input 2x1x1\nbn\n", 0, 1, 1);
  float x[4] = {1, 2, 3, 4}, g[4] = {1, 1, 1, 1};
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_net_backward(net, g, NULL, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "before any forward"));
  forward(net, x, 2);
  bovw_nn_net_set_training(net, 0);
  ck_assert_int_eq(bovw_nn_net_backward(net, g, NULL, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "another mode"));
  ck_assert_int_eq(bovw_nn_net_forward(net, x, 0, NULL, &err), BOVW_ERR_INVALID);
  bovw_nn_net_free(net);
}
END_TEST

/* ---- batch norm: modes and folding ------------------------------------------- */

static const char BN_NET[] =
    "input 3x10x10\n"
    "conv 6 3x3 stride=2 pad=same\n"
    "bn\n"
    "relu\n"
    "conv 5 3x3 bias=no\n"
    "bn\n"
    "relu\n"
    "bn\n"           /* after relu: not foldable, stays */
    "flatten\n"
    "fc 7\n"
    "bn\n"
    "sigmoid\n"
    "fc classes\n"
    "softmax\n";

START_TEST(test_batchnorm_fold_gives_the_outputs_of_evaluation) {
  bovw_nn_net *net = make_net(BN_NET, 4, 3, 1);
  float *x = uniform_values(8 * 300, 1);
  /* Running statistics and scales away from 0, 1. */
  for (int k = 0; k < 20; k++) forward(net, x, 8);
  for (size_t i = 0; i < bovw_nn_net_num_params(net); i++) {
    bovw_nn_param *p = bovw_nn_net_param(net, i);
    if (strstr(p->name, "weight") && p->ndim == 1)
      for (size_t k = 0; k < p->count; k++) p->value[k] = 0.5f + (float)k * 0.1f;
    if (strstr(p->name, "bias") && p->ndim == 1)
      for (size_t k = 0; k < p->count; k++) p->value[k] = 0.2f - (float)k * 0.07f;
  }
  const float *y_train = forward(net, x, 8);
  float train_out[32];
  memcpy(train_out, y_train, sizeof train_out);
  bovw_nn_net_set_training(net, 0);
  const float *y = forward(net, x, 8);
  float want[32];
  memcpy(want, y, sizeof want);
  /* Training (batch statistics) and evaluation (running ones) differ. */
  double gap = 0;
  for (int i = 0; i < 32; i++) gap = fmax(gap, fabs(want[i] - train_out[i]));
  ck_assert_double_gt(gap, 1e-3);

  bovw_nn_net *folded;
  int count;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_fold_batchnorm(net, &folded, &count, &err) == 0, "%s",
                err.message);
  ck_assert_int_eq(count, 3);
  ck_assert_int_eq(bovw_nn_net_spec(folded)->num_layers, 10);
  ck_assert_int_eq(bovw_nn_net_spec(folded)->layers[2].kind, BOVW_NN_CONV);
  ck_assert_int_eq(bovw_nn_net_spec(folded)->layers[2].bias, 1);
  ck_assert_int_eq(bovw_nn_net_spec(folded)->layers[4].kind, BOVW_NN_BATCHNORM);
  ck_assert_int_eq(bovw_nn_net_training(folded), 0);
  const float *got = forward(folded, x, 8);
  for (int i = 0; i < 32; i++)
    ck_assert_msg(fabs(got[i] - want[i]) < 1e-5, "output %d: %g folded, %g not", i,
                  got[i], want[i]);
  bovw_nn_net_free(folded);
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

/* A conv and an fc, each followed by batch norm, trained a few SGD steps so
 * that the scales, shifts and running statistics are all away from their
 * starting 1, 0, 0, 1. x (32 samples) is what it was trained on. */
static const char FOLD_NET[] =
    "input 3x8x8\n"
    "conv 6 3x3 pad=same bias=no\n"
    "bn\n"
    "relu\n"
    "maxpool 2\n"
    "flatten\n"
    "fc 10\n"
    "bn\n"
    "relu\n"
    "fc classes\n"
    "softmax\n";

static bovw_nn_net *trained_fold_net(float **x) {
  enum { N = 32, SIZE = 3 * 8 * 8 };
  bovw_nn_net *net = make_net(FOLD_NET, 4, 7, 1);
  *x = uniform_values(N * SIZE, 11);
  int32_t labels[N];
  for (int i = 0; i < N; i++) {
    labels[i] = i % 4;
    /* Offsets per class and channel: batch means far from 0. */
    for (int k = 0; k < SIZE; k++) (*x)[i * SIZE + k] += 0.5f + 0.25f * (float)((i % 4) + k / 64);
  }
  bovw_nn_sgd *sgd;
  bovw_nn_sgd_options so = BOVW_NN_SGD_OPTIONS_DEFAULT;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_sgd_new(net, &so, &sgd, &err), 0);
  for (int step = 0; step < 20; step++)
    ck_assert_msg(bovw_nn_train_step(net, sgd, *x + (step % 2) * 16 * SIZE,
                                     labels + (step % 2) * 16, 16, 0.1, NULL, &err) == 0,
                  "%s", err.message);
  bovw_nn_sgd_free(sgd);
  const char *moved[] = {"1.weight", "1.bias", "1.running_mean", "1.running_var",
                         "6.weight", "6.bias", "6.running_mean", "6.running_var"};
  const float start[] = {1, 0, 0, 1, 1, 0, 0, 1};
  for (int k = 0; k < 8; k++) {
    const bovw_nn_param *p = bovw_nn_net_find_param(net, moved[k]);
    ck_assert_ptr_nonnull(p);
    double away = 0;
    for (size_t i = 0; i < p->count; i++) away = fmax(away, fabs(p->value[i] - start[k]));
    ck_assert_msg(away > 1e-2, "%s stayed at %g", moved[k], (double)start[k]);
  }
  bovw_nn_net_set_training(net, 0);
  return net;
}

/* max |a - b| <= tol max |a|: the error relative to the outputs' scale. */
static void expect_close_relative(const float *a, const float *b, size_t n, double tol) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; i++) {
    diff = fmax(diff, fabs((double)a[i] - b[i]));
    scale = fmax(scale, fabs((double)a[i]));
  }
  ck_assert_double_gt(scale, 0);
  ck_assert_msg(diff <= tol * scale, "max difference %g, %g of the largest output %g", diff,
                diff / scale, scale);
}

START_TEST(test_folded_net_matches_the_trained_one_within_1e5_relative) {
  float *x;
  bovw_nn_net *net = trained_fold_net(&x);
  float want[32 * 4];
  memcpy(want, forward(net, x, 32), sizeof want);
  bovw_nn_net *folded;
  int count;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_fold_batchnorm(net, &folded, &count, &err) == 0, "%s", err.message);
  ck_assert_int_eq(count, 2);
  const bovw_nn_spec *spec = bovw_nn_net_spec(folded);
  ck_assert_int_eq(spec->num_layers, 8);
  for (int i = 0; i < spec->num_layers; i++)
    ck_assert_int_ne(spec->layers[i].kind, BOVW_NN_BATCHNORM);
  ck_assert_int_eq(spec->layers[0].bias, 1);  /* the shift needs a bias */
  ck_assert_uint_eq(bovw_nn_net_output_size(folded), 4);
  expect_close_relative(want, forward(folded, x, 32), 32 * 4, 1e-5);
  bovw_nn_net_free(folded);
  bovw_nn_net_free(net);
  free(x);
}
END_TEST

/* A net folder around the trained net of trained_fold_net, in dir/name. */
static void save_fold_model(bovw_nn_net *net, const char *path) {
  float mean[3] = {0.1f, 0.2f, 0.3f}, sd[3] = {1.5f, 1, 0.5f};
  char *names[4] = {"a", "b", "c", "d"};
  bovw_nn_model m = {net, {3, mean, sd}, 4, names, 0, cJSON_CreateObject()};
  ck_assert_ptr_nonnull(m.meta);
  cJSON *spec = cJSON_AddObjectToObject(m.meta, "spec");
  ck_assert_ptr_nonnull(cJSON_AddStringToObject(spec, "name", "foldme"));
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_model_save(&m, FOLD_NET, NULL, path, &err) == 0, "%s", err.message);
  cJSON_Delete(m.meta);
}

START_TEST(test_fold_run_writes_a_net_folder_that_scores_alike) {
  float *x;
  bovw_nn_net *net = trained_fold_net(&x);
  char src[4096], out[4096];
  snprintf(src, sizeof src, "%s", test_path(dir, "net"));
  snprintf(out, sizeof out, "%s", test_path(dir, "folded"));
  save_fold_model(net, src);
  bovw_nn_net_free(net);

  bovw_error err = {0};
  bovw_nn_fold_summary s;
  ck_assert_msg(bovw_nn_fold_run(src, out, &s, &err) == 0, "%s", err.message);
  ck_assert_int_eq(s.folded, 2);
  ck_assert_int_eq(s.kept, 0);
  /* conv 6x3x3x3 gains a bias of 6; the two batch norms lose 2 x (6 + 10). */
  ck_assert_int_eq(s.params_after, s.params_before + 6 - 2 * (6 + 10));
  ck_assert_int_eq(test_count_entries(dir, ".folded"), 0);  /* no temporary folder left */

  bovw_nn_model *a, *b;
  ck_assert_msg(bovw_nn_model_open(src, 1, &a, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_nn_model_open(out, 1, &b, &err) == 0, "%s", err.message);
  const bovw_nn_spec *spec = bovw_nn_net_spec(b->net);
  for (int i = 0; i < spec->num_layers; i++)
    ck_assert_int_ne(spec->layers[i].kind, BOVW_NN_BATCHNORM);
  ck_assert_uint_eq(b->num_classes, 4);
  ck_assert_str_eq(b->class_names[3], "d");
  ck_assert_float_eq(b->norm.std[2], 0.5f);
  /* Provenance: the source folder by the checksums of its meta.json and weights. */
  char sha[65];
  const cJSON *fold = cJSON_GetObjectItem(b->meta, "fold");
  const cJSON *from = cJSON_GetObjectItem(fold, "from");
  ck_assert_int_eq(bovw_sha256_file(test_path(src, "meta.json"), sha, &err), 0);
  ck_assert_str_eq(bovw_meta_string(from, "meta_sha256", ""), sha);
  ck_assert_int_eq(bovw_sha256_file(test_path(src, "weights.safetensors"), sha, &err), 0);
  ck_assert_str_eq(bovw_meta_string(from, "weights_sha256", ""), sha);
  ck_assert_double_eq(bovw_meta_number(fold, "batchnorm_folded", 0), 2);
  ck_assert_str_eq(bovw_meta_string(cJSON_GetObjectItem(b->meta, "spec"), "name", ""),
                   "foldme-folded");
  /* spec.cfg reads back as the net the weights hold. */
  bovw_nn_spec *text;
  ck_assert_msg(bovw_nn_spec_read(test_path(out, "spec.cfg"), &text, &err) == 0, "%s",
                err.message);
  ck_assert_int_eq(text->num_layers, spec->num_layers);
  for (int i = 0; i < spec->num_layers; i++) {
    char l1[256], l2[256];
    bovw_nn_layer_spec_format(&text->layers[i], 1, l1, sizeof l1);
    bovw_nn_layer_spec_format(&spec->layers[i], 1, l2, sizeof l2);
    ck_assert_str_eq(l1, l2);
  }
  bovw_nn_spec_free(text);

  /* The unfolded net's scores, within 1e-5 of their scale. */
  bovw_nn_data data = {0};
  data.count = 32;
  data.channels = 3;
  data.height = data.width = 8;
  data.x = x;
  float sa[32 * 4], sb[32 * 4];
  ck_assert_int_eq(bovw_nn_model_scores(a, &data, 8, sa, NULL, &err), 0);
  ck_assert_int_eq(bovw_nn_model_scores(b, &data, 8, sb, NULL, &err), 0);
  expect_close_relative(sa, sb, 32 * 4, 1e-5);
  bovw_nn_model_free(a);
  bovw_nn_model_free(b);

  /* Refusals leave nothing: an existing output, a missing source. */
  ck_assert_int_eq(bovw_nn_fold_run(src, out, NULL, &err), BOVW_ERR_IO);
  ck_assert_ptr_nonnull(strstr(err.message, "already exists"));
  ck_assert_int_ne(bovw_nn_fold_run(test_path(dir, "missing"), test_path(dir, "x"), NULL, &err), 0);
  ck_assert_int_eq(test_count_entries(dir, "x"), 0);
  ck_assert_int_eq(test_count_entries(dir, ".x"), 0);
  free(x);
}
END_TEST

/* ---- weights files ------------------------------------------------------------ */

START_TEST(test_save_load_round_trip_gives_identical_outputs) {
  bovw_nn_net *net = make_net(BN_NET, 4, 9, 1);
  float *x = uniform_values(5 * 300, 3);
  for (int k = 0; k < 3; k++) forward(net, x, 5);  /* running statistics move */
  bovw_nn_net_set_training(net, 0);
  float want[20];
  memcpy(want, forward(net, x, 5), sizeof want);
  const char *path = test_path(dir, "net.safetensors");
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_save(net, path, &err) == 0, "%s", err.message);
  ck_assert_int_eq(test_count_entries(dir, ".net"), 0);  /* no temporary left */
  bovw_nn_net *back;
  ck_assert_msg(bovw_nn_net_load(path, 1, &back, &err) == 0, "%s", err.message);
  expect_same_params(net, back);
  ck_assert_int_eq(bovw_nn_net_training(back), 0);
  ck_assert_int_eq(bovw_nn_net_spec(back)->layers[11].units, 4);  /* classes resolved */
  ck_assert_mem_eq(forward(back, x, 5), want, sizeof want);
  bovw_nn_net_free(back);
  free(x);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_weights_file_is_safetensors) {
  bovw_nn_net *net = make_net("input 1x4x4\nconv 2 3x3\nbn\nfc 3\nsoftmax\n", 0, 1, 1);
  const char *path = test_path(dir, "w.safetensors");
  ck_assert_int_eq(bovw_nn_net_save(net, path, NULL), 0);
  unsigned char *bytes = (unsigned char *)test_read_text(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = (n << 8) | bytes[i];
  ck_assert_int_eq(n % 8, 0);
  cJSON *h = cJSON_ParseWithLength((const char *)bytes + 8, n);
  ck_assert_ptr_nonnull(h);
  const cJSON *meta = cJSON_GetObjectItem(h, "__metadata__");
  ck_assert_str_eq(cJSON_GetObjectItem(meta, "format")->valuestring, "bovw-nn");
  ck_assert_str_eq(cJSON_GetObjectItem(meta, "format_version")->valuestring, "1");
  ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(meta, "spec")->valuestring,
                               "input 1x4x4\nconv 2 3x3 stride=1 pad=valid"));
  const cJSON *w = cJSON_GetObjectItem(h, "0.weight");
  ck_assert_str_eq(cJSON_GetObjectItem(w, "dtype")->valuestring, "F32");
  const cJSON *shape = cJSON_GetObjectItem(w, "shape");
  ck_assert_int_eq(cJSON_GetArraySize(shape), 4);
  ck_assert_int_eq(cJSON_GetArrayItem(shape, 0)->valueint, 2);
  ck_assert_int_eq(cJSON_GetArrayItem(shape, 1)->valueint, 1);
  ck_assert_int_eq(cJSON_GetArrayItem(shape, 2)->valueint, 3);
  const cJSON *off = cJSON_GetObjectItem(w, "data_offsets");
  ck_assert_int_eq(cJSON_GetArrayItem(off, 0)->valueint, 0);
  ck_assert_int_eq(cJSON_GetArrayItem(off, 1)->valueint, 2 * 9 * 4);
  ck_assert_ptr_nonnull(cJSON_GetObjectItem(h, "1.running_var"));
  const cJSON *fcw = cJSON_GetObjectItem(h, "2.weight");
  ck_assert_int_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(fcw, "shape"), 1)->valueint, 8);
  /* The data: little-endian floats at their offsets after the header. */
  int begin = cJSON_GetArrayItem(cJSON_GetObjectItem(fcw, "data_offsets"), 0)->valueint;
  float first;
  memcpy(&first, bytes + 8 + n + begin, 4);
  ck_assert_float_eq(first, bovw_nn_net_find_param(net, "2.weight")->value[0]);
  cJSON_Delete(h);
  free(bytes);
  bovw_nn_net_free(net);
}
END_TEST

/* Writes a safetensors file with the given header text and data. */
static const char *write_weights(const char *header, const float *data, size_t n) {
  static unsigned char buf[1 << 16];
  size_t hlen = strlen(header);
  for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
  memcpy(buf + 8, header, hlen);
  memcpy(buf + 8 + hlen, data, n);
  const char *path = test_path(dir, "bad.safetensors");
  test_write(path, buf, 8 + hlen + n);
  return path;
}

static void expect_load_refused(const char *path, const char *words) {
  bovw_nn_net *net = NULL;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_load(path, 1, &net, &err) != 0, "accepted (%s)", words);
  ck_assert_ptr_null(net);
  ck_assert_msg(strstr(err.message, words), "message '%s' lacks '%s'", err.message, words);
  ck_assert_ptr_nonnull(strstr(err.message, "bad.safetensors"));
}

START_TEST(test_damaged_weights_files_are_refused) {
  static const char SPEC[] = "input 2x1x1\\nfc 3\\n";
  float data[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  char h[1024];
  /* Good: 3x2 weight then 3 biases. */
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
           "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}", SPEC);
  bovw_nn_net *net;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_net_load(write_weights(h, data, 36), 1, &net, &err) == 0, "%s",
                err.message);
  ck_assert_float_eq(bovw_nn_net_find_param(net, "0.bias")->value[2], 9);
  bovw_nn_net_free(net);

  /* Every cut of the good file is refused. */
  unsigned char *good = (unsigned char *)test_read_text(test_path(dir, "bad.safetensors"));
  size_t total = 8 + strlen(h) + 36;
  for (size_t cut = 0; cut < total; cut++) {
    test_write(test_path(dir, "bad.safetensors"), good, cut);
    ck_assert_msg(bovw_nn_net_load(test_path(dir, "bad.safetensors"), 1, &net, &err) != 0,
                  "accepted a file cut at %zu of %zu bytes", cut, total);
  }
  free(good);

  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F16\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
           "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}", SPEC);
  expect_load_refused(write_weights(h, data, 36), "dtype F16");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
           "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}", SPEC);
  expect_load_refused(write_weights(h, data, 36), "0.weight: shape is not [3, 2]");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
           "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}}", SPEC);
  expect_load_refused(write_weights(h, data, 36), "overlap");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
           "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,40]}}", SPEC);
  expect_load_refused(write_weights(h, data, 36), "data_offsets");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}}", SPEC);
  expect_load_refused(write_weights(h, data, 24), "no tensor '0.bias'");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
           "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]},"
           "\"9.extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[36,40]}}", SPEC);
  expect_load_refused(write_weights(h, data, 40), "'9.extra' is not a parameter");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"%s\"},"
           "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
           "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}", SPEC);
  expect_load_refused(write_weights(h, data, 40), "40 bytes of data, but the tensors take 36");
  snprintf(h, sizeof h, "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}}");
  expect_load_refused(write_weights(h, data, 24), "no spec in __metadata__");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"spec\":\"input 2x1x1\\nfcc 3\\n\"}}");
  expect_load_refused(write_weights(h, data, 0), "__metadata__ spec):2: unknown layer");
  snprintf(h, sizeof h, "{\"__metadata__\":{\"format\":\"bovw-nn\",\"format_version\":\"2\","
           "\"spec\":\"%s\"}}", SPEC);
  expect_load_refused(write_weights(h, data, 0), "newer");
  expect_load_refused(write_weights("[1, 2]", data, 0), "not a JSON object");
  /* A header length that runs past the end of the file. */
  unsigned char lie[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
  test_write(test_path(dir, "bad.safetensors"), lie, 10);
  expect_load_refused(test_path(dir, "bad.safetensors"), "runs past the end");
}
END_TEST

/* ---- seeds, threads, training ------------------------------------------------ */

START_TEST(test_same_seed_same_weights) {
  bovw_nn_net *a = make_net(WHOLE_NET, 3, 42, 1), *b = make_net(WHOLE_NET, 3, 42, 2);
  bovw_nn_net *c = make_net(WHOLE_NET, 3, 43, 1);
  expect_same_params(a, b);
  ck_assert(params_differ(a, c));
  bovw_nn_net_free(a);
  bovw_nn_net_free(b);
  bovw_nn_net_free(c);
  /* He: standard deviation sqrt(2 / fan_in); Xavier: within sqrt(6 / (in + out)). */
  bovw_nn_net *net = make_net("input 64x3x3\nconv 100 3x3 pad=same\n"
                              "conv 50 3x3 init=xavier\n", 0, 1, 1);
  const bovw_nn_param *he = bovw_nn_net_find_param(net, "0.weight");
  double sq = 0;
  for (size_t i = 0; i < he->count; i++) sq += he->value[i] * he->value[i];
  ck_assert_double_eq_tol(sqrt(sq / he->count), sqrt(2.0 / (64 * 9)), 0.03 * sqrt(2.0 / (64 * 9)));
  const bovw_nn_param *xa = bovw_nn_net_find_param(net, "1.weight");
  double bound = sqrt(6.0 / (100 * 9 + 50 * 9)), top = 0;
  for (size_t i = 0; i < xa->count; i++) top = fmax(top, fabs(xa->value[i]));
  ck_assert_double_le(top, bound);
  ck_assert_double_gt(top, 0.95 * bound);
  ck_assert_float_eq(bovw_nn_net_find_param(net, "0.bias")->value[7], 0);
  bovw_nn_net_free(net);
}
END_TEST

/* Two epochs on 40 images of 16x16 with batch norm and dropout. */
static bovw_nn_net *train_a_little(uint64_t seed, int threads, int nesterov) {
  bovw_nn_net *net = make_net("input 1x16x16\n"
                              "conv 8 3x3 pad=same\nbn\nrelu\nmaxpool 2\n"
                              "conv 8 3x3 pad=same\nbn\nrelu\nglobalavgpool\n"
                              "dropout 0.2\nfc classes\nsoftmax\n",
                              3, seed, threads);
  float *x = uniform_values(40 * 256, 1);
  int32_t labels[40];
  for (int i = 0; i < 40; i++) labels[i] = i % 3;
  bovw_nn_sgd_options so = BOVW_NN_SGD_OPTIONS_DEFAULT;
  so.nesterov = nesterov;
  bovw_nn_sgd *sgd;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_sgd_new(net, &so, &sgd, &err), 0);
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  for (int epoch = 0; epoch < 2; epoch++)
    ck_assert_msg(bovw_nn_train_epoch(net, sgd, x, labels, 40, 16, 0.05, &rng, NULL,
                                      NULL, &err) == 0, "%s", err.message);
  bovw_nn_sgd_free(sgd);
  free(x);
  return net;
}

START_TEST(test_same_seed_same_training_result_any_thread_count) {
  bovw_nn_net *a = train_a_little(7, 1, 0), *b = train_a_little(7, 1, 0);
  bovw_nn_net *c = train_a_little(7, 2, 0), *d = train_a_little(8, 1, 0);
  bovw_nn_net *e = train_a_little(7, 1, 1);
  expect_same_params(a, b);
  expect_same_params(a, c);
  ck_assert(params_differ(a, d));
  ck_assert(params_differ(a, e));  /* Nesterov takes another path */
  bovw_nn_net_free(a);
  bovw_nn_net_free(b);
  bovw_nn_net_free(c);
  bovw_nn_net_free(d);
  bovw_nn_net_free(e);
}
END_TEST

START_TEST(test_dropout_masks_follow_the_seed) {
  float x[64];
  for (int i = 0; i < 64; i++) x[i] = 1;
  float first[64];
  bovw_nn_net *a = make_net("input 64x1x1\ndropout 0.5\n", 0, 1, 1);
  bovw_nn_net *b = make_net("input 64x1x1\ndropout 0.5\n", 0, 1, 1);
  bovw_nn_net *c = make_net("input 64x1x1\ndropout 0.5\n", 0, 2, 1);
  memcpy(first, forward(a, x, 1), sizeof first);
  ck_assert_mem_eq(forward(b, x, 1), first, sizeof first);
  ck_assert(memcmp(forward(c, x, 1), first, sizeof first));
  /* And a new mask every batch. */
  ck_assert(memcmp(forward(a, x, 1), first, sizeof first));
  bovw_nn_net_free(a);
  bovw_nn_net_free(b);
  bovw_nn_net_free(c);
}
END_TEST

START_TEST(test_epoch_order_follows_the_shuffle_seed) {
  float *x = uniform_values(24 * 4, 3);
  int32_t labels[24];
  for (int i = 0; i < 24; i++) labels[i] = i % 2;
  bovw_nn_net *nets[3];
  const uint64_t order_seeds[3] = {1, 1, 2};
  for (int k = 0; k < 3; k++) {
    nets[k] = make_net("input 4x1x1\nfc 2\nsoftmax\n", 0, 9, 1);
    bovw_nn_sgd *sgd;
    ck_assert_int_eq(bovw_nn_sgd_new(nets[k], NULL, &sgd, NULL), 0);
    bovw_rng rng;
    bovw_rng_seed(&rng, order_seeds[k]);
    bovw_nn_train_stats st;
    ck_assert_int_eq(bovw_nn_train_epoch(nets[k], sgd, x, labels, 24, 5, 0.1, &rng, NULL,
                                         &st, NULL), 0);
    ck_assert_uint_eq(st.count, 24);  /* every sample once, the last batch of 4 */
    bovw_nn_sgd_free(sgd);
  }
  expect_same_params(nets[0], nets[1]);
  ck_assert(params_differ(nets[0], nets[2]));  /* same weights, another order */
  for (int k = 0; k < 3; k++) bovw_nn_net_free(nets[k]);
  free(x);
}
END_TEST

START_TEST(test_threads_may_change_between_forward_and_backward) {
  /* Big enough for the convolution to run in parallel. */
  static const char SPEC[] = "input 2x16x16\nconv 8 3x3 pad=same\nrelu\nfc 3\n";
  float *x = uniform_values(16 * 512, 4), *g = uniform_values(16 * 3, 5);
  bovw_nn_net *a = make_net(SPEC, 0, 1, 1), *b = make_net(SPEC, 0, 1, 2);
  bovw_error err = {0};
  const float *din_a, *din_b;
  forward(a, x, 16);
  bovw_nn_net_set_threads(a, 2);
  ck_assert_msg(bovw_nn_net_backward(a, g, &din_a, &err) == 0, "%s", err.message);
  forward(b, x, 16);
  ck_assert_int_eq(bovw_nn_net_backward(b, g, &din_b, &err), 0);
  ck_assert_mem_eq(din_a, din_b, 16 * 512 * sizeof(float));
  for (size_t i = 0; i < bovw_nn_net_num_params(a); i++)
    ck_assert_mem_eq(bovw_nn_net_param(a, i)->grad, bovw_nn_net_param(b, i)->grad,
                     bovw_nn_net_param(a, i)->count * sizeof(float));
  /* The next forward uses the new setting, with the same result. */
  float out_a[16 * 3];
  memcpy(out_a, forward(a, x, 16), sizeof out_a);
  ck_assert_mem_eq(out_a, forward(b, x, 16), sizeof out_a);
  free(x);
  free(g);
  bovw_nn_net_free(a);
  bovw_nn_net_free(b);
}
END_TEST

START_TEST(test_tiny_cnn_learns_vertical_from_horizontal_stripes) {
  enum { TRAIN = 64, TEST = 64 };
  float *x = malloc(TRAIN * 64 * sizeof *x), *xt = malloc(TEST * 64 * sizeof *xt);
  int32_t y[TRAIN], yt[TEST];
  make_stripes(TRAIN, 1, x, y);
  make_stripes(TEST, 2, xt, yt);
  bovw_nn_net *net = make_net("input 1x8x8\nconv 4 3x3 pad=same\nrelu\nmaxpool 2\n"
                              "fc 2\nsoftmax\n", 0, 3, 1);
  bovw_nn_sgd *sgd;
  bovw_nn_sgd_options so = BOVW_NN_SGD_OPTIONS_DEFAULT;
  ck_assert_int_eq(bovw_nn_sgd_new(net, &so, &sgd, NULL), 0);
  bovw_rng rng;
  bovw_rng_seed(&rng, 5);
  bovw_nn_schedule schedule = {BOVW_NN_LR_COSINE, 0.05, 0, 0, 0, 50};
  bovw_nn_train_stats first, last, eval;
  bovw_error err = {0};
  for (int epoch = 0; epoch < 50; epoch++) {  /* 4 steps each: 200 steps */
    double lr = bovw_nn_schedule_lr(&schedule, epoch);
    ck_assert_msg(bovw_nn_train_epoch(net, sgd, x, y, TRAIN, 16, lr, &rng, NULL, &last,
                                      &err) == 0, "%s", err.message);
    if (epoch == 0) first = last;
  }
  ck_assert_double_lt(last.loss, first.loss / 4);
  ck_assert_int_eq(bovw_nn_evaluate(net, x, y, TRAIN, 32, NULL, &eval, &err), 0);
  ck_assert_msg(eval.correct == TRAIN, "%zu of %d training images right", eval.correct, TRAIN);
  int32_t predicted[TEST];
  ck_assert_int_eq(bovw_nn_evaluate(net, xt, yt, TEST, 32, predicted, &eval, &err), 0);
  ck_assert_msg(eval.correct >= TEST * 9 / 10, "%zu of %d new images right", eval.correct, TEST);
  size_t agree = 0;
  for (int i = 0; i < TEST; i++) agree += predicted[i] == yt[i];
  ck_assert_uint_eq(agree, eval.correct);
  bovw_nn_sgd_free(sgd);
  bovw_nn_net_free(net);
  free(x);
  free(xt);
}
END_TEST

START_TEST(test_sgd_updates_by_hand) {
  for (int nesterov = 0; nesterov <= 1; nesterov++) {
    bovw_nn_net *net = make_net("input 1x1x1\nfc 1\n", 0, 1, 1);
    bovw_nn_param *w = bovw_nn_net_find_param(net, "0.weight");
    bovw_nn_param *b = bovw_nn_net_find_param(net, "0.bias");
    w->value[0] = 1;
    b->value[0] = 0.5f;
    bovw_nn_sgd_options so = {0.9, nesterov, 0.1};
    bovw_nn_sgd *sgd;
    ck_assert_int_eq(bovw_nn_sgd_new(net, &so, &sgd, NULL), 0);
    w->grad[0] = 0.2f;
    b->grad[0] = -0.4f;
    bovw_nn_sgd_step(sgd, 0.5);
    /* g = 0.2 + 0.1 * 1 = 0.3, v = 0.3; the bias is not decayed. */
    ck_assert_double_eq_tol(w->value[0], nesterov ? 1 - 0.5 * (0.3 + 0.9 * 0.3) : 1 - 0.5 * 0.3,
                            1e-6);
    ck_assert_double_eq_tol(b->value[0], nesterov ? 0.5 + 0.5 * (0.4 + 0.9 * 0.4) : 0.5 + 0.5 * 0.4,
                            1e-6);
    if (!nesterov) {
      bovw_nn_sgd_step(sgd, 0.5);
      /* g = 0.2 + 0.1 * 0.85 = 0.285, v = 0.9 * 0.3 + 0.285 = 0.555 */
      ck_assert_double_eq_tol(w->value[0], 0.85 - 0.5 * 0.555, 1e-6);
    }
    bovw_nn_sgd_free(sgd);
    bovw_nn_net_free(net);
  }
  bovw_nn_net *net = make_net("input 1x1x1\nfc 1\n", 0, 1, 1);
  bovw_nn_sgd_options bad = {1.0, 0, 0};
  bovw_nn_sgd *sgd;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_sgd_new(net, &bad, &sgd, &err), BOVW_ERR_INVALID);
  bovw_nn_net_free(net);
}
END_TEST

START_TEST(test_learning_rate_schedules) {
  bovw_nn_schedule step = {BOVW_NN_LR_STEP, 0.1, 10, 0.1, 0, 0};
  ck_assert_ptr_null(bovw_nn_schedule_check(&step));
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&step, 0), 0.1, 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&step, 9), 0.1, 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&step, 10), 0.01, 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&step, 25), 0.001, 1e-12);
  bovw_nn_schedule cosine = {BOVW_NN_LR_COSINE, 0.1, 0, 0, 0.001, 10};
  ck_assert_ptr_null(bovw_nn_schedule_check(&cosine));
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&cosine, 0), 0.1, 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&cosine, 5), 0.001 + 0.5 * 0.099, 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&cosine, 2.5),
                          0.001 + 0.5 * 0.099 * (1 + cos(M_PI / 4)), 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&cosine, 10), 0.001, 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&cosine, 15), 0.001, 1e-12);  /* stays */
  bovw_nn_schedule constant = {BOVW_NN_LR_CONSTANT, 0.3, 0, 0, 0, 0};
  ck_assert_double_eq(bovw_nn_schedule_lr(&constant, 100), 0.3);
  bovw_nn_schedule bad = {BOVW_NN_LR_STEP, 0.1, 0, 0.1, 0, 0};
  ck_assert_ptr_nonnull(bovw_nn_schedule_check(&bad));
  bad = (bovw_nn_schedule){BOVW_NN_LR_COSINE, 0.1, 0, 0, 0.2, 10};
  ck_assert_ptr_nonnull(bovw_nn_schedule_check(&bad));
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_net");
  TCase *tc = tcase_create("nn_net");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_spec_parses_every_kind_and_prints_it_back);
  tcase_add_test(tc, test_spec_errors_name_the_line);
  tcase_add_test(tc, test_input_shape_and_classes_come_from_the_options);
  tcase_add_test(tc, test_shipped_models_build_with_the_expected_sizes);
  tcase_add_test(tc, test_summary_follows_the_formulas);
  tcase_add_test(tc, test_whole_net_gradients_match_finite_differences);
  tcase_add_test(tc, test_gradcheck_catches_a_gradient_one_percent_off);
  tcase_add_test(tc, test_backward_needs_a_forward_in_the_same_mode);
  tcase_add_test(tc, test_batchnorm_fold_gives_the_outputs_of_evaluation);
  tcase_add_test(tc, test_folded_net_matches_the_trained_one_within_1e5_relative);
  tcase_add_test(tc, test_fold_run_writes_a_net_folder_that_scores_alike);
  tcase_add_test(tc, test_save_load_round_trip_gives_identical_outputs);
  tcase_add_test(tc, test_weights_file_is_safetensors);
  tcase_add_test(tc, test_damaged_weights_files_are_refused);
  tcase_add_test(tc, test_same_seed_same_weights);
  tcase_add_test(tc, test_same_seed_same_training_result_any_thread_count);
  tcase_add_test(tc, test_threads_may_change_between_forward_and_backward);
  tcase_add_test(tc, test_dropout_masks_follow_the_seed);
  tcase_add_test(tc, test_epoch_order_follows_the_shuffle_seed);
  tcase_add_test(tc, test_tiny_cnn_learns_vertical_from_horizontal_stripes);
  tcase_add_test(tc, test_sgd_updates_by_hand);
  tcase_add_test(tc, test_learning_rate_schedules);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
