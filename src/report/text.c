/* text.c: names (of classes, of systems, run values) written into the
 * markdown files. A folder name can be any bytes and may contain markdown
 * syntax; this writer shows the name as written. (Names in the SVG
 * pictures go through bovw_put_xml, src/io/svg_text.c.) */
#include <string.h>

#include "report/internal.h"

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
