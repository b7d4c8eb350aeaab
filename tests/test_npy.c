/* test_npy.c: .npy round trips for every dtype, the streaming writer, and
 * headers that lie. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bovw/npy.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

START_TEST(test_round_trip_every_dtype) {
  const bovw_dtype dtypes[] = {BOVW_DTYPE_UINT8, BOVW_DTYPE_INT32,
                               BOVW_DTYPE_INT64, BOVW_DTYPE_FLOAT32};
  for (int t = 0; t < 4; t++) {
    unsigned char data[3 * 5 * 8];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7 + t);
    int64_t shape[2] = {3, 5};
    const char *path = test_path(dir, "a.npy");
    bovw_error err = {0};
    ck_assert_int_eq(bovw_npy_write(path, dtypes[t], 2, shape, data, &err), 0);
    bovw_npy *a;
    ck_assert_msg(bovw_npy_map(path, &a, &err) == 0, "%s", err.message);
    ck_assert_int_eq(a->dtype, dtypes[t]);
    ck_assert_int_eq(a->ndim, 2);
    ck_assert_int_eq(a->shape[0], 3);
    ck_assert_int_eq(a->shape[1], 5);
    ck_assert_int_eq(a->count, 15);
    ck_assert_mem_eq(a->data, data, 15 * bovw_dtype_size(dtypes[t]));
    ck_assert_int_eq(bovw_npy_expect(a, "a", dtypes[t], 2, &err), 0);
    ck_assert_int_ne(bovw_npy_expect(a, "a", dtypes[t], 1, &err), 0);
    bovw_npy_free(a);
  }
}
END_TEST

START_TEST(test_data_starts_on_a_64_byte_boundary) {
  float v[4] = {1, 2, 3, 4};
  int64_t shape[1] = {4};
  const char *path = test_path(dir, "v.npy");
  ck_assert_int_eq(bovw_npy_write(path, BOVW_DTYPE_FLOAT32, 1, shape, v, NULL), 0);
  char *text = test_read_text(path);
  const char *dict = text + 10;  /* after magic, version and length */
  ck_assert_ptr_nonnull(strstr(dict, "'shape': (4,)"));
  ck_assert_ptr_nonnull(strstr(dict, "'descr': '<f4'"));
  const char *nl = strchr(dict, '\n');
  ck_assert_int_eq((nl - text + 1) % 64, 0);
  ck_assert_float_eq(*(const float *)(nl + 1), 1.0f);
  free(text);
}
END_TEST

START_TEST(test_scalar_and_empty_arrays) {
  int64_t scalar = 42, shape0[2] = {0, 128};
  bovw_error err;
  ck_assert_int_eq(bovw_npy_write(test_path(dir, "s.npy"), BOVW_DTYPE_INT64, 0,
                                  NULL, &scalar, &err), 0);
  ck_assert_int_eq(bovw_npy_write(test_path(dir, "e.npy"), BOVW_DTYPE_UINT8, 2,
                                  shape0, NULL, &err), 0);
  bovw_npy *a, *b;
  ck_assert_int_eq(bovw_npy_map(test_path(dir, "s.npy"), &a, &err), 0);
  ck_assert_int_eq(a->ndim, 0);
  ck_assert_int_eq(a->count, 1);
  ck_assert_int_eq(*(const int64_t *)a->data, 42);
  ck_assert_int_eq(bovw_npy_map(test_path(dir, "e.npy"), &b, &err), 0);
  ck_assert_int_eq(b->count, 0);
  ck_assert_int_eq(b->shape[1], 128);
  bovw_npy_free(a);
  bovw_npy_free(b);
}
END_TEST

