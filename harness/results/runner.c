/* The sweep loop of `deepsweep run` (see runner.h). */
#include "runner.h"

#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data.h"
#include "kernels.h"
#include "progress.h"
#include "topo.h"
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
    if (o->out && ds_results_dir_check(o->out, err, errlen))
        return 2;
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

/* ---- how many runs side by side ---------------------------------------------- */

double ds_runner_cost(const ds_run_config *rc)
{
    return ds_run_param_count(rc) * (double)ds_dataset_train_size(rc) * rc->epochs;
}

/* A step's GEMM work a thread must get for splitting it to pay: about half
 * a millisecond of one core's FMA rate. Below it OpenMP's fork-join (a few
 * per layer and step) costs a visible share, and a second run beside it
 * uses the core outright (tiny XOR nets: 10^4 flops a step). */
#define FLOPS_PER_THREAD 50e6

/* The threads a run asks for: --threads, else its config's, else as many
 * as its step's work (forward 2, backward 4 flops per weight and row)
 * keeps busy, at most pus. */
static int want_threads(const ds_runner *r, const ds_run_config *rc, int pus)
{
    int t = r->opts.threads ? r->opts.threads : rc->threads;
    if (!t) {
        double flops = 6 * ds_run_param_count(rc) * rc->batch;
        t = flops / FLOPS_PER_THREAD < pus ? (int)(flops / FLOPS_PER_THREAD) : pus;
    }
    return t < 1 ? 1 : t > pus ? pus : t;
}

void ds_runner_jobs(const ds_runner *r, int pus, int *jobs, int *threads)
{
    int todo = 0, most = 1;
    double mem = 0;
    for (int i = 0; i < r->n_sel; i++)
        if (!r->rows[i]) {
            todo++;
            int t = want_threads(r, &r->sel[i]->rc, pus);
            most = t > most ? t : most;
            double m = ds_run_mem_estimate(&r->sel[i]->rc);
            mem = m > mem ? m : mem;
        }
    int j = r->opts.jobs;
    if (!j) {
        j = pus / most;
        double ram = ds_phys_ram();
        while (j > 1 && ram > 0 && j * mem > ram)
            j--;
    }
    if (j > todo)
        j = todo;
    *jobs = j < 1 ? 1 : j;
    int share = pus / *jobs > 0 ? pus / *jobs : 1;
    *threads = most < share ? most : share;
}

/* ---- the loop ---------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal, halt;

static void on_signal(int sig)
{
    stop_signal = sig;
    halt = 1;
}

/* What the workers share; `lock` guards the dispatch, progress, rows[],
 * fresh[], the queue of rows to commit and the first failure.
 *
 * Rows are committed by one committer thread, in batches: the rows of
 * every run that finished while the previous batch was being written go
 * out together, epochs.csv, layers.csv then runs.csv, each one write and
 * one fsync (ds_results_commit). So a tiny run (XOR: ~20 ms of training)
 * does not wait for three fsyncs (~10-40 ms each on a busy disk), and runs
 * side by side never interleave their rows. A crash before a batch's
 * runs.csv write leaves its runs unfinished (their other rows are dropped
 * on the next open): rows stay whole, runs are recorded once. */
typedef struct {
    ds_runner *r;
    const data_cache *data;
    ds_progress prog;
    pthread_mutex_t lock;
    pthread_cond_t queued;
    ds_run_rows q;             /* rows of finished runs not yet committed */
    ds_csvbuf q_runs;
    char q_id[17];             /* the first of them, for messages         */
    int q_n, workers_done, committer, committing;
    int next;                  /* the next run of the selection to look at */
    int jobs, pus;
    ds_topo_slots *slots;      /* NULL: runs not pinned                   */
    ds_provenance prov;        /* runs.csv's provenance, but per-run fields */
    int rc;                    /* the first failure, its message in err   */
    char *err;
    size_t errlen;
} shared;

static void fail(shared *sh, int rc, const char *msg)
{
    if (!sh->rc) {
        sh->rc = rc;
        snprintf(sh->err, sh->errlen, "%s", msg);
    }
    halt = 1;
}

