/* status.c: `bovw status`, which artifacts of a run are up to date, and
 * for the others which input or command changed (include/bovw/provenance.h
 * says what is recorded and checked). */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bovw/fs.h"
#include "bovw/provenance.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char STATUS_HELP[] =
    "Usage: bovw status RUN_DIR...\n"
    "       bovw status --stage DIR [-q] -- COMMAND...\n"
    "Says, for every artifact folder under each RUN_DIR (a folder with a\n"
    "meta.json, report.json or compare.json), whether it is up to date: every\n"
    "input it recorded (manifests, image folders and lists, the meta.json of\n"
    "the artifacts it read) still has the digest it had, and every input\n"
    "artifact is up to date itself. For the others it names the first input\n"
    "that changed.\n"
    "With --stage, the one question a script asks before it runs a stage: is\n"
    "DIR up to date AND made by COMMAND (the bovw arguments after the\n"
    "program's name, from the same working folder; -q does not count)?\n\n"
    "Exit status: 0 all up to date, 1 something is not (or cannot be read),\n"
    "2 usage.\n\n"
    "      --stage DIR      check DIR against the COMMAND after --\n"
    "  -q, --quiet          print nothing (the exit status says it)\n"
    "  -h, --help           this help\n";

/* Prints the state of dir when it is an artifact, then of the folders in
 * it (name order, a few levels deep); counts the stale ones. */
static void walk(const char *dir, int depth, int quiet, size_t *seen, size_t *stale) {
  char *file = bovw_provenance_file(dir);
  if (file) {
    char why[1024];
    bovw_error err = {0};
    int rc = bovw_provenance_check(dir, 0, NULL, why, sizeof why, &err);
    (*seen)++;
    if (rc) (*stale)++;
    if (!quiet) {
      if (rc == 0) printf("up to date   %s\n", dir);
      else printf("out of date  %s: %s\n", dir, rc > 0 ? why : err.message);
    }
    free(file);
  }
  if (depth >= 6) return;
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    char *sub = name[0] != '.' ? bovw_path_join(dir, name) : NULL;
    struct stat st;
    if (sub && stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) walk(sub, depth + 1, quiet, seen, stale);
    free(sub);
    free(names[i]);
  }
  if (n >= 0) free(names);
}

int cmd_status(int argc, char **argv) {
  cli_set_command("bovw status");
  enum { OPT_STAGE = 1000 };
  static const struct option options[] = {{"stage", required_argument, 0, OPT_STAGE},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
  const char *stage = NULL;
  int c, quiet = 0;
  opterr = 0;
  /* '+': stop at the first non-option, so that the COMMAND's own options
   * after -- are not taken for ours. */
  while ((c = getopt_long(argc, argv, "+:qh", options, NULL)) != -1) {
    switch (c) {
      case OPT_STAGE: stage = optarg; break;
      case 'q': quiet = 1; break;
      default: return cli_option_end(c, argv, STATUS_HELP);
    }
  }
  if (stage) {
    if (optind >= argc) return cli_usage("--stage DIR needs the COMMAND after --");
    char why[1024];
    bovw_error err = {0};
    int rc = bovw_provenance_check(stage, argc - optind, argv + optind, why, sizeof why, &err);
    if (rc < 0) return cli_fail("%s", err.message);
    if (rc > 0 && !quiet) printf("%s: %s\n", stage, why);
    return rc ? CLI_FAILED : CLI_OK;
  }
  if (optind >= argc) return cli_usage("no RUN_DIR given");
  size_t seen = 0, stale = 0;
  for (int i = optind; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode))
      return cli_fail("%s: no such folder", argv[i]);
    walk(argv[i], 0, quiet, &seen, &stale);
  }
  if (!quiet)
    printf("%zu artifacts, %zu out of date\n", seen, stale);
  return stale ? CLI_FAILED : CLI_OK;
}
