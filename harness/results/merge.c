/* ds_results_merge (see merge.h). */
#include "merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "sweep.h"

typedef struct {
    char id[17];
    int src;      /* input folder */
    long index;   /* position in the sweep's run list (config.yaml) */
    long order;   /* order of appearance, for a stable sort */
    char *line;   /* the whole row, '\n' included */
    size_t len;
    char *vals;   /* its DS_RUNS_COLS fields, each NUL-terminated, back to back */
} mrow;

typedef struct {
    const char *out;
    int out_lock;          /* OUT's exclusive lock, -1 until taken */
    const char **in;       /* the folders read, OUT last if it held results */
    char **configs;        /* each one's config.yaml */
    int *in_lock;          /* each one's shared lock, or -1 */
    int n_in;
    mrow *rows;
    int n, cap;
    int src;               /* folder being read */
    char *err;
    size_t errlen;
} merge;

static int cmp_id_src(const void *a, const void *b)
{
    const mrow *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return (x->order > y->order) - (x->order < y->order);
}

static int cmp_index(const void *a, const void *b)
{
    const mrow *x = a, *y = b;
    if (x->index != y->index)
        return (x->index > y->index) - (x->index < y->index);
    return strcmp(x->id, y->id);
}

static long index_of(const char *config, const char *id)
{
    /* config.yaml lines: "  - {index: N, id: X, ..." */
    char key[32];
    snprintf(key, sizeof key, "id: %s,", id);
    const char *p = strstr(config, key);
    if (!p)
        return -1;
    const char *ln = p;
    while (ln > config && ln[-1] != '\n')
        ln--;
    long idx = -1;
    if (sscanf(ln, "  - {index: %ld,", &idx) != 1)
        return -1;
    return idx;
}

/* The fields f[0..n) back to back, each NUL-terminated, in one allocation. */
static char *pack_fields(const char *const *f, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += strlen(f[i]) + 1;
    char *v = malloc(total), *p = v;
    for (int i = 0; v && i < n; i++)
        p = stpcpy(p, f[i]) + 1;
    return v;
}

static int on_run(void *vctx, const char *const *f, const char *line, size_t len)
{
    merge *c = vctx;
    if (!ds_run_status_final(f[14]))
        return 1; /* failed runs are retried, never merged */
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 256;
        mrow *r = realloc(c->rows, (size_t)cap * sizeof *r);
        if (!r)
            return 1;
        c->rows = r;
        c->cap = cap;
    }
    mrow *r = &c->rows[c->n];
    snprintf(r->id, sizeof r->id, "%s", f[0]);
    r->src = c->src;
    r->order = c->n;
    r->index = 0;
    r->line = malloc(len + 1);
    r->vals = pack_fields(f, DS_RUNS_COLS);
    if (!r->line || !r->vals) {
        free(r->line);
        free(r->vals);
        return 1;
    }
    memcpy(r->line, line, len);
    r->line[len] = 0;
    r->len = len;
    c->n++;
    return 0;
}

/* Non-deterministic columns of runs.csv: not compared. */
static int nondet(int col) { return col == 19 || col == 20 || col == 22; }

/* 1 if two rows agree on every deterministic column; else 0 and *bad_col. */
static int same_result(const mrow *a, const mrow *b, int *bad_col)
{
    const char *x = a->vals, *y = b->vals;
    for (int i = 0; i < DS_RUNS_COLS; i++) {
        if (!nondet(i) && strcmp(x, y)) {
            *bad_col = i;
            return 0;
        }
        x += strlen(x) + 1;
        y += strlen(y) + 1;
    }
    return 1;
}

static int same_folder(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) || stat(b, &sb))
        return !strcmp(a, b);
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Reads folder dir (config.yaml, runs.csv) as input n_in, under a shared
 * lock unless it is OUT (locked already). is_out: OUT itself, which may be
 * new (then nothing is read). 0, 1 or 2. */
