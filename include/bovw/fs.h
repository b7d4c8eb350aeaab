/* fs.h: files written atomically, whole-file reads, folders.
 *
 * A stage never leaves a half-written output: bovw_atomic_open creates a
 * temporary file beside the target (same folder, so rename(2) is atomic),
 * bovw_atomic_commit flushes it to disk and renames it over the target, and
 * bovw_atomic_abort removes it. An interrupted process leaves at most a
 * hidden ".NAME.tmp-XXXXXX" file, never a file under the final name. */
#ifndef BOVW_FS_H
#define BOVW_FS_H

#include <stdio.h>
#include <stddef.h>

#include "bovw/error.h"

typedef struct bovw_atomic_file {
  FILE *fp;        /* write here */
  char *path;      /* final name */
  char *tmp_path;  /* temporary name, removed on abort */
  /* Set to 1 after opening to skip fsync at commit: the rename still hides
   * unfinished files from an interrupted process, but a power cut may leave
   * an empty one. For many small files that are cheap to remake (image
   * folders); artifacts keep the sync. */
  int no_sync;
} bovw_atomic_file;

/* Opens a temporary file for writing the file at `path`. */
int bovw_atomic_open(bovw_atomic_file *self, const char *path, bovw_error *err);
/* Flushes, syncs, closes and renames the temporary file to its final name. On
 * failure the temporary file is removed. Either way self is released. */
int bovw_atomic_commit(bovw_atomic_file *self, bovw_error *err);
/* Closes and removes the temporary file; safe on a zeroed or released self. */
void bovw_atomic_abort(bovw_atomic_file *self);

/* Writes n bytes to path atomically. */
int bovw_write_file(const char *path, const void *bytes, size_t n,
                    bovw_error *err);

/* Reads a whole regular file into a new buffer (*bytes, free with free(),
 * NUL-terminated one past *n for text use). Errors name the path: missing,
 * unreadable, a directory, empty when allow_empty is 0. */
int bovw_read_file(const char *path, int allow_empty, unsigned char **bytes,
                   size_t *n, bovw_error *err);

/* Splits NUL-terminated text into lines in place: returns the line at
 * *cursor with its "\n" or "\r\n" replaced by NUL and moves *cursor past
 * it; NULL at the end of the text. */
char *bovw_next_line(char **cursor);

/* Creates a folder and its missing parents (like mkdir -p). */
int bovw_mkdir_p(const char *path, bovw_error *err);

/* A new string "dir/name" (or name alone when it is absolute or dir is empty);
 * NULL when out of memory. */
char *bovw_path_join(const char *dir, const char *name);

/* A new string: the folder part of path ("." when there is none). */
char *bovw_path_dirname(const char *path);

#endif
