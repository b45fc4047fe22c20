/* Loading a results folder (see report.h): runs.csv into the run table and
 * its groups, then epochs.csv and layers.csv, streamed through the CSV
 * reader into each group's per-epoch and per-layer statistics. Only ok runs
 * enter the statistics. */
#include "report_data.h"
#include "csvread.h"
#include "err.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int find_run(const ds_report *r, const char *id)
{
    if (!r->nslot)
        return -1;
    for (size_t i = hash_str(id) & (r->nslot - 1);; i = (i + 1) & (r->nslot - 1)) {
        int k = r->slot[i];
        if (k < 0)
            return -1;
        if (!strcmp(r->runs[k].id, id))
            return k;
    }
}

static int rehash(ds_report *r, size_t nslot)
{
    int *s = malloc(nslot * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < nslot; i++)
        s[i] = -1;
    for (int k = 0; k < r->nruns; k++) {
        size_t i = hash_str(r->runs[k].id) & (nslot - 1);
        while (s[i] >= 0)
            i = (i + 1) & (nslot - 1);
        s[i] = k;
    }
    free(r->slot);
    r->slot = s;
    r->nslot = nslot;
    return 0;
}

static int add_run(ds_report *r, const ds_run_rec *rec)
{
    if (r->nruns == r->runs_cap) {
        int cap = r->runs_cap ? r->runs_cap * 2 : 64;
        ds_run_rec *n = realloc(r->runs, (size_t)cap * sizeof *n);
        if (!n)
            return -1;
        r->runs = n;
        r->runs_cap = cap;
    }
    r->runs[r->nruns++] = *rec;
    if ((size_t)r->nruns * 2 > r->nslot)
        return rehash(r, r->nslot ? r->nslot * 2 : 128);
    size_t i = hash_str(rec->id) & (r->nslot - 1);
    while (r->slot[i] >= 0)
        i = (i + 1) & (r->nslot - 1);
    r->slot[i] = r->nruns - 1;
    return 0;
}

/* The group with these key texts, created on first sight; -1 on OOM. */
static int group_of(ds_report *r, const ds_csv *c, const int *kidx)
{
    for (int g = 0; g < r->ngroups; g++) {
        int k = 0;
        while (k < DS_K_COUNT &&
               !strcmp(r->groups[g].key[k], kidx[k] < 0 ? "" : ds_csv_field(c, kidx[k])))
            k++;
        if (k == DS_K_COUNT)
            return g;
    }
    if (r->ngroups == r->groups_cap) {
        int cap = r->groups_cap ? r->groups_cap * 2 : 16;
        ds_group *n = realloc(r->groups, (size_t)cap * sizeof *n);
        if (!n)
            return -1;
        r->groups = n;
        r->groups_cap = cap;
    }
    ds_group *g = &r->groups[r->ngroups];
    memset(g, 0, sizeof *g);
    g->reference = NAN;
    if (!(g->reference_source = strdup("")))
        return -1;
    for (int k = 0; k < DS_K_COUNT; k++)
        if (!(g->key[k] = strdup(kidx[k] < 0 ? "" : ds_csv_field(c, kidx[k])))) {
            for (int j = 0; j < k; j++)
                free(g->key[j]);
            free(g->reference_source);
            return -1;
        }
    return r->ngroups++;
}

/* Makes a[0..need) valid (zeroed when new); *len becomes max(*len, need). */
static int grow_stats(ds_moments **a, int *len, int *cap, long need)
{
    if (need > *cap) {
        long c = *cap ? *cap : 16;
        while (c < need)
            c *= 2;
        ds_moments *p = realloc(*a, (size_t)c * sizeof *p);
        if (!p)
            return -1;
        memset(p + *cap, 0, (size_t)(c - *cap) * sizeof *p);
        *a = p;
        *cap = (int)c;
    }
    if (need > *len)
        *len = (int)need;
    return 0;
}

