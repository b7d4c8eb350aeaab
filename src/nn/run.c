/* run.c: `bovw nn train`, `bovw nn eval` and `bovw nn fold` as library
 * calls: the spec and the data in, a net folder or a report out; a net
 * folder in, its folded copy out. The command-line program only parses
 * options and prints. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/provenance.h"
#include "bovw/report.h"
#include "io/runtime.h"
#include "nn/internal.h"

static int check_source(const bovw_nn_source *s, bovw_error *err) {
  if (!s || (!s->manifest) == (!s->encodings))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "give either a manifest or an encodings folder, not both or neither");
  return BOVW_OK;
}

/* {"path": absolute path, "sha256": ...} of a file (sha256 may be NULL). */
static cJSON *file_identity(const char *path, const char *sha256) {
  cJSON *o = cJSON_CreateObject();
  char *abs = realpath(path, NULL);
  int ok = o && cJSON_AddStringToObject(o, "path", abs ? abs : path) &&
           (!sha256 || cJSON_AddStringToObject(o, "sha256", sha256));
  free(abs);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* The name of a spec: its file name without ".cfg". */
static void spec_name(const char *path, char *out, size_t size) {
  char *copy = strdup(path);
  const char *base = copy ? basename(copy) : path;
  snprintf(out, size, "%s", base);
  free(copy);
  size_t n = strlen(out);
  if (n > 4 && !strcmp(out + n - 4, ".cfg")) out[n - 4] = '\0';
}

/* Loads the training or test data of a source: images at c x h x w, or
 * encodings (whose open object is returned in *enc for identity checks). */
static int load_source(const bovw_nn_source *s, int c, int h, int w, int threads,
                       const bovw_monitor *monitor, bovw_nn_data **data,
                       bovw_manifest **manifest, bovw_encodings **enc, bovw_error *err) {
  *data = NULL;
  int rc;
  if (s->manifest) {
    rc = bovw_manifest_read(s->manifest, manifest, err);
    if (!rc) rc = bovw_nn_data_from_manifest(*manifest, c, h, w, threads, monitor, data, err);
    if (rc && err && !strstr(err->message, s->manifest)) bovw_error_prefix(err, s->manifest);
  } else {
    rc = bovw_encodings_open(s->encodings, enc, err);
    if (!rc) {
      rc = bovw_nn_data_from_encodings(*enc, data, err);
      if (rc) bovw_error_prefix(err, s->encodings);
    }
  }
  return rc;
}

/* Encodings rows of D values as samples of the spec's input shape, which
 * must hold D values: D x 1 x 1, C x L (kept as C x 1 x L), C x H x W, or
 * C x D' x H x W (kept as C x (D' H) x W: the per-channel statistics only
 * need each channel's values). */
static int shape_encodings(const bovw_nn_spec *spec, bovw_nn_data *data, const char *spec_name,
                           const char *enc_name, bovw_error *err) {
  const int dims = spec->input_dims ? spec->input_dims : 2;
  const int depth = spec->input_d ? spec->input_d : 1;
  const size_t want = (size_t)spec->input_c * depth * spec->input_h * spec->input_w;
  const size_t dim = bovw_nn_data_sample_size(data);
  if (want != dim) {
    char shape[64];
    bovw_nn_shape_format(dims, spec->input_c, depth, spec->input_h, spec->input_w, shape,
                         sizeof shape);
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "%s: input %s takes %zu values a sample, but the encodings of %s "
                          "have %zu (write 'input %zux1x1' or leave the input line out)",
                          spec_name, shape, want, enc_name, dim, dim);
  }
  return bovw_nn_data_reshape(data, spec->input_c, depth * spec->input_h, spec->input_w, err);
}

