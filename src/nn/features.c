/* features.c: `bovw nn features`, what a trained net computes at one of its
 * layers for a set of encodings, written as encodings in turn (a linear
 * classifier or a picture can then look at the net's own representation). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/npy.h"
#include "io/runtime.h"
#include "nn/internal.h"

int bovw_nn_net_last_hidden(const bovw_nn_net *self) {
  const bovw_nn_spec *s = bovw_nn_net_spec(self);
  for (int i = s->num_layers - 1; i >= 0; i--)
    if (s->layers[i].kind == BOVW_NN_FC) return i - 1;
  return -1;
}

/* encodings.npy, labels.npy and meta.json of the features. */
static int write_features(const char *out_dir, const char *net_dir, const char *enc_dir,
                          const bovw_encodings *enc, const float *rows, const int32_t *labels,
                          size_t count, size_t dim, int layer, const char *kind,
                          double seconds, bovw_error *err) {
  char *vp = bovw_path_join(out_dir, "encodings.npy"), *lp = bovw_path_join(out_dir, "labels.npy");
  char *wp = bovw_path_join(net_dir, "weights.safetensors");
  char *net_abs = realpath(net_dir, NULL), *enc_abs = realpath(enc_dir, NULL);
  char sha[65];
  cJSON *meta = NULL;
  int rc = vp && lp && wp ? BOVW_OK : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_sha256_file(wp, sha, err);
  if (!rc) rc = bovw_artifact_begin(out_dir, err);
  const int64_t shape[2] = {(int64_t)count, (int64_t)dim};
  if (!rc) rc = bovw_npy_write(vp, BOVW_DTYPE_FLOAT32, 2, shape, rows, err);
  if (!rc) rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, shape, labels, err);
  if (!rc) {
    /* The identity a classifier of these rows checks: which net, which
     * layer, applied to what. */
    meta = bovw_meta_new("encodings");
    cJSON *params = meta ? cJSON_AddObjectToObject(meta, "params") : NULL;
    const cJSON *of = cJSON_GetObjectItem(enc->meta, "params");
    cJSON *of_copy = of ? cJSON_Duplicate(of, 1) : cJSON_CreateNull();
    int ok = params && cJSON_AddStringToObject(params, "encoding", "nn-features") &&
             cJSON_AddStringToObject(params, "net_weights_sha256", sha) &&
             cJSON_AddNumberToObject(params, "layer", layer) && of_copy &&
             cJSON_AddItemToObject(params, "of", of_copy);
    if (!ok) cJSON_Delete(of_copy);
    cJSON *net = ok ? cJSON_AddObjectToObject(meta, "net") : NULL;
    ok = net && cJSON_AddStringToObject(net, "path", net_abs ? net_abs : net_dir) &&
         cJSON_AddStringToObject(net, "weights_sha256", sha) &&
         cJSON_AddNumberToObject(net, "layer", layer) &&
         cJSON_AddStringToObject(net, "layer_kind", kind) &&
         cJSON_AddNumberToObject(meta, "count", (double)count) &&
         cJSON_AddNumberToObject(meta, "dim", (double)dim);
    cJSON *source = ok ? cJSON_AddObjectToObject(meta, "source") : NULL;
    ok = source && cJSON_AddStringToObject(source, "path", enc_abs ? enc_abs : enc_dir) &&
         bovw_meta_copy(meta, enc->meta, (const char *const[]){"classes"}, 1) &&
         cJSON_AddNumberToObject(meta, "seconds", seconds);
    rc = ok ? bovw_meta_write(out_dir, meta, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  cJSON_Delete(meta);
  free(vp);
  free(lp);
  free(wp);
  free(net_abs);
  free(enc_abs);
  return rc;
}

/* The rows as text: h0 .. h(dim-1), label, class. */
static int write_tsv(const char *path, const float *rows, const bovw_nn_data *data,
                     size_t dim, bovw_error *err) {
  bovw_atomic_file f = {0};
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  for (size_t j = 0; j < dim; j++) fprintf(f.fp, "h%zu\t", j);
  fputs("label\tclass\n", f.fp);
  for (size_t i = 0; i < data->count; i++) {
    for (size_t j = 0; j < dim; j++) fprintf(f.fp, "%.9g\t", rows[i * dim + j]);
    const int32_t y = data->labels[i];
    fprintf(f.fp, "%d\t%s\n", (int)y,
            data->class_names && (size_t)y < data->num_classes ? data->class_names[y] : "?");
  }
  return bovw_atomic_commit(&f, err);
}

int bovw_nn_features_run(const char *net_dir, const char *encodings_dir, int layer,
                         int threads, const char *out_dir, const char *tsv_path,
                         bovw_nn_features_summary *summary, bovw_error *err) {
  const double t0 = bovw_now();
  bovw_nn_model *model = NULL;
  bovw_encodings *enc = NULL;
  bovw_nn_data *data = NULL;
  float *rows = NULL;
  int rc = bovw_nn_model_open(net_dir, threads, &model, err);
  if (rc) goto done;
  if (cJSON_IsTrue(cJSON_GetObjectItem(model->meta, "diverged"))) {
    rc = bovw_error_set(err, BOVW_ERR_INVALID,
                        "%s: its training diverged (meta.json): its weights mean nothing", net_dir);
    goto done;
  }
  if (!model->from_encodings) {
    rc = bovw_error_set(err, BOVW_ERR_INVALID,
                        "%s was trained on images: nn features reads encodings only", net_dir);
    goto done;
  }
  bovw_nn_net *net = model->net;
  const int num_layers = nn_net_num_layers(net);
  if (layer < 0 && (layer = bovw_nn_net_last_hidden(net)) < 0) {
    rc = bovw_error_set(err, BOVW_ERR_INVALID,
                        "%s: no hidden layer (no fc layer after another layer): give --layer",
                        net_dir);
    goto done;
  }
  if (layer >= num_layers) {
    rc = bovw_error_set(err, BOVW_ERR_INVALID, "%s: layer %d: the net has layers 0 to %d",
                        net_dir, layer, num_layers - 1);
    goto done;
  }
  if ((rc = bovw_encodings_open(encodings_dir, &enc, err)) ||
      (rc = bovw_nn_model_check_encodings(model, enc, encodings_dir, err)) ||
      (rc = bovw_nn_data_from_encodings(enc, &data, err)))
    goto done;
  if (enc->class_names && (rc = bovw_nn_model_check_classes(model, data, encodings_dir, err)))
    goto done;
  if ((rc = bovw_nn_norm_apply(&model->norm, data, err))) goto done;

  /* Evaluation mode, not folded: the layer indices are the spec's. */
  const nn_layer *l = nn_net_layer(net, layer);
  const size_t dim = nn_out_size(l), size = bovw_nn_data_sample_size(data);
  const int batch_opt = (int)bovw_meta_number(cJSON_GetObjectItem(model->meta, "options"), "batch", 64);
  const size_t batch = batch_opt > 0 ? (size_t)batch_opt : 64;
  if (!(rows = malloc((data->count ? data->count : 1) * dim * sizeof *rows))) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu rows of %zu", data->count, dim);
    goto done;
  }
  bovw_nn_net_set_training(net, 0);
  for (size_t start = 0; start < data->count && !rc; start += batch) {
    const size_t m = data->count - start < batch ? data->count - start : batch;
    rc = bovw_nn_net_forward(net, data->x + start * size, (int)m, NULL, err);
    if (!rc) memcpy(rows + start * dim, nn_net_output(net, layer), m * dim * sizeof *rows);
  }
  if (rc) goto done;
  rc = write_features(out_dir, net_dir, encodings_dir, enc, rows, data->labels, data->count, dim,
                      layer, bovw_nn_kind_name(l->spec.kind), bovw_now() - t0, err);
  if (!rc && tsv_path) rc = write_tsv(tsv_path, rows, data, dim, err);
  if (!rc && summary) *summary = (bovw_nn_features_summary){data->count, dim, layer, l->spec.kind};
done:
  free(rows);
  bovw_nn_data_free(data);
  bovw_encodings_free(enc);
  bovw_nn_model_free(model);
  return rc;
}
