/* test_report.c: the measures on a small example worked out by hand, labels
 * refused, report.json round trips and refusals, and what report.md and
 * confusion.svg show. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/artifact.h"
#include "bovw/report.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* The hand-worked example: classes 0 and 1 have 5 and 3 test images, class
 * 2 none and nothing is predicted as it. The predictions (ties to the lower
 * index) and the confusion matrix [true][predicted]:
 *
 *   image  true  scores            predicted
 *   0      0     .9  .1  0         0
 *   1      0     .5  .5  .1        0   tie 0/1
 *   2      0     .2  .7  .1        1
 *   3      0     .3  .3  .3        0   tie of all three
 *   4      0     .8  .1  .1        0
 *   5      1     .4  .4  .2        0   tie 0/1, against the truth
 *   6      1     .7  .2  .1        0
 *   7      1     0   .6  .6        1   tie 1/2, for the truth
 *
 *   confusion = [[4 1 0] [2 1 0] [0 0 0]]
 *   accuracy = 5/8; recall = 4/5, 1/3, 0 (no images); precision = 4/6,
 *   1/2, 0 (nothing predicted); mean per-class accuracy = (4/5 + 1/3) / 2
 *   (class 2 left out); top-5 = 1 (3 classes: all of them count). */
static const float EXAMPLE_SCORES[8 * 3] = {
    .9f, .1f, 0,   .5f, .5f, .1f, .2f, .7f, .1f, .3f, .3f, .3f,
    .8f, .1f, .1f, .4f, .4f, .2f, .7f, .2f, .1f, 0,   .6f, .6f};
static const int32_t EXAMPLE_LABELS[8] = {0, 0, 0, 0, 0, 1, 1, 1};
/* Names with XML and markdown syntax in them. */
static char *const EXAMPLE_NAMES[3] = {"cats & dogs", "x<y>z", "never_seen"};

static bovw_report *example(void) {
  bovw_report *r = NULL;
  bovw_error err = {0};
  ck_assert_msg(bovw_report_from_scores(EXAMPLE_SCORES, EXAMPLE_LABELS, 8, 3,
                                        EXAMPLE_NAMES, &r, &err) == 0,
                "%s", err.message);
  return r;
}

/* {"model": "m1", "data": {"split": "test", "seed": 7}, "seconds": 1.5,
 *  "sizes": [1, 2]} */
static cJSON *example_info(void) {
  cJSON *info = cJSON_CreateObject();
  cJSON_AddStringToObject(info, "model", "m1");
  cJSON *data = cJSON_AddObjectToObject(info, "data");
  cJSON_AddStringToObject(data, "split", "test");
  cJSON_AddNumberToObject(data, "seed", 7);
  cJSON_AddNumberToObject(info, "seconds", 1.5);
  int sizes[2] = {1, 2};
  cJSON_AddItemToObject(info, "sizes", cJSON_CreateIntArray(sizes, 2));
  return info;
}

static void write_report(const bovw_report *r, const char *where, const cJSON *info) {
  bovw_error err = {0};
  ck_assert_msg(bovw_report_write(r, where, "Example", info, &err) == 0, "%s",
                err.message);
}

START_TEST(test_metrics_of_the_hand_worked_example) {
  bovw_report *r = example();
  const int64_t confusion[9] = {4, 1, 0, 2, 1, 0, 0, 0, 0};
  ck_assert_int_eq(r->num_classes, 3);
  ck_assert_int_eq(r->count, 8);
  for (int i = 0; i < 9; i++)
    ck_assert_msg(r->confusion[i] == confusion[i], "confusion[%d][%d] = %lld",
                  i / 3, i % 3, (long long)r->confusion[i]);
  ck_assert_double_eq_tol(r->accuracy, 5.0 / 8, 1e-12);
  ck_assert_double_eq_tol(r->mean_class_accuracy, (4.0 / 5 + 1.0 / 3) / 2, 1e-12);
  ck_assert_double_eq_tol(r->top5_accuracy, 1.0, 1e-12);
  ck_assert_int_eq(r->support[0], 5);
  ck_assert_int_eq(r->support[1], 3);
  ck_assert_int_eq(r->support[2], 0);
  ck_assert_double_eq_tol(r->recall[0], 4.0 / 5, 1e-12);
  ck_assert_double_eq_tol(r->recall[1], 1.0 / 3, 1e-12);
  ck_assert_double_eq(r->recall[2], 0);
  ck_assert_double_eq_tol(r->precision[0], 4.0 / 6, 1e-12);
  ck_assert_double_eq_tol(r->precision[1], 1.0 / 2, 1e-12);
  ck_assert_double_eq(r->precision[2], 0);
  ck_assert_str_eq(r->class_names[0], "cats & dogs");
  ck_assert_ptr_ne(r->class_names[0], EXAMPLE_NAMES[0]);  /* copied */
  bovw_report_free(r);
}
END_TEST

