/* merge.c: the shards of one encoding into one encodings artifact.
 *
 * Each shard encodes a contiguous slice of the features' images (run.c,
 * the slices extract cuts), each image on its own: putting the shards in
 * order and concatenating their rows gives what one unsharded run writes,
 * byte for byte in the arrays; only meta.json's timing differs. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/fs.h"

typedef struct {
  const char *dir;
  bovw_encodings *e;
  int index, count;
  size_t first, end, images;
} shard;

static int by_index(const void *a, const void *b) {
  return ((const shard *)a)->index - ((const shard *)b)->index;
}

/* What every shard of one encoding has in common: the settings, the
 * codebook, the features (and through them the manifest). */
static int same_encoding(const shard *a, const shard *b, bovw_error *err) {
  static const char *const keys[] = {"params", "codebook", "features", "classes"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    const cJSON *x = cJSON_GetObjectItem(a->e->meta, keys[i]),
                *y = cJSON_GetObjectItem(b->e->meta, keys[i]);
    if (!cJSON_Compare(x, y, 1))
      return bovw_error_set(err, BOVW_ERR_MISMATCH,
                            "%s: another %s than %s's: not a shard of the same encoding", b->dir,
                            keys[i], a->dir);
  }
  return BOVW_OK;
}

static int open_shard(shard *s, bovw_error *err) {
  int rc = bovw_encodings_open(s->dir, &s->e, err);
  if (rc) return rc;
  const cJSON *sh = cJSON_GetObjectItem(s->e->meta, "shard");
  if (!sh)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: not a shard (made without --shard)", s->dir);
  s->index = (int)bovw_meta_number(sh, "index", 0);
  s->count = (int)bovw_meta_number(sh, "count", 0);
  s->first = (size_t)bovw_meta_number(sh, "first_row", 0);
  s->end = (size_t)bovw_meta_number(sh, "end_row", 0);
  s->images = (size_t)bovw_meta_number(sh, "images", 0);
  if (s->index < 1 || s->index > s->count || s->end < s->first || s->end - s->first != s->e->count)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: a shard record that does not add up",
                          s->dir);
  return BOVW_OK;
}

/* meta.json of the merged artifact: the first shard's, without "shard",
 * with the whole count, the shards' seconds summed and where it came from. */
static cJSON *merged_meta(const shard *s, size_t n, size_t total) {
  cJSON *meta = cJSON_Duplicate(s[0].e->meta, 1), *from = cJSON_CreateArray();
  double seconds = 0, voting = 0;
  int ok = meta && from;
  for (size_t i = 0; ok && i < n; i++) {
    char *abs = realpath(s[i].dir, NULL);
    ok = cJSON_AddItemToArray(from, cJSON_CreateString(abs ? abs : s[i].dir));
    free(abs);
    seconds += bovw_meta_number(s[i].e->meta, "seconds", 0);
    voting += bovw_meta_number(s[i].e->meta, "mean_voting_descriptors", 0) * (double)s[i].e->count;
  }
  if (ok) {
    cJSON_DeleteItemFromObject(meta, "shard");
    cJSON_DeleteItemFromObject(meta, "provenance");
    cJSON_DeleteItemFromObject(meta, "kind");  /* bovw_meta_new's keys, made anew */
    cJSON_DeleteItemFromObject(meta, "format_version");
    cJSON_DeleteItemFromObject(meta, "bovw_version");
    cJSON_DeleteItemFromObject(meta, "created");
    cJSON_SetNumberValue(cJSON_GetObjectItem(meta, "count"), (double)total);
    cJSON_SetNumberValue(cJSON_GetObjectItem(meta, "seconds"), seconds);
    cJSON_SetNumberValue(cJSON_GetObjectItem(meta, "mean_voting_descriptors"),
                         total ? voting / (double)total : 0);
  }
  cJSON *out = ok ? bovw_meta_new("encodings") : NULL;
  const cJSON *item;
  cJSON_ArrayForEach(item, meta) {
    if (!out) break;
    cJSON *copy = cJSON_Duplicate(item, 1);
    if (!copy || !cJSON_AddItemToObject(out, item->string, copy)) {
      cJSON_Delete(copy);
      cJSON_Delete(out);
      out = NULL;
    }
  }
  if (out && !cJSON_AddItemToObject(out, "merged_from", from)) {
    cJSON_Delete(out);
    out = NULL;
  } else if (out) {
    from = NULL;
  }
  cJSON_Delete(from);
  cJSON_Delete(meta);
  return out;
}

