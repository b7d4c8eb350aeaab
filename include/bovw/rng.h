/* rng.h: a small seeded random generator (xoshiro256**, seeded through
 * splitmix64) that gives the same sequence on every machine and in every
 * thread that owns one. bovw never uses rand() or a global generator: the
 * same --seed gives the same result. */
#ifndef BOVW_RNG_H
#define BOVW_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct bovw_rng {
  uint64_t s[4];
} bovw_rng;

void bovw_rng_seed(bovw_rng *self, uint64_t seed);
uint64_t bovw_rng_next(bovw_rng *self);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint64_t bovw_rng_below(bovw_rng *self, uint64_t n);
/* Uniform double in [0, 1). */
double bovw_rng_uniform(bovw_rng *self);
/* Standard normal (Box-Muller from two uniform draws, the cosine half). */
double bovw_rng_normal(bovw_rng *self);
/* Fisher-Yates shuffle of n elements of `size` bytes each (size <= 64). */
void bovw_rng_shuffle(bovw_rng *self, void *items, size_t n, size_t size);

#endif
