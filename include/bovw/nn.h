/* nn.h: a small convolutional network engine: a network from a text spec,
 * forward and backward passes over NCHW float32 batches, a numeric gradient
 * checker, SGD with momentum, learning-rate schedules, weights in the
 * safetensors format and a per-layer summary (shapes, parameters, MACs,
 * receptive fields); then what `bovw nn train`, `bovw nn eval` and
 * `bovw nn fold` are made of: images or encodings loaded into memory,
 * normalisation, augmentation, training epochs with a history, learning
 * curves, the net folder, and batch norm folded for inference.
 *
 * The engine is a table of layer kinds (in the manner of kann): each kind has
 * a forward and a backward action, and the network runs them in order. The
 * formulas, the spec syntax and the weights layout are in docs/nn.md.
 *
 * Threads: a network's `threads` setting is the number of OpenMP threads its
 * layers use (convolutions are parallel over the samples of a batch) and the
 * number of OpenBLAS threads of its matrix products. OpenBLAS's thread count
 * is process-wide: do not run two networks with different settings at once.
 * Partial sums are reduced in an order fixed by the batch size, not by the
 * thread count, so the results do not depend on it (tested with 1 and 2
 * threads); the same seed gives the same weights and the same training run. */
#ifndef BOVW_NN_H
#define BOVW_NN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bovw/encode.h"
#include "bovw/error.h"
#include "bovw/manifest.h"
#include "bovw/monitor.h"
#include "bovw/report.h"
#include "bovw/rng.h"

/* ---- the spec: one layer a line ------------------------------------------ */

/* Layer kinds. The numbers are stable (they may be stored); add at the end. */
typedef enum bovw_nn_kind {
  BOVW_NN_FC = 0,            /* fc N: fully connected (flattens its input) */
  BOVW_NN_CONV,              /* conv N KxK: 2-D cross-correlation */
  BOVW_NN_MAXPOOL,           /* maxpool K */
  BOVW_NN_AVGPOOL,           /* avgpool K */
  BOVW_NN_GLOBALAVGPOOL,     /* globalavgpool: C x H x W -> C x 1 x 1 */
  BOVW_NN_RELU,
  BOVW_NN_LEAKYRELU,         /* slope 0.01 below zero */
  BOVW_NN_SIGMOID,
  BOVW_NN_BATCHNORM,         /* bn: per feature (after fc) or channel (conv) */
  BOVW_NN_DROPOUT,           /* dropout P */
  BOVW_NN_FLATTEN,           /* C x H x W -> (C H W) x 1 x 1 */
  BOVW_NN_SOFTMAX,           /* the head: softmax cross-entropy on the logits */
  BOVW_NN_CONV1D,            /* conv1d N K: 1-D cross-correlation over C x L */
  BOVW_NN_CONV3D,            /* conv3d N KxKxK: 3-D, over C x D x H x W */
  BOVW_NN_MAXPOOL1D,         /* maxpool1d K */
  BOVW_NN_AVGPOOL1D,         /* avgpool1d K */
  BOVW_NN_MAXPOOL3D,         /* maxpool3d K or DxHxW */
  BOVW_NN_AVGPOOL3D,         /* avgpool3d K or DxHxW */
  BOVW_NN_NUM_KINDS
} bovw_nn_kind;

typedef enum bovw_nn_pad {
  BOVW_NN_PAD_VALID = 0,     /* no padding */
  BOVW_NN_PAD_SAME,          /* P = (K - 1) / 2 (odd K): size kept at stride 1 */
  BOVW_NN_PAD_EXPLICIT       /* pad_h, pad_w given */
} bovw_nn_pad;

typedef enum bovw_nn_init {
  BOVW_NN_INIT_HE = 0,       /* normal, variance 2 / fan_in (He et al. 2015) */
  BOVW_NN_INIT_XAVIER        /* uniform, variance 2 / (fan_in + fan_out) */
} bovw_nn_init;

/* `fc classes`: the number of outputs is the number of classes, given when
 * the network is made (bovw_nn_net_options.classes). */
#define BOVW_NN_UNITS_CLASSES (-1)

/* One line of a spec. The fields a kind does not use keep their defaults. */
typedef struct bovw_nn_layer_spec {
  bovw_nn_kind kind;
  int line;                  /* where it was read (1-based), 0 if made in code */
  int units;                 /* fc outputs, conv filters, or UNITS_CLASSES */
  int kernel_h, kernel_w;    /* conv, maxpool, avgpool */
  int stride_h, stride_w;    /* 1 for conv; the kernel size for pools */
  bovw_nn_pad pad;           /* conv: valid */
  int pad_h, pad_w;          /* conv, with BOVW_NN_PAD_EXPLICIT */
  int replicate;             /* conv: 1 pads with the nearest edge value */
  int bias;                  /* conv, fc: 1 */
  bovw_nn_init init;         /* conv, fc: he */
  double slope;              /* leakyrelu: 0.01 */
  double rate;               /* dropout: the probability of dropping, [0, 1) */
  double momentum;           /* bn: 0.1 (running = (1-m) running + m batch) */
  double eps;                /* bn: 1e-5 */
  /* The depth axis of conv3d and the 3-D pools (1, 1, 0 for every other
   * kind). A 1-D kind keeps its sizes in the width fields (kernel_w,
   * stride_w, pad_w), its height fields being 1, 1, 0. */
  int kernel_d, stride_d, pad_d;
} bovw_nn_layer_spec;

