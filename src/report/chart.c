/* chart.c: the pieces the SVG pictures of reports and comparisons share:
 * the document's head, the colours and the marker shapes of series. */
#include <math.h>

#include "report/internal.h"

int bovw_svg_open(bovw_atomic_file *af, const char *path, double width, double height,
                  double title_x, const char *title, bovw_error *err) {
  int rc = bovw_atomic_open(af, path, err);
  if (rc) return rc;
  FILE *f = af->fp;
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          ceil(width), ceil(height), ceil(width), ceil(height));
  fprintf(f, "<text x=\"%.1f\" y=\"25\" font-size=\"15\" font-weight=\"bold\">", title_x);
  bovw_put_xml(f, title, 0);
  fputs("</text>\n", f);
  return BOVW_OK;
}

/* Okabe and Ito's colour-blind safe qualitative palette, without its yellow
 * (too pale on white), black last. */
static const char *const PALETTE[] = {"#0072b2", "#e69f00", "#009e73", "#d55e00",
                                      "#cc79a7", "#56b4e9", "#000000"};
#define PALETTE_SIZE (sizeof PALETTE / sizeof PALETTE[0])

/* Circle, square, diamond, triangle up, triangle down: five shapes, seven
 * colours, so the first 35 series differ in one or the other. */
enum { NUM_SHAPES = 5 };

const char *bovw_series_colour(size_t i) { return PALETTE[i % PALETTE_SIZE]; }

void bovw_svg_marker(FILE *f, size_t i, double x, double y, double size) {
  const char *colour = bovw_series_colour(i);
  double r = size / 2;
  switch (i % NUM_SHAPES) {
    case 0:
      fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" fill=\"%s\">", x, y, r, colour);
      break;
    case 1:
      r *= 0.9;  /* a square looks larger than a circle of the same width */
      fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">",
              x - r, y - r, 2 * r, 2 * r, colour);
      break;
    case 2:
      r *= 1.2;
      fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\">", x,
              y - r, x + r, y, x, y + r, x - r, y, colour);
      break;
    default: {
      double s = (i % NUM_SHAPES == 3) ? 1 : -1;  /* up or down */
      r *= 1.15;
      fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\">", x,
              y - s * r, x + r, y + s * 0.75 * r, x - r, y + s * 0.75 * r, colour);
    }
  }
}

void bovw_svg_marker_end(FILE *f, size_t i) {
  switch (i % NUM_SHAPES) {
    case 0: fputs("</circle>\n", f); break;
    case 1: fputs("</rect>\n", f); break;
    default: fputs("</path>\n", f);
  }
}
