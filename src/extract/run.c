/* run.c: PHOW over a manifest into a features artifact, on a pool of threads.
 *
 * Workers take images in manifest order and extract them independently; the
 * results go through a window of slots to one writer thread, which writes
 * them strictly in manifest order. So the output is the same for any thread
 * count, memory holds at most WINDOW_PER_THREAD images per worker, and a
 * worker never waits for the disk unless the window is full. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vl/generic.h>

#include "bovw/artifact.h"
#include "bovw/extract.h"
#include "bovw/fs.h"
#include "extract/store.h"
#include "io/runtime.h"

enum { WINDOW_PER_THREAD = 4 };

/* One image between its worker and the writer. Slot i % window belongs to
 * the worker that took image i until it is ready, then to the writer until
 * written; its buffers are kept from image to image (no page faults on
 * fresh memory for every image). */
typedef struct {
  int ready;
  size_t row;              /* manifest row */
  char *error;             /* why the image was skipped, or NULL */
  bovw_phow_result result; /* points into the buffers below */
  void *descriptors;
  float *frames;
  size_t descriptors_cap, frames_cap;  /* bytes */
} slot;

typedef struct {
  const bovw_manifest *manifest;
  const bovw_extract_options *options;
  const bovw_monitor *monitor;
  bovw_store_writer *store;
  pthread_mutex_t lock;
  pthread_cond_t space;   /* a slot was freed, or the run failed */
  pthread_cond_t ready;   /* a slot was filled */
  size_t next_take, next_write, end, begin;
  slot *slots;
  size_t window;
  int failed;
  bovw_error err;         /* the first failure */
} run_state;

static void slot_free(slot *s) {
  free(s->error);
  free(s->descriptors);
  free(s->frames);
  memset(s, 0, sizeof *s);
}

static int slot_reserve(void **buf, size_t *cap, size_t bytes) {
  if (bytes <= *cap) return 0;
  void *grown = realloc(*buf, bytes);
  if (!grown) return -1;
  *buf = grown;
  *cap = bytes;
  return 0;
}

/* Extracts manifest row i into s (never fails: a bad image becomes an error
 * message in the slot). */
static void extract_one(run_state *st, bovw_phow *phow, size_t i, slot *s) {
  const bovw_extract_params *p = &st->options->params;
  s->row = i;
  char *path = bovw_manifest_resolve(st->manifest, i);
  bovw_image *img = NULL;
  bovw_error e;
  int rc = path ? bovw_image_load(path, p->color == BOVW_COLOR_GRAY ? 1 : 3, &img, &e)
                : bovw_error_set(&e, BOVW_ERR_NOMEM, "out of memory");
  bovw_phow_result r;
  if (!rc) rc = bovw_phow_process(phow, img, &r, &e);
  if (!rc) {
    size_t item = p->float_descriptors ? sizeof(float) : 1;
    size_t dbytes = r.count * (size_t)r.dim * item, fbytes = r.count * 4 * sizeof(float);
    if (slot_reserve(&s->descriptors, &s->descriptors_cap, dbytes ? dbytes : 1) ||
        slot_reserve((void **)&s->frames, &s->frames_cap, fbytes ? fbytes : 1)) {
      rc = bovw_error_set(&e, BOVW_ERR_NOMEM, "%s: out of memory", path);
    } else {
      s->result = r;
      s->result.descriptors = s->descriptors;
      s->result.frames = s->frames;
      memcpy(s->descriptors, r.descriptors, dbytes);
      memcpy(s->frames, r.frames, fbytes);
    }
  }
  if (rc) {
    memset(&s->result, 0, sizeof s->result);
    s->error = strdup(e.message);
    if (!s->error) s->error = strdup("out of memory");
  }
  free(path);
  bovw_image_free(img);
}

/* The writer thread: waits for the next slot in manifest order, writes it
 * without holding the lock, frees it for the workers. */
