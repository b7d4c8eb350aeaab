/* params.c: extraction parameters: defaults, validation, JSON, comparison. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/extract.h"

static const char *const COLOR_NAMES[] = {"gray", "rgb", "hsv", "opponent"};

void bovw_extract_params_default(bovw_extract_params *p) {
  memset(p, 0, sizeof *p);
  /* The reference recipe's (VLFeat's phow_caltech101). */
  static const int sizes[] = {4, 6, 8, 10};
  memcpy(p->sizes, sizes, sizeof sizes);
  p->num_sizes = 4;
  p->step = 3;
  p->color = BOVW_COLOR_GRAY;
  p->max_side = 480;
  p->contrast_threshold = 0.005;
  p->magnif = 6;
  p->window_size = 1.5;
  p->fast = 1;
  p->float_descriptors = 0;
}

const char *bovw_extract_params_check(const bovw_extract_params *p) {
  if (p->num_sizes < 1 || p->num_sizes > BOVW_MAX_SIZES)
    return "between 1 and 8 bin sizes are needed";
  for (int i = 0; i < p->num_sizes; i++)
    if (p->sizes[i] < 1 || p->sizes[i] > 256)
      return "a bin size is not between 1 and 256 pixels";
  if (p->step < 1 || p->step > 1024) return "step is not between 1 and 1024";
  if ((unsigned)p->color > BOVW_COLOR_OPPONENT) return "unknown colour space";
  if (p->max_side < 0) return "max side is negative";
  if (p->min_side < 0) return "min side is negative";
  if (p->min_side > 0 && p->max_side > 0 && p->min_side > p->max_side)
    return "min side is above max side";
  if (!(p->contrast_threshold >= 0) || !isfinite(p->contrast_threshold))
    return "contrast threshold is negative";
  if (!(p->magnif > 0) || !isfinite(p->magnif)) return "magnif is not positive";
  if (!(p->window_size > 0) || !isfinite(p->window_size))
    return "window size is not positive";
  return NULL;
}

int bovw_extract_params_dim(const bovw_extract_params *p) {
  return p->color == BOVW_COLOR_GRAY ? 128 : 3 * 128;
}

const char *bovw_color_name(bovw_color c) {
  return (unsigned)c <= BOVW_COLOR_OPPONENT ? COLOR_NAMES[c] : "?";
}

int bovw_color_parse(const char *name, bovw_color *out) {
  for (int i = 0; i <= BOVW_COLOR_OPPONENT; i++)
    if (!strcmp(name, COLOR_NAMES[i])) {
      *out = (bovw_color)i;
      return 0;
    }
  return -1;
}

