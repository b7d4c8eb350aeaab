/* cli.c: messages, option parsing and progress shared by the subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/runtime.h"

static const char *command_name = "bovw";

void cli_set_command(const char *name) { command_name = name; }
const char *cli_command(void) { return command_name; }

static void vmessage(const char *fmt, va_list ap) {
  fprintf(stderr, "%s: ", command_name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

int cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(fmt, ap);
  va_end(ap);
  return CLI_FAILED;
}

int cli_usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(fmt, ap);
  va_end(ap);
  fprintf(stderr, "Try '%s --help'.\n", command_name);
  return CLI_USAGE;
}

int cli_dispatch(const char *group, int argc, char **argv, const char *help,
                 const cli_subcommand *subs, size_t count) {
  if (argc < 2) {
    fputs(help, stderr);
    return CLI_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(help, stdout);
    return CLI_OK;
  }
  for (size_t i = 0; i < count; i++)
    if (!strcmp(argv[1], subs[i].name)) return subs[i].run(argc - 1, argv + 1);
  return cli_usage("no command '%s %s'", group, argv[1]);
}

int cli_option_end(int c, char **argv, const char *help) {
  if (c == 'h') {
    fputs(help, stdout);
    return CLI_OK;
  }
  if (c == ':') return cli_usage("%s needs a value", argv[optind - 1]);
  return cli_usage("unknown option '%s'", argv[optind - 1]);
}

int cli_parse_long(const char *option, const char *text, long min, long max,
                   long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (end == text || *end || errno || v < min || v > max)
    return cli_usage("%s: '%s' is not a whole number from %ld to %ld", option,
                     text, min, max);
  *out = v;
  return CLI_OK;
}

int cli_parse_double(const char *option, const char *text, double min,
                     double max, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end || errno || !isfinite(v) || v < min || v > max)
    return cli_usage("%s: '%s' is not a number from %g to %g", option, text,
                     min, max);
  *out = v;
  return CLI_OK;
}

int cli_parse_seed(const char *option, const char *text, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (end == text || *end || errno || text[0] == '-')
    return cli_usage("%s: '%s' is not a non-negative whole number", option,
                     text);
  *out = (uint64_t)v;
  return CLI_OK;
}

int cli_parse_shard(const char *text, int *index, int *count) {
  char tail;
  if (sscanf(text, "%d/%d%c", index, count, &tail) != 2 || *count < 1 || *index < 1 ||
      *index > *count)
    return cli_usage("--shard: '%s' is not I/N with 1 <= I <= N", text);
  return CLI_OK;
}

int cli_parse_threads(const char *text, int *threads) {
  long v = 0;
  int rc = cli_parse_long("--threads", text, 1, 1024, &v);
  if (!rc) *threads = (int)v;
  return rc;
}

int cli_one_argument(int argc, const char *what) {
  if (optind == argc - 1) return CLI_OK;
  return optind >= argc ? cli_usage("no %s given", what) : cli_usage("one %s expected", what);
}

/* ---- progress ------------------------------------------------------------ */

enum { LINE_EVERY_SECONDS = 5, BAR_WIDTH = 30 };

/* "1h02m", "3m05s", "42s": a duration as a person reads it. */
static void put_duration(char *out, size_t size, double seconds) {
  long s = (long)(seconds + 0.5);
  if (s >= 3600) snprintf(out, size, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else if (s >= 60) snprintf(out, size, "%ldm%02lds", s / 60, s % 60);
  else snprintf(out, size, "%lds", s);
}

/* A task made of rounds names itself "NAME k/N" ("epoch 3/15"): *name_len
 * is the length of NAME, and the round k of N. 0 for any other name. */
static int rounds_of(const char *what, size_t *name_len, long *k, long *n) {
  const char *space = strrchr(what, ' ');
  char *slash, *end;
  if (!space || !(slash = strchr(space, '/'))) return 0;
  *k = strtol(space + 1, &end, 10);
  if (end != slash) return 0;
  *n = strtol(slash + 1, &end, 10);
  if (*end || *k < 1 || *n < *k) return 0;
  *name_len = (size_t)(space - what);
  return 1;
}

static void progress_cb(void *ctx, const char *what, size_t done, size_t total) {
  cli_progress *self = ctx;
  if (self->quiet) return;
  double now = bovw_now();
  /* Each task (k-means, then the assignment, ...) has its own clock: the
   * ETA extrapolates the task's own rate. The rounds of one task (epochs)
   * share a clock, and the ETA covers the rounds still to come. */
  size_t name_len = strlen(what);
  long k = 1, n = 1;
  rounds_of(what, &name_len, &k, &n);
  double frac = ((double)(k - 1) + (total ? (double)done / (double)total : 1.0)) / (double)n;
  if (name_len >= sizeof self->task || strncmp(self->task, what, name_len) != 0 ||
      self->task[name_len] != '\0' || frac < self->task_fraction) {
    snprintf(self->task, sizeof self->task, "%.*s", (int)name_len, what);
    self->task_started = now;
  }
  self->task_fraction = frac;
  char elapsed[32], eta[48] = "";
  put_duration(elapsed, sizeof elapsed, now - self->started);
  if (frac > 0 && frac < 1) {
    char left[32];
    put_duration(left, sizeof left, (now - self->task_started) * (1 - frac) / frac);
    snprintf(eta, sizeof eta, ", ETA %s", left);
  }
  double pct = total ? 100.0 * (double)done / (double)total : 100.0;
  if (self->tty) {
    if (now - self->last < 0.2 && done != total && self->bar_shown) return;
    int fill = total ? (int)((double)done / (double)total * BAR_WIDTH) : BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < fill ? '=' : ' ';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %zu/%zu %3.0f%% %s%s\033[K", what, bar, done, total, pct,
            elapsed, eta);
    self->bar_shown = 1;
    if (done == total) {
      fputc('\n', stderr);
      self->bar_shown = 0;
    }
  } else {
    if (done != total && now - self->last < LINE_EVERY_SECONDS) return;
    fprintf(stderr, "%s: %s %zu/%zu (%.0f%%) %s%s\n", command_name, what, done, total, pct,
            elapsed, eta);
  }
  self->last = now;
}

static void warning_cb(void *ctx, const char *message) {
  cli_progress *self = ctx;
  if (self->bar_shown) {
    fputc('\n', stderr);
    self->bar_shown = 0;
  }
  fprintf(stderr, "%s: warning: %s\n", command_name, message);
  self->warnings++;
}

bovw_monitor cli_progress_monitor(cli_progress *self, int quiet) {
  memset(self, 0, sizeof *self);
  self->quiet = quiet;
  self->tty = isatty(STDERR_FILENO);
  self->started = self->last = self->task_started = bovw_now();
  return (bovw_monitor){progress_cb, warning_cb, self};
}

void cli_progress_end(cli_progress *self) {
  if (self->bar_shown) fputc('\n', stderr);
  self->bar_shown = 0;
}
