/* internal.h: what the files of src/nn share and the public header does not
 * show: the layer object, the table of layer kinds (each a forward and a
 * backward action), and small helpers (shapes, initialisation, threads). */
#ifndef BOVW_NN_INTERNAL_H
#define BOVW_NN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/nn.h"

/* What a forward or backward pass needs to know besides the tensors. */
typedef struct nn_ctx {
  int training;  /* batch statistics, dropout on */
  int threads;   /* OpenMP threads, and OpenBLAS threads of single products */
  int frozen;    /* gradient check: dropout keeps its masks, batch norm its
                    running statistics */
  bovw_rng *rng; /* dropout masks */
} nn_ctx;

enum { NN_MAX_LAYER_PARAMS = 4 };

typedef struct nn_layer nn_layer;

/* One entry of the table of layer kinds. Shapes are per sample; buffers
 * hold `batch` samples one after the other (NCHW). */
typedef struct nn_ops {
  bovw_nn_kind kind;
  /* Checks the spec against the input shape (in_c, in_h, in_w already set),
   * sets the output shape and declares the parameters (name suffix, shape,
   * trainable, decay) in self->params[0 .. num_params). No allocation. */
  int (*setup)(nn_layer *self, bovw_error *err);
  /* Initial parameter values (NULL: none or all zero). */
  void (*init)(nn_layer *self, bovw_rng *rng);
  /* Scratch for batches of up to `batch` samples and `threads` threads
   * (NULL: none). Called before a pass whenever either grows. */
  int (*reserve)(nn_layer *self, int batch, int threads, bovw_error *err);
  /* out = f(in), batch samples. */
  void (*forward)(nn_layer *self, const nn_ctx *ctx, const float *in,
                  float *out, int batch);
  /* Given dout = dL/dout of the last forward (with its in and out), sets the
   * grads of the parameters (overwritten, not accumulated) and, when din is
   * not NULL, din = dL/din. */
  void (*backward)(nn_layer *self, const nn_ctx *ctx, const float *in,
                   const float *out, const float *dout, float *din, int batch);
  /* Frees self->state (NULL: nothing to free). */
  void (*release)(nn_layer *self);
  /* For kinds that branch (ReLU's sign, max pooling's choice): mixes the
   * branches the last forward took into hash and returns it (NULL: the
   * kind is smooth). The gradient checker compares them. */
  uint64_t (*branches)(const nn_layer *self, const float *in, int batch,
                       uint64_t hash);
} nn_ops;

struct nn_layer {
  const nn_ops *ops;
  bovw_nn_layer_spec spec;
  int index;
  int in_c, in_h, in_w;
  int out_c, out_h, out_w;
  /* The depth of 3-D shapes (1 otherwise): set to in_d before setup, which
   * changes out_d only when the layer changes the depth. */
  int in_d, out_d;
  /* Spatial axes of the net's input (1, 2 or 3): a 1-D shape is C x 1 x L. */
  int dims;
  /* Resolved geometry of conv and pools. */
  int pad_top, pad_left, pad_front;
  bovw_nn_param *params;  /* num_params entries inside the net's array */
  int num_params;
  bovw_nn_param declared[NN_MAX_LAYER_PARAMS];  /* filled by setup */
  void *state;            /* kind-specific scratch, owned by the layer */
};

/* Positions of one channel (D H W), and values of one sample (C D H W). */
static inline size_t nn_in_area(const nn_layer *l) {
  return (size_t)l->in_d * (size_t)l->in_h * (size_t)l->in_w;
}
static inline size_t nn_out_area(const nn_layer *l) {
  return (size_t)l->out_d * (size_t)l->out_h * (size_t)l->out_w;
}
static inline size_t nn_in_size(const nn_layer *l) {
  return (size_t)l->in_c * nn_in_area(l);
}
static inline size_t nn_out_size(const nn_layer *l) {
  return (size_t)l->out_c * nn_out_area(l);
}

