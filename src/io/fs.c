/* fs.c: atomic writes, whole-file reads and folders (see include/bovw/fs.h). */
#define _GNU_SOURCE
#include "bovw/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *bovw_path_join(const char *dir, const char *name) {
  if (!dir || !dir[0] || name[0] == '/') return strdup(name);
  size_t a = strlen(dir), b = strlen(name);
  int slash = dir[a - 1] != '/';
  char *s = malloc(a + slash + b + 1);
  if (!s) return NULL;
  memcpy(s, dir, a);
  if (slash) s[a] = '/';
  memcpy(s + a + slash, name, b + 1);
  return s;
}

char *bovw_path_dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

int bovw_atomic_open(bovw_atomic_file *self, const char *path, bovw_error *err) {
  memset(self, 0, sizeof *self);
  char *dir = bovw_path_dirname(path);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  self->path = strdup(path);
  size_t n = (dir ? strlen(dir) : 0) + strlen(base) + 32;
  self->tmp_path = malloc(n);
  if (!dir || !self->path || !self->tmp_path) {
    free(dir);
    bovw_atomic_abort(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  snprintf(self->tmp_path, n, "%s/.%s.tmp-XXXXXX", dir, base);
  free(dir);
  int fd = mkstemp(self->tmp_path);
  if (fd < 0) {
    int e = errno;
    free(self->tmp_path);
    self->tmp_path = NULL;
    bovw_atomic_abort(self);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot create: %s", path,
                          strerror(e));
  }
  fchmod(fd, 0644);  /* mkstemp makes 0600; outputs are ordinary files */
  self->fp = fdopen(fd, "wb");
  if (!self->fp) {
    close(fd);
    bovw_atomic_abort(self);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot open: %s", path,
                          strerror(errno));
  }
  return BOVW_OK;
}

void bovw_atomic_abort(bovw_atomic_file *self) {
  if (self->fp) fclose(self->fp);
  if (self->tmp_path) unlink(self->tmp_path);
  free(self->tmp_path);
  free(self->path);
  memset(self, 0, sizeof *self);
}

int bovw_atomic_commit(bovw_atomic_file *self, bovw_error *err) {
  int failed = fflush(self->fp) != 0 || ferror(self->fp);
  int e = errno;
  if (!failed && !self->no_sync && fsync(fileno(self->fp)) != 0 &&
      errno != EINVAL) {
    failed = 1;
    e = errno;
  }
  if (fclose(self->fp) != 0 && !failed) {
    failed = 1;
    e = errno;
  }
  self->fp = NULL;
  if (!failed && rename(self->tmp_path, self->path) != 0) {
    failed = 1;
    e = errno;
  }
  if (failed) {
    bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s", self->path,
                   strerror(e));
    bovw_atomic_abort(self);
    return BOVW_ERR_IO;
  }
  free(self->tmp_path);
  free(self->path);
  memset(self, 0, sizeof *self);
  return BOVW_OK;
}

int bovw_write_file(const char *path, const void *bytes, size_t n,
                    bovw_error *err) {
  bovw_atomic_file f;
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  if (n && fwrite(bytes, 1, n, f.fp) != n) {
    int e = errno;
    bovw_atomic_abort(&f);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write: %s", path,
                          strerror(e));
  }
  return bovw_atomic_commit(&f, err);
}

char *bovw_next_line(char **cursor) {
  char *s = *cursor;
  if (!s || !*s) return NULL;
  char *nl = strchr(s, '\n');
  if (nl) {
    *nl = '\0';
    *cursor = nl + 1;
  } else {
    *cursor = s + strlen(s);
  }
  size_t n = strlen(s);
  if (n && s[n - 1] == '\r') s[n - 1] = '\0';
  return s;
}

int bovw_read_file(const char *path, int allow_empty, unsigned char **bytes,
                   size_t *n, bovw_error *err) {
  *bytes = NULL;
  *n = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot open: %s", path,
                          strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int dir = S_ISDIR(st.st_mode);
    close(fd);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: %s", path,
                          dir ? "is a directory" : "not a regular file");
  }
  if (st.st_size == 0 && !allow_empty) {
    close(fd);
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: empty file", path);
  }
  size_t size = (size_t)st.st_size;
  unsigned char *buf = malloc(size + 1);
  if (!buf) {
    close(fd);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = r < 0 ? errno : 0;
      free(buf);
      close(fd);
      return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot read: %s", path,
                            e ? strerror(e) : "file shrank while reading");
    }
    got += (size_t)r;
  }
  close(fd);
  buf[size] = '\0';
  *bytes = buf;
  *n = size;
  return BOVW_OK;
}

int bovw_mkdir_p(const char *path, bovw_error *err) {
  if (!path[0]) return bovw_error_set(err, BOVW_ERR_INVALID, "empty folder name");
  char *p = strdup(path);
  if (!p) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  for (char *s = p + 1;; s++) {
    if (*s == '/' || *s == '\0') {
      char c = *s;
      *s = '\0';
      if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        free(p);
        return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot create folder: %s",
                              path, strerror(e));
      }
      *s = c;
      if (!c) break;
    }
  }
  free(p);
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return bovw_error_set(err, BOVW_ERR_IO, "%s: exists and is not a folder",
                          path);
  return BOVW_OK;
}
