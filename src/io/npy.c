/* npy.c: NumPy .npy files, read through mmap and written atomically.
 *
 * Format (numpy.lib.format, version 1.0): the magic "\x93NUMPY", two version
 * bytes, a little-endian uint16 header length, then a Python dict literal
 * such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded
 * with spaces and ending in '\n' so that the data starts at a multiple of 64
 * bytes. Versions 2.0 and 3.0 (uint32 header length) are read too. */
#define _GNU_SOURCE
#include "bovw/npy.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bovw/fs.h"

static const char MAGIC[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static const struct {
  const char *descr, *name;
  size_t size;
} DTYPES[] = {
    [BOVW_DTYPE_UINT8] = {"|u1", "uint8", 1},
    [BOVW_DTYPE_INT32] = {"<i4", "int32", 4},
    [BOVW_DTYPE_INT64] = {"<i8", "int64", 8},
    [BOVW_DTYPE_FLOAT32] = {"<f4", "float32", 4},
};

size_t bovw_dtype_size(bovw_dtype dtype) { return DTYPES[dtype].size; }
const char *bovw_dtype_name(bovw_dtype dtype) { return DTYPES[dtype].name; }

/* ---- header parsing ------------------------------------------------------ */

typedef struct {
  const char *p, *end;
} cursor;

static void skip_space(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n'))
    c->p++;
}

static int eat(cursor *c, char ch) {
  skip_space(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return 1;
  }
  return 0;
}

/* A quoted Python string ('...' or "...") copied into buf. */
static int read_string(cursor *c, char *buf, size_t cap) {
  skip_space(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return 0;
  char q = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != q) {
    if (n + 1 >= cap) return 0;
    buf[n++] = *c->p++;
  }
  if (c->p >= c->end) return 0;
  c->p++;
  buf[n] = '\0';
  return 1;
}

static int parse_dtype(const char *descr, bovw_dtype *dtype) {
  for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; i++)
    if (!strcmp(descr, DTYPES[i].descr)) {
      *dtype = (bovw_dtype)i;
      return 1;
    }
  /* One-byte types have no byte order; NumPy may spell it either way. */
  if (!strcmp(descr, "<u1") || !strcmp(descr, "u1")) {
    *dtype = BOVW_DTYPE_UINT8;
    return 1;
  }
  return 0;
}

/* Parses "(d0, d1, ...)" with non-negative decimal dimensions. */
static int parse_shape(cursor *c, bovw_npy *self, const char *name,
                       bovw_error *err) {
  if (!eat(c, '('))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: npy header: bad shape",
                          name);
  self->ndim = 0;
  for (;;) {
    skip_space(c);
    if (eat(c, ')')) break;
    if (c->p < c->end && *c->p == '-')
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: npy header: negative dimension", name);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: npy header: bad shape",
                            name);
    int64_t d = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      int digit = *c->p++ - '0';
      if (d > (INT64_MAX - digit) / 10)
        return bovw_error_set(err, BOVW_ERR_FORMAT,
                              "%s: npy header: dimension overflows", name);
      d = d * 10 + digit;
    }
    if (self->ndim == BOVW_NPY_MAX_DIMS)
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: npy header: more than %d dimensions", name,
                            BOVW_NPY_MAX_DIMS);
    self->shape[self->ndim++] = d;
    if (eat(c, ')')) break;
    if (!eat(c, ','))
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: npy header: bad shape",
                            name);
  }
  return BOVW_OK;
}