int bovw_nn_train_run(const char *spec_path, const bovw_nn_source *source,
                      const bovw_nn_train_options *o, const char *out_dir,
                      const bovw_monitor *monitor, bovw_nn_epoch_fn on_epoch, void *ctx,
                      bovw_nn_train_summary *summary, bovw_error *err) {
  const double t0 = bovw_now();
  int rc = check_source(source, err);
  const char *bad = rc ? NULL : bovw_nn_train_options_check(o);
  if (bad) rc = bovw_error_set(err, BOVW_ERR_INVALID, "%s", bad);
  if (rc) return rc;
  if (o->augment && source->encodings)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "augmentation crops and flips images: it does not apply to encodings");
  unsigned char *text = NULL;
  size_t text_size;
  bovw_nn_spec *spec = NULL;
  bovw_manifest *manifest = NULL;
  bovw_encodings *enc = NULL;
  bovw_nn_data *train = NULL, *val = NULL;
  bovw_nn_net *net = NULL;
  bovw_nn_history *history = NULL;
  bovw_nn_model model = {0};
  char spec_sha[65];
  rc = bovw_read_file(spec_path, 0, &text, &text_size, err);
  if (!rc) rc = bovw_nn_spec_parse((const char *)text, spec_path, &spec, err);
  if (!rc) rc = bovw_sha256_file(spec_path, spec_sha, err);
  if (rc) goto done;

  /* The input: the spec's shape for images; dim x 1 x 1 for encodings. */
  if (source->manifest) {
    if (spec->input_c <= 0) {
      rc = bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s: no 'input CxHxW' line: images need a size to be resized to",
                          spec_path);
    } else if (spec->input_dims == 1 || spec->input_dims == 3) {
      char shape[64];
      bovw_nn_shape_format(spec->input_dims, spec->input_c, spec->input_d, spec->input_h,
                           spec->input_w, shape, sizeof shape);
      rc = bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s: input %s is %d-D, but images are 2-D (CxHxW): give a %d-D "
                          "net encodings of %s values a row", spec_path, shape,
                          spec->input_dims, spec->input_dims,
                          spec->input_dims == 1 ? "C L" : "C D H W");
    } else if (spec->input_c != 1 && spec->input_c != 3) {
      rc = bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s: input %dx%dx%d: images have 1 (gray) or 3 (RGB) channels",
                          spec_path, spec->input_c, spec->input_h, spec->input_w);
    }
  }
  if (rc) goto done;
  rc = load_source(source, spec->input_c, spec->input_h, spec->input_w, o->threads, monitor,
                   &train, &manifest, &enc, err);
  if (rc) goto done;
  const double loaded = bovw_now();
  if (source->encodings && spec->input_c > 0 &&
      (rc = shape_encodings(spec, train, spec_path, source->encodings, err)))
    goto done;

  bovw_nn_net_options no = BOVW_NN_NET_OPTIONS_DEFAULT;
  if (spec->input_c <= 0) { /* encodings, as D x 1 x 1 */
    no.input_c = train->channels;
    no.input_h = train->height;
    no.input_w = train->width;
  }
  no.classes = (int)train->num_classes;
  no.seed = o->seed;
  no.threads = o->threads;
  if ((rc = bovw_nn_net_new(spec, &no, &net, err))) {
    bovw_error_prefix(err, spec_path);
    goto done;
  }
  if (bovw_nn_net_output_size(net) != train->num_classes) {
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "%s: the network gives %zu scores, but the data has %zu classes "
                        "(end with 'fc classes' to follow the data)",
                        spec_path, bovw_nn_net_output_size(net), train->num_classes);
    goto done;
  }
  if ((rc = bovw_nn_data_holdout(train, o->val_fraction, o->seed, &val, err))) goto done;
  if (o->val_fraction > 0 && val->count == 0)
    bovw_monitor_warning(monitor, "no sample held out for validation: every class has too few "
                                  "samples for --val-fraction %g", o->val_fraction);
  /* Statistics of the training part only: validation stays unseen. */
  if ((rc = bovw_nn_norm_fit(train, &model.norm, err))) goto done;
  rc = bovw_nn_norm_apply(&model.norm, train, err);
  if (!rc) rc = bovw_nn_norm_apply(&model.norm, val, err);
  if (!rc)
    rc = bovw_nn_train(net, train, val, &model.norm, o, monitor, on_epoch, ctx, &history, err);
  if (rc) goto done;

  /* The net folder. */
  model.net = net;
  model.num_classes = train->num_classes;
  model.class_names = train->class_names;
  model.from_encodings = source->encodings != NULL;
  model.meta = cJSON_CreateObject();
  char name[256];
  spec_name(spec_path, name, sizeof name);
  cJSON *spec_id = file_identity(spec_path, spec_sha);
  cJSON *options = bovw_nn_train_options_to_json(o);
  cJSON *data_id = cJSON_CreateObject();
  int ok = model.meta && spec_id && cJSON_AddStringToObject(spec_id, "name", name) &&
           cJSON_AddItemToObject(model.meta, "spec", spec_id);
  if (!ok) cJSON_Delete(spec_id);
  ok = ok && options && cJSON_AddItemToObject(model.meta, "options", options);
  if (!ok) cJSON_Delete(options);
  ok = ok && data_id && cJSON_AddItemToObject(model.meta, "train", data_id);
  if (!ok) cJSON_Delete(data_id);
  if (ok && source->manifest) {
    cJSON *mid = file_identity(source->manifest, manifest->sha256);
    ok = mid && cJSON_AddItemToObject(data_id, "manifest", mid);
    if (!ok) cJSON_Delete(mid);
  } else if (ok) {
    cJSON *eid = file_identity(source->encodings, NULL);
    ok = eid && cJSON_AddItemToObject(data_id, "encodings", eid);
    if (!ok) cJSON_Delete(eid);
    /* What eval checks: the identity of these encodings. */
    cJSON *id = ok ? cJSON_AddObjectToObject(model.meta, "encodings") : NULL;
    const char *keys[] = {"params", "codebook", "features"};
    ok = id && cJSON_AddNumberToObject(id, "dim", (double)enc->dim);
    for (int k = 0; ok && k < 3; k++) {
      const cJSON *item = cJSON_GetObjectItem(enc->meta, keys[k]);
      cJSON *copy = item ? cJSON_Duplicate(item, 1) : NULL;
      ok = !item || (copy && cJSON_AddItemToObject(id, keys[k], copy));
    }
  }
  ok = ok && cJSON_AddNumberToObject(data_id, "count", (double)train->count) &&
       cJSON_AddNumberToObject(data_id, "val_count", (double)val->count) &&
       cJSON_AddNumberToObject(data_id, "skipped", (double)train->skipped) &&
       cJSON_AddNumberToObject(model.meta, "load_seconds", loaded - t0) &&
       cJSON_AddNumberToObject(model.meta, "total_seconds", bovw_now() - t0);
  if (!ok) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((rc = bovw_nn_model_save(&model, (const char *)text, history, out_dir, err))) goto done;
  if (summary) {
    memset(summary, 0, sizeof *summary);
    summary->train_count = train->count;
    summary->val_count = val->count;
    summary->skipped = train->skipped;
    summary->num_classes = train->num_classes;
    for (size_t i = 0; i < bovw_nn_net_num_params(net); i++)
      if (bovw_nn_net_param(net, i)->trainable)
        summary->params += (int64_t)bovw_nn_net_param(net, i)->count;
    summary->seconds = bovw_now() - t0;
    summary->last = history->epochs[history->num_epochs - 1];
  }
