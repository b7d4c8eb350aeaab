/* fuzz.h: what the fuzz targets share (docs/fuzzing.md).
 *
 * A target is one LLVMFuzzerTestOneInput: it hands its bytes to one reader
 * of the library and checks what the reader promises of what it accepts.
 * It is linked two ways: with libFuzzer (clang, -DBOVW_FUZZ=ON) to search,
 * and with replay.c, a main that feeds it every file of a corpus, in any
 * build (the sanitizer build replays the committed regressions in CI).
 *
 * Readers of paths get the bytes as a file in a scratch folder made once per
 * process; readers of folders get an artifact folder cut out of the input:
 * the input is split at FUZZ_SEPARATOR, part i is written to the target's
 * i-th file name, and an empty or missing part leaves that file out. The
 * seed script (make-seeds.sh) packs real artifact folders the same way. */
#ifndef BOVW_FUZZ_H
#define BOVW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

#define FUZZ_SEPARATOR "\n--bovw-fuzz-file--\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch folder of this process ($TMPDIR or /tmp, bovw-fuzz-XXXXXX),
 * made on the first call and removed with its files at exit. Aborts when it
 * cannot be made: a target without it cannot run. */
const char *fuzz_dir(void);

/* The path of name inside fuzz_dir(), in a buffer owned by the module (valid
 * until the next call). */
const char *fuzz_path(const char *name);

/* Writes the whole input to fuzz_dir()/name and returns its path. */
const char *fuzz_write_one(const char *name, const uint8_t *data, size_t size);

/* Cuts the input into the n files names[0..n) of fuzz_dir() (see above),
 * after removing those of the previous input. Returns the folder. */
const char *fuzz_write_folder(const uint8_t *data, size_t size, const char *const *names,
                              size_t n);

/* Records whether the reader accepted the input (rc 0) and, if not, its
 * message; returns rc. The replay driver checks with --valid that every
 * seed, a valid file, is accepted: a target that no longer cuts or names
 * its files as the format has them fails there, not silently. */
int fuzz_result(int rc, const bovw_error *err);
extern int fuzz_accepted;                   /* reset to 0 before each input */
extern char fuzz_reason[BOVW_ERROR_MESSAGE_SIZE]; /* the last refusal */

/* Ends an input: forgets the inputs the readers noted (provenance), so that
 * a long run does not grow. */
void fuzz_end(void);

/* A check that must hold whatever the input: a failure aborts with the
 * message, which libFuzzer reports as a crash with its input. */
#define FUZZ_ASSERT(cond, what)                                               \
  do {                                                                        \
    if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond, what);                  \
  } while (0)
void fuzz_fail(const char *file, int line, const char *cond, const char *what)
    __attribute__((noreturn));

/* Reads every byte of [p, p + n) so that the sanitizers see a reader's
 * promise that the data is all there; returns a value the compiler must
 * keep. */
unsigned fuzz_touch(const void *p, size_t n);

#endif
