/* provenance.c: the inputs a process read, recorded in what it writes, and
 * the check that they are still the same (see include/bovw/provenance.h). */
#define _GNU_SOURCE
#include "bovw/provenance.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bovw/artifact.h"
#include "bovw/fs.h"

typedef struct {
  char *kind, *path, *digest;
} input;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **command;
static int command_len;
static input *inputs;
static size_t num_inputs, cap_inputs;

static int is_quiet(const char *arg) { return !strcmp(arg, "-q") || !strcmp(arg, "--quiet"); }

int bovw_provenance_set_command(int argc, char *const *argv) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < command_len; i++) free(command[i]);
  free(command);
  command_len = 0;
  int ok = (command = calloc((size_t)argc + 1, sizeof *command)) != NULL;
  for (int i = 0; ok && i < argc; i++)
    if (!is_quiet(argv[i])) ok = (command[command_len++] = strdup(argv[i])) != NULL;
  pthread_mutex_unlock(&lock);
  return ok ? BOVW_OK : BOVW_ERR_NOMEM;
}

void bovw_provenance_reset(void) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < command_len; i++) free(command[i]);
  free(command);
  command = NULL;
  command_len = 0;
  for (size_t i = 0; i < num_inputs; i++) {
    free(inputs[i].kind);
    free(inputs[i].path);
    free(inputs[i].digest);
  }
  free(inputs);
  inputs = NULL;
  num_inputs = cap_inputs = 0;
  pthread_mutex_unlock(&lock);
}

/* Adds (kind, absolute path, digest) unless the same kind and path is
 * there; takes nothing over. */
static int note(const char *kind, const char *path, const char *digest) {
  char *abs = realpath(path, NULL);
  if (!abs) abs = strdup(path);
  if (!abs) return BOVW_ERR_NOMEM;
  int rc = BOVW_OK;
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < num_inputs; i++)
    if (!strcmp(inputs[i].kind, kind) && !strcmp(inputs[i].path, abs)) goto done;
  if (num_inputs == cap_inputs) {
    size_t cap = cap_inputs ? 2 * cap_inputs : 8;
    input *grown = realloc(inputs, cap * sizeof *grown);
    if (!grown) {
      rc = BOVW_ERR_NOMEM;
      goto done;
    }
    inputs = grown;
    cap_inputs = cap;
  }
  input in = {strdup(kind), abs, strdup(digest)};
  if (!in.kind || !in.digest) {
    free(in.kind);
    free(in.digest);
    rc = BOVW_ERR_NOMEM;
    goto done;
  }
  inputs[num_inputs++] = in;
  abs = NULL;
done:
  pthread_mutex_unlock(&lock);
  free(abs);
  return rc;
}

int bovw_provenance_note_file(const char *path, const char *sha256_hex) {
  return note("file", path, sha256_hex);
}

/* ---- digests of what is too large to hash: names, sizes, times ------------- */

static void hex_digest(struct sha256_ctx *ctx, char hex[65]) {
  uint8_t d[SHA256_DIGEST_SIZE];
  sha256_digest(ctx, sizeof d, d);
  for (int i = 0; i < SHA256_DIGEST_SIZE; i++) sprintf(hex + 2 * i, "%02x", d[i]);
}

/* One line of a listing: name, size and modification time of a file, or
 * "-" when it cannot be read. */
static void hash_stat(struct sha256_ctx *ctx, const char *name, const char *path) {
  struct stat st;
  char line[96];
  int n = stat(path, &st) == 0
              ? snprintf(line, sizeof line, "\t%lld\t%lld.%09ld\n", (long long)st.st_size,
                         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
              : snprintf(line, sizeof line, "\t-\n");
  sha256_update(ctx, strlen(name), (const uint8_t *)name);
  sha256_update(ctx, (size_t)n, (const uint8_t *)line);
}

static int manifest_digest(const bovw_manifest *m, char hex[65]) {
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  for (size_t i = 0; i < m->count; i++) {
    char *path = bovw_manifest_resolve(m, i);
    if (!path) return BOVW_ERR_NOMEM;
    hash_stat(&ctx, path, path);
    free(path);
  }
  hex_digest(&ctx, hex);
  return BOVW_OK;
}

int bovw_provenance_note_manifest(const char *path, const bovw_manifest *m) {
  char hex[65];
  int rc = note("file", path, m->sha256);
  if (!rc) rc = manifest_digest(m, hex);
  if (!rc) rc = note("images", path, hex);
  return rc;
}

/* ---- an image folder's listing ---------------------------------------------- */

/* FNV-1a, 64 bits, continued from h. */
static uint64_t fnv1a(const char *text, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)text[i]) * 0x100000001b3ULL;
  return h;
}

