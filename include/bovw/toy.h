/* toy.h: two-class points in the plane, for the lecture's first experiment
 * (docs/lecture/01-representation.md): concentric rings or two interleaved
 * spirals, drawn from a seed and written as encodings folders that
 * `bovw train`, `bovw eval`, `bovw nn train` and `bovw nn eval` read like
 * any other, with the points themselves beside them as text for plotting.
 *
 * The geometry (docs/formats.md, "Toy points"):
 * - rings: class 0 "inner" on the circle of radius 1, class 1 "outer" on
 *   the circle of radius 2, the angle uniform;
 * - spirals: class 0 "arm-a" at r (cos phi, sin phi) with r = phi / pi and
 *   phi uniform in [pi/2, 3 pi] (one and a quarter turns), class 1 "arm-b"
 *   the same arm turned by pi;
 * then each point moved by isotropic gaussian noise of deviation `noise`
 * in x and in y. */
#ifndef BOVW_TOY_H
#define BOVW_TOY_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

typedef enum bovw_toy_shape { BOVW_TOY_RINGS = 0, BOVW_TOY_SPIRALS } bovw_toy_shape;

/* What a point's vector holds: its coordinates (x1, x2), or its polar
 * coordinates (rho, theta), rho = sqrt(x1^2 + x2^2), theta = atan2(x2, x1)
 * in (-pi, pi]. */
typedef enum bovw_toy_features { BOVW_TOY_XY = 0, BOVW_TOY_POLAR } bovw_toy_features;

typedef struct bovw_toy_options {
  bovw_toy_shape shape;        /* rings */
  bovw_toy_features features;  /* xy */
  size_t n;                    /* training points per class: 200 */
  size_t test_n;               /* test points per class: 200 */
  double noise;                /* deviation of the noise in x and in y: 0.2 */
  uint64_t seed;               /* which points: 0 */
  int grid;                    /* > 0: also a grid of grid x grid points
                                  over the square the points live in; 0 */
} bovw_toy_options;

#define BOVW_TOY_OPTIONS_DEFAULT {BOVW_TOY_RINGS, BOVW_TOY_XY, 200, 200, 0.2, 0, 0}

/* "rings", "spirals"; "xy", "polar". The parsers return 0 when known. */
const char *bovw_toy_shape_name(bovw_toy_shape shape);
int bovw_toy_shape_parse(const char *name, bovw_toy_shape *out);
const char *bovw_toy_features_name(bovw_toy_features features);
int bovw_toy_features_parse(const char *name, bovw_toy_features *out);
/* The two class names of a shape ("inner", "outer"; "arm-a", "arm-b"). */
const char *bovw_toy_class_name(bovw_toy_shape shape, int label);

/* NULL when the options make sense, else a sentence saying what is wrong. */
const char *bovw_toy_options_check(const bovw_toy_options *o);

/* Draws per_class points of each class (class 0's first, then class 1's)
 * into xy (2 per_class pairs x1, x2) and labels (2 per_class). Each class
 * of each split has its own stream of the seed (split 0: training, 1:
 * test), so the training points do not depend on test_n and a class's
 * points not on the other's. */
void bovw_toy_draw(const bovw_toy_options *o, int split, size_t per_class, double *xy,
                   int32_t *labels);

/* The class of the noise-free curve nearest to (x1, x2): what an ideal
 * classifier says there (the grid's labels). */
int bovw_toy_nearest_class(bovw_toy_shape shape, double x1, double x2);

/* Half the side of the square the grid covers, centred at the origin: the
 * outermost curve's radius plus three deviations of the noise, rounded up
 * to a multiple of 0.5. */
double bovw_toy_extent(const bovw_toy_options *o);

/* The vector of a point under o->features (2 values). */
void bovw_toy_features_of(bovw_toy_features features, double x1, double x2, float out[2]);

/* Writes dir/train and dir/test (and dir/grid with o->grid > 0), each an
 * encodings folder: encodings.npy (count x 2 float32, the features),
 * labels.npy, points.tsv (x1, x2, rho, theta, label, class per row) and
 * meta.json (kind "encodings", params {"encoding": "toy", "shape",
 * "features"}: what a model checks test points against; "options": every
 * option; "split"; the grid's "extent"). The grid's points run over x1
 * fastest, then x2, each from -extent to extent; their labels are
 * bovw_toy_nearest_class's. */
int bovw_toy_write(const char *dir, const bovw_toy_options *o, bovw_error *err);

#endif
