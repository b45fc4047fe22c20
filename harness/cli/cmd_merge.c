/* `deepsweep merge OUT DIR...`: the union of shard folders of one sweep.
 *
 * Every folder must hold the same sweep (config.yaml's sweep_id). A run id
 * found in several folders must have the same deterministic columns there
 * (all but seconds, samples_per_s and threads): then it is kept once, else
 * it is an error. A run's epochs/layers rows come from the folder whose
 * runs.csv row was kept. OUT's files are written atomically; OUT may be one
 * of the inputs, or hold an earlier merge, which then counts as an input. */
#include "commands.h"
#include "csv.h"
#include "sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char id[17];
    int src;      /* input folder */
    long index;   /* position in the sweep's run list (config.yaml) */
    long order;   /* order of appearance, for a stable sort */
    char *line;   /* the whole row, '\n' included */
    size_t len;
} mrow;

typedef struct {
    mrow *rows;
    int n, cap;
    int src;
    const char *text; /* config.yaml of the first input: index of each id */
} mctx;

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

static int on_run(void *vctx, char **f, const char *line, size_t len)
{
    mctx *c = vctx;
    if (strcmp(f[14], "ok") && strcmp(f[14], "diverged"))
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
    if (!r->line)
        return 1;
    memcpy(r->line, line, len);
    r->line[len] = 0;
    r->len = len;
    c->n++;
    return 0;
}

/* Non-deterministic columns of runs.csv: not compared. */
static int nondet(int col) { return col == 19 || col == 20 || col == 22; }

static int same_result(const char *a, const char *b, int *bad_col)
{
    char *x = strdup(a), *y = strdup(b);
    char *fx[DS_RUNS_COLS + 1], *fy[DS_RUNS_COLS + 1];
    int r = 1;
    if (!x || !y) {
        r = 0;
        *bad_col = 0;
    } else {
        x[strcspn(x, "\n")] = 0;
        y[strcspn(y, "\n")] = 0;
        int nx = ds_csvw_split(x, fx, DS_RUNS_COLS + 1), ny = ds_csvw_split(y, fy, DS_RUNS_COLS + 1);
        if (nx != ny)
            r = 0, *bad_col = 0;
        for (int i = 0; r && i < nx; i++)
            if (!nondet(i) && strcmp(fx[i], fy[i]))
                r = 0, *bad_col = i;
    }
    free(x);
    free(y);
    return r;
}

typedef struct {
    const mrow *by_id; /* sorted by id, deduplicated */
    int n;
    int src;
    ds_csvbuf out;
} cctx;

