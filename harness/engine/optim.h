/* Optimizers (one table: optim.c): SGD, momentum (Nesterov optional), Adam as
 * TensorFlow. State buffers are allocated once per run, parallel to the
 * model's contiguous parameter block; updates run through kernels/. */
#ifndef DS_OPTIM_H
#define DS_OPTIM_H

#include <stddef.h>

#include "runcfg.h"

typedef struct {
    ds_opt_kind kind;
    float lr, momentum, beta1, beta2, eps, weight_decay;
    int nesterov;
    long t;      /* steps taken (Adam's bias correction uses t >= 1)   */
    size_t n;    /* parameters covered                                 */
    float *s1;   /* momentum velocity / Adam m (NULL when unused)      */
    float *s2;   /* Adam v                                             */
} ds_optim;

/* Returns 0, or -1 when out of memory. */
int ds_optim_create(ds_optim *o, const ds_run_config *rc, size_t n_params);
void ds_optim_free(ds_optim *o);
/* Call once per step before the per-tensor updates (advances t). */
void ds_optim_begin_step(ds_optim *o);
/* Updates w[n] (at offset off of the parameter block) from its gradient g.
 * decay: apply the L2 weight decay (weights yes, biases no). g_sumsq
 * non-NULL: also sets it to Σ g[i]², read in the same pass (the bits of
 * ds_sumsq(g, n): the step's gradient norms without a second pass). */
void ds_optim_update(ds_optim *o, float *w, const float *g, size_t off, size_t n, int decay,
                     double *g_sumsq);

#endif
