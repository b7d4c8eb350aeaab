/* params.c: encoding parameters: defaults, parsing, checks, JSON. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/encode.h"

static const char *const ENCODINGS[] = {"hist", "vlad", "fisher"};
static const char *const KMAPS[] = {"none", "chi2", "intersection", "js"};
static const char *const NORMS[] = {"l1", "l2", "sqrt", "power"};
static const char *const ASSIGNS[] = {"exact", "ann", "prerank"};

#define FIND(table, name, out)                                      \
  do {                                                              \
    for (size_t i_ = 0; i_ < sizeof table / sizeof table[0]; i_++)  \
      if (!strcmp(name, table[i_])) {                               \
        *(out) = (__typeof__(*(out)))i_;                            \
        return 0;                                                   \
      }                                                             \
    return -1;                                                      \
  } while (0)

const char *bovw_encoding_name(bovw_encoding e) {
  return (unsigned)e < 3 ? ENCODINGS[e] : "?";
}
int bovw_encoding_parse(const char *name, bovw_encoding *out) { FIND(ENCODINGS, name, out); }
const char *bovw_kernel_map_name(bovw_kernel_map k) { return (unsigned)k < 4 ? KMAPS[k] : "?"; }
int bovw_kernel_map_parse(const char *name, bovw_kernel_map *out) { FIND(KMAPS, name, out); }
const char *bovw_assign_name(bovw_assign a) { return (unsigned)a < 3 ? ASSIGNS[a] : "?"; }
int bovw_assign_parse(const char *name, bovw_assign *out) { FIND(ASSIGNS, name, out); }
const char *bovw_norm_name(bovw_norm n) { return (unsigned)n < 4 ? NORMS[n] : "?"; }
static int norm_parse(const char *name, bovw_norm *out) { FIND(NORMS, name, out); }

void bovw_encode_params_default(bovw_encode_params *p, bovw_encoding encoding) {
  memset(p, 0, sizeof *p);
  p->encoding = encoding;
  p->assign = BOVW_ASSIGN_EXACT;
  p->ann_checks = 15;  /* VLFeat's phow_caltech101 kd-tree quantiser */
  p->ann_trees = 1;
  p->prerank_dims = 24;       /* 99.7% of Caltech-101 SIFT descriptors get */
  p->prerank_candidates = 8;  /* the exact search's word (bench/RESULTS.md) */
  p->power_alpha = 0.5;
  p->kernel_order = 1;
  p->kernel_gamma = 0.5;
  if (encoding == BOVW_ENCODING_HIST) {
    /* The reference recipe: 2x2 and 4x4, L1, chi2 map. */
    p->levels = 2;
    p->level_x[0] = p->level_y[0] = 2;
    p->level_x[1] = p->level_y[1] = 4;
    p->num_norms = 1;
    p->norms[0] = BOVW_NORM_L1;
    p->kernel_map = BOVW_KMAP_CHI2;
    p->level_l1 = 1;
  } else {
    /* The Fisher-vector literature's 1x1 + 2x2 + 3x1 (Chatfield et al. 2011). */
    p->levels = 3;
    p->level_x[0] = p->level_y[0] = 1;
    p->level_x[1] = p->level_y[1] = 2;
    p->level_x[2] = 1;
    p->level_y[2] = 3;
    if (encoding == BOVW_ENCODING_VLAD) {
      p->num_norms = 2;
      p->norms[0] = BOVW_NORM_SQRT;
      p->norms[1] = BOVW_NORM_L2;
    } else {
      p->num_norms = 1;
      p->norms[0] = BOVW_NORM_L2;
    }
    p->kernel_map = BOVW_KMAP_NONE;
  }
}

int bovw_encode_parse_pyramid(const char *text, bovw_encode_params *p, bovw_error *err) {
  char *copy = strdup(text), *save = NULL;
  if (!copy) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  p->levels = 0;
  for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
    int x, y;
    char tail;
    if (p->levels == BOVW_MAX_LEVELS)
      rc = bovw_error_set(err, BOVW_ERR_INVALID, "pyramid: at most %d levels", BOVW_MAX_LEVELS);
    else if (sscanf(tok, "%dx%d%c", &x, &y, &tail) != 2 || x < 1 || y < 1 || x > 64 || y > 64)
      rc = bovw_error_set(err, BOVW_ERR_INVALID,
                          "pyramid: '%s' is not COLUMNSxROWS (such as 2x2)", tok);
    else {
      p->level_x[p->levels] = x;
      p->level_y[p->levels] = y;
      p->levels++;
    }
  }
  free(copy);
  if (!rc && !p->levels) rc = bovw_error_set(err, BOVW_ERR_INVALID, "pyramid: no level");
  return rc;
}

