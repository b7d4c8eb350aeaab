/* testutil.c: scratch folders and file helpers for the test suites. */
#define _GNU_SOURCE
#include "testutil.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *test_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char *path;
  if (asprintf(&path, "%s/bovw-test-XXXXXX", base && *base ? base : "/tmp") < 0)
    abort();
  if (!mkdtemp(path)) abort();
  return path;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw) {
  (void)st; (void)flag; (void)ftw;
  return remove(path);
}

void test_rmtree(char *path) {
  if (!path) return;
  nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  free(path);
}

const char *test_path(const char *dir, const char *name) {
  static char buf[8][4096];
  static int next;
  char *b = buf[next++ % 8];
  snprintf(b, sizeof buf[0], "%s/%s", dir, name);
  return b;
}

void test_write(const char *path, const void *bytes, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (n && fwrite(bytes, 1, n, f) != n) abort();
  fclose(f);
}

void test_write_text(const char *path, const char *text) {
  test_write(path, text, strlen(text));
}

char *test_read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) abort();
  s[n] = '\0';
  fclose(f);
  return s;
}

int test_count_entries(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, prefix, strlen(prefix))) n++;
  closedir(d);
  return n;
}