START_TEST(test_top5_counts_ties_like_the_prediction) {
  /* Seven classes, all scores equal: the ranking is the class order, so
   * labels 0..4 are in the top 5 and labels 5, 6 are not. One more image
   * whose true class has the 6th best score of distinct scores. */
  float scores[8 * 7];
  int32_t labels[8] = {0, 1, 2, 3, 4, 5, 6, 0};
  for (int i = 0; i < 7 * 7; i++) scores[i] = 1;
  const float last[7] = {.1f, .9f, .8f, .7f, .6f, .5f, .0f};  /* class 0: 6th */
  memcpy(scores + 7 * 7, last, sizeof last);
  bovw_report *r;
  ck_assert_int_eq(bovw_report_from_scores(scores, labels, 8, 7, NULL, &r, NULL), 0);
  ck_assert_double_eq_tol(r->top5_accuracy, 5.0 / 8, 1e-12);
  ck_assert_double_eq_tol(r->accuracy, 1.0 / 8, 1e-12);  /* image 0 only */
  ck_assert_int_eq(r->confusion[0 * 7 + 1], 1);          /* the last image */
  /* Without names, the classes are named by their labels. */
  ck_assert_str_eq(r->class_names[0], "0");
  ck_assert_str_eq(r->class_names[6], "6");
  bovw_report_free(r);
}
END_TEST

