/* plot_points.c: `bovw plot points`, a scatter coloured and shaped by
 * class over the pale decision regions of a grid (include/bovw/plot.h).
 * The plot is square, so that a circle of points looks like one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"

typedef struct columns {
  int x, y, cls;
} columns;

typedef struct classes {
  const char **names;  /* pointers into the tables */
  size_t count;
} classes;

static size_t class_of(classes *c, const char *name) {
  for (size_t k = 0; k < c->count; k++)
    if (!strcmp(c->names[k], name)) return k;
  c->names[c->count] = name;
  return c->count++;
}

static int find_columns(const bovw_table *t, const char *x, const char *y, const char *cls,
                        columns *c, bovw_error *err) {
  int rc = bovw_plot_column(t, x, "x", &c->x, err);
  if (!rc) rc = bovw_plot_column(t, y, "y", &c->y, err);
  if (!rc) rc = bovw_plot_column(t, cls, "class", &c->cls, err);
  return rc;
}

/* Reads x and y of every row into xy (2 per row), widening range. */
static int read_xy(const bovw_table *t, const columns *c, double *xy, double range[4],
                   bovw_error *err) {
  for (size_t r = 0; r < t->rows; r++) {
    int rc = bovw_plot_number(t, r, c->x, 0, &xy[2 * r], err);
    if (!rc) rc = bovw_plot_number(t, r, c->y, 0, &xy[2 * r + 1], err);
    if (rc) return rc;
    range[0] = fmin(range[0], xy[2 * r]);
    range[1] = fmax(range[1], xy[2 * r]);
    range[2] = fmin(range[2], xy[2 * r + 1]);
    range[3] = fmax(range[3], xy[2 * r + 1]);
  }
  return 0;
}

static int by_value(const void *a, const void *b) {
  double p = *(const double *)a, q = *(const double *)b;
  return (p > q) - (p < q);
}

/* The smallest gap between distinct values of v[0], v[2], ... (n values):
 * a grid's cell size along that axis; 0 when they are all equal, -1 when
 * out of memory. */
static double smallest_gap(const double *v, size_t n) {
  double *s = malloc(n * sizeof *s), gap = 0;
  if (!s) return -1;
  for (size_t i = 0; i < n; i++) s[i] = v[2 * i];
  qsort(s, n, sizeof *s, by_value);
  for (size_t i = 1; i < n; i++)
    if (s[i] > s[i - 1] && (gap == 0 || s[i] - s[i - 1] < gap)) gap = s[i] - s[i - 1];
  free(s);
  return gap;
}

/* A region cell: its grid position and class. */
typedef struct cell {
  double x, y;
  size_t cls;
} cell;

static int by_row_then_x(const void *a, const void *b) {
  const cell *p = a, *q = b;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return (p->x > q->x) - (p->x < q->x);
}

/* The colour of class k mixed with three parts of white: a pale ground
 * under the points (a blend, not opacity, which not every renderer reads). */
static void pale(size_t k, char out[8]) {
  unsigned rgb = (unsigned)strtoul(bovw_series_colour(k) + 1, NULL, 16);
  unsigned r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
  snprintf(out, 8, "#%02x%02x%02x", (r + 3 * 255) / 4, (g + 3 * 255) / 4, (b + 3 * 255) / 4);
}

/* Paints the cells, a row of the grid at a time, each run of neighbouring
 * cells of one class as one rectangle (a 200 x 200 grid is a few hundred
 * rectangles, not 40,000). */
static void draw_regions(FILE *f, const bovw_svg_axes *a, cell *cells, size_t n, double dx,
                         double dy) {
  qsort(cells, n, sizeof *cells, by_row_then_x);
  char colour[8];
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && cells[j].y == cells[i].y && cells[j].cls == cells[i].cls &&
           cells[j].x - cells[j - 1].x <= 1.5 * dx)
      j++;
    double x0 = bovw_svg_axes_x(a, cells[i].x - dx / 2), x1 = bovw_svg_axes_x(a, cells[j - 1].x + dx / 2);
    double y0 = bovw_svg_axes_y(a, cells[i].y + dy / 2), y1 = bovw_svg_axes_y(a, cells[i].y - dy / 2);
    pale(cells[i].cls, colour);
    /* Drawn a quarter pixel wider and taller, so no white seams show between cells. */
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
            "stroke=\"none\"/>\n", x0, y0, x1 - x0 + 0.25, y1 - y0 + 0.25, colour);
    i = j;
  }
}

