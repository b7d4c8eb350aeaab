/* test_classify.c: linear SVMs (VLFeat and liblinear), cross-validation,
 * k nearest neighbours (votes and ties), the model artifact and its
 * refusals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/encode.h"
#include "bovw/fs.h"
#include "bovw/rng.h"
#include "fixtures.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* An encodings artifact in dir/name of the n rows x (n x dim) with labels y
 * in 0..k-1, "made with" a codebook of the given checksum. */
static const char *write_encodings(const char *name, const float *x, const int32_t *y, size_t n,
                                   int dim, int k, const char *codebook_sha) {
  static char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  bovw_mkdir_p(path, NULL);
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
  return path;
}

/* An encodings artifact of n points in dim dimensions, k linearly separable
 * classes (class c lives around 3 e_c, noise `spread`), in dir/name. */
static const char *make_encodings(const char *name, size_t n, int dim, int k, double spread,
                                  uint64_t seed, const char *codebook_sha) {
  float *x = malloc(n * dim * sizeof *x);
  int32_t *y = malloc(n * sizeof *y);
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  for (size_t i = 0; i < n; i++) {
    y[i] = (int32_t)(i % (size_t)k);
    for (int d = 0; d < dim; d++)
      x[i * dim + d] = (float)((d == y[i] ? 3.0 : 0.0) + spread * (bovw_rng_uniform(&rng) - 0.5));
  }
  const char *path = write_encodings(name, x, y, n, dim, k, codebook_sha);
  free(x);
  free(y);
  return path;
}

static double accuracy(const bovw_model *m, const bovw_encodings *e) {
  float *s = malloc(e->count * m->num_classes * sizeof *s);
  ck_assert_int_eq(bovw_model_scores(m, e->vectors->data, e->count, 0, s, NULL), 0);
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
  for (int s = 0; s <= BOVW_SOLVER_KNN; s++) {
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

/* The mean over classes of the largest |score difference| between two
 * models on the rows, relative to the largest |score| of the first. */
static double score_gap(const bovw_model *a, const bovw_model *b, const bovw_encodings *e) {
  size_t n = e->count, k = a->num_classes;
  float *sa = malloc(n * k * sizeof *sa), *sb = malloc(n * k * sizeof *sb);
  ck_assert_int_eq(bovw_model_scores(a, e->vectors->data, n, 0, sa, NULL), 0);
  ck_assert_int_eq(bovw_model_scores(b, e->vectors->data, n, 0, sb, NULL), 0);
  double diff = 0, top = 0;
  for (size_t i = 0; i < n * k; i++) {
    diff = fmax(diff, fabs((double)sa[i] - sb[i]));
    top = fmax(top, fabs((double)sa[i]));
  }
  free(sa);
  free(sb);
  return diff / top;
}

START_TEST(test_gram_solves_liblinear_l1_dual_problem_and_sdca_objective) {
  /* Overlapping classes, so that many rows sit inside the margin. */
  bovw_encodings *train;
  bovw_error err;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 240, 30, 4, 6.0, 11, "aa"), &train, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.C = 0.05;
  o.epsilon = 1e-7;
  o.epochs = 20000;
  bovw_model *gram, *ll, *sdca, *gram2;
  o.solver = BOVW_SOLVER_GRAM;
  o.threads = 1;
  ck_assert_msg(bovw_train(train, &o, NULL, &gram, &err) == 0, "%s", err.message);
  o.threads = 2;
  ck_assert_msg(bovw_train(train, &o, NULL, &gram2, &err) == 0, "%s", err.message);
  ck_assert_mem_eq(gram->weights, gram2->weights, 4 * 30 * sizeof(float));
  o.solver = BOVW_SOLVER_LL_L1_DUAL;
  o.epsilon = 1e-6;
  ck_assert_msg(bovw_train(train, &o, NULL, &ll, &err) == 0, "%s", err.message);
  o.solver = BOVW_SOLVER_SDCA;
  o.epsilon = 1e-7;
  o.epochs = 100000;
  ck_assert_msg(bovw_train(train, &o, NULL, &sdca, &err) == 0, "%s", err.message);
  double gap = score_gap(ll, gram, train);
  ck_assert_msg(gap < 1e-3, "gram and liblinear-l1-dual scores differ by %g", gap);
  gap = score_gap(sdca, gram, train);
  ck_assert_msg(gap < 1e-3, "gram and sdca scores differ by %g", gap);
  /* The statistics are on VLFeat's scale: the same objectives as sdca's. */
  const cJSON *gs = cJSON_GetObjectItem(gram->meta, "statistics"),
              *ss = cJSON_GetObjectItem(sdca->meta, "statistics");
  for (int c = 0; c < 4; c++) {
    const cJSON *g = cJSON_GetArrayItem(gs, c), *s = cJSON_GetArrayItem(ss, c);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(g, "converged")));
    double og = bovw_meta_number(g, "objective", -1), os = bovw_meta_number(s, "objective", -1);
    ck_assert_msg(og > 0 && fabs(og - os) < 1e-4 * os, "class %d: objective %g, sdca %g", c, og, os);
    ck_assert(bovw_meta_number(g, "duality_gap", 1) <= 1e-7);
  }
  bovw_model_free(gram);
  bovw_model_free(gram2);
  bovw_model_free(ll);
  bovw_model_free(sdca);
  bovw_encodings_free(train);
}
END_TEST