START_TEST(test_bad_labels_and_scores_are_refused) {
  const int32_t low[8] = {0, 0, 0, -1, 0, 1, 1, 1};
  const int32_t high[8] = {0, 0, 0, 0, 0, 1, 1, 3};
  bovw_report *r = (bovw_report *)1;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_report_from_scores(EXAMPLE_SCORES, low, 8, 3, NULL, &r, &err),
                   BOVW_ERR_INVALID);
  ck_assert_ptr_null(r);
  ck_assert_msg(strstr(err.message, "image 3 has label -1"), "%s", err.message);
  ck_assert_int_eq(bovw_report_from_scores(EXAMPLE_SCORES, high, 8, 3, NULL, &r, &err),
                   BOVW_ERR_INVALID);
  ck_assert_msg(strstr(err.message, "image 7 has label 3, outside 0..2"), "%s",
                err.message);
  float nan_scores[8 * 3];
  memcpy(nan_scores, EXAMPLE_SCORES, sizeof nan_scores);
  nan_scores[4 * 3 + 2] = NAN;
  ck_assert_int_eq(bovw_report_from_scores(nan_scores, EXAMPLE_LABELS, 8, 3, NULL,
                                           &r, &err), BOVW_ERR_INVALID);
  ck_assert_msg(strstr(err.message, "image 4 has a NaN score for class 2"), "%s",
                err.message);
  ck_assert_int_eq(bovw_report_from_scores(EXAMPLE_SCORES, EXAMPLE_LABELS, 0, 3,
                                           NULL, &r, &err), BOVW_ERR_EMPTY);
  ck_assert_int_eq(bovw_report_from_scores(EXAMPLE_SCORES, EXAMPLE_LABELS, 8, 0,
                                           NULL, &r, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_write_then_read_gives_the_same_report) {
  bovw_report *a = example();
  cJSON *info = example_info();
  write_report(a, dir, info);
  bovw_report *b;
  cJSON *info_back;
  bovw_error err = {0};
  ck_assert_msg(bovw_report_read(dir, &b, &info_back, &err) == 0, "%s", err.message);
  ck_assert_int_eq(b->num_classes, a->num_classes);
  ck_assert_int_eq(b->count, a->count);
  /* Exact: cJSON prints a double with as many digits as it takes to read
   * the same double back. */
  ck_assert(b->accuracy == a->accuracy);
  ck_assert(b->mean_class_accuracy == a->mean_class_accuracy);
  ck_assert(b->top5_accuracy == a->top5_accuracy);
  for (size_t c = 0; c < a->num_classes; c++) {
    ck_assert_str_eq(b->class_names[c], a->class_names[c]);
    ck_assert(b->precision[c] == a->precision[c]);
    ck_assert(b->recall[c] == a->recall[c]);
    ck_assert_int_eq(b->support[c], a->support[c]);
  }
  ck_assert_mem_eq(b->confusion, a->confusion, 9 * sizeof *a->confusion);
  ck_assert(cJSON_Compare(info, info_back, 1));
  /* Nothing but the three files: no temporary file left behind. */
  ck_assert_int_eq(test_count_entries(dir, "."), 2);
  ck_assert_int_eq(test_count_entries(dir, "report.json"), 1);
  ck_assert_int_eq(test_count_entries(dir, "report.md"), 1);
  ck_assert_int_eq(test_count_entries(dir, "confusion.svg"), 1);
  /* Without info, "run" is an empty object. */
  write_report(a, dir, NULL);
  cJSON_Delete(info_back);
  bovw_report_free(b);
  ck_assert_int_eq(bovw_report_read(dir, &b, &info_back, &err), 0);
  ck_assert(cJSON_IsObject(info_back) && info_back->child == NULL);
  cJSON_Delete(info_back);
  cJSON_Delete(info);
  bovw_report_free(b);
  bovw_report_free(a);
}
END_TEST

START_TEST(test_report_json_has_exactly_the_documented_keys) {
  bovw_report *r = example();
  cJSON *info = example_info();
  write_report(r, dir, info);
  char *text = test_read_text(test_path(dir, "report.json"));
  cJSON *root = cJSON_Parse(text);
  ck_assert_msg(root != NULL, "report.json is not JSON");
  /* The keys of docs/report.md, in its order. */
  const char *keys[] = {"kind", "format_version", "bovw_version", "created",
                        "num_classes", "count", "accuracy", "mean_class_accuracy",
                        "top5_accuracy", "classes", "confusion", "run", "provenance"};
  size_t nkeys = sizeof keys / sizeof keys[0], i = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, root) {
    ck_assert_msg(i < nkeys, "undocumented key %s", v->string);
    ck_assert_str_eq(v->string, keys[i]);
    i++;
  }
  ck_assert_int_eq(i, nkeys);
  ck_assert_str_eq(cJSON_GetObjectItem(root, "kind")->valuestring, "report");
  ck_assert_double_eq(cJSON_GetObjectItem(root, "format_version")->valuedouble, 1);
  ck_assert(cJSON_IsString(cJSON_GetObjectItem(root, "bovw_version")));
  ck_assert_int_eq(strlen(cJSON_GetObjectItem(root, "created")->valuestring), 20);
  ck_assert_double_eq(cJSON_GetObjectItem(root, "num_classes")->valuedouble, 3);
  ck_assert_double_eq(cJSON_GetObjectItem(root, "count")->valuedouble, 8);
  ck_assert_double_eq(cJSON_GetObjectItem(root, "accuracy")->valuedouble, 0.625);
  const cJSON *classes = cJSON_GetObjectItem(root, "classes");
  ck_assert_int_eq(cJSON_GetArraySize(classes), 3);
  const char *class_keys[] = {"name", "support", "correct", "precision", "recall"};
  const cJSON *second = cJSON_GetArrayItem(classes, 1);
  i = 0;
  cJSON_ArrayForEach(v, second) {
    ck_assert_msg(i < 5, "undocumented class key %s", v->string);
    ck_assert_str_eq(v->string, class_keys[i]);
    i++;
  }
  ck_assert_int_eq(i, 5);
  ck_assert_str_eq(cJSON_GetObjectItem(second, "name")->valuestring, "x<y>z");
  ck_assert_double_eq(cJSON_GetObjectItem(second, "support")->valuedouble, 3);
  ck_assert_double_eq(cJSON_GetObjectItem(second, "correct")->valuedouble, 1);
  const cJSON *confusion = cJSON_GetObjectItem(root, "confusion");
  ck_assert_int_eq(cJSON_GetArraySize(confusion), 3);
  /* Rows are the true classes: row 1 is [2, 1, 0]. */
  const cJSON *row1 = cJSON_GetArrayItem(confusion, 1);
  ck_assert_double_eq(cJSON_GetArrayItem(row1, 0)->valuedouble, 2);
  ck_assert_double_eq(cJSON_GetArrayItem(row1, 1)->valuedouble, 1);
  ck_assert(cJSON_Compare(cJSON_GetObjectItem(root, "run"), info, 1));
  cJSON_Delete(root);
  cJSON_Delete(info);
  free(text);
  bovw_report_free(r);
}
END_TEST