static void swap_buf(ds_csvbuf *a, ds_csvbuf *b)
{
    ds_csvbuf t = *a;
    *a = *b;
    *b = t;
}

/* Commits the queue as one batch (sh->lock held, released while writing). */
static int commit_batch(shared *sh, ds_run_rows *batch, ds_csvbuf *runs)
{
    swap_buf(&batch->epochs, &sh->q.epochs);
    swap_buf(&batch->layers, &sh->q.layers);
    swap_buf(runs, &sh->q_runs);
    char id[17];
    snprintf(id, sizeof id, "%s", sh->q_id);
    batch->n_runs = sh->q_n;
    sh->q_n = 0;
    pthread_mutex_unlock(&sh->lock);
    batch->id = id;
    char err[2048];
    int rc = ds_results_commit(&sh->r->res, batch, runs, err, sizeof err);
    ds_csvbuf_clear(&batch->epochs);
    ds_csvbuf_clear(&batch->layers);
    ds_csvbuf_clear(runs);
    pthread_mutex_lock(&sh->lock);
    if (rc)
        fail(sh, rc, err);
    return rc;
}

/* Commits what is queued, in batches until the queue is empty, unless
 * another thread is at it; called with sh->lock held, which it releases
 * while writing. 0, or the failure's status. */
static int commit_queued(shared *sh, ds_run_rows *batch, ds_csvbuf *runs)
{
    if (sh->committing)
        return 0;
    sh->committing = 1;
    int rc = 0;
    while (sh->q_n && !rc)
        rc = commit_batch(sh, batch, runs);
    sh->committing = 0;
    return rc;
}

/* The committer: batches until the workers are done and the queue empty
 * (after a signal too: runs that finished are kept). */
static void *commit_loop(void *vsh)
{
    shared *sh = vsh;
    ds_run_rows batch = {0};
    ds_csvbuf runs = {0};
    sigset_t set; /* SIGINT/SIGTERM go to the workers' threads */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_mutex_lock(&sh->lock);
    for (;;) {
        while (!sh->q_n && !sh->workers_done)
            pthread_cond_wait(&sh->queued, &sh->lock);
        if (!sh->q_n)
            break;
        if (commit_queued(sh, &batch, &runs))
            break; /* I/O failure: nothing more is written */
    }
    pthread_mutex_unlock(&sh->lock);
    ds_csvbuf_free(&batch.epochs);
    ds_csvbuf_free(&batch.layers);
    ds_csvbuf_free(&runs);
    return NULL;
}

typedef struct {
    shared *sh;
    int slot, slot_pus;
    ds_run_rows rows;
    ds_csvbuf runs_row;
    char err[4096];
} worker;

static void on_epoch(void *vctx, const ds_epoch_metrics *e, const ds_layer_metrics *layers,
                     int n_layers)
{
    worker *w = vctx;
    ds_run_rows_epoch(&w->rows, e, layers, n_layers);
    pthread_mutex_lock(&w->sh->lock);
    ds_progress_epoch(&w->sh->prog, w->slot, e->epoch);
    pthread_mutex_unlock(&w->sh->lock);
}

/* Trains run i of the selection and queues its rows for the committer.
 * 0 (finished, or interrupted: nothing recorded), or 1 / 2 with a message
 * in w->err. */
