/* fit.c: training a network on samples in memory for a number of epochs:
 * the options of `bovw nn train`, the epoch loop (schedule, seeded shuffle,
 * augmentation, SGD steps, validation) and its history, and the dead-ReLU
 * probe. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/internal.h"
#include "io/runtime.h"

/* Streams drawn from the one seed (the network's weights use the seed
 * itself, its dropout masks another stream: net.c). */
#define ORDER_STREAM 0xbb67ae8584caa73bULL
#define AUGMENT_STREAM 0xa54ff53a5f1d36f1ULL

/* Augmentation pads by this many pixels (the CIFAR recipe). */
enum { AUGMENT_PAD = 4 };

/* ---- options ------------------------------------------------------------------- */

void bovw_nn_train_options_default(bovw_nn_train_options *o) {
  *o = (bovw_nn_train_options){.epochs = 15,
                               .batch = 64,
                               .lr = 0.05,
                               .momentum = 0.9,
                               .nesterov = 0,
                               .weight_decay = 5e-4,
                               .schedule = BOVW_NN_LR_COSINE,
                               .step_size = 0,
                               .gamma = 0.1,
                               .augment = 0,
                               .val_fraction = 0,
                               .seed = 0,
                               .threads = 0};
}

bovw_nn_schedule bovw_nn_train_options_schedule(const bovw_nn_train_options *o) {
  int step = o->step_size > 0 ? o->step_size : (o->epochs / 3 > 1 ? o->epochs / 3 : 1);
  return (bovw_nn_schedule){o->schedule, o->lr, step, o->gamma, 0.0, o->epochs};
}

const char *bovw_nn_train_options_check(const bovw_nn_train_options *o) {
  if (o->epochs < 1) return "the number of epochs must be at least 1";
  if (o->batch < 1) return "the batch size must be at least 1";
  if (!(o->momentum >= 0 && o->momentum < 1)) return "the momentum must be in [0, 1)";
  if (o->nesterov && o->momentum == 0) return "Nesterov momentum needs a momentum above 0";
  if (!(o->weight_decay >= 0)) return "the weight decay must be at least 0";
  if (!(o->val_fraction >= 0 && o->val_fraction < 1))
    return "the validation fraction must be in [0, 1)";
  bovw_nn_schedule s = bovw_nn_train_options_schedule(o);
  return bovw_nn_schedule_check(&s);
}

static const char *const SCHEDULE_NAMES[] = {"constant", "step", "cosine"};

const char *bovw_nn_schedule_name(bovw_nn_schedule_kind kind) {
  return (int)kind >= 0 && kind <= BOVW_NN_LR_COSINE ? SCHEDULE_NAMES[kind] : "?";
}

int bovw_nn_schedule_parse(const char *name, bovw_nn_schedule_kind *out) {
  for (int k = 0; k <= (int)BOVW_NN_LR_COSINE; k++)
    if (!strcmp(name, SCHEDULE_NAMES[k])) {
      *out = (bovw_nn_schedule_kind)k;
      return 0;
    }
  return -1;
}

