/* svg_text.c: names (of classes, of systems, run values) written as XML
 * text into the SVG pictures. A folder name can be any bytes and may
 * contain markup; these writers keep the file well-formed and show the name
 * as written. */
#include "io/svg.h"

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

/* The advance widths of DejaVu Sans, the font the pictures ask for, in
 * thousandths of an em, of the printable ASCII characters ' ' to '~' (from
 * the hmtx table of DejaVuSans.ttf). */
static const unsigned short ASCII_WIDTH[95] = {
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838};

/* The width of the character at p (of `len` bytes, 0: an invalid byte), in
 * ems. Beyond ASCII a guess: two-byte sequences are letters of alphabets
 * (Latin, Greek, Cyrillic) about as wide as ASCII's; longer ones, the
 * ellipsis and U+FFFD are about an em wide. */
static double char_width(const unsigned char *p, int len) {
  if (len == 1) return *p >= 32 && *p <= 126 ? ASCII_WIDTH[*p - 32] / 1000.0 : 1.0;
  return len == 2 ? 0.65 : 1.0;
}

double bovw_text_width(const char *s, size_t max_chars) {
  size_t total = bovw_text_chars(s), chars = 0;
  double width = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; chars++) {
    if (max_chars && total > max_chars && chars == max_chars - 1) return width + 1.0;
    int len = utf8_sequence(p);
    width += char_width(p, len);
    p += len ? len : 1;
  }
  return width;
}
