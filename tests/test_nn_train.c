/* test_nn_train.c: what `bovw nn train` and `bovw nn eval` are made of:
 * images of a manifest loaded into one tensor (shapes, pixels, labels, bad
 * images skipped), normalisation statistics, seeded augmentation, the
 * stratified hold-out, dead-ReLU counts, training runs that repeat with the
 * same seed, the net folder round trip and its refusals, and evaluation. */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/nn.h"
#include "bovw/npy.h"
#include "nn_fixtures.h"
#include "synth_images.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* ---- helpers ------------------------------------------------------------------- */

/* A monitor that counts warnings and keeps the last one. */
typedef struct listener {
  int warnings;
  char last[1024];
} listener;

static void on_warning(void *ctx, const char *message) {
  listener *l = ctx;
  l->warnings++;
  snprintf(l->last, sizeof l->last, "%s", message);
}

static bovw_monitor listening(listener *l) {
  memset(l, 0, sizeof *l);
  return (bovw_monitor){NULL, on_warning, l};
}

static void write_png(const char *path, const synth_image *img) {
  unsigned char *bytes;
  size_t n;
  ck_assert_int_eq(synth_png_encode_image(img, 0, &bytes, &n), 0);
  test_write(path, bytes, n);
  free(bytes);
}

/* A solid colour image file: PNG, or PNM (P6) when pnm is set. */
static void write_solid(const char *path, int w, int h, synth_color colour, int pnm) {
  synth_image *img = synth_image_new(w, h, 3);
  synth_fill(img, colour);
  if (pnm) {
    unsigned char *bytes;
    size_t n;
    ck_assert_int_eq(synth_pnm_encode_image(img, &bytes, &n), 0);
    test_write(path, bytes, n);
    free(bytes);
  } else {
    write_png(path, img);
  }
  synth_image_free(img);
}

static bovw_manifest *manifest_of(char *const *classes, size_t num_classes) {
  bovw_manifest *m = bovw_manifest_new();
  ck_assert_ptr_nonnull(m);
  ck_assert_int_eq(bovw_manifest_set_classes(m, classes, num_classes, NULL), 0);
  ck_assert_int_eq(bovw_manifest_set_root(m, dir, NULL), 0);
  return m;
}

static void add(bovw_manifest *m, const char *path, int label) {
  ck_assert_int_eq(bovw_manifest_add(m, path, label, NULL), 0);
}

/* The trivially separable set: 8x8 gray images, class "left" bright on the
 * left half, class "right" on the right half, with noise. Written to
 * dir/img/<class>/<i>.png and listed in dir/<name>.tsv (with classes.txt). */
static char *separable_manifest(const char *name, int per_class, uint64_t seed) {
  static char *const classes[2] = {"left", "right"};
  bovw_manifest *m = manifest_of(classes, 2);
  mkdir(test_path(dir, "img"), 0755);
  uint64_t rng = seed;
  for (int c = 0; c < 2; c++) {
    char sub[64];
    snprintf(sub, sizeof sub, "img/%s", classes[c]);
    mkdir(test_path(dir, sub), 0755);
    for (int i = 0; i < per_class; i++) {
      synth_image *img = synth_image_new(8, 8, 1);
      synth_fill(img, (synth_color){40, 40, 40});
      const int x0 = c == 0 ? 0 : 4;
      for (int y = 0; y < 8; y++)
        for (int x = x0; x < x0 + 4; x++) img->samples[y * 8 + x] = 200;
      synth_noise(img, &rng, 30);
      char rel[96];
      snprintf(rel, sizeof rel, "%s/%s-%d.png", sub, name, i);
      write_png(test_path(dir, rel), img);
      synth_image_free(img);
      add(m, rel, c);
    }
  }
  char *path;
  ck_assert_int_ge(asprintf(&path, "%s/%s.tsv", dir, name), 0);
  bovw_error err = {0};
  ck_assert_msg(bovw_manifest_write(path, m, NULL, 0, &err) == 0, "%s", err.message);
  ck_assert_msg(bovw_classes_write(test_path(dir, "classes.txt"), m, &err) == 0, "%s",
                err.message);
  bovw_manifest_free(m);
  return path;
}

static const char SEPARABLE_SPEC[] =
    "input 1x8x8\nconv 4 3x3 pad=same\nrelu\nmaxpool 2\nflatten\nfc classes\nsoftmax\n";

/* A data object made by hand: n samples of c x h x w, values from f. */
static bovw_nn_data *data_by_hand(size_t n, int c, int h, int w, size_t classes) {
  bovw_nn_data *d = calloc(1, sizeof *d);
  d->count = n;
  d->channels = c;
  d->height = h;
  d->width = w;
  d->x = calloc(n * (size_t)c * h * w, sizeof *d->x);
  d->labels = calloc(n, sizeof *d->labels);
  d->rows = calloc(n, sizeof *d->rows);
  d->num_classes = classes;
  d->class_names = calloc(classes, sizeof *d->class_names);
  for (size_t k = 0; k < classes; k++) {
    char name[32];
    snprintf(name, sizeof name, "c%zu", k);
    d->class_names[k] = strdup(name);
  }
  for (size_t i = 0; i < n; i++) d->rows[i] = i;
  return d;
}

/* Stripes: class 0 horizontal, class 1 vertical, 1x8x8, with a phase and
 * noise from the seed. */
static bovw_nn_data *stripes(size_t n, uint64_t seed) {
  bovw_nn_data *d = data_by_hand(n, 1, 8, 8, 2);
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  for (size_t i = 0; i < n; i++) {
    const int label = (int)(i % 2), phase = (int)bovw_rng_below(&rng, 2);
    d->labels[i] = label;
    for (int y = 0; y < 8; y++)
      for (int x = 0; x < 8; x++) {
        const int on = ((label ? x : y) + phase) % 2;
        d->x[i * 64 + (size_t)y * 8 + x] = (float)(on + 0.3 * (bovw_rng_uniform(&rng) - 0.5));
      }
  }
  return d;
}

static bovw_nn_net *make_net(const char *text, int classes, uint64_t seed, int threads) {
  return test_nn_net(text, classes, threads, seed);
}

static int same_params(bovw_nn_net *a, bovw_nn_net *b) {
  if (bovw_nn_net_num_params(a) != bovw_nn_net_num_params(b)) return 0;
  for (size_t i = 0; i < bovw_nn_net_num_params(a); i++) {
    bovw_nn_param *p = bovw_nn_net_param(a, i), *q = bovw_nn_net_param(b, i);
    if (p->count != q->count || memcmp(p->value, q->value, p->count * sizeof(float))) return 0;
  }
  return 1;
}

static const char STRIPES_SPEC[] =
    "input 1x8x8\nconv 4 3x3 pad=same\nbn\nrelu\nmaxpool 2\nflatten\nfc 8\nrelu\n"
    "dropout 0.1\nfc 2\nsoftmax\n";