cJSON *bovw_nn_train_options_to_json(const bovw_nn_train_options *o) {
  bovw_nn_schedule s = bovw_nn_train_options_schedule(o);
  cJSON *j = cJSON_CreateObject();
  int ok = j && cJSON_AddNumberToObject(j, "epochs", o->epochs) &&
           cJSON_AddNumberToObject(j, "batch", o->batch) &&
           cJSON_AddNumberToObject(j, "lr", o->lr) &&
           cJSON_AddNumberToObject(j, "momentum", o->momentum) &&
           cJSON_AddBoolToObject(j, "nesterov", o->nesterov) &&
           cJSON_AddNumberToObject(j, "weight_decay", o->weight_decay) &&
           cJSON_AddStringToObject(j, "schedule", bovw_nn_schedule_name(o->schedule)) &&
           cJSON_AddNumberToObject(j, "step_size", s.step_size) &&
           cJSON_AddNumberToObject(j, "gamma", o->gamma) &&
           cJSON_AddBoolToObject(j, "augment", o->augment) &&
           cJSON_AddNumberToObject(j, "val_fraction", o->val_fraction) &&
           cJSON_AddNumberToObject(j, "seed", (double)o->seed) &&
           cJSON_AddNumberToObject(j, "threads", nn_threads_resolve(o->threads));
  if (!ok) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

/* ---- dead ReLU units ------------------------------------------------------------- */

int bovw_nn_net_dead_relu(const bovw_nn_net *self, int *layers, double *fractions, int max) {
  bovw_nn_net *net = (bovw_nn_net *)self; /* nn_net_layer is not const; nothing changes */
  const int batch = nn_net_batch(net);
  int found = 0;
  for (int i = 0; batch && i < nn_net_num_layers(net); i++) {
    const nn_layer *l = nn_net_layer(net, i);
    if (l->spec.kind != BOVW_NN_RELU) continue;
    if (found < max) {
      const float *out = nn_net_output(net, i);
      const size_t plane = nn_out_area(l), size = nn_out_size(l);
      int dead = 0;
      for (int c = 0; c < l->out_c; c++) {
        int alive = 0;
        for (int b = 0; b < batch && !alive; b++) {
          const float *p = out + (size_t)b * size + (size_t)c * plane;
          for (size_t j = 0; j < plane && !alive; j++) alive = p[j] != 0.0f;
        }
        dead += !alive;
      }
      layers[found] = i;
      fractions[found] = (double)dead / l->out_c;
    }
    found++;
  }
  return found;
}

/* ---- the epochs ----------------------------------------------------------------- */

void bovw_nn_history_free(bovw_nn_history *self) {
  if (!self) return;
  free(self->epochs);
  free(self->relu_layers);
  free(self->dead);
  free(self->weighted_layers);
  free(self->grad_norm);
  free(self);
}

/* A conv or fc layer's weight tensor (what weight decay applies to). */
static int is_layer_weight(const bovw_nn_param *p) { return p->trainable && p->decay; }

/* The sum of squares of n floats, in double: eight sums side by side, not
 * one chain of adds each waiting for the last (every batch reads all the
 * weights' gradients, 422,090 values in fmnist-cnn: one chain took 4% of
 * a 2-thread training step). */
static double sum_squares(const float *v, size_t n) {
  double part[8] = {0};
  size_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) part[l] += (double)v[j + l] * v[j + l];
  double sq = 0;
  for (; j < n; j++) sq += (double)v[j] * v[j];
  for (int l = 0; l < 8; l++) sq += part[l];
  return sq;
}

/* Adds the L2 norm of each layer weight's gradient (as the last backward
 * left it) to sums, one per weighted layer, in parameter order. */
static void add_grad_norms(bovw_nn_net *net, double *sums) {
  int k = 0;
  for (size_t i = 0; i < bovw_nn_net_num_params(net); i++) {
    const bovw_nn_param *p = bovw_nn_net_param(net, i);
    if (is_layer_weight(p)) sums[k++] += sqrt(sum_squares(p->grad, p->count));
  }
}

