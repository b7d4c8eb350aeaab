/* classify.h: one-vs-rest linear SVMs on encodings (VLFeat's SGD and SDCA,
 * liblinear's dual solvers and Crammer-Singer, the same dual on the Gram
 * matrix), cross-validation of the
 * regularisation, k nearest neighbours, and the model artifact.
 *
 * A linear model scores an encoding x for class c as w_c . x + b_c and
 * predicts the best. A k-nearest-neighbour model keeps the training
 * encodings and scores a class by its votes among the K nearest (see
 * bovw_model_scores). Either records the identity of the encodings it was
 * trained on (encoding parameters, codebook checksum, extraction
 * parameters, dimension), and refuses encodings made otherwise. */
#ifndef BOVW_CLASSIFY_H
#define BOVW_CLASSIFY_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "bovw/encode.h"
#include "bovw/error.h"
#include "bovw/monitor.h"

typedef enum bovw_solver {
  BOVW_SOLVER_SGD = 0,      /* VLFeat vl_svm, stochastic gradient (Pegasos) */
  BOVW_SOLVER_SDCA,         /* VLFeat vl_svm, stochastic dual coordinate ascent */
  BOVW_SOLVER_LL_L2_DUAL,   /* liblinear L2-regularised L2-loss SVC, dual */
  BOVW_SOLVER_LL_L1_DUAL,   /* liblinear L2-regularised L1-loss SVC, dual */
  BOVW_SOLVER_LL_CS,        /* liblinear Crammer-Singer multi-class SVC */
  BOVW_SOLVER_GRAM,         /* liblinear-l1-dual's problem solved on the n x n
                               Gram matrix: for dim >> n (Fisher vectors) */
  BOVW_SOLVER_KNN,          /* k nearest neighbours: no training, the model
                               keeps the training encodings */
  BOVW_SOLVER_STREAM        /* sdca's problem for every class in one pass over
                               mini-batches of rows, by matrix products */
} bovw_solver;

typedef enum bovw_knn_metric {
  BOVW_KNN_L2 = 0,          /* Euclidean distance */
  BOVW_KNN_COSINE           /* 1 - cosine similarity */
} bovw_knn_metric;

typedef struct bovw_train_options {
  bovw_solver solver;      /* sgd */
  double C;                /* 10: liblinear's C; VLFeat: lambda = 1 / (C n) */
  double lambda;           /* > 0 overrides C for VLFeat's solvers */
  int cv_folds;            /* 0: none; K: choose C by K-fold cross-validation */
  int epochs;              /* VLFeat: at most epochs x n iterations; 0: the
                              reference recipe's 50 / lambda; gram: at most
                              epochs passes (0: 1000) */
  double epsilon;          /* stopping tolerance: 1e-3 (VLFeat, gram: the
                              duality gap over C n), 0.1 (liblinear) */
  double bias;             /* bias multiplier (1); 0: no bias */
  int balance;             /* weight classes inversely to their size */
  uint64_t seed;           /* 0 */
  int threads;             /* <= 0: all cores (VLFeat: classes in parallel) */
  int class_shard_index;   /* 1..class_shard_count: train only that slice of */
  int class_shard_count;   /* the classes (sgd, sdca, gram, stream); 0 or 1: all */
  int neighbors;           /* knn: K (1), at most the training encodings */
  bovw_knn_metric knn_metric; /* knn: l2 */
} bovw_train_options;

void bovw_train_options_default(bovw_train_options *o);
const char *bovw_solver_name(bovw_solver s);
int bovw_solver_parse(const char *name, bovw_solver *out);
const char *bovw_knn_metric_name(bovw_knn_metric m);
int bovw_knn_metric_parse(const char *name, bovw_knn_metric *out);