void bovw_listing_add(bovw_listing *self, const char *rel, const struct stat *st) {
  /* The entry's name, then a tag and, for a file, its size and time as
   * 64-bit numbers in the host's byte order: no text to format, 9,144 entries in about
   * a millisecond. */
  int64_t fields[4] = {!st ? 0 : S_ISDIR(st->st_mode) ? 1 : 2, 0, 0, 0};
  if (st && !S_ISDIR(st->st_mode)) {
    fields[1] = (int64_t)st->st_size;
    fields[2] = (int64_t)st->st_mtim.tv_sec;
    fields[3] = (int64_t)st->st_mtim.tv_nsec;
  }
  uint64_t h = fnv1a(rel, strlen(rel) + 1, 0xcbf29ce484222325ULL);
  h = fnv1a((const char *)fields, sizeof fields, h);
  /* A second, differently mixed sum (splitmix64's finaliser) makes two
   * changes that cancel in one sum very unlikely to cancel in both. */
  uint64_t g = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  g = (g ^ (g >> 27)) * 0x94d049bb133111ebULL;
  self->sum[0] += h;
  self->sum[1] += g ^ (g >> 31);
  self->count++;
}

static void listing_hex(const bovw_listing *l, char hex[65]) {
  char text[80];
  int n = snprintf(text, sizeof text, "%zu %016llx %016llx", l->count,
                   (unsigned long long)l->sum[0], (unsigned long long)l->sum[1]);
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, (size_t)n, (const uint8_t *)text);
  hex_digest(&ctx, hex);
}

/* The non-hidden entries of the folder open as fd into l, named after
 * prefix; with descend, the entries of its folders too (one level). */
static void list_into(bovw_listing *l, int fd, const char *prefix, int descend) {
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  struct dirent *e;
  char rel[PATH_MAX];
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    int n = prefix ? snprintf(rel, sizeof rel, "%s/%s", prefix, e->d_name)
                   : snprintf(rel, sizeof rel, "%s", e->d_name);
    if (n < 0 || (size_t)n >= sizeof rel) continue;
    struct stat st;
    int ok = fstatat(dirfd(d), e->d_name, &st, 0) == 0;
    bovw_listing_add(l, rel, ok ? &st : NULL);
    if (ok && descend && S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY);
      if (sub >= 0) list_into(l, sub, rel, 0);
    }
  }
  closedir(d);
}

static int folder_digest(const char *path, char hex[65]) {
  bovw_listing l = {{0, 0}, 0};
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) list_into(&l, fd, NULL, 1);
  listing_hex(&l, hex);
  return BOVW_OK;
}

int bovw_provenance_note_listing(const char *path, const bovw_listing *l) {
  char hex[65];
  listing_hex(l, hex);
  return note("folder", path, hex);
}

int bovw_provenance_note_folder(const char *path) {
  char hex[65];
  folder_digest(path, hex);
  return note("folder", path, hex);
}

/* Whether path lies inside dir (both made absolute). */
static int inside(const char *path, const char *dir) {
  if (!dir) return 0;
  char *abs = realpath(dir, NULL);
  if (!abs) return 0;
  size_t n = strlen(abs);
  int in = !strncmp(path, abs, n) && path[n] == '/';
  free(abs);
  return in;
}

