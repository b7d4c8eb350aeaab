/* test_encode.c: histograms, pyramids, norms, kernel maps, VLAD, Fisher,
 * ANN and pre-ranked assignment, the encodings artifact, and raw-pixel encodings. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vl/homkermap.h>
#include <vl/fisher.h>
#include <vl/vlad.h>

#include "bovw/artifact.h"
#include "bovw/dataset.h"
#include "bovw/encode.h"
#include "bovw/fs.h"
#include "bovw/rng.h"
#include "encode/fisher.h"
#include "encode/prerank.h"
#include "fixtures.h"
#include "synth_images.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* A codebook of k random words in 128-D (float descriptors), built in memory. */
static bovw_codebook *toy_codebook(int k, uint64_t seed, int gmm) {
  bovw_codebook *cb = calloc(1, sizeof *cb);
  bovw_extract_params_default(&cb->features);
  cb->features.float_descriptors = 1;
  cb->k = k;
  cb->dim = 128;
  cb->centers = malloc((size_t)k * 128 * sizeof(float));
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  for (int i = 0; i < k * 128; i++) cb->centers[i] = (float)(100 * bovw_rng_uniform(&rng));
  if (gmm) {
    cb->gmm_means = malloc((size_t)k * 128 * sizeof(float));
    cb->gmm_variances = malloc((size_t)k * 128 * sizeof(float));
    cb->gmm_priors = malloc((size_t)k * sizeof(float));
    memcpy(cb->gmm_means, cb->centers, (size_t)k * 128 * sizeof(float));
    for (int i = 0; i < k * 128; i++) cb->gmm_variances[i] = 50;
    for (int i = 0; i < k; i++) cb->gmm_priors[i] = 1.0f / k;
  }
  return cb;
}

/* n descriptors near word w[i] (noise `spread`), at positions p[i], contrast 1. */
static void toy_descriptors(const bovw_codebook *cb, size_t n, const int *w, float spread,
                            uint64_t seed, float *desc, float *frames, const float (*pos)[2]) {
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  for (size_t i = 0; i < n; i++) {
    for (int d = 0; d < 128; d++)
      desc[i * 128 + d] = cb->centers[w[i] * 128 + d] + spread * (float)(bovw_rng_uniform(&rng) - 0.5);
    frames[4 * i] = pos ? pos[i][0] : 50;
    frames[4 * i + 1] = pos ? pos[i][1] : 50;
    frames[4 * i + 2] = 4;
    frames[4 * i + 3] = 1;
  }
}

static float *encode_one(const bovw_encode_params *p, const bovw_codebook *cb, const float *desc,
                         const float *frames, size_t n, int w, int h, size_t *voting) {
  bovw_encoder *g;
  bovw_error err;
  ck_assert_msg(bovw_encoder_new_group(p, cb, 1, &g, &err) == 0, "%s", err.message);
  float *out = malloc(bovw_encode_dim(p, cb) * sizeof *out);
  ck_assert_msg(bovw_encoder_encode(g, desc, frames, n, w, h, out, voting, &err) == 0, "%s",
                err.message);
  bovw_encoder_free_group(g, 1);
  return out;
}

START_TEST(test_histogram_mass_is_the_number_of_voting_descriptors) {
  bovw_codebook *cb = toy_codebook(10, 1, 0);
  int words[7] = {0, 3, 3, 9, 1, 3, 5};
  float desc[7 * 128], frames[7 * 4];
  toy_descriptors(cb, 7, words, 1, 2, desc, frames, NULL);
  frames[4 * 4 + 3] = 0.001f;  /* below the contrast threshold: does not vote */
  bovw_encode_params p;
  bovw_encode_params_default(&p, BOVW_ENCODING_HIST);
  bovw_encode_parse_pyramid("1x1", &p, NULL);
  p.level_l1 = 0;
  p.num_norms = 0;
  p.kernel_map = BOVW_KMAP_NONE;
  size_t voting;
  float *h = encode_one(&p, cb, desc, frames, 7, 100, 100, &voting);
  ck_assert_uint_eq(voting, 6);
  double mass = 0;
  for (int i = 0; i < 10; i++) mass += h[i];
  ck_assert_double_eq(mass, 6);
  ck_assert_float_eq(h[3], 3);  /* word 3 three times */
  ck_assert_float_eq(h[1], 0);  /* the low-contrast one */
  free(h);
  /* With the defaults each level sums to 1 before the whole-vector L1. */
  bovw_encode_params_default(&p, BOVW_ENCODING_HIST);
  p.kernel_map = BOVW_KMAP_NONE;
  h = encode_one(&p, cb, desc, frames, 7, 100, 100, &voting);
  ck_assert_uint_eq(bovw_encode_dim(&p, cb), 20 * 10);
  double l0 = 0, l1 = 0;
  for (int i = 0; i < 40; i++) l0 += h[i];
  for (int i = 40; i < 200; i++) l1 += h[i];
  ck_assert_double_eq_tol(l0, 0.5, 1e-6);
  ck_assert_double_eq_tol(l1, 0.5, 1e-6);
  free(h);
  bovw_codebook_free(cb);
}
END_TEST

START_TEST(test_keypoint_lands_in_its_pyramid_cell) {
  bovw_codebook *cb = toy_codebook(4, 3, 0);
  int words[1] = {2};
  const float pos[1][2] = {{10, 90}};  /* left column, bottom row of 100 x 100 */
  float desc[128], frames[4];
  toy_descriptors(cb, 1, words, 0, 1, desc, frames, pos);
  bovw_encode_params p;
  bovw_encode_params_default(&p, BOVW_ENCODING_HIST);
  bovw_encode_parse_pyramid("2x2,4x4,3x1", &p, NULL);
  p.num_norms = 0;
  p.kernel_map = BOVW_KMAP_NONE;
  size_t voting;
  float *h = encode_one(&p, cb, desc, frames, 1, 100, 100, &voting);
  /* 2x2: cell (0, 1) = 2; 4x4: cell (0, 3) = 12; 3x1: cell (0, 0) = 0. */
  size_t want[3] = {2 * 4 + 2, 16 + 12 * 4 + 2, 16 + 64 + 0 * 4 + 2};
  for (size_t i = 0; i < bovw_encode_dim(&p, cb); i++) {
    int hit = i == want[0] || i == want[1] || i == want[2];
    ck_assert_msg(h[i] == (hit ? 1.0f : 0.0f), "entry %zu is %g", i, h[i]);
  }
  free(h);
  bovw_codebook_free(cb);
}
END_TEST

