/* table.c: tab-separated tables with a header line (include/bovw/table.h). */
#include "bovw/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bovw/fs.h"

void bovw_table_free(bovw_table *self) {
  if (!self) return;
  free(self->path);
  free(self->names);
  free(self->cells);
  free(self->text);
  free(self);
}

/* Splits line (NUL-terminated, no newline) at tabs into cells[0 .. max),
 * in place; returns the number of cells found (may exceed max). */
static size_t split_tabs(char *line, char **cells, size_t max) {
  size_t n = 0;
  for (char *p = line;; p++) {
    if (n < max) cells[n] = p;
    n++;
    p = strchr(p, '\t');
    if (!p) break;
    *p = '\0';
  }
  return n;
}

/* The next line, counted in *line_no. */
static char *next_line(char **cursor, size_t *line_no) {
  char *line = bovw_next_line(cursor);
  if (line) (*line_no)++;
  return line;
}

static int parse(bovw_table *t, bovw_error *err) {
  char *cursor = t->text, *line;
  size_t line_no = 0, rows_cap = 0;
  while ((line = next_line(&cursor, &line_no)) && !*line) {}
  if (!line) return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no header line", t->path);
  t->cols = 1;
  for (const char *p = line; *p; p++) t->cols += *p == '\t';
  if (!(t->names = malloc(t->cols * sizeof *t->names)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", t->path);
  split_tabs(line, t->names, t->cols);
  for (size_t c = 0; c < t->cols; c++) {
    if (!*t->names[c])
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s:%zu: column %zu has no name", t->path,
                            line_no, c + 1);
    for (size_t d = 0; d < c; d++)
      if (!strcmp(t->names[c], t->names[d]))
        return bovw_error_set(err, BOVW_ERR_FORMAT, "%s:%zu: column '%s' named twice",
                              t->path, line_no, t->names[c]);
  }
  while ((line = next_line(&cursor, &line_no))) {
    if (!*line) continue;
    if (t->rows == rows_cap) {
      rows_cap = rows_cap ? 2 * rows_cap : 64;
      char **grown = realloc(t->cells, rows_cap * t->cols * sizeof *grown);
      if (!grown) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", t->path);
      t->cells = grown;
    }
    size_t n = split_tabs(line, t->cells + t->rows * t->cols, t->cols);
    if (n != t->cols)
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s:%zu: %zu cells where the header has %zu columns", t->path,
                            line_no, n, t->cols);
    t->rows++;
  }
  if (!t->rows) return bovw_error_set(err, BOVW_ERR_EMPTY, "%s: no data rows", t->path);
  return 0;
}

int bovw_table_read(const char *path, bovw_table **out, bovw_error *err) {
  *out = NULL;
  bovw_table *t = calloc(1, sizeof *t);
  if (!t || !(t->path = strdup(path))) {
    free(t);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  unsigned char *bytes;
  size_t n;
  int rc = bovw_read_file(path, 0, &bytes, &n, err);
  if (!rc && memchr(bytes, '\0', n)) {
    free(bytes);
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: a NUL byte: not a text table", path);
  }
  if (rc) {
    bovw_table_free(t);
    return rc;
  }
  t->text = (char *)bytes;
  if ((rc = parse(t, err))) {
    bovw_table_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

int bovw_table_column(const bovw_table *self, const char *name) {
  for (size_t c = 0; c < self->cols; c++)
    if (!strcmp(self->names[c], name)) return (int)c;
  return -1;
}

int bovw_table_number(const bovw_table *self, size_t row, size_t col, double *value) {
  const char *s = bovw_table_cell(self, row, col);
  if (!*s || !strcasecmp(s, "diverged")) {
    *value = NAN;
    return 0;
  }
  char *end;
  *value = strtod(s, &end);
  return *end != '\0';
}