/* Rewrites dir/report.json after `edit` changed its tree, and expects
 * bovw_report_read to refuse it with a message containing `words`. */
static void expect_read_refused(void (*edit)(cJSON *), int code, const char *words) {
  bovw_report *r = example();
  write_report(r, dir, NULL);
  bovw_report_free(r);
  const char *path = test_path(dir, "report.json");
  char *text = test_read_text(path);
  cJSON *root = cJSON_Parse(text);
  free(text);
  ck_assert_ptr_nonnull(root);
  edit(root);
  text = cJSON_Print(root);
  test_write_text(path, text);
  free(text);
  cJSON_Delete(root);
  bovw_error err = {0};
  cJSON *info = (cJSON *)1;
  r = (bovw_report *)1;
  ck_assert_int_eq(bovw_report_read(dir, &r, &info, &err), code);
  ck_assert_ptr_null(r);
  ck_assert_ptr_null(info);
  ck_assert_msg(strstr(err.message, words), "message '%s' lacks '%s'", err.message,
                words);
  ck_assert_msg(strstr(err.message, "report.json"), "%s", err.message);
}

static void set_kind(cJSON *root) {
  cJSON_ReplaceItemInObject(root, "kind", cJSON_CreateString("model"));
}
static void newer_format(cJSON *root) {
  cJSON_ReplaceItemInObject(root, "format_version", cJSON_CreateNumber(2));
}
static void more_classes(cJSON *root) {
  cJSON_ReplaceItemInObject(root, "num_classes", cJSON_CreateNumber(4));
}
static void short_row(cJSON *root) {
  cJSON_DeleteItemFromArray(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "confusion"), 2), 0);
}
static void moved_count(cJSON *root) {
  /* Row 0 still sums to its support, but its diagonal no longer matches
   * "correct". */
  cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "confusion"), 0);
  cJSON_ReplaceItemInArray(row, 0, cJSON_CreateNumber(3));
  cJSON_ReplaceItemInArray(row, 1, cJSON_CreateNumber(2));
}
static void wrong_support(cJSON *root) {
  /* The total still adds up: only the support disagrees with its row. */
  cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "classes"), 0);
  cJSON_ReplaceItemInObject(c, "support", cJSON_CreateNumber(6));
}
static void wrong_count(cJSON *root) {
  cJSON_ReplaceItemInObject(root, "count", cJSON_CreateNumber(9));
}
static void fractional_support(cJSON *root) {
  cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "classes"), 1);
  cJSON_ReplaceItemInObject(c, "support", cJSON_CreateNumber(2.5));
}
static void recall_above_one(cJSON *root) {
  cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "classes"), 0);
  cJSON_ReplaceItemInObject(c, "recall", cJSON_CreateNumber(1.5));
}
static void no_name(cJSON *root) {
  cJSON_DeleteItemFromObject(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "classes"), 2),
                             "name");
}
static void no_run(cJSON *root) { cJSON_DeleteItemFromObject(root, "run"); }
static void no_accuracy(cJSON *root) { cJSON_DeleteItemFromObject(root, "accuracy"); }

