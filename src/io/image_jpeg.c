/* image_jpeg.c: JPEG reading through TurboJPEG (libjpeg-turbo).
 *
 * One tjhandle per call: a handle holds decoder state, so sharing one between
 * the threads that decode a dataset would race; creating one costs little
 * next to the decode itself. TurboJPEG keeps its last message in a
 * thread-local string, which is why tjGetErrorStr2 is safe here too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "io/image_internal.h"

/* The decoder's last message as one clean line: TurboJPEG prefixes its own
 * messages with the function name ("tjDecompressHeader3(): ..."), which says
 * nothing to a user looking at a bad file. */
static void tj_message(tjhandle tj, char *buf, size_t size) {
  const char *msg = tjGetErrorStr2(tj);
  if (!msg) msg = "unknown error";
  const char *cut = strstr(msg, "(): ");
  if (cut && !memchr(msg, ' ', (size_t)(cut - msg))) msg = cut + 4;
  snprintf(buf, size, "%s", msg);
  for (char *p = buf; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
}

/* Fills err from the handle's last error. A warning (TJERR_WARNING) is what
 * libjpeg raises for data that ends early or does not decode cleanly; it
 * would leave grey or garbage blocks in the image, so it is an error too. */
static int tj_fail(tjhandle tj, const char *name, bovw_error *err) {
  char msg[256];
  tj_message(tj, msg, sizeof msg);
  if (tjGetErrorCode(tj) == TJERR_WARNING)
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: truncated or corrupt JPEG data (%s)", name, msg);
  return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: corrupt JPEG (%s)", name,
                        msg);
}

static tjhandle tj_open(const char *name, bovw_error *err) {
  tjhandle tj = tjInitDecompress();
  if (!tj)
    bovw_error_set(err, BOVW_ERR_NOMEM, "%s: cannot start the JPEG decoder (%s)",
                   name, tjGetErrorStr2(NULL));
  return tj;
}

/* Reads the header into width, height and colour space; 0 or an error. */
static int read_header(tjhandle tj, const unsigned char *bytes, size_t n,
                       const char *name, int *width, int *height,
                       int *colorspace, bovw_error *err) {
  int subsamp = -1;
  *width = *height = 0;
  *colorspace = -1;
  if (n > (unsigned long)-1)
    return bovw_error_set(err, BOVW_ERR_FORMAT, "%s: JPEG file too large", name);
  if (tjDecompressHeader3(tj, bytes, (unsigned long)n, width, height, &subsamp,
                          colorspace) != 0)
    return tj_fail(tj, name, err);
  /* TurboJPEG 2.1 accepts a "tables-only" stream (no frame) and returns 0
   * with the size left at 0; a file cut inside its header looks like one,
   * with a premature-end warning that the return value does not show. */
  if (*width < 1 || *height < 1) {
    if (tjGetErrorCode(tj) == TJERR_WARNING) return tj_fail(tj, name, err);
    return bovw_error_set(err, BOVW_ERR_FORMAT,
                          "%s: corrupt JPEG (no image, only tables)", name);
  }
  return bovw_image_check_size(*width, *height, name, "JPEG", err);
}

int bovw_jpeg_probe(const unsigned char *bytes, size_t n, const char *name,
                    int *width, int *height, bovw_error *err) {
  tjhandle tj = tj_open(name, err);
  if (!tj) return BOVW_ERR_NOMEM;
  int colorspace;
  int rc = read_header(tj, bytes, n, name, width, height, &colorspace, err);
  tjDestroy(tj);
  return rc;
}

/* CMYK to RGB in place (4 bytes in, 3 out, so writing behind the reader is
 * safe). libjpeg-turbo hands CMYK back exactly as stored, and the JPEGs that
 * carry CMYK are, in practice, written by Adobe software, which stores the
 * samples inverted: 255 means no ink. libjpeg-turbo's own tools (cmyk.h,
 * used by tjLoadImage/tjSaveImage) assume the same convention, so:
 *   R = C * K / 255,  G = M * K / 255,  B = Y * K / 255
 * with C, M, Y, K the stored (inverted) values. A CMYK JPEG written without
 * inversion would come out as a colour negative; there is no reliable way to
 * tell the two apart, and no colour management is attempted. */
static void cmyk_to_rgb(uint8_t *px, size_t count) {
  for (size_t i = 0; i < count; i++) {
    unsigned c = px[4 * i], m = px[4 * i + 1], y = px[4 * i + 2],
             k = px[4 * i + 3];
    px[3 * i] = (uint8_t)((c * k + 127) / 255);
    px[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
    px[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
  }
}

int bovw_jpeg_decode(const unsigned char *bytes, size_t n, const char *name,
                     int channels, bovw_image **out, bovw_error *err) {
  *out = NULL;
  tjhandle tj = tj_open(name, err);
  if (!tj) return BOVW_ERR_NOMEM;
  int width, height, colorspace;
  int rc = read_header(tj, bytes, n, name, &width, &height, &colorspace, err);
  if (rc) {
    tjDestroy(tj);
    return rc;
  }
  /* A gray request on a colour JPEG asks the decoder for its luma (Y)
   * channel: the Rec. 601 gray, without the colour conversion. CMYK and YCCK
   * can only come out as CMYK. */
  int cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  int gray = !cmyk && (channels == 1 || colorspace == TJCS_GRAY);
  int format = cmyk ? TJPF_CMYK : gray ? TJPF_GRAY : TJPF_RGB;
  size_t count = (size_t)width * (size_t)height;
  uint8_t *px = malloc(count * (size_t)tjPixelSize[format]);
  if (!px) {
    tjDestroy(tj);
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory for %dx%d "
                          "pixels", name, width, height);
  }
  /* STOPONWARNING: a warning is an error to us (see tj_fail), so there is no
   * point decoding the rest. LIMITSCANS: refuse progressive files with
   * thousands of scans, which take minutes to decode a few bytes. */
  if (tjDecompress2(tj, bytes, (unsigned long)n, px, width, 0, height, format,
                    TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS) != 0) {
    rc = tj_fail(tj, name, err);
    free(px);
    tjDestroy(tj);
    return rc;
  }
  tjDestroy(tj);
  if (cmyk) cmyk_to_rgb(px, count);
  *out = bovw_image_from_samples(px, width, height, gray ? 1 : 3, 255, channels);
  free(px);
  if (!*out)
    return bovw_error_set(err, BOVW_ERR_NOMEM, "%s: out of memory for %dx%d "
                          "pixels", name, width, height);
  return BOVW_OK;
}
