/* train.c: mini-batch training and evaluation over samples held in memory:
 * a seeded shuffle per epoch, forward, softmax cross-entropy, backward, an
 * SGD step. Same seed and same data: the same run. */
#include <stdlib.h>
#include <string.h>

#include "nn/internal.h"

static int need_softmax(const bovw_nn_net *net, bovw_error *err) {
  if (!bovw_nn_net_has_softmax(net))
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "the network does not end with softmax: nothing to "
                          "train on labels");
  return BOVW_OK;
}

int bovw_nn_train_step(bovw_nn_net *net, bovw_nn_sgd *sgd, const float *input,
                       const int32_t *labels, int batch, double lr,
                       bovw_nn_train_stats *stats, bovw_error *err) {
  int rc = need_softmax(net, err);
  if (rc) return rc;
  const int classes = (int)bovw_nn_net_output_size(net);
  float *grad = malloc((size_t)batch * (size_t)classes * sizeof *grad);
  if (!grad) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  bovw_nn_net_set_training(net, 1);
  const float *logits;
  double loss;
  size_t correct;
  rc = bovw_nn_net_forward(net, input, batch, &logits, err);
  if (!rc)
    rc = bovw_nn_softmax_cross_entropy(logits, labels, batch, classes, &loss,
                                       grad, &correct, err);
  if (!rc) rc = bovw_nn_net_backward(net, grad, NULL, err);
  free(grad);
  if (rc) return rc;
  bovw_nn_sgd_step(sgd, lr);
  if (stats) {
    stats->loss = (stats->loss * (double)stats->count + loss * batch) /
                  (double)(stats->count + (size_t)batch);
    stats->correct += correct;
    stats->count += (size_t)batch;
  }
  return BOVW_OK;
}

int bovw_nn_train_epoch(bovw_nn_net *net, bovw_nn_sgd *sgd, const float *inputs,
                        const int32_t *labels, size_t n, int batch_size,
                        double lr, bovw_rng *rng, const bovw_monitor *monitor,
                        bovw_nn_train_stats *stats, bovw_error *err) {
  bovw_nn_train_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (n == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no samples to train on");
  if (batch_size <= 0)
    return bovw_error_set(err, BOVW_ERR_INVALID, "batch size %d", batch_size);
  const size_t in_size = bovw_nn_net_input_size(net);
  const size_t bs = (size_t)batch_size < n ? (size_t)batch_size : n;
  size_t *order = malloc(n * sizeof *order);
  float *x = malloc(bs * in_size * sizeof *x);
  int32_t *y = malloc(bs * sizeof *y);
  int rc = BOVW_OK;
  if (!order || !x || !y) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) order[i] = i;
  bovw_rng_shuffle(rng, order, n, sizeof *order);
  for (size_t start = 0; start < n && !rc; start += bs) {
    size_t m = n - start < bs ? n - start : bs;
    for (size_t k = 0; k < m; k++) {
      memcpy(x + k * in_size, inputs + order[start + k] * in_size, in_size * sizeof *x);
      y[k] = labels[order[start + k]];
    }
    rc = bovw_nn_train_step(net, sgd, x, y, (int)m, lr, stats, err);
    bovw_monitor_progress(monitor, "train", start + m, n);
  }
done:
  free(order);
  free(x);
  free(y);
  return rc;
}

int bovw_nn_evaluate(bovw_nn_net *net, const float *inputs,
                     const int32_t *labels, size_t n, int batch_size,
                     int32_t *predictions, bovw_nn_train_stats *stats,
                     bovw_error *err) {
  int rc = need_softmax(net, err);
  if (rc) return rc;
  if (batch_size <= 0)
    return bovw_error_set(err, BOVW_ERR_INVALID, "batch size %d", batch_size);
  const int was_training = bovw_nn_net_training(net);
  const int classes = (int)bovw_nn_net_output_size(net);
  const size_t in_size = bovw_nn_net_input_size(net);
  bovw_nn_train_stats total = {0, 0, 0};
  double loss_sum = 0;
  bovw_nn_net_set_training(net, 0);
  for (size_t start = 0; start < n && !rc; start += (size_t)batch_size) {
    int m = (int)(n - start < (size_t)batch_size ? n - start : (size_t)batch_size);
    const float *logits;
    double loss;
    size_t correct;
    rc = bovw_nn_net_forward(net, inputs + start * in_size, m, &logits, err);
    if (!rc)
      rc = bovw_nn_softmax_cross_entropy(logits, labels + start, m, classes,
                                         &loss, NULL, &correct, err);
    if (rc) break;
    loss_sum += loss * m;
    total.correct += correct;
    total.count += (size_t)m;
    if (predictions)
      for (int b = 0; b < m; b++) {
        const float *z = logits + (size_t)b * classes;
        int top = 0;
        for (int k = 1; k < classes; k++)
          if (z[k] > z[top]) top = k;
        predictions[start + (size_t)b] = top;
      }
  }
  bovw_nn_net_set_training(net, was_training);
  total.loss = total.count ? loss_sum / (double)total.count : 0;
  if (stats) *stats = total;
  return rc;
}
