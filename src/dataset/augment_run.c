/* augment_run.c: `bovw dataset augment`, a manifest's images into a larger
 * training set (the transforms are in augment.c).
 *
 * Output j is source j unchanged for j below the source count, else a copy
 * of source order[(j - sources) mod sources] under transform j, where order
 * is a seeded shuffle of the sources: an incomplete last round takes a
 * random subset rather than the first classes of a class-sorted manifest.
 * Work runs over the sources, each decoded once for all its outputs, on any
 * number of threads; what output j holds depends on (seed, j) and the
 * source alone, and warnings are given after the work, in manifest order. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bovw/artifact.h"
#include "bovw/dataset.h"
#include "bovw/fs.h"
#include "bovw/rng.h"
#include "dataset/internal.h"
#include "io/runtime.h"

/* The order of the sources for the copies: a stream of the seed of its own. */
#define ORDER_STREAM 0x510e527fade682d1ULL

static int validate(const bovw_augment_options *o, bovw_error *err) {
  if (o->count < 1)
    return bovw_error_set(err, BOVW_ERR_INVALID, "count %zu: at least one image", o->count);
  if (o->shift < 0 || o->shift > 4096)
    return bovw_error_set(err, BOVW_ERR_INVALID, "shift %d is not from 0 to 4096 pixels",
                          o->shift);
  if (!(o->rotate >= 0 && o->rotate <= 180))
    return bovw_error_set(err, BOVW_ERR_INVALID, "rotate %g is not from 0 to 180 degrees",
                          o->rotate);
  return BOVW_OK;
}

/* A class name is a folder name under DIR/images, its own. */
static int check_class_names(const bovw_manifest *m, const char *path, bovw_error *err) {
  for (size_t c = 0; c < m->num_classes; c++) {
    const char *name = m->class_names[c];
    if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
      return bovw_error_set(err, BOVW_ERR_INVALID,
                            "%s: class %zu \"%s\" cannot name a folder", path, c, name);
    for (size_t k = 0; k < c; k++)
      if (!strcmp(m->class_names[k], name))
        return bovw_error_set(err, BOVW_ERR_INVALID, "%s: classes %zu and %zu are both \"%s\"",
                              path, k, c, name);
  }
  return BOVW_OK;
}

/* 1 when path is folder dir or inside it (both resolved; 0 when either does
 * not exist yet). */
static int is_within(const char *path, const char *dir) {
  char *p = realpath(path, NULL), *d = realpath(dir, NULL);
  size_t n = d ? strlen(d) : 0;
  int within = p && d && !strncmp(p, d, n) && (p[n] == '\0' || p[n] == '/' || n == 1);
  free(p);
  free(d);
  return within;
}

/* The artifact must not overwrite its own source: the manifest's folder (a
 * dataset artifact, whose meta.json would go) or the folder its images
 * resolve against (which the clean-up of DIR/images would empty). */
static int check_output(const bovw_manifest *m, const char *manifest_path, const char *dir,
                        bovw_error *err) {
  char *folder = bovw_path_dirname(manifest_path);
  if (!folder) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int clash = is_within(folder, dir) || (m->root && is_within(m->root, dir));
  free(folder);
  if (clash)
    return bovw_error_set(err, BOVW_ERR_INVALID,
                          "%s: holds the source manifest %s or its images; write the "
                          "augmented set to a folder of its own",
                          dir, manifest_path);
  return BOVW_OK;
}

/* How many copies source s makes: outputs sources + pos + r * sources < count. */
static size_t copies_of(size_t pos, size_t sources, size_t count) {
  size_t extra = count - sources;
  return extra > pos ? (extra - pos - 1) / sources + 1 : 0;
}

typedef struct {
  const bovw_manifest *m;
  const char *images;        /* dir/images */
  const size_t *order, *pos; /* copies' sources, and each source's place there */
  size_t count;
  int width;                 /* of the zero-padded index */
  unsigned char *written;    /* count flags */
} plan;