static int on_child(void *vctx, char **f, const char *line, size_t len)
{
    cctx *c = vctx;
    mrow key;
    snprintf(key.id, sizeof key.id, "%s", f[0]);
    key.order = 0;
    /* find any row of that id (sorted by id only for this search) */
    int lo = 0, hi = c->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int cmp = strcmp(c->by_id[mid].id, key.id);
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

int cmd_merge(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: deepsweep merge OUT DIR...\n"
               "Unions the results folders DIR... of one sweep (e.g. the shard folders of\n"
               "`deepsweep run --shard I/N`) into OUT: runs.csv, epochs.csv, layers.csv and\n"
               "config.yaml. A run found in several folders is kept once; if its rows differ\n"
               "in a deterministic column (all but seconds, samples_per_s, threads) that is\n"
               "an error. Folders of different sweeps are refused. Runs are ordered as in\n"
               "the sweep's run list. exit status: 0 merged, 1 run-time failure, 2 bad input.\n");
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "deepsweep: merge: needs OUT and at least one DIR (usage: deepsweep merge OUT DIR...)\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-') {
            fprintf(stderr, "deepsweep: merge: unknown option '%s' (merge takes OUT DIR... and --help)\n", argv[i]);
            return 2;
        }
    const char *out = argv[1];
    /* inputs: the DIRs, then OUT itself if it already holds results */
    int n_in = 0;
    const char **in = malloc((size_t)argc * sizeof *in);
    char **configs = calloc((size_t)argc, sizeof *configs);
    if (!in || !configs) {
        free(in);
        free(configs);
        fprintf(stderr, "deepsweep: merge: out of memory\n");
        return 1;
    }
    char path[1200], sid0[64] = "", err[1400] = "";
    int rc = 0;
    mctx mc = {0};
    for (int i = 2; i <= argc && !rc; i++) {
        const char *dir = i < argc ? argv[i] : out;
        int dup = 0;
        for (int j = 0; j < n_in; j++)
            dup |= !strcmp(in[j], dir);
        if (dup)
            continue;
        snprintf(path, sizeof path, "%s/config.yaml", dir);
        size_t len;
        char *cfg;
        int r = ds_read_file(path, &cfg, &len);
        if (r == 1 && i == argc)
            break; /* OUT is new */
        if (r) {
            snprintf(err, sizeof err, "%s: %s (each folder to merge holds a config.yaml written by deepsweep run)",
                     path, r == 1 ? "not found" : strerror(errno));
            rc = 2;
            break;
        }
        char sid[64] = "";
        ds_yaml_line_value(cfg, "sweep_id", sid, sizeof sid);
        if (!n_in)
            snprintf(sid0, sizeof sid0, "%s", sid);
        else if (strcmp(sid, sid0)) {
            snprintf(err, sizeof err, "%s: holds another sweep (sweep_id %s, %s has %s): only shards of one sweep merge",
                     path, sid, in[0], sid0);
            free(cfg);
            rc = 2;
            break;
        }
        configs[n_in] = cfg;
        in[n_in] = dir;
        mc.src = n_in;
        snprintf(path, sizeof path, "%s/runs.csv", dir);
        char *text;
        r = ds_read_file(path, &text, &len);
        if (r < 0) {
            snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
            rc = 1;
        } else if (r == 0) {
            if (ds_csv_each_row(text, len, 0, on_run, &mc) < 0) {
                snprintf(err, sizeof err, "%s: its header is not deepsweep's runs.csv header", path);
                rc = 2;
            }
            free(text);
        }
        n_in++;
    }
    int n_keep = 0, dups = 0;
    if (!rc) {
        qsort(mc.rows, (size_t)mc.n, sizeof *mc.rows, cmp_id_src);
        for (int i = 0; i < mc.n && !rc; i++) {
            if (n_keep && !strcmp(mc.rows[n_keep - 1].id, mc.rows[i].id)) {
                int col = 0;
                if (!same_result(mc.rows[n_keep - 1].line, mc.rows[i].line, &col)) {
                    snprintf(err, sizeof err,
                             "run %s: conflicting rows in %s/runs.csv and %s/runs.csv (column %s differs): not the same result",
                             mc.rows[i].id, in[mc.rows[n_keep - 1].src], in[mc.rows[i].src], ds_runs_header[col]);
                    rc = 2;
                }
                dups++;
                free(mc.rows[i].line);
                mc.rows[i].line = NULL;
                continue;
            }
            if (n_keep != i) {
                mc.rows[n_keep] = mc.rows[i];
                mc.rows[i].line = NULL; /* moved: owned by its new slot */
            }
            n_keep++;
        }
    }
    ds_csvbuf files[3] = {{0}, {0}, {0}};
    if (!rc) {
        /* children: from the folder whose runs row was kept */
        static const char *const names[3] = {"runs.csv", "epochs.csv", "layers.csv"};
        for (int kind = 1; kind <= 2 && !rc; kind++) {
            cctx cc = {.by_id = mc.rows, .n = n_keep};
            ds_header_line(kind, &cc.out);
            for (int s = 0; s < n_in && !rc; s++) {
                snprintf(path, sizeof path, "%s/%s", in[s], names[kind]);
                char *text;
                size_t len;
                int r = ds_read_file(path, &text, &len);
                if (r < 0) {
                    snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
                    rc = 1;
                } else if (r == 0) {
                    cc.src = s;
                    if (ds_csv_each_row(text, len, kind, on_child, &cc) < 0) {
                        snprintf(err, sizeof err, "%s: its header is not deepsweep's", path);
                        rc = 2;
                    }
                    free(text);
                }
            }
            files[kind] = cc.out;
        }
        for (int i = 0; i < n_keep; i++)
            mc.rows[i].index = index_of(configs[0], mc.rows[i].id);
        qsort(mc.rows, (size_t)n_keep, sizeof *mc.rows, cmp_index);
        ds_header_line(0, &files[0]);
        for (int i = 0; i < n_keep; i++)
            ds_csvw_raw(&files[0], mc.rows[i].line, mc.rows[i].len);
        for (int k = 0; k < 3; k++)
            if (files[k].oom) {
                snprintf(err, sizeof err, "out of memory");
                rc = 1;
            }
    }
    if (!rc) {
        if (mkdir(out, 0755) != 0 && errno != EEXIST) {
            snprintf(err, sizeof err, "%s: cannot create: %s", out, strerror(errno));
            rc = 1;
        }
        static const char *const order[3] = {"epochs.csv", "layers.csv", "runs.csv"};
        const ds_csvbuf *data[3] = {&files[1], &files[2], &files[0]};
        for (int k = 0; k < 3 && !rc; k++) {
            snprintf(path, sizeof path, "%s/%s", out, order[k]);
            if (ds_write_file_atomic(path, data[k]->s, data[k]->len) != 0) {
                snprintf(err, sizeof err, "%s: cannot write: %s", path, strerror(errno));
                rc = 1;
            }
        }
        snprintf(path, sizeof path, "%s/config.yaml", out);
        if (!rc && ds_write_file_atomic(path, configs[0], strlen(configs[0])) != 0) {
            snprintf(err, sizeof err, "%s: cannot write: %s", path, strerror(errno));
            rc = 1;
        }
    }
    if (rc)
        fprintf(stderr, "deepsweep: merge: %s\n", err);
    else
        printf("merged %d runs from %d folders into %s (%d duplicate rows dropped)\n", n_keep, n_in,
               out, dups);
    for (int k = 0; k < 3; k++)
        ds_csvbuf_free(&files[k]);
    for (int i = 0; i < mc.n; i++)
        free(mc.rows[i].line);
    free(mc.rows);
    for (int i = 0; i < n_in; i++)
        free(configs[i]);
    free(configs);
    free(in);
    return rc;
}
