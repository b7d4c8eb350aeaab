/* plot_lines.c: `bovw plot lines`, values against another, one line per
 * column or per group of rows; a value that is not finite (a diverged
 * run) is a cross on the plot's top edge (include/bovw/plot.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"

typedef struct line {
  const char *name;  /* a column name or a series value, in the table */
  int y;             /* its y column */
  size_t *rows;      /* its rows, in the order of x */
  size_t count;
} line;

typedef struct lines {
  line *items;
  size_t count;
  size_t *rows;  /* the storage of every line's rows */
  double *xs;    /* x of each table row */
} lines;

static void lines_free(lines *l) {
  free(l->items);
  free(l->rows);
  free(l->xs);
}

typedef struct keyed {
  double x;
  size_t row;
} keyed;

static int by_x(const void *a, const void *b) {
  const keyed *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return (p->row > q->row) - (p->row < q->row);  /* ties: table order */
}

/* Puts a line's rows in the order of x. */
static int sort_rows(line *li, const double *xs, bovw_error *err) {
  keyed *k = malloc(li->count * sizeof *k);
  if (!k) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (size_t p = 0; p < li->count; p++) k[p] = (keyed){xs[li->rows[p]], li->rows[p]};
  qsort(k, li->count, sizeof *k, by_x);
  for (size_t p = 0; p < li->count; p++) li->rows[p] = k[p].row;
  free(k);
  return 0;
}

/* Groups the rows into lines: one per y column, or one per value of the
 * series column. */
static int make_lines(lines *l, const bovw_table *t, const int *ys, size_t num_y, int series,
                      bovw_error *err) {
  size_t groups = series < 0 ? num_y : t->rows;
  l->items = calloc(groups, sizeof *l->items);
  l->rows = malloc((series < 0 ? num_y : 1) * t->rows * sizeof *l->rows);
  if (!l->items || !l->rows) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (series < 0) {
    for (size_t k = 0; k < num_y; k++) {
      line *li = &l->items[l->count++];
      *li = (line){t->names[ys[k]], ys[k], l->rows + k * t->rows, t->rows};
      for (size_t r = 0; r < t->rows; r++) li->rows[r] = r;
    }
  } else {
    /* Each series' rows go together, series in order of first appearance. */
    size_t used = 0;
    for (size_t r = 0; r < t->rows; r++) {
      const char *v = bovw_table_cell(t, r, (size_t)series);
      size_t k = 0;
      while (k < l->count && strcmp(l->items[k].name, v)) k++;
      if (k < l->count) continue;
      line *li = &l->items[l->count++];
      *li = (line){v, ys[0], l->rows + used, 0};
      for (size_t s = r; s < t->rows; s++)
        if (!strcmp(bovw_table_cell(t, s, (size_t)series), v)) li->rows[li->count++] = s;
      used += li->count;
    }
  }
  for (size_t k = 0; k < l->count; k++) {
    int rc = sort_rows(&l->items[k], l->xs, err);
    if (rc) return rc;
  }
  return 0;
}

/* Finds the ranges of x and of the finite y values, checking the log axes. */
static int ranges(const lines *l, const bovw_table *t, const bovw_plot_options *o,
                  double r[4], int *nonfinite, bovw_error *err) {
  r[0] = r[2] = INFINITY;
  r[1] = r[3] = -INFINITY;
  *nonfinite = 0;
  for (size_t k = 0; k < l->count; k++)
    for (size_t p = 0; p < l->items[k].count; p++) {
      size_t row = l->items[k].rows[p];
      double x = l->xs[row], y;
      int rc = bovw_plot_number(t, row, l->items[k].y, 1, &y, err);
      if (rc) return rc;
      if (o->log_x && x <= 0)
        return bovw_error_set(err, BOVW_ERR_INVALID, "%s: row %zu: x = %g on a logarithmic axis",
                              t->path, row + 1, x);
      r[0] = fmin(r[0], x);
      r[1] = fmax(r[1], x);
      if (!isfinite(y)) {
        *nonfinite = 1;
        continue;
      }
      if (o->log_y && y <= 0)
        return bovw_error_set(err, BOVW_ERR_INVALID, "%s: row %zu: %s = %g on a logarithmic axis",
                              t->path, row + 1, t->names[l->items[k].y], y);
      r[2] = fmin(r[2], y);
      r[3] = fmax(r[3], y);
    }
  if (r[2] > r[3]) r[2] = r[3] = o->log_y ? 1 : 0;  /* no finite value at all */
  return 0;
}

