/* clips.c: seeded synthetic sequences (include/bovw/clips.h): moving
 * squares as short clips for 3-D convolutions, periodic waves as signals
 * for 1-D ones, each written as a training and a test encodings folder. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/artifact.h"
#include "bovw/clips.h"
#include "bovw/fs.h"
#include "bovw/npy.h"
#include "bovw/rng.h"

static const char *const CLIP_CLASSES[BOVW_CLIPS_CLASSES] = {"left", "right", "up", "down"};
/* The motion of each class, in pixels a frame per unit of speed. */
static const int CLIP_DX[BOVW_CLIPS_CLASSES] = {-1, 1, 0, 0};
static const int CLIP_DY[BOVW_CLIPS_CLASSES] = {0, 0, -1, 1};
static const char *const SIGNAL_CLASSES[BOVW_SIGNALS_CLASSES] = {"sine", "square", "sawtooth"};
static const char *const SPLITS[2] = {"train", "test"};

const char *bovw_clips_class_name(int label) {
  return label >= 0 && label < BOVW_CLIPS_CLASSES ? CLIP_CLASSES[label] : "?";
}

const char *bovw_signals_class_name(int label) {
  return label >= 0 && label < BOVW_SIGNALS_CLASSES ? SIGNAL_CLASSES[label] : "?";
}

const char *bovw_clips_options_check(const bovw_clips_options *o) {
  if (o->n < 1 || o->test_n < 1) return "at least one clip per class in each split";
  if (o->frames < 2 || o->frames > 1024) return "frames must be from 2 to 1024";
  if (o->size < 2 || o->size > 1024) return "size must be from 2 to 1024 pixels";
  if (o->square < 1 || o->square >= o->size) return "square must be from 1 to size - 1 pixels";
  if (o->speed < 1 || o->speed >= o->size) return "speed must be from 1 to size - 1 pixels a frame";
  if (!(o->noise >= 0 && o->noise <= 10)) return "noise must be from 0 to 10";
  if (o->frame < -1 || o->frame >= o->frames) return "frame must be a frame of the clip (from 0)";
  return NULL;
}

const char *bovw_signals_options_check(const bovw_signals_options *o) {
  if (o->n < 1 || o->test_n < 1) return "at least one signal per class in each split";
  if (o->length < 2 || o->length > (1 << 20)) return "length must be from 2 to 1048576 samples";
  if (!(o->min_period >= 2 && o->min_period <= o->max_period && o->max_period <= 1e6))
    return "periods must satisfy 2 <= min-period <= max-period <= 1e6 samples";
  if (!(o->noise >= 0 && o->noise <= 10)) return "noise must be from 0 to 10";
  return NULL;
}

size_t bovw_clips_dim(const bovw_clips_options *o) {
  return (size_t)(o->frame >= 0 ? 1 : o->frames) * (size_t)o->size * (size_t)o->size;
}

size_t bovw_signals_dim(const bovw_signals_options *o) { return (size_t)o->length; }

/* The stream of sample j of class label in split: its own seed, mixed from
 * all four by splitmix64's finaliser so that neighbours are unrelated. */
static void sample_stream(bovw_rng *rng, uint64_t seed, int split, int label, size_t j) {
  uint64_t z = seed;
  const uint64_t parts[3] = {(uint64_t)split, (uint64_t)label, (uint64_t)j};
  for (int k = 0; k < 3; k++) {
    z += 0x9e3779b97f4a7c15ULL + parts[k];
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
  }
  bovw_rng_seed(rng, z);
}

