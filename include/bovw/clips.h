/* clips.h: seeded synthetic sequences for the lecture's experiment on 1-D
 * and 3-D convolutions (docs/lecture/05-conv1d-conv3d.md), written as
 * encodings folders that `bovw nn train` and `bovw nn eval` read with a
 * 1-D (`input CxL`) or 3-D (`input CxDxHxW`) input line:
 *
 * - clips: D frames of H x W pixels in which a bright square of side
 *   `square` moves by `speed` pixels a frame to the left, right, up or down
 *   (the four classes), on a torus: it leaves by one edge and comes back by
 *   the other. Its first position is uniform over the frame, so every
 *   frame of every class is a square at a uniformly random place: a single
 *   frame says nothing of the direction, the order of the frames says it
 *   all. Each pixel then gets gaussian noise of deviation `noise`. A row
 *   is the clip frame by frame, row by row (1 x D x H x W, C order).
 * - signals: L samples of a periodic wave, a sine, a square wave or a
 *   sawtooth (the three classes), of amplitude 1, period uniform in
 *   [min_period, max_period] samples and phase uniform in [0, 1) of a
 *   period, plus gaussian noise of deviation `noise`. A row is 1 x L.
 *
 * Sample j of class k in split s (0 train, 1 test) is drawn from a stream
 * of its own, derived from (seed, s, k, j): the same seed gives the same
 * samples whatever the counts asked, and test samples never repeat
 * training ones. */
#ifndef BOVW_CLIPS_H
#define BOVW_CLIPS_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

enum { BOVW_CLIPS_CLASSES = 4, BOVW_SIGNALS_CLASSES = 3 };

typedef struct bovw_clips_options {
  size_t n;          /* training clips per class: 200 */
  size_t test_n;     /* test clips per class: 100 */
  int frames;        /* D: 8 */
  int size;          /* H = W: 16 */
  int square;        /* side of the square in pixels: 4 */
  int speed;         /* pixels a frame: 1 */
  double noise;      /* deviation of the pixel noise: 0.2 */
  int frame;         /* >= 0: write only that frame of each clip (a single
                        image of 1 x H x W, the same clips); -1: all */
  uint64_t seed;     /* which clips: 0 */
} bovw_clips_options;

#define BOVW_CLIPS_OPTIONS_DEFAULT {200, 100, 8, 16, 4, 1, 0.2, -1, 0}

typedef struct bovw_signals_options {
  size_t n;            /* training signals per class: 200 */
  size_t test_n;       /* test signals per class: 100 */
  int length;          /* L: 128 */
  double min_period;   /* in samples: 8 */
  double max_period;   /* 32 */
  double noise;        /* deviation of the noise: 0.5 */
  uint64_t seed;       /* which signals: 0 */
} bovw_signals_options;

#define BOVW_SIGNALS_OPTIONS_DEFAULT {200, 100, 128, 8, 32, 0.5, 0}

/* The class names: "left", "right", "up", "down"; "sine", "square",
 * "sawtooth". */
const char *bovw_clips_class_name(int label);
const char *bovw_signals_class_name(int label);

/* NULL when the options make sense, else a sentence saying what is wrong. */
const char *bovw_clips_options_check(const bovw_clips_options *o);
const char *bovw_signals_options_check(const bovw_signals_options *o);

/* Values of one row: frames x size x size (size x size with o->frame >= 0);
 * length. */
size_t bovw_clips_dim(const bovw_clips_options *o);
size_t bovw_signals_dim(const bovw_signals_options *o);

/* Sample j of class label of split (0 train, 1 test) into out (dim
 * values). */
void bovw_clips_draw(const bovw_clips_options *o, int split, int label, size_t j, float *out);
void bovw_signals_draw(const bovw_signals_options *o, int split, int label, size_t j,
                       float *out);

/* Write dir/train and dir/test, each an encodings folder: encodings.npy
 * (count x dim float32, class 0's samples first, then class 1's, ...),
 * labels.npy and meta.json (kind "encodings"; "params": the encoding,
 * "clips" or "signals", and its geometry, what a net checks test data
 * against; "input": the input line that reads a row, "1x8x16x16" or
 * "1x128"; "options": every option; "split", "classes", "count", "dim"). */
int bovw_clips_write(const char *dir, const bovw_clips_options *o, bovw_error *err);
int bovw_signals_write(const char *dir, const bovw_signals_options *o, bovw_error *err);

#endif
