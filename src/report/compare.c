/* compare.c: the reports of a comparison read back, checked against each
 * other, named, and with a learning curve grouped into lines (see
 * include/bovw/compare.h and docs/report.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/compare.h"
#include "bovw/fs.h"
#include "report/internal.h"

void bovw_compare_options_default(bovw_compare_options *o) {
  memset(o, 0, sizeof *o);
}

void bovw_compare_free(bovw_compare *self) {
  if (!self) return;
  for (size_t i = 0; i < self->count; i++) {
    bovw_compare_system *s = &self->systems[i];
    free(s->name);
    free(s->dir);
    bovw_report_free(s->report);
    cJSON_Delete(s->run);
  }
  free(self->systems);
  for (size_t l = 0; l < self->num_lines; l++) {
    free(self->lines[l].name);
    free(self->lines[l].points);
  }
  free(self->lines);
  free(self->title);
  free(self->curve_x);
  free(self);
}

static void take_run_numbers(bovw_compare_system *s) {
  bovw_run_info info;
  bovw_run_info_from_json(s->run, &info);
  s->train_count = info.train_count;
  s->train_per_class = info.train_per_class;
  if (!(s->train_per_class > 0))
    s->train_per_class = s->train_count > 0
                             ? s->train_count / (double)s->report->num_classes
                             : NAN;
  s->train_seconds = info.train_seconds;
  s->inference_seconds = info.inference_seconds;
  s->model_bytes = info.model_bytes;
  /* A system is compared by what it costs from pixels when the report
   * says: BoVW's classifier alone would look cheap beside a network that
   * decodes its images itself. */
  const cJSON *px = cJSON_GetObjectItemCaseSensitive(s->run, "from_pixels");
  if (cJSON_IsObject(px)) {
    bovw_run_info cost;
    bovw_run_info_from_json(px, &cost);
    s->from_pixels = 1;
    s->train_seconds = cost.train_seconds;
    s->inference_seconds = cost.inference_seconds;
  }
}

/* The last part of a folder path, without trailing slashes; "." and ".."
 * become the name of the folder they stand for. A new string or NULL. */
static char *folder_name(const char *dir) {
  char *copy = strdup(dir), *full = NULL;
  if (!copy) return NULL;
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/') copy[--n] = '\0';
  const char *slash = strrchr(copy, '/');
  const char *base = slash && slash[1] ? slash + 1 : copy;
  if (!strcmp(base, ".") || !strcmp(base, "..")) {
    full = realpath(copy, NULL);
    slash = full ? strrchr(full, '/') : NULL;
    base = slash && slash[1] ? slash + 1 : full ? full : base;
  }
  char *name = strdup(base);
  free(full);
  free(copy);
  return name;
}

/* A name from what the run says: "ENCODING-SOLVER" for bovw eval (hist-sgd,
 * fisher-sdca; "bovw-SOLVER" when the encoding is not recorded),
 * "nn-SPEC" for bovw nn eval, the kind for anything else, and the folder's
 * name when the run says nothing. A new string or NULL. */
static char *derived_name(const cJSON *run, const char *dir) {
  const char *kind = bovw_meta_string(run, "kind", NULL);
  char *name = NULL;
  int n = 0;
  if (kind && !strcmp(kind, "bovw")) {
    const char *enc = bovw_meta_string(cJSON_GetObjectItemCaseSensitive(run, "encoding"),
                                       "encoding", "bovw");
    const char *solver = bovw_meta_string(run, "solver", NULL);
    n = solver ? asprintf(&name, "%s-%s", enc, solver) : asprintf(&name, "%s", enc);
  } else if (kind && !strcmp(kind, "nn")) {
    const char *spec = bovw_meta_string(run, "spec", NULL);
    n = spec ? asprintf(&name, "nn-%s", spec) : asprintf(&name, "nn");
  } else if (kind && kind[0]) {
    n = asprintf(&name, "%s", kind);
  } else {
    return folder_name(dir);
  }
  return n < 0 ? NULL : name;
}

/* Whether name ends in "@N" with N a positive number: *at points to the
 * '@' and *x is N. */
static int split_at(const char *name, const char **at, double *x) {
  const char *a = strrchr(name, '@');
  if (!a || a == name || !a[1]) return 0;
  char *end;
  errno = 0;
  double v = strtod(a + 1, &end);
  if (*end || errno || !isfinite(v) || v <= 0) return 0;
  *at = a;
  *x = v;
  return 1;
}

/* The classes must be the same, in the same order, for the per-class
 * part to mean anything. */
