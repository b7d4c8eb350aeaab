/* compare_svg.c: the two pictures of every comparison, plain SVG written
 * with fprintf (docs/report.md):
 *
 * - accuracy.svg: accuracy and mean per-class accuracy side by side, a pair
 *   of horizontal bars per system, so long system names stay readable;
 * - per_class.svg: recall per class as a dot plot, one row per class and
 *   one marker per system on a shared 0-100% axis. Rows are 14 pixels
 *   whatever the number of classes, so 102 classes make a tall picture
 *   (about 1,500 pixels) whose every row is still readable, and a marker
 *   per system keeps any number of systems in one row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bovw/fs.h"
#include "report/internal.h"

#define MARGIN 10.0
#define PLOT_WIDTH 500.0      /* 0 to 100%, accuracy.svg */
#define DOTS_WIDTH 600.0      /* 0 to 100%, per_class.svg */
#define BAR 13.0              /* one bar's thickness */
#define GROUP 40.0            /* a system's two bars and the gap after them */
#define ROW 14.0              /* a class's row in per_class.svg */
#define LEGEND_ROW 16.0
#define MAX_SYSTEM_CHARS 32   /* longer names are cut in the axis labels */
#define MAX_CLASS_CHARS 24    /* as in confusion.svg */

static const char *const MEASURES[2] = {"accuracy", "mean per-class accuracy"};

/* The longest name, in characters, capped. */
static size_t longest(const bovw_compare *self, int classes, size_t cap) {
  size_t chars = 1;
  const bovw_report *first = self->systems[0].report;
  size_t n = classes ? first->num_classes : self->count;
  for (size_t i = 0; i < n; i++) {
    size_t c = bovw_text_chars(classes ? first->class_names[i] : self->systems[i].name);
    if (c > chars) chars = c;
  }
  return chars < cap ? chars : cap;
}

/* Vertical grid lines every 10% over [x0, x0 + width] and from top to
 * bottom, labelled every 20% below (and above, when `above`). */
static void percent_grid(FILE *f, double x0, double width, double top, double bottom,
                         int above) {
  fputs("<g stroke=\"#e3e3e3\">\n", f);
  for (int p = 0; p <= 100; p += 10)
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
            x0 + width * p / 100, top, x0 + width * p / 100, bottom);
  fputs("</g>\n<g font-size=\"10\" text-anchor=\"middle\" fill=\"#444\">\n", f);
  for (int p = 0; p <= 100; p += 20) {
    double x = x0 + width * p / 100;
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\">%d%%</text>\n", x, bottom + 13, p);
    if (above) fprintf(f, "<text x=\"%.2f\" y=\"%.2f\">%d%%</text>\n", x, top - 4, p);
  }
  fputs("</g>\n", f);
}

int bovw_compare_write_accuracy_svg(const bovw_compare *self, const char *path,
                                    bovw_error *err) {
  const double label = (double)longest(self, 0, MAX_SYSTEM_CHARS) * BOVW_CHAR_WIDTH * 12 + 10;
  const double x0 = MARGIN + label, top = 64;
  const double bottom = top + GROUP * (double)self->count;
  const double width = fmax(x0 + PLOT_WIDTH + 50 + MARGIN, 460);
  const double height = bottom + 20 + MARGIN;
  bovw_atomic_file af;
  int rc = bovw_svg_open(&af, path, width, height, MARGIN,
                         "Accuracy and mean per-class accuracy", err);
  if (rc) return rc;
  FILE *f = af.fp;
  /* The legend: a swatch and the measure's name, side by side. */
  for (int m = 0; m < 2; m++) {
    double x = MARGIN + 120.0 * m;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n"
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%s</text>\n",
            x, MARGIN + 26, bovw_series_colour((size_t)m), x + 16, MARGIN + 36, MEASURES[m]);
  }
  percent_grid(f, x0, PLOT_WIDTH, top - 4, bottom, 0);
  for (size_t i = 0; i < self->count; i++) {
    const bovw_compare_system *s = &self->systems[i];
    const double y = top + GROUP * (double)i;
    bovw_svg_tip_begin(f);
    bovw_put_xml(f, s->name, 0);
    bovw_svg_tip_end(f);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\" text-anchor=\"end\">",
            x0 - 6, y + BAR + 5);
    bovw_put_xml(f, s->name, MAX_SYSTEM_CHARS);
    fputs("</text>", f);
    bovw_svg_group_end(f);
    const double v[2] = {s->report->accuracy, s->report->mean_class_accuracy};
    for (int m = 0; m < 2; m++) {
      double by = y + (BAR + 2) * m;
      bovw_svg_tip_begin(f);
      bovw_put_xml(f, s->name, 0);
      fprintf(f, ": %s %.1f%%", MEASURES[m], 100 * v[m]);
      bovw_svg_tip_end(f);
      fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\"/>",
              x0, by, v[m] * PLOT_WIDTH, BAR, bovw_series_colour((size_t)m));
      bovw_svg_group_end(f);
      fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"10\">%.1f%%</text>\n",
              x0 + v[m] * PLOT_WIDTH + 4, by + BAR - 3, 100 * v[m]);
    }
  }
  fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>\n",
          x0, top - 4, x0, bottom);
  return bovw_svg_close(&af, err);
}