static bovw_nn_history *train_stripes(uint64_t seed, int threads, int augment,
                                      bovw_nn_net **net_out) {
  bovw_nn_data *train = stripes(48, 1), *val = stripes(16, 2);
  bovw_nn_net *net = make_net(STRIPES_SPEC, 0, seed, threads);
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  o.epochs = 4;
  o.batch = 10; /* 48 = 4 x 10 + 8: a smaller last batch */
  o.seed = seed;
  o.threads = threads;
  o.augment = augment;
  bovw_nn_norm norm = {0};
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_norm_fit(train, &norm, &err), 0);
  bovw_nn_history *h;
  ck_assert_msg(bovw_nn_train(net, train, val, &norm, &o, NULL, NULL, NULL, &h, &err) == 0, "%s",
                err.message);
  bovw_nn_norm_free(&norm);
  bovw_nn_data_free(train);
  bovw_nn_data_free(val);
  if (net_out)
    *net_out = net;
  else
    bovw_nn_net_free(net);
  return h;
}

/* ---- loading images ------------------------------------------------------------- */

START_TEST(test_manifest_loads_into_one_tensor_of_the_spec_shape) {
  static char *const classes[2] = {"red", "blue"};
  bovw_manifest *m = manifest_of(classes, 2);
  /* Different sizes and formats: everything comes out 3x6x5. */
  write_solid(test_path(dir, "r0.png"), 12, 10, (synth_color){255, 0, 0}, 0);
  write_solid(test_path(dir, "r1.ppm"), 7, 9, (synth_color){255, 0, 0}, 1);
  write_solid(test_path(dir, "b0.png"), 5, 6, (synth_color){0, 0, 255}, 0);
  add(m, "r0.png", 0);
  add(m, "b0.png", 1);
  add(m, "r1.ppm", 0);
  bovw_nn_data *d;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_data_from_manifest(m, 3, 6, 5, 2, NULL, &d, &err) == 0, "%s",
                err.message);
  ck_assert_uint_eq(d->count, 3);
  ck_assert_int_eq(d->channels, 3);
  ck_assert_int_eq(d->height, 6);
  ck_assert_int_eq(d->width, 5);
  ck_assert_uint_eq(bovw_nn_data_sample_size(d), 90);
  ck_assert_uint_eq(d->skipped, 0);
  const int32_t want_labels[3] = {0, 1, 0};
  const float want_rgb[3][3] = {{1, 0, 0}, {0, 0, 1}, {1, 0, 0}};
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(d->labels[i], want_labels[i]);
    ck_assert_uint_eq(d->rows[i], i);
    for (int c = 0; c < 3; c++)
      for (int j = 0; j < 30; j++)
        ck_assert_float_eq_tol(d->x[i * 90 + (size_t)c * 30 + j], want_rgb[i][c], 1e-6);
  }
  ck_assert_uint_eq(d->num_classes, 2);
  ck_assert_str_eq(d->class_names[1], "blue");
  bovw_nn_data_free(d);
  /* Gray: the Rec. 601 luma of red. */
  ck_assert_int_eq(bovw_nn_data_from_manifest(m, 1, 4, 4, 1, NULL, &d, &err), 0);
  ck_assert_int_eq(d->channels, 1);
  ck_assert_float_eq_tol(d->x[0], 0.299f, 0.003f);
  bovw_nn_data_free(d);
  ck_assert_int_eq(bovw_nn_data_from_manifest(m, 2, 4, 4, 1, NULL, &d, &err), BOVW_ERR_INVALID);
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_bad_images_are_skipped_with_a_warning) {
  static char *const classes[2] = {"a", "b"};
  bovw_manifest *m = manifest_of(classes, 2);
  write_solid(test_path(dir, "ok0.png"), 4, 4, (synth_color){10, 10, 10}, 0);
  write_solid(test_path(dir, "ok1.png"), 4, 4, (synth_color){250, 250, 250}, 0);
  test_write_text(test_path(dir, "notes.png"), "not an image at all");
  add(m, "ok0.png", 0);
  add(m, "notes.png", 0);
  add(m, "missing.png", 1);
  add(m, "ok1.png", 1);
  listener l;
  bovw_monitor mon = listening(&l);
  bovw_nn_data *d;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_data_from_manifest(m, 1, 4, 4, 2, &mon, &d, &err) == 0, "%s",
                err.message);
  ck_assert_uint_eq(d->count, 2);
  ck_assert_uint_eq(d->skipped, 2);
  ck_assert_int_eq(l.warnings, 2);
  ck_assert_msg(strstr(l.last, "missing.png"), "the last warning names the file: %s", l.last);
  /* The kept samples remember their rows and labels, in manifest order. */
  ck_assert_uint_eq(d->rows[0], 0);
  ck_assert_uint_eq(d->rows[1], 3);
  ck_assert_int_eq(d->labels[0], 0);
  ck_assert_int_eq(d->labels[1], 1);
  ck_assert_float_eq_tol(d->x[16], 250 / 255.0f, 1e-5);
  bovw_nn_data_free(d);
  bovw_manifest_free(m);

  /* Nothing readable is an error, not an empty set. */
  m = manifest_of(classes, 2);
  add(m, "notes.png", 0);
  ck_assert_int_eq(bovw_nn_data_from_manifest(m, 1, 4, 4, 1, NULL, &d, &err), BOVW_ERR_EMPTY);
  ck_assert_ptr_null(d);
  bovw_manifest_free(m);
}
END_TEST

START_TEST(test_loading_does_not_depend_on_the_thread_count) {
  char *path = separable_manifest("train", 6, 3);
  bovw_manifest *m;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_manifest_read(path, &m, &err), 0);
  bovw_nn_data *a, *b;
  ck_assert_int_eq(bovw_nn_data_from_manifest(m, 1, 8, 8, 1, NULL, &a, &err), 0);
  ck_assert_int_eq(bovw_nn_data_from_manifest(m, 1, 8, 8, 2, NULL, &b, &err), 0);
  ck_assert_uint_eq(a->count, 12);
  ck_assert(!memcmp(a->x, b->x, 12 * 64 * sizeof(float)));
  ck_assert(!memcmp(a->labels, b->labels, 12 * sizeof(int32_t)));
  bovw_nn_data_free(a);
  bovw_nn_data_free(b);
  bovw_manifest_free(m);
  free(path);
}
END_TEST

/* ---- normalisation ----------------------------------------------------------------- */

