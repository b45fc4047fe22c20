/* `deepsweep plot`'s engine (see report.h): CSVs -> groups -> gnuplot data
 * files -> PNGs via plots/<kind>.gp -> REPORT.md. */
#include "report.h"
#include "csvread.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- statistics ----------------------------------------------------- */

void ds_stat_add(ds_stat *s, double x)
{
    s->n += 1;
    double d = x - s->mean;
    s->mean += d / s->n;
    s->m2 += d * (x - s->mean);
}

double ds_stat_mean(const ds_stat *s) { return s->n > 0 ? s->mean : NAN; }

double ds_stat_std(const ds_stat *s)
{
    if (s->n < 1)
        return NAN;
    if (s->n < 2)
        return 0;
    return sqrt(s->m2 / (s->n - 1));
}

/* ---- the course's figures ------------------------------------------- */

static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; (p = strstr(p, w)); p++) {
        int before = p == s || !isalnum((unsigned char)p[-1]);
        int after = !isalnum((unsigned char)p[n]);
        if (before && after)
            return 1;
    }
    return 0;
}

double ds_course_accuracy(const char *dataset, const char *label)
{
    if (strcasecmp(dataset, "mnist"))
        return NAN; /* the course's table is for MNIST only */
    char low[128];
    size_t i = 0;
    for (; label[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)label[i]);
    low[i] = 0;
    /* Most specific first: "deep+dropout" also says "deep". */
    if (strstr(low, "dropout"))
        return 98.13;
    if (strstr(low, "deep"))
        return 97.23;
    if (strstr(low, "xavier"))
        return 97.83;
    if (strstr(low, "softmax"))
        return 90.23;
    if (has_word(low, "nn") || strstr(low, "normal"))
        return 94.55;
    return NAN;
}

/* ---- loading -------------------------------------------------------- */

enum { ST_OK, ST_DIVERGED, ST_FAILED };

typedef struct {
    char *id;
    int group;
    int status;
    double test, train, loss, best, secs, sps;
    long lay_min, lay_max; /* first and last epoch seen in layers.csv */
} run_rec;

struct ds_report {
    char *dir;
    run_rec *runs;
    int nruns, runs_cap;
    int *slot; /* open-addressing hash of run ids -> index in runs */
    size_t nslot;
    ds_group *groups;
    int ngroups, groups_cap;
    int varies[DS_K_COUNT];
    int have_epochs, have_layers, is_xor;
    int label_unique; /* no two groups share a label */
    int layers_single; /* every run logged its layers at one epoch only */
};

static const char *const key_cols[DS_K_COUNT] = {
    "label", "dataset", "depth", "width", "activation", "init",
    "dropout", "optimizer", "lr", "batch", "epochs",
    "hidden", "loss", "bias_init", "weight_decay", "train_subset",
};

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