cJSON *bovw_provenance_json(const char *own_dir) {
  cJSON *p = cJSON_CreateObject(), *cmd = cJSON_AddArrayToObject(p, "command");
  char *cwd = getcwd(NULL, 0);
  int ok = p && cmd && cwd && cJSON_AddStringToObject(p, "cwd", cwd);
  free(cwd);
  cJSON *list = ok ? cJSON_AddArrayToObject(p, "inputs") : NULL;
  ok = ok && list;
  pthread_mutex_lock(&lock);
  for (int i = 0; ok && i < command_len; i++)
    ok = cJSON_AddItemToArray(cmd, cJSON_CreateString(command[i]));
  for (size_t i = 0; ok && i < num_inputs; i++) {
    if (inside(inputs[i].path, own_dir)) continue;
    cJSON *one = cJSON_CreateObject();
    ok = one && cJSON_AddItemToArray(list, one) &&
         cJSON_AddStringToObject(one, "kind", inputs[i].kind) &&
         cJSON_AddStringToObject(one, "path", inputs[i].path) &&
         cJSON_AddStringToObject(one, "digest", inputs[i].digest);
  }
  pthread_mutex_unlock(&lock);
  if (!ok) {
    cJSON_Delete(p);
    return NULL;
  }
  return p;
}

/* ---- checking -------------------------------------------------------------- */

static const char *const ARTIFACT_FILES[] = {"meta.json", "report.json", "compare.json"};

char *bovw_provenance_file(const char *dir) {
  for (size_t i = 0; i < sizeof ARTIFACT_FILES / sizeof *ARTIFACT_FILES; i++) {
    char *path = bovw_path_join(dir, ARTIFACT_FILES[i]);
    if (!path || access(path, F_OK) == 0) return path;
    free(path);
  }
  return NULL;
}

/* Whether a recorded input is itself an artifact's file: its folder. */
static char *artifact_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return NULL;
  for (size_t i = 0; i < sizeof ARTIFACT_FILES / sizeof *ARTIFACT_FILES; i++)
    if (!strcmp(slash + 1, ARTIFACT_FILES[i])) return strndup(path, (size_t)(slash - path));
  return NULL;
}

/* Digests already computed by this process's checks: an image folder or a
 * manifest's images reached through many artifacts of a run are listed
 * once per `bovw status`. A check is a moment's look: nothing is expected
 * to change while one process checks. */
typedef struct {
  char *key, hex[65];
} known_digest;
static known_digest *known;
static size_t num_known;

static const char *known_lookup(const char *key) {
  for (size_t i = 0; i < num_known; i++)
    if (!strcmp(known[i].key, key)) return known[i].hex;
  return NULL;
}

static void known_add(const char *key, const char hex[65]) {
  known_digest *grown = realloc(known, (num_known + 1) * sizeof *grown);
  if (!grown) return;  /* only a cache: the digest is recomputed next time */
  known = grown;
  if (!(known[num_known].key = strdup(key))) return;
  memcpy(known[num_known].hex, hex, 65);
  num_known++;
}

static int compute_digest(const char *kind, const char *path, char hex[65], bovw_error *err);

/* The digest an input has now, into hex ("" when it is gone). */
static int current_digest(const char *kind, const char *path, char hex[65], bovw_error *err) {
  char *key = NULL;
  if (asprintf(&key, "%s\t%s", kind, path) < 0) key = NULL;
  pthread_mutex_lock(&lock);
  const char *seen = key ? known_lookup(key) : NULL;
  if (seen) memcpy(hex, seen, 65);
  pthread_mutex_unlock(&lock);
  int rc = BOVW_OK;
  if (!seen) {
    rc = compute_digest(kind, path, hex, err);
    pthread_mutex_lock(&lock);
    if (!rc && key && strcmp(kind, "file")) known_add(key, hex);  /* listings only */
    pthread_mutex_unlock(&lock);
  }
  free(key);
  return rc;
}

static int compute_digest(const char *kind, const char *path, char hex[65], bovw_error *err) {
  hex[0] = '\0';
  if (access(path, F_OK) != 0) return BOVW_OK;
  if (!strcmp(kind, "file")) {
    bovw_error ignored;
    if (bovw_sha256_file(path, hex, &ignored)) hex[0] = '\0';
    return BOVW_OK;
  }
  if (!strcmp(kind, "folder")) return folder_digest(path, hex) ? bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory") : BOVW_OK;
  if (!strcmp(kind, "images")) {
    bovw_manifest *m;
    bovw_error ignored;
    if (bovw_manifest_read(path, &m, &ignored)) return BOVW_OK;
    int rc = manifest_digest(m, hex);
    bovw_manifest_free(m);
    return rc ? bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory") : BOVW_OK;
  }
  snprintf(hex, 65, "?");  /* a kind this bovw does not know: never the same */
  return BOVW_OK;
}

