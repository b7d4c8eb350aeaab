/* nn_fixtures.h: nets and values the nn suites make. */
#ifndef BOVW_NN_FIXTURES_H
#define BOVW_NN_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/nn.h"

/* The net of spec text (classes and threads as bovw_nn_net_options has
 * them, weights drawn from seed); fails the test when it cannot be made. */
bovw_nn_net *test_nn_net(const char *text, int classes, int threads, uint64_t seed);
/* n values uniform in [-1, 1], drawn from seed; the caller frees them. */
float *test_uniform_values(size_t n, uint64_t seed);

#endif