static int add_run(ds_report *r, const run_rec *rec)
{
    if (r->nruns == r->runs_cap) {
        int cap = r->runs_cap ? r->runs_cap * 2 : 64;
        run_rec *n = realloc(r->runs, (size_t)cap * sizeof *n);
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
    for (int k = 0; k < DS_K_COUNT; k++)
        if (!(g->key[k] = strdup(kidx[k] < 0 ? "" : ds_csv_field(c, kidx[k])))) {
            for (int j = 0; j < k; j++)
                free(g->key[j]);
            return -1;
        }
    return r->ngroups++;
}

/* Makes a[0..need) valid (zeroed when new); *len becomes max(*len, need). */
static int grow_stats(ds_stat **a, int *len, int *cap, long need)
{
    if (need > *cap) {
        long c = *cap ? *cap : 16;
        while (c < need)
            c *= 2;
        ds_stat *p = realloc(*a, (size_t)c * sizeof *p);
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

static void errf(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* A fraction column: a number in [0,1] (or NaN from a failed metric). */
static int read_frac(const ds_csv *c, int col, double *v, char *err, size_t errlen)
{
    if (ds_csv_double(c, col, v, err, errlen))
        return -1;
    if (!isnan(*v) && (*v < 0 || *v > 1)) {
        errf(err, errlen, "deepsweep: %s:%ld: accuracy %s is out of range "
             "(accuracies are fractions in [0,1])", ds_csv_name(c), ds_csv_line(c),
             ds_csv_field(c, col));
        return -1;
    }
    return 0;
}

static int load_runs(ds_report *r, const char *path, char *err, size_t errlen)
{
    enum { C_ID, C_STATUS, C_LOSS, C_TRAIN, C_TEST, C_BEST, C_SECS, C_SPS, C_N };
    static const char *const cols[C_N] = {
        "run_id", "status", "train_loss", "train_acc", "test_acc",
        "best_test_acc", "seconds", "samples_per_s",
    };
    ds_csv *c = ds_csv_open(path, err, errlen);
    if (!c) {
        if (access(path, F_OK) != 0)
            errf(err, errlen, "deepsweep: %s: not found (run 'deepsweep run CONFIG' to "
                 "make a results folder)", path);
        return 2;
    }
    int idx[C_N], kidx[DS_K_COUNT];
    if (ds_csv_require(c, cols, idx, C_N, err, errlen) ||
        ds_csv_require(c, key_cols, kidx, DS_K_REQUIRED, err, errlen)) {
        ds_csv_close(c);
        return 2;
    }
    for (int k = DS_K_REQUIRED; k < DS_K_COUNT; k++)
        kidx[k] = ds_csv_col(c, key_cols[k]); /* -1: absent, grouped as "" */
    int rc = 2, st;
    while ((st = ds_csv_next(c, err, errlen)) == 1) {
        run_rec rec = {.lay_min = -1, .lay_max = -1};
        const char *s = ds_csv_field(c, idx[C_STATUS]);
        if (!strcmp(s, "ok"))
            rec.status = ST_OK;
        else if (!strcmp(s, "diverged"))
            rec.status = ST_DIVERGED;
        else if (!strcmp(s, "failed"))
            rec.status = ST_FAILED;
        else {
            errf(err, errlen, "deepsweep: %s:%ld: status '%s' is unknown (valid: ok, "
                 "diverged, failed)", path, ds_csv_line(c), s);
            goto out;
        }
        if (!*ds_csv_field(c, idx[C_ID])) {
            errf(err, errlen, "deepsweep: %s:%ld: empty run_id (every run has an id)",
                 path, ds_csv_line(c));
            goto out;
        }
        /* Metrics of a diverged or failed run are not averaged, so they
         * need not parse (they may be empty or nan). */
        if (rec.status == ST_OK &&
            (ds_csv_double(c, idx[C_LOSS], &rec.loss, err, errlen) ||
             read_frac(c, idx[C_TRAIN], &rec.train, err, errlen) ||
             read_frac(c, idx[C_TEST], &rec.test, err, errlen) ||
             read_frac(c, idx[C_BEST], &rec.best, err, errlen) ||
             ds_csv_double(c, idx[C_SECS], &rec.secs, err, errlen) ||
             ds_csv_double(c, idx[C_SPS], &rec.sps, err, errlen)))
            goto out;
        rc = 1;
        errf(err, errlen, "deepsweep: %s: out of memory", path);
        rec.group = group_of(r, c, kidx);
        if (rec.group < 0)
            goto out;
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
        if (!r->nruns) {
            errf(err, errlen, "deepsweep: %s: no runs (the file has only its header)", path);
            rc = 2;
        }
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
        if (k < 0 || r->runs[k].status != ST_OK)
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
            errf(err, errlen, "deepsweep: %s:%ld: epoch %ld is out of range (0..10000000)",
                 path, ds_csv_line(c), e);
            st = -1;
            break;
        }
        ds_group *g = &r->groups[r->runs[k].group];
        int len = g->n_epochs, cap = g->epochs_cap;
        if (grow_stats(&g->ep_test_acc, &len, &cap, e + 1) ||
            grow_stats(&g->ep_train_loss, &g->n_epochs, &g->epochs_cap, e + 1)) {
            errf(err, errlen, "deepsweep: %s: out of memory", path);
            ds_csv_close(c);
            return 1;
        }
        ds_stat_add(&g->ep_test_acc[e], acc);
        ds_stat_add(&g->ep_train_loss[e], loss);
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
            if (k < 0 || r->runs[k].status != ST_OK)
                continue;
            run_rec *run = &r->runs[k];
            long e, layer;
            double gn;
            if (ds_csv_int(c, idx[1], &e, err, errlen) ||
                ds_csv_int(c, idx[2], &layer, err, errlen)) {
                st = -1;
                break;
            }
            if (layer < 0 || layer >= 4096) {
                errf(err, errlen, "deepsweep: %s:%ld: layer %ld is out of range (0..4095)",
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
                errf(err, errlen, "deepsweep: %s: out of memory", path);
                ds_csv_close(c);
                return 1;
            }
            if (e == run->lay_min)
                ds_stat_add(&g->grad_first[layer], gn);
            if (e == run->lay_max)
                ds_stat_add(&g->grad_last[layer], gn);
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

/* Display names: only what tells groups apart. With exclude == 0 (a group's
 * own name) the label alone when it is unique per group ("xavier", "deep");
 * otherwise the varying columns. With columns excluded (a line of a figure
 * drawn against them) the label is left out while other columns vary, so
 * runs labelled per sweep point still join into lines. */
static void group_name(const ds_report *r, const ds_group *g, unsigned exclude, char *out,
                       size_t n)
{
    static const char *const fmt[DS_K_COUNT] = {
        "%s", "%s", "depth %s", "width %s", "%s", "%s",
        "dropout %s", "%s", "lr %s", "batch %s", "%s epochs",
        "hidden %s", "%s", "bias %s", "weight decay %s", "subset %s",
    };
    unsigned show = 0;
    for (int i = 1; i < DS_K_COUNT; i++)
        if (r->varies[i] && !(exclude & (1u << i)))
            show |= 1u << i;
    if (!exclude && r->varies[DS_K_LABEL] && r->label_unique)
        show = 1u << DS_K_LABEL;
    else if (!exclude && r->varies[DS_K_LABEL])
        show |= 1u << DS_K_LABEL;
    else if (!show && (r->varies[DS_K_LABEL] || r->ngroups == 1))
        show = 1u << DS_K_LABEL;
    size_t k = 0;
    out[0] = 0;
    for (int i = 0; i < DS_K_COUNT && k < n; i++) {
        if (!(show & (1u << i)) || !g->key[i][0])
            continue;
        int w = snprintf(out + k, n - k, "%s", k ? ", " : "");
        if (w > 0)
            k += (size_t)w;
        if (k < n)
            w = snprintf(out + k, n - k, fmt[i], g->key[i]);
        if (w > 0)
            k += (size_t)w;
    }
    if (k >= n)
        k = n - 1;
    out[k] = 0;
    for (char *p = out; *p; p++)
        if (*p == '"')
            *p = '\''; /* names go between double quotes in gnuplot data */
    if (!out[0])
        snprintf(out, n, "all runs");
}

int ds_report_load(const char *dir, ds_report **out, char *err, size_t errlen)
{
    ds_report *r = calloc(1, sizeof *r);
    char path[4096];
    if (!r || !(r->dir = strdup(dir))) {
        free(r);
        errf(err, errlen, "deepsweep: out of memory");
        return 1;
    }
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    int rc = load_runs(r, path, err, errlen);
    if (rc)
        goto fail;
    for (int i = 0; i < r->nruns; i++) {
        run_rec *run = &r->runs[i];
        ds_group *g = &r->groups[run->group];
        g->runs++;
        if (run->status == ST_DIVERGED)
            g->diverged++;
        if (run->status == ST_FAILED)
            g->failed++;
        if (run->status != ST_OK)
            continue;
        g->ok++;
        ds_stat_add(&g->test_acc, run->test);
        ds_stat_add(&g->train_acc, run->train);
        ds_stat_add(&g->train_loss, run->loss);
        ds_stat_add(&g->best_test_acc, run->best);
        ds_stat_add(&g->seconds, run->secs);
        ds_stat_add(&g->samples_per_s, run->sps);
        ds_stat_add(&g->gap, run->train - run->test);
        /* XOR's test set is its four points: solved means all of them. */
        if (run->test >= 1.0 - 1e-9)
            g->solved++;
    }
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    if ((rc = load_epochs(r, path, err, errlen)))
        goto fail;
    snprintf(path, sizeof path, "%s/layers.csv", dir);
    if ((rc = load_layers(r, path, err, errlen)))
        goto fail;
    for (int k = 0; k < DS_K_REQUIRED; k++)
        for (int g = 1; g < r->ngroups && !r->varies[k]; g++)
            r->varies[k] = strcmp(r->groups[g].key[k], r->groups[0].key[k]) != 0;
    /* An extra column is worth showing only where the required ones leave
     * two groups looking the same. */
    for (int g = 0; g < r->ngroups; g++)
        for (int h = 0; h < g; h++) {
            int k = 0;
            while (k < DS_K_REQUIRED && !strcmp(r->groups[g].key[k], r->groups[h].key[k]))
                k++;
            if (k < DS_K_REQUIRED)
                continue;
            for (k = DS_K_REQUIRED; k < DS_K_COUNT; k++)
                r->varies[k] |= strcmp(r->groups[g].key[k], r->groups[h].key[k]) != 0;
        }
    r->label_unique = 1;
    for (int g = 0; g < r->ngroups && r->label_unique; g++)
        for (int h = 0; h < g && r->label_unique; h++)
            r->label_unique =
                strcmp(r->groups[g].key[DS_K_LABEL], r->groups[h].key[DS_K_LABEL]) != 0;
    for (int g = 0; g < r->ngroups; g++) {
        ds_group *gr = &r->groups[g];
        group_name(r, gr, 0, gr->name, sizeof gr->name);
        gr->course = ds_course_accuracy(gr->key[DS_K_DATASET], gr->key[DS_K_LABEL]);
        if (!strcasecmp(gr->key[DS_K_DATASET], "xor"))
            r->is_xor = 1;
    }
    *out = r;
    return 0;
fail:
    ds_report_free(r);
    return rc;
}

void ds_report_free(ds_report *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nruns; i++)
        free(r->runs[i].id);
    for (int g = 0; g < r->ngroups; g++) {
        for (int k = 0; k < DS_K_COUNT; k++)
            free(r->groups[g].key[k]);
        free(r->groups[g].ep_test_acc);
        free(r->groups[g].ep_train_loss);
        free(r->groups[g].grad_first);
        free(r->groups[g].grad_last);
    }
    free(r->groups);
    free(r->runs);
    free(r->slot);
    free(r->dir);
    free(r);
}

int ds_report_ngroups(const ds_report *r) { return r->ngroups; }
const ds_group *ds_report_group(const ds_report *r, int i) { return &r->groups[i]; }
int ds_report_varies(const ds_report *r, int k) { return r->varies[k]; }

/* ---- figures -------------------------------------------------------- */

#define MAX_FIGS 16

typedef struct {
    char png[96];   /* file name in outdir                       */
    char what[640]; /* the sentence REPORT.md says about it      */
    int drawn;      /* 1 drawn, 0 skipped (why in what), -1 failed */
} figure;

typedef struct {
    const ds_report *r;
    const char *outdir, *plots_dir, *gnuplot;
    char term[32];
    int have_gnuplot;
    int quiet;
    figure figs[MAX_FIGS];
    int nfigs;
    int failures;
} writer;

static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.6g", v);
    else
        fprintf(f, " NaN");
}

/* Runs argv with stdin from /dev/null (and stdout/stderr too if silent);
 * returns the exit status, 127 if the program could not be started. */
static int run_prog(char *const argv[], int silent)
{
    pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 0);
            if (silent) {
                dup2(dn, 1);
                dup2(dn, 2);
            } else {
                dup2(2, 1); /* gnuplot's chatter is diagnostics, not results */
            }
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 127;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* gnuplot single-quoted string: a quote is written twice. */
static void gp_quote(char *out, size_t n, const char *s)
{
    size_t k = 0;
    if (k < n)
        out[k++] = '\'';
    for (; *s && k + 3 < n; s++) {
        if (*s == '\'')
            out[k++] = '\'';
        out[k++] = *s;
    }
    out[k++] = '\'';
    out[k] = 0;
}

static void probe_gnuplot(writer *w)
{
    w->have_gnuplot = 0;
    if (!w->gnuplot)
        return;
    /* pngcairo draws antialiased text; Debian's gnuplot-nox has it, but a
     * build without cairo still has libgd's png. */
    static const char *const terms[] = {"pngcairo", "png truecolor"};
    for (int i = 0; i < 2; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "set terminal %s", terms[i]);
        char *argv[] = {(char *)w->gnuplot, "-e", cmd, NULL};
        int st = run_prog(argv, 1);
        if (st == 127)
            return;
        if (st == 0) {
            snprintf(w->term, sizeof w->term, "%s", terms[i]);
            w->have_gnuplot = 1;
            return;
        }
    }
}

static figure *new_fig(writer *w, const char *png)
{
    if (w->nfigs == MAX_FIGS)
        return NULL;
    figure *f = &w->figs[w->nfigs++];
    memset(f, 0, sizeof *f);
    snprintf(f->png, sizeof f->png, "%s", png);
    return f;
}

static FILE *open_data(writer *w, const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/plot-data/%s", w->outdir, name);
    FILE *f = fopen(path, "w");
    if (f)
        fprintf(f, "# written by deepsweep plot from %s\n", w->r->dir);
    return f;
}

/* Draws fig with plots/<script>.gp over data file `data`; vars are extra
 * gnuplot assignments ("n=3; xt='1 2'"). The PNG appears whole or not at all. */
static void draw(writer *w, figure *fig, const char *script, const char *data, const char *vars,
                 FILE *datf)
{
    if (!datf || fclose(datf) != 0) {
        fig->drawn = -1;
        snprintf(fig->what + strlen(fig->what), sizeof fig->what - strlen(fig->what),
                 " (not drawn: its data file could not be written)");
        w->failures++;
        return;
    }
    if (!w->have_gnuplot) {
        fig->drawn = -1;
        w->failures++;
        return;
    }
    char gp[4096], tmp[4096], fin[4096], qd[4200], qt[4200], title[300], qtitle[700], e[13500];
    char sty[4096], qst[8200];
    snprintf(gp, sizeof gp, "%s/%s.gp", w->plots_dir, script);
    snprintf(sty, sizeof sty, "%s/style.gp", w->plots_dir);
    gp_quote(qst, sizeof qst, sty);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", w->outdir, fig->png);
    snprintf(fin, sizeof fin, "%s/%s", w->outdir, fig->png);
    const char *base = strrchr(w->r->dir, '/');
    base = base && base[1] ? base + 1 : w->r->dir;
    snprintf(title, sizeof title, "%s", base);
    gp_quote(qd, sizeof qd, data);
    gp_quote(qt, sizeof qt, tmp);
    gp_quote(qtitle, sizeof qtitle, title);
    if (snprintf(e, sizeof e, "term='%s'; data=%s; out=%s; sweep=%s; style=%s; %s", w->term,
                 qd, qt, qtitle, qst, vars) >= (int)sizeof e) {
        fig->drawn = -1;
        w->failures++;
        fprintf(stderr, "deepsweep: plot: %s: path too long; %s not drawn\n", w->outdir,
                fig->png);
        return;
    }
    char *argv[] = {(char *)w->gnuplot, "-e", e, gp, NULL};
    int st = run_prog(argv, 0);
    struct stat sb;
    if (st == 0 && stat(tmp, &sb) == 0 && sb.st_size > 0 && rename(tmp, fin) == 0) {
        fig->drawn = 1;
        if (!w->quiet)
            fprintf(stderr, "deepsweep: plot: wrote %s\n", fin);
        return;
    }
    unlink(tmp);
    fig->drawn = -1;
    w->failures++;
    fprintf(stderr, "deepsweep: plot: gnuplot failed on %s (exit %d); %s not drawn\n", gp, st,
            fig->png);
}

/* Partitions groups (those with ok runs, or all if !need_ok) into lines:
 * groups whose names, leaving out the `exclude` columns, are equal. Returns
 * the number of lines; line_of[g] = -1 for groups left out. */
static int make_lines(const ds_report *r, unsigned exclude, int need_ok, int *line_of,
                      char (*titles)[256], int max)
{
    int n = 0;
    for (int g = 0; g < r->ngroups; g++) {
        line_of[g] = -1;
        if (need_ok && !r->groups[g].ok)
            continue;
        char name[256];
        group_name(r, &r->groups[g], exclude, name, sizeof name);
        int l = 0;
        while (l < n && strcmp(titles[l], name))
            l++;
        if (l == n) {
            if (n == max)
                return -1;
            memcpy(titles[n++], name, sizeof name);
        }
        line_of[g] = l;
    }
    return n;
}

static int cmp_num_str(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    double u = strtod(x, NULL), v = strtod(y, NULL);
    if (u != v)
        return u < v ? -1 : 1;
    return strcmp(x, y);
}

/* Indices of the groups on line l, sorted numerically by key k. */
static int line_members(const ds_report *r, const int *line_of, int l, int k, int *out)
{
    int n = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (line_of[g] == l)
            out[n++] = g;
    for (int i = 1; i < n; i++) /* insertion sort: lines are short */
        for (int j = i; j > 0; j--) {
            const char *a = r->groups[out[j - 1]].key[k], *b = r->groups[out[j]].key[k];
            if (cmp_num_str(&a, &b) <= 0)
                break;
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* Distinct values of key k among groups with ok runs, sorted numerically. */
static int distinct(const ds_report *r, int k, const char **vals)
{
    int n = 0;
    for (int g = 0; g < r->ngroups; g++) {
        if (!r->groups[g].ok)
            continue;
        int i = 0;
        while (i < n && strcmp(vals[i], r->groups[g].key[k]))
            i++;
        if (i == n)
            vals[n++] = r->groups[g].key[k];
    }
    /* numbers in numeric order; names (activation, init) as the config
     * listed them */
    int numeric = 1;
    for (int i = 0; i < n && numeric; i++) {
        char *end;
        strtod(vals[i], &end);
        numeric = *vals[i] && !*end;
    }
    if (numeric)
        qsort(vals, (size_t)n, sizeof *vals, cmp_num_str);
    return n;
}

static int index_of(const char **vals, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(vals[i], s))
            return i;
    return -1;
}

/* Line styles as gnuplot word lists (lcs, dts): one colour per setting of
 * everything but the activation, one dash pattern per activation, so
 * "sigmoid vs relu" reads as dashed vs solid in the same colour. Indices
 * count over all groups, so a group keeps its colour in every figure. rep[i]
 * is a group on line i; exclude are the columns the figure's x axis spans. */
static void line_styles(const ds_report *r, const int *rep, int n, unsigned exclude, char *out,
                        size_t cap)
{
    int G = r->ngroups, split = r->varies[DS_K_ACTIVATION];
    unsigned mask = exclude | (split ? 1u << DS_K_ACTIVATION : 0);
    char(*names)[256] = malloc((size_t)(G > 0 ? G : 1) * sizeof *names);
    int *cidx = malloc((size_t)(G > 0 ? G : 1) * sizeof *cidx);
    int *aidx = malloc((size_t)(G > 0 ? G : 1) * sizeof *aidx);
    out[0] = 0;
    if (!names || !cidx || !aidx)
        goto done;
    /* colour and dash index of every group: distinct values by first appearance */
    for (int g = 0, nc = 0, na = 0; g < G; g++) {
        group_name(r, &r->groups[g], mask, names[g], sizeof names[g]);
        int h = 0;
        while (h < g && strcmp(names[h], names[g]))
            h++;
        cidx[g] = h < g ? cidx[h] : nc++;
        h = 0;
        while (h < g && strcmp(r->groups[h].key[DS_K_ACTIVATION],
                               r->groups[g].key[DS_K_ACTIVATION]))
            h++;
        aidx[g] = !split ? 0 : h < g ? aidx[h] : na++;
    }
    /* Lines that differ only in activation (one figure per init, say): the
     * activation gets the colours, all lines solid. */
    int one_colour = 1;
    for (int i = 1; i < n && one_colour; i++)
        one_colour = cidx[rep[i]] == cidx[rep[0]];
    if (one_colour && split)
        for (int g = 0; g < G; g++) {
            cidx[g] = aidx[g];
            aidx[g] = 0;
        }
    size_t k = (size_t)snprintf(out, cap, "lcs='");
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%d", i ? " " : "", cidx[rep[i]] % 8 + 1);
    if (k < cap)
        k += (size_t)snprintf(out + k, cap - k, "'; dts='");
    /* past 8 colours the dash pattern changes too */
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%d", i ? " " : "",
                              aidx[rep[i]] + cidx[rep[i]] / 8 + 1);
    if (k < cap)
        snprintf(out + k, cap - k, "'");
    else
        out[0] = 0; /* too many lines for the list: gnuplot's defaults */
done:
    free(names);
    free(cidx);
    free(aidx);
}

static void fig_accuracy(writer *w, int *scratch)
{
    const ds_report *r = w->r;
    (void)scratch;
    int any = 0, course = 0;
    for (int g = 0; g < r->ngroups; g++) {
        any |= r->groups[g].ok > 0;
        course |= isfinite(r->groups[g].course);
    }
    if (!any || r->is_xor)
        return; /* XOR has its own figure: success fraction */
    figure *fig = new_fig(w, "accuracy.png");
    if (r->ngroups > 40) {
        fig->drawn = 0;
        snprintf(fig->what, sizeof fig->what,
                 "Test accuracy per group: not drawn, %d groups are too many for one row "
                 "of error bars (at most 40); the heatmaps and the table below show them.",
                 r->ngroups);
        return;
    }
    snprintf(fig->what, sizeof fig->what,
             "Final test accuracy of each group: the dot is the mean over its seeds, the "
             "bar ± one standard deviation%s. The closer together the bars, the less a "
             "difference between groups can be told from seed noise.",
             course ? "; the open diamond beside it is the accuracy the course reports "
                      "for the same lab (one TensorFlow run)"
                    : "");
    char path[4096], vars[64];
    FILE *f = open_data(w, "accuracy.dat", path, sizeof path);
    if (f) {
        fprintf(f, "# index test_acc_mean_pct test_acc_std_pct course_pct ok_runs name\n");
        for (int g = 0; g < r->ngroups; g++) {
            const ds_group *gr = &r->groups[g];
            fprintf(f, "%d", g);
            num(f, 100 * ds_stat_mean(&gr->test_acc));
            num(f, 100 * ds_stat_std(&gr->test_acc));
            num(f, gr->course);
            fprintf(f, " %d \"%s\"\n", gr->ok, gr->name);
        }
    }
    /* Slant the group names when, written level, they would run together. */
    size_t longest = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (strlen(r->groups[g].name) > longest)
            longest = strlen(r->groups[g].name);
    snprintf(vars, sizeof vars, "n=%d; course=%d; rot=%d", r->ngroups, course,
             (size_t)r->ngroups * (longest + 2) > 120);
    draw(w, fig, "accuracy", path, vars, f);
}

static void fig_curves(writer *w, int *scratch)
{
    const ds_report *r = w->r;
    (void)scratch;
    if (!r->have_epochs || r->is_xor)
        return;
    int n = 0;
    for (int g = 0; g < r->ngroups; g++)
        n += r->groups[g].ok && r->groups[g].n_epochs;
    if (!n)
        return;
    figure *fig = new_fig(w, "curves.png");
    if (n > 12) {
        fig->drawn = 0;
        snprintf(fig->what, sizeof fig->what,
                 "Training curves: not drawn, %d groups are too many lines for one "
                 "readable figure (at most 12); the accuracy figure and the table "
                 "below compare them.", n);
        return;
    }
    snprintf(fig->what, sizeof fig->what,
             "Training curves per group: test accuracy (left) and mean training loss "
             "(right, log scale) after each epoch; the line is the mean over seeds and "
             "the shaded band ± one standard deviation. A train loss that keeps falling "
             "while test accuracy stalls is overfitting.");
    char path[4096], vars[400];
    FILE *f = open_data(w, "curves.dat", path, sizeof path);
    if (f) {
        fprintf(f, "# blocks (one per group, title line first): epoch test_acc_mean_pct "
                   "test_acc_std_pct train_loss_mean train_loss_std\n");
        for (int g = 0; g < r->ngroups; g++) {
            const ds_group *gr = &r->groups[g];
            if (!gr->ok || !gr->n_epochs)
                continue;
            fprintf(f, "\"%s\" \"acc\" \"acc_std\" \"loss\" \"loss_std\"\n", gr->name);
            for (int e = 0; e < gr->n_epochs; e++) {
                if (gr->ep_test_acc[e].n < 1)
                    continue;
                fprintf(f, "%d", e);
                num(f, 100 * ds_stat_mean(&gr->ep_test_acc[e]));
                num(f, 100 * ds_stat_std(&gr->ep_test_acc[e]));
                num(f, ds_stat_mean(&gr->ep_train_loss[e]));
                num(f, ds_stat_std(&gr->ep_train_loss[e]));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    int maxep = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (r->groups[g].ok && r->groups[g].n_epochs > maxep)
            maxep = r->groups[g].n_epochs - 1;
    int rep[12], m = 0;
    for (int g = 0; g < r->ngroups && m < 12; g++)
        if (r->groups[g].ok && r->groups[g].n_epochs)
            rep[m++] = g;
    char styles[256];
    line_styles(r, rep, m, 0, styles, sizeof styles);
    snprintf(vars, sizeof vars, "n=%d; maxep=%d; %s", n, maxep, styles);
    draw(w, fig, "curves", path, vars, f);
}

/* One figure per value of `facet` (a key index, or -1 for one figure). */
static void gradnorm_one(writer *w, int facet, const char *value, int *sel)
{
    const ds_report *r = w->r;
    int n = 0;
    for (int g = 0; g < r->ngroups; g++) {
        const ds_group *gr = &r->groups[g];
        sel[g] = gr->ok && gr->n_layers >= 2 && (facet < 0 || !strcmp(gr->key[facet], value));
        n += sel[g];
    }
    if (!n)
        return;
    char png[96], dat[96], sub[160], vars[2600], qsub[340];
    snprintf(png, sizeof png, facet < 0 ? "gradnorm.png" : "gradnorm-%s.png", value);
    snprintf(dat, sizeof dat, facet < 0 ? "gradnorm.dat" : "gradnorm-%s.dat", value);
    sub[0] = 0;
    if (facet >= 0)
        snprintf(sub, sizeof sub, "init %s", value);
    for (char *p = png; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    for (char *p = dat; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    figure *fig = new_fig(w, png);
    if (!fig)
        return;
    int first = 1; /* facets after the first say only what differs */
    for (int i = 0; i + 1 < w->nfigs; i++)
        first &= strncmp(w->figs[i].png, "gradnorm", 8) != 0;
    if (!first)
        snprintf(fig->what, sizeof fig->what, "As above, with %s.", sub);
    else
        snprintf(fig->what, sizeof fig->what,
                 "The vanishing gradient, measured%s%s: L2 norm of each layer's weight "
                 "gradient (averaged over the epoch's steps, then over seeds) against the "
                 "layer's position, layer 0 next to the input, on a log scale%s. A line "
                 "that falls steeply towards layer 0 means the layers near the input "
                 "barely learn.",
                 facet < 0 ? "" : " with ", sub,
                 r->layers_single ? ", at the one epoch the runs logged"
                                  : "; left at the first logged epoch, right at the last");
    char path[4096];
    FILE *f = open_data(w, dat, path, sizeof path);
    if (f) {
        fprintf(f, "# blocks (one per group, title line first): layer grad_first_mean "
                   "grad_first_std grad_last_mean grad_last_std\n");
        for (int g = 0; g < r->ngroups; g++) {
            const ds_group *gr = &r->groups[g];
            if (!sel[g])
                continue;
            char name[256];
            group_name(r, gr, facet < 0 ? 0 : 1u << facet, name, sizeof name);
            fprintf(f, "\"%s\" \"first\" \"first_std\" \"last\" \"last_std\"\n", name);
            for (int l = 0; l < gr->n_layers; l++) {
                if (gr->grad_first[l].n < 1 && gr->grad_last[l].n < 1)
                    continue;
                fprintf(f, "%d", l);
                num(f, ds_stat_mean(&gr->grad_first[l]));
                num(f, ds_stat_std(&gr->grad_first[l]));
                num(f, ds_stat_mean(&gr->grad_last[l]));
                num(f, ds_stat_std(&gr->grad_last[l]));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    gp_quote(qsub, sizeof qsub, sub);
    int *rep = malloc((size_t)n * sizeof *rep), m = 0;
    for (int g = 0; g < r->ngroups && rep; g++)
        if (sel[g])
            rep[m++] = g;
    char styles[2048] = "";
    line_styles(r, rep, rep ? n : 0, facet < 0 ? 0 : 1u << facet, styles, sizeof styles);
    free(rep);
    snprintf(vars, sizeof vars, "n=%d; sub=%s; single=%d; %s", n, qsub, r->layers_single,
             styles);
    draw(w, fig, "gradnorm", path, vars, f);
}

static void fig_gradnorm(writer *w, int *sel)
{
    const ds_report *r = w->r;
    if (!r->have_layers)
        return;
    int n = 0;
    for (int g = 0; g < r->ngroups; g++)
        n += r->groups[g].ok && r->groups[g].n_layers >= 2;
    /* Many lines (XOR: activation x init x depth) are split by init so each
     * figure shows activation x depth, the vanishing-gradient comparison. */
    if (n > 12 && r->varies[DS_K_INIT]) {
        const char *vals[r->ngroups > 0 ? r->ngroups : 1];
        int nv = distinct(r, DS_K_INIT, vals);
        for (int i = 0; i < nv; i++)
            gradnorm_one(w, DS_K_INIT, vals[i], sel);
    } else {
        gradnorm_one(w, -1, NULL, sel);
    }
}

static void fig_xor(writer *w, int *line_of)
{
    const ds_report *r = w->r;
    if (!r->is_xor)
        return;
    char(*titles)[256] = malloc((size_t)r->ngroups * sizeof *titles);
    int *mem = malloc((size_t)r->ngroups * sizeof *mem);
    figure *fig = new_fig(w, "xor.png");
    snprintf(fig->what, sizeof fig->what,
             "XOR (the course's labs 18 and 19): fraction of seeds whose trained network "
             "classifies all four points correctly, against the number of hidden layers, "
             "one line per activation and init (diverged and failed runs count as "
             "unsolved). The course's claim to check: deep sigmoid nets stop learning "
             "(lab 18) while ReLU nets learn (lab 19) - solid lines falling with depth, "
             "dashed ones staying high - and ReLU needs a sane init to do it.");
    char path[4096], vars[2100];
    FILE *f = NULL;
    int nl = titles && mem ? make_lines(r, 1u << DS_K_DEPTH, 0, line_of, titles, r->ngroups)
                           : -1;
    if (nl >= 0)
        f = open_data(w, "xor.dat", path, sizeof path);
    if (f) {
        fprintf(f, "# blocks (one per line, title line first): depth solved_fraction "
                   "solved runs\n");
        for (int l = 0; l < nl; l++) {
            fprintf(f, "\"%s\" \"frac\" \"solved\" \"runs\"\n", titles[l]);
            int m = line_members(r, line_of, l, DS_K_DEPTH, mem);
            for (int i = 0; i < m; i++) {
                const ds_group *gr = &r->groups[mem[i]];
                fprintf(f, "%s", gr->key[DS_K_DEPTH]);
                num(f, gr->runs ? (double)gr->solved / gr->runs : NAN);
                fprintf(f, " %d %d\n", gr->solved, gr->runs);
            }
            fprintf(f, "\n\n");
        }
    }
    char styles[2048] = "";
    if (nl > 0 && mem) {
        for (int l = 0; l < nl; l++) /* one representative group per line */
            for (int g = 0; g < r->ngroups; g++)
                if (line_of[g] == l) {
                    mem[l] = g;
                    break;
                }
        line_styles(r, mem, nl, 1u << DS_K_DEPTH, styles, sizeof styles);
    }
    snprintf(vars, sizeof vars, "n=%d; %s", nl, styles);
    draw(w, fig, "xor", path, vars, f);
    free(titles);
    free(mem);
}

static void fig_dropout(writer *w, int *line_of)
{
    const ds_report *r = w->r;
    const char *vals[r->ngroups > 0 ? r->ngroups : 1];
    if (r->is_xor || distinct(r, DS_K_DROPOUT, vals) < 2)
        return;
    char(*titles)[256] = malloc((size_t)r->ngroups * sizeof *titles);
    int *mem = malloc((size_t)r->ngroups * sizeof *mem);
    figure *fig = new_fig(w, "dropout.png");
    snprintf(fig->what, sizeof fig->what,
             "Dropout: test accuracy (left) and the train/test gap, train accuracy minus "
             "test accuracy in percentage points (right), against the drop probability; "
             "mean ± one standard deviation over seeds. A gap that shrinks as dropout "
             "grows is dropout reducing overfitting.");
    char path[4096], vars[64];
    FILE *f = NULL;
    int nl = titles && mem ? make_lines(r, 1u << DS_K_DROPOUT, 1, line_of, titles, r->ngroups)
                           : -1;
    if (nl >= 0)
        f = open_data(w, "dropout.dat", path, sizeof path);
    int drawn = 0;
    if (f) {
        fprintf(f, "# blocks (one per line, title line first): dropout test_acc_mean_pct "
                   "test_acc_std_pct gap_mean_pct gap_std_pct\n");
        for (int l = 0; l < nl; l++) {
            int m = line_members(r, line_of, l, DS_K_DROPOUT, mem);
            if (m < 2)
                continue; /* a single dropout value says nothing about dropout */
            drawn++;
            fprintf(f, "\"%s\" \"acc\" \"acc_std\" \"gap\" \"gap_std\"\n", titles[l]);
            for (int i = 0; i < m; i++) {
                const ds_group *gr = &r->groups[mem[i]];
                fprintf(f, "%s", gr->key[DS_K_DROPOUT]);
                num(f, 100 * ds_stat_mean(&gr->test_acc));
                num(f, 100 * ds_stat_std(&gr->test_acc));
                num(f, 100 * ds_stat_mean(&gr->gap));
                num(f, 100 * ds_stat_std(&gr->gap));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    if (f && !drawn) { /* no setting was run at two dropout values */
        fclose(f);
        unlink(path);
        w->nfigs--;
    } else {
        snprintf(vars, sizeof vars, "n=%d", drawn);
        draw(w, fig, "dropout", path, vars, f);
    }
    free(titles);
    free(mem);
}

/* A panel is worth drawing when its cells form a grid: at least 2 values
 * on each axis, 3 cells, and half of its grid filled (the course's labs, one
 * network per setting, are not a grid). */
static int panel_is_grid(const ds_report *r, const int *line_of, int l, int kx, int ky)
{
    int cells = 0, ny = 0, nx = 0;
    const char *y[64], *x[64];
    for (int g = 0; g < r->ngroups; g++) {
        if (line_of[g] != l)
            continue;
        cells++;
        if (index_of(y, ny, r->groups[g].key[ky]) < 0 && ny < 64)
            y[ny++] = r->groups[g].key[ky];
        if (index_of(x, nx, r->groups[g].key[kx]) < 0 && nx < 64)
            x[nx++] = r->groups[g].key[kx];
    }
    return ny >= 2 && nx >= 2 && cells >= 3 && 2 * cells >= ny * nx;
}

/* Mean test accuracy over a kx x ky grid, one panel per setting of the other
 * varying columns (at most 4). */
static void fig_heatmap(writer *w, int *line_of, int kx, int ky, const char *png,
                        const char *xl, const char *yl, const char *what)
{
    const ds_report *r = w->r;
    int G = r->ngroups > 0 ? r->ngroups : 1;
    const char *ys[G], *xs[G];
    int ny = distinct(r, ky, ys), nx = distinct(r, kx, xs);
    if (r->is_xor || ny < 2 || nx < 2)
        return;
    char(*titles)[256] = malloc((size_t)G * sizeof *titles);
    int nl = titles ? make_lines(r, 1u << kx | 1u << ky, 1, line_of, titles, G) : -1;
    int keep[4], nf = 0, grids = 0;
    for (int l = 0; l < nl; l++)
        if (panel_is_grid(r, line_of, l, kx, ky) && grids++ < 4)
            keep[nf++] = l;
    if (!grids) {
        free(titles);
        return;
    }
    figure *fig = new_fig(w, png);
    if (!fig) {
        free(titles);
        return;
    }
    if (grids > 4) {
        fig->drawn = 0;
        snprintf(fig->what, sizeof fig->what,
                 "%s heatmap: not drawn, %d panels (one per combination of the other "
                 "swept columns) are too many for one figure (at most 4); the table "
                 "below has every cell.", what, grids);
        free(titles);
        return;
    }
    snprintf(fig->what, sizeof fig->what,
             "Mean test accuracy (%%, over seeds) for each %s cell%s; empty cells were "
             "not run. Read along a row or a column to see one factor's effect with the "
             "other held fixed.",
             what, nf > 1 ? ", one panel per setting of the other swept columns" : "");
    char path[4096], vars[4096], dat[96];
    snprintf(dat, sizeof dat, "%.*s.dat", (int)(strlen(png) - 4), png);
    FILE *f = open_data(w, dat, path, sizeof path);
    if (f) {
        fprintf(f, "# blocks (one per panel): %s_index %s_index test_acc_mean_pct\n",
                key_cols[kx], key_cols[ky]);
        for (int p = 0; p < nf; p++) {
            for (int g = 0; g < r->ngroups; g++) {
                if (line_of[g] != keep[p])
                    continue;
                const ds_group *gr = &r->groups[g];
                fprintf(f, "%d %d", index_of(xs, nx, gr->key[kx]), index_of(ys, ny, gr->key[ky]));
                num(f, 100 * ds_stat_mean(&gr->test_acc));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    /* tic labels and panel titles travel as gnuplot word lists */
    char qx[200], qy[200];
    gp_quote(qx, sizeof qx, xl);
    gp_quote(qy, sizeof qy, yl);
    size_t k = (size_t)snprintf(vars, sizeof vars, "n=%d; xl=%s; yl=%s; xt='", nf, qx, qy);
    for (int i = 0; i < nx && k < sizeof vars; i++)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "%s%s", i ? " " : "", xs[i]);
    if (k < sizeof vars)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "'; yt='");
    for (int i = 0; i < ny && k < sizeof vars; i++)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "%s%s", i ? " " : "", ys[i]);
    if (k < sizeof vars)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "'; pt='");
    for (int p = 0; p < nf && k < sizeof vars; p++) {
        char q[600];
        /* one panel of everything: the figure's title says it all */
        gp_quote(q, sizeof q, nf == 1 && !strcmp(titles[keep[p]], "all runs") ? "" : titles[keep[p]]);
        q[strlen(q) - 1] = 0; /* inner text only: the list itself is quoted */
        k += (size_t)snprintf(vars + k, sizeof vars - k, "%s\"%s\"", p ? " " : "", q + 1);
    }
    if (k < sizeof vars)
        snprintf(vars + k, sizeof vars - k, "'");
    draw(w, fig, "heatmap", path, vars, f);
    free(titles);
}

/* ---- REPORT.md ------------------------------------------------------ */

static void md_cell(FILE *f, const char *s)
{
    fputs("| ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
    fputc(' ', f);
}

static void md_pm(FILE *f, const ds_stat *s, double scale, const char *fmt)
{
    char a[64], b[64];
    if (s->n < 1) {
        fputs("| — ", f);
        return;
    }
    snprintf(a, sizeof a, fmt, scale * ds_stat_mean(s));
    snprintf(b, sizeof b, fmt, scale * ds_stat_std(s));
    fprintf(f, "| %s ± %s ", a, b);
}

static int write_md(writer *w, char *err, size_t errlen)
{
    const ds_report *r = w->r;
    char tmp[4096], fin[4096];
    snprintf(tmp, sizeof tmp, "%s/.REPORT.md.tmp", w->outdir);
    snprintf(fin, sizeof fin, "%s/REPORT.md", w->outdir);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        errf(err, errlen, "deepsweep: %s: %s", tmp, strerror(errno));
        return 1;
    }
    int ok = 0, dv = 0, fl = 0, runs = 0;
    for (int g = 0; g < r->ngroups; g++) {
        ok += r->groups[g].ok;
        dv += r->groups[g].diverged;
        fl += r->groups[g].failed;
        runs += r->groups[g].runs;
    }
    const char *base = strrchr(r->dir, '/');
    base = base && base[1] ? base + 1 : r->dir;
    fprintf(f, "# deepsweep report: %s\n\n", base);
    fprintf(f, "From `%s`: %d run%s (%d ok, %d diverged, %d failed) in %d group%s. A group "
               "is every run with the same configuration but the seed; means are over its "
               "ok runs, ± is the sample standard deviation over seeds (n − 1).\n\n",
            r->dir, runs, runs == 1 ? "" : "s", ok, dv, fl, r->ngroups,
            r->ngroups == 1 ? "" : "s");
    /* What every group shares, so a reader knows e.g. a quick mode's
     * epochs and subset before comparing with the course. */
    int shared = 0;
    for (int k = 0; k < DS_K_COUNT && r->ngroups; k++) {
        const char *v = r->groups[0].key[k];
        int same = *v != 0;
        for (int g = 1; g < r->ngroups && same; g++)
            same = !strcmp(r->groups[g].key[k], v);
        if (!same)
            continue;
        fprintf(f, "%s%s `%s`", shared++ ? ", " : "Shared by every group: ", key_cols[k], v);
    }
    if (shared)
        fprintf(f, ".\n\n");
    int most = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (r->groups[g].ok > most)
            most = r->groups[g].ok;
    if (most == 1)
        fprintf(f, "**Every group has a single run**, so ± is 0 and no difference below "
                   "can be told from seed noise: run more seeds (`seeds=3`) before "
                   "drawing conclusions.\n\n");
    fprintf(f, "## Figures\n\n");
    if (!w->have_gnuplot)
        fprintf(f, "**gnuplot was not found%s, so no figure was drawn** (install it with "
                   "`make deps-plots`, then rerun `deepsweep plot`). The data files are in "
                   "`plot-data/` and the tables below are complete.\n\n",
                w->gnuplot ? "" : " (disabled)");
    int listed = 0;
    for (int i = 0; i < w->nfigs; i++) {
        const figure *fg = &w->figs[i];
        if (fg->drawn == 1)
            fprintf(f, "![%s](%s)\n\n**%s** — %s\n\n", fg->png, fg->png, fg->png, fg->what);
        else if (fg->drawn == 0)
            fprintf(f, "- %s\n\n", fg->what);
        else
            fprintf(f, "- **%s** (not drawn) — %s\n\n", fg->png, fg->what);
        listed++;
    }
    if (!listed)
        fprintf(f, "No figure applies: no group has an ok run.\n\n");

    fprintf(f, "## Groups\n\n");
    int course = 0;
    for (int g = 0; g < r->ngroups; g++)
        course |= isfinite(r->groups[g].course);
    /* One column per configuration column that differs between groups. */
    int cols = 0;
    for (int k = 0; k < DS_K_COUNT; k++)
        if (r->varies[k]) {
            fprintf(f, "| %s ", key_cols[k]);
            cols++;
        }
    if (!cols)
        fputs("| group ", f);
    fprintf(f, "| runs | ok | test acc (%%) | train acc (%%) | train loss | "
               "best test acc (%%) |%s%s s per run | samples/s |\n",
            course ? " course (%) |" : "", r->is_xor ? " solved |" : "");
    for (int k = 0; k < (cols ? cols : 1); k++)
        fputs("|---", f);
    fprintf(f, "|---:|---:|---:|---:|---:|---:|%s%s---:|---:|\n", course ? "---:|" : "",
            r->is_xor ? "---:|" : "");
    for (int g = 0; g < r->ngroups; g++) {
        const ds_group *gr = &r->groups[g];
        for (int k = 0; k < DS_K_COUNT; k++)
            if (r->varies[k])
                md_cell(f, gr->key[k]);
        if (!cols)
            md_cell(f, gr->name);
        fprintf(f, "| %d | %d ", gr->runs, gr->ok);
        md_pm(f, &gr->test_acc, 100, "%.2f");
        md_pm(f, &gr->train_acc, 100, "%.2f");
        md_pm(f, &gr->train_loss, 1, "%.4f");
        md_pm(f, &gr->best_test_acc, 100, "%.2f");
        if (course) {
            if (isfinite(gr->course))
                fprintf(f, "| %.2f ", gr->course);
            else
                fputs("| — ", f);
        }
        if (r->is_xor)
            fprintf(f, "| %d/%d = %.2f ", gr->solved, gr->runs,
                    gr->runs ? (double)gr->solved / gr->runs : 0.0);
        md_pm(f, &gr->seconds, 1, "%.3g");
        md_pm(f, &gr->samples_per_s, 1, "%.0f");
        fputs("|\n", f);
    }
    fprintf(f, "\nColumns: test/train accuracy and train loss are the last epoch's; best "
               "test acc is each run's best epoch%s%s. The full configuration of every run "
               "is in `%s/runs.csv`%s.\n",
            course ? "; course is the test accuracy the course's lab reports" : "",
            r->is_xor ? "; solved counts runs (of all, diverged included) that classify "
                        "all four XOR points"
                      : "",
            r->dir, w->have_gnuplot ? "; the figures' numbers are in `plot-data/`" : "");
    if (fflush(f) || ferror(f) || fsync(fileno(f))) {
        errf(err, errlen, "deepsweep: %s: write failed: %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        return 1;
    }
    if (fclose(f) || rename(tmp, fin)) {
        errf(err, errlen, "deepsweep: %s: %s", fin, strerror(errno));
        unlink(tmp);
        return 1;
    }
    if (!w->quiet)
        fprintf(stderr, "deepsweep: plot: wrote %s\n", fin);
    return 0;
}

int ds_report_write(const ds_report *r, const char *outdir, const char *plots_dir,
                    const char *gnuplot, int quiet, char *err, size_t errlen)
{
    char pd[4096];
    if (errlen)
        err[0] = 0;
    if (mkdir(outdir, 0777) && errno != EEXIST) {
        errf(err, errlen, "deepsweep: %s: cannot create the folder: %s", outdir, strerror(errno));
        return 1;
    }
    snprintf(pd, sizeof pd, "%s/plot-data", outdir);
    if (mkdir(pd, 0777) && errno != EEXIST) {
        errf(err, errlen, "deepsweep: %s: cannot create the folder: %s", pd, strerror(errno));
        return 1;
    }
    writer *w = calloc(1, sizeof *w);
    int *scratch = malloc((size_t)(r->ngroups > 0 ? r->ngroups : 1) * sizeof *scratch);
    if (!w || !scratch) {
        free(w);
        free(scratch);
        errf(err, errlen, "deepsweep: out of memory");
        return 1;
    }
    w->r = r;
    w->outdir = outdir;
    w->plots_dir = plots_dir;
    w->gnuplot = gnuplot;
    w->quiet = quiet;
    probe_gnuplot(w);
    if (gnuplot && !w->have_gnuplot)
        fprintf(stderr, "deepsweep: plot: '%s' not found or has no PNG terminal; writing "
                        "the tables only (install it: make deps-plots)\n", gnuplot);
    fig_accuracy(w, scratch);
    fig_xor(w, scratch);
    fig_curves(w, scratch);
    fig_gradnorm(w, scratch);
    fig_dropout(w, scratch);
    fig_heatmap(w, scratch, DS_K_WIDTH, DS_K_DEPTH, "heatmap.png",
                "width (units per hidden layer)", "depth (hidden layers)",
                "depth (hidden layers) × width (units per hidden layer)");
    fig_heatmap(w, scratch, DS_K_ACTIVATION, DS_K_INIT, "heatmap-init-activation.png",
                "activation", "weight init", "weight init × activation");
    /* A figure from an earlier plot of this folder that no longer applies
     * would sit beside REPORT.md unexplained: remove it. */
    static const char *const known[] = {"accuracy.png", "curves.png", "gradnorm.png",
                                        "xor.png", "dropout.png", "heatmap.png",
                                        "heatmap-init-activation.png"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int drawn = 0;
        for (int j = 0; j < w->nfigs; j++)
            drawn |= w->figs[j].drawn == 1 && !strcmp(w->figs[j].png, known[i]);
        char p[4096];
        if (!drawn && w->have_gnuplot && snprintf(p, sizeof p, "%s/%s", outdir, known[i]) <
                                             (int)sizeof p)
            unlink(p);
    }
    int rc = write_md(w, err, errlen);
    if (!rc && (w->failures || !w->have_gnuplot))
        rc = 1;
    free(scratch);
    free(w);
    return rc;
}
