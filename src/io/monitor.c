/* monitor.c: null-safe calls into a caller's bovw_monitor. */
#include "bovw/monitor.h"

#include <stdarg.h>
#include <stdio.h>

void bovw_monitor_progress(const bovw_monitor *m, const char *what, size_t done,
                           size_t total) {
  if (m && m->progress) m->progress(m->ctx, what, done, total);
}

void bovw_monitor_warning(const bovw_monitor *m, const char *fmt, ...) {
  if (!m || !m->warning) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  m->warning(m->ctx, line);
}
