/* test_codebook.c: k-means, PCA, GMM and the codebook artifact. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bovw/artifact.h"
#include "bovw/codebook.h"
#include "bovw/dataset.h"
#include "bovw/fs.h"
#include "bovw/rng.h"
#include "codebook/internal.h"
#include "fixtures.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* n points around k well-separated centres in dim dimensions. */
static float *clusters(size_t n, int dim, int k, float spread, uint64_t seed,
                       float **truth) {
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  float *c = malloc((size_t)k * dim * sizeof *c), *x = malloc(n * dim * sizeof *x);
  for (int j = 0; j < k; j++)
    for (int d = 0; d < dim; d++) c[j * dim + d] = (float)(100.0 * bovw_rng_uniform(&rng));
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      x[i * dim + d] = c[(i % k) * dim + d] + spread * (float)(bovw_rng_uniform(&rng) - 0.5);
  *truth = c;
  return x;
}

static double dist2(const float *a, const float *b, int dim) {
  double s = 0;
  for (int d = 0; d < dim; d++) s += (a[d] - b[d]) * (a[d] - b[d]);
  return s;
}

START_TEST(test_kmeans_recovers_well_separated_clusters) {
  const bovw_kmeans_algorithm algs[] = {BOVW_KMEANS_BLAS, BOVW_KMEANS_ELKAN,
                                        BOVW_KMEANS_LLOYD};
  float *truth;
  float *x = clusters(2000, 8, 5, 1.0f, 3, &truth);
  for (int a = 0; a < 3; a++) {
    bovw_kmeans_result r;
    bovw_error err;
    ck_assert_msg(bovw_kmeans(x, 2000, 8, 5, algs[a], BOVW_INIT_PLUSPLUS, 30, 3, 1, 2,
                              NULL, &r, &err) == 0, "%s", err.message);
    for (int j = 0; j < 5; j++) {
      double best = 1e30;
      for (int c = 0; c < 5; c++) {
        double d = dist2(truth + j * 8, r.centers + c * 8, 8);
        if (d < best) best = d;
      }
      ck_assert_msg(best < 0.05, "%s: true centre %d is %.3g away", bovw_kmeans_algorithm_name(algs[a]),
                    j, sqrt(best));
    }
    bovw_kmeans_result_clear(&r);
  }
  free(x);
  free(truth);
}
END_TEST

START_TEST(test_same_seed_same_centres_other_seed_other_centres) {
  float *truth;
  float *x = clusters(3000, 16, 40, 30.0f, 5, &truth);  /* overlapping: init matters */
  const bovw_kmeans_algorithm algs[] = {BOVW_KMEANS_BLAS, BOVW_KMEANS_ELKAN};
  for (int a = 0; a < 2; a++) {
    bovw_kmeans_result r1, r2, r3;
    ck_assert_int_eq(bovw_kmeans(x, 3000, 16, 20, algs[a], BOVW_INIT_PLUSPLUS, 10, 1, 7, 2, NULL, &r1, NULL), 0);
    ck_assert_int_eq(bovw_kmeans(x, 3000, 16, 20, algs[a], BOVW_INIT_PLUSPLUS, 10, 1, 7, 1, NULL, &r2, NULL), 0);
    ck_assert_int_eq(bovw_kmeans(x, 3000, 16, 20, algs[a], BOVW_INIT_PLUSPLUS, 10, 1, 8, 2, NULL, &r3, NULL), 0);
    ck_assert_mem_eq(r1.centers, r2.centers, 20 * 16 * sizeof(float));
    ck_assert_int_ne(memcmp(r1.centers, r3.centers, 20 * 16 * sizeof(float)), 0);
    bovw_kmeans_result_clear(&r1);
    bovw_kmeans_result_clear(&r2);
    bovw_kmeans_result_clear(&r3);
  }
  free(x);
  free(truth);
}
END_TEST