static size_t source_of(const plan *p, size_t j) {
  size_t n = p->m->count;
  return j < n ? j : p->order[(j - n) % n];
}

/* "images/<class>/<j>.png" under base (NULL: relative to dir); a new string. */
static char *output_path(const plan *p, const char *base, size_t j) {
  char *path = NULL;
  const char *cls = p->m->class_names[p->m->labels[source_of(p, j)]];
  if (asprintf(&path, "%s/%s/%0*zu.png", base ? base : "images", cls, p->width, j) < 0)
    return NULL;
  return path;
}

/* Reads source s and writes each of its outputs. 0 when done, or a read
 * failure (*why set: the source is skipped), or a write failure (err). */
static int augment_source(const plan *p, const bovw_augment_options *o, size_t s,
                          const bovw_monitor *monitor, size_t *done, char **why,
                          bovw_error *err) {
  const size_t n = p->m->count, copies = copies_of(p->pos[s], n, p->count);
  char *path = bovw_manifest_resolve(p->m, s);
  bovw_image *img = NULL;
  bovw_error local;
  int rc = path ? bovw_image_load(path, 3, &img, &local)
                : bovw_error_set(&local, BOVW_ERR_NOMEM, "out of memory");
  free(path);
  if (rc) {
    *why = strdup(local.message);
    for (size_t k = 0; k <= copies; k++) bovw_monitor_tick(monitor, "augment", done, p->count, 1000);
    return rc == BOVW_ERR_NOMEM ? bovw_error_set(err, rc, "%s", local.message) : BOVW_OK;
  }
  /* A source whose three planes agree is gray (a gray file decodes so), and
   * its copies are written gray: the first plane is the image. */
  const size_t plane = (size_t)img->width * img->height;
  if (!memcmp(img->pixels, img->pixels + plane, plane * sizeof *img->pixels) &&
      !memcmp(img->pixels, img->pixels + 2 * plane, plane * sizeof *img->pixels))
    img->channels = 1;
  uint8_t *samples = malloc(plane * img->channels);
  if (!samples) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (size_t k = 0; !rc && k <= copies; k++) {
    const size_t j = k == 0 ? s : n + p->pos[s] + (k - 1) * n;
    bovw_augment_transform t = {0, 0, 0, 0};
    if (k) bovw_augment_draw(o, j, &t);
    bovw_augment_apply(img, &t, samples);
    char *out = output_path(p, p->images, j);
    rc = out ? bovw_png_write(out, samples, img->width, img->height, img->channels, err)
             : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(out);
    if (!rc) p->written[j] = 1;
    bovw_monitor_tick(monitor, "augment", done, p->count, 1000);
  }
  free(samples);
  bovw_image_free(img);
  return rc;
}

/* Whether `name` in the folder of class c is one of this run's outputs. */
static int is_output(const plan *p, size_t c, const char *name) {
  size_t len = strlen(name), w = (size_t)p->width, j = 0;
  if (len != w + 4 || strcmp(name + w, ".png")) return 0;
  for (size_t i = 0; i < w; i++) {
    if (name[i] < '0' || name[i] > '9') return 0;
    j = 10 * j + (size_t)(name[i] - '0');
  }
  return j < p->count && p->written[j] && (size_t)p->m->labels[source_of(p, j)] == c;
}

/* Makes dir/images hold this run's outputs alone: files an earlier run left
 * in it (another count, another manifest's classes, an interrupted write's
 * temporary file) are removed, and so are folders of classes this run does
 * not have once empty. Folders inside class folders are left alone. */
