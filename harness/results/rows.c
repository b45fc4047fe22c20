/* What a row of runs.csv, epochs.csv and layers.csv says: the columns of
 * each file (sweep.h's schema) and the rows of a finished run, with its
 * provenance. Where the rows go is sweep.c's. */
#include "sweep.h"

#include "kernels.h"
#include "topo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* DESIGN.md's columns first (plots read them by name); extras after. */
const char *const ds_runs_header[DS_RUNS_COLS] = {
    [DS_RC_RUN_ID] = "run_id", [DS_RC_LABEL] = "label", [DS_RC_DATASET] = "dataset",
    [DS_RC_DEPTH] = "depth", [DS_RC_WIDTH] = "width", [DS_RC_ACTIVATION] = "activation",
    [DS_RC_INIT] = "init", [DS_RC_DROPOUT] = "dropout", [DS_RC_OPTIMIZER] = "optimizer",
    [DS_RC_LR] = "lr", [DS_RC_BATCH] = "batch", [DS_RC_EPOCHS] = "epochs", [DS_RC_SEED] = "seed",
    [DS_RC_PARAMS] = "params", [DS_RC_STATUS] = "status",
    [DS_RC_TRAIN_LOSS] = "train_loss", [DS_RC_TRAIN_ACC] = "train_acc",
    [DS_RC_VAL_LOSS] = "val_loss", [DS_RC_VAL_ACC] = "val_acc", [DS_RC_TEST_LOSS] = "test_loss",
    [DS_RC_TEST_ACC] = "test_acc", [DS_RC_BEST_EPOCH] = "best_epoch",
    [DS_RC_BEST_VAL_ACC] = "best_val_acc", [DS_RC_TEST_ACC_AT_BEST] = "test_acc_at_best",
    [DS_RC_TRAIN_LOSS_RUNNING] = "train_loss_running",
    [DS_RC_TRAIN_ACC_RUNNING] = "train_acc_running", [DS_RC_DIVERGED_EPOCH] = "diverged_epoch",
    [DS_RC_EPOCHS_DONE] = "epochs_done", [DS_RC_SECONDS] = "seconds",
    [DS_RC_SAMPLES_PER_S] = "samples_per_s",
    [DS_RC_HIDDEN] = "hidden", [DS_RC_GROUP] = "group", [DS_RC_VAL_SPLIT] = "val_split",
    [DS_RC_TRAIN_SUBSET] = "train_subset", [DS_RC_LOSS] = "loss", [DS_RC_ACT_PARAM] = "act_param",
    [DS_RC_INIT_SCALE] = "init_scale", [DS_RC_BIAS_INIT] = "bias_init",
    [DS_RC_MOMENTUM] = "momentum", [DS_RC_NESTEROV] = "nesterov", [DS_RC_BETA1] = "beta1",
    [DS_RC_BETA2] = "beta2", [DS_RC_EPS] = "eps", [DS_RC_WEIGHT_DECAY] = "weight_decay",
    [DS_RC_LOG_EVERY] = "log_every", [DS_RC_PARAMS_WEIGHTS] = "params_weights",
    [DS_RC_PARAMS_BIASES] = "params_biases",
    /* the config's reference for the group (fraction, and where it is from);
     * empty when the config gives none */
    [DS_RC_REFERENCE_ACC] = "reference_acc", [DS_RC_REFERENCE_SOURCE] = "reference_source",
    [DS_RC_SWEEP_ID] = "sweep_id", [DS_RC_DEEPSWEEP_VERSION] = "deepsweep_version",
    [DS_RC_COMMIT] = "commit", [DS_RC_HOST] = "host", [DS_RC_CPU] = "cpu", [DS_RC_ISA] = "isa",
    [DS_RC_THREADS] = "threads", [DS_RC_STARTED_AT] = "started_at"};
const char *const ds_epochs_header[DS_EPOCHS_COLS] = {
    "run_id", "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss",
    "test_acc", "train_loss_running", "train_acc_running", "seconds"};
const char *const ds_layers_header[6] = {"run_id", "epoch", "layer", "grad_norm",
                                         "weight_norm", "dead_frac"};

