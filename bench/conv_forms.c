/* conv_forms.c: one 3x3 convolution (pad=same) computed by im2col + sgemm
 * and by the direct kernel (src/nn/conv_direct.c), timed in turns, A B A B
 * A, in CPU seconds of this process (getrusage: user + system), so that
 * other work on the machine, which stretches wall time, does not enter the
 * comparison (cpu.h). The rule in layer_conv.c (DIRECT_MAX_IN) comes from this.
 *
 *   conv_forms [--in CxHxW] [--out C_OUT] [--batch 64] [-j THREADS]
 *              [--steps 200] [--rounds 5] [--din]
 *
 * Defaults: the first layer of models/fmnist-cnn.cfg (1x28x28 -> 32) at
 * batch 64 on 1 thread. Each round runs STEPS forward passes in training
 * mode, then STEPS backward passes (the weight and bias gradients; with
 * --din the input gradient too, which a first layer does not need). One
 * line per round:
 *   conv_forms im2col forward_ms 1.234 backward_ms 2.345 forward_gflops 23.4 backward_gflops 24.5
 * (milliseconds of CPU per batch; 2 flops per multiply-add, the backward's
 * weight gradient 2, its input gradient 2 more). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/nn.h"
#include "bovw/rng.h"
#include "nn/internal.h"
#include "cpu.h"

static int usage(void) {
  fprintf(stderr,
          "usage: conv_forms [--in CxHxW] [--out C_OUT] [--batch 64] [-j THREADS] "
          "[--steps 200] [--rounds 5] [--din]\n");
  return 2;
}

static bovw_nn_net *make(const char *text, int threads, int form, bovw_error *err) {
  bovw_nn_spec *spec = NULL;
  bovw_nn_net *net = NULL;
  bovw_nn_net_options opt = BOVW_NN_NET_OPTIONS_DEFAULT;
  opt.threads = threads;
  int rc = bovw_nn_spec_parse(text, "conv_forms", &spec, err) ||
           bovw_nn_net_new(spec, &opt, &net, err) ||
           nn_conv_force_form(nn_net_layer(net, 0), form, err);
  bovw_nn_spec_free(spec);
  if (rc) {
    bovw_nn_net_free(net);
    return NULL;
  }
  return net;
}

int main(int argc, char **argv) {
  const char *in_shape = "1x28x28";
  int out = 32, batch = 64, threads = 1, steps = 200, rounds = 5, din = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const int more = i + 1 < argc;
    if (!strcmp(a, "--in") && more) in_shape = argv[++i];
    else if (!strcmp(a, "--out") && more) out = atoi(argv[++i]);
    else if (!strcmp(a, "--batch") && more) batch = atoi(argv[++i]);
    else if (!strcmp(a, "-j") && more) threads = atoi(argv[++i]);
    else if (!strcmp(a, "--steps") && more) steps = atoi(argv[++i]);
    else if (!strcmp(a, "--rounds") && more) rounds = atoi(argv[++i]);
    else if (!strcmp(a, "--din")) din = 1;
    else return usage();
  }
  if (out <= 0 || batch <= 0 || threads <= 0 || steps <= 0 || rounds <= 0) return usage();
  char text[128];
  snprintf(text, sizeof text, "input %s\nconv %d 3x3 pad=same\n", in_shape, out);

  bovw_error err;
  const int forms[2] = {NN_CONV_IM2COL, NN_CONV_DIRECT};
  const char *names[2] = {"im2col", "direct"};
  bovw_nn_net *net[2];
  for (int f = 0; f < 2; f++)
    if (!(net[f] = make(text, threads, forms[f], &err))) {
      fprintf(stderr, "conv_forms: %s\n", err.message);
      return 1;
    }
  if (!nn_conv_is_direct(nn_net_layer(net[1], 0))) {
    fprintf(stderr, "conv_forms: the direct kernel does not fit input %s\n", in_shape);
    return 1;
  }
  const size_t n_in = (size_t)batch * bovw_nn_net_input_size(net[0]);
  const size_t n_out = (size_t)batch * bovw_nn_net_output_size(net[0]);
  float *x = malloc(n_in * sizeof *x), *g = malloc(n_out * sizeof *g);
  if (!x || !g) {
    fprintf(stderr, "conv_forms: out of memory for a batch of %d\n", batch);
    return 1;
  }
  bovw_rng rng;
  bovw_rng_seed(&rng, 1);
  for (size_t i = 0; i < n_in; i++) x[i] = (float)bovw_rng_normal(&rng);
  for (size_t i = 0; i < n_out; i++) g[i] = (float)bovw_rng_normal(&rng);

  const nn_layer *l = nn_net_layer(net[0], 0);
  const double macs = (double)nn_out_size(l) * l->in_c * 9 * batch;
  for (int r = 0; r < rounds; r++) {
    bovw_nn_net *n = net[r % 2];
    const float *y, *gi;
    int rc = bovw_nn_net_forward(n, x, batch, &y, &err);
    double start = bench_cpu_seconds();
    for (int s = 0; s < steps && !rc; s++) rc = bovw_nn_net_forward(n, x, batch, &y, &err);
    const double fw = (bench_cpu_seconds() - start) / steps;
    start = bench_cpu_seconds();
    for (int s = 0; s < steps && !rc; s++)
      rc = bovw_nn_net_backward(n, g, din ? &gi : NULL, &err);
    const double bw = (bench_cpu_seconds() - start) / steps;
    if (rc) {
      fprintf(stderr, "conv_forms: %s\n", err.message);
      return 1;
    }
    printf("conv_forms %s forward_ms %.3f backward_ms %.3f forward_gflops %.1f "
           "backward_gflops %.1f\n",
           names[r % 2], 1e3 * fw, 1e3 * bw, 2 * macs / fw / 1e9,
           (din ? 4 : 2) * macs / bw / 1e9);
  }
  bovw_nn_net_free(net[0]);
  bovw_nn_net_free(net[1]);
  free(x);
  free(g);
  return 0;
}