/* The table: the entry of a kind (NULL for softmax, which is the loss). */
const nn_ops *nn_ops_of(bovw_nn_kind kind);

extern const nn_ops nn_fc_ops, nn_conv_ops, nn_maxpool_ops, nn_avgpool_ops,
    nn_globalavgpool_ops, nn_relu_ops, nn_leakyrelu_ops, nn_sigmoid_ops,
    nn_batchnorm_ops, nn_dropout_ops, nn_flatten_ops, nn_conv1d_ops,
    nn_conv3d_ops, nn_maxpool1d_ops, nn_avgpool1d_ops, nn_maxpool3d_ops,
    nn_avgpool3d_ops;

/* The scratch of max pools (layer_pool.c, layer_pool3d.c): per output of
 * the last forward, the index of the chosen value in its channel's plane or
 * volume; reserve, release and branches of every max pool. */
typedef struct nn_argmax_state {
  int32_t *argmax;
  size_t capacity;
} nn_argmax_state;
int nn_argmax_reserve(nn_layer *self, int batch, int threads, bovw_error *err);
void nn_argmax_release(nn_layer *self);
uint64_t nn_argmax_branches(const nn_layer *self, const float *in, int batch, uint64_t hash);
/* Max pooling of one channel plane of a 2-D max pool: dst and arg get the
 * window maxima and their indices in the plane (the first of equals). */
void nn_maxpool_plane(const nn_layer *self, const float *src, float *dst, int32_t *arg);
/* The same, and carry_dst gets the values of the plane carry at the chosen
 * positions. */
void nn_maxpool_plane_carry(const nn_layer *self, const float *src, float *dst, int32_t *arg,
                            const float *carry, float *carry_dst);

/* A batch norm, a ReLU or leaky ReLU and a max pool whose windows do not
 * overlap, one after the other (layer_bn.c): in training the net runs them
 * as one block, in two passes over the batch norm's input. Forward writes
 * the pool's output and choices, and the outputs of the batch norm and the
 * rectifier only where bn_out and act_out are not NULL; backward takes the
 * pool's output gradient and gives the batch norm's parameter gradients and
 * din (when not NULL). */
int nn_bn_block_fits(const nn_layer *bn, const nn_layer *act, const nn_layer *pool);
/* A ReLU or leaky ReLU and a max pool whose windows do not overlap
 * (layer_pool.c): both rectifiers are non-decreasing, so the pool of the
 * rectified values is the rectified pool, value for value. In evaluation a
 * lean net (nn_net_set_lean) runs them as one pass, the pool first, and
 * keeps neither the rectifier's output nor choices a backward pass could
 * use. */
int nn_act_pool_fits(const nn_layer *act, const nn_layer *pool);
void nn_act_pool_forward(const nn_layer *act, nn_layer *pool, const nn_ctx *ctx,
                         const float *in, float *out, int batch);
void nn_bn_block_forward(nn_layer *bn, const nn_layer *act, nn_layer *pool, const nn_ctx *ctx,
                         const float *in, float *bn_out, float *act_out, float *out, int batch);
void nn_bn_block_backward(nn_layer *bn, const nn_layer *act, const nn_layer *pool,
                          const nn_ctx *ctx, const float *in, const float *out,
                          const float *dout, float *din, int batch);

/* The batch norm's sums of the last block backward (nn_bn_block_backward),
 * per channel: of dy and dy xhat, and 1 / sigma of the last training
 * forward. */
void nn_bn_block_sums(const nn_layer *bn, const double **sum_dy, const double **sum_dy_xhat,
                      const double **inv_std);

/* A net's first convolution, when direct (conv_direct.c), and the
 * batch-norm block behind it, in training when the net's input gradient is
 * not wanted (conv_bn_block.c): the block's statistics and the
 * convolution's weight gradient from the Gram matrix of the unrolled
 * input; forward writes the pool's output but not the convolution's, and
 * backward goes after nn_bn_block_backward with din NULL. new returns NULL
 * when out of memory. */
