/* summary.c: per layer the output shape, trainable parameters,
 * multiply-accumulates, FLOPs and receptive field, and their totals. */
#include <stdlib.h>

#include "nn/internal.h"

/* Multiply-accumulates of one sample through a conv or fc layer: each of the
 * C_out H_out W_out outputs is a dot product of C_in K_h K_w terms (fc: a
 * 1x1 output of in terms). FLOPs count the multiply and the add: 2 MACs. */
static int64_t layer_macs(const nn_layer *l) {
  if (l->spec.kind == BOVW_NN_CONV)
    return (int64_t)l->out_c * l->out_h * l->out_w * l->in_c * l->spec.kernel_h *
           l->spec.kernel_w;
  if (l->spec.kind == BOVW_NN_FC) return (int64_t)nn_in_size(l) * l->out_c;
  return 0;
}

int bovw_nn_summary_new(const bovw_nn_net *net, bovw_nn_summary **out,
                        bovw_error *err) {
  bovw_nn_net *self = (bovw_nn_net *)net;  /* read only */
  const bovw_nn_spec *spec = bovw_nn_net_spec(net);
  *out = NULL;
  bovw_nn_summary *s = calloc(1, sizeof *s);
  if (!s || !(s->rows = calloc((size_t)spec->num_layers, sizeof *s->rows))) {
    free(s);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  s->input_c = spec->input_c;
  s->input_h = spec->input_h;
  s->input_w = spec->input_w;
  s->num_rows = spec->num_layers;
  int c = spec->input_c, h = spec->input_h, w = spec->input_w;
  /* Receptive field r and jump j (input pixels between neighbouring
   * outputs), after Araujo, Norris, Sim, "Computing receptive fields of
   * convolutional neural networks" (Distill 2019), eq. 1-2:
   *   r_l = r_{l-1} + (k_l - 1) j_{l-1},   j_l = j_{l-1} s_l.
   * A layer that sees every input position (fc, globalavgpool) has r = 0
   * here: all of the input. */
  int rf_h = 1, rf_w = 1, jump_h = 1, jump_w = 1, global = 0;
  for (int i = 0; i < spec->num_layers; i++) {
    bovw_nn_summary_row *row = &s->rows[i];
    row->index = i;
    row->kind = spec->layers[i].kind;
    bovw_nn_layer_spec_format(&spec->layers[i], 0, row->text, sizeof row->text);
    if (i < nn_net_num_layers(net)) {
      const nn_layer *l = nn_net_layer(self, i);
      c = l->out_c;
      h = l->out_h;
      w = l->out_w;
      for (int k = 0; k < l->num_params; k++)
        if (l->params[k].trainable) row->params += (int64_t)l->params[k].count;
      row->macs = layer_macs(l);
      row->flops = 2 * row->macs;
      switch (l->spec.kind) {
        case BOVW_NN_CONV:
        case BOVW_NN_MAXPOOL:
        case BOVW_NN_AVGPOOL:
          rf_h += (l->spec.kernel_h - 1) * jump_h;
          rf_w += (l->spec.kernel_w - 1) * jump_w;
          jump_h *= l->spec.stride_h;
          jump_w *= l->spec.stride_w;
          break;
        case BOVW_NN_FC:
        case BOVW_NN_GLOBALAVGPOOL:
          global = 1;
          break;
        default:
          break;
      }
    }
    row->c = c;
    row->h = h;
    row->w = w;
    row->rf_h = global ? 0 : rf_h;
    row->rf_w = global ? 0 : rf_w;
    row->jump_h = jump_h;
    row->jump_w = jump_w;
    s->total_params += row->params;
    s->total_macs += row->macs;
    s->total_flops += row->flops;
    if (i < nn_net_num_layers(net)) s->activations += (int64_t)c * h * w;
  }
  *out = s;
  return BOVW_OK;
}

void bovw_nn_summary_free(bovw_nn_summary *self) {
  if (!self) return;
  free(self->rows);
  free(self);
}