/* The stream solver solves sdca's problem for all classes in one pass of
 * mini-batches: on a small problem, run to a tight gap, it reaches the
 * gram solver's optimum (the same problem, on VLFeat's scale), its
 * recorded gap is the exact one, and 1 and 2 threads give the same bits. */
START_TEST(test_stream_solver_reaches_the_optimum_and_ignores_threads) {
  bovw_encodings *train;
  bovw_error err;
  /* 203 rows: the last mini-batch is a short one; 70 dimensions: the last
   * column chunk too. */
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 203, 70, 4, 6.0, 12, "aa"), &train, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.C = 0.05;
  o.epsilon = 1e-7;
  o.epochs = 20000;
  bovw_model *gram, *s1, *s2;
  o.solver = BOVW_SOLVER_GRAM;
  ck_assert_msg(bovw_train(train, &o, NULL, &gram, &err) == 0, "%s", err.message);
  o.solver = BOVW_SOLVER_STREAM;
  /* Its scores are float32 products: a gap of 1e-5 is well above their
   * rounding (about 1e-7 of objectives near 1), and bounds how far its
   * objective can be from the optimum, which gram's is within 1e-7 of. */
  o.epsilon = 1e-5;
  o.threads = 1;
  ck_assert_msg(bovw_train(train, &o, NULL, &s1, &err) == 0, "%s", err.message);
  o.threads = 2;
  ck_assert_msg(bovw_train(train, &o, NULL, &s2, &err) == 0, "%s", err.message);
  ck_assert_mem_eq(s1->weights, s2->weights, 4 * 70 * sizeof(float));
  ck_assert_mem_eq(s1->biases, s2->biases, 4 * sizeof(float));
  double gap = score_gap(s1, gram, train);
  ck_assert_msg(gap < 1e-3, "stream and gram scores differ by %g", gap);
  const cJSON *gs = cJSON_GetObjectItem(gram->meta, "statistics"),
              *ss = cJSON_GetObjectItem(s1->meta, "statistics");
  for (int c = 0; c < 4; c++) {
    const cJSON *g = cJSON_GetArrayItem(gs, c), *st = cJSON_GetArrayItem(ss, c);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(st, "converged")));
    double og = bovw_meta_number(g, "objective", -1), os = bovw_meta_number(st, "objective", -1);
    ck_assert_msg(og > 0 && fabs(og - os) <= 1e-5 + 1e-7, "class %d: objective %g, gram %g", c, os, og);
    ck_assert(bovw_meta_number(st, "duality_gap", 1) <= 1e-5);
  }
  ck_assert_str_eq(bovw_meta_string(s1->meta, "solver", ""), "stream");
  bovw_model_free(gram);
  bovw_model_free(s1);
  bovw_model_free(s2);
  bovw_encodings_free(train);
}
END_TEST