START_TEST(test_read_refuses_reports_that_disagree_with_themselves) {
  expect_read_refused(set_kind, BOVW_ERR_MISMATCH, "\"kind\" is \"model\"");
  expect_read_refused(newer_format, BOVW_ERR_FORMAT, "format version 2");
  expect_read_refused(more_classes, BOVW_ERR_FORMAT,
                      "\"classes\" has 3 entries, expected 4");
  expect_read_refused(short_row, BOVW_ERR_FORMAT,
                      "\"confusion[2]\" has 2 entries, expected 3");
  expect_read_refused(moved_count, BOVW_ERR_FORMAT, "\"confusion\" row 0 does not match");
  expect_read_refused(wrong_support, BOVW_ERR_FORMAT,
                      "\"confusion\" row 0 does not match");
  expect_read_refused(wrong_count, BOVW_ERR_FORMAT, "sums to 8, but \"count\" is 9");
  expect_read_refused(fractional_support, BOVW_ERR_FORMAT,
                      "\"classes[1].support\" is not a non-negative integer");
  expect_read_refused(recall_above_one, BOVW_ERR_FORMAT,
                      "\"classes[0].recall\" is not a number between 0 and 1");
  expect_read_refused(no_name, BOVW_ERR_FORMAT, "\"classes[2]\" is not an object");
  expect_read_refused(no_run, BOVW_ERR_FORMAT, "no \"run\"");
  expect_read_refused(no_accuracy, BOVW_ERR_FORMAT, "no \"accuracy\"");
}
END_TEST

START_TEST(test_read_of_a_folder_without_report_names_the_file) {
  bovw_report *r;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_report_read(dir, &r, NULL, &err), BOVW_ERR_IO);
  ck_assert_ptr_null(r);
  ck_assert_msg(strstr(err.message, "report.json"), "%s", err.message);
  test_write_text(test_path(dir, "report.json"), "{\"kind\": \"report\",");
  ck_assert_int_eq(bovw_report_read(dir, &r, NULL, &err), BOVW_ERR_FORMAT);
  ck_assert_msg(strstr(err.message, "not a JSON object"), "%s", err.message);
}
END_TEST

START_TEST(test_predictions_tsv_lists_each_image_and_never_stays_stale) {
  bovw_report *r = example();
  write_report(r, dir, NULL);
  /* The predicted column of the example's table, ties to the lower index. */
  char *text = test_read_text(test_path(dir, "predictions.tsv"));
  ck_assert_str_eq(text,
                   "row\tlabel\tclass\tpredicted\tpredicted_class\n"
                   "0\t0\tcats & dogs\t0\tcats & dogs\n"
                   "1\t0\tcats & dogs\t0\tcats & dogs\n"
                   "2\t0\tcats & dogs\t1\tx<y>z\n"
                   "3\t0\tcats & dogs\t0\tcats & dogs\n"
                   "4\t0\tcats & dogs\t0\tcats & dogs\n"
                   "5\t1\tx<y>z\t0\tcats & dogs\n"
                   "6\t1\tx<y>z\t0\tcats & dogs\n"
                   "7\t1\tx<y>z\t1\tx<y>z\n");
  free(text);
  bovw_report_free(r);
  /* A report read back has no predictions: written again, it leaves no
   * predictions.tsv of another report behind. */
  bovw_report *back = NULL;
  cJSON *info = NULL;
  bovw_error err = {0};
  ck_assert_msg(bovw_report_read(dir, &back, &info, &err) == 0, "%s", err.message);
  ck_assert_ptr_null(back->predicted);
  write_report(back, dir, info);
  ck_assert_int_eq(test_count_entries(dir, "predictions.tsv"), 0);
  cJSON_Delete(info);
  bovw_report_free(back);
}
END_TEST

START_TEST(test_a_failed_write_leaves_no_old_report_json) {
  bovw_report *r = example();
  write_report(r, dir, NULL);
  /* A folder where confusion.svg should go makes the write fail after it
   * started: the report.json of the earlier report must not survive beside
   * files that no longer match it. */
  remove(test_path(dir, "confusion.svg"));
  ck_assert_int_eq(mkdir(test_path(dir, "confusion.svg"), 0755), 0);
  bovw_error err = {0};
  ck_assert_int_ne(bovw_report_write(r, dir, NULL, NULL, &err), 0);
  ck_assert_msg(strstr(err.message, "confusion.svg"), "%s", err.message);
  ck_assert_int_eq(test_count_entries(dir, "report.json"), 0);
  ck_assert_int_eq(test_count_entries(dir, ".confusion.svg.tmp"), 0);
  bovw_report_free(r);
}
END_TEST

