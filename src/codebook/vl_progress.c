/* vl_progress.c: VLFeat's iteration messages as bovw progress. */
#include "codebook/vl_progress.h"

#include <stdarg.h>
#include <string.h>
#include <vl/generic.h>

static const bovw_monitor *span_monitor;
static const char *span_what;
static size_t span_total, span_done;
static printf_func_t saved_printf;

/* The messages of one iteration of Elkan's k-means ("kmeans: Elkan iter
 * %d: ...", "kmeans: Lloyd: iter %d: ...") and of EM ("gmm: em: iteration
 * %d: ..."); everything else VLFeat says is dropped. */
static int on_message(char const *format, ...) {
  int iteration = strstr(format, "iter %d") || strstr(format, "iteration %d");
  if (iteration && (!strncmp(format, "kmeans:", 7) || !strncmp(format, "gmm: em:", 8))) {
    if (span_done < span_total) span_done++;
    bovw_monitor_progress(span_monitor, span_what, span_done, span_total);
  }
  return 0;
}

void bovw_vl_progress_begin(const bovw_monitor *monitor, const char *what, size_t total) {
  span_monitor = monitor;
  span_what = what;
  span_total = total;
  span_done = 0;
  saved_printf = vl_get_printf_func();
  vl_set_printf_func(on_message);
}

void bovw_vl_progress_end(void) {
  if (span_done < span_total) bovw_monitor_progress(span_monitor, span_what, span_total, span_total);
  vl_set_printf_func(saved_printf);
  span_monitor = NULL;
}