/* Codes are rows decoded a batch at a time: the stream solver trains on
 * them the model it trains on the decompressed rows (bit for bit, with
 * cross-validation too), eval's scores on them are those on the
 * decompressed rows, other solvers refuse them, and a model trained on
 * codes refuses codes of another quantiser but takes codes made --like
 * its own. */
START_TEST(test_codes_train_and_score_as_their_decompressed_rows) {
  /* 2056 dimensions: two column chunks of the solver, the second short. */
  enum { N = 300, D = 2056, K = 4 };
  const char *train_dir = make_encodings("train", N, D, K, 6.0, 21, "aa");
  char codes_dir[4200], back_dir[4200], other_dir[4200], like_dir[4200];
  snprintf(codes_dir, sizeof codes_dir, "%s/codes", dir);
  snprintf(back_dir, sizeof back_dir, "%s/back", dir);
  snprintf(other_dir, sizeof other_dir, "%s/other", dir);
  snprintf(like_dir, sizeof like_dir, "%s/like", dir);
  bovw_compress_options co;
  bovw_compress_options_default(&co);
  co.sample = N;
  bovw_error err;
  ck_assert_msg(bovw_compress_run(train_dir, &co, codes_dir, NULL, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_decompress_run(codes_dir, back_dir, NULL, &err) == 0, "%s", err.message);
  co.seed = 9;
  ck_assert_int_eq(bovw_compress_run(train_dir, &co, other_dir, NULL, &err), 0);
  bovw_compress_options_default(&co);
  co.like = codes_dir;
  ck_assert_msg(bovw_compress_run(train_dir, &co, like_dir, NULL, &err) == 0, "%s", err.message);
  bovw_encodings *codes, *back, *other, *like;
  ck_assert_msg(bovw_encodings_open_any(codes_dir, &codes, &err) == 0, "%s", err.message);
  ck_assert_int_eq(bovw_encodings_open_any(back_dir, &back, &err), 0);
  ck_assert_int_eq(bovw_encodings_open_any(other_dir, &other, &err), 0);
  ck_assert_int_eq(bovw_encodings_open_any(like_dir, &like, &err), 0);
  ck_assert_ptr_nonnull(codes->codes);
  ck_assert_ptr_null(back->codes);
  ck_assert_uint_eq(codes->dim, D);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.solver = BOVW_SOLVER_STREAM;
  o.epochs = 4;
  o.threads = 2;
  for (int cv = 0; cv <= 1; cv++) {
    o.cv_folds = cv ? 3 : 0;
    bovw_model *mc, *mb;
    ck_assert_msg(bovw_train(codes, &o, NULL, &mc, &err) == 0, "%s", err.message);
    ck_assert_msg(bovw_train(back, &o, NULL, &mb, &err) == 0, "%s", err.message);
    ck_assert_mem_eq(mc->weights, mb->weights, (size_t)K * D * sizeof(float));
    ck_assert_mem_eq(mc->biases, mb->biases, K * sizeof(float));
    if (cv) {
      char *a = cJSON_PrintUnformatted(cJSON_GetObjectItem(mc->meta, "cross_validation")),
           *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(mb->meta, "cross_validation"));
      ck_assert_str_eq(a, b);
      free(a);
      free(b);
    }
    float *sc = malloc(N * K * sizeof *sc), *sb = malloc(N * K * sizeof *sb);
    ck_assert_int_eq(bovw_model_score_encodings(mc, codes, 2, sc, &err), 0);
    ck_assert_int_eq(bovw_model_score_encodings(mc, back, 1, sb, &err), 0);
    ck_assert_mem_eq(sc, sb, N * K * sizeof *sc);
    /* Trained on codes: codes of another quantiser are refused, codes
     * made --like its own and dense encodings are not. */
    ck_assert_int_eq(bovw_model_check_encodings(mc, other, "other", &err), BOVW_ERR_MISMATCH);
    ck_assert_msg(strstr(err.message, "another quantiser"), "%s", err.message);
    ck_assert_int_eq(bovw_model_check_encodings(mc, like, "like", &err), 0);
    ck_assert_int_eq(bovw_model_check_encodings(mc, back, "back", &err), 0);
    free(sc);
    free(sb);
    bovw_model_free(mc);
    bovw_model_free(mb);
  }
  o.solver = BOVW_SOLVER_SDCA;
  o.cv_folds = 0;
  bovw_model *m;
  ck_assert_int_eq(bovw_train(codes, &o, NULL, &m, &err), BOVW_ERR_INVALID);
  ck_assert_msg(strstr(err.message, "--solver stream"), "%s", err.message);
  bovw_encodings_free(codes);
  bovw_encodings_free(back);
  bovw_encodings_free(other);
  bovw_encodings_free(like);
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
  ck_assert_int_eq(bovw_model_scores(m, train->vectors->data, 120, 0, s1, NULL), 0);
  ck_assert_int_eq(bovw_model_scores(r, train->vectors->data, 120, 0, s2, NULL), 0);
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
  ck_assert_int_eq(bovw_model_scores(m, e->vectors->data, 6, 0, from_encoding, NULL), 0);
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

/* A knn model of the rows x (n x dim) with labels y, classes 0..k-1. */
static bovw_model *knn_model(const char *name, const float *x, const int32_t *y, size_t n,
                             int dim, int k, int neighbors, bovw_knn_metric metric) {
  bovw_encodings *e;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_encodings_open(write_encodings(name, x, y, n, dim, k, "aa"), &e, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.solver = BOVW_SOLVER_KNN;
  o.neighbors = neighbors;
  o.knn_metric = metric;
  bovw_model *m;
  ck_assert_msg(bovw_train(e, &o, NULL, &m, &err) == 0, "%s", err.message);
  bovw_encodings_free(e);
  return m;
}

START_TEST(test_knn_on_separable_data_is_100_percent_with_any_k_and_metric) {
  bovw_encodings *train, *test;
  bovw_error err;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 200, 10, 4, 1.0, 1, "aa"), &train, &err), 0);
  ck_assert_int_eq(bovw_encodings_open(make_encodings("test", 100, 10, 4, 1.0, 2, "aa"), &test, &err), 0);
  const int ks[3] = {1, 5, 15};
  for (int i = 0; i < 3; i++)
    for (int metric = BOVW_KNN_L2; metric <= BOVW_KNN_COSINE; metric++) {
      bovw_train_options o;
      bovw_train_options_default(&o);
      o.solver = BOVW_SOLVER_KNN;
      o.neighbors = ks[i];
      o.knn_metric = (bovw_knn_metric)metric;
      bovw_model *m;
      ck_assert_msg(bovw_train(train, &o, NULL, &m, &err) == 0, "%s", err.message);
      ck_assert_msg(accuracy(m, test) == 1.0, "K %d %s: test accuracy %g", ks[i],
                    bovw_knn_metric_name(o.knn_metric), accuracy(m, test));
      ck_assert_int_eq(m->train_count, 200);
      ck_assert_ptr_null(m->weights);
      bovw_model_free(m);
    }
  bovw_encodings_free(train);
  bovw_encodings_free(test);
}
END_TEST

