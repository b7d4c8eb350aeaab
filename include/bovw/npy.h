/* npy.h: arrays on disk in NumPy's .npy format (version 1.0, little-endian,
 * C order), so that `numpy.load` reads every array bovw writes.
 *
 * Reading maps the file (mmap) and checks the header against the file size
 * before anything touches the data: a header that lies (wrong magic, shape
 * larger than the file, negative or overflowing dimensions) is an error, not
 * a crash. Writing goes through a temporary file renamed at the end; the
 * streaming writer appends rows and fixes the shape in the header last, so a
 * stage can write an array larger than memory. */
#ifndef BOVW_NPY_H
#define BOVW_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

typedef enum bovw_dtype {
  BOVW_DTYPE_UINT8 = 0,  /* '|u1' */
  BOVW_DTYPE_INT32,      /* '<i4' */
  BOVW_DTYPE_INT64,      /* '<i8' */
  BOVW_DTYPE_FLOAT32     /* '<f4' */
} bovw_dtype;

#define BOVW_NPY_MAX_DIMS 8

/* Bytes per element of a dtype. */
size_t bovw_dtype_size(bovw_dtype dtype);
/* NumPy's name for it: "uint8", "int32", "int64", "float32". */
const char *bovw_dtype_name(bovw_dtype dtype);

typedef struct bovw_npy {
  bovw_dtype dtype;
  int ndim;
  int64_t shape[BOVW_NPY_MAX_DIMS];
  int64_t count;     /* number of elements: the product of shape */
  const void *data;  /* count elements, read-only, inside the mapping */
  void *map_;        /* the mapping (private) */
  size_t map_size_;
} bovw_npy;

/* Maps the .npy file at path read-only and validates it. On success *out is a
 * new object (free with bovw_npy_free; data stays valid until then). */
int bovw_npy_map(const char *path, bovw_npy **out, bovw_error *err);
void bovw_npy_free(bovw_npy *self);

/* Drops the whole pages of data bytes [from, to) from the process's memory
 * (madvise MADV_DONTNEED): a reader that has gone through part of a large
 * mapped array calls it so that what it read stops counting towards its
 * resident size. The file's pages stay in the page cache; data stays valid
 * and reading a dropped byte maps its page again. Returns where the next
 * call can start: `to` rounded down to a page, or the end of the data when
 * `to` reaches it. Without a mapping (bovw_npy_parse) it drops nothing and
 * returns from. */
size_t bovw_npy_release(const bovw_npy *self, size_t from, size_t to);

/* Validates a .npy image held in memory (bytes, n) and fills self, with
 * self->data pointing into bytes; no mapping is made and nothing is owned.
 * `name` starts the error messages. */
int bovw_npy_parse(const void *bytes, size_t n, const char *name, bovw_npy *self,
                   bovw_error *err);

/* Checks that an array has the dtype and number of dimensions a reader
 * expects; a mismatch is an error naming `name` and both shapes. Pass
 * ndim < 0 to accept any. */
int bovw_npy_expect(const bovw_npy *self, const char *name, bovw_dtype dtype,
                    int ndim, bovw_error *err);

/* Reads dir/name, an array of dtype of shape (rows,) when cols is 0 or
 * (rows, cols), into a new buffer (*out, free it). Another dtype or shape
 * is an error naming the file. */
int bovw_npy_load(const char *dir, const char *name, bovw_dtype dtype, int64_t rows,
                  int64_t cols, void **out, bovw_error *err);
/* bovw_npy_load of a float32 array. */
int bovw_npy_load_f32(const char *dir, const char *name, int64_t rows, int64_t cols,
                      float **out, bovw_error *err);

/* Writes a whole array (C order) atomically. */
int bovw_npy_write(const char *path, bovw_dtype dtype, int ndim,
                   const int64_t *shape, const void *data, bovw_error *err);

/* Streaming writer: rows of shape row_shape[0..ndim-2] appended one batch at a
 * time; the first dimension is the number of rows appended. Nothing appears
 * under `path` until bovw_npy_writer_finish succeeds. */
typedef struct bovw_npy_writer bovw_npy_writer;

int bovw_npy_writer_new(const char *path, bovw_dtype dtype, int ndim,
                        const int64_t *row_shape, bovw_npy_writer **out,
                        bovw_error *err);
int bovw_npy_writer_append(bovw_npy_writer *self, const void *rows,
                           int64_t nrows, bovw_error *err);
/* Rows appended so far. */
int64_t bovw_npy_writer_rows(const bovw_npy_writer *self);
/* Writes the final header and renames the file into place. */
int bovw_npy_writer_finish(bovw_npy_writer *self, bovw_error *err);
/* Frees the writer; an unfinished file is removed. */
void bovw_npy_writer_free(bovw_npy_writer *self);

/* A whole array created at its final size and mapped for writing, so that
 * threads can fill rows in any order without holding a second copy. Nothing
 * appears under `path` until bovw_npy_mapped_finish succeeds. */
typedef struct bovw_npy_mapped bovw_npy_mapped;

int bovw_npy_mapped_new(const char *path, bovw_dtype dtype, int ndim,
                        const int64_t *shape, bovw_npy_mapped **out,
                        bovw_error *err);
/* The array's data (zero-filled at creation), valid until finish or free. */
void *bovw_npy_mapped_data(bovw_npy_mapped *self);
/* Syncs the data and renames the file into place. */
int bovw_npy_mapped_finish(bovw_npy_mapped *self, bovw_error *err);
/* Unmaps; an unfinished file is removed. */
void bovw_npy_mapped_free(bovw_npy_mapped *self);

#endif
