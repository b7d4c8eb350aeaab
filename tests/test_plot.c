/* test_plot.c: tab-separated tables read and refused, round axis ranges,
 * and what the charts of `bovw plot` draw: a line per series, a cross for a
 * diverged run, decision regions as a few rectangles. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/plot.h"
#include "bovw/table.h"
#include "io/svg.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* Writes text as a table file and reads it back; NULL on refusal (err set). */
static bovw_table *table_of(const char *name, const char *text, bovw_error *err) {
  const char *path = test_path(dir, name);
  test_write_text(path, text);
  bovw_table *t = NULL;
  bovw_table_read(path, &t, err);
  return t;
}

static int count(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

START_TEST(test_table_reads_cells_and_numbers) {
  bovw_error err = {0};
  bovw_table *t = table_of("t.tsv", "lr\tbn\tacc\r\n\n0.1\tyes\t0.9\n1\tno\tdiverged\n"
                           "2\tno\t\n3\tno\tnan\n", &err);
  ck_assert_msg(t != NULL, "%s", err.message);
  ck_assert_uint_eq(t->cols, 3);
  ck_assert_uint_eq(t->rows, 4);  /* the blank line skipped */
  ck_assert_str_eq(t->names[2], "acc");  /* the carriage return dropped */
  ck_assert_int_eq(bovw_table_column(t, "bn"), 1);
  ck_assert_int_eq(bovw_table_column(t, "nope"), -1);
  ck_assert_str_eq(bovw_table_cell(t, 1, 1), "no");
  double v;
  ck_assert_int_eq(bovw_table_number(t, 0, 2, &v), 0);
  ck_assert(v == 0.9);
  for (size_t r = 1; r < 4; r++) {  /* diverged, empty and nan: NaN */
    ck_assert_int_eq(bovw_table_number(t, r, 2, &v), 0);
    ck_assert(isnan(v));
  }
  ck_assert_int_eq(bovw_table_number(t, 0, 1, &v), 1);  /* "yes" */
  bovw_table_free(t);
}
END_TEST

START_TEST(test_table_refuses_ragged_rows_and_bad_headers) {
  static const struct {
    const char *text, *message;
  } cases[] = {
      {"a\tb\n1\t2\n3\n", ":3: 1 cells where the header has 2 columns"},
      {"a\ta\n1\t2\n", ":1: column 'a' named twice"},
      {"a\t\tb\n1\t2\t3\n", ":1: column 2 has no name"},
      {"a\tb\n", "no data rows"},
      {"\n\n", "no header line"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bovw_error err = {0};
    bovw_table *t = table_of("bad.tsv", cases[i].text, &err);
    ck_assert_msg(t == NULL, "case %zu read", i);
    ck_assert_msg(strstr(err.message, cases[i].message) && strstr(err.message, "bad.tsv"),
                  "case %zu: %s", i, err.message);
  }
}
END_TEST

START_TEST(test_axes_end_on_round_ticks) {
  bovw_svg_axes a = {{100, 0, 500, 400}, 0, 0, 0, 0, 0, 0};
  bovw_svg_axes_fit(&a, 0.3, 9.6, 0.781, 0.849);
  /* Steps of 2 (9.3 / 6 = 1.55) and of 0.01 (0.068 / 6 = 0.011). */
  ck_assert(fabs(a.xmin - 0) < 1e-12 && fabs(a.xmax - 10) < 1e-12);
  ck_assert(fabs(a.ymin - 0.78) < 1e-12 && fabs(a.ymax - 0.85) < 1e-12);
  ck_assert(fabs(bovw_svg_axes_x(&a, 5) - 300) < 1e-9);
  ck_assert(fabs(bovw_svg_axes_y(&a, 0.78) - 400) < 1e-9);
  /* One value is widened rather than divided by a zero range. */
  bovw_svg_axes_fit(&a, 2, 2, 0, 0);
  ck_assert(a.xmin < 2 && a.xmax > 2 && a.ymin < 0 && a.ymax > 0);
  /* Logarithmic: 0.01 and 1 are a decade from each end's 5% margin. */
  bovw_svg_axes l = {{0, 0, 400, 400}, 0, 0, 0, 0, 1, 0};
  bovw_svg_axes_fit(&l, 0.01, 1, 0, 1);
  ck_assert(fabs(bovw_svg_axes_x(&l, 0.1) - 200) < 1e-9);  /* the middle decade */
  ck_assert(bovw_svg_axes_x(&l, 0.01) > 0 && bovw_svg_axes_x(&l, 1) < 400);
}
END_TEST

START_TEST(test_log_axis_labels_stay_short) {
  bovw_svg_axes a = {{80, 50, 500, 400}, 0, 0, 0, 0, 0, 1};
  bovw_svg_axes_fit(&a, 0, 1, 2, 2.5e9);
  const char *svg = test_path(dir, "labels.svg");
  FILE *f = fopen(svg, "w");
  ck_assert_ptr_nonnull(f);
  bovw_svg_axes_draw(f, &a, "x", "y");
  fclose(f);
  char *text = test_read_text(svg);
  /* 1, 10, ..., 10000 as they are, then 1e5 ... 1e9: no "1e+09", no 100000. */
  ck_assert_ptr_nonnull(strstr(text, ">10000<"));
  ck_assert_ptr_nonnull(strstr(text, ">1e5<"));
  ck_assert_ptr_nonnull(strstr(text, ">1e9<"));
  ck_assert_ptr_null(strstr(text, "e+"));
  ck_assert_ptr_null(strstr(text, ">100000<"));
  free(text);
}
END_TEST

START_TEST(test_lines_one_per_series_and_a_cross_for_diverged) {
  bovw_error err = {0};
  bovw_table *t = table_of("ladder.tsv", "lr\tbn\tacc\n1\tno\tdiverged\n0.1\tno\t0.8\n"
                           "0.01\tno\t0.7\n0.01\tyes\t0.75\n0.1\tyes\t0.85\n1\tyes\t0.9\n", &err);
  ck_assert_msg(t != NULL, "%s", err.message);
  bovw_plot_options o;
  bovw_plot_options_default(&o);
  o.log_x = 1;
  const char *y = "acc", *svg = test_path(dir, "ladder.svg");
  ck_assert_msg(bovw_plot_lines(t, "lr", &y, 1, "bn", &o, svg, &err) == 0, "%s", err.message);
  char *text = test_read_text(svg);
  ck_assert_int_eq(count(text, "<polyline"), 2);  /* "no" stops at its diverged run */
  ck_assert_int_eq(count(text, "stroke-width=\"2.5\""), 1);  /* the one cross */
  ck_assert_ptr_nonnull(strstr(text, "diverged"));
  ck_assert_ptr_nonnull(strstr(text, ">yes</text>"));
  ck_assert_ptr_nonnull(strstr(text, ">no</text>"));
  /* The "no" line runs in the order of x, not of the rows: 0.01 left of 0.1. */
  const char *no = strstr(text, "<polyline");
  double x1, y1, x2, y2;
  ck_assert_int_eq(sscanf(strstr(no, "points=\"") + 8, "%lf,%lf %lf,%lf", &x1, &y1, &x2, &y2), 4);
  ck_assert(x1 < x2 && y1 > y2);  /* 0.7 is lower on the picture than 0.8 */
  free(text);
  /* A title longer than the chart widens the picture instead of being cut. */
  o.title = "A title of well over a hundred characters, which a picture 760 pixels wide "
            "could never hold on one line";
  ck_assert_msg(bovw_plot_lines(t, "lr", &y, 1, "bn", &o, svg, &err) == 0, "%s", err.message);
  text = test_read_text(svg);
  double width = 0;
  ck_assert_int_eq(sscanf(strstr(text, "width=\"") + 7, "%lf", &width), 1);
  ck_assert_msg(width > 900, "width %g", width);
  free(text);
  o.title = NULL;
  /* A value that is not a number, and a log axis at zero, are refused. */
  bovw_table *bad = table_of("bad.tsv", "lr\tacc\n0\tabc\n", &err);
  ck_assert_int_ne(bovw_plot_lines(bad, "lr", &y, 1, NULL, &o, svg, &err), 0);
  ck_assert_msg(strstr(err.message, "row 1, column 'acc': 'abc' is not a number"), "%s",
                err.message);
  bovw_table_free(bad);
  const char *missing = "accuracy";
  ck_assert_int_ne(bovw_plot_lines(t, "lr", &missing, 1, NULL, &o, svg, &err), 0);
  ck_assert_msg(strstr(err.message, "no column 'accuracy' (the y column)"), "%s", err.message);
  bovw_table_free(t);
}
END_TEST

START_TEST(test_points_paint_regions_as_runs_of_a_grid_row) {
  /* A 4 x 3 grid: class a left of x = 1.5, b right; each grid row is two
   * runs, so 6 rectangles, whatever the order of the rows. */
  char grid[512] = "x\ty\tc\n";
  for (int j = 2; j >= 0; j--)
    for (int i = 3; i >= 0; i--)
      snprintf(grid + strlen(grid), sizeof grid - strlen(grid), "%d\t%d\t%s\n", i, j,
               i < 2 ? "a" : "b");
  bovw_error err = {0};
  bovw_table *g = table_of("grid.tsv", grid, &err);
  bovw_table *p = table_of("p.tsv", "x\ty\tc\n0.2\t1\ta\n2.7\t1.5\tb\n", &err);
  ck_assert(g && p);
  bovw_plot_options o;
  bovw_plot_options_default(&o);
  const char *svg = test_path(dir, "p.svg");
  ck_assert_msg(bovw_plot_points(p, "x", "y", "c", g, &o, svg, &err) == 0, "%s", err.message);
  char *text = test_read_text(svg);
  ck_assert_int_eq(count(text, "stroke=\"none\"/>"), 6);  /* the cells, not <svg> */
  free(text);
  /* A grid of one column is no grid. */
  bovw_table *line = table_of("line.tsv", "x\ty\tc\n0\t0\ta\n0\t1\tb\n", &err);
  ck_assert_int_ne(bovw_plot_points(p, "x", "y", "c", line, &o, svg, &err), 0);
  ck_assert_msg(strstr(err.message, "not a grid (one value of x)"), "%s", err.message);
  bovw_table_free(line);
  bovw_table_free(g);
  bovw_table_free(p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("plot");
  TCase *tc = tcase_create("plot");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_table_reads_cells_and_numbers);
  tcase_add_test(tc, test_table_refuses_ragged_rows_and_bad_headers);
  tcase_add_test(tc, test_axes_end_on_round_ticks);
  tcase_add_test(tc, test_log_axis_labels_stay_short);
  tcase_add_test(tc, test_lines_one_per_series_and_a_cross_for_diverged);
  tcase_add_test(tc, test_points_paint_regions_as_runs_of_a_grid_row);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
