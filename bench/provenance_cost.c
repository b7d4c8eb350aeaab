/* provenance_cost.c: what recording provenance adds inside a stage: the
 * digests a stage computes of its inputs as it reads them (an image
 * folder's listing for dataset scan, a manifest's images for extract, the
 * SHA-256 of each meta.json read). Times each over RUNS runs and prints the
 * median, in milliseconds.
 * MANIFEST should list every image of FOLDER (a scan's all.tsv) for the
 * scan's figure to count as many entries as the scan does.
 * With MODEL_DIR TEST_ENCODINGS_DIR REPORT_DIR last among the artifact
 * folders, also the cost-from-pixels walk bovw eval makes.
 *   provenance_cost RUNS FOLDER MANIFEST [ARTIFACT_DIR...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/artifact.h"
#include "bovw/manifest.h"
#include "bovw/provenance.h"
#include "io/runtime.h"

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *t, int n) {
  qsort(t, (size_t)n, sizeof *t, by_value);
  return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: provenance_cost RUNS FOLDER MANIFEST [ARTIFACT_DIR...]\n");
    return 2;
  }
  int runs = atoi(argv[1]);
  if (runs < 1 || runs > 1000) runs = 5;
  double *t = malloc((size_t)runs * sizeof *t);
  bovw_error err;
  bovw_manifest *m;
  if (!t || bovw_manifest_read(argv[3], &m, &err)) {
    fprintf(stderr, "provenance_cost: %s\n", t ? err.message : "out of memory");
    return 1;
  }
  for (int r = 0; r < runs; r++) {
    bovw_provenance_reset();
    double t0 = bovw_now();
    bovw_provenance_note_folder(argv[2]);
    t[r] = bovw_now() - t0;
  }
  printf("folder listing digest, walked (bovw status)\t%s\t%.2f ms\n", argv[2],
         1e3 * median(t, runs));
  /* What the scan adds: its own stats of the manifest's images (and their
   * folders), hashed into the listing. */
  struct stat *st = malloc(m->count * sizeof *st);
  char **rel = malloc(m->count * sizeof *rel);
  for (size_t i = 0; st && rel && i < m->count; i++) {
    rel[i] = bovw_manifest_resolve(m, i);
    if (!rel[i] || stat(rel[i], &st[i]) != 0) memset(&st[i], 0, sizeof st[i]);
  }
  for (int r = 0; st && rel && r < runs; r++) {
    bovw_provenance_reset();
    double t0 = bovw_now();
    bovw_listing l = {{0, 0}, 0};
    for (size_t i = 0; i < m->count; i++) bovw_listing_add(&l, rel[i] ? rel[i] : "", &st[i]);
    bovw_provenance_note_listing(argv[2], &l);
    t[r] = bovw_now() - t0;
  }
  printf("folder listing digest, from the scan's own stats, %zu entries\t%s\t%.2f ms\n",
         m->count, argv[2], 1e3 * median(t, runs));
  for (size_t i = 0; rel && i < m->count; i++) free(rel[i]);
  free(rel);
  free(st);
  for (int r = 0; r < runs; r++) {
    bovw_provenance_reset();
    double t0 = bovw_now();
    bovw_provenance_note_manifest(argv[3], m);
    t[r] = bovw_now() - t0;
  }
  printf("manifest images digest (extract)\t%s (%zu images)\t%.2f ms\n", argv[3], m->count,
         1e3 * median(t, runs));
  for (int a = 4; a < argc; a++) {
    char *file = bovw_provenance_file(argv[a]);
    for (int r = 0; file && r < runs; r++) {
      bovw_provenance_reset();
      cJSON *root;
      double t0 = bovw_now();
      if (bovw_json_read_noted(file, &root, &err)) break;
      t[r] = bovw_now() - t0;
      cJSON_Delete(root);
    }
    if (file) printf("read and digest\t%s\t%.3f ms\n", file, 1e3 * median(t, runs));
    free(file);
  }
  /* What bovw eval adds: the cost from pixels, read from the provenance of
   * every artifact upstream of the model and of the test encodings (given
   * as the last two ARTIFACT_DIRs before the report: model, encodings). */
  if (argc >= 7) {
    char *models[1] = {argv[argc - 3]}, *tests[1] = {argv[argc - 2]};
    for (int r = 0; r < runs; r++) {
      double t0 = bovw_now();
      cJSON *cost = bovw_provenance_cost(models, 1, tests, 1, 0, &err);
      t[r] = bovw_now() - t0;
      cJSON_Delete(cost);
    }
    printf("cost from pixels (eval)\t%s + %s\t%.3f ms\n", models[0], tests[0], 1e3 * median(t, runs));
  }
  bovw_manifest_free(m);
  free(t);
  return 0;
}
