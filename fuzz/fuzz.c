/* fuzz.c: the scratch folder and the input cut into files (see fuzz.h). */
#define _GNU_SOURCE
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bovw/provenance.h"

int fuzz_accepted;
char fuzz_reason[BOVW_ERROR_MESSAGE_SIZE];

static char dir[4096];
static char path_buf[8192];
/* The files the last input wrote, removed before the next one and at exit. */
static char *written[64];
static size_t num_written;

static void forget_files(void) {
  for (size_t i = 0; i < num_written; i++) {
    unlink(written[i]);
    free(written[i]);
  }
  num_written = 0;
}

static void remove_dir(void) {
  forget_files();
  if (dir[0]) rmdir(dir);
}

void fuzz_fail(const char *file, int line, const char *cond, const char *what) {
  fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n", file, line, cond, what);
  abort();
}

const char *fuzz_dir(void) {
  if (dir[0]) return dir;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/bovw-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("fuzz: cannot make the scratch folder");
    abort();
  }
  atexit(remove_dir);
  return dir;
}

const char *fuzz_path(const char *name) {
  snprintf(path_buf, sizeof path_buf, "%s/%s", fuzz_dir(), name);
  return path_buf;
}

static void write_file(const char *name, const uint8_t *data, size_t size) {
  const char *path = fuzz_path(name);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
    perror(path);
    abort();
  }
  if (num_written == sizeof written / sizeof written[0] || !(written[num_written] = strdup(path)))
    abort();
  num_written++;
}

const char *fuzz_write_one(const char *name, const uint8_t *data, size_t size) {
  forget_files();
  write_file(name, data, size);
  return fuzz_path(name);
}

const char *fuzz_write_folder(const uint8_t *data, size_t size, const char *const *names,
                              size_t n) {
  static const char sep[] = FUZZ_SEPARATOR;
  const size_t sep_n = sizeof sep - 1;
  forget_files();
  const uint8_t *p = data, *end = data + size;
  for (size_t i = 0; i < n && p; i++) {
    const uint8_t *next = memmem(p, (size_t)(end - p), sep, sep_n);
    size_t len = next ? (size_t)(next - p) : (size_t)(end - p);
    if (len) write_file(names[i], p, len);
    p = next ? next + sep_n : NULL;
  }
  return fuzz_dir();
}

int fuzz_result(int rc, const bovw_error *err) {
  fuzz_accepted = rc == BOVW_OK;
  snprintf(fuzz_reason, sizeof fuzz_reason, "%s", rc ? err->message : "");
  return rc;
}

void fuzz_end(void) { bovw_provenance_reset(); }

unsigned fuzz_touch(const void *p, size_t n) {
  const volatile unsigned char *b = p;
  unsigned sum = 0;
  for (size_t i = 0; i < n; i++) sum += b[i];
  return sum;
}
