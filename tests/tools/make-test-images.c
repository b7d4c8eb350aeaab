/* make-test-images.c: writes a folder of synthetic labelled images for the
 * CLI tests: DIR/<class>/<i>.<ext>, one subfolder per class.
 *
 * Classes differ in what a bag of visual words sees: class 0 circles,
 * 1 squares, 2 triangles, 3 horizontal stripes, 4 vertical stripes,
 * 5 checkerboards; classes 6.. repeat the six with other colours and scales
 * and are named with a suffix ("circles-1"). Position, size and colour vary
 * per image, drawn from --seed, the class and the index, so an image does not
 * depend on how many others are made. Prints nothing on success. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bovw/fs.h"
#include "support/synth_images.h"

static const char *usage =
    "usage: make-test-images DIR [--classes N] [--per-class M] [--size S]\n"
    "                        [--seed S] [--format jpg|png|pnm|mixed] [--bad]\n"
    "Writes DIR/<class>/<i>.<ext> synthetic images (defaults: 6 classes of\n"
    "10 images, 64x64, seed 1, jpg). --bad adds to the first class files a\n"
    "reader must skip or reject: corrupt.jpg, truncated.jpg, notes.txt and\n"
    ".hidden.png.\n";

static const char *shape_names[6] = {"circles",  "squares",  "triangles",
                                     "hstripes", "vstripes", "checkers"};

typedef struct options {
  const char *dir;
  long classes, per_class, size;
  unsigned long long seed;
  const char *format;  /* jpg, png, pnm or mixed */
  int bad;
} options;

static int fail(const char *fmt, const char *arg) {
  fprintf(stderr, "make-test-images: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  return 1;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static int parse_options(int argc, char **argv, options *o) {
  *o = (options){NULL, 6, 10, 64, 1, "jpg", 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--bad") == 0) {
      o->bad = 1;
      continue;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage, stdout);
      exit(0);
    }
    if (a[0] != '-') {
      if (o->dir) return fail("more than one folder given: %s", a);
      o->dir = a;
      continue;
    }
    if (i + 1 >= argc) return fail("%s needs a value", a);
    const char *v = argv[++i];
    if (strcmp(a, "--classes") == 0) {
      if (parse_long(v, 1, 1000, &o->classes))
        return fail("--classes: not a number from 1 to 1000: %s", v);
    } else if (strcmp(a, "--per-class") == 0) {
      if (parse_long(v, 1, 100000, &o->per_class))
        return fail("--per-class: not a number from 1 to 100000: %s", v);
    } else if (strcmp(a, "--size") == 0) {
      if (parse_long(v, 8, 4096, &o->size))
        return fail("--size: not a number from 8 to 4096: %s", v);
    } else if (strcmp(a, "--seed") == 0) {
      char *end;
      errno = 0;
      o->seed = strtoull(v, &end, 10);
      if (errno || end == v || *end || v[0] == '-')
        return fail("--seed: not a non-negative number: %s", v);
    } else if (strcmp(a, "--format") == 0) {
      if (strcmp(v, "jpg") && strcmp(v, "png") && strcmp(v, "pnm") &&
          strcmp(v, "mixed"))
        return fail("--format: jpg, png, pnm or mixed, not %s", v);
      o->format = v;
    } else {
      return fail("unknown option %s (see --help)", a);
    }
  }
  if (!o->dir) return fail("%s", "no output folder given (see --help)");
  return 0;
}

/* A colour with every channel drawn from [lo, hi]. */
static synth_color random_color(uint64_t *rng, int lo, int hi) {
  return (synth_color){(uint8_t)synth_rand_int(rng, lo, hi),
                       (uint8_t)synth_rand_int(rng, lo, hi),
                       (uint8_t)synth_rand_int(rng, lo, hi)};
}

/* Draws image i of class k. Each later round of six classes swaps dark and
 * light, and shrinks the shapes and the stripe periods. */
static void draw(synth_image *img, long k, uint64_t *rng) {
  int shape = (int)(k % 6), round = (int)(k / 6);
  double s = img->width, scale = 1.0 / (1 + 0.5 * round);
  int light_bg = round % 2;
  synth_color bg = light_bg ? random_color(rng, 170, 255) : random_color(rng, 0, 85);
  synth_color fg = light_bg ? random_color(rng, 0, 85) : random_color(rng, 170, 255);
  synth_fill(img, bg);
  double r = s * scale * (0.18 + 0.14 * synth_uniform(rng));
  double cx = r + (s - 2 * r) * synth_uniform(rng);
  double cy = r + (s - 2 * r) * synth_uniform(rng);
  int period = (int)(s * scale * (0.06 + 0.06 * synth_uniform(rng)));
  if (period < 2) period = 2;
  switch (shape) {
    case 0: synth_circle(img, cx, cy, r, fg); break;
    case 1: synth_square(img, cx, cy, r * 0.85, fg); break;
    case 2: synth_triangle(img, cx, cy, r, fg); break;
    case 3: synth_stripes(img, period, 0, fg, bg); break;
    case 4: synth_stripes(img, period, 1, fg, bg); break;
    default: synth_checkerboard(img, period + 1, fg, bg); break;
  }
  synth_noise(img, rng, 6);
}

