/* fixtures.c: small artifacts built through the real pipeline. */
#include "fixtures.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bovw/dataset.h"
#include "bovw/extract.h"
#include "bovw/fs.h"
#include "bovw/image.h"

void test_make_features(const char *scratch, const char *out, int step, int w, int h,
                        int per_class) {
  char root[4000], cls[4100], manifest[4100];
  snprintf(root, sizeof root, "%s/data", scratch);
  uint8_t *px = malloc((size_t)w * h);
  ck_assert_ptr_nonnull(px);
  for (int c = 0; c < 2; c++) {
    snprintf(cls, sizeof cls, "%s/c%d", root, c);
    ck_assert_int_eq(bovw_mkdir_p(cls, NULL), 0);
    for (int i = 0; i < per_class; i++) {
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          px[y * w + x] = (uint8_t)(127 + 100 * sin(0.25 * (c + 1) * x + 0.12 * (i + 1) * y));
      char name[4200];
      snprintf(name, sizeof name, "%s/%d.png", cls, i);
      ck_assert_int_eq(bovw_png_write(name, px, w, h, 1, NULL), 0);
    }
  }
  free(px);
  bovw_manifest *m;
  bovw_scan_stats stats;
  ck_assert_int_eq(bovw_dataset_scan(root, NULL, NULL, &m, &stats, NULL), 0);
  snprintf(manifest, sizeof manifest, "%s/all.tsv", root);  /* paths relative to root */
  ck_assert_int_eq(bovw_manifest_write(manifest, m, NULL, 0, NULL), 0);
  bovw_extract_options o = {.threads = 1, .shard_index = 1, .shard_count = 1};
  bovw_extract_params_default(&o.params);
  o.params.step = step;
  bovw_extract_stats es;
  bovw_error err;
  ck_assert_msg(bovw_extract_run(m, manifest, &o, out, NULL, &es, &err) == 0, "%s", err.message);
  bovw_manifest_free(m);
}
