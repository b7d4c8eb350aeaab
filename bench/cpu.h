/* cpu.h: what the bench programs that compare two forms of a computation
 * share: the CPU seconds this process has used (user + system, all
 * threads), which other work on a loaded machine does not stretch as it
 * stretches wall time. */
#ifndef BOVW_BENCH_CPU_H
#define BOVW_BENCH_CPU_H

#include <sys/resource.h>

static inline double bench_cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_utime.tv_sec + 1e-6 * u.ru_utime.tv_usec + (double)u.ru_stime.tv_sec +
         1e-6 * u.ru_stime.tv_usec;
}

#endif
