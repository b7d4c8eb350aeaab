/* report.h: classification reports shared by `bovw eval`, `bovw nn eval`
 * and `bovw compare`: accuracy, mean per-class accuracy, top-5, per-class
 * precision and recall, the confusion matrix; written as report.json (the
 * schema in docs/report.md), report.md and confusion.svg. */
#ifndef BOVW_REPORT_H
#define BOVW_REPORT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

typedef struct bovw_report {
  size_t num_classes, count;
  char **class_names;        /* num_classes, owned */
  int64_t *confusion;        /* num_classes x num_classes: [true][predicted] */
  double accuracy;           /* correct / count */
  double mean_class_accuracy;/* mean over classes with test images of the
                                diagonal of the row-normalised confusion */
  double top5_accuracy;      /* true class among the 5 best scores (among all
                                of them when there are fewer than 5) */
  double *precision, *recall;/* per class; recall is the class's accuracy.
                                Both are 0 when undefined: precision when
                                nothing was predicted as the class, recall
                                when the class has no test image (support 0
                                tells that case apart) */
  int64_t *support;          /* test images per class */
  /* Per test image, in the order scored (count each, owned): the true
   * label and the predicted class. Set by bovw_report_from_scores; NULL in
   * a report read back from report.json, which does not keep them. */
  int32_t *labels, *predicted;
} bovw_report;

/* Builds a report from n rows of scores (n x num_classes, higher is better)
 * and the true labels. Ties between scores go to the lower class index, for
 * the prediction and for the top-5 ranking alike. class_names are copied;
 * when class_names is NULL the classes are named by their labels ("0", "1",
 * ...). Refuses n == 0 (BOVW_ERR_EMPTY), num_classes == 0, a label outside
 * 0..num_classes-1 and a NaN score (BOVW_ERR_INVALID). */
int bovw_report_from_scores(const float *scores, const int32_t *labels, size_t n,
                            size_t num_classes, char *const *class_names,
                            bovw_report **out, bovw_error *err);
/* Frees the report and everything it owns; NULL is allowed. */
void bovw_report_free(bovw_report *self);

/* Writes dir/report.json, dir/report.md and dir/confusion.svg, each
 * atomically (dir and its missing parents are created), and
 * dir/predictions.tsv when the report has its per-image predictions (an
 * old one is removed when it has not). An old report.json is removed first
 * and the new one is written last, so a folder whose report.json exists
 * holds a complete report. `info` (may be NULL, otherwise
 * a JSON object) is copied into report.json under "run": what was evaluated
 * (model, data, timing, sizes). `title` heads report.md (NULL: a default). */
int bovw_report_write(const bovw_report *self, const char *dir, const char *title,
                      const cJSON *info, bovw_error *err);

/* ---- the run object ------------------------------------------------------- */

/* What was evaluated, as every report's "run" object says it (docs/report.md,
 * "The run object"): the keys `bovw eval` and `bovw nn eval` share and
 * `bovw compare` reads. A number that is not known is NAN (written as
 * absent). The writers add their own keys (solver, net, ...) to the JSON. */
typedef struct bovw_run_info {
  const char *kind;         /* "bovw" or "nn" */
  double train_count;       /* training rows the classifier saw */
  double train_per_class;   /* for a learning curve; NAN: train_count / classes */
  double train_seconds;     /* the classifier's own training */
  double inference_seconds; /* the scoring alone */
  double model_bytes;
  double dim;               /* the input dimension */
  double threads;           /* threads used for scoring */
  double count;             /* test images, for images_per_second */
  cJSON *test_set;          /* bovw_test_set_json; owned, may be NULL */
  cJSON *from_pixels;       /* bovw_provenance_cost; owned, may be NULL */
} bovw_run_info;

/* All numbers NAN, no objects. */
void bovw_run_info_init(bovw_run_info *self);
/* Frees the objects the info owns. */
void bovw_run_info_clear(bovw_run_info *self);

/* A new run object with the shared keys (the owned objects copied); NULL
 * when out of memory. */
cJSON *bovw_run_info_to_json(const bovw_run_info *self);

/* Reads the shared keys back from a report's run object (compare): missing,
 * negative or non-finite numbers are NAN; an older report's
 * `score_seconds` stands for `inference_seconds`. The objects are not read
 * (they stay NULL): use cJSON_GetObjectItem on the run for them. */
void bovw_run_info_from_json(const cJSON *run, bovw_run_info *out);

/* The identity of a test set, for a report's run object under "test_set":
 * {"count": n, "manifest_sha256": the manifest the images were listed in
 * (null when unknown), "labels_sha256": the SHA-256 of the n labels as
 * little-endian int32}. compare refuses reports whose test sets differ.
 * NULL when out of memory. */
cJSON *bovw_test_set_json(const char *manifest_sha256, const int32_t *labels, size_t n);

/* Reads dir/report.json back (for compare): the fields above are filled from
 * it and *info (if not NULL) receives a copy of its "run" object (free it
 * with cJSON_Delete). Refuses another kind, a newer format version, missing
 * keys and arrays whose sizes or sums disagree with num_classes and count,
 * naming the file and the key. */
int bovw_report_read(const char *dir, bovw_report **out, cJSON **info, bovw_error *err);

/* The two human-readable files on their own, written atomically to `path`
 * (bovw_report_write calls them; the folder must exist). The markdown file
 * links to "confusion.svg" in its own folder. */
int bovw_report_write_markdown(const bovw_report *self, const char *path,
                               const char *title, const cJSON *info,
                               bovw_error *err);
int bovw_report_write_svg(const bovw_report *self, const char *path,
                          bovw_error *err);
/* predictions.tsv: a header line "row label class predicted
 * predicted_class", then one line per test image in the order scored
 * (docs/report.md). Needs self->labels and self->predicted. */
int bovw_report_write_predictions(const bovw_report *self, const char *path,
                                  bovw_error *err);

/* A report of num_classes classes with every array allocated and zeroed and
 * every class name NULL, for readers that fill it in. */
int bovw_report_new(size_t num_classes, bovw_report **out, bovw_error *err);

#endif
