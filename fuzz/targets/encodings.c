/* encodings.c: fuzz target of the encodings reader, dense or codes
 * (bovw_encodings_open_any: train, eval, nn train and nn eval open it).
 * Input: meta.json, encodings.npy, labels.npy, codes.npy, centroids.npy,
 * cut as fuzz.h says. Rows of what it accepts are read (decoded, for codes)
 * as the solvers read them; the settings `encode --like` takes are read too. */
#include <stdlib.h>
#include <string.h>

#include "bovw/encode.h"
#include "fuzz.h"

static const char *const FILES[] = {"meta.json", "encodings.npy", "labels.npy", "codes.npy",
                                    "centroids.npy"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = fuzz_write_folder(data, size, FILES, sizeof FILES / sizeof FILES[0]);
  bovw_encodings *enc = NULL;
  bovw_error err;
  if (fuzz_result(bovw_encodings_open_any(dir, &enc, &err), &err) == BOVW_OK) {
    fuzz_touch(enc->labels->data, enc->count * sizeof(int32_t));
    for (size_t c = 0; c < enc->num_classes; c++)
      fuzz_touch(enc->class_names[c], strlen(enc->class_names[c]));
    float *buf = malloc((enc->dim ? enc->dim : 1) * sizeof *buf);
    FUZZ_ASSERT(buf != NULL || enc->dim > ((size_t)1 << 26), "a row's buffer");
    for (size_t i = 0; buf && i < enc->count && i < 16; i++)
      fuzz_touch(bovw_encodings_row(enc, i, 0, enc->dim, buf), enc->dim * sizeof *buf);
    free(buf);
  }
  bovw_encodings_free(enc);
  /* What `encode --like` and `encode --pixels --like` read of the folder. */
  bovw_encode_params params;
  char *codebook = NULL;
  bovw_encode_params_like(dir, &params, &codebook, &err);
  free(codebook);
  bovw_pixels_params pixels;
  bovw_pixels_params_like(dir, &pixels, &err);
  fuzz_end();
  return 0;
}
