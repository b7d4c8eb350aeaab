/* toy.c: `bovw dataset toy`, two-class points in the plane (rings or
 * spirals) drawn from a seed and written as encodings folders, with the
 * points as text beside them (include/bovw/toy.h). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"
#include "bovw/npy.h"
#include "bovw/rng.h"
#include "bovw/toy.h"

/* Each class of each split draws from a stream of its own. */
#define SPLIT_STREAM 0x3c6ef372fe94f82bULL
#define CLASS_STREAM 0x9b05688c2b3e6c1fULL

/* The curves: radii of the rings; the spiral's angle range (r = phi / pi). */
static const double RING_RADIUS[2] = {1.0, 2.0};
#define SPIRAL_PHI0 (0.5 * M_PI)
#define SPIRAL_PHI1 (3.0 * M_PI)
/* Points along a spiral arm when looking for the nearest one. */
enum { SPIRAL_SAMPLES = 4096 };

static const char *const SHAPES[] = {"rings", "spirals"};
static const char *const FEATURES[] = {"xy", "polar"};
static const char *const CLASSES[2][2] = {{"inner", "outer"}, {"arm-a", "arm-b"}};
static const char *const SPLITS[] = {"train", "test", "grid"};

const char *bovw_toy_shape_name(bovw_toy_shape shape) {
  return (int)shape >= 0 && shape <= BOVW_TOY_SPIRALS ? SHAPES[shape] : "?";
}

int bovw_toy_shape_parse(const char *name, bovw_toy_shape *out) {
  for (int k = 0; k <= (int)BOVW_TOY_SPIRALS; k++)
    if (!strcmp(name, SHAPES[k])) {
      *out = (bovw_toy_shape)k;
      return 0;
    }
  return -1;
}

const char *bovw_toy_features_name(bovw_toy_features features) {
  return (int)features >= 0 && features <= BOVW_TOY_POLAR ? FEATURES[features] : "?";
}

int bovw_toy_features_parse(const char *name, bovw_toy_features *out) {
  for (int k = 0; k <= (int)BOVW_TOY_POLAR; k++)
    if (!strcmp(name, FEATURES[k])) {
      *out = (bovw_toy_features)k;
      return 0;
    }
  return -1;
}

const char *bovw_toy_class_name(bovw_toy_shape shape, int label) {
  return (int)shape >= 0 && shape <= BOVW_TOY_SPIRALS && (label == 0 || label == 1)
             ? CLASSES[shape][label]
             : "?";
}

const char *bovw_toy_options_check(const bovw_toy_options *o) {
  if ((int)o->shape < 0 || o->shape > BOVW_TOY_SPIRALS) return "the shape must be rings or spirals";
  if ((int)o->features < 0 || o->features > BOVW_TOY_POLAR)
    return "the features must be xy or polar";
  if (o->n < 1 || o->n > 10000000) return "the training points per class must be 1 to 10000000";
  if (o->test_n < 1 || o->test_n > 10000000) return "the test points per class must be 1 to 10000000";
  if (!(o->noise >= 0 && o->noise <= 10)) return "the noise must be from 0 to 10";
  if (o->grid < 0 || o->grid == 1 || o->grid > 4096)
    return "the grid must be 0 (none) or 2 to 4096 points a side";
  return NULL;
}

/* A point of the noise-free curve of class `label`, at a uniform draw u. */
static void curve_point(bovw_toy_shape shape, int label, double u, double *x1, double *x2) {
  if (shape == BOVW_TOY_RINGS) {
    const double a = 2.0 * M_PI * u;
    *x1 = RING_RADIUS[label] * cos(a);
    *x2 = RING_RADIUS[label] * sin(a);
  } else {
    const double phi = SPIRAL_PHI0 + (SPIRAL_PHI1 - SPIRAL_PHI0) * u, r = phi / M_PI;
    *x1 = r * cos(phi + label * M_PI);
    *x2 = r * sin(phi + label * M_PI);
  }
}