static void *writer(void *arg) {
  run_state *st = arg;
  pthread_mutex_lock(&st->lock);
  while (!st->failed && st->next_write < st->end) {
    slot *s = &st->slots[(st->next_write - st->begin) % st->window];
    if (!s->ready) {
      pthread_cond_wait(&st->ready, &st->lock);
      continue;
    }
    pthread_mutex_unlock(&st->lock);
    /* The slot is the writer's until it is marked free below. */
    bovw_error e;
    int rc;
    if (s->error) {
      bovw_monitor_warning(st->monitor, "%s, skipped", s->error);
      rc = bovw_store_writer_skip(st->store, s->row, st->manifest->paths[s->row],
                                  st->manifest->labels[s->row], s->error, &e);
    } else {
      rc = bovw_store_writer_add(st->store, s->row, st->manifest->paths[s->row],
                                 st->manifest->labels[s->row], &s->result, &e);
    }
    pthread_mutex_lock(&st->lock);
    free(s->error);
    s->error = NULL;
    s->ready = 0;
    if (rc && !st->failed) {
      st->failed = 1;
      st->err = e;
    }
    st->next_write++;
    bovw_monitor_progress(st->monitor, "extract", st->next_write - st->begin,
                          st->end - st->begin);
    pthread_cond_broadcast(&st->space);
  }
  pthread_mutex_unlock(&st->lock);
  return NULL;
}

typedef struct {
  run_state *st;
  bovw_phow *phow;
} worker_arg;

static void *worker(void *arg) {
  worker_arg *wa = arg;
  run_state *st = wa->st;
  for (;;) {
    pthread_mutex_lock(&st->lock);
    while (!st->failed && st->next_take < st->end &&
           st->next_take - st->next_write >= st->window)
      pthread_cond_wait(&st->space, &st->lock);
    if (st->failed || st->next_take >= st->end) {
      pthread_mutex_unlock(&st->lock);
      break;
    }
    size_t i = st->next_take++;
    pthread_mutex_unlock(&st->lock);

    /* Slot i % window is free: image i - window has been written. */
    slot *s = &st->slots[(i - st->begin) % st->window];
    extract_one(st, wa->phow, i, s);

    pthread_mutex_lock(&st->lock);
    s->ready = 1;
    pthread_cond_signal(&st->ready);
    pthread_mutex_unlock(&st->lock);
  }
  return NULL;
}