START_TEST(test_energy_never_increases_across_iterations) {
  float *truth;
  float *x = clusters(5000, 32, 50, 60.0f, 9, &truth);
  const bovw_kmeans_init inits[] = {BOVW_INIT_PLUSPLUS, BOVW_INIT_RANDOM};
  for (int t = 0; t < 2; t++) {
    bovw_kmeans_result r;
    ck_assert_int_eq(bovw_kmeans(x, 5000, 32, 30, BOVW_KMEANS_BLAS, inits[t], 40, 1, 2, 2,
                                 NULL, &r, NULL), 0);
    ck_assert_ptr_nonnull(r.energies);
    ck_assert_int_gt(r.iterations, 2);
    for (int i = 1; i < r.iterations; i++)
      ck_assert_msg(r.energies[i] <= r.energies[i - 1] * (1 + 1e-6),
                    "energy rose at iteration %d: %g -> %g", i, r.energies[i - 1], r.energies[i]);
    ck_assert(r.energy <= r.energies[r.iterations - 1] * (1 + 1e-6));
    bovw_kmeans_result_clear(&r);
  }
  free(x);
  free(truth);
}
END_TEST

START_TEST(test_nearest_centres_agree_with_brute_force) {
  float *truth;
  float *x = clusters(777, 24, 13, 50.0f, 4, &truth);
  int32_t assign[777];
  float d2[777];
  ck_assert_int_eq(bovw_nearest_centers(x, 777, 24, truth, 13, assign, d2, 2, NULL), 0);
  for (int i = 0; i < 777; i++) {
    int best = 0;
    for (int c = 1; c < 13; c++)
      if (dist2(x + i * 24, truth + c * 24, 24) < dist2(x + i * 24, truth + best * 24, 24)) best = c;
    ck_assert_int_eq(assign[i], best);
    ck_assert_double_eq_tol(d2[i], dist2(x + i * 24, truth + best * 24, 24), 0.05);
  }
  free(x);
  free(truth);
}
END_TEST

START_TEST(test_kmeans_refuses_bad_input) {
  float x[20] = {0};
  bovw_kmeans_result r;
  bovw_error err;
  ck_assert_int_eq(bovw_kmeans(x, 5, 4, 6, BOVW_KMEANS_BLAS, BOVW_INIT_PLUSPLUS, 5, 1, 0, 1,
                               NULL, &r, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "k = 6"));
  x[7] = NAN;
  ck_assert_int_eq(bovw_kmeans(x, 5, 4, 2, BOVW_KMEANS_ELKAN, BOVW_INIT_PLUSPLUS, 5, 1, 0, 1,
                               NULL, &r, &err), BOVW_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.message, "NaN"));
  ck_assert_int_eq(bovw_kmeans(x, 0, 4, 2, BOVW_KMEANS_ELKAN, BOVW_INIT_PLUSPLUS, 5, 1, 0, 1,
                               NULL, &r, &err), BOVW_ERR_EMPTY);
}
END_TEST

START_TEST(test_pca_reconstructs_low_rank_data) {
  /* Rank-2 data in 10-D plus an offset. */
  bovw_rng rng;
  bovw_rng_seed(&rng, 11);
  size_t n = 500;
  float basis[2][10], *x = malloc(n * 10 * sizeof *x);
  for (int r = 0; r < 2; r++)
    for (int d = 0; d < 10; d++) basis[r][d] = (float)(bovw_rng_uniform(&rng) - 0.5);
  for (size_t i = 0; i < n; i++) {
    double a = 10 * (bovw_rng_uniform(&rng) - 0.5), b = 3 * (bovw_rng_uniform(&rng) - 0.5);
    for (int d = 0; d < 10; d++) x[i * 10 + d] = (float)(5 + a * basis[0][d] + b * basis[1][d]);
  }
  bovw_pca *p;
  bovw_error err;
  ck_assert_msg(bovw_pca_fit(x, n, 10, 2, 0, &p, &err) == 0, "%s", err.message);
  ck_assert_float_gt(p->variances[0], p->variances[1]);
  float *y = malloc(n * 2 * sizeof *y), *work = malloc(n * 10 * sizeof *work);
  memcpy(work, x, n * 10 * sizeof *work);  /* apply centres its input in place */
  bovw_pca_apply(p, work, n, y);
  double worst = 0;
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < 10; d++) {
      double back = p->mean[d];
      for (int r = 0; r < 2; r++) back += y[i * 2 + r] * p->components[r * 10 + d];
      double e = fabs(back - x[i * 10 + d]);
      if (e > worst) worst = e;
    }
  ck_assert_msg(worst < 1e-3, "reconstruction error %g", worst);
  bovw_pca_free(p);
  /* Whitened projections have unit variance. */
  ck_assert_int_eq(bovw_pca_fit(x, n, 10, 2, 1, &p, &err), 0);
  memcpy(work, x, n * 10 * sizeof *work);
  bovw_pca_apply(p, work, n, y);
  for (int r = 0; r < 2; r++) {
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
      s += y[i * 2 + r];
      s2 += y[i * 2 + r] * y[i * 2 + r];
    }
    ck_assert_double_eq_tol(s2 / (n - 1) - s * s / n / (n - 1), 1.0, 0.01);
  }
  bovw_pca_free(p);
  free(work);
  free(y);
  free(x);
}
END_TEST

