/* rng.c: xoshiro256** by Blackman and Vigna (2018), seeded with splitmix64 as
 * its authors recommend. Chosen for a fixed, documented sequence: the splits
 * and samples a seed produces must not change with the C library. */
#include "bovw/rng.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void bovw_rng_seed(bovw_rng *self, uint64_t seed) {
  for (int i = 0; i < 4; i++) self->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t bovw_rng_next(bovw_rng *self) {
  uint64_t *s = self->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t bovw_rng_below(bovw_rng *self, uint64_t n) {
  /* Reject the top sliver of the 64-bit range that would bias x % n. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = bovw_rng_next(self);
  while (x >= limit);
  return x % n;
}

double bovw_rng_uniform(bovw_rng *self) {
  return (double)(bovw_rng_next(self) >> 11) * 0x1.0p-53;
}

double bovw_rng_normal(bovw_rng *self) {
  /* Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
  double u1 = 1.0 - bovw_rng_uniform(self), u2 = bovw_rng_uniform(self);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void bovw_rng_shuffle(bovw_rng *self, void *items, size_t n, size_t size) {
  unsigned char *a = items, tmp[64];
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)bovw_rng_below(self, i);
    if (j == i - 1) continue;
    memcpy(tmp, a + (i - 1) * size, size);
    memcpy(a + (i - 1) * size, a + j * size, size);
    memcpy(a + j * size, tmp, size);
  }
}
