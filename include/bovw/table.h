/* table.h: tab-separated tables with a header line, as the lecture's
 * experiments and scripts write them (results.tsv, steps.tsv): read whole
 * into memory, cells as text, columns found by name. */
#ifndef BOVW_TABLE_H
#define BOVW_TABLE_H

#include <stddef.h>

#include "bovw/error.h"

typedef struct bovw_table {
  char *path;      /* as given, for messages */
  size_t cols;     /* columns of the header */
  size_t rows;     /* data rows (the header not counted) */
  char **names;    /* cols header names */
  char **cells;    /* rows x cols, row-major; pointers into the table's text */
  char *text;      /* owned */
} bovw_table;

/* Reads path: a header line of column names, then rows with as many
 * tab-separated cells (a trailing carriage return is dropped, blank lines
 * are skipped). A row with another number of cells, an empty or repeated
 * column name, or no data row is refused, naming the file and line.
 * On success *out is a new table (free with bovw_table_free). */
int bovw_table_read(const char *path, bovw_table **out, bovw_error *err);

void bovw_table_free(bovw_table *self);

/* The index of the column called name, or -1. */
int bovw_table_column(const bovw_table *self, const char *name);

/* Cell (row, col). */
static inline const char *bovw_table_cell(const bovw_table *self, size_t row, size_t col) {
  return self->cells[row * self->cols + col];
}

/* The cell as a number: 0 and *value set for a number (nan and inf
 * included); 1 for text that is not a number. An empty cell and the word
 * "diverged" read as NaN (0 returned): a run that has no finite value. */
int bovw_table_number(const bovw_table *self, size_t row, size_t col, double *value);

#endif
