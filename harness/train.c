/* ds_train: the epoch loop and its metrics (see train.h).
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
#include "model.h"
#include "optim.h"

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

/* Accuracy (and summed loss) of the model on d, in eval mode, in chunks of
 * the model's max_batch rows straight from the dataset (no copy needed). */
static double evaluate(ds_mlp *m, const ds_dataset *d, int n, double *loss_sum)
{
    long correct = 0;
    double loss = 0;
    for (int i = 0; i < n; i += m->max_batch) {
        int rows = n - i < m->max_batch ? n - i : m->max_batch;
        int c = 0;
        ds_mlp_forward(m, d->x + (size_t)i * (size_t)d->features, rows, 0, 0, 0);
        loss += ds_mlp_loss(m, rows, d->y + i, 0, &c);
        correct += c;
    }
    if (loss_sum)
        *loss_sum = loss;
    return n ? (double)correct / n : 0.0;
}

int ds_train(const ds_run_config *rc, const ds_dataset *train, const ds_dataset *test,
             const ds_train_hooks *hooks, ds_run_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char buf[256];
    const char *bad = ds_run_config_check(rc, buf, sizeof buf);
    if (bad) {
        snprintf(err, errlen, "%s", bad);
        return 2;
    }
    int n = train->n;
    if (rc->train_subset > 0) {
        if (rc->train_subset > train->n) {
            snprintf(err, errlen, "train_subset: %d is out of range (1 <= train_subset <= %d, the training set)",
                     rc->train_subset, train->n);
            return 2;
        }
        n = rc->train_subset;
    }
    if (test->features != train->features) {
        snprintf(err, errlen, "test set has %d features, training set %d", test->features,
                 train->features);
        return 2;
    }
    /* A batch larger than the set is a full batch (train.h's contract). */
    int batch = rc->batch < n ? rc->batch : n;
    int outputs = train->classes;
    if (rc->loss == DS_LOSS_SOFTMAX_CE && outputs < 2) {
        snprintf(err, errlen, "loss: softmax_ce needs >= 2 classes, dataset %s has %d (valid: sigmoid_bce, mse)",
                 rc->dataset, outputs);
        return 2;
    }
    if (rc->threads > 0)
        omp_set_num_threads(rc->threads);

    /* Evaluation reads the test set in chunks of max_batch rows; a bigger
     * chunk than the training batch costs only activation memory. */
    int max_batch = batch < 256 ? 256 : batch;

    ds_mlp m;
    ds_optim opt = {0};
    int32_t *perm = malloc((size_t)n * sizeof *perm);
    int32_t *yb = malloc((size_t)max_batch * sizeof *yb);
    size_t xb_bytes = ((size_t)max_batch * (size_t)train->features * sizeof(float) + 63) / 64 * 64;
    float *xb = aligned_alloc(64, xb_bytes);
    int L = rc->n_hidden + 1;
    ds_layer_metrics *lm = calloc((size_t)L, sizeof *lm);
    double *gsum = calloc((size_t)L, sizeof *gsum);
    int mlp_ok = ds_mlp_create(&m, train->features, rc->n_hidden, rc->hidden, outputs,
                               rc->activation, rc->act_param, rc->loss, rc->dropout,
                               max_batch) == 0;
    int max_width = 1;
    for (int l = 0; l < rc->n_hidden; l++)
        if (rc->hidden[l] > max_width)
            max_width = rc->hidden[l];
    uint8_t *alive = malloc((size_t)max_width);
    if (!perm || !yb || !xb || !lm || !gsum || !alive || !mlp_ok ||
        ds_optim_create(&opt, rc, mlp_ok ? m.n_params : 0) != 0) {
        out->status = DS_RUN_FAILED;
        goto done;
    }
    ds_mlp_init(&m, rc->init, rc->init_scale, rc->bias_init, rc->seed);
    out->params_weights = ds_mlp_weight_count(&m);
    out->params_biases = ds_mlp_bias_count(&m);
    out->status = DS_RUN_OK;
    out->best_test_acc = 0;

    double train_seconds = 0, t_run = now_s();
    long samples = 0;
    uint32_t step = 0;
    for (int epoch = 1; epoch <= rc->epochs; epoch++) {
        double t0 = now_s();
        shuffle(perm, n, rc->seed, (uint32_t)epoch);
        double loss_sum = 0;
        long correct = 0;
        int steps = 0;
        memset(gsum, 0, (size_t)L * sizeof *gsum);
        for (int i = 0; i < n; i += batch) {
            if (hooks && hooks->stop && *hooks->stop) {
                out->status = DS_RUN_INTERRUPTED;
                goto done;
            }
            int rows = n - i < batch ? n - i : batch;
            step++;
            gather(train, perm + i, rows, xb, yb);
            ds_mlp_forward(&m, xb, rows, 1, rc->seed, step);
            int c = 0;
            double ls = ds_mlp_loss(&m, rows, yb, 1, &c);
            if (!isfinite(ls)) {
                out->status = DS_RUN_DIVERGED;
                loss_sum = ls;
                break;
            }
            loss_sum += ls;
            correct += c;
            ds_mlp_backward(&m, xb, rows, 1, rc->seed, step);
            for (int l = 0; l < L; l++)
                gsum[l] += sqrt(ds_sumsq(m.dW[l], (size_t)m.dims[l] * (size_t)m.dims[l + 1]));
            ds_optim_begin_step(&opt);
            for (int l = 0; l < L; l++) {
                ds_optim_update(&opt, m.W[l], m.dW[l], m.w_off[l],
                                (size_t)m.dims[l] * (size_t)m.dims[l + 1], 1);
                ds_optim_update(&opt, m.b[l], m.db[l], m.b_off[l], (size_t)m.dims[l + 1], 0);
            }
            steps++;
            samples += rows;
            if (i + batch >= n) {
                /* dead units: hidden units that output 0 for every row of the
                 * epoch's last batch (before dropout) */
                for (int l = 0; l < L - 1; l++) {
                    memset(alive, 0, (size_t)m.dims[l + 1]);
                    ds_cols_nonzero(rows, m.dims[l + 1], m.h[l], m.dims[l + 1], alive);
                    int dead = 0;
                    for (int j = 0; j < m.dims[l + 1]; j++)
                        dead += !alive[j];
                    lm[l].dead_frac = (double)dead / m.dims[l + 1];
                }
            }
        }
        double t1 = now_s();
        train_seconds += t1 - t0;
        out->epochs_done = epoch;
        out->train_loss = loss_sum / n;
        out->train_acc = (double)correct / n;
        if (out->status == DS_RUN_DIVERGED)
            break;
        int logged = epoch % rc->log_every == 0 || epoch == rc->epochs;
        if (!logged)
            continue;
        out->test_acc = evaluate(&m, test, test->n, NULL);
        if (out->test_acc > out->best_test_acc)
            out->best_test_acc = out->test_acc;
        if (hooks && hooks->on_epoch) {
            ds_epoch_metrics em = {epoch, out->train_loss, out->train_acc, out->test_acc,
                                   t1 - t0};
            for (int l = 0; l < L; l++) {
                lm[l].layer = l;
                lm[l].grad_norm = steps ? gsum[l] / steps : 0;
                lm[l].weight_norm =
                    sqrt(ds_sumsq(m.W[l], (size_t)m.dims[l] * (size_t)m.dims[l + 1]));
                if (l == L - 1)
                    lm[l].dead_frac = 0;
            }
            hooks->on_epoch(hooks->ctx, &em, lm, L);
        }
    }
    out->seconds = now_s() - t_run;
    if (out->status == DS_RUN_OK && hooks && hooks->on_model)
        hooks->on_model(hooks->ctx, &m);
    out->samples_per_s = train_seconds > 0 ? samples / train_seconds : 0;
done:
    ds_optim_free(&opt);
    if (mlp_ok)
        ds_mlp_free(&m);
    free(perm);
    free(yb);
    free(xb);
    free(lm);
    free(gsum);
    free(alive);
    return 0;
}
