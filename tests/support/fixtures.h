/* fixtures.h: small artifacts built through the real pipeline, for suites
 * that need a features folder to work on. */
#ifndef BOVW_TEST_FIXTURES_H
#define BOVW_TEST_FIXTURES_H

/* Writes scratch/data/c0, c1 (per_class w x h gray PNGs each: sinusoidal
 * textures that differ by class and image), a manifest scratch/data/all.tsv,
 * and extracts it with the default parameters but `step` into out. Fails the
 * running Check test on any error. */
void test_make_features(const char *scratch, const char *out, int step, int w, int h,
                        int per_class);

#endif
