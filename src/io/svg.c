/* svg.c: the pieces every SVG picture shares: the document's head and end,
 * tooltips, the colours and marker shapes of series, and the frame and grid
 * of a chart. Why each form is the one it is: src/io/svg.h. */
#include "io/svg.h"

#include <math.h>

int bovw_svg_open(bovw_atomic_file *af, const char *path, double width, double height,
                  double title_x, const char *title, bovw_error *err) {
  int rc = bovw_atomic_open(af, path, err);
  if (rc) return rc;
  FILE *f = af->fp;
  /* font-family names the one font MSVG can match (DejaVu comes with
   * fontconfig on Debian); the style sheet, which MSVG ignores and which
   * outranks the attribute in browsers and librsvg, gives them the
   * fallbacks. stroke="none" keeps MSVG from outlining every shape. */
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans\" stroke=\"none\">\n"
          "<style>svg { font-family: \"DejaVu Sans\", Arial, sans-serif }</style>\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          ceil(width), ceil(height), ceil(width), ceil(height));
  fprintf(f, "<text x=\"%.1f\" y=\"25\" font-size=\"%.0f\" font-weight=\"bold\">", title_x,
          BOVW_SVG_TITLE_SIZE);
  bovw_put_xml(f, title, 0);
  fputs("</text>\n", f);
  return BOVW_OK;
}

int bovw_svg_close(bovw_atomic_file *af, bovw_error *err) {
  fputs("</svg>\n", af->fp);
  return bovw_atomic_commit(af, err);
}

void bovw_svg_tip_begin(FILE *f) { fputs("<g><title>", f); }
void bovw_svg_tip_end(FILE *f) { fputs("</title>", f); }
void bovw_svg_group_end(FILE *f) { fputs("</g>\n", f); }

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
      fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" fill=\"%s\"/>", x, y, r, colour);
      break;
    case 1:
      r *= 0.9;  /* a square looks larger than a circle of the same width */
      fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>",
              x - r, y - r, 2 * r, 2 * r, colour);
      break;
    case 2:
      r *= 1.2;
      fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\"/>", x,
              y - r, x + r, y, x, y + r, x - r, y, colour);
      break;
    default: {
      double s = (i % NUM_SHAPES == 3) ? 1 : -1;  /* up or down */
      r *= 1.15;
      fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\"/>", x,
              y - s * r, x + r, y + s * 0.75 * r, x - r, y + s * 0.75 * r, colour);
    }
  }
}

#define GRID "#e3e3e3"

void bovw_svg_grid_y(FILE *f, const bovw_svg_plot *p, double y, const char *label) {
  fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"" GRID "\"/>\n",
          p->left, y, p->right, y);
  if (!label) return;
  fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" text-anchor=\"end\">", p->left - 6,
          y + 4);
  bovw_put_xml(f, label, 0);
  fputs("</text>\n", f);
}

void bovw_svg_grid_x(FILE *f, const bovw_svg_plot *p, double x, const char *label) {
  fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"" GRID "\"/>\n",
          x, p->top, x, p->bottom);
  if (!label) return;
  fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" text-anchor=\"middle\">", x,
          p->bottom + 16);
  bovw_put_xml(f, label, 0);
  fputs("</text>\n", f);
}

void bovw_svg_frame(FILE *f, const bovw_svg_plot *p, const char *x_title, const char *y_title) {
  fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
          "stroke=\"#333\"/>\n", p->left, p->top, p->right - p->left, p->bottom - p->top);
  fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\" text-anchor=\"middle\">",
          (p->left + p->right) / 2, p->bottom + 36);
  bovw_put_xml(f, x_title, 0);
  /* Turned by translate-then-rotate: MSVG ignores rotate(angle x y). */
  fprintf(f, "</text>\n<text transform=\"translate(%.2f %.2f) rotate(-90)\" font-size=\"12\" "
          "text-anchor=\"middle\">", p->left - 48, (p->top + p->bottom) / 2);
  bovw_put_xml(f, y_title, 0);
  fputs("</text>\n", f);
}
