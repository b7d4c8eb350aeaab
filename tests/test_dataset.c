/* test_dataset.c: manifests, folder scans, seeded splits, IDX import and
 * augmentation. */
#include <check.h>
#include <math.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "bovw/artifact.h"
#include "bovw/dataset.h"
#include "bovw/fs.h"
#include "bovw/image.h"
#include "bovw/rng.h"
#include "bovw/rng.h"
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

/* A file that cannot be written stops the parallel import with that file's
 * error (the first failure, whichever thread met it), and leaves no
 * meta.json: the folder is not taken for a finished import. */
START_TEST(test_idx_import_stops_at_a_file_it_cannot_write) {
  uint8_t pixels[40 * 2 * 2] = {0}, labels[40] = {0};
  uint32_t idims[3] = {40, 2, 2}, ldims[1] = {40};
  const char *ip = test_path(dir, "w-img.idx"), *lp = test_path(dir, "w-lab.idx");
  write_idx(ip, 0, 3, idims, pixels, sizeof pixels);
  write_idx(lp, 0, 1, ldims, labels, sizeof labels);
  bovw_idx *im, *lb;
  bovw_error err;
  ck_assert_msg(bovw_idx_read(ip, &im, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_idx_read(lp, &lb, &err) == 0, "%s", err.message);
  char root[4096];
  snprintf(root, sizeof root, "%s/blocked", dir);
  /* Image 17's file is taken by a folder of that name. */
  ck_assert_int_eq(bovw_mkdir_p(test_path(root, "0/17.png/inside"), &err), 0);
  for (int threads = 1; threads <= 2; threads++) {
    err.message[0] = '\0';
    ck_assert_int_ne(bovw_idx_import(im, lb, NULL, 0, root, threads, NULL, &err), 0);
    ck_assert_msg(strstr(err.message, "17.png"), "%s", err.message);
    ck_assert_int_ne(access(test_path(root, "meta.json"), F_OK), 0);
  }
  bovw_idx_free(im);
  bovw_idx_free(lb);
}
END_TEST

/* Dimensions are claims: a product that wraps around 2^64 is refused, and a
 * few bytes promising 64 GB are refused as truncated, plain or gzip, without
 * the 64 GB being allocated first (under ASan such an allocation aborts). */
START_TEST(test_idx_dimensions_cannot_outgrow_the_file) {
  uint8_t data[3] = {1, 2, 3};
  uint32_t wrap[3] = {1u << 31, 32, 1u << 28}, huge[3] = {1u << 12, 1u << 12, 1u << 12};
  char p[4096];
  snprintf(p, sizeof p, "%s/big.idx", dir);
  bovw_idx *a = NULL;
  bovw_error err;
  write_idx(p, 0, 3, wrap, data, sizeof data);
  ck_assert_int_eq(bovw_idx_read(p, &a, &err), BOVW_ERR_FORMAT);
  ck_assert_msg(strstr(err.message, "implausibly large"), "%s", err.message);
  for (int gz = 0; gz < 2; gz++) {
    write_idx(p, gz, 3, huge, data, sizeof data);
    ck_assert_int_eq(bovw_idx_read(p, &a, &err), BOVW_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, "the data needs 68719476736 bytes, the file has 3"), "%s",
                  err.message);
  }
  ck_assert_ptr_null(a);
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

/* ---- augmentation ---------------------------------------------------------- */

/* A gray image of w x h from 8-bit samples. */
static bovw_image *gray_image(int w, int h, const uint8_t *samples) {
  bovw_image *img = bovw_image_new(w, h, 1);
  for (int i = 0; i < w * h; i++) img->pixels[i] = samples[i] / 255.0f;
  return img;
}

START_TEST(test_augment_shift_moves_a_pattern_by_whole_pixels) {
  enum { W = 9, H = 7 };
  uint8_t src[W * H] = {0}, out[W * H];
  src[3 * W + 4] = 200;  /* an L of three pixels around (4, 3) */
  src[3 * W + 5] = 120;
  src[4 * W + 4] = 60;
  bovw_image *img = gray_image(W, H, src);
  bovw_augment_transform t = {2, -1, 0.0, 0};
  bovw_augment_apply(img, &t, out);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      int sx = x - 2, sy = y + 1;
      int want = sx >= 0 && sx < W && sy >= 0 && sy < H ? src[sy * W + sx] : 0;
      ck_assert_msg(out[y * W + x] == want, "(%d, %d): %d, expected %d", x, y, out[y * W + x],
                    want);
    }
  ck_assert_int_eq(out[2 * W + 6], 200);  /* (4, 3) went to (6, 2) */
  /* Mirrored, the pattern lands at x' = W - 1 - x before the shift. */
  t = (bovw_augment_transform){0, 0, 0.0, 1};
  bovw_augment_apply(img, &t, out);
  ck_assert_int_eq(out[3 * W + (W - 1 - 4)], 200);
  ck_assert_int_eq(out[3 * W + (W - 1 - 5)], 120);
  ck_assert_int_eq(out[4 * W + (W - 1 - 4)], 60);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_augment_rotation_turns_clockwise_about_the_centre) {
  enum { N = 5 };
  uint8_t src[N * N] = {0}, out[N * N];
  src[2 * N + 4] = 255;  /* right of the centre (2, 2) */
  bovw_image *img = gray_image(N, N, src);
  bovw_augment_transform t = {0, 0, 90.0, 0};
  bovw_augment_apply(img, &t, out);
  for (int i = 0; i < N * N; i++)
    ck_assert_msg(out[i] == (i == 4 * N + 2 ? 255 : 0), "pixel %d is %d", i, out[i]);
  /* At 95 degrees it lands between pixels, at (1.83, 3.99), and is shared
   * out bilinearly: output (2, 4) reads the source at (3.99, 1.83), 0.99 x
   * 0.83 of the bright pixel; (1, 4) reads (4.08, 2.82), 0.92 x 0.18. */
  t.angle = 95.0;
  bovw_augment_apply(img, &t, out);
  ck_assert_int_eq(out[4 * N + 2], 209);
  ck_assert_int_eq(out[4 * N + 1], 42);
  ck_assert_int_eq(out[2 * N + 4], 0);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_augment_identity_copies_the_bytes) {
  enum { W = 13, H = 11 };
  uint8_t src[3 * W * H], out[3 * W * H];
  bovw_rng rng;
  bovw_rng_seed(&rng, 7);
  for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)bovw_rng_below(&rng, 256);
  /* Colour: planes in the image, interleaved samples out. */
  bovw_image *img = bovw_image_new(W, H, 3);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < W * H; i++) img->pixels[c * W * H + i] = src[3 * i + c] / 255.0f;
  bovw_augment_transform t = {0, 0, 0.0, 0};
  bovw_augment_apply(img, &t, out);
  ck_assert_int_eq(memcmp(src, out, sizeof src), 0);
  /* Options at zero draw the identity, whatever the seed and index. */
  bovw_augment_options o = BOVW_AUGMENT_OPTIONS_DEFAULT;
  o.shift = 0;
  o.rotate = 0;
  o.seed = 99;
  for (uint64_t j = 0; j < 50; j++) {
    bovw_augment_draw(&o, j, &t);
    ck_assert(t.dx == 0 && t.dy == 0 && t.angle == 0 && t.flip == 0);
  }
  bovw_image_free(img);
}
END_TEST

