/* train.c: one-vs-rest linear SVMs (VLFeat) or liblinear's solvers, the
 * cross-validated choice of C, and the model they fill (knn.c fills it for
 * the k-nearest-neighbour classifier).
 *
 * VLFeat's solvers minimise lambda/2 |w|^2 + 1/n sum hinge(y_i w.x_i); with
 * lambda = 1 / (C n) this is liblinear's C-SVM objective scaled by 1/(C n),
 * so one C means the same regularisation for both families (the reference
 * recipe: C = 10, at most 50 / lambda iterations, epsilon 1e-3, bias
 * multiplier 1). Each class's SVM is seeded from the seed and its index, so
 * results do not depend on the thread count. */
#define _GNU_SOURCE
#include <linear.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vl/generic.h>
#include <vl/random.h>
#include <vl/svm.h>
#include <vl/svmdataset.h>

#include "bovw/artifact.h"
#include "bovw/classify.h"
#include "bovw/report.h"
#include "bovw/rng.h"
#include "classify/internal.h"
#include "io/runtime.h"

static const char *const SOLVERS[] = {"sgd", "sdca", "liblinear-l2-dual", "liblinear-l1-dual",
                                      "liblinear-cs", "gram", "knn", "stream"};
enum { NUM_SOLVERS = sizeof SOLVERS / sizeof SOLVERS[0] };

const char *bovw_solver_name(bovw_solver s) {
  return (unsigned)s < NUM_SOLVERS ? SOLVERS[s] : "?";
}

int bovw_solver_parse(const char *name, bovw_solver *out) {
  for (int i = 0; i < NUM_SOLVERS; i++)
    if (!strcmp(name, SOLVERS[i])) {
      *out = (bovw_solver)i;
      return 0;
    }
  return -1;
}

void bovw_train_options_default(bovw_train_options *o) {
  memset(o, 0, sizeof *o);
  o->solver = BOVW_SOLVER_SGD;
  o->C = 10;
  o->epsilon = -1;  /* the solver family's own default */
  o->bias = 1;
  o->neighbors = 1;
  o->knn_metric = BOVW_KNN_L2;
}

/* Solvers of VLFeat's problem, lambda / 2 |w|^2 + mean hinge: they record lambda. */
static int is_vlfeat(bovw_solver s) {
  return s == BOVW_SOLVER_SGD || s == BOVW_SOLVER_SDCA || s == BOVW_SOLVER_STREAM;
}