START_TEST(test_knn_votes_then_the_nearer_voter_then_the_earlier_row) {
  /* On a line: rows 0..4 at 0, 1, 1, 3, -1 of classes 0, 1, 1, 2, 0. */
  const float x[5] = {0, 1, 1, 3, -1};
  const int32_t y[5] = {0, 1, 1, 2, 0};
  bovw_model *m = knn_model("line", x, y, 5, 1, 3, 3, BOVW_KNN_L2);
  /* At 0.4 the three nearest are rows 0 (class 0, rank 0), 1 and 2 (class
   * 1, ranks 1 and 2): class 1 has two votes and wins; each class scores
   * votes + (K - rank of its nearest voter) / (K + 1). */
  const float at[2] = {0.4f, 0.5f};
  float s[2 * 3];
  ck_assert_int_eq(bovw_model_scores(m, at, 1, 1, s, NULL), 0);
  ck_assert_float_eq_tol(s[0], 1 + 3.0f / 4, 1e-6);
  ck_assert_float_eq_tol(s[1], 2 + 2.0f / 4, 1e-6);
  ck_assert_float_eq(s[2], 0);
  bovw_model_free(m);
  /* At 0.5 with K = 2, rows 0, 1 and 2 are all 0.5 away: the earlier rows
   * 0 and 1 vote, one vote each, and the tie goes to class 0, whose voter
   * ranks first. */
  m = knn_model("line2", x, y, 5, 1, 3, 2, BOVW_KNN_L2);
  ck_assert_int_eq(bovw_model_scores(m, at + 1, 1, 1, s, NULL), 0);
  ck_assert_float_eq_tol(s[0], 1 + 2.0f / 3, 1e-6);
  ck_assert_float_eq_tol(s[1], 1 + 1.0f / 3, 1e-6);
  ck_assert_float_eq(s[2], 0);
  bovw_model_free(m);
}
END_TEST