/* Sets l to the defaults of `kind` (line 0). */
void bovw_nn_layer_spec_default(bovw_nn_layer_spec *l, bovw_nn_kind kind);

typedef struct bovw_nn_spec {
  int input_c, input_h, input_w;  /* the `input` line; 0 when there is none */
  /* Spatial axes of the input: 1 (`input CxL`, kept as C x 1 x L: input_h
   * is 1, input_w is L), 2 (`input CxHxW`) or 3 (`input CxDxHxW`); 0 means
   * 2. input_d is D for 3, else 1 (0 means 1). */
  int input_dims, input_d;
  int num_layers;
  bovw_nn_layer_spec *layers;     /* num_layers, owned by the spec */
} bovw_nn_spec;

/* Parses a spec (the syntax is in docs/nn.md). Errors read
 * "NAME:LINE: what is wrong", NAME being what the caller passes (a path).
 * On success *out is a new spec (free with bovw_nn_spec_free). */
int bovw_nn_spec_parse(const char *text, const char *name, bovw_nn_spec **out,
                       bovw_error *err);
/* Reads and parses the spec file at path. */
int bovw_nn_spec_read(const char *path, bovw_nn_spec **out, bovw_error *err);
void bovw_nn_spec_free(bovw_nn_spec *self);
/* A new copy of a spec, or NULL when out of memory. */
bovw_nn_spec *bovw_nn_spec_copy(const bovw_nn_spec *self);

/* Writes one layer as a spec line (no newline) into buf; `explicit_options`
 * spells out every option, else options at their default are left out.
 * Returns the length snprintf would have written. */
int bovw_nn_layer_spec_format(const bovw_nn_layer_spec *l, int explicit_options,
                              char *buf, size_t size);
/* The whole spec as text, every option spelled out (the text a weights file
 * keeps). *text is new (free with free()). */
int bovw_nn_spec_to_text(const bovw_nn_spec *self, char **text, bovw_error *err);

/* The spec word of a kind: "conv", "bn", ... */
const char *bovw_nn_kind_name(bovw_nn_kind kind);
/* The spatial axes a kind works on: 1 (conv1d, the 1-D pools), 3 (conv3d,
 * the 3-D pools), 2 (conv, maxpool, avgpool); 0 for kinds that take any. */
int bovw_nn_kind_dims(bovw_nn_kind kind);
/* Writes a shape as the spec spells it for `dims` spatial axes: "CxL" (1:
 * L is w), "CxHxW" (2) or "CxDxHxW" (3). Returns what snprintf returns. */
int bovw_nn_shape_format(int dims, int c, int d, int h, int w, char *buf, size_t size);

/* ---- the network ---------------------------------------------------------- */

/* A tensor the network learns or keeps (weights, biases, batch-norm scales
 * and running statistics). Shapes follow PyTorch: conv weight
 * C_out x C_in x K_h x K_w, fc weight out x in. */
typedef struct bovw_nn_param {
  char name[32];       /* "<layer index>.<what>": "0.weight", "1.running_mean" */
  int layer;           /* index of its layer in the spec */
  int ndim;
  int64_t shape[5];    /* conv3d: C_out x C_in x K_d x K_h x K_w */
  size_t count;        /* number of elements */
  float *value;        /* owned by the network */
  float *grad;         /* owned by the network; NULL when not trainable */
  int trainable;       /* 0 for the running statistics of batch norm */
  int decay;           /* 1 when weight decay applies (conv and fc weights) */
} bovw_nn_param;

typedef struct bovw_nn_net_options {
  int input_c, input_h, input_w;  /* 0: the spec's input line */
  int classes;                    /* what `fc classes` means; 0: not given */
  uint64_t seed;                  /* initial weights and dropout masks: 0 */
  int threads;                    /* <= 0: all cores */
  int shapes_only;                /* 1: shapes and parameter counts only, no
                                     weights (every value NULL): for the
                                     summary of a net too large to hold */
} bovw_nn_net_options;

#define BOVW_NN_NET_OPTIONS_DEFAULT {0, 0, 0, 0, 0, 0, 0}

typedef struct bovw_nn_net bovw_nn_net;

/* Makes a network from a spec: checks every layer against the shape that
 * reaches it (errors name the spec line), and initialises the weights from
 * options->seed (He or Xavier, biases zero, batch norm scale 1 shift 0).
 * The network starts in training mode. opt may be NULL (defaults). */
int bovw_nn_net_new(const bovw_nn_spec *spec, const bovw_nn_net_options *opt,
                    bovw_nn_net **out, bovw_error *err);
void bovw_nn_net_free(bovw_nn_net *self);

/* The spec the network was made from with the input shape and `classes`
 * filled in. Points into the network: do not free. */
const bovw_nn_spec *bovw_nn_net_spec(const bovw_nn_net *self);
/* Values per input sample (C H W) and per output sample. */
size_t bovw_nn_net_input_size(const bovw_nn_net *self);
size_t bovw_nn_net_output_size(const bovw_nn_net *self);
/* 1 when the spec ends with softmax (the network can be trained on labels). */
int bovw_nn_net_has_softmax(const bovw_nn_net *self);