START_TEST(test_normalisation_uses_each_channels_mean_and_deviation) {
  /* Two samples of 2x1x2: channel 0 holds 0, 1 | 2, 3 (mean 1.5, population
   * deviation sqrt(1.25)); channel 1 is 5 everywhere (deviation 0: std 1). */
  bovw_nn_data *d = data_by_hand(2, 2, 1, 2, 1);
  const float x[8] = {0, 1, 5, 5, 2, 3, 5, 5};
  memcpy(d->x, x, sizeof x);
  bovw_nn_norm norm;
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_norm_fit(d, &norm, &err), 0);
  ck_assert_int_eq(norm.channels, 2);
  ck_assert_float_eq_tol(norm.mean[0], 1.5f, 1e-6);
  ck_assert_float_eq_tol(norm.std[0], sqrtf(1.25f), 1e-6);
  ck_assert_float_eq_tol(norm.mean[1], 5.0f, 1e-6);
  ck_assert_float_eq(norm.std[1], 1.0f);
  ck_assert_int_eq(bovw_nn_norm_apply(&norm, d, &err), 0);
  const float s = sqrtf(1.25f);
  const float want[8] = {-1.5f / s, -0.5f / s, 0, 0, 0.5f / s, 1.5f / s, 0, 0};
  for (int i = 0; i < 8; i++) ck_assert_float_eq_tol(d->x[i], want[i], 1e-6);
  /* After it, the mean is 0 and the deviation 1. */
  bovw_nn_norm again;
  ck_assert_int_eq(bovw_nn_norm_fit(d, &again, &err), 0);
  ck_assert_float_eq_tol(again.mean[0], 0, 1e-6);
  ck_assert_float_eq_tol(again.std[0], 1, 1e-6);
  bovw_nn_norm_free(&again);
  /* Another channel count is refused. */
  bovw_nn_data *other = data_by_hand(1, 3, 1, 1, 1);
  ck_assert_int_eq(bovw_nn_norm_apply(&norm, other, &err), BOVW_ERR_MISMATCH);
  bovw_nn_data_free(other);
  bovw_nn_norm_free(&norm);
  bovw_nn_norm_free(&norm); /* twice is fine */
  bovw_nn_data_free(d);
}
END_TEST

/* ---- augmentation ---------------------------------------------------------------------- */

enum { AB = 6, AC = 2, AH = 5, AW = 7 };

/* Value of sample b, channel c, pixel (y, x): all different and non-zero. */
static float marker(int b, int c, int y, int x) { return (float)(1000 * b + 100 * c + 10 * y + x + 1); }

static void fill_markers(float *x) {
  for (int b = 0; b < AB; b++)
    for (int c = 0; c < AC; c++)
      for (int y = 0; y < AH; y++)
        for (int xx = 0; xx < AW; xx++)
          x[((b * AC + c) * AH + y) * AW + xx] = marker(b, c, y, xx);
}

/* Is sample b of out the crop at offset (dy, dx), flipped or not, of the
 * marker sample, with fill outside? Returns 1 if some (dy, dx, flip) with
 * |dy|, |dx| <= pad explains it exactly; *flipped says which. */
static int explained(const float *out, int b, int pad, const float *fill, int *flipped) {
  for (int flip = 0; flip < 2; flip++)
    for (int dy = -pad; dy <= pad; dy++)
      for (int dx = -pad; dx <= pad; dx++) {
        int ok = 1;
        for (int c = 0; c < AC && ok; c++)
          for (int y = 0; y < AH && ok; y++)
            for (int x = 0; x < AW && ok; x++) {
              const int sy = y + dy, sx = (flip ? AW - 1 - x : x) + dx;
              const float want = sy >= 0 && sy < AH && sx >= 0 && sx < AW ? marker(b, c, sy, sx)
                                                                          : fill[c];
              ok = out[((b * AC + c) * AH + y) * AW + x] == want;
            }
        if (ok) {
          *flipped = flip;
          return 1;
        }
      }
  return 0;
}

START_TEST(test_augmentation_is_seeded_crops_and_flips_and_keeps_shapes) {
  const size_t n = (size_t)AB * AC * AH * AW;
  float *a = malloc((n + 4) * sizeof *a), *b = malloc((n + 4) * sizeof *b);
  const float fill[AC] = {-7, -9};
  bovw_rng r1, r2;
  bovw_error err = {0};
  fill_markers(a);
  fill_markers(b);
  for (int k = 0; k < 4; k++) a[n + k] = b[n + k] = 12345; /* guards after the batch */
  bovw_rng_seed(&r1, 11);
  bovw_rng_seed(&r2, 11);
  ck_assert_int_eq(bovw_nn_augment(a, AB, AC, AH, AW, 2, fill, &r1, &err), 0);
  ck_assert_int_eq(bovw_nn_augment(b, AB, AC, AH, AW, 2, fill, &r2, &err), 0);
  ck_assert_msg(!memcmp(a, b, (n + 4) * sizeof *a), "same seed, same batch");
  for (int k = 0; k < 4; k++) ck_assert_float_eq(a[n + k], 12345);
  int flips = 0, moved = 0;
  for (int s = 0; s < AB; s++) {
    int flipped;
    ck_assert_msg(explained(a, s, 2, fill, &flipped), "sample %d is a crop of itself", s);
    flips += flipped;
    moved += a[(s * AC) * AH * AW + 0] != marker(s, 0, 0, flipped ? AW - 1 : 0);
  }
  ck_assert_int_gt(moved, 0);
  /* Another seed, another batch. */
  fill_markers(b);
  bovw_rng_seed(&r2, 12);
  ck_assert_int_eq(bovw_nn_augment(b, AB, AC, AH, AW, 2, fill, &r2, &err), 0);
  ck_assert(memcmp(a, b, n * sizeof *a));
  /* Without padding, every sample is itself or its mirror image, and over
   * many draws both happen. */
  flips = 0;
  for (int round = 0; round < 8; round++) {
    fill_markers(a);
    ck_assert_int_eq(bovw_nn_augment(a, AB, AC, AH, AW, 0, NULL, &r1, &err), 0);
    for (int s = 0; s < AB; s++) {
      int flipped;
      const float zero[AC] = {0, 0};
      ck_assert(explained(a, s, 0, zero, &flipped));
      flips += flipped;
    }
  }
  ck_assert_int_gt(flips, 0);
  ck_assert_int_lt(flips, 8 * AB);
  ck_assert_int_eq(bovw_nn_augment(a, AB, AC, AH, AW, -1, NULL, &r1, &err), BOVW_ERR_INVALID);
  free(a);
  free(b);
}
END_TEST

/* ---- hold-out -------------------------------------------------------------------- */

