/* codes.h: what reading dense encodings and codes share (internal). */
#ifndef BOVW_ENCODE_CODES_H
#define BOVW_ENCODE_CODES_H

#include "bovw/encode.h"

/* The class names of self->meta's "classes" array into self. */
int bovw_encodings_read_classes(bovw_encodings *self, bovw_error *err);

#endif