/* The parameters, in spec order. Pointers into the network: do not free. */
size_t bovw_nn_net_num_params(const bovw_nn_net *self);
bovw_nn_param *bovw_nn_net_param(bovw_nn_net *self, size_t i);
/* The parameter named `name`, or NULL. */
bovw_nn_param *bovw_nn_net_find_param(bovw_nn_net *self, const char *name);

/* Training mode (the default): batch norm uses batch statistics and updates
 * its running ones, dropout drops. Evaluation mode: running statistics, no
 * dropout. */
void bovw_nn_net_set_training(bovw_nn_net *self, int training);
int bovw_nn_net_training(const bovw_nn_net *self);
void bovw_nn_net_set_threads(bovw_nn_net *self, int threads);

/* Runs a batch (batch x input_size floats, NCHW) through the network.
 * *output (may be NULL) points to batch x output_size values owned by the
 * network, valid until the next forward: the logits when the spec ends with
 * softmax (the softmax is part of the loss, see below). */
int bovw_nn_net_forward(bovw_nn_net *self, const float *input, int batch,
                        const float **output, bovw_error *err);
/* Back-propagates grad_output (batch x output_size, the loss's gradient
 * with respect to the output of the last forward) through the network:
 * overwrites the grad of every trainable parameter, and when grad_input is
 * not NULL points it to the gradient with respect to the input (owned by the
 * network). Must follow a forward in the same mode. */
int bovw_nn_net_backward(bovw_nn_net *self, const float *grad_output,
                         const float **grad_input, bovw_error *err);

/* Softmax cross-entropy averaged over the batch:
 * loss = -(1/B) sum_b log softmax(logits_b)[labels_b]. When grad is not NULL
 * it receives d loss / d logits = (softmax - onehot) / B. correct (may be
 * NULL) receives the number of samples whose largest logit is the label's.
 * A label outside [0, classes) is an error. */
int bovw_nn_softmax_cross_entropy(const float *logits, const int32_t *labels,
                                  int batch, int classes, double *loss,
                                  float *grad, size_t *correct, bovw_error *err);
/* Probabilities from logits (batch x classes), in place allowed. */
void bovw_nn_softmax(const float *logits, int batch, int classes, float *probs);

/* A new network for inference in which every batch norm that directly follows
 * a conv or fc layer is folded into that layer's weights and bias
 * (W' = W g / sqrt(v + eps), b' = (b - m) g / sqrt(v + eps) + beta) and
 * removed; other batch norms stay. The new network is in evaluation mode and
 * gives the outputs of `self` in evaluation mode. It is made for inference:
 * in evaluation a rectifier and a max pool after it run as one pass (the
 * rectifier's own output is not kept) and a backward pass is refused.
 * *folded (may be NULL) receives the number of layers folded. */
int bovw_nn_net_fold_batchnorm(const bovw_nn_net *self, bovw_nn_net **out,
                               int *folded, bovw_error *err);

/* ---- weights files: safetensors ------------------------------------------ */

/* Writes every parameter (running statistics included) as F32 tensors named
 * as the parameters, with the spec text in "__metadata__" (see docs/nn.md),
 * atomically. */
int bovw_nn_net_save(const bovw_nn_net *self, const char *path, bovw_error *err);
/* Reads a weights file written by bovw_nn_net_save (or by anything writing
 * the same names, shapes and metadata): validates the header against the
 * file and the tensors against the spec, and makes a new network in
 * evaluation mode. threads as in the options. */
int bovw_nn_net_load(const char *path, int threads, bovw_nn_net **out,
                     bovw_error *err);

/* ---- summary ------------------------------------------------------------- */

typedef struct bovw_nn_summary_row {
  int index;                 /* layer index (the prefix of its params' names) */
  bovw_nn_kind kind;
  char text[128];            /* the spec line, defaults left out */
  int c, h, w;               /* output shape of one sample */
  int d;                     /* its depth (3-D nets; else 1) */
  int64_t params;            /* trainable parameters */
  int64_t macs;              /* multiply-accumulates per sample (conv, fc) */
  int64_t flops;             /* 2 x macs: the element-wise layers are not counted */
  int rf_h, rf_w;            /* receptive field in input pixels; 0: all of it */
  int jump_h, jump_w;        /* input pixels between neighbouring outputs */
  int rf_d, jump_d;          /* the same along the depth axis (1 when 2-D) */
} bovw_nn_summary_row;

typedef struct bovw_nn_summary {
  int input_c, input_h, input_w;
  int input_dims, input_d;    /* as in bovw_nn_spec, resolved (1, 2 or 3; D or 1) */
  int num_rows;
  bovw_nn_summary_row *rows;  /* one per layer, owned by the summary */
  int64_t total_params, total_macs, total_flops;
  int64_t activations;        /* output values per sample, all layers */
} bovw_nn_summary;

/* The summary of a network. *out is new (free with bovw_nn_summary_free). */
int bovw_nn_summary_new(const bovw_nn_net *net, bovw_nn_summary **out,
                        bovw_error *err);
void bovw_nn_summary_free(bovw_nn_summary *self);

