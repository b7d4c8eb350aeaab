/* test_extract.c: PHOW on synthetic images, the features artifact, threads,
 * shards and merge. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/artifact.h"
#include "bovw/dataset.h"
#include "bovw/extract.h"
#include "bovw/fs.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = test_tmpdir(); }
static void teardown(void) { test_rmtree(dir); dir = NULL; }

/* A w x h gray image whose pixel is f(x, y). */
static bovw_image *gray_image(int w, int h, float (*f)(int, int)) {
  bovw_image *img = bovw_image_new(w, h, 1);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) img->pixels[y * w + x] = f(x, y);
  return img;
}
static float vertical_edge(int x, int y) { (void)y; return x < 40 ? 0.1f : 0.9f; }
static float horizontal_edge(int x, int y) { (void)x; return y < 40 ? 0.1f : 0.9f; }
static float flat(int x, int y) { (void)x; (void)y; return 0.5f; }
static float texture(int x, int y) {
  return 0.5f + 0.25f * sinf(0.3f * x) * cosf(0.21f * y) + 0.2f * ((x * 7 + y * 13) % 5 == 0);
}

static bovw_phow_result run_phow(const bovw_extract_params *p, const bovw_image *img,
                                 bovw_phow **keep) {
  bovw_phow *phow;
  bovw_error err;
  ck_assert_msg(bovw_phow_new(p, &phow, &err) == 0, "%s", err.message);
  bovw_phow_result r;
  ck_assert_msg(bovw_phow_process(phow, img, &r, &err) == 0, "%s", err.message);
  *keep = phow;
  return r;
}

/* The number of dense SIFT keypoints VLFeat's documentation gives for one
 * bin size: 4 x 4 spatial bins of `size` pixels whose first centre sits at
 * the bound, on a grid of `step` within [bound, side - 1]. */
static size_t grid_count(int w, int h, int size, int max_size, int step) {
  int off = (int)floor(1 + 1.5 * (max_size - size)) - 1;
  int rx = (w - 1) - off - 3 * size, ry = (h - 1) - off - 3 * size;
  if (rx < 0 || ry < 0) return 0;
  return (size_t)(rx / step + 1) * (size_t)(ry / step + 1);
}

START_TEST(test_keypoint_count_matches_the_grid_formula) {
  const int dims[][2] = {{80, 80}, {123, 57}, {41, 200}, {30, 30}};
  const int steps[] = {3, 2, 5, 3};
  for (int t = 0; t < 4; t++) {
    bovw_extract_params p;
    bovw_extract_params_default(&p);
    p.step = steps[t];
    bovw_image *img = gray_image(dims[t][0], dims[t][1], texture);
    bovw_phow *phow;
    bovw_phow_result r = run_phow(&p, img, &phow);
    size_t want = 0;
    for (int i = 0; i < p.num_sizes; i++)
      want += grid_count(dims[t][0], dims[t][1], p.sizes[i], 10, p.step);
    ck_assert_msg(r.count == want, "%dx%d step %d: %zu keypoints, formula %zu",
                  dims[t][0], dims[t][1], p.step, r.count, want);
    ck_assert_int_eq(r.dim, 128);
    bovw_phow_free(phow);
    bovw_image_free(img);
  }
}
END_TEST

START_TEST(test_all_scales_share_keypoint_centres) {
  bovw_extract_params p;
  bovw_extract_params_default(&p);
  bovw_image *img = gray_image(90, 70, texture);
  bovw_phow *phow;
  bovw_phow_result r = run_phow(&p, img, &phow);
  /* Every centre of the largest size is a centre of every other size. */
  for (size_t a = 0; a < r.count; a++) {
    if (r.frames[4 * a + 2] != 10) continue;
    for (int s = 4; s <= 8; s += 2) {
      int found = 0;
      for (size_t b = 0; b < r.count && !found; b++)
        found = r.frames[4 * b + 2] == s && r.frames[4 * b] == r.frames[4 * a] &&
                r.frames[4 * b + 1] == r.frames[4 * a + 1];
      ck_assert_msg(found, "centre (%g,%g) of size 10 missing at size %d",
                    r.frames[4 * a], r.frames[4 * a + 1], s);
    }
  }
  /* And the first centre of every size is the same point. */
  ck_assert_float_eq(r.frames[0], 15);
  ck_assert_float_eq(r.frames[1], 15);
  bovw_phow_free(phow);
  bovw_image_free(img);
}
END_TEST

