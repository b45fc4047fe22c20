/* The training step benchmark: ds_train_step, the step `train` and `run`
 * execute (gather of the batch, forward, loss, backward, per-layer gradient
 * norms, the optimizer update tensor by tensor), the steps of a repetition
 * on one team as ds_train's epoch loop runs them, on the course's Xavier net
 * and deep net at batch 100 with Adam.
 *
 * The data are synthetic (uniform in [0,1), labels i mod 10) so the profiler
 * needs no data files; the cost of a step does not depend on the values. */
#include "mlp_shapes.h"
#include "profiler.h"
#include "train.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Samples of the synthetic training set: 10 batches, so the gather reads
 * rows in a shuffled order as it does on MNIST (3 MB, not MNIST's 188 MB). */
#define STEP_SAMPLES (10 * DS_MLP_BATCH)

typedef struct {
    ds_dataset data;
    ds_trainer t;
    int trainer_ok;
    long i;
    double loss; /* mean loss of the last step */
} step_ctx;

typedef struct {
    step_ctx *s;
    long iters;
} steps_job;

static void run_steps(void *p)
{
    steps_job *j = p;
    step_ctx *s = j->s;
    for (long k = 0; k < j->iters; k++, s->i++) {
        ds_step_result r;
        ds_train_step(&s->t, (int)(s->i % s->t.n_batches), &r);
        s->loss = r.loss_sum / r.rows;
        ds_do_not_optimize(s->t.model.params);
    }
}

/* The steps of one repetition on one team, as ds_train's epoch loop runs
 * them (its threads started once, not per step). */
static void step_fn(void *p, long iters)
{
    steps_job j = {p, iters};
    ds_team_run(run_steps, &j);
}

static double step_checksum(void *p) { return ((step_ctx *)p)->loss; }

typedef struct {
    const char *name;
    int n_hidden;
    int hidden[4];
} net_def;

/* The course's Xavier net and deep net (lab-mnist). */
static const net_def nets[] = {
    {"step_xavier", 2, {256, 256}},
    {"step_deep", 4, {512, 512, 512, 512}},
};

/* 0, or -1 out of memory (a config error here is a bug: said on stderr). */
static int step_init(step_ctx *s, const net_def *nd)
{
    memset(s, 0, sizeof *s);
    ds_dataset *d = &s->data;
    d->n = STEP_SAMPLES, d->features = 784, d->classes = 10;
    d->x = bench_falloc((size_t)d->n * 784);
    d->y = malloc((size_t)d->n * sizeof *d->y);
    if (!d->x || !d->y)
        return -1;
    bench_fill(d->x, (size_t)d->n * 784, 3, 0, 1);
    for (int i = 0; i < d->n; i++)
        d->y[i] = i % 10;
    ds_run_config rc;
    ds_run_config_defaults(&rc);
    snprintf(rc.dataset, sizeof rc.dataset, "mnist");
    rc.n_hidden = nd->n_hidden;
    memcpy(rc.hidden, nd->hidden, sizeof nd->hidden);
    rc.activation = DS_ACT_RELU;
    rc.init = DS_INIT_XAVIER_UNIFORM;
    rc.optimizer = DS_OPT_ADAM;
    rc.batch = DS_MLP_BATCH;
    rc.val_split = 0; /* the step alone: no validation split of the synthetic set */
    ds_run_config_resolve(&rc, 0, 0, 1);
    char err[256];
    int rc_made = ds_trainer_create(&s->t, &rc, d, err, sizeof err);
    if (rc_made != 0) {
        fprintf(stderr, "deepsweep: bench: %s: %s\n", nd->name, err);
        return -1;
    }
    s->trainer_ok = 1;
    /* every step on the case's thread count (bench_measure_threads sets it),
     * not the count the step's own measurement would choose */
    s->t.model.step_tuner.fixed = INT_MAX;
    ds_trainer_begin_epoch(&s->t, 1);
    return 0;
}

static void step_free(step_ctx *s)
{
    if (s->trainer_ok)
        ds_trainer_free(&s->t);
    ds_aligned_free(s->data.x);
    free(s->data.y);
}

/* GEMM flops of one step: forward 2·B·Σ in·out; backward dW the same and dX
 * for every layer but the first (nothing upstream of the input). */
static double step_flops(const ds_mlp *m)
{
    double f = 0;
    for (int l = 0; l < m->n_layers; l++) {
        double mm = 2.0 * DS_MLP_BATCH * m->dims[l] * m->dims[l + 1];
        f += (l == 0 ? 2 : 3) * mm;
    }
    return f;
}

int bench_run_steps(bench_state *st, const char *iname, const int *threads, int nt)
{
    for (size_t ni = 0; ni < sizeof nets / sizeof nets[0]; ni++) {
        step_ctx sc;
        int rc = step_init(&sc, &nets[ni]);
        const ds_mlp *m = &sc.t.model;
        /* parameters, gradients and Adam state: each read/written once */
        bench_case c = {.family = FAM_STEP, .size_class = SZ_NONE, .kernel = nets[ni].name,
                        .isa = iname,
                        .note = "ds_train_step, batch 100, Adam; items = samples; flops = GEMM "
                                "flops only",
                        .m = DS_MLP_BATCH, .n = m->dims[m->n_layers], .k = m->dims[0],
                        .elems = (long)m->n_params, .flops = step_flops(m),
                        .bytes = 4.0 * 6.0 * (double)m->n_params, .items = DS_MLP_BATCH};
        if (rc == 0)
            rc = bench_measure_threads(st, c, threads, nt, step_fn, step_checksum, &sc);
        step_free(&sc);
        if (rc != 0)
            return -1;
    }
    return 0;
}
