/* sgemm.c: the float32 matrix-product peak of this machine, the yardstick of
 * the network engine's GFLOP/s (bench/nn.sh divides by it).
 *
 *   sgemm [THREADS...] [--size N] [--seconds S] [--shape MxNxK ...]
 *
 * For each thread count (default 1 2), OpenBLAS's cblas_sgemm on N x N
 * matrices (default 2048, row-major, no transposes) repeated for at least S
 * seconds (default 1) after one warm-up product; prints the best of three
 * such runs as GFLOP/s (2 M N K per product). Each --shape adds a product of
 * that size (M x K times K x N), for instance the products of a network's
 * layers, timed the same way. One line per figure:
 *   sgemm threads 2 shape 2048x2048x2048 gflops 391.4 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/runtime.h"

enum { MAX_SHAPES = 16, MAX_THREADS = 8, RUNS = 3 };

typedef struct shape {
  int m, n, k;
} shape;

/* GFLOP/s of one shape: products repeated for `seconds`, best of RUNS. */
static double measure(const shape *s, double seconds, float *a, float *b, float *c) {
  const double flops = 2.0 * s->m * (double)s->n * s->k;
  double best = 0;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, s->n, s->k, 1.0f, a, s->k, b,
              s->n, 0.0f, c, s->n);
  for (int r = 0; r < RUNS; r++) {
    long count = 0;
    const double start = bovw_now();
    double elapsed;
    do {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, s->n, s->k, 1.0f, a, s->k,
                  b, s->n, 0.0f, c, s->n);
      count++;
    } while ((elapsed = bovw_now() - start) < seconds);
    const double rate = flops * (double)count / elapsed / 1e9;
    if (rate > best) best = rate;
  }
  return best;
}

static int usage(void) {
  fprintf(stderr, "usage: sgemm [THREADS...] [--size N] [--seconds S] [--shape MxNxK ...]\n");
  return 2;
}

int main(int argc, char **argv) {
  int threads[MAX_THREADS], num_threads = 0, size = 2048, num_shapes = 0;
  shape shapes[MAX_SHAPES];
  double seconds = 1.0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--size") && i + 1 < argc) {
      size = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (!strcmp(argv[i], "--shape") && i + 1 < argc && num_shapes < MAX_SHAPES) {
      shape *s = &shapes[num_shapes++];
      if (sscanf(argv[++i], "%dx%dx%d", &s->m, &s->n, &s->k) != 3 || s->m <= 0 || s->n <= 0 ||
          s->k <= 0) {
        fprintf(stderr, "sgemm: shape '%s': expected MxNxK, three positive numbers\n", argv[i]);
        return 2;
      }
    } else if (argv[i][0] != '-' && num_threads < MAX_THREADS && atoi(argv[i]) > 0) {
      threads[num_threads++] = atoi(argv[i]);
    } else {
      return usage();
    }
  }
  if (size <= 0 || !(seconds > 0)) return usage();
  if (!num_threads) {
    threads[num_threads++] = 1;
    threads[num_threads++] = 2;
  }
  /* The square product first, then the shapes asked for. */
  memmove(shapes + 1, shapes, (size_t)num_shapes * sizeof *shapes);
  shapes[0] = (shape){size, size, size};
  num_shapes++;
  size_t most_a = 0, most_b = 0, most_c = 0;
  for (int s = 0; s < num_shapes; s++) {
    size_t a = (size_t)shapes[s].m * shapes[s].k, b = (size_t)shapes[s].k * shapes[s].n;
    size_t c = (size_t)shapes[s].m * shapes[s].n;
    most_a = a > most_a ? a : most_a;
    most_b = b > most_b ? b : most_b;
    most_c = c > most_c ? c : most_c;
  }
  float *a = malloc(most_a * sizeof *a), *b = malloc(most_b * sizeof *b);
  float *c = malloc(most_c * sizeof *c);
  if (!a || !b || !c) {
    fprintf(stderr, "sgemm: out of memory for the matrices\n");
    return 1;
  }
  for (size_t i = 0; i < most_a; i++) a[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < most_b; i++) b[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
  for (int t = 0; t < num_threads; t++) {
    openblas_set_num_threads(threads[t]);
    for (int s = 0; s < num_shapes; s++)
      printf("sgemm threads %d shape %dx%dx%d gflops %.1f\n", threads[t], shapes[s].m,
             shapes[s].n, shapes[s].k, measure(&shapes[s], seconds, a, b, c));
    fflush(stdout);
  }
  free(a);
  free(b);
  free(c);
  return 0;
}