/* Share of descriptor mass in orientation bin t (orientation is the fastest
 * index of VLFeat's layout), over keypoints that see the edge. */
static double orientation_share(const bovw_phow_result *r, int t) {
  double in = 0, all = 0;
  const uint8_t *d = r->descriptors;
  for (size_t k = 0; k < r->count; k++)
    for (int i = 0; i < 128; i++) {
      all += d[k * 128 + i];
      if (i % 8 == t) in += d[k * 128 + i];
    }
  return all > 0 ? in / all : 0;
}

START_TEST(test_edges_put_their_energy_in_the_expected_orientation_bins) {
  bovw_extract_params p;
  bovw_extract_params_default(&p);
  bovw_image *v = gray_image(80, 80, vertical_edge), *h = gray_image(80, 80, horizontal_edge);
  bovw_phow *pv, *ph;
  bovw_phow_result rv = run_phow(&p, v, &pv), rh = run_phow(&p, h, &ph);
  /* Dark to bright along +x: gradient angle 0, bin 0. Along +y (image y
   * points down): angle pi/2, bin 2 of 8. */
  ck_assert_msg(orientation_share(&rv, 0) > 0.9, "vertical edge: bin 0 has %.2f",
                orientation_share(&rv, 0));
  ck_assert_msg(orientation_share(&rh, 2) > 0.9, "horizontal edge: bin 2 has %.2f",
                orientation_share(&rh, 2));
  bovw_phow_free(pv);
  bovw_phow_free(ph);
  bovw_image_free(v);
  bovw_image_free(h);
}
END_TEST

START_TEST(test_flat_image_keeps_its_grid_with_zeroed_descriptors) {
  bovw_extract_params p;
  bovw_extract_params_default(&p);
  bovw_image *img = gray_image(60, 60, flat);
  bovw_phow *phow;
  bovw_phow_result r = run_phow(&p, img, &phow);
  ck_assert_uint_gt(r.count, 0);
  ck_assert_uint_eq(r.zeroed, r.count);
  const uint8_t *d = r.descriptors;
  for (size_t i = 0; i < r.count * 128; i++) ck_assert_uint_eq(d[i], 0);
  for (size_t k = 0; k < r.count; k++) ck_assert_float_lt(r.frames[4 * k + 3], 0.005f);
  bovw_phow_free(phow);
  bovw_image_free(img);
  /* With a textured image, most descriptors survive, and none is zeroed
   * when the threshold is 0. */
  img = gray_image(60, 60, texture);
  p.contrast_threshold = 0;
  r = run_phow(&p, img, &phow);
  ck_assert_uint_eq(r.zeroed, 0);
  bovw_phow_free(phow);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_colour_descriptors_are_three_channels_concatenated) {
  bovw_extract_params p;
  bovw_extract_params_default(&p);
  bovw_image *gray = gray_image(64, 48, texture);
  const bovw_color colors[] = {BOVW_COLOR_RGB, BOVW_COLOR_HSV, BOVW_COLOR_OPPONENT};
  for (int c = 0; c < 3; c++) {
    p.color = colors[c];
    p.contrast_threshold = 0;
    bovw_phow *phow;
    bovw_phow_result r = run_phow(&p, gray, &phow);
    ck_assert_int_eq(r.dim, 384);
    ck_assert_int_eq(bovw_extract_params_dim(&p), 384);
    if (colors[c] == BOVW_COLOR_RGB) {
      /* A gray image repeated in R, G and B gives three equal blocks. */
      const uint8_t *d = r.descriptors;
      for (size_t k = 0; k < r.count; k++) {
        ck_assert_mem_eq(d + k * 384, d + k * 384 + 128, 128);
        ck_assert_mem_eq(d + k * 384, d + k * 384 + 256, 128);
      }
    }
    bovw_phow_free(phow);
  }
  bovw_image_free(gray);
}
END_TEST

