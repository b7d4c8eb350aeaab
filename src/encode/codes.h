/* codes.h: what reading dense encodings and codes share (internal). */
#ifndef BOVW_ENCODE_CODES_H
#define BOVW_ENCODE_CODES_H

#include "bovw/encode.h"

/* The class names of self->meta's "classes" array into self. */
int bovw_encodings_read_classes(bovw_encodings *self, bovw_error *err);

/* centroids.npy of a quantiser into out_dir. */
int bovw_codes_write_centroids(const bovw_pq *pq, const char *out_dir, bovw_error *err);

/* The meta.json of a codes artifact (docs/formats.md) into *out: the
 * quantiser's params and checksum, the reconstruction error (summed
 * squared errors and squared norms of the n rows), like (or NULL), the
 * seconds the quantiser took to learn, and the identity of the encodings
 * coded (their params, codebook, features, manifest, classes; source is
 * their folder or manifest). */
int bovw_codes_meta(const bovw_pq *pq, const cJSON *params, size_t n, double err_sum,
                    double norm_sum, const char *like, double learn_seconds, const char *source,
                    const cJSON *identity, int threads, double seconds, cJSON **out,
                    bovw_error *err);

#endif
