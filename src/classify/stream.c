/* stream.c: one-vs-rest linear SVMs for every class in the same pass over
 * the rows, by stochastic dual coordinate ascent (SDCA; Shalev-Shwartz and
 * Zhang, JMLR 2013) on mini-batches whose work is matrix products.
 *
 * The problem is VLFeat's (the sdca solver's), for each class c:
 *   min_w lambda/2 |w|^2 + 1/n sum_i omega_i max(0, 1 - y_i w.x_i)
 * with x_i augmented by the bias multiplier B (so the bias is regularised,
 * as in VLFeat). In the dual, w = 1/(lambda n) sum_i alpha_i y_i x_i with
 * 0 <= alpha_i <= omega_i, and SDCA updates one alpha_i at a time:
 *   alpha_i <- clip(alpha_i + (1 - y_i w.x_i) lambda n / |x_i|^2, 0, omega_i)
 * then w += (new - old) y_i x_i / (lambda n).
 *
 * Done row by row, each update reads the whole w_c: for 102 classes of
 * 335,872 dimensions, 137 MB per row. Here a mini-batch of rows is read
 * once: S = X_B W^T gives every class's score of every row at the batch's
 * start, G = X_B X_B^T how an update of one row moves the score of
 * another, so the rows' updates are made one after another, exactly as
 * sequential SDCA would (the score of row i is S_ic plus the updates of the
 * rows before it in the batch through G), in O(B^2 K) arithmetic, and the
 * batch's updates reach W in one product, W += D^T X_B. Every product runs
 * in fixed blocks (bovw_sgemm_fixed), so the model is the same for a given
 * seed at any thread count.
 *
 * The products of a batch are cut into chunks of columns, each chunk's
 * partial scores, Gram matrix and norms computed on its own (in parallel,
 * the rows read in place) and summed in chunk order, so the arithmetic is
 * the same whatever the thread count.
 *
 * Each pass also sums every row's hinge loss at the score its update saw:
 * when that estimate of the duality gap (primal minus dual) is at most
 * epsilon for every class, or at the last pass, the exact gap is computed
 * from every row's score with the pass's final W (one more read of the
 * rows), and training stops when it is at most epsilon for every class. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/rng.h"
#include "classify/internal.h"
#include "io/runtime.h"
#include "simd.h"

/* Rows per mini-batch: the products stay efficient, the exact sequential
 * correction (B^2 K) stays small. Columns per chunk: a chunk of the batch
 * and of W stay in a core's cache while its products run. Both fixed, so
 * that the result does not depend on anything but the seed. */
enum { STREAM_BATCH = 16, CHUNK = 2048, SCORE_BLOCK = 256, STREAM_MAX_CLASSES_ON_STACK = 64 };

/* a . b over n floats, one 16-lane accumulator: the same arithmetic as
 * each of dot4's products, so a class's score does not depend on which
 * other classes are computed with it (a class shard trains the same
 * weights as the whole run). The chunks stay in a core's cache, so the
 * products are arithmetic-bound; BLAS's packing of such small operands
 * cost more than the products. */
HOT static float dot(const float *a, const float *b, size_t n) {
  v16f s0 = {0}, u, v;
  size_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    memcpy(&u, a + i, sizeof u);
    memcpy(&v, b + i, sizeof v);
    s0 += u * v;
  }
  float sum = 0;
  for (int l = 0; l < LANES; l++) sum += s0[l];
  for (; i < n; i++) sum += a[i] * b[i];
  return sum;
}

/* out[t] = a . b[t] for four vectors b at once: a is loaded once for the
 * four products. */
HOT static void dot4(const float *a, const float *const b[4], size_t n, float out[4]) {
  v16f s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, u, v;
  size_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    memcpy(&u, a + i, sizeof u);
    memcpy(&v, b[0] + i, sizeof v); s0 += u * v;
    memcpy(&v, b[1] + i, sizeof v); s1 += u * v;
    memcpy(&v, b[2] + i, sizeof v); s2 += u * v;
    memcpy(&v, b[3] + i, sizeof v); s3 += u * v;
  }
  const v16f *acc[4] = {&s0, &s1, &s2, &s3};
  for (int t = 0; t < 4; t++) {
    float sum = 0;
    for (int l = 0; l < LANES; l++) sum += (*acc[t])[l];
    for (size_t j = i; j < n; j++) sum += a[j] * b[t][j];
    out[t] = sum;
  }
}