/* ---- gradient check ------------------------------------------------------- */

typedef struct bovw_nn_gradcheck_options {
  double eps;           /* step of the central differences: 1e-2 */
  double floor;         /* smallest denominator of a relative error, as a
                           fraction of the network's gradient scale: 0.1 */
  double tolerance;     /* a comparison fails above this relative error: 1e-3 */
  int per_tensor;       /* elements checked per tensor, drawn at random: 24
                           (<= 0: all) */
  uint64_t seed;        /* which elements, and the loss weights: 0 */
  const int32_t *labels;  /* NULL: loss = sum_i r_i y_i, r_i uniform in
                             [-1, 1]; else softmax cross-entropy (needs a net
                             ending with softmax) */
} bovw_nn_gradcheck_options;

#define BOVW_NN_GRADCHECK_OPTIONS_DEFAULT {1e-2, 0.1, 1e-3, 24, 0, NULL}

typedef struct bovw_nn_gradcheck_result {
  double max_rel_error;   /* over the comparisons made */
  char worst[48];         /* where: "input[12]" or "0.weight[5]" */
  double worst_analytic, worst_numeric;
  size_t checked;         /* comparisons made */
  size_t failed;          /* of which above the tolerance */
  size_t kinks;           /* elements left out: a step of +-eps flipped a
                             ReLU or moved a max-pool choice, so the quotient
                             mixes two slopes */
} bovw_nn_gradcheck_result;

/* Compares the gradients of back-propagation with central differences of
 * the loss L (summed in double), element by element, for the input and every
 * trainable parameter, in the network's current mode:
 *   n = (L(x + h e_i) - L(x - h e_i)) / 2h   against   a = dL/dx_i,
 * h = eps (the steps actually taken in float), and
 *   relative error = |a - n| / max(|a|, |n|, floor s),
 * s being the network's gradient scale: the root mean square of all the
 * gradients checked. Dropout masks are drawn once and kept, running
 * statistics are left as they were, parameters are restored. An element
 * whose +-h steps change a branch (a ReLU's sign, a max-pool choice) is a
 * kink, counted and left out: the loss is exactly piecewise smooth, and
 * the branches say where the pieces meet.
 *
 * Float32 rounding leaves the quotient an absolute error of about
 * 1e-6 / 2h in the loss's units, the same for every element, and larger when
 * batch norm trains (each step then moves every activation of the batch).
 * For one layer the default floor makes 1e-3 a strict test; through a whole
 * net, floor 1 judges each error against the network's scale (docs/nn.md has
 * the measurements). The check passes when result->failed is 0. opt may be
 * NULL (defaults). */
int bovw_nn_gradcheck(bovw_nn_net *net, const float *input, int batch,
                      const bovw_nn_gradcheck_options *opt,
                      bovw_nn_gradcheck_result *result, bovw_error *err);

/* ---- training -------------------------------------------------------------- */

/* Mini-batch SGD with momentum (PyTorch's formulation):
 *   g = grad + weight_decay w (weights of conv and fc only)
 *   v = momentum v + g
 *   w -= lr (g + momentum v)   with nesterov,   w -= lr v   without. */
typedef struct bovw_nn_sgd_options {
  double momentum;      /* 0.9 */
  int nesterov;         /* 0 */
  double weight_decay;  /* 5e-4 */
} bovw_nn_sgd_options;

#define BOVW_NN_SGD_OPTIONS_DEFAULT {0.9, 0, 5e-4}

typedef struct bovw_nn_sgd bovw_nn_sgd;

/* An optimiser for the trainable parameters of net (velocities zero). The
 * network must outlive it. */
int bovw_nn_sgd_new(bovw_nn_net *net, const bovw_nn_sgd_options *opt,
                    bovw_nn_sgd **out, bovw_error *err);
void bovw_nn_sgd_free(bovw_nn_sgd *self);
/* One update of every trainable parameter from its current grad. */
void bovw_nn_sgd_step(bovw_nn_sgd *self, double lr);

typedef enum bovw_nn_schedule_kind {
  BOVW_NN_LR_CONSTANT = 0,
  BOVW_NN_LR_STEP,       /* lr gamma^floor(epoch / step_size) */
  BOVW_NN_LR_COSINE      /* lr_min + (lr - lr_min)(1 + cos(pi epoch / epochs)) / 2 */
} bovw_nn_schedule_kind;

typedef struct bovw_nn_schedule {
  bovw_nn_schedule_kind kind;
  double lr;            /* the starting rate */
  int step_size;        /* step: epochs between decays */
  double gamma;         /* step: the factor, 0.1 */
  double lr_min;        /* cosine: the final rate, 0 */
  int epochs;           /* cosine: the length of the decay */
} bovw_nn_schedule;

/* The learning rate of epoch `epoch` (from 0); a fractional epoch works too
 * (per-step cosine). */
double bovw_nn_schedule_lr(const bovw_nn_schedule *s, double epoch);
/* NULL when the schedule makes sense, else a sentence saying what is wrong. */
const char *bovw_nn_schedule_check(const bovw_nn_schedule *s);

typedef struct bovw_nn_train_stats {
  double loss;          /* mean softmax cross-entropy over the samples seen */
  size_t correct;       /* samples whose largest logit is their label's */
  size_t count;         /* samples seen */
} bovw_nn_train_stats;

