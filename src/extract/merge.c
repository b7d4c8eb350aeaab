/* merge.c: shards of one extraction into one features artifact.
 *
 * Each shard is a contiguous slice of the manifest (run.c), so putting them
 * in shard order and concatenating gives what one unsharded run writes,
 * byte for byte in the arrays; only meta.json's timing differs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/extract.h"
#include "bovw/fs.h"
#include "extract/store.h"

typedef struct {
  const char *dir;
  bovw_features *f;
  int index, count;
  double first_row, end_row;
  char *images_tsv;  /* the shard's images.tsv */
} shard;

static int by_index(const void *a, const void *b) {
  return ((const shard *)a)->index - ((const shard *)b)->index;
}

/* Re-adds the rows of one shard through the store writer. */
static int copy_shard(bovw_store_writer *w, const shard *s, bovw_error *err) {
  const bovw_features *f = s->f;
  const int64_t *off = f->offsets->data;
  const int32_t *sizes = f->image_size->data, *labels = f->labels->data;
  size_t item = f->params.float_descriptors ? sizeof(float) : 1;
  /* images.tsv gives each image's manifest row and path, and the skips. */
  char *text = s->images_tsv, *save = NULL;
  char *line = strtok_r(text, "\n", &save);  /* header */
  int rc = BOVW_OK;
  while (!rc && (line = strtok_r(NULL, "\n", &save))) {
    long long index;
    size_t row, count;
    int label, used;
    if (sscanf(line, "%lld\t%zu\t%n", &index, &row, &used) != 2) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/images.tsv: bad line", s->dir);
      break;
    }
    char *path = line + used, *tab = strchr(path, '\t');
    if (!tab || sscanf(tab + 1, "%d\t%zu", &label, &count) != 2) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/images.tsv: bad line", s->dir);
      break;
    }
    *tab = '\0';
    if (index < 0) {
      char *status = strstr(tab + 1, "skipped: ");
      rc = bovw_store_writer_skip(w, row, path, label, status ? status + 9 : "skipped", err);
      continue;
    }
    if ((size_t)index >= f->num_images) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/images.tsv: index out of range", s->dir);
      break;
    }
    size_t i = (size_t)index, n = (size_t)(off[i + 1] - off[i]);
    bovw_phow_result r = {
        .count = n,
        .dim = f->dim,
        .descriptors = (char *)f->descriptors->data + (size_t)off[i] * (size_t)f->dim * item,
        .frames = (float *)f->frames->data + 4 * (size_t)off[i],
        .width = sizes[2 * i],
        .height = sizes[2 * i + 1]};
    /* Zeroed rows are recounted from the frames' contrast. */
    for (size_t k = 0; k < n; k++)
      if (r.frames[4 * k + 3] < f->params.contrast_threshold) r.zeroed++;
    rc = bovw_store_writer_add(w, row, path, labels[i], &r, err);
  }
  return rc;
}

int bovw_features_merge(char *const *shard_dirs, size_t num_shards,
                        const char *out_dir, const bovw_monitor *monitor,
                        bovw_error *err) {
  if (num_shards == 0) return bovw_error_set(err, BOVW_ERR_INVALID, "no shards given");
  shard *shards = calloc(num_shards, sizeof *shards);
  if (!shards) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  for (size_t k = 0; !rc && k < num_shards; k++) {
    shard *s = &shards[k];
    s->dir = shard_dirs[k];
    rc = bovw_features_open(s->dir, &s->f, err);
    if (rc) break;
    const cJSON *sh = cJSON_GetObjectItem(s->f->meta, "shard");
    s->index = (int)bovw_meta_number(sh, "index", 0);
    s->count = (int)bovw_meta_number(sh, "count", 0);
    s->first_row = bovw_meta_number(sh, "first_row", -1);
    s->end_row = bovw_meta_number(sh, "end_row", -1);
    char *tsv = bovw_path_join(s->dir, "images.tsv");
    size_t n;
    rc = tsv ? bovw_read_file(tsv, 0, (unsigned char **)&s->images_tsv, &n, err)
             : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(tsv);
  }
  if (!rc) {
    int index[num_shards], count[num_shards];
    for (size_t k = 0; k < num_shards; k++) {
      index[k] = shards[k].index;
      count[k] = shards[k].count;
    }
    rc = bovw_shards_check(index, count, shard_dirs, num_shards, err);
  }
  if (!rc) qsort(shards, num_shards, sizeof *shards, by_index);
  const cJSON *man0 = rc ? NULL : cJSON_GetObjectItem(shards[0].f->meta, "manifest");
  for (size_t k = 0; !rc && k < num_shards; k++) {
    shard *s = &shards[k];
    char diff[256];
    const cJSON *man = cJSON_GetObjectItem(s->f->meta, "manifest");
    if (!bovw_extract_params_equal(&s->f->params, &shards[0].f->params, s->dir,
                                        shards[0].dir, diff, sizeof diff))
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "shards extracted differently: %s", diff);
    else if (strcmp(bovw_meta_string(man, "sha256", "a"), bovw_meta_string(man0, "sha256", "b")))
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s and %s come from different manifests",
                          s->dir, shards[0].dir);
    else if (k && s->first_row != shards[k - 1].end_row)
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s does not follow %s", s->dir,
                          shards[k - 1].dir);
  }
  bovw_store_writer *w = NULL;
  if (!rc) rc = bovw_store_writer_new(out_dir, &shards[0].f->params, &w, err);
  for (size_t k = 0; !rc && k < num_shards; k++) {
    rc = copy_shard(w, &shards[k], err);
    bovw_monitor_progress(monitor, "merge", k + 1, num_shards);
  }
  if (!rc) {
    /* meta.json: the first shard's, as one whole shard. */
    cJSON *extra = cJSON_CreateObject();
    const char *keep[] = {"manifest", "classes"};
    for (int i = 0; extra && i < 2; i++) {
      const cJSON *item = cJSON_GetObjectItem(shards[0].f->meta, keep[i]);
      if (item) cJSON_AddItemToObject(extra, keep[i], cJSON_Duplicate(item, 1));
    }
    cJSON *sh = extra ? cJSON_AddObjectToObject(extra, "shard") : NULL;
    cJSON *from = extra ? cJSON_AddArrayToObject(extra, "merged_from") : NULL;
    if (!sh || !from || !cJSON_AddNumberToObject(sh, "index", 1) ||
        !cJSON_AddNumberToObject(sh, "count", 1) ||
        !cJSON_AddNumberToObject(sh, "first_row", shards[0].first_row) ||
        !cJSON_AddNumberToObject(sh, "end_row", shards[num_shards - 1].end_row))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    for (size_t k = 0; !rc && k < num_shards; k++)
      if (!cJSON_AddItemToArray(from, cJSON_CreateString(shards[k].dir)))
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    if (!rc) rc = bovw_store_writer_finish(w, extra, err);
    cJSON_Delete(extra);
  }
  bovw_store_writer_free(w);
  for (size_t k = 0; k < num_shards; k++) {
    bovw_features_free(shards[k].f);
    free(shards[k].images_tsv);
  }
  free(shards);
  return rc;
}