int ds_runs_col_provenance(int col)
{
    switch (col) {
    case DS_RC_SECONDS: case DS_RC_SAMPLES_PER_S: case DS_RC_SWEEP_ID:
    case DS_RC_DEEPSWEEP_VERSION: case DS_RC_COMMIT: case DS_RC_HOST: case DS_RC_CPU:
    case DS_RC_THREADS: case DS_RC_STARTED_AT:
        return 1;
    default:
        return 0;
    }
}

void ds_header_line(int kind, ds_csvbuf *b)
{
    const char *const *h = kind == 0 ? ds_runs_header : kind == 1 ? ds_epochs_header : ds_layers_header;
    int n = kind == 0 ? DS_RUNS_COLS : kind == 1 ? DS_EPOCHS_COLS : 6;
    for (int i = 0; i < n; i++)
        ds_csvw_str(b, h[i]);
    ds_csvw_end(b);
}

int ds_runs_col(const char *name)
{
    for (int i = 0; i < DS_RUNS_COLS; i++)
        if (!strcmp(ds_runs_header[i], name))
            return i;
    return -1;
}

void ds_run_rows_epoch(ds_run_rows *rows, const ds_epoch_metrics *e,
                       const ds_layer_metrics *layers, int n_layers)
{
    ds_csvbuf *b = &rows->epochs;
    ds_csvw_str(b, rows->id);
    ds_csvw_int(b, e->epoch);
    ds_csvw_metric(b, e->train_loss);
    ds_csvw_metric(b, e->train_acc);
    ds_csvw_metric(b, e->val_loss);
    ds_csvw_metric(b, e->val_acc);
    ds_csvw_metric(b, e->test_loss);
    ds_csvw_metric(b, e->test_acc);
    ds_csvw_metric(b, e->train_loss_running);
    ds_csvw_metric(b, e->train_acc_running);
    ds_csvw_dbl(b, e->seconds);
    ds_csvw_end(b);
    for (int l = 0; l < n_layers; l++) {
        ds_csvw_str(&rows->layers, rows->id);
        ds_csvw_int(&rows->layers, e->epoch);
        ds_csvw_int(&rows->layers, layers[l].layer);
        ds_csvw_dbl(&rows->layers, layers[l].grad_norm);
        ds_csvw_dbl(&rows->layers, layers[l].weight_norm);
        ds_csvw_dbl(&rows->layers, layers[l].dead_frac);
        ds_csvw_end(&rows->layers);
    }
}

void ds_hidden_text(const ds_run_config *rc, char *out, size_t n)
{
    if (!rc->n_hidden) {
        snprintf(out, n, "none");
        return;
    }
    size_t k = (size_t)snprintf(out, n, "[");
    for (int i = 0; i < rc->n_hidden && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%s%d", i ? "-" : "", rc->hidden[i]);
    if (k < n)
        snprintf(out + k, n - k, "]");
}

void ds_provenance_init(ds_provenance *p, const char *sweep_id)
{
    memset(p, 0, sizeof *p);
    snprintf(p->sweep_id, sizeof p->sweep_id, "%s", sweep_id ? sweep_id : "");
    snprintf(p->version, sizeof p->version, "%s", DS_VERSION);
    snprintf(p->commit, sizeof p->commit, "%s", DS_GIT_REV);
    if (gethostname(p->host, sizeof p->host) != 0 || !p->host[0])
        snprintf(p->host, sizeof p->host, "unknown");
    p->host[sizeof p->host - 1] = 0;
    ds_topo topo;
    ds_topo_read(&topo); /* "unknown" when hwloc cannot tell */
    const char *m = topo.cpu_model;
    while (*m == ' ')
        m++;
    snprintf(p->cpu, sizeof p->cpu, "%s", *m ? m : "unknown");
    for (size_t n = strlen(p->cpu); n > 0 && p->cpu[n - 1] == ' ';) /* hwloc pads the model */
        p->cpu[--n] = 0;
    p->isa = ds_isa_name();
}

/* ISO 8601 in UTC, to the second: 2026-12-02T15:32:59Z. */
static void iso8601(long long t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, n, "unknown");
}

