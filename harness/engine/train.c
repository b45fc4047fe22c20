/* The training step, the evaluation, and ds_train's epoch loop (train.h).
 *
 * Determinism: the only randomness is the init (init.c), the per-epoch
 * shuffle and the dropout masks, all counter-based draws from rc->seed; the
 * kernels are bit-identical for any thread count; and nothing here reduces in
 * parallel. So the same rc gives the same bits at 1 or 64 threads. */
#include "train.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "init.h"
#include "kernels.h"

const char *ds_run_status_name(ds_run_status s)
{
    static const char *const names[] = {"ok", "diverged", "failed", "interrupted"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fisher-Yates over perm[n], driven by Philox keyed (seed, epoch): the order
 * of epoch e is a function of (seed, e) alone. */
static void shuffle(int32_t *perm, int n, uint64_t seed, uint32_t epoch)
{
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        uint32_t r[4];
        ds_rand4(seed, (uint32_t)i, epoch, DS_STREAM_SHUFFLE, r);
        /* 64 random bits modulo i+1 <= 2^31: bias below 2^-32 */
        uint64_t v = (uint64_t)r[0] << 32 | r[1];
        int j = (int)(v % (uint64_t)(i + 1));
        int32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* Copies rows idx[0..rows) of d into x / y (the mini-batch). */
static void gather(const ds_dataset *d, const int32_t *idx, int rows, float *x, int32_t *y)
{
    size_t f = (size_t)d->features;
    for (int i = 0; i < rows; i++) {
        memcpy(x + (size_t)i * f, d->x + (size_t)idx[i] * f, f * sizeof(float));
        y[i] = d->y[idx[i]];
    }
}

/* One batch of an evaluation. */
typedef struct {
    ds_mlp *m;
    const float *x;
    const int32_t *y;
    int rows, correct;
    double loss;
} eval_job;

static void eval_batch(void *p)
{
    eval_job *j = p;
    ds_mlp_forward(j->m, j->x, j->rows, 0, 0, 0);
    j->loss = ds_mlp_loss(j->m, j->rows, j->y, 0, &j->correct);
}

int ds_evaluate(ds_mlp *m, const ds_dataset *d, const int32_t *idx, int n, double *loss,
                double *acc)
{
    long correct = 0;
    double sum = 0;
    float *xb = NULL;
    int32_t *yb = NULL;
    int oom = 0;
    if (idx && n > 0) { /* the rows are gathered, one chunk at a time */
        int rows = n < m->max_batch ? n : m->max_batch;
        xb = ds_aligned_alloc((size_t)rows * (size_t)d->features * sizeof *xb);
        yb = malloc((size_t)rows * sizeof *yb);
        oom = !xb || !yb;
    }
    for (int i = 0; i < n && !oom; i += m->max_batch) {
        int rows = n - i < m->max_batch ? n - i : m->max_batch;
        const float *x = d->x + (size_t)i * (size_t)d->features;
        const int32_t *y = d->y + i;
        if (idx) {
            gather(d, idx + i, rows, xb, yb);
            x = xb, y = yb;
        }
        eval_job j = {m, x, y, rows, 0, 0};
        ds_team_run_tuned(&m->eval_tuner, eval_batch, &j); /* threads as measured (model.h) */
        sum += j.loss;
        correct += j.correct;
    }
    ds_aligned_free(xb);
    free(yb);
    if (loss)
        *loss = n > 0 && !oom ? sum / n : NAN;
    if (acc)
        *acc = n > 0 && !oom ? (double)correct / n : NAN;
    return oom;
}

/* ---- the trainer ---------------------------------------------------------- */

static int check_data(const ds_run_config *rc, const ds_dataset *train, char *err, size_t errlen)
{
    char buf[256];
    const char *bad = ds_run_config_check(rc, buf, sizeof buf);
    if (bad) {
        snprintf(err, errlen, "%s", bad);
        return 2;
    }
    if (rc->loss == DS_LOSS_SOFTMAX_CE && train->classes < 2) {
        snprintf(err, errlen, "loss: softmax_ce needs >= 2 classes, dataset %s has %d (valid: sigmoid_bce, mse)",
                 rc->dataset, train->classes);
        return 2;
    }
    return 0;
}

/* The rows the training metrics are evaluated on: every training image up
 * to DS_TRAIN_EVAL_MAX, else that many drawn by the seed (train.h). */
static int make_eval_subset(ds_trainer *t)
{
    t->n_eval = t->n < DS_TRAIN_EVAL_MAX ? t->n : DS_TRAIN_EVAL_MAX;
    t->eval_idx = malloc((size_t)t->n_eval * sizeof *t->eval_idx);
    if (!t->eval_idx)
        return 1;
    if (t->n_eval == t->n) {
        memcpy(t->eval_idx, t->train_idx, (size_t)t->n * sizeof *t->eval_idx);
        return 0;
    }
    if (ds_sample_sorted(t->n, t->n_eval, t->rc.seed, DS_STREAM_EVALSUB, t->eval_idx))
        return 1;
    for (int i = 0; i < t->n_eval; i++) /* positions in the split -> rows */
        t->eval_idx[i] = t->train_idx[t->eval_idx[i]];
    return 0;
}

int ds_trainer_create(ds_trainer *t, const ds_run_config *rc, const ds_dataset *train,
                      char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    int bad = check_data(rc, train, err, errlen);
    if (bad)
        return bad;
    t->rc = *rc;
    t->data = train;
    bad = ds_split(train->n, rc->val_split, rc->train_subset, rc->seed, &t->train_idx, &t->n,
                   &t->val_idx, err, errlen);
    if (bad)
        return bad;
    t->n_val = rc->val_split;
    /* A batch larger than the set is a full batch (train.h's contract). */
    t->batch = rc->batch < t->n ? rc->batch : t->n;
    t->n_batches = (t->n + t->batch - 1) / t->batch;
    /* Evaluation reads in chunks of max_batch rows; a bigger chunk than the
     * training batch costs only activation memory. */
    int max_batch = t->batch < 256 ? 256 : t->batch;
    int L = rc->n_hidden + 1, max_width = 1;
    for (int l = 0; l < rc->n_hidden; l++)
        if (rc->hidden[l] > max_width)
            max_width = rc->hidden[l];
    t->perm = malloc((size_t)t->n * sizeof *t->perm);
    t->yb = malloc((size_t)t->batch * sizeof *t->yb);
    t->xb = ds_aligned_alloc((size_t)t->batch * (size_t)train->features * sizeof(float));
    t->grad_norm_sum = calloc((size_t)L, sizeof *t->grad_norm_sum);
    t->alive = malloc((size_t)max_width);
    t->model_ok = ds_mlp_create(&t->model, train->features, rc->n_hidden, rc->hidden,
                                train->classes, rc->activation, rc->act_param, rc->loss,
                                rc->dropout, max_batch) == 0;
    if (!t->perm || !t->yb || !t->xb || !t->grad_norm_sum || !t->alive || !t->model_ok ||
        make_eval_subset(t) ||
        ds_optim_create(&t->opt, rc, t->model.n_params) != 0) {
        ds_trainer_free(t);
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    ds_mlp_init(&t->model, rc->init, rc->init_scale, rc->bias_init, rc->seed);
    return 0;
}

void ds_trainer_free(ds_trainer *t)
{
    ds_optim_free(&t->opt);
    if (t->model_ok)
        ds_mlp_free(&t->model);
    t->model_ok = 0;
    free(t->perm);
    free(t->train_idx);
    free(t->val_idx);
    free(t->eval_idx);
    t->train_idx = t->val_idx = t->eval_idx = NULL;
    free(t->yb);
    ds_aligned_free(t->xb);
    free(t->grad_norm_sum);
    free(t->alive);
    t->perm = t->yb = NULL;
    t->xb = NULL;
    t->grad_norm_sum = NULL;
    t->alive = NULL;
}

void ds_trainer_begin_epoch(ds_trainer *t, int epoch)
{
    shuffle(t->perm, t->n, t->rc.seed, (uint32_t)epoch);
    for (int i = 0; i < t->n; i++) /* positions in the split -> rows of the data */
        t->perm[i] = t->train_idx[t->perm[i]];
    memset(t->grad_norm_sum, 0, (size_t)t->model.n_layers * sizeof *t->grad_norm_sum);
    t->steps = 0;
}

static int train_step(ds_trainer *t, int b, ds_step_result *out)
{
    ds_mlp *m = &t->model;
    int first = b * t->batch;
    int rows = t->n - first < t->batch ? t->n - first : t->batch;
    uint64_t seed = t->rc.seed;
    t->step++;
    gather(t->data, t->perm + first, rows, t->xb, t->yb); /* perm holds rows (begin_epoch) */
    ds_mlp_forward(m, t->xb, rows, 1, seed, t->step);
    out->rows = rows;
    out->correct = 0;
    out->loss_sum = ds_mlp_loss(m, rows, t->yb, 1, &out->correct);
    if (!isfinite(out->loss_sum))
        return 1;
    ds_mlp_backward(m, t->xb, rows, 1, seed, t->step);
    int L = m->n_layers;
    ds_optim_begin_step(&t->opt);
    for (int l = 0; l < L; l++) { /* the gradient norms inside the update's pass */
        double sq;
        ds_optim_update(&t->opt, m->W[l], m->dW[l], m->w_off[l],
                        (size_t)m->dims[l] * (size_t)m->dims[l + 1], 1, &sq);
        t->grad_norm_sum[l] += sqrt(sq);
        ds_optim_update(&t->opt, m->b[l], m->db[l], m->b_off[l], (size_t)m->dims[l + 1], 0, NULL);
    }
    t->steps++;
    return 0;
}

typedef struct {
    ds_trainer *t;
    int b, rc;
    ds_step_result *out;
} step_job;

static void step_job_run(void *p)
{
    step_job *j = p;
    j->rc = train_step(j->t, j->b, j->out);
}

/* The whole step on one team (kernels.h ds_team_run_tuned): its threads
 * stay with it from the gather to the last optimizer update, waiting
 * between kernels by deepsweep's own policy rather than in a fresh OpenMP
 * region per kernel, and the step runs on 1 thread or the run's, whichever
 * measured faster. Inside ds_train the team is the run's, kept across the
 * steps; called alone, the step starts a team of its own. */
int ds_train_step(ds_trainer *t, int b, ds_step_result *out)
{
    step_job j = {t, b, 0, out};
    ds_team_run_tuned(&t->model.step_tuner, step_job_run, &j);
    return j.rc;
}

void ds_trainer_layer_metrics(ds_trainer *t, ds_layer_metrics *lm)
{
    const ds_mlp *m = &t->model;
    int L = m->n_layers;
    int last_rows = t->n - (t->n_batches - 1) * t->batch;
    for (int l = 0; l < L; l++) {
        lm[l].layer = l;
        lm[l].grad_norm = t->steps ? t->grad_norm_sum[l] / t->steps : 0;
        lm[l].weight_norm = sqrt(ds_sumsq(m->W[l], (size_t)m->dims[l] * (size_t)m->dims[l + 1]));
        lm[l].dead_frac = 0; /* the output layer has no units that "fire" */
        if (l == L - 1)
            continue;
        /* dead units: hidden units that output 0 for every row of the
         * epoch's last batch (before dropout) */
        int width = m->dims[l + 1], dead = 0;
        memset(t->alive, 0, (size_t)width);
        ds_cols_nonzero(last_rows, width, m->h[l], width, t->alive);
        for (int j = 0; j < width; j++)
            dead += !t->alive[j];
        lm[l].dead_frac = (double)dead / width;
    }
}

/* ---- one run ------------------------------------------------------------- */

/* One epoch's steps. Returns the run status so far (ok, diverged or
 * interrupted); *loss_sum / *correct / *samples accumulate its steps. */
static ds_run_status run_epoch(ds_trainer *t, const ds_train_hooks *hooks, double *loss_sum,
                               long *correct, long *samples)
{
    for (int b = 0; b < t->n_batches; b++) {
        if (hooks && hooks->stop && *hooks->stop)
            return DS_RUN_INTERRUPTED;
        ds_step_result s;
        if (ds_train_step(t, b, &s)) {
            *loss_sum = s.loss_sum;
            return DS_RUN_DIVERGED;
        }
        *loss_sum += s.loss_sum;
        *correct += s.correct;
        *samples += s.rows;
    }
    return DS_RUN_OK;
}

/* The metrics of a logged epoch: the training-metric subset, the
 * validation images and the test set, each through ds_evaluate. 0, or 1
 * when out of memory. */
static int evaluate_epoch(ds_trainer *t, const ds_dataset *test, ds_epoch_metrics *em)
{
    int oom = ds_evaluate(&t->model, t->data, t->eval_idx, t->n_eval, &em->train_loss,
                          &em->train_acc);
    oom |= ds_evaluate(&t->model, t->data, t->val_idx, t->n_val, &em->val_loss, &em->val_acc);
    oom |= ds_evaluate(&t->model, test, NULL, test->n, &em->test_loss, &em->test_acc);
    return oom;
}

static void set_metrics_missing(ds_run_result *out)
{
    out->train_loss = out->train_acc = out->val_loss = out->val_acc = NAN;
    out->test_loss = out->test_acc = out->best_val_acc = out->test_acc_at_best = NAN;
    out->best_epoch = 0;
}

/* The epochs of one run, with what ds_train reports of them. */
typedef struct {
    ds_trainer *t;
    const ds_dataset *test;
    const ds_train_hooks *hooks;
    ds_run_result *out;
    double train_seconds;
    long samples;
    int ended; /* interrupted or failed: the run's end is not reported */
} epochs_job;

static void run_epochs(void *p)
{
    epochs_job *j = p;
    ds_trainer *t = j->t;
    const ds_run_config *rc = &t->rc;
    const ds_train_hooks *hooks = j->hooks;
    ds_run_result *out = j->out;
    ds_layer_metrics lm[DS_MAX_LAYERS];
    memset(lm, 0, sizeof lm); /* padding too: hooks may copy them whole */
    for (int epoch = 1; epoch <= rc->epochs; epoch++) {
        double t0 = now_s();
        ds_trainer_begin_epoch(t, epoch);
        double loss_sum = 0;
        long correct = 0;
        out->status = run_epoch(t, hooks, &loss_sum, &correct, &j->samples);
        if (out->status == DS_RUN_INTERRUPTED) {
            j->ended = 1;
            return;
        }
        double t1 = now_s();
        j->train_seconds += t1 - t0;
        out->epochs_done = epoch;
        out->train_loss_running = loss_sum / t->n;
        out->train_acc_running = (double)correct / t->n;
        if (out->status == DS_RUN_DIVERGED) {
            out->diverged_epoch = epoch;
            set_metrics_missing(out); /* a diverged model has no metrics */
            break;
        }
        if (epoch % rc->log_every && epoch != rc->epochs)
            continue;
        ds_trainer_layer_metrics(t, lm); /* before ds_evaluate overwrites the activations */
        ds_epoch_metrics em = {.epoch = epoch,
                               .train_loss_running = out->train_loss_running,
                               .train_acc_running = out->train_acc_running,
                               .seconds = t1 - t0};
        if (evaluate_epoch(t, j->test, &em)) {
            out->status = DS_RUN_FAILED;
            set_metrics_missing(out);
            j->ended = 1;
            return;
        }
        out->train_loss = em.train_loss, out->train_acc = em.train_acc;
        out->val_loss = em.val_loss, out->val_acc = em.val_acc;
        out->test_loss = em.test_loss, out->test_acc = em.test_acc;
        /* model selection on validation only, never on test */
        if (t->n_val && (!out->best_epoch || em.val_acc > out->best_val_acc)) {
            out->best_epoch = epoch;
            out->best_val_acc = em.val_acc;
            out->test_acc_at_best = em.test_acc;
        }
        if (hooks && hooks->on_epoch)
            hooks->on_epoch(hooks->ctx, &em, lm, t->model.n_layers);
    }
}

int ds_train(const ds_run_config *rc, const ds_dataset *train, const ds_dataset *test,
             const ds_train_hooks *hooks, ds_run_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    set_metrics_missing(out);
    out->train_loss_running = out->train_acc_running = NAN;
    if (test->features != train->features) {
        snprintf(err, errlen, "test set has %d features, training set %d", test->features,
                 train->features);
        return 2;
    }
    /* before the trainer exists: the init runs on the run's threads too */
    if (rc->threads > 0)
        omp_set_num_threads(rc->threads);
    ds_trainer t;
    int made = ds_trainer_create(&t, rc, train, err, errlen);
    if (made == 2)
        return 2;
    if (made) { /* out of memory: this run failed, the sweep goes on */
        out->status = DS_RUN_FAILED;
        return 0;
    }
    out->params_weights = ds_mlp_weight_count(&t.model);
    out->params_biases = ds_mlp_bias_count(&t.model);
    epochs_job j = {&t, test, hooks, out, 0, 0, 0};
    double t_run = now_s();
    /* One team for all the epochs: each step (and each evaluation batch)
     * runs on 1 of its threads or all, as measured (ds_team_run_tuned),
     * without starting threads per step (a fresh region cost ~5% of a
     * deep-net step at 2 threads); between steps the workers wait by the
     * team's own policy. */
    ds_team_run(run_epochs, &j);
    if (!j.ended) {
        out->seconds = now_s() - t_run;
        if (out->status == DS_RUN_OK && hooks && hooks->on_model)
            hooks->on_model(hooks->ctx, &t.model);
        out->samples_per_s = j.train_seconds > 0 ? j.samples / j.train_seconds : 0;
    }
    ds_trainer_free(&t);
    return 0;
}
