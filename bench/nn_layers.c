/* nn_layers.c: where a training step of a network spends its time, layer by
 * layer, on random data held in memory (no decoding, no shuffling): the
 * profile behind bench/nn.sh's per-layer table.
 *
 *   nn_layers SPEC.cfg [--batch 64] [-j THREADS] [--steps 100] [--classes 10]
 *             [--peak GFLOPS] [--images 60000] [--forms]
 *
 * Runs 5 warm-up steps, then STEPS training steps (forward in training mode,
 * softmax cross-entropy, backward, SGD) on one batch of standard normal
 * inputs with labels drawn at random; then the same net with its batch
 * norms folded (as `bovw nn eval` scores) runs STEPS forward passes in
 * evaluation mode. Prints a Markdown table, one row per layer: milliseconds
 * per batch forward and backward (a batch-norm block's under its batch
 * norm, a first convolution's run as one with its block under the
 * convolution), the share of the step, and for conv and
 * fc layers the GFLOP/s of their products (forward 2 MACs per sample;
 * backward 2 MACs for the weight gradient, 2 more for the input gradient
 * when it is computed: not for the first layer). Then the totals: a step's
 * wall time, training images/s, the seconds an epoch of IMAGES images takes
 * at that rate, the products' GFLOP/s over the whole step, that as a share
 * of PEAK (bench/sgemm's figure at the same thread count) when given, and
 * inference images/s. With --forms, the folded net's inference again with
 * its rectifiers and max pools as layers and as one pass (the lean net of
 * src/nn/net.c), in turns, A B A B A, in CPU seconds (cpu.h): one line per
 * round, "inference layers|fused cpu_ms X images_per_cpu_second Y". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/nn.h"
#include "bovw/rng.h"
#include "io/runtime.h"
#include "nn/internal.h"
#include "cpu.h"

static int usage(void) {
  fprintf(stderr,
          "usage: nn_layers SPEC.cfg [--batch 64] [-j THREADS] [--steps 100] "
          "[--classes 10] [--peak GFLOPS] [--images 60000] [--forms]\n");
  return 2;
}

static double per_sample_macs(const nn_layer *l) {
  const bovw_nn_kind k = l->spec.kind;
  if (k == BOVW_NN_FC) return (double)nn_in_size(l) * l->out_c;
  if (k == BOVW_NN_CONV || k == BOVW_NN_CONV1D || k == BOVW_NN_CONV3D)
    return (double)nn_out_size(l) * l->in_c * l->spec.kernel_h * l->spec.kernel_w *
           (k == BOVW_NN_CONV3D ? l->spec.kernel_d : 1);
  return 0;
}

int main(int argc, char **argv) {
  const char *spec_path = NULL;
  int batch = 64, threads = 2, steps = 100, classes = 10;
  double peak = 0, images = 60000;
  int forms = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const int more = i + 1 < argc;
    if (!strcmp(a, "--batch") && more) batch = atoi(argv[++i]);
    else if (!strcmp(a, "-j") && more) threads = atoi(argv[++i]);
    else if (!strcmp(a, "--steps") && more) steps = atoi(argv[++i]);
    else if (!strcmp(a, "--classes") && more) classes = atoi(argv[++i]);
    else if (!strcmp(a, "--peak") && more) peak = atof(argv[++i]);
    else if (!strcmp(a, "--images") && more) images = atof(argv[++i]);
    else if (!strcmp(a, "--forms")) forms = 1;
    else if (a[0] != '-' && !spec_path) spec_path = a;
    else return usage();
  }
  if (!spec_path || batch <= 0 || steps <= 0 || classes <= 0) return usage();

  bovw_error err;
  bovw_nn_spec *spec = NULL;
  bovw_nn_net *net = NULL, *folded = NULL;
  bovw_nn_sgd *sgd = NULL;
  bovw_nn_net_options opt = BOVW_NN_NET_OPTIONS_DEFAULT;
  opt.classes = classes;
  opt.threads = threads;
  if (bovw_nn_spec_read(spec_path, &spec, &err) || bovw_nn_net_new(spec, &opt, &net, &err) ||
      bovw_nn_sgd_new(net, NULL, &sgd, &err)) {
    fprintf(stderr, "nn_layers: %s: %s\n", spec_path, err.message);
    return 1;
  }
  const size_t in_size = bovw_nn_net_input_size(net);
  const int outputs = (int)bovw_nn_net_output_size(net);
  float *x = malloc((size_t)batch * in_size * sizeof *x);
  int32_t *labels = malloc((size_t)batch * sizeof *labels);
  if (!x || !labels) {
    fprintf(stderr, "nn_layers: out of memory for a batch of %d\n", batch);
    return 1;
  }
  bovw_rng rng;
  bovw_rng_seed(&rng, 1);
  for (size_t i = 0; i < (size_t)batch * in_size; i++) x[i] = (float)bovw_rng_normal(&rng);
  for (int b = 0; b < batch; b++) labels[b] = (int32_t)(bovw_rng_uniform(&rng) * outputs);

  /* Training steps; a small rate keeps the weights near where they start. */
  int rc = 0;
  for (int s = 0; s < 5 && !rc; s++)
    rc = bovw_nn_train_step(net, sgd, x, labels, batch, 1e-3, NULL, &err);
  nn_net_reset_seconds(net);
  const double start = bovw_now();
  for (int s = 0; s < steps && !rc; s++)
    rc = bovw_nn_train_step(net, sgd, x, labels, batch, 1e-3, NULL, &err);
  const double step = (bovw_now() - start) / steps;
  if (rc) {
    fprintf(stderr, "nn_layers: %s\n", err.message);
    return 1;
  }

  const int layers = nn_net_num_layers(net);
  double flops = 0;
  printf("| # | layer | forward ms | backward ms | share of a step | product GFLOP/s |\n");
  printf("| --- | --- | --- | --- | --- | --- |\n");
  for (int i = 0; i < layers; i++) {
    const nn_layer *l = nn_net_layer(net, i);
    double fw, bw;
    nn_net_layer_seconds(net, i, &fw, &bw);
    fw /= steps;
    bw /= steps;
    const double macs = per_sample_macs(l) * batch;
    const double layer_flops = 2 * macs + (i > 0 ? 4 : 2) * macs;
    flops += layer_flops;
    char text[160], rate[32] = "";
    bovw_nn_layer_spec_format(&l->spec, 0, text, sizeof text);
    if (macs > 0) snprintf(rate, sizeof rate, "%.1f", layer_flops / (fw + bw) / 1e9);
    printf("| %d | %s | %.3f | %.3f | %.1f%% | %s |\n", i, text, 1e3 * fw, 1e3 * bw,
           100 * (fw + bw) / step, rate);
  }
  const double rate = flops / step / 1e9;
  printf("\nthreads %d batch %d: a training step %.3f ms, %.0f images/s, %.2f s per epoch of "
         "%.0f images, products %.1f GFLOP/s",
         threads, batch, 1e3 * step, batch / step, images / batch * step, images, rate);
  if (peak > 0) printf(" (%.1f%% of %.1f GFLOP/s)", 100 * rate / peak, peak);
  printf("\n");

  /* Inference as `bovw nn eval` runs it: batch norms folded. */
  if (bovw_nn_net_fold_batchnorm(net, &folded, NULL, &err)) {
    fprintf(stderr, "nn_layers: %s\n", err.message);
    return 1;
  }
  bovw_nn_net_set_training(folded, 0);
  for (int s = 0; s < 5 && !rc; s++) rc = bovw_nn_net_forward(folded, x, batch, NULL, &err);
  const double eval_start = bovw_now();
  for (int s = 0; s < steps && !rc; s++) rc = bovw_nn_net_forward(folded, x, batch, NULL, &err);
  const double eval = (bovw_now() - eval_start) / steps;
  if (rc) {
    fprintf(stderr, "nn_layers: %s\n", err.message);
    return 1;
  }
  printf("inference (batch norm folded): %.3f ms per batch, %.0f images/s\n", 1e3 * eval,
         batch / eval);
  for (int r = 0; forms && r < 5 && !rc; r++) {
    nn_net_set_lean(folded, r % 2);
    const double cpu_start = bench_cpu_seconds();
    for (int s = 0; s < steps && !rc; s++) rc = bovw_nn_net_forward(folded, x, batch, NULL, &err);
    const double cpu = (bench_cpu_seconds() - cpu_start) / steps;
    if (!rc)
      printf("inference %s cpu_ms %.3f images_per_cpu_second %.0f\n", r % 2 ? "fused" : "layers",
             1e3 * cpu, batch / cpu);
  }
  if (rc) {
    fprintf(stderr, "nn_layers: %s\n", err.message);
    return 1;
  }
  bovw_nn_net_free(folded);
  bovw_nn_sgd_free(sgd);
  bovw_nn_net_free(net);
  bovw_nn_spec_free(spec);
  free(x);
  free(labels);
  return 0;
}
