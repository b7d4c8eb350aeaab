/* test_dataset.c: manifests, folder scans, seeded splits and IDX import. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "bovw/artifact.h"
#include "bovw/dataset.h"
#include "bovw/image.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* A valid 4x3 binary PGM. */
static void write_pgm(const char *path) {
  static const char pgm[] = "P5\n4 3\n255\n0123456789AB";
  test_write(path, pgm, sizeof pgm - 1);
}

/* root/<class>/<i>.pgm for n[c] images in each of k classes. */
static void make_folder(const char *root, int k, const int *n) {
  mkdir(root, 0755);
  for (int c = 0; c < k; c++) {
    char cls[8192], file[64];
    snprintf(cls, sizeof cls, "%s/class%c", root, 'a' + c);
    mkdir(cls, 0755);
    for (int i = 0; i < n[c]; i++) {
      snprintf(file, sizeof file, "img%03d.pgm", i);
      write_pgm(test_path(cls, file));
    }
  }
}

typedef struct {
  int count;
  char text[4096];
} warnings;

static void on_warning(void *ctx, const char *message) {
  warnings *w = ctx;
  w->count++;
  strncat(w->text, message, sizeof w->text - strlen(w->text) - 2);
  strcat(w->text, "\n");
}

START_TEST(test_manifest_round_trip_keeps_paths_labels_and_classes) {
  bovw_manifest *m = bovw_manifest_new();
  char *names[] = {"cat", "dog"};
  ck_assert_int_eq(bovw_manifest_set_classes(m, names, 2, NULL), 0);
  ck_assert_int_eq(bovw_manifest_add(m, "cat/1.jpg", 0, NULL), 0);
  ck_assert_int_eq(bovw_manifest_add(m, "dog/a b.png", 1, NULL), 0);
  ck_assert_int_eq(bovw_manifest_add(m, "/abs/x.pgm", 1, NULL), 0);
  char path[4096];
  snprintf(path, sizeof path, "%s/m.tsv", dir);
  ck_assert_int_eq(bovw_manifest_write(path, m, NULL, 0, NULL), 0);
  bovw_manifest *r;
  bovw_error err;
  ck_assert_msg(bovw_manifest_read(path, &r, &err) == 0, "%s", err.message);
  ck_assert_int_eq(r->count, 3);
  ck_assert_str_eq(r->paths[1], "dog/a b.png");
  ck_assert_int_eq(r->labels[2], 1);
  ck_assert_int_eq(r->num_classes, 2);
  ck_assert_str_eq(r->class_names[0], "cat");
  ck_assert_int_eq(strlen(r->sha256), 64);
  /* Relative paths resolve against the manifest's folder; absolute stay. */
  char *p0 = bovw_manifest_resolve(r, 0), *p2 = bovw_manifest_resolve(r, 2);
  ck_assert_str_eq(p0, test_path(dir, "cat/1.jpg"));
  ck_assert_str_eq(p2, "/abs/x.pgm");
  free(p0);
  free(p2);
  bovw_manifest_free(r);
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_bad_manifests_name_file_and_line) {
  char path[4096];
  snprintf(path, sizeof path, "%s/bad.tsv", dir);
  const char *cases[][2] = {
      {"file\tlabel\n", "line 1"},
      {"path\tlabel\tclass\na.jpg\t0\n", "line 2"},
      {"path\tlabel\tclass\na.jpg\t0\tx\nb.jpg\tminus\tx\n", "line 3"},
      {"path\tlabel\tclass\na.jpg\t-1\tx\n", "line 2"},
      {"path\tlabel\tclass\na.jpg\t0\tx\nb.jpg\t0\ty\n", "not \"y\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    test_write_text(path, cases[i][0]);
    bovw_manifest *m = NULL;
    bovw_error err;
    ck_assert_int_eq(bovw_manifest_read(path, &m, &err), BOVW_ERR_FORMAT);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err.message, cases[i][1]) && strstr(err.message, "bad.tsv"),
                  "case %zu: %s", i, err.message);
  }
}
END_TEST

