/* report.c: fuzz target of the report reader (bovw_report_read: what
 * `bovw compare` reads of each report folder). Input: report.json. What it
 * accepts has a name per class and a confusion matrix that sums to the
 * test count. */
#include <string.h>

#include "bovw/report.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_write_one("report.json", data, size);
  bovw_report *r = NULL;
  cJSON *info = NULL;
  bovw_error err;
  if (fuzz_result(bovw_report_read(fuzz_dir(), &r, &info, &err), &err) == BOVW_OK) {
    int64_t sum = 0;
    for (size_t c = 0; c < r->num_classes; c++) {
      fuzz_touch(r->class_names[c], strlen(r->class_names[c]));
      fuzz_touch(&r->precision[c], sizeof r->precision[c]);
      fuzz_touch(&r->recall[c], sizeof r->recall[c]);
      fuzz_touch(&r->support[c], sizeof r->support[c]);
      for (size_t p = 0; p < r->num_classes; p++) sum += r->confusion[c * r->num_classes + p];
    }
    FUZZ_ASSERT(sum == (int64_t)r->count, "the confusion matrix sums to the count");
  }
  bovw_report_free(r);
  cJSON_Delete(info);
  fuzz_end();
  return 0;
}