done:
  cJSON_Delete(model.meta);
  bovw_nn_norm_free(&model.norm);
  bovw_nn_history_free(history);
  bovw_nn_net_free(net);
  bovw_nn_data_free(train);
  bovw_nn_data_free(val);
  bovw_encodings_free(enc);
  bovw_manifest_free(manifest);
  bovw_nn_spec_free(spec);
  free(text);
  return rc;
}

int bovw_nn_eval_run(const char *net_dir, const bovw_nn_source *source, int threads,
                     const char *report_dir, const bovw_monitor *monitor, bovw_report **out,
                     bovw_error *err) {
  return bovw_nn_eval_run_folding(net_dir, source, threads, 1, report_dir, monitor, out, err);
}

int bovw_nn_eval_run_folding(const char *net_dir, const bovw_nn_source *source, int threads,
                             int fold, const char *report_dir, const bovw_monitor *monitor,
                             bovw_report **out, bovw_error *err) {
  if (out) *out = NULL;
  int rc = check_source(source, err);
  if (rc) return rc;
  bovw_nn_model *model = NULL;
  bovw_manifest *manifest = NULL;
  bovw_encodings *enc = NULL;
  bovw_nn_data *data = NULL;
  bovw_report *report = NULL;
  float *scores = NULL;
  cJSON *info = NULL;
  int folded = 0;
  if ((rc = bovw_nn_model_open(net_dir, threads, &model, err))) goto done;
  if (cJSON_IsTrue(cJSON_GetObjectItem(model->meta, "diverged"))) {
    rc = bovw_error_set(err, BOVW_ERR_INVALID,
                        "%s: its training diverged (meta.json): no weights to score with",
                        net_dir);
    goto done;
  }
  /* Inference never needs batch norm as a layer of its own: folded, the
   * scores are the same within float rounding and cost less. */
  if (fold && (rc = bovw_nn_model_fold_batchnorm(model, &folded, err))) {
    bovw_error_prefix(err, net_dir);
    goto done;
  }
  folded += (int)bovw_meta_number(cJSON_GetObjectItem(model->meta, "fold"), "batchnorm_folded", 0);
  if (model->from_encodings && source->manifest) {
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "%s was trained on encodings: give it encodings, not a manifest", net_dir);
    goto done;
  }
  if (!model->from_encodings && source->encodings) {
    rc = bovw_error_set(err, BOVW_ERR_MISMATCH,
                        "%s was trained on images: give it a manifest, not encodings", net_dir);
    goto done;
  }
  const bovw_nn_spec *spec = bovw_nn_net_spec(model->net);
  const char *data_name = source->manifest ? source->manifest : source->encodings;
  const double load_t0 = bovw_now();  /* from pixels: decoding the images counts */
  if (source->encodings) { /* check the encodings before copying them */
    if ((rc = bovw_encodings_open(source->encodings, &enc, err))) goto done;
    if ((rc = bovw_nn_model_check_encodings(model, enc, source->encodings, err))) goto done;
    if ((rc = bovw_nn_data_from_encodings(enc, &data, err))) goto done;
    if ((rc = shape_encodings(spec, data, net_dir, source->encodings, err))) goto done;
  } else {
    rc = load_source(source, spec->input_c, spec->input_h, spec->input_w, threads, monitor,
                     &data, &manifest, &enc, err);
    if (rc) goto done;
  }
  if ((!enc || enc->class_names) &&
      (rc = bovw_nn_model_check_classes(model, data, data_name, err)))
    goto done;
  if ((rc = bovw_nn_norm_apply(&model->norm, data, err))) goto done;
  const cJSON *options = cJSON_GetObjectItem(model->meta, "options");
  const int batch = (int)bovw_meta_number(options, "batch", 64);
  if (!(scores = malloc(data->count * model->num_classes * sizeof *scores))) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  double seconds;
  if ((rc = bovw_nn_model_scores(model, data, batch > 0 ? batch : 64, scores, &seconds, err)))
    goto done;
  if ((rc = bovw_report_from_scores(scores, data->labels, data->count, model->num_classes,
                                    model->class_names, &report, err)))
    goto done;

  bovw_run_info ri;
  bovw_run_info_init(&ri);
  ri.kind = "nn";
  ri.train_count = bovw_meta_number(cJSON_GetObjectItem(model->meta, "train"), "count", 0);
  ri.train_seconds = bovw_meta_number(model->meta, "train_seconds", 0);
  ri.dim = (double)bovw_nn_net_input_size(model->net);
  ri.model_bytes = bovw_meta_number(model->meta, "model_bytes", 0);
  ri.inference_seconds = seconds;
  ri.count = (double)data->count;
  ri.threads = nn_threads_resolve(threads);
  ri.test_set = bovw_test_set_json(manifest ? manifest->sha256 : bovw_encodings_manifest_sha256(enc),
                                   data->labels, data->count);
  info = ri.test_set ? bovw_run_info_to_json(&ri) : NULL;
  bovw_run_info_clear(&ri);
  char *net_abs = realpath(net_dir, NULL), *data_abs = realpath(data_name, NULL);
  const cJSON *spec_id = cJSON_GetObjectItem(model->meta, "spec");
  char shape[64];
  bovw_nn_shape_format(spec->input_dims ? spec->input_dims : 2, spec->input_c,
                       spec->input_d ? spec->input_d : 1, spec->input_h, spec->input_w, shape,
                       sizeof shape);
  int ok = info && cJSON_AddStringToObject(info, "net", net_abs ? net_abs : net_dir) &&
           cJSON_AddStringToObject(info, "spec", bovw_meta_string(spec_id, "name", "?")) &&
           cJSON_AddStringToObject(info, source->manifest ? "manifest" : "encodings",
                                   data_abs ? data_abs : data_name) &&
           cJSON_AddStringToObject(info, "input", shape) &&
           cJSON_AddNumberToObject(info, "params", bovw_meta_number(model->meta, "params", 0)) &&
           cJSON_AddNumberToObject(info, "skipped", (double)data->skipped) &&
           cJSON_AddNumberToObject(info, "batchnorm_folded", folded);
  free(net_abs);
  free(data_abs);
  const cJSON *params = enc ? cJSON_GetObjectItem(enc->meta, "params") : NULL;
  if (ok && params) {
    cJSON *copy = cJSON_Duplicate(params, 1);
    ok = copy && cJSON_AddItemToObject(info, "encoding", copy);
    if (!ok) cJSON_Delete(copy);
  }
  if (!ok) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  /* From pixels: the net's training run (decoding included), and for the
   * test data the images decoded and scored here, or the encodings' own
   * stages upstream. */
  char *model_dirs[1] = {(char *)net_dir}, *test_dirs[1] = {(char *)source->encodings};
  cJSON *cost = bovw_provenance_cost(model_dirs, 1, test_dirs, source->encodings ? 1 : 0,
                                     bovw_now() - load_t0, err);
  if (!cost || !cJSON_AddItemToObject(info, "from_pixels", cost)) {
    cJSON_Delete(cost);
    rc = cost ? bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory") : BOVW_ERR_NOMEM;
    goto done;
  }
  rc = bovw_report_write(report, report_dir, "bovw nn eval", info, err);
