/* test_classify.c: linear SVMs (VLFeat and liblinear), cross-validation,
 * the model artifact and its refusals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/fs.h"
#include "bovw/rng.h"
#include "fixtures.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* An encodings artifact of n points in dim dimensions, k linearly separable
 * classes (class c lives around 3 e_c, noise `spread`), in dir/name. */
static const char *make_encodings(const char *name, size_t n, int dim, int k, double spread,
                                  uint64_t seed, const char *codebook_sha) {
  static char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  bovw_mkdir_p(path, NULL);
  float *x = malloc(n * dim * sizeof *x);
  int32_t *y = malloc(n * sizeof *y);
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  for (size_t i = 0; i < n; i++) {
    y[i] = (int32_t)(i % (size_t)k);
    for (int d = 0; d < dim; d++)
      x[i * dim + d] = (float)((d == y[i] ? 3.0 : 0.0) + spread * (bovw_rng_uniform(&rng) - 0.5));
  }
  int64_t xs[2] = {(int64_t)n, dim}, ys[1] = {(int64_t)n};
  ck_assert_int_eq(bovw_npy_write(test_path(path, "encodings.npy"), BOVW_DTYPE_FLOAT32, 2, xs, x, NULL), 0);
  ck_assert_int_eq(bovw_npy_write(test_path(path, "labels.npy"), BOVW_DTYPE_INT32, 1, ys, y, NULL), 0);
  cJSON *meta = bovw_meta_new("encodings");
  const char *names[] = {"ant", "bee", "cat", "dog", "eel"};
  cJSON_AddItemToObject(meta, "classes", cJSON_CreateStringArray(names, k));
  cJSON *cb = cJSON_AddObjectToObject(meta, "codebook");
  cJSON_AddStringToObject(cb, "sha256", codebook_sha);
  cJSON *params = cJSON_AddObjectToObject(meta, "params");
  cJSON_AddStringToObject(params, "encoding", "hist");
  cJSON_AddNumberToObject(meta, "dim", dim);
  ck_assert_int_eq(bovw_meta_write(path, meta, NULL), 0);
  cJSON_Delete(meta);
  free(x);
  free(y);
  return path;
}

static double accuracy(const bovw_model *m, const bovw_encodings *e) {
  float *s = malloc(e->count * m->num_classes * sizeof *s);
  bovw_model_scores(m, e->vectors->data, e->count, s);
  size_t ok = 0;
  for (size_t i = 0; i < e->count; i++) {
    size_t best = 0;
    for (size_t c = 1; c < m->num_classes; c++)
      if (s[i * m->num_classes + c] > s[i * m->num_classes + best]) best = c;
    ok += best == (size_t)((const int32_t *)e->labels->data)[i];
  }
  free(s);
  return (double)ok / (double)e->count;
}

START_TEST(test_separable_data_reaches_100_percent_with_every_solver) {
  bovw_encodings *train, *test;
  bovw_error err;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 200, 10, 4, 1.0, 1, "aa"), &train, &err), 0);
  ck_assert_int_eq(bovw_encodings_open(make_encodings("test", 100, 10, 4, 1.0, 2, "aa"), &test, &err), 0);
  for (int s = 0; s < 5; s++) {
    bovw_train_options o;
    bovw_train_options_default(&o);
    o.solver = (bovw_solver)s;
    o.threads = 2;
    bovw_model *m;
    ck_assert_msg(bovw_train(train, &o, NULL, &m, &err) == 0, "%s: %s", bovw_solver_name(o.solver), err.message);
    ck_assert_msg(accuracy(m, train) == 1.0, "%s: training accuracy %g", bovw_solver_name(o.solver),
                  accuracy(m, train));
    ck_assert_msg(accuracy(m, test) == 1.0, "%s: test accuracy %g", bovw_solver_name(o.solver),
                  accuracy(m, test));
    ck_assert_str_eq(m->class_names[3], "dog");
    bovw_model_free(m);
  }
  bovw_encodings_free(train);
  bovw_encodings_free(test);
}
END_TEST

START_TEST(test_same_seed_same_model_whatever_the_threads) {
  bovw_encodings *train;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 300, 12, 5, 4.0, 3, "aa"), &train, NULL), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.seed = 9;
  bovw_model *a, *b;
  o.threads = 1;
  ck_assert_int_eq(bovw_train(train, &o, NULL, &a, NULL), 0);
  o.threads = 2;
  ck_assert_int_eq(bovw_train(train, &o, NULL, &b, NULL), 0);
  ck_assert_mem_eq(a->weights, b->weights, 5 * 12 * sizeof(float));
  ck_assert_mem_eq(a->biases, b->biases, 5 * sizeof(float));
  bovw_model_free(a);
  bovw_model_free(b);
  bovw_encodings_free(train);
}
END_TEST

START_TEST(test_model_round_trip_gives_identical_scores) {
  bovw_encodings *train;
  bovw_error err;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 120, 8, 3, 2.0, 4, "aa"), &train, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.solver = BOVW_SOLVER_SDCA;
  bovw_model *m, *r;
  ck_assert_int_eq(bovw_train(train, &o, NULL, &m, &err), 0);
  char mdir[4200];
  snprintf(mdir, sizeof mdir, "%s/model", dir);
  ck_assert_msg(bovw_model_save(m, mdir, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_model_open(mdir, &r, &err) == 0, "%s", err.message);
  float s1[120 * 3], s2[120 * 3];
  bovw_model_scores(m, train->vectors->data, 120, s1);
  bovw_model_scores(r, train->vectors->data, 120, s2);
  ck_assert_mem_eq(s1, s2, sizeof s1);
  ck_assert_str_eq(r->class_names[2], "cat");
  ck_assert_str_eq(bovw_meta_string(r->meta, "solver", ""), "sdca");
  ck_assert_ptr_nonnull(cJSON_GetObjectItem(r->meta, "statistics"));
  bovw_model_free(m);
  bovw_model_free(r);
  bovw_encodings_free(train);
}
END_TEST