START_TEST(test_holdout_is_stratified_seeded_and_moves_whole_samples) {
  /* Classes of 10, 5 and 1 samples; a fifth held out: 2, 1 and 0 (a class
   * keeps one training sample). */
  const int sizes[3] = {10, 5, 1};
  bovw_nn_data *d[3];
  bovw_nn_data *held[3];
  bovw_error err = {0};
  const uint64_t seeds[3] = {4, 4, 5};
  for (int run = 0; run < 3; run++) {
    d[run] = data_by_hand(16, 2, 1, 1, 3);
    size_t i = 0;
    for (int c = 0; c < 3; c++)
      for (int k = 0; k < sizes[c]; k++, i++) {
        d[run]->labels[i] = c;
        d[run]->x[2 * i] = (float)i; /* each sample knows its row */
        d[run]->x[2 * i + 1] = (float)(100 + i);
      }
    ck_assert_int_eq(bovw_nn_data_holdout(d[run], 0.2, seeds[run], &held[run], &err), 0);
    ck_assert_uint_eq(held[run]->count, 3);
    ck_assert_uint_eq(d[run]->count, 13);
    int per_class[3] = {0, 0, 0};
    unsigned seen = 0;
    for (size_t j = 0; j < held[run]->count; j++) {
      per_class[held[run]->labels[j]]++;
      seen |= 1u << held[run]->rows[j];
      ck_assert_float_eq(held[run]->x[2 * j], (float)held[run]->rows[j]);
      ck_assert_float_eq(held[run]->x[2 * j + 1], (float)(100 + held[run]->rows[j]));
    }
    for (size_t j = 0; j < d[run]->count; j++) {
      ck_assert_msg(!(seen & (1u << d[run]->rows[j])), "row %zu in both", d[run]->rows[j]);
      seen |= 1u << d[run]->rows[j];
      ck_assert_float_eq(d[run]->x[2 * j], (float)d[run]->rows[j]);
      if (j) ck_assert_uint_lt(d[run]->rows[j - 1], d[run]->rows[j]); /* order kept */
    }
    ck_assert_uint_eq(seen, 0xffff);
    ck_assert_int_eq(per_class[0], 2);
    ck_assert_int_eq(per_class[1], 1);
    ck_assert_int_eq(per_class[2], 0);
  }
  /* Same seed, same rows; another seed, others. */
  ck_assert(!memcmp(held[0]->rows, held[1]->rows, 3 * sizeof(size_t)));
  ck_assert(memcmp(held[0]->rows, held[2]->rows, 3 * sizeof(size_t)));
  for (int run = 0; run < 3; run++) {
    bovw_nn_data_free(d[run]);
    bovw_nn_data_free(held[run]);
  }
  /* Fraction 0 holds out nothing; 1 is refused. */
  bovw_nn_data *e = data_by_hand(4, 1, 1, 1, 1), *h;
  ck_assert_int_eq(bovw_nn_data_holdout(e, 0, 1, &h, &err), 0);
  ck_assert_uint_eq(h->count, 0);
  ck_assert_uint_eq(e->count, 4);
  bovw_nn_data_free(h);
  ck_assert_int_eq(bovw_nn_data_holdout(e, 1, 1, &h, &err), BOVW_ERR_INVALID);
  bovw_nn_data_free(e);
}
END_TEST

/* ---- dead ReLU units -------------------------------------------------------------------- */

START_TEST(test_dead_relu_counts_units_zero_for_the_whole_batch) {
  /* Layers: 0 conv 3 1x1, 1 relu, 2 flatten, 3 fc 2, 4 relu, 5 fc 2. The
   * inputs are positive. Conv channel 0 passes its input (alive), channel 1
   * has bias -100 (dead), channel 2 is alive for one sample only (still
   * alive). fc unit 0 has bias -1 and no weights (dead), unit 1 bias 1. */
  bovw_nn_net *net = make_net("input 1x2x2\nconv 3 1x1\nrelu\nflatten\nfc 2\nrelu\nfc 2\n"
                              "softmax\n", 0, 1, 1);
  int layers[4];
  double dead[4];
  ck_assert_int_eq(bovw_nn_net_dead_relu(net, layers, dead, 4), 0); /* no forward yet */
  bovw_nn_param *w = bovw_nn_net_find_param(net, "0.weight"), *b = bovw_nn_net_find_param(net, "0.bias");
  w->value[0] = 1, b->value[0] = 0;
  w->value[1] = 1, b->value[1] = -100;
  w->value[2] = 1, b->value[2] = -5; /* positive only where the input is above 5 */
  bovw_nn_param *fw = bovw_nn_net_find_param(net, "3.weight"), *fb = bovw_nn_net_find_param(net, "3.bias");
  memset(fw->value, 0, fw->count * sizeof(float));
  fb->value[0] = -1;
  fb->value[1] = 1;
  const float x[8] = {1, 2, 3, 4, 1, 1, 1, 9};
  bovw_error err = {0};
  ck_assert_int_eq(bovw_nn_net_forward(net, x, 2, NULL, &err), 0);
  ck_assert_int_eq(bovw_nn_net_dead_relu(net, layers, dead, 4), 2);
  ck_assert_int_eq(layers[0], 1);
  ck_assert_int_eq(layers[1], 4);
  ck_assert_double_eq_tol(dead[0], 1.0 / 3, 1e-12);
  ck_assert_double_eq_tol(dead[1], 0.5, 1e-12);
  /* Only the first sample: channel 2 never exceeds 0 there. */
  ck_assert_int_eq(bovw_nn_net_forward(net, x, 1, NULL, &err), 0);
  ck_assert_int_eq(bovw_nn_net_dead_relu(net, layers, dead, 1), 2); /* counts all, fills 1 */
  ck_assert_double_eq_tol(dead[0], 2.0 / 3, 1e-12);
  bovw_nn_net_free(net);
}
END_TEST

/* ---- training ------------------------------------------------------------------------ */

START_TEST(test_training_options_are_checked) {
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  ck_assert_ptr_null(bovw_nn_train_options_check(&o));
  ck_assert_int_eq(o.epochs, 15);
  ck_assert_int_eq(o.batch, 64);
  ck_assert_double_eq(o.lr, 0.05);
  bovw_nn_train_options bad = o;
  bad.epochs = 0;
  ck_assert_ptr_nonnull(bovw_nn_train_options_check(&bad));
  bad = o, bad.batch = 0;
  ck_assert_ptr_nonnull(bovw_nn_train_options_check(&bad));
  bad = o, bad.lr = 0;
  ck_assert_ptr_nonnull(bovw_nn_train_options_check(&bad));
  bad = o, bad.nesterov = 1, bad.momentum = 0;
  ck_assert_ptr_nonnull(bovw_nn_train_options_check(&bad));
  bad = o, bad.val_fraction = 1;
  ck_assert_ptr_nonnull(bovw_nn_train_options_check(&bad));
  bovw_nn_schedule_kind k;
  ck_assert_int_eq(bovw_nn_schedule_parse("step", &k), 0);
  ck_assert_int_eq(k, BOVW_NN_LR_STEP);
  ck_assert_int_ne(bovw_nn_schedule_parse("linear", &k), 0);
  /* step: x gamma every max(1, epochs / 3) epochs. */
  o.schedule = BOVW_NN_LR_STEP;
  o.epochs = 9;
  bovw_nn_schedule s = bovw_nn_train_options_schedule(&o);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&s, 2), 0.05, 1e-12);
  ck_assert_double_eq_tol(bovw_nn_schedule_lr(&s, 3), 0.005, 1e-12);
  cJSON *j = bovw_nn_train_options_to_json(&o);
  ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "schedule")), "step");
  ck_assert_double_eq(cJSON_GetObjectItem(j, "step_size")->valuedouble, 3);
  ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "augment")));
  ck_assert_double_eq(cJSON_GetObjectItem(j, "weight_decay")->valuedouble, 5e-4);
  cJSON_Delete(j);
}
END_TEST

