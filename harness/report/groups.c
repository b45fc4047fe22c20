/* Groups of runs (see report.h): their statistics over seeds, what tells
 * them apart, and the names the figures and REPORT.md call them by. */
#include "report_data.h"
#include "err.h"
#include "suggest.h"
#include "where.h"

#include <stdlib.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const ds_group_key_cols[DS_K_COUNT] = {
    "label", "dataset", "depth", "width", "activation", "init",
    "dropout", "optimizer", "lr", "batch", "epochs",
    "hidden", "loss", "bias_init", "weight_decay", "train_subset",
};

double ds_report_std(const ds_moments *s)
{
    return s->n == 1 ? 0 : ds_moments_std(s);
}

void ds_groups_aggregate(ds_report *r)
{
    for (int i = 0; i < r->nruns; i++) {
        ds_run_rec *run = &r->runs[i];
        ds_group *g = &r->groups[run->group];
        g->runs++;
        if (run->status == DS_RUN_DIVERGED)
            g->diverged++;
        if (run->status == DS_RUN_FAILED)
            g->failed++;
        if (run->status != DS_RUN_OK)
            continue;
        g->ok++;
        ds_moments_add(&g->test_acc, run->test);
        ds_moments_add(&g->train_acc, run->train);
        ds_moments_add(&g->train_loss, run->loss);
        if (!isnan(run->best))
            ds_moments_add(&g->test_acc_at_best, run->best);
        ds_moments_add(&g->seconds, run->secs);
        ds_moments_add(&g->samples_per_s, run->sps);
        ds_moments_add(&g->gap, run->train - run->test);
        /* XOR's test set is its four points: solved means all of them. */
        if (run->test >= 1.0 - 1e-9)
            g->solved++;
    }
}

/* Which keys tell groups apart: a required column when any two groups
 * differ in it; an extra column (hidden, loss, ...) only where the required
 * ones leave two groups looking the same. */
static void find_varying_keys(ds_report *r)
{
    for (int k = 0; k < DS_K_REQUIRED; k++)
        for (int g = 1; g < r->ngroups && !r->varies[k]; g++)
            r->varies[k] = strcmp(r->groups[g].key[k], r->groups[0].key[k]) != 0;
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
}

int ds_groups_one_factor(const ds_report *r, int g, int h)
{
    const ds_group *a = &r->groups[g], *b = &r->groups[h];
    int found = -1, n = 0;
    for (int k = DS_K_LABEL + 1; k < DS_K_REQUIRED; k++)
        if (strcmp(a->key[k], b->key[k]))
            found = k, n++;
    if (n == 0) /* e.g. hidden 512-256 vs 512-128 at equal depth and width */
        for (int k = DS_K_REQUIRED; k < DS_K_COUNT; k++)
            if (strcmp(a->key[k], b->key[k]))
                found = k, n++;
    return n == 1 ? found : -1;
}

void ds_groups_order(ds_report *r, const char *text)
{
    int n = 0, used[DS_K_COUNT] = {0};
    r->order[n++] = DS_K_LABEL;
    used[DS_K_LABEL] = 1;
    while (text && *text) {
        size_t len = strcspn(text, " "), eq = strcspn(text, "=");
        for (int k = 0; eq < len && k < DS_K_COUNT; k++)
            if (!used[k] && strlen(ds_group_key_cols[k]) == eq &&
                !strncmp(text, ds_group_key_cols[k], eq)) {
                r->order[n++] = k;
                used[k] = 1;
            }
        text += len + (text[len] == ' ');
    }
    for (int k = 0; k < DS_K_COUNT; k++)
        if (!used[k])
            r->order[n++] = k;
}

/* Display names: only what tells groups apart. With exclude == 0 (a group's
 * own name) the label alone when it is unique per group ("xavier", "deep");
 * otherwise the varying columns. With columns excluded (a line of a figure
 * drawn against them) the label is left out while other columns vary, so
 * runs labelled per sweep point still join into lines. */
