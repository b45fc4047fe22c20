/* The sweep loop of `deepsweep run` (see runner.h). */
#include "runner.h"

#include <omp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "kernels.h"
#include "progress.h"
#include "train.h"

/* Memory: refuse before allocating anything big. */
static int check_memory(const ds_runner *r, char *err, size_t errlen)
{
    double ram = ds_phys_ram(), worst = 0;
    const ds_run *worst_run = NULL;
    for (int i = 0; i < r->n_sel; i++) {
        double m = ds_run_mem_estimate(&r->sel[i]->rc);
        if (m > worst)
            worst = m, worst_run = r->sel[i];
    }
    if (ram > 0 && worst > ram) {
        snprintf(err, errlen,
                 "%s: run %d (%s, seed %llu) needs about %.1f GiB, more than this machine's %.1f GiB of RAM (make the net smaller or the batch)",
                 r->plan->source, worst_run->index + 1, worst_run->group,
                 (unsigned long long)worst_run->rc.seed, worst / (1 << 30), ram / (1 << 30));
        return 2;
    }
    return 0;
}

/* rows[i] = the finished row of run i in the folder as last scanned. */
static void find_finished(ds_runner *r)
{
    r->n_done = 0;
    for (int i = 0; i < r->n_sel; i++) {
        r->rows[i] = ds_results_find(&r->res, r->sel[i]->id);
        r->n_done += r->rows[i] != NULL;
    }
}

int ds_runner_init(ds_runner *r, const ds_plan *plan, const ds_runner_opts *o, char *err,
                   size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->plan = plan;
    r->opts = *o;
    r->res.fd_lock = r->res.fd_runs = r->res.fd_epochs = r->res.fd_layers = -1;
    int sn = o->shard_n > 0 ? o->shard_n : 1, si = o->shard_i;
    r->opts.shard_n = sn;
    char folder[128];
    ds_plan_folder(plan, folder, sizeof folder);
    if (o->out)
        snprintf(r->out_dir, sizeof r->out_dir, "%s", o->out);
    else if (o->sharded)
        snprintf(r->out_dir, sizeof r->out_dir, "%s/shard-%d-of-%d", folder, si, sn);
    else
        snprintf(r->out_dir, sizeof r->out_dir, "%s", folder);
    size_t n = (size_t)plan->n_runs + 1;
    r->sel = malloc(n * sizeof *r->sel);
    r->rows = calloc(n, sizeof *r->rows);
    r->ids = malloc(n * sizeof *r->ids);
    r->fresh = calloc(n, sizeof *r->fresh);
    if (!r->sel || !r->rows || !r->ids || !r->fresh) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    for (int i = 0; i < plan->n_runs; i++)
        if (i % sn == si) {
            r->ids[r->n_sel] = plan->runs[i].id;
            r->sel[r->n_sel++] = &plan->runs[i];
        }
    int rc = check_memory(r, err, errlen);
    if (!rc)
        rc = ds_results_scan(&r->res, r->out_dir, plan, o->force, err, errlen);
    if (!rc)
        find_finished(r);
    return rc;
}

void ds_runner_print_changes(const ds_runner *r, FILE *f)
{
    const ds_results *res = &r->res;
    if (res->n_stale)
        fprintf(f, "deepsweep: %s: --force: drops the %d finished run%s that %s not in this sweep "
                   "(the config changed; e.g. %s); %d finished run%s of this sweep kept; %d runs to run\n",
                r->out_dir, res->n_stale, res->n_stale == 1 ? "" : "s", res->n_stale == 1 ? "is" : "are",
                res->stale_example, r->n_done, r->n_done == 1 ? "" : "s", r->n_sel - r->n_done);
    else if (res->old_sweep_id[0] && strcmp(res->old_sweep_id, r->plan->sweep_id) && r->n_done)
        fprintf(f, "deepsweep: %s: the sweep changed (sweep_id %s -> %s): its %d finished run%s %s in "
                   "this sweep and %s kept; %d runs to run\n",
                r->out_dir, res->old_sweep_id, r->plan->sweep_id, r->n_done, r->n_done == 1 ? "" : "s",
                r->n_done == 1 ? "is" : "are", r->n_done == 1 ? "is" : "are", r->n_sel - r->n_done);
}

void ds_runner_free(ds_runner *r)
{
    ds_results_close(&r->res);
    free(r->sel);
    free(r->rows);
    free(r->ids);
    free(r->fresh);
    memset(r, 0, sizeof *r);
}

/* ---- data ------------------------------------------------------------------ */

typedef struct {
    char name[32], dir[256];
    ds_dataset train, test;
} loaded;

#define MAX_DATASETS 8

typedef struct {
    loaded d[MAX_DATASETS];
    int n;
} data_cache;

static const loaded *find_data(const data_cache *c, const ds_run_config *rc)
{
    for (int k = 0; k < c->n; k++)
        if (!strcmp(c->d[k].name, rc->dataset) && !strcmp(c->d[k].dir, rc->data_dir))
            return &c->d[k];
    return NULL;
}

/* Loads every dataset the unfinished runs need before the folder is touched:
 * a missing data file is bad input, and nothing is written. */
static int load_data(const ds_runner *r, data_cache *c, char *err, size_t errlen)
{
    for (int i = 0; i < r->n_sel; i++) {
        const ds_run_config *rc = &r->sel[i]->rc;
        if (r->rows[i] || find_data(c, rc))
            continue;
        if (c->n == MAX_DATASETS) {
            snprintf(err, errlen, "%s: more than %d datasets in one sweep", r->plan->source,
                     MAX_DATASETS);
            return 2;
        }
        loaded *d = &c->d[c->n];
        memset(d, 0, sizeof *d);
        snprintf(d->name, sizeof d->name, "%s", rc->dataset);
        snprintf(d->dir, sizeof d->dir, "%s", rc->data_dir);
        int rc2 = ds_dataset_load(rc->dataset, rc->data_dir, &d->train, &d->test, err, errlen);
        if (rc2)
            return rc2;
        c->n++;
    }
    return 0;
}