START_TEST(test_knn_cosine_ignores_length) {
  /* (3, 1) is nearest to (2, 0) in l2 but closest in angle to (1, 0). */
  const float x[3 * 2] = {1, 0, 0, 2, 2, 0};
  const int32_t y[3] = {0, 1, 2};
  const float q[2] = {3, 1};
  float s[3];
  bovw_model *m = knn_model("l2", x, y, 3, 2, 3, 1, BOVW_KNN_L2);
  ck_assert_int_eq(bovw_model_scores(m, q, 1, 1, s, NULL), 0);
  ck_assert(s[2] > s[0] && s[2] > s[1]);
  bovw_model_free(m);
  m = knn_model("cos", x, y, 3, 2, 3, 1, BOVW_KNN_COSINE);
  ck_assert_int_eq(bovw_model_scores(m, q, 1, 1, s, NULL), 0);
  ck_assert(s[0] > s[1] && s[0] > s[2]);
  bovw_model_free(m);
}
END_TEST

START_TEST(test_knn_model_round_trip_and_threads_give_identical_scores) {
  bovw_encodings *train;
  bovw_error err;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 150, 8, 3, 6.0, 4, "aa"), &train, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.solver = BOVW_SOLVER_KNN;
  o.neighbors = 7;
  o.knn_metric = BOVW_KNN_COSINE;
  bovw_model *m, *r;
  ck_assert_int_eq(bovw_train(train, &o, NULL, &m, &err), 0);
  char mdir[4200];
  snprintf(mdir, sizeof mdir, "%s/model", dir);
  ck_assert_msg(bovw_model_save(m, mdir, &err) == 0, "%s", err.message);
  ck_assert_int_eq(test_count_entries(mdir, "train_encodings.npy"), 1);
  ck_assert_int_eq(test_count_entries(mdir, "weights.npy"), 0);
  ck_assert_msg(bovw_model_open(mdir, &r, &err) == 0, "%s", err.message);
  ck_assert(r->knn && r->neighbors == 7 && r->knn_metric == BOVW_KNN_COSINE);
  ck_assert_str_eq(bovw_meta_string(r->meta, "solver", ""), "knn");
  ck_assert_double_eq(bovw_model_bytes(r), 4.0 * 150 * 9);
  float s1[150 * 3], s2[150 * 3], s3[150 * 3];
  ck_assert_int_eq(bovw_model_scores(m, train->vectors->data, 150, 1, s1, NULL), 0);
  ck_assert_int_eq(bovw_model_scores(r, train->vectors->data, 150, 2, s2, NULL), 0);
  ck_assert_int_eq(bovw_model_scores(r, train->vectors->data, 150, 1, s3, NULL), 0);
  ck_assert_mem_eq(s1, s2, sizeof s1);
  ck_assert_mem_eq(s1, s3, sizeof s1);
  bovw_model_free(m);
  bovw_model_free(r);
  /* More neighbours than training rows. */
  o.neighbors = 151;
  ck_assert_int_eq(bovw_train(train, &o, NULL, &m, &err), BOVW_ERR_INVALID);
  ck_assert_msg(strstr(err.message, "151 neighbours, but there are 150"), "%s", err.message);
  bovw_encodings_free(train);
}
END_TEST