START_TEST(test_gmm_log_likelihood_increases_with_em) {
  float *truth;
  float *x = clusters(3000, 6, 8, 20.0f, 12, &truth);
  bovw_kmeans_result r;
  ck_assert_int_eq(bovw_kmeans(x, 3000, 6, 8, BOVW_KMEANS_BLAS, BOVW_INIT_RANDOM, 3, 1, 1, 1,
                               NULL, &r, NULL), 0);
  double ll1, ll20;
  float *m, *v, *p;
  bovw_error err;
  ck_assert_msg(bovw_gmm_fit(x, 3000, 6, r.centers, 8, 1, 1, &m, &v, &p, &ll1, NULL, &err) == 0, "%s",
                err.message);
  free(m); free(v); free(p);
  ck_assert_int_eq(bovw_gmm_fit(x, 3000, 6, r.centers, 8, 20, 1, &m, &v, &p, &ll20, NULL, &err), 0);
  ck_assert_msg(ll20 >= ll1, "log-likelihood fell: %g after 1, %g after 20", ll1, ll20);
  double psum = 0;
  for (int c = 0; c < 8; c++) {
    psum += p[c];
    for (int d = 0; d < 6; d++) ck_assert_float_gt(v[c * 6 + d], 0);
  }
  ck_assert_double_eq_tol(psum, 1.0, 1e-4);
  free(m); free(v); free(p);
  bovw_kmeans_result_clear(&r);
  free(x);
  free(truth);
}
END_TEST

