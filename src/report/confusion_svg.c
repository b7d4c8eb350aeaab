/* confusion_svg.c: confusion.svg, the row-normalised confusion matrix as a
 * heat map, plain SVG written with fprintf. It must stay readable with the
 * 102 classes of Caltech-101: the cell size shrinks so that the picture is
 * at most MAX_WIDTH pixels wide, the font with it, and every nonzero cell
 * and every label carries a tooltip with the exact numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/fs.h"
#include "bovw/report.h"
#include "report/internal.h"

#define MAX_WIDTH 1400.0   /* the whole picture, in pixels */
#define MAX_CELL 40.0      /* a few classes still get a compact picture */
#define MAX_FONT 12.0      /* labels of the rows and columns */
#define MAX_NAME_CHARS 24  /* longer names are cut, with the whole name in
                              the tooltip */
#define MARGIN 10.0
#define AXIS_TITLE 18.0    /* "true class", "predicted class" */
#define TITLE_HEIGHT 46.0  /* two lines of title */
#define LEGEND_WIDTH 70.0  /* gap, colour bar, tick labels */
#define LEGEND_BAND 3.0    /* pixels of a step of the colour bar */
#define TITLE "Confusion matrix (rows: true class, normalised; white: 0)"

/* The colour of a nonzero fraction v in (0, 1]: ColorBrewer's sequential
 * "Blues", from a tint still visible on white to dark blue. Zero cells are
 * not drawn at all, so one wrong image in a row of 30 stands out. */
static const double STOPS[][3] = {{222, 235, 247}, {158, 202, 225}, {66, 146, 198},
                                  {33, 113, 181},  {8, 48, 107}};
#define NUM_STOPS (sizeof STOPS / sizeof STOPS[0])

