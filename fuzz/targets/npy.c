/* npy.c: fuzz target of the .npy reader (bovw_npy_parse, the header and
 * data check under every bovw_npy_map). Whatever it accepts, the data it
 * points to must hold `count` elements of the dtype inside the input, count
 * must be the product of the shape, and typed reads of the elements (as the
 * stages make them) must be well-defined. */
#include <string.h>

#include "bovw/npy.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bovw_npy a;
  bovw_error err;
  if (fuzz_result(bovw_npy_parse(data, size, "fuzz.npy", &a, &err), &err) == BOVW_OK) {
    const size_t item = bovw_dtype_size(a.dtype);
    FUZZ_ASSERT(a.ndim >= 0 && a.ndim <= BOVW_NPY_MAX_DIMS, "dimensions within the limit");
    int64_t product = 1;
    for (int i = 0; i < a.ndim; i++) {
      FUZZ_ASSERT(a.shape[i] >= 0, "no negative dimension");
      if (__builtin_mul_overflow(product, a.shape[i], &product)) product = -1;
      FUZZ_ASSERT(product >= 0 || a.count == 0, "the shape's product does not overflow");
    }
    FUZZ_ASSERT(a.count == product || (a.count == 0 && product <= 0),
                "count is the product of the shape");
    const uint8_t *p = a.data;
    FUZZ_ASSERT(p >= data && (size_t)a.count * item <= (size_t)(data + size - p),
                "the data lies inside the file");
    /* Typed reads, as the stages make them (a float32 row, an int64
     * offset): these must be aligned for their type. */
    double sum = 0;
    for (int64_t i = 0; i < a.count && i < 4096; i++) switch (a.dtype) {
        case BOVW_DTYPE_UINT8: sum += ((const uint8_t *)a.data)[i]; break;
        case BOVW_DTYPE_INT32: sum += ((const int32_t *)a.data)[i]; break;
        case BOVW_DTYPE_INT64: sum += (double)((const int64_t *)a.data)[i]; break;
        case BOVW_DTYPE_FLOAT32: sum += ((const float *)a.data)[i]; break;
      }
    (void)sum;
    bovw_npy_expect(&a, "fuzz.npy", BOVW_DTYPE_FLOAT32, 2, &err);
  }
  fuzz_end();
  return 0;
}
