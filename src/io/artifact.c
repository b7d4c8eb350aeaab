/* artifact.c: artifact directories and meta.json (see include/bovw/artifact.h). */
#define _GNU_SOURCE
#include "bovw/artifact.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bovw/fs.h"
#include "bovw/provenance.h"
#include "bovw/version.h"

int bovw_artifact_begin(const char *dir, bovw_error *err) {
  int rc = bovw_mkdir_p(dir, err);
  if (rc) return rc;
  char *meta = bovw_path_join(dir, "meta.json");
  if (!meta) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  if (unlink(meta) != 0 && errno != ENOENT) {
    rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot remove: %s", meta,
                        strerror(errno));
  }
  free(meta);
  return rc;
}

cJSON *bovw_meta_new(const char *kind) {
  cJSON *m = cJSON_CreateObject();
  if (!m) return NULL;
  char when[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!cJSON_AddStringToObject(m, "kind", kind) ||
      !cJSON_AddNumberToObject(m, "format_version", BOVW_ARTIFACT_FORMAT) ||
      !cJSON_AddStringToObject(m, "bovw_version", BOVW_VERSION) ||
      !cJSON_AddStringToObject(m, "created", when)) {
    cJSON_Delete(m);
    return NULL;
  }
  return m;
}

/* cJSON prints a number with 15 significant digits whenever those read back
 * within one ulp, so a value can come back one ulp off. Every number that
 * 15 digits do not give back exactly becomes a raw item with the fewest
 * digits (16 or 17) that do: what bovw writes reads back to the bit. */
static int exact_numbers(cJSON *node) {
  for (cJSON *item = node ? node->child : NULL; item; item = item->next) {
    if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
      double d = item->valuedouble;
      char text[32];
      int digits = 15;
      for (; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, d);
        if (strtod(text, NULL) == d) break;
      }
      if (digits > 15) {
        char *copy = strdup(text);
        if (!copy) return BOVW_ERR_NOMEM;
        item->type = cJSON_Raw;
        item->valuestring = copy;
      }
    } else if (exact_numbers(item)) {
      return BOVW_ERR_NOMEM;
    }
  }
  return BOVW_OK;
}

int bovw_json_write(const char *path, const cJSON *root, bovw_error *err) {
  cJSON *exact = cJSON_Duplicate(root, 1);
  char *text = exact && !exact_numbers(exact) ? cJSON_Print(exact) : NULL;
  cJSON_Delete(exact);
  if (!text) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  size_t n = strlen(text);
  text[n] = '\n';  /* replaces the NUL: a text file ends with a newline */
  int rc = bovw_write_file(path, text, n + 1, err);
  free(text);
  return rc;
}

cJSON *bovw_with_provenance(const cJSON *root, const char *dir) {
  cJSON *copy = cJSON_Duplicate(root, 1), *prov = bovw_provenance_json(dir);
  cJSON_DeleteItemFromObject(copy, "provenance");
  if (copy && prov && cJSON_AddItemToObject(copy, "provenance", prov)) return copy;
  cJSON_Delete(copy);
  cJSON_Delete(prov);
  return NULL;
}

int bovw_meta_write(const char *dir, const cJSON *meta, bovw_error *err) {
  char *path = bovw_path_join(dir, "meta.json");
  cJSON *full = bovw_with_provenance(meta, dir);
  int rc = path && full ? bovw_json_write(path, full, err)
                        : bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  cJSON_Delete(full);
  free(path);
  return rc;
}

void bovw_sha256_hex(const void *data, size_t n, char hex[65]) {
  struct sha256_ctx ctx;
  uint8_t d[SHA256_DIGEST_SIZE];
  sha256_init(&ctx);
  sha256_update(&ctx, n, data);
  sha256_digest(&ctx, sizeof d, d);
  for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

int bovw_json_read_noted(const char *path, cJSON **out, bovw_error *err) {
  *out = NULL;
  unsigned char *text;
  size_t n;
  int rc = bovw_read_file(path, 0, &text, &n, err);
  if (rc) return rc;
  char hex[65];
  bovw_sha256_hex(text, n, hex);
  cJSON *root = cJSON_ParseWithLength((const char *)text, n);
  free(text);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not a JSON object", path);
  }
  if (bovw_provenance_note_file(path, hex)) {
    cJSON_Delete(root);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", path);
  }
  *out = root;
  return BOVW_OK;
}

