/* features.c: fuzz target of the features folder reader
 * (bovw_features_open: codebook, encode and merge open features with it).
 * Input: meta.json, descriptors.npy, frames.npy, offsets.npy,
 * image_size.npy, labels.npy, cut as fuzz.h says. What it accepts is read
 * as the stages read it: image i's rows offsets[i] .. offsets[i+1]. */
#include "bovw/extract.h"
#include "bovw/npy.h"
#include "fuzz.h"

static const char *const FILES[] = {"meta.json",      "descriptors.npy", "frames.npy",
                                    "offsets.npy",    "image_size.npy",  "labels.npy"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = fuzz_write_folder(data, size, FILES, sizeof FILES / sizeof FILES[0]);
  bovw_features *f = NULL;
  bovw_error err;
  if (fuzz_result(bovw_features_open(dir, &f, &err), &err) == BOVW_OK) {
    const int64_t *off = f->offsets->data;
    const size_t row = (size_t)f->dim * bovw_dtype_size(f->descriptors->dtype);
    for (size_t i = 0; i < f->num_images; i++) {
      FUZZ_ASSERT(off[i] >= 0 && off[i] <= off[i + 1] && off[i + 1] <= f->descriptors->shape[0],
                  "each image's rows inside descriptors.npy");
      const int32_t *wh = (const int32_t *)f->image_size->data + 2 * i;
      fuzz_touch(wh, 2 * sizeof *wh);
      fuzz_touch((const int32_t *)f->labels->data + i, sizeof(int32_t));
      for (int64_t r = off[i]; r < off[i + 1] && r < off[i] + 4; r++) {
        fuzz_touch((const uint8_t *)f->descriptors->data + (size_t)r * row, row);
        fuzz_touch((const float *)f->frames->data + 4 * r, 4 * sizeof(float));
      }
    }
  }
  bovw_features_free(f);
  fuzz_end();
  return 0;
}
