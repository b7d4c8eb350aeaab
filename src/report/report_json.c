/* report_json.c: a report's folder (report.json, report.md, confusion.svg)
 * and reading report.json back. The schema is in docs/report.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/report.h"
#include "bovw/version.h"

/* ---- writing ------------------------------------------------------------ */

/* report.json as a cJSON tree; NULL when out of memory. */
static cJSON *report_to_json(const bovw_report *self, const cJSON *info) {
  size_t k = self->num_classes;
  cJSON *root = bovw_meta_new("report");
  if (!root) return NULL;
  cJSON *classes = NULL, *confusion = NULL, *run = NULL;
  int ok = cJSON_AddNumberToObject(root, "num_classes", (double)k) &&
           cJSON_AddNumberToObject(root, "count", (double)self->count) &&
           cJSON_AddNumberToObject(root, "accuracy", self->accuracy) &&
           cJSON_AddNumberToObject(root, "mean_class_accuracy",
                                   self->mean_class_accuracy) &&
           cJSON_AddNumberToObject(root, "top5_accuracy", self->top5_accuracy) &&
           (classes = cJSON_AddArrayToObject(root, "classes")) &&
           (confusion = cJSON_AddArrayToObject(root, "confusion"));
  /* Each new node is filled before it is attached, so that on failure it is
   * either freed here or with the tree, never both. */
  for (size_t c = 0; ok && c < k; c++) {
    cJSON *o = cJSON_CreateObject();
    ok = o && cJSON_AddStringToObject(o, "name", self->class_names[c]) &&
         cJSON_AddNumberToObject(o, "support", (double)self->support[c]) &&
         cJSON_AddNumberToObject(o, "correct", (double)self->confusion[c * k + c]) &&
         cJSON_AddNumberToObject(o, "precision", self->precision[c]) &&
         cJSON_AddNumberToObject(o, "recall", self->recall[c]) &&
         cJSON_AddItemToArray(classes, o);
    if (!ok) cJSON_Delete(o);
  }
  for (size_t t = 0; ok && t < k; t++) {
    cJSON *row = cJSON_CreateArray();
    ok = row != NULL;
    for (size_t p = 0; ok && p < k; p++) {
      cJSON *v = cJSON_CreateNumber((double)self->confusion[t * k + p]);
      ok = v && cJSON_AddItemToArray(row, v);
      if (!ok) cJSON_Delete(v);
    }
    ok = ok && cJSON_AddItemToArray(confusion, row);
    if (!ok) cJSON_Delete(row);
  }
  if (ok) {
    run = info ? cJSON_Duplicate(info, 1) : cJSON_CreateObject();
    ok = run && cJSON_AddItemToObject(root, "run", run);
    if (!ok) cJSON_Delete(run);
  }
  if (!ok) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

int bovw_report_write_predictions(const bovw_report *self, const char *path,
                                  bovw_error *err) {
  if (!self->labels || !self->predicted)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: the report has no per-image predictions",
                          path);
  bovw_atomic_file f = {0};
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  fputs("row\tlabel\tclass\tpredicted\tpredicted_class\n", f.fp);
  for (size_t i = 0; i < self->count; i++)
    fprintf(f.fp, "%zu\t%d\t%s\t%d\t%s\n", i, (int)self->labels[i],
            self->class_names[self->labels[i]], (int)self->predicted[i],
            self->class_names[self->predicted[i]]);
  return bovw_atomic_commit(&f, err);
}

/* A new "dir/name", or NULL with err set. */
static char *join(const char *dir, const char *name, bovw_error *err) {
  char *path = bovw_path_join(dir, name);
  if (!path) bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  return path;
}

