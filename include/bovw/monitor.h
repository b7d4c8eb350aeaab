/* monitor.h: how long library work reports progress and warnings.
 *
 * The library never prints. A long call takes a bovw_monitor (or NULL) and
 * calls its functions; the command-line program turns them into a progress
 * bar and warning lines on stderr. Callbacks may be called from any worker
 * thread, but never from two threads at once: the helpers below serialise
 * them with one lock. */
#ifndef BOVW_MONITOR_H
#define BOVW_MONITOR_H

#include <stddef.h>

typedef struct bovw_monitor {
  /* `done` of `total` units of the task named `what` are finished. */
  void (*progress)(void *ctx, const char *what, size_t done, size_t total);
  /* Something was skipped or adjusted; the work goes on. One line, no '\n'. */
  void (*warning)(void *ctx, const char *message);
  void *ctx;
} bovw_monitor;

/* Null-safe helpers for library code. */
void bovw_monitor_progress(const bovw_monitor *m, const char *what, size_t done,
                           size_t total);
/* One more unit of `what` done, from any thread: increments *done under the
 * monitor's lock and reports every `every` units and at the last. */
void bovw_monitor_tick(const bovw_monitor *m, const char *what, size_t *done, size_t total,
                       size_t every);
void bovw_monitor_warning(const bovw_monitor *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