int bovw_compare_write_per_class_svg(const bovw_compare *self, const char *path,
                                     bovw_error *err) {
  size_t *order = bovw_compare_class_order(self);
  if (!order) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  const bovw_report *first = self->systems[0].report;
  const size_t k = first->num_classes;
  const double label = (double)longest(self, 1, MAX_CLASS_CHARS) * BOVW_CHAR_WIDTH * 11 + 8;
  const double legend = MARGIN + 46, x0 = MARGIN + label;
  const double top = legend + LEGEND_ROW * (double)self->count + 22;
  const double bottom = top + ROW * (double)k;
  const double width = fmax(x0 + DOTS_WIDTH + 2 * MARGIN, 560);
  const double height = bottom + 20 + MARGIN;
  bovw_atomic_file af;
  int rc = bovw_svg_open(&af, path, width, height, MARGIN, "Recall per class", err);
  if (rc) {
    free(order);
    return rc;
  }
  FILE *f = af.fp;
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">the classes with the lowest "
          "mean recall first; a grey line spans the systems' values</text>\n", MARGIN,
          MARGIN + 33);
  for (size_t i = 0; i < self->count; i++) {
    double y = legend + LEGEND_ROW * (double)i;
    bovw_svg_marker(f, i, MARGIN + 6, y, 9);
    fprintf(f, "\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">", MARGIN + 16, y + 4);
    bovw_put_xml(f, self->systems[i].name, 0);
    fprintf(f, " (mean per-class accuracy %.1f%%)</text>\n",
            100 * self->systems[i].report->mean_class_accuracy);
  }
  /* Every other row shaded, so a row's markers can be followed to its
   * name across the picture. */
  fputs("<g fill=\"#f2f2f2\">\n", f);
  for (size_t r = 1; r < k; r += 2)
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.0f\"/>\n", MARGIN,
            top + ROW * (double)r, x0 - MARGIN + DOTS_WIDTH, ROW);
  fputs("</g>\n", f);
  percent_grid(f, x0, DOTS_WIDTH, top, bottom, 1);
  /* Markers of one row a little apart vertically, so that systems with the
   * same recall (often 100%) do not hide each other completely. */
  const double mid = ((double)self->count - 1) / 2;
  const double stagger = self->count > 1 ? fmin(2, 6 / ((double)self->count - 1)) : 0;
  for (size_t r = 0; r < k; r++) {
    const size_t c = order[r];
    const double y = top + ROW * ((double)r + 0.5);
    double lo = 2, hi = -1;
    int tested = 0;
    for (size_t i = 0; i < self->count; i++) {
      const bovw_report *rep = self->systems[i].report;
      if (rep->support[c] == 0) continue;
      lo = fmin(lo, rep->recall[c]);
      hi = fmax(hi, rep->recall[c]);
      tested++;
    }
    bovw_svg_tip_begin(f);
    bovw_put_xml(f, first->class_names[c], 0);
    bovw_svg_tip_end(f);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" text-anchor=\"end\"%s>",
            x0 - 6, y + 4, tested ? "" : " fill=\"#999\"");
    bovw_put_xml(f, first->class_names[c], MAX_CLASS_CHARS);
    fputs("</text>", f);
    bovw_svg_group_end(f);
    if (tested > 1 && hi > lo)
      fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#999\" "
              "stroke-width=\"1.5\"/>\n", x0 + lo * DOTS_WIDTH, y, x0 + hi * DOTS_WIDTH, y);
    for (size_t i = 0; i < self->count; i++) {
      const bovw_report *rep = self->systems[i].report;
      if (rep->support[c] == 0) continue;
      bovw_svg_tip_begin(f);
      bovw_put_xml(f, first->class_names[c], 0);
      fputs(", ", f);
      bovw_put_xml(f, self->systems[i].name, 0);
      fprintf(f, ": %.1f%% (%lld of %lld)", 100 * rep->recall[c],
              (long long)rep->confusion[c * k + c], (long long)rep->support[c]);
      bovw_svg_tip_end(f);
      bovw_svg_marker(f, i, x0 + rep->recall[c] * DOTS_WIDTH, y + stagger * ((double)i - mid),
                      8);
      bovw_svg_group_end(f);
    }
  }
  fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
          "stroke=\"#bbb\"/>\n", x0, top, DOTS_WIDTH, bottom - top);
  free(order);
  return bovw_svg_close(&af, err);
}
