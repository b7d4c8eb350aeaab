/* replay.c: a main for a fuzz target without libFuzzer. Feeds it every file
 * given, and every file of every folder given (in name order, hidden files
 * left out), one at a time, as libFuzzer would run a corpus; prints one line
 * per folder and exits 0 when every input ran to its end. A crash or a
 * sanitizer report stops it (and names the input on stderr first). Inputs
 * after --valid are valid files (the seeds): the reader must accept each,
 * or the replay fails naming it and the reader's message. Used by the
 * "fuzz-replay" tests in the ordinary (gcc) sanitizer build.
 *   fuzz-replay-TARGET [FILE_OR_FOLDER...] [--valid FILE_OR_FOLDER...] */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/fs.h"
#include "fuzz.h"

static int valid;  /* 1 after --valid: the inputs must be accepted */

static int run_file(const char *path) {
  unsigned char *bytes;
  size_t n;
  bovw_error err;
  if (bovw_read_file(path, 1, &bytes, &n, &err)) {
    fprintf(stderr, "fuzz-replay: %s\n", err.message);
    return 1;
  }
  fprintf(stderr, "fuzz-replay: running %s\n", path);
  /* A copy of exactly n bytes, as libFuzzer passes them: a read past the
   * end is then a heap overflow, not the NUL bovw_read_file adds. */
  unsigned char *exact = malloc(n ? n : 1);
  if (!exact) {
    free(bytes);
    fprintf(stderr, "fuzz-replay: %s: out of memory\n", path);
    return 1;
  }
  memcpy(exact, bytes, n);
  free(bytes);
  fuzz_accepted = 0;
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  if (valid && !fuzz_accepted) {
    fprintf(stderr, "fuzz-replay: %s: a valid input refused: %s\n", path, fuzz_reason);
    return 1;
  }
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *e) { return e->d_name[0] != '.'; }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s [FILE_OR_FOLDER...] [--valid FILE_OR_FOLDER...]\n", argv[0]);
    return 2;
  }
  int failed = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--valid")) {
      valid = 1;
      continue;
    }
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "fuzz-replay: %s: no such file or folder\n", argv[i]);
      failed = 1;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      failed |= run_file(argv[i]);
      continue;
    }
    struct dirent **list;
    int n = scandir(argv[i], &list, not_hidden, by_name);
    if (n < 0) {
      fprintf(stderr, "fuzz-replay: %s: cannot list\n", argv[i]);
      failed = 1;
      continue;
    }
    int ran = 0;
    for (int k = 0; k < n; k++) {
      char *path = bovw_path_join(argv[i], list[k]->d_name);
      struct stat fst;
      if (path && stat(path, &fst) == 0 && S_ISREG(fst.st_mode)) {
        failed |= run_file(path);
        ran++;
      }
      free(path);
      free(list[k]);
    }
    free(list);
    printf("%s: %d inputs%s\n", argv[i], ran, valid ? ", all accepted" : "");
  }
  return failed;
}
