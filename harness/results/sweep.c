/* Result folders: scan + repair, the lock, append whole runs (see sweep.h;
 * the rows themselves are rows.c's, shards shard.c's). */
#include "sweep.h"

#include "csvread.h"
#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const file_names[3] = {"runs.csv", "epochs.csv", "layers.csv"};

int ds_yaml_line_value(const char *text, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ':') {
            const char *v = p + kl + 1;
            while (*v == ' ')
                v++;
            size_t l = strcspn(v, "\n");
            snprintf(out, n, "%.*s", (int)l, v);
            return 0;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

static int is_hex_id(const char *s)
{
    if (strlen(s) != 16)
        return 0;
    for (int i = 0; i < 16; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return 0;
    return 1;
}

/* 1 if the reader's header is the one deepsweep writes for kind. */
static int our_header(const ds_csv *c, int kind)
{
    const char *const *h = kind == 0 ? ds_runs_header : kind == 1 ? ds_epochs_header : ds_layers_header;
    int n = kind == 0 ? DS_RUNS_COLS : kind == 1 ? DS_EPOCHS_COLS : 6;
    if (ds_csv_ncols(c) != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(ds_csv_header(c, i), h[i]))
            return 0;
    return 1;
}

/* Columns that must hold numbers, by name (a column missing from this
 * version's header is not checked). Metrics may be empty (not measured) or
 * nan/inf; a configuration column is always a whole number. */
static const char *const int_cols[] = {"depth", "width", "batch", "epochs", "seed", "params",
                                       "threads", "val_split", "train_subset", "log_every",
                                       "params_weights", "params_biases", "epochs_done", "epoch",
                                       "layer"};
/* whole numbers that may be empty (no validation split; not diverged) */
static const char *const opt_int_cols[] = {"best_epoch", "diverged_epoch"};
static const char *const real_cols[] = {
    "dropout", "lr", "weight_decay", "act_param", "init_scale", "momentum", "beta1", "beta2",
    "eps", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
    "best_val_acc", "test_acc_at_best", "train_loss_running", "train_acc_running", "seconds",
    "samples_per_s", "grad_norm", "weight_norm", "dead_frac"};

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(name, list[i]))
            return 1;
    return 0;
}

/* 0 if the current row is whole and every field parses; else -1 and why. */
static int check_row(const ds_csv *c, int kind, char *why, size_t n)
{
    if (!is_hex_id(ds_csv_field(c, 0))) {
        snprintf(why, n, "%s:%ld: run_id '%.40s' is not a run id (16 hex digits)", ds_csv_name(c),
                 ds_csv_line(c), ds_csv_field(c, 0));
        return -1;
    }
    for (int i = 1; i < ds_csv_ncols(c); i++) {
        const char *h = ds_csv_header(c, i), *v = ds_csv_field(c, i);
        double d;
        long l;
        if (in_list(h, int_cols, sizeof int_cols / sizeof *int_cols) ||
            (in_list(h, opt_int_cols, sizeof opt_int_cols / sizeof *opt_int_cols) && *v)) {
            if (ds_csv_int(c, i, &l, why, n))
                return -1;
        } else if (in_list(h, real_cols, sizeof real_cols / sizeof *real_cols) && *v) {
            if (ds_csv_double(c, i, &d, why, n))
                return -1;
        }
    }
    if (kind == 0) {
        const char *st = ds_csv_field(c, DS_RC_STATUS);
        if (!ds_run_status_final(st) && strcmp(st, "failed")) {
            snprintf(why, n, "%s:%ld: status '%.40s' is not a run status (ok, diverged, failed)",
                     ds_csv_name(c), ds_csv_line(c), st);
            return -1;
        }
    }
    return 0;
}

/* The reader's messages start "deepsweep: " (err.h); the damage callback
 * gets the "file:line:col: reason" part. */
static const char *unprefixed(const char *msg)
{
    return strncmp(msg, "deepsweep: ", 11) ? msg : msg + 11;
}