START_TEST(test_scan_lists_classes_and_images_in_sorted_order) {
  char root[4096];
  snprintf(root, sizeof root, "%s/data", dir);
  int n[3] = {3, 2, 4};
  make_folder(root, 3, n);
  bovw_manifest *m;
  bovw_scan_stats stats;
  bovw_error err;
  ck_assert_msg(bovw_dataset_scan(root, NULL, NULL, &m, &stats, &err) == 0, "%s",
                err.message);
  ck_assert_int_eq(m->count, 9);
  ck_assert_int_eq(m->num_classes, 3);
  ck_assert_str_eq(m->class_names[2], "classc");
  ck_assert_str_eq(m->paths[0], "classa/img000.pgm");
  ck_assert_str_eq(m->paths[4], "classb/img001.pgm");
  ck_assert_int_eq(m->labels[4], 1);
  ck_assert_int_eq(m->labels[8], 2);
  ck_assert_int_eq(stats.images, 9);
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_scan_skips_bad_and_stray_files_with_warnings) {
  char root[4096];
  snprintf(root, sizeof root, "%s/data", dir);
  int n[2] = {2, 2};
  make_folder(root, 2, n);
  char cls[8192];
  snprintf(cls, sizeof cls, "%s/classa", root);
  test_write(test_path(cls, "corrupt.jpg"), "\xff\xd8\xff\xe0garbage", 11);
  test_write_text(test_path(cls, "notes.txt"), "hello");
  test_write_text(test_path(cls, "fake.png"), "not a png at all");
  write_pgm(test_path(cls, "tmp"));  /* an image without an extension */
  write_pgm(test_path(cls, ".hidden.pgm"));
  snprintf(cls, sizeof cls, "%s/empty", root);
  mkdir(cls, 0755);
  test_write_text(test_path(root, "README"), "loose file");

  warnings w = {0};
  bovw_monitor mon = {NULL, on_warning, &w};
  bovw_manifest *m;
  bovw_scan_stats stats;
  bovw_error err;
  ck_assert_int_eq(bovw_dataset_scan(root, NULL, &mon, &m, &stats, &err), 0);
  ck_assert_int_eq(m->count, 4);
  ck_assert_int_eq(m->num_classes, 2);  /* the empty folder is left out */
  ck_assert_int_eq(stats.not_images, 2);
  ck_assert_int_eq(stats.other_extension, 2);  /* notes.txt, tmp */
  ck_assert_int_eq(stats.empty_classes, 1);
  ck_assert_msg(strstr(w.text, "corrupt.jpg") && strstr(w.text, "fake.png") &&
                    strstr(w.text, "notes.txt") && strstr(w.text, "README") &&
                    strstr(w.text, "empty"),
                "%s", w.text);
  ck_assert_ptr_null(strstr(w.text, "hidden"));
  bovw_manifest_free(m);

  /* --any-extension takes the extensionless image, by its content. */
  bovw_scan_options any = BOVW_SCAN_OPTIONS_DEFAULT;
  any.any_extension = 1;
  ck_assert_int_eq(bovw_dataset_scan(root, &any, NULL, &m, &stats, &err), 0);
  ck_assert_int_eq(m->count, 5);
  ck_assert_int_eq(stats.not_images, 3);  /* + notes.txt */
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_scan_result_does_not_depend_on_threads) {
  char root[4096];
  snprintf(root, sizeof root, "%s/data", dir);
  int n[4] = {20, 1, 33, 7};
  make_folder(root, 4, n);
  bovw_scan_options o = BOVW_SCAN_OPTIONS_DEFAULT;
  bovw_manifest *a, *b;
  bovw_scan_stats stats;
  o.threads = 1;
  ck_assert_int_eq(bovw_dataset_scan(root, &o, NULL, &a, &stats, NULL), 0);
  o.threads = 2;
  o.verify = 1;
  ck_assert_int_eq(bovw_dataset_scan(root, &o, NULL, &b, &stats, NULL), 0);
  ck_assert_int_eq(a->count, b->count);
  for (size_t i = 0; i < a->count; i++) {
    ck_assert_str_eq(a->paths[i], b->paths[i]);
    ck_assert_int_eq(a->labels[i], b->labels[i]);
  }
  bovw_manifest_free(a);
  bovw_manifest_free(b);
}
END_TEST

START_TEST(test_scan_of_missing_or_empty_root_is_an_error) {
  bovw_manifest *m;
  bovw_scan_stats stats;
  bovw_error err;
  ck_assert_int_ne(bovw_dataset_scan("/nonexistent/root", NULL, NULL, &m, &stats, &err), 0);
  ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/root"));
  ck_assert_int_eq(bovw_dataset_scan(dir, NULL, NULL, &m, &stats, &err), BOVW_ERR_EMPTY);
}
END_TEST

