/* summary.c: per layer the output shape, trainable parameters,
 * multiply-accumulates, FLOPs and receptive field, and their totals. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "nn/internal.h"

/* Multiply-accumulates of one sample through a conv or fc layer: each of the
 * C_out D_out H_out W_out outputs is a dot product of C_in K_d K_h K_w terms
 * (2-D: D_out = K_d = 1; 1-D: H_out = K_h = 1 too, L_out and K being W_out
 * and K_w; fc: a 1x1 output of in terms). FLOPs count the multiply and the
 * add: 2 MACs. */
static int64_t layer_macs(const nn_layer *l) {
  const int kernel_d = l->spec.kind == BOVW_NN_CONV3D ? l->spec.kernel_d : 1;
  if (l->spec.kind == BOVW_NN_CONV || l->spec.kind == BOVW_NN_CONV1D ||
      l->spec.kind == BOVW_NN_CONV3D)
    return (int64_t)l->out_c * (int64_t)nn_out_area(l) * l->in_c * kernel_d *
           l->spec.kernel_h * l->spec.kernel_w;
  if (l->spec.kind == BOVW_NN_FC) return (int64_t)nn_in_size(l) * l->out_c;
  return 0;
}

/* A receptive field or jump held at INT_MAX once it passes it: strides
 * multiply, so twenty layers of stride 3 overflow an int (found by the spec
 * fuzz target); a field that large covers any input anyway. */
static int saturated(int64_t v) { return v > INT_MAX ? INT_MAX : (int)v; }

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
  s->input_dims = spec->input_dims;
  s->input_d = spec->input_d;
  s->num_rows = spec->num_layers;
  int c = spec->input_c, d = spec->input_d, h = spec->input_h, w = spec->input_w;
  /* Receptive field r and jump j (input pixels between neighbouring
   * outputs), after Araujo, Norris, Sim, "Computing receptive fields of
   * convolutional neural networks" (Distill 2019), eq. 1-2:
   *   r_l = r_{l-1} + (k_l - 1) j_{l-1},   j_l = j_{l-1} s_l.
   * A layer that sees every input position (fc, globalavgpool) has r = 0
   * here: all of the input. Per axis: a 1-D layer's kernel is 1 x K and a
   * 2-D layer's depth is 1, so the axes a layer does not have keep r and j. */
  int rf_d = 1, rf_h = 1, rf_w = 1, jump_d = 1, jump_h = 1, jump_w = 1, global = 0;
  for (int i = 0; i < spec->num_layers; i++) {
    bovw_nn_summary_row *row = &s->rows[i];
    row->index = i;
    row->kind = spec->layers[i].kind;
    bovw_nn_layer_spec_format(&spec->layers[i], 0, row->text, sizeof row->text);
    if (i < nn_net_num_layers(net)) {
      const nn_layer *l = nn_net_layer(self, i);
      c = l->out_c;
      d = l->out_d;
      h = l->out_h;
      w = l->out_w;
      for (int k = 0; k < l->num_params; k++)
        if (l->params[k].trainable) row->params += (int64_t)l->params[k].count;
      row->macs = layer_macs(l);
      row->flops = 2 * row->macs;
      if (l->spec.kind == BOVW_NN_FC || l->spec.kind == BOVW_NN_GLOBALAVGPOOL) {
        global = 1;
      } else if (bovw_nn_kind_dims(l->spec.kind)) {
        if (bovw_nn_kind_dims(l->spec.kind) == 3) {
          rf_d = saturated(rf_d + (int64_t)(l->spec.kernel_d - 1) * jump_d);
          jump_d = saturated((int64_t)jump_d * l->spec.stride_d);
        }
        rf_h = saturated(rf_h + (int64_t)(l->spec.kernel_h - 1) * jump_h);
        rf_w = saturated(rf_w + (int64_t)(l->spec.kernel_w - 1) * jump_w);
        jump_h = saturated((int64_t)jump_h * l->spec.stride_h);
        jump_w = saturated((int64_t)jump_w * l->spec.stride_w);
      }
    }
    row->c = c;
    row->d = d;
    row->h = h;
    row->w = w;
    row->rf_d = global ? 0 : rf_d;
    row->rf_h = global ? 0 : rf_h;
    row->rf_w = global ? 0 : rf_w;
    row->jump_d = jump_d;
    row->jump_h = jump_h;
    row->jump_w = jump_w;
    s->total_params += row->params;
    s->total_macs += row->macs;
    s->total_flops += row->flops;
    if (i < nn_net_num_layers(net)) s->activations += (int64_t)c * d * h * w;
  }
  *out = s;
  return BOVW_OK;
}

void bovw_nn_summary_free(bovw_nn_summary *self) {
  if (!self) return;
  free(self->rows);
  free(self);
}
