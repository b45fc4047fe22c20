/* ds_compare_* (see compare.h). */
#include "compare.h"
#include "err.h"
#include "figure.h"
#include "report_data.h"
#include "names.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The metrics: a ds_group's moments, and whether they print as percent. */
static const struct {
    const char *name;
    size_t off;
    int percent;
} metrics[] = {
    {"test_acc", offsetof(ds_group, test_acc), 1},
    {"train_acc", offsetof(ds_group, train_acc), 1},
    {"test_acc_at_best", offsetof(ds_group, test_acc_at_best), 1},
    {"train_loss", offsetof(ds_group, train_loss), 0},
    {"seconds", offsetof(ds_group, seconds), 0},
};
#define N_METRICS (int)(sizeof metrics / sizeof metrics[0])

int ds_compare_metric_find(const char *name)
{
    for (int i = 0; i < N_METRICS; i++)
        if (!strcmp(metrics[i].name, name))
            return i;
    return -1;
}

void ds_compare_metric_names(char *out, size_t n)
{
    out[0] = 0; /* ds_names_join fills an empty buffer only */
    ds_names_join(out, n, metrics, sizeof metrics[0], N_METRICS);
}

void ds_compare_config_columns(char *out, size_t n)
{
    out[0] = 0;
    ds_names_join(out, n, ds_group_key_cols, sizeof ds_group_key_cols[0], DS_K_COUNT);
}

static const ds_moments *metric_of(const ds_comparison *c, const ds_group *g)
{
    return (const ds_moments *)((const char *)g + metrics[c->metric].off);
}

/* The one value column k holds in every group of r, or NULL. */
static const char *single_value(const ds_report *r, int k)
{
    int n = ds_report_ngroups(r);
    const char *v = n ? ds_report_group(r, 0)->key[k] : NULL;
    for (int g = 1; v && g < n; g++)
        if (strcmp(ds_report_group(r, g)->key[k], v))
            v = NULL;
    return v;
}

static void append(char *out, size_t n, const char *sep, const char *s)
{
    size_t l = strlen(out);
    if (l + strlen(sep) + strlen(s) + 4 >= n) {
        if (l + 4 < n && strcmp(out + (l >= 3 ? l - 3 : 0), "..."))
            strcat(out, "...");
        return;
    }
    if (l)
        strcat(out, sep);
    strcat(out, s);
}

int ds_compare_load(const char *dir_a, const char *dir_b, int metric, ds_comparison *c,
                    char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->dir_a = dir_a;
    c->dir_b = dir_b;
    c->metric = metric;
    int rc = ds_report_load(dir_a, &c->a, err, errlen);
    if (!rc)
        rc = ds_report_load(dir_b, &c->b, err, errlen);
    if (rc)
        return rc;
    /* what the sweeps differ in: one value in all of A, another in all of B */
    unsigned differ = 0;
    for (int k = 0; k < DS_K_COUNT; k++) {
        const char *va = single_value(c->a, k), *vb = single_value(c->b, k);
        if (va && vb && strcmp(va, vb)) {
            differ |= 1u << k;
            char t[300];
            snprintf(t, sizeof t, "%s: %.100s (A) vs %.100s (B)", ds_group_key_cols[k], va, vb);
            append(c->differ, sizeof c->differ, "; ", t);
        }
    }
    int na = ds_report_ngroups(c->a), nb = ds_report_ngroups(c->b);
    c->pairs = calloc((size_t)na + 1, sizeof *c->pairs);
    char *used = calloc((size_t)nb + 1, 1);
    if (!c->pairs || !used) {
        free(used);
        return ds_errf(err, errlen, 1, "out of memory");
    }
    for (int i = 0; i < na; i++) {
        const ds_group *ga = ds_report_group(c->a, i);
        int match = -1;
        for (int j = 0; j < nb && match < 0; j++) {
            const ds_group *gb = ds_report_group(c->b, j);
            int same = !used[j];
            for (int k = 0; k < DS_K_COUNT && same; k++)
                same = (differ >> k & 1u) || !strcmp(ga->key[k], gb->key[k]);
            if (same)
                match = j;
        }
        if (match < 0) {
            c->only_a++;
            append(c->only_a_names, sizeof c->only_a_names, ", ", ga->name);
            continue;
        }
        used[match] = 1;
        ds_cmp_pair *p = &c->pairs[c->n_pairs++];
        p->a = ga;
        p->b = ds_report_group(c->b, match);
        p->w = ds_welch_test(metric_of(c, p->b), metric_of(c, p->a));
    }
    for (int j = 0; j < nb; j++)
        if (!used[j]) {
            c->only_b++;
            append(c->only_b_names, sizeof c->only_b_names, ", ", ds_report_group(c->b, j)->name);
        }
    free(used);
    return 0;
}

