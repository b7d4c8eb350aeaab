/* activations.c: the engine's activation layers applied to a row of
 * numbers, forward and backward, so that their curves and derivatives can
 * be drawn from the very code that trains (`bovw nn activations`). */
#include <stdlib.h>

#include "nn/internal.h"

int bovw_nn_activation_eval(bovw_nn_kind kind, double slope, const float *x, size_t n,
                            float *y, float *dy, bovw_error *err) {
  if (kind != BOVW_NN_RELU && kind != BOVW_NN_LEAKYRELU && kind != BOVW_NN_SIGMOID)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s is not an activation (relu, leakyrelu, "
                                                 "sigmoid)", bovw_nn_kind_name(kind));
  if (n == 0 || n > 1000000)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%zu inputs: from 1 to 1000000", n);
  /* A net of that one layer over samples of 1x1x1, the batch being the
   * inputs; the backward pass of d(sum y)/dy = 1 gives f'(x) per input. */
  bovw_nn_layer_spec layer;
  bovw_nn_layer_spec_default(&layer, kind);
  if (kind == BOVW_NN_LEAKYRELU) layer.slope = slope;
  bovw_nn_spec spec = {0};
  spec.input_c = spec.input_h = spec.input_w = 1;
  spec.num_layers = 1;
  spec.layers = &layer;
  bovw_nn_net_options no = BOVW_NN_NET_OPTIONS_DEFAULT;
  no.threads = 1;
  bovw_nn_net *net = NULL;
  const float *out = NULL, *din = NULL;
  float *ones = malloc(n * sizeof *ones);
  int rc = ones ? bovw_nn_net_new(&spec, &no, &net, err)
                : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) {
    bovw_nn_net_set_training(net, 0);
    rc = bovw_nn_net_forward(net, x, (int)n, &out, err);
  }
  if (!rc) {
    for (size_t i = 0; i < n; i++) y[i] = out[i];
    for (size_t i = 0; i < n; i++) ones[i] = 1.0f;
    rc = bovw_nn_net_backward(net, ones, &din, err);
  }
  if (!rc)
    for (size_t i = 0; i < n; i++) dy[i] = din[i];
  free(ones);
  bovw_nn_net_free(net);
  return rc;
}