/* Exact chi2 kernel between two histograms: sum 2 a b / (a + b). */
static double chi2(const float *a, const float *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++)
    if (a[i] + b[i] > 0) s += 2.0 * a[i] * b[i] / (a[i] + b[i]);
  return s;
}

START_TEST(test_kernel_map_approximates_the_chi2_kernel) {
  /* Vedaldi and Zisserman (PAMI 2012) approximate chi2 with a finite feature
   * map; the documented tolerance (docs/encode.md): the inner product of
   * mapped L1-normalised histograms is within 1% of chi2 with order 1 (the
   * default; 0.23% seen at worst) and within 0.2% with order 3 (0.03%).
   * Order 2, with VLFeat's automatic period, is no better than order 1. */
  bovw_rng rng;
  bovw_rng_seed(&rng, 5);
  enum { N = 200 };
  float a[N], b[N];
  const int orders[2] = {1, 3};
  const double tol[2] = {0.01, 0.002};
  for (int t = 0; t < 20; t++) {
    double sa = 0, sb = 0;
    for (int i = 0; i < N; i++) {
      a[i] = (float)bovw_rng_uniform(&rng);
      b[i] = (float)(bovw_rng_uniform(&rng) < 0.3 ? 0 : bovw_rng_uniform(&rng));
      sa += a[i];
      sb += b[i];
    }
    for (int i = 0; i < N; i++) {
      a[i] = (float)(a[i] / sa);
      b[i] = (float)(b[i] / sb);
    }
    for (int o = 0; o < 2; o++) {
      VlHomogeneousKernelMap *map = vl_homogeneouskernelmap_new(
          VlHomogeneousKernelChi2, 1.0, (vl_size)orders[o], -1, VlHomogeneousKernelMapWindowRectangular);
      int w = 2 * orders[o] + 1;
      float pa[N * 7], pb[N * 7];
      for (int i = 0; i < N; i++) {
        vl_homogeneouskernelmap_evaluate_f(map, pa + i * w, 1, a[i]);
        vl_homogeneouskernelmap_evaluate_f(map, pb + i * w, 1, b[i]);
      }
      double dot = 0;
      for (int i = 0; i < N * w; i++) dot += (double)pa[i] * pb[i];
      double exact = chi2(a, b, N);
      ck_assert_msg(fabs(dot - exact) <= tol[o] * exact, "order %d: %g against %g", orders[o], dot,
                    exact);
      vl_homogeneouskernelmap_delete(map);
    }
  }
}
END_TEST

START_TEST(test_encoder_applies_the_kernel_map_value_by_value) {
  bovw_codebook *cb = toy_codebook(6, 8, 0);
  int words[5] = {0, 1, 1, 4, 5};
  float desc[5 * 128], frames[5 * 4];
  toy_descriptors(cb, 5, words, 1, 3, desc, frames, NULL);
  bovw_encode_params p;
  bovw_encode_params_default(&p, BOVW_ENCODING_HIST);
  bovw_encode_parse_pyramid("1x1", &p, NULL);
  p.kernel_gamma = 1;
  size_t voting;
  float *mapped = encode_one(&p, cb, desc, frames, 5, 100, 100, &voting);
  ck_assert_uint_eq(bovw_encode_dim(&p, cb), 18);
  /* Its squared norm approximates chi2(h, h) = sum h = 1. */
  double n2 = 0;
  for (int i = 0; i < 18; i++) n2 += (double)mapped[i] * mapped[i];
  ck_assert_double_eq_tol(n2, 1.0, 0.01);
  free(mapped);
  bovw_codebook_free(cb);
}
END_TEST

START_TEST(test_vlad_matches_vlfeat_and_has_unit_norm) {
  bovw_codebook *cb = toy_codebook(8, 4, 0);
  enum { N = 40 };
  int words[N];
  for (int i = 0; i < N; i++) words[i] = (i * 5) % 8;
  float desc[N * 128], frames[N * 4];
  toy_descriptors(cb, N, words, 6, 9, desc, frames, NULL);
  bovw_encode_params p;
  bovw_encode_params_default(&p, BOVW_ENCODING_VLAD);
  bovw_encode_parse_pyramid("1x1", &p, NULL);
  p.num_norms = 0;
  size_t voting;
  float *v = encode_one(&p, cb, desc, frames, N, 100, 100, &voting);
  ck_assert_uint_eq(bovw_encode_dim(&p, cb), 8 * 128);
  /* VLFeat's own VLAD with the same hard assignments, unnormalised. */
  float assign[8 * N] = {0}, ref[8 * 128];
  for (int i = 0; i < N; i++) assign[i * 8 + words[i]] = 1;
  vl_vlad_encode(ref, VL_TYPE_FLOAT, cb->centers, 128, 8, desc, N, assign, VL_VLAD_FLAG_UNNORMALIZED);
  for (int i = 0; i < 8 * 128; i++) ck_assert_float_eq_tol(v[i], ref[i], 1e-3 + 1e-5 * fabsf(ref[i]));
  free(v);
  /* Defaults: 1x1 + 2x2 + 1x3 cells, sqrt then L2: unit norm. */
  bovw_encode_params_default(&p, BOVW_ENCODING_VLAD);
  v = encode_one(&p, cb, desc, frames, N, 100, 100, &voting);
  size_t dim = bovw_encode_dim(&p, cb);
  ck_assert_uint_eq(dim, 8 * 8 * 128);
  double n2 = 0;
  for (size_t i = 0; i < dim; i++) n2 += (double)v[i] * v[i];
  ck_assert_double_eq_tol(n2, 1.0, 1e-5);
  free(v);
  bovw_codebook_free(cb);
}
END_TEST

