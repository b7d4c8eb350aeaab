/* artifact.c: the net folder `bovw nn train` and `bovw nn fold` write and
 * `bovw nn eval` reads: weights.safetensors, spec.cfg, curve.csv, curve.svg
 * and meta.json (kind "net"; the keys are in docs/nn.md), and what applying
 * a trained net needs: its normalisation, its classes, the identity of the
 * encodings it was trained on, its batch norms folded. */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/manifest.h"
#include "io/runtime.h"
#include "nn/internal.h"

void bovw_nn_model_free(bovw_nn_model *self) {
  if (!self) return;
  bovw_nn_net_free(self->net);
  bovw_nn_norm_free(&self->norm);
  for (size_t c = 0; self->class_names && c < self->num_classes; c++) free(self->class_names[c]);
  free(self->class_names);
  cJSON_Delete(self->meta);
  free(self);
}

/* A float as the shortest decimal that reads back as the same float (nine
 * significant digits always do), so that eval normalises with exactly the
 * values training used. */
static cJSON *float_number(float v) {
  char text[32];
  snprintf(text, sizeof text, "%.9g", (double)v);
  return cJSON_CreateNumber(strtod(text, NULL));
}

static cJSON *float_array(const float *v, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; a && i < n; i++) {
    cJSON *x = float_number(v[i]);
    if (!x || !cJSON_AddItemToArray(a, x)) {
      cJSON_Delete(x);
      cJSON_Delete(a);
      return NULL;
    }
  }
  return a;
}

static int add_number_or_null(cJSON *obj, const char *key, double v) {
  return isfinite(v) ? cJSON_AddNumberToObject(obj, key, v) != NULL
                     : cJSON_AddNullToObject(obj, key) != NULL;
}

static cJSON *history_to_json(const bovw_nn_history *h) {
  cJSON *a = cJSON_CreateArray();
  for (int e = 0; a && e < h->num_epochs; e++) {
    const bovw_nn_epoch *p = &h->epochs[e];
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(a, o)) { /* from here on o belongs to a */
      cJSON_Delete(o);
      break;
    }
    int ok = cJSON_AddNumberToObject(o, "epoch", p->epoch) &&
             cJSON_AddNumberToObject(o, "lr", p->lr) &&
             add_number_or_null(o, "train_loss", p->train_loss) &&
             add_number_or_null(o, "train_acc", p->train_acc) &&
             add_number_or_null(o, "val_loss", p->val_loss) &&
             add_number_or_null(o, "val_acc", p->val_acc) &&
             cJSON_AddNumberToObject(o, "seconds", p->seconds) &&
             cJSON_AddNumberToObject(o, "images_per_second", p->images_per_second) &&
             (!p->diverged || cJSON_AddTrueToObject(o, "diverged"));
    cJSON *dead = ok ? cJSON_AddArrayToObject(o, "dead_relu") : NULL;
    for (int k = 0; dead && k < h->num_relu; k++) {
      cJSON *v = cJSON_CreateNumber(h->dead[(size_t)e * h->num_relu + k]);
      if (!v || !cJSON_AddItemToArray(dead, v)) dead = NULL;
    }
    if (!dead) break;
    cJSON *norms = cJSON_AddArrayToObject(o, "grad_norm");
    for (int k = 0; norms && k < h->num_weighted; k++) {
      const double g = h->grad_norm[(size_t)e * h->num_weighted + k];
      cJSON *v = isfinite(g) ? cJSON_CreateNumber(g) : cJSON_CreateNull();
      if (!v || !cJSON_AddItemToArray(norms, v)) norms = NULL;
    }
    if (!norms) break;
    if (e == h->num_epochs - 1) return a;
  }
  if (a && h->num_epochs == 0) return a;
  cJSON_Delete(a);
  return NULL;
}

static int64_t trainable_params(bovw_nn_net *net) {
  int64_t total = 0;
  for (size_t i = 0; i < bovw_nn_net_num_params(net); i++) {
    const bovw_nn_param *p = bovw_nn_net_param(net, i);
    if (p->trainable) total += (int64_t)p->count;
  }
  return total;
}

