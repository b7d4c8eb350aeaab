/* simd.h: what the hand-vectorised kernels (k-means' argmin, the encoder's
 * pre-ranking) share: 16-lane GCC vector types, one AVX-512 register or two
 * AVX2 ones, and HOT, which builds a function for AVX-512, AVX2 and the
 * baseline and lets the loader pick one per CPU. */
#ifndef BOVW_SIMD_H
#define BOVW_SIMD_H

#include <stdint.h>

#if defined(__clang__) && __clang_major__ < 15
/* clang 14 (the fuzzing build's) emits the clones but not the dispatcher of
 * a function called from another file: one build for the target CPU. */
#define HOT
#else
#define HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
enum { LANES = 16 };

/* Index of the smallest of g[0..k), ties to the lowest index, its value
 * into *min_out (argmin.c). */
int bovw_argmin(const float *g, int k, float *min_out);

#endif
