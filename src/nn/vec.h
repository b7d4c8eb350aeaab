/* vec.h: the 8-float vectors (GCC vector extensions, one AVX register) the
 * hand-vectorised kernels of src/nn use, and their unaligned load. */
#ifndef BOVW_NN_VEC_H
#define BOVW_NN_VEC_H

#include <string.h>

typedef float v8f __attribute__((vector_size(32)));

static inline v8f load8(const float *p) {
  v8f v;
  memcpy(&v, p, sizeof v);
  return v;
}

#endif