/* A fraction column: a number in [0,1] (or NaN from a failed metric). */
static int read_frac(const ds_csv *c, int col, double *v, char *err, size_t errlen)
{
    if (ds_csv_double(c, col, v, err, errlen))
        return -1;
    if (!isnan(*v) && (*v < 0 || *v > 1)) {
        ds_errf(err, errlen, 2, "deepsweep: %s:%ld: accuracy %s is out of range "
                "(accuracies are fractions in [0,1])", ds_csv_name(c), ds_csv_line(c),
                DS_ECHO(ds_csv_field(c, col)));
        return -1;
    }
    return 0;
}

/* An optional fraction column: NaN when the file lacks it or the field is
 * empty (no validation split). */
static int read_opt_frac(const ds_csv *c, int col, double *v, char *err, size_t errlen)
{
    *v = NAN;
    if (col < 0 || !*ds_csv_field(c, col))
        return 0;
    return read_frac(c, col, v, err, errlen);
}

static int load_runs(ds_report *r, const char *path, char *err, size_t errlen)
{
    enum { C_ID, C_STATUS, C_LOSS, C_TRAIN, C_TEST, C_SECS, C_SPS, C_N };
    static const char *const cols[C_N] = {
        "run_id", "status", "train_loss", "train_acc", "test_acc", "seconds", "samples_per_s",
    };
    ds_csv *c = ds_csv_open(path, err, errlen);
    if (!c) {
        if (access(path, F_OK) != 0)
            ds_errf(err, errlen, 2, "deepsweep: %s: not found (run 'deepsweep run CONFIG' to "
                    "make a results folder)", path);
        return 2;
    }
    int idx[C_N], kidx[DS_K_COUNT];
    if (ds_csv_require(c, cols, idx, C_N, err, errlen) ||
        ds_csv_require(c, ds_group_key_cols, kidx, DS_K_REQUIRED, err, errlen)) {
        ds_csv_close(c);
        return 2;
    }
    for (int k = DS_K_REQUIRED; k < DS_K_COUNT; k++)
        kidx[k] = ds_csv_col(c, ds_group_key_cols[k]); /* -1: absent, grouped as "" */
    /* the config's reference, when the file has it (older files do not) */
    int ref_acc = ds_csv_col(c, "reference_acc"), ref_src = ds_csv_col(c, "reference_source");
    int group_col = ds_csv_col(c, "group"); /* names the sweep's axes in order */
    r->train_evaluated =
        ds_csv_col(c, "train_acc_running") >= 0 || ds_csv_col(c, "train_loss_running") >= 0;
    ds_groups_order(r, NULL);
    /* Results written before the validation split have no best epoch
     * (theirs, best_test_acc, was chosen on test and is not read). */
    int best_col = ds_csv_col(c, "test_acc_at_best");
    int rc = 2, st;
    while ((st = ds_csv_next(c, err, errlen)) == 1) {
        ds_run_rec rec = {.lay_min = -1, .lay_max = -1};
        const char *s = ds_csv_field(c, idx[C_STATUS]);
        if (!strcmp(s, "ok"))
            rec.status = DS_RUN_OK;
        else if (!strcmp(s, "diverged"))
            rec.status = DS_RUN_DIVERGED;
        else if (!strcmp(s, "failed"))
            rec.status = DS_RUN_FAILED;
        else {
            ds_errf(err, errlen, 2, "deepsweep: %s:%ld: status '%s' is unknown (valid: ok, "
                    "diverged, failed)", path, ds_csv_line(c), DS_ECHO(s));
            goto out;
        }
        if (!*ds_csv_field(c, idx[C_ID])) {
            ds_errf(err, errlen, 2, "deepsweep: %s:%ld: empty run_id (every run has an id)",
                    path, ds_csv_line(c));
            goto out;
        }
        /* Metrics of a diverged or failed run are not averaged, so they
         * need not parse (they may be empty or nan). */
        if (rec.status == DS_RUN_OK &&
            (ds_csv_double(c, idx[C_LOSS], &rec.loss, err, errlen) ||
             read_frac(c, idx[C_TRAIN], &rec.train, err, errlen) ||
             read_frac(c, idx[C_TEST], &rec.test, err, errlen) ||
             read_opt_frac(c, best_col, &rec.best, err, errlen) ||
             ds_csv_double(c, idx[C_SECS], &rec.secs, err, errlen) ||
             ds_csv_double(c, idx[C_SPS], &rec.sps, err, errlen)))
            goto out;
        if (group_col >= 0 && !r->nruns)
            ds_groups_order(r, ds_csv_field(c, group_col));
        double ref = NAN;
        if (ref_acc >= 0 && *ds_csv_field(c, ref_acc) &&
            read_frac(c, ref_acc, &ref, err, errlen))
            goto out;
        rc = ds_errf(err, errlen, 1, "deepsweep: %s: out of memory", path);
        rec.group = group_of(r, c, kidx);
        if (rec.group < 0)
            goto out;
        ds_group *grp = &r->groups[rec.group];
        if (isnan(grp->reference) && !isnan(ref)) { /* the group's first reference */
            char *src = strdup(ref_src >= 0 ? ds_csv_field(c, ref_src) : "");
            if (!src)
                goto out;
            free(grp->reference_source);
            grp->reference_source = src;
            grp->reference = ref;
        }
        int old = find_run(r, ds_csv_field(c, idx[C_ID]));
        if (old >= 0) {
            /* A run redone after a failure (or with --force) appends a new
             * row for the same id: the last row is the run's result. */
            rec.id = r->runs[old].id;
            r->runs[old] = rec;
        } else {
            if (!(rec.id = strdup(ds_csv_field(c, idx[C_ID]))))
                goto out;
            if (add_run(r, &rec)) {
                free(rec.id);
                goto out;
            }
        }
        rc = 2;
    }
    if (st == 0) {
        rc = 0;
        if (!r->nruns)
            rc = ds_errf(err, errlen, 2, "deepsweep: %s: no runs (the file has only its header)",
                         path);
    }
out:
    ds_csv_close(c);
    return rc;
}