int bovw_plot_points(const bovw_table *t, const char *x, const char *y, const char *cls,
                     const bovw_table *regions, const bovw_plot_options *o, const char *path,
                     bovw_error *err) {
  if (o->log_x || o->log_y)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: points are drawn on linear axes only",
                          t->path);
  size_t nr = regions ? regions->rows : 0;
  columns pc, rc_cols = {0, 0, 0};
  double *xy = malloc(2 * (t->rows + nr) * sizeof *xy);
  size_t *point_cls = malloc(t->rows * sizeof *point_cls);
  cell *cells = malloc((nr ? nr : 1) * sizeof *cells);
  classes c = {malloc((t->rows + nr) * sizeof(char *)), 0};
  int rc = 0;
  if (!xy || !point_cls || !cells || !c.names) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  double range[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY}, dx = 0, dy = 0;
  if ((rc = find_columns(t, x, y, cls, &pc, err)) || (rc = read_xy(t, &pc, xy, range, err)))
    goto done;
  for (size_t r = 0; r < t->rows; r++)
    point_cls[r] = class_of(&c, bovw_table_cell(t, r, (size_t)pc.cls));
  if (regions) {
    double *rxy = xy + 2 * t->rows;
    if ((rc = find_columns(regions, x, y, cls, &rc_cols, err)) ||
        (rc = read_xy(regions, &rc_cols, rxy, range, err)))
      goto done;
    dx = smallest_gap(rxy, nr);
    dy = smallest_gap(rxy + 1, nr);
    if (dx < 0 || dy < 0) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
      goto done;
    }
    if (dx == 0 || dy == 0) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: the regions are not a grid (one value of %s)", regions->path,
                          dx == 0 ? x : y);
      goto done;
    }
    for (size_t r = 0; r < nr; r++)
      cells[r] = (cell){rxy[2 * r], rxy[2 * r + 1],
                        class_of(&c, bovw_table_cell(regions, r, (size_t)rc_cols.cls))};
    range[0] -= dx / 2;
    range[1] += dx / 2;
    range[2] -= dy / 2;
    range[3] += dy / 2;
  }
  size_t chars = 1;
  for (size_t k = 0; k < c.count; k++) {
    size_t n = bovw_text_chars(c.names[k]);
    if (n > chars) chars = n;
  }
  bovw_svg_axes a = {{0, 0, 0, 0}, 0, 0, 0, 0, 0, 0};
  bovw_atomic_file af;
  if ((rc = bovw_plot_open(&af, path, &a, o, x, y, chars, err))) goto done;
  a.plot.right = a.plot.left + (a.plot.bottom - a.plot.top);  /* square */
  bovw_svg_axes_fit(&a, range[0], range[1], range[2], range[3]);
  if (regions) { /* the regions fill the plot exactly: no tick margin */
    a.xmin = range[0], a.xmax = range[1], a.ymin = range[2], a.ymax = range[3];
  }
  FILE *f = af.fp;
  if (regions) draw_regions(f, &a, cells, nr, dx, dy);
  bovw_svg_axes_draw(f, &a, o->x_title ? o->x_title : x, o->y_title ? o->y_title : y);
  for (size_t r = 0; r < t->rows; r++) {
    bovw_svg_marker(f, point_cls[r], bovw_svg_axes_x(&a, xy[2 * r]),
                    bovw_svg_axes_y(&a, xy[2 * r + 1]), 6);
    fputc('\n', f);
  }
  for (size_t k = 0; k < c.count; k++) {
    double lx, ly;
    bovw_plot_legend_at(&a, k, &lx, &ly);
    bovw_svg_legend_entry(f, k, lx, ly, 0, c.names[k], BOVW_PLOT_LEGEND_CHARS);
  }
  rc = bovw_svg_close(&af, err);
done:
  free(xy);
  free(point_cls);
  free(cells);
  free(c.names);
  return rc;
}