static void draw_line(FILE *f, const bovw_svg_axes *a, const bovw_table *t, const line *li,
                      const double *xs, int xc, size_t series) {
  const char *colour = bovw_series_colour(series);
  int open = 0;  /* a polyline is being written */
  for (size_t p = 0; p < li->count; p++) {
    double y;
    bovw_table_number(t, li->rows[p], (size_t)li->y, &y);
    if (!isfinite(y)) {
      if (open) fputs("\"/>\n", f);
      open = 0;
      continue;
    }
    if (!open)
      fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
    fprintf(f, "%s%.2f,%.2f", open ? " " : "", bovw_svg_axes_x(a, xs[li->rows[p]]),
            bovw_svg_axes_y(a, y));
    open = 1;
  }
  if (open) fputs("\"/>\n", f);
  for (size_t p = 0; p < li->count; p++) {
    size_t row = li->rows[p];
    double y, x = bovw_svg_axes_x(a, xs[row]);
    bovw_table_number(t, row, (size_t)li->y, &y);
    bovw_svg_tip_begin(f);
    bovw_put_xml(f, li->name, 0);
    fputs(", ", f);
    bovw_put_xml(f, t->names[xc], 0);
    fputs(" = ", f);
    bovw_put_xml(f, bovw_table_cell(t, row, (size_t)xc), 0);
    fputs(": ", f);
    bovw_put_xml(f, bovw_table_cell(t, row, (size_t)li->y), 0);
    bovw_svg_tip_end(f);
    if (isfinite(y)) {
      bovw_svg_marker(f, series, x, bovw_svg_axes_y(a, y), 9);
    } else {
      double top = a->plot.top, r = 5;
      fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fM%.2f %.2fL%.2f %.2f\" stroke=\"%s\" "
              "stroke-width=\"2.5\" fill=\"none\"/>", x - r, top - r, x + r, top + r, x - r,
              top + r, x + r, top - r, colour);
    }
    bovw_svg_group_end(f);
  }
}

int bovw_plot_lines(const bovw_table *t, const char *x, const char *const *ys, size_t num_y,
                    const char *series, const bovw_plot_options *o, const char *path,
                    bovw_error *err) {
  if (!num_y || (series && num_y != 1))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s: give one y column with a series column, at least one without",
                          t->path);
  int xc, sc = -1, rc;
  int *yc = malloc(num_y * sizeof *yc);
  lines l = {NULL, 0, NULL, malloc(t->rows * sizeof(double))};
  if (!yc || !l.xs) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((rc = bovw_plot_column(t, x, "x", &xc, err))) goto done;
  if (series && (rc = bovw_plot_column(t, series, "series", &sc, err))) goto done;
  for (size_t k = 0; k < num_y; k++)
    if ((rc = bovw_plot_column(t, ys[k], "y", &yc[k], err))) goto done;
  for (size_t r = 0; r < t->rows; r++)
    if ((rc = bovw_plot_number(t, r, xc, 0, &l.xs[r], err))) goto done;
  if ((rc = make_lines(&l, t, yc, num_y, sc, err))) goto done;
  double range[4];
  int nonfinite;
  if ((rc = ranges(&l, t, o, range, &nonfinite, err))) goto done;
  size_t chars = nonfinite ? 20 : 1;
  for (size_t k = 0; k < l.count; k++) {
    size_t c = bovw_text_chars(l.items[k].name);
    if (c > chars) chars = c;
  }
  bovw_svg_axes a = {{0, 0, 0, 0}, 0, 0, 0, 0, o->log_x, o->log_y};
  bovw_atomic_file af;
  if ((rc = bovw_plot_open(&af, path, &a, o, x, num_y == 1 ? ys[0] : "values", chars, err)))
    goto done;
  bovw_svg_axes_fit(&a, range[0], range[1], range[2], range[3]);
  FILE *f = af.fp;
  bovw_svg_axes_draw(f, &a, o->x_title ? o->x_title : x,
                     o->y_title ? o->y_title : num_y == 1 ? ys[0] : "");
  for (size_t k = 0; k < l.count; k++) {
    draw_line(f, &a, t, &l.items[k], l.xs, xc, k);
    double lx, ly;
    bovw_plot_legend_at(&a, k, &lx, &ly);
    bovw_svg_legend_entry(f, k, lx, ly, 1, l.items[k].name, BOVW_PLOT_LEGEND_CHARS);
  }
  if (nonfinite) {
    double lx, ly;
    bovw_plot_legend_at(&a, l.count, &lx, &ly);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\">&#215; on top: diverged</text>\n",
            lx + 4, ly + 4);
  }
  rc = bovw_svg_close(&af, err);
done:
  free(yc);
  lines_free(&l);
  return rc;
}