static int load_epochs(ds_report *r, const char *path, char *err, size_t errlen)
{
    static const char *const cols[] = {"run_id", "epoch", "train_loss", "test_acc"};
    int idx[4], st;
    ds_csv *c = ds_csv_open(path, err, errlen);
    if (!c)
        return access(path, F_OK) != 0 ? 0 : 2; /* optional file */
    r->have_epochs = 1;
    if (ds_csv_require(c, cols, idx, 4, err, errlen)) {
        ds_csv_close(c);
        return 2;
    }
    while ((st = ds_csv_next(c, err, errlen)) == 1) {
        int k = find_run(r, ds_csv_field(c, idx[0]));
        if (k < 0 || r->runs[k].status != DS_RUN_OK)
            continue; /* only finished runs enter the curves */
        long e;
        double loss, acc;
        if (ds_csv_int(c, idx[1], &e, err, errlen) ||
            ds_csv_double(c, idx[2], &loss, err, errlen) ||
            read_frac(c, idx[3], &acc, err, errlen)) {
            st = -1;
            break;
        }
        if (e < 0 || e > 10000000) {
            ds_errf(err, errlen, 2, "deepsweep: %s:%ld: epoch %ld is out of range (0..10000000)",
                    path, ds_csv_line(c), e);
            st = -1;
            break;
        }
        ds_group *g = &r->groups[r->runs[k].group];
        int len = g->n_epochs, cap = g->epochs_cap;
        if (grow_stats(&g->ep_test_acc, &len, &cap, e + 1) ||
            grow_stats(&g->ep_train_loss, &g->n_epochs, &g->epochs_cap, e + 1)) {
            ds_csv_close(c);
            return ds_errf(err, errlen, 1, "deepsweep: %s: out of memory", path);
        }
        ds_moments_add(&g->ep_test_acc[e], acc);
        ds_moments_add(&g->ep_train_loss[e], loss);
    }
    ds_csv_close(c);
    return st == 0 ? 0 : 2;
}

/* Two passes: the first finds each run's first and last logged epoch, the
 * second averages grad_norm at those two epochs per layer. */
