/* scan.c: an image folder (one subfolder per class) into a manifest.
 *
 * Listing is sequential and sorted with strcmp; checking the files (reading
 * each and parsing its header, or decoding it all with `verify`) runs on
 * `threads` threads. Warnings are emitted after the check, in listing order,
 * so the output does not depend on the thread count. */
#define _GNU_SOURCE
#include <dirent.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bovw/dataset.h"
#include "bovw/fs.h"
#include "bovw/image.h"
#include "bovw/provenance.h"
#include "io/runtime.h"

typedef struct {
  char **items;
  size_t count, cap;
} string_list;

static int list_push(string_list *l, const char *s) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    char **grown = realloc(l->items, cap * sizeof *grown);
    if (!grown) return -1;
    l->items = grown;
    l->cap = cap;
  }
  if (!(l->items[l->count] = strdup(s))) return -1;
  l->count++;
  return 0;
}

static void list_free(string_list *l) {
  for (size_t i = 0; i < l->count; i++) free(l->items[i]);
  free(l->items);
  memset(l, 0, sizeof *l);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir that are folders (want_dirs) or regular files, hidden
 * names excluded, sorted. Links are followed. Each entry also goes into
 * listing (the scanned folder's identity), named under prefix (NULL at the
 * root). */
static int list_dir(const char *dir, int want_dirs, string_list *out,
                    string_list *others, bovw_listing *listing, const char *prefix,
                    bovw_error *err) {
  DIR *d = opendir(dir);
  if (!d)
    return bovw_error_set(err, BOVW_ERR_IO, "%s: cannot open folder: %m", dir);
  struct dirent *e;
  int rc = BOVW_OK;
  while (!rc && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *path = bovw_path_join(dir, e->d_name);
    struct stat st;
    if (!path) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
      break;
    }
    int ok = stat(path, &st) == 0, is_dir = ok && S_ISDIR(st.st_mode);
    char rel[4096];
    if (prefix) snprintf(rel, sizeof rel, "%s/%s", prefix, e->d_name);
    bovw_listing_add(listing, prefix ? rel : e->d_name, ok ? &st : NULL);
    string_list *target = is_dir == want_dirs ? out : others;
    if (target && list_push(target, e->d_name))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    free(path);
  }
  closedir(d);
  if (!rc && out->count > 1)
    qsort(out->items, out->count, sizeof *out->items, by_name);
  if (!rc && others && others->count > 1)
    qsort(others->items, others->count, sizeof *others->items, by_name);
  return rc;
}

static int has_image_extension(const char *name) {
  static const char *const exts[] = {".jpg", ".jpeg", ".png", ".pgm",
                                     ".ppm", ".pnm"};
  const char *dot = strrchr(name, '.');
  if (!dot) return 0;
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
    if (!strcasecmp(dot, exts[i])) return 1;
  return 0;
}

/* NULL when the file is a usable image, else a new message saying why not. */
static char *check_image(const char *path, int verify) {
  bovw_error err;
  unsigned char *bytes;
  size_t n;
  int rc = bovw_read_file(path, 0, &bytes, &n, &err);
  if (!rc) {
    if (verify) {
      bovw_image *img = NULL;
      rc = bovw_image_decode(bytes, n, path, 1, &img, &err);
      bovw_image_free(img);
    } else {
      bovw_image_format format;
      int w, h;
      rc = bovw_image_probe(bytes, n, path, &format, &w, &h, &err);
    }
    free(bytes);
  }
  return rc ? strdup(err.message) : NULL;
}

