/* vl_progress.h: VLFeat's k-means and GMM report their iterations only as
 * messages through its printf function; these turn those messages into
 * bovw progress (internal to codebook). */
#ifndef BOVW_CODEBOOK_VL_PROGRESS_H
#define BOVW_CODEBOOK_VL_PROGRESS_H

#include <stddef.h>

#include "bovw/monitor.h"

/* From now until bovw_vl_progress_end, every iteration VLFeat reports
 * (with its verbosity at 1) counts as one of `total` units of `what` on
 * monitor, and VLFeat prints nothing. VLFeat's printf function is one for
 * the process: one such span at a time (the codebook stage has one). */
void bovw_vl_progress_begin(const bovw_monitor *monitor, const char *what, size_t total);
void bovw_vl_progress_end(void);

#endif