void ds_group_name(const ds_report *r, const ds_group *g, unsigned exclude, char *out,
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
    for (int j = 0; j < DS_K_COUNT && k < n; j++) {
        int i = r->order[j];
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

void ds_groups_describe(ds_report *r)
{
    find_varying_keys(r);
    r->label_unique = 1;
    for (int g = 0; g < r->ngroups && r->label_unique; g++)
        for (int h = 0; h < g && r->label_unique; h++)
            r->label_unique =
                strcmp(r->groups[g].key[DS_K_LABEL], r->groups[h].key[DS_K_LABEL]) != 0;
    for (int g = 0; g < r->ngroups; g++) {
        ds_group *gr = &r->groups[g];
        ds_group_name(r, gr, 0, gr->name, sizeof gr->name);
        if (!strcasecmp(gr->key[DS_K_DATASET], "xor"))
            r->is_xor = 1;
    }
}

const char *ds_report_basename(const ds_report *r)
{
    const char *base = strrchr(r->dir, '/');
    return base && base[1] ? base + 1 : r->dir;
}

/* Whether v is one of the comma-separated values of list. */
static int in_list(const char *list, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == n && !strncmp(p, v, n))
            return 1;
        p += l + (p[l] == ',');
    }
    return 0;
}

/* 1 if one value of list, read as run key `key` reads it (view.h), is v. */
static int in_list_as_key(const char *key, const char *list, const char *v)
{
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        char item[512], as[1024];
        if (l < sizeof item) {
            memcpy(item, p, l);
            item[l] = 0;
            if (ds_where_value(key, item, as, sizeof as) && !strcmp(as, v))
                return 1;
        }
        p += l + (p[l] == ',');
    }
    return 0;
}

int ds_report_select(ds_report *r, const char *where, char *err, size_t errlen)
{
    const char *eq = strchr(where, '=');
    char key[64];
    if (!eq || eq == where || !eq[1] || eq - where >= (long)sizeof key)
        return ds_errf(err, errlen, 2, "deepsweep: plot: --where: '%s' is not KEY=VALUE[,VALUE...] "
                       "(e.g. activation=relu)", DS_ECHO(where));
    snprintf(key, sizeof key, "%.*s", (int)(eq - where), where);
    int k = 0;
    while (k < DS_K_COUNT && strcmp(ds_group_key_cols[k], key))
        k++;
    if (k == DS_K_COUNT) {
        const char *near = ds_suggest(key, ds_group_key_cols, DS_K_COUNT);
        char valid[512] = "";
        for (int i = 0, n = 0; i < DS_K_COUNT; i++)
            n += snprintf(valid + n, sizeof valid - (size_t)n, "%s%s", i ? ", " : "",
                          ds_group_key_cols[i]);
        return ds_errf(err, errlen, 2, "deepsweep: plot: --where: unknown column '%s' (%s%s%svalid: %s)",
                       DS_ECHO(key), near ? "did you mean '" : "", near ? near : "",
                       near ? "'? " : "", valid);
    }
    int *map = malloc((size_t)(r->ngroups > 0 ? r->ngroups : 1) * sizeof *map), kept = 0;
    if (!map)
        return ds_errf(err, errlen, 1, "deepsweep: out of memory");
    for (int g = 0; g < r->ngroups; g++)
        map[g] = in_list(eq + 1, r->groups[g].key[k]) ||
                         in_list_as_key(key, eq + 1, r->groups[g].key[k])
                     ? kept++
                     : -1;
    if (!kept) {
        char vals[512] = "";
        for (int g = 0, n = 0; g < r->ngroups && n < (int)sizeof vals; g++) {
            int seen = 0;
            for (int h = 0; h < g && !seen; h++)
                seen = !strcmp(r->groups[h].key[k], r->groups[g].key[k]);
            if (!seen)
                n += snprintf(vals + n, sizeof vals - (size_t)n, "%s%s", n ? ", " : "",
                              r->groups[g].key[k]);
        }
        free(map);
        return ds_errf(err, errlen, 2, "deepsweep: plot: --where %s: no group has it (%s in "
                       "%s: %s)", DS_ECHO(where), key, r->dir, vals);
    }
    for (int g = 0; g < r->ngroups; g++) {
        if (map[g] < 0)
            ds_group_free(&r->groups[g]);
        else
            r->groups[map[g]] = r->groups[g];
    }
    for (int i = 0; i < r->nruns; i++)
        r->runs[i].group = map[r->runs[i].group];
    r->ngroups = kept;
    free(map);
    memset(r->varies, 0, sizeof r->varies);
    r->is_xor = 0;
    ds_groups_describe(r);
    return 0;
}