START_TEST(test_frames_are_in_the_original_image_coordinates) {
  bovw_extract_params p;
  bovw_extract_params_default(&p);
  p.max_side = 100;
  bovw_image *img = gray_image(200, 120, texture);
  bovw_phow *phow;
  bovw_phow_result r = run_phow(&p, img, &phow);
  ck_assert_int_eq(r.width, 200);
  ck_assert_int_eq(r.height, 120);
  float max_x = 0;
  for (size_t k = 0; k < r.count; k++) {
    ck_assert_float_ge(r.frames[4 * k], 0);
    ck_assert_float_le(r.frames[4 * k], 199);
    ck_assert_float_le(r.frames[4 * k + 1], 119);
    if (r.frames[4 * k] > max_x) max_x = r.frames[4 * k];
    float s = r.frames[4 * k + 2];
    ck_assert_msg(s == 8 || s == 12 || s == 16 || s == 20, "bin size %g", s);
  }
  ck_assert_float_gt(max_x, 150);  /* the keypoints span the original width */
  /* The working image was 100 x 60: the grid is that of 100 x 60. */
  size_t want = 0;
  for (int i = 0; i < p.num_sizes; i++) want += grid_count(100, 60, p.sizes[i], 10, 3);
  ck_assert_uint_eq(r.count, want);
  bovw_phow_free(phow);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_tiny_images_are_enlarged_to_min_side) {
  bovw_extract_params p;
  bovw_extract_params_default(&p);
  bovw_image *img = gray_image(28, 21, texture);
  bovw_phow *phow;
  /* 28 pixels leave no room for 4 bins of 10 pixels: no keypoint. */
  bovw_phow_result r = run_phow(&p, img, &phow);
  ck_assert_uint_eq(r.count, 0);
  bovw_phow_free(phow);
  /* Enlarged to 112 x 84, the grid is that of 112 x 84, and the frames are
   * mapped back into the 28 x 21 image with bin sizes divided by 4. */
  p.min_side = 112;
  r = run_phow(&p, img, &phow);
  ck_assert_int_eq(r.width, 28);
  ck_assert_int_eq(r.height, 21);
  size_t want = 0;
  for (int i = 0; i < p.num_sizes; i++) want += grid_count(112, 84, p.sizes[i], 10, 3);
  ck_assert_uint_gt(want, 0);
  ck_assert_uint_eq(r.count, want);
  for (size_t k = 0; k < r.count; k++) {
    ck_assert_float_ge(r.frames[4 * k], 0);
    ck_assert_float_le(r.frames[4 * k], 27);
    ck_assert_float_le(r.frames[4 * k + 1], 20);
    float s = r.frames[4 * k + 2];
    ck_assert_msg(s == 1 || s == 1.5f || s == 2 || s == 2.5f, "bin size %g", s);
  }
  bovw_phow_free(phow);
  /* An image already as large is left alone. */
  bovw_image *big = gray_image(150, 60, texture);
  r = run_phow(&p, big, &phow);
  want = 0;
  for (int i = 0; i < p.num_sizes; i++) want += grid_count(150, 60, p.sizes[i], 10, 3);
  ck_assert_uint_eq(r.count, want);
  bovw_phow_free(phow);
  bovw_image_free(big);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_float_descriptors_match_uint8_scaled) {
  bovw_extract_params p;
  bovw_extract_params_default(&p);
  bovw_image *img = gray_image(50, 50, texture);
  bovw_phow *pa, *pb;
  bovw_phow_result a = run_phow(&p, img, &pa);
  p.float_descriptors = 1;
  bovw_phow_result b = run_phow(&p, img, &pb);
  ck_assert_uint_eq(a.count, b.count);
  const uint8_t *u = a.descriptors;
  const float *f = b.descriptors;
  for (size_t i = 0; i < a.count * 128; i++) {
    float v = 512 * f[i];
    ck_assert_uint_eq(u[i], (uint8_t)(v < 255 ? v : 255));
  }
  bovw_phow_free(pa);
  bovw_phow_free(pb);
  bovw_image_free(img);
}
END_TEST