/* VLFeat: one SVM per class, classes in parallel. */
static int train_vlfeat(const float *x, const int32_t *labels, size_t n, size_t dim,
                        size_t classes, const bovw_train_options *o, double C, float *w,
                        float *b, bovw_train_stats *stats, const bovw_monitor *monitor,
                        bovw_error *err) {
  size_t done = 0, first_class, end_class;
  bovw_class_range(o, classes, &first_class, &end_class);
  double lambda = o->lambda > 0 ? o->lambda : 1.0 / (C * (double)n);
  vl_size iterations = o->epochs > 0 ? (vl_size)o->epochs * n : (vl_size)ceil(50.0 / lambda);
  double eps = o->epsilon > 0 ? o->epsilon : 1e-3;
  int threads = bovw_threads_resolve(o->threads);
  volatile int failed = 0;
  vl_set_num_threads(1);
#pragma omp parallel num_threads(threads)
  {
    double *y = malloc(n * sizeof *y), *weights = o->balance ? malloc(n * sizeof *weights) : NULL;
    VlSvmDataset *ds = vl_svmdataset_new(VL_TYPE_FLOAT, (void *)x, dim, n);
    if (!y || !ds || (o->balance && !weights)) failed = 1;
#pragma omp for schedule(dynamic, 1)
    for (size_t c = 0; c < classes; c++) {
      if (failed || c < first_class || c >= end_class) continue;
      size_t pos = 0;
      for (size_t i = 0; i < n; i++) {
        y[i] = labels[i] == (int32_t)c ? 1 : -1;
        pos += y[i] > 0;
      }
      VlSvm *svm = vl_svm_new_with_dataset(o->solver == BOVW_SOLVER_SDCA ? VlSvmSolverSdca
                                                                          : VlSvmSolverSgd,
                                           ds, y, lambda);
      if (!svm) {
        failed = 1;
        continue;
      }
      if (weights && pos && pos < n) {
        for (size_t i = 0; i < n; i++)
          weights[i] = bovw_balance_weight(y[i] > 0, pos, n);
        vl_svm_set_weights(svm, weights);
      }
      vl_svm_set_bias_multiplier(svm, o->bias);
      vl_svm_set_max_num_iterations(svm, iterations);
      vl_svm_set_epsilon(svm, eps);
      /* VLFeat draws its sample order from the calling thread's generator. */
      vl_rand_seed(vl_get_rand(), (vl_uint32)(o->seed * 1000003u + c));
      vl_svm_train(svm);
      const double *model = vl_svm_get_model(svm);
      for (size_t d = 0; d < dim; d++) w[c * dim + d] = (float)model[d];
      b[c] = (float)vl_svm_get_bias(svm);
      const VlSvmStatistics *s = vl_svm_get_statistics(svm);
      stats[c] = (bovw_train_stats){s->objective, s->dualityGap, (long)s->iteration,
                               s->status == VlSvmStatusConverged};
      vl_svm_delete(svm);
      bovw_monitor_tick(monitor, "SVMs (one per class)", &done, end_class - first_class, 1);
    }
    if (ds) vl_svmdataset_delete(ds);
    free(y);
    free(weights);
  }
  return failed ? bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory training SVMs") : BOVW_OK;
}

static void quiet(const char *s) { (void)s; }

/* liblinear: its solvers on a sparse copy of the data (zeros left out). */
static int train_liblinear(const float *x, const int32_t *labels, size_t n, size_t dim,
                           size_t classes, const bovw_train_options *o, double C, float *w,
                           float *b, bovw_train_stats *stats, bovw_error *err) {
  size_t nnz = 0;
  for (size_t i = 0; i < n * dim; i++) nnz += x[i] != 0;
  struct feature_node *nodes = malloc((nnz + 2 * n) * sizeof *nodes);
  struct feature_node **rows = malloc(n * sizeof *rows);
  double *y = malloc(n * sizeof *y);
  double *cw = o->balance ? malloc(classes * sizeof *cw) : NULL;
  int *cl = o->balance ? malloc(classes * sizeof *cl) : NULL;
  if (!nodes || !rows || !y || (o->balance && (!cw || !cl))) {
    free(nodes); free(rows); free(y); free(cw); free(cl);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for liblinear's copy of the data");
  }
  struct feature_node *p = nodes;
  for (size_t i = 0; i < n; i++) {
    rows[i] = p;
    for (size_t d = 0; d < dim; d++)
      if (x[i * dim + d] != 0) *p++ = (struct feature_node){(int)d + 1, x[i * dim + d]};
    if (o->bias > 0) *p++ = (struct feature_node){(int)dim + 1, o->bias};
    *p++ = (struct feature_node){-1, 0};
    y[i] = labels[i];
  }
  struct problem prob = {.l = (int)n, .n = (int)dim + (o->bias > 0), .y = y, .x = rows,
                         .bias = o->bias > 0 ? o->bias : -1};
  struct parameter param = {
      .solver_type = o->solver == BOVW_SOLVER_LL_L2_DUAL   ? L2R_L2LOSS_SVC_DUAL
                     : o->solver == BOVW_SOLVER_LL_L1_DUAL ? L2R_L1LOSS_SVC_DUAL
                                                           : MCSVM_CS,
      .eps = o->epsilon > 0 ? o->epsilon : 0.1,
      .C = C};
  if (o->balance) {
    size_t *count = calloc(classes, sizeof *count);
    for (size_t i = 0; count && i < n; i++) count[labels[i]]++;
    for (size_t c = 0; count && c < classes; c++) {
      cl[c] = (int)c;
      cw[c] = count[c] ? (double)n / ((double)classes * (double)count[c]) : 1;
    }
    free(count);
    param.nr_weight = (int)classes;
    param.weight_label = cl;
    param.weight = cw;
  }
  int rc = BOVW_OK;
  const char *bad = check_parameter(&prob, &param);
  if (bad) rc = bovw_error_set(err, BOVW_ERR_INVALID, "liblinear: %s", bad);
  struct model *m = NULL;
  if (!rc) {
    set_print_string_function(quiet);  /* the library never prints */
    srand((unsigned)o->seed);          /* liblinear shuffles with rand() */
    m = train(&prob, &param);
    if (!m) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "liblinear failed to train");
  }
  if (!rc) {
    /* Classes absent from the training rows get zero weights. */
    memset(w, 0, classes * dim * sizeof *w);
    memset(b, 0, classes * sizeof *b);
    int nc = get_nr_class(m);
    int *order = malloc((size_t)nc * sizeof *order);
    if (!order) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    else {
      get_labels(m, order);
      for (int k = 0; k < nc; k++) {
        size_t c = (size_t)order[k];
        /* With two classes liblinear keeps one vector for the first label. */
        int idx = nc == 2 && param.solver_type != MCSVM_CS ? 0 : k;
        double sign = nc == 2 && param.solver_type != MCSVM_CS && k == 1 ? -1 : 1;
        for (size_t d = 0; d < dim; d++) w[c * dim + d] = (float)(sign * get_decfun_coef(m, (int)d + 1, idx));
        b[c] = o->bias > 0 ? (float)(sign * get_decfun_bias(m, idx)) : 0;
        stats[c] = (bovw_train_stats){NAN, NAN, -1, 1};
      }
      free(order);
    }
    free_and_destroy_model(&m);
  }
  free(nodes); free(rows); free(y); free(cw); free(cl);
  return rc;
}