/* A manifest with the given number of images per class. */
static bovw_manifest *synthetic(int k, const int *n) {
  bovw_manifest *m = bovw_manifest_new();
  char *names[26];
  char buf[26][16];
  for (int c = 0; c < k; c++) {
    snprintf(buf[c], sizeof buf[c], "c%d", c);
    names[c] = buf[c];
    for (int i = 0; i < n[c]; i++) {
      char p[32];
      snprintf(p, sizeof p, "c%d/%04d.jpg", c, i);
      bovw_manifest_add(m, p, c, NULL);
    }
  }
  bovw_manifest_set_classes(m, names, (size_t)k, NULL);
  return m;
}

static int count_class(const bovw_manifest *m, const size_t *rows, size_t n, int c) {
  int k = 0;
  for (size_t i = 0; i < n; i++) k += m->labels[rows[i]] == c;
  return k;
}

START_TEST(test_split_per_class_counts_are_exact_and_disjoint) {
  int n[3] = {40, 31, 100};
  bovw_manifest *m = synthetic(3, n);
  bovw_split_options o = BOVW_SPLIT_OPTIONS_DEFAULT;
  o.train_per_class = 15;
  o.test_per_class = 15;
  o.seed = 7;
  size_t *tr, *te, ntr, nte;
  ck_assert_int_eq(bovw_dataset_split(m, &o, NULL, &tr, &ntr, &te, &nte, NULL), 0);
  ck_assert_int_eq(ntr, 45);
  ck_assert_int_eq(nte, 45);
  for (int c = 0; c < 3; c++) {
    ck_assert_int_eq(count_class(m, tr, ntr, c), 15);
    ck_assert_int_eq(count_class(m, te, nte, c), 15);
  }
  for (size_t i = 0; i < ntr; i++)
    for (size_t j = 0; j < nte; j++) ck_assert_uint_ne(tr[i], te[j]);
  for (size_t i = 1; i < ntr; i++) ck_assert_uint_lt(tr[i - 1], tr[i]);
  free(tr);
  free(te);
  /* Without a test count, the rest of each class is test. */
  o.test_per_class = -1;
  ck_assert_int_eq(bovw_dataset_split(m, &o, NULL, &tr, &ntr, &te, &nte, NULL), 0);
  ck_assert_int_eq(nte, 25 + 16 + 85);
  free(tr);
  free(te);
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_split_is_seeded_deterministic_and_sorted_takes_the_first) {
  int n[2] = {50, 50};
  bovw_manifest *m = synthetic(2, n);
  bovw_split_options o = BOVW_SPLIT_OPTIONS_DEFAULT;
  o.train_per_class = 10;
  o.test_per_class = 10;
  size_t *a, *b, *ta, *tb, na, nb, nta, ntb;
  o.seed = 1;
  bovw_dataset_split(m, &o, NULL, &a, &na, &ta, &nta, NULL);
  bovw_dataset_split(m, &o, NULL, &b, &nb, &tb, &ntb, NULL);
  ck_assert_mem_eq(a, b, na * sizeof *a);
  ck_assert_mem_eq(ta, tb, nta * sizeof *ta);
  free(b);
  free(tb);
  o.seed = 2;
  bovw_dataset_split(m, &o, NULL, &b, &nb, &tb, &ntb, NULL);
  ck_assert_int_ne(memcmp(a, b, na * sizeof *a), 0);
  free(a); free(b); free(ta); free(tb);
  o.sorted = 1;
  bovw_dataset_split(m, &o, NULL, &a, &na, &ta, &nta, NULL);
  for (size_t i = 0; i < 10; i++) {
    ck_assert_uint_eq(a[i], i);
    ck_assert_uint_eq(ta[i], 10 + i);
    ck_assert_uint_eq(a[10 + i], 50 + i);
  }
  free(a);
  free(ta);
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_split_by_fraction_and_small_classes_warn) {
  int n[2] = {8, 3};
  bovw_manifest *m = synthetic(2, n);
  bovw_split_options o = BOVW_SPLIT_OPTIONS_DEFAULT;
  size_t *tr, *te, ntr, nte;
  ck_assert_int_eq(bovw_dataset_split(m, &o, NULL, &tr, &ntr, &te, &nte, NULL), 0);
  ck_assert_int_eq(count_class(m, te, nte, 0), 2);  /* round(0.25 * 8) */
  ck_assert_int_eq(count_class(m, te, nte, 1), 1);  /* round(0.75) */
  ck_assert_int_eq(ntr + nte, 11);
  free(tr);
  free(te);
  warnings w = {0};
  bovw_monitor mon = {NULL, on_warning, &w};
  o.train_per_class = 5;
  o.test_per_class = 5;
  ck_assert_int_eq(bovw_dataset_split(m, &o, &mon, &tr, &ntr, &te, &nte, NULL), 0);
  ck_assert_int_eq(count_class(m, tr, ntr, 1), 3);
  ck_assert_int_eq(count_class(m, te, nte, 1), 0);
  ck_assert_int_eq(count_class(m, te, nte, 0), 3);
  ck_assert_int_eq(w.count, 2);
  ck_assert_ptr_nonnull(strstr(w.text, "class c1 has 3 images"));
  free(tr);
  free(te);
  o.train_per_class = -1;
  o.test_fraction = 1.5;
  bovw_error err;
  ck_assert_int_eq(bovw_dataset_split(m, &o, NULL, &tr, &ntr, &te, &nte, &err), BOVW_ERR_INVALID);
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_dataset_artifact_manifests_resolve_against_the_root) {
  char root[4096];
  snprintf(root, sizeof root, "%s/data", dir);
  int n[2] = {4, 4};
  make_folder(root, 2, n);
  bovw_manifest *m;
  bovw_scan_stats stats;
  bovw_dataset_scan(root, NULL, NULL, &m, &stats, NULL);
  bovw_split_options o = BOVW_SPLIT_OPTIONS_DEFAULT;
  o.train_per_class = 3;
  size_t *tr, *te, ntr, nte;
  bovw_dataset_split(m, &o, NULL, &tr, &ntr, &te, &nte, NULL);
  char out[4096];
  snprintf(out, sizeof out, "%s/out/ds", dir);
  bovw_error err;
  ck_assert_msg(bovw_dataset_write(out, root, m, tr, ntr, te, nte, &o, NULL, &stats, &err) == 0,
                "%s", err.message);
  cJSON *meta;
  ck_assert_int_eq(bovw_meta_read(out, "dataset", &meta, &err), 0);
  ck_assert_int_eq((int)bovw_meta_number(cJSON_GetObjectItem(meta, "counts"), "train", -1), 6);
  cJSON_Delete(meta);
  ck_assert_int_eq(bovw_meta_read(out, "codebook", &meta, &err), BOVW_ERR_MISMATCH);
  bovw_manifest *train;
  ck_assert_int_eq(bovw_manifest_read(test_path(out, "train.tsv"), &train, &err), 0);
  ck_assert_int_eq(train->count, 6);
  ck_assert_int_eq(train->num_classes, 2);
  char *p = bovw_manifest_resolve(train, 0);
  bovw_image *img;
  ck_assert_msg(bovw_image_load(p, 1, &img, &err) == 0, "%s", err.message);
  bovw_image_free(img);
  free(p);
  bovw_manifest_free(train);
  char *classes = test_read_text(test_path(out, "classes.txt"));
  ck_assert_str_eq(classes, "classa\nclassb\n");
  free(classes);
  free(tr);
  free(te);
  bovw_manifest_free(m);
}
END_TEST

