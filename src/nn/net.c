/* net.c: a network is its layers in spec order, the parameters they
 * declared, one activation buffer per layer (kept for the backward pass) and
 * two gradient buffers used in turn. The spec's final softmax is not a
 * layer here: it is the loss (loss.c), and the output is the logits. */
#include <stdlib.h>
#include <string.h>

#include "io/runtime.h"
#include "nn/internal.h"

struct bovw_nn_net {
  bovw_nn_spec *spec;      /* input shape and classes resolved */
  int num_layers;          /* layers run: the spec's, softmax excluded */
  nn_layer *layers;
  int has_softmax;
  bovw_nn_param *params;
  size_t num_params;
  int training, frozen, threads;
  int lean;                /* for inference alone (nn_net_set_lean) */
  bovw_rng noise;          /* dropout masks */
  int capacity;            /* samples the buffers hold */
  int reserved_threads;    /* threads the layers' scratch is made for */
  float **acts;            /* acts[0] the input, acts[i + 1] layer i's output */
  float *grads[2];
  int batch;               /* of the last forward (0: none yet) */
  int batch_training;      /* its mode */
  double *seconds;         /* per layer: forward, backward, summed since made */
  nn_conv_bn_block *first; /* layers 0..3 as one in training (conv_bn_block.c),
                              or NULL */
  int first_unwritten;     /* its last forward left layer 0's output unwritten */
};

static uint64_t noise_seed(uint64_t seed) { return seed ^ 0x6a09e667f3bcc908ULL; }

static int resolve_spec(bovw_nn_spec *spec, const bovw_nn_net_options *opt,
                        bovw_error *err) {
  if (opt->input_c > 0 || opt->input_h > 0 || opt->input_w > 0) {
    if (opt->input_c <= 0 || opt->input_h <= 0 || opt->input_w <= 0)
      return bovw_error_set(err, BOVW_ERR_INVALID,
                            "input shape %dx%dx%d: every size must be positive",
                            opt->input_c, opt->input_h, opt->input_w);
    spec->input_c = opt->input_c;
    spec->input_h = opt->input_h;
    spec->input_w = opt->input_w;
    spec->input_dims = 2; /* the options give a C x H x W shape */
    spec->input_d = 1;
  }
  if (spec->input_dims <= 0) spec->input_dims = 2;
  if (spec->input_d <= 0 || spec->input_dims != 3) spec->input_d = 1;
  if (spec->input_dims == 1) spec->input_h = 1;
  if (spec->input_c <= 0 || spec->input_h <= 0 || spec->input_w <= 0)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "no input shape: the spec has no 'input CxHxW' line "
                          "and none was given");
  if (spec->num_layers <= 0)
    return bovw_error_set(err, BOVW_ERR_INVALID, "the spec has no layers");
  for (int i = 0; i < spec->num_layers; i++) {
    bovw_nn_layer_spec *l = &spec->layers[i];
    if ((int)l->kind < 0 || l->kind >= BOVW_NN_NUM_KINDS)
      return bovw_error_set(err, BOVW_ERR_INVALID, "layer %d: unknown kind %d",
                            i, (int)l->kind);
    if (l->kind == BOVW_NN_SOFTMAX && i != spec->num_layers - 1)
      return bovw_error_set(err, BOVW_ERR_INVALID,
                            "line %d: softmax must be the last layer", l->line);
    if (l->units == BOVW_NN_UNITS_CLASSES) {
      if (opt->classes <= 0)
        return bovw_error_set(err, BOVW_ERR_INVALID,
                              "line %d: %s classes: the number of classes was "
                              "not given", l->line, bovw_nn_kind_name(l->kind));
      l->units = opt->classes;
    }
  }
  return BOVW_OK;
}

/* A conv or pool of one number of axes takes a net input of that many:
 * conv1d a C x L signal, conv an image, conv3d a C x D x H x W volume. */
