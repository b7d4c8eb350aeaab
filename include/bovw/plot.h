/* plot.h: `bovw plot`: SVG charts of tab-separated tables (bovw/table.h),
 * for the lecture's experiments and any script's results: lines (a value
 * against another, one line per column or per group of rows) and points
 * (a scatter coloured by class, over the decision regions of a grid).
 * docs/plot.md shows both. */
#ifndef BOVW_PLOT_H
#define BOVW_PLOT_H

#include <stddef.h>

#include "bovw/error.h"
#include "bovw/table.h"

typedef struct bovw_plot_options {
  const char *title;    /* NULL: "Y against X" */
  const char *x_title;  /* NULL: the x column's name */
  const char *y_title;  /* NULL: the y column's name (lines: of the first) */
  int log_x, log_y;     /* logarithmic axes; their values must be positive */
} bovw_plot_options;

void bovw_plot_options_default(bovw_plot_options *o);

/* Lines of y against x, written to path (atomically). Without `series`
 * (NULL), one line per column of ys[0 .. num_y); with it, num_y is 1 and
 * each distinct value of column `series` is a line of its rows, named by
 * that value, in order of first appearance. A line's points are joined in
 * the order of x. A y cell that is not a finite number (nan, inf, empty,
 * "diverged") is a cross on the top edge at its x, the legend saying so:
 * a run that diverged. Columns not found, or a cell of x or y that is not
 * a number, are refused naming the column and line. */
int bovw_plot_lines(const bovw_table *table, const char *x, const char *const *ys,
                    size_t num_y, const char *series, const bovw_plot_options *o,
                    const char *path, bovw_error *err);

/* Points (x, y) coloured and shaped by the value of column cls, to path.
 * regions (NULL: none) holds points on a regular grid with the same three
 * columns, cls the class predicted there: each is painted, under the
 * points, as a pale cell of its class's colour. Classes are listed in
 * order of first appearance (points, then regions). */
int bovw_plot_points(const bovw_table *table, const char *x, const char *y, const char *cls,
                     const bovw_table *regions, const bovw_plot_options *o, const char *path,
                     bovw_error *err);

#endif
