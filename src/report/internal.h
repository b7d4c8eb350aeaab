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

#endif