START_TEST(test_augment_draw_depends_on_seed_and_index_alone) {
  bovw_augment_options o = BOVW_AUGMENT_OPTIONS_DEFAULT, other;
  o.seed = 5;
  o.flip = 1;
  other = o;
  other.seed = 6;
  int seen_dx[5] = {0}, flips = 0, differ = 0;
  double max_angle = 0;
  for (uint64_t j = 0; j < 2000; j++) {
    bovw_augment_transform a, b, c;
    bovw_augment_draw(&o, j, &a);
    bovw_augment_draw(&o, j, &b);  /* again: the same */
    ck_assert(a.dx == b.dx && a.dy == b.dy && a.angle == b.angle && a.flip == b.flip);
    ck_assert(a.dx >= -2 && a.dx <= 2 && a.dy >= -2 && a.dy <= 2);
    ck_assert(a.angle >= -10 && a.angle <= 10);
    seen_dx[a.dx + 2] = 1;
    flips += a.flip;
    if (fabs(a.angle) > max_angle) max_angle = fabs(a.angle);
    bovw_augment_draw(&other, j, &c);
    differ += c.angle != a.angle;
  }
  for (int k = 0; k < 5; k++) ck_assert(seen_dx[k]);
  ck_assert(flips > 850 && flips < 1150);
  ck_assert(max_angle > 9.9);
  ck_assert_int_eq(differ, 2000);
  /* Without --flip, the same draws but no mirror. */
  o.flip = 0;
  for (uint64_t j = 0; j < 100; j++) {
    bovw_augment_transform a;
    bovw_augment_draw(&o, j, &a);
    ck_assert_int_eq(a.flip, 0);
  }
}
END_TEST