int ds_csv_each_row(const char *name, const char *text, size_t len, int kind, ds_row_fn fn,
                    ds_damage_fn damaged, void *ctx)
{
    if (len == 0)
        return 0;
    char err[1536];
    FILE *f = fmemopen((void *)text, len, "rb");
    if (!f)
        return DS_ROWS_FAILED;
    errno = 0;
    ds_csv *c = ds_csv_open_stream(f, name, err, sizeof err);
    if (!c || !our_header(c, kind)) {
        ds_csv_close(c);
        return !c && errno == ENOMEM ? DS_ROWS_FAILED : DS_ROWS_BAD_HEADER;
    }
    int bad = 0, r;
    const char *fields[DS_RUNS_COLS];
    while ((r = ds_csv_next(c, err, sizeof err)) != 0) {
        if (r < 0 && ds_csv_out_of_memory(c)) { /* a failure: nothing is dropped */
            ds_csv_close(c);
            return DS_ROWS_FAILED;
        }
        if (r < 0) { /* malformed: its message is in err */
            bad++;
            if (damaged)
                damaged(ctx, unprefixed(err));
            continue;
        }
        if (!ds_csv_row_complete(c)) { /* a torn last line: never a row */
            bad++;
            if (damaged) {
                snprintf(err, sizeof err, "%s:%ld: the last line is cut short (no line end)",
                         name, ds_csv_line(c));
                damaged(ctx, err);
            }
            break;
        }
        if (check_row(c, kind, err, sizeof err)) {
            bad++;
            if (damaged)
                damaged(ctx, unprefixed(err));
            continue;
        }
        for (int i = 0; i < ds_csv_ncols(c); i++)
            fields[i] = ds_csv_field(c, i);
        long a, b;
        ds_csv_row_span(c, &a, &b);
        ds_row row = {.f = fields, .text = text + a, .len = (size_t)(b - a), .name = name,
                      .line = ds_csv_line(c)};
        int k = fn(ctx, &row);
        if (k == DS_ROW_FAIL) {
            ds_csv_close(c);
            return DS_ROWS_FAILED;
        }
        bad += k == DS_ROW_DAMAGED;
    }
    ds_csv_close(c);
    return bad;
}

int ds_run_status_final(const char *status)
{
    /* failed runs (out of memory, ...) are retried; ok and diverged are
     * deterministic outcomes and stay. */
    return !strcmp(status, "ok") || !strcmp(status, "diverged");
}

/* ---- scan ---------------------------------------------------------------- */

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const ds_run_row *)a)->id, ((const ds_run_row *)b)->id);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int ds_results_find_linear(const ds_results *r, const char *id)
{
    for (int i = r->n_done - 1; i >= 0; i--)
        if (!strcmp(r->done[i].id, id))
            return 1;
    return 0;
}

typedef struct {
    ds_results *r;
    ds_csvbuf out;
    const char **plan_ids; /* the plan's run ids, sorted */
    int n_plan;
    const ds_config_runs *cfg; /* the plan's run list, rows checked against it */
    int kind;     /* file being read: 0 runs, 1 epochs, 2 layers */
    int cap_done;
    uint64_t *seen; /* open-addressing set of ids, 0 = empty */
    size_t seen_cap, seen_n;
} scan_ctx;

/* 1 if id was already in the set (else adds it); -1 out of memory. */
static int seen_add(scan_ctx *c, const char *id)
{
    uint64_t v = strtoull(id, NULL, 16) | 1; /* never 0 */
    if (2 * (c->seen_n + 1) > c->seen_cap) {
        size_t cap = c->seen_cap ? 2 * c->seen_cap : 1024;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < c->seen_cap; i++)
            if (c->seen[i])
                for (size_t j = c->seen[i] % cap;; j = (j + 1) % cap)
                    if (!t[j]) {
                        t[j] = c->seen[i];
                        break;
                    }
        free(c->seen);
        c->seen = t;
        c->seen_cap = cap;
    }
    /* ids differing only in the low bit collide here: compare the text */
    for (size_t j = v % c->seen_cap;; j = (j + 1) % c->seen_cap) {
        if (!c->seen[j]) {
            c->seen[j] = v;
            c->seen_n++;
            return 0;
        }
        if (c->seen[j] == v && ds_results_find_linear(c->r, id))
            return 1;
    }
}

const ds_run_row *ds_results_find(const ds_results *r, const char *id)
{
    ds_run_row key;
    snprintf(key.id, sizeof key.id, "%s", id);
    return r->n_done ? bsearch(&key, r->done, (size_t)r->n_done, sizeof key, cmp_row) : NULL;
}

