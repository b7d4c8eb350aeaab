/* image_pnm.c: binary PNM reading: P5 (gray) and P6 (RGB), maxval 1 to 65535.
 *
 * The header is "P5" or "P6", then width, height and maxval as decimal
 * numbers separated by whitespace, with "#" comments running to the end of a
 * line, then exactly one whitespace byte, then the samples: one byte each
 * when maxval < 256, else two bytes, most significant first (netpbm's
 * definition). Samples are divided by maxval; one above maxval, which the
 * format forbids, is clamped to it so that no pixel leaves [0,1]. */
#include <stdlib.h>
#include <string.h>

#include "io/image_internal.h"

typedef struct pnm_header {
  int channels;
  long width, height, maxval;
  size_t offset;  /* where the samples start */
  size_t needed;  /* bytes of samples the header announces */
} pnm_header;

static int is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

/* Reads one header number at *pos, after whitespace and comments. Returns 0,
 * or -1 when the bytes end first, -2 when something else than a digit is
 * found. A number too long for a long stays at a huge value that the range
 * checks then refuse. */
static int read_number(const unsigned char *b, size_t n, size_t *pos, long *v) {
  size_t p = *pos;
  for (;;) {
    while (p < n && is_space(b[p])) p++;
    if (p < n && b[p] == '#') {
      while (p < n && b[p] != '\n' && b[p] != '\r') p++;
      continue;
    }
    break;
  }
  if (p >= n) return -1;
  if (b[p] < '0' || b[p] > '9') return -2;
  long x = 0;
  for (; p < n && b[p] >= '0' && b[p] <= '9'; p++)
    if (x < 100000000000L) x = x * 10 + (b[p] - '0');
  *pos = p;
  *v = x;
  return 0;
}

static int parse_header(const unsigned char *b, size_t n, const char *name,
                        pnm_header *h, bovw_error *err) {
  *h = (pnm_header){0};
  if (n < 3 || b[0] != 'P' || (b[1] != '5' && b[1] != '6'))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not a binary PNM image "
                          "(P5 or P6)", name);
  h->channels = b[1] == '6' ? 3 : 1;
  size_t pos = 2;
  long *fields[3] = {&h->width, &h->height, &h->maxval};
  static const char *field_names[3] = {"width", "height", "maxval"};
  for (int i = 0; i < 3; i++) {
    int rc = read_number(b, n, &pos, fields[i]);
    if (rc == -1)
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: truncated PNM header "
                            "(ends before the %s)", name, field_names[i]);
    if (rc == -2)
      return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: corrupt PNM header "
                            "(the %s is not a number)", name, field_names[i]);
  }
  if (h->maxval < 1 || h->maxval > 65535)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: PNM maxval %ld is out of "
                          "range (1 to 65535)", name, h->maxval);
  int rc = bovw_image_check_size(h->width, h->height, name, "PNM", err);
  if (rc) return rc;
  /* One whitespace byte ends the header; a file that stops right after the
   * maxval has no pixels at all, reported below like any short file. */
  if (pos < n && !is_space(b[pos]))
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: corrupt PNM header (no "
                          "whitespace after the maxval)", name);
  h->offset = pos < n ? pos + 1 : n;
  h->needed = (size_t)h->width * (size_t)h->height * (size_t)h->channels *
              (h->maxval > 255 ? 2u : 1u);
  size_t have = n - h->offset;
  if (have < h->needed)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: PNM header says %ldx%ld "
                          "but the file holds %zu bytes of pixels (of %zu)",
                          name, h->width, h->height, have, h->needed);
  return BOVW_OK;
}

int bovw_pnm_probe(const unsigned char *bytes, size_t n, const char *name,
                   int *width, int *height, bovw_error *err) {
  pnm_header h;
  int rc = parse_header(bytes, n, name, &h, err);
  if (rc) return rc;
  *width = (int)h.width;
  *height = (int)h.height;
  return BOVW_OK;
}

int bovw_pnm_decode(const unsigned char *bytes, size_t n, const char *name,
                    int channels, bovw_image **out, bovw_error *err) {
  *out = NULL;
  pnm_header h;
  int rc = parse_header(bytes, n, name, &h, err);
  if (rc) return rc;
  const unsigned char *data = bytes + h.offset;
  size_t count = (size_t)h.width * (size_t)h.height * (size_t)h.channels;
  unsigned max = (unsigned)h.maxval;
  /* Samples go to bovw_image_from_samples as they are when nothing needs
   * doing; otherwise through a copy, clamped, and for 16 bits byte-swapped
   * to native order. */
  void *copy = NULL;
  if (max > 255) {
    uint16_t *s = malloc(count * sizeof *s);
    if (s)
      for (size_t i = 0; i < count; i++) {
        unsigned v = (unsigned)data[2 * i] << 8 | data[2 * i + 1];
        s[i] = (uint16_t)(v > max ? max : v);
      }
    copy = s;
  } else if (max < 255) {
    uint8_t *s = malloc(count);
    if (s)
      for (size_t i = 0; i < count; i++)
        s[i] = (uint8_t)(data[i] > max ? max : data[i]);
    copy = s;
  }
  if (max != 255 && !copy)
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory for %ldx%ld "
                          "pixels", name, h.width, h.height);
  *out = bovw_image_from_samples(copy ? copy : data, (int)h.width,
                                 (int)h.height, h.channels, (int)max, channels);
  free(copy);
  if (!*out)
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory for %ldx%ld "
                          "pixels", name, h.width, h.height);
  return BOVW_OK;
}
