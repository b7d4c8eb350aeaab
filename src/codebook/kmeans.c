/* kmeans.c: k-means with VLFeat (Elkan, Lloyd, ANN) or bovw's own Lloyd,
 * whose assignment step is a blocked matrix product.
 *
 * bovw's Lloyd uses ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2: the x.c terms of
 * a block of rows against all centres are one cblas_sgemm, so an iteration
 * runs at BLAS speed (K = 600, 100k x 128: about 15 GFLOP). Updates
 * accumulate in double. An empty cluster takes the point farthest from its
 * centre, so k centres always stay in use. */
#define _GNU_SOURCE
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vl/generic.h>
#include <vl/kmeans.h>
#include <vl/random.h>

#include "bovw/codebook.h"
#include "bovw/rng.h"
#include "simd.h"
#include "io/runtime.h"
#include "codebook/vl_progress.h"

enum { BLOCK_ROWS = 2048 };

static const char *const ALGORITHM_NAMES[] = {"elkan", "lloyd", "ann", "blas"};

const char *bovw_kmeans_algorithm_name(bovw_kmeans_algorithm a) {
  return (unsigned)a <= BOVW_KMEANS_BLAS ? ALGORITHM_NAMES[a] : "?";
}

int bovw_kmeans_algorithm_parse(const char *name, bovw_kmeans_algorithm *out) {
  for (int i = 0; i <= BOVW_KMEANS_BLAS; i++)
    if (!strcmp(name, ALGORITHM_NAMES[i])) {
      *out = (bovw_kmeans_algorithm)i;
      return 0;
    }
  return -1;
}

void bovw_kmeans_result_clear(bovw_kmeans_result *r) {
  free(r->centers);
  free(r->energies);
  memset(r, 0, sizeof *r);
}


/* Squared norms of n rows. */
static void row_norms(const float *x, size_t n, int dim, float *out, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (int d = 0; d < dim; d++) s += (double)x[i * dim + d] * x[i * dim + d];
    out[i] = (float)s;
  }
}

/* Assigns rows [0, n) to their nearest centre; block products on `threads`
 * threads, each running single-threaded BLAS. Each block's distances start
 * as ||c||^2 and one sgemm adds -2 x.c: what is left per row is an argmin. */
static void assign(const float *data, const float *xnorm, size_t n, int dim,
                   const float *centers, const float *cnorm, int k, int32_t *out,
                   float *dist2, float *scratch, int threads) {
  size_t blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (size_t b = 0; b < blocks; b++) {
    size_t r0 = b * BLOCK_ROWS, rows = n - r0 < BLOCK_ROWS ? n - r0 : BLOCK_ROWS;
    float *g = scratch + (size_t)omp_get_thread_num() * BLOCK_ROWS * (size_t)k;
    for (size_t i = 0; i < rows; i++) memcpy(g + i * (size_t)k, cnorm, (size_t)k * sizeof *g);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, k, dim, -2.0f,
                data + r0 * dim, dim, centers, dim, 1.0f, g, k);
    for (size_t i = 0; i < rows; i++) {
      float best;
      out[r0 + i] = bovw_argmin(g + i * (size_t)k, k, &best);
      if (dist2) {
        float d = best + (xnorm ? xnorm[r0 + i] : 0.0f);
        dist2[r0 + i] = d > 0 ? d : 0;
      }
    }
  }
}

size_t bovw_nearest_scratch_size(int k) { return (size_t)BLOCK_ROWS * (size_t)k; }

void bovw_nearest_centers_1(const float *data, size_t n, int dim, const float *centers,
                            const float *cnorm, int k, int32_t *assign_out, float *scratch) {
  assign(data, NULL, n, dim, centers, cnorm, k, assign_out, NULL, scratch, 1);
}

/* Runs f with OpenBLAS single-threaded (we parallelise over blocks). */
#define WITH_SERIAL_BLAS(stmt)                 \
  do {                                         \
    int saved_ = bovw_blas_threads_push(1);    \
    stmt;                                      \
    bovw_blas_threads_pop(saved_);             \
  } while (0)