int bovw_npy_parse(const void *bytes, size_t n, const char *name, bovw_npy *self,
                   bovw_error *err) {
  memset(self, 0, sizeof *self);
  const unsigned char *b = bytes;
  if (n < 10 || memcmp(b, MAGIC, sizeof MAGIC) != 0)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not a .npy file", name);
  size_t hlen, hstart;
  if (b[6] == 1) {
    hlen = (size_t)b[8] | (size_t)b[9] << 8;
    hstart = 10;
  } else if ((b[6] == 2 || b[6] == 3) && n >= 12) {
    hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 |
           (size_t)b[11] << 24;
    hstart = 12;
  } else {
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: unsupported .npy version %d.%d", name, b[6], b[7]);
  }
  if (hlen > n - hstart)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: npy header longer than the file", name);

  cursor c = {(const char *)b + hstart, (const char *)b + hstart + hlen};
  int have_descr = 0, have_order = 0, have_shape = 0;
  if (!eat(&c, '{'))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: npy header is not a dict",
                          name);
  while (!eat(&c, '}')) {
    char key[32], value[32];
    if (!read_string(&c, key, sizeof key) || !eat(&c, ':'))
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: npy header: bad dict",
                            name);
    if (!strcmp(key, "descr")) {
      if (!read_string(&c, value, sizeof value))
        return bovw_error_set(err, BOVW_ERR_FORMAT,
                              "%s: npy header: bad descr", name);
      if (!parse_dtype(value, &self->dtype))
        return bovw_error_set(
            err, BOVW_ERR_FORMAT,
            "%s: dtype '%s' not supported (uint8, little-endian int32, int64 "
            "or float32)",
            name, value);
      have_descr = 1;
    } else if (!strcmp(key, "fortran_order")) {
      skip_space(&c);
      if ((size_t)(c.end - c.p) >= 5 && !memcmp(c.p, "False", 5)) {
        c.p += 5;
      } else if ((size_t)(c.end - c.p) >= 4 && !memcmp(c.p, "True", 4)) {
        return bovw_error_set(err, BOVW_ERR_FORMAT,
                              "%s: Fortran-ordered arrays are not supported",
                              name);
      } else {
        return bovw_error_set(err, BOVW_ERR_FORMAT,
                              "%s: npy header: bad fortran_order", name);
      }
      have_order = 1;
    } else if (!strcmp(key, "shape")) {
      int rc = parse_shape(&c, self, name, err);
      if (rc) return rc;
      have_shape = 1;
    } else {
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: npy header: unknown key '%s'", name, key);
    }
    if (!eat(&c, ',')) {
      if (!eat(&c, '}'))
        return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: npy header: bad dict",
                              name);
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: npy header lacks descr, fortran_order or shape",
                          name);

  size_t item = bovw_dtype_size(self->dtype);
  uint64_t count = 1;
  for (int i = 0; i < self->ndim; i++) {
    uint64_t d = (uint64_t)self->shape[i];
    if (d && count > (UINT64_MAX / item) / d)
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: npy shape overflows the size of memory", name);
    count *= d;
  }
  size_t data_start = hstart + hlen;
  if (count > (n - data_start) / item)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: npy shape needs %" PRIu64
                          " bytes of data but the file holds %zu",
                          name, count * item, n - data_start);
  /* The stages read the data through typed pointers (an int64 offset, a
   * float32 row): it must be aligned for its type, as NumPy's writers
   * always align it (to 64 bytes, 16 in old versions). */
  if ((uintptr_t)(b + data_start) % item)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: npy data not aligned for %s (a header of %zu bytes)", name,
                          bovw_dtype_name(self->dtype), data_start);
  self->count = (int64_t)count;
  self->data = b + data_start;
  return BOVW_OK;
}

int bovw_npy_map(const char *path, bovw_npy **out, bovw_error *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot open: %s", path,
                          strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: not a regular file", path);
  }
  if (st.st_size == 0) {
    close(fd);
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: empty file", path);
  }
  size_t size = (size_t)st.st_size;
  void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd);
  if (map == MAP_FAILED)
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot map: %s", path,
                          strerror(e));
  bovw_npy *self = malloc(sizeof *self);
  if (!self) {
    munmap(map, size);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  int rc = bovw_npy_parse(map, size, path, self, err);
  if (rc) {
    munmap(map, size);
    free(self);
    return rc;
  }
  self->map_ = map;
  self->map_size_ = size;
  *out = self;
  return BOVW_OK;
}

