/* predict.c: `bovw predict`: classify image files end to end. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/classify.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char HELP[] =
    "Usage: bovw predict -m MODEL_DIR -c CODEBOOK_DIR [--top K] [--json] IMAGE...\n"
    "Classifies image files: extracts descriptors with the codebook's extraction\n"
    "settings, encodes them with the model's encoding settings, scores them.\n"
    "Prints one line per image (path, then the K best classes with scores), or\n"
    "with --json one JSON array. A file that cannot be read is reported and\n"
    "skipped; the exit code is then 1.\n\n"
    "  -m, --model DIR      the model (bovw train)\n"
    "  -c, --codebook DIR   the codebook its encodings were made with\n"
    "      --top K          how many classes to list (default 5)\n"
    "      --json           JSON output\n"
    "  -h, --help           this help\n";

enum { OPT_TOP = 1000, OPT_JSON };

int cmd_predict(int argc, char **argv) {
  cli_set_command("bovw predict");
  static const struct option options[] = {
      {"model", required_argument, 0, 'm'}, {"codebook", required_argument, 0, 'c'},
      {"top", required_argument, 0, OPT_TOP}, {"json", no_argument, 0, OPT_JSON},
      {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  const char *model = NULL, *codebook = NULL;
  long top = 5;
  int json = 0, c, rc = CLI_OK;
  opterr = 0;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, ":m:c:h", options, NULL)) != -1) {
    switch (c) {
      case 'm': model = optarg; break;
      case 'c': codebook = optarg; break;
      case OPT_TOP: rc = cli_parse_long("--top", optarg, 1, 100000, &top); break;
      case OPT_JSON: json = 1; break;
      default: return cli_option_end(c, argv, HELP);
    }
  }
  if (rc) return rc;
  if (!model || !codebook) return cli_usage("-m MODEL_DIR and -c CODEBOOK_DIR are required");
  if (optind >= argc) return cli_usage("no image given");
  bovw_error err = {0};
  bovw_predictor *pred;
  if (bovw_predictor_new(model, codebook, &pred, &err)) return cli_fail("%s", err.message);
  const bovw_model *m = bovw_predictor_model(pred);
  size_t k = m->num_classes, show = (size_t)top < k ? (size_t)top : k;
  float *scores = malloc(k * sizeof *scores);
  size_t *order = malloc(k * sizeof *order);
  cJSON *all = json ? cJSON_CreateArray() : NULL;
  if (!scores || !order || (json && !all)) {
    free(scores);
    free(order);
    bovw_predictor_free(pred);
    return cli_fail("out of memory");
  }
  for (int a = optind; a < argc; a++) {
    if (bovw_predictor_scores(pred, argv[a], scores, &err)) {
      cli_fail("%s", err.message);
      rc = CLI_FAILED;
      continue;
    }
    /* The best `show` classes, by selection (ties to the lower index). */
    for (size_t i = 0; i < k; i++) order[i] = i;
    for (size_t i = 0; i < show; i++) {
      size_t best = i;
      for (size_t j = i + 1; j < k; j++)
        if (scores[order[j]] > scores[order[best]]) best = j;
      size_t t = order[i];
      order[i] = order[best];
      order[best] = t;
    }
    if (json) {
      cJSON *item = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(item, "top");
      cJSON_AddStringToObject(item, "path", argv[a]);
      for (size_t i = 0; i < show; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "class", m->class_names[order[i]]);
        cJSON_AddNumberToObject(e, "label", (double)order[i]);
        cJSON_AddNumberToObject(e, "score", scores[order[i]]);
        cJSON_AddItemToArray(list, e);
      }
      cJSON_AddItemToArray(all, item);
    } else {
      printf("%s", argv[a]);
      for (size_t i = 0; i < show; i++)
        printf("\t%s %.4f", m->class_names[order[i]], scores[order[i]]);
      putchar('\n');
    }
  }
  if (json) {
    char *text = cJSON_Print(all);
    if (text) puts(text);
    free(text);
    cJSON_Delete(all);
  }
  free(scores);
  free(order);
  bovw_predictor_free(pred);
  return rc;
}