START_TEST(test_same_seed_same_history_and_weights) {
  bovw_nn_net *a, *b, *c;
  bovw_nn_history *ha = train_stripes(7, 1, 1, &a);
  bovw_nn_history *hb = train_stripes(7, 2, 1, &b); /* another thread count */
  bovw_nn_history *hc = train_stripes(8, 1, 1, &c);
  ck_assert_int_eq(ha->num_epochs, 4);
  ck_assert_int_eq(hb->num_epochs, 4);
  int differs = 0;
  for (int e = 0; e < 4; e++) {
    const bovw_nn_epoch *p = &ha->epochs[e], *q = &hb->epochs[e];
    ck_assert_int_eq(p->epoch, e + 1);
    ck_assert_double_eq(p->train_loss, q->train_loss);
    ck_assert_double_eq(p->train_acc, q->train_acc);
    ck_assert_double_eq(p->val_loss, q->val_loss);
    ck_assert_double_eq(p->val_acc, q->val_acc);
    ck_assert_double_eq(p->lr, q->lr);
    ck_assert(isfinite(p->val_loss));
    differs |= p->train_loss != hc->epochs[e].train_loss;
  }
  ck_assert_int_eq(ha->num_relu, 2);
  ck_assert(!memcmp(ha->dead, hb->dead, 4 * 2 * sizeof(double)));
  ck_assert_msg(same_params(a, b), "same seed, same weights");
  ck_assert_msg(!same_params(a, c), "another seed, other weights");
  ck_assert_msg(differs, "another seed, another history");
  bovw_nn_history_free(ha);
  bovw_nn_history_free(hb);
  bovw_nn_history_free(hc);
  bovw_nn_net_free(a);
  bovw_nn_net_free(b);
  bovw_nn_net_free(c);
}
END_TEST

typedef struct epoch_count {
  int calls, last_epoch;
} epoch_count;

static void count_epoch(void *ctx, const bovw_nn_history *h) {
  epoch_count *c = ctx;
  c->calls++;
  c->last_epoch = h->epochs[h->num_epochs - 1].epoch;
}

START_TEST(test_history_follows_the_schedule_and_learns) {
  bovw_nn_data *train = stripes(64, 1);
  bovw_nn_net *net = make_net(STRIPES_SPEC, 0, 3, 1);
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  o.epochs = 12;
  o.batch = 16;
  o.threads = 1;
  o.schedule = BOVW_NN_LR_STEP; /* x0.1 every 4 epochs */
  bovw_nn_history *h;
  epoch_count count = {0, 0};
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_train(net, train, NULL, NULL, &o, NULL, count_epoch, &count, &h, &err) == 0,
                "%s", err.message);
  ck_assert_int_eq(count.calls, 12);
  ck_assert_int_eq(count.last_epoch, 12);
  ck_assert_int_eq(h->num_epochs, 12);
  ck_assert_double_eq_tol(h->epochs[3].lr, 0.05, 1e-12);
  ck_assert_double_eq_tol(h->epochs[4].lr, 0.005, 1e-12);
  ck_assert_double_eq_tol(h->epochs[11].lr, 0.0005, 1e-12);
  ck_assert(isnan(h->epochs[0].val_loss) && isnan(h->epochs[0].val_acc));
  ck_assert_int_eq(h->relu_layers[0], 2);
  ck_assert_int_eq(h->relu_layers[1], 6);
  ck_assert_double_lt(h->epochs[11].train_loss, h->epochs[0].train_loss);
  ck_assert_double_ge(h->epochs[11].train_acc, 0.9);
  ck_assert_double_gt(h->images_per_second, 0);
  ck_assert_int_eq(bovw_nn_net_training(net), 0); /* left in evaluation mode */
  bovw_nn_history_free(h);
  bovw_nn_net_free(net);
  bovw_nn_data_free(train);
}
END_TEST

START_TEST(test_a_diverging_run_stops_cleanly_and_says_so) {
  /* No batch norm and a learning rate of 100: the logits overflow within a
   * few steps, and the loss is no longer a number. */
  static const char MLP[] = "input 1x8x8\nflatten\nfc 16\nrelu\nfc 2\nsoftmax\n";
  bovw_nn_data *train = stripes(64, 1), *val = stripes(16, 2);
  bovw_nn_net *net = make_net(MLP, 0, 3, 1);
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  o.epochs = 20;
  o.batch = 8;
  o.threads = 1;
  o.lr = 100;
  o.schedule = BOVW_NN_LR_CONSTANT;
  listener l;
  bovw_monitor mon = listening(&l);
  epoch_count count = {0, 0};
  bovw_nn_history *h;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_train(net, train, val, NULL, &o, &mon, count_epoch, &count, &h, &err) == 0,
                "%s", err.message);
  ck_assert_int_lt(h->num_epochs, 20);
  ck_assert_int_eq(count.calls, h->num_epochs); /* the last epoch is reported too */
  for (int e = 0; e < h->num_epochs - 1; e++) ck_assert_int_eq(h->epochs[e].diverged, 0);
  const bovw_nn_epoch *last = &h->epochs[h->num_epochs - 1];
  ck_assert_int_eq(last->diverged, 1);
  ck_assert(!isfinite(last->train_loss) || !isfinite(last->val_loss));
  ck_assert_int_eq(l.warnings, 1);
  ck_assert_msg(strstr(l.last, "diverged"), "%s", l.last);
  ck_assert_int_eq(bovw_nn_net_training(net), 0);
  /* curve.csv ends with the epoch that diverged, and says so. */
  const char *csv = test_path(dir, "curve.csv");
  ck_assert_int_eq(bovw_nn_curve_write_csv(h, csv, &err), 0);
  char *text = test_read_text(csv), *end = text + strlen(text) - 1;
  ck_assert(*end == '\n');
  while (end > text && end[-1] != '\n') end--;
  ck_assert_msg(strstr(end, ",diverged,"), "%s", text);
  free(text);
  bovw_nn_history_free(h);
  bovw_nn_net_free(net);
  /* The same net at the default rate trains all its epochs. */
  net = make_net(MLP, 0, 3, 1);
  o.lr = 0.05;
  o.epochs = 4;
  ck_assert_int_eq(bovw_nn_train(net, train, val, NULL, &o, &mon, NULL, NULL, &h, &err), 0);
  ck_assert_int_eq(h->num_epochs, 4);
  ck_assert_int_eq(h->epochs[3].diverged, 0);
  ck_assert_int_eq(l.warnings, 1);
  bovw_nn_history_free(h);
  bovw_nn_net_free(net);
  bovw_nn_data_free(train);
  bovw_nn_data_free(val);
}
END_TEST

START_TEST(test_training_refuses_data_the_net_cannot_take) {
  bovw_nn_net *net = make_net(STRIPES_SPEC, 0, 3, 1);
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  o.epochs = 1;
  bovw_error err = {0};
  bovw_nn_data *wrong = data_by_hand(4, 1, 4, 4, 2);
  ck_assert_int_eq(bovw_nn_train(net, wrong, NULL, NULL, &o, NULL, NULL, NULL, NULL, &err),
                   BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "1x4x4"), "%s", err.message);
  bovw_nn_data_free(wrong);
  bovw_nn_data *labels = stripes(4, 1);
  labels->labels[2] = 2; /* the net scores 2 classes */
  ck_assert_int_eq(bovw_nn_train(net, labels, NULL, NULL, &o, NULL, NULL, NULL, NULL, &err),
                   BOVW_ERR_MISMATCH);
  bovw_nn_data_free(labels);
  bovw_nn_net_free(net);
  /* Augmentation on vectors. */
  net = make_net("input 4x1x1\nfc 2\nsoftmax\n", 0, 1, 1);
  bovw_nn_data *vectors = data_by_hand(4, 4, 1, 1, 2);
  o.augment = 1;
  ck_assert_int_eq(bovw_nn_train(net, vectors, NULL, NULL, &o, NULL, NULL, NULL, NULL, &err),
                   BOVW_ERR_INVALID);
  bovw_nn_data_free(vectors);
  bovw_nn_net_free(net);
}
END_TEST

