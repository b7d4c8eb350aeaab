/* suite_run.c: the runner every Check suite's main ends with (its own file,
 * so that tools linking the support library without Check never pull it). */
#include <check.h>
#include <stdlib.h>

#include "testutil.h"

int test_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