static int train_rows(const float *x, const int32_t *labels, size_t n, size_t dim,
                      size_t classes, const bovw_train_options *o, double C, float *w, float *b,
                      bovw_train_stats *stats, const bovw_monitor *monitor, bovw_error *err) {
  if (o->solver == BOVW_SOLVER_GRAM)
    return bovw_gram_train(x, labels, n, dim, classes, o, C, w, b, stats, monitor, err);
  return is_vlfeat(o->solver)
             ? train_vlfeat(x, labels, n, dim, classes, o, C, w, b, stats, monitor, err)
             : train_liblinear(x, labels, n, dim, classes, o, C, w, b, stats, err);
}

/* Mean per-class accuracy of the predictions of n rows: the best-scoring
 * class of each row of scores (n x classes), the first of equal ones. */
static double mean_class_accuracy(const float *scores, const int32_t *labels, size_t n,
                                  size_t classes) {
  size_t *correct = calloc(classes, sizeof *correct), *total = calloc(classes, sizeof *total);
  double acc = 0;
  size_t present = 0;
  if (correct && total) {
    for (size_t i = 0; i < n; i++) {
      size_t best = 0;
      for (size_t c = 1; c < classes; c++)
        if (scores[i * classes + c] > scores[i * classes + best]) best = c;
      total[labels[i]]++;
      correct[labels[i]] += best == (size_t)labels[i];
    }
    for (size_t c = 0; c < classes; c++)
      if (total[c]) {
        acc += (double)correct[c] / (double)total[c];
        present++;
      }
  }
  free(correct);
  free(total);
  return present ? acc / (double)present : 0;
}