/* ---- learning curves -------------------------------------------------------------------- */

START_TEST(test_curves_have_a_line_per_epoch) {
  bovw_nn_history *h = train_stripes(7, 1, 0, NULL);
  bovw_error err = {0};
  const char *csv = test_path(dir, "curve.csv");
  ck_assert_int_eq(bovw_nn_curve_write_csv(h, csv, &err), 0);
  char *text = test_read_text(csv);
  /* The epoch's figures, then a gradient norm per conv or fc layer and a
   * dead share per ReLU layer, named by layer index. */
  char header[512] = "epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds";
  for (int k = 0; k < h->num_weighted; k++)
    snprintf(header + strlen(header), sizeof header - strlen(header), ",grad_norm_%d",
             h->weighted_layers[k]);
  for (int k = 0; k < h->num_relu; k++)
    snprintf(header + strlen(header), sizeof header - strlen(header), ",dead_relu_%d",
             h->relu_layers[k]);
  strcat(header, "\n");
  ck_assert_int_gt(h->num_weighted, 0);
  ck_assert_msg(!strncmp(text, header, strlen(header)), "header: %.200s", text);
  int lines = 0;
  for (char *p = text; *p; p++) lines += *p == '\n';
  ck_assert_int_eq(lines, 1 + h->num_epochs);
  char first[64];
  snprintf(first, sizeof first, "\n1,%.9g,%.9g,", h->epochs[0].lr, h->epochs[0].train_loss);
  ck_assert_msg(strstr(text, first), "%s not in %s", first, text);
  free(text);
  const char *svg = test_path(dir, "curve.svg");
  ck_assert_int_eq(bovw_nn_curve_write_svg(h, "a <title> & more", svg, &err), 0);
  text = test_read_text(svg);
  ck_assert(!strncmp(text, "<?xml", 5));
  ck_assert_ptr_nonnull(strstr(text, "a &lt;title&gt; &amp; more"));
  ck_assert_ptr_nonnull(strstr(text, "validation"));
  ck_assert_ptr_nonnull(strstr(text, "</svg>"));
  int polylines = 0;
  for (char *p = text; (p = strstr(p, "<polyline")); p++) polylines++;
  ck_assert_int_eq(polylines, 4); /* loss and accuracy, training and validation */
  free(text);
  bovw_nn_history_free(h);
}
END_TEST

/* ---- the net folder ------------------------------------------------------------------------ */

START_TEST(test_net_folder_round_trip) {
  bovw_nn_net *net;
  bovw_nn_history *h = train_stripes(7, 1, 0, &net);
  static char *names[2] = {"horizontal", "vertical"};
  float mean[1] = {0.123456789f}, sd[1] = {0.3f};
  bovw_nn_model m = {net, {1, mean, sd}, 2, names, 0, cJSON_CreateObject()};
  cJSON_AddStringToObject(m.meta, "note", "kept");
  cJSON_AddNumberToObject(m.meta, "num_classes", 99); /* the save's value wins */
  char *out = strdup(test_path(dir, "net"));
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_model_save(&m, STRIPES_SPEC, h, out, &err) == 0, "%s", err.message);
  cJSON_Delete(m.meta);
  char *spec = test_read_text(test_path(out, "spec.cfg"));
  ck_assert_str_eq(spec, STRIPES_SPEC);
  free(spec);
  struct stat st;
  ck_assert_int_eq(stat(test_path(out, "curve.csv"), &st), 0);
  ck_assert_int_eq(stat(test_path(out, "curve.svg"), &st), 0);

  bovw_nn_model *back;
  ck_assert_msg(bovw_nn_model_open(out, 1, &back, &err) == 0, "%s", err.message);
  ck_assert_msg(same_params(net, back->net), "the weights come back");
  ck_assert_int_eq(bovw_nn_net_training(back->net), 0);
  ck_assert_uint_eq(back->num_classes, 2);
  ck_assert_str_eq(back->class_names[1], "vertical");
  ck_assert_int_eq(back->norm.channels, 1);
  ck_assert_msg(back->norm.mean[0] == mean[0] && back->norm.std[0] == sd[0],
                "the normalisation comes back to the bit");
  ck_assert_int_eq(back->from_encodings, 0);
  const cJSON *meta = back->meta;
  ck_assert_str_eq(bovw_meta_string(meta, "kind", ""), "net");
  ck_assert_str_eq(bovw_meta_string(meta, "note", ""), "kept");
  ck_assert_double_eq(bovw_meta_number(meta, "num_classes", 0), 2);
  const cJSON *hist = cJSON_GetObjectItem(meta, "history");
  ck_assert_int_eq(cJSON_GetArraySize(hist), h->num_epochs);
  const cJSON *last = cJSON_GetArrayItem(hist, h->num_epochs - 1);
  ck_assert_double_eq(bovw_meta_number(last, "train_loss", -1),
                      h->epochs[h->num_epochs - 1].train_loss);
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(last, "dead_relu")), 2);
  int64_t trainable = 0;
  for (size_t i = 0; i < bovw_nn_net_num_params(net); i++)
    if (bovw_nn_net_param(net, i)->trainable) trainable += (int64_t)bovw_nn_net_param(net, i)->count;
  ck_assert_double_eq(bovw_meta_number(meta, "params", 0), (double)trainable);
  ck_assert_int_eq(stat(test_path(out, "weights.safetensors"), &st), 0);
  ck_assert_double_eq(bovw_meta_number(meta, "model_bytes", 0), (double)st.st_size);
  bovw_nn_model_free(back);

  /* A meta.json whose normalisation has the wrong length is refused. */
  char *text = test_read_text(test_path(out, "meta.json"));
  cJSON *j = cJSON_Parse(text);
  free(text);
  cJSON *norm = cJSON_GetObjectItem(j, "normalization");
  cJSON_AddItemToArray(cJSON_GetObjectItem(norm, "std"), cJSON_CreateNumber(1));
  ck_assert_int_eq(bovw_meta_write(out, j, &err), 0);
  ck_assert_int_eq(bovw_nn_model_open(out, 1, &back, &err), BOVW_ERR_FORMAT);
  ck_assert_msg(strstr(err.message, "normalization.std"), "%s", err.message);
  /* So is one that names another number of classes than the net scores. */
  cJSON_DeleteItemFromArray(cJSON_GetObjectItem(norm, "std"), 1);
  cJSON_AddItemToArray(cJSON_GetObjectItem(j, "classes"), cJSON_CreateString("third"));
  ck_assert_int_eq(bovw_meta_write(out, j, &err), 0);
  ck_assert_int_eq(bovw_nn_model_open(out, 1, &back, &err), BOVW_ERR_FORMAT);
  cJSON_Delete(j);
  /* And another artifact kind. */
  ck_assert_int_ne(bovw_nn_model_open(dir, 1, &back, &err), 0);
  free(out);
  bovw_nn_history_free(h);
  bovw_nn_net_free(net);
}
END_TEST

/* ---- the commands as library calls --------------------------------------------------------- */