START_TEST(test_codebook_artifact_round_trip_and_compatibility_refusal) {
  char feat[4100], cbdir[4100];
  snprintf(feat, sizeof feat, "%s/feat", dir);
  snprintf(cbdir, sizeof cbdir, "%s/cb", dir);
  test_make_features(dir, feat, 4, 64, 64, 4);
  bovw_codebook_options o;
  bovw_codebook_options_default(&o);
  o.k = 16;
  o.samples = 3000;
  o.rootsift = 1;
  o.pca_dim = 20;
  o.augment_xy = 1;
  o.gmm = 1;
  o.algorithm = BOVW_KMEANS_BLAS;
  bovw_error err;
  ck_assert_msg(bovw_codebook_build(feat, &o, cbdir, NULL, &err) == 0, "%s", err.message);
  bovw_codebook *cb;
  ck_assert_msg(bovw_codebook_open(cbdir, &cb, &err) == 0, "%s", err.message);
  ck_assert_int_eq(cb->k, 16);
  ck_assert_int_eq(cb->dim, 22);
  ck_assert_ptr_nonnull(cb->pca);
  ck_assert_ptr_nonnull(cb->gmm_priors);
  ck_assert_int_eq(cb->features.step, 4);
  /* The recorded chain maps a descriptor the way the build did. */
  bovw_features *f;
  ck_assert_int_eq(bovw_features_open(feat, &f, &err), 0);
  /* meta.json says how the sample was drawn, and from how many. */
  const cJSON *sm = cJSON_GetObjectItem(cb->meta, "samples");
  ck_assert_double_eq(bovw_meta_number(sm, "descriptors", -1), (double)f->descriptors->shape[0]);
  ck_assert_double_le(bovw_meta_number(sm, "usable", -1), bovw_meta_number(sm, "descriptors", -1));
  ck_assert_double_eq(bovw_meta_number(sm, "used", -1), 3000);
  ck_assert_ptr_nonnull(strstr(bovw_meta_string(sm, "method", ""), "uniform sample"));
  float scratch[2 * (128 + 22)], y[2 * 22];
  bovw_codebook_transform(cb, f->descriptors->data, f->frames->data, 2, 64, 64, scratch, y);
  for (int i = 0; i < 2; i++) {
    ck_assert_float_eq_tol(y[i * 22 + 20], ((const float *)f->frames->data)[4 * i] / 64 - 0.5f, 1e-6);
    for (int d = 0; d < 20; d++) ck_assert(isfinite(y[i * 22 + d]));
  }
  /* Same descriptors: accepted; another step: refused, naming the step. */
  ck_assert_int_eq(bovw_codebook_check_features(cb, &f->params, feat, &err), 0);
  bovw_extract_params other = f->params;
  other.step = 3;
  ck_assert_int_eq(bovw_codebook_check_features(cb, &other, "feat/test", &err), BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "step is 3 in feat/test, 4 in the codebook"), "%s", err.message);
  bovw_features_free(f);
  bovw_codebook_free(cb);
  /* k larger than the usable samples: a clear error. */
  o.k = 5000;
  o.samples = 2000;
  ck_assert_int_eq(bovw_codebook_build(feat, &o, cbdir, NULL, &err), BOVW_ERR_INVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "k = 5000"));
}
END_TEST

START_TEST(test_same_seed_same_codebook_file) {
  char feat[4100], a[4100], b[4100];
  snprintf(feat, sizeof feat, "%s/feat", dir);
  snprintf(a, sizeof a, "%s/a", dir);
  snprintf(b, sizeof b, "%s/b", dir);
  test_make_features(dir, feat, 5, 64, 64, 4);
  bovw_codebook_options o;
  bovw_codebook_options_default(&o);
  o.k = 10;
  o.samples = 1000;
  o.seed = 3;
  ck_assert_int_eq(bovw_codebook_build(feat, &o, a, NULL, NULL), 0);
  o.threads = 1;
  ck_assert_int_eq(bovw_codebook_build(feat, &o, b, NULL, NULL), 0);
  char *x = test_read_text(test_path(a, "centers.npy")), *y = test_read_text(test_path(b, "centers.npy"));
  ck_assert_mem_eq(x, y, 64 + 10 * 128 * 4);
  free(x);
  free(y);
}
END_TEST

/* Descriptor j of row i of synthetic_features. */
static uint8_t synthetic_value(size_t i, int j) { return (uint8_t)(i * 31 + j * 7); }

/* The arrays of a features artifact, written straight (no extraction) and a
 * few thousand rows at a time (no large buffer): n uint8 rows of 128, image
 * i holding rows [i * n / images, (i + 1) * n / images), every 5th row below
 * the contrast threshold. bovw_features_free unmaps them. */
