/* plot.c: what the charts of `bovw plot` share: options, columns and
 * numbers of the table with errors naming the file, the chart's frame and
 * its legend's place (include/bovw/plot.h). */
#include <math.h>
#include <stdio.h>

#include "report/internal.h"

#define WIDTH 760.0
#define HEIGHT 460.0
#define LEFT 80.0         /* room for the y labels and title */
#define TOP 50.0
#define BOTTOM_ROOM 56.0  /* x labels and title */

void bovw_plot_options_default(bovw_plot_options *o) {
  *o = (bovw_plot_options){NULL, NULL, NULL, 0, 0};
}

int bovw_plot_column(const bovw_table *t, const char *name, const char *role, int *col,
                     bovw_error *err) {
  *col = bovw_table_column(t, name);
  if (*col < 0)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: no column '%s' (the %s column)", t->path,
                          name, role);
  return 0;
}

int bovw_plot_number(const bovw_table *t, size_t row, int col, int allow_nonfinite,
                     double *value, bovw_error *err) {
  /* Rows are counted from the header's line; blank lines are not kept, so
   * the count is the data row's number, 1 being the first after the header. */
  if (bovw_table_number(t, row, (size_t)col, value))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: row %zu, column '%s': '%s' is not a number",
                          t->path, row + 1, t->names[col], bovw_table_cell(t, row, (size_t)col));
  if (!allow_nonfinite && !isfinite(*value))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: row %zu, column '%s': '%s' is not finite",
                          t->path, row + 1, t->names[col], bovw_table_cell(t, row, (size_t)col));
  return 0;
}

int bovw_plot_open(bovw_atomic_file *af, const char *path, bovw_svg_axes *a,
                   const bovw_plot_options *o, const char *x, const char *y,
                   size_t legend_chars, bovw_error *err) {
  if (legend_chars > BOVW_PLOT_LEGEND_CHARS) legend_chars = BOVW_PLOT_LEGEND_CHARS;
  const double legend = 36 + (double)legend_chars * BOVW_CHAR_WIDTH * 12;
  a->plot = (bovw_svg_plot){LEFT, TOP, WIDTH - legend - 20, HEIGHT - BOTTOM_ROOM};
  char title[512];
  if (o->title) snprintf(title, sizeof title, "%s", o->title);
  else snprintf(title, sizeof title, "%s against %s", y, x);
  /* A title longer than the chart widens the picture rather than being cut
   * (the title is bold: a tenth wider than the average advance). */
  double width = fmax(WIDTH, LEFT + bovw_text_width(title, 0) * BOVW_SVG_TITLE_SIZE * 1.1 + 20);
  return bovw_svg_open(af, path, width, HEIGHT, LEFT, title, err);
}

void bovw_plot_legend_at(const bovw_svg_axes *a, size_t i, double *x, double *y) {
  *x = a->plot.right + 16;
  *y = a->plot.top + 10 + 20.0 * (double)i;
}