static int load_layers(ds_report *r, const char *path, char *err, size_t errlen)
{
    static const char *const cols[] = {"run_id", "epoch", "layer", "grad_norm"};
    int idx[4];
    for (int pass = 0; pass < 2; pass++) {
        ds_csv *c = ds_csv_open(path, err, errlen);
        if (!c)
            return access(path, F_OK) != 0 ? 0 : 2;
        r->have_layers = 1;
        if (ds_csv_require(c, cols, idx, 4, err, errlen)) {
            ds_csv_close(c);
            return 2;
        }
        int st;
        while ((st = ds_csv_next(c, err, errlen)) == 1) {
            int k = find_run(r, ds_csv_field(c, idx[0]));
            if (k < 0 || r->runs[k].status != DS_RUN_OK)
                continue;
            ds_run_rec *run = &r->runs[k];
            long e, layer;
            double gn;
            if (ds_csv_int(c, idx[1], &e, err, errlen) ||
                ds_csv_int(c, idx[2], &layer, err, errlen)) {
                st = -1;
                break;
            }
            if (layer < 0 || layer >= 4096) {
                ds_errf(err, errlen, 2, "deepsweep: %s:%ld: layer %ld is out of range (0..4095)",
                        path, ds_csv_line(c), layer);
                st = -1;
                break;
            }
            if (pass == 0) {
                if (run->lay_min < 0 || e < run->lay_min)
                    run->lay_min = e;
                if (e > run->lay_max)
                    run->lay_max = e;
                continue;
            }
            if (e != run->lay_min && e != run->lay_max)
                continue;
            if (ds_csv_double(c, idx[3], &gn, err, errlen)) {
                st = -1;
                break;
            }
            ds_group *g = &r->groups[run->group];
            int len = g->n_layers, cap = g->layers_cap;
            if (grow_stats(&g->grad_first, &len, &cap, layer + 1) ||
                grow_stats(&g->grad_last, &g->n_layers, &g->layers_cap, layer + 1)) {
                ds_csv_close(c);
                return ds_errf(err, errlen, 1, "deepsweep: %s: out of memory", path);
            }
            if (e == run->lay_min)
                ds_moments_add(&g->grad_first[layer], gn);
            if (e == run->lay_max)
                ds_moments_add(&g->grad_last[layer], gn);
        }
        ds_csv_close(c);
        if (st != 0)
            return 2;
        if (pass == 0) {
            r->layers_single = 1;
            for (int k = 0; k < r->nruns; k++)
                if (r->runs[k].lay_min != r->runs[k].lay_max)
                    r->layers_single = 0;
        }
    }
    return 0;
}

int ds_report_load(const char *dir, ds_report **out, char *err, size_t errlen)
{
    ds_report *r = calloc(1, sizeof *r);
    char path[4096];
    if (!r || !(r->dir = strdup(dir))) {
        free(r);
        return ds_errf(err, errlen, 1, "deepsweep: out of memory");
    }
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    int rc = load_runs(r, path, err, errlen);
    if (rc)
        goto fail;
    ds_groups_aggregate(r);
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    if ((rc = load_epochs(r, path, err, errlen)))
        goto fail;
    snprintf(path, sizeof path, "%s/layers.csv", dir);
    if ((rc = load_layers(r, path, err, errlen)))
        goto fail;
    ds_groups_describe(r);
    *out = r;
    return 0;
fail:
    ds_report_free(r);
    return rc;
}

void ds_group_free(ds_group *g)
{
    for (int k = 0; k < DS_K_COUNT; k++)
        free(g->key[k]);
    free(g->reference_source);
    free(g->ep_test_acc);
    free(g->ep_train_loss);
    free(g->grad_first);
    free(g->grad_last);
}

void ds_report_free(ds_report *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nruns; i++)
        free(r->runs[i].id);
    for (int g = 0; g < r->ngroups; g++)
        ds_group_free(&r->groups[g]);
    free(r->groups);
    free(r->runs);
    free(r->slot);
    free(r->dir);
    free(r);
}

int ds_report_ngroups(const ds_report *r) { return r->ngroups; }
const ds_group *ds_report_group(const ds_report *r, int i) { return &r->groups[i]; }
int ds_report_varies(const ds_report *r, int k) { return r->varies[k]; }
