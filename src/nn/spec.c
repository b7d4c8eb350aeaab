/* spec.c: the text spec of a network, one layer a line (docs/nn.md):
 *
 *   input 1x28x28
 *   conv 32 3x3 stride=1 pad=same
 *   bn
 *   relu
 *   maxpool 2
 *   fc classes
 *   softmax
 *
 * Parsing, the defaults of each kind, and printing a layer back as a line
 * (either with every option spelled out, for files, or without the defaults,
 * for people). Errors name the line. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/fs.h"
#include "nn/internal.h"

static const char *const KIND_NAMES[BOVW_NN_NUM_KINDS] = {
    [BOVW_NN_FC] = "fc",
    [BOVW_NN_CONV] = "conv",
    [BOVW_NN_MAXPOOL] = "maxpool",
    [BOVW_NN_AVGPOOL] = "avgpool",
    [BOVW_NN_GLOBALAVGPOOL] = "globalavgpool",
    [BOVW_NN_RELU] = "relu",
    [BOVW_NN_LEAKYRELU] = "leakyrelu",
    [BOVW_NN_SIGMOID] = "sigmoid",
    [BOVW_NN_BATCHNORM] = "bn",
    [BOVW_NN_DROPOUT] = "dropout",
    [BOVW_NN_FLATTEN] = "flatten",
    [BOVW_NN_SOFTMAX] = "softmax",
    [BOVW_NN_CONV1D] = "conv1d",
    [BOVW_NN_CONV3D] = "conv3d",
    [BOVW_NN_MAXPOOL1D] = "maxpool1d",
    [BOVW_NN_AVGPOOL1D] = "avgpool1d",
    [BOVW_NN_MAXPOOL3D] = "maxpool3d",
    [BOVW_NN_AVGPOOL3D] = "avgpool3d",
};

/* The key=value options each kind takes. */
static const char *const KIND_OPTIONS[BOVW_NN_NUM_KINDS] = {
    [BOVW_NN_FC] = "bias init",
    [BOVW_NN_CONV] = "stride pad padmode bias init",
    [BOVW_NN_MAXPOOL] = "stride",
    [BOVW_NN_AVGPOOL] = "stride",
    [BOVW_NN_LEAKYRELU] = "slope",
    [BOVW_NN_BATCHNORM] = "momentum eps",
    [BOVW_NN_CONV1D] = "stride pad padmode bias init",
    [BOVW_NN_CONV3D] = "stride pad padmode bias init",
    [BOVW_NN_MAXPOOL1D] = "stride",
    [BOVW_NN_AVGPOOL1D] = "stride",
    [BOVW_NN_MAXPOOL3D] = "stride",
    [BOVW_NN_AVGPOOL3D] = "stride",
};

static int is_conv(bovw_nn_kind kind) {
  return kind == BOVW_NN_CONV || kind == BOVW_NN_CONV1D || kind == BOVW_NN_CONV3D;
}
static int is_window(bovw_nn_kind kind) {
  return bovw_nn_kind_dims(kind) != 0 && !is_conv(kind);
}

/* Limits that hold whatever the text (docs/formats.md): sizes, a line's
 * length and words, and the layers of a spec. */
enum { MAX_SIZE = 65536, MAX_LINE = 1024, MAX_TOKENS = 16, MAX_LAYERS = 1024 };

const char *bovw_nn_kind_name(bovw_nn_kind kind) {
  if ((int)kind < 0 || kind >= BOVW_NN_NUM_KINDS) return "?";
  return KIND_NAMES[kind];
}

void bovw_nn_layer_spec_default(bovw_nn_layer_spec *l, bovw_nn_kind kind) {
  memset(l, 0, sizeof *l);
  l->kind = kind;
  l->kernel_h = l->kernel_w = 1;
  l->stride_h = l->stride_w = 1;
  l->pad = BOVW_NN_PAD_VALID;
  l->bias = 1;
  l->init = BOVW_NN_INIT_HE;
  l->slope = 0.01;
  l->momentum = 0.1;
  l->eps = 1e-5;
  l->kernel_d = l->stride_d = 1;
}

/* ---- parsing ---------------------------------------------------------------- */