static bovw_features *synthetic_features(const char *at, size_t n, size_t images) {
  enum { CHUNK = 4096 };
  uint8_t *d = malloc(CHUNK * 128);
  float *fr = malloc(CHUNK * 4 * sizeof *fr);
  int64_t *off = malloc((images + 1) * sizeof *off);
  int32_t *size = malloc(images * 2 * sizeof *size);
  bovw_features *f = calloc(1, sizeof *f);
  ck_assert(d && fr && off && size && f);
  bovw_npy_writer *dw, *fw;
  int64_t drow[1] = {128}, frow[1] = {4};
  bovw_error err;
  ck_assert_int_eq(bovw_npy_writer_new(test_path(at, "d.npy"), BOVW_DTYPE_UINT8, 2, drow, &dw, &err), 0);
  ck_assert_int_eq(bovw_npy_writer_new(test_path(at, "f.npy"), BOVW_DTYPE_FLOAT32, 2, frow, &fw, &err), 0);
  for (size_t a = 0; a < n; a += CHUNK) {
    size_t m = n - a < CHUNK ? n - a : CHUNK;
    for (size_t k = 0; k < m; k++) {
      size_t i = a + k;
      for (int j = 0; j < 128; j++) d[k * 128 + j] = synthetic_value(i, j);
      fr[4 * k] = (float)(i % 50);
      fr[4 * k + 1] = (float)(i % 70);
      fr[4 * k + 2] = 2;
      fr[4 * k + 3] = i % 5 == 0 ? 0.0f : 0.5f;
    }
    ck_assert_int_eq(bovw_npy_writer_append(dw, d, (int64_t)m, &err), 0);
    ck_assert_int_eq(bovw_npy_writer_append(fw, fr, (int64_t)m, &err), 0);
  }
  ck_assert_int_eq(bovw_npy_writer_finish(dw, &err), 0);
  ck_assert_int_eq(bovw_npy_writer_finish(fw, &err), 0);
  bovw_npy_writer_free(dw);
  bovw_npy_writer_free(fw);
  for (size_t i = 0; i <= images; i++) off[i] = (int64_t)(i * n / images);
  for (size_t i = 0; i < images; i++) {
    size[2 * i] = 60 + (int32_t)i;
    size[2 * i + 1] = 80 + (int32_t)i;
  }
  int64_t oshape[1] = {(int64_t)images + 1}, sshape[2] = {(int64_t)images, 2};
  ck_assert_int_eq(bovw_npy_write(test_path(at, "o.npy"), BOVW_DTYPE_INT64, 1, oshape, off, &err), 0);
  ck_assert_int_eq(bovw_npy_write(test_path(at, "s.npy"), BOVW_DTYPE_INT32, 2, sshape, size, &err), 0);
  ck_assert_int_eq(bovw_npy_map(test_path(at, "d.npy"), &f->descriptors, &err), 0);
  ck_assert_int_eq(bovw_npy_map(test_path(at, "f.npy"), &f->frames, &err), 0);
  ck_assert_int_eq(bovw_npy_map(test_path(at, "o.npy"), &f->offsets, &err), 0);
  ck_assert_int_eq(bovw_npy_map(test_path(at, "s.npy"), &f->image_size, &err), 0);
  bovw_extract_params_default(&f->params);
  f->dim = 128;
  f->num_images = images;
  free(d);
  free(fr);
  free(off);
  free(size);
  return f;
}

START_TEST(test_sample_is_selection_sampling_whatever_the_window) {
  const size_t n = 20000, wanted = 700;
  bovw_features *f = synthetic_features(dir, n, 13);
  /* The sample as one plain pass of algorithm S over the usable rows picks
   * it: the windows must not change which rows a seed gives. */
  const float *fr = f->frames->data;
  size_t u = 0;
  for (size_t i = 0; i < n; i++) u += fr[4 * i + 3] >= f->params.contrast_threshold;
  ck_assert_uint_eq(u, n - n / 5);
  size_t *want = malloc(wanted * sizeof *want), seen = 0, chosen = 0;
  bovw_rng rng;
  bovw_rng_seed(&rng, 11);
  for (size_t i = 0; i < n && chosen < wanted; i++) {
    if (fr[4 * i + 3] < f->params.contrast_threshold) continue;
    if ((double)(u - seen) * bovw_rng_uniform(&rng) < (double)(wanted - chosen)) want[chosen++] = i;
    seen++;
  }
  ck_assert_uint_eq(chosen, wanted);
  const size_t windows[] = {1, 100, 4096, 65536, (size_t)1 << 40};
  float *raw = malloc(wanted * 128 * sizeof *raw), *frames = malloc(wanted * 4 * sizeof *frames);
  int32_t *size = malloc(wanted * 2 * sizeof *size);
  for (int w = 0; w < 5; w++) {
    size_t *rows, count, usable;
    bovw_error err;
    ck_assert_int_eq(bovw_sample_rows(f, wanted, 11, windows[w], &rows, &count, &usable, &err), 0);
    ck_assert_uint_eq(usable, u);
    ck_assert_uint_eq(count, wanted);
    ck_assert_mem_eq(rows, want, wanted * sizeof *rows);
    bovw_sample_gather(f, rows, count, windows[w], raw, frames, size);
    for (size_t i = 0; i < count; i++) {
      size_t r = rows[i], img = r * 13 / n;
      while ((size_t)((const int64_t *)f->offsets->data)[img + 1] <= r) img++;
      for (int j = 0; j < 128; j++)
        ck_assert_float_eq(raw[i * 128 + j], (float)synthetic_value(r, j));
      ck_assert_mem_eq(frames + 4 * i, fr + 4 * r, 4 * sizeof(float));
      ck_assert_int_eq(size[2 * i], 60 + (int32_t)img);
      ck_assert_int_eq(size[2 * i + 1], 80 + (int32_t)img);
    }
    free(rows);
  }
  free(raw);
  free(frames);
  free(size);
  free(want);
  bovw_features_free(f);
}
END_TEST