/* ---- config.yaml's run list ------------------------------------------------ */

static int cmp_run_id(const void *a, const void *b, void *vx)
{
    const ds_config_runs *x = vx;
    return strcmp(x->runs[*(const int *)a].id, x->runs[*(const int *)b].id);
}

int ds_config_runs_read(ds_config_runs *x, const char *config)
{
    memset(x, 0, sizeof *x);
    static const char head[] = "  - {index: ";
    int cap = 0;
    for (const char *ln = config; ln && *ln; ln = strchr(ln, '\n'), ln = ln ? ln + 1 : NULL) {
        ds_config_run e = {.line = ln};
        int off = 0;
        if (strncmp(ln, head, sizeof head - 1) ||
            sscanf(ln, "  - {index: %ld, id: %16[0-9a-f],%n", &e.index, e.id, &off) != 2 || !off)
            continue;
        if (x->n == cap) {
            cap = cap ? 2 * cap : 256;
            ds_config_run *r = realloc(x->runs, (size_t)cap * sizeof *r);
            if (!r) {
                ds_config_runs_free(x);
                return -1;
            }
            x->runs = r;
        }
        x->runs[x->n++] = e;
    }
    x->by_id = malloc(((size_t)x->n + 1) * sizeof *x->by_id);
    if (!x->by_id) {
        ds_config_runs_free(x);
        return -1;
    }
    for (int i = 0; i < x->n; i++)
        x->by_id[i] = i;
    qsort_r(x->by_id, (size_t)x->n, sizeof *x->by_id, cmp_run_id, x);
    return 0;
}

void ds_config_runs_free(ds_config_runs *x)
{
    free(x->runs);
    free(x->by_id);
    memset(x, 0, sizeof *x);
}

