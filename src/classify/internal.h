/* internal.h: what the classify files share (not public API): the Gram
 * solver and the k-nearest-neighbour model's pieces, called by train.c and
 * model.c. */
#ifndef BOVW_CLASSIFY_INTERNAL_H
#define BOVW_CLASSIFY_INTERNAL_H

#include "bovw/classify.h"

/* Statistics of one trained problem, for meta.json (NaN / -1: unknown). */
typedef struct {
  double objective, duality_gap;
  long iterations;
  int converged;
} bovw_train_stats;

/* The classes a run trains: [*first, *end), the I-th of N equal slices
 * (--classes I/N), or all of them. */
static inline void bovw_class_range(const bovw_train_options *o, size_t classes, size_t *first,
                                    size_t *end) {
  size_t n = o->class_shard_count > 1 ? (size_t)o->class_shard_count : 1;
  size_t i = n > 1 ? (size_t)o->class_shard_index : 1;
  *first = classes * (i - 1) / n;
  *end = classes * i / n;
}

/* --balance for one class against the rest: the weight of a row on the
 * positive (or negative) side, so that each side weighs half of the n rows
 * (pos of them positive; 0 < pos < n). */
static inline double bovw_balance_weight(int positive, size_t pos, size_t n) {
  return (double)n / (2.0 * (double)(positive ? pos : n - pos));
}

/* Rows of encodings (dense or codes) as a solver or a scorer sees them:
 * all of them, or the subset of row indices (a cross-validation fold),
 * from position `first` on. */
typedef struct bovw_row_view {
  const bovw_encodings *enc;
  const size_t *subset;  /* position -> row of enc; NULL: the same */
  size_t first;
} bovw_row_view;

static inline size_t bovw_row_view_index(const bovw_row_view *v, size_t i) {
  i += v->first;
  return v->subset ? v->subset[i] : i;
}

/* Whether the view's rows must be copied or decoded to be read as a block. */
static inline int bovw_row_view_decodes(const bovw_row_view *v) {
  return v->subset || v->enc->codes;
}

/* bovw_sgemm_rows's row source over a view (ctx). */
const float *bovw_row_view_block(const void *ctx, size_t first, size_t count, float *buf);

/* Scores the first n positions of a view with a linear model (as
 * bovw_model_scores does: the same blocks, so codes score as their
 * decompressed rows do). */
int bovw_model_scores_view(const bovw_model *self, const bovw_row_view *view, size_t n,
                           int threads, float *scores, bovw_error *err);

/* One-vs-rest hinge-loss SVMs in the dual on the Gram matrix (gram.c): the
 * weights of the n rows x (n x dim) into w (classes x dim) and b. */
int bovw_gram_train(const float *x, const int32_t *labels, size_t n, size_t dim,
                    size_t classes, const bovw_train_options *o, double C, float *w, float *b,
                    bovw_train_stats *stats, const bovw_monitor *monitor, bovw_error *err);

/* VLFeat's sdca problem for every class in one pass over mini-batches of
 * rows (stream.c), on the first n positions of a view (codes decoded a
 * batch at a time): the weights into w (classes x dim) and b. */
int bovw_stream_train(const bovw_row_view *view, size_t n, size_t classes,
                      const bovw_train_options *o, double C, float *w, float *b,
                      bovw_train_stats *stats, const bovw_monitor *monitor, bovw_error *err);

/* Makes m (class names and meta already set) a knn model of the n training
 * rows x (n x m->dim) and their labels: copies them, sets K and the metric
 * from o, and adds solver, neighbors and knn_metric to m->meta. Refuses a K
 * outside 1..n. */
int bovw_knn_fit(bovw_model *m, const float *x, const int32_t *labels, size_t n,
                 const bovw_train_options *o, bovw_error *err);

/* Fills m->train_aux from m->train_x and the metric. */
int bovw_knn_prepare(bovw_model *m, bovw_error *err);

/* bovw_model_scores for a knn model. */
int bovw_knn_scores(const bovw_model *m, const float *x, size_t n, int threads, float *scores,
                    bovw_error *err);

/* The knn arrays in a model folder: train_encodings.npy, train_labels.npy;
 * reading them back needs m's num_classes, dim and meta (train_count,
 * neighbors, knn_metric). */
int bovw_knn_save(const bovw_model *m, const char *dir, bovw_error *err);
int bovw_knn_open(bovw_model *m, const char *dir, bovw_error *err);

#endif
