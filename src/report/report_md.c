/* report_md.c: report.md, a report for people: the summary numbers, what
 * was evaluated, and the classes from worst to best (docs/report.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/fs.h"
#include "bovw/report.h"
#include "report/internal.h"

static void put_percent(FILE *f, double fraction) {
  fprintf(f, "%.1f%%", 100 * fraction);
}

/* Writes one JSON value as a table cell: strings as text, numbers as
 * numbers, objects and arrays as compact JSON. */
static int put_value(FILE *f, const cJSON *v) {
  if (cJSON_IsString(v)) {
    bovw_put_md(f, v->valuestring);
  } else if (cJSON_IsNumber(v)) {
    fprintf(f, "%.15g", v->valuedouble);
  } else if (cJSON_IsBool(v)) {
    fputs(cJSON_IsTrue(v) ? "true" : "false", f);
  } else if (cJSON_IsNull(v)) {
    fputs("null", f);
  } else {
    char *text = cJSON_PrintUnformatted(v);
    if (!text) return BOVW_ERR_NOMEM;
    bovw_put_md(f, text);
    free(text);
  }
  return BOVW_OK;
}

static int put_row(FILE *f, const char *key, const char *subkey, const cJSON *v) {
  fputs("| ", f);
  bovw_put_md(f, key);
  if (subkey) {
    fputc('.', f);
    bovw_put_md(f, subkey);
  }
  fputs(" | ", f);
  int rc = put_value(f, v);
  fputs(" |\n", f);
  return rc;
}

/* The run information, one row per key; a nested object's keys become
 * "a.b" rows, one level deep (deeper levels stay compact JSON). */
static int put_run(FILE *f, const cJSON *info) {
  if (!cJSON_IsObject(info) || !info->child) return BOVW_OK;
  fputs("\n## Run\n\n| key | value |\n| --- | --- |\n", f);
  const cJSON *v, *w;
  cJSON_ArrayForEach(v, info) {
    const char *key = v->string ? v->string : "";
    int rc = BOVW_OK;
    if (cJSON_IsObject(v) && v->child) {
      cJSON_ArrayForEach(w, v) {
        if ((rc = put_row(f, key, w->string ? w->string : "", w))) break;
      }
    } else {
      rc = put_row(f, key, NULL, v);
    }
    if (rc) return rc;
  }
  return BOVW_OK;
}

static int put_classes(FILE *f, const bovw_report *self) {
  size_t k = self->num_classes;
  bovw_class_rank *order = malloc(k * sizeof *order);
  if (!order) return BOVW_ERR_NOMEM;
  for (size_t c = 0; c < k; c++)
    order[c] = (bovw_class_rank){c, self->recall[c], self->support[c] > 0};
  qsort(order, k, sizeof *order, bovw_class_rank_worst_first);
  fputs("\n## Classes, worst first\n\n"
        "| class | support | recall | precision | most often mistaken for |\n"
        "| --- | ---: | ---: | ---: | --- |\n",
        f);
  for (size_t i = 0; i < k; i++) {
    size_t c = order[i].index;
    const int64_t *row = self->confusion + c * k;
    /* The most frequent wrong prediction; ties go to the lower index. */
    size_t worst = c;
    for (size_t p = 0; p < k; p++)
      if (p != c && row[p] > 0 && (worst == c || row[p] > row[worst])) worst = p;
    fputs("| ", f);
    bovw_put_md(f, self->class_names[c]);
    fprintf(f, " | %lld | ", (long long)self->support[c]);
    if (self->support[c] > 0)
      put_percent(f, self->recall[c]);
    else
      fputs("–", f);
    fputs(" | ", f);
    put_percent(f, self->precision[c]);
    fputs(" | ", f);
    if (worst != c) {
      bovw_put_md(f, self->class_names[worst]);
      fprintf(f, " (%lld)", (long long)row[worst]);
    } else {
      fputs("–", f);
    }
    fputs(" |\n", f);
  }
  free(order);
  return BOVW_OK;
}

int bovw_report_write_markdown(const bovw_report *self, const char *path,
                               const char *title, const cJSON *info,
                               bovw_error *err) {
  bovw_atomic_file af;
  int rc = bovw_atomic_open(&af, path, err);
  if (rc) return rc;
  FILE *f = af.fp;
  size_t tested = 0;
  for (size_t c = 0; c < self->num_classes; c++) tested += self->support[c] > 0;

  fputs("# ", f);
  bovw_put_md(f, title ? title : "Classification report");
  fprintf(f, "\n\n| measure | value |\n| --- | ---: |\n| images | %zu |\n",
          self->count);
  fprintf(f, "| classes | %zu", self->num_classes);
  if (tested < self->num_classes) fprintf(f, " (%zu with test images)", tested);
  fputs(" |\n| accuracy | ", f);
  put_percent(f, self->accuracy);
  fputs(" |\n| mean per-class accuracy | ", f);
  put_percent(f, self->mean_class_accuracy);
  fputs(" |\n| top-5 accuracy | ", f);
  put_percent(f, self->top5_accuracy);
  fputs(" |\n", f);

  if ((rc = put_run(f, info)) || (rc = put_classes(f, self))) {
    bovw_atomic_abort(&af);
    return bovw_error_set(err, rc, "%s: out of memory", path);
  }
  fputs("\n## Confusion matrix\n\n"
        "Rows are the true classes, normalised to sum to 1; columns the "
        "predictions. [confusion.svg](confusion.svg)\n\n"
        "![confusion matrix](confusion.svg)\n",
        f);
  return bovw_atomic_commit(&af, err);
}
