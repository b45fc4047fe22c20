/* `deepsweep run CONFIG [key=value ...]`: expand an experiment file, run the
 * runs this shard owns that are not finished yet, commit each run's rows
 * whole, print a summary table (mean ± std over seeds per group). */
#include "commands.h"
#include "config.h"
#include "csv.h"
#include "data.h"
#include "kernels.h"
#include "progress.h"
#include "sweep.h"
#include "train.h"

#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void usage(FILE *f)
{
    fprintf(f,
            "usage: deepsweep run CONFIG [key=value ...] [key=a,b,c ...] [--out DIR]\n"
            "                     [--threads N] [--dry-run] [--shard I/N] [--force] [-q]\n"
            "\n"
            "Runs the experiment file CONFIG (see configs/README.md): every run of its\n"
            "variants x sweep x seeds, skipping runs already finished in the results\n"
            "folder, and prints a summary table (mean +- std over seeds per group).\n"
            "\n"
            "overrides (applied after the file and its mode):\n"
            "  key=value        sets a run key for every run (epochs=3, hidden=256-256)\n"
            "  key=a,b,c        adds or replaces a sweep axis (lr=0.1,0.01)\n"
            "  mode=NAME        selects a mode of the file (e.g. mode=quick)\n"
            "  seeds=N|a,b,c    N seeds 1..N, or a list of seeds\n"
            "  name=NAME        another sweep name (results/<name>)\n"
            "  method=grid|random run_cap=N sweep_seed=S\n"
            "\n"
            "options:\n"
            "  --out DIR        results folder (default results/<name>; with a shard,\n"
            "                   results/<name>/shard-I-of-N)\n"
            "  --threads N      OpenMP threads per run (results are the same at any N)\n"
            "  --dry-run        print the numbered run table and the count; run nothing\n"
            "  --shard I/N      run only the runs whose index is I mod N (0 <= I < N);\n"
            "                   without it, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT\n"
            "                   select the shard inside a Slurm job array\n"
            "  --force          redo finished runs, and write into a folder that holds\n"
            "                   another sweep\n"
            "  -q               no progress on stderr\n"
            "\n"
            "files in the results folder: runs.csv (one row per run), epochs.csv,\n"
            "layers.csv, config.yaml (the resolved sweep). A run's rows are written\n"
            "when it ends, so an interrupted sweep resumes where it stopped: run the\n"
            "same command again. SIGINT/SIGTERM abandon the current run (exit 130/143).\n"
            "exit status: 0 done, 1 run-time failure, 2 bad input.\n");
}

typedef struct {
    char name[32], dir[256];
    ds_dataset train, test;
} loaded;

typedef struct {
    ds_run_rows rows;
    ds_progress *prog;
} hook_ctx;

static void on_epoch(void *vctx, const ds_epoch_metrics *e, const ds_layer_metrics *layers,
                     int n_layers)
{
    hook_ctx *c = vctx;
    ds_run_rows_epoch(&c->rows, e, layers, n_layers);
    ds_progress_epoch(c->prog, e->epoch);
}

/* One summary row per group: label + the swept values, seeds pooled. */
typedef struct {
    const char *group;
    int n, ok, diverged, failed, solved, missing;
    double sum_te, sq_te, sum_tr, sq_tr;
    int n_acc;
    double reference;
    int has_reference;
    int rank;
} group_stat;

static void mean_std(double sum, double sq, int n, double *m, double *s)
{
    *m = n ? sum / n : NAN;
    *s = n > 1 ? sqrt(fmax(0, (sq - sum * sum / n) / (n - 1))) : NAN;
}

static void pm(char *out, size_t n, double m, double s)
{
    if (isnan(m))
        snprintf(out, n, "-");
    else if (isnan(s))
        snprintf(out, n, "%6.2f", 100 * m);
    else
        snprintf(out, n, "%6.2f ± %5.2f", 100 * m, 100 * s);
}