void ds_compare_free(ds_comparison *c)
{
    if (c->a)
        ds_report_free(c->a);
    if (c->b)
        ds_report_free(c->b);
    free(c->pairs);
    memset(c, 0, sizeof *c);
}

/* "mean ± ci" scaled, "mean" for one run, "-" for none. */
static void mean_ci(char *out, size_t n, const ds_moments *m, double scale)
{
    double mean = ds_moments_mean(m), ci = ds_moments_ci95(m);
    if (isnan(mean))
        snprintf(out, n, "-");
    else if (isnan(ci))
        snprintf(out, n, "%8.2f", scale * mean);
    else
        snprintf(out, n, "%8.2f ± %5.2f", scale * mean, scale * ci);
}

/* Why a pair has no test ("too few seeds": fewer than 2 a side; "no
 * spread": no variance in either), or NULL when it has one. */
static const char *no_test(const ds_comparison *c, const ds_cmp_pair *p)
{
    if (metric_of(c, p->a)->n < 2 || metric_of(c, p->b)->n < 2)
        return "too few seeds";
    return isnan(p->w.p) ? "no spread" : NULL;
}

static void groups_line(FILE *f, const char *which, int n, const char *names)
{
    fprintf(f, "; only in %s: %d group%s", which, n, n == 1 ? "" : "s");
    if (n)
        fprintf(f, " (%s)", names);
}

void ds_compare_print(const ds_comparison *c, FILE *f)
{
    const char *m = metrics[c->metric].name;
    double scale = metrics[c->metric].percent ? 100 : 1;
    const char *unit = metrics[c->metric].percent ? " %" : "";
    fprintf(f, "A = %s (%d groups), B = %s (%d groups)\n", c->dir_a, ds_report_ngroups(c->a),
            c->dir_b, ds_report_ngroups(c->b));
    fprintf(f, "A and B differ in: %s\n", c->differ[0] ? c->differ : "nothing (the same configurations)");
    fprintf(f, "groups matched on every other configuration column: %d", c->n_pairs);
    groups_line(f, "A", c->only_a, c->only_a_names);
    groups_line(f, "B", c->only_b, c->only_b_names);
    fprintf(f, "\n%s%s: mean ± 95%% CI (Student t) over the seeds whose run ended ok; B − A with its\n"
               "95%% CI and p from Welch's t-test (two-sided, unequal variances); \"within seed noise\"\n"
               "when p >= 0.05. Both need 2 seeds a side.\n\n",
            m, unit);
    int gw = 5;
    for (int i = 0; i < c->n_pairs; i++)
        if ((int)strlen(c->pairs[i].a->name) > gw)
            gw = (int)strlen(c->pairs[i].a->name);
    fprintf(f, "%-*s  %3s  %-16s  %3s  %-16s  %-26s  %-8s  %s\n", gw, "group", "n A", "A", "n B", "B",
            "B − A (95% CI)", "p", "");
    for (int i = 0; i < c->n_pairs; i++) {
        const ds_cmp_pair *p = &c->pairs[i];
        const ds_moments *ma = metric_of(c, p->a), *mb = metric_of(c, p->b);
        char a[48], b[48], d[64] = "-", pv[32] = "-";
        const char *verdict;
        mean_ci(a, sizeof a, ma, scale);
        mean_ci(b, sizeof b, mb, scale);
        if (!isnan(p->w.lo))
            snprintf(d, sizeof d, "%+7.2f [%+7.2f, %+7.2f]", scale * p->w.diff, scale * p->w.lo,
                     scale * p->w.hi);
        else if (!isnan(p->w.diff))
            snprintf(d, sizeof d, "%+7.2f", scale * p->w.diff);
        if (!isnan(p->w.p))
            snprintf(pv, sizeof pv, p->w.p < 0.0001 ? "%.1e" : "%.4f", p->w.p);
        const char *why = no_test(c, p);
        if (why)
            verdict = !strcmp(why, "too few seeds") ? "too few seeds for a test"
                                                    : "no spread in either: no test";
        else
            verdict = p->w.p < 0.05 ? "differs (p < 0.05)" : "within seed noise";
        fprintf(f, "%-*s  %3ld  %-16s  %3ld  %-16s  %-26s  %-8s  %s\n", gw, p->a->name, ma->n, a,
                mb->n, b, d, pv, verdict);
    }
}

