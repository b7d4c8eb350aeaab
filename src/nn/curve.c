/* curve.c: the learning curves of a training run: curve.csv, one line per
 * epoch, and curve.svg, loss and accuracy against the epoch, drawn as plain
 * SVG by hand (two panels, axes with ticks, training solid, validation
 * dashed). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bovw/fs.h"
#include "nn/internal.h"

int bovw_nn_curve_write_csv(const bovw_nn_history *h, const char *path, bovw_error *err) {
  bovw_atomic_file f = {0};
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  fputs("epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds\n", f.fp);
  for (int e = 0; e < h->num_epochs; e++) {
    const bovw_nn_epoch *p = &h->epochs[e];
    fprintf(f.fp, "%d,%.9g,%.9g,%.9g,", p->epoch, p->lr, p->train_loss, p->train_acc);
    if (isnan(p->val_loss))
      fputs(",,", f.fp);
    else
      fprintf(f.fp, "%.9g,%.9g,", p->val_loss, p->val_acc);
    fprintf(f.fp, "%.3f\n", p->seconds);
  }
  return bovw_atomic_commit(&f, err);
}

/* ---- the figure ------------------------------------------------------------------ */

enum { PANEL_W = 440, PANEL_H = 320, TOP = 40, MARGIN_L = 62, MARGIN_R = 18,
       MARGIN_T = 34, MARGIN_B = 46 };

static const char TRAIN_COLOUR[] = "#1f77b4", VAL_COLOUR[] = "#d62728";

/* A tick step of 1, 2 or 5 times a power of ten giving at most `most` steps
 * over span. */
static double nice_step(double span, int most) {
  if (!(span > 0)) return 1;
  double raw = span / most, p = pow(10, floor(log10(raw)));
  for (int k = 0; k < 3; k++) {
    const double m[3] = {1, 2, 5};
    if (m[k] * p >= raw) return m[k] * p;
  }
  return 10 * p;
}

typedef struct panel {
  double x0, y0;             /* top-left corner of the panel */
  double xmin, xmax, ymin, ymax;
} panel;

static double px(const panel *p, double x) {
  const double w = PANEL_W - MARGIN_L - MARGIN_R;
  return p->x0 + MARGIN_L + (x - p->xmin) / (p->xmax - p->xmin) * w;
}

static double py(const panel *p, double y) {
  const double h = PANEL_H - MARGIN_T - MARGIN_B;
  return p->y0 + MARGIN_T + (p->ymax - y) / (p->ymax - p->ymin) * h;
}

static void xml_text(FILE *fp, const char *s) {
  for (; *s; s++) switch (*s) {
      case '&': fputs("&amp;", fp); break;
      case '<': fputs("&lt;", fp); break;
      case '>': fputs("&gt;", fp); break;
      case '"': fputs("&quot;", fp); break;
      default: fputc(*s, fp);
    }
}

static void draw_axes(FILE *fp, const panel *p, const char *title, double ystep,
                      const char *ylabel) {
  const double left = px(p, p->xmin), right = px(p, p->xmax);
  const double top = py(p, p->ymax), bottom = py(p, p->ymin);
  fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
          (left + right) / 2, p->y0 + 20, title);
  /* Horizontal grid lines and y ticks. */
  for (double y = ceil(p->ymin / ystep - 1e-9) * ystep; y <= p->ymax + ystep * 1e-6; y += ystep) {
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
            left, py(p, y), right, py(p, y));
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%g</text>\n",
            left - 6, py(p, y) + 4, round(y * 1e6) / 1e6 + 0.0 /* no "-0" */);
  }
  /* x ticks: whole epochs. */
  double xstep = nice_step(p->xmax - p->xmin, 10);
  if (xstep < 1) xstep = 1;
  for (double x = ceil(p->xmin / xstep) * xstep; x <= p->xmax + 1e-9; x += xstep) {
    if (x < 1) continue;
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
            px(p, x), bottom, px(p, x), bottom + 4);
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%g</text>\n",
            px(p, x), bottom + 17, x);
  }
  fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
              "stroke=\"#333\"/>\n", left, top, right - left, bottom - top);
  fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">epoch</text>\n",
          (left + right) / 2, bottom + 34);
  fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" "
              "transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
          p->x0 + 16, (top + bottom) / 2, p->x0 + 16, (top + bottom) / 2, ylabel);
}

/* One series (loss or accuracy, training or validation) against the epoch,
 * times scale (100 for accuracy in %); values that are not finite are left
 * out. */