START_TEST(test_fisher_vector_is_2dk_per_cell_with_unit_norm) {
  bovw_codebook *cb = toy_codebook(4, 6, 1);
  enum { N = 30 };
  int words[N];
  for (int i = 0; i < N; i++) words[i] = i % 4;
  float desc[N * 128], frames[N * 4];
  toy_descriptors(cb, N, words, 8, 2, desc, frames, NULL);
  bovw_encode_params p;
  bovw_encode_params_default(&p, BOVW_ENCODING_FISHER);
  size_t voting;
  float *v = encode_one(&p, cb, desc, frames, N, 100, 100, &voting);
  size_t dim = bovw_encode_dim(&p, cb);
  ck_assert_uint_eq(dim, 8 * 2 * 128 * 4);
  double n2 = 0;
  for (size_t i = 0; i < dim; i++) n2 += (double)v[i] * v[i];
  ck_assert_double_eq_tol(n2, 1.0, 1e-5);
  free(v);
  /* Without a GMM: a clear refusal. */
  free(cb->gmm_means);
  cb->gmm_means = NULL;
  bovw_encoder *g;
  bovw_error err;
  ck_assert_int_eq(bovw_encoder_new_group(&p, cb, 1, &g, &err), BOVW_ERR_MISMATCH);
  ck_assert_ptr_nonnull(strstr(err.message, "GMM"));
  bovw_codebook_free(cb);
}
END_TEST

START_TEST(test_fisher_vectors_equal_vlfeats_to_float_tolerance) {
  /* A GMM of 5 components with distinct variances, 200 descriptors around
   * them: bovw's matrix-product FV against vl_fisher_encode (improved). */
  bovw_codebook *cb = toy_codebook(5, 11, 1);
  bovw_rng rng;
  bovw_rng_seed(&rng, 12);
  for (int i = 0; i < 5 * 128; i++) cb->gmm_variances[i] = (float)(20 + 200 * bovw_rng_uniform(&rng));
  const float priors[5] = {0.1f, 0.3f, 0.2f, 0.25f, 0.15f};
  memcpy(cb->gmm_priors, priors, sizeof priors);
  enum { N = 200 };
  int words[N];
  for (int i = 0; i < N; i++) words[i] = (i * 3) % 5;
  float *desc = malloc(N * 128 * sizeof(float)), frames[N * 4];
  toy_descriptors(cb, N, words, 30, 13, desc, frames, NULL);
  bovw_encode_params p;
  bovw_encode_params_default(&p, BOVW_ENCODING_FISHER);
  bovw_encode_parse_pyramid("1x1", &p, NULL);
  p.num_norms = 0;
  size_t voting;
  float *ours = encode_one(&p, cb, desc, frames, N, 100, 100, &voting);
  float *ref = malloc(2 * 5 * 128 * sizeof(float));
  vl_fisher_encode(ref, VL_TYPE_FLOAT, cb->gmm_means, 128, 5, cb->gmm_variances, cb->gmm_priors,
                   desc, N, VL_FISHER_FLAG_IMPROVED);
  double worst = 0;
  for (int i = 0; i < 2 * 5 * 128; i++) {
    double e = fabs(ours[i] - ref[i]);
    if (e > worst) worst = e;
  }
  ck_assert_msg(worst < 1e-4, "largest difference from vl_fisher_encode: %g", worst);
  free(ours);
  free(ref);
  free(desc);
  bovw_codebook_free(cb);
}
END_TEST

START_TEST(test_fisher_cells_summed_from_pieces_equal_cells_encoded_alone) {
  bovw_codebook *cb = toy_codebook(3, 21, 1);
  enum { N = 300 };
  int words[N];
  float pos[N][2];
  bovw_rng rng;
  bovw_rng_seed(&rng, 22);
  for (int i = 0; i < N; i++) {
    words[i] = i % 3;
    pos[i][0] = (float)(100 * bovw_rng_uniform(&rng));
    pos[i][1] = (float)(80 * bovw_rng_uniform(&rng));
  }
  float *desc = malloc(N * 128 * sizeof(float)), frames[N * 4];
  toy_descriptors(cb, N, words, 20, 23, desc, frames, (const float(*)[2])pos);
  /* 1x1,2x2,1x3 uses 8 pieces; 8x8,3x3 has more than 64 and takes the
   * cell-by-cell path. Either way each level equals that level alone. */
  const char *pyramids[2][3] = {{"1x1,2x2,1x3", "1x1", "2x2"}, {"8x8,3x3", "8x8", "3x3"}};
  const char *third[2] = {"1x3", NULL};
  for (int t = 0; t < 2; t++) {
    bovw_encode_params p;
    bovw_encode_params_default(&p, BOVW_ENCODING_FISHER);
    p.num_norms = 0;
    bovw_encode_parse_pyramid(pyramids[t][0], &p, NULL);
    size_t voting, all_dim = bovw_encode_dim(&p, cb), at = 0;
    float *all = encode_one(&p, cb, desc, frames, N, 100, 80, &voting);
    for (int part = 1; part <= 3; part++) {
      const char *pyr = part < 3 ? pyramids[t][part] : third[t];
      if (!pyr) continue;
      bovw_encode_parse_pyramid(pyr, &p, NULL);
      size_t dim = bovw_encode_dim(&p, cb);
      float *one = encode_one(&p, cb, desc, frames, N, 100, 80, &voting);
      /* Compared before the signed square root, where the map is well
       * conditioned: out |out| is the raw gradient over its L1 norm (the
       * L2 norm of the square roots is the root of the L1 norm). The two
       * sides sum the same N terms per statistic in another order, so they
       * differ by at most about N float roundings of the largest entry. */
      double top = 0;
      for (size_t i = 0; i < dim; i++) top = fmax(top, fabs((double)one[i] * one[i]));
      const double tol = 4.0 * N * FLT_EPSILON * top;
      for (size_t i = 0; i < dim; i++) {
        double a = (double)all[at + i] * fabs(all[at + i]), b = (double)one[i] * fabs(one[i]);
        ck_assert_msg(fabs(a - b) <= tol, "%s, level %s, entry %zu: %g vs %g (tolerance %g)",
                      pyramids[t][0], pyr, i, a, b, tol);
      }
      at += dim;
      free(one);
    }
    ck_assert_uint_eq(at, all_dim);
    free(all);
  }
  free(desc);
  bovw_codebook_free(cb);
}
END_TEST

