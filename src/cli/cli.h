/* cli.h: what the subcommands of the bovw program share: error lines,
 * option parsing helpers, and the progress and warning printer.
 *
 * Exit codes: 0 success, 1 failure, 2 a usage error (bad or missing option). */
#ifndef BOVW_CLI_H
#define BOVW_CLI_H

#include <stdint.h>
#include <time.h>

#include "bovw/monitor.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* The command name that starts every message: "bovw dataset scan". */
void cli_set_command(const char *name);
const char *cli_command(void);

/* Prints "bovw CMD: message" on stderr; returns CLI_FAILED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "bovw CMD: message" and a hint to use --help; returns CLI_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last cases of every command's option switch (`default:`): -h prints
 * `help` on stdout and returns CLI_OK (the command then returns it);
 * getopt's ':' (a value missing) and '?' (an unknown option) print a usage
 * error and return CLI_USAGE. Requires ":" at the start of the optstring. */
int cli_option_end(int c, char **argv, const char *help);

/* A command made of subcommands (`bovw dataset scan ...`): no argument
 * prints `help` on stderr (usage error), -h/--help prints it on stdout, a
 * known name runs its function with the arguments after `group`, anything
 * else is a usage error naming it. */
typedef struct cli_subcommand {
  const char *name;
  int (*run)(int argc, char **argv);
} cli_subcommand;

int cli_dispatch(const char *group, int argc, char **argv, const char *help,
                 const cli_subcommand *subs, size_t count);

/* Parse an option value; on a bad value print a usage error naming the
 * option and return CLI_USAGE, else store it and return CLI_OK. */
int cli_parse_long(const char *option, const char *text, long min, long max,
                   long *out);
int cli_parse_double(const char *option, const char *text, double min,
                     double max, double *out);
int cli_parse_seed(const char *option, const char *text, uint64_t *out);
/* --shard I/N: 1 <= I <= N. */
int cli_parse_shard(const char *text, int *index, int *count);
/* -j N / --threads N: 1 <= N <= 1024. */
int cli_parse_threads(const char *text, int *threads);

/* After the options: exactly one argument left (argv[optind]), else a usage
 * error "no WHAT given" or "one WHAT expected". */
int cli_one_argument(int argc, const char *what);

/* Progress on stderr: a bar redrawn in place on a terminal, otherwise a line
 * every few seconds and one at the end, each with the time so far and, for
 * an unfinished task, its ETA from the task's own rate. Warnings are printed as
 * "bovw CMD: warning: ..." and counted. `quiet` silences progress (warnings
 * still print). */
typedef struct cli_progress {
  int quiet, tty, bar_shown;
  double started, last;   /* bovw_now() of the start and of the last line */
  char task[64];          /* the task being timed for the ETA (its rounds
                           * share it: "epoch 3/15" is task "epoch") */
  double task_started;
  double task_fraction;   /* of the task done, its rounds counted */
  size_t warnings;
} cli_progress;

bovw_monitor cli_progress_monitor(cli_progress *self, int quiet);
/* Ends a bar line on a terminal. */
void cli_progress_end(cli_progress *self);

/* When OpenBLAS did not recognise the CPU and fell back to its generic
 * kernels, sets OPENBLAS_CORETYPE to the fastest safe choice and re-executes
 * the program with the same arguments (see blas_core.c). Returns only when
 * nothing was changed. */
void cli_choose_blas_core(char **argv);

#endif
