/* A results folder read back without running anything (see view.h). */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "keys.h"
#include "names.h"

int ds_view_open(ds_runner *r, ds_plan *plan, const char *dir, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    memset(plan, 0, sizeof *plan);
    r->res.fd_lock = r->res.fd_runs = r->res.fd_epochs = r->res.fd_layers = -1;
    char path[1200];
    struct stat st;
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    if (stat(path, &st) != 0)
        return ds_errf(err, errlen, 2, "%s: no such file (DIR is a results folder written by `deepsweep run`)", path);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    char why[1536];
    int rc = ds_plan_load(path, NULL, 0, plan, why, sizeof why);
    if (rc)
        return ds_errf(err, errlen, rc, "%s (the folder's config.yaml describes its sweep; one written by an older deepsweep cannot be read)", why);
    r->plan = plan;
    r->opts.shard_n = 1;
    snprintf(r->out_dir, sizeof r->out_dir, "%s", dir);
    size_t n = (size_t)plan->n_runs + 1;
    r->sel = malloc(n * sizeof *r->sel);
    r->rows = calloc(n, sizeof *r->rows);
    r->ids = malloc(n * sizeof *r->ids);
    if (!r->sel || !r->rows || !r->ids)
        return ds_errf(err, errlen, 1, "out of memory");
    for (int i = 0; i < plan->n_runs; i++) {
        r->ids[i] = plan->runs[i].id;
        r->sel[i] = &plan->runs[i];
    }
    r->n_sel = plan->n_runs;
    /* force: rows of runs not in the sweep are left out (in memory only:
     * nothing is written) */
    if ((rc = ds_results_scan(&r->res, dir, plan, 1, err, errlen)))
        return rc;
    for (int i = 0; i < r->n_sel; i++) {
        r->rows[i] = ds_results_find(&r->res, r->sel[i]->id);
        r->n_done += r->rows[i] != NULL;
    }
    return 0;
}

void ds_view_close(ds_runner *r, ds_plan *plan)
{
    ds_runner_free(r);
    ds_plan_free(plan);
}

/* ---- --where --------------------------------------------------------------- */

typedef struct {
    char id[17];
    int order; /* row number: the first row of an id is the one the scan keeps */
    char *val;
} id_value;

typedef struct {
    int col;
    id_value *v;
    int n, cap, oom;
} col_values;

static int on_row(void *vctx, const ds_row *row)
{
    col_values *c = vctx;
    const char *const *f = row->f;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 256;
        id_value *v = realloc(c->v, (size_t)cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return DS_ROW_FAIL;
        }
        c->v = v;
        c->cap = cap;
    }
    id_value *e = &c->v[c->n];
    snprintf(e->id, sizeof e->id, "%s", f[0]);
    e->order = c->n;
    if (!(e->val = strdup(f[c->col]))) {
        c->oom = 1;
        return DS_ROW_FAIL;
    }
    c->n++;
    return DS_ROW_KEEP;
}

static void free_values(col_values *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->v[i].val);
    free(c->v);
}

