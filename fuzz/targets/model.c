/* model.c: fuzz target of the model folder reader (bovw_model_open: eval,
 * predict and merge open it), linear or knn. Input: meta.json, weights.npy,
 * biases.npy, train_encodings.npy, train_labels.npy, cut as fuzz.h says.
 * What it accepts holds the arrays its sizes give, and knn labels name
 * classes. */
#include <string.h>

#include "bovw/classify.h"
#include "fuzz.h"

static const char *const FILES[] = {"meta.json", "weights.npy", "biases.npy",
                                    "train_encodings.npy", "train_labels.npy"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = fuzz_write_folder(data, size, FILES, sizeof FILES / sizeof FILES[0]);
  bovw_model *m = NULL;
  bovw_error err;
  if (fuzz_result(bovw_model_open(dir, &m, &err), &err) == BOVW_OK) {
    for (size_t c = 0; m->class_names && c < m->num_classes; c++)
      fuzz_touch(m->class_names[c], strlen(m->class_names[c]));
    if (m->knn) {
      fuzz_touch(m->train_x, m->train_count * m->dim * sizeof(float));
      for (size_t i = 0; i < m->train_count; i++)
        FUZZ_ASSERT(m->train_labels[i] >= 0 && (size_t)m->train_labels[i] < m->num_classes,
                    "every training label names a class");
    } else {
      fuzz_touch(m->weights, m->num_classes * m->dim * sizeof(float));
      fuzz_touch(m->biases, m->num_classes * sizeof(float));
    }
  }
  bovw_model_free(m);
  fuzz_end();
  return 0;
}