typedef struct nn_conv_bn_block nn_conv_bn_block;
int nn_conv_bn_block_fits(const nn_layer *conv, const nn_layer *bn, const nn_layer *act,
                          const nn_layer *pool);
nn_conv_bn_block *nn_conv_bn_block_new(const nn_layer *conv, int threads);
void nn_conv_bn_block_free(nn_conv_bn_block *self);
void nn_conv_bn_block_forward(nn_conv_bn_block *self, const nn_layer *conv, nn_layer *bn,
                              const nn_layer *act, nn_layer *pool, const nn_ctx *ctx,
                              const float *in, float *out, int batch);
void nn_conv_bn_block_backward(nn_conv_bn_block *self, nn_layer *conv, const nn_layer *bn,
                               const nn_layer *act, const nn_layer *pool, const nn_ctx *ctx,
                               const float *in, const float *pooled, const float *dout,
                               int batch);
/* The batch norm's statistics of channel c for a training forward (m
 * values a channel): kept for backward, the running ones updated unless
 * frozen. */
void nn_bn_set_statistics(nn_layer *bn, const nn_ctx *ctx, int c, double mean, double var,
                          double m);
/* Channel c's plane x of sample b through a batch-norm block (the
 * normalised values at the pool's choices kept for backward), into out,
 * the pool's output for the batch; thread: the caller's thread number. */
void nn_bn_block_plane(nn_layer *bn, const nn_layer *act, nn_layer *pool, int thread, int b,
                       int c, const float *x, float *out);
/* A conv layer's input unrolled (im2col): col[(c K_h + i) K_w + j][y W_out
 * + x], K x out_h out_w floats. */
void nn_conv_unroll(const nn_layer *conv, const float *in, float *col);

/* The direct 3x3 convolution (conv_direct.c), used by conv for the shapes
 * docs/nn.md's rule gives it. fits: a 3x3 kernel at stride 1 with zero
 * padding of at most 2. scratch: floats of a thread's buffer. forward and
 * input_grad: one sample; weight_grad adds one sample's sums to dw and db
 * (db may be NULL). flip: the kernels flipped and transposed (C_in x C_out
 * x 3 x 3), for input_grad. */
int nn_conv_direct_fits(const nn_layer *l);
size_t nn_conv_direct_scratch(const nn_layer *l);
void nn_conv_direct_forward(const nn_layer *l, const float *w, const float *bias,
                            const float *in, float *out, float *scratch);
void nn_conv_direct_weight_grad(const nn_layer *l, const float *in, const float *dout,
                                float *scratch, float *dw, float *db);
void nn_conv_direct_flip(const nn_layer *l, const float *w, float *flipped);
void nn_conv_direct_input_grad(const nn_layer *l, const float *flipped, const float *dout,
                               float *din, float *scratch);
/* The form a conv layer computes with: NN_CONV_AUTO (the rule), or forced
 * to im2col + sgemm or to the direct kernel (where it fits) for benches
 * and tests; set before the layer's first pass. */
enum { NN_CONV_AUTO, NN_CONV_IM2COL, NN_CONV_DIRECT };
int nn_conv_force_form(nn_layer *self, int form, bovw_error *err);
/* Whether a conv layer computes with the direct kernel. */
int nn_conv_is_direct(const nn_layer *self);

/* Fixed groups of consecutive samples, set by the batch size alone: weight
 * gradients are summed per group and the groups added in order, so that
 * the sums do not depend on the thread count (layer_conv.c,
 * layer_conv3d.c, conv_bn_block.c). At most NN_GROUPS groups; group g holds
 * samples [nn_group_start(g), nn_group_start(g + 1)). */
enum { NN_GROUPS = 16 };
static inline int nn_num_groups(int batch) { return batch < NN_GROUPS ? batch : NN_GROUPS; }
static inline int nn_group_start(int g, int groups, int batch) {
  return (int)((long)g * batch / groups);
}

