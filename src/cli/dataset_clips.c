/* dataset_clips.c: `bovw dataset clips` (moving squares, for 3-D
 * convolutions) and `bovw dataset signals` (periodic waves, for 1-D ones),
 * written as encodings folders (include/bovw/clips.h). */
#include <getopt.h>
#include <stdio.h>

#include "bovw/clips.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char CLIPS_HELP[] =
    "Usage: bovw dataset clips -o DIR [options]\n"
    "Draws short clips in which a bright square moves left, right, up or down\n"
    "(the four classes) on a frame that wraps around at its edges, plus\n"
    "gaussian pixel noise, and writes them as encodings folders DIR/train and\n"
    "DIR/test: one row per clip, frame by frame, read by a net whose input line\n"
    "is 1xDxHxW (bovw nn train --encodings). The square starts anywhere, so a\n"
    "single frame says nothing of the direction; --frame K writes frame K of\n"
    "the same clips alone (rows of 1xHxW) for a one-frame baseline.\n\n"
    "  -o, --output DIR          the folder to write (required)\n"
    "      --n N                 training clips per class (default 200)\n"
    "      --test-n N            test clips per class (default 100)\n"
    "      --frames D            frames a clip (default 8)\n"
    "      --size S              frame side in pixels (default 16)\n"
    "      --square Q            side of the square in pixels (default 4)\n"
    "      --speed V             pixels the square moves a frame (default 1)\n"
    "      --noise S             deviation of the pixel noise (default 0.2)\n"
    "      --frame K             write only frame K (from 0) of each clip\n"
    "      --seed S              which clips (default 0)\n"
    "  -q, --quiet               accepted; there is no progress to hide\n"
    "  -h, --help                this help\n";

static const char SIGNALS_HELP[] =
    "Usage: bovw dataset signals -o DIR [options]\n"
    "Draws periodic signals, a sine, a square wave or a sawtooth (the three\n"
    "classes) of amplitude 1, random period and phase, plus gaussian noise, and\n"
    "writes them as encodings folders DIR/train and DIR/test: one row of L\n"
    "samples per signal, read by a net whose input line is 1xL.\n\n"
    "  -o, --output DIR          the folder to write (required)\n"
    "      --n N                 training signals per class (default 200)\n"
    "      --test-n N            test signals per class (default 100)\n"
    "      --length L            samples a signal (default 128)\n"
    "      --min-period P        shortest period in samples (default 8)\n"
    "      --max-period P        longest period in samples (default 32)\n"
    "      --noise S             deviation of the noise (default 0.5)\n"
    "      --seed S              which signals (default 0)\n"
    "  -q, --quiet               accepted; there is no progress to hide\n"
    "  -h, --help                this help\n";

enum { OPT_N = 1000, OPT_TEST_N, OPT_FRAMES, OPT_SIZE, OPT_SQUARE, OPT_SPEED, OPT_NOISE,
       OPT_FRAME, OPT_SEED, OPT_LENGTH, OPT_MIN_PERIOD, OPT_MAX_PERIOD };

/* The options both commands take, first in each table. */
#define COMMON_OPTIONS                                                              \
  {"output", required_argument, 0, 'o'}, {"n", required_argument, 0, OPT_N},       \
      {"test-n", required_argument, 0, OPT_TEST_N},                                \
      {"noise", required_argument, 0, OPT_NOISE}, {"seed", required_argument, 0, OPT_SEED}, \
      {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}

/* What one command is: its help, its options, where the common ones go,
 * and a parser of its own (c, one of its options, into o). */
typedef struct command {
  const char *help;
  const struct option *options;
  size_t *n, *test_n;
  double *noise;
  uint64_t *seed;
  int (*own)(int c, void *o);
  void *o;
} command;

/* The command line of either command: options into q, the folder into
 * *out_dir. Returns CLI_OK to go on, or the status to exit with (*done set:
 * --help printed, or a usage error). */
static int parse(int argc, char **argv, const command *q, const char **out_dir, int *done) {
  int c, rc = CLI_OK;
  long v;
  *done = 1;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":o:qh", q->options, NULL)) != -1) {
    switch (c) {
      case 'o': *out_dir = optarg; break;
      case OPT_N:
        if (!(rc = cli_parse_long("--n", optarg, 1, 10000000, &v))) *q->n = (size_t)v;
        break;
      case OPT_TEST_N:
        if (!(rc = cli_parse_long("--test-n", optarg, 1, 10000000, &v))) *q->test_n = (size_t)v;
        break;
      case OPT_NOISE: rc = cli_parse_double("--noise", optarg, 0, 10, q->noise); break;
      case OPT_SEED: rc = cli_parse_seed("--seed", optarg, q->seed); break;
      case 'q': break;
      case 'h': case ':': case '?': return cli_option_end(c, argv, q->help);
      default: rc = q->own(c, q->o);
    }
  }
  if (rc) return rc;
  if (optind != argc) return cli_usage("unexpected argument '%s'", argv[optind]);
  if (!*out_dir) return cli_usage("no output folder: -o DIR is required");
  *done = 0;
  return CLI_OK;
}