static int check_classes(const bovw_compare_system *first, const bovw_compare_system *s,
                         bovw_error *err) {
  const bovw_report *a = first->report, *b = s->report;
  char *path = bovw_path_join(s->dir, "report.json");
  char *first_path = bovw_path_join(first->dir, "report.json");
  int rc = BOVW_OK;
  if (!path || !first_path) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", s->dir);
  } else if (a->num_classes != b->num_classes) {
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: %zu classes, but %s has %zu", path,
                        b->num_classes, first_path, a->num_classes);
  } else {
    for (size_t c = 0; c < a->num_classes; c++) {
      if (strcmp(a->class_names[c], b->class_names[c]) != 0) {
        rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                            "%s: class %zu is \"%s\", but \"%s\" in %s", path, c,
                            b->class_names[c], a->class_names[c], first_path);
        break;
      }
    }
  }
  free(path);
  free(first_path);
  return rc;
}

/* What a report says of its test set: the run's test_set object when it
 * has one; otherwise (an older report, one made by hand) the count and the
 * support of each class, which the report always has. Writes a description
 * of the first difference from first's into what; 0 when the same. */
static int other_test_set(const bovw_compare_system *first, const bovw_compare_system *s,
                          char *what, size_t size) {
  const bovw_report *a = first->report, *b = s->report;
  const cJSON *ta = cJSON_GetObjectItem(first->run, "test_set"),
              *tb = cJSON_GetObjectItem(s->run, "test_set");
  if (a->count != b->count) {
    snprintf(what, size, "%zu test images against %zu", b->count, a->count);
    return 1;
  }
  for (size_t c = 0; c < a->num_classes; c++)
    if (a->support[c] != b->support[c]) {
      snprintf(what, size, "%lld test images of class \"%s\" against %lld",
               (long long)b->support[c], a->class_names[c], (long long)a->support[c]);
      return 1;
    }
  if (!ta || !tb) return 0;
  const char *ma = bovw_meta_string(ta, "manifest_sha256", NULL),
             *mb = bovw_meta_string(tb, "manifest_sha256", NULL);
  if (ma && mb && strcmp(ma, mb)) {
    snprintf(what, size, "images from another manifest (sha256 %.12s..., not %.12s...)", mb, ma);
    return 1;
  }
  const char *la = bovw_meta_string(ta, "labels_sha256", NULL),
             *lb = bovw_meta_string(tb, "labels_sha256", NULL);
  if (la && lb && strcmp(la, lb)) {
    snprintf(what, size, "the same counts, but the labels in another order");
    return 1;
  }
  return 0;
}

/* Names without curve: given ones must differ; derived ones that collide
 * get their folder's name added, then their position if that is not
 * enough. Each round finds all the clashes before renaming, so that both
 * sides of a clash change. */
static int unique_names(bovw_compare *self, int given, bovw_error *err) {
  int *clash = calloc(self->count, sizeof *clash);
  if (!clash) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  for (int round = 0; round < 2 && !rc; round++) {
    for (size_t i = 0; i < self->count; i++) {
      clash[i] = 0;
      for (size_t j = 0; j < self->count; j++)
        clash[i] |= j != i && !strcmp(self->systems[i].name, self->systems[j].name);
    }
    for (size_t i = 0; i < self->count && !rc; i++) {
      if (!clash[i]) continue;
      bovw_compare_system *s = &self->systems[i];
      if (given) {
        rc = bovw_error_set(err, BOVW_ERR_INVALID, "the name \"%s\" is given twice", s->name);
        break;
      }
      char *folder = round == 0 ? folder_name(s->dir) : NULL, *name = NULL;
      int n = round == 1 ? asprintf(&name, "%s #%zu", s->name, i + 1)
              : folder   ? asprintf(&name, "%s (%s)", s->name, folder)
                         : -1;
      free(folder);
      if (n < 0) {
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
        break;
      }
      free(s->name);
      s->name = name;
    }
  }
  free(clash);
  return rc;
}

/* Puts system i on its curve line: "SYSTEM@N" names both, otherwise `name`
 * is the line and N the run's training images per class. The system is then
 * shown as "SYSTEM@N". */
