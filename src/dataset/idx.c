/* idx.c: IDX files (MNIST, Fashion-MNIST) into an image folder.
 *
 * IDX (LeCun et al., the MNIST distribution format): bytes 0-1 are zero, byte
 * 2 the element type (0x08 unsigned byte), byte 3 the number of dimensions,
 * then one big-endian uint32 per dimension, then the elements in C order.
 * zlib's gzread reads gzip-compressed and plain files alike. */
#define _GNU_SOURCE
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bovw/dataset.h"
#include "bovw/fs.h"
#include "bovw/image.h"
#include "bovw/artifact.h"
#include "bovw/provenance.h"
#include "dataset/internal.h"
#include "io/runtime.h"

/* Folder-safe spellings of the Fashion-MNIST labels (Xiao et al., 2017). */
const char *const bovw_fashion_mnist_classes[10] = {
    "T-shirt-top", "Trouser", "Pullover", "Dress",   "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",     "Ankle-boot"};

/* Reads up to n bytes, fewer only at the end of the data (*got says how
 * many); 0 on success, an error for corrupt gzip data. */
static int read_some(gzFile f, void *buf, size_t n, size_t *got, const char *path,
                     bovw_error *err) {
  *got = 0;
  while (*got < n) {
    unsigned chunk = n - *got > (1u << 30) ? (1u << 30) : (unsigned)(n - *got);
    int r = gzread(f, (unsigned char *)buf + *got, chunk);
    if (r < 0) {
      int code;
      const char *msg = gzerror(f, &code);
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: corrupt gzip data (%s)",
                            path, msg);
    }
    if (r == 0) break;
    *got += (size_t)r;
  }
  return BOVW_OK;
}

/* Reads exactly n bytes; 0 on success. */
static int read_exactly(gzFile f, void *buf, size_t n, const char *path,
                        const char *what, bovw_error *err) {
  size_t got;
  int rc = read_some(f, buf, n, &got, path, err);
  if (!rc && got < n)
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: truncated: %s needs %zu bytes, the file has %zu",
                        path, what, n, got);
  return rc;
}

/* At most 2^36 bytes of data (64 GB: ImageNet's training set at 256 x 256
 * gray is 2^36.2). */
#define IDX_MAX_BYTES ((size_t)1 << 36)

/* Reads the count bytes of data into a buffer that grows as they arrive, so
 * that dimensions promising more than the file holds (a gzip file's size
 * says nothing of what it expands to) cost no more memory than the file
 * gives before the shortfall is found. */
static int read_data(gzFile f, bovw_idx *self, const char *path, bovw_error *err) {
  size_t cap = self->count < ((size_t)1 << 20) ? self->count : (size_t)1 << 20, have = 0;
  if (!(self->data = malloc(cap ? cap : 1)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  while (have < self->count) {
    if (have == cap) {
      cap = self->count - cap < cap ? self->count : 2 * cap;
      uint8_t *grown = realloc(self->data, cap);
      if (!grown) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
      self->data = grown;
    }
    size_t got;
    int rc = read_some(f, self->data + have, cap - have, &got, path, err);
    if (rc) return rc;
    have += got;
    if (have < cap)
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: truncated: the data needs %zu bytes, the file has %zu",
                            path, self->count, have);
  }
  return BOVW_OK;
}

int bovw_idx_read(const char *path, bovw_idx **out, bovw_error *err) {
  *out = NULL;
  unsigned char *probe;
  size_t probe_n;
  int rc = bovw_read_file(path, 0, &probe, &probe_n, err); /* names the path */
  char hex[65];
  if (!rc) bovw_sha256_hex(probe, probe_n, hex);  /* the bytes just read: no second read */
  free(probe);
  if (rc) return rc;
  if (bovw_provenance_note_file(path, hex))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  gzFile f = gzopen(path, "rb");
  if (!f) return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot open: %m", path);
  bovw_idx *self = calloc(1, sizeof *self);
  unsigned char head[4], dims[16];
  if (!self) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = read_exactly(f, head, 4, path, "the magic number", err);
  if (!rc && (head[0] || head[1] || head[3] < 1 || head[3] > 4))
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not an IDX file (bad magic)",
                        path);
  if (!rc && head[2] != 0x08)
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: IDX element type 0x%02x not supported (only "
                        "unsigned bytes, 0x08)",
                        path, head[2]);
  if (!rc) {
    self->ndim = head[3];
    rc = read_exactly(f, dims, 4 * (size_t)self->ndim, path, "the dimensions", err);
  }
  if (!rc) {
    self->count = 1;
    for (int i = 0; i < self->ndim; i++) {
      const unsigned char *d = dims + 4 * i;
      self->dims[i] = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
                      (uint32_t)d[2] << 8 | d[3];
      /* Checked before multiplying: the product must not wrap around. */
      if (self->dims[i] && self->count > IDX_MAX_BYTES / self->dims[i]) {
        rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                            "%s: IDX dimensions are implausibly large", path);
        break;
      }
      self->count *= self->dims[i];
    }
  }
  if (!rc) rc = read_data(f, self, path, err);
  gzclose(f);
  if (rc) {
    bovw_idx_free(self);
    return rc;
  }
  *out = self;
  return BOVW_OK;
}