static int run_one(worker *w, int i)
{
    shared *sh = w->sh;
    ds_runner *r = sh->r;
    ds_run run = *r->sel[i];
    if (sh->jobs > 1) { /* within its slot */
        int t = want_threads(r, &run.rc, sh->pus);
        run.rc.threads = t < w->slot_pus ? t : w->slot_pus;
    } else if (r->opts.threads) {
        run.rc.threads = r->opts.threads;
    }
    const loaded *d = find_data(sh->data, &run.rc);
    ds_csvbuf_clear(&w->rows.epochs);
    ds_csvbuf_clear(&w->rows.layers);
    w->rows.id = run.id;
    ds_train_hooks hooks = {.on_epoch = on_epoch, .ctx = w, .stop = &halt};
    ds_run_result result;
    char why[1024];
    long long started = (long long)time(NULL); /* runs.csv's started_at */
    int rc = ds_train(&run.rc, &d->train, &d->test, &hooks, &result, why, sizeof why);
    if (rc) {
        snprintf(w->err, sizeof w->err, "%s: run %d (%s): %s", r->plan->source, run.index + 1,
                 run.group, why);
        return rc;
    }
    if (result.status == DS_RUN_INTERRUPTED) {
        pthread_mutex_lock(&sh->lock);
        ds_progress_run_abandoned(&sh->prog, w->slot);
        pthread_mutex_unlock(&sh->lock);
        return 0;
    }
    ds_provenance pv = sh->prov;
    pv.started_at = started;
    pv.threads = run.rc.threads ? run.rc.threads : omp_get_max_threads();
    ds_csvbuf_clear(&w->runs_row);
    ds_runs_row(&w->runs_row, &run, &result, &pv);
    if (w->rows.epochs.oom || w->rows.layers.oom || w->runs_row.oom) {
        snprintf(w->err, sizeof w->err, "out of memory building the rows of run %s", run.id);
        return 1;
    }
    pthread_mutex_lock(&sh->lock);
    /* queued for the committer (see shared) */
    if (!sh->q_n)
        snprintf(sh->q_id, sizeof sh->q_id, "%s", run.id);
    ds_csvw_raw(&sh->q.epochs, w->rows.epochs.s, w->rows.epochs.len);
    ds_csvw_raw(&sh->q.layers, w->rows.layers.s, w->rows.layers.len);
    ds_csvw_raw(&sh->q_runs, w->runs_row.s, w->runs_row.len);
    sh->q_n++;
    if (sh->committer)
        pthread_cond_signal(&sh->queued);
    else { /* no committer thread: commit now */
        ds_run_rows batch = {0};
        ds_csvbuf runs = {0};
        commit_queued(sh, &batch, &runs);
        ds_csvbuf_free(&batch.epochs);
        ds_csvbuf_free(&batch.layers);
        ds_csvbuf_free(&runs);
    }
    ds_run_row *f = &r->fresh[i];
    snprintf(f->id, sizeof f->id, "%s", run.id);
    snprintf(f->status, sizeof f->status, "%s", ds_run_status_name(result.status));
    f->train_loss = result.train_loss;
    f->train_acc = result.train_acc;
    f->val_acc = result.val_acc;
    f->test_acc = result.test_acc;
    f->seconds = result.seconds;
    r->rows[i] = f;
    ds_progress_run_end(&sh->prog, w->slot, run.id, f->status, "test_acc",
                        result.status == DS_RUN_OK ? f->test_acc : NAN, f->seconds);
    pthread_mutex_unlock(&sh->lock);
    return 0;
}

/* One slot: takes the next unfinished run until none is left, a signal
 * came, or a run failed (which stops the others too). */
static void *work(void *vw)
{
    worker *w = vw;
    shared *sh = w->sh;
    ds_runner *r = sh->r;
    w->slot_pus = sh->slots ? ds_topo_slot_pus(sh->slots, w->slot) : sh->pus;
    if (sh->slots && ds_topo_slot_bind(sh->slots, w->slot) != 0)
        w->slot_pus = sh->pus / sh->jobs; /* binding refused: the share */
    for (;;) {
        int i = -1;
        pthread_mutex_lock(&sh->lock);
        while (!halt && sh->next < r->n_sel && i < 0) {
            int j = sh->next++;
            if (!r->rows[j])
                i = j;
        }
        if (i >= 0)
            ds_progress_run(&sh->prog, w->slot, i, r->sel[i]->group, (long long)r->sel[i]->rc.seed,
                            r->sel[i]->rc.epochs);
        pthread_mutex_unlock(&sh->lock);
        if (i < 0)
            break;
        int rc = run_one(w, i);
        if (rc) {
            pthread_mutex_lock(&sh->lock);
            fail(sh, rc, w->err);
            pthread_mutex_unlock(&sh->lock);
            break;
        }
    }
    ds_csvbuf_free(&w->runs_row);
    ds_csvbuf_free(&w->rows.epochs);
    ds_csvbuf_free(&w->rows.layers);
    return NULL;
}