static void draw_series(FILE *fp, const panel *p, const bovw_nn_history *h, int acc, int val,
                        const char *colour, double scale) {
  int points = 0;
  fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colour,
          val ? " stroke-dasharray=\"6 4\"" : "");
  for (int e = 0; e < h->num_epochs; e++) {
    const bovw_nn_epoch *ep = &h->epochs[e];
    double v = acc ? (val ? ep->val_acc : ep->train_acc) : (val ? ep->val_loss : ep->train_loss);
    if (!isfinite(v)) continue;
    fprintf(fp, "%s%.1f,%.1f", points++ ? " " : "", px(p, ep->epoch), py(p, v * scale));
  }
  fputs("\"/>\n", fp);
  if (h->num_epochs > 40) return;
  for (int e = 0; e < h->num_epochs; e++) {
    const bovw_nn_epoch *ep = &h->epochs[e];
    double v = acc ? (val ? ep->val_acc : ep->train_acc) : (val ? ep->val_loss : ep->train_loss);
    if (!isfinite(v)) continue;
    fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", px(p, ep->epoch),
            py(p, v * scale), colour);
  }
}

int bovw_nn_curve_write_svg(const bovw_nn_history *h, const char *title, const char *path,
                            bovw_error *err) {
  int has_val = 0;
  double max_loss = 0, min_acc = 1;
  for (int e = 0; e < h->num_epochs; e++) {
    const bovw_nn_epoch *ep = &h->epochs[e];
    const double v[4] = {ep->train_loss, ep->val_loss, ep->train_acc, ep->val_acc};
    has_val |= isfinite(ep->val_loss);
    for (int k = 0; k < 2; k++)
      if (isfinite(v[k]) && v[k] > max_loss) max_loss = v[k];
    for (int k = 2; k < 4; k++)
      if (isfinite(v[k]) && v[k] < min_acc) min_acc = v[k];
  }
  const double xmax = h->num_epochs > 1 ? h->num_epochs : 2;
  /* Loss from 0 to a whole tick above the largest; accuracy (in %) from a
   * multiple of 10 below the smallest to 100. */
  const double lstep = nice_step(max_loss > 0 ? max_loss : 1, 6);
  panel loss = {0, TOP, 1, xmax, 0, ceil((max_loss > 0 ? max_loss : 1) / lstep) * lstep};
  double acc_lo = floor(min_acc * 10) * 10;
  if (acc_lo >= 100) acc_lo = 90;
  panel acc = {PANEL_W, TOP, 1, xmax, acc_lo, 100};
  const double astep = nice_step(100 - acc_lo, 6);

  bovw_atomic_file f = {0};
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  FILE *fp = f.fp;
  const int width = 2 * PANEL_W, height = TOP + PANEL_H;
  fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
              "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n", width, height, width, height);
  fprintf(fp, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
  fputs("<text x=\"12\" y=\"24\" font-size=\"15\" font-weight=\"bold\">", fp);
  xml_text(fp, title ? title : "learning curves");
  fputs("</text>\n", fp);
  /* The legend, top right. */
  fprintf(fp, "<line x1=\"%d\" y1=\"19\" x2=\"%d\" y2=\"19\" stroke=\"%s\" stroke-width=\"2\"/>"
              "<text x=\"%d\" y=\"23\" font-size=\"12\">training</text>\n",
          width - 230, width - 200, TRAIN_COLOUR, width - 194);
  if (has_val)
    fprintf(fp, "<line x1=\"%d\" y1=\"19\" x2=\"%d\" y2=\"19\" stroke=\"%s\" stroke-width=\"2\" "
                "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"23\" font-size=\"12\">"
                "validation</text>\n",
            width - 120, width - 90, VAL_COLOUR, width - 84);
  draw_axes(fp, &loss, "loss (softmax cross-entropy)", lstep, "loss");
  draw_axes(fp, &acc, "accuracy", astep, "accuracy (%)");
  draw_series(fp, &loss, h, 0, 0, TRAIN_COLOUR, 1);
  draw_series(fp, &acc, h, 1, 0, TRAIN_COLOUR, 100);
  if (has_val) {
    draw_series(fp, &loss, h, 0, 1, VAL_COLOUR, 1);
    draw_series(fp, &acc, h, 1, 1, VAL_COLOUR, 100);
  }
  fputs("</svg>\n", fp);
  if (ferror(fp)) {
    bovw_atomic_abort(&f);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: write error", path);
  }
  return bovw_atomic_commit(&f, err);
}