/* One training step on a batch: forward in training mode, softmax
 * cross-entropy, backward, SGD step at rate lr. The batch's loss and correct
 * count are added to stats (may be NULL). */
int bovw_nn_train_step(bovw_nn_net *net, bovw_nn_sgd *sgd, const float *input,
                       const int32_t *labels, int batch, double lr,
                       bovw_nn_train_stats *stats, bovw_error *err);
/* One epoch over n samples (n x input_size floats, labels n): the order is a
 * shuffle drawn from rng, then batches of batch_size (the last one smaller).
 * stats (may be NULL) is reset and filled. monitor (may be NULL) hears
 * "train" progress in samples. */
int bovw_nn_train_epoch(bovw_nn_net *net, bovw_nn_sgd *sgd, const float *inputs,
                        const int32_t *labels, size_t n, int batch_size,
                        double lr, bovw_rng *rng, const bovw_monitor *monitor,
                        bovw_nn_train_stats *stats, bovw_error *err);
/* Loss and accuracy over n samples in evaluation mode (the mode is restored
 * afterwards). predictions (may be NULL) receives n labels. */
int bovw_nn_evaluate(bovw_nn_net *net, const float *inputs,
                     const int32_t *labels, size_t n, int batch_size,
                     int32_t *predictions, bovw_nn_train_stats *stats,
                     bovw_error *err);

/* ---- data in memory: images or encodings ------------------------------------ */

/* Samples held in memory for training or evaluation: the whole set is
 * decoded once. Memory: count x channels x height x width float32 values
 * (Fashion-MNIST's 60000 training images at 1x28x28: 188 MB), plus the
 * labels and rows. */
typedef struct bovw_nn_data {
  size_t count;                 /* samples */
  int channels, height, width;  /* per sample; encodings: dim x 1 x 1 */
  float *x;                     /* count samples of channels x height x width
                                   (NCHW), owned */
  int32_t *labels;              /* count, owned */
  size_t *rows;                 /* the manifest or encodings row of each
                                   sample, owned */
  size_t num_classes;
  char **class_names;           /* num_classes, owned */
  size_t skipped;               /* images that could not be read */
} bovw_nn_data;

/* Values per sample: channels x height x width. */
size_t bovw_nn_data_sample_size(const bovw_nn_data *self);
void bovw_nn_data_free(bovw_nn_data *self);

/* Decodes every image of a manifest with `channels` channels (1: gray,
 * 3: RGB, as bovw_image_load makes them), resized to exactly width x height
 * (bovw_image_resize; the aspect ratio is not kept), pixels in [0, 1] (not
 * normalised). An image that cannot be read is skipped: one warning through
 * the monitor, in manifest order, and self->skipped counts it; none
 * readable is BOVW_ERR_EMPTY. A label outside the manifest's classes is an
 * error. threads decode in parallel (<= 0: all cores); the result does not
 * depend on them. monitor (may be NULL) hears "load" progress in images.
 * *out is new (bovw_nn_data_free). */
int bovw_nn_data_from_manifest(const bovw_manifest *m, int channels, int height,
                               int width, int threads,
                               const bovw_monitor *monitor, bovw_nn_data **out,
                               bovw_error *err);
/* Copies the encodings into memory as samples of dim x 1 x 1, with their
 * labels and class names (named by their labels when the encodings have
 * none). *out is new (bovw_nn_data_free). */
int bovw_nn_data_from_encodings(const bovw_encodings *enc, bovw_nn_data **out,
                                bovw_error *err);
/* Gives every sample the shape channels x height x width, the values
 * staying where they are (NCHW): encodings of C L values as C x 1 x L.
 * Refuses a shape of another number of values. */
int bovw_nn_data_reshape(bovw_nn_data *self, int channels, int height, int width,
                         bovw_error *err);
/* Moves a stratified, seeded share of self into *held (new): of each
 * class's n samples, round(fraction n) drawn at random, at most n - 1 (a
 * class keeps a training sample). Both keep the order of self. fraction in
 * [0, 1); 0 makes *held empty (count 0). */
int bovw_nn_data_holdout(bovw_nn_data *self, double fraction, uint64_t seed,
                         bovw_nn_data **held, bovw_error *err);

/* ---- normalisation ------------------------------------------------------------- */

/* Per channel: x' = (x - mean) / std. For encodings (dim x 1 x 1) a channel
 * is one dimension of the vector. */
typedef struct bovw_nn_norm {
  int channels;
  float *mean, *std;   /* channels each, owned (bovw_nn_norm_free) */
} bovw_nn_norm;

/* The mean and the standard deviation (population, 1/N) of every channel
 * over all samples and positions of data. A channel whose deviation is
 * below 1e-6 (a constant one) gets std 1: it is only centred. */
int bovw_nn_norm_fit(const bovw_nn_data *data, bovw_nn_norm *out, bovw_error *err);
/* Normalises data in place; its channel count must be self's. */
int bovw_nn_norm_apply(const bovw_nn_norm *self, bovw_nn_data *data,
                       bovw_error *err);
/* Frees the arrays and zeroes self (NULL and zeroed are fine). */
void bovw_nn_norm_free(bovw_nn_norm *self);