/* Descriptors far from the origin beside their spread (mean 1000, spread
 * 0.01: (mu / sigma)^2 = 10^10) and one component, so every posterior is
 * exactly 1: the Fisher vector's statistics must still match a reference
 * in double precision to float accuracy. Summed as x^2 - 2 mu x + mu^2
 * they would lose every digit. */
START_TEST(test_fisher_statistics_stay_accurate_far_from_the_origin) {
  enum { N = 200, D = 8 };
  float mu[D], var[D], prior[1] = {1.0f};
  for (int j = 0; j < D; j++) {
    mu[j] = 1000.0f + (float)j;
    var[j] = 4e-4f;  /* sigma 0.02: twice the data's spread */
  }
  bovw_fisher_gmm g;
  ck_assert_int_eq(bovw_fisher_gmm_init(&g, mu, var, prior, 1, D), 0);
  float *z = malloc(N * 2 * D * sizeof *z), *post = malloc(N * sizeof *post);
  float stats[2 * D] = {0}, out[2 * D];
  double s0[1] = {0}, ref[2 * D] = {0};
  bovw_rng rng;
  bovw_rng_seed(&rng, 31);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < D; j++) {
      /* Mean offset 0.005 so the first-order term is not near zero either. */
      float x = mu[j] + 0.005f + 0.01f * (float)(bovw_rng_uniform(&rng) - 0.5);
      z[i * 2 * D + j] = x * x;
      z[i * 2 * D + D + j] = x;
      double diff = (double)x - mu[j];
      ref[j] += diff / sqrt((double)var[j]) / N;
      ref[D + j] += (diff * diff / var[j] - 1.0) / (N * sqrt(2.0));
    }
  bovw_fisher_posteriors(&g, z, N, post);
  for (int i = 0; i < N; i++) ck_assert_float_eq(post[i], 1.0f);
  bovw_fisher_accumulate(&g, z, post, N, stats, s0);
  bovw_fisher_finish(&g, stats, s0, N, out);
  /* out |out| = ref / |ref|_1; each side within a few N float roundings. */
  double l1 = 0;
  for (int j = 0; j < 2 * D; j++) l1 += fabs(ref[j]);
  for (int j = 0; j < 2 * D; j++) {
    double ours = (double)out[j] * fabs(out[j]), want = ref[j] / l1;
    ck_assert_msg(fabs(ours - want) <= 4.0 * N * FLT_EPSILON * fabs(want),
                  "entry %d: %.9g against %.9g in double precision", j, ours, want);
  }
  bovw_fisher_gmm_clear(&g);
  free(z);
  free(post);
}
END_TEST

/* Product quantisation: a row made of centroids comes back exactly, and
 * more bits per dimension reconstruct the rows better. */
START_TEST(test_product_quantiser_round_trip_and_error_falls_with_bits) {
  enum { N = 600, D = 16 };
  float *x = malloc(N * D * sizeof *x), row[D], back[D];
  bovw_rng rng;
  bovw_rng_seed(&rng, 41);
  for (int i = 0; i < N * D; i++) x[i] = (float)bovw_rng_uniform(&rng);
  double error[2];
  for (int b = 1; b <= 2; b++) {
    bovw_pq *pq;
    bovw_error err;
    ck_assert_msg(bovw_pq_train(x, N, D, 4, 4 * b, BOVW_PQ_KMEANS, 500, 3, 1, &pq, &err) == 0,
                  "%s", err.message);
    ck_assert_uint_eq(pq->subs, 4);
    ck_assert_int_eq(pq->k, 1 << (4 * b));
    uint8_t code[4], again[4];
    /* A row of centroids: its code decodes to it, and codes to itself. */
    for (size_t s = 0; s < pq->subs; s++) code[s] = (uint8_t)((s * 5 + 1) % (size_t)pq->k);
    bovw_pq_decode(pq, code, row);
    bovw_pq_encode(pq, row, again);
    bovw_pq_decode(pq, again, back);
    ck_assert_mem_eq(back, row, sizeof row);
    double e = 0;
    for (int i = 0; i < N; i++) {
      bovw_pq_encode(pq, x + i * D, code);
      bovw_pq_decode(pq, code, back);
      for (int d = 0; d < D; d++) e += (x[i * D + d] - back[d]) * (x[i * D + d] - back[d]);
    }
    error[b - 1] = e;
    bovw_pq_free(pq);
  }
  ck_assert_msg(error[1] < 0.5 * error[0], "2 bits: error %g, 1 bit: %g", error[1], error[0]);
  bovw_pq *pq;
  bovw_error err;
  ck_assert_int_eq(bovw_pq_new(D, 4, 12, BOVW_PQ_KMEANS, &pq, &err), BOVW_ERR_INVALID);
  ck_assert_int_eq(bovw_pq_new(18, 4, 4, BOVW_PQ_KMEANS, &pq, &err), BOVW_ERR_INVALID); /* 18 % 4 */
  ck_assert_int_eq(bovw_pq_new(D, 4, 2, BOVW_PQ_SIGN, &pq, &err), BOVW_ERR_INVALID);   /* 1 bit a dim */
  free(x);
}
END_TEST

