/* conv_direct.c: the 3x3 convolution at stride 1 with zero padding computed
 * directly, for layers with few input channels (the first layer of an image
 * net: 1 or 3), where im2col + sgemm is a product of inner dimension 9 and
 * runs far below the machine's peak (docs/nn.md, "conv").
 *
 * A sample's input planes are copied once into a zero-bordered buffer whose
 * rows are a whole number of 16-float tiles wide, so every tap of a tile is
 * a plain load. Forward keeps 4 output channels x 16 outputs of a row in
 * registers (8 vectors of 8) while the 9 C_in taps are added; the weight
 * gradient keeps the 9 taps' sums of one (output, input) channel pair in
 * registers while it walks the output gradient once. The input gradient is
 * the forward correlation of the zero-bordered output gradient with the
 * kernels flipped and transposed. Sums run in a fixed order: the same bytes
 * for any thread count. */
#include <stdint.h>
#include <string.h>

#include "nn/internal.h"
#include "nn/vec.h"

typedef int32_t v8i __attribute__((vector_size(32)));
enum { TILE = 16, BLOCK = 4 };

/* The first n (<= 8) values at p, zeros after (a loop the compiler keeps
 * in registers, where a memcpy would be a call). */
static inline v8f load_part(const float *p, int n) {
  v8f v = {0};
  for (int q = 0; q < n; q++) v[q] = p[q];
  return v;
}

