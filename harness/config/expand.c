/* Expansion: the layers of an experiment into its run list (variants x sweep
 * points x seeds), each run built through the key table (keys.h), with its
 * canonical text and id; and config.yaml, every resolved run. */
#include "loader.h"
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* s as a YAML double-quoted scalar, whole: '"' and '\\' escaped, control
 * characters as \xHH (YAML would fold a line break into a space). */
void yaml_str(ds_csvbuf *b, const char *s)
{
    ds_csvw_raw(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            char x[8];
            snprintf(x, sizeof x, "\\x%02x", *c);
            ds_csvw_raw(b, x, 4);
            continue;
        }
        if (*c == '"' || *c == '\\')
            ds_csvw_raw(b, "\\", 1);
        ds_csvw_raw(b, (const char *)c, 1);
    }
    ds_csvw_raw(b, "\"", 1);
}

static void put(ds_csvbuf *b, const char *s) { ds_csvw_raw(b, s, strlen(s)); }

static int apply_layer(loader *L, ds_run_build *b, const layer *ly)
{
    for (int k = 0; k < DS_KEY_COUNT; k++)
        if (ly->v[k]) {
            int r = ds_key_apply(b, (ds_key)k, ly->v[k]->s, ly->v[k]->seq, ly->v[k]->p, NULL,
                                 L->err, L->errlen);
            if (r)
                return r;
        }
    return 0;
}

/* One run: the layers in order, later ones winning (defaults, top-level
 * dataset, base, the variant, the sweep point idx, the mode, the command
 * line), then the resolver and the checks; its id and group name. */
static int build_run(loader *L, int vi, const int *idx, uint64_t seed, ds_run *run)
{
    ds_run_build b;
    ds_run_build_init(&b, L->name, at_file(L));
    layer sl; /* the sweep point's values, in key order like any layer */
    memset(&sl, 0, sizeof sl);
    for (int a = 0; a < L->n_axes; a++)
        sl.v[L->axes[a].key] = &L->axes[a].vals[idx[a]];
    int r;
    if ((r = apply_layer(L, &b, &L->top)) || (r = apply_layer(L, &b, &L->base)) ||
        (L->n_variants && (r = apply_layer(L, &b, &L->variants[vi]))) ||
        (r = apply_layer(L, &b, &sl)) || (r = apply_layer(L, &b, &L->mode)) ||
        (r = apply_layer(L, &b, &L->cli)))
        return r;
    b.rc.seed = seed;
    if ((r = ds_run_build_finish(&b, L->err, L->errlen)))
        return r;
    run->rc = b.rc;
    run->reference = b.reference;
    run->has_reference = b.has_reference;
    snprintf(run->reference_source, sizeof run->reference_source, "%s", b.reference_source);
    char canon[2048];
    ds_run_canon(&b.rc, canon, sizeof canon);
    snprintf(run->id, sizeof run->id, "%016llx", (unsigned long long)ds_run_hash(canon));
    /* the label names the group only when variants give one; then each
     * swept key=value, whole at any length (the summary groups runs by
     * this name); hidden lists print as 256-256 so it has no commas */
    ds_csvbuf g = {0};
    if (L->n_variants || !L->n_axes)
        put(&g, b.rc.label);
    for (int a = 0; a < L->n_axes; a++) {
        const val *v = &L->axes[a].vals[idx[a]];
        put(&g, g.len ? " " : "");
        put(&g, ds_key_row_of(L->axes[a].key)->name);
        put(&g, "=");
        size_t at = g.len;
        put(&g, v->s);
        for (size_t i = at; v->seq && i < g.len; i++)
            if (g.s[i] == ',')
                g.s[i] = '-';
        if (v->seq && g.len == at)
            put(&g, "none");
    }
    run->group = g.s ? g.s : strdup("");
    if (g.oom || !run->group) {
        ds_csvbuf_free(&g);
        run->group = NULL;
        return oom(L);
    }
    return 0;
}

/* The grid cells a variant runs, in order: all of them, or for method:
 * random a seeded partial Fisher-Yates draw of `pick` (the same every time). */
static void pick_cells(const loader *L, int vi, long *cells, long grid, long pick)
{
    for (long g = 0; g < grid; g++)
        cells[g] = g;
    if (pick >= grid)
        return;
    uint64_t st = L->sweep_seed * 0x9e3779b97f4a7c15ull + (uint64_t)vi;
    for (long i = 0; i < pick; i++) {
        long j = i + (long)(splitmix64(&st) % (uint64_t)(grid - i));
        long t = cells[i];
        cells[i] = cells[j];
        cells[j] = t;
    }
    qsort(cells, (size_t)pick, sizeof *cells, cmp_long);
}

/* Two runs with one id would share rows: refuse (e.g. a sweep value
 * repeated, like lr: [0.1, 0.1]). */
