/* metrics.c: a classification report from scores and true labels:
 * predictions, the confusion matrix and the measures derived from it (see
 * include/bovw/report.h and docs/report.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/report.h"
#include "report/internal.h"

int bovw_report_new(size_t num_classes, bovw_report **out, bovw_error *err) {
  *out = NULL;
  if (num_classes == 0)
    return bovw_error_set(err, BOVW_ERR_INVALID, "a report needs at least one class");
  /* The confusion matrix has num_classes^2 int64 cells: refuse a count whose
   * square does not fit in memory's address arithmetic. */
  if (num_classes > SIZE_MAX / num_classes / sizeof(int64_t))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%zu classes: the confusion matrix is too large",
                          num_classes);
  bovw_report *r = calloc(1, sizeof *r);
  if (!r) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for a report");
  r->num_classes = num_classes;
  r->class_names = calloc(num_classes, sizeof *r->class_names);
  r->confusion = calloc(num_classes * num_classes, sizeof *r->confusion);
  r->precision = calloc(num_classes, sizeof *r->precision);
  r->recall = calloc(num_classes, sizeof *r->recall);
  r->support = calloc(num_classes, sizeof *r->support);
  if (!r->class_names || !r->confusion || !r->precision || !r->recall ||
      !r->support) {
    bovw_report_free(r);
    return bovw_error_set(err, BOVW_ERR_NOMEM,
                          "out of memory for a report of %zu classes", num_classes);
  }
  *out = r;
  return BOVW_OK;
}

void bovw_report_free(bovw_report *self) {
  if (!self) return;
  if (self->class_names)
    for (size_t c = 0; c < self->num_classes; c++) free(self->class_names[c]);
  free(self->class_names);
  free(self->confusion);
  free(self->precision);
  free(self->recall);
  free(self->support);
  free(self->labels);
  free(self->predicted);
  free(self);
}

/* Whether class a ranks before class b in a row of scores: a higher score,
 * or an equal score and a lower index. This one rule makes the prediction
 * (the class nothing ranks before) and the top-5 rank agree on ties. */
static int ranks_before(const float *row, size_t a, size_t b) {
  return row[a] > row[b] || (row[a] == row[b] && a < b);
}

int bovw_report_from_scores(const float *scores, const int32_t *labels, size_t n,
                            size_t num_classes, char *const *class_names,
                            bovw_report **out, bovw_error *err) {
  *out = NULL;
  if (n == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no test images to report on");
  if (num_classes == 0)
    return bovw_error_set(err, BOVW_ERR_INVALID, "a report needs at least one class");
  /* Validate everything before any work, so that a bad input never yields a
   * half-built report. */
  for (size_t i = 0; i < n; i++) {
    if (labels[i] < 0 || (size_t)labels[i] >= num_classes)
      return bovw_error_set(err, BOVW_ERR_INVALID,
                            "image %zu has label %d, outside 0..%zu (%zu classes)",
                            i, (int)labels[i], num_classes - 1, num_classes);
    for (size_t c = 0; c < num_classes; c++)
      if (isnan(scores[i * num_classes + c]))
        return bovw_error_set(err, BOVW_ERR_INVALID,
                              "image %zu has a NaN score for class %zu: the "
                              "model's output is broken",
                              i, c);
  }
  if (class_names)
    for (size_t c = 0; c < num_classes; c++)
      if (!class_names[c])
        return bovw_error_set(err, BOVW_ERR_INVALID, "class %zu has no name", c);

  bovw_report *r;
  int rc = bovw_report_new(num_classes, &r, err);
  if (rc) return rc;
  r->count = n;
  r->labels = malloc(n * sizeof *r->labels);
  r->predicted = malloc(n * sizeof *r->predicted);
  if (!r->labels || !r->predicted) {
    bovw_report_free(r);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu predictions", n);
  }
  memcpy(r->labels, labels, n * sizeof *labels);
  for (size_t c = 0; c < num_classes; c++) {
    if (class_names)
      r->class_names[c] = strdup(class_names[c]);
    else if (asprintf(&r->class_names[c], "%zu", c) < 0)
      r->class_names[c] = NULL;
    if (!r->class_names[c]) {
      bovw_report_free(r);
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for class names");
    }
  }

  size_t correct = 0, in_top5 = 0;
  for (size_t i = 0; i < n; i++) {
    const float *row = scores + i * num_classes;
    size_t truth = (size_t)labels[i], predicted = 0, rank = 0;
    for (size_t c = 1; c < num_classes; c++)
      if (ranks_before(row, c, predicted)) predicted = c;
    /* The rank of the true class: how many classes rank before it. */
    for (size_t c = 0; c < num_classes; c++)
      if (c != truth && ranks_before(row, c, truth)) rank++;
    r->confusion[truth * num_classes + predicted]++;
    r->predicted[i] = (int32_t)predicted;
    correct += predicted == truth;
    /* Top-5 as in the ILSVRC benchmark (Russakovsky et al., IJCV 2015): the
     * true class is among the five best guesses. */
    in_top5 += rank < 5;
  }
  r->accuracy = (double)correct / (double)n;
  r->top5_accuracy = (double)in_top5 / (double)n;

  /* Per class: support and recall from the row, precision from the column
   * of the confusion matrix. */
  double recall_sum = 0;
  size_t classes_tested = 0;
  for (size_t c = 0; c < num_classes; c++) {
    int64_t row = 0, column = 0, diagonal = r->confusion[c * num_classes + c];
    for (size_t k = 0; k < num_classes; k++) {
      row += r->confusion[c * num_classes + k];
      column += r->confusion[k * num_classes + c];
    }
    r->support[c] = row;
    r->recall[c] = row ? (double)diagonal / (double)row : 0;
    r->precision[c] = column ? (double)diagonal / (double)column : 0;
    if (row) {
      recall_sum += r->recall[c];
      classes_tested++;
    }
  }
  /* Mean per-class accuracy, the Caltech-101 protocol's measure: the mean of
   * the diagonal of the row-normalised confusion matrix, as VLFeat's
   * phow_caltech101.m computes it (confus ./ sum(confus, 2), then
   * mean(diag(confus))). A class without test images has no row to
   * normalise and is left out of the mean (VLFeat's recipe never has one).
   * n > 0, so at least one class is tested. */
  r->mean_class_accuracy = recall_sum / (double)classes_tested;
  *out = r;
  return BOVW_OK;
}

int bovw_class_rank_worst_first(const void *pa, const void *pb) {
  const bovw_class_rank *a = pa, *b = pb;
  if (a->tested != b->tested) return a->tested ? -1 : 1;
  if (a->value != b->value) return a->value < b->value ? -1 : 1;
  return (a->index > b->index) - (a->index < b->index);
}
