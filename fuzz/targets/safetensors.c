/* safetensors.c: fuzz target of the weights reader (bovw_nn_net_load: a
 * net folder's weights.safetensors), through a file as the stages read it.
 * What it accepts is a network whose every parameter holds its values. */
#include "bovw/nn.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_one("weights.safetensors", data, size);
  bovw_nn_net *net = NULL;
  bovw_error err;
  if (fuzz_result(bovw_nn_net_load(path, 1, &net, &err), &err) == BOVW_OK) {
    for (size_t i = 0; i < bovw_nn_net_num_params(net); i++) {
      const bovw_nn_param *p = bovw_nn_net_param(net, i);
      fuzz_touch(p->value, p->count * sizeof *p->value);
    }
  }
  bovw_nn_net_free(net);
  fuzz_end();
  return 0;
}