void bovw_clips_draw(const bovw_clips_options *o, int split, int label, size_t j, float *out) {
  bovw_rng rng;
  sample_stream(&rng, o->seed, split, label, j);
  const int S = o->size;
  const int x0 = (int)bovw_rng_below(&rng, (uint64_t)S);
  const int y0 = (int)bovw_rng_below(&rng, (uint64_t)S);
  float *frame = out;
  for (int t = 0; t < o->frames; t++) {
    /* Every frame's noise is drawn, kept or not: frame t of a single-frame
     * set is frame t of the clip. */
    const int keep = o->frame < 0 || o->frame == t;
    const int x = ((x0 + CLIP_DX[label] * o->speed * t) % S + S) % S;
    const int y = ((y0 + CLIP_DY[label] * o->speed * t) % S + S) % S;
    for (int r = 0; r < S; r++)
      for (int c = 0; c < S; c++) {
        /* Inside the square, wrapping around the edges. */
        const int in = (r - y + S) % S < o->square && (c - x + S) % S < o->square;
        const double v = in + o->noise * bovw_rng_normal(&rng);
        if (keep) frame[r * S + c] = (float)v;
      }
    if (keep) frame += (size_t)S * S;
  }
}

void bovw_signals_draw(const bovw_signals_options *o, int split, int label, size_t j,
                       float *out) {
  bovw_rng rng;
  sample_stream(&rng, o->seed, split, label, j);
  const double period = o->min_period + (o->max_period - o->min_period) * bovw_rng_uniform(&rng);
  const double phase = bovw_rng_uniform(&rng);
  for (int t = 0; t < o->length; t++) {
    double u = t / period + phase;
    u -= floor(u); /* the position in the period, in [0, 1) */
    const double wave = label == 0   ? sin(2 * M_PI * u)
                        : label == 1 ? (u < 0.5 ? 1.0 : -1.0)
                                     : 2 * u - 1;
    out[t] = (float)(wave + o->noise * bovw_rng_normal(&rng));
  }
}

/* What both kinds of sequence share when written. */
typedef struct sequences {
  int classes;
  const char *const *names;
  size_t per_class[2];        /* train, test */
  size_t dim;
  const char *input;          /* the spec's input line for a row */
  uint64_t seed;
  cJSON *params, *options;    /* made by write_sequences */
  void (*draw)(const void *o, int split, int label, size_t j, float *out);
  const void *o;
} sequences;

static int write_split(const char *dir, const sequences *q, int split, bovw_error *err) {
  const size_t count = q->per_class[split] * (size_t)q->classes;
  char *sub = bovw_path_join(dir, SPLITS[split]);
  char *vp = sub ? bovw_path_join(sub, "encodings.npy") : NULL;
  char *lp = sub ? bovw_path_join(sub, "labels.npy") : NULL;
  float *v = malloc(count * q->dim * sizeof *v);
  int32_t *labels = malloc(count * sizeof *labels);
  cJSON *meta = NULL;
  int rc = sub && vp && lp && v && labels
               ? BOVW_OK
               : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory for %zu rows of %zu values",
                                count, q->dim);
  if (!rc) rc = bovw_artifact_begin(sub, err);
  if (!rc) {
    for (size_t i = 0; i < count; i++) {
      labels[i] = (int32_t)(i / q->per_class[split]);
      q->draw(q->o, split, labels[i], i % q->per_class[split], v + i * q->dim);
    }
    const int64_t shape[2] = {(int64_t)count, (int64_t)q->dim};
    rc = bovw_npy_write(vp, BOVW_DTYPE_FLOAT32, 2, shape, v, err);
    if (!rc) rc = bovw_npy_write(lp, BOVW_DTYPE_INT32, 1, shape, labels, err);
  }
  if (!rc) {
    meta = bovw_meta_new("encodings");
    cJSON *params = cJSON_Duplicate(q->params, 1), *options = cJSON_Duplicate(q->options, 1);
    cJSON *classes = cJSON_CreateStringArray(q->names, q->classes);
    int ok = meta && params && cJSON_AddItemToObject(meta, "params", params);
    if (!ok) cJSON_Delete(params);
    ok = ok && cJSON_AddNumberToObject(meta, "count", (double)count) &&
         cJSON_AddNumberToObject(meta, "dim", (double)q->dim) &&
         cJSON_AddStringToObject(meta, "input", q->input) && options &&
         cJSON_AddItemToObject(meta, "options", options);
    if (!ok) cJSON_Delete(options);
    ok = ok && classes && cJSON_AddItemToObject(meta, "classes", classes);
    if (!ok) cJSON_Delete(classes);
    ok = ok && cJSON_AddStringToObject(meta, "split", SPLITS[split]);
    rc = ok ? bovw_meta_write(sub, meta, err)
            : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  cJSON_Delete(meta);
  free(v);
  free(labels);
  free(sub);
  free(vp);
  free(lp);
  return rc;
}