/* ---- augmentation --------------------------------------------------------------- */

/* Random crop and horizontal flip of a batch in place (NCHW), as in the
 * CIFAR recipe of He et al. 2016: each sample is padded by `pad` pixels on
 * every side with fill[c] (NULL: 0), cut back to height x width at an offset
 * drawn uniformly in [0, 2 pad] per axis, and mirrored left-right with
 * probability 1/2. Draws per sample, in order: row offset, column offset,
 * flip. The same rng state gives the same batch. */
int bovw_nn_augment(float *x, int batch, int channels, int height, int width,
                    int pad, const float *fill, bovw_rng *rng, bovw_error *err);

/* ---- dead ReLU units ------------------------------------------------------------- */

/* After a forward: for each relu layer of the network (leaky ReLU is never
 * zero), in order, the share of its units that were 0 for every sample of
 * that batch. A unit is a channel (all its positions) of a feature map, a
 * feature after fc. Fills at most max entries of layers (the layer indices)
 * and fractions; returns the number of relu layers (0 before any forward). */
int bovw_nn_net_dead_relu(const bovw_nn_net *self, int *layers, double *fractions,
                          int max);

/* ---- training a network on data in memory ------------------------------------------ */

/* Everything `bovw nn train` takes; the field names are the option names
 * (dashes as underscores) and the keys of "options" in the net's meta.json. */
typedef struct bovw_nn_train_options {
  int epochs;                       /* 15 */
  int batch;                        /* 64 */
  double lr;                        /* 0.05: the starting learning rate */
  double momentum;                  /* 0.9 */
  int nesterov;                     /* 0 */
  double weight_decay;              /* 5e-4 */
  bovw_nn_schedule_kind schedule;   /* cosine, over `epochs`, down to 0 */
  int step_size;                    /* step: epochs between decays; 0:
                                       max(1, epochs / 3) */
  double gamma;                     /* step: the factor, 0.1 */
  int augment;                      /* random crop (pad 4) and flip: 0 */
  double val_fraction;              /* stratified hold-out: 0 */
  uint64_t seed;                    /* weights, order, augmentation, hold-out: 0 */
  int threads;                      /* <= 0: all cores */
} bovw_nn_train_options;

void bovw_nn_train_options_default(bovw_nn_train_options *o);
/* NULL when the options make sense, else a sentence saying what is wrong. */
const char *bovw_nn_train_options_check(const bovw_nn_train_options *o);
/* The schedule the options mean (step_size resolved). */
bovw_nn_schedule bovw_nn_train_options_schedule(const bovw_nn_train_options *o);
const char *bovw_nn_schedule_name(bovw_nn_schedule_kind kind);
/* "constant", "step", "cosine"; returns 0 when known. */
int bovw_nn_schedule_parse(const char *name, bovw_nn_schedule_kind *out);
/* The options as a JSON object (new; cJSON_Delete), step_size resolved. */
cJSON *bovw_nn_train_options_to_json(const bovw_nn_train_options *o);

/* One epoch of a run. */
typedef struct bovw_nn_epoch {
  int epoch;                  /* from 1 */
  double lr;
  double train_loss, train_acc;  /* over the epoch's batches as they were
                                    trained (training mode, augmented) */
  double val_loss, val_acc;      /* evaluation mode; NAN without validation */
  double seconds;                /* the whole epoch: training, validation,
                                    dead-unit probe */
  double images_per_second;      /* training samples / training time */
  int diverged;                  /* 1: a batch's loss was not finite (NaN or
                                    inf) in this epoch; training stopped
                                    there, this is the history's last epoch */
} bovw_nn_epoch;

/* The record of a run. dead[e * num_relu + k] is the share of dead units
 * of relu layer relu_layers[k] after epoch e (bovw_nn_net_dead_relu on the
 * probe: the first min(batch, count) training samples, in evaluation mode).
 * grad_norm[e * num_weighted + k] is the L2 norm of the loss's gradient
 * with respect to the weights of layer weighted_layers[k] (a conv or fc:
 * its weight tensor, bias left out, weight decay not added), averaged over
 * the batches of epoch e. */
typedef struct bovw_nn_history {
  int num_epochs;
  bovw_nn_epoch *epochs;       /* owned */
  int num_relu;
  int *relu_layers;            /* owned */
  double *dead;                /* num_epochs x num_relu, owned */
  int num_weighted;
  int *weighted_layers;        /* owned */
  double *grad_norm;           /* num_epochs x num_weighted, owned */
  double train_seconds;        /* all epochs */
  double images_per_second;    /* training samples of all epochs / their
                                  training time */
} bovw_nn_history;

void bovw_nn_history_free(bovw_nn_history *self);

/* Called after each epoch; the epoch is history->epochs[num_epochs - 1]. */
typedef void (*bovw_nn_epoch_fn)(void *ctx, const bovw_nn_history *history);