/* The format of image i: one of jpg, png, pnm; mixed cycles through them. */
static const char *format_of(const options *o, long i) {
  static const char *cycle[3] = {"jpg", "png", "pnm"};
  return strcmp(o->format, "mixed") == 0 ? cycle[i % 3] : o->format;
}

static int encode(const synth_image *img, const char *format,
                  unsigned char **bytes, size_t *n) {
  if (strcmp(format, "jpg") == 0) return synth_jpeg_encode(img, 90, 0, bytes, n);
  if (strcmp(format, "png") == 0) return synth_png_encode_image(img, 0, bytes, n);
  return synth_pnm_encode_image(img, bytes, n);
}

static int write_bytes(const char *dir, const char *name, const void *bytes,
                       size_t n) {
  char *path = bovw_path_join(dir, name);
  if (!path) return fail("%s", "out of memory");
  int rc = synth_write_file(path, bytes, n);
  if (rc) fail("cannot write %s", path);
  free(path);
  return rc ? 1 : 0;
}

/* The files --bad adds to the first class's folder. */
static int write_bad_files(const char *dir, const options *o) {
  uint64_t rng = o->seed ^ 0xbadbadbadULL;
  unsigned char garbage[300] = {0xff, 0xd8, 0xff, 0xe0};
  for (size_t i = 4; i < sizeof garbage; i++) garbage[i] = (uint8_t)synth_rand(&rng);
  if (write_bytes(dir, "corrupt.jpg", garbage, sizeof garbage)) return 1;

  synth_image *img = synth_image_new((int)o->size, (int)o->size, 3);
  if (!img) return fail("%s", "out of memory");
  draw(img, 0, &rng);
  unsigned char *bytes;
  size_t n;
  int rc = 1;
  if (synth_jpeg_encode(img, 90, 0, &bytes, &n) == 0) {
    rc = write_bytes(dir, "truncated.jpg", bytes, n / 2);
    free(bytes);
  } else {
    fail("%s", "cannot encode a JPEG");
  }
  if (!rc && synth_png_encode_image(img, 0, &bytes, &n) == 0) {
    rc = write_bytes(dir, ".hidden.png", bytes, n);
    free(bytes);
  } else if (!rc) {
    rc = fail("%s", "cannot encode a PNG");
  }
  synth_image_free(img);
  if (rc) return rc;
  static const char notes[] = "These are synthetic test images.\n";
  return write_bytes(dir, "notes.txt", notes, sizeof notes - 1);
}

static char *class_name(long k) {
  char name[64];
  if (k < 6)
    snprintf(name, sizeof name, "%s", shape_names[k]);
  else
    snprintf(name, sizeof name, "%s-%ld", shape_names[k % 6], k / 6);
  return strdup(name);
}

static int write_class(const options *o, long k) {
  char *name = class_name(k);
  char *dir = name ? bovw_path_join(o->dir, name) : NULL;
  free(name);
  if (!dir) return fail("%s", "out of memory");
  bovw_error err;
  if (bovw_mkdir_p(dir, &err)) {
    free(dir);
    return fail("%s", err.message);
  }
  synth_image *img = synth_image_new((int)o->size, (int)o->size, 3);
  int rc = img ? 0 : fail("%s", "out of memory");
  for (long i = 0; i < o->per_class && !rc; i++) {
    /* Seeded by (seed, class, index) alone. */
    uint64_t rng = o->seed * 0x9e3779b97f4a7c15ULL ^ (uint64_t)k << 40 ^
                   (uint64_t)i;
    synth_rand(&rng);
    draw(img, k, &rng);
    const char *format = format_of(o, i);
    unsigned char *bytes;
    size_t n;
    if (encode(img, format, &bytes, &n)) {
      rc = fail("cannot encode a %s image", format);
      break;
    }
    char file[64];
    snprintf(file, sizeof file, "%ld.%s", i,
             strcmp(format, "pnm") == 0 ? "ppm" : format);
    rc = write_bytes(dir, file, bytes, n);
    free(bytes);
  }
  synth_image_free(img);
  if (!rc && k == 0 && o->bad) rc = write_bad_files(dir, o);
  free(dir);
  return rc;
}

int main(int argc, char **argv) {
  options o;
  if (parse_options(argc, argv, &o)) return 1;
  bovw_error err;
  if (bovw_mkdir_p(o.dir, &err)) return fail("%s", err.message);
  for (long k = 0; k < o.classes; k++)
    if (write_class(&o, k)) return 1;
  return 0;
}