static void draw_clip(const void *o, int split, int label, size_t j, float *out) {
  bovw_clips_draw(o, split, label, j, out);
}

static void draw_signal(const void *o, int split, int label, size_t j, float *out) {
  bovw_signals_draw(o, split, label, j, out);
}

/* Every option: the geometry of params (its "encoding" left out), the
 * counts and the seed. */
static cJSON *options_json(const cJSON *params, size_t n, size_t test_n, uint64_t seed) {
  cJSON *options = cJSON_Duplicate(params, 1);
  if (options) cJSON_DeleteItemFromObject(options, "encoding");
  if (options && cJSON_AddNumberToObject(options, "n", (double)n) &&
      cJSON_AddNumberToObject(options, "test_n", (double)test_n) &&
      cJSON_AddNumberToObject(options, "seed", (double)seed))
    return options;
  cJSON_Delete(options);
  return NULL;
}

/* Writes both splits of q. params (the encoding and its geometry: what a
 * net checks test rows against) is taken and deleted; made is 0 when it
 * could not be completed (out of memory). */
static int write_sequences(const char *dir, sequences *q, cJSON *params, int made,
                           bovw_error *err) {
  q->params = params;
  q->options = made ? options_json(params, q->per_class[0], q->per_class[1], q->seed) : NULL;
  int rc = q->options ? bovw_mkdir_p(dir, err)
                      : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (int split = 0; split < 2 && !rc; split++) rc = write_split(dir, q, split, err);
  cJSON_Delete(q->params);
  cJSON_Delete(q->options);
  q->params = q->options = NULL;
  return rc;
}

int bovw_clips_write(const char *dir, const bovw_clips_options *o, bovw_error *err) {
  const char *bad = bovw_clips_options_check(o);
  if (bad) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", bad);
  char input[64];
  if (o->frame >= 0)
    snprintf(input, sizeof input, "1x%dx%d", o->size, o->size);
  else
    snprintf(input, sizeof input, "1x%dx%dx%d", o->frames, o->size, o->size);
  /* Everything but the counts and the seed. */
  cJSON *params = cJSON_CreateObject();
  int ok = params && cJSON_AddStringToObject(params, "encoding", "clips") &&
           cJSON_AddNumberToObject(params, "frames", o->frames) &&
           cJSON_AddNumberToObject(params, "size", o->size) &&
           cJSON_AddNumberToObject(params, "square", o->square) &&
           cJSON_AddNumberToObject(params, "speed", o->speed) &&
           cJSON_AddNumberToObject(params, "noise", o->noise) &&
           cJSON_AddNumberToObject(params, "frame", o->frame);
  sequences q = {BOVW_CLIPS_CLASSES, CLIP_CLASSES, {o->n, o->test_n}, bovw_clips_dim(o), input,
                 o->seed, NULL, NULL, draw_clip, o};
  return write_sequences(dir, &q, params, ok, err);
}

int bovw_signals_write(const char *dir, const bovw_signals_options *o, bovw_error *err) {
  const char *bad = bovw_signals_options_check(o);
  if (bad) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", bad);
  char input[64];
  snprintf(input, sizeof input, "1x%d", o->length);
  cJSON *params = cJSON_CreateObject();
  int ok = params && cJSON_AddStringToObject(params, "encoding", "signals") &&
           cJSON_AddNumberToObject(params, "length", o->length) &&
           cJSON_AddNumberToObject(params, "min_period", o->min_period) &&
           cJSON_AddNumberToObject(params, "max_period", o->max_period) &&
           cJSON_AddNumberToObject(params, "noise", o->noise);
  sequences q = {BOVW_SIGNALS_CLASSES, SIGNAL_CLASSES, {o->n, o->test_n}, bovw_signals_dim(o),
                 input, o->seed, NULL, NULL, draw_signal, o};
  return write_sequences(dir, &q, params, ok, err);
}
