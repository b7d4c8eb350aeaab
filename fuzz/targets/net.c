/* net.c: fuzz target of the net folder reader (bovw_nn_model_open: nn eval,
 * nn fold and nn summary open it). Input: meta.json, weights.safetensors,
 * cut as fuzz.h says. What it accepts has one normalisation value per input
 * channel, a deviation above 0 each, and a name per class. */
#include <string.h>

#include "bovw/nn.h"
#include "fuzz.h"

static const char *const FILES[] = {"meta.json", "weights.safetensors"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = fuzz_write_folder(data, size, FILES, sizeof FILES / sizeof FILES[0]);
  bovw_nn_model *m = NULL;
  bovw_error err;
  if (fuzz_result(bovw_nn_model_open(dir, 1, &m, &err), &err) == BOVW_OK) {
    const bovw_nn_spec *spec = bovw_nn_net_spec(m->net);
    FUZZ_ASSERT(m->norm.channels == spec->input_c, "one normalisation value per channel");
    for (int c = 0; c < m->norm.channels; c++)
      FUZZ_ASSERT(m->norm.std[c] > 0, "every deviation above 0");
    for (size_t c = 0; c < m->num_classes; c++)
      fuzz_touch(m->class_names[c], strlen(m->class_names[c]));
  }
  bovw_nn_model_free(m);
  fuzz_end();
  return 0;
}
