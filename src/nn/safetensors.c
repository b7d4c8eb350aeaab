/* safetensors.c: network weights in the safetensors format
 * (https://github.com/huggingface/safetensors):
 *
 *   8 bytes     N, the header's length, unsigned little-endian
 *   N bytes     a JSON object: for each tensor
 *                 "name": {"dtype": "F32", "shape": [...],
 *                          "data_offsets": [begin, end]}
 *               and "__metadata__": {"format": "bovw-nn",
 *                 "format_version": "1", "spec": "<the spec text>"}
 *               padded with spaces to a multiple of 8 bytes
 *   the rest    the tensors, little-endian, C order, at their offsets
 *               (relative to the end of the header), back to back
 *
 * so that Python's safetensors.torch.load_file reads bovw's weights, and a
 * state_dict saved with the same names loads here. docs/nn.md has more. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/fs.h"
#include "nn/internal.h"

#define FORMAT_NAME "bovw-nn"
#define FORMAT_VERSION 1
/* A header larger than this is not one of ours (safetensors caps it too). */
#define MAX_HEADER (100u << 20)

static void put_u64_le(unsigned char *b, uint64_t v) {
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64_le(const unsigned char *b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
  return v;
}

/* Floats to and from little-endian bytes, whatever the host's order. */
static void floats_to_le(const float *f, size_t n, unsigned char *out) {
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &f[i], 4);
    for (int k = 0; k < 4; k++) out[4 * i + k] = (unsigned char)(u >> (8 * k));
  }
}

static void floats_from_le(const unsigned char *in, size_t n, float *f) {
  for (size_t i = 0; i < n; i++) {
    uint32_t u = (uint32_t)in[4 * i] | (uint32_t)in[4 * i + 1] << 8 |
                 (uint32_t)in[4 * i + 2] << 16 | (uint32_t)in[4 * i + 3] << 24;
    memcpy(&f[i], &u, 4);
  }
}

static char *make_header(const bovw_nn_net *net, bovw_error *err) {
  bovw_nn_net *self = (bovw_nn_net *)net;  /* parameters are only read */
  char *spec_text = NULL, *text = NULL;
  cJSON *root = cJSON_CreateObject(), *meta = cJSON_CreateObject();
  int ok = root && meta && cJSON_AddItemToObject(root, "__metadata__", meta);
  if (!ok) cJSON_Delete(meta);
  char version[16];
  snprintf(version, sizeof version, "%d", FORMAT_VERSION);
  ok = ok && !bovw_nn_spec_to_text(bovw_nn_net_spec(net), &spec_text, NULL) &&
       cJSON_AddStringToObject(meta, "format", FORMAT_NAME) &&
       cJSON_AddStringToObject(meta, "format_version", version) &&
       cJSON_AddStringToObject(meta, "spec", spec_text);
  size_t offset = 0;
  for (size_t i = 0; ok && i < bovw_nn_net_num_params(self); i++) {
    const bovw_nn_param *p = bovw_nn_net_param(self, i);
    cJSON *t = cJSON_AddObjectToObject(root, p->name);
    cJSON *shape = t ? cJSON_AddArrayToObject(t, "shape") : NULL;
    cJSON *offsets = NULL;
    ok = t && cJSON_AddStringToObject(t, "dtype", "F32") && shape;
    for (int d = 0; ok && d < p->ndim; d++)
      ok = cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)p->shape[d]));
    ok = ok && (offsets = cJSON_AddArrayToObject(t, "data_offsets")) &&
         cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)offset)) &&
         cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)(offset + 4 * p->count)));
    offset += 4 * p->count;
  }
  if (ok) text = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  free(spec_text);
  if (!text) bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the weights header");
  return text;
}