static const char *input_words(const char *kind) {
  return !strcmp(kind, "images") ? "the images listed in"
         : !strcmp(kind, "folder") ? "the image folder"
                                   : "input";
}

/* What check() returns for an artifact that is not up to date; errors are
 * the BOVW_ERR_ codes. */
enum { STALE = 100 };

/* The words of a command that decide its result: -q and --quiet never
 * do; -j N and --threads N do not either, as every stage but network
 * training gives the same result at any thread count by construction
 * (README, Conventions), so a rerun with other threads is up to date.
 * Fills words (at most argc) and returns how many. */
static int deciding_words(int argc, const char *const *argv, const char **words) {
  int threads_matter = argc >= 2 && !strcmp(argv[0], "nn") && !strcmp(argv[1], "train");
  int n = 0;
  for (int i = 0; i < argc; i++) {
    const char *w = argv[i];
    if (is_quiet(w)) continue;
    if (!threads_matter) {
      if (!strcmp(w, "-j") || !strcmp(w, "--threads")) {
        i++;
        continue;
      }
      if ((!strncmp(w, "-j", 2) && w[2]) || !strncmp(w, "--threads=", 10)) continue;
    }
    words[n++] = w;
  }
  return n;
}

/* Whether a word of the command now means what it meant then: the same
 * text from the same working folder; else, when it names an existing file
 * or folder (from here now, from the old working folder then), the same
 * one; else the same text. */
static int same_word(const char *now, const char *was, const char *then_cwd, int same_cwd) {
  if (!strcmp(now, was) && same_cwd) return 1;
  char *then = NULL;
  if (was[0] != '/' && asprintf(&then, "%s/%s", then_cwd, was) < 0) return 0;
  char *x = realpath(now, NULL), *y = realpath(then ? then : was, NULL);
  int same = x || y ? x && y && !strcmp(x, y) : !strcmp(now, was);
  free(x);
  free(y);
  free(then);
  return same;
}

static int command_differs(const cJSON *prov, int argc, char *const *argv, char *why,
                           size_t why_size) {
  const cJSON *cmd = cJSON_GetObjectItem(prov, "command");
  int m = cJSON_GetArraySize(cmd);
  const char **was_argv = calloc((size_t)m + 1, sizeof *was_argv);
  const char **now = calloc((size_t)argc + 1, sizeof *now), **was = calloc((size_t)m + 1, sizeof *was);
  int rc = BOVW_OK;
  if (!was_argv || !now || !was) {
    snprintf(why, why_size, "out of memory");
    rc = STALE;
    goto done;
  }
  for (int i = 0; i < m; i++) {
    const char *w = cJSON_GetStringValue(cJSON_GetArrayItem(cmd, i));
    was_argv[i] = w ? w : "";
  }
  int a = deciding_words(argc, (const char *const *)argv, now);
  int b = deciding_words(m, was_argv, was);
  const char *then_cwd = bovw_meta_string(prov, "cwd", "");
  char *cwd = getcwd(NULL, 0);
  const int same_cwd = cwd && !strcmp(cwd, then_cwd);
  free(cwd);
  for (int i = 0; i < a || i < b; i++) {
    if (i < a && i < b && same_word(now[i], was[i], then_cwd, same_cwd)) continue;
    if (i >= b)
      snprintf(why, why_size, "made by another command: '%s' was not given then", now[i]);
    else if (i >= a)
      snprintf(why, why_size, "made by another command: '%s' is not given now", was[i]);
    else
      snprintf(why, why_size, "made by another command: '%s' where it had '%s'", now[i], was[i]);
    rc = STALE;
    goto done;
  }
done:
  free(was_argv);
  free(now);
  free(was);
  return rc;
}

/* The artifacts one check found up to date, so that an artifact many paths
 * lead to (the dataset, a codebook) is checked once. */
typedef struct {
  char **dirs;
  size_t n;
} checked;

