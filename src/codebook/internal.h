/* internal.h: what the codebook files share (not public API). */
#ifndef BOVW_CODEBOOK_INTERNAL_H
#define BOVW_CODEBOOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/codebook.h"

/* Bytes of each mapped array of the features that sampling keeps resident,
 * about: what it has read is dropped from the process a window at a time. */
#define BOVW_SAMPLE_WINDOW ((size_t)32 << 20)

/* A seeded uniform sample of at most `wanted` usable rows (not zeroed for low
 * contrast), in increasing order (*rows, count of them, free it); *usable
 * counts all usable rows. The frames are read a window (bytes) at a time. */
int bovw_sample_rows(const bovw_features *f, size_t wanted, uint64_t seed, size_t window,
                     size_t **rows, size_t *count, size_t *usable, bovw_error *err);
/* Copies the n rows (increasing) into the caller's arrays: raw (n x dim, as
 * floats), frames (n x 4) and size (n x 2, the width and height of the row's
 * image); the pages read are dropped a window (bytes of descriptors) at a
 * time, and all of both arrays at the end. */
void bovw_sample_gather(const bovw_features *f, const size_t *rows, size_t n, size_t window,
                        float *raw, float *frames, int32_t *size);
/* In place: sqrt of the L1-normalised vector. */
void bovw_root_normalise(float *x, size_t n, int dim);
/* uint8 or float32 descriptors into floats. */
void bovw_raw_to_float(const void *raw, int is_float, size_t n, int dim, float *out);

#endif