int bovw_nn_net_save(const bovw_nn_net *net, const char *path, bovw_error *err) {
  bovw_nn_net *self = (bovw_nn_net *)net;
  char *header = make_header(net, err);
  if (!header) return BOVW_ERR_NOMEM;
  size_t hlen = strlen(header), padded = (hlen + 7) / 8 * 8;
  bovw_atomic_file f = {0};
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) {
    free(header);
    return rc;
  }
  unsigned char len[8];
  put_u64_le(len, padded);
  int ok = fwrite(len, 1, 8, f.fp) == 8 && fwrite(header, 1, hlen, f.fp) == hlen;
  for (size_t i = hlen; ok && i < padded; i++) ok = fputc(' ', f.fp) != EOF;
  free(header);
  unsigned char buf[4096];
  for (size_t i = 0; ok && i < bovw_nn_net_num_params(self); i++) {
    const bovw_nn_param *p = bovw_nn_net_param(self, i);
    for (size_t at = 0; ok && at < p->count; at += sizeof buf / 4) {
      size_t n = p->count - at < sizeof buf / 4 ? p->count - at : sizeof buf / 4;
      floats_to_le(p->value + at, n, buf);
      ok = fwrite(buf, 4, n, f.fp) == n;
    }
  }
  if (!ok) {
    bovw_atomic_abort(&f);
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot write", path);
  }
  return bovw_atomic_commit(&f, err);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct span {
  uint64_t begin, end;
  size_t param;  /* index of the parameter it holds */
} span;

static int by_begin(const void *a, const void *b) {
  const span *x = a, *y = b;
  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* A JSON number that is a whole number in [0, 2^53]. */
static int whole(const cJSON *item, uint64_t *out) {
  if (!cJSON_IsNumber(item)) return 0;
  double v = item->valuedouble;
  if (!(v >= 0 && v <= 9007199254740992.0) || v != (double)(uint64_t)v) return 0;
  *out = (uint64_t)v;
  return 1;
}

static int read_meta(const cJSON *root, const char *path, bovw_nn_spec **spec,
                     bovw_error *err) {
  const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
  const cJSON *spec_text = cJSON_GetObjectItemCaseSensitive(meta, "spec");
  const cJSON *format = cJSON_GetObjectItemCaseSensitive(meta, "format");
  const cJSON *version = cJSON_GetObjectItemCaseSensitive(meta, "format_version");
  if (!cJSON_IsObject(meta) || !cJSON_IsString(spec_text))
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: not a bovw network: no spec in __metadata__", path);
  if (cJSON_IsString(format) && strcmp(format->valuestring, FORMAT_NAME))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: format '%s', not '%s'", path,
                          format->valuestring, FORMAT_NAME);
  if (cJSON_IsString(version) && atoi(version->valuestring) > FORMAT_VERSION)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: format_version %s is newer than this bovw reads (%d)",
                          path, version->valuestring, FORMAT_VERSION);
  char name[512];
  snprintf(name, sizeof name, "%s (__metadata__ spec)", path);
  return bovw_nn_spec_parse(spec_text->valuestring, name, spec, err);
}

/* Checks the tensor entries against the net and, when copy is set, copies
 * their data in (a net made with shapes_only is checked, not filled). */
