/* meta.c: fuzz target of what reads any artifact's meta.json whatever its
 * kind (each kind's own reader has its target: features, codebook,
 * encodings, model, net; dataset through manifest): bovw_meta_read, the
 * provenance check of `bovw status` and the walk upstream with each stage's
 * seconds (compare's cost from pixels). Input: meta.json. The inputs a
 * mutated provenance names are looked up as paths; a check that cannot
 * tell is an error, never a crash. */
#include <stdlib.h>

#include "bovw/artifact.h"
#include "bovw/provenance.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = fuzz_dir();
  fuzz_write_one("meta.json", data, size);
  cJSON *meta = NULL;
  bovw_error err;
  if (fuzz_result(bovw_meta_read(dir, NULL, &meta, &err), &err) == BOVW_OK)
    bovw_artifact_seconds(meta);
  cJSON_Delete(meta);
  char why[512];
  char *argv[] = {"extract", "train.tsv", "-o", "features"};
  bovw_provenance_check(dir, 4, argv, why, sizeof why, &err);
  bovw_provenance_check(dir, 0, NULL, why, sizeof why, &err);
  char **dirs = NULL;
  size_t n = 0;
  bovw_provenance_upstream(dir, &dirs, &n, &err);
  for (size_t i = 0; i < n; i++) free(dirs[i]);
  free(dirs);
  fuzz_end();
  return 0;
}