static int prune(const plan *p, size_t *removed, bovw_error *err) {
  DIR *top = opendir(p->images);
  if (!top) return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot open folder: %m", p->images);
  int rc = BOVW_OK;
  struct dirent *e;
  while (!rc && (e = readdir(top))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *sub = bovw_path_join(p->images, e->d_name);
    struct stat st;
    if (!sub) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
      break;
    }
    if (stat(sub, &st) == 0 && !S_ISDIR(st.st_mode)) {
      if (unlink(sub) == 0) (*removed)++;
      free(sub);
      continue;
    }
    size_t c = 0;
    while (c < p->m->num_classes && strcmp(p->m->class_names[c], e->d_name)) c++;
    DIR *d = opendir(sub);
    struct dirent *f;
    while (d && (f = readdir(d))) {
      if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, "..") ||
          (c < p->m->num_classes && is_output(p, c, f->d_name)))
        continue;
      char *file = bovw_path_join(sub, f->d_name);
      if (file && lstat(file, &st) == 0 && !S_ISDIR(st.st_mode) && unlink(file) == 0)
        (*removed)++;
      free(file);
    }
    if (d) closedir(d);
    if (c == p->m->num_classes) rmdir(sub);  /* fails, harmlessly, when not empty */
    free(sub);
  }
  closedir(top);
  return rc;
}

/* dir/train.tsv, dir/classes.txt and dir/meta.json: the commit. */
static int write_artifact(const char *dir, const char *manifest_path, const plan *p,
                          const bovw_augment_options *o, const bovw_augment_stats *st,
                          bovw_error *err) {
  const bovw_manifest *m = p->m;
  bovw_manifest *out = bovw_manifest_new();
  char *classes = bovw_path_join(dir, "classes.txt");
  char *source = realpath(manifest_path, NULL);
  cJSON *meta = bovw_meta_new("augmented");
  cJSON *files = meta ? cJSON_AddObjectToObject(meta, "sha256") : NULL;
  int rc = out && classes && source && files
               ? bovw_manifest_set_classes(out, m->class_names, m->num_classes, err)
               : bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", dir);
  for (size_t j = 0; !rc && j < p->count; j++) {
    if (!p->written[j]) continue;
    char *rel = output_path(p, NULL, j);
    rc = rel ? bovw_manifest_add(out, rel, m->labels[source_of(p, j)], err)
             : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(rel);
  }
  if (!rc) rc = bovw_classes_write(classes, out, err);
  if (!rc) rc = bovw_dataset_write_tsv(dir, "train.tsv", out, NULL, out->count, files, err);
  cJSON *src = rc ? NULL : cJSON_AddObjectToObject(meta, "source");
  cJSON *opts = src ? cJSON_AddObjectToObject(meta, "options") : NULL;
  cJSON *counts = opts ? cJSON_AddObjectToObject(meta, "counts") : NULL;
  if (!rc &&
      (!counts || !cJSON_AddStringToObject(src, "manifest", source) ||
       !cJSON_AddStringToObject(src, "sha256", m->sha256) ||
       !cJSON_AddNumberToObject(src, "images", (double)m->count) ||
       !cJSON_AddNumberToObject(opts, "count", (double)o->count) ||
       !cJSON_AddNumberToObject(opts, "seed", (double)o->seed) ||
       !cJSON_AddNumberToObject(opts, "shift", o->shift) ||
       !cJSON_AddNumberToObject(opts, "rotate", o->rotate) ||
       !cJSON_AddBoolToObject(opts, "flip", o->flip) ||
       !cJSON_AddNumberToObject(counts, "classes", (double)m->num_classes) ||
       !cJSON_AddNumberToObject(counts, "images", (double)st->images) ||
       !cJSON_AddNumberToObject(counts, "originals", (double)st->originals) ||
       !cJSON_AddNumberToObject(counts, "augmented", (double)(st->images - st->originals)) ||
       !cJSON_AddNumberToObject(counts, "skipped_sources", (double)st->skipped_sources) ||
       !cJSON_AddNumberToObject(counts, "skipped_images", (double)st->skipped_images) ||
       !cJSON_AddNumberToObject(counts, "removed", (double)st->removed) ||
       !cJSON_AddNumberToObject(meta, "seconds", st->seconds)))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_meta_write(dir, meta, err);
  cJSON_Delete(meta);
  free(source);
  free(classes);
  bovw_manifest_free(out);
  return rc;
}