/* Fewer bits a dimension than one (several dimensions a bit) still
 * reconstruct better as bits grow; the quantiser does not depend on the
 * thread count; a range of a row decodes as that part of the whole row. */
START_TEST(test_quantiser_fractional_bits_threads_and_ranges) {
  enum { N = 800, D = 32 };
  float *x = malloc(N * D * sizeof *x), back[D], part[D];
  bovw_rng rng;
  bovw_rng_seed(&rng, 7);
  for (int i = 0; i < N * D; i++) x[i] = (float)(bovw_rng_uniform(&rng) - 0.5);
  double error[3];
  const int code_bits[3] = {2, 4, 8};  /* 0.25, 0.5 and 1 bit a dimension, G = 8 */
  bovw_error err;
  for (int t = 0; t < 3; t++) {
    bovw_pq *one, *two;
    ck_assert_msg(bovw_pq_train(x, N, D, 8, code_bits[t], BOVW_PQ_KMEANS, 600, 5, 1, &one, &err) == 0,
                  "%s", err.message);
    ck_assert_int_eq(bovw_pq_train(x, N, D, 8, code_bits[t], BOVW_PQ_KMEANS, 600, 5, 2, &two, &err), 0);
    ck_assert_mem_eq(one->centroids, two->centroids, one->subs * (size_t)one->k * 8 * sizeof(float));
    uint8_t code[D / 8];
    double e = 0;
    for (int i = 0; i < N; i++) {
      bovw_pq_encode(one, x + i * D, code);
      bovw_pq_decode(one, code, back);
      for (int d = 0; d < D; d++) e += (x[i * D + d] - back[d]) * (x[i * D + d] - back[d]);
    }
    /* Dimensions 5 to 21: across sub-vectors, starting and ending inside one. */
    bovw_pq_decode_range(one, code, 5, 17, part);
    ck_assert_mem_eq(part, back + 5, 17 * sizeof *part);
    error[t] = e;
    bovw_pq_free(one);
    bovw_pq_free(two);
  }
  ck_assert_msg(error[1] < error[0] && error[2] < error[1], "errors %g %g %g", error[0], error[1],
                error[2]);
  free(x);
}
END_TEST

/* Binarisation: bit t of a byte is dimension t's sign, and a dimension
 * decodes to the mean of the sample's values of that sign. */
START_TEST(test_sign_quantiser_codes_signs_and_decodes_to_means) {
  enum { N = 4, D = 16 };
  float x[N * D];
  for (int i = 0; i < N; i++)
    for (int d = 0; d < D; d++) x[i * D + d] = (float)((d % 3 == 0 ? 1 : -1) * (i + 1) * (d + 1));
  /* Dimension 1 is positive in row 0 only. */
  x[1] = 2;
  bovw_pq *pq;
  bovw_error err;
  ck_assert_msg(bovw_pq_train(x, N, D, 8, 8, BOVW_PQ_SIGN, N, 1, 1, &pq, &err) == 0, "%s", err.message);
  uint8_t code[2];
  bovw_pq_encode(pq, x, code);
  /* Row 0: dimensions 0, 1, 3, 6 (and 9, 12, 15) positive. */
  ck_assert_uint_eq(code[0], 1u | 2u | 8u | 64u);
  ck_assert_uint_eq(code[1], (1u << 1) | (1u << 4) | (1u << 7));
  float back[D];
  bovw_pq_decode(pq, code, back);
  ck_assert_float_eq(back[1], 2.0f);                                    /* the one positive */
  ck_assert_float_eq(back[0], (float)((1 + 2 + 3 + 4) * 1 / 4.0));      /* 1, 2, 3, 4 */
  ck_assert_float_eq(back[2], (float)(-(1 + 2 + 3 + 4) * 3 / 4.0));
  bovw_pq_encode(pq, x + D, code);  /* row 1: dimension 1 negative */
  bovw_pq_decode(pq, code, back);
  ck_assert_float_eq(back[1], (float)(-(2 + 3 + 4) * 2 / 3.0));
  bovw_pq_free(pq);
}
END_TEST

START_TEST(test_exact_ann_and_prerank_assignment_agree_on_separated_data) {
  bovw_codebook *cb = toy_codebook(50, 7, 0);
  enum { N = 500 };
  int words[N];
  for (int i = 0; i < N; i++) words[i] = (i * 7) % 50;
  float *desc = malloc(N * 128 * sizeof(float)), frames[N * 4];
  toy_descriptors(cb, N, words, 2, 4, desc, frames, NULL);
  bovw_encode_params p;
  bovw_encode_params_default(&p, BOVW_ENCODING_HIST);
  bovw_encode_parse_pyramid("1x1", &p, NULL);
  p.kernel_map = BOVW_KMAP_NONE;
  size_t voting;
  float *exact = encode_one(&p, cb, desc, frames, N, 100, 100, &voting);
  p.assign = BOVW_ASSIGN_ANN;
  p.ann_checks = 50;
  float *ann = encode_one(&p, cb, desc, frames, N, 100, 100, &voting);
  p.assign = BOVW_ASSIGN_PRERANK;
  float *pre = encode_one(&p, cb, desc, frames, N, 100, 100, &voting);
  for (int i = 0; i < 50; i++) {
    ck_assert_float_eq_tol(exact[i], ann[i], 1e-6);
    ck_assert_float_eq_tol(exact[i], pre[i], 1e-6);
    ck_assert_float_eq_tol(exact[i], 10.0f / N, 1e-6);
  }
  free(exact);
  free(ann);
  free(pre);
  free(desc);
  bovw_codebook_free(cb);
}
END_TEST

/* The nearest centre by brute force in double. */
static int32_t nearest_by_brute_force(const float *x, const float *centers, int k, int d) {
  int32_t best = 0;
  double best_d = INFINITY;
  for (int c = 0; c < k; c++) {
    double s = 0;
    for (int j = 0; j < d; j++) {
      double t = (double)x[j] - centers[(size_t)c * d + j];
      s += t * t;
    }
    if (s < best_d) {
      best_d = s;
      best = c;
    }
  }
  return best;
}