int bovw_dataset_scan(const char *root, const bovw_scan_options *options,
                      const bovw_monitor *monitor, bovw_manifest **out,
                      bovw_scan_stats *stats, bovw_error *err) {
  *out = NULL;
  memset(stats, 0, sizeof *stats);
  bovw_scan_options defaults = BOVW_SCAN_OPTIONS_DEFAULT;
  if (!options) options = &defaults;

  struct stat st;
  if (stat(root, &st) != 0)
    return bovw_error_set(err, BOVW_ERR_IO, "%s: %m", root);
  if (!S_ISDIR(st.st_mode))
    return bovw_error_set(err, BOVW_ERR_INVALID, "%s: not a folder", root);
  /* The folder's listing (names, sizes, times) identifies what was scanned:
   * gathered from the stats the listing makes anyway. */
  bovw_listing listing = {{0, 0}, 0};

  string_list classes = {0}, loose = {0}, candidates = {0};
  int32_t *candidate_class = NULL;
  char **why = NULL;
  bovw_manifest *m = NULL;
  int rc = list_dir(root, 1, &classes, &loose, &listing, NULL, err);
  for (size_t i = 0; !rc && i < loose.count; i++)
    if (strcmp(loose.items[i], "meta.json") != 0)  /* an imported folder's own record */
      bovw_monitor_warning(monitor, "%s/%s: not in a class folder, ignored", root,
                           loose.items[i]);
  if (!rc && classes.count == 0)
    rc = bovw_error_set(err, BOVW_ERR_EMPTY,
                        "%s: no class folders (one subfolder per class expected)",
                        root);

  /* Candidates: class folder/file name, by class then name. */
  size_t cap = 0;
  for (size_t c = 0; !rc && c < classes.count; c++) {
    string_list files = {0}, subdirs = {0};
    char *dir = bovw_path_join(root, classes.items[c]);
    if (!dir) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    if (!rc) rc = list_dir(dir, 0, &files, &subdirs, &listing, classes.items[c], err);
    for (size_t k = 0; !rc && k < subdirs.count; k++)
      bovw_monitor_warning(monitor, "%s/%s: a folder inside a class folder, ignored",
                           dir, subdirs.items[k]);
    for (size_t k = 0; !rc && k < files.count; k++) {
      char rel[4096];
      snprintf(rel, sizeof rel, "%s/%s", classes.items[c], files.items[k]);
      if (strchr(rel, '\t') || strchr(rel, '\n')) {
        bovw_monitor_warning(monitor, "%s/%s: a tab or newline in the name, skipped",
                             root, rel);
        stats->other_extension++;
        continue;
      }
      if (!options->any_extension && !has_image_extension(files.items[k])) {
        bovw_monitor_warning(monitor,
                             "%s/%s: no image extension, skipped (--any-extension "
                             "takes every file)",
                             root, rel);
        stats->other_extension++;
        continue;
      }
      if (candidates.count == cap) {
        cap = cap ? 2 * cap : 1024;
        int32_t *grown = realloc(candidate_class, cap * sizeof *grown);
        if (!grown) {
          rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
          break;
        }
        candidate_class = grown;
      }
      candidate_class[candidates.count] = (int32_t)c;
      if (list_push(&candidates, rel))
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
    free(dir);
    list_free(&files);
    list_free(&subdirs);
  }

  /* Check every candidate, in parallel. */
  size_t n = candidates.count, done = 0;
  if (!rc && n && !(why = calloc(n, sizeof *why)))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  if (!rc) {
    int threads = bovw_threads_resolve(options->threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 8)
    for (size_t i = 0; i < n; i++) {
      char *path = bovw_path_join(root, candidates.items[i]);
      why[i] = path ? check_image(path, options->verify) : strdup("out of memory");
      free(path);
      bovw_monitor_tick(monitor, "scan", &done, n, 64);
    }
  }

  /* Count images per class; drop classes that have none. */
  size_t *per_class = NULL;
  int32_t *new_label = NULL;
  if (!rc && (!(per_class = calloc(classes.count, sizeof *per_class)) ||
              !(new_label = calloc(classes.count, sizeof *new_label))))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; !rc && i < n; i++) {
    if (why[i]) {
      bovw_monitor_warning(monitor, "%s, skipped", why[i]);
      stats->not_images++;
    } else {
      per_class[candidate_class[i]]++;
    }
  }
  if (!rc && !(m = bovw_manifest_new()))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  string_list kept = {0};
  for (size_t c = 0; !rc && c < classes.count; c++) {
    new_label[c] = (int32_t)kept.count;
    if (!per_class[c]) {
      bovw_monitor_warning(monitor, "%s/%s: no images, class left out", root,
                           classes.items[c]);
      stats->empty_classes++;
    } else if (list_push(&kept, classes.items[c])) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
  }
  for (size_t i = 0; !rc && i < n; i++)
    if (!why[i])
      rc = bovw_manifest_add(m, candidates.items[i],
                             new_label[candidate_class[i]], err);
  if (!rc) rc = bovw_manifest_set_classes(m, kept.items, kept.count, err);
  if (!rc) rc = bovw_manifest_set_root(m, root, err);
  if (!rc && m->count == 0)
    rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: no images found", root);
  if (!rc && bovw_provenance_note_listing(root, &listing))
    rc = bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory", root);

  stats->images = m && !rc ? m->count : 0;
  stats->classes = kept.count;
  for (size_t i = 0; why && i < n; i++) free(why[i]);
  free(why);
  free(per_class);
  free(new_label);
  free(candidate_class);
  list_free(&kept);
  list_free(&candidates);
  list_free(&classes);
  list_free(&loose);
  if (rc) {
    bovw_manifest_free(m);
    return rc;
  }
  *out = m;
  return BOVW_OK;
}
