/* idx.c: fuzz target of the IDX reader (bovw_idx_read: `bovw dataset
 * import-idx`), plain or gzip-compressed, through a file as the command
 * reads it. What it accepts must hold as many bytes as its dimensions
 * multiply to. */
#include <stdlib.h>

#include "bovw/dataset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_one("data.idx", data, size);
  bovw_idx *idx = NULL;
  bovw_error err;
  if (fuzz_result(bovw_idx_read(path, &idx, &err), &err) == BOVW_OK) {
    FUZZ_ASSERT(idx->ndim >= 1 && idx->ndim <= 4, "1 to 4 dimensions");
    size_t product = 1;
    for (int i = 0; i < idx->ndim; i++)
      FUZZ_ASSERT(!__builtin_mul_overflow(product, (size_t)idx->dims[i], &product),
                  "the dimensions' product does not overflow");
    FUZZ_ASSERT(idx->count == product, "count is the product of the dimensions");
    fuzz_touch(idx->data, idx->count);
  }
  bovw_idx_free(idx);
  fuzz_end();
  return 0;
}