/* out[t] = a . b[t] for count vectors, four at a time. */
static void dots(const float *a, const float *const *b, size_t count, size_t n, float *out) {
  size_t t = 0;
  for (; t + 4 <= count; t += 4) dot4(a, b + t, n, out + t);
  for (; t < count; t++) out[t] = dot(a, b[t], n);
}

/* y += sum_t alpha[t] x[t] over n floats, for count (<= 4) vectors x: y is
 * read and written once for them. */
HOT static void axpy4(const float *alpha, const float *const *x, size_t count, float *y, size_t n) {
  const float a0 = alpha[0], a1 = count > 1 ? alpha[1] : 0, a2 = count > 2 ? alpha[2] : 0,
              a3 = count > 3 ? alpha[3] : 0;
  const float *x0 = x[0], *x1 = count > 1 ? x[1] : x0, *x2 = count > 2 ? x[2] : x0,
              *x3 = count > 3 ? x[3] : x0;
#pragma omp simd
  for (size_t i = 0; i < n; i++) y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
}

typedef struct {
  size_t n, dim, classes;
  double bias, inv_lambda_n;
  bovw_row_view rows;    /* the n rows: all of the encodings, or a subset */
  const int32_t *labels; /* of all the encodings' rows */
  const double *omega_pos, *omega_neg;  /* per class: the weight of a row on each side */
} problem;

/* The scores of all n rows (with the bias) with the current model, a block
 * at a time into scores (SCORE_BLOCK x K), and the hinge losses summed per
 * class into loss. */
static int primal_losses(const problem *p, const float *w, const double *wb, int threads,
                         float *scores, double *loss) {
  const size_t k = p->classes;
  memset(loss, 0, k * sizeof *loss);
  for (size_t i0 = 0; i0 < p->n; i0 += SCORE_BLOCK) {
    size_t m = p->n - i0 < SCORE_BLOCK ? p->n - i0 : SCORE_BLOCK;
    bovw_row_view block = p->rows;
    block.first += i0;
    if (bovw_sgemm_rows(m, k, p->dim, bovw_row_view_block, &block, bovw_row_view_decodes(&block),
                        w, p->dim, 0.0f, scores, k, threads))
      return BOVW_ERR_NOMEM;
    for (size_t r = 0; r < m; r++) {
      int32_t label = p->labels[bovw_row_view_index(&p->rows, i0 + r)];
      for (size_t c = 0; c < k; c++) {
        int pos = label == (int32_t)c;
        double s = (double)scores[r * k + c] + wb[c] * p->bias;
        double margin = 1 - (pos ? s : -s);
        if (margin > 0) loss[c] += (pos ? p->omega_pos[c] : p->omega_neg[c]) * margin;
      }
    }
  }
  return BOVW_OK;
}

