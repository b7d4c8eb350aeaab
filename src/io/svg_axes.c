/* svg_axes.c: numbered axes of charts (linear or logarithmic) and legend
 * entries, for the pictures of `bovw plot` (src/io/svg.h). */
#include <math.h>
#include <stdio.h>

#include "io/svg.h"

enum { TARGET_TICKS = 6 };

/* A round step (1, 2 or 5 times a power of ten) giving about
 * TARGET_TICKS intervals over span. */
static double round_step(double span) {
  double raw = span / TARGET_TICKS, p = pow(10, floor(log10(raw))), m = raw / p;
  return p * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

static void fit_linear(double lo, double hi, double *min, double *max) {
  if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi))) {
    double pad = lo ? fabs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  double step = round_step(hi - lo);
  *min = floor(lo / step + 1e-9) * step;
  *max = ceil(hi / step - 1e-9) * step;
}

static void fit_log(double lo, double hi, double *min, double *max) {
  double span = log10(hi) - log10(lo), pad = span > 0 ? span * 0.05 : 0.5;
  *min = pow(10, log10(lo) - pad);
  *max = pow(10, log10(hi) + pad);
}

void bovw_svg_axes_fit(bovw_svg_axes *a, double xlo, double xhi, double ylo, double yhi) {
  if (a->log_x) fit_log(xlo, xhi, &a->xmin, &a->xmax);
  else fit_linear(xlo, xhi, &a->xmin, &a->xmax);
  if (a->log_y) fit_log(ylo, yhi, &a->ymin, &a->ymax);
  else fit_linear(ylo, yhi, &a->ymin, &a->ymax);
}

static double unit(double v, double min, double max, int log_scale) {
  return log_scale ? (log(v) - log(min)) / (log(max) - log(min)) : (v - min) / (max - min);
}

double bovw_svg_axes_x(const bovw_svg_axes *a, double x) {
  return a->plot.left + unit(x, a->xmin, a->xmax, a->log_x) * (a->plot.right - a->plot.left);
}

double bovw_svg_axes_y(const bovw_svg_axes *a, double y) {
  return a->plot.bottom - unit(y, a->ymin, a->ymax, a->log_y) * (a->plot.bottom - a->plot.top);
}

/* A tick's label, short enough for the room left of the plot: %g up to
 * five digits, then 1e6, 2.5e-5 (no "+" nor leading zeros in exponents). */
static void tick_label(double v, char *out, size_t size) {
  double a = fabs(v);
  if (a == 0 || (a >= 1e-3 && a < 1e5)) {
    snprintf(out, size, "%g", v);
    return;
  }
  int e = (int)floor(log10(a));
  double m = v / pow(10, e);
  if (fabs(m) >= 9.9995) {  /* 9.9999e5 rounds up to 10 */
    m /= 10;
    e++;
  }
  snprintf(out, size, "%ge%d", round(m * 1000) / 1000, e);
}

/* Labelled grid lines at the ticks of [min, max] on one axis (vertical:
 * the x axis, lines going down the plot). */
static void ticks(FILE *f, const bovw_svg_axes *a, double min, double max, int log_scale,
                  int vertical) {
  char label[32];
  double values[64];
  int n = 0;
  if (log_scale) {
    double decades = log10(max) - log10(min);
    static const double between[] = {1, 2, 5};
    int per = decades < 3 ? 3 : 1;
    for (double e = floor(log10(min)); e <= ceil(log10(max)) && n < 60; e++)
      for (int k = 0; k < per; k++) {
        double v = between[k] * pow(10, e);
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) values[n++] = v;
      }
  } else {
    double step = round_step(max - min);
    for (double v = ceil(min / step - 1e-9) * step; v <= max + 1e-9 * step && n < 60; v += step)
      values[n++] = fabs(v) < 1e-9 * step ? 0 : v;
  }
  for (int i = 0; i < n; i++) {
    tick_label(values[i], label, sizeof label);
    if (vertical) bovw_svg_grid_x(f, &a->plot, bovw_svg_axes_x(a, values[i]), label);
    else bovw_svg_grid_y(f, &a->plot, bovw_svg_axes_y(a, values[i]), label);
  }
}

void bovw_svg_axes_draw(FILE *f, const bovw_svg_axes *a, const char *x_title,
                        const char *y_title) {
  ticks(f, a, a->ymin, a->ymax, a->log_y, 0);
  ticks(f, a, a->xmin, a->xmax, a->log_x, 1);
  bovw_svg_frame(f, &a->plot, x_title, y_title);
}

void bovw_svg_legend_entry(FILE *f, size_t i, double x, double y, int stroke,
                           const char *name, size_t max_chars) {
  if (stroke)
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
            "stroke-width=\"2\"/>\n", x, y, x + 20, y, bovw_series_colour(i));
  bovw_svg_marker(f, i, x + 10, y, 9);
  fputc('\n', f);
  bovw_svg_tip_begin(f);
  bovw_put_xml(f, name, 0);
  bovw_svg_tip_end(f);
  fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\">", x + 26, y + 4);
  bovw_put_xml(f, name, max_chars);
  fputs("</text>", f);
  bovw_svg_group_end(f);
}