/* Writes an IDX file, gzip-compressed when gz is set. */
static void write_idx(const char *path, int gz, int ndim, const uint32_t *dims,
                      const uint8_t *data, size_t n) {
  unsigned char head[4 + 16] = {0, 0, 0x08, (unsigned char)ndim};
  for (int i = 0; i < ndim; i++) {
    head[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
    head[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
    head[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
    head[7 + 4 * i] = (unsigned char)dims[i];
  }
  gzFile f = gzopen(path, gz ? "wb" : "wbT");
  gzwrite(f, head, 4 + 4 * (unsigned)ndim);
  if (n) gzwrite(f, data, (unsigned)n);
  gzclose(f);
}

START_TEST(test_idx_import_writes_a_scannable_folder) {
  uint8_t pixels[5 * 3 * 2], labels[5] = {2, 0, 1, 2, 2};
  for (size_t i = 0; i < sizeof pixels; i++) pixels[i] = (uint8_t)(i * 8);
  uint32_t idims[3] = {5, 3, 2}, ldims[1] = {5};
  const char *ip = test_path(dir, "img.idx.gz"), *lp = test_path(dir, "lab.idx");
  write_idx(ip, 1, 3, idims, pixels, sizeof pixels);
  write_idx(lp, 0, 1, ldims, labels, sizeof labels);
  bovw_idx *im, *lb;
  bovw_error err;
  ck_assert_msg(bovw_idx_read(ip, &im, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_idx_read(lp, &lb, &err) == 0, "%s", err.message);
  ck_assert_int_eq(im->dims[1], 3);
  char *names[] = {"zero", "one", "two"};
  char root[4096];
  snprintf(root, sizeof root, "%s/root", dir);
  ck_assert_msg(bovw_idx_import(im, lb, names, 3, root, 2, NULL, &err) == 0, "%s", err.message);
  bovw_manifest *m;
  bovw_scan_stats stats;
  ck_assert_int_eq(bovw_dataset_scan(root, NULL, NULL, &m, &stats, &err), 0);
  ck_assert_int_eq(m->count, 5);
  ck_assert_str_eq(m->class_names[0], "0_zero");
  ck_assert_str_eq(m->paths[0], "0_zero/1.png");
  /* Labels survive the trip through folder names. */
  for (size_t i = 0; i < m->count; i++) {
    int index = atoi(strchr(m->paths[i], '/') + 1);
    ck_assert_int_eq(m->labels[i], labels[index]);
  }
  /* And the pixels: image 3 is a 2-wide, 3-tall gray image. */
  bovw_image *img;
  ck_assert_int_eq(bovw_image_load(test_path(root, "2_two/3.png"), 1, &img, &err), 0);
  ck_assert_int_eq(img->width, 2);
  ck_assert_int_eq(img->height, 3);
  for (int k = 0; k < 6; k++)
    ck_assert_float_eq_tol(img->pixels[k], pixels[3 * 6 + k] / 255.0f, 1e-6);
  bovw_image_free(img);
  bovw_manifest_free(m);
  bovw_idx_free(im);
  bovw_idx_free(lb);
}
END_TEST

START_TEST(test_idx_errors_are_clear) {
  uint8_t data[12] = {0};
  uint32_t dims[3] = {2, 2, 3}, ldims[1] = {3};
  char p[4096];
  snprintf(p, sizeof p, "%s/x.idx", dir);
  bovw_idx *a = NULL, *b = NULL;
  bovw_error err;
  test_write(p, "\x00\x00\x08\x03\x00", 5);
  ck_assert_int_eq(bovw_idx_read(p, &a, &err), BOVW_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.message, "truncated"));
  test_write(p, "PK\x03\x04zipfile", 11);
  ck_assert_int_eq(bovw_idx_read(p, &a, &err), BOVW_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.message, "bad magic"));
  test_write(p, "\x00\x00\x0d\x01\x00\x00\x00\x01xxxx", 12);
  ck_assert_int_eq(bovw_idx_read(p, &a, &err), BOVW_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.message, "0x0d"));
  write_idx(p, 1, 3, dims, data, 7);  /* 12 bytes promised */
  ck_assert_int_eq(bovw_idx_read(p, &a, &err), BOVW_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.message, "truncated"));
  ck_assert_ptr_nonnull(strstr(err.message, "x.idx"));
  test_write(p, "", 0);
  ck_assert_int_ne(bovw_idx_read(p, &a, &err), 0);
  /* Mismatched counts. */
  write_idx(p, 0, 3, dims, data, 12);
  ck_assert_int_eq(bovw_idx_read(p, &a, &err), 0);
  char lp[4096];
  snprintf(lp, sizeof lp, "%s/l.idx", dir);
  write_idx(lp, 0, 1, ldims, data, 3);
  ck_assert_int_eq(bovw_idx_read(lp, &b, &err), 0);
  ck_assert_int_eq(bovw_idx_import(a, b, NULL, 0, test_path(dir, "r"), 1, NULL, &err),
                   BOVW_ERR_MISMATCH);
  ck_assert_ptr_nonnull(strstr(err.message, "2 images but 3 labels"));
  bovw_idx_free(a);
  bovw_idx_free(b);
}
END_TEST

int main(void) {
  Suite *s = suite_create("dataset");
  TCase *tc = tcase_create("dataset");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_manifest_round_trip_keeps_paths_labels_and_classes);
  tcase_add_test(tc, test_bad_manifests_name_file_and_line);
  tcase_add_test(tc, test_scan_lists_classes_and_images_in_sorted_order);
  tcase_add_test(tc, test_scan_skips_bad_and_stray_files_with_warnings);
  tcase_add_test(tc, test_scan_result_does_not_depend_on_threads);
  tcase_add_test(tc, test_scan_of_missing_or_empty_root_is_an_error);
  tcase_add_test(tc, test_split_per_class_counts_are_exact_and_disjoint);
  tcase_add_test(tc, test_split_is_seeded_deterministic_and_sorted_takes_the_first);
  tcase_add_test(tc, test_split_by_fraction_and_small_classes_warn);
  tcase_add_test(tc, test_dataset_artifact_manifests_resolve_against_the_root);
  tcase_add_test(tc, test_idx_import_writes_a_scannable_folder);
  tcase_add_test(tc, test_idx_errors_are_clear);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