static int cmp_id_order(const void *a, const void *b)
{
    const id_value *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* The value of column c->col in the first row of id (c sorted by
 * cmp_id_order), or NULL. */
static const char *value_of(const col_values *c, const char *id)
{
    int lo = 0, hi = c->n; /* the first entry >= (id, -1) */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (strcmp(c->v[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && !strcmp(c->v[lo].id, id) ? c->v[lo].val : NULL;
}

/* 1 if a field's text is v: the same text, or the same number. */
static int same_value(const char *field, const char *v)
{
    if (!strcmp(field, v))
        return 1;
    char *e1, *e2;
    double a = strtod(field, &e1), b = strtod(v, &e2);
    return *field && *v && !*e1 && !*e2 && (float)a == (float)b;
}

/* Column mine->col of the row a run would have (mine and would: scratch):
 * only its config columns are read, the rest is a placeholder the row's
 * checks accept. NULL out of memory. */
static const char *would_be(const ds_run *run, int col, ds_csvbuf *would, col_values *mine)
{
    ds_run_result none = {.status = DS_RUN_OK};
    const ds_provenance pv = {.isa = ""};
    ds_csvbuf_clear(would);
    ds_header_line(0, would);
    ds_runs_row(would, run, &none, &pv);
    free_values(mine);
    *mine = (col_values){.col = col};
    ds_csv_each_row("(a run not finished)", would->s, would->len, 0, on_row, NULL, mine);
    return mine->n ? mine->v[0].val : NULL;
}

int ds_where_value(const char *key, const char *value, char *out, size_t n)
{
    /* only keys whose value alone makes their column: width=4 set on a net
     * without hidden layers changes nothing, and its width column (0) is
     * not what was asked for */
    int k = ds_key_find(key), col = ds_runs_col(key);
    if (k < 0 || col < 0 || !strchr("hbe", ds_key_row_of((ds_key)k)->type))
        return 0;
    ds_run_build b;
    ds_run_build_init(&b, "where", (ds_pos){0});
    char why[512];
    if (ds_key_apply(&b, (ds_key)k, value, 0, (ds_pos){0}, NULL, why, sizeof why))
        return 0;
    ds_run run = {.rc = b.rc, .id = "0000000000000000", .group = ""};
    ds_csvbuf would = {0};
    col_values mine = {.col = col};
    const char *v = would_be(&run, col, &would, &mine);
    int ok = v && strlen(v) < n;
    if (ok)
        memcpy(out, v, strlen(v) + 1);
    free_values(&mine);
    ds_csvbuf_free(&would);
    return ok;
}

int ds_view_where(ds_runner *r, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return ds_errf(err, errlen, 2, "--where %s: expected KEY=VALUE, KEY a column of runs.csv (e.g. activation=relu)", DS_ECHO(kv));
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
    const char *want = eq + 1;
    int col = ds_runs_col(key);
    if (col < 0) {
        char valid[1024] = "";
        ds_names_join(valid, sizeof valid, ds_runs_header, sizeof ds_runs_header[0], DS_RUNS_COLS);
        return ds_errf(err, errlen, 2, "--where %s: no column '%s' in %s/runs.csv (valid: %s)", DS_ECHO(kv), DS_ECHO(key), r->out_dir, valid);
    }
    /* a run not finished has no row: its config columns come from the row
     * it would have, the others match nothing */
    int config_col = ds_key_find(key) >= 0 || !strcmp(key, "group");
    char path[1200], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/runs.csv", r->out_dir);
    if (ds_read_file(path, &text, &len) < 0)
        return ds_errf(err, errlen, 1, "%s: cannot read", path);
    col_values found = {.col = col};
    ds_csv_each_row(path, text, len, 0, on_row, NULL, &found);
    free(text);
    if (found.n)
        qsort(found.v, (size_t)found.n, sizeof *found.v, cmp_id_order);
    ds_csvbuf would = {0};
    col_values mine = {.col = col};
    char as_key[1024];
    int normal = ds_where_value(key, want, as_key, sizeof as_key);
    int kept = 0;
    for (int i = 0; i < r->n_sel && !found.oom && !mine.oom; i++) {
        const char *v = NULL;
        if (r->rows[i])
            v = value_of(&found, r->sel[i]->id);
        else if (config_col)
            v = would_be(r->sel[i], col, &would, &mine);
        if (v && (same_value(v, want) || (normal && same_value(v, as_key)))) {
            r->sel[kept] = r->sel[i];
            r->rows[kept] = r->rows[i];
            r->ids[kept++] = r->ids[i];
        }
    }
    int oom = found.oom || mine.oom || would.oom;
    free_values(&found);
    free_values(&mine);
    ds_csvbuf_free(&would);
    if (oom)
        return ds_errf(err, errlen, 1, "out of memory");
    r->n_sel = kept;
    r->n_done = 0;
    for (int i = 0; i < kept; i++)
        r->n_done += r->rows[i] != NULL;
    return 0;
}
