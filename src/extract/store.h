/* store.h: writing a features artifact image by image (internal to extract;
 * readers use bovw_features_open in bovw/extract.h). Used by extraction and
 * by the merge of shards. */
#ifndef BOVW_EXTRACT_STORE_H
#define BOVW_EXTRACT_STORE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "bovw/extract.h"

typedef struct bovw_store_writer bovw_store_writer;

typedef struct bovw_store_totals {
  size_t images, skipped, descriptors, zeroed;
} bovw_store_totals;

/* Starts the artifact in dir (an old meta.json is removed first). */
int bovw_store_writer_new(const char *dir, const bovw_extract_params *params,
                          bovw_store_writer **out, bovw_error *err);
/* Appends one image's descriptors; `row` is its manifest row. */
int bovw_store_writer_add(bovw_store_writer *self, size_t row, const char *path,
                          int32_t label, const bovw_phow_result *result,
                          bovw_error *err);
/* Records an image that was skipped, and why. */
int bovw_store_writer_skip(bovw_store_writer *self, size_t row, const char *path,
                           int32_t label, const char *why, bovw_error *err);
void bovw_store_writer_totals(const bovw_store_writer *self,
                              bovw_store_totals *totals);
/* Writes the small arrays and meta.json: kind, params, counts, and every key
 * of `extra` (copied). After this the artifact is complete. */
int bovw_store_writer_finish(bovw_store_writer *self, const cJSON *extra,
                             bovw_error *err);
/* Frees the writer; unfinished files are removed. */
void bovw_store_writer_free(bovw_store_writer *self);

#endif
