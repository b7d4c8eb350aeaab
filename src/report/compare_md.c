/* compare_md.c: compare.md, a comparison for people: the systems side by
 * side, the learning curve as a table, recall per class, and which report
 * each system is (docs/report.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/fs.h"
#include "report/internal.h"

#define ABSENT "–"  /* a number the run did not give */

/* Table cells are formatted into one of these before they are written. */
typedef char cell[32];

static void percent_cell(cell out, double fraction) {
  snprintf(out, sizeof(cell), "%.1f%%", 100 * fraction);
}

/* Seconds with about three significant digits, as milliseconds below 0.1 s. */
static void seconds_cell(cell out, double s) {
  if (isnan(s)) snprintf(out, sizeof(cell), ABSENT);
  else if (s < 0.1) snprintf(out, sizeof(cell), "%.1f ms", 1000 * s);
  else if (s < 10) snprintf(out, sizeof(cell), "%.2f s", s);
  else if (s < 100) snprintf(out, sizeof(cell), "%.1f s", s);
  else snprintf(out, sizeof(cell), "%.0f s", s);
}

/* Bytes in decimal units (kB = 1000 bytes), as the sizes of files. */
static void bytes_cell(cell out, double b) {
  if (isnan(b)) snprintf(out, sizeof(cell), ABSENT);
  else if (b < 1e3) snprintf(out, sizeof(cell), "%.0f B", b);
  else if (b < 1e6) snprintf(out, sizeof(cell), "%.1f kB", b / 1e3);
  else if (b < 1e9) snprintf(out, sizeof(cell), "%.1f MB", b / 1e6);
  else snprintf(out, sizeof(cell), "%.2f GB", b / 1e9);
}

/* Image counts; training images per class are a mean, so not always whole. */
static void count_cell(cell out, double n) {
  if (isnan(n)) snprintf(out, sizeof(cell), ABSENT);
  else snprintf(out, sizeof(cell), n == floor(n) ? "%.0f" : "%.1f", n);
}

/* The rest of a table row: the cells, and the row's end. */
static void put_cells(FILE *f, const cell *cells, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(f, " | %s", cells[i]);
  fputs(" |\n", f);
}

/* A table row: the name (escaped), then the cells. */
static void put_row(FILE *f, const char *name, const cell *cells, size_t n) {
  fputs("| ", f);
  bovw_put_md(f, name);
  put_cells(f, cells, n);
}

/* A table's header: the first column's title, then the names (escaped) of
 * `count` systems or lines, numbers right-aligned after the first column. */
static void put_header(FILE *f, const char *first, const char *second,
                       const bovw_compare *self, int lines) {
  size_t count = lines ? self->num_lines : self->count;
  fprintf(f, "| %s |", first);
  if (second) fprintf(f, " %s |", second);
  for (size_t i = 0; i < count; i++) {
    fputc(' ', f);
    bovw_put_md(f, lines ? self->lines[i].name : self->systems[i].name);
    fputs(" |", f);
  }
  fputs(second ? "\n| --- | ---: |" : "\n| ---: |", f);
  for (size_t i = 0; i < count; i++) fputs(" ---: |", f);
  fputc('\n', f);
}

