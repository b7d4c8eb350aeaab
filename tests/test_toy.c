/* test_toy.c: the two-class points of `bovw dataset toy`: the same seed
 * gives the same points, the shapes are the documented curves, and the
 * folders are encodings that the classifiers read. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"
#include "bovw/toy.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* The points of one split, new arrays. */
static void draw(const bovw_toy_options *o, int split, size_t per_class, double **xy,
                 int32_t **labels) {
  *xy = malloc(4 * per_class * sizeof **xy);
  *labels = malloc(2 * per_class * sizeof **labels);
  ck_assert(*xy && *labels);
  bovw_toy_draw(o, split, per_class, *xy, *labels);
}

START_TEST(test_toy_same_seed_same_points_another_seed_others) {
  for (int shape = 0; shape < 2; shape++) {
    bovw_toy_options o = BOVW_TOY_OPTIONS_DEFAULT;
    o.shape = (bovw_toy_shape)shape;
    double *a, *b, *c, *t;
    int32_t *la, *lb, *lc, *lt;
    draw(&o, 0, 50, &a, &la);
    draw(&o, 0, 50, &b, &lb);
    ck_assert_mem_eq(a, b, 200 * sizeof *a);
    ck_assert_mem_eq(la, lb, 100 * sizeof *la);
    /* The test split and another seed draw other points. */
    draw(&o, 1, 50, &t, &lt);
    o.seed = 1;
    draw(&o, 0, 50, &c, &lc);
    int same_test = 0, same_seed = 0;
    for (int i = 0; i < 200; i++) {
      same_test += a[i] == t[i];
      same_seed += a[i] == c[i];
    }
    ck_assert_int_eq(same_test, 0);
    ck_assert_int_eq(same_seed, 0);
    /* More points per class keep the first ones of each class. */
    o.seed = 0;
    double *m;
    int32_t *lm;
    draw(&o, 0, 80, &m, &lm);
    ck_assert_mem_eq(m, a, 100 * sizeof *a);             /* class 0's 50 */
    ck_assert_mem_eq(m + 160, a + 100, 100 * sizeof *a); /* class 1's 50 */
    free(a), free(b), free(c), free(t), free(m);
    free(la), free(lb), free(lc), free(lt), free(lm);
  }
}
END_TEST

START_TEST(test_toy_rings_and_spirals_are_the_documented_curves) {
  bovw_toy_options o = BOVW_TOY_OPTIONS_DEFAULT;
  o.noise = 0;
  double *xy;
  int32_t *y;
  draw(&o, 0, 100, &xy, &y);
  for (int i = 0; i < 200; i++) {
    ck_assert_int_eq(y[i], i < 100 ? 0 : 1);
    ck_assert_double_eq_tol(hypot(xy[2 * i], xy[2 * i + 1]), y[i] ? 2.0 : 1.0, 1e-12);
    ck_assert_int_eq(bovw_toy_nearest_class(o.shape, xy[2 * i], xy[2 * i + 1]), y[i]);
  }
  free(xy);
  free(y);
  /* Spirals: r = phi / pi, the angle phi (arm a) or phi + pi (arm b), phi
   * in [pi/2, 3 pi]: the angle seen from the origin agrees with the
   * radius modulo a turn. */
  o.shape = BOVW_TOY_SPIRALS;
  draw(&o, 0, 100, &xy, &y);
  for (int i = 0; i < 200; i++) {
    const double r = hypot(xy[2 * i], xy[2 * i + 1]), phi = r * M_PI;
    ck_assert(r >= 0.5 - 1e-12 && r <= 3 + 1e-12);
    const double a = phi + y[i] * M_PI;
    ck_assert_double_eq_tol(xy[2 * i], r * cos(a), 1e-9);
    ck_assert_double_eq_tol(xy[2 * i + 1], r * sin(a), 1e-9);
    ck_assert_int_eq(bovw_toy_nearest_class(o.shape, xy[2 * i], xy[2 * i + 1]), y[i]);
  }
  free(xy);
  free(y);
  /* The noise moves points by about its deviation. */
  o.shape = BOVW_TOY_RINGS;
  o.noise = 0.1;
  draw(&o, 0, 2000, &xy, &y);
  double sq = 0;
  for (int i = 0; i < 4000; i++) {
    const double d = hypot(xy[2 * i], xy[2 * i + 1]) - (y[i] ? 2 : 1);
    sq += d * d;
  }
  /* The radial part of isotropic noise has the same deviation; 4000 draws
   * estimate it within a few percent. */
  ck_assert_double_eq_tol(sqrt(sq / 4000), 0.1, 0.01);
  free(xy);
  free(y);
}
END_TEST