static int place_on_line(bovw_compare *self, size_t i, char *name, bovw_error *err) {
  bovw_compare_system *s = &self->systems[i];
  const char *at;
  double x;
  char *line_name = name;
  if (split_at(name, &at, &x)) {
    line_name = strndup(name, (size_t)(at - name));
    free(name);
    if (!line_name) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    s->train_per_class = x;
  } else if (!(s->train_per_class > 0)) {
    free(name);
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s/report.json: no training-set size for the curve (the run "
                          "has no train_count or train_per_class): name it SYSTEM@N",
                          s->dir);
  }
  size_t l = 0;
  while (l < self->num_lines && strcmp(self->lines[l].name, line_name) != 0) l++;
  if (l == self->num_lines) {
    self->lines[l] = (bovw_compare_line){line_name, 0, NULL};
    self->num_lines++;
  } else {
    free(line_name);
  }
  bovw_compare_line *line = &self->lines[l];
  s->line = l;
  if (asprintf(&s->name, "%s@%g", line->name, s->train_per_class) < 0) {
    s->name = NULL;
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  /* Points kept in order of training-set size (insertion: lines are
   * short); the same size twice on one line would be two values for one
   * point. */
  size_t k = line->count;
  while (k > 0 && self->systems[line->points[k - 1]].train_per_class > s->train_per_class) k--;
  if (k > 0 && self->systems[line->points[k - 1]].train_per_class == s->train_per_class)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s/report.json: \"%s\" is also %s/report.json: one report per "
                          "system and training-set size",
                          s->dir, s->name, self->systems[line->points[k - 1]].dir);
  size_t *points = realloc(line->points, (line->count + 1) * sizeof *points);
  if (!points) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  memmove(points + k + 1, points + k, (line->count - k) * sizeof *points);
  points[k] = i;
  line->points = points;
  line->count++;
  return BOVW_OK;
}

int bovw_compare_new(char *const *dirs, size_t n, const bovw_compare_options *o,
                     bovw_compare **out, bovw_error *err) {
  *out = NULL;
  if (n == 0) return bovw_error_set(err, BOVW_ERR_INVALID, "no report to compare");
  for (size_t i = 0; o->names && i < n; i++)
    if (!o->names[i] || !o->names[i][0])
      return bovw_error_set(err, BOVW_ERR_INVALID, "name %zu is empty", i + 1);
  bovw_compare *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  self->curve = o->curve;
  self->title = strdup(o->title ? o->title : o->curve ? "Learning curve" : "Comparison");
  self->curve_x = strdup(o->curve_x ? o->curve_x : "training images per class");
  self->systems = calloc(n, sizeof *self->systems);
  self->lines = o->curve ? calloc(n, sizeof *self->lines) : NULL;
  int rc = BOVW_OK;
  if (!self->title || !self->curve_x || !self->systems || (o->curve && !self->lines)) {
    free(self->systems);
    self->systems = NULL;
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n && !rc; i++) {
    bovw_compare_system *s = &self->systems[i];
    self->count++;
    if (!(s->dir = strdup(dirs[i]))) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
      break;
    }
    if ((rc = bovw_report_read(dirs[i], &s->report, &s->run, err))) break;
    if (i > 0 && (rc = check_classes(&self->systems[0], s, err))) break;
    char what[256];
    if (i > 0 && other_test_set(&self->systems[0], s, what, sizeof what)) {
      if (!o->mixed_test_sets) {
        rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                            "%s/report.json was scored on another test set than %s/report.json "
                            "(%s): its numbers do not compare; --mixed-test-sets compares them "
                            "anyway",
                            s->dir, self->systems[0].dir, what);
        break;
      }
      self->mixed_test_sets = 1;
    }
    take_run_numbers(s);
    char *name = o->names ? strdup(o->names[i]) : derived_name(s->run, s->dir);
    if (!name) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
      break;
    }
    if (o->curve)
      rc = place_on_line(self, i, name, err);
    else
      s->name = name;
  }
  if (!rc && !o->curve) rc = unique_names(self, o->names != NULL, err);
done:
  if (rc) {
    bovw_compare_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

/* ---- shared by the writers ------------------------------------------------ */

size_t *bovw_compare_class_order(const bovw_compare *self) {
  size_t k = self->systems[0].report->num_classes;
  bovw_class_rank *rank = malloc(k * sizeof *rank);
  size_t *order = malloc(k * sizeof *order);
  if (!rank || !order) {
    free(rank);
    free(order);
    return NULL;
  }
  for (size_t c = 0; c < k; c++) {
    double sum = 0;
    int tested = 0;
    for (size_t i = 0; i < self->count; i++) {
      const bovw_report *r = self->systems[i].report;
      if (r->support[c] == 0) continue;
      sum += r->recall[c];
      tested++;
    }
    rank[c] = (bovw_class_rank){c, tested ? sum / tested : 0, tested > 0};
  }
  qsort(rank, k, sizeof *rank, bovw_class_rank_worst_first);
  for (size_t c = 0; c < k; c++) order[c] = rank[c].index;
  free(rank);
  return order;
}

static int rising(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a > b) - (a < b);
}

double *bovw_compare_curve_sizes(const bovw_compare *self, size_t *n) {
  *n = 0;
  double *xs = malloc((self->count ? self->count : 1) * sizeof *xs);
  if (!xs) return NULL;
  for (size_t i = 0; i < self->count; i++) xs[i] = self->systems[i].train_per_class;
  qsort(xs, self->count, sizeof *xs, rising);
  for (size_t i = 0; i < self->count; i++)
    if (*n == 0 || xs[*n - 1] != xs[i]) xs[(*n)++] = xs[i];
  return xs;
}