START_TEST(test_run_info_must_be_an_object) {
  bovw_report *r = example();
  cJSON *not_object = cJSON_CreateString("model m1");
  bovw_error err = {0};
  ck_assert_int_eq(bovw_report_write(r, dir, NULL, not_object, &err),
                   BOVW_ERR_INVALID);
  ck_assert_int_eq(test_count_entries(dir, "report"), 0);
  cJSON_Delete(not_object);
  bovw_report_free(r);
}
END_TEST

START_TEST(test_svg_escapes_class_names) {
  bovw_report *r = example();
  write_report(r, dir, NULL);
  char *svg = test_read_text(test_path(dir, "confusion.svg"));
  ck_assert_ptr_nonnull(svg);
  ck_assert(strncmp(svg, "<?xml", 5) == 0 || strncmp(svg, "<svg", 4) == 0);
  ck_assert_ptr_nonnull(strstr(svg, "</svg>\n"));
  ck_assert_ptr_nonnull(strstr(svg, "cats &amp; dogs"));
  ck_assert_ptr_nonnull(strstr(svg, "x&lt;y&gt;z"));
  ck_assert_ptr_nonnull(strstr(svg, "never_seen"));
  ck_assert_ptr_null(strstr(svg, "cats & dogs"));
  ck_assert_ptr_null(strstr(svg, "x<y"));
  /* One rectangle per nonzero cell (the four of the example), each after
   * the tooltip with its numbers: row 1 of 3 images has 2 in column 0. */
  int cells = 0;
  for (const char *p = svg; (p = strstr(p, "</title><rect ")); p++) cells++;
  ck_assert_int_eq(cells, 4);
  ck_assert_ptr_nonnull(strstr(svg, "x&lt;y&gt;z \u2192 cats &amp; dogs: 2 of 3 (66.7%)"));
  ck_assert_ptr_nonnull(strstr(svg, "accuracy 62.5%, mean per-class accuracy 56.7%"));
  free(svg);
  bovw_report_free(r);
}
END_TEST

START_TEST(test_svg_replaces_bytes_that_are_not_text) {
  char *names[2] = {"bad\x01" "ctl", "cut\xc3"};  /* a control, a cut UTF-8 */
  const float scores[2 * 2] = {1, 0, 0, 1};
  const int32_t labels[2] = {0, 1};
  bovw_report *r;
  ck_assert_int_eq(bovw_report_from_scores(scores, labels, 2, 2, names, &r, NULL), 0);
  const char *path = test_path(dir, "c.svg");
  ck_assert_int_eq(bovw_report_write_svg(r, path, NULL), 0);
  char *svg = test_read_text(path);
  ck_assert_ptr_nonnull(strstr(svg, "bad\ufffdctl"));
  ck_assert_ptr_nonnull(strstr(svg, "cut\ufffd<"));
  ck_assert_ptr_null(strchr(svg, '\x01'));
  free(svg);
  bovw_report_free(r);
}
END_TEST

START_TEST(test_markdown_shows_summary_and_worst_classes_first) {
  bovw_report *r = example();
  cJSON *info = example_info();
  write_report(r, dir, info);
  char *md = test_read_text(test_path(dir, "report.md"));
  ck_assert_ptr_nonnull(md);
  ck_assert(strncmp(md, "# Example\n", 10) == 0);
  ck_assert_ptr_nonnull(strstr(md, "| images | 8 |"));
  ck_assert_ptr_nonnull(strstr(md, "| classes | 3 (2 with test images) |"));
  ck_assert_ptr_nonnull(strstr(md, "| accuracy | 62.5% |"));
  ck_assert_ptr_nonnull(strstr(md, "| mean per-class accuracy | 56.7% |"));
  ck_assert_ptr_nonnull(strstr(md, "| top-5 accuracy | 100.0% |"));
  /* The run, one level flattened. */
  ck_assert_ptr_nonnull(strstr(md, "| model | m1 |"));
  ck_assert_ptr_nonnull(strstr(md, "| data.split | test |"));
  ck_assert_ptr_nonnull(strstr(md, "| data.seed | 7 |"));
  ck_assert_ptr_nonnull(strstr(md, "| seconds | 1.5 |"));
  ck_assert_ptr_nonnull(strstr(md, "| sizes | \\[1,2\\] |"));
  /* Worst first: class 1 (33.3%), class 0 (80%), then class 2 that has no
   * test image; each with its most frequent mistake. */
  const char *worst = strstr(md, "| x\\<y\\>z | 3 | 33.3% | 50.0% | cats \\& dogs (2) |");
  const char *next = strstr(md, "| cats \\& dogs | 5 | 80.0% | 66.7% | x\\<y\\>z (1) |");
  const char *last = strstr(md, "| never\\_seen | 0 | – | 0.0% | – |");
  ck_assert_msg(worst && next && last, "%s", md);
  ck_assert(worst < next && next < last);
  ck_assert_ptr_nonnull(strstr(md, "(confusion.svg)"));
  free(md);
  cJSON_Delete(info);
  bovw_report_free(r);
}
END_TEST