START_TEST(test_streaming_writer_fixes_the_row_count_last) {
  const char *path = test_path(dir, "d.npy");
  int64_t row[1] = {3};
  bovw_npy_writer *w;
  bovw_error err;
  ck_assert_int_eq(bovw_npy_writer_new(path, BOVW_DTYPE_INT32, 2, row, &w, &err), 0);
  int32_t rows[12];
  for (int i = 0; i < 12; i++) rows[i] = i;
  ck_assert_int_eq(bovw_npy_writer_append(w, rows, 1, &err), 0);
  ck_assert_int_eq(bovw_npy_writer_append(w, rows + 3, 3, &err), 0);
  /* Nothing under the final name until finish. */
  ck_assert_int_eq(test_count_entries(dir, "d.npy"), 0);
  ck_assert_int_eq(bovw_npy_writer_rows(w), 4);
  ck_assert_int_eq(bovw_npy_writer_finish(w, &err), 0);
  bovw_npy_writer_free(w);
  bovw_npy *a;
  ck_assert_int_eq(bovw_npy_map(path, &a, &err), 0);
  ck_assert_int_eq(a->shape[0], 4);
  ck_assert_int_eq(a->shape[1], 3);
  ck_assert_mem_eq(a->data, rows, sizeof rows);
  bovw_npy_free(a);
  ck_assert_int_eq(test_count_entries(dir, ".d.npy"), 0);
}
END_TEST

START_TEST(test_unfinished_writer_leaves_nothing) {
  int64_t row[1] = {2};
  bovw_npy_writer *w;
  ck_assert_int_eq(bovw_npy_writer_new(test_path(dir, "x.npy"), BOVW_DTYPE_FLOAT32,
                                       2, row, &w, NULL), 0);
  float r[2] = {1, 2};
  ck_assert_int_eq(bovw_npy_writer_append(w, r, 1, NULL), 0);
  bovw_npy_writer_free(w);
  ck_assert_int_eq(test_count_entries(dir, ""), 2);  /* "." and ".." */
}
END_TEST

/* Builds a v1.0 file with the given dict and `data_bytes` bytes of data. */
static const char *lying_file(const char *dict, size_t data_bytes) {
  static unsigned char buf[4096];
  size_t dn = strlen(dict), total = 10 + dn + 1;
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)((total - 10) & 0xff);
  buf[9] = (unsigned char)((total - 10) >> 8);
  memcpy(buf + 10, dict, dn);
  buf[10 + dn] = '\n';
  memset(buf + total, 0xab, data_bytes);
  const char *path = test_path(dir, "lie.npy");
  test_write(path, buf, total + data_bytes);
  return path;
}

static void expect_refused(const char *path, const char *words) {
  bovw_npy *a = NULL;
  bovw_error err = {0};
  int rc = bovw_npy_map(path, &a, &err);
  ck_assert_msg(rc != 0, "accepted %s", path);
  ck_assert_ptr_null(a);
  ck_assert_msg(strstr(err.message, words), "message '%s' lacks '%s'",
                err.message, words);
  ck_assert_ptr_nonnull(strstr(err.message, "lie.npy"));
}

START_TEST(test_headers_that_lie_are_refused) {
  test_write(test_path(dir, "lie.npy"), "\x93NUMPX\x01\x00\x10\x00", 10);
  expect_refused(test_path(dir, "lie.npy"), "not a .npy");
  expect_refused(lying_file("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 100), }", 64),
                 "bytes of data");
  expect_refused(lying_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 2), }", 64),
                 "negative");
  expect_refused(lying_file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 2), }", 8),
                 "overflows");
  expect_refused(lying_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", 8),
                 "overflows");
  expect_refused(lying_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8),
                 "not supported");
  expect_refused(lying_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8),
                 "Fortran");
  expect_refused(lying_file("{'descr': '<f4', 'shape': (2,), }", 8), "lacks");
  expect_refused(lying_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, }", 8),
                 "npy header");
  expect_refused(lying_file("[1, 2]", 8), "not a dict");
  /* Data the stages would read through a misaligned float pointer (a header
   * of 10 + 58 + 1 bytes; NumPy pads to 64). */
  expect_refused(lying_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,),  }", 8),
                 "not aligned for float32");
  /* Header length beyond the end of the file. */
  test_write(test_path(dir, "lie.npy"), "\x93NUMPY\x01\x00\xff\x7f{}", 12);
  expect_refused(test_path(dir, "lie.npy"), "longer than the file");
  test_write(test_path(dir, "lie.npy"), "", 0);
  expect_refused(test_path(dir, "lie.npy"), "empty");
}
END_TEST

