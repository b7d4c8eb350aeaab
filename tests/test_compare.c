/* test_compare.c: `bovw compare` as a library: reports written by the
 * report writer are read back, named, checked against each other, and
 * turned into compare.md, compare.json and the pictures; learning curves
 * group reports into lines. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/compare.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* Names with XML and markdown syntax in them. */
static char *const CLASSES[3] = {"cats & dogs", "x<y>z", "plain"};

/* System A: 10 images, 8 right; recall 4/5, 2/3, 2/2: mean 82.2%.
 * System B: 10 images, 9 right; recall 5/5, 3/3, 1/2: mean 83.3%.
 * Mean recall per class over both: 0.9, 0.833, 0.75, so the per-class
 * order (lowest first) is plain, x<y>z, cats & dogs. */
static const int CONFUSION_A[9] = {4, 1, 0, 1, 2, 0, 0, 0, 2};
static const int CONFUSION_B[9] = {5, 0, 0, 0, 3, 0, 1, 0, 1};

static const char RUN_A[] =
    "{\"kind\": \"bovw\", \"solver\": \"sgd\", \"encoding\": {\"encoding\": \"hist\"},"
    " \"train_count\": 30, \"train_seconds\": 1.5, \"inference_seconds\": 0.02,"
    " \"model_bytes\": 1234567}";
static const char RUN_B[] =
    "{\"kind\": \"nn\", \"spec\": \"tiny\", \"train_count\": 30, \"train_seconds\": 125,"
    " \"inference_seconds\": 0.5, \"model_bytes\": 999}";

/* Writes a report into dir/name from a k x k confusion matrix ([true]
 * [predicted]; each image scores 1 for its prediction, 0 elsewhere) and a
 * run given as JSON text; returns the folder's path (a new string). */
static char *put_report(const char *name, size_t k, char *const *classes,
                        const int *confusion, const char *run) {
  size_t n = 0;
  for (size_t i = 0; i < k * k; i++) n += (size_t)confusion[i];
  float *scores = calloc(n * k, sizeof *scores);
  int32_t *labels = malloc(n * sizeof *labels);
  ck_assert(scores && labels);
  size_t row = 0;
  for (size_t t = 0; t < k; t++)
    for (size_t p = 0; p < k; p++)
      for (int m = 0; m < confusion[t * k + p]; m++, row++) {
        labels[row] = (int32_t)t;
        scores[row * k + p] = 1;
      }
  bovw_report *r;
  bovw_error err = {0};
  ck_assert_msg(bovw_report_from_scores(scores, labels, n, k, classes, &r, &err) == 0, "%s",
                err.message);
  cJSON *info = cJSON_Parse(run);
  ck_assert_ptr_nonnull(info);
  char *where = strdup(test_path(dir, name));
  ck_assert_msg(bovw_report_write(r, where, NULL, info, &err) == 0, "%s", err.message);
  cJSON_Delete(info);
  bovw_report_free(r);
  free(scores);
  free(labels);
  return where;
}

/* bovw_compare_new, failing the test on error. */
static bovw_compare *compare(char **dirs, size_t n, char *const *names, int curve) {
  bovw_compare_options o;
  bovw_compare_options_default(&o);
  o.names = names;
  o.curve = curve;
  bovw_compare *c = NULL;
  bovw_error err = {0};
  ck_assert_msg(bovw_compare_new(dirs, n, &o, &c, &err) == 0, "%s", err.message);
  return c;
}

/* bovw_compare_new, expecting it to fail with `code` and `words`. */
static void expect_refused(char **dirs, size_t n, char *const *names, int curve, int code,
                           const char *words) {
  bovw_compare_options o;
  bovw_compare_options_default(&o);
  o.names = names;
  o.curve = curve;
  bovw_compare *c = (bovw_compare *)1;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_compare_new(dirs, n, &o, &c, &err), code);
  ck_assert_ptr_null(c);
  ck_assert_msg(strstr(err.message, words), "message '%s' lacks '%s'", err.message, words);
}

static void write_compare(const bovw_compare *c, const char *out) {
  bovw_error err = {0};
  ck_assert_msg(bovw_compare_write(c, out, &err) == 0, "%s", err.message);
}

