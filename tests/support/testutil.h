/* testutil.h: scratch folders and small file helpers for the test suites. */
#ifndef BOVW_TESTUTIL_H
#define BOVW_TESTUTIL_H

#include <stddef.h>

/* A new empty folder under $TMPDIR (or /tmp); the returned string is owned
 * by the caller. Aborts the test process if it cannot be made. */
char *test_tmpdir(void);
/* Removes a folder and everything in it (like rm -rf), then frees path. */
void test_rmtree(char *path);
/* "dir/name" in a static rotating buffer (valid for the next few calls). */
const char *test_path(const char *dir, const char *name);
/* Writes n bytes to path (not atomically: tests use it to make bad files). */
void test_write(const char *path, const void *bytes, size_t n);
/* Writes a NUL-terminated string to path. */
void test_write_text(const char *path, const char *text);
/* Reads a whole file into a new NUL-terminated buffer; NULL when missing. */
char *test_read_text(const char *path);
/* Number of entries in a folder whose names start with prefix. */
int test_count_entries(const char *dir, const char *prefix);

/* Runs a Check suite (CK_NORMAL output), frees the runner, and returns the
 * process's exit status: EXIT_FAILURE when any test failed (suite_run.c). */
struct Suite;
int test_run_suite(struct Suite *s);

#endif