START_TEST(test_every_truncation_of_a_valid_file_is_refused_or_exact) {
  float v[8] = {0};
  int64_t shape[1] = {8};
  const char *path = test_path(dir, "t.npy");
  ck_assert_int_eq(bovw_npy_write(path, BOVW_DTYPE_FLOAT32, 1, shape, v, NULL), 0);
  char *full = test_read_text(path);
  struct stat st;
  stat(path, &st);
  size_t total = (size_t)st.st_size;
  for (size_t n = 0; n < total; n++) {
    bovw_npy a;
    bovw_error err;
    ck_assert_msg(bovw_npy_parse(full, n, "t.npy", &a, &err) != 0,
                  "accepted a file cut at %zu bytes", n);
  }
  bovw_npy a;
  ck_assert_int_eq(bovw_npy_parse(full, total, "t.npy", &a, NULL), 0);
  free(full);
}
END_TEST

START_TEST(test_missing_file_names_the_path) {
  bovw_npy *a;
  bovw_error err;
  ck_assert_int_eq(bovw_npy_map("/nonexistent/q.npy", &a, &err), BOVW_ERR_IO);
  ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/q.npy"));
}
END_TEST

START_TEST(test_release_drops_whole_pages_and_the_data_reads_back) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 10 * page + 100;
  unsigned char *data = malloc(n);
  ck_assert_ptr_nonnull(data);
  for (size_t i = 0; i < n; i++) data[i] = (unsigned char)(i * 13 + i / 251);
  int64_t shape[1] = {(int64_t)n};
  const char *path = test_path(dir, "big.npy");
  ck_assert_int_eq(bovw_npy_write(path, BOVW_DTYPE_UINT8, 1, shape, data, NULL), 0);
  bovw_npy *a;
  ck_assert_int_eq(bovw_npy_map(path, &a, NULL), 0);
  ck_assert_mem_eq(a->data, data, n);  /* every page mapped in */
  const size_t header = (size_t)((const char *)a->data - (const char *)a->map_);
  ck_assert_uint_lt(header, page);
  /* From the start: the header's page goes too; the end rounds down to the
   * page that holds byte `to`, where the next release starts. */
  ck_assert_uint_eq(bovw_npy_release(a, 0, 3 * page + 5), 3 * page - header);
  ck_assert_uint_eq(bovw_npy_release(a, 3 * page - header, 5 * page), 5 * page - header);
  /* Less than a page further: nothing dropped, the same start again. */
  ck_assert_uint_eq(bovw_npy_release(a, 5 * page - header, 5 * page + 1), 5 * page - header);
  /* To the end: the last, partial page too. */
  ck_assert_uint_eq(bovw_npy_release(a, 5 * page - header, n), n);
  ck_assert_mem_eq(a->data, data, n);  /* read back from the file */
  /* An array parsed from memory has no mapping: nothing to drop. */
  bovw_npy parsed;
  char *bytes = test_read_text(path);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(bovw_npy_parse(bytes, (size_t)st.st_size, "big", &parsed, NULL), 0);
  ck_assert_uint_eq(bovw_npy_release(&parsed, 7, n), 7);
  ck_assert_mem_eq(parsed.data, data, n);
  free(bytes);
  bovw_npy_free(a);
  free(data);
}
END_TEST

int main(void) {
  Suite *s = suite_create("npy");
  TCase *tc = tcase_create("npy");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_round_trip_every_dtype);
  tcase_add_test(tc, test_data_starts_on_a_64_byte_boundary);
  tcase_add_test(tc, test_scalar_and_empty_arrays);
  tcase_add_test(tc, test_streaming_writer_fixes_the_row_count_last);
  tcase_add_test(tc, test_unfinished_writer_leaves_nothing);
  tcase_add_test(tc, test_headers_that_lie_are_refused);
  tcase_add_test(tc, test_every_truncation_of_a_valid_file_is_refused_or_exact);
  tcase_add_test(tc, test_missing_file_names_the_path);
  tcase_add_test(tc, test_release_drops_whole_pages_and_the_data_reads_back);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