int bovw_extract_run(const bovw_manifest *manifest, const char *manifest_path,
                     const bovw_extract_options *options, const char *out_dir,
                     const bovw_monitor *monitor, bovw_extract_stats *stats,
                     bovw_error *err) {
  memset(stats, 0, sizeof *stats);
  const char *why = bovw_extract_params_check(&options->params);
  if (why) return bovw_error_set(err, BOVW_ERR_INVALID, "%s", why);
  int count = options->shard_count > 0 ? options->shard_count : 1;
  int index = options->shard_count > 0 ? options->shard_index : 1;
  if (index < 1 || index > count)
    return bovw_error_set(err, BOVW_ERR_INVALID, "shard %d/%d: I must be from 1 to N",
                          index, count);
  if (manifest->count == 0)
    return bovw_error_set(err, BOVW_ERR_EMPTY, "%s: no images", manifest_path);
  size_t begin = manifest->count * (size_t)(index - 1) / (size_t)count;
  size_t end = manifest->count * (size_t)index / (size_t)count;
  int threads = bovw_threads_resolve(options->threads);
  if (threads < 1) threads = 1;
  if ((size_t)threads > end - begin && end > begin) threads = (int)(end - begin);

  double t0 = bovw_now();
  run_state st = {.manifest = manifest, .options = options, .monitor = monitor,
                  .next_take = begin, .next_write = begin, .begin = begin, .end = end,
                  .window = (size_t)threads * WINDOW_PER_THREAD};
  int rc = bovw_store_writer_new(out_dir, &options->params, &st.store, err);
  if (rc) return rc;
  st.slots = calloc(st.window, sizeof *st.slots);
  worker_arg *args = calloc((size_t)threads, sizeof *args);
  pthread_t *tids = calloc((size_t)threads, sizeof *tids);
  if (!st.slots || !args || !tids) rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  for (int t = 0; !rc && t < threads; t++) {
    args[t].st = &st;
    rc = bovw_phow_new(&options->params, &args[t].phow, err);
  }
  int started = 0;
  if (!rc) {
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.space, NULL);
    pthread_cond_init(&st.ready, NULL);
    vl_set_num_threads(1);  /* parallel over images, not inside VLFeat */
    pthread_t writer_tid;
    int writing = pthread_create(&writer_tid, NULL, writer, &st) == 0;
    if (writing)
      for (; started < threads; started++)
        if (pthread_create(&tids[started], NULL, worker, &args[started]) != 0) break;
    if (started == 0) {
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "cannot start threads");
      pthread_mutex_lock(&st.lock);
      st.failed = 1;  /* lets the writer return */
      pthread_cond_broadcast(&st.ready);
      pthread_mutex_unlock(&st.lock);
    }
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    if (writing) pthread_join(writer_tid, NULL);
    pthread_cond_destroy(&st.ready);
    pthread_cond_destroy(&st.space);
    pthread_mutex_destroy(&st.lock);
    if (!rc && st.failed) {
      rc = st.err.code ? st.err.code : BOVW_ERR_IO;
      if (err) *err = st.err;
    }
  }
  for (size_t k = 0; st.slots && k < st.window; k++) slot_free(&st.slots[k]);
  for (int t = 0; args && t < threads; t++) bovw_phow_free(args[t].phow);
  free(st.slots);
  free(args);
  free(tids);

  if (!rc) {
    bovw_store_totals totals;
    bovw_store_writer_totals(st.store, &totals);
    stats->images = totals.images;
    stats->skipped = totals.skipped;
    stats->descriptors = totals.descriptors;
    stats->zeroed = totals.zeroed;
    stats->seconds = bovw_now() - t0;
    if (totals.images == 0)
      rc = bovw_error_set(err, BOVW_ERR_EMPTY, "%s: no image could be read",
                          manifest_path);
  }
  if (!rc) {
    cJSON *extra = cJSON_CreateObject();
    cJSON *shard = extra ? cJSON_AddObjectToObject(extra, "shard") : NULL;
    cJSON *man = extra ? cJSON_AddObjectToObject(extra, "manifest") : NULL;
    char *abs = realpath(manifest_path, NULL);
    if (!shard || !man || !abs ||
        !cJSON_AddStringToObject(man, "path", abs) ||
        !cJSON_AddStringToObject(man, "sha256", manifest->sha256) ||
        !cJSON_AddNumberToObject(man, "rows", (double)manifest->count) ||
        !cJSON_AddStringToObject(man, "root", manifest->root ? manifest->root : "") ||
        !cJSON_AddNumberToObject(shard, "index", index) ||
        !cJSON_AddNumberToObject(shard, "count", count) ||
        !cJSON_AddNumberToObject(shard, "first_row", (double)begin) ||
        !cJSON_AddNumberToObject(shard, "end_row", (double)end) ||
        !cJSON_AddNumberToObject(extra, "threads", threads) ||
        !cJSON_AddNumberToObject(extra, "seconds", stats->seconds))
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    /* The class names travel with the features: later stages name classes. */
    cJSON *names = rc ? NULL : cJSON_CreateStringArray((const char *const *)manifest->class_names,
                                                        (int)manifest->num_classes);
    if (!rc && (!names || !cJSON_AddItemToObject(extra, "classes", names))) {
      cJSON_Delete(names);
      rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
    }
    if (!rc) rc = bovw_store_writer_finish(st.store, extra, err);
    free(abs);
    cJSON_Delete(extra);
  }
  bovw_store_writer_free(st.store);
  return rc;
}