int bovw_dataset_augment(const char *manifest_path, const char *dir,
                         const bovw_augment_options *options,
                         const bovw_monitor *monitor, bovw_augment_stats *stats,
                         bovw_error *err) {
  bovw_augment_stats local_stats;
  bovw_augment_stats *st = stats ? stats : &local_stats;
  memset(st, 0, sizeof *st);
  int rc = validate(options, err);
  if (rc) return rc;
  const double started = bovw_now();
  bovw_manifest *m = NULL;
  rc = bovw_manifest_read(manifest_path, &m, err);
  if (rc) return rc;
  const size_t n = m->count;
  if (!n) rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: lists no images", manifest_path);
  else if (options->count < n)
    rc = bovw_error_set(err, BOVW_ERR_INVALID,
                        "%s lists %zu images, more than the count of %zu: augmentation "
                        "keeps every source and adds copies",
                        manifest_path, n, options->count);
  if (!rc) rc = check_class_names(m, manifest_path, err);
  if (!rc) rc = check_output(m, manifest_path, dir, err);

  plan p = {m, NULL, NULL, NULL, options->count,
            bovw_dataset_digits(options->count - 1), NULL};
  size_t *order = NULL, *pos = NULL, done = 0;
  char **why = NULL;
  if (!rc && (!(p.images = bovw_path_join(dir, "images")) ||
              !(order = malloc(n * sizeof *order)) || !(pos = malloc(n * sizeof *pos)) ||
              !(p.written = calloc(options->count, 1)) || !(why = calloc(n, sizeof *why))))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) rc = bovw_artifact_begin(dir, err);
  for (size_t c = 0; !rc && c < m->num_classes; c++) {
    char *cls = bovw_path_join(p.images, m->class_names[c]);
    rc = cls ? bovw_mkdir_p(cls, err) : bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(cls);
  }
  if (!rc) {
    bovw_rng rng;
    bovw_rng_seed(&rng, options->seed ^ ORDER_STREAM);
    for (size_t i = 0; i < n; i++) order[i] = i;
    bovw_rng_shuffle(&rng, order, n, sizeof *order);
    for (size_t q = 0; q < n; q++) pos[order[q]] = q;
    p.order = order;
    p.pos = pos;

    const int threads = bovw_threads_resolve(options->threads);
    volatile int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
    for (size_t s = 0; s < n; s++) {
      if (failed) continue;
      bovw_error mine;
      if (augment_source(&p, options, s, monitor, &done, &why[s], &mine))
        bovw_parallel_fail(&failed, &rc, err, mine.code, &mine);
    }
  }
  for (size_t s = 0; !rc && s < n; s++) {
    if (!why[s]) continue;
    size_t lost = 1 + copies_of(pos[s], n, options->count);
    bovw_monitor_warning(monitor, "%s; skipped, with its %zu output%s", why[s], lost,
                         lost == 1 ? "" : "s");
    st->skipped_sources++;
    st->skipped_images += lost;
  }
  st->sources = n;
  st->images = options->count - st->skipped_images;
  st->originals = n - st->skipped_sources;
  if (!rc && !st->images)
    rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: none of the %zu images could be read",
                        manifest_path, n);
  if (!rc) rc = prune(&p, &st->removed, err);
  st->seconds = bovw_now() - started;
  if (!rc) rc = write_artifact(dir, manifest_path, &p, options, st, err);
  for (size_t s = 0; why && s < n; s++) free(why[s]);
  free(why);
  free(p.written);
  free(order);
  free(pos);
  free((char *)p.images);
  bovw_manifest_free(m);
  return rc;
}