int bovw_report_write(const bovw_report *self, const char *dir, const char *title,
                      const cJSON *info, bovw_error *err) {
  if (info && !cJSON_IsObject(info))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s: the run information must be a JSON object", dir);
  int rc = bovw_mkdir_p(dir, err);
  if (rc) return rc;
  char *json_path = join(dir, "report.json", err);
  char *md_path = json_path ? join(dir, "report.md", err) : NULL;
  char *svg_path = md_path ? join(dir, "confusion.svg", err) : NULL;
  char *tsv_path = svg_path ? join(dir, "predictions.tsv", err) : NULL;
  cJSON *root = NULL;
  if (!tsv_path) {
    rc = BOVW_ERR_NOMEM;
    goto done;
  }
  /* report.json is the commit point, as meta.json is for artifacts: the old
   * one goes first, the new one is written last, so a report.md beside a
   * report.json always belongs to it. */
  if (unlink(json_path) != 0 && errno != ENOENT) {
    rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot remove: %s", json_path,
                        strerror(errno));
    goto done;
  }
  if ((rc = bovw_report_write_svg(self, svg_path, err)) ||
      (rc = bovw_report_write_markdown(self, md_path, title, info, err)))
    goto done;
  /* Per-image predictions when the report has them; never an old file
   * beside a report it does not belong to. */
  if (self->predicted ? (rc = bovw_report_write_predictions(self, tsv_path, err)) != 0
                      : unlink(tsv_path) != 0 && errno != ENOENT) {
    if (!rc)
      rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot remove: %s", tsv_path, strerror(errno));
    goto done;
  }
  if (!(root = report_to_json(self, info))) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", json_path);
    goto done;
  }
  cJSON *full = bovw_with_provenance(root, dir);
  rc = full ? bovw_json_write(json_path, full, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", json_path);
  cJSON_Delete(full);
done:
  cJSON_Delete(root);
  free(json_path);
  free(md_path);
  free(svg_path);
  free(tsv_path);
  return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* Integers in report.json are JSON numbers (doubles): exact up to 2^53. */
#define MAX_EXACT_INTEGER 9007199254740992.0

/* Reads obj[key] as a non-negative integer; on failure sets err naming the
 * file and `what` (the key, with its place when inside an array). */
static int get_count(const cJSON *obj, const char *key, const char *path,
                     const char *what, int64_t *out, bovw_error *err) {
  const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(obj, key) : obj;
  if (!v)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no \"%s\"", path, what);
  if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
      v->valuedouble > MAX_EXACT_INTEGER || v->valuedouble != floor(v->valuedouble))
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: \"%s\" is not a non-negative integer", path, what);
  *out = (int64_t)v->valuedouble;
  return BOVW_OK;
}

/* Reads obj[key] as a fraction in [0, 1]. */
static int get_fraction(const cJSON *obj, const char *key, const char *path,
                        const char *what, double *out, bovw_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no \"%s\"", path, what);
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1))
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: \"%s\" is not a number between 0 and 1", path, what);
  *out = v->valuedouble;
  return BOVW_OK;
}

/* Reads obj[key] as an array of exactly `size` entries. */
static int get_array(const cJSON *obj, const char *key, const char *path,
                     const char *what, size_t size, const cJSON **out,
                     bovw_error *err) {
  const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(obj, key) : obj;
  if (!v) return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no \"%s\"", path, what);
  if (!cJSON_IsArray(v))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: \"%s\" is not an array",
                          path, what);
  size_t got = (size_t)cJSON_GetArraySize(v);
  if (got != size)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: \"%s\" has %zu entries, expected %zu (num_classes)",
                          path, what, got, size);
  *out = v;
  return BOVW_OK;
}

/* Checks that "classes" has k entries and "confusion" k rows of k entries,
 * before the k x k matrix is allocated: the file must then hold k^2 numbers,
 * so a corrupt num_classes cannot ask for more memory than the file's size
 * justifies. */
static int check_sizes(const cJSON *root, const char *path, size_t k,
                       bovw_error *err) {
  const cJSON *classes, *confusion, *row, *checked;
  int rc;
  if ((rc = get_array(root, "classes", path, "classes", k, &classes, err)) ||
      (rc = get_array(root, "confusion", path, "confusion", k, &confusion, err)))
    return rc;
  size_t t = 0;
  cJSON_ArrayForEach(row, confusion) {
    char what[64];
    snprintf(what, sizeof what, "confusion[%zu]", t++);
    if ((rc = get_array(row, NULL, path, what, k, &checked, err))) return rc;
  }
  return BOVW_OK;
}

/* Fills r (allocated for num_classes, sizes checked) from the parsed
 * report.json. */