/* Adds a copy of item under key unless obj has the key already. */
static int add_copy(cJSON *obj, const char *key, const cJSON *item) {
  if (!item || cJSON_GetObjectItem(obj, key)) return 1;
  cJSON *copy = cJSON_Duplicate(item, 1);
  return copy && cJSON_AddItemToObject(obj, key, copy);
}

int bovw_nn_model_save(const bovw_nn_model *self, const char *spec_text,
                       const bovw_nn_history *history, const char *dir, bovw_error *err) {
  int rc = bovw_artifact_begin(dir, err);
  if (rc) return rc;
  char *wp = bovw_path_join(dir, "weights.safetensors"), *sp = bovw_path_join(dir, "spec.cfg");
  char *cp = bovw_path_join(dir, "curve.csv"), *gp = bovw_path_join(dir, "curve.svg");
  if (!wp || !sp || !cp || !gp) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_nn_net_save(self->net, wp, err);
  if (!rc) rc = bovw_write_file(sp, spec_text, strlen(spec_text), err);
  if (!rc && history) rc = bovw_nn_curve_write_csv(history, cp, err);
  if (!rc && history) {
    const char *name = bovw_meta_string(cJSON_GetObjectItem(self->meta, "spec"), "name", NULL);
    char title[256];
    snprintf(title, sizeof title, "bovw nn train%s%s", name ? ": " : "", name ? name : "");
    rc = bovw_nn_curve_write_svg(history, title, gp, err);
  }
  struct stat st;
  const double model_bytes = !rc && stat(wp, &st) == 0 ? (double)st.st_size : 0;
  free(wp);
  free(sp);
  free(cp);
  free(gp);
  if (rc) return rc;

  bovw_nn_net *net = self->net;
  const bovw_nn_spec *spec = bovw_nn_net_spec(net);
  cJSON *meta = bovw_meta_new("net");
  cJSON *input = meta ? cJSON_AddObjectToObject(meta, "input") : NULL;
  cJSON *norm = meta ? cJSON_AddObjectToObject(meta, "normalization") : NULL;
  int ok = input && norm && cJSON_AddNumberToObject(input, "channels", spec->input_c) &&
           cJSON_AddNumberToObject(input, "height", spec->input_h) &&
           cJSON_AddNumberToObject(input, "width", spec->input_w) &&
           /* A 1-D (C x 1 x L) or 3-D input says so; 2-D keeps the keys it had. */
           (spec->input_dims == 2 ||
            (cJSON_AddNumberToObject(input, "dims", spec->input_dims) &&
             cJSON_AddNumberToObject(input, "depth", spec->input_d))) &&
           cJSON_AddBoolToObject(meta, "from_encodings", self->from_encodings) &&
           cJSON_AddNumberToObject(meta, "num_classes", (double)self->num_classes);
  cJSON *names = ok ? cJSON_CreateStringArray((const char *const *)self->class_names,
                                              (int)self->num_classes)
                    : NULL;
  ok = ok && names && cJSON_AddItemToObject(meta, "classes", names);
  if (!ok && names && !cJSON_GetObjectItem(meta, "classes")) cJSON_Delete(names);
  cJSON *mean = ok ? float_array(self->norm.mean, self->norm.channels) : NULL;
  ok = ok && mean && cJSON_AddItemToObject(norm, "mean", mean);
  if (!ok && mean && !cJSON_GetObjectItem(norm, "mean")) cJSON_Delete(mean);
  cJSON *sd = ok ? float_array(self->norm.std, self->norm.channels) : NULL;
  ok = ok && sd && cJSON_AddItemToObject(norm, "std", sd);
  if (!ok && sd && !cJSON_GetObjectItem(norm, "std")) cJSON_Delete(sd);
  ok = ok && cJSON_AddNumberToObject(meta, "params", (double)trainable_params(net)) &&
       cJSON_AddNumberToObject(meta, "model_bytes", model_bytes);
  if (ok && history) {
    cJSON *layers = cJSON_CreateIntArray(history->relu_layers, history->num_relu);
    ok = layers && cJSON_AddItemToObject(meta, "relu_layers", layers);
    if (!ok) cJSON_Delete(layers);
    cJSON *weighted = ok ? cJSON_CreateIntArray(history->weighted_layers, history->num_weighted)
                         : NULL;
    ok = weighted && cJSON_AddItemToObject(meta, "weighted_layers", weighted);
    if (!ok) cJSON_Delete(weighted);
    cJSON *hist = ok ? history_to_json(history) : NULL;
    ok = ok && hist && cJSON_AddItemToObject(meta, "history", hist);
    if (!ok && hist) cJSON_Delete(hist);
    /* A run stopped by a loss that was not finite: its weights are lost. */
    const int diverged = history->num_epochs > 0 && history->epochs[history->num_epochs - 1].diverged;
    ok = ok && cJSON_AddBoolToObject(meta, "diverged", diverged) &&
         cJSON_AddNumberToObject(meta, "train_seconds", history->train_seconds) &&
         cJSON_AddNumberToObject(meta, "images_per_second", history->images_per_second);
  }
  const cJSON *item;
  cJSON_ArrayForEach(item, self->meta) {
    if (!ok) break;
    ok = add_copy(meta, item->string, item);
  }
  rc = ok ? bovw_meta_write(dir, meta, err) : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  cJSON_Delete(meta);
  return rc;
}

