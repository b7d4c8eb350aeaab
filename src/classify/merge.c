/* merge.c: the class shards of one training (bovw train --classes I/N)
 * into one model. The solvers that take class shards train each class on
 * its own, so the merged weights are those of the unsplit run, byte for
 * byte. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "classify/internal.h"

typedef struct {
  const char *dir;
  bovw_model *m;
  int index, count;
  size_t first, end;
} part;

static int by_index(const void *a, const void *b) {
  return ((const part *)a)->index - ((const part *)b)->index;
}

/* What the shards of one training share: the data and every option. */
static const char *const SAME[] = {"encodings", "classes", "solver", "C", "lambda", "epochs",
                                   "epsilon", "seed", "bias_multiplier", "balance", "train_count"};

int bovw_model_merge(char *const *dirs, size_t n, const char *out_dir, bovw_error *err) {
  if (n < 1) return bovw_error_set(err, BOVW_ERR_INVALID, "no class shard to merge");
  part *p = calloc(n, sizeof *p);
  if (!p) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    p[i].dir = dirs[i];
    if ((rc = bovw_model_open(dirs[i], &p[i].m, err))) break;
    const cJSON *sh = cJSON_GetObjectItem(p[i].m->meta, "class_shard");
    if (!sh) {
      rc = bovw_error_set(err, BOVW_ERR_INVALID, "%s: not a class shard (trained without --classes)",
                          dirs[i]);
      break;
    }
    p[i].index = (int)bovw_meta_number(sh, "index", 0);
    p[i].count = (int)bovw_meta_number(sh, "count", 0);
    p[i].first = (size_t)bovw_meta_number(sh, "first_class", 0);
    p[i].end = (size_t)bovw_meta_number(sh, "end_class", 0);
    for (size_t k = 0; i > 0 && !rc && k < sizeof SAME / sizeof *SAME; k++) {
      const cJSON *x = cJSON_GetObjectItem(p[0].m->meta, SAME[k]),
                  *y = cJSON_GetObjectItem(p[i].m->meta, SAME[k]);
      if ((x || y) && !cJSON_Compare(x, y, 1))
        rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                            "%s: another %s than %s's: not a shard of the same training", dirs[i],
                            SAME[k], dirs[0]);
    }
    if (!rc && (p[i].m->dim != p[0].m->dim || p[i].m->num_classes != p[0].m->num_classes))
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: another shape than %s", dirs[i], dirs[0]);
  }
  if (!rc) {
    int index[n], count[n];
    for (size_t i = 0; i < n; i++) {
      index[i] = p[i].index;
      count[i] = p[i].count;
    }
    rc = bovw_shards_check(index, count, dirs, n, err);
  }
  if (!rc) qsort(p, n, sizeof *p, by_index);
  const size_t classes = rc ? 0 : p[0].m->num_classes, dim = rc ? 0 : p[0].m->dim;
  for (size_t i = 0; i < n && !rc; i++) {
    bovw_train_options o = {.class_shard_index = (int)i + 1, .class_shard_count = (int)n};
    size_t first, end;
    bovw_class_range(&o, classes, &first, &end);
    if (p[i].first != first || p[i].end != end)
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: its classes are not shard %zu's", p[i].dir,
                          i + 1);
  }
  if (rc) goto done;
  /* The first shard's model, each slice of classes from its own shard. */
  bovw_model *m = p[0].m;
  cJSON *stats = cJSON_GetObjectItem(m->meta, "statistics"), *from = cJSON_CreateArray();
  double seconds = 0;
  for (size_t i = 0; i < n; i++) {
    const bovw_model *s = p[i].m;
    memcpy(m->weights + p[i].first * dim, s->weights + p[i].first * dim,
           (p[i].end - p[i].first) * dim * sizeof *m->weights);
    memcpy(m->biases + p[i].first, s->biases + p[i].first,
           (p[i].end - p[i].first) * sizeof *m->biases);
    const cJSON *theirs = cJSON_GetObjectItem(s->meta, "statistics");
    for (size_t c = p[i].first; i > 0 && c < p[i].end; c++) {
      cJSON *copy = cJSON_Duplicate(cJSON_GetArrayItem(theirs, (int)c), 1);
      if (!copy || !cJSON_ReplaceItemInArray(stats, (int)c, copy)) {
        cJSON_Delete(copy);
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
      }
    }
    seconds += bovw_meta_number(s->meta, "train_seconds", 0);
    char *abs = realpath(p[i].dir, NULL);
    if (!from || !cJSON_AddItemToArray(from, cJSON_CreateString(abs ? abs : p[i].dir)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(abs);
  }
  cJSON_DeleteItemFromObject(m->meta, "class_shard");
  cJSON_SetNumberValue(cJSON_GetObjectItem(m->meta, "train_seconds"), seconds);
  if (!rc && !cJSON_AddItemToObject(m->meta, "merged_from", from))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  else if (!rc)
    from = NULL;
  cJSON_Delete(from);
  if (!rc) rc = bovw_model_save(m, out_dir, err);
done:
  for (size_t i = 0; i < n; i++) bovw_model_free(p[i].m);
  free(p);
  return rc;
}
