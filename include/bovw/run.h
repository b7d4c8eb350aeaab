/* run.h: what needs several stages at once (ARCHITECTURE.md's src/run):
 * evaluating one system, or the late fusion of several, from model and
 * encodings artifacts into a report, after checking that they belong
 * together. The command-line program only parses options and prints. */
#ifndef BOVW_RUN_H
#define BOVW_RUN_H

#include <stddef.h>

#include "bovw/error.h"
#include "bovw/report.h"

typedef struct bovw_eval_options {
  size_t count;                   /* systems: at least 1 */
  char *const *model_dirs;        /* count model folders */
  char *const *encodings_dirs;    /* count test encodings folders, one per model */
  const double *weights;          /* count weights (>= 0); NULL: 1 each */
  int threads;                    /* scoring threads; <= 0: all cores */
} bovw_eval_options;

/* Scores each system's encodings with its model and, with several systems,
 * sums the scores times their weights (late fusion: systems trained on
 * different encodings of the same images). Refuses encodings that do not
 * belong to their model (bovw_model_check_encodings: dimension, codebook,
 * settings, classes) and systems of other classes or other images than the
 * first's, naming the difference. Writes report_dir (bovw_report_write)
 * with the run object of docs/report.md: the shared keys, the test set's
 * identity, the cost from pixels, and for a fusion one object per system.
 * *out (when not NULL) receives the report; free it with bovw_report_free. */
int bovw_eval_run(const bovw_eval_options *o, const char *report_dir, bovw_report **out,
                  bovw_error *err);

#endif
