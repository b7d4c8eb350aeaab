/* compare.h: `bovw compare`: classification reports (the report.json of
 * `bovw eval` and `bovw nn eval`) side by side, written as compare.md,
 * compare.json and SVG pictures; with `curve`, reports made at several
 * training-set sizes become a learning curve. The files and how names,
 * times and sizes are found are in docs/report.md ("bovw compare"). */
#ifndef BOVW_COMPARE_H
#define BOVW_COMPARE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "bovw/error.h"
#include "bovw/report.h"

typedef struct bovw_compare_options {
  /* NULL: each system is named from its report's run object (or its
   * folder); otherwise one name per report, in the same order. */
  char *const *names;
  int curve;          /* 0; 1: a learning curve, see below */
  /* What the curve's N is (its axis title); NULL: "training images per
   * class". Any quantity named SYSTEM@N, such as bits per dimension. */
  const char *curve_x;
  const char *title;  /* heads compare.md; NULL: a default */
  /* 0: reports scored on different test sets are refused (their numbers
   * do not compare); 1: allowed, and compare.md and compare.json say so. */
  int mixed_test_sets;
} bovw_compare_options;

void bovw_compare_options_default(bovw_compare_options *o);

/* One compared report. The numbers taken from its run object are NAN when
 * the run does not give them. */
typedef struct bovw_compare_system {
  char *name;              /* in tables and legends */
  char *dir;               /* the report folder as given */
  bovw_report *report;
  cJSON *run;              /* the report's run object */
  double train_count;      /* run.train_count */
  double train_per_class;  /* run.train_per_class, else train_count / classes */
  double train_seconds;    /* run.train_seconds */
  double inference_seconds;/* run.inference_seconds (older bovw eval:
                              run.score_seconds) */
  double model_bytes;      /* run.model_bytes */
  int from_pixels;         /* the times are run.from_pixels's: the whole system
                            * from pixels, not the classifier alone */
  size_t line;             /* with curve: the index of its line */
} bovw_compare_system;

/* With curve: the reports of one system at several training-set sizes. */
typedef struct bovw_compare_line {
  char *name;
  size_t count;
  size_t *points;          /* indices of systems, by train_per_class rising */
} bovw_compare_line;

typedef struct bovw_compare {
  char *title;
  int curve;
  char *curve_x;           /* the curve's x: "training images per class" */
  size_t count;            /* systems, in the order of the report folders */
  bovw_compare_system *systems;
  size_t num_lines;        /* with curve, in the order of their first report */
  bovw_compare_line *lines;
  int mixed_test_sets;     /* the systems were scored on different test sets */
} bovw_compare;

/* Reads the report folders dirs[0..n-1] (n >= 1) and names the systems.
 * Refuses, naming the file: a report that does not read (bovw_report_read),
 * one whose classes (number or names) differ from the first report's
 * (BOVW_ERR_MISMATCH), and names that are empty or given twice
 * (BOVW_ERR_INVALID). With curve, a name "SYSTEM@N" puts the report on line
 * SYSTEM at N training images per class; a name without "@" is the line and
 * N comes from the run object; a report with no N, or two reports with the
 * same line and N, are refused (BOVW_ERR_INVALID). Names derived from the
 * run objects that collide get the folder's name added (without curve). */
int bovw_compare_new(char *const *dirs, size_t n, const bovw_compare_options *o,
                     bovw_compare **out, bovw_error *err);
/* Frees everything the comparison owns; NULL is allowed. */
void bovw_compare_free(bovw_compare *self);

/* Writes dir/compare.md, dir/accuracy.svg, dir/per_class.svg and, with
 * curve, dir/curve.svg (without, an old curve.svg is removed), then
 * dir/compare.json, each atomically (dir and its missing parents are
 * created). compare.json is the commit point: an old one is removed first
 * and the new one written last. */
int bovw_compare_write(const bovw_compare *self, const char *dir, bovw_error *err);

#endif