START_TEST(test_toy_folders_are_encodings_with_points_and_a_grid) {
  bovw_toy_options o = BOVW_TOY_OPTIONS_DEFAULT;
  o.features = BOVW_TOY_POLAR;
  o.n = 30;
  o.test_n = 20;
  o.grid = 5;
  bovw_error err = {0};
  ck_assert_msg(bovw_toy_write(dir, &o, &err) == 0, "%s", err.message);
  const char *splits[3] = {"train", "test", "grid"};
  const size_t counts[3] = {60, 40, 25};
  for (int s = 0; s < 3; s++) {
    bovw_encodings *enc;
    const char *sub = test_path(dir, splits[s]);
    ck_assert_msg(bovw_encodings_open(sub, &enc, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(enc->count, counts[s]);
    ck_assert_uint_eq(enc->dim, 2);
    ck_assert_uint_eq(enc->num_classes, 2);
    ck_assert_str_eq(enc->class_names[0], "inner");
    const cJSON *p = cJSON_GetObjectItem(enc->meta, "params");
    ck_assert_str_eq(bovw_meta_string(p, "encoding", ""), "toy");
    ck_assert_str_eq(bovw_meta_string(p, "shape", ""), "rings");
    ck_assert_str_eq(bovw_meta_string(p, "features", ""), "polar");
    /* points.tsv: a header, then per row the point, its polar coordinates
     * (the row's vector) and its class. */
    char *text = test_read_text(test_path(sub, "points.tsv"));
    const char *header = "x1\tx2\trho\ttheta\tlabel\tclass\n";
    ck_assert(!strncmp(text, header, strlen(header)));
    const char *line = strchr(text, '\n') + 1;
    const float *v = (const float *)enc->vectors->data;
    const int32_t *labels = enc->labels->data;
    for (size_t i = 0; i < enc->count; i++) {
      double x1, x2, rho, theta;
      int label;
      ck_assert_int_eq(sscanf(line, "%lf\t%lf\t%lf\t%lf\t%d", &x1, &x2, &rho, &theta, &label), 5);
      ck_assert_int_eq(label, labels[i]);
      ck_assert_float_eq_tol(v[2 * i], (float)hypot(x1, x2), 1e-6);
      ck_assert_float_eq_tol(v[2 * i + 1], (float)atan2(x2, x1), 1e-6);
      line = strchr(line, '\n') + 1;
    }
    if (s == 2) { /* the grid: corners at +-extent, labels by the nearest ring */
      ck_assert_double_eq(bovw_meta_number(enc->meta, "extent", 0), 3.0);
      ck_assert_int_eq(labels[0], 1);
      ck_assert_int_eq(labels[12], 0); /* the centre */
    }
    free(text);
    bovw_encodings_free(enc);
  }
}
END_TEST

START_TEST(test_toy_bad_options_are_refused) {
  bovw_toy_options o = BOVW_TOY_OPTIONS_DEFAULT;
  bovw_error err = {0};
  o.n = 0;
  ck_assert_int_eq(bovw_toy_write(dir, &o, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "training points"));
  o.n = 10;
  o.noise = -1;
  ck_assert_int_eq(bovw_toy_write(dir, &o, &err), BOVW_ERR_INVALID);
  o.noise = 0.1;
  o.grid = 1;
  ck_assert_int_eq(bovw_toy_write(dir, &o, &err), BOVW_ERR_INVALID);
  bovw_toy_shape shape;
  ck_assert_int_ne(bovw_toy_shape_parse("moons", &shape), 0);
  ck_assert_int_eq(bovw_toy_shape_parse("spirals", &shape), 0);
  ck_assert_int_eq(shape, BOVW_TOY_SPIRALS);
}
END_TEST

int main(void) {
  Suite *s = suite_create("toy");
  TCase *tc = tcase_create("toy");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_toy_same_seed_same_points_another_seed_others);
  tcase_add_test(tc, test_toy_rings_and_spirals_are_the_documented_curves);
  tcase_add_test(tc, test_toy_folders_are_encodings_with_points_and_a_grid);
  tcase_add_test(tc, test_toy_bad_options_are_refused);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