void bovw_npy_free(bovw_npy *self) {
  if (!self) return;
  if (self->map_) munmap(self->map_, self->map_size_);
  free(self);
}

size_t bovw_npy_release(const bovw_npy *self, size_t from, size_t to) {
  if (!self->map_) return from;
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const uintptr_t base = (uintptr_t)self->map_, data = (uintptr_t)self->data;
  const size_t bytes = (size_t)self->count * bovw_dtype_size(self->dtype);
  /* The first page holds the header too, the last one the end of the file:
   * from the data's start or to its end, the mapping's own bounds. */
  uintptr_t start = from == 0 ? base : (data + from + page - 1) / page * page;
  uintptr_t end = to >= bytes ? base + self->map_size_ : (data + to) / page * page;
  if (end > start) madvise((void *)start, end - start, MADV_DONTNEED);
  size_t next = to >= bytes ? bytes : end > data ? (size_t)(end - data) : 0;
  return next > from ? next : from;
}

static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape) {
  size_t k = (size_t)snprintf(buf, cap, "(");
  for (int i = 0; i < ndim && k < cap; i++)
    k += (size_t)snprintf(buf + k, cap - k, "%s%" PRId64, i ? ", " : "",
                          shape[i]);
  if (k < cap) snprintf(buf + k, cap - k, ndim == 1 ? ",)" : ")");
}

int bovw_npy_expect(const bovw_npy *self, const char *name, bovw_dtype dtype,
                    int ndim, bovw_error *err) {
  if (self->dtype == dtype && (ndim < 0 || self->ndim == ndim)) return BOVW_OK;
  char got[256];
  format_shape(got, sizeof got, self->ndim, self->shape);
  return bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: expected a %d-D %s array, found %s %s", name, ndim,
                        bovw_dtype_name(dtype), bovw_dtype_name(self->dtype),
                        got);
}

/* ---- writing ------------------------------------------------------------- */

/* Formats the whole preamble (magic to '\n') into buf, padded with spaces to
 * `total` bytes when total > 0, or to the next multiple of 64 otherwise.
 * Returns its length, or 0 when it does not fit. */
static size_t format_header(char *buf, size_t cap, bovw_dtype dtype, int ndim,
                            const int64_t *shape, size_t total) {
  char dict[512], shp[400];
  format_shape(shp, sizeof shp, ndim, shape);
  int dn = snprintf(dict, sizeof dict,
                    "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                    DTYPES[dtype].descr, shp);
  if (dn < 0 || (size_t)dn >= sizeof dict) return 0;
  size_t need = 10 + (size_t)dn + 1;
  if (!total) total = (need + 63) / 64 * 64;
  if (need > total || total > cap || total - 10 > 65535) return 0;
  memcpy(buf, MAGIC, sizeof MAGIC);
  buf[6] = 1;
  buf[7] = 0;
  size_t hlen = total - 10;
  buf[8] = (char)(hlen & 0xff);
  buf[9] = (char)(hlen >> 8);
  memcpy(buf + 10, dict, (size_t)dn);
  memset(buf + 10 + dn, ' ', total - 10 - (size_t)dn - 1);
  buf[total - 1] = '\n';
  return total;
}

int bovw_npy_write(const char *path, bovw_dtype dtype, int ndim,
                   const int64_t *shape, const void *data, bovw_error *err) {
  if (ndim < 0 || ndim > BOVW_NPY_MAX_DIMS)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: bad number of dimensions",
                          path);
  size_t count = 1;
  for (int i = 0; i < ndim; i++) count *= (size_t)shape[i];
  char header[1024];
  size_t hn = format_header(header, sizeof header, dtype, ndim, shape, 0);
  if (!hn)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: shape too long", path);
  bovw_atomic_file f;
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  size_t bytes = count * bovw_dtype_size(dtype);
  if (fwrite(header, 1, hn, f.fp) != hn ||
      (bytes && fwrite(data, 1, bytes, f.fp) != bytes)) {
    int e = errno;
    bovw_atomic_abort(&f);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s", path,
                          strerror(e));
  }
  return bovw_atomic_commit(&f, err);
}