static void summary(const ds_plan *plan, const ds_run **sel, const ds_run_row **rows, int n_sel,
                    const char *out_dir)
{
    group_stat *g = calloc((size_t)n_sel + 1, sizeof *g);
    if (!g)
        return;
    int ng = 0, is_xor = 0, any_ref = 0, done = 0, ok = 0, div = 0, failed = 0;
    for (int i = 0; i < n_sel; i++) {
        int k;
        for (k = 0; k < ng; k++)
            if (!strcmp(g[k].group, sel[i]->group))
                break;
        if (k == ng) {
            g[ng].group = sel[i]->group;
            g[ng].reference = sel[i]->reference;
            g[ng].has_reference = sel[i]->has_reference;
            any_ref |= sel[i]->has_reference;
            ng++;
        }
        is_xor |= !strcmp(sel[i]->rc.dataset, "xor");
        group_stat *s = &g[k];
        s->n++;
        const ds_run_row *r = rows[i];
        if (!r) {
            s->missing++;
            continue;
        }
        done++;
        if (!strcmp(r->status, "ok"))
            s->ok++, ok++;
        else if (!strcmp(r->status, "diverged"))
            s->diverged++, div++;
        else
            s->failed++, failed++;
        /* XOR is solved when all four points are classified right */
        s->solved += strcmp(r->status, "ok") == 0 && r->train_acc == 1.0;
        /* a diverged model (NaN weights) has no accuracy to average: it is
         * counted in the notes column instead */
        if (strcmp(r->status, "ok"))
            continue;
        double te = r->test_acc, tr = r->train_acc;
        s->sum_te += te;
        s->sq_te += te * te;
        s->sum_tr += tr;
        s->sq_tr += tr * tr;
        s->n_acc++;
    }
    /* rank by mean test accuracy (1 = best) */
    for (int a = 0; a < ng; a++) {
        double ma = g[a].n_acc ? g[a].sum_te / g[a].n_acc : -1;
        g[a].rank = 1;
        for (int b = 0; b < ng; b++) {
            double mb = g[b].n_acc ? g[b].sum_te / g[b].n_acc : -1;
            g[a].rank += mb > ma || (mb == ma && b < a);
        }
    }
    int gw = 5;
    for (int k = 0; k < ng; k++)
        if ((int)strlen(g[k].group) > gw)
            gw = (int)strlen(g[k].group);
    printf("\n%s (mode %s): %d runs, %d finished (%d ok, %d diverged, %d failed); results in %s\n",
           plan->name, plan->mode, n_sel, done, ok, div, failed, out_dir);
    printf("accuracies in %%: mean ± std over the seeds whose run ended ok (diverged runs are in notes)%s\n\n",
           is_xor ? "; solved = seeds whose final train accuracy is 100% (all four points)" : "");
    printf("rank  %-*s  seeds  %-15s  %-15s", gw, "group", "test acc %", "train acc %");
    if (is_xor)
        printf("  %-14s", "solved");
    if (any_ref)
        printf("  %9s", "reference");
    printf("  notes\n");
    for (int k = 0; k < ng; k++) {
        double m, s;
        char te[40], tr[40];
        mean_std(g[k].sum_te, g[k].sq_te, g[k].n_acc, &m, &s);
        pm(te, sizeof te, m, s);
        mean_std(g[k].sum_tr, g[k].sq_tr, g[k].n_acc, &m, &s);
        pm(tr, sizeof tr, m, s);
        printf("%4d  %-*s  %5d  %-15s  %-15s", g[k].rank, gw, g[k].group, g[k].n, te, tr);
        if (is_xor) {
            char sv[40];
            int fin = g[k].n - g[k].missing;
            snprintf(sv, sizeof sv, "%d/%d = %.2f", g[k].solved, fin, fin ? (double)g[k].solved / fin : 0.0);
            printf("  %-14s", sv);
        }
        if (any_ref) {
            if (g[k].has_reference)
                printf("  %9.2f", g[k].reference);
            else
                printf("  %9s", "");
        }
        char notes[96] = "";
        size_t nl = 0;
        if (g[k].diverged)
            nl += (size_t)snprintf(notes + nl, sizeof notes - nl, "%d diverged ", g[k].diverged);
        if (g[k].failed && nl < sizeof notes)
            nl += (size_t)snprintf(notes + nl, sizeof notes - nl, "%d failed ", g[k].failed);
        if (g[k].missing && nl < sizeof notes)
            snprintf(notes + nl, sizeof notes - nl, "%d not run ", g[k].missing);
        printf("  %s\n", notes);
    }
    free(g);
}

