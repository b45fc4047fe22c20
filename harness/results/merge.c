/* ds_results_merge (see merge.h). */
#include "merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
    int ok;       /* status ok: it must have epochs and layers rows */
    int children; /* rows found in epochs.csv (1), layers.csv (2) */
    int dropped;  /* damaged (skip_damaged): left out */
} mrow;

typedef struct {
    const char *out;
    int out_lock;          /* OUT's exclusive lock, -1 until taken */
    int out_new;           /* OUT did not exist: removed again on failure */
    const char **in;       /* the folders read, OUT last if it held results */
    char **configs;        /* each one's config.yaml */
    ds_config_runs *runs;  /* each one's run list */
    int *in_lock;          /* each one's shared lock, or -1 */
    int n_in;
    mrow *rows;
    int n, cap;
    int src;               /* folder being read */
    ds_merge_counts *counts;
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

/* One line of counts->notes. */
static void note(merge *m, const char *msg)
{
    ds_csvw_raw(&m->counts->notes, msg, strlen(msg));
    ds_csvw_raw(&m->counts->notes, "\n", 1);
}

/* A damaged row: counted, and named "file:line: why". */
static void damaged(merge *m, const char *file, long line, const char *why)
{
    char msg[2048];
    m->counts->damaged++;
    if (line > 0)
        snprintf(msg, sizeof msg, "%s:%ld: %s", file, line, why);
    else
        snprintf(msg, sizeof msg, "%s: %s", file, why);
    note(m, msg);
}

static void on_damage(void *vctx, const char *msg)
{
    merge *m = vctx;
    m->counts->damaged++;
    note(m, msg);
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

static int on_run(void *vctx, const ds_row *row)
{
    merge *c = vctx;
    const char *const *f = row->f;
    const ds_config_run *entry = ds_config_runs_find(&c->runs[c->src], f[0]);
    char why[512];
    if (!entry) {
        snprintf(why, sizeof why, "run %s is not in the sweep (%s/config.yaml)", f[0], c->in[c->src]);
        damaged(c, row->name, row->line, why);
        return DS_ROW_DAMAGED;
    }
    if (ds_row_vs_config(entry, f, why, sizeof why)) {
        damaged(c, row->name, row->line, why);
        return DS_ROW_DAMAGED;
    }
    if (!ds_run_status_final(f[DS_RC_STATUS]))
        return DS_ROW_SKIP; /* failed runs are retried, never merged */
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 256;
        mrow *r = realloc(c->rows, (size_t)cap * sizeof *r);
        if (!r)
            return DS_ROW_FAIL;
        c->rows = r;
        c->cap = cap;
    }
    mrow *r = &c->rows[c->n];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", f[0]);
    r->src = c->src;
    r->order = c->n;
    r->index = entry->index;
    r->ok = !strcmp(f[DS_RC_STATUS], "ok");
    r->line = malloc(row->len + 1);
    r->vals = pack_fields(f, DS_RUNS_COLS);
    if (!r->line || !r->vals) {
        free(r->line);
        free(r->vals);
        return DS_ROW_FAIL;
    }
    memcpy(r->line, row->text, row->len);
    r->line[row->len] = 0;
    r->len = row->len;
    c->n++;
    return DS_ROW_KEEP;
}


/* 1 if two rows agree on every deterministic column; else 0 and *bad_col. */
static int same_result(const mrow *a, const mrow *b, int *bad_col)
{
    const char *x = a->vals, *y = b->vals;
    for (int i = 0; i < DS_RUNS_COLS; i++) {
        if (!ds_runs_col_provenance(i) && strcmp(x, y)) {
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

static int exists_in(const char *dir, const char *name)
{
    char path[1200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
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
    if (r == 1 && is_out) {
        static const char *const files[] = {"runs.csv", "epochs.csv", "layers.csv"};
        for (int k = 0; k < 3; k++)
            if (exists_in(dir, files[k])) {
                snprintf(m->err, m->errlen,
                         "%s: holds a %s but no config.yaml: results of an unknown sweep, not merged into "
                         "(merge into a new folder)", dir, files[k]);
                return 2;
            }
        return 0; /* OUT is new, or holds no results */
    }
    if (r == 1) {
        snprintf(m->err, m->errlen, "%s: not found (each folder to merge holds a config.yaml written by deepsweep run)",
                 path);
        return 2;
    }
    if (r) { /* a system error (out of memory, I/O): a failure, not bad input */
        snprintf(m->err, m->errlen, "%s: %s", path, strerror(errno));
        return 1;
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
    if (ds_config_runs_read(&m->runs[k], cfg)) {
        snprintf(m->err, m->errlen, "out of memory");
        return 1;
    }
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
        int bad = ds_csv_each_row(path, text, len, 0, on_run, on_damage, m);
        free(text);
        if (bad == DS_ROWS_BAD_HEADER) {
            snprintf(m->err, m->errlen, "%s: its header is not deepsweep's runs.csv header", path);
            return 2;
        }
        if (bad == DS_ROWS_FAILED) {
            snprintf(m->err, m->errlen, "%s: out of memory while reading it", path);
            return 1;
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
    merge *m;
    mrow *by_id; /* sorted by id, deduplicated */
    int n;
    int src, kind;
    ds_csvbuf out;
} cctx;

/* Keeps an epochs/layers row when its run's kept row came from this folder. */
static int on_child(void *vctx, const ds_row *row)
{
    cctx *c = vctx;
    int lo = 0, hi = c->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int cmp = strcmp(c->by_id[mid].id, row->f[0]);
        if (!cmp) {
            mrow *r = &c->by_id[mid];
            if (r->src != c->src || r->dropped)
                return DS_ROW_SKIP;
            r->children |= c->kind;
            ds_csvw_raw(&c->out, row->text, row->len);
            return c->out.oom ? DS_ROW_FAIL : DS_ROW_KEEP;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return DS_ROW_SKIP; /* a run that never finished there */
}

static void on_child_damage(void *vctx, const char *msg) { on_damage(((cctx *)vctx)->m, msg); }

/* epochs.csv (kind 1) or layers.csv (kind 2) of OUT. */
static int gather_children(merge *m, int kind, int n_keep, ds_csvbuf *file)
{
    static const char *const names[3] = {"runs.csv", "epochs.csv", "layers.csv"};
    cctx cc = {.m = m, .by_id = m->rows, .n = n_keep, .kind = kind};
    ds_header_line(kind, &cc.out);
    int rc = 0;
    for (int i = 0; i < n_keep; i++)
        m->rows[i].children &= ~kind;
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
            int k = ds_csv_each_row(path, text, len, kind, on_child, on_child_damage, &cc);
            if (k == DS_ROWS_BAD_HEADER) {
                snprintf(m->err, m->errlen, "%s: its header is not deepsweep's", path);
                rc = 2;
            } else if (k == DS_ROWS_FAILED || cc.out.oom) {
                snprintf(m->err, m->errlen, "%s: out of memory while reading it", path);
                rc = 1;
            }
            free(text);
        }
    }
    *file = cc.out;
    return rc;
}

/* Removes a staging folder and what it holds (flat). */
static void remove_staging(const char *stage)
{
    DIR *d = opendir(stage);
    if (!d)
        return;
    struct dirent *e;
    char path[1400];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", stage, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(stage);
}

/* Staging folders left by a merge killed before it renamed its files: OUT
 * is locked, so nobody owns them. */
static void remove_stale_staging(const char *out)
{
    DIR *d = opendir(out);
    if (!d)
        return;
    struct dirent *e;
    char path[1400];
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, ".merge-", 7)) {
            snprintf(path, sizeof path, "%s/%s", out, e->d_name);
            remove_staging(path);
        }
    closedir(d);
}

/* Writes OUT's files under its lock: each one whole and fsync'd in a
 * staging folder inside OUT first (where a full disk or any error stops
 * the merge with OUT untouched), then renamed into place: children first,
 * runs.csv, config.yaml last. */
static int write_out(merge *m, ds_csvbuf files[3])
{
    int rc = 0;
    if (m->out_lock < 0) { /* OUT is new */
        struct stat st;
        m->out_new = stat(m->out, &st) != 0;
        rc = ds_mkdir_p(m->out, m->err, m->errlen);
        if (!rc)
            rc = ds_results_lock(m->out, 1, "wait for it, or merge into another folder",
                                 &m->out_lock, m->err, m->errlen);
        if (rc)
            return rc;
    }
    remove_stale_staging(m->out);
    char stage[1200];
    snprintf(stage, sizeof stage, "%s/.merge-XXXXXX", m->out);
    if (!mkdtemp(stage)) {
        snprintf(m->err, m->errlen, "%s: cannot create: %s", stage, strerror(errno));
        return 1;
    }
    static const char *const order[4] = {"epochs.csv", "layers.csv", "runs.csv", "config.yaml"};
    const char *data[4] = {files[1].s, files[2].s, files[0].s, m->configs[0]};
    size_t lens[4] = {files[1].len, files[2].len, files[0].len, strlen(m->configs[0])};
    char path[1400], dest[1400];
    for (int k = 0; k < 4 && !rc; k++) {
        snprintf(path, sizeof path, "%s/%s", stage, order[k]);
        if (ds_write_file_atomic(path, data[k], lens[k]) != 0) {
            snprintf(m->err, m->errlen, "%s/%s: cannot write: %s (%s is as it was)", m->out, order[k],
                     strerror(errno), m->out);
            rc = 1;
        }
    }
    for (int k = 0; k < 4 && !rc; k++) {
        snprintf(path, sizeof path, "%s/%s", stage, order[k]);
        snprintf(dest, sizeof dest, "%s/%s", m->out, order[k]);
        if (rename(path, dest) != 0) {
            snprintf(m->err, m->errlen, "%s: cannot rename into place: %s", dest, strerror(errno));
            rc = 1;
        }
    }
    remove_staging(stage);
    if (!rc) { /* the renames are durable once OUT's entries are */
        int dfd = open(m->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return rc;
}

/* Ok runs whose epochs or layers rows are in no folder: damaged. */
static int check_children(merge *m, int n_keep, int skip)
{
    int bad = 0;
    for (int i = 0; i < n_keep; i++) {
        mrow *r = &m->rows[i];
        if (!r->ok || r->dropped || r->children == 3)
            continue;
        char why[256], file[1200];
        snprintf(why, sizeof why, "run %s has no rows in %s", r->id,
                 !r->children ? "epochs.csv and layers.csv" : !(r->children & 1) ? "epochs.csv" : "layers.csv");
        snprintf(file, sizeof file, "%s", m->in[r->src]);
        damaged(m, file, 0, why);
        r->dropped = skip;
        bad++;
    }
    return bad;
}

/* Runs of the sweep (OUT's config) in no folder: counted and listed. */
static void count_missing(merge *m, int n_keep)
{
    int listed = 0;
    for (int r = 0; r < m->runs[0].n; r++) {
        const char *id = m->runs[0].runs[r].id;
        m->counts->sweep_runs++;
        int lo = 0, hi = n_keep - 1, have = 0;
        while (lo <= hi && !have) {
            int mid = (lo + hi) / 2, c = strcmp(m->rows[mid].id, id);
            if (!c)
                have = !m->rows[mid].dropped;
            if (c < 0)
                lo = mid + 1;
            else if (c > 0)
                hi = mid - 1;
            else
                break;
        }
        if (!have) {
            m->counts->missing++;
            char msg[64];
            snprintf(msg, sizeof msg, "missing: run %s", id);
            if (listed++ < 10)
                note(m, msg);
        }
    }
}

static int merge_all(merge *m, const char *const *dirs, int n_dirs, int skip)
{
    ds_merge_counts *counts = m->counts;
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
    if (!rc && check_children(m, n_keep, skip) && skip) {
        /* the dropped runs' rows go from the children files too */
        for (int kind = 1; kind <= 2 && !rc; kind++) {
            ds_csvbuf_free(&files[kind]);
            rc = gather_children(m, kind, n_keep, &files[kind]);
        }
    }
    if (!rc && counts->damaged && !skip) {
        snprintf(m->err, m->errlen,
                 "%d damaged row%s in the folders to merge (listed above): nothing merged "
                 "(--skip-damaged merges the rest and drops them)",
                 counts->damaged, counts->damaged == 1 ? "" : "s");
        rc = 2;
    }
    if (!rc)
        count_missing(m, n_keep);
    if (!rc) {
        int n = 0;
        for (int i = 0; i < n_keep; i++) {
            if (m->rows[i].dropped) {
                free(m->rows[i].line);
                free(m->rows[i].vals);
                m->rows[i].line = m->rows[i].vals = NULL;
                continue;
            }
            if (n != i) {
                m->rows[n] = m->rows[i];
                m->rows[i].line = m->rows[i].vals = NULL;
            }
            n++;
        }
        n_keep = n;
        qsort(m->rows, (size_t)n_keep, sizeof *m->rows, cmp_index);
        ds_header_line(0, &files[0]);
        for (int i = 0; i < n_keep; i++)
            ds_csvw_raw(&files[0], m->rows[i].line, m->rows[i].len);
        for (int k = 0; k < 3 && !rc; k++)
            if (files[k].oom || counts->notes.oom) {
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

int ds_results_merge(const char *out, const char *const *dirs, int n_dirs, int skip_damaged,
                     ds_merge_counts *counts, char *err, size_t errlen)
{
    memset(counts, 0, sizeof *counts);
    if (ds_results_dir_check(out, err, errlen))
        return 2;
    for (int i = 0; i < n_dirs; i++)
        if (ds_results_dir_check(dirs[i], err, errlen))
            return 2;
    merge m = {.out = out, .out_lock = -1, .counts = counts, .err = err, .errlen = errlen};
    size_t n = (size_t)n_dirs + 1;
    m.in = calloc(n, sizeof *m.in);
    m.configs = calloc(n, sizeof *m.configs);
    m.runs = calloc(n, sizeof *m.runs);
    m.in_lock = malloc(n * sizeof *m.in_lock);
    int rc = 1;
    if (m.in && m.configs && m.runs && m.in_lock) {
        for (size_t i = 0; i < n; i++)
            m.in_lock[i] = -1;
        rc = merge_all(&m, dirs, n_dirs, skip_damaged);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    if (rc && m.out_new) /* a new OUT goes again: as before the merge */
        rmdir(out);
    for (int i = 0; i < m.n; i++) {
        free(m.rows[i].line);
        free(m.rows[i].vals);
    }
    free(m.rows);
    for (int i = 0; i < m.n_in; i++) {
        free(m.configs[i]);
        ds_config_runs_free(&m.runs[i]);
        if (m.in_lock[i] >= 0)
            close(m.in_lock[i]);
    }
    if (m.out_lock >= 0)
        close(m.out_lock);
    free(m.in);
    free(m.configs);
    free(m.runs);
    free(m.in_lock);
    return rc;
}
