/* What the runner prints on stdout: the run table of a dry run and the
 * summary table (see runner.h). */
#include "runner.h"
#include "topo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "stats.h"

void ds_runner_print_plan(const ds_runner *r, FILE *f)
{
    const ds_plan *plan = r->plan;
    fprintf(f, "%s: %d runs (mode %s, method %s, sweep_id %s)", plan->name, plan->n_runs,
            plan->mode, plan->method, plan->sweep_id);
    if (r->opts.shard_n > 1)
        fprintf(f, ", shard %d/%d: %d of them", r->opts.shard_i, r->opts.shard_n, r->n_sel);
    fprintf(f, "; results in %s\n", r->out_dir);
    fprintf(f, "%6s  %-16s  %-8s  %-7s  %-14s  %-10s  %-14s  %-7s  %-8s  %-9s  %5s  %6s  %s\n", "#",
            "id", "status", "dataset", "hidden", "activation", "init", "dropout", "optim", "lr",
            "batch", "epochs", "seed  group");
    for (int i = 0; i < r->n_sel; i++) {
        const ds_run_config *rc = &r->sel[i]->rc;
        char hid[64] = "", lr[32], dr[32];
        for (int j = 0; j < rc->n_hidden && strlen(hid) < 50; j++)
            snprintf(hid + strlen(hid), sizeof hid - strlen(hid), "%s%d", j ? "-" : "", rc->hidden[j]);
        ds_fmt_float(lr, sizeof lr, rc->lr);
        ds_fmt_float(dr, sizeof dr, rc->dropout);
        fprintf(f, "%6d  %-16s  %-8s  %-7s  %-14s  %-10s  %-14s  %-7s  %-8s  %-9s  %5d  %6d  %-4llu  %s\n",
                r->sel[i]->index + 1, r->sel[i]->id, r->rows[i] ? r->rows[i]->status : "todo",
                rc->dataset, rc->n_hidden ? hid : "none", ds_act_to_name(rc->activation),
                ds_init_name(rc->init), dr, ds_opt_name(rc->optimizer), lr, rc->batch, rc->epochs,
                (unsigned long long)rc->seed, r->sel[i]->group);
    }
    fprintf(f, "%d runs: %d finished, %d to run", r->n_sel, r->n_done, r->n_sel - r->n_done);
    int jobs, threads;
    ds_runner_jobs(r, ds_topo_pus(), &jobs, &threads);
    if (r->n_sel > r->n_done)
        fprintf(f, ", %d at a time, %d thread%s each (--jobs %s)", jobs, threads,
                threads > 1 ? "s" : "", r->opts.jobs ? "N" : "auto");
    fprintf(f, "\n");
}

/* One summary row per group: label + the swept values, seeds pooled. */
typedef struct {
    const char *group;
    int n, ok, diverged, failed, solved, missing;
    ds_moments test, train; /* accuracies of the runs that ended ok */
    double reference;
    int has_reference;
    int rank;
    const ds_run *rep; /* its first run: the configuration it stands for */
    int order; /* position in the sweep, the sort's last key */
} group_stat;

typedef struct {
    group_stat *g;
    int n_groups, is_xor, any_ref;
    int done, ok, diverged, failed;
} summary;

static void add_run(summary *s, const ds_run *run, const ds_run_row *row)
{
    int k;
    for (k = 0; k < s->n_groups; k++)
        if (!strcmp(s->g[k].group, run->group))
            break;
    group_stat *g = &s->g[k];
    if (k == s->n_groups) {
        g->group = run->group;
        g->rep = run;
        g->order = k;
        g->reference = run->reference;
        g->has_reference = run->has_reference;
        s->any_ref |= run->has_reference;
        s->n_groups++;
    }
    s->is_xor |= !strcmp(run->rc.dataset, "xor");
    g->n++;
    if (!row) {
        g->missing++;
        return;
    }
    s->done++;
    int ok = !strcmp(row->status, "ok");
    if (ok)
        g->ok++, s->ok++;
    else if (!strcmp(row->status, "diverged"))
        g->diverged++, s->diverged++;
    else
        g->failed++, s->failed++;
    /* XOR is solved when all four points are classified right */
    g->solved += ok && row->train_acc == 1.0;
    /* a diverged model (NaN weights) has no accuracy to average: it is
     * counted in the notes column instead */
    if (ok) {
        ds_moments_add(&g->test, row->test_acc);
        ds_moments_add(&g->train, row->train_acc);
    }
}

/* rank by mean test accuracy (1 = best; ties by first appearance); a
 * group without an accuracy (never run, or every run diverged) has no
 * rank (0) and is not counted in the others' */
