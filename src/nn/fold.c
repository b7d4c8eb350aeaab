/* fold.c: batch norm folded into the conv or fc layer before it, for
 * inference. In evaluation mode batch norm is an affine map per channel,
 *   y = s (x - mean) + beta,  s = gamma / sqrt(var + eps),
 * so a linear layer z = W x + b followed by it is one linear layer with
 *   W' = s W (row c scaled by s_c),  b' = s (b - mean) + beta
 * (Jacob et al., "Quantization and training of neural networks for
 * efficient integer-arithmetic-only inference", CVPR 2018, section 3.2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

static int is_linear(bovw_nn_kind kind) {
  return kind == BOVW_NN_CONV || kind == BOVW_NN_CONV1D || kind == BOVW_NN_CONV3D ||
         kind == BOVW_NN_FC;
}

int bovw_nn_net_fold_batchnorm(const bovw_nn_net *self, bovw_nn_net **out,
                               int *folded, bovw_error *err) {
  bovw_nn_net *src = (bovw_nn_net *)self;  /* read only */
  const bovw_nn_spec *spec = bovw_nn_net_spec(self);
  const int n = nn_net_num_layers(self);
  *out = NULL;
  if (folded) *folded = 0;
  /* target[i]: the index of old layer i in the new net, -1 when folded. */
  int *target = malloc((size_t)(n ? n : 1) * sizeof *target);
  bovw_nn_spec *small = bovw_nn_spec_copy(spec);
  if (!target || !small) {
    free(target);
    bovw_nn_spec_free(small);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  int kept = 0, count = 0;
  for (int i = 0; i < spec->num_layers; i++) {
    const bovw_nn_layer_spec *l = &spec->layers[i];
    if (l->kind == BOVW_NN_BATCHNORM && i > 0 && is_linear(spec->layers[i - 1].kind)) {
      target[i] = -1;
      small->layers[kept - 1].bias = 1;  /* the folded layer needs a bias */
      count++;
      continue;
    }
    if (i < n) target[i] = kept;
    small->layers[kept++] = *l;
  }
  small->num_layers = kept;
  bovw_nn_net_options opt = BOVW_NN_NET_OPTIONS_DEFAULT;
  opt.threads = nn_net_threads(self);
  bovw_nn_net *net;
  int rc = bovw_nn_net_new(small, &opt, &net, err);
  bovw_nn_spec_free(small);
  if (rc) {
    free(target);
    return rc;
  }
  for (int i = 0; i < n; i++) {
    if (target[i] < 0) continue;
    nn_layer *from = nn_net_layer(src, i), *to = nn_net_layer(net, target[i]);
    for (int k = 0; k < from->num_params; k++)
      memcpy(to->params[k].value, from->params[k].value,
             from->params[k].count * sizeof(float));
    if (!(i + 1 < n && target[i + 1] < 0)) continue;
    /* Fold layer i + 1 (batch norm) into this one. */
    const nn_layer *bn = nn_net_layer(src, i + 1);
    const float *gamma = bn->params[0].value, *beta = bn->params[1].value;
    const float *mean = bn->params[2].value, *var = bn->params[3].value;
    const int channels = to->out_c;
    const size_t row = to->params[0].count / (size_t)channels;
    float *w = to->params[0].value, *b = to->params[1].value;
    for (int c = 0; c < channels; c++) {
      double s = gamma[c] / sqrt((double)var[c] + bn->spec.eps);
      double bias = from->num_params > 1 ? from->params[1].value[c] : 0.0;
      for (size_t k = 0; k < row; k++) w[c * row + k] = (float)(w[c * row + k] * s);
      b[c] = (float)((bias - mean[c]) * s + beta[c]);
    }
  }
  free(target);
  bovw_nn_net_set_training(net, 0);
  nn_net_set_lean(net, 1);
  if (folded) *folded = count;
  *out = net;
  return BOVW_OK;
}