static void colour(double v, char out[8]) {
  double x = (v < 0 ? 0 : v > 1 ? 1 : v) * (NUM_STOPS - 1);
  size_t i = (size_t)x;
  if (i >= NUM_STOPS - 1) i = NUM_STOPS - 2;
  double t = x - (double)i;
  int rgb[3];
  for (int j = 0; j < 3; j++)
    rgb[j] = (int)lround(STOPS[i][j] + t * (STOPS[i + 1][j] - STOPS[i][j]));
  snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* The width of the label area for a font size: the longest (cut) name,
 * `ems` wide. */
static double label_width(double ems, double font) { return ems * font + 6; }

int bovw_report_write_svg(const bovw_report *self, const char *path,
                          bovw_error *err) {
  size_t k = self->num_classes;
  double ems = 1;
  for (size_t c = 0; c < k; c++) {
    double w = bovw_text_width(self->class_names[c], MAX_NAME_CHARS);
    if (w > ems) ems = w;
  }

  /* Cell and font sizes: the font follows the cell (a label per row must fit
   * in the row) and the label areas follow the font, so settle the two by a
   * few rounds; the last cell size is computed from the last font, which
   * keeps the width within MAX_WIDTH. */
  double font = MAX_FONT, cell = MAX_CELL;
  for (int round = 0; round < 5; round++) {
    double fixed = 2 * MARGIN + AXIS_TITLE + label_width(ems, font) + LEGEND_WIDTH;
    cell = fmin(MAX_CELL, (MAX_WIDTH - fixed) / (double)k);
    font = fmin(MAX_FONT, 0.85 * cell);
  }
  /* Whole pixels keep cell edges sharp, while cells stay big enough. */
  if (cell >= 4) cell = floor(cell);
  font = fmin(font, 0.85 * cell);
  double label = label_width(ems, font);
  double matrix = cell * (double)k;
  double mx = MARGIN + AXIS_TITLE + label;        /* matrix's left edge */
  double my = MARGIN + TITLE_HEIGHT + AXIS_TITLE + label;  /* its top edge */
  double bar_height = fmax(matrix, 120);
  double width = mx + matrix + LEGEND_WIDTH + MARGIN;
  /* Room for the two title lines (15 px bold, 12 px), up to the bound. */
  char subtitle[160];
  snprintf(subtitle, sizeof subtitle,
           "accuracy %.1f%%, mean per-class accuracy %.1f%%, %zu images, %zu %s",
           100 * self->accuracy, 100 * self->mean_class_accuracy, self->count, k,
           k == 1 ? "class" : "classes");
  double title_width = fmax((sizeof TITLE - 1) * 0.65 * 15,
                            (double)strlen(subtitle) * BOVW_CHAR_WIDTH * 12);
  width = fmax(width, fmin(MAX_WIDTH, title_width + 2 * MARGIN));
  double height = my + bar_height + MARGIN;

  bovw_atomic_file af;
  int rc = bovw_svg_open(&af, path, width, height, MARGIN, TITLE, err);
  if (rc) return rc;
  FILE *f = af.fp;
  size_t tested = 0;
  for (size_t c = 0; c < k; c++) tested += self->support[c] > 0;

  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%s</text>\n", MARGIN,
          MARGIN + 34, subtitle);
  fprintf(f,
          "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">"
          "predicted class</text>\n",
          mx + matrix / 2, MARGIN + TITLE_HEIGHT + 12);
  /* Baseline in the middle of its band: the letters stay in the band
   * whichever way a renderer turns them (ImageMagick: reading down). */
  fprintf(f,
          "<text transform=\"translate(%.1f %.1f) rotate(-90)\" font-size=\"12\" "
          "text-anchor=\"middle\">true class</text>\n",
          MARGIN + AXIS_TITLE / 2, my + matrix / 2);

  /* Labels: rows on the left, columns on top reading upwards. The row of a
   * class without test images is empty and its name greyed (its column may
   * still have predictions). */
  fprintf(f, "<g font-size=\"%.2f\">\n", font);
  for (size_t c = 0; c < k; c++) {
    const char *fill = self->support[c] > 0 ? "" : " fill=\"#999\"";
    double centre = (double)c * cell + cell / 2 + 0.35 * font;
    bovw_svg_tip_begin(f);
    bovw_put_xml(f, self->class_names[c], 0);
    fprintf(f, ": %lld test images, recall %.1f%%", (long long)self->support[c],
            100 * self->recall[c]);
    bovw_svg_tip_end(f);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\"%s>", mx - 3,
            my + centre, fill);
    bovw_put_xml(f, self->class_names[c], MAX_NAME_CHARS);
    fputs("</text>", f);
    bovw_svg_group_end(f);
    bovw_svg_tip_begin(f);
    bovw_put_xml(f, self->class_names[c], 0);
    fprintf(f, ": precision %.1f%%", 100 * self->precision[c]);
    bovw_svg_tip_end(f);
    /* Upright, centred on the name's length: ImageMagick turns text the
     * other way (reading down), and only a centred label stays above the
     * matrix whichever way it turns. */
    double length = bovw_text_width(self->class_names[c], MAX_NAME_CHARS) * font;
    fprintf(f, "<text transform=\"translate(%.2f %.2f) rotate(-90)\" text-anchor=\"middle\">",
            mx + centre, my - 3 - length / 2);
    bovw_put_xml(f, self->class_names[c], MAX_NAME_CHARS);
    fputs("</text>", f);
    bovw_svg_group_end(f);
  }
  fputs("</g>\n", f);

  /* The frame, then guide lines every 10 classes for counting along a large
   * matrix (drawn under the cells). */
  fprintf(f,
          "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
          "stroke=\"#bbb\" stroke-width=\"1\"/>\n",
          mx, my, matrix, matrix);
  if (k > 20) {
    fputs("<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n", f);
    for (size_t c = 10; c < k; c += 10) {
      double at = (double)c * cell;
      fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
              mx + at, my, mx + at, my + matrix);
      fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
              mx, my + at, mx + matrix, my + at);
    }
    fputs("</g>\n", f);
  }

  /* The cells that are not zero, each with its numbers as a tooltip; the
   * percentage is printed in the cell when it fits. */
  int numbers = cell >= 26;
  fputs("<g shape-rendering=\"crispEdges\">\n", f);
  for (size_t t = 0; t < k; t++) {
    for (size_t p = 0; p < k; p++) {
      int64_t n = self->confusion[t * k + p];
      if (n == 0) continue;
      double v = (double)n / (double)self->support[t];
      char fill[8];
      colour(v, fill);
      double x = mx + (double)p * cell, y = my + (double)t * cell;
      bovw_svg_tip_begin(f);
      bovw_put_xml(f, self->class_names[t], 0);
      fputs(" \u2192 ", f);
      bovw_put_xml(f, self->class_names[p], 0);
      fprintf(f, ": %lld of %lld (%.1f%%)", (long long)n, (long long)self->support[t],
              100 * v);
      bovw_svg_tip_end(f);
      fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
              "fill=\"%s\"/>", x, y, cell, cell, fill);
      bovw_svg_group_end(f);
      if (numbers)
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\" "
                "text-anchor=\"middle\" fill=\"%s\">%.0f</text>\n",
                x + cell / 2, y + cell / 2 + 0.35 * font * 0.9, font * 0.9,
                v > 0.55 ? "white" : "black", 100 * v);
    }
  }
  fputs("</g>\n", f);

  /* The diagonal outlined in orange, empty cells too: a class that is never
   * recognised shows as an orange square on white. */
  double stroke = fmin(2, fmax(1, 0.08 * cell));
  fprintf(f, "<g fill=\"none\" stroke=\"#e6550d\" stroke-width=\"%.2f\">\n", stroke);
  for (size_t c = 0; c < k; c++) {
    double at = (double)c * cell + stroke / 2, side = fmax(cell - stroke, 0.1);
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n",
            mx + at, my + at, side, side);
  }
  fputs("</g>\n", f);

  /* The legend: the colour bar with ticks every 25%, in bands of about 3
   * pixels rather than a gradient (ImageMagick paints gradients black);
   * the steps between bands are too small to see. */
  const int bands = (int)ceil(bar_height / LEGEND_BAND);
  double lx = mx + matrix + 20, bw = 14, band = bar_height / bands;
  fputs("<g shape-rendering=\"crispEdges\">\n", f);
  for (int i = 0; i < bands; i++) {
    char fill[8];
    colour((i + 0.5) / bands, fill);
    /* Each band but the lowest reaches half a pixel into the one below,
     * so that no seam shows between two. */
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.0f\" height=\"%.2f\" fill=\"%s\"/>\n",
            lx, my + bar_height - (i + 1) * band, bw, i > 0 ? band + 0.5 : band,
            fill);
  }
  fprintf(f, "</g>\n<rect x=\"%.2f\" y=\"%.2f\" width=\"%.0f\" height=\"%.2f\" "
          "fill=\"none\" stroke=\"#bbb\"/>\n", lx, my, bw, bar_height);
  fputs("<g font-size=\"10\">\n", f);
  for (int i = 0; i <= 4; i++) {
    double y = my + bar_height * (1 - i / 4.0);
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555\"/>"
            "<text x=\"%.2f\" y=\"%.2f\">%d%%</text>\n",
            lx + bw, y, lx + bw + 4, y, lx + bw + 6, y + 3.5, 25 * i);
  }
  fputs("</g>\n", f);
  return bovw_svg_close(&af, err);
}