static double phys_ram(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && psz > 0 ? (double)pages * (double)psz : 0;
}

int cmd_run(int argc, char **argv)
{
    const char *config = NULL, *out = NULL, *shard = NULL;
    int threads = 0, dry = 0, force = 0, quiet = 0;
    char **ov = calloc((size_t)argc + 1, sizeof *ov);
    int n_ov = 0;
    if (!ov) {
        fprintf(stderr, "deepsweep: run: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(ov);
            return 0;
        } else if (!strcmp(a, "--out") || !strcmp(a, "--threads") || !strcmp(a, "--shard")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "deepsweep: run: %s needs a value (see deepsweep run --help)\n", a);
                free(ov);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--out"))
                out = v;
            else if (!strcmp(a, "--shard"))
                shard = v;
            else {
                char *end;
                long t = strtol(v, &end, 10);
                if (!*v || *end || t < 1 || t > 4096) {
                    fprintf(stderr, "deepsweep: run: --threads %s is out of range (1 <= threads <= 4096)\n", v);
                    free(ov);
                    return 2;
                }
                threads = (int)t;
            }
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "deepsweep: run: unknown option '%s' (valid: --out, --threads, --dry-run, --shard, --force, -q, --help)\n", a);
            free(ov);
            return 2;
        } else if (!config) {
            config = a;
        } else {
            ov[n_ov++] = argv[i]; /* checked by the loader: key=value */
        }
    }
    if (!config) {
        fprintf(stderr, "deepsweep: run: no experiment file given (usage: deepsweep run CONFIG [key=value ...]; see --help)\n");
        free(ov);
        return 2;
    }
    char err[2048];
    ds_plan plan;
    int rc = ds_plan_load(config, ov, n_ov, &plan, err, sizeof err);
    free(ov);
    if (rc) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return rc;
    }
    int si = 0, sn = 1, sharded = 0;
    if (shard) {
        if ((rc = ds_shard_parse(shard, &si, &sn, err, sizeof err))) {
            fprintf(stderr, "deepsweep: run: %s\n", err);
            ds_plan_free(&plan);
            return rc;
        }
        sharded = 1;
    } else {
        int e = ds_shard_from_env(&si, &sn, err, sizeof err);
        if (e == 2) {
            fprintf(stderr, "deepsweep: run: %s\n", err);
            ds_plan_free(&plan);
            return 2;
        }
        sharded = e == 1;
    }
    char out_dir[1024];
    if (out)
        snprintf(out_dir, sizeof out_dir, "%s", out);
    else if (sharded)
        snprintf(out_dir, sizeof out_dir, "results/%s/shard-%d-of-%d", plan.name, si, sn);
    else
        snprintf(out_dir, sizeof out_dir, "results/%s", plan.name);

    /* this shard's runs */
    const ds_run **sel = malloc((size_t)plan.n_runs * sizeof *sel);
    const ds_run_row **rows = calloc((size_t)plan.n_runs + 1, sizeof *rows);
    const char **ids = malloc((size_t)plan.n_runs * sizeof *ids);
    ds_run_row *fresh = calloc((size_t)plan.n_runs + 1, sizeof *fresh);
    if (!sel || !rows || !ids || !fresh) {
        fprintf(stderr, "deepsweep: run: out of memory\n");
        rc = 1;
        goto out_plan;
    }
    int n_sel = 0;
    for (int i = 0; i < plan.n_runs; i++)
        if (i % sn == si) {
            ids[n_sel] = plan.runs[i].id;
            sel[n_sel++] = &plan.runs[i];
        }
    /* Memory: refuse before allocating anything big. */
    double ram = phys_ram(), worst = 0;
    const ds_run *worst_run = NULL;
    for (int i = 0; i < n_sel; i++) {
        double m = ds_run_mem_estimate(&sel[i]->rc);
        if (m > worst)
            worst = m, worst_run = sel[i];
    }
    if (ram > 0 && worst > ram) {
        fprintf(stderr,
                "deepsweep: %s: run %d (%s, seed %llu) needs about %.1f GiB, more than this machine's %.1f GiB of RAM (make the net smaller or the batch)\n",
                config, worst_run->index + 1, worst_run->group, (unsigned long long)worst_run->rc.seed,
                worst / (1 << 30), ram / (1 << 30));
        rc = 2;
        goto out_plan;
    }
    ds_results res;
    rc = ds_results_scan(&res, out_dir, &plan, force, ids, force ? n_sel : 0, err, sizeof err);
    if (rc) {
        fprintf(stderr, "deepsweep: %s\n", err);
        ds_results_close(&res);
        goto out_plan;
    }
    int n_done = 0;
    for (int i = 0; i < n_sel; i++) {
        rows[i] = ds_results_find(&res, sel[i]->id);
        n_done += rows[i] != NULL;
    }
    if (dry) {
        printf("%s: %d runs (mode %s, method %s, sweep_id %s)", plan.name, plan.n_runs, plan.mode,
               plan.method, plan.sweep_id);
        if (sn > 1)
            printf(", shard %d/%d: %d of them", si, sn, n_sel);
        printf("; results in %s\n", out_dir);
        printf("%6s  %-16s  %-8s  %-7s  %-14s  %-10s  %-14s  %-7s  %-8s  %-9s  %5s  %6s  %s\n", "#",
               "id", "status", "dataset", "hidden", "activation", "init", "dropout", "optim", "lr",
               "batch", "epochs", "seed  group");
        for (int i = 0; i < n_sel; i++) {
            const ds_run_config *r = &sel[i]->rc;
            char hid[64] = "", lr[32], dr[32];
            for (int j = 0; j < r->n_hidden && strlen(hid) < 50; j++)
                snprintf(hid + strlen(hid), sizeof hid - strlen(hid), "%s%d", j ? "-" : "", r->hidden[j]);
            ds_fmt_float(lr, sizeof lr, r->lr);
            ds_fmt_float(dr, sizeof dr, r->dropout);
            printf("%6d  %-16s  %-8s  %-7s  %-14s  %-10s  %-14s  %-7s  %-8s  %-9s  %5d  %6d  %-4llu  %s\n",
                   sel[i]->index + 1, sel[i]->id, rows[i] ? rows[i]->status : "todo", r->dataset,
                   r->n_hidden ? hid : "none", ds_act_to_name(r->activation), ds_init_name(r->init), dr,
                   ds_opt_name(r->optimizer), lr, r->batch, r->epochs, (unsigned long long)r->seed,
                   sel[i]->group);
        }
        printf("%d runs: %d finished, %d to run\n", n_sel, n_done, n_sel - n_done);
        ds_results_close(&res);
        rc = 0;
        goto out_plan;
    }
    /* Load every dataset the remaining runs need before touching the
     * folder: a missing data file is bad input, and nothing is written. */
    loaded data[8];
    int n_data = 0;
    for (int i = 0; i < n_sel && !rc; i++) {
        if (rows[i])
            continue;
        const ds_run_config *r = &sel[i]->rc;
        int k;
        for (k = 0; k < n_data; k++)
            if (!strcmp(data[k].name, r->dataset) && !strcmp(data[k].dir, r->data_dir))
                break;
        if (k < n_data)
            continue;
        if (n_data == (int)(sizeof data / sizeof data[0])) {
            fprintf(stderr, "deepsweep: %s: more than %d datasets in one sweep\n", config, n_data);
            rc = 2;
            break;
        }
        loaded *d = &data[n_data];
        memset(d, 0, sizeof *d);
        snprintf(d->name, sizeof d->name, "%s", r->dataset);
        snprintf(d->dir, sizeof d->dir, "%s", r->data_dir);
        rc = ds_dataset_load(r->dataset, r->data_dir, &d->train, &d->test, err, sizeof err);
        if (rc)
            fprintf(stderr, "deepsweep: %s\n", err);
        else
            n_data++;
    }
    if (!rc && (rc = ds_results_open(&res, &plan, err, sizeof err)))
        fprintf(stderr, "deepsweep: %s\n", err);
    if (!rc) { /* scanned again under the folder's lock */
        n_done = 0;
        for (int i = 0; i < n_sel; i++) {
            rows[i] = ds_results_find(&res, sel[i]->id);
            n_done += rows[i] != NULL;
        }
    }
    if (rc) {
        for (int k = 0; k < n_data; k++) {
            ds_dataset_free(&data[k].train);
            ds_dataset_free(&data[k].test);
        }
        ds_results_close(&res);
        goto out_plan;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    stop_signal = 0;

    ds_progress prog;
    ds_progress_start(&prog, n_sel, n_done, quiet);
    const char *isa = ds_isa_name();
    ds_csvbuf row = {0};
    hook_ctx hc = {.prog = &prog};
    for (int i = 0; i < n_sel && !stop_signal && !rc; i++) {
        if (rows[i])
            continue;
        ds_run run = *sel[i];
        if (threads)
            run.rc.threads = threads;
        int k;
        for (k = 0; k < n_data; k++)
            if (!strcmp(data[k].name, run.rc.dataset) && !strcmp(data[k].dir, run.rc.data_dir))
                break;
        ds_csvbuf_clear(&hc.rows.epochs);
        ds_csvbuf_clear(&hc.rows.layers);
        hc.rows.id = run.id;
        ds_train_hooks hooks = {.on_epoch = on_epoch, .ctx = &hc, .stop = &stop_signal};
        ds_run_result result;
        ds_progress_run(&prog, run.index, run.group, (int)run.rc.seed, run.rc.epochs);
        rc = ds_train(&run.rc, &data[k].train, &data[k].test, &hooks, &result, err, sizeof err);
        if (rc) {
            fprintf(stderr, "%sdeepsweep: %s: run %d (%s): %s\n", prog.tty && !quiet ? "\n" : "",
                    config, run.index + 1, run.group, err);
            break;
        }
        if (result.status == DS_RUN_INTERRUPTED)
            break;
        int used = run.rc.threads ? run.rc.threads : omp_get_max_threads();
        ds_csvbuf_clear(&row);
        ds_runs_row(&row, &run, &result, isa, used);
        if ((rc = ds_results_commit(&res, &hc.rows, &row, err, sizeof err))) {
            fprintf(stderr, "deepsweep: %s\n", err);
            break;
        }
        ds_run_row *f = &fresh[i];
        snprintf(f->id, sizeof f->id, "%s", run.id);
        snprintf(f->status, sizeof f->status, "%s", ds_run_status_name(result.status));
        f->train_loss = result.train_loss;
        f->train_acc = result.train_acc;
        f->test_acc = result.test_acc;
        f->seconds = result.seconds;
        rows[i] = f;
        ds_progress_run_end(&prog, run.id, f->status, f->test_acc, f->seconds);
    }
    ds_progress_finish(&prog);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    ds_csvbuf_free(&row);
    ds_csvbuf_free(&hc.rows.epochs);
    ds_csvbuf_free(&hc.rows.layers);
    for (int k = 0; k < n_data; k++) {
        ds_dataset_free(&data[k].train);
        ds_dataset_free(&data[k].test);
    }
    if (!rc)
        summary(&plan, sel, rows, n_sel, out_dir);
    /* a failed run (out of memory, ...) is a run-time failure: exit 1 after
     * the summary; rerunning retries it */
    for (int i = 0; i < n_sel && !rc && !stop_signal; i++)
        if (rows[i] && !strcmp(rows[i]->status, "failed")) {
            fprintf(stderr, "deepsweep: run %d (%s) failed; run the same command to retry it\n",
                    sel[i]->index + 1, sel[i]->group);
            rc = 1;
        }
    ds_results_close(&res);
    if (!rc && stop_signal) {
        int done_now = 0;
        for (int i = 0; i < n_sel; i++)
            done_now += rows[i] != NULL;
        fprintf(stderr, "deepsweep: interrupted (%s): %d of %d runs finished are in %s; run the same command to resume\n",
                stop_signal == SIGINT ? "SIGINT" : "SIGTERM", done_now, n_sel, out_dir);
        rc = 128 + stop_signal;
    }
out_plan:
    free(sel);
    free(rows);
    free(ids);
    free(fresh);
    ds_plan_free(&plan);
    return rc;
}