static void free_dirs(char **dirs, size_t n) {
  for (size_t i = 0; i < n; i++) free(dirs[i]);
}

START_TEST(test_names_come_from_the_runs_then_the_folder) {
  char *dirs[3] = {put_report("a", 3, CLASSES, CONFUSION_A, RUN_A),
                   put_report("b", 3, CLASSES, CONFUSION_B, RUN_B),
                   put_report("plain-folder/", 3, CLASSES, CONFUSION_B, "{}")};
  bovw_compare *c = compare(dirs, 3, NULL, 0);
  ck_assert_int_eq(c->count, 3);
  ck_assert_str_eq(c->systems[0].name, "hist-sgd");
  ck_assert_str_eq(c->systems[1].name, "nn-tiny");
  ck_assert_str_eq(c->systems[2].name, "plain-folder");
  ck_assert_str_eq(c->title, "Comparison");
  bovw_compare_free(c);
  /* A kind this bovw does not know names itself; a bovw run without the
   * encoding is "bovw-SOLVER". */
  char *more[2] = {put_report("d", 3, CLASSES, CONFUSION_A, "{\"kind\": \"other\"}"),
                   put_report("e", 3, CLASSES, CONFUSION_A,
                              "{\"kind\": \"bovw\", \"solver\": \"knn\"}")};
  c = compare(more, 2, NULL, 0);
  ck_assert_str_eq(c->systems[0].name, "other");
  ck_assert_str_eq(c->systems[1].name, "bovw-knn");
  bovw_compare_free(c);
  free_dirs(dirs, 3);
  free_dirs(more, 2);
}
END_TEST

START_TEST(test_colliding_names_get_their_folder_then_their_place) {
  char *dirs[3] = {put_report("one", 3, CLASSES, CONFUSION_A, RUN_A),
                   put_report("two", 3, CLASSES, CONFUSION_B, RUN_A),
                   put_report("x/two", 3, CLASSES, CONFUSION_B, RUN_B)};
  bovw_compare *c = compare(dirs, 2, NULL, 0);
  ck_assert_str_eq(c->systems[0].name, "hist-sgd (one)");
  ck_assert_str_eq(c->systems[1].name, "hist-sgd (two)");
  bovw_compare_free(c);
  /* The same report twice: the folders are the same too. */
  char *same[2] = {dirs[2], dirs[2]};
  c = compare(same, 2, NULL, 0);
  ck_assert_str_eq(c->systems[0].name, "nn-tiny (two) #1");
  ck_assert_str_eq(c->systems[1].name, "nn-tiny (two) #2");
  bovw_compare_free(c);
  /* Names given twice are an error, not renamed. */
  char *names[2] = {"mine", "mine"};
  expect_refused(dirs, 2, names, 0, BOVW_ERR_INVALID, "\"mine\" is given twice");
  char *empty[2] = {"mine", ""};
  expect_refused(dirs, 2, empty, 0, BOVW_ERR_INVALID, "name 2 is empty");
  free_dirs(dirs, 3);
}
END_TEST

START_TEST(test_reports_of_other_classes_are_refused_by_file) {
  char *two[2] = {"cats & dogs", "x<y>z"};
  char *renamed[3] = {"cats & dogs", "x<y>z", "other"};
  const int confusion2[4] = {1, 0, 0, 1};
  char *dirs[3] = {put_report("a", 3, CLASSES, CONFUSION_A, RUN_A),
                   put_report("fewer", 2, two, confusion2, RUN_A),
                   put_report("renamed", 3, renamed, CONFUSION_A, RUN_A)};
  char *ab[2] = {dirs[0], dirs[1]}, *ac[2] = {dirs[0], dirs[2]};
  expect_refused(ab, 2, NULL, 0, BOVW_ERR_MISMATCH, "fewer/report.json: 2 classes, but ");
  expect_refused(ab, 2, NULL, 0, BOVW_ERR_MISMATCH, "a/report.json has 3");
  expect_refused(ac, 2, NULL, 1, BOVW_ERR_MISMATCH,
                 "renamed/report.json: class 2 is \"other\", but \"plain\" in ");
  char *missing[2] = {dirs[0], strdup(test_path(dir, "nowhere"))};
  expect_refused(missing, 2, NULL, 0, BOVW_ERR_IO, "nowhere/report.json");
  free(missing[1]);
  free_dirs(dirs, 3);
}
END_TEST

