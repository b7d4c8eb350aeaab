/* text.c: names (of classes, of systems, run values) written into SVG and
 * markdown files. A folder name can be any bytes and may contain the
 * syntax of either format; these writers keep the files well-formed and
 * show the name as written. */
#include <string.h>

#include "report/internal.h"

/* The length of the valid UTF-8 sequence at s, or 0 when s does not start
 * one (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
static int utf8_sequence(const unsigned char *s) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  int n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
          : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (!n) return 0;
  unsigned char lo = 0x80, hi = 0xbf;  /* range of the second byte */
  if (c == 0xe0) lo = 0xa0;
  if (c == 0xed) hi = 0x9f;
  if (c == 0xf0) lo = 0x90;
  if (c == 0xf4) hi = 0x8f;
  if (s[1] < lo || s[1] > hi) return 0;
  for (int i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  return n;
}

size_t bovw_text_chars(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
    int len = utf8_sequence(p);
    p += len ? len : 1;
  }
  return n;
}

void bovw_put_xml(FILE *f, const char *s, size_t max_chars) {
  size_t total = bovw_text_chars(s), chars = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    if (max_chars && total > max_chars && chars == max_chars - 1) {
      fputs("\u2026", f);
      return;
    }
    int len = utf8_sequence(p);
    if (*p == '&') fputs("&amp;", f);
    else if (*p == '<') fputs("&lt;", f);
    else if (*p == '>') fputs("&gt;", f);
    else if (*p == '"') fputs("&quot;", f);
    else if (*p == '\'') fputs("&apos;", f);
    else if (!len || (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r'))
      fputs("\ufffd", f);
    else
      fwrite(p, 1, (size_t)len, f);
    p += len ? len : 1;
    chars++;
  }
}

void bovw_put_md(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '\n' || *s == '\r' || *s == '\t')
      fputc(' ', f);
    else if (strchr("\\`*_[]<>|&#", *s))
      fprintf(f, "\\%c", *s);
    else
      fputc(*s, f);
  }
}