/* Declares parameter k of a layer in setup. */
void nn_declare_param(nn_layer *self, int k, const char *what, int ndim,
                      const int64_t *shape, int trainable, int decay);

/* Output size of a convolution or pooling along one axis:
 * floor((in + 2 pad - kernel) / stride) + 1; <= 0 when the kernel does not
 * fit. */
int nn_conv_out_size(int in, int kernel, int stride, int pad);
/* Resolves a layer's padding: `same` is (kernel - 1) / 2 on each side. */
int nn_resolve_padding(const nn_layer *self, int *pad_h, int *pad_w,
                       bovw_error *err);
/* The padding along the depth axis (0 for kinds that are not 3-D), once
 * nn_resolve_padding has accepted the layer. */
int nn_resolve_padding_depth(const nn_layer *self);
/* The input shape of a layer as the spec spells it for the net's axes
 * ("28x64", "1x28x28", "1x8x16x16"). */
void nn_in_shape_format(const nn_layer *self, char *buf, size_t size);
/* A kernel or window as the spec spells it for the layer's axes ("5",
 * "3x3", "3x3x3"). */
void nn_kernel_format(const nn_layer *self, char *buf, size_t size);

/* Initial weights of a conv or fc layer (count values, fan_in and fan_out
 * as in the formulas of init.c). */
void nn_init_weights(float *w, size_t count, int fan_in, int fan_out,
                     bovw_nn_init init, bovw_rng *rng);
/* A standard normal deviate (Box-Muller). */
double nn_normal(bovw_rng *rng);

/* OpenBLAS's thread count for the next products (process-wide). */
void nn_blas_threads(int threads);
/* The number of threads a setting means (<= 0: all cores). */
int nn_threads_resolve(int threads);

/* Sets err to "line 4: conv: ..." (the layer's spec line and kind). */
int nn_layer_error(const nn_layer *self, bovw_error *err, int code,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reuses *buf, growing it to hold n floats. */
int nn_grow(float **buf, size_t *capacity, size_t n, bovw_error *err);

/* Mixes 64 bits into a running hash (splitmix64's finaliser). */
static inline uint64_t nn_hash_mix(uint64_t hash, uint64_t bits) {
  uint64_t z = hash ^ (bits + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Net internals used by gradcheck, fold and the safetensors reader. */
/* The branches of every layer in the last forward. */
uint64_t nn_net_branches(const bovw_nn_net *net);
int nn_net_num_layers(const bovw_nn_net *net);
nn_layer *nn_net_layer(bovw_nn_net *net, int i);
void nn_net_set_frozen(bovw_nn_net *net, int frozen);
/* A lean net is for inference alone (bovw_nn_net_fold_batchnorm makes its
 * nets lean): in evaluation a rectifier and a max pool after it run as one
 * pass (nn_act_pool_forward), the rectifier's output is not kept, and a
 * backward pass after such a forward is refused. */
void nn_net_set_lean(bovw_nn_net *net, int lean);
/* Copies every parameter value of src into dst (same spec shapes). */
int nn_net_copy_params(bovw_nn_net *dst, const bovw_nn_net *src, bovw_error *err);
int nn_net_threads(const bovw_nn_net *net);
/* The output of layer i in the last forward (batch x its output size), and
 * that batch (0: no forward yet). After a forward in training, the outputs
 * of a batch norm and a rectifier that ran as a block with the max pool
 * after them are not kept (unless the net is frozen, for the gradient
 * check); nor, in a lean net's evaluation, a rectifier's before a max
 * pool. */
const float *nn_net_output(const bovw_nn_net *net, int i);
int nn_net_batch(const bovw_nn_net *net);
/* Wall seconds layer i spent in forward and in backward passes since the
 * net was made or the last reset (bench/nn_layers.c's profile); a block of
 * batch norm, rectifier and max pool counts under its batch norm. */
void nn_net_layer_seconds(const bovw_nn_net *net, int i, double *forward, double *backward);
void nn_net_reset_seconds(bovw_nn_net *net);

#endif
