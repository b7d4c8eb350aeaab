/* codes.h: what reading dense encodings and codes share (internal). */
#ifndef BOVW_ENCODE_CODES_H
#define BOVW_ENCODE_CODES_H

#include "bovw/encode.h"

/* Copies what says what encoded rows are (params, codebook, features,
 * manifest, classes) from src to dst; 0 when out of memory. */
int bovw_encodings_identity_copy(cJSON *dst, const cJSON *src);

/* Maps dir/labels.npy into self, checks it has `rows` labels (those of
 * the array named rows_name), sets self->count and reads the class names
 * of self->meta. */
int bovw_encodings_map_labels(bovw_encodings *self, const char *dir, int64_t rows,
                              const char *rows_name, bovw_error *err);

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