START_TEST(test_markdown_has_a_row_per_system_and_per_class) {
  char *dirs[3] = {put_report("a", 3, CLASSES, CONFUSION_A, RUN_A),
                   put_report("b", 3, CLASSES, CONFUSION_B, RUN_B),
                   put_report("c", 3, CLASSES, CONFUSION_B, "{}")};
  bovw_compare *c = compare(dirs, 3, NULL, 0);
  const char *out = test_path(dir, "out");
  write_compare(c, out);
  char *md = test_read_text(test_path(out, "compare.md"));
  ck_assert_ptr_nonnull(md);
  ck_assert(strncmp(md, "# Comparison\n", 13) == 0);
  const char *rows[] = {
      "| hist-sgd | 10 | 80.0% | 82.2% | 100.0% | 30 | 10 | 1.50 s | 20.0 ms | 1.2 MB |",
      "| nn-tiny | 10 | 90.0% | 83.3% | 100.0% | 30 | 10 | 125 s | 0.50 s | 999 B |",
      /* A run that gives nothing: dashes. */
      "| c | 10 | 90.0% | 83.3% | 100.0% | – | – | – | – | – |"};
  for (size_t i = 0; i < 3; i++) ck_assert_msg(strstr(md, rows[i]), "no '%s' in\n%s", rows[i], md);
  /* Classes by mean recall, lowest first, names escaped. */
  const char *plain = strstr(md, "| plain | 2 | 100.0% | 50.0% | 50.0% |");
  const char *xyz = strstr(md, "| x\\<y\\>z | 3 | 66.7% | 100.0% | 100.0% |");
  const char *cats = strstr(md, "| cats \\& dogs | 5 | 80.0% | 100.0% | 100.0% |");
  ck_assert_msg(plain && xyz && cats, "%s", md);
  ck_assert(plain < xyz && xyz < cats);
  ck_assert_ptr_nonnull(strstr(md, "(accuracy.svg)"));
  ck_assert_ptr_nonnull(strstr(md, "(per_class.svg)"));
  ck_assert_ptr_null(strstr(md, "curve.svg"));
  ck_assert_ptr_nonnull(strstr(md, "| c | "));
  free(md);
  bovw_compare_free(c);
  free_dirs(dirs, 3);
}
END_TEST