static int was_checked(const checked *memo, const char *dir) {
  for (size_t i = 0; i < memo->n; i++)
    if (!strcmp(memo->dirs[i], dir)) return 1;
  return 0;
}

static int check(const char *dir, int argc, char *const *argv, int depth, checked *memo,
                 char *why, size_t why_size, bovw_error *err) {
  char *file = bovw_provenance_file(dir);
  if (!file) {
    snprintf(why, why_size, "not made yet (no meta.json or report.json)");
    return STALE;
  }
  unsigned char *text = NULL;
  size_t n;
  cJSON *root = NULL;
  int rc = bovw_read_file(file, 0, &text, &n, err);
  if (!rc && !(root = cJSON_ParseWithLength((const char *)text, n)))
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not valid JSON", file);
  free(text);
  const cJSON *prov = cJSON_GetObjectItem(root, "provenance");
  if (!rc && !cJSON_IsObject(prov)) {
    snprintf(why, why_size, "%s records no provenance (made by an older bovw)", file);
    rc = STALE;
  }
  if (!rc && argc > 0) rc = command_differs(prov, argc, argv, why, why_size);
  const cJSON *in;
  cJSON_ArrayForEach(in, cJSON_GetObjectItem(prov, "inputs")) {
    if (rc) break;
    const char *kind = bovw_meta_string(in, "kind", "?"), *path = bovw_meta_string(in, "path", "");
    const char *was = bovw_meta_string(in, "digest", "");
    char now[65];
    if ((rc = current_digest(kind, path, now, err))) break;
    if (!now[0]) {
      snprintf(why, why_size, "%s %s is gone", input_words(kind), path);
      rc = STALE;
    } else if (strcmp(now, was)) {
      snprintf(why, why_size, "%s %s changed", input_words(kind), path);
      rc = STALE;
    } else if (depth < 32) {
      char *parent = artifact_of(path);
      if (parent && !was_checked(memo, parent)) {
        char inner[512];
        rc = check(parent, 0, NULL, depth + 1, memo, inner, sizeof inner, err);
        if (rc == STALE) {
          int used = snprintf(why, why_size, "upstream %s is out of date: ", parent);
          if (used >= 0 && (size_t)used < why_size) strncat(why, inner, why_size - (size_t)used - 1);
        }
      }
      free(parent);
    }
  }
  cJSON_Delete(root);
  free(file);
  if (!rc) {  /* remembered once up to date (a failed strdup only costs a recheck) */
    char **grown = realloc(memo->dirs, (memo->n + 1) * sizeof *grown);
    if (grown) {
      memo->dirs = grown;
      if ((grown[memo->n] = strdup(dir))) memo->n++;
    }
  }
  return rc;
}

int bovw_provenance_check(const char *dir, int argc, char *const *argv, char *why,
                          size_t why_size, bovw_error *err) {
  if (why_size) why[0] = '\0';
  checked memo = {NULL, 0};
  int rc = check(dir, argc, argv, 0, &memo, why, why_size, err);
  for (size_t i = 0; i < memo.n; i++) free(memo.dirs[i]);
  free(memo.dirs);
  return rc == STALE ? 1 : rc ? -1 : 0;
}

/* ---- cost from pixels ------------------------------------------------------ */

/* Reads the provenance-carrying file of dir; NULL when there is none. */
static cJSON *read_artifact(const char *dir) {
  char *file = bovw_provenance_file(dir);
  unsigned char *text = NULL;
  size_t n;
  bovw_error ignored;
  cJSON *root = NULL;
  if (file && !bovw_read_file(file, 0, &text, &n, &ignored))
    root = cJSON_ParseWithLength((const char *)text, n);
  free(text);
  free(file);
  return root;
}