static int history_new(bovw_nn_net *net, int epochs, bovw_nn_history **out, bovw_error *err) {
  bovw_nn_history *h = calloc(1, sizeof *h);
  if (!h) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (int i = 0; i < nn_net_num_layers(net); i++)
    h->num_relu += nn_net_layer(net, i)->spec.kind == BOVW_NN_RELU;
  h->epochs = calloc((size_t)epochs, sizeof *h->epochs);
  h->relu_layers = calloc((size_t)h->num_relu + 1, sizeof *h->relu_layers);
  h->dead = calloc((size_t)epochs * (size_t)h->num_relu + 1, sizeof *h->dead);
  /* The layers with a weight tensor, in order: those whose gradient norm
   * the history follows. */
  const size_t np = bovw_nn_net_num_params(net);
  h->weighted_layers = calloc(np + 1, sizeof *h->weighted_layers);
  for (size_t i = 0; h->weighted_layers && i < np; i++)
    if (is_layer_weight(bovw_nn_net_param(net, i)))
      h->weighted_layers[h->num_weighted++] = bovw_nn_net_param(net, i)->layer;
  h->grad_norm = calloc((size_t)epochs * (size_t)h->num_weighted + 1, sizeof *h->grad_norm);
  if (!h->epochs || !h->relu_layers || !h->dead || !h->weighted_layers || !h->grad_norm) {
    bovw_nn_history_free(h);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  *out = h;
  return BOVW_OK;
}

/* Checks that data fits the network: its sample size, and labels it can
 * score. */
static int check_data(bovw_nn_net *net, const bovw_nn_data *d, const char *what,
                      bovw_error *err) {
  const bovw_nn_spec *s = bovw_nn_net_spec(net);
  if (bovw_nn_data_sample_size(d) != bovw_nn_net_input_size(net))
    return bovw_error_set(err, BOVW_ERR_MISMATCH,
                          "the %s samples are %dx%dx%d; the network takes %dx%dx%d", what,
                          d->channels, d->height, d->width, s->input_c, s->input_h,
                          s->input_w);
  const size_t classes = bovw_nn_net_output_size(net);
  for (size_t i = 0; i < d->count; i++)
    if (d->labels[i] < 0 || (size_t)d->labels[i] >= classes)
      return bovw_error_set(err, BOVW_ERR_MISMATCH,
                            "a %s sample has label %d; the network scores %zu classes", what,
                            (int)d->labels[i], classes);
  return BOVW_OK;
}

int bovw_nn_train(bovw_nn_net *net, const bovw_nn_data *train, const bovw_nn_data *val,
                  const bovw_nn_norm *norm, const bovw_nn_train_options *o,
                  const bovw_monitor *monitor, bovw_nn_epoch_fn on_epoch, void *ctx,
                  bovw_nn_history **out, bovw_error *err) {
  if (out) *out = NULL;
  const char *bad = bovw_nn_train_options_check(o);
  if (bad) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", bad);
  if (!bovw_nn_net_has_softmax(net))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "the network does not end with softmax: nothing to train on labels");
  if (train->count == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no samples to train on");
  int rc = check_data(net, train, "training", err);
  if (!rc && val && val->count) rc = check_data(net, val, "validation", err);
  if (rc) return rc;
  if (o->augment && (train->height < 2 || train->width < 2))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "augmentation (crops and flips) needs images, not %dx%dx%d samples",
                          train->channels, train->height, train->width);
  if (o->augment && norm && norm->channels != train->channels)
    return bovw_error_set(err, BOVW_ERR_MISMATCH, "normalisation of %d channels for %d",
                          norm->channels, train->channels);

  const size_t n = train->count, size = bovw_nn_data_sample_size(train);
  const size_t bs = (size_t)o->batch < n ? (size_t)o->batch : n;
  const bovw_nn_schedule schedule = bovw_nn_train_options_schedule(o);
  bovw_nn_sgd_options so = {o->momentum, o->nesterov, o->weight_decay};
  bovw_nn_sgd *sgd = NULL;
  bovw_nn_history *h = NULL;
  size_t *order = malloc(n * sizeof *order);
  float *x = malloc(bs * size * sizeof *x);
  int32_t *y = malloc(bs * sizeof *y);
  float *fill = calloc((size_t)train->channels, sizeof *fill);
  if (!order || !x || !y || !fill) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_nn_sgd_new(net, &so, &sgd, err);
  if (!rc) rc = history_new(net, o->epochs, &h, err);
  if (rc) goto done;
  /* Padding is black: the value 0 takes once normalised. */
  for (int c = 0; norm && c < train->channels; c++) fill[c] = -norm->mean[c] / norm->std[c];
  bovw_rng order_rng, augment_rng;
  bovw_rng_seed(&order_rng, o->seed ^ ORDER_STREAM);
  bovw_rng_seed(&augment_rng, o->seed ^ AUGMENT_STREAM);
  for (size_t i = 0; i < n; i++) order[i] = i;
  double trained_samples = 0, training_time = 0;

  for (int e = 0; e < o->epochs && !rc; e++) {
    char what[48];
    snprintf(what, sizeof what, "epoch %d/%d", e + 1, o->epochs);
    const double t0 = bovw_now();
    const double lr = bovw_nn_schedule_lr(&schedule, e);
    bovw_nn_train_stats stats = {0, 0, 0};
    size_t batches = 0;
    bovw_nn_net_set_training(net, 1);
    /* A fresh shuffle of the previous order each epoch. */
    bovw_rng_shuffle(&order_rng, order, n, sizeof *order);
    size_t diverged_at = 0; /* the batch (from 1) whose loss was not finite */
    for (size_t start = 0; start < n && !rc && !diverged_at; start += bs) {
      const size_t m = n - start < bs ? n - start : bs;
      for (size_t k = 0; k < m; k++) {
        memcpy(x + k * size, train->x + order[start + k] * size, size * sizeof *x);
        y[k] = train->labels[order[start + k]];
      }
      if (o->augment)
        rc = bovw_nn_augment(x, (int)m, train->channels, train->height, train->width,
                             AUGMENT_PAD, fill, &augment_rng, err);
      if (!rc) rc = bovw_nn_train_step(net, sgd, x, y, (int)m, lr, &stats, err);
      if (!rc) {
        add_grad_norms(net, h->grad_norm + (size_t)e * h->num_weighted);
        batches++;
      }
      /* A non-finite loss stays so in the epoch's mean: the weights are lost. */
      if (!rc && !isfinite(stats.loss)) diverged_at = start / bs + 1;
      bovw_monitor_progress(monitor, what, start + m, n);
    }
    const double t1 = bovw_now();
    bovw_nn_epoch *ep = &h->epochs[e];
    for (int k = 0; batches && k < h->num_weighted; k++)
      h->grad_norm[(size_t)e * h->num_weighted + k] /= (double)batches;
    ep->epoch = e + 1;
    ep->lr = lr;
    ep->train_loss = stats.loss;
    ep->train_acc = stats.count ? (double)stats.correct / (double)stats.count : 0;
    ep->val_loss = ep->val_acc = NAN;
    ep->diverged = diverged_at > 0;
    if (!rc && !ep->diverged && val && val->count) {
      bovw_nn_train_stats vs;
      rc = bovw_nn_evaluate(net, val->x, val->labels, val->count, (int)bs, NULL, &vs, err);
      if (!rc) {
        ep->val_loss = vs.loss;
        ep->val_acc = (double)vs.correct / (double)vs.count;
        ep->diverged = !isfinite(vs.loss);
      }
    }
    if (!rc && !ep->diverged) { /* the dead-unit probe: the first training samples, evaluation mode */
      bovw_nn_net_set_training(net, 0);
      rc = bovw_nn_net_forward(net, train->x, (int)bs, NULL, err);
      bovw_nn_net_set_training(net, 1);
      if (!rc)
        bovw_nn_net_dead_relu(net, h->relu_layers, h->dead + (size_t)e * h->num_relu,
                              h->num_relu);
    }
    if (rc) break;
    const double t2 = bovw_now();
    ep->seconds = t2 - t0;
    /* The samples trained: all n, or those up to a diverging batch. */
    ep->images_per_second = t1 > t0 ? (double)stats.count / (t1 - t0) : 0;
    trained_samples += (double)stats.count;
    training_time += t1 - t0;
    h->num_epochs = e + 1;
    h->train_seconds += ep->seconds;
    h->images_per_second = training_time > 0 ? trained_samples / training_time : 0;
    if (ep->diverged) { /* no probe of lost weights */
      for (int k = 0; k < h->num_relu; k++) h->dead[(size_t)e * h->num_relu + k] = NAN;
      /* A loss is never below 0; fabs keeps glibc from printing a NaN's
       * sign bit ("-nan"). */
      if (diverged_at)
        bovw_monitor_warning(monitor, "the training loss became %g at batch %zu of epoch %d: "
                             "stopped there (diverged; lr %g)", fabs(stats.loss), diverged_at,
                             e + 1, lr);
      else
        bovw_monitor_warning(monitor, "the validation loss became %g after epoch %d: stopped "
                             "there (diverged; lr %g)", fabs(ep->val_loss), e + 1, lr);
    }
    if (on_epoch) on_epoch(ctx, h);
    if (ep->diverged) break;
  }
done:
  bovw_nn_net_set_training(net, 0);
  bovw_nn_sgd_free(sgd);
  free(order);
  free(x);
  free(y);
  free(fill);
  if (rc || !out)
    bovw_nn_history_free(h);
  else
    *out = h;
  return rc;
}