static int check_axes(const nn_layer *l, bovw_error *err) {
  static const char *const SHAPES[4] = {"", "CxL", "CxHxW", "CxDxHxW"};
  const int dims = bovw_nn_kind_dims(l->spec.kind);
  if (!dims || dims == l->dims) return BOVW_OK;
  /* The layer of the same family that fits the input. */
  static const bovw_nn_kind FAMILY[3][3] = {
      {BOVW_NN_CONV1D, BOVW_NN_CONV, BOVW_NN_CONV3D},
      {BOVW_NN_MAXPOOL1D, BOVW_NN_MAXPOOL, BOVW_NN_MAXPOOL3D},
      {BOVW_NN_AVGPOOL1D, BOVW_NN_AVGPOOL, BOVW_NN_AVGPOOL3D}};
  const char *instead = "?";
  for (int f = 0; f < 3; f++)
    if (FAMILY[f][dims - 1] == l->spec.kind) instead = bovw_nn_kind_name(FAMILY[f][l->dims - 1]);
  char shape[64];
  nn_in_shape_format(l, shape, sizeof shape);
  return nn_layer_error(l, err, BOVW_ERR_INVALID,
                        "a %d-D layer on a %d-D input %s (it takes %s; use %s)", dims,
                        l->dims, shape, SHAPES[dims], instead);
}

/* Sets up every layer on the shape that reaches it and gathers the
 * parameters they declare. */
static int build_layers(bovw_nn_net *self, int shapes_only, bovw_error *err) {
  const bovw_nn_spec *spec = self->spec;
  self->has_softmax = spec->layers[spec->num_layers - 1].kind == BOVW_NN_SOFTMAX;
  self->num_layers = spec->num_layers - self->has_softmax;
  self->layers = calloc((size_t)(self->num_layers ? self->num_layers : 1),
                        sizeof *self->layers);
  if (!self->layers) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int c = spec->input_c, d = spec->input_d, h = spec->input_h, w = spec->input_w;
  size_t total = 0;
  for (int i = 0; i < self->num_layers; i++) {
    nn_layer *l = &self->layers[i];
    l->spec = spec->layers[i];
    l->index = i;
    l->ops = nn_ops_of(l->spec.kind);
    l->dims = spec->input_dims;
    l->in_c = c;
    l->in_d = l->out_d = d;
    l->in_h = h;
    l->in_w = w;
    int rc = check_axes(l, err);
    if (!rc) rc = l->ops->setup(l, err);
    if (rc) return rc;
    c = l->out_c;
    d = l->out_d;
    h = l->out_h;
    w = l->out_w;
    total += (size_t)l->num_params;
  }
  if (self->has_softmax && (d != 1 || h != 1 || w != 1)) {
    char shape[64];
    bovw_nn_shape_format(spec->input_dims, c, d, h, w, shape, sizeof shape);
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "line %d: softmax needs one score per class, but the "
                          "layer before gives %s (add fc, flatten or "
                          "globalavgpool)",
                          spec->layers[spec->num_layers - 1].line, shape);
  }
  self->params = calloc(total ? total : 1, sizeof *self->params);
  if (!self->params) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (int i = 0; i < self->num_layers; i++) {
    nn_layer *l = &self->layers[i];
    l->params = self->params + self->num_params;
    for (int k = 0; k < l->num_params; k++) {
      bovw_nn_param *p = &self->params[self->num_params++];
      *p = l->declared[k];
      if (shapes_only) continue;
      p->value = calloc(p->count ? p->count : 1, sizeof *p->value);
      if (p->trainable) p->grad = calloc(p->count ? p->count : 1, sizeof *p->grad);
      if (!p->value || (p->trainable && !p->grad))
        return bovw_error_set(err, BOVW_ERR_NOMEM,
                              "out of memory for %s (%zu values)", p->name, p->count);
    }
  }
  return BOVW_OK;
}