int bovw_encodings_merge(char *const *shard_dirs, size_t num_shards, const char *out_dir,
                         const bovw_monitor *monitor, bovw_error *err) {
  if (num_shards < 1) return bovw_error_set(err, BOVW_ERR_INVALID, "no shard to merge");
  shard *s = calloc(num_shards, sizeof *s);
  if (!s) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  for (size_t i = 0; i < num_shards && !rc; i++) {
    s[i].dir = shard_dirs[i];
    rc = open_shard(&s[i], err);
    if (!rc && i > 0) rc = same_encoding(&s[0], &s[i], err);
  }
  if (!rc) {
    int index[num_shards], count[num_shards];
    for (size_t i = 0; i < num_shards; i++) {
      index[i] = s[i].index;
      count[i] = s[i].count;
    }
    rc = bovw_shards_check(index, count, shard_dirs, num_shards, err);
  }
  if (!rc) qsort(s, num_shards, sizeof *s, by_index);
  /* All N shards of one cut, each once: their rows must run end to end. */
  for (size_t i = 0; i < num_shards && !rc; i++) {
    if (s[i].first != (i ? s[i - 1].end : 0) || s[i].images != s[0].images ||
             s[i].e->dim != s[0].e->dim)
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: its rows do not follow shard %zu's",
                          s[i].dir, i);
  }
  if (!rc && s[num_shards - 1].end != s[0].images)
    rc = bovw_error_set(err, BOVW_ERR_INVALID, "the shards cover %zu of %zu images",
                        s[num_shards - 1].end, s[0].images);
  const size_t total = s[0].images, dim = s[0].e ? s[0].e->dim : 0;
  int32_t *labels = rc ? NULL : malloc((total ? total : 1) * sizeof *labels);
  if (!rc && !labels) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  bovw_npy_mapped *out = NULL;
  char *vp = bovw_path_join(out_dir, "encodings.npy"), *lp = bovw_path_join(out_dir, "labels.npy");
  if (!rc && (!vp || !lp)) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_artifact_begin(out_dir, err);
  int64_t shape[2] = {(int64_t)total, (int64_t)dim}, lshape[1] = {(int64_t)total};
  if (!rc) rc = bovw_npy_mapped_new(vp, BOVW_DTYPE_FLOAT32, 2, shape, &out, err);
  if (!rc) {
    float *v = bovw_npy_mapped_data(out);
    for (size_t i = 0; i < num_shards; i++) {
      memcpy(v + s[i].first * dim, s[i].e->vectors->data, s[i].e->count * dim * sizeof *v);
      memcpy(labels + s[i].first, s[i].e->labels->data, s[i].e->count * sizeof *labels);
      bovw_monitor_progress(monitor, "merge", i + 1, num_shards);
    }
    rc = bovw_npy_mapped_finish(out, err);
  }
  if (!rc) rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, lshape, labels, err);
  if (!rc) {
    cJSON *meta = merged_meta(s, num_shards, total);
    rc = meta ? bovw_meta_write(out_dir, meta, err)
              : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    cJSON_Delete(meta);
  }
  bovw_npy_mapped_free(out);
  free(vp);
  free(lp);
  free(labels);
  for (size_t i = 0; i < num_shards; i++) bovw_encodings_free(s[i].e);
  free(s);
  return rc;
}