typedef struct parser {
  const char *name;
  int line;
  bovw_error *err;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...) {
  char what[BOVW_ERROR_MESSAGE_SIZE / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return bovw_error_set(p->err, BOVW_ERR_FORMAT, "%s:%d: %s", p->name, p->line,
                        what);
}

/* A whole number in [min, max] that is the whole of text. */
static int parse_int(parser *p, const char *what, const char *text, long min,
                     long max, int *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (end == text || *end || errno || v < min || v > max || !isdigit((unsigned char)text[0]))
    return fail(p, "%s '%s': expected a whole number from %ld to %ld", what,
                text, min, max);
  *out = (int)v;
  return BOVW_OK;
}

static int parse_double(parser *p, const char *what, const char *text,
                        double min, double max, int max_open, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end || errno || !isfinite(v) || v < min || v > max ||
      (max_open && v >= max))
    return fail(p, "%s '%s': expected a number in [%g, %g%c", what, text, min,
                max, max_open ? ')' : ']');
  *out = v;
  return BOVW_OK;
}

/* "N" (square) or "HxW", each in [min, max]. */
static int parse_pair(parser *p, const char *what, const char *text, long min,
                      long max, int *h, int *w) {
  const char *x = strchr(text, 'x');
  if (!x) {
    int rc = parse_int(p, what, text, min, max, h);
    if (!rc) *w = *h;
    return rc;
  }
  char first[32];
  size_t n = (size_t)(x - text);
  if (n == 0 || n >= sizeof first)
    return fail(p, "%s '%s': expected N or HxW", what, text);
  memcpy(first, text, n);
  first[n] = '\0';
  int rc = parse_int(p, what, first, min, max, h);
  if (!rc) rc = parse_int(p, what, x + 1, min, max, w);
  return rc;
}

/* A size of a layer with `dims` axes into (d, h, w): 1-D "N" (d = h = 1,
 * the width fields hold it); 2-D "N" or "HxW" (d = 1); 3-D "N" (cube) or
 * "DxHxW". `unit` is what 1-D and 3-D leave on the axes they do not have
 * (1 for kernels and strides, 0 for padding). */
static int parse_size(parser *p, const char *what, const char *text, int dims, long min,
                      long max, int unit, int *d, int *h, int *w) {
  *d = unit;
  if (dims == 2) return parse_pair(p, what, text, min, max, h, w);
  if (dims == 1) {
    *h = unit;
    if (strchr(text, 'x'))
      return fail(p, "%s '%s': a 1-D layer takes one size", what, text);
    return parse_int(p, what, text, min, max, w);
  }
  const char *x1 = strchr(text, 'x');
  if (!x1) {
    int rc = parse_int(p, what, text, min, max, w);
    if (!rc) *d = *h = *w;
    return rc;
  }
  const char *x2 = strchr(x1 + 1, 'x');
  char part[3][32];
  const char *from[3] = {text, x1 + 1, x2 ? x2 + 1 : NULL};
  size_t len[3] = {(size_t)(x1 - text), x2 ? (size_t)(x2 - x1 - 1) : 0, 0};
  if (!x2 || strchr(x2 + 1, 'x'))
    return fail(p, "%s '%s': expected N or DxHxW", what, text);
  len[2] = strlen(from[2]);
  int *to[3] = {d, h, w};
  for (int k = 0; k < 3; k++) {
    if (len[k] == 0 || len[k] >= sizeof part[k])
      return fail(p, "%s '%s': expected N or DxHxW", what, text);
    memcpy(part[k], from[k], len[k]);
    part[k][len[k]] = '\0';
    int rc = parse_int(p, what, part[k], min, max, to[k]);
    if (rc) return rc;
  }
  return BOVW_OK;
}

static int parse_units(parser *p, const char *text, int *units) {
  if (!strcmp(text, "classes")) {
    *units = BOVW_NN_UNITS_CLASSES;
    return BOVW_OK;
  }
  return parse_int(p, "number of outputs", text, 1, 1 << 24, units);
}

static int parse_choice(parser *p, const char *key, const char *value,
                        const char *const *choices, int *out) {
  char list[128] = "";
  for (int i = 0; choices[i]; i++) {
    if (!strcmp(value, choices[i])) {
      *out = i;
      return BOVW_OK;
    }
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
  }
  return fail(p, "%s=%s: expected one of %s", key, value, list);
}