struct bovw_npy_writer {
  bovw_atomic_file file;
  bovw_dtype dtype;
  int ndim;
  int64_t shape[BOVW_NPY_MAX_DIMS];  /* shape[0] counts the rows appended */
  size_t row_bytes;
  size_t header_bytes;  /* reserved at the start, rewritten by finish */
  off_t written;        /* bytes appended so far, header included */
  off_t flushed;        /* bytes handed to the kernel's writeback */
};

/* Streams much larger than memory (a dense-SIFT store of Caltech-101 is
 * 34 GB) otherwise pile up dirty pages until the kernel throttles the
 * writer in long stalls. Every FLUSH_EVERY bytes the new range is handed to
 * writeback at once (sync_file_range without waiting), so the pages are
 * clean, and cheap to reclaim, soon after they are written. */
enum { FLUSH_EVERY = 64 << 20 };

static void start_writeback(bovw_npy_writer *self) {
  if (self->written - self->flushed < FLUSH_EVERY) return;
  if (fflush(self->file.fp) != 0) return;  /* the error shows again at commit */
  sync_file_range(fileno(self->file.fp), self->flushed, self->written - self->flushed,
                  SYNC_FILE_RANGE_WRITE);
  self->flushed = self->written;
}

int bovw_npy_writer_new(const char *path, bovw_dtype dtype, int ndim,
                        const int64_t *row_shape, bovw_npy_writer **out,
                        bovw_error *err) {
  *out = NULL;
  if (ndim < 1 || ndim > BOVW_NPY_MAX_DIMS)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: bad number of dimensions",
                          path);
  bovw_npy_writer *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  self->dtype = dtype;
  self->ndim = ndim;
  self->row_bytes = bovw_dtype_size(dtype);
  for (int i = 1; i < ndim; i++) {
    if (row_shape[i - 1] < 0) {
      free(self);
      return bovw_error_set(err, BOVW_ERR_INVALID, "%s: negative dimension",
                            path);
    }
    self->shape[i] = row_shape[i - 1];
    self->row_bytes *= (size_t)row_shape[i - 1];
  }
  /* Reserve room for the largest row count the header could ever say. */
  int64_t widest[BOVW_NPY_MAX_DIMS];
  memcpy(widest, self->shape, sizeof widest);
  widest[0] = INT64_MAX;
  char header[1024];
  self->header_bytes = format_header(header, sizeof header, dtype, ndim, widest, 0);
  if (!self->header_bytes) {
    free(self);
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: shape too long", path);
  }
  int rc = bovw_atomic_open(&self->file, path, err);
  if (!rc) {
    memset(header, ' ', self->header_bytes);
    if (fwrite(header, 1, self->header_bytes, self->file.fp) != self->header_bytes)
      rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s", path,
                          strerror(errno));
    self->written = (off_t)self->header_bytes;
  }
  if (rc) {
    bovw_npy_writer_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

int bovw_npy_writer_append(bovw_npy_writer *self, const void *rows,
                           int64_t nrows, bovw_error *err) {
  size_t bytes = (size_t)nrows * self->row_bytes;
  if (bytes && fwrite(rows, 1, bytes, self->file.fp) != bytes)
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s",
                          self->file.path, strerror(errno));
  self->shape[0] += nrows;
  self->written += (off_t)bytes;
  start_writeback(self);
  return BOVW_OK;
}

int64_t bovw_npy_writer_rows(const bovw_npy_writer *self) {
  return self->shape[0];
}