static bovw_nn_train_options quick_options(void) {
  bovw_nn_train_options o;
  bovw_nn_train_options_default(&o);
  o.epochs = 8;
  o.batch = 8;
  o.threads = 1;
  o.seed = 5;
  return o;
}

START_TEST(test_eval_on_the_training_data_of_a_separable_set_is_perfect) {
  char *train = separable_manifest("train", 12, 1);
  test_write_text(test_path(dir, "separable.cfg"), SEPARABLE_SPEC);
  bovw_nn_train_options o = quick_options();
  bovw_nn_source src = {train, NULL};
  bovw_nn_train_summary s;
  bovw_error err = {0};
  const char *net = strdup(test_path(dir, "net"));
  ck_assert_msg(bovw_nn_train_run(test_path(dir, "separable.cfg"), &src, &o, net, NULL, NULL,
                                  NULL, &s, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(s.train_count, 24);
  ck_assert_uint_eq(s.num_classes, 2);
  bovw_report *r;
  ck_assert_msg(bovw_nn_eval_run(net, &src, 1, test_path(dir, "report"), NULL, &r, &err) == 0,
                "%s", err.message);
  ck_assert_uint_eq(r->count, 24);
  ck_assert_double_eq(r->accuracy, 1.0);
  bovw_report_free(r);
  cJSON *info;
  ck_assert_int_eq(bovw_report_read(test_path(dir, "report"), &r, &info, &err), 0);
  ck_assert_str_eq(bovw_meta_string(info, "kind", ""), "nn");
  ck_assert_str_eq(bovw_meta_string(info, "spec", ""), "separable");
  ck_assert_double_eq(bovw_meta_number(info, "dim", 0), 64);
  ck_assert_double_gt(bovw_meta_number(info, "images_per_second", 0), 0);
  ck_assert_double_gt(bovw_meta_number(info, "model_bytes", 0), 0);
  cJSON_Delete(info);
  bovw_report_free(r);
  /* The meta.json keeps the normalisation of the training images and the
   * options. */
  bovw_nn_model *m;
  ck_assert_int_eq(bovw_nn_model_open(net, 1, &m, &err), 0);
  ck_assert_float_gt(m->norm.mean[0], 0.3f); /* 40 and 200 in halves, 0..1 */
  ck_assert_float_lt(m->norm.mean[0], 0.6f);
  const cJSON *opts = cJSON_GetObjectItem(m->meta, "options");
  ck_assert_double_eq(bovw_meta_number(opts, "epochs", 0), 8);
  ck_assert_double_eq(bovw_meta_number(opts, "seed", -1), 5);
  ck_assert_str_eq(bovw_meta_string(cJSON_GetObjectItem(m->meta, "spec"), "name", ""), "separable");
  bovw_nn_model_free(m);

  /* A manifest whose classes are named otherwise is refused. */
  static char *const renamed[2] = {"left", "up"};
  bovw_manifest *other = manifest_of(renamed, 2);
  add(other, "../img/left/train-0.png", 0);
  add(other, "../img/right/train-0.png", 1);
  mkdir(test_path(dir, "other"), 0755);
  char *other_path = strdup(test_path(dir, "other/test.tsv"));
  ck_assert_int_eq(bovw_manifest_write(other_path, other, NULL, 0, &err), 0);
  ck_assert_int_eq(bovw_classes_write(test_path(dir, "other/classes.txt"), other, &err), 0);
  bovw_manifest_free(other);
  bovw_nn_source renamed_src = {other_path, NULL};
  ck_assert_int_eq(bovw_nn_eval_run(net, &renamed_src, 1, test_path(dir, "report2"), NULL, NULL,
                                    &err), BOVW_ERR_MISMATCH);
  free(other_path);
  ck_assert_msg(strstr(err.message, "'up'"), "%s", err.message);
  /* Encodings are refused for a net trained on images. */
  bovw_nn_source enc = {NULL, dir};
  ck_assert_int_eq(bovw_nn_eval_run(net, &enc, 1, test_path(dir, "report2"), NULL, NULL, &err),
                   BOVW_ERR_MISMATCH);
  free((char *)net);
  free(train);
}
END_TEST

START_TEST(test_train_run_same_seed_same_weights_file) {
  char *train = separable_manifest("train", 8, 2);
  test_write_text(test_path(dir, "separable.cfg"), SEPARABLE_SPEC);
  bovw_nn_train_options o = quick_options();
  o.epochs = 3;
  o.augment = 1;
  o.val_fraction = 0.25;
  bovw_nn_source src = {train, NULL};
  bovw_error err = {0};
  const char *names[3] = {"a", "b", "c"};
  for (int k = 0; k < 3; k++) {
    o.seed = k < 2 ? 5 : 6;
    char *out = strdup(test_path(dir, names[k]));
    ck_assert_msg(bovw_nn_train_run(test_path(dir, "separable.cfg"), &src, &o, out, NULL, NULL,
                                    NULL, NULL, &err) == 0, "%s", err.message);
    free(out);
  }
  unsigned char *wa, *wb, *wc;
  size_t na, nb, nc;
  char *pa = strdup(test_path(dir, "a/weights.safetensors"));
  char *pb = strdup(test_path(dir, "b/weights.safetensors"));
  char *pc = strdup(test_path(dir, "c/weights.safetensors"));
  ck_assert_int_eq(bovw_read_file(pa, 0, &wa, &na, &err), 0);
  ck_assert_int_eq(bovw_read_file(pb, 0, &wb, &nb, &err), 0);
  ck_assert_int_eq(bovw_read_file(pc, 0, &wc, &nc, &err), 0);
  ck_assert(na == nb && !memcmp(wa, wb, na));
  ck_assert(na == nc && memcmp(wa, wc, na));
  /* The held-out quarter: 2 of each class's 8. */
  bovw_nn_model *m;
  ck_assert_int_eq(bovw_nn_model_open(test_path(dir, "a"), 1, &m, &err), 0);
  const cJSON *t = cJSON_GetObjectItem(m->meta, "train");
  ck_assert_double_eq(bovw_meta_number(t, "val_count", 0), 4);
  ck_assert_double_eq(bovw_meta_number(t, "count", 0), 12);
  const cJSON *e1 = cJSON_GetArrayItem(cJSON_GetObjectItem(m->meta, "history"), 0);
  ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(e1, "val_acc")));
  bovw_nn_model_free(m);
  free(wa);
  free(wb);
  free(wc);
  free(pa);
  free(pb);
  free(pc);
  free(train);
}
END_TEST

/* An encodings folder by hand: n vectors of dim 4, named classes, a
 * codebook checksum. The first value is 10 -+ 1 by class: separable once
 * centred, while a net fed the raw values (eval forgetting the
 * normalisation) sees one class. */