/* The process's peak resident set in kB, after resetting it (writing 5 to
 * /proc/self/clear_refs) when asked; -1 when the kernel does not let us. */
static long peak_rss_kb(int reset) {
  if (reset) {
    FILE *c = fopen("/proc/self/clear_refs", "w");
    if (!c) return -1;
    int written = fputs("5", c) >= 0;
    if (fclose(c) != 0 || !written) return -1;
  }
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

START_TEST(test_sampling_keeps_about_a_window_of_the_features_resident) {
  /* 32 MB of descriptors, 4 MB of frames; a sampled row every 32 rows (4 kB)
   * or so, so that reading them maps about every page of both arrays. */
  const size_t n = (size_t)1 << 18, wanted = 8192, window = 256 << 10;
  bovw_features *f = synthetic_features(dir, n, 100);
  float *raw = malloc(wanted * 128 * sizeof *raw), *frames = malloc(wanted * 4 * sizeof *frames);
  int32_t *size = malloc(wanted * 2 * sizeof *size);
  /* Touch the buffers first, so that the peak below is the mapped files'. */
  memset(raw, 1, wanted * 128 * sizeof *raw);
  memset(frames, 1, wanted * 4 * sizeof *frames);
  memset(size, 1, wanted * 2 * sizeof *size);
  long before = peak_rss_kb(1);
  if (before < 0) {
    bovw_features_free(f);
    free(raw);
    free(frames);
    free(size);
    return;  /* no resettable peak: nothing to measure */
  }
  size_t *rows, count, usable;
  ck_assert_int_eq(bovw_sample_rows(f, wanted, 2, window, &rows, &count, &usable, NULL), 0);
  ck_assert_uint_eq(count, wanted);
  bovw_sample_gather(f, rows, count, window, raw, frames, size);
  long grew = peak_rss_kb(0) - before;
  /* Without the windows the whole 36 MB would be resident; with them, the
   * list of rows (64 kB) and about a window of each array, plus what the
   * kernel maps around a read (64 kB an array) and some slack. */
  ck_assert_msg(grew < 4096, "the peak resident set grew by %ld kB while sampling", grew);
  free(rows);
  free(raw);
  free(frames);
  free(size);
  bovw_features_free(f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("codebook");
  TCase *tc = tcase_create("codebook");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_kmeans_recovers_well_separated_clusters);
  tcase_add_test(tc, test_same_seed_same_centres_other_seed_other_centres);
  tcase_add_test(tc, test_energy_never_increases_across_iterations);
  tcase_add_test(tc, test_nearest_centres_agree_with_brute_force);
  tcase_add_test(tc, test_kmeans_refuses_bad_input);
  tcase_add_test(tc, test_pca_reconstructs_low_rank_data);
  tcase_add_test(tc, test_gmm_log_likelihood_increases_with_em);
  tcase_add_test(tc, test_codebook_artifact_round_trip_and_compatibility_refusal);
  tcase_add_test(tc, test_same_seed_same_codebook_file);
  tcase_add_test(tc, test_sample_is_selection_sampling_whatever_the_window);
  tcase_add_test(tc, test_sampling_keeps_about_a_window_of_the_features_resident);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
