/* init.c: initial weights of conv and fc layers, drawn from a bovw_rng so
 * that a seed gives the same network everywhere. */
#include <math.h>

#include "nn/internal.h"

double nn_normal(bovw_rng *rng) { return bovw_rng_normal(rng); }

void nn_init_weights(float *w, size_t count, int fan_in, int fan_out,
                     bovw_nn_init init, bovw_rng *rng) {
  if (init == BOVW_NN_INIT_XAVIER) {
    /* Glorot and Bengio, "Understanding the difficulty of training deep
     * feedforward neural networks" (AISTATS 2010), eq. 16: uniform in
     * [-a, a] with a = sqrt(6 / (fan_in + fan_out)). */
    double a = sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < count; i++)
      w[i] = (float)((2.0 * bovw_rng_uniform(rng) - 1.0) * a);
  } else {
    /* He, Zhang, Ren, Sun, "Delving deep into rectifiers" (ICCV 2015),
     * eq. 10: normal with standard deviation sqrt(2 / fan_in). */
    double sd = sqrt(2.0 / (double)fan_in);
    for (size_t i = 0; i < count; i++) w[i] = (float)(nn_normal(rng) * sd);
  }
}