static int read_input(merge *m, const char *dir, int is_out, char *sid0)
{
    for (int j = 0; j < m->n_in; j++)
        if (!strcmp(m->in[j], dir))
            return 0;
    char path[1200];
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    size_t len;
    char *cfg;
    int r = ds_read_file(path, &cfg, &len);
    if (r == 1 && is_out)
        return 0; /* OUT is new */
    if (r) {
        snprintf(m->err, m->errlen, "%s: %s (each folder to merge holds a config.yaml written by deepsweep run)",
                 path, r == 1 ? "not found" : strerror(errno));
        return 2;
    }
    char sid[64] = "";
    ds_yaml_line_value(cfg, "sweep_id", sid, sizeof sid);
    if (!m->n_in) {
        snprintf(sid0, 64, "%s", sid);
    } else if (strcmp(sid, sid0)) {
        snprintf(m->err, m->errlen, "%s: holds another sweep (sweep_id %s, %s has %s): only shards of one sweep merge",
                 path, sid, m->in[0], sid0);
        free(cfg);
        return 2;
    }
    int k = m->n_in++;
    m->configs[k] = cfg;
    m->in[k] = dir;
    m->src = k;
    if (!same_folder(dir, m->out)) {
        r = ds_results_lock(dir, 0, "merge it once that run has ended", &m->in_lock[k], m->err,
                            m->errlen);
        if (r)
            return r;
    }
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    char *text;
    r = ds_read_file(path, &text, &len);
    if (r < 0) {
        snprintf(m->err, m->errlen, "%s: %s", path, strerror(errno));
        return 1;
    }
    if (r == 0) {
        int bad = ds_csv_each_row(text, len, 0, on_run, m);
        free(text);
        if (bad < 0) {
            snprintf(m->err, m->errlen, "%s: its header is not deepsweep's runs.csv header", path);
            return 2;
        }
    }
    return 0;
}

/* Sorts the rows by id and keeps one per id (they must agree). */
static int dedupe(merge *m, int *n_keep, int *dups)
{
    qsort(m->rows, (size_t)m->n, sizeof *m->rows, cmp_id_src);
    *n_keep = *dups = 0;
    for (int i = 0; i < m->n; i++) {
        const mrow *kept = *n_keep ? &m->rows[*n_keep - 1] : NULL;
        if (kept && !strcmp(kept->id, m->rows[i].id)) {
            int col = 0;
            if (!same_result(kept, &m->rows[i], &col)) {
                snprintf(m->err, m->errlen,
                         "run %s: conflicting rows in %s/runs.csv and %s/runs.csv (column %s differs): not the same result",
                         m->rows[i].id, m->in[kept->src], m->in[m->rows[i].src], ds_runs_header[col]);
                return 2;
            }
            (*dups)++;
            free(m->rows[i].line);
            free(m->rows[i].vals);
            m->rows[i].line = m->rows[i].vals = NULL;
            continue;
        }
        if (*n_keep != i) {
            m->rows[*n_keep] = m->rows[i];
            m->rows[i].line = m->rows[i].vals = NULL; /* moved: owned by its new slot */
        }
        (*n_keep)++;
    }
    return 0;
}

typedef struct {
    const mrow *by_id; /* sorted by id, deduplicated */
    int n;
    int src;
    ds_csvbuf out;
} cctx;