START_TEST(test_prerank_in_all_directions_is_the_exact_search) {
  /* All 128 directions: the ranking is the distance itself, each lane's best
   * word is a candidate, so the nearest word always is. 37 and 100 words
   * leave the last block of 32 part padding; 5 words leave most of it. */
  const int ks[] = {5, 37, 100};
  for (size_t t = 0; t < sizeof ks / sizeof ks[0]; t++) {
    const int k = ks[t], d = 128;
    enum { N = 1000 };
    bovw_codebook *cb = toy_codebook(k, 11 + t, 0);
    float *x = malloc((size_t)N * d * sizeof *x);
    bovw_rng rng;
    bovw_rng_seed(&rng, 5);
    for (int i = 0; i < N * d; i++) x[i] = (float)(100 * bovw_rng_uniform(&rng));
    bovw_prerank pr;
    bovw_error err;
    ck_assert_int_eq(bovw_prerank_init(&pr, cb->centers, k, d, d, 4, &err), 0);
    float *scratch = malloc(bovw_prerank_scratch_size(&pr) * sizeof *scratch);
    int32_t words[N];
    bovw_prerank_assign(&pr, x, N, words, scratch);
    for (int i = 0; i < N; i++)
      ck_assert_int_eq(words[i], nearest_by_brute_force(x + (size_t)i * d, cb->centers, k, d));
    free(scratch);
    bovw_prerank_clear(&pr);
    free(x);
    bovw_codebook_free(cb);
  }
}
END_TEST

START_TEST(test_prerank_in_few_directions_finds_most_nearest_words) {
  /* Centres with a few strong directions, as SIFT codebooks have, and
   * descriptors anywhere: 8 directions and 8 candidates find the exact word
   * for nearly all, 1 candidate from 1 direction for far fewer. */
  const int k = 200, d = 128;
  enum { N = 2000 };
  bovw_codebook *cb = toy_codebook(k, 3, 0);
  bovw_rng rng;
  bovw_rng_seed(&rng, 9);
  for (int c = 0; c < k; c++)
    for (int j = 0; j < d; j++)
      cb->centers[(size_t)c * d + j] *= j < 8 ? 1.0f : 0.05f;
  float *x = malloc((size_t)N * d * sizeof *x);
  for (int i = 0; i < N; i++) {
    const float *c = cb->centers + (size_t)(i % k) * d;
    for (int j = 0; j < d; j++) x[(size_t)i * d + j] = c[j] + (float)(8 * (bovw_rng_uniform(&rng) - 0.5));
  }
  int32_t truth[N], words[N];
  for (int i = 0; i < N; i++) truth[i] = nearest_by_brute_force(x + (size_t)i * d, cb->centers, k, d);
  const int settings[2][2] = {{8, 8}, {1, 1}};
  int agree[2] = {0, 0};
  for (int s = 0; s < 2; s++) {
    bovw_prerank pr;
    bovw_error err;
    ck_assert_int_eq(bovw_prerank_init(&pr, cb->centers, k, d, settings[s][0], settings[s][1], &err), 0);
    float *scratch = malloc(bovw_prerank_scratch_size(&pr) * sizeof *scratch);
    bovw_prerank_assign(&pr, x, N, words, scratch);
    for (int i = 0; i < N; i++) {
      ck_assert(words[i] >= 0 && words[i] < k);
      agree[s] += words[i] == truth[i];
    }
    free(scratch);
    bovw_prerank_clear(&pr);
  }
  ck_assert_msg(agree[0] >= N * 98 / 100, "8 directions, 8 candidates: %d of %d", agree[0], N);
  ck_assert_msg(agree[1] < N / 2, "1 direction, 1 candidate: %d of %d", agree[1], N);
  free(x);
  bovw_codebook_free(cb);
}
END_TEST

START_TEST(test_prerank_gives_a_word_to_a_nan_descriptor) {
  bovw_codebook *cb = toy_codebook(40, 2, 0);
  float x[2 * 128];
  for (int j = 0; j < 128; j++) {
    x[j] = NAN;
    x[128 + j] = cb->centers[7 * 128 + j];
  }
  bovw_prerank pr;
  bovw_error err;
  ck_assert_int_eq(bovw_prerank_init(&pr, cb->centers, 40, 128, 24, 8, &err), 0);
  float *scratch = malloc(bovw_prerank_scratch_size(&pr) * sizeof *scratch);
  int32_t words[2] = {-1, -1};
  bovw_prerank_assign(&pr, x, 2, words, scratch);
  ck_assert(words[0] >= 0 && words[0] < 40);
  ck_assert_int_eq(words[1], 7);
  free(scratch);
  bovw_prerank_clear(&pr);
  bovw_codebook_free(cb);
}
END_TEST

START_TEST(test_prerank_settings_round_trip_and_default_when_absent) {
  bovw_encode_params a, b;
  bovw_encode_params_default(&a, BOVW_ENCODING_HIST);
  ck_assert_int_eq(a.prerank_dims, 24);
  ck_assert_int_eq(a.prerank_candidates, 8);
  a.assign = BOVW_ASSIGN_PRERANK;
  a.prerank_dims = 16;
  a.prerank_candidates = 5;
  cJSON *j = bovw_encode_params_to_json(&a);
  bovw_error err;
  ck_assert_int_eq(bovw_encode_params_from_json(j, &b, &err), 0);
  ck_assert_int_eq(b.assign, BOVW_ASSIGN_PRERANK);
  ck_assert_int_eq(b.prerank_dims, 16);
  ck_assert_int_eq(b.prerank_candidates, 5);
  /* Encodings written before pre-ranking existed have neither field. */
  cJSON_DeleteItemFromObject(j, "prerank_dims");
  cJSON_DeleteItemFromObject(j, "prerank_candidates");
  ck_assert_int_eq(bovw_encode_params_from_json(j, &b, &err), 0);
  ck_assert_int_eq(b.prerank_dims, 24);
  ck_assert_int_eq(b.prerank_candidates, 8);
  cJSON_ReplaceItemInObject(j, "assign", cJSON_CreateString("nearest"));
  ck_assert_int_ne(bovw_encode_params_from_json(j, &b, &err), 0);
  cJSON_Delete(j);
}
END_TEST

