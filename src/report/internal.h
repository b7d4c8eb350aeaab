/* internal.h: what the report files share (not public API): the order of
 * classes, names written into markdown, the files of a comparison. The
 * pieces of the SVG pictures (names as XML, head, tooltips, series, chart
 * frame) are in io/svg.h, shared with the networks' training curves. */
#ifndef BOVW_REPORT_INTERNAL_H
#define BOVW_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "bovw/compare.h"
#include "bovw/fs.h"
#include "io/svg.h"

/* ---- ordering classes (metrics.c) ----------------------------------------- */

/* A class and the value it is sorted by: its recall, or its mean recall
 * over several reports. */
typedef struct bovw_class_rank {
  size_t index;
  double value;
  int tested;  /* has test images (in at least one report) */
} bovw_class_rank;

/* For qsort, worst first: classes without test images last (their recall
 * means nothing), then by value rising, then by class index so the order
 * is the same on every platform. */
int bovw_class_rank_worst_first(const void *a, const void *b);

/* ---- text (text.c) -------------------------------------------------------- */

/* Writes s as markdown text: the characters markdown would read as syntax
 * are escaped, line breaks (which would end a table row) become spaces. */
void bovw_put_md(FILE *f, const char *s);

/* ---- comparisons (compare*.c) ------------------------------------------- */

/* The classes in the order the per-class table and picture show them: by
 * their mean recall over the systems that have test images of them, lowest
 * first; classes no system has test images of last; ties in label order.
 * A new array of num_classes indices, or NULL when out of memory. */
size_t *bovw_compare_class_order(const bovw_compare *self);

/* With curve: the distinct training images per class of all systems,
 * rising. A new array (*n entries), or NULL when out of memory. */
double *bovw_compare_curve_sizes(const bovw_compare *self, size_t *n);

/* The files of a comparison, each written atomically to `path`. */
int bovw_compare_write_markdown(const bovw_compare *self, const char *path,
                                bovw_error *err);
int bovw_compare_write_accuracy_svg(const bovw_compare *self, const char *path,
                                    bovw_error *err);
int bovw_compare_write_per_class_svg(const bovw_compare *self, const char *path,
                                     bovw_error *err);
int bovw_compare_write_curve_svg(const bovw_compare *self, const char *path,
                                 bovw_error *err);


/* ---- bovw plot (plot.c, plot_lines.c, plot_points.c) ---------------------- */

#include "bovw/plot.h"

/* The index of column name (*col), or an error naming the table and what
 * the column was asked for (role: "x", "y", "class", ...). */
int bovw_plot_column(const bovw_table *t, const char *name, const char *role, int *col,
                     bovw_error *err);
/* Cell (row, col) as a number, or an error naming the file, line and
 * column; non-finite values are allowed only when allow_nonfinite. */
int bovw_plot_number(const bovw_table *t, size_t row, int col, int allow_nonfinite,
                     double *value, bovw_error *err);
/* A chart of the standard size with room for a legend of names up to
 * legend_chars characters on its right: sets a->plot and opens path with
 * the title ("Y against X" when o->title is NULL). */
int bovw_plot_open(bovw_atomic_file *af, const char *path, bovw_svg_axes *a,
                   const bovw_plot_options *o, const char *x, const char *y,
                   size_t legend_chars, bovw_error *err);
/* Where legend entry i goes, right of the plot. */
void bovw_plot_legend_at(const bovw_svg_axes *a, size_t i, double *x, double *y);
/* Legend names longer than this are cut (with their whole text as a tooltip). */
#define BOVW_PLOT_LEGEND_CHARS 28

#endif