START_TEST(test_compare_json_has_the_documented_keys_and_values) {
  char *dirs[2] = {put_report("a", 3, CLASSES, CONFUSION_A, RUN_A),
                   put_report("c", 3, CLASSES, CONFUSION_B, "{\"score_seconds\": 0.25}")};
  char *names[2] = {"A", "B"};
  bovw_compare *c = compare(dirs, 2, names, 0);
  const char *out = test_path(dir, "out");
  write_compare(c, out);
  char *text = test_read_text(test_path(out, "compare.json"));
  cJSON *root = cJSON_Parse(text);
  ck_assert_msg(root != NULL, "compare.json is not JSON");
  const char *keys[] = {"kind", "format_version", "bovw_version", "created", "title",
                        "num_classes", "classes", "systems", "provenance"};
  size_t nkeys = sizeof keys / sizeof keys[0], i = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, root) {
    ck_assert_msg(i < nkeys, "undocumented key %s", v->string);
    ck_assert_str_eq(v->string, keys[i++]);
  }
  ck_assert_int_eq(i, nkeys);
  ck_assert_str_eq(cJSON_GetObjectItem(root, "kind")->valuestring, "compare");
  ck_assert_double_eq(cJSON_GetObjectItem(root, "num_classes")->valuedouble, 3);
  ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "classes"), 1)->valuestring,
                   "x<y>z");
  const cJSON *systems = cJSON_GetObjectItem(root, "systems");
  ck_assert_int_eq(cJSON_GetArraySize(systems), 2);
  const char *system_keys[] = {"name", "report", "count", "accuracy", "mean_class_accuracy",
                               "top5_accuracy", "train_count", "train_per_class",
                               "train_seconds", "inference_seconds", "model_bytes", "recall",
                               "support", "run"};
  const cJSON *a = cJSON_GetArrayItem(systems, 0), *b = cJSON_GetArrayItem(systems, 1);
  i = 0;
  cJSON_ArrayForEach(v, a) {
    ck_assert_msg(i < 14, "undocumented system key %s", v->string);
    ck_assert_str_eq(v->string, system_keys[i++]);
  }
  ck_assert_int_eq(i, 14);
  ck_assert_str_eq(cJSON_GetObjectItem(a, "name")->valuestring, "A");
  ck_assert_str_eq(cJSON_GetObjectItem(a, "report")->valuestring, dirs[0]);
  ck_assert_double_eq(cJSON_GetObjectItem(a, "count")->valuedouble, 10);
  ck_assert_double_eq(cJSON_GetObjectItem(a, "accuracy")->valuedouble, 0.8);
  ck_assert_double_eq_tol(cJSON_GetObjectItem(a, "mean_class_accuracy")->valuedouble,
                          (0.8 + 2.0 / 3 + 1) / 3, 1e-12);
  ck_assert_double_eq(cJSON_GetObjectItem(a, "train_per_class")->valuedouble, 10);
  ck_assert_double_eq(cJSON_GetObjectItem(a, "model_bytes")->valuedouble, 1234567);
  ck_assert_double_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "recall"), 0)->valuedouble,
                      0.8);
  ck_assert_double_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "support"), 1)->valuedouble,
                      3);
  ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "run"), "solver")->valuestring,
                   "sgd");
  /* What the run does not give is null; score_seconds, the name older
   * reports of bovw eval used, counts as the inference time. */
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(b, "train_count")));
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(b, "train_per_class")));
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(b, "model_bytes")));
  ck_assert_double_eq(cJSON_GetObjectItem(b, "inference_seconds")->valuedouble, 0.25);
  ck_assert_ptr_null(cJSON_GetObjectItem(root, "curve"));
  cJSON_Delete(root);
  free(text);
  bovw_compare_free(c);
  free_dirs(dirs, 2);
}
END_TEST

/* A report whose mean per-class accuracy is right/3 (one image per
 * class, `right` of them classified right), with a run. */
