/* spec.c: fuzz target of the network spec parser (bovw_nn_spec_parse: nn
 * summary, nn train and every weights file's spec). A spec it accepts
 * prints back (bovw_nn_spec_to_text, the text a weights file keeps) as a
 * spec that parses to the same layers, and a network of its shapes is made
 * or refused with a message, never more (shapes only: no weights). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/nn.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  bovw_nn_spec *spec = NULL, *again = NULL;
  bovw_error err;
  if (fuzz_result(bovw_nn_spec_parse(text, "fuzz.cfg", &spec, &err), &err) == BOVW_OK) {
    char *printed = NULL;
    FUZZ_ASSERT(bovw_nn_spec_to_text(spec, &printed, &err) == BOVW_OK, "the spec prints");
    int rc = bovw_nn_spec_parse(printed, "printed", &again, &err);
    if (rc) fprintf(stderr, "%s\n--- printed as ---\n%s\n", err.message, printed);
    FUZZ_ASSERT(rc == BOVW_OK, "the printed spec parses");
    FUZZ_ASSERT(again->num_layers == spec->num_layers && again->input_c == spec->input_c &&
                    again->input_h == spec->input_h && again->input_w == spec->input_w,
                "the printed spec has the same input and layers");
    for (int i = 0; i < spec->num_layers; i++) {
      bovw_nn_layer_spec a = spec->layers[i], b = again->layers[i];
      a.line = b.line = 0;
      FUZZ_ASSERT(a.kind == b.kind && a.units == b.units && a.kernel_h == b.kernel_h &&
                      a.kernel_w == b.kernel_w && a.stride_h == b.stride_h &&
                      a.stride_w == b.stride_w && a.pad == b.pad && a.bias == b.bias,
                  "each printed layer is the same layer");
    }
    free(printed);
    bovw_nn_net_options opt = BOVW_NN_NET_OPTIONS_DEFAULT;
    opt.classes = 10;
    opt.threads = 1;
    opt.shapes_only = 1;
    bovw_nn_net *net = NULL;
    if (bovw_nn_net_new(spec, &opt, &net, &err) == BOVW_OK) {
      bovw_nn_summary *s = NULL;
      if (bovw_nn_summary_new(net, &s, &err) == BOVW_OK)
        FUZZ_ASSERT(s->total_params >= 0 && s->total_macs >= 0, "counts that do not wrap");
      bovw_nn_summary_free(s);
    }
    bovw_nn_net_free(net);
  }
  bovw_nn_spec_free(spec);
  bovw_nn_spec_free(again);
  free(text);
  fuzz_end();
  return 0;
}