int bovw_nn_net_new(const bovw_nn_spec *spec, const bovw_nn_net_options *opt,
                    bovw_nn_net **out, bovw_error *err) {
  static const bovw_nn_net_options defaults = BOVW_NN_NET_OPTIONS_DEFAULT;
  if (!opt) opt = &defaults;
  *out = NULL;
  bovw_nn_net *self = calloc(1, sizeof *self);
  if (!self || !(self->spec = bovw_nn_spec_copy(spec))) {
    free(self);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  self->training = 1;
  self->threads = nn_threads_resolve(opt->threads);
  int rc = resolve_spec(self->spec, opt, err);
  if (!rc) rc = build_layers(self, opt->shapes_only, err);
  if (!rc && !(self->seconds = calloc(2 * (size_t)self->num_layers + 2, sizeof *self->seconds)))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (rc) {
    bovw_nn_net_free(self);
    return rc;
  }
  bovw_rng init;
  bovw_rng_seed(&init, opt->seed);
  for (int i = 0; i < self->num_layers && !opt->shapes_only; i++)
    if (self->layers[i].ops->init) self->layers[i].ops->init(&self->layers[i], &init);
  bovw_rng_seed(&self->noise, noise_seed(opt->seed));
  *out = self;
  return BOVW_OK;
}

void bovw_nn_net_free(bovw_nn_net *self) {
  if (!self) return;
  for (int i = 0; i < self->num_layers; i++)
    if (self->layers[i].ops && self->layers[i].ops->release)
      self->layers[i].ops->release(&self->layers[i]);
  for (size_t i = 0; i < self->num_params; i++) {
    free(self->params[i].value);
    free(self->params[i].grad);
  }
  free(self->params);
  if (self->acts)
    for (int i = 0; i <= self->num_layers; i++) free(self->acts[i]);
  free(self->acts);
  nn_conv_bn_block_free(self->first);
  free(self->grads[0]);
  free(self->grads[1]);
  free(self->layers);
  free(self->seconds);
  bovw_nn_spec_free(self->spec);
  free(self);
}

const bovw_nn_spec *bovw_nn_net_spec(const bovw_nn_net *self) { return self->spec; }

size_t bovw_nn_net_input_size(const bovw_nn_net *self) {
  return (size_t)self->spec->input_c * self->spec->input_d * self->spec->input_h *
         self->spec->input_w;
}

size_t bovw_nn_net_output_size(const bovw_nn_net *self) {
  if (self->num_layers == 0) return bovw_nn_net_input_size(self);
  return nn_out_size(&self->layers[self->num_layers - 1]);
}

int bovw_nn_net_has_softmax(const bovw_nn_net *self) { return self->has_softmax; }
size_t bovw_nn_net_num_params(const bovw_nn_net *self) { return self->num_params; }

bovw_nn_param *bovw_nn_net_param(bovw_nn_net *self, size_t i) {
  return i < self->num_params ? &self->params[i] : NULL;
}

bovw_nn_param *bovw_nn_net_find_param(bovw_nn_net *self, const char *name) {
  for (size_t i = 0; i < self->num_params; i++)
    if (!strcmp(self->params[i].name, name)) return &self->params[i];
  return NULL;
}

void bovw_nn_net_set_training(bovw_nn_net *self, int training) {
  self->training = training != 0;
}
int bovw_nn_net_training(const bovw_nn_net *self) { return self->training; }

void bovw_nn_net_set_threads(bovw_nn_net *self, int threads) {
  self->threads = nn_threads_resolve(threads);
}

/* Layers i, i + 1, i + 2 are a batch norm, a rectifier and a max pool that
 * run as one block in training (layer_bn.c). */
static int is_block(const bovw_nn_net *self, int i) {
  return i + 2 < self->num_layers &&
         nn_bn_block_fits(&self->layers[i], &self->layers[i + 1], &self->layers[i + 2]);
}

/* Layers 0..3 are a convolution and a batch-norm block that run as one in
 * training (conv_bn_block.c). */
static int has_first_block(const bovw_nn_net *self) {
  return self->num_layers > 3 &&
         nn_conv_bn_block_fits(&self->layers[0], &self->layers[1], &self->layers[2],
                               &self->layers[3]);
}

/* Buffers for `batch` samples, layer scratch for the thread count. */
static int reserve(bovw_nn_net *self, int batch, bovw_error *err) {
  if (!self->acts && !(self->acts = calloc((size_t)self->num_layers + 1, sizeof *self->acts)))
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (batch > self->capacity) {
    size_t largest = bovw_nn_net_input_size(self);
    for (int i = 0; i <= self->num_layers; i++) {
      size_t size = i == 0 ? bovw_nn_net_input_size(self)
                           : nn_out_size(&self->layers[i - 1]);
      if (size > largest) largest = size;
      float *grown = realloc(self->acts[i], (size_t)batch * size * sizeof *grown);
      if (!grown)
        return bovw_error_set(err, BOVW_ERR_NOMEM,
                              "out of memory for a batch of %d", batch);
      self->acts[i] = grown;
    }
    for (int k = 0; k < 2; k++) {
      float *grown = realloc(self->grads[k], (size_t)batch * largest * sizeof *grown);
      if (!grown)
        return bovw_error_set(err, BOVW_ERR_NOMEM,
                              "out of memory for a batch of %d", batch);
      self->grads[k] = grown;
    }
  }
  if (batch > self->capacity || self->threads != self->reserved_threads) {
    int want = batch > self->capacity ? batch : self->capacity;
    for (int i = 0; i < self->num_layers; i++) {
      nn_layer *l = &self->layers[i];
      if (l->ops->reserve) {
        int rc = l->ops->reserve(l, want, self->threads, err);
        if (rc) return rc;
      }
    }
    /* its buffers are per thread, not per sample */
    if (has_first_block(self) && (!self->first || self->threads != self->reserved_threads)) {
      nn_conv_bn_block_free(self->first);
      if (!(self->first = nn_conv_bn_block_new(&self->layers[0], self->threads)))
        return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
    self->capacity = want;
    self->reserved_threads = self->threads;
  }
  return BOVW_OK;
}

int bovw_nn_net_forward(bovw_nn_net *self, const float *input, int batch,
                        const float **output, bovw_error *err) {
  if (batch <= 0)
    return bovw_error_set(err, BOVW_ERR_INVALID, "batch of %d samples", batch);
  int rc = reserve(self, batch, err);
  if (rc) return rc;
  memcpy(self->acts[0], input, (size_t)batch * bovw_nn_net_input_size(self) * sizeof(float));
  nn_ctx ctx = {self->training, self->threads, self->frozen, &self->noise};
  /* The gradient check compares the branches inside the block: it runs
   * the layers. */
  self->first_unwritten = self->training && !self->frozen && self->first;
  for (int i = 0; i < self->num_layers; i++) {
    nn_layer *l = &self->layers[i];
    const double start = bovw_now();
    if (i == 0 && self->first_unwritten) {
      nn_conv_bn_block_forward(self->first, l, l + 1, l + 2, l + 3, &ctx, self->acts[0],
                               self->acts[4], batch);
      self->seconds[0] += bovw_now() - start;
      i += 3;
      continue;
    }
    if (self->training && is_block(self, i)) {
      /* The outputs inside the block are kept only for the gradient check,
       * which compares the branches they took. */
      float *bn_out = self->frozen ? self->acts[i + 1] : NULL;
      float *act_out = self->frozen ? self->acts[i + 2] : NULL;
      nn_bn_block_forward(l, l + 1, l + 2, &ctx, self->acts[i], bn_out, act_out,
                          self->acts[i + 3], batch);
      self->seconds[2 * i] += bovw_now() - start;
      i += 2;
      continue;
    }
    if (!self->training && self->lean && i + 1 < self->num_layers &&
        nn_act_pool_fits(l, l + 1)) {
      nn_act_pool_forward(l, l + 1, &ctx, self->acts[i], self->acts[i + 2], batch);
      self->seconds[2 * i] += bovw_now() - start;
      i += 1;
      continue;
    }
    l->ops->forward(l, &ctx, self->acts[i], self->acts[i + 1], batch);
    self->seconds[2 * i] += bovw_now() - start;
  }
  self->batch = batch;
  self->batch_training = self->training;
  if (output) *output = self->acts[self->num_layers];
  return BOVW_OK;
}

int bovw_nn_net_backward(bovw_nn_net *self, const float *grad_output,
                         const float **grad_input, bovw_error *err) {
  if (!self->batch)
    return bovw_error_set(err, BOVW_ERR_INVALID, "backward before any forward");
  if (self->batch_training != self->training)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "backward in another mode than the forward");
  if (self->lean && !self->batch_training)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "backward after an evaluation of a net for inference alone");
  /* The threads the layers' scratch was made for at the forward (the
   * setting may have changed since). */
  nn_ctx ctx = {self->training, self->reserved_threads, self->frozen, &self->noise};
  const int batch = self->batch;
  const float *dout = grad_output;
  float *din = NULL;
  if (self->num_layers == 0) {
    memcpy(self->grads[0], grad_output,
           (size_t)batch * bovw_nn_net_input_size(self) * sizeof(float));
    din = self->grads[0];
  }
  for (int i = self->num_layers - 1, k = 0; i >= 0; i--, k ^= 1) {
    nn_layer *l = &self->layers[i];
    const double start = bovw_now();
    if (self->training && i >= 2 && is_block(self, i - 2)) {
      i -= 2;
      l -= 2;
      /* Behind the first convolution run as one with it, the block gives
       * no input gradient unless the net's is wanted: the convolution's
       * weight gradient comes from the block's sums. When it is, the
       * convolution's output the block's input gradient needs is made now. */
      const int first = i == 1 && self->first_unwritten;
      if (first && grad_input) {
        self->layers[0].ops->forward(&self->layers[0], &ctx, self->acts[0], self->acts[1],
                                     batch);
        self->first_unwritten = 0;
      }
      const int fused = first && !grad_input;
      din = (i == 0 && !grad_input) || fused ? NULL : self->grads[k];
      nn_bn_block_backward(l, l + 1, l + 2, &ctx, self->acts[i], self->acts[i + 3], dout, din,
                           batch);
      self->seconds[2 * i + 1] += bovw_now() - start;
      if (fused) {
        const double at = bovw_now();
        nn_conv_bn_block_backward(self->first, &self->layers[0], l, l + 1, l + 2, &ctx,
                                  self->acts[0], self->acts[i + 3], dout, batch);
        self->seconds[1] += bovw_now() - at;
        break;
      }
      dout = din;
      continue;
    }
    din = i == 0 && !grad_input ? NULL : self->grads[k];
    l->ops->backward(l, &ctx, self->acts[i], self->acts[i + 1], dout, din, batch);
    self->seconds[2 * i + 1] += bovw_now() - start;
    dout = din;
  }
  if (grad_input) *grad_input = din;
  return BOVW_OK;
}