/* Scoring cuts the product into blocks that depend on the shapes only, so
 * a model gives the same scores, bit for bit, at 1 and 2 threads, whatever
 * BLAS kernels run (scripts/test.sh runs this under each). 600 rows span
 * several blocks. */
START_TEST(test_linear_scores_are_identical_at_any_thread_count) {
  bovw_encodings *train;
  bovw_error err;
  ck_assert_int_eq(bovw_encodings_open(make_encodings("train", 600, 300, 5, 4.0, 9, "aa"), &train, &err), 0);
  bovw_train_options o;
  bovw_train_options_default(&o);
  o.solver = BOVW_SOLVER_SDCA;
  o.epochs = 2;
  bovw_model *m;
  ck_assert_msg(bovw_train(train, &o, NULL, &m, &err) == 0, "%s", err.message);
  float *s1 = malloc(600 * 5 * sizeof *s1), *s2 = malloc(600 * 5 * sizeof *s2);
  ck_assert_int_eq(bovw_model_scores(m, train->vectors->data, 600, 1, s1, NULL), 0);
  ck_assert_int_eq(bovw_model_scores(m, train->vectors->data, 600, 2, s2, NULL), 0);
  ck_assert_mem_eq(s1, s2, 600 * 5 * sizeof *s1);
  free(s1);
  free(s2);
  bovw_model_free(m);
  bovw_encodings_free(train);
}
END_TEST

int main(void) {
  Suite *s = suite_create("classify");
  TCase *tc = tcase_create("classify");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_separable_data_reaches_100_percent_with_every_solver);
  tcase_add_test(tc, test_same_seed_same_model_whatever_the_threads);
  tcase_add_test(tc, test_gram_solves_liblinear_l1_dual_problem_and_sdca_objective);
  tcase_add_test(tc, test_model_round_trip_gives_identical_scores);
  tcase_add_test(tc, test_encodings_of_another_kind_are_refused);
  tcase_add_test(tc, test_cross_validation_records_its_grid_and_picks_from_it);
  tcase_add_test(tc, test_predict_on_an_image_equals_eval_on_its_encoding);
  tcase_add_test(tc, test_knn_on_separable_data_is_100_percent_with_any_k_and_metric);
  tcase_add_test(tc, test_knn_votes_then_the_nearer_voter_then_the_earlier_row);
  tcase_add_test(tc, test_knn_cosine_ignores_length);
  tcase_add_test(tc, test_knn_model_round_trip_and_threads_give_identical_scores);
  tcase_add_test(tc, test_linear_scores_are_identical_at_any_thread_count);
  tcase_add_test(tc, test_stream_solver_reaches_the_optimum_and_ignores_threads);
  tcase_add_test(tc, test_codes_train_and_score_as_their_decompressed_rows);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
