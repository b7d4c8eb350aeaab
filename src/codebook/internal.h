/* internal.h: what the codebook files share (not public API). */
#ifndef BOVW_CODEBOOK_INTERNAL_H
#define BOVW_CODEBOOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/codebook.h"

/* A seeded uniform sample of at most `wanted` usable rows (not zeroed for low
 * contrast), in increasing order; *usable counts all usable rows. */
int bovw_sample_rows(const bovw_features *f, size_t wanted, uint64_t seed,
                     size_t **rows, size_t *count, size_t *usable, bovw_error *err);
/* In place: sqrt of the L1-normalised vector. */
void bovw_root_normalise(float *x, size_t n, int dim);
/* uint8 or float32 descriptors into floats. */
void bovw_raw_to_float(const void *raw, int is_float, size_t n, int dim, float *out);

#endif
