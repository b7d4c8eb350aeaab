/* argmin.c: the index of the smallest of many floats, vectorised (see
 * simd.h). */
#include <float.h>
#include <string.h>

#include "simd.h"

/* Index of the smallest of g[0..k): 16 running minima side by side (GCC
 * vector types, one AVX-512 register), then the best of the 16. A plain
 * running argmin is a dependency chain that compilers do not vectorise. Ties
 * go to the lowest index, as a sequential scan would. Built for AVX-512, AVX2
 * and the baseline; the loader picks one per CPU (simd.h). */
HOT int bovw_argmin(const float *g, int k, float *min_out) {
  v16f m;
  v16i at = {0}, idx, step;
  for (int j = 0; j < LANES; j++) {
    m[j] = FLT_MAX;
    idx[j] = j;
    step[j] = LANES;
  }
  int c = 0;
  for (; c + LANES <= k; c += LANES) {
    v16f v;
    memcpy(&v, g + c, sizeof v);
    v16i better = v < m;
    m = (v16f)(((v16i)v & better) | ((v16i)m & ~better));
    at = (idx & better) | (at & ~better);
    idx += step;
  }
  float best = FLT_MAX;
  int arg = 0;
  for (int j = 0; j < LANES; j++)
    if (m[j] < best || (m[j] == best && at[j] < arg)) {
      best = m[j];
      arg = at[j];
    }
  for (; c < k; c++)
    if (g[c] < best) {
      best = g[c];
      arg = c;
    }
  *min_out = best;
  return arg;
}