int bovw_encode_parse_norms(const char *text, bovw_encode_params *p, bovw_error *err) {
  char *copy = strdup(text), *save = NULL;
  if (!copy) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = BOVW_OK;
  p->num_norms = 0;
  if (strcmp(text, "none") != 0)
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
      if (p->num_norms == BOVW_MAX_NORMS)
        rc = bovw_error_set(err, BOVW_ERR_INVALID, "at most %d norms", BOVW_MAX_NORMS);
      else if (norm_parse(tok, &p->norms[p->num_norms]))
        rc = bovw_error_set(err, BOVW_ERR_INVALID,
                            "norm '%s' is not l1, l2, sqrt, power or none", tok);
      else
        p->num_norms++;
    }
  free(copy);
  return rc;
}

const char *bovw_encode_params_check(const bovw_encode_params *p) {
  if ((unsigned)p->encoding > BOVW_ENCODING_FISHER) return "unknown encoding";
  if (p->levels < 1 || p->levels > BOVW_MAX_LEVELS) return "the pyramid needs 1 to 8 levels";
  if (p->ann_checks < 1) return "ANN comparisons must be at least 1";
  if (p->ann_trees < 1) return "ANN trees must be at least 1";
  if ((unsigned)p->assign > BOVW_ASSIGN_PRERANK) return "unknown assignment";
  if (p->prerank_dims < 1 || p->prerank_dims > 4096)
    return "pre-ranking dimensions must be 1 to 4096";
  if (p->prerank_candidates < 1 || p->prerank_candidates > 32)
    return "pre-ranking candidates must be 1 to 32";
  if (p->kernel_order < 0 || p->kernel_order > 10) return "kernel order is not 0 to 10";
  if (!(p->kernel_gamma > 0) || p->kernel_gamma > 10) return "kernel gamma is not in (0, 10]";
  if (!(p->power_alpha > 0) || p->power_alpha > 1) return "power alpha is not in (0, 1]";
  return NULL;
}

size_t bovw_encode_dim(const bovw_encode_params *p, const bovw_codebook *cb) {
  size_t cells = 0;
  for (int l = 0; l < p->levels; l++) cells += (size_t)p->level_x[l] * p->level_y[l];
  size_t per_cell = p->encoding == BOVW_ENCODING_HIST   ? (size_t)cb->k
                    : p->encoding == BOVW_ENCODING_VLAD ? (size_t)cb->k * cb->dim
                                                        : 2 * (size_t)cb->k * cb->dim;
  size_t map = p->kernel_map == BOVW_KMAP_NONE ? 1 : 2 * (size_t)p->kernel_order + 1;
  return cells * per_cell * map;
}