/* Mean per-class accuracy of (w, b) on rows (scores in double). */
static double evaluate(const float *x, const int32_t *labels, size_t n, size_t dim,
                       size_t classes, const float *w, const float *b) {
  float *scores = malloc((n ? n : 1) * classes * sizeof *scores);
  if (!scores) return 0;
  for (size_t i = 0; i < n; i++)
    for (size_t c = 0; c < classes; c++) {
      double s = b[c];
      for (size_t d = 0; d < dim; d++) s += (double)w[c * dim + d] * x[i * dim + d];
      scores[i * classes + c] = (float)s;
    }
  double acc = mean_class_accuracy(scores, labels, n, classes);
  free(scores);
  return acc;
}

/* Stratified folds: each class's rows shuffled by the seed, dealt
 * round-robin into K folds. */
static void deal_folds(const int32_t *labels, size_t n, size_t classes, int K, uint64_t seed,
                       int *fold, size_t *idx) {
  bovw_rng rng;
  bovw_rng_seed(&rng, seed ^ 0xc0ffee);
  for (size_t c = 0; c < classes; c++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if ((size_t)labels[i] == c) idx[m++] = i;
    bovw_rng_shuffle(&rng, idx, m, sizeof *idx);
    for (size_t j = 0; j < m; j++) fold[idx[j]] = (int)(j % (size_t)K);
  }
}

