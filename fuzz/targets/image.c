/* image.c: fuzz target of the image readers (JPEG, PNG, PNM), through the
 * entry points the stages use: bovw_image_probe (what `bovw dataset scan`
 * checks) and bovw_image_decode (what bovw_image_load, and so extract,
 * encode --pixels and nn train, run on a file's bytes), to gray and RGB.
 * Checks that a decoded image has the size its probe announced, within the
 * limits image.h promises, and pixels in [0, 1]. */
#include <math.h>
#include <stdlib.h>

#include "bovw/image.h"
#include "fuzz.h"
#include "io/image_internal.h"

static void check_image(const bovw_image *img, int channels, int w, int h) {
  FUZZ_ASSERT(img && img->channels == channels, "decode gives the channels asked");
  FUZZ_ASSERT(img->width == w && img->height == h, "decode gives the size the probe read");
  FUZZ_ASSERT(w <= BOVW_IMAGE_MAX_SIDE && h <= BOVW_IMAGE_MAX_SIDE &&
                  (long long)w * h <= BOVW_IMAGE_MAX_PIXELS,
              "an image within the size limits");
  size_t n = (size_t)w * (size_t)h * (size_t)channels;
  for (size_t i = 0; i < n; i++)
    FUZZ_ASSERT(img->pixels[i] >= 0.0f && img->pixels[i] <= 1.0f, "pixels in [0, 1]");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bovw_error err;
  bovw_image_format format;
  int w = 0, h = 0;
  int probed = bovw_image_probe(data, size, "fuzz", &format, &w, &h, &err) == BOVW_OK;
  bovw_image *gray = NULL, *rgb = NULL;
  int rc = fuzz_result(bovw_image_decode(data, size, "fuzz", 1, &gray, &err), &err);
  if (rc == BOVW_OK) {
    /* What decodes also probes: scan never drops an image extract reads. */
    FUZZ_ASSERT(probed, "a decodable image passes the probe");
    check_image(gray, 1, w, h);
    FUZZ_ASSERT(bovw_image_decode(data, size, "fuzz", 3, &rgb, &err) == BOVW_OK,
                "what decodes to gray decodes to RGB");
    check_image(rgb, 3, w, h);
  } else {
    FUZZ_ASSERT(gray == NULL, "no image on failure");
  }
  bovw_image_free(gray);
  bovw_image_free(rgb);
  fuzz_end();
  return 0;
}