typedef struct bovw_model {
  size_t num_classes, dim;
  float *weights;       /* linear: num_classes x dim; knn: NULL */
  float *biases;        /* linear: num_classes; knn: NULL */
  char **class_names;
  cJSON *meta;          /* solver, parameters, statistics, identity */
  /* knn only (weights and biases are NULL): */
  int knn;              /* 1 for a k-nearest-neighbour model */
  int neighbors;        /* K */
  bovw_knn_metric knn_metric;
  size_t train_count;
  float *train_x;       /* train_count x dim, the training encodings */
  int32_t *train_labels;/* train_count */
  float *train_aux;     /* per training row, computed when made or opened:
                           |t|^2 (l2) or 1 / |t| (cosine, 0 for t = 0) */
} bovw_model;

/* Trains on the encodings (all rows); for knn, copies them. */
int bovw_train(const bovw_encodings *enc, const bovw_train_options *o,
               const bovw_monitor *monitor, bovw_model **out, bovw_error *err);
void bovw_model_free(bovw_model *self);

/* Scores n rows (n x dim) into scores (n x num_classes), with `threads`
 * OpenBLAS and OpenMP threads (<= 0: all cores). Linear: w_c . x + b_c.
 * knn: the K nearest training encodings (distances by blocked matrix
 * products; equal distances go to the earlier training row) vote, one vote
 * each, and class c scores votes_c + (K - r_c) / (K + 1), r_c the rank
 * (from 0) of its nearest voter: the fraction is below 1, so it only breaks
 * ties between vote counts, in favour of the class with the nearer voter.
 * A class without votes scores 0. Fails only when out of memory. */
int bovw_model_scores(const bovw_model *self, const float *x, size_t n, int threads,
                      float *scores, bovw_error *err);

/* Scores every row of enc, dense or codes (decoded a block at a time: the
 * same scores as on the decompressed rows), into scores (count x
 * num_classes). A knn model refuses codes. */
int bovw_model_score_encodings(const bovw_model *self, const bovw_encodings *enc, int threads,
                               float *scores, bovw_error *err);

/* The bytes of the model's arrays: 4 x classes x (dim + 1) for a linear
 * model, 4 x train_count x (dim + 1) for knn. */
double bovw_model_bytes(const bovw_model *self);

/* The model artifact: weights.npy, biases.npy, meta.json (knn:
 * train_encodings.npy, train_labels.npy, meta.json). */
int bovw_model_save(const bovw_model *self, const char *dir, bovw_error *err);
int bovw_model_open(const char *dir, bovw_model **out, bovw_error *err);

/* Merges the class shards of one training (bovw train --classes I/N, all N
 * of them, in any order) into one model in out_dir: each slice of classes'
 * weights, biases and statistics from its shard, byte for byte what the
 * unsplit run trains. Refuses shards of other data or options, missing or
 * repeated shards and models that are not shards, naming the folder. */
int bovw_model_merge(char *const *dirs, size_t n, const char *out_dir, bovw_error *err);

/* Refuses encodings whose parameters, codebook or dimension differ from
 * those the model was trained on, naming the difference. */
int bovw_model_check_encodings(const bovw_model *self, const bovw_encodings *enc,
                               const char *enc_name, bovw_error *err);

/* ---- predicting from image files -------------------------------------------- */

/* A model, its codebook, a PHOW extractor with the codebook's extraction
 * parameters and an encoder with the model's encoding parameters: image
 * files in, class scores out, exactly as extract + encode + eval would. */
typedef struct bovw_predictor bovw_predictor;

/* Refuses a codebook other than the one the model's training encodings
 * were made with. */
int bovw_predictor_new(const char *model_dir, const char *codebook_dir, bovw_predictor **out,
                       bovw_error *err);
void bovw_predictor_free(bovw_predictor *self);
/* The model inside (class names, number of classes); owned by the predictor. */
const bovw_model *bovw_predictor_model(const bovw_predictor *self);
/* Scores one image file: num_classes floats into scores. */
int bovw_predictor_scores(bovw_predictor *self, const char *path, float *scores,
                          bovw_error *err);

#endif