void bovw_toy_draw(const bovw_toy_options *o, int split, size_t per_class, double *xy,
                   int32_t *labels) {
  for (int c = 0; c < 2; c++) {
    bovw_rng rng;
    bovw_rng_seed(&rng, o->seed ^ (SPLIT_STREAM * (uint64_t)(split + 1)) ^
                            (CLASS_STREAM * (uint64_t)(c + 1)));
    for (size_t i = 0; i < per_class; i++) {
      const size_t k = (size_t)c * per_class + i;
      double x1, x2;
      curve_point(o->shape, c, bovw_rng_uniform(&rng), &x1, &x2);
      /* Two normal draws every time, whatever the noise: a noise of 0
       * gives the same curve points as any other. */
      const double n1 = bovw_rng_normal(&rng), n2 = bovw_rng_normal(&rng);
      xy[2 * k] = x1 + o->noise * n1;
      xy[2 * k + 1] = x2 + o->noise * n2;
      labels[k] = c;
    }
  }
}

int bovw_toy_nearest_class(bovw_toy_shape shape, double x1, double x2) {
  if (shape == BOVW_TOY_RINGS) /* halfway between the radii */
    return hypot(x1, x2) < 0.5 * (RING_RADIUS[0] + RING_RADIUS[1]) ? 0 : 1;
  double best[2] = {INFINITY, INFINITY};
  for (int c = 0; c < 2; c++)
    for (int s = 0; s < SPIRAL_SAMPLES; s++) {
      double p1, p2;
      curve_point(shape, c, (double)s / (SPIRAL_SAMPLES - 1), &p1, &p2);
      const double d = (p1 - x1) * (p1 - x1) + (p2 - x2) * (p2 - x2);
      if (d < best[c]) best[c] = d;
    }
  return best[1] < best[0];
}

double bovw_toy_extent(const bovw_toy_options *o) {
  const double outer = o->shape == BOVW_TOY_RINGS ? RING_RADIUS[1] : SPIRAL_PHI1 / M_PI;
  return ceil((outer + 3 * o->noise) * 2) / 2;
}

void bovw_toy_features_of(bovw_toy_features features, double x1, double x2, float out[2]) {
  if (features == BOVW_TOY_POLAR) {
    out[0] = (float)hypot(x1, x2);
    out[1] = (float)atan2(x2, x1);
  } else {
    out[0] = (float)x1;
    out[1] = (float)x2;
  }
}

/* points.tsv of a split: the points in the plane, both ways, and their class. */
static int write_points(const char *path, const bovw_toy_options *o, const double *xy,
                        const int32_t *labels, size_t count, bovw_error *err) {
  bovw_atomic_file f = {0};
  int rc = bovw_atomic_open(&f, path, err);
  if (rc) return rc;
  fputs("x1\tx2\trho\ttheta\tlabel\tclass\n", f.fp);
  for (size_t i = 0; i < count; i++) {
    float polar[2];
    bovw_toy_features_of(BOVW_TOY_POLAR, xy[2 * i], xy[2 * i + 1], polar);
    fprintf(f.fp, "%.9g\t%.9g\t%.9g\t%.9g\t%d\t%s\n", xy[2 * i], xy[2 * i + 1], polar[0],
            polar[1], labels[i], bovw_toy_class_name(o->shape, labels[i]));
  }
  return bovw_atomic_commit(&f, err);
}

static cJSON *options_to_json(const bovw_toy_options *o) {
  cJSON *j = cJSON_CreateObject();
  if (j && cJSON_AddStringToObject(j, "shape", bovw_toy_shape_name(o->shape)) &&
      cJSON_AddStringToObject(j, "features", bovw_toy_features_name(o->features)) &&
      cJSON_AddNumberToObject(j, "n", (double)o->n) &&
      cJSON_AddNumberToObject(j, "test_n", (double)o->test_n) &&
      cJSON_AddNumberToObject(j, "noise", o->noise) &&
      cJSON_AddNumberToObject(j, "seed", (double)o->seed) &&
      cJSON_AddNumberToObject(j, "grid", o->grid))
    return j;
  cJSON_Delete(j);
  return NULL;
}

/* One encodings folder: the points' features, labels, the points as text,
 * and meta.json last. */
