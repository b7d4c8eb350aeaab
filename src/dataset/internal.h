/* internal.h: what the dataset module's files share (not installed). */
#ifndef BOVW_DATASET_INTERNAL_H
#define BOVW_DATASET_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "bovw/error.h"
#include "bovw/manifest.h"

/* Decimal digits of n (1 for 0): the width of zero-padded file names. */
int bovw_dataset_digits(size_t n);

/* Writes rows of m (every row when rows is NULL) as dir/name, atomically,
 * and records the file's SHA-256 under `name` in the object `files`. */
int bovw_dataset_write_tsv(const char *dir, const char *name, const bovw_manifest *m,
                           const size_t *rows, size_t nrows, cJSON *files, bovw_error *err);

#endif