int bovw_nearest_centers(const float *data, size_t n, int dim,
                         const float *centers, int k, int32_t *assign_out,
                         float *dist2, int threads, bovw_error *err) {
  threads = bovw_threads_resolve(threads);
  float *xnorm = dist2 ? malloc((n ? n : 1) * sizeof *xnorm) : NULL;
  float *cnorm = malloc((size_t)k * sizeof *cnorm);
  float *scratch = malloc((size_t)threads * BLOCK_ROWS * (size_t)k * sizeof *scratch);
  int rc = BOVW_OK;
  if ((dist2 && !xnorm) || !cnorm || !scratch) {
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  } else {
    if (xnorm) row_norms(data, n, dim, xnorm, threads);
    row_norms(centers, (size_t)k, dim, cnorm, threads);
    WITH_SERIAL_BLAS(assign(data, xnorm, n, dim, centers, cnorm, k, assign_out, dist2,
                            scratch, threads));
  }
  free(xnorm);
  free(cnorm);
  free(scratch);
  return rc;
}

/* Lowers mind[i] to the squared distance from row i to c where that is
 * closer; returns the sum of mind over the n rows. */
HOT static double update_min_distance(const float *data, size_t n, int dim,
                                      const float *c, float *mind) {
  double total = 0;
  for (size_t i = 0; i < n; i++) {
    const float *x = data + i * dim;
    float d = 0;
#pragma omp simd reduction(+ : d)
    for (int j = 0; j < dim; j++) {
      float t = x[j] - c[j];
      d += t * t;
    }
    if (d < mind[i]) mind[i] = d;
    total += mind[i];
  }
  return total;
}

/* Greedy k-means++ seeding (Arthur and Vassilvitskii, 2007, with the
 * greedy refinement scikit-learn uses): each next centre is the best, by
 * the potential it leaves (sum over rows of the squared distance to the
 * nearest centre), of 2 + ln k candidates drawn with probability
 * proportional to that squared distance. The distances of all rows to the
 * candidates are one matrix product. Sums run over fixed chunks of rows
 * added in order, so the draws, and the centres, do not depend on the
 * thread count. */
enum { SEED_CHUNK = 4096 };

/* The row whose cumulative weight passes r, from chunk sums then within the
 * chunk. */
static size_t draw(const float *w, size_t n, const double *chunk_sum, size_t chunks,
                   double r) {
  size_t c = 0;
  while (c + 1 < chunks && r >= chunk_sum[c]) r -= chunk_sum[c++];
  size_t i = c * SEED_CHUNK, end = i + SEED_CHUNK < n ? i + SEED_CHUNK : n;
  for (; i + 1 < end; i++) {
    r -= w[i];
    if (r < 0) break;
  }
  return i;
}