static int write_split(const char *dir, const bovw_toy_options *o, int split, const double *xy,
                       const int32_t *labels, size_t count, bovw_error *err) {
  char *sub = bovw_path_join(dir, SPLITS[split]);
  char *vp = sub ? bovw_path_join(sub, "encodings.npy") : NULL;
  char *lp = sub ? bovw_path_join(sub, "labels.npy") : NULL;
  char *pp = sub ? bovw_path_join(sub, "points.tsv") : NULL;
  float *v = malloc(2 * count * sizeof *v);
  cJSON *meta = NULL;
  int rc = sub && vp && lp && pp && v ? BOVW_OK
                                      : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_artifact_begin(sub, err);
  if (!rc) {
    for (size_t i = 0; i < count; i++)
      bovw_toy_features_of(o->features, xy[2 * i], xy[2 * i + 1], v + 2 * i);
    const int64_t shape[2] = {(int64_t)count, 2};
    rc = bovw_npy_write(vp, BOVW_DTYPE_FLOAT32, 2, shape, v, err);
    if (!rc) rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, shape, labels, err);
    if (!rc) rc = write_points(pp, o, xy, labels, count, err);
  }
  if (!rc) {
    meta = bovw_meta_new("encodings");
    cJSON *params = meta ? cJSON_AddObjectToObject(meta, "params") : NULL;
    cJSON *options = options_to_json(o);
    const char *names[2] = {CLASSES[o->shape][0], CLASSES[o->shape][1]};
    int ok = params && cJSON_AddStringToObject(params, "encoding", "toy") &&
             cJSON_AddStringToObject(params, "shape", bovw_toy_shape_name(o->shape)) &&
             cJSON_AddStringToObject(params, "features", bovw_toy_features_name(o->features)) &&
             cJSON_AddNumberToObject(meta, "count", (double)count) &&
             cJSON_AddNumberToObject(meta, "dim", 2) && options &&
             cJSON_AddItemToObject(meta, "options", options);
    if (!ok) cJSON_Delete(options);
    cJSON *classes = ok ? cJSON_CreateStringArray(names, 2) : NULL;
    ok = classes && cJSON_AddItemToObject(meta, "classes", classes);
    if (!ok) cJSON_Delete(classes);
    ok = ok && cJSON_AddStringToObject(meta, "split", SPLITS[split]) &&
         (split != 2 || cJSON_AddNumberToObject(meta, "extent", bovw_toy_extent(o)));
    rc = ok ? bovw_meta_write(sub, meta, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  cJSON_Delete(meta);
  free(v);
  free(sub);
  free(vp);
  free(lp);
  free(pp);
  return rc;
}

int bovw_toy_write(const char *dir, const bovw_toy_options *o, bovw_error *err) {
  const char *bad = bovw_toy_options_check(o);
  if (bad) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", bad);
  const size_t g = (size_t)o->grid, most = 2 * (o->n > o->test_n ? o->n : o->test_n);
  const size_t rows = most > g * g ? most : g * g;
  double *xy = malloc(2 * rows * sizeof *xy);
  int32_t *labels = malloc(rows * sizeof *labels);
  int rc = xy && labels ? bovw_mkdir_p(dir, err)
                        : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu points", rows);
  for (int split = 0; split < 2 && !rc; split++) {
    const size_t per_class = split ? o->test_n : o->n;
    bovw_toy_draw(o, split, per_class, xy, labels);
    rc = write_split(dir, o, split, xy, labels, 2 * per_class, err);
  }
  if (!rc && g) {
    const double e = bovw_toy_extent(o);
    for (size_t j = 0; j < g; j++)
      for (size_t i = 0; i < g; i++) {
        const size_t k = j * g + i;
        xy[2 * k] = -e + 2 * e * (double)i / (double)(g - 1);
        xy[2 * k + 1] = -e + 2 * e * (double)j / (double)(g - 1);
        labels[k] = bovw_toy_nearest_class(o->shape, xy[2 * k], xy[2 * k + 1]);
      }
    rc = write_split(dir, o, 2, xy, labels, g * g, err);
  }
  free(xy);
  free(labels);
  return rc;
}
