/* codebook.c: fuzz target of the codebook folder reader
 * (bovw_codebook_open: encode, predict and `codebook info` open it).
 * Input: meta.json, centers.npy, pca_mean.npy, pca_components.npy,
 * pca_variances.npy, gmm_means.npy, gmm_variances.npy, gmm_priors.npy, cut as
 * fuzz.h says. What it accepts holds every array its settings name, at the
 * sizes they give. */
#include "bovw/codebook.h"
#include "fuzz.h"

static const char *const FILES[] = {"meta.json",        "centers.npy",        "pca_mean.npy",
                                    "pca_components.npy", "pca_variances.npy", "gmm_means.npy",
                                    "gmm_variances.npy", "gmm_priors.npy"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = fuzz_write_folder(data, size, FILES, sizeof FILES / sizeof FILES[0]);
  bovw_codebook *cb = NULL;
  bovw_error err;
  if (fuzz_result(bovw_codebook_open(dir, &cb, &err), &err) == BOVW_OK) {
    FUZZ_ASSERT(cb->k >= 1 && cb->dim >= 1, "some words of some dimension");
    const size_t kd = (size_t)cb->k * (size_t)cb->dim;
    fuzz_touch(cb->centers, kd * sizeof(float));
    if (cb->pca) {
      fuzz_touch(cb->pca->mean, (size_t)cb->pca->in_dim * sizeof(float));
      fuzz_touch(cb->pca->components,
                 (size_t)cb->pca->out_dim * (size_t)cb->pca->in_dim * sizeof(float));
      fuzz_touch(cb->pca->variances, (size_t)cb->pca->out_dim * sizeof(float));
    }
    if (cb->gmm_means) {
      fuzz_touch(cb->gmm_means, kd * sizeof(float));
      fuzz_touch(cb->gmm_variances, kd * sizeof(float));
      fuzz_touch(cb->gmm_priors, (size_t)cb->k * sizeof(float));
    }
  }
  bovw_codebook_free(cb);
  fuzz_end();
  return 0;
}