static char *curve_report(const char *name, int right, const char *run) {
  int confusion[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  for (int c = right; c < 3; c++) {
    confusion[c * 3 + c] = 0;
    confusion[c * 3 + (c + 1) % 3] = 1;
  }
  return put_report(name, 3, CLASSES, confusion, run);
}

START_TEST(test_curve_groups_reports_into_lines_by_size) {
  char *dirs[4] = {curve_report("b15", 3, "{\"train_count\": 45}"),
                   curve_report("b5", 1, "{\"train_count\": 15}"),
                   curve_report("n5", 2, "{}"),
                   curve_report("n30", 3, "{\"train_per_class\": 30, \"train_count\": 3}")};
  char *names[4] = {"bovw", "bovw", "cnn@5", "cnn"};
  bovw_compare *c = compare(dirs, 4, names, 1);
  ck_assert_int_eq(c->num_lines, 2);
  ck_assert_str_eq(c->lines[0].name, "bovw");
  ck_assert_int_eq(c->lines[0].count, 2);
  ck_assert_int_eq(c->lines[0].points[0], 1);  /* 5 before 15 */
  ck_assert_int_eq(c->lines[0].points[1], 0);
  ck_assert_str_eq(c->lines[1].name, "cnn");
  ck_assert_int_eq(c->lines[1].points[0], 2);
  ck_assert_int_eq(c->lines[1].points[1], 3);
  ck_assert_str_eq(c->systems[0].name, "bovw@15");
  ck_assert_str_eq(c->systems[2].name, "cnn@5");
  /* train_per_class wins over train_count / classes. */
  ck_assert_double_eq(c->systems[3].train_per_class, 30);
  ck_assert_str_eq(c->title, "Learning curve");
  const char *out = test_path(dir, "out");
  write_compare(c, out);
  char *md = test_read_text(test_path(out, "compare.md"));
  const char *rows[] = {"| images per class | bovw | cnn |", "| 5 | 33.3% | 66.7% |",
                        "| 15 | 100.0% | – |", "| 30 | – | 100.0% |", "(curve.svg)"};
  for (size_t i = 0; i < 5; i++) ck_assert_msg(strstr(md, rows[i]), "no '%s' in\n%s", rows[i], md);
  free(md);
  char *text = test_read_text(test_path(out, "compare.json"));
  cJSON *root = cJSON_Parse(text);
  const cJSON *curve = cJSON_GetObjectItem(root, "curve");
  ck_assert_str_eq(cJSON_GetObjectItem(curve, "x")->valuestring, "train_per_class");
  const cJSON *lines = cJSON_GetObjectItem(curve, "lines");
  ck_assert_int_eq(cJSON_GetArraySize(lines), 2);
  const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(lines, 0),
                                                              "points"), 0);
  ck_assert_double_eq(cJSON_GetObjectItem(first, "system")->valuedouble, 1);
  ck_assert_double_eq(cJSON_GetObjectItem(first, "train_per_class")->valuedouble, 5);
  ck_assert_double_eq_tol(cJSON_GetObjectItem(first, "mean_class_accuracy")->valuedouble,
                          1.0 / 3, 1e-12);
  cJSON_Delete(root);
  free(text);
  char *svg = test_read_text(test_path(out, "curve.svg"));
  ck_assert_ptr_nonnull(svg);
  ck_assert_int_eq(strncmp(svg, "<?xml", 5), 0);
  ck_assert_ptr_nonnull(strstr(svg, "</svg>\n"));
  /* Sizes 5 to 30 span a factor of 6: a linear axis. Two polylines. */
  ck_assert_ptr_null(strstr(svg, "logarithmic"));
  int polylines = 0;
  for (const char *p = svg; (p = strstr(p, "<polyline")); p++) polylines++;
  ck_assert_int_eq(polylines, 2);
  ck_assert_ptr_nonnull(strstr(svg, "cnn, 30 images per class: 100.0%"));
  free(svg);
  /* The same folder without --curve: no curve.svg left behind. */
  bovw_compare_free(c);
  c = compare(dirs, 4, NULL, 0);
  write_compare(c, out);
  struct stat st;
  ck_assert_int_ne(stat(test_path(out, "curve.svg"), &st), 0);
  ck_assert_int_eq(stat(test_path(out, "per_class.svg"), &st), 0);
  bovw_compare_free(c);
  free_dirs(dirs, 4);
}
END_TEST

START_TEST(test_curve_needs_one_size_per_report) {
  char *dirs[2] = {curve_report("a", 3, "{\"train_count\": 15}"),
                   curve_report("b", 2, "{\"kind\": \"nn\", \"spec\": \"tiny\"}")};
  expect_refused(dirs, 2, NULL, 1, BOVW_ERR_INVALID,
                 "b/report.json: no training-set size for the curve");
  char *twice[2] = {"x@5", "x@5"};
  expect_refused(dirs, 2, twice, 1, BOVW_ERR_INVALID, "\"x@5\" is also ");
  /* A name whose "@" is not followed by a number is the line's name. */
  char *odd[2] = {"me@home", "me@home@7"};
  char *both[2] = {dirs[0], dirs[0]};
  bovw_compare *c = compare(both, 2, odd, 1);
  ck_assert_str_eq(c->systems[0].name, "me@home@5");
  ck_assert_str_eq(c->systems[1].name, "me@home@7");
  ck_assert_int_eq(c->num_lines, 1);
  bovw_compare_free(c);
  free_dirs(dirs, 2);
}
END_TEST