START_TEST(test_encodings_artifact_and_refusal_of_other_features) {
  char feat[4100], other[4100], cbdir[4100], enc[4100], like[4100];
  snprintf(feat, sizeof feat, "%s/feat", dir);
  snprintf(other, sizeof other, "%s/other", dir);
  snprintf(cbdir, sizeof cbdir, "%s/cb", dir);
  snprintf(enc, sizeof enc, "%s/enc", dir);
  snprintf(like, sizeof like, "%s/like", dir);
  test_make_features(dir, feat, 4, 64, 48, 3);
  test_make_features(dir, other, 6, 64, 48, 3);
  bovw_codebook_options co;
  bovw_codebook_options_default(&co);
  co.k = 12;
  co.samples = 1000;
  bovw_error err;
  ck_assert_msg(bovw_codebook_build(feat, &co, cbdir, NULL, &err) == 0, "%s", err.message);
  bovw_encode_options o = {.threads = 2};
  bovw_encode_params_default(&o.params, BOVW_ENCODING_HIST);
  ck_assert_msg(bovw_encode_run(feat, cbdir, &o, enc, NULL, &err) == 0, "%s", err.message);
  bovw_encodings *e;
  ck_assert_int_eq(bovw_encodings_open(enc, &e, &err), 0);
  ck_assert_uint_eq(e->count, 6);
  ck_assert_uint_eq(e->dim, 20 * 12 * 3);
  ck_assert_uint_eq(e->num_classes, 2);
  ck_assert_int_eq(((const int32_t *)e->labels->data)[5], 1);
  bovw_encodings_free(e);
  /* --like gives the same settings and codebook. */
  bovw_encode_params q;
  char *cb_path;
  ck_assert_int_eq(bovw_encode_params_like(enc, &q, &cb_path, &err), 0);
  ck_assert_int_eq(q.levels, 2);
  ck_assert_int_eq(q.kernel_map, BOVW_KMAP_CHI2);
  ck_assert_int_eq(q.level_l1, 1);
  o.params = q;
  o.threads = 1;
  ck_assert_int_eq(bovw_encode_run(feat, cb_path, &o, like, NULL, &err), 0);
  free(cb_path);
  char *a = test_read_text(test_path(enc, "encodings.npy")), *b = test_read_text(test_path(like, "encodings.npy"));
  ck_assert_mem_eq(a, b, 128 + 6 * 720 * 4);  /* and 1 or 2 threads agree */
  free(a);
  free(b);
  /* Features made with another step are refused by name. */
  ck_assert_int_eq(bovw_encode_run(other, cbdir, &o, enc, NULL, &err), BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "step is 6 in") && strstr(err.message, "4 in the codebook"),
                "%s", err.message);
}
END_TEST

/* Writes dir/name, a binary PNM of 8-bit samples (interleaved). */
static void write_pnm(const char *name, const uint16_t *samples, int w, int h, int channels) {
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_pnm_encode(samples, w, h, channels, 255, NULL, &bytes, &n), 0);
  test_write(test_path(dir, name), bytes, n);
  free(bytes);
}

/* A manifest of three images in dir: an RGB 3x2, a gray 3x2 and a file
 * that is not an image; labels 0, 1, 1. */
static const char *pixels_manifest(void) {
  const uint16_t rgb[3 * 2 * 3] = {10, 20, 30,   40, 50, 60,   70, 80, 90,
                                   100, 110, 120, 130, 140, 150, 160, 170, 180};
  const uint16_t gray[3 * 2] = {0, 51, 102, 153, 204, 255};
  write_pnm("a.ppm", rgb, 3, 2, 3);
  write_pnm("b.pgm", gray, 3, 2, 1);
  test_write_text(test_path(dir, "c.pgm"), "not an image");
  const char *path = test_path(dir, "m.tsv");
  test_write_text(path, "path\tlabel\tclass\na.ppm\t0\tcolour\nb.pgm\t1\tgray\n"
                        "c.pgm\t1\tgray\n");
  return path;
}

START_TEST(test_pixels_are_the_images_values_in_channel_planes) {
  char manifest[4200], out[4200];
  snprintf(manifest, sizeof manifest, "%s", pixels_manifest());
  snprintf(out, sizeof out, "%s/enc", dir);
  bovw_pixels_params p;
  bovw_pixels_params_default(&p);
  ck_assert(p.width == 32 && p.height == 32 && p.channels == 1 && !p.standardize);
  p.width = 3;
  p.height = 2;
  p.channels = 3;
  bovw_error err;
  ck_assert_msg(bovw_encode_pixels_run(manifest, &p, 2, out, NULL, &err) == 0, "%s", err.message);
  bovw_encodings *e;
  ck_assert_int_eq(bovw_encodings_open(out, &e, &err), 0);
  /* The file that is not an image is skipped; the others keep their order. */
  ck_assert_uint_eq(e->count, 2);
  ck_assert_uint_eq(e->dim, 18);
  ck_assert_uint_eq(e->num_classes, 2);
  ck_assert_str_eq(e->class_names[1], "gray");
  ck_assert_double_eq(bovw_meta_number(e->meta, "skipped", -1), 1);
  const int32_t *labels = e->labels->data;
  ck_assert(labels[0] == 0 && labels[1] == 1);
  const float *v = e->vectors->data;
  /* Row 0: the red plane (10, 40, 70 / 100, 130, 160), then green, blue. */
  ck_assert_float_eq_tol(v[0], 10 / 255.0f, 1e-6);
  ck_assert_float_eq_tol(v[5], 160 / 255.0f, 1e-6);
  ck_assert_float_eq_tol(v[6], 20 / 255.0f, 1e-6);
  ck_assert_float_eq_tol(v[17], 180 / 255.0f, 1e-6);
  /* Row 1, a gray image read as RGB: the same plane three times. */
  for (int c = 0; c < 3; c++) ck_assert_float_eq_tol(v[18 + 6 * c + 4], 204 / 255.0f, 1e-6);
  const cJSON *params = cJSON_GetObjectItem(e->meta, "params");
  ck_assert_str_eq(bovw_meta_string(params, "encoding", ""), "pixels");
  ck_assert_str_eq(bovw_meta_string(params, "color", ""), "rgb");
  bovw_encodings_free(e);
  /* --like takes the settings back; encodings of a BoVW kind are refused. */
  bovw_pixels_params q;
  ck_assert_int_eq(bovw_pixels_params_like(out, &q, &err), 0);
  ck_assert_mem_eq(&q, &p, sizeof p);
  bovw_encode_params bp;
  char *cb = NULL;
  ck_assert_int_eq(bovw_encode_params_like(out, &bp, &cb, &err), BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "pixel encodings"), "%s", err.message);
  ck_assert_ptr_null(cb);
}
END_TEST