/* Trains net (made with the same seed as o->seed, by the caller) on train
 * for o->epochs epochs: per epoch the learning rate of the schedule, a
 * shuffle drawn from the seed, batches (the last one smaller), augmented
 * when o->augment (padding with the value black takes under norm, 0 when
 * norm is NULL), one SGD step each; then loss and accuracy on val (may be
 * NULL or empty) and the dead-unit probe. Same data, options and seed: the
 * same weights and history for any thread count. monitor (may be NULL)
 * hears "epoch E/N" progress in samples; on_epoch (may be NULL) gets the
 * history so far. *out (may be NULL) receives the history (new). The
 * network is left in evaluation mode. A batch whose loss is not finite, or
 * a validation loss that is not, stops the run there (the divergence is
 * not an error): the epoch is the history's last, with diverged set, and
 * the monitor hears a warning saying so. */
int bovw_nn_train(bovw_nn_net *net, const bovw_nn_data *train,
                  const bovw_nn_data *val, const bovw_nn_norm *norm,
                  const bovw_nn_train_options *o, const bovw_monitor *monitor,
                  bovw_nn_epoch_fn on_epoch, void *ctx, bovw_nn_history **out,
                  bovw_error *err);

/* ---- learning curves ------------------------------------------------------------- */

/* curve.csv: a header line "epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds",
 * then grad_norm_L per entry of weighted_layers and dead_relu_L per entry of
 * relu_layers, and one line per epoch (val_* empty without validation, a
 * value that is not finite empty, the loss of a diverged epoch "diverged"),
 * atomically. */
int bovw_nn_curve_write_csv(const bovw_nn_history *h, const char *path,
                            bovw_error *err);
/* curve.svg: loss (left) and accuracy (right) against the epoch, training
 * solid and validation dashed, with axes, ticks and a legend; title (may be
 * NULL) heads it. Written atomically. */
int bovw_nn_curve_write_svg(const bovw_nn_history *h, const char *title,
                            const char *path, bovw_error *err);

/* ---- the net folder ------------------------------------------------------------- */

/* A trained network and what applying it needs: the net folder written by
 * `bovw nn train` (weights.safetensors, spec.cfg, meta.json, curve.csv,
 * curve.svg; docs/nn.md) or by `bovw nn fold` (no curves). */
typedef struct bovw_nn_model {
  bovw_nn_net *net;         /* owned; evaluation mode after open */
  bovw_nn_norm norm;        /* owned */
  size_t num_classes;
  char **class_names;       /* num_classes, owned */
  int from_encodings;       /* 1: the input is an encoding vector */
  cJSON *meta;              /* owned: the whole meta.json after open; before
                               save, keys the caller adds (they are copied
                               into meta.json unless the save sets them) */
} bovw_nn_model;

/* Writes the folder dir: bovw_artifact_begin, then weights.safetensors,
 * spec.cfg (spec_text as given), curve.csv and curve.svg from history (may
 * be NULL: no curves, empty history), and last meta.json (kind "net"):
 * input, classes, num_classes, normalization, from_encodings, params,
 * model_bytes, history (with dead_relu per epoch), train_seconds,
 * images_per_second, then self->meta's keys. */
int bovw_nn_model_save(const bovw_nn_model *self, const char *spec_text,
                       const bovw_nn_history *history, const char *dir,
                       bovw_error *err);
/* Opens a net folder: meta.json (kind "net"), the weights (threads as in
 * bovw_nn_net_load), checked against each other (input shape, classes,
 * normalisation channels). *out is new (bovw_nn_model_free). */
int bovw_nn_model_open(const char *dir, int threads, bovw_nn_model **out,
                       bovw_error *err);
void bovw_nn_model_free(bovw_nn_model *self);
/* Refuses encodings whose dimension, codebook (sha256) or encoding
 * parameters differ from the training encodings' (meta.json "encodings"),
 * naming the first difference; a net trained on images refuses all. */
int bovw_nn_model_check_encodings(const bovw_nn_model *self,
                                  const bovw_encodings *enc, const char *enc_name,
                                  bovw_error *err);
/* Refuses data with more classes than the net, or whose class name at some
 * label differs from the net's (bovw_nn_eval_run skips the check for
 * encodings without class names: their labels are checked by the report). */
int bovw_nn_model_check_classes(const bovw_nn_model *self, const bovw_nn_data *data,
                                const char *data_name, bovw_error *err);
/* Scores (n x num_classes softmax probabilities) of data, normalised
 * already, in evaluation mode, batch samples at a time. *seconds (may be
 * NULL) receives the time the forward passes took. */
int bovw_nn_model_scores(bovw_nn_model *self, const bovw_nn_data *data, int batch,
                         float *scores, double *seconds, bovw_error *err);
/* Replaces self->net by its folded form (bovw_nn_net_fold_batchnorm): the
 * same scores within float rounding, fewer layers to run. *folded (may be
 * NULL) receives the number of batch norms folded now. On failure self is
 * unchanged. */
int bovw_nn_model_fold_batchnorm(bovw_nn_model *self, int *folded, bovw_error *err);

/* ---- the commands as library calls ------------------------------------------------ */

/* What to train on or evaluate: exactly one of the two. */
typedef struct bovw_nn_source {
  const char *manifest;     /* a manifest TSV of images */
  const char *encodings;    /* an encodings folder */
} bovw_nn_source;

typedef struct bovw_nn_train_summary {
  size_t train_count, val_count, skipped, num_classes;
  int64_t params;
  double seconds;           /* the whole run, loading included */
  bovw_nn_epoch last;       /* the last epoch */
} bovw_nn_train_summary;