int bovw_meta_read(const char *dir, const char *kind, cJSON **out,
                   bovw_error *err) {
  *out = NULL;
  char *path = bovw_path_join(dir, "meta.json");
  if (!path) return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  if (access(path, F_OK) != 0) {
    free(path);
    return bovw_error_set(err, BOVW_ERR_IO,
                          "%s: no meta.json: not a bovw artifact, or the stage "
                          "that writes it did not finish",
                          dir);
  }
  cJSON *m;
  int rc = bovw_json_read_noted(path, &m, err);
  if (rc) {
    free(path);
    return rc;
  }
  const char *got = bovw_meta_string(m, "kind", NULL);
  double version = bovw_meta_number(m, "format_version", -1);
  if (!got) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no \"kind\"", path);
  } else if (kind && strcmp(got, kind) != 0) {
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: is a %s artifact, not %s",
                        dir, got, kind);
  } else if (version < 1 || version > BOVW_ARTIFACT_FORMAT) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: format version %g is not one this bovw (%s) reads",
                        path, version, BOVW_VERSION);
  }
  free(path);
  if (rc) {
    cJSON_Delete(m);
    return rc;
  }
  *out = m;
  return BOVW_OK;
}

int bovw_sha256_file(const char *path, char hex[65], bovw_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot open: %s", path,
                          strerror(errno));
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  unsigned char buf[1 << 16];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      close(fd);
      return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot read: %s", path,
                            strerror(e));
    }
    if (r == 0) break;
    sha256_update(&ctx, (size_t)r, buf);
  }
  close(fd);
  unsigned char digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof digest, digest);
  for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return BOVW_OK;
}

int bovw_meta_add_file(cJSON *parent, const char *key, const char *path,
                       bovw_error *err) {
  char hex[65];
  int rc = bovw_sha256_file(path, hex, err);
  if (rc) return rc;
  cJSON *o = cJSON_AddObjectToObject(parent, key);
  if (!o || !cJSON_AddStringToObject(o, "path", path) ||
      !cJSON_AddStringToObject(o, "sha256", hex))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  return BOVW_OK;
}

double bovw_meta_number(const cJSON *obj, const char *key, double fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

long long bovw_meta_whole(const cJSON *obj, const char *key, long long min, long long max,
                          long long fallback) {
  double v = bovw_meta_number(obj, key, NAN);
  /* Compared as doubles first, against max + 1 (exact where max itself may
   * round up, as LLONG_MAX does): only then is the conversion defined. */
  if (!(v >= (double)min && v < (double)max + 1.0) || v != floor(v)) return fallback;
  return (long long)v;
}

const char *bovw_meta_string(const cJSON *obj, const char *key,
                             const char *fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : fallback;
}

int bovw_meta_copy(cJSON *dst, const cJSON *src, const char *const *keys, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const cJSON *item = cJSON_GetObjectItem(src, keys[i]);
    if (!item) continue;
    cJSON *copy = cJSON_Duplicate(item, 1);
    if (!copy || !cJSON_AddItemToObject(dst, keys[i], copy)) {
      cJSON_Delete(copy);
      return 0;
    }
  }
  return 1;
}

int bovw_shards_check(const int *index, const int *count, char *const *names, size_t n,
                      bovw_error *err) {
  for (size_t i = 0; i < n; i++)
    if (count[i] != (int)n)
      return bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: shard %d of %d, but %zu shards were given",
                            names[i], index[i], count[i], n);
  size_t *by = malloc((n ? n : 1) * sizeof *by);  /* the shards by index (insertion: n is small) */
  if (!by) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    size_t k = i;
    for (; k > 0 && index[by[k - 1]] > index[i]; k--) by[k] = by[k - 1];
    by[k] = i;
  }
  int rc = BOVW_OK;
  for (size_t k = 0; k < n && !rc; k++) {
    if (k && index[by[k]] == index[by[k - 1]])
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "shard %d/%zu is given twice (%s, %s)",
                          index[by[k]], n, names[by[k - 1]], names[by[k]]);
    else if (index[by[k]] != (int)k + 1)
      rc = bovw_error_set(err, BOVW_ERR_MISMATCH, "shard %zu/%zu is missing", k + 1, n);
  }
  free(by);
  return rc;
}