/* Reads n floats of the array key of obj; 0 or an error naming the file. */
static int read_floats(const cJSON *obj, const char *key, int n, float **out, const char *dir,
                       bovw_error *err) {
  const cJSON *a = cJSON_GetObjectItem(obj, key);
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s/meta.json: normalization.%s should be %d numbers", dir, key, n);
  if (!(*out = malloc((size_t)(n ? n : 1) * sizeof **out)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int i = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, a) {
    if (!cJSON_IsNumber(x))
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: normalization.%s[%d] is not a number",
                            dir, key, i);
    (*out)[i++] = (float)x->valuedouble;
  }
  return BOVW_OK;
}

int bovw_nn_model_open(const char *dir, int threads, bovw_nn_model **out, bovw_error *err) {
  *out = NULL;
  bovw_nn_model *self = calloc(1, sizeof *self);
  if (!self) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int rc = bovw_meta_read(dir, "net", &self->meta, err);
  char *wp = bovw_path_join(dir, "weights.safetensors");
  if (!rc && !wp) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_nn_net_load(wp, threads, &self->net, err);
  free(wp);
  if (!rc) {
    const cJSON *input = cJSON_GetObjectItem(self->meta, "input");
    const bovw_nn_spec *spec = bovw_nn_net_spec(self->net);
    const int c = (int)bovw_meta_whole(input, "channels", 1, INT_MAX, 0),
              d = (int)bovw_meta_whole(input, "depth", 1, INT_MAX, 1),
              h = (int)bovw_meta_whole(input, "height", 1, INT_MAX, 0),
              w = (int)bovw_meta_whole(input, "width", 1, INT_MAX, 0),
              dims = (int)bovw_meta_whole(input, "dims", 1, 3, 2);
    if (c != spec->input_c || d != spec->input_d || h != spec->input_h ||
        w != spec->input_w || dims != spec->input_dims) {
      char said[64], weights[64];
      bovw_nn_shape_format(dims, c, d, h, w, said, sizeof said);
      bovw_nn_shape_format(spec->input_dims, spec->input_c, spec->input_d, spec->input_h,
                           spec->input_w, weights, sizeof weights);
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: meta.json says the input is %s, the weights %s", dir, said,
                          weights);
    }
    self->from_encodings = cJSON_IsTrue(cJSON_GetObjectItem(self->meta, "from_encodings"));
  }
  if (!rc) {
    const cJSON *names = cJSON_GetObjectItem(self->meta, "classes");
    const size_t n = (size_t)cJSON_GetArraySize(names);
    if (!cJSON_IsArray(names) || n == 0 || n != bovw_nn_net_output_size(self->net))
      rc = bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: meta.json names %zu classes; the network scores %zu", dir, n,
                          bovw_nn_net_output_size(self->net));
    if (!rc && !(self->class_names = calloc(n, sizeof *self->class_names)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    for (size_t k = 0; !rc && k < n; k++) {
      const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(names, (int)k));
      self->num_classes = k + 1;
      if (!(self->class_names[k] = strdup(s ? s : "?")))
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
  }
  if (!rc) {
    const cJSON *norm = cJSON_GetObjectItem(self->meta, "normalization");
    const int c = bovw_nn_net_spec(self->net)->input_c;
    self->norm.channels = c;
    rc = read_floats(norm, "mean", c, &self->norm.mean, dir, err);
    if (!rc) rc = read_floats(norm, "std", c, &self->norm.std, dir, err);
    for (int k = 0; !rc && k < c; k++)
      if (!(self->norm.std[k] > 0))
        rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s/meta.json: normalization.std[%d] is %g",
                            dir, k, (double)self->norm.std[k]);
  }
  if (rc) {
    bovw_nn_model_free(self);
    return rc;
  }
  bovw_nn_net_set_training(self->net, 0);
  *out = self;
  return BOVW_OK;
}

