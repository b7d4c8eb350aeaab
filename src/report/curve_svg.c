/* curve_svg.c: curve.svg, the learning curve of a comparison: mean
 * per-class accuracy against the training images per class, one line per
 * system (docs/report.md). The x axis is logarithmic when the sizes span a
 * factor of 8 or more (1, 2, 5, 10, 15, 30 images per class spread
 * evenly), and is labelled at the sizes measured, not at round numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bovw/fs.h"
#include "report/internal.h"

#define WIDTH 760.0
#define HEIGHT 460.0
#define LEFT 70.0           /* room for the y labels and title */
#define TOP 50.0
#define BOTTOM_ROOM 56.0    /* x labels and title */
#define MAX_LEGEND_CHARS 28
#define MIN_LABEL_GAP 28.0  /* x labels closer than this are left out */

typedef struct axes {
  bovw_svg_plot plot;
  double xmin, xmax, ymin, ymax;
  int log_x;
} axes;

static double px(const axes *a, double x) {
  double t = a->log_x ? (log(x) - log(a->xmin)) / (log(a->xmax) - log(a->xmin))
                      : (x - a->xmin) / (a->xmax - a->xmin);
  return a->plot.left + t * (a->plot.right - a->plot.left);
}

static double py(const axes *a, double y) {
  return a->plot.bottom - (y - a->ymin) / (a->ymax - a->ymin) * (a->plot.bottom - a->plot.top);
}

/* The ranges: x from the sizes (from 0 on a linear axis), y from a tenth
 * below the lowest accuracy to a tenth above the highest, within 0-100%. */
static void set_ranges(axes *a, const bovw_compare *self, const double *sizes, size_t n) {
  double lo = sizes[0], hi = sizes[n - 1], ylo = 1, yhi = 0;
  a->log_x = hi / lo >= 8;
  if (a->log_x) {
    a->xmin = lo / 1.25;
    a->xmax = hi * 1.25;
  } else {
    a->xmin = 0;
    a->xmax = hi * 1.08;
  }
  for (size_t i = 0; i < self->count; i++) {
    ylo = fmin(ylo, self->systems[i].report->mean_class_accuracy);
    yhi = fmax(yhi, self->systems[i].report->mean_class_accuracy);
  }
  a->ymin = floor(ylo * 10 - 1e-9) / 10;
  a->ymax = ceil(yhi * 10 + 1e-9) / 10;
  if (a->ymin < 0) a->ymin = 0;
  if (a->ymax > 1) a->ymax = 1;
  if (a->ymax - a->ymin < 0.1) a->ymin = a->ymax - 0.1;
}

static void draw_axes(FILE *f, const axes *a, const double *sizes, size_t n, const char *x_title) {
  const double step = a->ymax - a->ymin > 0.35 ? 0.1 : 0.05;
  char label[32];
  for (double y = a->ymin; y <= a->ymax + 1e-9; y += step) {
    snprintf(label, sizeof label, "%.0f%%", 100 * y);
    bovw_svg_grid_y(f, &a->plot, py(a, y), label);
  }
  double last = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double x = px(a, sizes[i]);
    int labelled = x - last >= MIN_LABEL_GAP;
    snprintf(label, sizeof label, "%g", sizes[i]);
    bovw_svg_grid_x(f, &a->plot, x, labelled ? label : NULL);
    if (labelled) last = x;
  }
  char title[256];
  snprintf(title, sizeof title, "%s%s", x_title, a->log_x ? " (logarithmic scale)" : "");
  bovw_svg_frame(f, &a->plot, title, "mean per-class accuracy");
}

int bovw_compare_write_curve_svg(const bovw_compare *self, const char *path,
                                 bovw_error *err) {
  size_t n;
  double *sizes = bovw_compare_curve_sizes(self, &n);
  if (!sizes) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  size_t chars = 1;
  for (size_t l = 0; l < self->num_lines; l++) {
    size_t c = bovw_text_chars(self->lines[l].name);
    if (c > chars) chars = c;
  }
  if (chars > MAX_LEGEND_CHARS) chars = MAX_LEGEND_CHARS;
  const double legend = 30 + (double)chars * BOVW_CHAR_WIDTH * 12;
  axes a = {{LEFT, TOP, WIDTH - legend - 20, HEIGHT - BOTTOM_ROOM}, 0, 0, 0, 0, 0};
  set_ranges(&a, self, sizes, n);
  bovw_atomic_file af;
  char title[300];
  snprintf(title, sizeof title, "Mean per-class accuracy against %s", self->curve_x);
  int rc = bovw_svg_open(&af, path, WIDTH, HEIGHT, LEFT, title, err);
  if (rc) {
    free(sizes);
    return rc;
  }
  FILE *f = af.fp;
  draw_axes(f, &a, sizes, n, self->curve_x);
  for (size_t l = 0; l < self->num_lines; l++) {
    const bovw_compare_line *line = &self->lines[l];
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
            bovw_series_colour(l));
    for (size_t p = 0; p < line->count; p++) {
      const bovw_compare_system *s = &self->systems[line->points[p]];
      fprintf(f, "%s%.2f,%.2f", p ? " " : "", px(&a, s->train_per_class),
              py(&a, s->report->mean_class_accuracy));
    }
    fputs("\"/>\n", f);
    for (size_t p = 0; p < line->count; p++) {
      const bovw_compare_system *s = &self->systems[line->points[p]];
      bovw_svg_tip_begin(f);
      bovw_put_xml(f, line->name, 0);
      fprintf(f, ", %g images per class: %.1f%%", s->train_per_class,
              100 * s->report->mean_class_accuracy);
      bovw_svg_tip_end(f);
      bovw_svg_marker(f, l, px(&a, s->train_per_class), py(&a, s->report->mean_class_accuracy),
                      9);
      bovw_svg_group_end(f);
    }
    /* The legend, beside the plot: the line's marker on a short stroke. */
    double ly = a.plot.top + 10 + 20.0 * (double)l, lx = a.plot.right + 16;
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
            "stroke-width=\"2\"/>\n", lx, ly, lx + 20, ly, bovw_series_colour(l));
    bovw_svg_marker(f, l, lx + 10, ly, 9);
    fputc('\n', f);
    bovw_svg_tip_begin(f);
    bovw_put_xml(f, line->name, 0);
    bovw_svg_tip_end(f);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\">", lx + 26, ly + 4);
    bovw_put_xml(f, line->name, MAX_LEGEND_CHARS);
    fputs("</text>", f);
    bovw_svg_group_end(f);
  }
  free(sizes);
  return bovw_svg_close(&af, err);
}
