/* manifest.c: TSV image lists (see include/bovw/manifest.h). */
#define _GNU_SOURCE
#include "bovw/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/provenance.h"

static const char HEADER[] = "path\tlabel\tclass";

bovw_manifest *bovw_manifest_new(void) {
  return calloc(1, sizeof(bovw_manifest));
}

static void free_strings(char **s, size_t n) {
  for (size_t i = 0; s && i < n; i++) free(s[i]);
  free(s);
}

void bovw_manifest_free(bovw_manifest *self) {
  if (!self) return;
  free_strings(self->paths, self->count);
  free(self->labels);
  free_strings(self->class_names, self->num_classes);
  free(self->root);
  free(self);
}

int bovw_manifest_add(bovw_manifest *self, const char *path, int32_t label,
                      bovw_error *err) {
  if (self->count == self->capacity_) {
    size_t cap = self->capacity_ ? 2 * self->capacity_ : 256;
    char **p = realloc(self->paths, cap * sizeof *p);
    if (p) self->paths = p;
    int32_t *l = realloc(self->labels, cap * sizeof *l);
    if (l) self->labels = l;
    if (!p || !l) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    self->capacity_ = cap;
  }
  char *copy = strdup(path);
  if (!copy) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  self->paths[self->count] = copy;
  self->labels[self->count] = label;
  self->count++;
  return BOVW_OK;
}

int bovw_manifest_set_classes(bovw_manifest *self, char *const *names, size_t n,
                              bovw_error *err) {
  char **copy = calloc(n ? n : 1, sizeof *copy);
  if (!copy) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    if (!(copy[i] = strdup(names[i]))) {
      free_strings(copy, i);
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
  free_strings(self->class_names, self->num_classes);
  self->class_names = copy;
  self->num_classes = n;
  return BOVW_OK;
}

int bovw_manifest_set_root(bovw_manifest *self, const char *root,
                           bovw_error *err) {
  char *copy = NULL;
  if (root && !(copy = strdup(root)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  free(self->root);
  self->root = copy;
  return BOVW_OK;
}

char *bovw_manifest_resolve(const bovw_manifest *self, size_t i) {
  return bovw_path_join(self->root, self->paths[i]);
}

/* Reads classes.txt (one name a line) into a new array. */
static int read_classes(const char *path, char ***names, size_t *n,
                        bovw_error *err) {
  unsigned char *text;
  size_t len;
  int rc = bovw_read_file(path, 1, &text, &len, err);
  if (rc) return rc;
  size_t cap = 64, count = 0;
  char **list = malloc(cap * sizeof *list);
  char *cursor = (char *)text, *line = NULL;
  while (list && (line = bovw_next_line(&cursor))) {
    if (!line[0]) continue;
    if (count == cap) {
      char **grown = realloc(list, 2 * cap * sizeof *list);
      if (!grown) break;
      list = grown;
      cap *= 2;
    }
    if (!(list[count] = strdup(line))) break;
    count++;
  }
  int ok = list && line == NULL;
  free(text);
  if (!ok) {
    free_strings(list, count);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  *names = list;
  *n = count;
  return BOVW_OK;
}

/* Root and class names from the files beside the manifest. */
static int read_context(bovw_manifest *self, const char *path, bovw_error *err) {
  char *dir = bovw_path_dirname(path);
  char *classes = dir ? bovw_path_join(dir, "classes.txt") : NULL;
  char *meta_path = dir ? bovw_path_join(dir, "meta.json") : NULL;
  int rc = (!dir || !classes || !meta_path)
               ? bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory")
               : BOVW_OK;
  if (!rc && access(classes, F_OK) == 0) {
    char **names = NULL;
    size_t n = 0;
    rc = read_classes(classes, &names, &n, err);
    if (!rc) {
      free_strings(self->class_names, self->num_classes);
      self->class_names = names;
      self->num_classes = n;
    }
  }
  const char *root = dir;
  cJSON *meta = NULL;
  if (!rc && access(meta_path, F_OK) == 0) {
    bovw_error ignored;
    if (bovw_meta_read(dir, "dataset", &meta, &ignored) == BOVW_OK)
      root = bovw_meta_string(meta, "root", dir);
  }
  if (!rc) rc = bovw_manifest_set_root(self, root, err);
  cJSON_Delete(meta);
  free(meta_path);
  free(classes);
  free(dir);
  return rc;
}

int bovw_manifest_read(const char *path, bovw_manifest **out, bovw_error *err) {
  *out = NULL;
  unsigned char *text;
  size_t len;
  int rc = bovw_read_file(path, 0, &text, &len, err);
  if (rc) return rc;
  bovw_manifest *self = bovw_manifest_new();
  if (!self) {
    free(text);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  rc = bovw_sha256_file(path, self->sha256, err);
  if (!rc) rc = read_context(self, path, err);
  size_t from_file = self->num_classes;  /* names known from classes.txt */

  char *cursor = (char *)text, *line = bovw_next_line(&cursor);
  if (!rc && (!line || strcmp(line, HEADER) != 0))
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: line 1: expected the header \"path<TAB>label<TAB>class\"",
                        path);
  for (size_t lineno = 2; !rc && (line = bovw_next_line(&cursor)); lineno++) {
    if (!line[0]) continue;
    char *tab1 = strchr(line, '\t');
    char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab1 || !tab2 || strchr(tab2 + 1, '\t')) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: line %zu: expected 3 tab-separated fields", path,
                          lineno);
      break;
    }
    *tab1 = *tab2 = '\0';
    char *end;
    errno = 0;
    long label = strtol(tab1 + 1, &end, 10);
    if (end == tab1 + 1 || *end || errno || label < 0 || label > 1000000) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: line %zu: label \"%s\" is not a class index",
                          path, lineno, tab1 + 1);
      break;
    }
    const char *name = tab2 + 1;
    if ((size_t)label >= self->num_classes) {
      if (from_file) {
        rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: line %zu: label %ld but classes.txt has %zu "
                            "classes",
                            path, lineno, label, from_file);
        break;
      }
      char **grown = realloc(self->class_names, (size_t)(label + 1) * sizeof *grown);
      if (!grown) {
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
        break;
      }
      for (size_t k = self->num_classes; k <= (size_t)label; k++) grown[k] = NULL;
      self->class_names = grown;
      self->num_classes = (size_t)label + 1;
    }
    if (!self->class_names[label] &&
        !(self->class_names[label] = strdup(name))) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
      break;
    }
    if (strcmp(self->class_names[label], name) != 0) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: line %zu: label %ld is class \"%s\", not \"%s\"",
                          path, lineno, label, self->class_names[label], name);
      break;
    }
    rc = bovw_manifest_add(self, line, (int32_t)label, err);
  }
  /* Labels no row used and no classes.txt named still need a name. */
  for (size_t k = 0; !rc && k < self->num_classes; k++)
    if (!self->class_names[k]) {
      char name[32];
      snprintf(name, sizeof name, "class%zu", k);
      if (!(self->class_names[k] = strdup(name)))
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
    }
  free(text);
  if (rc) {
    bovw_manifest_free(self);
    return rc;
  }
  /* The manifest and its images are inputs of whatever this process makes. */
  if (bovw_provenance_note_manifest(path, self)) {
    bovw_manifest_free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  *out = self;
  return BOVW_OK;
}

