/* prerank.h: approximate nearest words (internal to encode).
 *
 * Ranks all words by their distance to the descriptor in the first P
 * principal directions of the codebook's centres, then measures the R best
 * exactly in the full space and keeps the nearest. The ranking is one
 * product of K x P per descriptor instead of K x D: with P = 24 and R = 8
 * about a quarter of the exact assignment's arithmetic, and on Caltech-101
 * SIFT the same word as the exact search for 99.7% of the descriptors. */
#ifndef BOVW_ENCODE_PRERANK_H
#define BOVW_ENCODE_PRERANK_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

/* Shared read-only by all threads once made. */
typedef struct bovw_prerank {
  int k, d, p, r;
  int k_padded;         /* k rounded up to a multiple of 32 */
  const float *centers; /* k x d, borrowed from the codebook */
  float *axes;          /* p x d: the centres' principal directions */
  float *columns;       /* k_padded x p: the centres along them, in blocks of
                           32 words stored direction by direction */
  float *pnorm;         /* k_padded: their squared norms (padding: infinite) */
} bovw_prerank;

/* p is clamped to d, r to 32 (the candidates are the r best of each 16th
 * of the words' two best: see prerank.c). */
int bovw_prerank_init(bovw_prerank *self, const float *centers, int k, int d, int p, int r,
                      bovw_error *err);
void bovw_prerank_clear(bovw_prerank *self);

/* Floats of scratch one call of bovw_prerank_assign needs. */
size_t bovw_prerank_scratch_size(const bovw_prerank *self);

/* words[i] = the approximate nearest centre of row i of x (n x d). Runs on
 * the calling thread (BLAS as it is set). */
void bovw_prerank_assign(const bovw_prerank *self, const float *x, size_t n, int32_t *words,
                         float *scratch);

#endif
