/* error.h: status codes and the error object every bovw call fills.
 *
 * A library call returns 0 on success or one of the codes below, and writes a
 * one-line message (naming the file and the cause) into the bovw_error passed
 * in. The library never prints and never exits: the caller decides. */
#ifndef BOVW_ERROR_H
#define BOVW_ERROR_H

#include <stddef.h>

enum {
  BOVW_OK = 0,
  BOVW_ERR_IO = 1,       /* a file could not be opened, read, written, renamed */
  BOVW_ERR_FORMAT = 2,   /* the bytes are not what they should be */
  BOVW_ERR_NOMEM = 3,    /* an allocation failed */
  BOVW_ERR_INVALID = 4,  /* a caller's argument or option is out of range */
  BOVW_ERR_MISMATCH = 5, /* two artifacts do not belong together */
  BOVW_ERR_EMPTY = 6     /* nothing to work on (no images, no rows) */
};

#define BOVW_ERROR_MESSAGE_SIZE 1024

typedef struct bovw_error {
  int code;
  char message[BOVW_ERROR_MESSAGE_SIZE];
} bovw_error;

/* Sets code and a printf-style message; returns code, so that a failing call
 * can end with `return bovw_error_set(err, BOVW_ERR_IO, "%s: ...", path);`.
 * err may be NULL. */
int bovw_error_set(bovw_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to BOVW_OK with an empty message. err may be NULL. */
void bovw_error_clear(bovw_error *err);

/* Prepends "prefix: " to the message already in err (for adding context, such
 * as the file name, to an error raised deeper down). Returns err->code. */
int bovw_error_prefix(bovw_error *err, const char *prefix);

#endif