/* `bovw nn train`: reads the spec at spec_path, loads the source (images at
 * the spec's input shape; encodings as dim x 1 x 1, the spec's input line
 * then being dim x 1 x 1 or absent), holds out o->val_fraction, normalises
 * by the training part's statistics, trains, and writes the net folder
 * out_dir. summary (may be NULL) receives the figures. */
int bovw_nn_train_run(const char *spec_path, const bovw_nn_source *source,
                      const bovw_nn_train_options *o, const char *out_dir,
                      const bovw_monitor *monitor, bovw_nn_epoch_fn on_epoch,
                      void *ctx, bovw_nn_train_summary *summary, bovw_error *err);

/* `bovw nn eval`: opens the net folder, folds its batch norms
 * (bovw_nn_model_fold_batchnorm), loads and normalises the source as at
 * training (encodings checked against the training ones), scores it and
 * writes report_dir with bovw_report_write; the report's "run" object says
 * kind "nn", the net, its spec, params, train_seconds, model_bytes, the
 * inference speed, the input dim and batchnorm_folded (the batch norms
 * folded in the net that scored: now, or before by `bovw nn fold`). *out
 * (may be NULL) receives the report (new). */
int bovw_nn_eval_run(const char *net_dir, const bovw_nn_source *source,
                     int threads, const char *report_dir,
                     const bovw_monitor *monitor, bovw_report **out,
                     bovw_error *err);
/* bovw_nn_eval_run, folding the batch norms when fold is 1; with 0 the net
 * scores as it was trained, each batch norm a layer of its own (what `nn
 * eval --no-fold` measures: the time folding saves). */
int bovw_nn_eval_run_folding(const char *net_dir, const bovw_nn_source *source,
                             int threads, int fold, const char *report_dir,
                             const bovw_monitor *monitor, bovw_report **out,
                             bovw_error *err);

/* What `bovw nn fold` did. */
typedef struct bovw_nn_fold_summary {
  int folded;               /* batch norms folded into the conv or fc before them */
  int kept;                 /* batch norms after another kind of layer: they stay */
  int64_t params_before, params_after;  /* trainable parameters */
} bovw_nn_fold_summary;

/* `bovw nn fold`: opens the net folder net_dir, folds its batch norms and
 * writes the folded net as a new net folder out_dir (weights.safetensors,
 * spec.cfg, meta.json; no curves) that bovw_nn_eval_run reads like any
 * other. meta.json keeps the source's classes, normalisation, options,
 * training data and encodings identity, and says where it came from under
 * "fold": "from" (the source folder's path, the sha256 of its meta.json and
 * weights.safetensors, its spec identity), "batchnorm_folded" (counting
 * earlier folds) and "batchnorm_kept". out_dir must not exist (or be an
 * empty folder): the net is written into a temporary folder beside it,
 * renamed to out_dir at the end, and removed on failure, so a failed fold
 * leaves nothing. summary (may be NULL) receives the figures. */
int bovw_nn_fold_run(const char *net_dir, const char *out_dir,
                     bovw_nn_fold_summary *summary, bovw_error *err);

/* ---- looking inside a net (src/nn/features.c, activations.c) ------------------------ */

/* The index of the last hidden layer: the layer whose output the last fc
 * layer reads; -1 when the last fc is the first layer (or there is none). */
int bovw_nn_net_last_hidden(const bovw_nn_net *self);

typedef struct bovw_nn_features_summary {
  size_t count, dim;        /* rows written, values per row */
  int layer;                /* the layer they come from */
  bovw_nn_kind kind;        /* its kind */
} bovw_nn_features_summary;

/* `bovw nn features`: opens the net folder net_dir (trained on encodings),
 * loads encodings_dir (checked as bovw_nn_eval_run checks its encodings),
 * normalises them with the net's statistics, runs them through the net in
 * evaluation mode, batch norms not folded (the layer indices are the
 * spec's), and writes the output of layer `layer` (< 0: the last hidden
 * layer) for each row as the encodings folder out_dir: encodings.npy
 * (count x the layer's output size), labels.npy and meta.json (params
 * {"encoding": "nn-features", "net_weights_sha256", "layer", "of": the
 * source's params}: what a classifier of the rows checks; "net", "source",
 * the source's "classes"). tsv_path (may be NULL): the rows as text too,
 * columns h0 .. h(dim-1), label, class. A net whose training diverged is
 * refused. summary may be NULL. */
int bovw_nn_features_run(const char *net_dir, const char *encodings_dir, int layer,
                         int threads, const char *out_dir, const char *tsv_path,
                         bovw_nn_features_summary *summary, bovw_error *err);

/* The engine's own activation layer `kind` (relu, leakyrelu with `slope`,
 * sigmoid) on n inputs x: y[i] = f(x[i]) by the layer's forward pass and
 * dy[i] = f'(x[i]) by its backward pass (the gradient of sum y), as in
 * training. At a kink the backward pass's convention holds (ReLU: 0 at
 * x = 0; leaky ReLU: the slope). */
int bovw_nn_activation_eval(bovw_nn_kind kind, double slope, const float *x, size_t n,
                            float *y, float *dy, bovw_error *err);

#endif