static void write_encodings(const char *out, const char *sha256, int n) {
  bovw_error err = {0};
  ck_assert_int_eq(bovw_artifact_begin(out, &err), 0);
  float *v = malloc((size_t)n * 4 * sizeof *v);
  int32_t *labels = malloc((size_t)n * sizeof *labels);
  bovw_rng rng;
  bovw_rng_seed(&rng, 9);
  for (int i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (int k = 0; k < 4; k++) v[i * 4 + k] = (float)(bovw_rng_uniform(&rng) - 0.5);
    v[i * 4] = (labels[i] ? 11.0f : 9.0f) + v[i * 4] * 0.2f;
  }
  int64_t vs[2] = {n, 4}, ls[1] = {n};
  char *vp = strdup(test_path(out, "encodings.npy")), *lp = strdup(test_path(out, "labels.npy"));
  ck_assert_int_eq(bovw_npy_write(vp, BOVW_DTYPE_FLOAT32, 2, vs, v, &err), 0);
  ck_assert_int_eq(bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, ls, labels, &err), 0);
  cJSON *meta = bovw_meta_new("encodings");
  const char *classes[2] = {"neg", "pos"};
  cJSON_AddItemToObject(meta, "classes", cJSON_CreateStringArray(classes, 2));
  cJSON_AddNumberToObject(meta, "dim", 4);
  cJSON *cb = cJSON_AddObjectToObject(meta, "codebook");
  cJSON_AddStringToObject(cb, "sha256", sha256);
  cJSON *params = cJSON_AddObjectToObject(meta, "params");
  cJSON_AddStringToObject(params, "encoding", "hist");
  ck_assert_int_eq(bovw_meta_write(out, meta, &err), 0);
  cJSON_Delete(meta);
  free(vp);
  free(lp);
  free(v);
  free(labels);
}

START_TEST(test_an_mlp_head_on_encodings_and_its_refusals) {
  char *etr = strdup(test_path(dir, "etr")), *ete = strdup(test_path(dir, "ete"));
  char *other = strdup(test_path(dir, "eother")), *net = strdup(test_path(dir, "net"));
  write_encodings(etr, "aaaa", 32);
  write_encodings(ete, "aaaa", 10);
  write_encodings(other, "bbbb", 10);
  bovw_nn_train_options o = quick_options();
  bovw_nn_source src = {NULL, etr};
  bovw_error err = {0};
  /* The input line may be left out (dim x 1 x 1 then) or say 4x1x1. */
  test_write_text(test_path(dir, "head.cfg"), "fc 8\nrelu\nfc classes\nsoftmax\n");
  test_write_text(test_path(dir, "head4.cfg"), "input 4x1x1\nfc 8\nrelu\nfc classes\nsoftmax\n");
  test_write_text(test_path(dir, "head-bad.cfg"), "input 1x3x3\nfc classes\nsoftmax\n");
  char *spec = strdup(test_path(dir, "head.cfg"));
  ck_assert_msg(bovw_nn_train_run(spec, &src, &o, net, NULL, NULL, NULL, NULL, &err) == 0, "%s",
                err.message);
  ck_assert_int_eq(bovw_nn_train_run(test_path(dir, "head4.cfg"), &src, &o,
                                     test_path(dir, "net4"), NULL, NULL, NULL, NULL, &err), 0);
  ck_assert_int_eq(bovw_nn_train_run(test_path(dir, "head-bad.cfg"), &src, &o,
                                     test_path(dir, "netbad"), NULL, NULL, NULL, NULL, &err),
                   BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "4x1x1"), "%s", err.message);
  o.augment = 1;
  ck_assert_int_eq(bovw_nn_train_run(spec, &src, &o, test_path(dir, "netaug"), NULL, NULL, NULL,
                                     NULL, &err), BOVW_ERR_INVALID);
  /* Evaluation: encodings like the training ones are scored... */
  bovw_nn_source test = {NULL, ete};
  bovw_report *r;
  ck_assert_msg(bovw_nn_eval_run(net, &test, 1, test_path(dir, "report"), NULL, &r, &err) == 0,
                "%s", err.message);
  ck_assert_double_eq(r->accuracy, 1.0);
  bovw_report_free(r);
  /* ...others are refused, naming the codebook; a manifest too. */
  bovw_nn_source wrong = {NULL, other};
  ck_assert_int_eq(bovw_nn_eval_run(net, &wrong, 1, test_path(dir, "report2"), NULL, NULL, &err),
                   BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "another codebook"), "%s", err.message);
  bovw_nn_source images = {spec, NULL};
  ck_assert_int_eq(bovw_nn_eval_run(net, &images, 1, test_path(dir, "report2"), NULL, NULL, &err),
                   BOVW_ERR_MISMATCH);
  /* The net keeps the identity of its encodings. */
  bovw_nn_model *m;
  ck_assert_int_eq(bovw_nn_model_open(net, 1, &m, &err), 0);
  ck_assert_int_eq(m->from_encodings, 1);
  ck_assert_int_eq(m->norm.channels, 4);
  const cJSON *id = cJSON_GetObjectItem(m->meta, "encodings");
  ck_assert_double_eq(bovw_meta_number(id, "dim", 0), 4);
  ck_assert_str_eq(bovw_meta_string(cJSON_GetObjectItem(id, "codebook"), "sha256", ""), "aaaa");
  /* Other parameters, and another dimension, are refused by name. */
  bovw_encodings fake = {0};
  fake.meta = cJSON_Duplicate(cJSON_GetObjectItem(m->meta, "encodings"), 1);
  fake.dim = 4;
  cJSON_ReplaceItemInObject(cJSON_GetObjectItem(fake.meta, "params"), "encoding",
                            cJSON_CreateString("vlad"));
  ck_assert_int_eq(bovw_nn_model_check_encodings(m, &fake, "fake", &err), BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "encoding is \"vlad\""), "%s", err.message);
  fake.dim = 5;
  ck_assert_int_eq(bovw_nn_model_check_encodings(m, &fake, "fake", &err), BOVW_ERR_MISMATCH);
  ck_assert_msg(strstr(err.message, "5-dimensional"), "%s", err.message);
  cJSON_Delete(fake.meta);
  bovw_nn_model_free(m);
  free(spec);
  free(etr);
  free(ete);
  free(other);
  free(net);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_train");
  TCase *tc = tcase_create("nn_train");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_manifest_loads_into_one_tensor_of_the_spec_shape);
  tcase_add_test(tc, test_bad_images_are_skipped_with_a_warning);
  tcase_add_test(tc, test_loading_does_not_depend_on_the_thread_count);
  tcase_add_test(tc, test_normalisation_uses_each_channels_mean_and_deviation);
  tcase_add_test(tc, test_augmentation_is_seeded_crops_and_flips_and_keeps_shapes);
  tcase_add_test(tc, test_holdout_is_stratified_seeded_and_moves_whole_samples);
  tcase_add_test(tc, test_dead_relu_counts_units_zero_for_the_whole_batch);
  tcase_add_test(tc, test_training_options_are_checked);
  tcase_add_test(tc, test_same_seed_same_history_and_weights);
  tcase_add_test(tc, test_history_follows_the_schedule_and_learns);
  tcase_add_test(tc, test_a_diverging_run_stops_cleanly_and_says_so);
  tcase_add_test(tc, test_training_refuses_data_the_net_cannot_take);
  tcase_add_test(tc, test_curves_have_a_line_per_epoch);
  tcase_add_test(tc, test_net_folder_round_trip);
  tcase_add_test(tc, test_eval_on_the_training_data_of_a_separable_set_is_perfect);
  tcase_add_test(tc, test_train_run_same_seed_same_weights_file);
  tcase_add_test(tc, test_an_mlp_head_on_encodings_and_its_refusals);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