START_TEST(test_encodings_of_another_kind_are_refused) {
  bovw_encodings *train, *other, *wide;
  bovw_error err;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 60, 6, 3, 1.0, 5, "aa"), &train, &err), 0);
  ck_assert_int_eq(bovw_encodings_open(make_encodings("other", 30, 6, 3, 1.0, 6, "bb"), &other, &err), 0);
  ck_assert_int_eq(bovw_encodings_open(make_encodings("wide", 30, 7, 3, 1.0, 6, "aa"), &wide, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  bovw_model *m;
  ck_assert_int_eq(bovw_train(train, &o, NULL, &m, &err), 0);
  ck_assert_int_eq(bovw_model_check_encodings(m, train, "train", &err), 0);
  ck_assert_int_eq(bovw_model_check_encodings(m, other, "other", &err), BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "another codebook"), "%s", err.message);
  ck_assert_int_eq(bovw_model_check_encodings(m, wide, "wide", &err), BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "7-dimensional"), "%s", err.message);
  bovw_model_free(m);
  bovw_encodings_free(train);
  bovw_encodings_free(other);
  bovw_encodings_free(wide);
}
END_TEST

START_TEST(test_cross_validation_records_its_grid_and_picks_from_it) {
  bovw_encodings *train;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 150, 8, 3, 5.0, 7, "aa"), &train, NULL), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.cv_folds = 3;
  o.solver = BOVW_SOLVER_LL_L2_DUAL;
  bovw_model *m;
  bovw_error err;
  ck_assert_msg(bovw_train(train, &o, NULL, &m, &err) == 0, "%s", err.message);
  const cJSON *grid = cJSON_GetObjectItem(m->meta, "cross_validation");
  ck_assert_int_eq(cJSON_GetArraySize(grid), 5);
  double chosen = bovw_meta_number(m->meta, "C", -1), best = -1, best_C = 0;
  const cJSON *row;
  cJSON_ArrayForEach(row, grid) {
    double acc = bovw_meta_number(row, "mean_class_accuracy", -1);
    ck_assert(acc >= 0 && acc <= 1);
    if (acc > best) {
      best = acc;
      best_C = bovw_meta_number(row, "C", 0);
    }
  }
  ck_assert_double_eq(chosen, best_C);
  bovw_model_free(m);
  bovw_encodings_free(train);
}
END_TEST

START_TEST(test_predict_on_an_image_equals_eval_on_its_encoding) {
  char feat[4100], cbdir[4100], enc[4100], mdir[4100];
  snprintf(feat, sizeof feat, "%s/feat", dir);
  snprintf(cbdir, sizeof cbdir, "%s/cb", dir);
  snprintf(enc, sizeof enc, "%s/enc", dir);
  snprintf(mdir, sizeof mdir, "%s/model", dir);
  test_make_features(dir, feat, 4, 60, 50, 3);
  bovw_codebook_options co;
  bovw_codebook_options_default(&co);
  co.k = 8;
  co.samples = 1000;
  bovw_error err;
  ck_assert_int_eq(bovw_codebook_build(feat, &co, cbdir, NULL, &err), 0);
  bovw_encode_options eo = {.threads = 1};
  bovw_encode_params_default(&eo.params, BOVW_ENCODING_HIST);
  ck_assert_int_eq(bovw_encode_run(feat, cbdir, &eo, enc, NULL, &err), 0);
  bovw_encodings *e;
  ck_assert_int_eq(bovw_encodings_open(enc, &e, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  bovw_model *m;
  ck_assert_int_eq(bovw_train(e, &o, NULL, &m, &err), 0);
  ck_assert_int_eq(bovw_model_save(m, mdir, &err), 0);
  float from_encoding[2 * 6];
  bovw_model_scores(m, e->vectors->data, 6, from_encoding);
  bovw_predictor *pred;
  ck_assert_msg(bovw_predictor_new(mdir, cbdir, &pred, &err) == 0, "%s", err.message);
  /* Image 4 of the manifest is c1/1.png (c0: 0 1 2, c1: 0 1 2). */
  char path[4200];
  snprintf(path, sizeof path, "%s/data/c1/1.png", dir);
  float from_image[2];
  ck_assert_msg(bovw_predictor_scores(pred, path, from_image, &err) == 0, "%s", err.message);
  for (int c = 0; c < 2; c++) ck_assert_float_eq_tol(from_image[c], from_encoding[4 * 2 + c], 1e-5);
  bovw_predictor_free(pred);
  /* Another codebook is refused. */
  char other[4100];
  snprintf(other, sizeof other, "%s/cb2", dir);
  co.seed = 5;
  ck_assert_int_eq(bovw_codebook_build(feat, &co, other, NULL, &err), 0);
  ck_assert_int_eq(bovw_predictor_new(mdir, other, &pred, &err), BOVW_ERR_MISMATCH);
  bovw_model_free(m);
  bovw_encodings_free(e);
}
END_TEST

int main(void) {
  Suite *s = suite_create("classify");
  TCase *tc = tcase_create("classify");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_separable_data_reaches_100_percent_with_every_solver);
  tcase_add_test(tc, test_same_seed_same_model_whatever_the_threads);
  tcase_add_test(tc, test_model_round_trip_gives_identical_scores);
  tcase_add_test(tc, test_encodings_of_another_kind_are_refused);
  tcase_add_test(tc, test_cross_validation_records_its_grid_and_picks_from_it);
  tcase_add_test(tc, test_predict_on_an_image_equals_eval_on_its_encoding);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
