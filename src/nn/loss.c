/* loss.c: softmax cross-entropy, the head of a classifier. Its forward is
 * the loss and its backward the gradient with respect to the logits; the
 * network's output stays the logits, which keeps both numerically stable. */
#include <math.h>

#include "nn/internal.h"

void bovw_nn_softmax(const float *logits, int batch, int classes, float *probs) {
  for (int b = 0; b < batch; b++) {
    const float *z = logits + (size_t)b * classes;
    float *p = probs + (size_t)b * classes;
    float top = z[0];
    for (int k = 1; k < classes; k++)
      if (z[k] > top) top = z[k];
    double sum = 0;
    for (int k = 0; k < classes; k++) {
      p[k] = expf(z[k] - top);
      sum += p[k];
    }
    for (int k = 0; k < classes; k++) p[k] = (float)(p[k] / sum);
  }
}

int bovw_nn_softmax_cross_entropy(const float *logits, const int32_t *labels,
                                  int batch, int classes, double *loss,
                                  float *grad, size_t *correct, bovw_error *err) {
  if (batch <= 0 || classes <= 0)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "softmax cross-entropy: batch %d, classes %d", batch,
                          classes);
  for (int b = 0; b < batch; b++)
    if (labels[b] < 0 || labels[b] >= classes)
      return bovw_error_set(err, BOVW_ERR_INVALID,
                            "label %d of sample %d is not in [0, %d)",
                            (int)labels[b], b, classes);
  double total = 0;
  size_t right = 0;
  for (int b = 0; b < batch; b++) {
    const float *z = logits + (size_t)b * classes;
    int top = 0;
    for (int k = 1; k < classes; k++)
      if (z[k] > z[top]) top = k;
    if (top == labels[b]) right++;
    /* -log softmax(z)[y] = log sum_k e^(z_k - m) - (z_y - m), m = max z:
     * the log-sum-exp form never overflows. */
    double sum = 0;
    for (int k = 0; k < classes; k++) sum += exp((double)z[k] - z[top]);
    double log_sum = log(sum);
    total += log_sum - ((double)z[labels[b]] - z[top]);
    if (grad) {
      /* d/dz_k = (softmax_k - [k == y]) / B */
      float *g = grad + (size_t)b * classes;
      for (int k = 0; k < classes; k++) {
        double p = exp((double)z[k] - z[top] - log_sum);
        g[k] = (float)((p - (k == labels[b])) / batch);
      }
    }
  }
  if (loss) *loss = total / batch;
  if (correct) *correct = right;
  return BOVW_OK;
}