static inline float sum8(v8f v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

static int round_tile(int n) { return (n + TILE - 1) / TILE * TILE; }

int nn_conv_direct_fits(const nn_layer *l) {
  const bovw_nn_layer_spec *s = &l->spec;
  return s->kernel_h == 3 && s->kernel_w == 3 && s->stride_h == 1 && s->stride_w == 1 &&
         !s->replicate && l->pad_top <= 2 && l->pad_left <= 2 && l->in_d == 1;
}

/* The zero-bordered buffer of the forward pass (C_in planes of
 * (H_out + 2) x (round(W_out) + 2)) and of the input gradient's (C_out
 * planes of (H + 2) x (round(W) + 2)). */
static size_t forward_plane(const nn_layer *l) {
  return (size_t)(l->out_h + 2) * (size_t)(round_tile(l->out_w) + 2);
}
static size_t backward_plane(const nn_layer *l) {
  return (size_t)(l->in_h + 2) * (size_t)(round_tile(l->in_w) + 2);
}

size_t nn_conv_direct_scratch(const nn_layer *l) {
  const size_t f = (size_t)l->in_c * forward_plane(l);
  const size_t b = (size_t)l->out_c * backward_plane(l);
  return f > b ? f : b;
}

/* planes (C x H x W) into pad (C planes of rows x stride floats) at row
 * top and column left, zeros elsewhere. */
static void border(const float *planes, int C, int H, int W, int top, int left, int rows,
                   int stride, float *pad) {
  memset(pad, 0, (size_t)C * rows * stride * sizeof *pad);
  for (int c = 0; c < C; c++)
    for (int y = 0; y < H; y++)
      memcpy(pad + ((size_t)c * rows + y + top) * stride + left,
             planes + ((size_t)c * H + y) * W, (size_t)W * sizeof *pad);
}

/* out[o][y][x] (rows y of OH x OW planes) for the NB output channels from
 * o0: bias[o] + sum over c, i, j of w[o][c][i][j] pad[c][y + i][x + j].
 * NB is a constant in each inlined copy, so the accumulators stay in
 * registers. */
static inline __attribute__((always_inline)) void correlate_block(
    const float *pad, int C, int rows, int stride, const float *w, const float *bias, int o0,
    const int NB, int OH, int OW, float *out) {
  for (int y = 0; y < OH; y++)
    for (int tile = 0; tile < OW; tile += TILE) {
      /* a last partial tile moves back to end at the row's end (when the
       * row is a tile wide), its first outputs computed again, the same */
      const int x = tile + TILE > OW && OW >= TILE ? OW - TILE : tile;
      v8f acc[BLOCK][2];
      for (int k = 0; k < NB; k++) {
        const float b = bias ? bias[o0 + k] : 0.0f;
        acc[k][0] = (v8f){0} + b;
        acc[k][1] = acc[k][0];
      }
      for (int c = 0; c < C; c++)
        for (int i = 0; i < 3; i++) {
          const float *r = pad + ((size_t)c * rows + y + i) * stride + x;
          for (int j = 0; j < 3; j++) {
            const v8f a = load8(r + j), b = load8(r + j + 8);
            for (int k = 0; k < NB; k++) {
              const float wk = w[(((size_t)(o0 + k) * C + c) * 3 + i) * 3 + j];
              acc[k][0] += wk * a;
              acc[k][1] += wk * b;
            }
          }
        }
      const int n = OW - x < TILE ? OW - x : TILE;
      for (int k = 0; k < NB; k++) {
        float *dst = out + ((size_t)(o0 + k) * OH + y) * OW + x;
        if (n == TILE) {
          memcpy(dst, &acc[k][0], sizeof acc[k][0]);
          memcpy(dst + 8, &acc[k][1], sizeof acc[k][1]);
        } else {
          /* a row narrower than a tile: lane by lane (a memcpy of n
           * values would be a call, the accumulators spilled around it) */
          for (int q = 0; q < n; q++) dst[q] = q < 8 ? acc[k][0][q] : acc[k][1][q - 8];
        }
      }
    }
}

static void correlate(const float *pad, int C, int rows, int stride, const float *w,
                      const float *bias, int O, int OH, int OW, float *out) {
  int o = 0;
  for (; o + BLOCK <= O; o += BLOCK)
    correlate_block(pad, C, rows, stride, w, bias, o, BLOCK, OH, OW, out);
  for (; o < O; o++) correlate_block(pad, C, rows, stride, w, bias, o, 1, OH, OW, out);
}

void nn_conv_direct_forward(const nn_layer *l, const float *w, const float *bias,
                            const float *in, float *out, float *scratch) {
  const int rows = l->out_h + 2, stride = round_tile(l->out_w) + 2;
  border(in, l->in_c, l->in_h, l->in_w, l->pad_top, l->pad_left, rows, stride, scratch);
  correlate(scratch, l->in_c, rows, stride, w, bias, l->out_c, l->out_h, l->out_w, out);
}

/* dw[o][c][i][j] += sum over y, x of d[o][y][x] pad[c][y + i][x + j] for
 * the NB output channels from o0 (a constant in each inlined copy: NB x 9
 * sums in registers, each input load used NB times), and db[o] += the sum
 * of d[o] when db is not NULL. */
static inline __attribute__((always_inline)) void weight_grad_block(
    const float *pad, int C, int rows, int stride, const float *dout, int o0, const int NB,
    int OH, int OW, float *dw, float *db) {
  const size_t area = (size_t)OH * OW;
  v8f bias_sum[2] = {{0}, {0}};
  /* lanes of the moved-back last tile not in the tile before it */
  v8i fresh;
  for (int q = 0; q < 8; q++) fresh[q] = q >= 8 - OW % 8 ? -1 : 0;
  for (int c = 0; c < C; c++) {
    v8f acc[2][9];
    for (int k = 0; k < NB; k++)
      for (int t = 0; t < 9; t++) acc[k][t] = (v8f){0};
    for (int y = 0; y < OH; y++)
      for (int tile = 0; tile < OW; tile += 8) {
        /* a last partial tile moves back to end at the row's end (when the
         * row is 8 wide), the lanes counted already masked out */
        const int back = tile + 8 > OW && OW >= 8, x = back ? OW - 8 : tile;
        const size_t at = (size_t)y * OW + x;
        v8f dv[2];
        for (int k = 0; k < NB; k++) {
          const float *d = dout + (size_t)(o0 + k) * area + at;
          dv[k] = back ? (v8f)((v8i)load8(d) & fresh) : OW - x >= 8 ? load8(d)
                                                                   : load_part(d, OW - x);
          if (c == 0) bias_sum[k] += dv[k];
        }
        const float *r = pad + ((size_t)c * rows + y) * stride + x;
        for (int i = 0; i < 3; i++)
          for (int j = 0; j < 3; j++) {
            const v8f v = load8(r + (size_t)i * stride + j);
            for (int k = 0; k < NB; k++) acc[k][i * 3 + j] += dv[k] * v;
          }
      }
    for (int k = 0; k < NB; k++) {
      float *to = dw + ((size_t)(o0 + k) * C + c) * 9;
      for (int t = 0; t < 9; t++) to[t] += sum8(acc[k][t]);
    }
  }
  if (db)
    for (int k = 0; k < NB; k++) db[o0 + k] += sum8(bias_sum[k]);
}

void nn_conv_direct_weight_grad(const nn_layer *l, const float *in, const float *dout,
                                float *scratch, float *dw, float *db) {
  const int C = l->in_c, OH = l->out_h, OW = l->out_w;
  const int rows = OH + 2, stride = round_tile(OW) + 2;
  border(in, C, l->in_h, l->in_w, l->pad_top, l->pad_left, rows, stride, scratch);
  int o = 0;
  for (; o + 2 <= l->out_c; o += 2)
    weight_grad_block(scratch, C, rows, stride, dout, o, 2, OH, OW, dw, db);
  for (; o < l->out_c; o++) weight_grad_block(scratch, C, rows, stride, dout, o, 1, OH, OW, dw, db);
}

void nn_conv_direct_flip(const nn_layer *l, const float *w, float *flipped) {
  const int C = l->in_c, O = l->out_c;
  for (int c = 0; c < C; c++)
    for (int o = 0; o < O; o++)
      for (int t = 0; t < 9; t++)
        flipped[((size_t)c * O + o) * 9 + t] = w[((size_t)o * C + c) * 9 + 8 - t];
}

void nn_conv_direct_input_grad(const nn_layer *l, const float *flipped, const float *dout,
                               float *din, float *scratch) {
  /* din[c][u][v] = sum over o, i, j of w[o][c][i][j] dout[o][u + p - i][v + p - j]:
   * the output gradient bordered by 2 - p is correlated with the flipped
   * kernels. */
  const int rows = l->in_h + 2, stride = round_tile(l->in_w) + 2;
  border(dout, l->out_c, l->out_h, l->out_w, 2 - l->pad_top, 2 - l->pad_left, rows, stride,
         scratch);
  correlate(scratch, l->out_c, rows, stride, flipped, NULL, l->in_c, l->in_h, l->in_w, din);
}
