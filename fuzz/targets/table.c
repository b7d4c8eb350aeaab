/* table.c: fuzz target of the tab-separated table reader (bovw_table_read:
 * the tables `bovw plot` draws). Every cell of what it accepts is readable
 * and named columns are found. */
#include <string.h>

#include "bovw/table.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_one("results.tsv", data, size);
  bovw_table *t = NULL;
  bovw_error err;
  if (fuzz_result(bovw_table_read(path, &t, &err), &err) == BOVW_OK) {
    FUZZ_ASSERT(t->cols > 0 && t->rows > 0, "a header and a row");
    for (size_t c = 0; c < t->cols; c++)
      FUZZ_ASSERT(bovw_table_column(t, t->names[c]) == (int)c, "each column found by its name");
    for (size_t r = 0; r < t->rows; r++)
      for (size_t c = 0; c < t->cols; c++) {
        double v;
        fuzz_touch(bovw_table_cell(t, r, c), strlen(bovw_table_cell(t, r, c)));
        bovw_table_number(t, r, c, &v);
      }
  }
  bovw_table_free(t);
  fuzz_end();
  return 0;
}