void ds_runs_row(ds_csvbuf *b, const ds_run *run, const ds_run_result *res,
                 const ds_provenance *prov)
{
    const ds_run_config *rc = &run->rc;
    char hid[DS_MAX_HIDDEN * 12 + 4], when[32];
    ds_hidden_text(rc, hid, sizeof hid);
    iso8601(prov->started_at, when, sizeof when);
    /* a run that did not end ok has no metrics: its fields are empty */
    int ok = res->status == DS_RUN_OK;
    double nan = NAN;
    ds_csvw_str(b, run->id);
    ds_csvw_str(b, rc->label);
    ds_csvw_str(b, rc->dataset);
    ds_csvw_int(b, rc->n_hidden);
    ds_csvw_int(b, rc->n_hidden ? rc->hidden[0] : 0);
    ds_csvw_str(b, ds_act_to_name(rc->activation));
    ds_csvw_str(b, ds_init_name(rc->init));
    ds_csvw_flt(b, rc->dropout);
    ds_csvw_str(b, ds_opt_name(rc->optimizer));
    ds_csvw_flt(b, rc->lr);
    ds_csvw_int(b, rc->batch);
    ds_csvw_int(b, rc->epochs);
    ds_csvw_int(b, (long long)rc->seed);
    ds_csvw_int(b, res->params_weights + res->params_biases);
    ds_csvw_str(b, ds_run_status_name(res->status));
    ds_csvw_metric(b, ok ? res->train_loss : nan);
    ds_csvw_metric(b, ok ? res->train_acc : nan);
    ds_csvw_metric(b, ok ? res->val_loss : nan);
    ds_csvw_metric(b, ok ? res->val_acc : nan);
    ds_csvw_metric(b, ok ? res->test_loss : nan);
    ds_csvw_metric(b, ok ? res->test_acc : nan);
    if (ok && res->best_epoch > 0)
        ds_csvw_int(b, res->best_epoch);
    else
        ds_csvw_str(b, "");
    ds_csvw_metric(b, ok && res->best_epoch > 0 ? res->best_val_acc : nan);
    ds_csvw_metric(b, ok && res->best_epoch > 0 ? res->test_acc_at_best : nan);
    ds_csvw_metric(b, ok ? res->train_loss_running : nan);
    ds_csvw_metric(b, ok ? res->train_acc_running : nan);
    if (res->status == DS_RUN_DIVERGED)
        ds_csvw_int(b, res->diverged_epoch);
    else
        ds_csvw_str(b, "");
    ds_csvw_int(b, res->epochs_done);
    ds_csvw_dbl(b, res->seconds);
    ds_csvw_dbl(b, res->samples_per_s);
    ds_csvw_str(b, hid);
    ds_csvw_str(b, run->group);
    ds_csvw_int(b, rc->val_split);
    ds_csvw_int(b, rc->train_subset);
    ds_csvw_str(b, ds_loss_name(rc->loss));
    ds_csvw_flt(b, rc->act_param);
    ds_csvw_flt(b, rc->init_scale);
    ds_csvw_str(b, ds_bias_init_name(rc->bias_init));
    ds_csvw_flt(b, rc->momentum);
    ds_csvw_str(b, rc->nesterov ? "true" : "false");
    ds_csvw_flt(b, rc->beta1);
    ds_csvw_flt(b, rc->beta2);
    ds_csvw_flt(b, rc->eps);
    ds_csvw_flt(b, rc->weight_decay);
    ds_csvw_int(b, rc->log_every);
    ds_csvw_int(b, res->params_weights);
    ds_csvw_int(b, res->params_biases);
    if (run->has_reference)
        ds_csvw_dbl(b, run->reference);
    else
        ds_csvw_str(b, "");
    ds_csvw_str(b, run->has_reference ? run->reference_source : "");
    ds_csvw_str(b, prov->sweep_id);
    ds_csvw_str(b, prov->version);
    ds_csvw_str(b, prov->commit);
    ds_csvw_str(b, prov->host);
    ds_csvw_str(b, prov->cpu);
    ds_csvw_str(b, prov->isa ? prov->isa : "unknown");
    ds_csvw_int(b, prov->threads);
    ds_csvw_str(b, when);
    ds_csvw_end(b);
}