static int refuse_same_ids(loader *L, const ds_plan *plan)
{
    long n = plan->n_runs;
    uint64_t *ids = malloc((size_t)n * 2 * sizeof *ids);
    if (!ids)
        return oom(L);
    for (long i = 0; i < n; i++) {
        ids[2 * i] = strtoull(plan->runs[i].id, NULL, 16);
        ids[2 * i + 1] = (uint64_t)i;
    }
    qsort(ids, (size_t)n, 2 * sizeof *ids, cmp_u64);
    for (long i = 1; i < n; i++)
        if (ids[2 * i] == ids[2 * i - 2]) {
            long a = (long)ids[2 * i - 1], b = (long)ids[2 * i + 1];
            free(ids);
            long lo = a < b ? a : b, hi = a < b ? b : a;
            return fail(L, at_file(L),
                        "runs %ld (%s) and %ld (%s) resolve to the same config (id %s): a swept value is repeated, overridden, or changes nothing (e.g. width with depth 0)",
                        lo + 1, plan->runs[lo].group, hi + 1, plan->runs[hi].group, plan->runs[a].id);
        }
    free(ids);
    return 0;
}

int expand(loader *L, ds_plan *plan)
{
    int nv = L->n_variants ? L->n_variants : 1;
    long grid = 1;
    for (int a = 0; a < L->n_axes; a++) {
        grid *= L->axes[a].n;
        if (grid > MAX_RUNS)
            return fail(L, L->axes[a].p, "sweep: more than %d grid points", MAX_RUNS);
    }
    long pick = grid;
    if (!strcmp(L->method, "random") && L->run_cap < grid)
        pick = L->run_cap;
    long total = (long)nv * pick * L->n_seeds;
    if (total > MAX_RUNS)
        return fail(L, L->seeds_pos.src ? L->seeds_pos : at_file(L),
                    "the sweep has %ld runs (at most %d)", total, MAX_RUNS);
    plan->runs = calloc((size_t)total, sizeof *plan->runs);
    long *cells = malloc((size_t)grid * sizeof *cells);
    if (!plan->runs || !cells) {
        free(cells);
        return oom(L);
    }
    int r = 0;
    long ri = 0;
    for (int vi = 0; vi < nv && !r; vi++) {
        pick_cells(L, vi, cells, grid, pick);
        for (long c = 0; c < pick && !r; c++) {
            int idx[MAX_AXES];
            long rest = cells[c];
            for (int a = L->n_axes - 1; a >= 0; a--) {
                idx[a] = (int)(rest % L->axes[a].n);
                rest /= L->axes[a].n;
            }
            for (int s = 0; s < L->n_seeds && !r; s++, ri++) {
                r = build_run(L, vi, idx, L->seeds[s], &plan->runs[ri]);
                plan->runs[ri].index = (int)ri;
                if (!r)
                    plan->n_runs = (int)ri + 1; /* what ds_plan_free frees */
            }
        }
    }
    free(cells);
    if (r)
        return r;
    plan->n_runs = (int)ri;
    if ((r = refuse_same_ids(L, plan)))
        return r;
    uint64_t h = DS_FNV_OFFSET;
    for (long i = 0; i < ri; i++)
        h = ds_fnv1a64(plan->runs[i].id, 16, h);
    snprintf(plan->sweep_id, sizeof plan->sweep_id, "%016llx", (unsigned long long)h);
    return 0;
}

/* The hidden widths joined by sep, and the float keys in their shortest
 * exact form (act_param, init_scale, dropout, lr, momentum, beta1, beta2,
 * eps, weight_decay): shared by config.yaml and the canonical text. */
static void format_fields(const ds_run_config *rc, const char *sep, char *hid, char f[9][40])
{
    hid[0] = 0;
    for (int j = 0; j < rc->n_hidden; j++)
        sprintf(hid + strlen(hid), "%s%d", j ? sep : "", rc->hidden[j]);
    double fs[9] = {rc->act_param, rc->init_scale, rc->dropout, rc->lr, rc->momentum,
                    rc->beta1, rc->beta2, rc->eps, rc->weight_decay};
    for (int j = 0; j < 9; j++)
        ds_fmt_float(f[j], sizeof f[j], (float)fs[j]);
}

/* config.yaml: what ran (source, overrides, sweep_id, n_runs, axes), the
 * composed experiment (run --cfg's text, so `run` accepts the file back and
 * gives the same runs) and, under resolved:, every key of every run,
 * defaults included. */