START_TEST(test_pictures_escape_names_and_mark_every_class) {
  char *dirs[2] = {put_report("a", 3, CLASSES, CONFUSION_A, RUN_A),
                   put_report("b", 3, CLASSES, CONFUSION_B, RUN_B)};
  char *names[2] = {"A & <B>", "plain"};
  bovw_compare *c = compare(dirs, 2, names, 0);
  const char *out = test_path(dir, "out");
  write_compare(c, out);
  const char *files[2] = {"accuracy.svg", "per_class.svg"};
  for (int i = 0; i < 2; i++) {
    char *svg = test_read_text(test_path(out, files[i]));
    ck_assert_ptr_nonnull(svg);
    ck_assert_int_eq(strncmp(svg, "<?xml", 5), 0);
    ck_assert_ptr_nonnull(strstr(svg, "</svg>\n"));
    ck_assert_ptr_nonnull(strstr(svg, "A &amp; &lt;B&gt;"));
    ck_assert_ptr_null(strstr(svg, "A & <B>"));
    free(svg);
  }
  char *svg = test_read_text(test_path(out, "per_class.svg"));
  /* A marker per class and system, with its numbers. */
  ck_assert_ptr_nonnull(strstr(svg, "x&lt;y&gt;z, A &amp; &lt;B&gt;: 66.7% (2 of 3)"));
  ck_assert_ptr_nonnull(strstr(svg, "plain, plain: 50.0% (1 of 2)"));
  int markers = 0;
  for (const char *p = svg; (p = strstr(p, "% (")); p++) markers++;
  ck_assert_int_eq(markers, 6);
  free(svg);
  svg = test_read_text(test_path(out, "accuracy.svg"));
  ck_assert_ptr_nonnull(strstr(svg, "plain: mean per-class accuracy 83.3%"));
  free(svg);
  /* Nothing but the four files (and . and ..): no temporary file left. */
  ck_assert_int_eq(test_count_entries(out, "."), 2);
  ck_assert_int_eq(test_count_entries(out, ""), 4 + 2);
  bovw_compare_free(c);
  free_dirs(dirs, 2);
}
END_TEST

START_TEST(test_102_classes_make_one_readable_row_each) {
  enum { K = 102 };
  char *names[K];
  int *confusion = calloc(K * K, sizeof *confusion);
  for (int c = 0; c < K; c++) {
    if (asprintf(&names[c], "class_%03d", c) < 0) abort();
    confusion[c * K + c] = 1 + c % 3;
    confusion[c * K + (c + 1) % K] = 1;
  }
  char *dirs[2] = {put_report("a", K, names, confusion, RUN_A),
                   put_report("b", K, names, confusion, RUN_B)};
  bovw_compare *c = compare(dirs, 2, NULL, 0);
  const char *out = test_path(dir, "out");
  write_compare(c, out);
  char *svg = test_read_text(test_path(out, "per_class.svg"));
  int height = atoi(strstr(svg, "height=\"") + 8), width = atoi(strstr(svg, "width=\"") + 7);
  ck_assert_msg(height >= 102 * 14 && height < 102 * 14 + 300, "height %d", height);
  ck_assert_msg(width <= 1000, "width %d", width);
  for (int k = 0; k < K; k++) ck_assert_ptr_nonnull(strstr(svg, names[k]));
  free(svg);
  bovw_compare_free(c);
  free_dirs(dirs, 2);
  for (int k = 0; k < K; k++) free(names[k]);
  free(confusion);
}
END_TEST

int main(void) {
  Suite *s = suite_create("compare");
  TCase *tc = tcase_create("compare");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_names_come_from_the_runs_then_the_folder);
  tcase_add_test(tc, test_colliding_names_get_their_folder_then_their_place);
  tcase_add_test(tc, test_reports_of_other_classes_are_refused_by_file);
  tcase_add_test(tc, test_markdown_has_a_row_per_system_and_per_class);
  tcase_add_test(tc, test_compare_json_has_the_documented_keys_and_values);
  tcase_add_test(tc, test_curve_groups_reports_into_lines_by_size);
  tcase_add_test(tc, test_curve_needs_one_size_per_report);
  tcase_add_test(tc, test_pictures_escape_names_and_mark_every_class);
  tcase_add_test(tc, test_102_classes_make_one_readable_row_each);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
