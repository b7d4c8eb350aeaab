/* error.c: the bovw_error object (see include/bovw/error.h). */
#include "bovw/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int bovw_error_set(bovw_error *err, int code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return code;
}

void bovw_error_clear(bovw_error *err) {
  if (!err) return;
  err->code = BOVW_OK;
  err->message[0] = '\0';
}

int bovw_error_prefix(bovw_error *err, const char *prefix) {
  if (!err) return BOVW_ERR_INVALID;
  char old[BOVW_ERROR_MESSAGE_SIZE];
  memcpy(old, err->message, sizeof old);
  /* A message too long for the buffer is cut, not overflowed. */
  int n = snprintf(err->message, sizeof err->message, "%s: ", prefix);
  if (n > 0 && (size_t)n < sizeof err->message)
    snprintf(err->message + n, sizeof err->message - (size_t)n, "%.*s",
             (int)(sizeof err->message - (size_t)n - 1), old);
  return err->code;
}
