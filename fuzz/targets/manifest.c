/* manifest.c: fuzz target of the manifest reader (bovw_manifest_read) with
 * what it reads beside the manifest: classes.txt and a dataset's meta.json
 * (its root). Input: train.tsv, classes.txt, meta.json, cut as fuzz.h says.
 * Every label of what it accepts names a class, and every path resolves. */
#include <stdlib.h>
#include <string.h>

#include "bovw/manifest.h"
#include "fuzz.h"

static const char *const FILES[] = {"train.tsv", "classes.txt", "meta.json"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_write_folder(data, size, FILES, sizeof FILES / sizeof FILES[0]);
  bovw_manifest *m = NULL;
  bovw_error err;
  const char *path = fuzz_path("train.tsv");
  if (fuzz_result(bovw_manifest_read(path, &m, &err), &err) == BOVW_OK) {
    for (size_t i = 0; i < m->count; i++) {
      FUZZ_ASSERT(m->labels[i] >= 0 && (size_t)m->labels[i] < m->num_classes,
                  "every label names a class");
      fuzz_touch(m->class_names[m->labels[i]], strlen(m->class_names[m->labels[i]]));
      char *p = bovw_manifest_resolve(m, i);
      FUZZ_ASSERT(p != NULL, "every path resolves");
      free(p);
    }
  }
  bovw_manifest_free(m);
  fuzz_end();
  return 0;
}
