/* schedule.c: the learning rate as a function of the epoch. */
#include <math.h>

#include "nn/internal.h"

const char *bovw_nn_schedule_check(const bovw_nn_schedule *s) {
  if (!(s->lr > 0)) return "the learning rate must be above 0";
  switch (s->kind) {
    case BOVW_NN_LR_CONSTANT: return NULL;
    case BOVW_NN_LR_STEP:
      if (s->step_size < 1) return "the step schedule needs a step size of at least 1 epoch";
      if (!(s->gamma > 0 && s->gamma <= 1)) return "the step schedule's gamma must be in (0, 1]";
      return NULL;
    case BOVW_NN_LR_COSINE:
      if (s->epochs < 1) return "the cosine schedule needs a length of at least 1 epoch";
      if (!(s->lr_min >= 0 && s->lr_min <= s->lr))
        return "the cosine schedule's final rate must be in [0, lr]";
      return NULL;
  }
  return "unknown schedule";
}

double bovw_nn_schedule_lr(const bovw_nn_schedule *s, double epoch) {
  if (epoch < 0) epoch = 0;
  switch (s->kind) {
    case BOVW_NN_LR_CONSTANT: break;
    case BOVW_NN_LR_STEP:
      return s->lr * pow(s->gamma, floor(epoch / s->step_size));
    case BOVW_NN_LR_COSINE: {
      /* Loshchilov and Hutter, "SGDR: stochastic gradient descent with warm
       * restarts" (ICLR 2017), eq. 5, one period without restarts:
       *   lr_t = lr_min + (lr - lr_min) (1 + cos(pi t / T)) / 2. */
      double t = epoch < s->epochs ? epoch : s->epochs;
      return s->lr_min + 0.5 * (s->lr - s->lr_min) * (1 + cos(M_PI * t / s->epochs));
    }
  }
  return s->lr;
}