const ds_config_run *ds_config_runs_find(const ds_config_runs *x, const char *id)
{
    int lo = 0, hi = x->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(x->runs[x->by_id[mid]].id, id);
        if (!c)
            return &x->runs[x->by_id[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* The value of key in a run-list entry's flow map, unquoted, into out. */
static int entry_value(const char *entry, const char *key, char *out, size_t n)
{
    const char *p = strchr(entry, '{'), *end = strchr(entry, '\n');
    if (!end)
        end = entry + strlen(entry);
    size_t kl = strlen(key);
    while (p && p < end) {
        p++;
        while (*p == ' ')
            p++;
        const char *k = p;
        while (p < end && *p != ':')
            p++;
        int match = (size_t)(p - k) == kl && !strncmp(k, key, kl);
        if (p >= end)
            return -1;
        for (p++; *p == ' '; p++)
            ;
        const char *v = p, *ve;
        if (*p == '"') {
            for (v = ++p; p < end && *p != '"'; p++)
                if (*p == '\\' && p + 1 < end)
                    p++;
            ve = p++;
        } else if (*p == '[') {
            while (p < end && *p != ']')
                p++;
            ve = ++p;
        } else {
            while (p < end && *p != ',' && *p != '}')
                p++;
            ve = p;
        }
        if (match) {
            snprintf(out, n, "%.*s", (int)(ve - v), v);
            return 0;
        }
        while (p < end && *p != ',' && *p != '}')
            p++;
        if (*p == '}')
            break;
    }
    return -1;
}

/* runs.csv columns that restate the run's configuration: compared with its
 * config.yaml entry (text, or as numbers). */
static const char *const cfg_text[] = {"dataset", "activation", "init", "optimizer", "loss",
                                       "bias_init"};
static const char *const cfg_num[] = {"lr", "dropout", "weight_decay", "batch", "epochs", "seed",
                                      "train_subset"};

const char *ds_row_vs_config(const ds_config_run *e, const char *const *f, char *why, size_t n)
{
    const char *entry = e->line;
    char v[256];
    for (size_t k = 0; k < sizeof cfg_text / sizeof *cfg_text + sizeof cfg_num / sizeof *cfg_num; k++) {
        int text = k < sizeof cfg_text / sizeof *cfg_text;
        const char *name = text ? cfg_text[k] : cfg_num[k - sizeof cfg_text / sizeof *cfg_text];
        int col = ds_runs_col(name);
        if (col < 0 || entry_value(entry, name, v, sizeof v))
            continue;
        int same = text ? !strcmp(v, f[col]) : strtod(v, NULL) == strtod(f[col], NULL);
        if (!same) {
            snprintf(why, n, "%s is %.60s but the sweep's config.yaml has %.60s for run %s", name,
                     f[col], v, f[0]);
            return why;
        }
    }
    return NULL;
}

/* A metric field: NaN when empty (not measured). */
static double metric(const char *s)
{
    return *s ? strtod(s, NULL) : NAN;
}

static void on_damage(void *vctx, const char *msg);

static int on_run_row(void *vctx, const ds_row *row)
{
    scan_ctx *c = vctx;
    ds_results *r = c->r;
    const char *const *f = row->f;
    const char *id = f[DS_RC_RUN_ID], *status = f[DS_RC_STATUS];
    if (!ds_run_status_final(status))
        return DS_ROW_SKIP; /* failed: retried */
    if (!bsearch(&id, c->plan_ids, (size_t)c->n_plan, sizeof id, cmp_str)) {
        /* a run of another config: extending a sweep keeps every id, so
         * this is a changed config; --force drops it, else it is refused */
        if (!r->n_stale++) {
            snprintf(r->stale_example, sizeof r->stale_example, "run %s: group '%.80s', seed %.20s",
                     id, f[DS_RC_GROUP], f[DS_RC_SEED]);
        }
        return DS_ROW_SKIP; /* refused, or dropped with --force */
    }
    /* a row of the plan's id must restate its config, as merge checks */
    const ds_config_run *e = c->cfg ? ds_config_runs_find(c->cfg, id) : NULL;
    char why[512], msg[1600];
    if (e && ds_row_vs_config(e, f, why, sizeof why)) {
        snprintf(msg, sizeof msg, "%s:%ld: %s", row->name, row->line, why);
        on_damage(c, msg);
        return DS_ROW_DAMAGED;
    }
    /* the first row of an id wins: a duplicate only comes from outside
     * (a hand-edited or concatenated file), never from a commit */
    int dup = seen_add(c, id);
    if (dup < 0)
        return DS_ROW_FAIL;
    if (dup)
        return DS_ROW_SKIP;
    if (r->n_done == c->cap_done) {
        int cap = c->cap_done ? 2 * c->cap_done : 256;
        ds_run_row *d = realloc(r->done, (size_t)cap * sizeof *d);
        if (!d)
            return DS_ROW_FAIL;
        r->done = d;
        c->cap_done = cap;
    }
    ds_run_row *done = &r->done[r->n_done++];
    memset(done, 0, sizeof *done);
    snprintf(done->id, sizeof done->id, "%s", id);
    snprintf(done->status, sizeof done->status, "%s", status);
    /* the numbers were checked by ds_csv_each_row; an empty metric is nan */
    done->train_loss = metric(f[DS_RC_TRAIN_LOSS]);
    done->train_acc = metric(f[DS_RC_TRAIN_ACC]);
    done->val_acc = metric(f[DS_RC_VAL_ACC]);
    done->test_acc = metric(f[DS_RC_TEST_ACC]);
    done->seconds = metric(f[DS_RC_SECONDS]);
    ds_csvw_raw(&c->out, row->text, row->len);
    return c->out.oom ? DS_ROW_FAIL : DS_ROW_KEEP;
}

static int on_child_row(void *vctx, const ds_row *row)
{
    scan_ctx *c = vctx;
    ds_run_row *done = (ds_run_row *)ds_results_find(c->r, row->f[0]);
    if (!done)
        return DS_ROW_SKIP; /* an orphan: its run has no runs.csv row */
    done->children |= (unsigned char)c->kind;
    ds_csvw_raw(&c->out, row->text, row->len);
    return c->out.oom ? DS_ROW_FAIL : DS_ROW_KEEP;
}

static void on_damage(void *vctx, const char *msg)
{
    scan_ctx *c = vctx;
    ds_csvw_raw(&c->r->notes, msg, strlen(msg));
    static const char tail[] = ": row dropped\n";
    ds_csvw_raw(&c->r->notes, tail, sizeof tail - 1);
}

/* A finished (ok) run of the plan whose epochs.csv or layers.csv rows are
 * gone (a deleted or cut file) cannot be rebuilt from runs.csv: it runs
 * again, its rows dropped everywhere. Returns how many. */
static int mark_reruns(ds_results *r, const ds_plan *plan)
{
    int n = 0;
    for (int i = 0; i < plan->n_runs; i++) {
        ds_run_row *d = (ds_run_row *)ds_results_find(r, plan->runs[i].id);
        if (!d || strcmp(d->status, "ok") || d->children == 3)
            continue;
        d->rerun = 1;
        n++;
        char msg[1400];
        snprintf(msg, sizeof msg, "%s: run %s has no rows in %s: it runs again\n", r->dir, d->id,
                 !d->children ? "epochs.csv and layers.csv"
                 : !(d->children & 1) ? "epochs.csv"
                                      : "layers.csv");
        ds_csvw_raw(&r->notes, msg, strlen(msg));
    }
    return n;
}

static int keep_unmarked(void *vctx, const ds_row *row)
{
    scan_ctx *c = vctx;
    const ds_run_row *d = ds_results_find(c->r, row->f[0]);
    if (d && d->rerun)
        return DS_ROW_SKIP;
    ds_csvw_raw(&c->out, row->text, row->len);
    return c->out.oom ? DS_ROW_FAIL : DS_ROW_KEEP;
}

/* Drops the rows of the runs mark_reruns marked from the repaired texts and
 * from the finished list. 0 or 1 (out of memory). */
static int drop_reruns(ds_results *r)
{
    for (int kind = 0; kind < 3; kind++) {
        scan_ctx c = {.r = r, .kind = kind};
        ds_header_line(kind, &c.out);
        int k = ds_csv_each_row(file_names[kind], r->fix[kind], r->fix_len[kind], kind,
                                keep_unmarked, NULL, &c);
        if (k < 0 || c.out.oom) {
            ds_csvbuf_free(&c.out);
            return 1;
        }
        free(r->fix[kind]);
        r->fix[kind] = c.out.s;
        r->fix_len[kind] = c.out.len;
        r->needs_fix[kind] = 1;
    }
    int n = 0;
    for (int i = 0; i < r->n_done; i++)
        if (!r->done[i].rerun)
            r->done[n++] = r->done[i];
    r->n_done = n;
    return 0;
}

int ds_results_dir_check(const char *dir, char *err, size_t errlen)
{
    size_t n = strlen(dir);
    if (n <= DS_RESULTS_DIR_MAX)
        return 0;
    return ds_errf(err, errlen, 2, "%s: %zu characters, more than a results folder path may have (at most %d)",
                   DS_ECHO(dir), n, DS_RESULTS_DIR_MAX);
}

int ds_results_scan(ds_results *r, const char *dir, const ds_plan *plan, int force, char *err,
                    size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->fd_runs = r->fd_epochs = r->fd_layers = r->fd_lock = -1;
    if (ds_results_dir_check(dir, err, errlen))
        return 2;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    char path[1200];
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: exists and is not a folder (--out names a results folder)", dir);
        return 2;
    }
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    size_t len;
    int rr = ds_read_file(path, &r->old_config, &len);
    if (rr < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return 1;
    }
    if (rr == 0)
        ds_yaml_line_value(r->old_config, "sweep_id", r->old_sweep_id, sizeof r->old_sweep_id);
    r->force = force;
    /* the plan's ids sorted for bsearch: a finished run whose id is in the
     * plan is kept whatever else changed (an extended sweep) */
    const char **sorted = malloc(((size_t)plan->n_runs + 1) * sizeof *sorted);
    if (!sorted) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    for (int i = 0; i < plan->n_runs; i++)
        sorted[i] = plan->runs[i].id;
    qsort(sorted, (size_t)plan->n_runs, sizeof *sorted, cmp_str);
    ds_config_runs cfg = {0};
    if (plan->resolved && ds_config_runs_read(&cfg, plan->resolved)) {
        free(sorted);
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    int status = 0;
    for (int kind = 0; kind < 3 && !status; kind++) {
        snprintf(path, sizeof path, "%s/%s", dir, file_names[kind]);
        char *text = NULL;
        rr = ds_read_file(path, &text, &len);
        if (rr < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            status = 1;
            break;
        }
        scan_ctx c = {.r = r, .plan_ids = sorted, .n_plan = plan->n_runs, .kind = kind,
                      .cfg = plan->resolved ? &cfg : NULL};
        ds_header_line(kind, &c.out);
        int bad = 0;
        if (rr == 0) {
            bad = ds_csv_each_row(path, text, len, kind, kind == 0 ? on_run_row : on_child_row,
                                  on_damage, &c);
            if (bad == DS_ROWS_BAD_HEADER) {
                snprintf(err, errlen, "%s: its header is not this version's (%s): written by another version of deepsweep, or not a results folder (use --out DIR for a new folder)",
                         path, kind == 0 ? "run_id,label,...,started_at" : kind == 1 ? "run_id,epoch,...,seconds" : "run_id,epoch,layer,...");
                status = 2;
            } else if (bad == DS_ROWS_FAILED || c.out.oom || r->notes.oom) {
                /* nothing is dropped on a failure: the folder stays as is */
                snprintf(err, errlen, "%s: out of memory while reading it", path);
                status = 1;
            }
        }
        if (kind == 0 && !status && r->n_done)
            qsort(r->done, (size_t)r->n_done, sizeof *r->done, cmp_row);
        if (kind == 0 && !status && r->n_stale && !force) {
            snprintf(err, errlen,
                     "%s: holds %d finished run%s that %s not in this sweep (the config changed since "
                     "they ran; e.g. %s): use --out DIR for a new folder, or --force to drop them "
                     "and run this sweep there",
                     dir, r->n_stale, r->n_stale == 1 ? "" : "s", r->n_stale == 1 ? "is" : "are",
                     r->stale_example);
            status = 2;
        }
        free(text);
        free(c.seen);
        if (!status) {
            r->fix[kind] = c.out.s;
            r->fix_len[kind] = c.out.len;
            r->needs_fix[kind] = rr != 0 || bad > 0 || len != c.out.len;
        } else {
            ds_csvbuf_free(&c.out);
        }
    }
    if (!status && mark_reruns(r, plan) && drop_reruns(r)) {
        snprintf(err, errlen, "%s: out of memory while repairing it", dir);
        status = 1;
    }
    free(sorted);
    ds_config_runs_free(&cfg);
    return status;
}

int ds_mkdir_p(const char *dir, char *err, size_t errlen)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
                return 1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

/* Two processes appending to one folder would each repair away the other's
 * rows in progress, and a merge reading a folder being written would take a
 * torn copy: one writer at a time, readers only when no writer is there.
 * The lock is an flock on the folder itself, held by an open descriptor
 * for the writer's life: it goes with the process (a kill -9 never leaves
 * it held) and no file can be deleted to break it. Where the file system
 * cannot flock a directory (NFS emulates flock with fcntl locks, which want
 * a file open for writing), <dir>/.lock is flock'd instead. */
static int lock_file(const char *dir, int exclusive, int *fd, char *err, size_t errlen)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/.lock", dir);
    *fd = open(path, exclusive ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);
    if (*fd < 0) {
        if (!exclusive && errno == ENOENT)
            return 0; /* no run ever wrote there: nobody to wait for */
        snprintf(err, errlen, "%s: cannot %s: %s", path, exclusive ? "create" : "open",
                 strerror(errno));
        return 1;
    }
    return flock(*fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 ? -1 : 0;
}

int ds_results_lock(const char *dir, int exclusive, const char *hint, int *fd, char *err,
                    size_t errlen)
{
    int mode = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB, r = 0;
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0) {
        if (!exclusive && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: cannot open: %s", dir, strerror(errno));
        return 1;
    }
    if (flock(*fd, mode) != 0) {
        r = errno == EWOULDBLOCK ? -1 : 1;
        if (r == 1) { /* no flock on directories here: the lock file */
            close(*fd);
            r = lock_file(dir, exclusive, fd, err, errlen);
            if (r > 0)
                return r;
        }
    }
    if (r < 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        snprintf(err, errlen, "%s: another deepsweep run is writing to this folder (%s)", dir, hint);
        return 2;
    }
    return 0;
}

int ds_results_open(ds_results *r, const ds_plan *plan, char *err, size_t errlen)
{
    char path[1200];
    int rc = ds_mkdir_p(r->dir, err, errlen);
    if (!rc)
        rc = ds_results_lock(r->dir, 1, "wait for it, or use --out DIR", &r->fd_lock, err, errlen);
    if (rc)
        return rc;
    /* the repair was computed before the lock: compute it again under it,
     * since a writer that just finished may have appended rows */
    ds_results again;
    int rs = ds_results_scan(&again, r->dir, plan, r->force, err, errlen);
    if (rs) {
        ds_results_close(&again);
        return rs;
    }
    again.fd_lock = r->fd_lock;
    r->fd_lock = -1;
    ds_results_close(r);
    *r = again;
    for (int kind = 1; kind <= 3; kind++) {
        int k = kind % 3; /* epochs, layers, then runs */
        if (!r->needs_fix[k])
            continue;
        snprintf(path, sizeof path, "%s/%s", r->dir, file_names[k]);
        if (ds_write_file_atomic(path, r->fix[k], r->fix_len[k]) != 0) {
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
            return 1;
        }
    }
    /* what the repair dropped, said once, by the writer that dropped it */
    for (const char *l = r->notes.s, *e; l && l < r->notes.s + r->notes.len; l = e + 1) {
        e = memchr(l, '\n', (size_t)(r->notes.s + r->notes.len - l));
        if (!e)
            break;
        fprintf(stderr, "deepsweep: %.*s\n", (int)(e - l), l);
    }
    snprintf(path, sizeof path, "%s/config.yaml", r->dir);
    if (!r->old_config || strcmp(r->old_config, plan->resolved)) {
        if (ds_write_file_atomic(path, plan->resolved, strlen(plan->resolved)) != 0) {
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
            return 1;
        }
    }
    int *fds[3] = {&r->fd_runs, &r->fd_epochs, &r->fd_layers};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", r->dir, file_names[k]);
        *fds[k] = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (*fds[k] < 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            return 1;
        }
    }
    return 0;
}

void ds_results_close(ds_results *r)
{
    if (r->fd_lock >= 0)
        close(r->fd_lock);
    r->fd_lock = -1;
    int *fds[3] = {&r->fd_runs, &r->fd_epochs, &r->fd_layers};
    for (int k = 0; k < 3; k++) {
        if (*fds[k] >= 0)
            close(*fds[k]);
        *fds[k] = -1;
        free(r->fix[k]);
        r->fix[k] = NULL;
    }
    free(r->done);
    r->done = NULL;
    r->n_done = 0;
    free(r->old_config);
    r->old_config = NULL;
    ds_csvbuf_free(&r->notes);
}

int ds_results_commit(ds_results *r, ds_run_rows *rows, const ds_csvbuf *runs_row, char *err,
                      size_t errlen)
{
    if (rows->epochs.oom || rows->layers.oom || runs_row->oom) {
        snprintf(err, errlen, "out of memory building the rows of run %s", rows->id);
        return 1;
    }
    /* children first: until the runs row lands, the run does not exist and
     * the next open drops these rows */
    struct { int fd; const ds_csvbuf *b; const char *name; } w[3] = {
        {r->fd_epochs, &rows->epochs, "epochs.csv"},
        {r->fd_layers, &rows->layers, "layers.csv"},
        {r->fd_runs, runs_row, "runs.csv"}};
    /* DEEPSWEEP_TEST_CRASH=N: SIGKILL ourselves inside the commit that
     * holds the N-th run of this process, after the epochs and layers rows
     * and before the runs rows -- the worst moment, which tests/kill-resume.sh
     * and tests/crash-points.sh hit on purpose. Counted in runs, not commits:
     * how many runs a batch holds depends on how long fsync takes, so the
     * N-th commit may never come (it did not on a CI machine). */
    static long runs_before;
    const char *crash = getenv("DEEPSWEEP_TEST_CRASH");
    long first = runs_before + 1;
    runs_before += rows->n_runs > 0 ? rows->n_runs : 1;
    int crash_here = crash && atol(crash) >= first && atol(crash) <= runs_before;
    for (int i = 0; i < 3; i++) {
        if (i == 2 && crash_here)
            raise(SIGKILL);
        if (!w[i].b->len)
            continue;
        if (ds_write_all_sync(w[i].fd, w[i].b->s, w[i].b->len) != 0) {
            snprintf(err, errlen, "%s/%s: write failed: %s", r->dir, w[i].name, strerror(errno));
            return 1;
        }
    }
    return 0;
}