static int read_tensors(const cJSON *root, const char *path,
                        const unsigned char *data, uint64_t data_size,
                        bovw_nn_net *net, int copy, bovw_error *err) {
  const size_t n = bovw_nn_net_num_params(net);
  span *spans = malloc((n ? n : 1) * sizeof *spans);
  if (!spans) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  size_t entries = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, root) {
    if (!strcmp(item->string, "__metadata__")) continue;
    entries++;
    if (!bovw_nn_net_find_param(net, item->string)) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: tensor '%s' is not a parameter of the spec", path,
                          item->string);
      goto done;
    }
  }
  for (size_t i = 0; i < n; i++) {
    bovw_nn_param *p = bovw_nn_net_param(net, i);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, p->name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(t, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    if (!cJSON_IsObject(t)) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no tensor '%s'", path, p->name);
      goto done;
    }
    if (!cJSON_IsString(dtype) || strcmp(dtype->valuestring, "F32")) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: %s: dtype %s, only F32 is read",
                          path, p->name, cJSON_IsString(dtype) ? dtype->valuestring : "missing");
      goto done;
    }
    int same = cJSON_IsArray(shape) && cJSON_GetArraySize(shape) == p->ndim;
    for (int d = 0; same && d < p->ndim; d++) {
      uint64_t v;
      same = whole(cJSON_GetArrayItem(shape, d), &v) && v == (uint64_t)p->shape[d];
    }
    if (!same) {
      char want[96] = "";
      for (int d = 0; d < p->ndim; d++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld",
                 d ? ", " : "", (long long)p->shape[d]);
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: %s: shape is not [%s], as the spec says", path,
                          p->name, want);
      goto done;
    }
    uint64_t begin, end;
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2 ||
        !whole(cJSON_GetArrayItem(offsets, 0), &begin) ||
        !whole(cJSON_GetArrayItem(offsets, 1), &end) || begin > end ||
        end > data_size || end - begin != 4 * (uint64_t)p->count) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: %s: data_offsets are not [begin, begin + %zu] "
                          "within the %llu bytes of data", path, p->name,
                          4 * p->count, (unsigned long long)data_size);
      goto done;
    }
    spans[i] = (span){begin, end, i};
  }
  if (entries != n) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: %zu tensors for the %zu parameters of the spec "
                        "(a name given twice?)", path, entries, n);
    goto done;
  }
  /* The tensors tile the data: no gap, no overlap (as safetensors requires). */
  qsort(spans, n, sizeof *spans, by_begin);
  uint64_t at = 0;
  for (size_t i = 0; i < n; i++) {
    if (spans[i].begin != at) {
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: tensors %s at byte %llu of the data", path,
                          spans[i].begin < at ? "overlap" : "leave a gap",
                          (unsigned long long)spans[i].begin);
      goto done;
    }
    at = spans[i].end;
  }
  if (at != data_size) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: %llu bytes of data, but the tensors take %llu", path,
                        (unsigned long long)data_size, (unsigned long long)at);
    goto done;
  }
  for (size_t i = 0; copy && i < n; i++) {
    bovw_nn_param *p = bovw_nn_net_param(net, spans[i].param);
    floats_from_le(data + spans[i].begin, p->count, p->value);
  }
done:
  free(spans);
  return rc;
}

int bovw_nn_net_load(const char *path, int threads, bovw_nn_net **out,
                     bovw_error *err) {
  *out = NULL;
  unsigned char *bytes;
  size_t size;
  int rc = bovw_read_file(path, 0, &bytes, &size, err);
  if (rc) return rc;
  cJSON *root = NULL;
  bovw_nn_spec *spec = NULL;
  bovw_nn_net *net = NULL;
  uint64_t hlen = size >= 8 ? get_u64_le(bytes) : 0;
  if (size < 8) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: %zu bytes, too short for a safetensors file", path, size);
  } else if (hlen > size - 8 || hlen > MAX_HEADER) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: header length %llu runs past the end of the file "
                        "(%zu bytes): not a safetensors file, or cut short",
                        path, (unsigned long long)hlen, size);
  } else if (hlen < 2 || bytes[8] != '{' ||
             !(root = cJSON_ParseWithLength((const char *)bytes + 8, (size_t)hlen)) ||
             !cJSON_IsObject(root)) {
    rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                        "%s: the header is not a JSON object: not a safetensors file",
                        path);
  }
  if (!rc) rc = read_meta(root, path, &spec, err);
  /* The tensors are checked against a net of shapes alone first: the
   * weights are allocated only once the file is known to hold them all, so
   * a spec asking for more than the file has costs no memory. */
  bovw_nn_net_options opt = BOVW_NN_NET_OPTIONS_DEFAULT;
  opt.threads = threads;
  for (int pass = 0; pass < 2 && !rc; pass++) {
    opt.shapes_only = pass == 0;
    bovw_nn_net_free(net);
    rc = bovw_nn_net_new(spec, &opt, &net, err);
    if (rc) bovw_error_prefix(err, path);
    if (!rc)
      rc = read_tensors(root, path, bytes + 8 + hlen, size - 8 - hlen, net, pass, err);
  }
  cJSON_Delete(root);
  bovw_nn_spec_free(spec);
  free(bytes);
  if (rc) {
    bovw_nn_net_free(net);
    return rc;
  }
  bovw_nn_net_set_training(net, 0);
  *out = net;
  return BOVW_OK;
}