static void free_data(data_cache *c)
{
    for (int k = 0; k < c->n; k++) {
        ds_dataset_free(&c->d[k].train);
        ds_dataset_free(&c->d[k].test);
    }
    c->n = 0;
}

/* ---- the loop ---------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

typedef struct {
    ds_run_rows rows;
    ds_progress *prog;
    ds_csvbuf runs_row;
} run_ctx;

static void on_epoch(void *vctx, const ds_epoch_metrics *e, const ds_layer_metrics *layers,
                     int n_layers)
{
    run_ctx *c = vctx;
    ds_run_rows_epoch(&c->rows, e, layers, n_layers);
    ds_progress_epoch(c->prog, e->epoch);
}

/* Trains run i of the selection and commits its rows. 0 (finished, or
 * interrupted: nothing recorded), or 1 / 2 with a message in err. */
static int run_one(ds_runner *r, int i, const loaded *d, run_ctx *c, char *err, size_t errlen)
{
    ds_run run = *r->sel[i];
    if (r->opts.threads)
        run.rc.threads = r->opts.threads;
    ds_csvbuf_clear(&c->rows.epochs);
    ds_csvbuf_clear(&c->rows.layers);
    c->rows.id = run.id;
    ds_train_hooks hooks = {.on_epoch = on_epoch, .ctx = c, .stop = &stop_signal};
    ds_run_result result;
    ds_progress_run(c->prog, run.index, run.group, (int)run.rc.seed, run.rc.epochs);
    char why[1024];
    int rc = ds_train(&run.rc, &d->train, &d->test, &hooks, &result, why, sizeof why);
    if (rc) {
        snprintf(err, errlen, "%s: run %d (%s): %s", r->plan->source, run.index + 1, run.group, why);
        return rc;
    }
    if (result.status == DS_RUN_INTERRUPTED)
        return 0;
    int used = run.rc.threads ? run.rc.threads : omp_get_max_threads();
    ds_csvbuf_clear(&c->runs_row);
    ds_runs_row(&c->runs_row, &run, &result, ds_isa_name(), used);
    if ((rc = ds_results_commit(&r->res, &c->rows, &c->runs_row, err, errlen)))
        return rc;
    ds_run_row *f = &r->fresh[i];
    snprintf(f->id, sizeof f->id, "%s", run.id);
    snprintf(f->status, sizeof f->status, "%s", ds_run_status_name(result.status));
    f->train_loss = result.train_loss;
    f->train_acc = result.train_acc;
    f->test_acc = result.test_acc;
    f->seconds = result.seconds;
    r->rows[i] = f;
    ds_progress_run_end(c->prog, run.id, f->status, f->test_acc, f->seconds);
    return 0;
}

static int run_all(ds_runner *r, char *err, size_t errlen, const data_cache *data)
{
    ds_progress prog;
    ds_progress_start(&prog, r->n_sel, r->n_done, r->opts.quiet);
    run_ctx c = {.prog = &prog};
    int rc = 0;
    for (int i = 0; i < r->n_sel && !stop_signal && !rc; i++)
        if (!r->rows[i])
            rc = run_one(r, i, find_data(data, &r->sel[i]->rc), &c, err, errlen);
    ds_progress_finish(&prog);
    ds_csvbuf_free(&c.runs_row);
    ds_csvbuf_free(&c.rows.epochs);
    ds_csvbuf_free(&c.rows.layers);
    return rc;
}

int ds_runner_execute(ds_runner *r, char *err, size_t errlen)
{
    data_cache data = {.n = 0};
    int rc = load_data(r, &data, err, errlen);
    if (!rc)
        rc = ds_results_open(&r->res, r->plan, err, errlen);
    if (rc) {
        free_data(&data);
        return rc;
    }
    find_finished(r); /* scanned again under the folder's lock */
    /* a folder changed between the two scans may leave a run unfinished
     * whose data is not loaded yet (normally a no-op) */
    if ((rc = load_data(r, &data, err, errlen))) {
        free_data(&data);
        return rc;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    stop_signal = 0;
    rc = run_all(r, err, errlen, &data);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    r->stopped_by = stop_signal;
    free_data(&data);
    return rc;
}

int ds_runner_exit_status(const ds_runner *r, FILE *msg)
{
    /* a failed run (out of memory, ...) is a run-time failure: exit 1 after
     * the summary; rerunning retries it */
    int rc = 0;
    for (int i = 0; i < r->n_sel && !r->stopped_by; i++)
        if (r->rows[i] && !strcmp(r->rows[i]->status, "failed")) {
            fprintf(msg, "deepsweep: run %d (%s) failed; run the same command to retry it\n",
                    r->sel[i]->index + 1, r->sel[i]->group);
            rc = 1;
        }
    if (!rc && r->stopped_by) {
        int done_now = 0;
        for (int i = 0; i < r->n_sel; i++)
            done_now += r->rows[i] != NULL;
        fprintf(msg, "deepsweep: interrupted (%s): %d of %d runs finished are in %s; run the same command to resume\n",
                r->stopped_by == SIGINT ? "SIGINT" : "SIGTERM", done_now, r->n_sel, r->out_dir);
        rc = 128 + r->stopped_by;
    }
    return rc;
}