static int option_allowed(bovw_nn_kind kind, const char *key) {
  const char *list = KIND_OPTIONS[kind];
  size_t n = strlen(key);
  if (!list || !n) return 0; /* "" would match everywhere, and never advance */
  for (const char *s = list; (s = strstr(s, key)); s += n)
    if ((s == list || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\0')) return 1;
  return 0;
}

static int parse_option(parser *p, bovw_nn_layer_spec *l, const char *key,
                        const char *value) {
  static const char *const YES_NO[] = {"no", "yes", NULL};
  static const char *const INITS[] = {"he", "xavier", NULL};
  static const char *const PADMODES[] = {"zeros", "replicate", NULL};
  if (!option_allowed(l->kind, key)) {
    const char *list = KIND_OPTIONS[l->kind];
    if (!list) return fail(p, "%s takes no options (got '%s')", KIND_NAMES[l->kind], key);
    return fail(p, "%s has no option '%s' (it has: %s)", KIND_NAMES[l->kind], key, list);
  }
  const int dims = bovw_nn_kind_dims(l->kind);
  if (!strcmp(key, "stride"))
    return parse_size(p, "stride", value, dims, 1, MAX_SIZE, 1, &l->stride_d, &l->stride_h,
                      &l->stride_w);
  if (!strcmp(key, "pad")) {
    if (!strcmp(value, "same")) {
      l->pad = BOVW_NN_PAD_SAME;
      return BOVW_OK;
    }
    if (!strcmp(value, "valid")) {
      l->pad = BOVW_NN_PAD_VALID;
      return BOVW_OK;
    }
    l->pad = BOVW_NN_PAD_EXPLICIT;
    if (isdigit((unsigned char)value[0]))
      return parse_size(p, "pad", value, dims, 0, MAX_SIZE, 0, &l->pad_d, &l->pad_h,
                        &l->pad_w);
    return fail(p, "pad=%s: expected same, valid, N%s", value,
                dims == 1 ? "" : dims == 3 ? " or DxHxW" : " or HxW");
  }
  if (!strcmp(key, "padmode")) return parse_choice(p, key, value, PADMODES, &l->replicate);
  if (!strcmp(key, "bias")) return parse_choice(p, key, value, YES_NO, &l->bias);
  if (!strcmp(key, "init")) {
    int init = (int)l->init, rc = parse_choice(p, key, value, INITS, &init);
    if (rc == BOVW_OK) l->init = (bovw_nn_init)init;
    return rc;
  }
  if (!strcmp(key, "slope")) return parse_double(p, "slope", value, 0, 1, 1, &l->slope);
  if (!strcmp(key, "momentum"))
    return parse_double(p, "momentum", value, 0, 1, 0, &l->momentum);
  if (!strcmp(key, "eps")) {
    int rc = parse_double(p, "eps", value, 0, 1, 0, &l->eps);
    if (!rc && l->eps <= 0) return fail(p, "eps=%s: must be above 0", value);
    return rc;
  }
  return fail(p, "unknown option '%s'", key);
}

/* The positional arguments of a kind: how many, and what they are. */
static int parse_positional(parser *p, bovw_nn_layer_spec *l, char **args, int n) {
  const char *kind = KIND_NAMES[l->kind];
  switch (l->kind) {
    case BOVW_NN_CONV:
    case BOVW_NN_CONV1D:
    case BOVW_NN_CONV3D: {
      static const char *const EXAMPLE[4] = {"", "conv1d 16 5", "conv 32 3x3", "conv3d 8 3x3x3"};
      const int dims = bovw_nn_kind_dims(l->kind);
      if (n != 2)
        return fail(p, "%s takes the number of filters and the kernel size: %s", kind,
                    EXAMPLE[dims]);
      if (parse_units(p, args[0], &l->units)) return BOVW_ERR_FORMAT;
      return parse_size(p, "kernel size", args[1], dims, 1, MAX_SIZE, 1, &l->kernel_d,
                        &l->kernel_h, &l->kernel_w);
    }
    case BOVW_NN_FC:
      if (n != 1) return fail(p, "fc takes the number of outputs: fc 128, or fc classes");
      return parse_units(p, args[0], &l->units);
    case BOVW_NN_MAXPOOL:
    case BOVW_NN_AVGPOOL:
    case BOVW_NN_MAXPOOL1D:
    case BOVW_NN_AVGPOOL1D:
    case BOVW_NN_MAXPOOL3D:
    case BOVW_NN_AVGPOOL3D:
      if (n != 1) return fail(p, "%s takes the window size: %s 2", kind, kind);
      return parse_size(p, "window size", args[0], bovw_nn_kind_dims(l->kind), 1, MAX_SIZE, 1,
                        &l->kernel_d, &l->kernel_h, &l->kernel_w);
    case BOVW_NN_DROPOUT:
      if (n != 1) return fail(p, "dropout takes the probability of dropping: dropout 0.5");
      return parse_double(p, "dropout probability", args[0], 0, 1, 1, &l->rate);
    default:
      if (n != 0) return fail(p, "%s takes no arguments (got '%s')", kind, args[0]);
      return BOVW_OK;
  }
}

static int parse_layer(parser *p, char **tok, int ntok, bovw_nn_layer_spec *l) {
  int kind = -1;
  for (int k = 0; k < BOVW_NN_NUM_KINDS; k++)
    if (!strcmp(tok[0], KIND_NAMES[k])) kind = k;
  if (kind < 0) {
    char list[256] = "";
    for (int k = 0; k < BOVW_NN_NUM_KINDS; k++) {
      size_t used = strlen(list);
      snprintf(list + used, sizeof list - used, "%s%s", k ? " " : "", KIND_NAMES[k]);
    }
    return fail(p, "unknown layer '%s' (known: input %s)", tok[0], list);
  }
  bovw_nn_layer_spec_default(l, (bovw_nn_kind)kind);
  l->line = p->line;
  int npos = 1;
  while (npos < ntok && !strchr(tok[npos], '=')) npos++;
  int rc = parse_positional(p, l, tok + 1, npos - 1);
  if (rc) return rc;
  int stride_given = 0;
  for (int i = npos; i < ntok; i++) {
    char *eq = strchr(tok[i], '=');
    if (!eq) return fail(p, "'%s' after options: positional arguments come first", tok[i]);
    *eq = '\0';
    const char *key = tok[i], *value = eq + 1;
    for (int j = npos; j < i; j++)
      if (!strcmp(tok[j], key)) return fail(p, "%s given twice", key);
    if (!*value) return fail(p, "%s= needs a value", key);
    if ((rc = parse_option(p, l, key, value))) return rc;
    if (!strcmp(key, "stride")) stride_given = 1;
  }
  /* A pool's stride is its window unless said otherwise. */
  if (is_window(l->kind) && !stride_given) {
    l->stride_d = l->kernel_d;
    l->stride_h = l->kernel_h;
    l->stride_w = l->kernel_w;
  }
  return BOVW_OK;
}

void bovw_nn_spec_free(bovw_nn_spec *self) {
  if (!self) return;
  free(self->layers);
  free(self);
}

bovw_nn_spec *bovw_nn_spec_copy(const bovw_nn_spec *self) {
  bovw_nn_spec *copy = malloc(sizeof *copy);
  if (!copy) return NULL;
  *copy = *self;
  copy->layers = malloc((size_t)(self->num_layers ? self->num_layers : 1) *
                        sizeof *copy->layers);
  if (!copy->layers) {
    free(copy);
    return NULL;
  }
  memcpy(copy->layers, self->layers, (size_t)self->num_layers * sizeof *copy->layers);
  return copy;
}

int bovw_nn_spec_parse(const char *text, const char *name, bovw_nn_spec **out,
                       bovw_error *err) {
  *out = NULL;
  parser p = {name ? name : "spec", 0, err};
  bovw_nn_spec *spec = calloc(1, sizeof *spec);
  if (!spec) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  int capacity = 0, rc = BOVW_OK, softmax_line = 0;
  const char *s = text;
  while (*s && !rc) {
    p.line++;
    size_t n = strcspn(s, "\n");
    char line[MAX_LINE];
    if (n >= sizeof line) {
      rc = fail(&p, "line longer than %d characters", MAX_LINE - 1);
      break;
    }
    memcpy(line, s, n);
    line[n] = '\0';
    s += n + (s[n] == '\n');
    line[strcspn(line, "#\r")] = '\0';
    char *tok[MAX_TOKENS], *save = NULL;
    int ntok = 0;
    for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
      if (ntok == MAX_TOKENS) {
        rc = fail(&p, "more than %d words", MAX_TOKENS);
        break;
      }
      tok[ntok++] = t;
    }
    if (rc || ntok == 0) continue;
    if (softmax_line) {
      rc = fail(&p, "nothing may follow softmax (line %d): it is the loss", softmax_line);
      break;
    }
    if (!strcmp(tok[0], "input")) {
      if (spec->num_layers || spec->input_c) {
        rc = fail(&p, "input must be the first line, and only one");
        break;
      }
      /* CxL, CxHxW or CxDxHxW: the number of sizes says the axes. */
      static const char *const NAMES[3][4] = {
          {"channels", "length"},
          {"channels", "height", "width"},
          {"channels", "depth", "height", "width"}};
      char *part[4] = {ntok == 2 ? tok[1] : NULL};
      int n = ntok == 2 ? 1 : 0, v[4];
      for (char *x; n && n <= 4 && (x = strchr(part[n - 1], 'x')); n++) {
        *x = '\0';
        if (n < 4) part[n] = x + 1;
      }
      if (n < 2 || n > 4) {
        rc = fail(&p, "input takes channels and sizes: input 3x96x96 (2-D), input 28x64 "
                      "(1-D: channels x length) or input 1x8x16x16 (3-D: channels x "
                      "depth x height x width)");
        break;
      }
      for (int k = 0; k < n && !rc; k++) {
        char what[32];
        snprintf(what, sizeof what, "input %s", NAMES[n - 2][k]);
        rc = parse_int(&p, what, part[k], 1, MAX_SIZE, &v[k]);
      }
      if (rc) break;
      spec->input_dims = n - 1;
      spec->input_c = v[0];
      spec->input_d = n == 4 ? v[1] : 1;
      spec->input_h = n == 2 ? 1 : v[n - 2];
      spec->input_w = v[n - 1];
      continue;
    }
    if (spec->num_layers == MAX_LAYERS) {
      rc = fail(&p, "more than %d layers", MAX_LAYERS);
      break;
    }
    if (spec->num_layers == capacity) {
      int grown_capacity = capacity ? 2 * capacity : 16;
      bovw_nn_layer_spec *grown =
          realloc(spec->layers, (size_t)grown_capacity * sizeof *grown);
      if (!grown) {
        rc = bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
        break;
      }
      spec->layers = grown;
      capacity = grown_capacity;
    }
    bovw_nn_layer_spec *l = &spec->layers[spec->num_layers];
    if ((rc = parse_layer(&p, tok, ntok, l))) break;
    spec->num_layers++;
    if (l->kind == BOVW_NN_SOFTMAX) softmax_line = p.line;
  }
  if (!rc && spec->num_layers == 0) {
    p.line = 0;
    rc = bovw_error_set(err, BOVW_ERR_FORMAT, "%s: no layers", p.name);
  }
  if (rc) {
    bovw_nn_spec_free(spec);
    return rc;
  }
  *out = spec;
  return BOVW_OK;
}

int bovw_nn_spec_read(const char *path, bovw_nn_spec **out, bovw_error *err) {
  unsigned char *bytes;
  size_t n;
  *out = NULL;
  int rc = bovw_read_file(path, 0, &bytes, &n, err);
  if (rc) return rc;
  if (strlen((const char *)bytes) != n) {
    free(bytes);
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: not a text file (NUL byte)", path);
  }
  rc = bovw_nn_spec_parse((const char *)bytes, path, out, err);
  free(bytes);
  return rc;
}

/* ---- printing ---------------------------------------------------------------- */

/* The shortest "%g" that reads back as the same double. */
static void format_double(double v, char *buf, size_t size) {
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(buf, size, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) return;
  }
}

