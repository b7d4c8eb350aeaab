/* artifact.h: the directories stages write, and their meta.json.
 *
 * Every stage writes one directory: its arrays (.npy) and a meta.json that
 * says what made it (kind, format version, parameters, bovw version, the
 * checksums of its inputs). meta.json is written LAST and atomically, and
 * bovw_artifact_begin removes an old one first: a directory without a
 * meta.json is an unfinished artifact, and readers refuse it by name. */
#ifndef BOVW_ARTIFACT_H
#define BOVW_ARTIFACT_H

#include <cjson/cJSON.h>

#include "bovw/error.h"

/* The format version a new meta.json gets; readers refuse a newer one. */
#define BOVW_ARTIFACT_FORMAT 1

/* Creates dir (and parents) and removes a meta.json left in it, so that the
 * directory no longer looks complete while the stage works. */
int bovw_artifact_begin(const char *dir, bovw_error *err);

/* A new meta object: {"kind": kind, "format_version": 1, "bovw_version": ...,
 * "created": ISO-8601 UTC}. Free with cJSON_Delete. NULL when out of memory. */
cJSON *bovw_meta_new(const char *kind);

/* Writes a JSON tree to path atomically, indented, ending with a newline. */
int bovw_json_write(const char *path, const cJSON *root, bovw_error *err);

/* A copy of root with the "provenance" object of this process (see
 * bovw/provenance.h) for an artifact in dir; NULL when out of memory. */
cJSON *bovw_with_provenance(const cJSON *root, const char *dir);

/* Reads a JSON object from path and notes the file, with its SHA-256, as an
 * input of this process (bovw/provenance.h). */
int bovw_json_read_noted(const char *path, cJSON **out, bovw_error *err);

/* Writes meta as dir/meta.json atomically (the artifact's commit point),
 * with this process's provenance added. */
int bovw_meta_write(const char *dir, const cJSON *meta, bovw_error *err);

/* Reads dir/meta.json; when kind is not NULL, refuses another kind ("DIR is a
 * codebook, not features"). A missing meta.json is reported as an unfinished
 * or foreign directory. *out is a new cJSON tree (cJSON_Delete). */
int bovw_meta_read(const char *dir, const char *kind, cJSON **out,
                   bovw_error *err);

/* Adds {"path": path, "sha256": hex} under `key` of `parent`. */
int bovw_meta_add_file(cJSON *parent, const char *key, const char *path,
                       bovw_error *err);

/* The SHA-256 of n bytes in memory, as 64 lowercase hex digits and a NUL. */
void bovw_sha256_hex(const void *data, size_t n, char hex[65]);

/* The SHA-256 of a file, as 64 lowercase hex digits and a NUL. */
int bovw_sha256_file(const char *path, char hex[65], bovw_error *err);

/* Copies into dst each of the n keys that src has (deep copies); keys src
 * lacks are left out. 0 when out of memory, else 1. */
int bovw_meta_copy(cJSON *dst, const cJSON *src, const char *const *keys, size_t n);

/* The shards of one split run handed to a merge: shard i is index[i] of
 * count[i], in folder names[i]. Refuses a count other than n, then, in
 * index order, a shard given twice or missing, naming it ("shard 2/3 is
 * missing"): what passes is each of 1..n once. */
int bovw_shards_check(const int *index, const int *count, char *const *names, size_t n,
                      bovw_error *err);

/* Lookups that return a default when the key is missing or of another type. */
double bovw_meta_number(const cJSON *obj, const char *key, double fallback);
/* The number under key when it is a whole number in [min, max], else
 * fallback (missing, not a number, a fraction, out of range): how a reader
 * takes a count or a size from a file, without converting a double that no
 * integer type holds. */
long long bovw_meta_whole(const cJSON *obj, const char *key, long long min, long long max,
                          long long fallback);
const char *bovw_meta_string(const cJSON *obj, const char *key,
                             const char *fallback);

#endif
