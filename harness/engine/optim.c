/* Optimizers as one static table {state buffers, step} indexed by the enum of
 * names.h (where the names and defaults live): adding one is one row here
 * and one there. The arithmetic is in kernels/ (ds_sgd_step, ds_adam_step). */
#include "optim.h"

#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "model.h"

/* One parameter tensor's update; returns Σ g² read in the same pass when
 * sq (the gradient norm, with ds_sumsq's bits), else 0. */
typedef double (*step_fn)(ds_optim *o, float *w, const float *g, float *s1, float *s2,
                          size_t n, float wd, int sq);

static double step_sgd(ds_optim *o, float *w, const float *g, float *s1, float *s2, size_t n,
                       float wd, int sq)
{
    (void)s1;
    (void)s2;
    if (sq)
        return ds_sgd_step_sumsq(w, g, NULL, n, o->lr, 0.0f, 0, wd);
    ds_sgd_step(w, g, NULL, n, o->lr, 0.0f, 0, wd);
    return 0;
}

static double step_momentum(ds_optim *o, float *w, const float *g, float *s1, float *s2,
                            size_t n, float wd, int sq)
{
    (void)s2;
    if (sq)
        return ds_sgd_step_sumsq(w, g, s1, n, o->lr, o->momentum, o->nesterov, wd);
    ds_sgd_step(w, g, s1, n, o->lr, o->momentum, o->nesterov, wd);
    return 0;
}

static double step_adam(ds_optim *o, float *w, const float *g, float *s1, float *s2, size_t n,
                        float wd, int sq)
{
    if (sq)
        return ds_adam_step_sumsq(w, g, s1, s2, n, o->lr, o->beta1, o->beta2, o->eps, wd, o->t);
    ds_adam_step(w, g, s1, s2, n, o->lr, o->beta1, o->beta2, o->eps, wd, o->t);
    return 0;
}

typedef struct {
    int n_state; /* state buffers of the parameter block's size */
    step_fn step;
} opt_row;

static const opt_row opts[DS_OPT_COUNT] = {
    [DS_OPT_SGD] = {0, step_sgd},
    [DS_OPT_MOMENTUM] = {1, step_momentum},
    [DS_OPT_ADAM] = {2, step_adam},
};


int ds_optim_create(ds_optim *o, const ds_run_config *rc, size_t n_params)
{
    memset(o, 0, sizeof *o);
    o->kind = rc->optimizer;
    o->lr = rc->lr;
    o->momentum = rc->momentum;
    o->nesterov = rc->nesterov;
    o->beta1 = rc->beta1;
    o->beta2 = rc->beta2;
    o->eps = rc->eps;
    o->weight_decay = rc->weight_decay;
    o->n = n_params;
    int ns = opts[o->kind].n_state;
    if (ns >= 1 && !(o->s1 = ds_zalloc_floats(n_params)))
        return -1;
    if (ns >= 2 && !(o->s2 = ds_zalloc_floats(n_params))) {
        ds_optim_free(o);
        return -1;
    }
    return 0;
}

void ds_optim_free(ds_optim *o)
{
    ds_aligned_free(o->s1);
    ds_aligned_free(o->s2);
    o->s1 = o->s2 = NULL;
}

void ds_optim_begin_step(ds_optim *o) { o->t++; }

void ds_optim_update(ds_optim *o, float *w, const float *g, size_t off, size_t n, int decay,
                     double *g_sumsq)
{
    double sq = opts[o->kind].step(o, w, g, o->s1 ? o->s1 + off : NULL,
                                   o->s2 ? o->s2 + off : NULL, n,
                                   decay ? o->weight_decay : 0.0f, g_sumsq != NULL);
    if (g_sumsq)
        *g_sumsq = sq;
}