START_TEST(test_write_creates_missing_nested_folders) {
  bovw_report *r = example();
  const char *nested = test_path(dir, "a/b/c");
  write_report(r, nested, NULL);
  struct stat st;
  ck_assert_int_eq(stat(test_path(nested, "report.json"), &st), 0);
  ck_assert_int_eq(stat(test_path(nested, "report.md"), &st), 0);
  ck_assert_int_eq(stat(test_path(nested, "confusion.svg"), &st), 0);
  bovw_report_free(r);
}
END_TEST

/* A small deterministic generator (Knuth's MMIX LCG), so the test does not
 * depend on the C library's rand(). */
static uint32_t next_random(uint64_t *state) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(*state >> 33);
}

START_TEST(test_102_classes_fit_in_the_width_bound) {
  enum { K = 102, N = 3000 };
  float *scores = malloc(sizeof(float) * K * N);
  int32_t *labels = malloc(sizeof(int32_t) * N);
  char *names[K];
  uint64_t state = 42;
  for (int c = 0; c < K; c++) {
    /* Some long names, as Caltech-101 has ("BACKGROUND_Google"), and some
     * longer than the SVG shows. */
    if (asprintf(&names[c], c % 17 == 0 ? "a_rather_long_class_name_number_%d"
                                         : "class_%d", c) < 0)
      abort();
  }
  for (int i = 0; i < N; i++) {
    /* Classes 100 and 101 get no test images. */
    labels[i] = (int32_t)(next_random(&state) % (K - 2));
    for (int c = 0; c < K; c++)
      scores[(size_t)i * K + c] = (float)(next_random(&state) % 1000) / 1000.0f;
    /* Right about two times in three. */
    if (next_random(&state) % 3) scores[(size_t)i * K + labels[i]] += 1;
  }
  bovw_report *r;
  bovw_error err = {0};
  ck_assert_msg(bovw_report_from_scores(scores, labels, N, K, names, &r, &err) == 0,
                "%s", err.message);
  ck_assert(r->accuracy > 0.5 && r->accuracy < 0.8);
  ck_assert_int_eq(r->support[100] + r->support[101], 0);
  write_report(r, dir, NULL);
  char *svg = test_read_text(test_path(dir, "confusion.svg"));
  const char *w = strstr(svg, "width=\"");
  ck_assert_ptr_nonnull(w);
  int width = atoi(w + 7);
  ck_assert_msg(width > 1000 && width <= 1400, "width %d", width);
  /* Every name is in it: cut ones at least whole in their tooltips. */
  for (int c = 0; c < K; c++) ck_assert_ptr_nonnull(strstr(svg, names[c]));
  ck_assert_ptr_nonnull(strstr(svg, "a_rather_long_class_nam\u2026"));
  bovw_report *back;
  ck_assert_msg(bovw_report_read(dir, &back, NULL, &err) == 0, "%s", err.message);
  ck_assert_mem_eq(back->confusion, r->confusion, sizeof(int64_t) * K * K);
  bovw_report_free(back);
  free(svg);
  bovw_report_free(r);
  for (int c = 0; c < K; c++) free(names[c]);
  free(scores);
  free(labels);
}
END_TEST

/* The run object's shared keys are written once and read back the same,
 * unknown numbers left out, and an older report's score_seconds read as the
 * inference time. */