static void put_summary(FILE *f, const bovw_compare *self) {
  fputs("| system | test images | accuracy | mean per-class accuracy | top-5 accuracy "
        "| training images | per class | training time | inference time | model size |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        f);
  for (size_t i = 0; i < self->count; i++) {
    const bovw_compare_system *s = &self->systems[i];
    cell cells[9];
    count_cell(cells[0], (double)s->report->count);
    percent_cell(cells[1], s->report->accuracy);
    percent_cell(cells[2], s->report->mean_class_accuracy);
    percent_cell(cells[3], s->report->top5_accuracy);
    count_cell(cells[4], s->train_count);
    count_cell(cells[5], s->train_per_class);
    seconds_cell(cells[6], s->train_seconds);
    seconds_cell(cells[7], s->inference_seconds);
    bytes_cell(cells[8], s->model_bytes);
    put_row(f, s->name, cells, 9);
  }
  size_t own = 0;
  for (size_t i = 0; i < self->count; i++) own += !self->systems[i].from_pixels;
  if (own < self->count) {
    fputs("\nTimes are from pixels: training is every stage that made the model (BoVW: "
          "extract, codebook, encode, train; a network: decode and train), inference every "
          "stage from the test images to the scores (BoVW: extract, encode, score; a network: "
          "decode and score).", f);
    if (own) {
      fputs(" Not for ", f);
      for (size_t i = 0, k = 0; i < self->count; i++) {
        if (self->systems[i].from_pixels) continue;
        if (k++) fputs(", ", f);
        bovw_put_md(f, self->systems[i].name);
      }
      fputs(", whose reports give the classifier's own times only.", f);
    }
    fputc('\n', f);
  }
  fputs("\n![accuracy and mean per-class accuracy](accuracy.svg)\n", f);
}

/* One row per training-set size, one column per line. */
static int put_curve(FILE *f, const bovw_compare *self) {
  size_t n;
  double *sizes = bovw_compare_curve_sizes(self, &n);
  cell *cells = malloc((self->num_lines ? self->num_lines : 1) * sizeof *cells);
  if (!sizes || !cells) {
    free(sizes);
    free(cells);
    return BOVW_ERR_NOMEM;
  }
  fprintf(f, "\n## Learning curve\n\nMean per-class accuracy against the %s.\n\n",
          self->curve_x);
  /* The learning curve's column keeps its short name. */
  put_header(f, strcmp(self->curve_x, "training images per class") ? self->curve_x : "images per class",
             NULL, self, 1);
  for (size_t x = 0; x < n; x++) {
    for (size_t l = 0; l < self->num_lines; l++) {
      const bovw_compare_line *line = &self->lines[l];
      size_t p = 0;
      while (p < line->count && self->systems[line->points[p]].train_per_class != sizes[x]) p++;
      if (p < line->count)
        percent_cell(cells[l], self->systems[line->points[p]].report->mean_class_accuracy);
      else
        snprintf(cells[l], sizeof(cell), ABSENT);
    }
    cell size;
    count_cell(size, sizes[x]);
    put_row(f, size, cells, self->num_lines);
  }
  fputs("\n![learning curve](curve.svg)\n", f);
  free(cells);
  free(sizes);
  return BOVW_OK;
}

/* Recall per class and system, in the order of per_class.svg. The test
 * images of a class are the first report's; when another report has a
 * different number, every report's number is shown ("15/14"). */
static int put_classes(FILE *f, const bovw_compare *self) {
  size_t *order = bovw_compare_class_order(self);
  cell *cells = malloc(self->count * sizeof *cells);
  if (!order || !cells) {
    free(order);
    free(cells);
    return BOVW_ERR_NOMEM;
  }
  fputs("\n## Per class\n\nRecall (the share of a class's test images classified right) "
        "per system, the classes with the lowest mean over the systems first.\n\n", f);
  put_header(f, "class", "test images", self, 0);
  const bovw_report *first = self->systems[0].report;
  for (size_t k = 0; k < first->num_classes; k++) {
    size_t c = order[k];
    int differ = 0;
    for (size_t i = 0; i < self->count; i++) {
      const bovw_report *r = self->systems[i].report;
      differ |= r->support[c] != first->support[c];
      if (r->support[c] > 0)
        percent_cell(cells[i], r->recall[c]);
      else
        snprintf(cells[i], sizeof(cell), ABSENT);
    }
    fputs("| ", f);
    bovw_put_md(f, first->class_names[c]);
    fputs(" | ", f);
    for (size_t i = 0; i < (differ ? self->count : 1); i++)
      fprintf(f, "%s%lld", i ? "/" : "", (long long)self->systems[i].report->support[c]);
    put_cells(f, cells, self->count);
  }
  fputs("\n![recall per class](per_class.svg)\n", f);
  free(cells);
  free(order);
  return BOVW_OK;
}

static void put_reports(FILE *f, const bovw_compare *self) {
  fputs("\n## Reports\n\n| system | report |\n| --- | --- |\n", f);
  for (size_t i = 0; i < self->count; i++) {
    fputs("| ", f);
    bovw_put_md(f, self->systems[i].name);
    fputs(" | ", f);
    bovw_put_md(f, self->systems[i].dir);
    fputs(" |\n", f);
  }
}

int bovw_compare_write_markdown(const bovw_compare *self, const char *path,
                                bovw_error *err) {
  bovw_atomic_file af;
  int rc = bovw_atomic_open(&af, path, err);
  if (rc) return rc;
  FILE *f = af.fp;
  fputs("# ", f);
  bovw_put_md(f, self->title);
  fprintf(f, "\n\n%zu %s, %zu classes. Times and sizes are those the reports' runs "
          "give (" ABSENT " when they do not).\n\n",
          self->count, self->count == 1 ? "report" : "reports",
          self->systems[0].report->num_classes);
  if (self->mixed_test_sets)
    fputs("**Warning: these reports were scored on different test sets** (given with "
          "--mixed-test-sets): their numbers do not measure the same thing.\n\n", f);
  put_summary(f, self);
  if ((self->curve && (rc = put_curve(f, self))) || (rc = put_classes(f, self))) {
    bovw_atomic_abort(&af);
    return bovw_error_set(err, rc, "%s: out of memory", path);
  }
  put_reports(f, self);
  return bovw_atomic_commit(&af, err);
}