static int init_plusplus(const float *data, const float *xnorm, size_t n, int dim, int k,
                         bovw_rng *rng, float *centers, float *mind, int threads) {
  int L = 2 + (int)log((double)k);
  size_t chunks = (n + SEED_CHUNK - 1) / SEED_CHUNK;
  float *cand = malloc((size_t)L * dim * sizeof *cand), *cn = malloc((size_t)L * sizeof *cn);
  float *g = malloc(n * (size_t)L * sizeof *g);
  double *part = malloc((size_t)(L + 1) * chunks * sizeof *part);
  size_t *ids = malloc((size_t)L * sizeof *ids);
  if (!cand || !cn || !g || !part || !ids) {
    free(cand); free(cn); free(g); free(part); free(ids);
    return -1;
  }
  double *sum = part + (size_t)L * chunks;  /* chunk sums of mind */
  size_t first = (size_t)bovw_rng_below(rng, n);
  memcpy(centers, data + first * dim, (size_t)dim * sizeof *centers);
  for (size_t i = 0; i < n; i++) mind[i] = FLT_MAX;
  update_min_distance(data, n, dim, centers, mind);  /* rows to the first centre */
  for (size_t ch = 0; ch < chunks; ch++) {
    double s = 0;
    for (size_t i = ch * SEED_CHUNK; i < n && i < (ch + 1) * SEED_CHUNK; i++) s += mind[i];
    sum[ch] = s;
  }
  for (int c = 1; c < k; c++) {
    double pot = 0;
    for (size_t ch = 0; ch < chunks; ch++) pot += sum[ch];
    for (int l = 0; l < L; l++) {
      ids[l] = pot > 0 ? draw(mind, n, sum, chunks, bovw_rng_uniform(rng) * pot)
                       : (size_t)bovw_rng_below(rng, n);  /* all rows coincide */
      memcpy(cand + (size_t)l * dim, data + ids[l] * dim, (size_t)dim * sizeof *cand);
      double s = 0;
      for (int j = 0; j < dim; j++) s += (double)cand[(size_t)l * dim + j] * cand[(size_t)l * dim + j];
      cn[l] = (float)s;
    }
    /* Per chunk, one single-threaded product (the caller runs BLAS serially:
     * OpenBLAS's own threads would compete with OpenMP's, which spin between
     * the k small regions), then g becomes each row's distance to each
     * candidate, capped by mind. */
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t ch = 0; ch < chunks; ch++) {
      double s[64] = {0};
      size_t r0 = ch * SEED_CHUNK, rows = n - r0 < SEED_CHUNK ? n - r0 : SEED_CHUNK;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, L, dim, -2.0f,
                  data + r0 * dim, dim, cand, dim, 0.0f, g + r0 * L, L);
      for (size_t i = r0; i < r0 + rows; i++)
        for (int l = 0; l < L; l++) {
          float d = xnorm[i] + g[i * L + l] + cn[l];
          d = d > 0 ? d : 0;
          d = d < mind[i] ? d : mind[i];
          g[i * L + l] = d;
          s[l] += d;
        }
      for (int l = 0; l < L; l++) part[(size_t)l * chunks + ch] = s[l];
    }
    int best = 0;
    double best_pot = 0;
    for (int l = 0; l < L; l++) {
      double p = 0;
      for (size_t ch = 0; ch < chunks; ch++) p += part[(size_t)l * chunks + ch];
      if (l == 0 || p < best_pot) {
        best_pot = p;
        best = l;
      }
    }
    for (size_t i = 0; i < n; i++) mind[i] = g[i * L + best];
    memcpy(sum, part + (size_t)best * chunks, chunks * sizeof *sum);
    memcpy(centers + (size_t)c * dim, cand + (size_t)best * dim, (size_t)dim * sizeof *centers);
  }
  free(cand); free(cn); free(g); free(part); free(ids);
  return 0;
}

static void init_random(const float *data, size_t n, int dim, int k, bovw_rng *rng,
                        float *centers) {
  /* k distinct rows: the first k of a partial Fisher-Yates shuffle. */
  size_t *idx = malloc(n * sizeof *idx);
  if (!idx) {
    for (int c = 0; c < k; c++)
      memcpy(centers + (size_t)c * dim, data + (size_t)c * dim, (size_t)dim * sizeof *centers);
    return;
  }
  for (size_t i = 0; i < n; i++) idx[i] = i;
  for (int c = 0; c < k; c++) {
    size_t j = (size_t)c + (size_t)bovw_rng_below(rng, n - (size_t)c);
    size_t t = idx[c];
    idx[c] = idx[j];
    idx[j] = t;
    memcpy(centers + (size_t)c * dim, data + idx[c] * dim, (size_t)dim * sizeof *centers);
  }
  free(idx);
}