void bovw_idx_free(bovw_idx *self) {
  if (!self) return;
  free(self->data);
  free(self);
}

int bovw_dataset_digits(size_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    d++;
  }
  return d;
}

int bovw_idx_import(const bovw_idx *images, const bovw_idx *labels,
                    char *const *class_names, size_t num_classes,
                    const char *root, int threads, const bovw_monitor *monitor,
                    bovw_error *err) {
  if (images->ndim != 3)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "images: expected 3 dimensions (count, rows, columns), "
                          "found %d",
                          images->ndim);
  if (labels->ndim != 1)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "labels: expected 1 dimension, found %d", labels->ndim);
  size_t n = images->dims[0];
  if (labels->dims[0] != n)
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "mismatched counts: %zu images but %u labels", n,
                          labels->dims[0]);
  if (n == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no images");
  size_t max_label = 0;
  for (size_t i = 0; i < n; i++)
    if (labels->data[i] > max_label) max_label = labels->data[i];
  if (!class_names) num_classes = max_label + 1;
  if (max_label >= num_classes)
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "label %zu found but only %zu class names given",
                          max_label, num_classes);

  int label_width = bovw_dataset_digits(num_classes - 1),
      index_width = bovw_dataset_digits(n - 1);
  char **folders = calloc(num_classes, sizeof *folders);
  if (!folders) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_mkdir_p(root, err);
  for (size_t c = 0; !rc && c < num_classes; c++) {
    char name[512];
    int len = class_names ? snprintf(name, sizeof name, "%0*zu_%s", label_width,
                                     c, class_names[c])
                          : snprintf(name, sizeof name, "%0*zu", label_width, c);
    if (len < 0 || (size_t)len >= sizeof name || strchr(name, '/'))
      rc = bovw_error_set(err, BOVW_ERR_INVALID,
                          "class name \"%s\" is too long or has a '/'",
                          class_names ? class_names[c] : "");
    else if (!(folders[c] = bovw_path_join(root, name)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    else
      rc = bovw_mkdir_p(folders[c], err);
  }

  int w = (int)images->dims[2], h = (int)images->dims[1];
  size_t pixels = (size_t)w * h, done = 0;
  threads = bovw_threads_resolve(threads);
  volatile int failed = rc != BOVW_OK;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
  for (size_t i = 0; i < n; i++) {
    if (failed) continue;
    char file[64];
    snprintf(file, sizeof file, "%0*zu.png", index_width, i);
    char *path = bovw_path_join(folders[labels->data[i]], file);
    bovw_error local;
    int r = path ? bovw_png_write(path, images->data + i * pixels, w, h, 1, &local)
                 : bovw_error_set(&local, BOVW_ERR_NOMEM, "out of memory");
    free(path);
    if (r) bovw_parallel_fail(&failed, &rc, err, r, &local);
    bovw_monitor_tick(monitor, "import", &done, n, 1000);
  }
  for (size_t c = 0; c < num_classes; c++) free(folders[c]);
  free(folders);
  /* A meta.json makes the folder an artifact: what it was imported from
   * (the IDX files, in its provenance), so that a rerun can tell it is up
   * to date, and a scan of it depends on it. */
  if (!rc) {
    cJSON *meta = bovw_meta_new("images");
    cJSON *names = meta && class_names ? cJSON_CreateStringArray(
                                             (const char *const *)class_names, (int)num_classes)
                                       : NULL;
    int ok = meta && (!class_names || (names && cJSON_AddItemToObject(meta, "classes", names))) &&
             cJSON_AddNumberToObject(meta, "count", (double)images->dims[0]);
    if (names && !cJSON_GetObjectItem(meta, "classes")) cJSON_Delete(names);
    rc = ok ? bovw_meta_write(root, meta, err) : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    cJSON_Delete(meta);
  }
  return rc;
}