START_TEST(test_params_json_round_trip_and_named_differences) {
  bovw_extract_params a, b;
  bovw_extract_params_default(&a);
  a.color = BOVW_COLOR_OPPONENT;
  a.sizes[1] = 5;
  cJSON *j = bovw_extract_params_to_json(&a);
  bovw_error err;
  ck_assert_int_eq(bovw_extract_params_from_json(j, &b, &err), 0);
  cJSON_Delete(j);
  char diff[256];
  ck_assert(bovw_extract_params_equal(&a, &b, "a", "b", diff, sizeof diff));
  b.step = 4;
  ck_assert(!bovw_extract_params_equal(&a, &b, "a", "b", diff, sizeof diff));
  ck_assert_str_eq(diff, "step is 3 in a, 4 in b");
  bovw_extract_params_default(&b);
  ck_assert(!bovw_extract_params_equal(&a, &b, "x/feat", "the codebook", diff, sizeof diff));
  ck_assert_str_eq(diff, "sizes are 4,5,8,10 in x/feat, 4,6,8,10 in the codebook");
  bovw_extract_params_default(&a);
  bovw_extract_params_default(&b);
  b.min_side = 112;
  ck_assert(!bovw_extract_params_equal(&a, &b, "a", "b", diff, sizeof diff));
  ck_assert_str_eq(diff, "min side is 0 in a, 112 in b");
  /* Features written before min_side existed read back as 0. */
  j = bovw_extract_params_to_json(&b);
  cJSON_DeleteItemFromObject(j, "min_side");
  ck_assert_int_eq(bovw_extract_params_from_json(j, &a, &err), 0);
  ck_assert_int_eq(a.min_side, 0);
  cJSON_Delete(j);
  b.max_side = 100;
  ck_assert_ptr_nonnull(bovw_extract_params_check(&b));  /* min above max */
  a.step = 0;
  ck_assert_ptr_nonnull(bovw_extract_params_check(&a));
}
END_TEST

/* A dataset folder of PNG images (various sizes, one corrupt file) and its
 * manifest; returns the manifest path. */
static const char *make_dataset(void) {
  static char manifest[4096];
  char root[4000], cls[4200];
  snprintf(root, sizeof root, "%s/data", dir);
  for (int c = 0; c < 2; c++) {
    snprintf(cls, sizeof cls, "%s/c%d", root, c);
    bovw_mkdir_p(cls, NULL);
    for (int i = 0; i < 7; i++) {
      int w = 40 + 13 * i, h = 90 - 7 * i;
      uint8_t *px = malloc((size_t)w * h);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          px[y * w + x] = (uint8_t)(127 + 100 * sin(0.2 * (c + 1) * x + 0.1 * i * y));
      char name[64];
      snprintf(name, sizeof name, "%d.png", i);
      ck_assert_int_eq(bovw_png_write(test_path(cls, name), px, w, h, 1, NULL), 0);
      free(px);
    }
  }
  snprintf(cls, sizeof cls, "%s/c1/3.png", root);
  test_write_text(cls, "this PNG is broken");  /* valid name, bad content */
  bovw_manifest *m;
  bovw_scan_stats stats;
  bovw_scan_options so = BOVW_SCAN_OPTIONS_DEFAULT;
  ck_assert_int_eq(bovw_dataset_scan(root, &so, NULL, &m, &stats, NULL), 0);
  /* Put the broken file back in: scan skipped it, extract must too. */
  bovw_manifest_add(m, "c1/3.png", 1, NULL);
  snprintf(manifest, sizeof manifest, "%s/all.tsv", root);  /* paths are relative to root */
  ck_assert_int_eq(bovw_manifest_write(manifest, m, NULL, 0, NULL), 0);
  bovw_manifest_free(m);
  return manifest;
}