static int clips_option(int c, void *options) {
  bovw_clips_options *o = options;
  long v;
  int rc = CLI_OK;
  switch (c) {
    case OPT_FRAMES:
      if (!(rc = cli_parse_long("--frames", optarg, 2, 1024, &v))) o->frames = (int)v;
      break;
    case OPT_SIZE:
      if (!(rc = cli_parse_long("--size", optarg, 2, 1024, &v))) o->size = (int)v;
      break;
    case OPT_SQUARE:
      if (!(rc = cli_parse_long("--square", optarg, 1, 1023, &v))) o->square = (int)v;
      break;
    case OPT_SPEED:
      if (!(rc = cli_parse_long("--speed", optarg, 1, 1023, &v))) o->speed = (int)v;
      break;
    case OPT_FRAME:
      if (!(rc = cli_parse_long("--frame", optarg, 0, 1023, &v))) o->frame = (int)v;
      break;
  }
  return rc;
}

int cmd_dataset_clips(int argc, char **argv) {
  cli_set_command("bovw dataset clips");
  static const struct option options[] = {
      COMMON_OPTIONS, {"frames", required_argument, 0, OPT_FRAMES},
      {"size", required_argument, 0, OPT_SIZE}, {"square", required_argument, 0, OPT_SQUARE},
      {"speed", required_argument, 0, OPT_SPEED}, {"frame", required_argument, 0, OPT_FRAME},
      {0, 0, 0, 0}};
  bovw_clips_options o = BOVW_CLIPS_OPTIONS_DEFAULT;
  const command q = {CLIPS_HELP, options, &o.n, &o.test_n, &o.noise, &o.seed, clips_option, &o};
  const char *out_dir = NULL;
  int done, rc = parse(argc, argv, &q, &out_dir, &done);
  if (done) return rc;
  const char *bad = bovw_clips_options_check(&o);
  if (bad) return cli_usage("%s", bad);
  bovw_error err = {0};
  if (bovw_clips_write(out_dir, &o, &err)) return cli_fail("%s", err.message);
  printf("clips of %d frames of %dx%d", o.frames, o.size, o.size);
  if (o.frame >= 0) printf(" (frame %d alone)", o.frame);
  printf(": %zu training and %zu test clips of each of %d directions -> %s\n", o.n, o.test_n,
         BOVW_CLIPS_CLASSES, out_dir);
  return CLI_OK;
}

static int signals_option(int c, void *options) {
  bovw_signals_options *o = options;
  long v;
  int rc = CLI_OK;
  switch (c) {
    case OPT_LENGTH:
      if (!(rc = cli_parse_long("--length", optarg, 2, 1 << 20, &v))) o->length = (int)v;
      break;
    case OPT_MIN_PERIOD:
      rc = cli_parse_double("--min-period", optarg, 2, 1e6, &o->min_period);
      break;
    case OPT_MAX_PERIOD:
      rc = cli_parse_double("--max-period", optarg, 2, 1e6, &o->max_period);
      break;
  }
  return rc;
}

int cmd_dataset_signals(int argc, char **argv) {
  cli_set_command("bovw dataset signals");
  static const struct option options[] = {
      COMMON_OPTIONS, {"length", required_argument, 0, OPT_LENGTH},
      {"min-period", required_argument, 0, OPT_MIN_PERIOD},
      {"max-period", required_argument, 0, OPT_MAX_PERIOD}, {0, 0, 0, 0}};
  bovw_signals_options o = BOVW_SIGNALS_OPTIONS_DEFAULT;
  const command q = {SIGNALS_HELP, options, &o.n, &o.test_n, &o.noise, &o.seed, signals_option,
                     &o};
  const char *out_dir = NULL;
  int done, rc = parse(argc, argv, &q, &out_dir, &done);
  if (done) return rc;
  const char *bad = bovw_signals_options_check(&o);
  if (bad) return cli_usage("%s", bad);
  bovw_error err = {0};
  if (bovw_signals_write(out_dir, &o, &err)) return cli_fail("%s", err.message);
  printf("signals of %d samples: %zu training and %zu test signals of each of %d waves -> %s\n",
         o.length, o.n, o.test_n, BOVW_SIGNALS_CLASSES, out_dir);
  return CLI_OK;
}