/* root/<class>/<i>.png: per[c] 10 x 8 gray images of a bar at a place of
 * their own, listed in root/src.tsv with classes.txt beside it. */
static void make_png_manifest(const char *root, int k, const int *per) {
  mkdir(root, 0755);
  bovw_manifest *m = bovw_manifest_new();
  char *names[3] = {"a", "b", "c"};
  ck_assert_int_eq(bovw_manifest_set_classes(m, names, (size_t)k, NULL), 0);
  for (int c = 0; c < k; c++) {
    mkdir(test_path(root, names[c]), 0755);
    for (int i = 0; i < per[c]; i++) {
      uint8_t px[80] = {0};
      for (int x = 2; x < 8; x++) px[(2 + (i + c) % 4) * 10 + x] = (uint8_t)(100 + 20 * i);
      char rel[64];
      snprintf(rel, sizeof rel, "%s/%d.png", names[c], i);
      ck_assert_int_eq(bovw_png_write(test_path(root, rel), px, 10, 8, 1, NULL), 0);
      ck_assert_int_eq(bovw_manifest_add(m, rel, c, NULL), 0);
    }
  }
  ck_assert_int_eq(bovw_manifest_write(test_path(root, "src.tsv"), m, NULL, 0, NULL), 0);
  ck_assert_int_eq(bovw_classes_write(test_path(root, "classes.txt"), m, NULL), 0);
  bovw_manifest_free(m);
}

/* 1 when the files at a and b have the same bytes. */
static int same_file(const char *a, const char *b) {
  unsigned char *x = NULL, *y = NULL;
  size_t nx = 0, ny = 0;
  int same = !bovw_read_file(a, 1, &x, &nx, NULL) && !bovw_read_file(b, 1, &y, &ny, NULL) &&
             nx == ny && !memcmp(x, y, nx);
  free(x);
  free(y);
  return same;
}

/* How many rows of dir_a/train.tsv name an image whose bytes differ from
 * those of the same row of dir_b/train.tsv (which has as many rows). */
static int count_differing(const char *dir_a, const char *dir_b) {
  bovw_manifest *ma, *mb;
  bovw_error err;
  ck_assert_msg(bovw_manifest_read(test_path(dir_a, "train.tsv"), &ma, &err) == 0, "%s",
                err.message);
  ck_assert_msg(bovw_manifest_read(test_path(dir_b, "train.tsv"), &mb, &err) == 0, "%s",
                err.message);
  ck_assert_int_eq(ma->count, mb->count);
  int differ = 0;
  for (size_t i = 0; i < ma->count; i++) {
    char *a = bovw_manifest_resolve(ma, i), *b = bovw_manifest_resolve(mb, i);
    differ += !same_file(a, b);
    free(a);
    free(b);
  }
  bovw_manifest_free(ma);
  bovw_manifest_free(mb);
  return differ;
}