static int run_all(ds_runner *r, char *err, size_t errlen, const data_cache *data)
{
    shared sh = {.r = r, .data = data, .err = err, .errlen = errlen};
    ds_provenance_init(&sh.prov, r->plan->sweep_id);
    sh.pus = ds_topo_pus();
    int threads;
    ds_runner_jobs(r, sh.pus, &sh.jobs, &threads);
    /* OMP_PLACES / OMP_PROC_BIND: OpenMP places each team itself */
    int omp_binds = getenv("OMP_PLACES") || getenv("OMP_PROC_BIND");
    if (sh.jobs > 1 && !omp_binds)
        sh.slots = ds_topo_slots_new(sh.jobs);
    double *cost = malloc(((size_t)r->n_sel + 1) * sizeof *cost);
    unsigned char *finished = calloc((size_t)r->n_sel + 1, 1);
    worker *w = calloc((size_t)sh.jobs, sizeof *w);
    pthread_t *tid = calloc((size_t)sh.jobs, sizeof *tid);
    ds_progress_opts po = {.jobs = sh.jobs, .quiet = r->opts.quiet};
    int rc = 0;
    if (!cost || !finished || !w || !tid) {
        rc = 1;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < r->n_sel; i++) {
        cost[i] = ds_runner_cost(&r->sel[i]->rc);
        finished[i] = r->rows[i] != NULL;
    }
    if (ds_progress_start(&sh.prog, r->n_sel, cost, finished, &po)) {
        rc = 1;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!r->opts.quiet && r->n_sel > r->n_done) {
        if (sh.jobs > 1)
            fprintf(stderr, "deepsweep: %d runs to run, %d at a time, %d thread%s each%s\n",
                    r->n_sel - r->n_done, sh.jobs, threads, threads > 1 ? "s" : "",
                    sh.slots      ? ", each pinned to its own cores"
                    : omp_binds   ? " (placed by OMP_PLACES/OMP_PROC_BIND)"
                    : sh.jobs > sh.pus ? " (more than the PUs: not pinned)"
                                       : " (not pinned: hwloc failed)");
        else
            fprintf(stderr, "deepsweep: %d runs to run, one at a time\n", r->n_sel - r->n_done);
    }
    pthread_mutex_init(&sh.lock, NULL);
    pthread_cond_init(&sh.queued, NULL);
    pthread_t committer;
    sh.committer = pthread_create(&committer, NULL, commit_loop, &sh) == 0;
    for (int k = 0; k < sh.jobs; k++)
        w[k] = (worker){.sh = &sh, .slot = k};
    if (sh.jobs == 1) {
        work(&w[0]); /* in this thread, as before --jobs */
    } else {
        int started = 0;
        for (; started < sh.jobs; started++)
            if (pthread_create(&tid[started], NULL, work, &w[started]) != 0)
                break;
        if (!started)
            work(&w[0]);
        for (int k = 0; k < started; k++)
            pthread_join(tid[k], NULL);
    }
    pthread_mutex_lock(&sh.lock);
    sh.workers_done = 1;
    pthread_cond_signal(&sh.queued);
    pthread_mutex_unlock(&sh.lock);
    if (sh.committer)
        pthread_join(committer, NULL);
    pthread_cond_destroy(&sh.queued);
    pthread_mutex_destroy(&sh.lock);
    ds_progress_finish(&sh.prog);
    ds_csvbuf_free(&sh.q.epochs);
    ds_csvbuf_free(&sh.q.layers);
    ds_csvbuf_free(&sh.q_runs);
    rc = sh.rc;
out:
    ds_topo_slots_free(sh.slots);
    free(cost);
    free(finished);
    free(w);
    free(tid);
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
    stop_signal = halt = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
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