/* One run of bovw's Lloyd from a seeded initialisation. */
static int lloyd_blas(const float *data, size_t n, int dim, int k, bovw_kmeans_init init,
                      int iterations, uint64_t seed, int threads,
                      const bovw_monitor *monitor, bovw_kmeans_result *out,
                      bovw_error *err) {
  float *centers = malloc((size_t)k * dim * sizeof *centers);
  float *xnorm = malloc(n * sizeof *xnorm), *cnorm = malloc((size_t)k * sizeof *cnorm);
  float *dist = malloc(n * sizeof *dist);
  int32_t *label = malloc(n * sizeof *label), *prev = malloc(n * sizeof *prev);
  double *sum = malloc((size_t)k * dim * sizeof *sum);
  size_t *count = malloc((size_t)k * sizeof *count);
  double *energies = malloc((size_t)(iterations > 0 ? iterations : 1) * sizeof *energies);
  float *scratch = malloc((size_t)threads * BLOCK_ROWS * (size_t)k * sizeof *scratch);
  if (!centers || !xnorm || !cnorm || !dist || !label || !prev || !sum || !count ||
      !energies || !scratch) {
    free(centers); free(xnorm); free(cnorm); free(dist); free(label); free(prev);
    free(sum); free(count); free(energies); free(scratch);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for k-means");
  }
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  row_norms(data, n, dim, xnorm, threads);
  if (init == BOVW_INIT_PLUSPLUS) {
    int failed;
    WITH_SERIAL_BLAS(failed = init_plusplus(data, xnorm, n, dim, k, &rng, centers, dist, threads));
    if (failed) {
      free(centers); free(xnorm); free(cnorm); free(dist); free(label); free(prev);
      free(sum); free(count); free(energies); free(scratch);
      return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for k-means");
    }
  } else {
    init_random(data, n, dim, k, &rng, centers);
  }
  for (size_t i = 0; i < n; i++) label[i] = -1;

  int it = 0;
  double energy = 0;
  for (; it < iterations; it++) {
    row_norms(centers, (size_t)k, dim, cnorm, threads);
    memcpy(prev, label, n * sizeof *label);
    WITH_SERIAL_BLAS(assign(data, xnorm, n, dim, centers, cnorm, k, label, dist,
                            scratch, threads));
    energy = 0;
    for (size_t i = 0; i < n; i++) energy += dist[i];
    energies[it] = energy;
    bovw_monitor_progress(monitor, "k-means", (size_t)it + 1, (size_t)iterations);
    if (it > 0 && !memcmp(prev, label, n * sizeof *label)) {
      it++;
      break;  /* converged: the centres would not move */
    }
    /* Update: means of the assigned rows, one pass per centre range so that
     * threads never write the same accumulator. */
    memset(sum, 0, (size_t)k * dim * sizeof *sum);
    memset(count, 0, (size_t)k * sizeof *count);
    for (size_t i = 0; i < n; i++) {
      double *s = sum + (size_t)label[i] * dim;
      const float *x = data + i * dim;
      for (int d = 0; d < dim; d++) s[d] += x[d];
      count[label[i]]++;
    }
    for (int c = 0; c < k; c++) {
      float *cc = centers + (size_t)c * dim;
      if (count[c]) {
        for (int d = 0; d < dim; d++) cc[d] = (float)(sum[(size_t)c * dim + d] / (double)count[c]);
      } else {
        /* Re-seed an empty cluster with the worst-served point. */
        size_t far = 0;
        for (size_t i = 1; i < n; i++)
          if (dist[i] > dist[far]) far = i;
        memcpy(cc, data + far * dim, (size_t)dim * sizeof *cc);
        dist[far] = 0;
      }
    }
  }
  /* The energy of the final centres. */
  row_norms(centers, (size_t)k, dim, cnorm, threads);
  WITH_SERIAL_BLAS(assign(data, xnorm, n, dim, centers, cnorm, k, label, dist, scratch, threads));
  energy = 0;
  for (size_t i = 0; i < n; i++) energy += dist[i];

  free(xnorm); free(cnorm); free(dist); free(label); free(prev); free(sum); free(count);
  free(scratch);
  out->centers = centers;
  out->energy = energy;
  out->iterations = it;
  out->energies = energies;
  return BOVW_OK;
}

/* Bytes VLFeat's Elkan allocates for its bounds: n x k lower bounds, k x k
 * centre distances, and a few n- and k-vectors. */
static double elkan_bytes(size_t n, int k, int dim) {
  return 4.0 * n * k + 4.0 * k * k + 16.0 * n + 8.0 * k * dim;
}

/* The memory the kernel can give without swapping: MemAvailable, which
 * counts the page cache it can drop. Not free memory (_SC_AVPHYS_PAGES):
 * after a large extraction the cache fills RAM, and the choice of algorithm
 * (hence the codebook) would follow whatever ran before. */
static double available_bytes(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  double kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  if (f) fclose(f);
  if (kb > 0) return kb * 1024;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (double)pages * page : 8e9;
}