START_TEST(test_augment_writes_sources_then_copies_with_the_same_classes) {
  char root[4096], out[4096];
  snprintf(root, sizeof root, "%s/src", dir);
  snprintf(out, sizeof out, "%s/aug", dir);
  int per[3] = {4, 3, 5};
  make_png_manifest(root, 3, per);
  bovw_augment_options o = BOVW_AUGMENT_OPTIONS_DEFAULT;
  o.count = 29;  /* 12 sources, then two rounds of copies, the last of 5 */
  o.seed = 3;
  bovw_augment_stats st;
  bovw_error err;
  ck_assert_msg(bovw_dataset_augment(test_path(root, "src.tsv"), out, &o, NULL, &st, &err) == 0,
                "%s", err.message);
  ck_assert_int_eq(st.sources, 12);
  ck_assert_int_eq(st.images, 29);
  ck_assert_int_eq(st.originals, 12);
  bovw_manifest *src, *aug;
  ck_assert_int_eq(bovw_manifest_read(test_path(root, "src.tsv"), &src, &err), 0);
  ck_assert_msg(bovw_manifest_read(test_path(out, "train.tsv"), &aug, &err) == 0, "%s",
                err.message);
  ck_assert_int_eq(aug->count, 29);
  ck_assert_int_eq(aug->num_classes, 3);
  for (size_t c = 0; c < 3; c++) ck_assert_str_eq(aug->class_names[c], src->class_names[c]);
  size_t per_class[3] = {0};
  for (size_t i = 0; i < aug->count; i++) {
    per_class[aug->labels[i]]++;
    char want[64];  /* images/<class>/<index>.png, the index padded to 2 digits */
    snprintf(want, sizeof want, "images/%s/%02zu.png", aug->class_names[aug->labels[i]], i);
    ck_assert_str_eq(aug->paths[i], want);
    /* The sources come first, unchanged. */
    if (i < src->count) {
      ck_assert_int_eq(aug->labels[i], src->labels[i]);
      char *a = bovw_manifest_resolve(src, i), *b = bovw_manifest_resolve(aug, i);
      ck_assert_msg(same_file(a, b), "output %zu is not source %zu", i, i);
      free(a);
      free(b);
    }
  }
  /* Two full rounds: twice every class, plus 5 of a shuffled third. */
  ck_assert_int_eq(per_class[0] + per_class[1] + per_class[2], 29);
  for (int c = 0; c < 3; c++) ck_assert_int_ge(per_class[c], 2 * (size_t)per[c]);
  cJSON *meta;
  ck_assert_int_eq(bovw_meta_read(out, "augmented", &meta, &err), 0);
  ck_assert_str_eq(bovw_meta_string(cJSON_GetObjectItem(meta, "source"), "sha256", ""),
                   src->sha256);
  ck_assert_int_eq(bovw_meta_number(cJSON_GetObjectItem(meta, "options"), "count", 0), 29);
  ck_assert_ptr_nonnull(cJSON_GetObjectItem(meta, "provenance"));
  cJSON_Delete(meta);
  bovw_manifest_free(src);
  bovw_manifest_free(aug);
}
END_TEST

START_TEST(test_augment_same_seed_same_bytes_any_thread_count) {
  char root[4096], a[4096], b[4096], c[4096];
  snprintf(root, sizeof root, "%s/src", dir);
  snprintf(a, sizeof a, "%s/a", dir);
  snprintf(b, sizeof b, "%s/b", dir);
  snprintf(c, sizeof c, "%s/c", dir);
  int per[2] = {7, 6};
  make_png_manifest(root, 2, per);
  bovw_augment_options o = BOVW_AUGMENT_OPTIONS_DEFAULT;
  o.count = 100;
  o.seed = 11;
  o.flip = 1;
  bovw_error err;
  o.threads = 1;
  ck_assert_msg(bovw_dataset_augment(test_path(root, "src.tsv"), a, &o, NULL, NULL, &err) == 0,
                "%s", err.message);
  o.threads = 3;
  ck_assert_int_eq(bovw_dataset_augment(test_path(root, "src.tsv"), b, &o, NULL, NULL, &err), 0);
  char ta[8192], tb[8192];
  snprintf(ta, sizeof ta, "%s/train.tsv", a);
  snprintf(tb, sizeof tb, "%s/train.tsv", b);
  ck_assert(same_file(ta, tb));
  ck_assert_int_eq(count_differing(a, b), 0);
  /* Another seed: other copies (of other sources, in other places); the
   * sources alike. */
  o.seed = 12;
  ck_assert_int_eq(bovw_dataset_augment(test_path(root, "src.tsv"), c, &o, NULL, NULL, &err), 0);
  int differ = count_differing(a, c);
  ck_assert_msg(differ > 60 && differ <= 100 - 13, "%d of 87 copies differ", differ);
}
END_TEST