/* ---- for the other files of src/nn ---------------------------------------- */

int nn_net_num_layers(const bovw_nn_net *net) { return net->num_layers; }
nn_layer *nn_net_layer(bovw_nn_net *net, int i) { return &net->layers[i]; }
void nn_net_set_frozen(bovw_nn_net *net, int frozen) { net->frozen = frozen; }
void nn_net_set_lean(bovw_nn_net *net, int lean) { net->lean = lean; }
int nn_net_threads(const bovw_nn_net *net) { return net->threads; }
const float *nn_net_output(const bovw_nn_net *net, int i) { return net->acts[i + 1]; }
int nn_net_batch(const bovw_nn_net *net) { return net->batch; }

void nn_net_layer_seconds(const bovw_nn_net *net, int i, double *forward, double *backward) {
  *forward = net->seconds[2 * i];
  *backward = net->seconds[2 * i + 1];
}

void nn_net_reset_seconds(bovw_nn_net *net) {
  memset(net->seconds, 0, 2 * (size_t)net->num_layers * sizeof *net->seconds);
}

uint64_t nn_net_branches(const bovw_nn_net *net) {
  uint64_t hash = 0;
  for (int i = 0; net->batch && i < net->num_layers; i++) {
    const nn_layer *l = &net->layers[i];
    if (l->ops->branches) hash = l->ops->branches(l, net->acts[i], net->batch, hash);
  }
  return hash;
}

int nn_net_copy_params(bovw_nn_net *dst, const bovw_nn_net *src, bovw_error *err) {
  if (dst->num_params != src->num_params)
    return bovw_error_set(err, BOVW_ERR_MISMATCH, "%zu parameters here, %zu there",
                          dst->num_params, src->num_params);
  for (size_t i = 0; i < src->num_params; i++) {
    if (dst->params[i].count != src->params[i].count)
      return bovw_error_set(err, BOVW_ERR_MISMATCH, "%s: %zu values here, %zu there",
                            src->params[i].name, dst->params[i].count,
                            src->params[i].count);
    memcpy(dst->params[i].value, src->params[i].value,
           src->params[i].count * sizeof(float));
  }
  return BOVW_OK;
}