static int run_extract(const char *manifest_path, const char *out, int threads,
                       int shard, int shards, bovw_extract_stats *stats) {
  bovw_manifest *m;
  bovw_error err;
  ck_assert_int_eq(bovw_manifest_read(manifest_path, &m, &err), 0);
  bovw_extract_options o = {.threads = threads, .shard_index = shard, .shard_count = shards};
  bovw_extract_params_default(&o.params);
  int rc = bovw_extract_run(m, manifest_path, &o, out, NULL, stats, &err);
  ck_assert_msg(rc == 0, "%s", err.message);
  bovw_manifest_free(m);
  return rc;
}

static void assert_same_file(const char *a_dir, const char *b_dir, const char *name) {
  char a[4200], b[4200];
  snprintf(a, sizeof a, "%s/%s", a_dir, name);
  snprintf(b, sizeof b, "%s/%s", b_dir, name);
  unsigned char *x, *y;
  size_t nx, ny;
  ck_assert_int_eq(bovw_read_file(a, 1, &x, &nx, NULL), 0);
  ck_assert_int_eq(bovw_read_file(b, 1, &y, &ny, NULL), 0);
  ck_assert_msg(nx == ny && memcmp(x, y, nx) == 0, "%s differs between %s and %s", name,
                a_dir, b_dir);
  free(x);
  free(y);
}

static const char *const ARRAYS[] = {"descriptors.npy", "frames.npy", "offsets.npy",
                                     "image_size.npy", "labels.npy", "images.tsv"};

START_TEST(test_same_output_with_one_and_two_threads) {
  const char *manifest = make_dataset();
  char a[4200], b[4200];
  snprintf(a, sizeof a, "%s/f1", dir);
  snprintf(b, sizeof b, "%s/f2", dir);
  bovw_extract_stats s1, s2;
  run_extract(manifest, a, 1, 1, 1, &s1);
  run_extract(manifest, b, 2, 1, 1, &s2);
  for (int i = 0; i < 6; i++) assert_same_file(a, b, ARRAYS[i]);
  ck_assert_uint_eq(s1.images, 13);
  ck_assert_uint_eq(s1.skipped, 1);
}
END_TEST

START_TEST(test_merged_shards_equal_the_unsharded_run) {
  const char *manifest = make_dataset();
  char whole[4200], merged[4200], parts[3][4200];
  snprintf(whole, sizeof whole, "%s/whole", dir);
  snprintf(merged, sizeof merged, "%s/merged", dir);
  bovw_extract_stats s;
  run_extract(manifest, whole, 2, 1, 1, &s);
  char *order[3];
  for (int k = 0; k < 3; k++) {
    snprintf(parts[k], sizeof parts[k], "%s/part%d", dir, k + 1);
    run_extract(manifest, parts[k], 1, k + 1, 3, &s);
  }
  order[0] = parts[2];  /* any order */
  order[1] = parts[0];
  order[2] = parts[1];
  bovw_error err;
  ck_assert_msg(bovw_features_merge(order, 3, merged, NULL, &err) == 0, "%s", err.message);
  for (int i = 0; i < 6; i++) assert_same_file(whole, merged, ARRAYS[i]);
  bovw_features *f;
  ck_assert_int_eq(bovw_features_open(merged, &f, &err), 0);
  ck_assert_uint_eq(f->num_images, 13);
  ck_assert_int_eq((int)bovw_meta_number(cJSON_GetObjectItem(f->meta, "counts"), "skipped", -1), 1);
  bovw_features_free(f);
  /* A missing shard, or the same shard twice, is refused by name. */
  ck_assert_int_eq(bovw_features_merge(order, 2, merged, NULL, &err), BOVW_ERR_MISMATCH);
  ck_assert_ptr_nonnull(strstr(err.message, "shards were given"));
  order[0] = parts[0];
  order[1] = parts[0];
  order[2] = parts[2];
  ck_assert_int_eq(bovw_features_merge(order, 3, merged, NULL, &err), BOVW_ERR_MISMATCH);
  ck_assert_ptr_nonnull(strstr(err.message, "shard 1/3 is given twice"));
  order[0] = parts[2];
  order[1] = parts[2];
  order[2] = parts[1];
  ck_assert_int_eq(bovw_features_merge(order, 3, merged, NULL, &err), BOVW_ERR_MISMATCH);
  ck_assert_ptr_nonnull(strstr(err.message, "shard 1/3 is missing"));
}
END_TEST