static int vlfeat_kmeans(const float *data, size_t n, int dim, int k,
                         bovw_kmeans_algorithm algorithm, bovw_kmeans_init init,
                         int iterations, int repetitions, uint64_t seed, int threads,
                         const bovw_monitor *monitor, bovw_kmeans_result *out,
                         bovw_error *err) {
  VlKMeans *km = vl_kmeans_new(VL_TYPE_FLOAT, VlDistanceL2);
  if (!km) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for k-means");
  vl_kmeans_set_algorithm(km, algorithm == BOVW_KMEANS_ELKAN ? VlKMeansElkan
                              : algorithm == BOVW_KMEANS_ANN ? VlKMeansANN
                                                             : VlKMeansLloyd);
  vl_kmeans_set_initialization(km, init == BOVW_INIT_PLUSPLUS ? VlKMeansPlusPlus
                                                              : VlKMeansRandomSelection);
  vl_kmeans_set_max_num_iterations(km, (vl_size)iterations);
  vl_kmeans_set_num_repetitions(km, (vl_size)(repetitions > 0 ? repetitions : 1));
  if (algorithm == BOVW_KMEANS_ANN) {
    vl_kmeans_set_num_trees(km, 3);
    vl_kmeans_set_max_num_comparisons(km, 100);
  }
  vl_set_num_threads((vl_size)threads);
  /* VLFeat draws from the calling thread's generator: seed it. */
  vl_rand_seed(vl_get_rand(), (vl_uint32)(seed ^ (seed >> 32)));
  vl_kmeans_set_verbosity(km, 1);  /* its iteration messages are the progress */
  bovw_vl_progress_begin(monitor, "k-means", (size_t)iterations * (size_t)(repetitions > 0 ? repetitions : 1));
  out->energy = vl_kmeans_cluster(km, data, (vl_size)dim, (vl_size)n, (vl_size)k);
  bovw_vl_progress_end();
  out->iterations = iterations;
  out->centers = malloc((size_t)k * dim * sizeof(float));
  if (!out->centers) {
    vl_kmeans_delete(km);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for k-means");
  }
  memcpy(out->centers, vl_kmeans_get_centers(km), (size_t)k * dim * sizeof(float));
  vl_kmeans_delete(km);
  return BOVW_OK;
}

int bovw_kmeans(const float *data, size_t n, int dim, int k,
                bovw_kmeans_algorithm algorithm, bovw_kmeans_init init,
                int iterations, int repetitions, uint64_t seed, int threads,
                const bovw_monitor *monitor, bovw_kmeans_result *out,
                bovw_error *err) {
  memset(out, 0, sizeof *out);
  if (n == 0) return bovw_error_set(err, BOVW_ERR_EMPTY, "no descriptors to cluster");
  if (k < 1 || (size_t)k > n)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "k = %d words need at least as many usable descriptors; "
                          "there are %zu",
                          k, n);
  if (iterations < 1) return bovw_error_set(err, BOVW_ERR_INVALID, "iterations < 1");
  for (size_t i = 0; i < n * (size_t)dim; i++)
    if (!isfinite(data[i]))
      return bovw_error_set(err, BOVW_ERR_FORMAT, "descriptor %zu holds %s", i / dim,
                            isnan(data[i]) ? "NaN" : "an infinite value");
  threads = bovw_threads_resolve(threads);
  out->algorithm_used = bovw_kmeans_algorithm_name(algorithm);

  if (algorithm == BOVW_KMEANS_ELKAN) {
    double avail = available_bytes(), need = elkan_bytes(n, k, dim);
    if (need > 0.5 * avail) {
      snprintf(out->note, sizeof out->note,
               "Elkan needs %.1f GB for %zu samples x %d words; %.1f GB are available: "
               "using the BLAS Lloyd instead",
               need / 1e9, n, k, avail / 1e9);
      algorithm = BOVW_KMEANS_BLAS;
      out->algorithm_used = bovw_kmeans_algorithm_name(algorithm);
    }
  }
  if (algorithm != BOVW_KMEANS_BLAS)
    return vlfeat_kmeans(data, n, dim, k, algorithm, init, iterations, repetitions, seed,
                         threads, monitor, out, err);

  int reps = repetitions > 0 ? repetitions : 1;
  for (int r = 0; r < reps; r++) {
    bovw_kmeans_result one = {0};
    bovw_rng seeder;
    bovw_rng_seed(&seeder, seed + (uint64_t)r);
    int rc = lloyd_blas(data, n, dim, k, init, iterations, bovw_rng_next(&seeder), threads,
                        monitor, &one, err);
    if (rc) {
      bovw_kmeans_result_clear(out);
      return rc;
    }
    if (r == 0 || one.energy < out->energy) {
      free(out->centers);
      free(out->energies);
      out->centers = one.centers;
      out->energies = one.energies;
      out->energy = one.energy;
      out->iterations = one.iterations;
    } else {
      free(one.centers);
      free(one.energies);
    }
  }
  return BOVW_OK;
}
