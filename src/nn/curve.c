/* curve.c: the learning curves of a training run: curve.csv, one line per
 * epoch, and curve.svg, loss and accuracy against the epoch (two panels,
 * training solid, validation dashed), drawn with the SVG pieces the
 * reports' pictures use (io/svg.h). */
#include <math.h>
#include <stdio.h>

#include "bovw/fs.h"
#include "io/svg.h"
#include "nn/internal.h"

int bovw_nn_curve_write_csv(const bovw_nn_history *h, const char *path, bovw_error *err) {
  bovw_atomic_file f = {0};
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  /* Then per layer: the weight gradient's norm of each conv or fc, the
   * dead share of each ReLU, named by layer index. */
  fputs("epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds", f.fp);
  for (int k = 0; k < h->num_weighted; k++) fprintf(f.fp, ",grad_norm_%d", h->weighted_layers[k]);
  for (int k = 0; k < h->num_relu; k++) fprintf(f.fp, ",dead_relu_%d", h->relu_layers[k]);
  fputc('\n', f.fp);
  for (int e = 0; e < h->num_epochs; e++) {
    const bovw_nn_epoch *p = &h->epochs[e];
    /* The loss of an epoch stopped by a non-finite batch means nothing: its
     * field says why the curve ends there. */
    if (p->diverged && !isfinite(p->train_loss))
      fprintf(f.fp, "%d,%.9g,diverged,%.9g,", p->epoch, p->lr, p->train_acc);
    else
      fprintf(f.fp, "%d,%.9g,%.9g,%.9g,", p->epoch, p->lr, p->train_loss, p->train_acc);
    if (p->diverged && isfinite(p->train_loss))
      fputs("diverged,,", f.fp);
    else if (isnan(p->val_loss))
      fputs(",,", f.fp);
    else
      fprintf(f.fp, "%.9g,%.9g,", p->val_loss, p->val_acc);
    fprintf(f.fp, "%.3f", p->seconds);
    /* A value that is not finite (a diverged epoch's) is left empty. */
    for (int k = 0; k < h->num_weighted; k++) {
      const double g = h->grad_norm[(size_t)e * h->num_weighted + k];
      if (isfinite(g)) fprintf(f.fp, ",%.9g", g);
      else fputc(',', f.fp);
    }
    for (int k = 0; k < h->num_relu; k++) {
      const double d = h->dead[(size_t)e * h->num_relu + k];
      if (isfinite(d)) fprintf(f.fp, ",%.9g", d);
      else fputc(',', f.fp);
    }
    fputc('\n', f.fp);
  }
  return bovw_atomic_commit(&f, err);
}

/* ---- the figure ------------------------------------------------------------------ */

enum { PANEL_W = 440, PANEL_H = 320, TOP = 40, MARGIN_L = 66, MARGIN_R = 18,
       MARGIN_T = 34, MARGIN_B = 50 };

/* The reports' palette (colour-blind safe): blue for training, vermilion
 * for validation. */
#define TRAIN_COLOUR bovw_series_colour(0)
#define VAL_COLOUR bovw_series_colour(3)

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

static void draw_axes(FILE *fp, const panel *p, const char *title, double ystep,
                      const char *ylabel) {
  const bovw_svg_plot plot = {px(p, p->xmin), py(p, p->ymax), px(p, p->xmax), py(p, p->ymin)};
  fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
          (plot.left + plot.right) / 2, p->y0 + 20, title);
  char label[32];
  for (double y = ceil(p->ymin / ystep - 1e-9) * ystep; y <= p->ymax + ystep * 1e-6; y += ystep) {
    snprintf(label, sizeof label, "%g", round(y * 1e6) / 1e6 + 0.0 /* no "-0" */);
    bovw_svg_grid_y(fp, &plot, py(p, y), label);
  }
  /* x: whole epochs. */
  double xstep = nice_step(p->xmax - p->xmin, 10);
  if (xstep < 1) xstep = 1;
  for (double x = ceil(p->xmin / xstep) * xstep; x <= p->xmax + 1e-9; x += xstep) {
    if (x < 1) continue;
    snprintf(label, sizeof label, "%g", x);
    bovw_svg_grid_x(fp, &plot, px(p, x), label);
  }
  bovw_svg_frame(fp, &plot, "epoch", ylabel);
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
  const int width = 2 * PANEL_W, height = TOP + PANEL_H;
  int rc = bovw_svg_open(&f, path, width, height, 12, title ? title : "learning curves", err);
  if (rc) return rc;
  FILE *fp = f.fp;
  /* The legend, top right. */
  fprintf(fp, "<line x1=\"%d\" y1=\"19\" x2=\"%d\" y2=\"19\" stroke=\"%s\" stroke-width=\"2\"/>\n"
              "<text x=\"%d\" y=\"23\" font-size=\"12\">training</text>\n",
          width - 230, width - 200, TRAIN_COLOUR, width - 194);
  if (has_val)
    fprintf(fp, "<line x1=\"%d\" y1=\"19\" x2=\"%d\" y2=\"19\" stroke=\"%s\" stroke-width=\"2\" "
                "stroke-dasharray=\"6 4\"/>\n<text x=\"%d\" y=\"23\" font-size=\"12\">"
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
  return bovw_svg_close(&f, err);
}