int bovw_npy_writer_finish(bovw_npy_writer *self, bovw_error *err) {
  char header[1024];
  size_t hn = format_header(header, sizeof header, self->dtype, self->ndim,
                            self->shape, self->header_bytes);
  if (!hn || fseek(self->file.fp, 0, SEEK_SET) != 0 ||
      fwrite(header, 1, hn, self->file.fp) != hn) {
    int rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write header",
                            self->file.path);
    bovw_atomic_abort(&self->file);
    return rc;
  }
  return bovw_atomic_commit(&self->file, err);
}

void bovw_npy_writer_free(bovw_npy_writer *self) {
  if (!self) return;
  if (self->file.fp) bovw_atomic_abort(&self->file);
  free(self);
}

struct bovw_npy_mapped {
  bovw_atomic_file file;
  void *map;
  size_t map_size, header_bytes;
};

int bovw_npy_mapped_new(const char *path, bovw_dtype dtype, int ndim,
                        const int64_t *shape, bovw_npy_mapped **out,
                        bovw_error *err) {
  *out = NULL;
  if (ndim < 0 || ndim > BOVW_NPY_MAX_DIMS)
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: bad number of dimensions", path);
  size_t count = 1;
  for (int i = 0; i < ndim; i++) count *= (size_t)shape[i];
  char header[1024];
  size_t hn = format_header(header, sizeof header, dtype, ndim, shape, 0);
  if (!hn) return bovw_error_set(err, BOVW_ERR_INVALID, "%s: shape too long", path);
  bovw_npy_mapped *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  int rc = bovw_atomic_open(&self->file, path, err);
  if (rc) {
    free(self);
    return rc;
  }
  self->header_bytes = hn;
  self->map_size = hn + count * bovw_dtype_size(dtype);
  int fd = fileno(self->file.fp);
  if (fwrite(header, 1, hn, self->file.fp) != hn || fflush(self->file.fp) != 0 ||
      ftruncate(fd, (off_t)self->map_size) != 0) {
    rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  } else {
    self->map = mmap(NULL, self->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (self->map == MAP_FAILED) {
      self->map = NULL;
      rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
    }
  }
  if (rc) {
    bovw_npy_mapped_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

void *bovw_npy_mapped_data(bovw_npy_mapped *self) {
  return (char *)self->map + self->header_bytes;
}

int bovw_npy_mapped_finish(bovw_npy_mapped *self, bovw_error *err) {
  int failed = msync(self->map, self->map_size, MS_SYNC) != 0;
  munmap(self->map, self->map_size);
  self->map = NULL;
  if (failed) {
    int rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s", self->file.path,
                            strerror(errno));
    bovw_atomic_abort(&self->file);
    return rc;
  }
  return bovw_atomic_commit(&self->file, err);
}

void bovw_npy_mapped_free(bovw_npy_mapped *self) {
  if (!self) return;
  if (self->map) munmap(self->map, self->map_size);
  if (self->file.fp) bovw_atomic_abort(&self->file);
  free(self);
}

int bovw_npy_load(const char *dir, const char *name, bovw_dtype dtype, int64_t rows,
                  int64_t cols, void **out, bovw_error *err) {
  *out = NULL;
  char *path = bovw_path_join(dir, name);
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  bovw_npy *a = NULL;
  const size_t size = bovw_dtype_size(dtype);
  int rc = bovw_npy_map(path, &a, err);
  if (!rc) rc = bovw_npy_expect(a, path, dtype, cols > 0 ? 2 : 1, err);
  if (!rc && (a->shape[0] != rows || (cols > 0 && a->shape[1] != cols)))
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: shape does not match meta.json", path);
  if (!rc && !(*out = malloc((size_t)(a->count ? a->count : 1) * size)))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) memcpy(*out, a->data, (size_t)a->count * size);
  bovw_npy_free(a);
  free(path);
  return rc;
}

int bovw_npy_load_f32(const char *dir, const char *name, int64_t rows, int64_t cols,
                      float **out, bovw_error *err) {
  void *data;
  int rc = bovw_npy_load(dir, name, BOVW_DTYPE_FLOAT32, rows, cols, &data, err);
  *out = data;
  return rc;
}
