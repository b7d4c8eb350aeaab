/* compare_json.c: a comparison's folder: compare.json (every number, for
 * programs; the schema in docs/report.md) written last, after compare.md
 * and the pictures. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "report/internal.h"

/* A number, or null when the run did not give it (NAN). */
static int add_number_or_null(cJSON *obj, const char *key, double v) {
  return isnan(v) ? cJSON_AddNullToObject(obj, key) != NULL
                  : cJSON_AddNumberToObject(obj, key, v) != NULL;
}

/* An array of k numbers, doubles or int64 counts, attached to obj[key]. */
static int add_array(cJSON *obj, const char *key, const double *d, const int64_t *counts,
                     size_t k) {
  cJSON *a = cJSON_AddArrayToObject(obj, key);
  int ok = a != NULL;
  for (size_t c = 0; ok && c < k; c++) {
    cJSON *v = cJSON_CreateNumber(d ? d[c] : (double)counts[c]);
    ok = v && cJSON_AddItemToArray(a, v);
    if (!ok) cJSON_Delete(v);
  }
  return ok;
}

static cJSON *system_to_json(const bovw_compare_system *s) {
  const bovw_report *r = s->report;
  char *abs = realpath(s->dir, NULL);
  cJSON *o = cJSON_CreateObject(), *run = NULL;
  int ok = o && cJSON_AddStringToObject(o, "name", s->name) &&
           cJSON_AddStringToObject(o, "report", abs ? abs : s->dir) &&
           cJSON_AddNumberToObject(o, "count", (double)r->count) &&
           cJSON_AddNumberToObject(o, "accuracy", r->accuracy) &&
           cJSON_AddNumberToObject(o, "mean_class_accuracy", r->mean_class_accuracy) &&
           cJSON_AddNumberToObject(o, "top5_accuracy", r->top5_accuracy) &&
           add_number_or_null(o, "train_count", s->train_count) &&
           add_number_or_null(o, "train_per_class", s->train_per_class) &&
           add_number_or_null(o, "train_seconds", s->train_seconds) &&
           add_number_or_null(o, "inference_seconds", s->inference_seconds) &&
           add_number_or_null(o, "model_bytes", s->model_bytes) &&
           add_array(o, "recall", r->recall, NULL, r->num_classes) &&
           add_array(o, "support", NULL, r->support, r->num_classes);
  free(abs);
  if (ok) {
    run = cJSON_Duplicate(s->run, 1);
    ok = run && cJSON_AddItemToObject(o, "run", run);
    if (!ok) cJSON_Delete(run);
  }
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *curve_to_json(const bovw_compare *self) {
  cJSON *curve = cJSON_CreateObject(), *lines = NULL;
  int ok = curve && cJSON_AddStringToObject(curve, "x", "train_per_class") &&
           cJSON_AddStringToObject(curve, "y", "mean_class_accuracy") &&
           (lines = cJSON_AddArrayToObject(curve, "lines"));
  for (size_t l = 0; ok && l < self->num_lines; l++) {
    const bovw_compare_line *line = &self->lines[l];
    cJSON *o = cJSON_CreateObject(), *points = NULL;
    ok = o && cJSON_AddStringToObject(o, "name", line->name) &&
         (points = cJSON_AddArrayToObject(o, "points"));
    for (size_t p = 0; ok && p < line->count; p++) {
      const bovw_compare_system *s = &self->systems[line->points[p]];
      cJSON *point = cJSON_CreateObject();
      ok = point && cJSON_AddNumberToObject(point, "system", (double)line->points[p]) &&
           cJSON_AddNumberToObject(point, "train_per_class", s->train_per_class) &&
           cJSON_AddNumberToObject(point, "mean_class_accuracy",
                                   s->report->mean_class_accuracy) &&
           cJSON_AddItemToArray(points, point);
      if (!ok) cJSON_Delete(point);
    }
    ok = ok && cJSON_AddItemToArray(lines, o);
    if (!ok) cJSON_Delete(o);
  }
  if (!ok) {
    cJSON_Delete(curve);
    return NULL;
  }
  return curve;
}

/* compare.json as a cJSON tree; NULL when out of memory. */
static cJSON *compare_to_json(const bovw_compare *self) {
  const bovw_report *first = self->systems[0].report;
  cJSON *root = bovw_meta_new("compare"), *classes = NULL, *systems = NULL;
  int ok = root && cJSON_AddStringToObject(root, "title", self->title) &&
           cJSON_AddNumberToObject(root, "num_classes", (double)first->num_classes) &&
           (classes = cJSON_AddArrayToObject(root, "classes")) &&
           (systems = cJSON_AddArrayToObject(root, "systems"));
  for (size_t c = 0; ok && c < first->num_classes; c++) {
    cJSON *name = cJSON_CreateString(first->class_names[c]);
    ok = name && cJSON_AddItemToArray(classes, name);
    if (!ok) cJSON_Delete(name);
  }
  for (size_t i = 0; ok && i < self->count; i++) {
    cJSON *o = system_to_json(&self->systems[i]);
    ok = o && cJSON_AddItemToArray(systems, o);
    if (!ok) cJSON_Delete(o);
  }
  if (ok && self->curve) {
    cJSON *curve = curve_to_json(self);
    ok = curve && cJSON_AddItemToObject(root, "curve", curve);
    if (!ok) cJSON_Delete(curve);
  }
  if (ok && self->mixed_test_sets) ok = cJSON_AddTrueToObject(root, "mixed_test_sets") != NULL;
  if (!ok) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

/* Removes dir/name when it is there. */
static int remove_old(const char *dir, const char *name, bovw_error *err) {
  char *path = bovw_path_join(dir, name);
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  int rc = BOVW_OK;
  if (unlink(path) != 0 && errno != ENOENT)
    rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
  free(path);
  return rc;
}

/* Writes dir/name with one of the writers. */
static int write_one(const bovw_compare *self, const char *dir, const char *name,
                     int (*writer)(const bovw_compare *, const char *, bovw_error *),
                     bovw_error *err) {
  char *path = bovw_path_join(dir, name);
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  int rc = writer(self, path, err);
  free(path);
  return rc;
}

int bovw_compare_write(const bovw_compare *self, const char *dir, bovw_error *err) {
  int rc;
  /* compare.json is the commit point, as report.json is for a report: the
   * old one goes first, the new one is written last. A curve.svg of an
   * earlier run with --curve would not belong to this one. */
  if ((rc = bovw_mkdir_p(dir, err)) || (rc = remove_old(dir, "compare.json", err)) ||
      (rc = write_one(self, dir, "accuracy.svg", bovw_compare_write_accuracy_svg, err)) ||
      (rc = write_one(self, dir, "per_class.svg", bovw_compare_write_per_class_svg, err)) ||
      (rc = self->curve ? write_one(self, dir, "curve.svg", bovw_compare_write_curve_svg, err)
                        : remove_old(dir, "curve.svg", err)) ||
      (rc = write_one(self, dir, "compare.md", bovw_compare_write_markdown, err)))
    return rc;
  char *path = bovw_path_join(dir, "compare.json");
  cJSON *root = path ? compare_to_json(self) : NULL;
  cJSON *full = root ? bovw_with_provenance(root, dir) : NULL;
  rc = full ? bovw_json_write(path, full, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  cJSON_Delete(full);
  cJSON_Delete(root);
  free(path);
  return rc;
}
