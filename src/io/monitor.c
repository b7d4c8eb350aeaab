/* monitor.c: null-safe calls into a caller's bovw_monitor, serialised by
 * one lock, so that workers on any thread may report. */
#include "bovw/monitor.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void bovw_monitor_progress(const bovw_monitor *m, const char *what, size_t done,
                           size_t total) {
  if (!m || !m->progress) return;
  pthread_mutex_lock(&lock);
  m->progress(m->ctx, what, done, total);
  pthread_mutex_unlock(&lock);
}

void bovw_monitor_tick(const bovw_monitor *m, const char *what, size_t *done, size_t total,
                       size_t every) {
  pthread_mutex_lock(&lock);
  size_t now = ++*done;
  if (m && m->progress && (every < 2 || now % every == 0 || now == total))
    m->progress(m->ctx, what, now, total);
  pthread_mutex_unlock(&lock);
}

void bovw_monitor_warning(const bovw_monitor *m, const char *fmt, ...) {
  if (!m || !m->warning) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&lock);
  m->warning(m->ctx, line);
  pthread_mutex_unlock(&lock);
}