cJSON *bovw_extract_params_to_json(const bovw_extract_params *p) {
  cJSON *o = cJSON_CreateObject();
  cJSON *sizes = cJSON_CreateIntArray(p->sizes, p->num_sizes);
  if (!o || !sizes || !cJSON_AddItemToObject(o, "sizes", sizes)) {
    cJSON_Delete(o);
    cJSON_Delete(sizes);
    return NULL;
  }
  if (!cJSON_AddNumberToObject(o, "step", p->step) ||
      !cJSON_AddStringToObject(o, "color", bovw_color_name(p->color)) ||
      !cJSON_AddNumberToObject(o, "max_side", p->max_side) ||
      !cJSON_AddNumberToObject(o, "min_side", p->min_side) ||
      !cJSON_AddNumberToObject(o, "contrast_threshold", p->contrast_threshold) ||
      !cJSON_AddNumberToObject(o, "magnif", p->magnif) ||
      !cJSON_AddNumberToObject(o, "window_size", p->window_size) ||
      !cJSON_AddBoolToObject(o, "fast", p->fast) ||
      !cJSON_AddBoolToObject(o, "float_descriptors", p->float_descriptors) ||
      !cJSON_AddNumberToObject(o, "dim", bovw_extract_params_dim(p))) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

int bovw_extract_params_from_json(const cJSON *json, bovw_extract_params *p,
                                  bovw_error *err) {
  memset(p, 0, sizeof *p);
  const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(json, "sizes");
  const cJSON *color = cJSON_GetObjectItemCaseSensitive(json, "color");
  const cJSON *item;
  if (!cJSON_IsArray(sizes) || !cJSON_IsString(color) ||
      bovw_color_parse(color->valuestring, &p->color) != 0)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "extraction parameters lack sizes or a known colour");
  cJSON_ArrayForEach(item, sizes) {
    if (!cJSON_IsNumber(item) || p->num_sizes == BOVW_MAX_SIZES)
      return bovw_error_set(err, BOVW_ERR_FORMAT, "bad sizes in extraction parameters");
    p->sizes[p->num_sizes++] = item->valueint;
  }
  static const char *const numbers[] = {"step", "max_side", "contrast_threshold",
                                        "magnif", "window_size"};
  double v[5];
  for (int i = 0; i < 5; i++) {
    item = cJSON_GetObjectItemCaseSensitive(json, numbers[i]);
    if (!cJSON_IsNumber(item))
      return bovw_error_set(err, BOVW_ERR_FORMAT,
                            "extraction parameters lack \"%s\"", numbers[i]);
    v[i] = item->valuedouble;
  }
  /* Whole numbers in int's range, else 0 and -1, which the check below
   * refuses. */
  p->step = (int)bovw_meta_whole(json, "step", INT_MIN, INT_MAX, 0);
  p->max_side = (int)bovw_meta_whole(json, "max_side", INT_MIN, INT_MAX, -1);
  /* Absent from features made before the option existed: they never
   * enlarged. */
  item = cJSON_GetObjectItemCaseSensitive(json, "min_side");
  if (item && !cJSON_IsNumber(item))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "extraction parameters: bad \"min_side\"");
  p->min_side = item ? item->valueint : 0;
  p->contrast_threshold = v[2];
  p->magnif = v[3];
  p->window_size = v[4];
  const cJSON *fast = cJSON_GetObjectItemCaseSensitive(json, "fast");
  const cJSON *flt = cJSON_GetObjectItemCaseSensitive(json, "float_descriptors");
  if (!cJSON_IsBool(fast) || !cJSON_IsBool(flt))
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "extraction parameters lack fast or float_descriptors");
  p->fast = cJSON_IsTrue(fast);
  p->float_descriptors = cJSON_IsTrue(flt);
  const char *why = bovw_extract_params_check(p);
  if (why)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "extraction parameters: %s", why);
  return BOVW_OK;
}

static void format_sizes(const bovw_extract_params *p, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < p->num_sizes && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%d", i ? "," : "", p->sizes[i]);
}

int bovw_extract_params_equal(const bovw_extract_params *a,
                              const bovw_extract_params *b, const char *name_a,
                              const char *name_b, char *diff, size_t diff_size) {
  char sa[64], sb[64];
  format_sizes(a, sa, sizeof sa);
  format_sizes(b, sb, sizeof sb);
  char buf[512];
  buf[0] = '\0';
  const char *A = name_a, *B = name_b;
  if (strcmp(sa, sb))
    snprintf(buf, sizeof buf, "sizes are %s in %s, %s in %s", sa, A, sb, B);
  else if (a->step != b->step)
    snprintf(buf, sizeof buf, "step is %d in %s, %d in %s", a->step, A, b->step, B);
  else if (a->color != b->color)
    snprintf(buf, sizeof buf, "colour is %s in %s, %s in %s", bovw_color_name(a->color), A,
             bovw_color_name(b->color), B);
  else if (a->max_side != b->max_side)
    snprintf(buf, sizeof buf, "max side is %d in %s, %d in %s", a->max_side, A,
             b->max_side, B);
  else if (a->min_side != b->min_side)
    snprintf(buf, sizeof buf, "min side is %d in %s, %d in %s", a->min_side, A,
             b->min_side, B);
  else if (a->contrast_threshold != b->contrast_threshold)
    snprintf(buf, sizeof buf, "contrast threshold is %g in %s, %g in %s",
             a->contrast_threshold, A, b->contrast_threshold, B);
  else if (a->magnif != b->magnif)
    snprintf(buf, sizeof buf, "magnif is %g in %s, %g in %s", a->magnif, A, b->magnif, B);
  else if (a->window_size != b->window_size)
    snprintf(buf, sizeof buf, "window size is %g in %s, %g in %s", a->window_size, A,
             b->window_size, B);
  else if (a->fast != b->fast)
    snprintf(buf, sizeof buf, "fast is %s in %s, %s in %s", a->fast ? "on" : "off", A,
             b->fast ? "on" : "off", B);
  else if (a->float_descriptors != b->float_descriptors)
    snprintf(buf, sizeof buf, "descriptors are %s in %s, %s in %s",
             a->float_descriptors ? "float32" : "uint8", A,
             b->float_descriptors ? "float32" : "uint8", B);
  if (diff && diff_size) snprintf(diff, diff_size, "%s", buf);
  return buf[0] == '\0';
}