START_TEST(test_pixels_shrink_by_area_and_standardize_per_image) {
  /* A 4x4 gray image of four flat 2x2 blocks, and a flat image. */
  const uint16_t blocks[16] = {0, 0, 255, 255,   0, 0, 255, 255,
                               51, 51, 102, 102, 51, 51, 102, 102};
  uint16_t flat[16];
  for (int i = 0; i < 16; i++) flat[i] = 77;
  write_pnm("blocks.pgm", blocks, 4, 4, 1);
  write_pnm("flat.pgm", flat, 4, 4, 1);
  const char *manifest = test_path(dir, "m.tsv");
  test_write_text(manifest, "path\tlabel\tclass\nblocks.pgm\t0\tx\nflat.pgm\t0\tx\n");
  char out[4200];
  snprintf(out, sizeof out, "%s/enc", dir);
  bovw_pixels_params p;
  bovw_pixels_params_default(&p);
  p.width = p.height = 2;
  bovw_error err;
  ck_assert_msg(bovw_encode_pixels_run(manifest, &p, 1, out, NULL, &err) == 0, "%s", err.message);
  bovw_encodings *e;
  ck_assert_int_eq(bovw_encodings_open(out, &e, &err), 0);
  const float *v = e->vectors->data;
  const float want[4] = {0, 1, 0.2f, 0.4f};  /* each block's mean */
  for (int i = 0; i < 4; i++) ck_assert_float_eq_tol(v[i], want[i], 1e-6);
  bovw_encodings_free(e);
  p.standardize = 1;
  ck_assert_int_eq(bovw_encode_pixels_run(manifest, &p, 1, out, NULL, &err), 0);
  ck_assert_int_eq(bovw_encodings_open(out, &e, &err), 0);
  v = e->vectors->data;
  double mean = 0, var = 0;
  for (int i = 0; i < 4; i++) mean += v[i] / 4.0;
  for (int i = 0; i < 4; i++) var += (v[i] - mean) * (v[i] - mean) / 4.0;
  ck_assert_double_eq_tol(mean, 0, 1e-6);
  ck_assert_double_eq_tol(var, 1, 1e-5);
  ck_assert(v[1] > v[3] && v[3] > v[2] && v[2] > v[0]);
  for (int i = 4; i < 8; i++) ck_assert_float_eq(v[i], 0);  /* the flat image */
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(e->meta, "params"),
                                             "standardize")));
  bovw_encodings_free(e);
  /* Bad settings are refused before anything is read. */
  p.channels = 2;
  ck_assert_int_eq(bovw_encode_pixels_run(manifest, &p, 1, out, NULL, &err), BOVW_ERR_INVALID);
}
END_TEST

int main(void) {
  Suite *s = suite_create("encode");
  TCase *tc = tcase_create("encode");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_histogram_mass_is_the_number_of_voting_descriptors);
  tcase_add_test(tc, test_keypoint_lands_in_its_pyramid_cell);
  tcase_add_test(tc, test_kernel_map_approximates_the_chi2_kernel);
  tcase_add_test(tc, test_encoder_applies_the_kernel_map_value_by_value);
  tcase_add_test(tc, test_vlad_matches_vlfeat_and_has_unit_norm);
  tcase_add_test(tc, test_fisher_vector_is_2dk_per_cell_with_unit_norm);
  tcase_add_test(tc, test_fisher_vectors_equal_vlfeats_to_float_tolerance);
  tcase_add_test(tc, test_fisher_cells_summed_from_pieces_equal_cells_encoded_alone);
  tcase_add_test(tc, test_fisher_statistics_stay_accurate_far_from_the_origin);
  tcase_add_test(tc, test_product_quantiser_round_trip_and_error_falls_with_bits);
  tcase_add_test(tc, test_quantiser_fractional_bits_threads_and_ranges);
  tcase_add_test(tc, test_sign_quantiser_codes_signs_and_decodes_to_means);
  tcase_add_test(tc, test_exact_ann_and_prerank_assignment_agree_on_separated_data);
  tcase_add_test(tc, test_prerank_in_all_directions_is_the_exact_search);
  tcase_add_test(tc, test_prerank_in_few_directions_finds_most_nearest_words);
  tcase_add_test(tc, test_prerank_gives_a_word_to_a_nan_descriptor);
  tcase_add_test(tc, test_prerank_settings_round_trip_and_default_when_absent);
  tcase_add_test(tc, test_encodings_artifact_and_refusal_of_other_features);
  tcase_add_test(tc, test_pixels_are_the_images_values_in_channel_planes);
  tcase_add_test(tc, test_pixels_shrink_by_area_and_standardize_per_image);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