/* A size of a layer with `dims` axes, as parse_size reads it. */
static void format_size(int dims, int d, int h, int w, int square_as_one, char *buf,
                        size_t size) {
  if (dims == 1)
    snprintf(buf, size, "%d", w);
  else if (dims == 3 && !(square_as_one && d == h && h == w))
    snprintf(buf, size, "%dx%dx%d", d, h, w);
  else if (h == w && square_as_one)
    snprintf(buf, size, "%d", h);
  else
    snprintf(buf, size, "%dx%d", h, w);
}

int bovw_nn_layer_spec_format(const bovw_nn_layer_spec *l, int explicit_options,
                              char *buf, size_t size) {
  static const char *const INITS[] = {"he", "xavier"};
  char out[512], a[64], b[64];
  size_t used = 0;
  bovw_nn_layer_spec d;
  bovw_nn_layer_spec_default(&d, l->kind);
  /* Appends to out; a line too long is cut, never overflowed. */
#define ADD(...)                                                            \
  do {                                                                      \
    if (used < sizeof out)                                                  \
      used += (size_t)snprintf(out + used, sizeof out - used, __VA_ARGS__); \
  } while (0)
  ADD("%s", bovw_nn_kind_name(l->kind));
  const int dims = bovw_nn_kind_dims(l->kind);
  if (is_conv(l->kind) || l->kind == BOVW_NN_FC) {
    if (l->units == BOVW_NN_UNITS_CLASSES)
      ADD(" classes");
    else
      ADD(" %d", l->units);
  }
  if (dims) {
    format_size(dims, l->kernel_d, l->kernel_h, l->kernel_w, !is_conv(l->kind), a, sizeof a);
    ADD(" %s", a);
    int default_stride = is_conv(l->kind)
                             ? l->stride_d == 1 && l->stride_h == 1 && l->stride_w == 1
                             : l->stride_d == l->kernel_d && l->stride_h == l->kernel_h &&
                                   l->stride_w == l->kernel_w;
    if (explicit_options || !default_stride) {
      format_size(dims, l->stride_d, l->stride_h, l->stride_w, 1, b, sizeof b);
      ADD(" stride=%s", b);
    }
  }
  if (is_conv(l->kind)) {
    if (l->pad == BOVW_NN_PAD_SAME)
      ADD(" pad=same");
    else if (l->pad == BOVW_NN_PAD_EXPLICIT) {
      format_size(dims, l->pad_d, l->pad_h, l->pad_w, 1, a, sizeof a);
      ADD(" pad=%s", a);
    } else if (explicit_options)
      ADD(" pad=valid");
    if (explicit_options || l->replicate) ADD(" padmode=%s", l->replicate ? "replicate" : "zeros");
  }
  if (is_conv(l->kind) || l->kind == BOVW_NN_FC) {
    if (explicit_options || !l->bias) ADD(" bias=%s", l->bias ? "yes" : "no");
    if (explicit_options || l->init != d.init) ADD(" init=%s", INITS[l->init == BOVW_NN_INIT_XAVIER]);
  }
  if (l->kind == BOVW_NN_LEAKYRELU && (explicit_options || l->slope != d.slope)) {
    format_double(l->slope, a, sizeof a);
    ADD(" slope=%s", a);
  }
  if (l->kind == BOVW_NN_BATCHNORM) {
    if (explicit_options || l->momentum != d.momentum) {
      format_double(l->momentum, a, sizeof a);
      ADD(" momentum=%s", a);
    }
    if (explicit_options || l->eps != d.eps) {
      format_double(l->eps, a, sizeof a);
      ADD(" eps=%s", a);
    }
  }
  if (l->kind == BOVW_NN_DROPOUT) {
    format_double(l->rate, a, sizeof a);
    ADD(" %s", a);
  }
#undef ADD
  return snprintf(buf, size, "%s", out);
}

int bovw_nn_spec_to_text(const bovw_nn_spec *self, char **text, bovw_error *err) {
  size_t size = 64 + (size_t)self->num_layers * 512, used = 0;
  char *s = malloc(size);
  *text = NULL;
  if (!s) return bovw_error_set(err, BOVW_ERR_NOMEM, "out of memory");
  s[0] = '\0';
  if (self->input_c) {
    char shape[64];
    bovw_nn_shape_format(self->input_dims, self->input_c, self->input_d, self->input_h,
                         self->input_w, shape, sizeof shape);
    used += (size_t)snprintf(s, size, "input %s\n", shape);
  }
  for (int i = 0; i < self->num_layers; i++) {
    used += (size_t)bovw_nn_layer_spec_format(&self->layers[i], 1, s + used, size - used);
    s[used++] = '\n';
    s[used] = '\0';
  }
  *text = s;
  return BOVW_OK;
}