done:
  cJSON_Delete(info);
  free(scores);
  bovw_nn_data_free(data);
  bovw_encodings_free(enc);
  bovw_manifest_free(manifest);
  bovw_nn_model_free(model);
  if (rc || !out)
    bovw_report_free(report);
  else
    *out = report;
  return rc;
}

/* ---- nn fold ---------------------------------------------------------------------- */

/* 0 when dir does not exist or is an empty folder (a rename replaces an
 * empty folder, never a full one): fold writes a new folder and never mixes
 * its files with others. */
static int check_new_folder(const char *dir, bovw_error *err) {
  struct stat st;
  if (lstat(dir, &st) != 0)
    return errno == ENOENT ? BOVW_OK
                           : bovw_error_set(err, BOVW_ERR_IO, "%s: %s", dir, strerror(errno));
  int empty = 0;
  DIR *d = S_ISDIR(st.st_mode) ? opendir(dir) : NULL;
  if (d) {
    const struct dirent *e;
    empty = 1;
    while (empty && (e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
  }
  return empty ? BOVW_OK
               : bovw_error_set(err, BOVW_ERR_IO,
                                "%s: already exists: nn fold writes a new folder (remove it "
                                "or give another name)", dir);
}

/* Removes the temporary folder fold made, with whatever it holds (files
 * only: it never makes subfolders). */
static void remove_temp_folder(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    const struct dirent *e;
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char *path = bovw_path_join(dir, e->d_name);
      if (path) unlink(path);
      free(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

/* The spec of a folded net as spec.cfg: a comment saying where it comes
 * from, then the layers with the options at their default left out (the
 * weights file keeps every option spelled out). *out is new (free()). */
static int folded_spec_text(const bovw_nn_spec *spec, const char *from, int folded,
                            char **out, bovw_error *err) {
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  *out = NULL;
  if (!f) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  fprintf(f,
          "# written by bovw nn fold from %s:\n"
          "# %d batch norm%s folded into the conv or fc layer before %s\n",
          from, folded, folded == 1 ? "" : "s", folded == 1 ? "it" : "them");
  if (spec->input_c) {
    char shape[64];
    bovw_nn_shape_format(spec->input_dims, spec->input_c, spec->input_d, spec->input_h,
                         spec->input_w, shape, sizeof shape);
    fprintf(f, "input %s\n", shape);
  }
  for (int i = 0; i < spec->num_layers; i++) {
    char line[512];
    bovw_nn_layer_spec_format(&spec->layers[i], 0, line, sizeof line);
    fprintf(f, "%s\n", line);
  }
  const int bad = ferror(f);
  if (fclose(f) != 0 || bad || !text) {
    free(text);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  *out = text;
  return BOVW_OK;
}

static int count_kind(const bovw_nn_spec *spec, bovw_nn_kind kind) {
  int n = 0;
  for (int i = 0; i < spec->num_layers; i++) n += spec->layers[i].kind == kind;
  return n;
}

static int64_t trainable_count(bovw_nn_net *net) {
  int64_t total = 0;
  for (size_t i = 0; i < bovw_nn_net_num_params(net); i++)
    if (bovw_nn_net_param(net, i)->trainable) total += (int64_t)bovw_nn_net_param(net, i)->count;
  return total;
}

/* Turns the source's meta.json (model->meta) into what the folded folder
 * keeps: the keys bovw_nn_model_save does not write (options, train,
 * encodings, timings) stay; the history, relu_layers and weighted_layers go, their layer
 * indices being the source's; "spec" names the new spec.cfg; "fold" says
 * where the net comes from. */
static int folded_meta(cJSON *meta, const char *net_dir, const char *out_abs,
                       const char *spec_text, int folded, int kept, bovw_error *err) {
  char *meta_path = bovw_path_join(net_dir, "meta.json");
  char *weights_path = bovw_path_join(net_dir, "weights.safetensors");
  char meta_sha[65], weights_sha[65], spec_sha[65];
  int rc = meta_path && weights_path ? BOVW_OK
                                     : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_sha256_file(meta_path, meta_sha, err);
  if (!rc) rc = bovw_sha256_file(weights_path, weights_sha, err);
  free(meta_path);
  free(weights_path);
  if (rc) return rc;
  bovw_sha256_hex(spec_text, strlen(spec_text), spec_sha);

  /* A folded net folded again: the count goes on from the first fold. */
  const int before = (int)bovw_meta_number(cJSON_GetObjectItem(meta, "fold"),
                                           "batchnorm_folded", 0);
  cJSON *old_spec = cJSON_DetachItemFromObject(meta, "spec");
  const char *name = bovw_meta_string(old_spec, "name", "net");
  char new_name[300];
  size_t n = strlen(name);
  snprintf(new_name, sizeof new_name, "%s%s", name,
           n >= 7 && !strcmp(name + n - 7, "-folded") ? "" : "-folded");
  const char *dropped[] = {"fold", "history", "relu_layers", "weighted_layers"};
  for (size_t k = 0; k < sizeof dropped / sizeof dropped[0]; k++)
    cJSON_DeleteItemFromObject(meta, dropped[k]);

  char *spec_path = bovw_path_join(out_abs, "spec.cfg");
  char *from_abs = realpath(net_dir, NULL);
  cJSON *spec_id = spec_path ? file_identity(spec_path, spec_sha) : NULL;
  int ok = spec_id && cJSON_AddStringToObject(spec_id, "name", new_name) &&
           cJSON_AddItemToObject(meta, "spec", spec_id);
  if (!ok) cJSON_Delete(spec_id);
  cJSON *fold = ok ? cJSON_AddObjectToObject(meta, "fold") : NULL;
  cJSON *from = fold ? cJSON_AddObjectToObject(fold, "from") : NULL;
  ok = from && cJSON_AddStringToObject(from, "path", from_abs ? from_abs : net_dir) &&
       cJSON_AddStringToObject(from, "meta_sha256", meta_sha) &&
       cJSON_AddStringToObject(from, "weights_sha256", weights_sha);
  if (ok && old_spec) {
    ok = cJSON_AddItemToObject(from, "spec", old_spec) != 0;
    if (ok) old_spec = NULL;  /* from owns it now */
  }
  ok = ok && cJSON_AddNumberToObject(fold, "batchnorm_folded", before + folded) &&
       cJSON_AddNumberToObject(fold, "batchnorm_kept", kept);
  cJSON_Delete(old_spec);
  free(spec_path);
  free(from_abs);
  return ok ? BOVW_OK : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
}

int bovw_nn_fold_run(const char *net_dir, const char *out_dir, bovw_nn_fold_summary *summary,
                     bovw_error *err) {
  if (summary) memset(summary, 0, sizeof *summary);
  /* Everything that can be checked is, before anything is made. */
  int rc = check_new_folder(out_dir, err);
  if (rc) return rc;
  bovw_nn_model *model = NULL;
  char *copy1 = strdup(out_dir), *copy2 = strdup(out_dir);
  char *parent_abs = NULL, *out_abs = NULL, *tmp = NULL, *spec_text = NULL;
  if (!copy1 || !copy2) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  const char *parent = dirname(copy1), *base = basename(copy2);
  if ((rc = bovw_nn_model_open(net_dir, 1, &model, err))) goto done;
  const int64_t params_before = trainable_count(model->net);
  int folded;
  if ((rc = bovw_nn_model_fold_batchnorm(model, &folded, err))) {
    bovw_error_prefix(err, net_dir);
    goto done;
  }
  const bovw_nn_spec *spec = bovw_nn_net_spec(model->net);
  const int kept = count_kind(spec, BOVW_NN_BATCHNORM);
  char *from_abs = realpath(net_dir, NULL);
  rc = folded_spec_text(spec, from_abs ? from_abs : net_dir, folded, &spec_text, err);
  free(from_abs);
  if (rc) goto done;

  /* The folder is made beside out_dir under a hidden temporary name and
   * renamed at the end: out_dir appears whole or not at all. */
  if ((rc = bovw_mkdir_p(parent, err))) goto done;
  parent_abs = realpath(parent, NULL);
  if (!parent_abs) {
    rc = bovw_error_set(err, BOVW_ERR_IO, "%s: %s", parent, strerror(errno));
    goto done;
  }
  if (asprintf(&out_abs, "%s/%s", parent_abs, base) < 0) out_abs = NULL;
  if (!out_abs || asprintf(&tmp, "%s/.%s.tmp-XXXXXX", parent_abs, base) < 0) {
    tmp = NULL;
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((rc = folded_meta(model->meta, net_dir, out_abs, spec_text, folded, kept, err))) goto done;
  if (!mkdtemp(tmp)) {
    rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot make a folder beside it: %s", out_dir,
                        strerror(errno));
    free(tmp);
    tmp = NULL;
    goto done;
  }
  rc = bovw_nn_model_save(model, spec_text, NULL, tmp, err);
  if (!rc && rename(tmp, out_dir) != 0)
    rc = bovw_error_set(err, BOVW_ERR_IO, "%s: cannot rename the folded net to it: %s",
                        out_dir, strerror(errno));
  if (rc) {
    remove_temp_folder(tmp);
    goto done;
  }
  if (summary) {
    summary->folded = folded;
    summary->kept = kept;
    summary->params_before = params_before;
    summary->params_after = trainable_count(model->net);
  }
done:
  bovw_nn_model_free(model);
  free(spec_text);
  free(tmp);
  free(out_abs);
  free(parent_abs);
  free(copy1);
  free(copy2);
  return rc;
}