/* Adds {C, accuracy} to the grid; keeps the best. */
static int grid_add(cJSON *grid, double C, double acc, double *best, double *best_C,
                    bovw_error *err) {
  cJSON *row = cJSON_CreateObject();
  if (!row || !cJSON_AddNumberToObject(row, "C", C) ||
      !cJSON_AddNumberToObject(row, "mean_class_accuracy", acc) ||
      !cJSON_AddItemToArray(grid, row)) {
    cJSON_Delete(row);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  if (acc > *best) {
    *best = acc;
    *best_C = C;
  }
  return BOVW_OK;
}

static const double CV_FACTORS[] = {0.01, 0.1, 1, 10, 100};
enum { CV_GRID = sizeof CV_FACTORS / sizeof CV_FACTORS[0] };

/* One fold of cross-validation: trains at C on the rows train[0..nt) of
 * the encodings and gives the mean per-class accuracy on held[0..nh). */
typedef struct fold_trainer {
  int (*run)(struct fold_trainer *self, const size_t *train, size_t nt, const size_t *held,
             size_t nh, double C, double *acc, bovw_error *err);
  const bovw_encodings *enc;
  size_t classes;
  bovw_train_options o;  /* lambda 0: it follows C and the fold's size */
  float *w, *b, *x_train, *x_held, *scores;
  int32_t *l_train, *l_held;
  bovw_train_stats *stats;
} fold_trainer;

/* The stream solver's fold: views of the encodings by index (codes stay
 * codes, no row is copied), the held-out rows scored as eval scores them. */
static int stream_fold(fold_trainer *t, const size_t *train, size_t nt, const size_t *held,
                       size_t nh, double C, double *acc, bovw_error *err) {
  bovw_row_view tv = {t->enc, train, 0}, hv = {t->enc, held, 0};
  int rc = bovw_stream_train(&tv, nt, t->classes, &t->o, C, t->w, t->b, t->stats, NULL, err);
  bovw_model m = {.num_classes = t->classes, .dim = t->enc->dim, .weights = t->w, .biases = t->b};
  if (!rc) rc = bovw_model_scores_view(&m, &hv, nh, t->o.threads, t->scores, err);
  if (!rc) *acc = mean_class_accuracy(t->scores, t->l_held, nh, t->classes);
  return rc;
}

/* The other solvers' fold: the rows copied into arrays of their own. */
static int copied_fold(fold_trainer *t, const size_t *train, size_t nt, const size_t *held,
                       size_t nh, double C, double *acc, bovw_error *err) {
  const size_t dim = t->enc->dim;
  const float *x = t->enc->vectors->data;
  const int32_t *labels = t->enc->labels->data;
  for (size_t i = 0; i < nt; i++) {
    memcpy(t->x_train + i * dim, x + train[i] * dim, dim * sizeof *x);
    t->l_train[i] = labels[train[i]];
  }
  for (size_t i = 0; i < nh; i++) memcpy(t->x_held + i * dim, x + held[i] * dim, dim * sizeof *x);
  int rc = train_rows(t->x_train, t->l_train, nt, dim, t->classes, &t->o, C, t->w, t->b,
                      t->stats, NULL, err);
  if (!rc) *acc = evaluate(t->x_held, t->l_held, nh, dim, t->classes, t->w, t->b);
  return rc;
}

/* K-fold cross-validation over a grid of C around o->C; returns the best C
 * and records the grid in `grid` (an array of {C, accuracy}). */
static int cross_validate(const bovw_encodings *enc, size_t classes, const bovw_train_options *o,
                          const bovw_monitor *mon, double *best_C, cJSON *grid, bovw_error *err) {
  const size_t n = enc->count, dim = enc->dim;
  const int32_t *labels = enc->labels->data;
  const int K = o->cv_folds, stream = o->solver == BOVW_SOLVER_STREAM;
  fold_trainer t = {stream ? stream_fold : copied_fold, enc, classes, *o,
                    malloc(classes * dim * sizeof(float)), malloc(classes * sizeof(float)),
                    stream ? NULL : malloc(n * dim * sizeof(float)),
                    stream ? NULL : malloc(n * dim * sizeof(float)),
                    stream ? malloc(n * classes * sizeof(float)) : NULL,
                    stream ? NULL : malloc(n * sizeof(int32_t)), malloc(n * sizeof(int32_t)),
                    malloc(classes * sizeof(bovw_train_stats))};
  t.o.lambda = 0;
  int *fold = malloc(n * sizeof *fold);
  size_t *train = malloc(n * sizeof *train), *held = malloc(n * sizeof *held);
  int rc = BOVW_OK;
  if (!fold || !train || !held || !t.w || !t.b || !t.l_held || !t.stats ||
      (stream ? !t.scores : !t.x_train || !t.x_held || !t.l_train)) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for cross-validation");
    goto done;
  }
  deal_folds(labels, n, classes, K, o->seed, fold, held);
  double best = -1;
  size_t step = 0;
  for (size_t g = 0; !rc && g < CV_GRID; g++) {
    double C = o->C * CV_FACTORS[g], sum = 0, acc = 0;
    for (int k = 0; !rc && k < K; k++) {
      size_t nt = 0, nh = 0;
      for (size_t i = 0; i < n; i++) {
        if (fold[i] == k) {
          t.l_held[nh] = labels[i];
          held[nh++] = i;
        } else {
          train[nt++] = i;
        }
      }
      rc = t.run(&t, train, nt, held, nh, C, &acc, err);
      sum += acc;
      bovw_monitor_progress(mon, "cross-validation", ++step, CV_GRID * (size_t)K);
    }
    if (!rc) rc = grid_add(grid, C, sum / K, &best, best_C, err);
  }
done:
  free(fold); free(train); free(held); free(t.w); free(t.b); free(t.x_train); free(t.x_held);
  free(t.scores); free(t.l_train); free(t.l_held); free(t.stats);
  return rc;
}

void bovw_model_free(bovw_model *self) {
  if (!self) return;
  free(self->weights);
  free(self->biases);
  free(self->train_x);
  free(self->train_labels);
  free(self->train_aux);
  for (size_t c = 0; self->class_names && c < self->num_classes; c++) free(self->class_names[c]);
  free(self->class_names);
  cJSON_Delete(self->meta);
  free(self);
}

/* The SVMs of one solver, with C chosen by cross-validation when asked,
 * into m (class names and meta set). */
