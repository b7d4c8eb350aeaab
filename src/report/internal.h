/* internal.h: what the report files share (not public API): writing names
 * into SVG and markdown safely, and the pieces of the SVG charts. */
#ifndef BOVW_REPORT_INTERNAL_H
#define BOVW_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "bovw/compare.h"
#include "bovw/fs.h"

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

/* Characters (code points, an invalid byte counting as one) in s. */
size_t bovw_text_chars(const char *s);

/* Writes s as XML character data, cut to max_chars characters with an
 * ellipsis (0: no limit). Markup characters become entities; control
 * characters and bytes that are not UTF-8 become U+FFFD, so the file always
 * parses. */
void bovw_put_xml(FILE *f, const char *s, size_t max_chars);

/* Writes s as markdown text: the characters markdown would read as syntax
 * are escaped, line breaks (which would end a table row) become spaces. */
void bovw_put_md(FILE *f, const char *s);

/* ---- charts (chart.c) ----------------------------------------------------- */

/* A generous average advance of sans-serif letters, in ems: for sizing
 * label areas without measuring text. */
#define BOVW_CHAR_WIDTH 0.6

/* Opens path atomically (bovw_atomic_open) for an SVG picture of width x
 * height pixels and writes its head: the XML declaration, the <svg>
 * element, a white background and `title` in bold, starting at title_x,
 * 25 pixels from the top. The caller writes the rest into af->fp and
 * commits. */
int bovw_svg_open(bovw_atomic_file *af, const char *path, double width, double height,
                  double title_x, const char *title, bovw_error *err);

/* The colour of series i (cycles), from a palette whose neighbours stay
 * apart for colour-blind readers; as "#rrggbb". */
const char *bovw_series_colour(size_t i);

/* Draws the marker of series i centred at (x, y), of about `size` pixels:
 * each series has its own shape as well as its own colour, so that
 * overlapping or grey-printed points stay apart. Leaves the element open
 * (ending with ">") for a <title> child; close it with bovw_svg_marker_end. */
void bovw_svg_marker(FILE *f, size_t i, double x, double y, double size);
void bovw_svg_marker_end(FILE *f, size_t i);

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