int bovw_nn_model_check_encodings(const bovw_nn_model *self, const bovw_encodings *enc,
                                  const char *enc_name, bovw_error *err) {
  if (!self->from_encodings)
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "the net was trained on images, not encodings: give it a manifest");
  return bovw_encodings_check_identity(enc, enc_name, cJSON_GetObjectItem(self->meta, "encodings"),
                                       bovw_nn_net_input_size(self->net), "net", err);
}

int bovw_nn_model_check_classes(const bovw_nn_model *self, const bovw_nn_data *data,
                                const char *data_name, bovw_error *err) {
  return bovw_classes_check(data_name, data->class_names, data->num_classes, "net",
                            self->class_names, self->num_classes, err);
}

int bovw_nn_model_scores(bovw_nn_model *self, const bovw_nn_data *data, int batch,
                         float *scores, double *seconds, bovw_error *err) {
  if (batch < 1) return bovw_error_set(err, BOVW_ERR_INVALID, "batch size %d", batch);
  if (bovw_nn_data_sample_size(data) != bovw_nn_net_input_size(self->net))
    return bovw_error_set(err, BOVW_ERR_MISMATCH, "samples of %dx%dx%d for a net taking %zu values",
                          data->channels, data->height, data->width,
                          bovw_nn_net_input_size(self->net));
  const size_t size = bovw_nn_data_sample_size(data), k = self->num_classes;
  const double t0 = bovw_now();
  const int was_training = bovw_nn_net_training(self->net);
  bovw_nn_net_set_training(self->net, 0);
  int rc = BOVW_OK;
  for (size_t start = 0; start < data->count && !rc; start += (size_t)batch) {
    const int m = (int)(data->count - start < (size_t)batch ? data->count - start : (size_t)batch);
    const float *logits;
    rc = bovw_nn_net_forward(self->net, data->x + start * size, m, &logits, err);
    if (!rc) bovw_nn_softmax(logits, m, (int)k, scores + start * k);
  }
  bovw_nn_net_set_training(self->net, was_training);
  if (seconds) *seconds = bovw_now() - t0;
  return rc;
}

int bovw_nn_model_fold_batchnorm(bovw_nn_model *self, int *folded, bovw_error *err) {
  bovw_nn_net *net;
  int rc = bovw_nn_net_fold_batchnorm(self->net, &net, folded, err);
  if (rc) return rc;
  bovw_nn_net_free(self->net);
  self->net = net;
  return BOVW_OK;
}