static int fit_linear(bovw_model *m, const bovw_encodings *enc, const bovw_train_options *o,
                      const bovw_monitor *monitor, bovw_error *err) {
  const size_t classes = m->num_classes, dim = m->dim, n = enc->count;
  const float *x = enc->vectors ? enc->vectors->data : NULL;  /* NULL for codes */
  const int32_t *labels = enc->labels->data;
  const int stream = o->solver == BOVW_SOLVER_STREAM;
  const bovw_row_view all = {enc, NULL, 0};
  bovw_train_stats *stats = calloc(classes, sizeof *stats);
  /* Zeros: the classes outside a class shard keep them. */
  if (!stats || !(m->weights = calloc(classes * dim, sizeof(float))) ||
      !(m->biases = calloc(classes, sizeof(float)))) {
    free(stats);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the model");
  }
  size_t first_class, end_class;
  bovw_class_range(o, classes, &first_class, &end_class);
  for (size_t c = 0; c < classes; c++)
    if (c < first_class || c >= end_class) stats[c] = (bovw_train_stats){NAN, NAN, -1, 0};
  double C = o->C, cv_seconds = 0;
  cJSON *grid = NULL;
  int rc = BOVW_OK;
  if (o->cv_folds > 1) {
    double t0 = bovw_now();
    grid = cJSON_AddArrayToObject(m->meta, "cross_validation");
    rc = grid ? cross_validate(enc, classes, o, monitor, &C, grid, err)
              : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    cv_seconds = bovw_now() - t0;
  }
  if (!rc && stream)
    rc = bovw_stream_train(&all, n, classes, o, C, m->weights, m->biases, stats, monitor, err);
  else if (!rc)
    rc = train_rows(x, labels, n, dim, classes, o, C, m->weights, m->biases, stats, monitor, err);
  if (!rc) {
    double lambda = o->lambda > 0 && !grid ? o->lambda : 1.0 / (C * (double)n);
    cJSON *st = cJSON_AddArrayToObject(m->meta, "statistics");
    int ok = st && cJSON_AddStringToObject(m->meta, "solver", bovw_solver_name(o->solver)) &&
             cJSON_AddNumberToObject(m->meta, "C", C) &&
             (!is_vlfeat(o->solver) || cJSON_AddNumberToObject(m->meta, "lambda", lambda)) &&
             cJSON_AddNumberToObject(m->meta, "bias_multiplier", o->bias) &&
             cJSON_AddBoolToObject(m->meta, "balance", o->balance) &&
             cJSON_AddNumberToObject(m->meta, "epochs", o->epochs) &&
             cJSON_AddNumberToObject(m->meta, "seed", (double)o->seed) &&
             cJSON_AddNumberToObject(m->meta, "cv_seconds", cv_seconds);
    if (ok && o->class_shard_count > 1) {
      cJSON *sh = cJSON_AddObjectToObject(m->meta, "class_shard");
      ok = sh && cJSON_AddNumberToObject(sh, "index", o->class_shard_index) &&
           cJSON_AddNumberToObject(sh, "count", o->class_shard_count) &&
           cJSON_AddNumberToObject(sh, "first_class", (double)first_class) &&
           cJSON_AddNumberToObject(sh, "end_class", (double)end_class);
    }
    for (size_t c = 0; ok && c < classes; c++) {
      cJSON *s = cJSON_CreateObject();
      ok = s && cJSON_AddItemToArray(st, s) &&
           (isnan(stats[c].objective) || cJSON_AddNumberToObject(s, "objective", stats[c].objective)) &&
           (isnan(stats[c].duality_gap) || cJSON_AddNumberToObject(s, "duality_gap", stats[c].duality_gap)) &&
           (stats[c].iterations < 0 || cJSON_AddNumberToObject(s, "iterations", (double)stats[c].iterations)) &&
           cJSON_AddBoolToObject(s, "converged", stats[c].converged);
    }
    if (!ok) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  free(stats);
  return rc;
}

int bovw_train(const bovw_encodings *enc, const bovw_train_options *o,
               const bovw_monitor *monitor, bovw_model **out, bovw_error *err) {
  *out = NULL;
  size_t n = enc->count, dim = enc->dim;
  const int32_t *labels = enc->labels->data;
  size_t classes = enc->num_classes;
  for (size_t i = 0; i < n; i++)
    if (labels[i] < 0) return bovw_error_set(err, BOVW_ERR_FORMAT, "negative label");
    else if ((size_t)labels[i] >= classes) classes = (size_t)labels[i] + 1;
  if (n == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no training encodings");
  if (o->solver != BOVW_SOLVER_KNN && !(o->C > 0))
    return bovw_error_set(err, BOVW_ERR_INVALID, "C must be positive");
  if (o->class_shard_count > 1) {
    /* Classes trained apart must come out as they would together. */
    if (o->solver != BOVW_SOLVER_SGD && o->solver != BOVW_SOLVER_SDCA &&
        o->solver != BOVW_SOLVER_GRAM && o->solver != BOVW_SOLVER_STREAM)
      return bovw_error_set(err, BOVW_ERR_INVALID,
                            "%s trains all classes together: no class shards (sgd, sdca, gram "
                            "and stream train each class on its own)",
                            bovw_solver_name(o->solver));
    if (o->cv_folds > 1)
      return bovw_error_set(err, BOVW_ERR_INVALID,
                            "cross-validation chooses C for all classes: choose it first, then "
                            "train class shards with that C");
    if (o->class_shard_index < 1 || o->class_shard_index > o->class_shard_count)
      return bovw_error_set(err, BOVW_ERR_INVALID, "class shard %d of %d", o->class_shard_index,
                            o->class_shard_count);
  }
  bovw_model *m = calloc(1, sizeof *m);
  if (!m || !(m->class_names = calloc(classes, sizeof(char *))) ||
      !(m->meta = cJSON_CreateObject())) {
    bovw_model_free(m);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the model");
  }
  m->num_classes = classes;
  m->dim = dim;
  int rc = BOVW_OK;
  for (size_t c = 0; !rc && c < classes; c++) {
    char fallback[32];
    snprintf(fallback, sizeof fallback, "class%zu", c);
    if (!(m->class_names[c] = strdup(c < enc->num_classes ? enc->class_names[c] : fallback)))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  if (!rc && enc->codes && o->solver != BOVW_SOLVER_STREAM)
    rc = bovw_error_set(err, BOVW_ERR_INVALID,
                        "codes are read a batch at a time by --solver stream only; for %s, "
                        "decompress them first (bovw decompress)", bovw_solver_name(o->solver));
  double t1 = bovw_now();
  if (!rc)
    rc = o->solver == BOVW_SOLVER_KNN ? bovw_knn_fit(m, enc->vectors->data, labels, n, o, err)
                                      : fit_linear(m, enc, o, monitor, err);
  if (!rc) {
    /* Training time without cross-validation, which fit_linear records. */
    double seconds = bovw_now() - t1 - bovw_meta_number(m->meta, "cv_seconds", 0);
    int ok = cJSON_AddNumberToObject(m->meta, "train_count", (double)n) &&
             cJSON_AddNumberToObject(m->meta, "train_seconds", seconds);
    /* The identity of what the model accepts. */
    static const char *const keys[] = {"params", "codebook", "features", "dim"};
    cJSON *id = ok ? cJSON_AddObjectToObject(m->meta, "encodings") : NULL;
    ok = id && bovw_meta_copy(id, enc->meta, keys, 4);
    /* Trained on codes: the quantiser, which test codes must share. */
    cJSON *codes = ok && enc->codes ? cJSON_AddObjectToObject(m->meta, "codes") : NULL;
    if (ok && enc->codes)
      ok = codes && cJSON_AddStringToObject(codes, "quantiser_sha256", enc->quantiser_sha256) &&
           cJSON_AddItemToObject(codes, "params", cJSON_Duplicate(enc->codes_params, 1));
    if (!ok) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  if (rc) {
    bovw_model_free(m);
    return rc;
  }
  *out = m;
  return BOVW_OK;
}