/* Keeps an epochs/layers row when its run's kept row came from this folder. */
static int on_child(void *vctx, const char *const *f, const char *line, size_t len)
{
    cctx *c = vctx;
    int lo = 0, hi = c->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int cmp = strcmp(c->by_id[mid].id, f[0]);
        if (!cmp) {
            if (c->by_id[mid].src == c->src)
                ds_csvw_raw(&c->out, line, len);
            return 0;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 1;
}

/* epochs.csv (kind 1) or layers.csv (kind 2) of OUT. */
static int gather_children(merge *m, int kind, int n_keep, ds_csvbuf *file)
{
    static const char *const names[3] = {"runs.csv", "epochs.csv", "layers.csv"};
    cctx cc = {.by_id = m->rows, .n = n_keep};
    ds_header_line(kind, &cc.out);
    int rc = 0;
    for (int s = 0; s < m->n_in && !rc; s++) {
        char path[1200], *text;
        size_t len;
        snprintf(path, sizeof path, "%s/%s", m->in[s], names[kind]);
        int r = ds_read_file(path, &text, &len);
        if (r < 0) {
            snprintf(m->err, m->errlen, "%s: %s", path, strerror(errno));
            rc = 1;
        } else if (r == 0) {
            cc.src = s;
            if (ds_csv_each_row(text, len, kind, on_child, &cc) < 0) {
                snprintf(m->err, m->errlen, "%s: its header is not deepsweep's", path);
                rc = 2;
            }
            free(text);
        }
    }
    *file = cc.out;
    return rc;
}

/* Writes OUT's files (children first, runs.csv last, config.yaml) under its
 * lock. */
static int write_out(merge *m, ds_csvbuf files[3])
{
    int rc = 0;
    if (m->out_lock < 0) { /* OUT is new */
        rc = ds_mkdir_p(m->out, m->err, m->errlen);
        if (!rc)
            rc = ds_results_lock(m->out, 1, "wait for it, or merge into another folder",
                                 &m->out_lock, m->err, m->errlen);
    }
    static const char *const order[3] = {"epochs.csv", "layers.csv", "runs.csv"};
    const ds_csvbuf *data[3] = {&files[1], &files[2], &files[0]};
    char path[1200];
    for (int k = 0; k < 3 && !rc; k++) {
        snprintf(path, sizeof path, "%s/%s", m->out, order[k]);
        if (ds_write_file_atomic(path, data[k]->s, data[k]->len) != 0) {
            snprintf(m->err, m->errlen, "%s: cannot write: %s", path, strerror(errno));
            rc = 1;
        }
    }
    snprintf(path, sizeof path, "%s/config.yaml", m->out);
    if (!rc && ds_write_file_atomic(path, m->configs[0], strlen(m->configs[0])) != 0) {
        snprintf(m->err, m->errlen, "%s: cannot write: %s", path, strerror(errno));
        rc = 1;
    }
    return rc;
}

static int merge_all(merge *m, const char *const *dirs, int n_dirs, ds_merge_counts *counts)
{
    struct stat st;
    int rc = 0;
    /* an existing OUT is locked before it is read as an input */
    if (stat(m->out, &st) == 0 && S_ISDIR(st.st_mode))
        rc = ds_results_lock(m->out, 1, "wait for it, or merge into another folder", &m->out_lock,
                             m->err, m->errlen);
    char sid0[64] = "";
    for (int i = 0; i <= n_dirs && !rc; i++)
        rc = read_input(m, i < n_dirs ? dirs[i] : m->out, i == n_dirs, sid0);
    int n_keep = 0;
    if (!rc)
        rc = dedupe(m, &n_keep, &counts->duplicates);
    ds_csvbuf files[3] = {{0}, {0}, {0}};
    for (int kind = 1; kind <= 2 && !rc; kind++)
        rc = gather_children(m, kind, n_keep, &files[kind]);
    if (!rc) {
        for (int i = 0; i < n_keep; i++)
            m->rows[i].index = index_of(m->configs[0], m->rows[i].id);
        qsort(m->rows, (size_t)n_keep, sizeof *m->rows, cmp_index);
        ds_header_line(0, &files[0]);
        for (int i = 0; i < n_keep; i++)
            ds_csvw_raw(&files[0], m->rows[i].line, m->rows[i].len);
        for (int k = 0; k < 3 && !rc; k++)
            if (files[k].oom) {
                snprintf(m->err, m->errlen, "out of memory");
                rc = 1;
            }
    }
    if (!rc)
        rc = write_out(m, files);
    counts->runs = n_keep;
    counts->folders = m->n_in;
    for (int k = 0; k < 3; k++)
        ds_csvbuf_free(&files[k]);
    return rc;
}

int ds_results_merge(const char *out, const char *const *dirs, int n_dirs,
                     ds_merge_counts *counts, char *err, size_t errlen)
{
    memset(counts, 0, sizeof *counts);
    merge m = {.out = out, .out_lock = -1, .err = err, .errlen = errlen};
    size_t n = (size_t)n_dirs + 1;
    m.in = calloc(n, sizeof *m.in);
    m.configs = calloc(n, sizeof *m.configs);
    m.in_lock = malloc(n * sizeof *m.in_lock);
    int rc = 1;
    if (m.in && m.configs && m.in_lock) {
        for (size_t i = 0; i < n; i++)
            m.in_lock[i] = -1;
        rc = merge_all(&m, dirs, n_dirs, counts);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    for (int i = 0; i < m.n; i++) {
        free(m.rows[i].line);
        free(m.rows[i].vals);
    }
    free(m.rows);
    for (int i = 0; i < m.n_in; i++) {
        free(m.configs[i]);
        if (m.in_lock[i] >= 0)
            close(m.in_lock[i]);
    }
    if (m.out_lock >= 0)
        close(m.out_lock);
    free(m.in);
    free(m.configs);
    free(m.in_lock);
    return rc;
}
