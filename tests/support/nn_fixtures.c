/* nn_fixtures.c: nets and values the nn suites make. */
#include "nn_fixtures.h"

#include <check.h>
#include <stdlib.h>

#include "bovw/rng.h"

bovw_nn_net *test_nn_net(const char *text, int classes, int threads, uint64_t seed) {
  bovw_nn_spec *spec;
  bovw_error err = {0};
  ck_assert_msg(bovw_nn_spec_parse(text, "test", &spec, &err) == 0, "%s", err.message);
  bovw_nn_net_options o = BOVW_NN_NET_OPTIONS_DEFAULT;
  o.seed = seed;
  o.classes = classes;
  o.threads = threads;
  bovw_nn_net *net;
  ck_assert_msg(bovw_nn_net_new(spec, &o, &net, &err) == 0, "%s", err.message);
  bovw_nn_spec_free(spec);
  return net;
}

float *test_uniform_values(size_t n, uint64_t seed) {
  bovw_rng rng;
  bovw_rng_seed(&rng, seed);
  float *v = malloc(n * sizeof *v);
  ck_assert_ptr_nonnull(v);
  for (size_t i = 0; i < n; i++) v[i] = (float)(2 * bovw_rng_uniform(&rng) - 1);
  return v;
}