int bovw_stream_train(const bovw_row_view *view, size_t n, size_t classes,
                      const bovw_train_options *o, double C, float *w, float *b,
                      bovw_train_stats *stats, const bovw_monitor *monitor, bovw_error *err) {
  const bovw_encodings *enc = view->enc;
  const size_t dim = enc->dim;
  const int32_t *labels = enc->labels->data;
  const int threads = bovw_threads_resolve(o->threads);
  const double lambda = o->lambda > 0 ? o->lambda : 1.0 / (C * (double)n);
  const double eps = o->epsilon > 0 ? o->epsilon : 1e-3;
  /* VLFeat's default budget, 50 / lambda updates of each class, in passes. */
  const long max_passes = o->epochs > 0 ? o->epochs : (long)ceil(50.0 / (lambda * (double)n));
  const size_t k = classes, bt = STREAM_BATCH, chunks = (dim + CHUNK - 1) / CHUNK;
  const size_t part = bt * k + bt * bt + bt;  /* one chunk's scores, Gram, norms */
  double *alpha = calloc(n * k, sizeof *alpha), *wb = calloc(k, sizeof *wb);
  double *omega = calloc(2 * k, sizeof *omega), *sum_alpha = calloc(k, sizeof *sum_alpha);
  double *loss = calloc(k, sizeof *loss), *online = calloc(k, sizeof *online);
  double *sg = malloc(part * sizeof *sg);
  float *s = malloc(SCORE_BLOCK * k * sizeof *s);
  float *parts = malloc(chunks * part * sizeof *parts), *coef = malloc(bt * k * sizeof *coef);
  size_t *order = malloc(n * sizeof *order), *count = calloc(k, sizeof *count);
  unsigned char *active = malloc(k ? k : 1);
  /* Codes are decoded into a batch's buffer, a chunk at a time. */
  float *decoded = enc->codes ? malloc(bt * dim * sizeof *decoded) : NULL;
  const float *batch_rows[STREAM_BATCH];
  size_t batch_index[STREAM_BATCH];
  int rc = BOVW_OK;
  if (!alpha || !wb || !omega || !sum_alpha || !loss || !online || !sg || !s || !parts ||
      !coef || !order || !count || !active || (enc->codes && !decoded)) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for the stream solver");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    order[i] = i;
    count[labels[bovw_row_view_index(view, i)]]++;
  }
  for (size_t c = 0; c < k; c++) {
    int weighted = o->balance && count[c] && count[c] < n;
    omega[c] = weighted ? bovw_balance_weight(1, count[c], n) : 1;
    omega[k + c] = weighted ? bovw_balance_weight(0, count[c], n) : 1;
  }
  memset(w, 0, k * dim * sizeof *w);
  problem p = {n, dim, k, o->bias, 1.0 / (lambda * (double)n), *view, labels, omega, omega + k};
  bovw_rng rng;
  bovw_rng_seed(&rng, o->seed ^ 0x5354524541ull);  /* "STREA": its own stream of the seed */
  const double b2 = o->bias * o->bias;
  long pass = 0;
  /* The classes still trained: those of the class shard, until each stops. */
  size_t still = 0, first_class, end_class;
  bovw_class_range(o, k, &first_class, &end_class);
  for (size_t c = 0; c < k; c++) {
    active[c] = c >= first_class && c < end_class;
    still += active[c];
    if (!active[c]) stats[c] = (bovw_train_stats){NAN, NAN, 0, 0};
  }
  int converged = still == 0;
  const int saved = bovw_blas_threads_push(1);
  while (pass < max_passes && !converged) {
    bovw_rng_shuffle(&rng, order, n, sizeof *order);
    memset(online, 0, k * sizeof *online);
    for (size_t i0 = 0; i0 < n; i0 += bt) {
      const size_t m = n - i0 < bt ? n - i0 : bt;
      const size_t *rows = order + i0;  /* positions among the n rows */
      for (size_t r = 0; r < m; r++) {
        batch_index[r] = bovw_row_view_index(view, rows[r]);
        batch_rows[r] = decoded ? decoded + r * dim
                                : (const float *)enc->vectors->data + batch_index[r] * dim;
      }
#pragma omp parallel num_threads(threads)
      {
        /* Each chunk of columns: the rows' partial scores, Gram matrix
         * (lower triangle) and squared norms, read in place. */
        const float *wp[STREAM_MAX_CLASSES_ON_STACK], *xp[STREAM_BATCH];
#pragma omp for schedule(dynamic, 1)
        for (size_t t = 0; t < chunks; t++) {
          const size_t c0 = t * CHUNK, cw = dim - c0 < CHUNK ? dim - c0 : CHUNK;
          float *ps = parts + t * part, *pg = ps + bt * k, *pq = pg + bt * bt;
          for (size_t r = 0; r < m; r++)
            xp[r] = bovw_encodings_row(enc, batch_index[r], c0, cw,
                                       decoded ? decoded + r * dim + c0 : NULL);
          for (size_t r = 0; r < m; r++) {
            pq[r] = dot(xp[r], xp[r], cw);
            for (size_t c0k = 0; c0k < k; c0k += STREAM_MAX_CLASSES_ON_STACK) {
              size_t kc = k - c0k < STREAM_MAX_CLASSES_ON_STACK ? k - c0k : STREAM_MAX_CLASSES_ON_STACK;
              for (size_t c = 0; c < kc; c++) wp[c] = w + (c0k + c) * dim + c0;
              dots(xp[r], wp, kc, cw, ps + r * k + c0k);
            }
            dots(xp[r], xp, r, cw, pg + r * bt);
          }
        }
#pragma omp single
        {
          /* The chunks summed in their order: the same sums at any thread
           * count; then the rows' updates one after another, as sequential
           * SDCA makes them: row r's score is its score at the batch's start
           * plus what the updates of rows j < r added, coef_j (x_j . x_r + B^2). */
          double *S = sg, *G = sg + bt * k, *Q = G + bt * bt;
          memset(sg, 0, part * sizeof *sg);
          for (size_t t = 0; t < chunks; t++) {
            const float *ps = parts + t * part, *pg = ps + bt * k, *pq = pg + bt * bt;
            for (size_t e = 0; e < m * k; e++) S[e] += ps[e];
            for (size_t r = 0; r < m; r++) {
              for (size_t j = 0; j < r; j++) G[r * bt + j] += pg[r * bt + j];
              Q[r] += pq[r];
            }
          }
          for (size_t r = 0; r < m; r++) {
            const size_t i = rows[r];
            const double q = Q[r] + b2;
            for (size_t c = 0; c < k; c++) {
              if (!active[c]) {  /* outside the class shard, or converged */
                coef[r * k + c] = 0;
                continue;
              }
              const int pos = labels[batch_index[r]] == (int32_t)c;
              double score = S[r * k + c] + wb[c] * o->bias;
              for (size_t j = 0; j < r; j++) score += (double)coef[j * k + c] * (G[r * bt + j] + b2);
              const double y = pos ? 1 : -1, cap = pos ? omega[c] : omega[k + c];
              const double margin = 1 - y * score;
              if (margin > 0) online[c] += cap * margin;
              double *a = &alpha[i * k + c];
              double next = q > 0 ? *a + margin * lambda * (double)n / q : *a;
              next = next < 0 ? 0 : next > cap ? cap : next;
              coef[r * k + c] = (float)((next - *a) * y * p.inv_lambda_n);
              sum_alpha[c] += next - *a;
              *a = next;
            }
          }
        }
        /* The batch's updates into the model, chunk by chunk: W += D^T X_B,
         * four rows at a time (rows whose update is 0 left out). */
#pragma omp for schedule(dynamic, 1)
        for (size_t t = 0; t < chunks; t++) {
          const size_t c0 = t * CHUNK, cw = dim - c0 < CHUNK ? dim - c0 : CHUNK;
          for (size_t c = 0; c < k; c++) {
            float a4[4];
            const float *x4[4];
            size_t got = 0;
            for (size_t r = 0; r < m; r++) {
              if (coef[r * k + c] == 0) continue;
              a4[got] = coef[r * k + c];
              x4[got++] = batch_rows[r] + c0;
              if (got == 4) {
                axpy4(a4, x4, 4, w + c * dim + c0, cw);
                got = 0;
              }
            }
            if (got) axpy4(a4, x4, got, w + c * dim + c0, cw);
          }
        }
      }
      for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < k; c++) wb[c] += (double)coef[r * k + c] * o->bias;
    }
    pass++;
    /* The gap each class's updates saw; the exact one when that says done,
     * and at the last pass. */
    /* Each class on its own: it stops when the gap its updates saw and
     * then the exact one are at most epsilon, whatever the other classes do
     * (so a class shard trains what the whole run does). */
    double reg[k > 0 ? k : 1];
    int seems[k > 0 ? k : 1], any = 0;
    for (size_t c = 0; c < k; c++) {
      seems[c] = 0;
      if (!active[c]) continue;
      double norm = wb[c] * wb[c];
      for (size_t d = 0; d < dim; d++) norm += (double)w[c * dim + d] * w[c * dim + d];
      reg[c] = 0.5 * lambda * norm;
      seems[c] = reg[c] + online[c] / (double)n - (sum_alpha[c] / (double)n - reg[c]) <= eps;
      any |= seems[c];
    }
    if (any || pass == max_passes) {
      bovw_blas_threads_pop(saved);
      if (primal_losses(&p, w, wb, threads, s, loss)) {
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory to score the rows");
        goto done;
      }
      bovw_blas_threads_push(1);
      for (size_t c = 0; c < k; c++) {
        if (!active[c] || (!seems[c] && pass < max_passes)) continue;
        double primal = reg[c] + loss[c] / (double)n, dual = sum_alpha[c] / (double)n - reg[c];
        int done_c = seems[c] && primal - dual <= eps;
        stats[c] = (bovw_train_stats){primal, primal - dual, pass * (long)n, done_c};
        if (done_c || pass == max_passes) {
          active[c] = 0;
          still--;
        }
      }
    }
    converged = still == 0;
    bovw_monitor_progress(monitor, "stream SDCA passes", converged ? (size_t)max_passes : (size_t)pass,
                          (size_t)max_passes);
  }
  bovw_blas_threads_pop(saved);
  for (size_t c = 0; c < k; c++) b[c] = (float)(wb[c] * o->bias);
done:
  free(alpha); free(wb); free(omega); free(sum_alpha); free(loss); free(online); free(sg);
  free(s); free(parts); free(coef); free(order); free(count); free(active); free(decoded);
  return rc;
}