cJSON *bovw_encode_params_to_json(const bovw_encode_params *p) {
  cJSON *o = cJSON_CreateObject(), *pyr = cJSON_CreateArray(), *norms = cJSON_CreateArray();
  int ok = o && pyr && norms;
  for (int l = 0; ok && l < p->levels; l++) {
    char s[32];
    snprintf(s, sizeof s, "%dx%d", p->level_x[l], p->level_y[l]);
    ok = cJSON_AddItemToArray(pyr, cJSON_CreateString(s));
  }
  for (int i = 0; ok && i < p->num_norms; i++)
    ok = cJSON_AddItemToArray(norms, cJSON_CreateString(bovw_norm_name(p->norms[i])));
  ok = ok && cJSON_AddStringToObject(o, "encoding", bovw_encoding_name(p->encoding)) &&
       cJSON_AddItemToObject(o, "pyramid", pyr) && (pyr = NULL, 1) &&
       cJSON_AddBoolToObject(o, "level_l1", p->level_l1) &&
       cJSON_AddStringToObject(o, "assign", bovw_assign_name(p->assign)) &&
       cJSON_AddNumberToObject(o, "ann_checks", p->ann_checks) &&
       cJSON_AddNumberToObject(o, "ann_trees", p->ann_trees) &&
       cJSON_AddNumberToObject(o, "prerank_dims", p->prerank_dims) &&
       cJSON_AddNumberToObject(o, "prerank_candidates", p->prerank_candidates) &&
       cJSON_AddItemToObject(o, "norms", norms) && (norms = NULL, 1) &&
       cJSON_AddNumberToObject(o, "power_alpha", p->power_alpha) &&
       cJSON_AddStringToObject(o, "kernel_map", bovw_kernel_map_name(p->kernel_map)) &&
       cJSON_AddNumberToObject(o, "kernel_order", p->kernel_order) &&
       cJSON_AddNumberToObject(o, "kernel_gamma", p->kernel_gamma);
  cJSON_Delete(pyr);
  cJSON_Delete(norms);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

int bovw_encode_params_from_json(const cJSON *json, bovw_encode_params *p, bovw_error *err) {
  const char *enc = cJSON_GetStringValue(cJSON_GetObjectItem(json, "encoding"));
  bovw_encoding e;
  if (!enc || bovw_encoding_parse(enc, &e))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "encoding parameters: no known encoding");
  bovw_encode_params_default(p, e);
  const cJSON *item;
  p->levels = 0;
  cJSON_ArrayForEach(item, cJSON_GetObjectItem(json, "pyramid")) {
    int x, y;
    if (!cJSON_IsString(item) || sscanf(item->valuestring, "%dx%d", &x, &y) != 2 ||
        p->levels == BOVW_MAX_LEVELS)
      return bovw_error_set(err, BOVW_ERR_FORMAT, "encoding parameters: bad pyramid");
    p->level_x[p->levels] = x;
    p->level_y[p->levels] = y;
    p->levels++;
  }
  p->num_norms = 0;
  cJSON_ArrayForEach(item, cJSON_GetObjectItem(json, "norms")) {
    if (!cJSON_IsString(item) || p->num_norms == BOVW_MAX_NORMS ||
        norm_parse(item->valuestring, &p->norms[p->num_norms]))
      return bovw_error_set(err, BOVW_ERR_FORMAT, "encoding parameters: bad norms");
    p->num_norms++;
  }
  p->level_l1 = cJSON_IsTrue(cJSON_GetObjectItem(json, "level_l1"));
  const char *assign = cJSON_GetStringValue(cJSON_GetObjectItem(json, "assign"));
  if (!assign || bovw_assign_parse(assign, &p->assign))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "encoding parameters: bad assignment");
  const char *kmap = cJSON_GetStringValue(cJSON_GetObjectItem(json, "kernel_map"));
  if (!kmap || bovw_kernel_map_parse(kmap, &p->kernel_map))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "encoding parameters: bad kernel map");
  /* Whole numbers in int's range; anything else becomes -1, which the
   * check below refuses. */
  p->ann_checks = (int)bovw_meta_whole(json, "ann_checks", INT_MIN, INT_MAX, -1);
  p->ann_trees = (int)bovw_meta_whole(json, "ann_trees", INT_MIN, INT_MAX, -1);
  /* Absent from encodings written before pre-ranking existed: defaults. */
  const cJSON *dims = cJSON_GetObjectItem(json, "prerank_dims");
  const cJSON *candidates = cJSON_GetObjectItem(json, "prerank_candidates");
  if (dims) p->prerank_dims = (int)bovw_meta_whole(json, "prerank_dims", INT_MIN, INT_MAX, -1);
  if (candidates)
    p->prerank_candidates = (int)bovw_meta_whole(json, "prerank_candidates", INT_MIN, INT_MAX, -1);
  p->power_alpha = cJSON_GetNumberValue(cJSON_GetObjectItem(json, "power_alpha"));
  p->kernel_order = (int)bovw_meta_whole(json, "kernel_order", INT_MIN, INT_MAX, -1);
  p->kernel_gamma = cJSON_GetNumberValue(cJSON_GetObjectItem(json, "kernel_gamma"));
  const char *why = bovw_encode_params_check(p);
  if (why) return bovw_error_set(err, BOVW_ERR_FORMAT, "encoding parameters: %s", why);
  return BOVW_OK;
}