static void rank_groups(summary *s)
{
    for (int a = 0; a < s->n_groups; a++) {
        s->g[a].rank = 0;
        if (!s->g[a].test.n)
            continue;
        double ma = ds_moments_mean(&s->g[a].test);
        s->g[a].rank = 1;
        for (int b = 0; b < s->n_groups; b++) {
            if (!s->g[b].test.n)
                continue;
            double mb = ds_moments_mean(&s->g[b].test);
            s->g[a].rank += mb > ma || (mb == ma && b < a);
        }
    }
}

/* "mean ± std" in %, "mean" alone for one seed, "-" for none. */
static void pm(char *out, size_t n, const ds_moments *m)
{
    double mean = ds_moments_mean(m), std = ds_moments_std(m);
    if (isnan(mean))
        snprintf(out, n, "-");
    else if (isnan(std))
        snprintf(out, n, "%6.2f", 100 * mean);
    else
        snprintf(out, n, "%6.2f ± %5.2f", 100 * mean, 100 * std);
}

/* The 95% t interval of the mean in %, cut to 0-100; "-" below 2 runs. */
static void ci(char *out, size_t n, const ds_moments *m)
{
    double h = ds_moments_ci95(m), mean = ds_moments_mean(m);
    if (isnan(h))
        snprintf(out, n, "-");
    else
        snprintf(out, n, "[%.2f, %.2f]", fmax(0, 100 * (mean - h)), fmin(100, 100 * (mean + h)));
}

static void print_group(const summary *s, const group_stat *g, int gw, FILE *f)
{
    char te[40], tr[40], tci[40];
    pm(te, sizeof te, &g->test);
    pm(tr, sizeof tr, &g->train);
    ci(tci, sizeof tci, &g->test);
    char rk[16] = "-";
    if (g->rank)
        snprintf(rk, sizeof rk, "%d", g->rank);
    fprintf(f, "%4s  %-*s  %5d  %-15s  %-16s  %-15s", rk, gw, g->group, g->n, te, tci, tr);
    if (s->is_xor) {
        char sv[64];
        int fin = g->n - g->missing;
        ds_interval w = ds_wilson95(g->solved, fin);
        if (fin)
            snprintf(sv, sizeof sv, "%d/%d = %.2f [%.2f, %.2f]", g->solved, fin,
                     (double)g->solved / fin, w.lo, w.hi);
        else
            snprintf(sv, sizeof sv, "-");
        fprintf(f, "  %-26s", sv);
    }
    if (s->any_ref) {
        if (g->has_reference)
            fprintf(f, "  %9.2f", 100 * g->reference); /* a fraction in the config */
        else
            fprintf(f, "  %9s", "");
    }
    char notes[96] = "";
    size_t nl = 0;
    if (g->diverged)
        nl += (size_t)snprintf(notes + nl, sizeof notes - nl, "%d diverged ", g->diverged);
    if (g->failed && nl < sizeof notes)
        nl += (size_t)snprintf(notes + nl, sizeof notes - nl, "%d failed ", g->failed);
    if (g->missing && nl < sizeof notes)
        snprintf(notes + nl, sizeof notes - nl, "%d not run ", g->missing);
    fprintf(f, "  %s\n", notes);
}

/* The canonical configuration of a group's runs with the seed and the
 * label left out: one "key=value" a line (config.h's ds_run_canon). */
static void canon_of(const group_stat *g, char *out, size_t n)
{
    char full[2048];
    ds_run_canon(&g->rep->rc, full, sizeof full);
    size_t k = 0;
    for (char *line = strtok(full, "\n"); line && k < n; line = strtok(NULL, "\n"))
        if (strncmp(line, "seed=", 5) && strncmp(line, "label=", 6))
            k += (size_t)snprintf(out + k, n - k, "%s\n", line);
}

/* The one key whose line differs between two canonical texts (its name in
 * key), or 0 when none or more than one differ. */
static int one_setting(const char *a, const char *b, char *key, size_t n)
{
    int diffs = 0;
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || strncmp(a, b, la)) {
            diffs++;
            snprintf(key, n, "%.*s", (int)strcspn(a, "="), a);
        }
        a += la + (a[la] == '\n');
        b += lb + (b[lb] == '\n');
    }
    return diffs == 1;
}

/* Pairs of groups that differ in one setting: the difference of their mean
 * test accuracies, its 95% interval, Welch's p and what it means. */