START_TEST(test_augment_skips_an_unreadable_source_and_refuses_bad_requests) {
  char root[4096], out[4096];
  snprintf(root, sizeof root, "%s/src", dir);
  snprintf(out, sizeof out, "%s/aug", dir);
  int per[2] = {3, 3};
  make_png_manifest(root, 2, per);
  test_write_text(test_path(root, "b/1.png"), "not a png");
  warnings w = {0};
  bovw_monitor mon = {NULL, on_warning, &w};
  bovw_augment_options o = BOVW_AUGMENT_OPTIONS_DEFAULT;
  o.count = 20;  /* 6 sources, 14 copies: source b/1 is in 3 of the outputs */
  bovw_augment_stats st;
  bovw_error err;
  ck_assert_msg(bovw_dataset_augment(test_path(root, "src.tsv"), out, &o, &mon, &st, &err) == 0,
                "%s", err.message);
  ck_assert_int_eq(w.count, 1);
  ck_assert_msg(strstr(w.text, "b/1.png") != NULL, "%s", w.text);
  ck_assert_int_eq(st.skipped_sources, 1);
  ck_assert_int_ge(st.skipped_images, 3);
  ck_assert_int_eq(st.images + st.skipped_images, 20);
  bovw_manifest *aug;
  ck_assert_int_eq(bovw_manifest_read(test_path(out, "train.tsv"), &aug, &err), 0);
  ck_assert_int_eq(aug->count, st.images);
  int in_b = 0;
  for (size_t i = 0; i < aug->count; i++) {
    in_b += aug->labels[i] == 1;
    char *path = bovw_manifest_resolve(aug, i);
    ck_assert_msg(access(path, F_OK) == 0, "%s is missing", path);
    free(path);
  }
  ck_assert_int_eq(test_count_entries(test_path(out, "images/b"), "") - 2, in_b);  /* . and .. */
  bovw_manifest_free(aug);

  /* A smaller count into the same folder removes the earlier run's files
   * (the names are one digit now, not two): the folder holds this run's 5. */
  size_t before = st.images;
  o.count = 6;
  ck_assert_int_eq(bovw_dataset_augment(test_path(root, "src.tsv"), out, &o, NULL, &st, &err), 0);
  ck_assert_int_eq(st.images, 5);
  ck_assert_int_eq(st.removed, before);
  ck_assert_int_eq(test_count_entries(test_path(out, "images/a"), "") - 2 +
                       test_count_entries(test_path(out, "images/b"), "") - 2, 5);

  /* Fewer images than the sources, a count of 0, a missing manifest. */
  o.count = 5;
  ck_assert_int_eq(bovw_dataset_augment(test_path(root, "src.tsv"), out, &o, NULL, NULL, &err),
                   BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "src.tsv"));
  o.count = 0;
  ck_assert_int_eq(bovw_dataset_augment(test_path(root, "src.tsv"), out, &o, NULL, NULL, &err),
                   BOVW_ERR_INVALID);
  o.count = 10;
  ck_assert_int_ne(bovw_dataset_augment(test_path(root, "none.tsv"), out, &o, NULL, NULL, &err), 0);
  ck_assert_ptr_nonnull(strstr(err.message, "none.tsv"));
  /* Nor into the source's own folder, whose files it would replace. */
  ck_assert_int_eq(bovw_dataset_augment(test_path(root, "src.tsv"), root, &o, NULL, NULL, &err),
                   BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "folder of its own"));
  ck_assert(access(test_path(root, "a/0.png"), F_OK) == 0);
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
  tcase_add_test(tc, test_idx_import_stops_at_a_file_it_cannot_write);
  tcase_add_test(tc, test_idx_dimensions_cannot_outgrow_the_file);
  tcase_add_test(tc, test_augment_shift_moves_a_pattern_by_whole_pixels);
  tcase_add_test(tc, test_augment_rotation_turns_clockwise_about_the_centre);
  tcase_add_test(tc, test_augment_identity_copies_the_bytes);
  tcase_add_test(tc, test_augment_draw_depends_on_seed_and_index_alone);
  tcase_add_test(tc, test_augment_writes_sources_then_copies_with_the_same_classes);
  tcase_add_test(tc, test_augment_same_seed_same_bytes_any_thread_count);
  tcase_add_test(tc, test_augment_skips_an_unreadable_source_and_refuses_bad_requests);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