int bovw_provenance_upstream(const char *dir, char ***dirs, size_t *n, bovw_error *err) {
  char *abs = realpath(dir, NULL);
  if (!abs) return bovw_error_set(err, BOVW_ERR_IO, "%s: no such folder", dir);
  for (size_t i = 0; i < *n; i++)
    if (!strcmp((*dirs)[i], abs)) {
      free(abs);
      return BOVW_OK;
    }
  char **grown = realloc(*dirs, (*n + 1) * sizeof *grown);
  if (!grown) {
    free(abs);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  }
  *dirs = grown;
  (*dirs)[(*n)++] = abs;
  cJSON *root = read_artifact(abs);
  const cJSON *in;
  int rc = BOVW_OK;
  cJSON_ArrayForEach(in, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "provenance"), "inputs")) {
    char *parent = artifact_of(bovw_meta_string(in, "path", ""));
    if (parent && access(parent, F_OK) == 0) rc = bovw_provenance_upstream(parent, dirs, n, err);
    free(parent);
    if (rc) break;
  }
  cJSON_Delete(root);
  return rc;
}

double bovw_artifact_seconds(const cJSON *meta) {
  const char *kind = bovw_meta_string(meta, "kind", "");
  if (!strcmp(kind, "dataset")) return 0;
  const cJSON *s = cJSON_GetObjectItem(meta, "seconds");
  if (cJSON_IsNumber(s)) return s->valuedouble;
  if (cJSON_IsObject(s)) return bovw_meta_number(s, "total", 0);
  if (cJSON_GetObjectItem(meta, "total_seconds")) return bovw_meta_number(meta, "total_seconds", 0);
  return bovw_meta_number(meta, "train_seconds", 0) + bovw_meta_number(meta, "cv_seconds", 0);
}

/* Adds the stages of dirs[from..n) to stages and their seconds to *sum. */
static int add_stages(cJSON *stages, char **dirs, size_t from, size_t n, const char *part,
                      double *sum) {
  for (size_t i = from; i < n; i++) {
    cJSON *root = read_artifact(dirs[i]), *one = NULL;
    if (!strcmp(bovw_meta_string(root, "kind", ""), "dataset")) {  /* a listing, no pixels */
      cJSON_Delete(root);
      continue;
    }
    one = cJSON_CreateObject();
    double s = root ? bovw_artifact_seconds(root) : 0;
    int ok = one && cJSON_AddItemToArray(stages, one) &&
             cJSON_AddStringToObject(one, "part", part) &&
             cJSON_AddStringToObject(one, "kind", bovw_meta_string(root, "kind", "?")) &&
             cJSON_AddStringToObject(one, "path", dirs[i]) &&
             cJSON_AddNumberToObject(one, "seconds", s);
    cJSON_Delete(root);
    if (!ok) return BOVW_ERR_NOMEM;
    *sum += s;
  }
  return BOVW_OK;
}

cJSON *bovw_provenance_cost(char *const *model_dirs, size_t nt, char *const *test_dirs,
                            size_t ne, double score_seconds, bovw_error *err) {
  char **dirs = NULL;
  size_t n = 0, trained;
  double train = 0, infer = score_seconds;
  int rc = BOVW_OK;
  for (size_t i = 0; !rc && i < nt; i++) rc = bovw_provenance_upstream(model_dirs[i], &dirs, &n, err);
  trained = n;
  for (size_t i = 0; !rc && i < ne; i++) rc = bovw_provenance_upstream(test_dirs[i], &dirs, &n, err);
  cJSON *cost = rc ? NULL : cJSON_CreateObject();
  cJSON *stages = cost ? cJSON_CreateArray() : NULL, *score = NULL;
  int ok = stages && !add_stages(stages, dirs, 0, trained, "training", &train) &&
           !add_stages(stages, dirs, trained, n, "inference", &infer) &&
           (score = cJSON_CreateObject()) && cJSON_AddItemToArray(stages, score) &&
           cJSON_AddStringToObject(score, "part", "inference") &&
           cJSON_AddStringToObject(score, "kind", "score") &&
           cJSON_AddNumberToObject(score, "seconds", score_seconds) &&
           cJSON_AddNumberToObject(cost, "train_seconds", train) &&
           cJSON_AddNumberToObject(cost, "inference_seconds", infer) &&
           cJSON_AddItemToObject(cost, "stages", stages);
  if (stages && !ok && !cJSON_GetObjectItem(cost, "stages")) cJSON_Delete(stages);
  for (size_t i = 0; i < n; i++) free(dirs[i]);
  free(dirs);
  if (!ok) {
    cJSON_Delete(cost);
    if (!rc) bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  return cost;
}