int write_resolved(loader *L, ds_plan *plan)
{
    ds_csvbuf b = {0};
    char t[1024];
    put(&b, "# deepsweep: the sweep as run (written by `deepsweep run`). `deepsweep run` this\n"
            "# file to run it again: the same runs (ids) into the same folder. source,\n"
            "# overrides, sweep_id, n_runs, axes and resolved record what ran.\n"
            "source: ");
    yaml_str(&b, plan->from);
    put(&b, "\noverrides: ");
    yaml_str(&b, plan->overrides);
    snprintf(t, sizeof t, "\nsweep_id: %s\nn_runs: %d\naxes: [", plan->sweep_id, plan->n_runs);
    put(&b, t);
    for (int a = 0; a < plan->n_axes; a++) {
        snprintf(t, sizeof t, "%s%s", a ? ", " : "", plan->axes[a]);
        put(&b, t);
    }
    ds_csvw_raw(&b, "]\n", 2);
    /* the composed experiment, without its comment lines */
    const char *c = plan->composed;
    while (*c == '#' && strchr(c, '\n'))
        c = strchr(c, '\n') + 1;
    ds_csvw_raw(&b, c, strlen(c));
    ds_csvw_raw(&b, "resolved:\n", 10);
    for (int i = 0; i < plan->n_runs; i++) {
        const ds_run_config *rc = &plan->runs[i].rc;
        char hid[DS_MAX_HIDDEN * 12 + 2], f[9][40];
        format_fields(rc, ", ", hid, f);
        char line[4096];
        snprintf(line, sizeof line, "  - {index: %d, id: %s, label: ", i, plan->runs[i].id);
        put(&b, line);
        yaml_str(&b, rc->label);
        snprintf(line, sizeof line, ", dataset: %s, data_dir: ", rc->dataset);
        put(&b, line);
        yaml_str(&b, rc->data_dir);
        snprintf(line, sizeof line,
                 ", val_split: %d, train_subset: %d, "
                 "hidden: [%s], activation: %s, act_param: %s, loss: %s, init: %s, init_scale: %s, "
                 "bias_init: %s, dropout: %s, optimizer: %s, lr: %s, momentum: %s, nesterov: %s, "
                 "beta1: %s, beta2: %s, eps: %s, weight_decay: %s, batch: %d, epochs: %d, "
                 "log_every: %d, seed: %llu",
                 rc->val_split, rc->train_subset, hid,
                 ds_act_to_name(rc->activation), f[0], ds_loss_name(rc->loss), ds_init_name(rc->init),
                 f[1], ds_bias_init_name(rc->bias_init), f[2], ds_opt_name(rc->optimizer), f[3], f[4],
                 rc->nesterov ? "true" : "false", f[5], f[6], f[7], f[8], rc->batch, rc->epochs,
                 rc->log_every, (unsigned long long)rc->seed);
        put(&b, line);
        if (plan->runs[i].has_reference) {
            char g[40];
            ds_fmt_g9(g, sizeof g, plan->runs[i].reference);
            put(&b, ", reference: ");
            put(&b, g);
            if (plan->runs[i].reference_source[0]) {
                put(&b, ", reference_source: ");
                yaml_str(&b, plan->runs[i].reference_source);
            }
        }
        put(&b, "}\n");
    }
    if (b.oom) {
        ds_csvbuf_free(&b);
        return oom(L);
    }
    plan->resolved = b.s ? b.s : strdup("");
    return 0;
}

uint64_t ds_fnv1a64(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* FNV-1a spreads a change in the last bytes over few output bits; the
 * splitmix64 finalizer makes neighbouring runs' ids look unrelated. */
uint64_t ds_run_hash(const char *canon)
{
    uint64_t z = ds_fnv1a64(canon, strlen(canon), DS_FNV_OFFSET);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int ds_run_canon(const ds_run_config *rc, char *buf, size_t n)
{
    char hid[DS_MAX_HIDDEN * 12 + 2], f[9][40];
    format_fields(rc, ",", hid, f);
    return snprintf(buf, n,
                    "label=%s\ndataset=%s\nval_split=%d\ntrain_subset=%d\nhidden=[%s]\nactivation=%s\n"
                    "act_param=%s\nloss=%s\ninit=%s\ninit_scale=%s\nbias_init=%s\ndropout=%s\n"
                    "optimizer=%s\nlr=%s\nmomentum=%s\nnesterov=%d\nbeta1=%s\nbeta2=%s\neps=%s\n"
                    "weight_decay=%s\nbatch=%d\nepochs=%d\nlog_every=%d\nseed=%llu\n",
                    rc->label, rc->dataset, rc->val_split, rc->train_subset, hid,
                    ds_act_to_name(rc->activation),
                    f[0], ds_loss_name(rc->loss), ds_init_name(rc->init), f[1],
                    ds_bias_init_name(rc->bias_init), f[2], ds_opt_name(rc->optimizer), f[3], f[4],
                    rc->nesterov, f[5], f[6], f[7], f[8], rc->batch, rc->epochs, rc->log_every,
                    (unsigned long long)rc->seed);
}

