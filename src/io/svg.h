/* svg.h: SVG pictures written by hand (internal to the library): names as
 * XML text, the document's head, tooltips, the colours and marker shapes of
 * series, and the frame of a chart. The reports' pictures (src/report) and
 * the training curves of networks (src/nn) share them, so it sits in io,
 * the floor both stand on.
 *
 * A picture must read the same in a browser, in librsvg (rsvg-convert) and
 * in ImageMagick's own renderer (MSVG, what `convert x.svg x.png` uses when
 * ImageMagick's SVG coder is installed). MSVG is the narrow one; seen with
 * ImageMagick 6.9.11, it
 * - drops a <text> or <circle> that has a <title> child: tooltips go in a
 *   group instead (bovw_svg_tip_begin);
 * - reads font-family as one name, never a list: a list ends in
 *   "helvetica", and without the Ghostscript fonts no text is drawn at all;
 * - outlines in black every shape without a stroke attribute;
 * - paints a gradient black and ignores rotate(angle x y).
 * The helpers write only forms all three read, and tests/cli/svg_render.sh
 * renders every kind of picture with rsvg-convert and with MSVG. */
#ifndef BOVW_IO_SVG_H
#define BOVW_IO_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "bovw/error.h"
#include "bovw/fs.h"

/* A generous average advance of sans-serif letters, in ems: for sizing
 * label areas without measuring text. */
#define BOVW_CHAR_WIDTH 0.6

/* ---- text (svg_text.c) ---------------------------------------------------- */

/* Characters (code points, an invalid byte counting as one) in s. */
size_t bovw_text_chars(const char *s);

/* Writes s as XML character data (fit for an attribute value too), cut to
 * max_chars characters with an ellipsis (0: no limit). Markup characters
 * become entities; control characters and bytes that are not UTF-8 become
 * U+FFFD, so the file always parses whatever bytes a folder name holds. */
void bovw_put_xml(FILE *f, const char *s, size_t max_chars);

/* The width of s in ems as bovw_put_xml(f, s, max_chars) writes it, set in
 * DejaVu Sans (Arial is about a tenth narrower): for placing text
 * whose length matters, such as labels centred on their length. */
double bovw_text_width(const char *s, size_t max_chars);

/* ---- the document (svg.c) ------------------------------------------------- */

/* The font size of a picture's title, in pixels. */
#define BOVW_SVG_TITLE_SIZE 15.0

/* Opens path atomically (bovw_atomic_open) for an SVG picture of width x
 * height pixels and writes its head: the XML declaration, the <svg>
 * element, a white background and `title` (escaped) in bold, starting at
 * title_x, 25 pixels from the top. The caller draws into af->fp and ends
 * with bovw_svg_close. */
int bovw_svg_open(bovw_atomic_file *af, const char *path, double width, double height,
                  double title_x, const char *title, bovw_error *err);

/* Ends the document and commits the file (a write error is reported here). */
int bovw_svg_close(bovw_atomic_file *af, bovw_error *err);

/* A tooltip over the elements that follow, as a group whose first child is
 * the <title>:
 *   <g><title>cat: 10 test images</title><text ...>cat</text></g>
 * bovw_svg_tip_begin writes "<g><title>"; write the tooltip's text (names
 * through bovw_put_xml), then bovw_svg_tip_end writes "</title>"; draw the
 * elements, then bovw_svg_group_end writes "</g>" and a line break. */
void bovw_svg_tip_begin(FILE *f);
void bovw_svg_tip_end(FILE *f);
void bovw_svg_group_end(FILE *f);

/* ---- series (svg.c) ------------------------------------------------------- */

/* The colour of series i (cycles), from a palette whose neighbours stay
 * apart for colour-blind readers; as "#rrggbb". */
const char *bovw_series_colour(size_t i);

/* Draws the marker of series i centred at (x, y), of about `size` pixels,
 * as one element: each series has its own shape as well as its own colour,
 * so that overlapping or grey-printed points stay apart. */
void bovw_svg_marker(FILE *f, size_t i, double x, double y, double size);

/* ---- charts (svg.c) ------------------------------------------------------- */

/* A chart's plot area, in pixels of the picture. */
typedef struct bovw_svg_plot {
  double left, top, right, bottom;
} bovw_svg_plot;

/* A light grid line across the plot at height y, with `label` (NULL: none)
 * left of the plot. */
void bovw_svg_grid_y(FILE *f, const bovw_svg_plot *p, double y, const char *label);

/* A light grid line down the plot at x, with `label` (NULL: none) below. */
void bovw_svg_grid_x(FILE *f, const bovw_svg_plot *p, double x, const char *label);

/* The plot's border, x_title centred under the x labels and y_title upright
 * left of the y labels (the plot needs about 56 pixels below and 60 on the
 * left for them). Draw it after the grid and before the data. */
void bovw_svg_frame(FILE *f, const bovw_svg_plot *p, const char *x_title, const char *y_title);

/* ---- axes with numbers (svg_axes.c) -------------------------------------- */

/* A chart's data ranges mapped onto its plot area; an axis may be
 * logarithmic (its range then positive). */
typedef struct bovw_svg_axes {
  bovw_svg_plot plot;
  double xmin, xmax, ymin, ymax;
  int log_x, log_y;
} bovw_svg_axes;

/* Sets the ranges to hold [xlo, xhi] x [ylo, yhi] (finite; positive on a
 * logarithmic axis): a linear axis ends at the ticks around the data, a
 * logarithmic one a little beyond it. A range of one value is widened. */
void bovw_svg_axes_fit(bovw_svg_axes *a, double xlo, double xhi, double ylo, double yhi);

/* The picture's coordinates of a data value. */
double bovw_svg_axes_x(const bovw_svg_axes *a, double x);
double bovw_svg_axes_y(const bovw_svg_axes *a, double y);

/* Grid lines labelled at round values (1, 2, 5 times a power of ten; on a
 * logarithmic axis the powers of ten, with 2 and 5 between them when the
 * range spans few decades), then the frame with the axes' titles. */
void bovw_svg_axes_draw(FILE *f, const bovw_svg_axes *a, const char *x_title,
                        const char *y_title);

/* A legend entry at (x, y), the middle of its left end: series i's marker
 * on a short stroke of its colour (stroke 0: the marker alone), then name
 * (cut to max_chars characters, with the whole name as a tooltip). */
void bovw_svg_legend_entry(FILE *f, size_t i, double x, double y, int stroke,
                           const char *name, size_t max_chars);

#endif