void ds_compare_default_out(const ds_comparison *c, char *out, size_t n)
{
    snprintf(out, n, "results/compare-%s-vs-%s", ds_report_basename(c->a),
             ds_report_basename(c->b));
}

int ds_compare_figure(const ds_comparison *c, const char *outdir, const char *plots_dir,
                      const char *gnuplot, int quiet, char *err, size_t errlen)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/plot-data", outdir);
    if (mkdir(path, 0777) && errno != EEXIST)
        return ds_errf(err, errlen, 1, "%s: cannot create the folder: %s", path, strerror(errno));
    ds_report_writer w = {.r = c->a, .outdir = outdir, .plots_dir = plots_dir,
                          .gnuplot = gnuplot, .quiet = quiet};
    ds_gnuplot_probe(&w);
    ds_figure *fig = ds_fig_new(&w, "compare.png");
    FILE *dat = ds_fig_data_open(&w, "compare.dat", path, sizeof path);
    if (!dat)
        return ds_errf(err, errlen, 1, "%s: cannot write", path);
    double scale = metrics[c->metric].percent ? 100 : 1;
    fprintf(dat, "# B = %s minus A = %s: index diff lo hi p label_y \"label\" \"group\"\n",
            c->dir_b, c->dir_a);
    for (int i = 0; i < c->n_pairs; i++) {
        const ds_cmp_pair *p = &c->pairs[i];
        fprintf(dat, "%d", i);
        ds_dat_num(dat, scale * p->w.diff);
        ds_dat_num(dat, scale * p->w.lo);
        ds_dat_num(dat, scale * p->w.hi);
        ds_dat_num(dat, p->w.p);
        /* every pair's label, at the top of what is drawn of it (gnuplot
         * skips a row with NaN in a column it uses: the label never is) */
        double y = !isnan(p->w.hi) ? p->w.hi : !isnan(p->w.diff) ? p->w.diff : 0;
        ds_dat_num(dat, scale * y);
        const char *why = no_test(c, p);
        if (why)
            fprintf(dat, " \"no test: %s\"", isnan(p->w.diff) ? "no ok run" : why);
        else
            fprintf(dat, " \"p = %.2g\"", p->w.p);
        char q[600];
        snprintf(q, sizeof q, "%s", p->a->name);
        for (char *s = q; *s; s++)
            if (*s == '"')
                *s = '\'';
        fprintf(dat, " \"%s\"\n", q);
    }
    char vars[2600], qa[1100], qb[1100], qm[64];
    ds_gp_quote(qa, sizeof qa, c->dir_a);
    ds_gp_quote(qb, sizeof qb, c->dir_b);
    ds_gp_quote(qm, sizeof qm, metrics[c->metric].name);
    snprintf(vars, sizeof vars, "n=%d; a=%s; b=%s; metric=%s; pct=%d", c->n_pairs, qa, qb, qm,
             metrics[c->metric].percent);
    ds_fig_draw(&w, fig, "compare", path, vars, dat);
    if (fig->drawn != 1)
        return ds_errf(err, errlen, 1, "%s/compare.png not drawn (%s)", outdir,
                       w.have_gnuplot ? "gnuplot failed" : "gnuplot not found");
    return 0;
}