START_TEST(test_bad_images_are_skipped_and_listed) {
  const char *manifest = make_dataset();
  char out[4200];
  snprintf(out, sizeof out, "%s/f", dir);
  bovw_extract_stats s;
  run_extract(manifest, out, 2, 1, 1, &s);
  char *tsv = test_read_text(test_path(out, "images.tsv"));
  ck_assert_ptr_nonnull(strstr(tsv, "-1\t13\tc1/3.png\t1\t0\tskipped: "));
  ck_assert_ptr_nonnull(strstr(tsv, "not a JPEG, PNG or PNM image"));
  free(tsv);
  bovw_features *f;
  bovw_error err;
  ck_assert_msg(bovw_features_open(out, &f, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(f->num_images, 13);
  ck_assert_int_eq(f->dim, 128);
  ck_assert_int_eq(f->descriptors->shape[0], (int64_t)s.descriptors);
  const int32_t *sizes = f->image_size->data;
  ck_assert_int_eq(sizes[0], 40);
  ck_assert_int_eq(sizes[1], 90);
  bovw_features_free(f);
}
END_TEST

START_TEST(test_unfinished_or_inconsistent_features_are_refused) {
  const char *manifest = make_dataset();
  char out[4200];
  snprintf(out, sizeof out, "%s/f", dir);
  bovw_extract_stats s;
  run_extract(manifest, out, 1, 1, 1, &s);
  bovw_features *f;
  bovw_error err;
  /* labels.npy of another length. */
  int32_t three[3] = {0, 0, 0};
  int64_t shape[1] = {3};
  ck_assert_int_eq(bovw_npy_write(test_path(out, "labels.npy"), BOVW_DTYPE_INT32, 1, shape,
                                  three, NULL), 0);
  ck_assert_int_eq(bovw_features_open(out, &f, &err), BOVW_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.message, "one entry per image"));
  /* No meta.json: an unfinished stage. */
  remove(test_path(out, "meta.json"));
  ck_assert_int_ne(bovw_features_open(out, &f, &err), 0);
  ck_assert_ptr_nonnull(strstr(err.message, "did not finish"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("extract");
  TCase *tc = tcase_create("extract");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_keypoint_count_matches_the_grid_formula);
  tcase_add_test(tc, test_all_scales_share_keypoint_centres);
  tcase_add_test(tc, test_edges_put_their_energy_in_the_expected_orientation_bins);
  tcase_add_test(tc, test_flat_image_keeps_its_grid_with_zeroed_descriptors);
  tcase_add_test(tc, test_colour_descriptors_are_three_channels_concatenated);
  tcase_add_test(tc, test_frames_are_in_the_original_image_coordinates);
  tcase_add_test(tc, test_tiny_images_are_enlarged_to_min_side);
  tcase_add_test(tc, test_float_descriptors_match_uint8_scaled);
  tcase_add_test(tc, test_params_json_round_trip_and_named_differences);
  tcase_add_test(tc, test_same_output_with_one_and_two_threads);
  tcase_add_test(tc, test_merged_shards_equal_the_unsharded_run);
  tcase_add_test(tc, test_bad_images_are_skipped_and_listed);
  tcase_add_test(tc, test_unfinished_or_inconsistent_features_are_refused);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