static void print_differences(const summary *s, FILE *f)
{
    enum { MAX_LINES = 30 };
    char (*canon)[2048] = malloc((size_t)s->n_groups * sizeof *canon);
    if (!canon)
        return;
    for (int k = 0; k < s->n_groups; k++)
        canon_of(&s->g[k], canon[k], sizeof canon[k]);
    int pairs = 0, within = 0;
    for (int a = 0; a < s->n_groups; a++)
        for (int b = a + 1; b < s->n_groups; b++) {
            char key[64];
            if (!one_setting(canon[a], canon[b], key, sizeof key))
                continue;
            ds_welch w = ds_welch_test(&s->g[a].test, &s->g[b].test);
            if (!pairs++)
                fprintf(f, "\ngroups that differ in one setting, test accuracy A - B in points "
                           "[95%% CI], Welch's two-sample t-test (two-sided, unequal variances); "
                           "beyond seed noise = p < 0.05:\n");
            within += !isnan(w.p) && w.p >= 0.05;
            if (pairs > MAX_LINES)
                continue;
            fprintf(f, "  %s: %s - %s: ", key, s->g[a].group, s->g[b].group);
            if (isnan(w.diff))
                fprintf(f, "-, no ok runs to compare\n");
            else if (isnan(w.p))
                fprintf(f, "%+.2f, %s\n", 100 * w.diff, ds_welch_verdict(&w));
            else
                fprintf(f, "%+.2f [%+.2f, %+.2f], p = %.2g, %s\n", 100 * w.diff, 100 * w.lo,
                        100 * w.hi, w.p, ds_welch_verdict(&w));
        }
    if (pairs > MAX_LINES)
        fprintf(f, "  ... %d more pairs ('deepsweep plot' lists them all in REPORT.md)\n",
                pairs - MAX_LINES);
    if (pairs)
        fprintf(f, "%d of %d differences within seed noise\n", within, pairs);
    free(canon);
}

/* The columns the groups can be sorted by (show --sort). */
static const char *const sort_keys[] = {"rank", "group", "seeds", "test_acc", "train_acc"};
#define N_SORT_KEYS (int)(sizeof sort_keys / sizeof sort_keys[0])

int ds_summary_sort_find(const char *name)
{
    for (int i = 0; i < N_SORT_KEYS; i++)
        if (!strcmp(sort_keys[i], name))
            return i;
    return -1;
}

void ds_summary_sort_names(char *out, size_t n)
{
    out[0] = 0; /* ds_names_join fills an empty buffer only */
    ds_names_join(out, n, sort_keys, sizeof sort_keys[0], N_SORT_KEYS);
}

/* Best first for a mean (NaN last): -1 if a goes before b. */
static int by_mean(const ds_moments *a, const ds_moments *b)
{
    double x = a->n ? ds_moments_mean(a) : NAN, y = b->n ? ds_moments_mean(b) : NAN;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x < y) - (x > y);
}

static int sort_key;

static int cmp_groups(const void *va, const void *vb)
{
    const group_stat *a = va, *b = vb;
    int c = 0;
    switch (sort_key) {
    case 0: c = (a->rank == 0) - (b->rank == 0); if (!c) c = (a->rank > b->rank) - (a->rank < b->rank); break;
    case 1: c = strcmp(a->group, b->group); break;
    case 2: c = (a->n > b->n) - (a->n < b->n); break;
    case 3: c = by_mean(&a->test, &b->test); break;
    case 4: c = by_mean(&a->train, &b->train); break;
    }
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

void ds_runner_print_summary(const ds_runner *r, FILE *f) { ds_summary_print(r, -1, f); }

void ds_summary_print(const ds_runner *r, int sort, FILE *f)
{
    summary s = {.g = calloc((size_t)r->n_sel + 1, sizeof *s.g)};
    if (!s.g)
        return;
    for (int i = 0; i < r->n_sel; i++)
        add_run(&s, r->sel[i], r->rows[i]);
    rank_groups(&s);
    if (sort >= 0 && sort < N_SORT_KEYS) {
        sort_key = sort;
        qsort(s.g, (size_t)s.n_groups, sizeof *s.g, cmp_groups);
    }
    int gw = 5;
    for (int k = 0; k < s.n_groups; k++)
        if ((int)strlen(s.g[k].group) > gw)
            gw = (int)strlen(s.g[k].group);
    fprintf(f, "\n%s (mode %s): %d runs, %d finished (%d ok, %d diverged, %d failed); results in %s\n",
            r->plan->name, r->plan->mode, r->n_sel, s.done, s.ok, s.diverged, s.failed, r->out_dir);
    fprintf(f, "accuracies in %%: mean ± std over the seeds whose run ended ok (diverged runs are in "
               "notes; one ok run: the mean alone), 95%% CI = Student's t interval of the mean%s\n\n",
            s.is_xor ? "; solved = seeds whose final train accuracy is 100% (all four points), "
                       "[95% Wilson score interval]"
                     : "");
    fprintf(f, "rank  %-*s  seeds  %-15s  %-16s  %-15s", gw, "group", "test acc %", "95% CI",
            "train acc %");
    if (s.is_xor)
        fprintf(f, "  %-26s", "solved");
    if (s.any_ref)
        fprintf(f, "  %9s", "reference");
    fprintf(f, "  notes\n");
    for (int k = 0; k < s.n_groups; k++)
        print_group(&s, &s.g[k], gw, f);
    if (!s.is_xor) /* XOR's measure is the solved fraction, with its interval */
        print_differences(&s, f);
    free(s.g);
}