static int report_from_json(const cJSON *root, const char *path, bovw_report *r,
                            bovw_error *err) {
  size_t k = r->num_classes;
  char what[96];
  int64_t count = 0;
  int rc;
  if ((rc = get_count(root, "count", path, "count", &count, err)) ||
      (rc = get_fraction(root, "accuracy", path, "accuracy", &r->accuracy, err)) ||
      (rc = get_fraction(root, "mean_class_accuracy", path, "mean_class_accuracy",
                         &r->mean_class_accuracy, err)) ||
      (rc = get_fraction(root, "top5_accuracy", path, "top5_accuracy",
                         &r->top5_accuracy, err)))
    return rc;
  r->count = (size_t)count;

  const cJSON *classes = cJSON_GetObjectItemCaseSensitive(root, "classes");
  const cJSON *confusion = cJSON_GetObjectItemCaseSensitive(root, "confusion");
  int64_t *correct = calloc(k, sizeof *correct);
  if (!correct) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  size_t c = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, classes) {
    snprintf(what, sizeof what, "classes[%zu]", c);
    const char *name = bovw_meta_string(o, "name", NULL);
    if (!cJSON_IsObject(o) || !name) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: \"%s\" is not an object "
                          "with a \"name\" string", path, what);
      break;
    }
    if (!(r->class_names[c] = strdup(name))) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
      break;
    }
    snprintf(what, sizeof what, "classes[%zu].support", c);
    if ((rc = get_count(o, "support", path, what, &r->support[c], err))) break;
    snprintf(what, sizeof what, "classes[%zu].correct", c);
    if ((rc = get_count(o, "correct", path, what, &correct[c], err))) break;
    snprintf(what, sizeof what, "classes[%zu].precision", c);
    if ((rc = get_fraction(o, "precision", path, what, &r->precision[c], err))) break;
    snprintf(what, sizeof what, "classes[%zu].recall", c);
    if ((rc = get_fraction(o, "recall", path, what, &r->recall[c], err))) break;
    c++;
  }
  /* The matrix must agree with the per-class counts and the total: a report
   * edited by hand or cut short is refused rather than compared. */
  size_t t = 0;
  const cJSON *row;
  int64_t total = 0;
  if (!rc) cJSON_ArrayForEach(row, confusion) {
    size_t p = 0;
    int64_t row_sum = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, row) {
      snprintf(what, sizeof what, "confusion[%zu][%zu]", t, p);
      if ((rc = get_count(v, NULL, path, what, &r->confusion[t * k + p], err))) break;
      row_sum += r->confusion[t * k + p];
      p++;
    }
    if (rc) break;
    if (row_sum != r->support[t] || r->confusion[t * k + t] != correct[t]) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: \"confusion\" row %zu does not match the support "
                          "and correct count of class %zu",
                          path, t, t);
      break;
    }
    total += row_sum;
    t++;
  }
  if (!rc && total != count)
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: \"confusion\" sums to %lld, but \"count\" is %lld",
                        path, (long long)total, (long long)count);
  free(correct);
  return rc;
}

int bovw_report_read(const char *dir, bovw_report **out, cJSON **info,
                     bovw_error *err) {
  *out = NULL;
  if (info) *info = NULL;
  char *path = join(dir, "report.json", err);
  if (!path) return BOVW_ERR_NOMEM;
  cJSON *root;
  int rc = bovw_json_read_noted(path, &root, err);
  if (rc) {
    free(path);
    return rc;
  }
  bovw_report *r = NULL;
  const char *kind = bovw_meta_string(root, "kind", NULL);
  double version = bovw_meta_number(root, "format_version", -1);
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run");
  int64_t k = 0;
  if (!root || !cJSON_IsObject(root)) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not a JSON object", path);
  } else if (!kind) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no \"kind\"", path);
  } else if (strcmp(kind, "report") != 0) {
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "%s: \"kind\" is \"%s\", not \"report\"", path, kind);
  } else if (version < 1 || version > BOVW_ARTIFACT_FORMAT) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: format version %g is not one this bovw (%s) reads",
                        path, version, BOVW_VERSION);
  } else if (!cJSON_IsObject(run)) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no \"run\" object", path);
  } else if (!(rc = get_count(root, "num_classes", path, "num_classes", &k, err))) {
    if (k == 0)
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: \"num_classes\" is 0", path);
    else if (!(rc = check_sizes(root, path, (size_t)k, err)) &&
             !(rc = bovw_report_new((size_t)k, &r, err)))
      rc = report_from_json(root, path, r, err);
  }
  if (!rc && info && !(*info = cJSON_Duplicate(run, 1)))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  cJSON_Delete(root);
  free(path);
  if (rc) {
    bovw_report_free(r);
    return rc;
  }
  *out = r;
  return BOVW_OK;
}

cJSON *bovw_test_set_json(const char *manifest_sha256, const int32_t *labels, size_t n) {
  char hex[65];
  bovw_sha256_hex(labels, n * sizeof *labels, hex);  /* little-endian hosts only */
  cJSON *t = cJSON_CreateObject();
  int ok = t && cJSON_AddNumberToObject(t, "count", (double)n) &&
           (manifest_sha256 ? cJSON_AddStringToObject(t, "manifest_sha256", manifest_sha256) != NULL
                            : cJSON_AddNullToObject(t, "manifest_sha256") != NULL) &&
           cJSON_AddStringToObject(t, "labels_sha256", hex);
  if (ok) return t;
  cJSON_Delete(t);
  return NULL;
}