START_TEST(test_run_info_round_trips_its_shared_keys) {
  bovw_run_info ri;
  bovw_run_info_init(&ri);
  ri.kind = "bovw";
  ri.train_count = 30;
  ri.train_seconds = 1.5;
  ri.inference_seconds = 0.25;
  ri.count = 10;
  ri.dim = 128;
  int32_t labels[3] = {0, 1, 1};
  ri.test_set = bovw_test_set_json(NULL, labels, 3);
  cJSON *json = bovw_run_info_to_json(&ri);
  bovw_run_info_clear(&ri);
  ck_assert_ptr_nonnull(json);
  ck_assert_ptr_null(cJSON_GetObjectItem(json, "model_bytes"));  /* unknown: absent */
  ck_assert_double_eq(cJSON_GetObjectItem(json, "images_per_second")->valuedouble, 40);
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "test_set"),
                                             "manifest_sha256")));
  bovw_run_info back;
  bovw_run_info_from_json(json, &back);
  ck_assert_str_eq(back.kind, "bovw");
  ck_assert_double_eq(back.train_count, 30);
  ck_assert_double_eq(back.train_seconds, 1.5);
  ck_assert_double_eq(back.inference_seconds, 0.25);
  ck_assert(isnan(back.model_bytes));
  cJSON_Delete(json);
  cJSON *old = cJSON_Parse("{\"score_seconds\": 2, \"train_seconds\": -1}");
  bovw_run_info_from_json(old, &back);
  ck_assert_double_eq(back.inference_seconds, 2);
  ck_assert(isnan(back.train_seconds));
  cJSON_Delete(old);
}
END_TEST

/* cJSON alone prints 0.1 + 0.2 as 0.3, one ulp off; bovw's writer keeps
 * every number to the bit (docs/report.md promises it). */
START_TEST(test_json_numbers_read_back_to_the_bit) {
  const double values[] = {0.1 + 0.2, 1.0 / 3.0, 0.024858700000000001, 2.5, 1e-300, 123456789.0};
  cJSON *root = cJSON_CreateArray();
  for (size_t i = 0; i < sizeof values / sizeof *values; i++)
    cJSON_AddItemToArray(root, cJSON_CreateNumber(values[i]));
  const char *path = test_path(dir, "n.json");
  bovw_error err;
  ck_assert_int_eq(bovw_json_write(path, root, &err), 0);
  cJSON_Delete(root);
  char *text = test_read_text(path);
  cJSON *back = cJSON_Parse(text);
  ck_assert_ptr_nonnull(back);
  for (size_t i = 0; i < sizeof values / sizeof *values; i++)
    ck_assert_msg(cJSON_GetArrayItem(back, (int)i)->valuedouble == values[i], "value %zu: %.17g",
                  i, values[i]);
  ck_assert_msg(strstr(text, "2.5") && !strstr(text, "2.50"), "short numbers stay short: %s", text);
  cJSON_Delete(back);
  free(text);
}
END_TEST

int main(void) {
  Suite *s = suite_create("report");
  TCase *tc = tcase_create("report");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_metrics_of_the_hand_worked_example);
  tcase_add_test(tc, test_top5_counts_ties_like_the_prediction);
  tcase_add_test(tc, test_bad_labels_and_scores_are_refused);
  tcase_add_test(tc, test_write_then_read_gives_the_same_report);
  tcase_add_test(tc, test_report_json_has_exactly_the_documented_keys);
  tcase_add_test(tc, test_read_refuses_reports_that_disagree_with_themselves);
  tcase_add_test(tc, test_read_of_a_folder_without_report_names_the_file);
  tcase_add_test(tc, test_a_failed_write_leaves_no_old_report_json);
  tcase_add_test(tc, test_predictions_tsv_lists_each_image_and_never_stays_stale);
  tcase_add_test(tc, test_run_info_must_be_an_object);
  tcase_add_test(tc, test_svg_escapes_class_names);
  tcase_add_test(tc, test_svg_replaces_bytes_that_are_not_text);
  tcase_add_test(tc, test_markdown_shows_summary_and_worst_classes_first);
  tcase_add_test(tc, test_write_creates_missing_nested_folders);
  tcase_add_test(tc, test_102_classes_fit_in_the_width_bound);
  tcase_add_test(tc, test_run_info_round_trips_its_shared_keys);
  tcase_add_test(tc, test_json_numbers_read_back_to_the_bit);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
