/* split.c: stratified, seeded train/test splits, and the dataset artifact. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/dataset.h"
#include "bovw/fs.h"
#include "bovw/rng.h"
#include "dataset/internal.h"

static int validate(const bovw_split_options *o, bovw_error *err) {
  if (o->train_per_class < 0 && !(o->test_fraction >= 0 && o->test_fraction <= 1))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "test fraction %g is not between 0 and 1",
                          o->test_fraction);
  return BOVW_OK;
}

int bovw_dataset_split(const bovw_manifest *all, const bovw_split_options *options,
                       const bovw_monitor *monitor, size_t **train,
                       size_t *ntrain, size_t **test, size_t *ntest,
                       bovw_error *err) {
  *train = *test = NULL;
  *ntrain = *ntest = 0;
  int rc = validate(options, err);
  if (rc) return rc;
  size_t n = all->count, k = all->num_classes;
  /* Rows of each class, in manifest order: start[c]..start[c+1] of `rows`. */
  size_t *start = calloc(k + 1, sizeof *start);
  size_t *rows = malloc((n ? n : 1) * sizeof *rows);
  size_t *fill = calloc(k + 1, sizeof *fill);
  unsigned char *role = calloc(n ? n : 1, 1);  /* 0 unused, 1 train, 2 test */
  size_t *tr = malloc((n ? n : 1) * sizeof *tr);
  size_t *te = malloc((n ? n : 1) * sizeof *te);
  if (!start || !rows || !fill || !role || !tr || !te) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) start[all->labels[i] + 1]++;
  for (size_t c = 0; c < k; c++) start[c + 1] += start[c];
  for (size_t i = 0; i < n; i++) {
    size_t c = (size_t)all->labels[i];
    rows[start[c] + fill[c]++] = i;
  }

  for (size_t c = 0; c < k; c++) {
    size_t *mine = rows + start[c], count = start[c + 1] - start[c];
    if (!options->sorted) {
      /* One generator per class, so a class's split does not change when
       * another class gains or loses images. */
      bovw_rng rng;
      bovw_rng_seed(&rng, options->seed + 0x9e3779b97f4a7c15ULL * (c + 1));
      bovw_rng_shuffle(&rng, mine, count, sizeof *mine);
    }
    size_t want_train, want_test;
    if (options->train_per_class >= 0) {
      want_train = (size_t)options->train_per_class;
      want_test = options->test_per_class >= 0 ? (size_t)options->test_per_class
                                               : count > want_train ? count - want_train : 0;
    } else {
      want_test = (size_t)lround(options->test_fraction * (double)count);
      if (options->test_per_class >= 0 && want_test > (size_t)options->test_per_class)
        want_test = (size_t)options->test_per_class;
      want_train = count - want_test;
    }
    size_t got_train = want_train < count ? want_train : count;
    size_t got_test = want_test < count - got_train ? want_test : count - got_train;
    if (got_train < want_train || got_test < want_test)
      bovw_monitor_warning(monitor,
                           "class %s has %zu images: %zu for training and %zu for "
                           "testing instead of %zu and %zu",
                           all->class_names[c], count, got_train, got_test,
                           want_train, want_test);
    for (size_t j = 0; j < got_train; j++) role[mine[j]] = 1;
    for (size_t j = got_train; j < got_train + got_test; j++) role[mine[j]] = 2;
  }
  for (size_t i = 0; i < n; i++) {
    if (role[i] == 1) tr[(*ntrain)++] = i;
    if (role[i] == 2) te[(*ntest)++] = i;
  }
  *train = tr;
  *test = te;
  tr = te = NULL;
done:
  free(start);
  free(rows);
  free(fill);
  free(role);
  free(tr);
  free(te);
  return rc;
}

int bovw_dataset_write_tsv(const char *dir, const char *name, const bovw_manifest *all,
                           const size_t *rows, size_t nrows, cJSON *files, bovw_error *err) {
  char *path = bovw_path_join(dir, name);
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_manifest_write(path, all, rows, nrows, err);
  if (!rc) {
    char hex[65];
    rc = bovw_sha256_file(path, hex, err);
    if (!rc && !cJSON_AddStringToObject(files, name, hex))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  free(path);
  return rc;
}

int bovw_dataset_write(const char *dir, const char *root,
                       const bovw_manifest *all, const size_t *train,
                       size_t ntrain, const size_t *test, size_t ntest,
                       const bovw_split_options *split,
                       const bovw_scan_options *scan,
                       const bovw_scan_stats *stats, bovw_error *err) {
  int rc = bovw_artifact_begin(dir, err);
  if (rc) return rc;
  char *abs_root = realpath(root, NULL);
  char *classes = bovw_path_join(dir, "classes.txt");
  cJSON *meta = bovw_meta_new("dataset");
  cJSON *files = meta ? cJSON_AddObjectToObject(meta, "sha256") : NULL;
  if (!abs_root || !classes || !files) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: cannot resolve or out of memory",
                        root);
    goto done;
  }
  rc = bovw_classes_write(classes, all, err);
  if (!rc) rc = bovw_dataset_write_tsv(dir, "all.tsv", all, NULL, all->count, files, err);
  if (!rc) rc = bovw_dataset_write_tsv(dir, "train.tsv", all, train, ntrain, files, err);
  if (!rc) rc = bovw_dataset_write_tsv(dir, "test.tsv", all, test, ntest, files, err);
  if (rc) goto done;

  cJSON *o = cJSON_AddObjectToObject(meta, "options");
  cJSON *c = cJSON_AddObjectToObject(meta, "counts");
  if (!cJSON_AddStringToObject(meta, "root", abs_root) || !o || !c ||
      !cJSON_AddNumberToObject(o, "train_per_class", split->train_per_class) ||
      !cJSON_AddNumberToObject(o, "test_per_class", split->test_per_class) ||
      !cJSON_AddNumberToObject(o, "test_fraction", split->test_fraction) ||
      !cJSON_AddNumberToObject(o, "seed", (double)split->seed) ||
      !cJSON_AddBoolToObject(o, "sorted", split->sorted) ||
      !cJSON_AddBoolToObject(o, "any_extension", scan ? scan->any_extension : 0) ||
      !cJSON_AddBoolToObject(o, "verify", scan ? scan->verify : 0) ||
      !cJSON_AddNumberToObject(c, "classes", (double)all->num_classes) ||
      !cJSON_AddNumberToObject(c, "images", (double)all->count) ||
      !cJSON_AddNumberToObject(c, "train", (double)ntrain) ||
      !cJSON_AddNumberToObject(c, "test", (double)ntest) ||
      (stats && (!cJSON_AddNumberToObject(c, "skipped_not_image", (double)stats->not_images) ||
                 !cJSON_AddNumberToObject(c, "skipped_extension", (double)stats->other_extension) ||
                 !cJSON_AddNumberToObject(c, "empty_classes", (double)stats->empty_classes)))) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  rc = bovw_meta_write(dir, meta, err);
done:
  cJSON_Delete(meta);
  free(classes);
  free(abs_root);
  return rc;
}