int bovw_manifest_write(const char *path, const bovw_manifest *self,
                        const size_t *rows, size_t nrows, bovw_error *err) {
  if (!rows) nrows = self->count;
  bovw_atomic_file f;
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  fprintf(f.fp, "%s\n", HEADER);
  for (size_t k = 0; k < nrows; k++) {
    size_t i = rows ? rows[k] : k;
    int32_t label = self->labels[i];
    const char *name = (size_t)label < self->num_classes
                           ? self->class_names[label] : "";
    fprintf(f.fp, "%s\t%d\t%s\n", self->paths[i], label, name);
  }
  return bovw_atomic_commit(&f, err);
}

int bovw_classes_write(const char *path, const bovw_manifest *self,
                       bovw_error *err) {
  bovw_atomic_file f;
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  for (size_t k = 0; k < self->num_classes; k++)
    fprintf(f.fp, "%s\n", self->class_names[k]);
  return bovw_atomic_commit(&f, err);
}

int bovw_classes_check(const char *data_name, char *const *data_names, size_t n,
                       const char *who, char *const *known, size_t m, bovw_error *err) {
  if (n > m)
    return bovw_error_set(err, BOVW_ERR_MISMATCH, "%s has %zu classes; the %s knows %zu",
                          data_name, n, who, m);
  for (size_t c = 0; c < n; c++)
    if (strcmp(data_names[c], known[c]))
      return bovw_error_set(err, BOVW_ERR_MISMATCH,
                            "%s calls class %zu '%s'; the %s was trained with '%s' there",
                            data_name, c, data_names[c], who, known[c]);
  return BOVW_OK;
}
