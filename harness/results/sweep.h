/* Result folders of a sweep: resume, shards, and rows committed whole.
 *
 * results/<name>/ holds runs.csv, epochs.csv, layers.csv (columns in
 * DESIGN.md) and config.yaml (the resolved sweep). A run's rows are appended
 * only when it ends, in the order epochs.csv, layers.csv, runs.csv, each
 * write followed by fsync; a run "exists" only once its runs.csv row does.
 * Opening a folder repairs it first: a torn last line, a damaged row (wrong
 * field count, a number that does not parse: each named on stderr), a
 * `failed` run (retried) and any epochs/layers rows whose run has no
 * runs.csv row are dropped, and a finished run whose epochs/layers rows are
 * gone runs again (named too); each file rewritten atomically (temp file,
 * fsync, rename). So a crash at any instant (kill -9 included) leaves, after
 * the next open, exactly the rows of the runs that finished, once each.
 *
 * sweep.c: the folder (scan, repair, the lock, commits); rows.c: the
 * columns of each file and the rows of a finished run; shard.c: shards. */
#ifndef DS_SWEEP_H
#define DS_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "csv.h"
#include "train.h"

/* The columns of runs.csv, in file order (documented in configs/README.md).
 * Accuracies are fractions in [0,1]. A metric not measured (val_* without a
 * validation split; every metric of a diverged or failed run) is an empty
 * field, which pandas and R read as missing. */
typedef enum {
    /* the run: DESIGN.md's columns first */
    DS_RC_RUN_ID, DS_RC_LABEL, DS_RC_DATASET, DS_RC_DEPTH, DS_RC_WIDTH, DS_RC_ACTIVATION,
    DS_RC_INIT, DS_RC_DROPOUT, DS_RC_OPTIMIZER, DS_RC_LR, DS_RC_BATCH, DS_RC_EPOCHS, DS_RC_SEED,
    DS_RC_PARAMS, DS_RC_STATUS,
    /* its metrics (the last epoch's; best_* chosen on validation) */
    DS_RC_TRAIN_LOSS, DS_RC_TRAIN_ACC, DS_RC_VAL_LOSS, DS_RC_VAL_ACC, DS_RC_TEST_LOSS,
    DS_RC_TEST_ACC, DS_RC_BEST_EPOCH, DS_RC_BEST_VAL_ACC, DS_RC_TEST_ACC_AT_BEST,
    DS_RC_TRAIN_LOSS_RUNNING, DS_RC_TRAIN_ACC_RUNNING, DS_RC_DIVERGED_EPOCH, DS_RC_EPOCHS_DONE,
    DS_RC_SECONDS, DS_RC_SAMPLES_PER_S,
    /* every other resolved key */
    DS_RC_HIDDEN, DS_RC_GROUP, DS_RC_VAL_SPLIT, DS_RC_TRAIN_SUBSET, DS_RC_LOSS, DS_RC_ACT_PARAM,
    DS_RC_INIT_SCALE, DS_RC_BIAS_INIT, DS_RC_MOMENTUM, DS_RC_NESTEROV, DS_RC_BETA1, DS_RC_BETA2,
    DS_RC_EPS, DS_RC_WEIGHT_DECAY, DS_RC_LOG_EVERY, DS_RC_PARAMS_WEIGHTS, DS_RC_PARAMS_BIASES,
    /* the config's reference for the group: a fraction and its source, empty
     * when the config gives none */
    DS_RC_REFERENCE_ACC, DS_RC_REFERENCE_SOURCE,
    /* provenance: where and when it ran (not part of the run id) */
    DS_RC_SWEEP_ID, DS_RC_DEEPSWEEP_VERSION, DS_RC_COMMIT, DS_RC_HOST, DS_RC_CPU, DS_RC_ISA,
    DS_RC_THREADS, DS_RC_STARTED_AT,
    DS_RUNS_COLS
} ds_runs_column;
extern const char *const ds_runs_header[DS_RUNS_COLS];
#define DS_EPOCHS_COLS 11
extern const char *const ds_epochs_header[DS_EPOCHS_COLS];
/* Index of a runs.csv column by name, or -1. */
int ds_runs_col(const char *name);

/* A sweep's run list as config.yaml writes it (one line a run: "  - {index:
 * N, id: X, key: value, ...}"), read once: what a finished runs.csv row is
 * checked against, by resume (ds_results_scan, on the plan's text) and by
 * merge (on each folder's config.yaml) alike. */
typedef struct {
    char id[17];
    long index;       /* the run's position in the sweep               */
    const char *line; /* its line in the text (not copied)              */
} ds_config_run;
typedef struct {
    ds_config_run *runs; /* in the text's order                        */
    int *by_id;          /* runs[] indices sorted by id                 */
    int n;
} ds_config_runs;
/* 0, or -1 out of memory. The text must outlive the index. */
int ds_config_runs_read(ds_config_runs *x, const char *config);
void ds_config_runs_free(ds_config_runs *x);
/* The entry of run id, or NULL when the sweep has no such run. */
const ds_config_run *ds_config_runs_find(const ds_config_runs *x, const char *id);
/* NULL when runs.csv row f restates its entry's configuration (dataset,
 * activation, init, optimizer, loss, bias_init as text; lr, dropout,
 * weight_decay, batch, epochs, seed, train_subset as numbers); else why,
 * "lr is 0.5 but the sweep's config.yaml has 0.3 for run ID". */
const char *ds_row_vs_config(const ds_config_run *e, const char *const *f, char *why, size_t n);
extern const char *const ds_layers_header[6];

/* 1 for a runs.csv column that may differ between two runs of one config
 * (wall time, speed, where and when it ran, the build): merge and the
 * shard/resume tests compare every other column. */
int ds_runs_col_provenance(int col);

/* The outcome of one run as its runs.csv row says (metrics NaN when empty). */
typedef struct {
    char id[17];
    char status[12];
    double train_loss, train_acc, val_acc, test_acc;
    double seconds;
    unsigned char children; /* rows seen in epochs.csv (1), layers.csv (2) */
    unsigned char rerun;    /* finished, but its epochs/layers rows are gone */
} ds_run_row;

/* The longest results folder path (characters): a longer one (run --out,
 * merge's folders) is refused, never cut to another folder's path. */
#define DS_RESULTS_DIR_MAX 1023

/* 0 when dir is at most DS_RESULTS_DIR_MAX characters, else 2 with err
 * "<dir>: N characters, more than a results folder path may have ...". */
int ds_results_dir_check(const char *dir, char *err, size_t errlen);

/* Where and when runs ran: the provenance columns of runs.csv. */
typedef struct {
    char sweep_id[17];
    char version[32];   /* the VERSION file at build time                    */
    char commit[64];    /* `git describe --always --dirty` at build time, or "unknown" */
    char host[256];
    char cpu[128];      /* hwloc's CPU model, or "unknown"                   */
    const char *isa;    /* the kernels' dispatched ISA                       */
    int threads;        /* OpenMP threads of the run                         */
    long long started_at; /* time(2) when the run started                    */
} ds_provenance;
/* Fills everything but threads and started_at (the runner sets them per
 * run). */
void ds_provenance_init(ds_provenance *p, const char *sweep_id);

typedef struct {
    char dir[DS_RESULTS_DIR_MAX + 1];
    int fd_runs, fd_epochs, fd_layers;
    int fd_lock;       /* the flock'd folder: one writer per folder */
    ds_run_row *done;  /* finished runs found on open, sorted by id */
    int n_done;
    /* file contents after repair, written by ds_results_commit_repair */
    char *fix[3];
    size_t fix_len[3];
    int needs_fix[3];
    char *old_config;  /* config.yaml as found, or NULL */
    int force;         /* the scan's argument, to scan again under the lock */
    char old_sweep_id[17]; /* config.yaml's sweep_id as found, or "" */
    int n_stale;       /* finished runs whose id is not in the plan        */
    char stale_example[160]; /* the first of them: "run ID: group 'G', seed S" */
    ds_csvbuf notes;   /* what the repair drops and why, one line each */
} ds_results;

/* "I/N" -> *i, *n (0 <= I < N). 0, or 2 with a message. */
int ds_shard_parse(const char *s, int *i, int *n, char *err, size_t errlen);
/* SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (and _MIN) if set: 1 and the
 * shard; 0 if not in an array job; 2 with a message if malformed. */
int ds_shard_from_env(int *i, int *n, char *err, size_t errlen);

/* Reads dir (read-only): finds finished runs; prepares the repaired files.
 * A finished run whose id is in the plan is kept, whatever sweep wrote it
 * (so adding values or seeds to a sweep reruns none of its finished runs),
 * if its row restates the plan's config for it (ds_row_vs_config, merge's
 * check): a row that does not is damaged, named in notes, dropped and run
 * again;
 * finished runs whose ids are not in the plan (a changed config) are
 * counted in n_stale and refused (2) unless force, which drops them.
 * Returns 0, 2 (bad input, message in err) or 1. */
int ds_results_scan(ds_results *r, const char *dir, const ds_plan *plan, int force, char *err,
                    size_t errlen);
/* Creates dir, takes its lock (2 if another process holds it), scans it
 * again under the lock (so ds_results_find's earlier answers are stale:
 * ask again), writes the repaired files and config.yaml, opens the files for
 * appending. 0, 1 or 2 (message in err). */
int ds_results_open(ds_results *r, const ds_plan *plan, char *err, size_t errlen);
void ds_results_close(ds_results *r);

/* mkdir -p dir. 0, or 1 with a message. */
int ds_mkdir_p(const char *dir, char *err, size_t errlen);
/* Takes dir's lock without waiting: an flock on the folder itself (or,
 * where the file system cannot flock a directory, on dir/.lock), exclusive
 * for a writer, shared for a reader (*fd = -1 and 0 when the folder does
 * not exist). Held by the open descriptor, so deleting any file does not
 * release it. 0; 2 with a message ending in "(hint)" when a writer (or, for
 * a writer, anyone) holds it; 1 on a system error. Released by close(*fd)
 * or at exit. */
int ds_results_lock(const char *dir, int exclusive, const char *hint, int *fd, char *err,
                    size_t errlen);

/* 1 for a runs.csv status that ends a run for good (ok, diverged: the same
 * config gives them again); 0 for one a later run retries (failed). */
int ds_run_status_final(const char *status);

/* The finished row of id, or NULL. */
const ds_run_row *ds_results_find(const ds_results *r, const char *id);

/* Rows of one run, gathered while it trains (epoch hook), or of a batch
 * of runs committed together (runner.c). */
typedef struct {
    ds_csvbuf epochs, layers;
    const char *id; /* the (first) run's id, for messages */
    int n_runs;     /* runs whose rows these are; 0 counts as 1 */
} ds_run_rows;
void ds_run_rows_epoch(ds_run_rows *rows, const ds_epoch_metrics *e,
                       const ds_layer_metrics *layers, int n_layers);

/* Builds the runs.csv row of a finished run. */
void ds_runs_row(ds_csvbuf *b, const ds_run *run, const ds_run_result *res,
                 const ds_provenance *prov);

/* The textual form of a run's hidden widths in runs.csv: "[256-256]",
 * "[256]" (never a bare number, so every CSV reader sees text), "none". */
void ds_hidden_text(const ds_run_config *rc, char *out, size_t n);
/* Appends epochs, layers then the runs rows of a run or a batch of runs,
 * each file one write and one fsync. 0 or 1. */
int ds_results_commit(ds_results *r, ds_run_rows *rows, const ds_csvbuf *runs_row, char *err,
                      size_t errlen);

/* Header line of a file kind: 0 runs, 1 epochs, 2 layers. */
void ds_header_line(int kind, ds_csvbuf *b);

/* One row of a results file as ds_csv_each_row hands it over. */
typedef struct {
    const char *const *f; /* its fields                        */
    const char *text;     /* its text, line end included        */
    size_t len;
    const char *name;     /* the file, for messages             */
    long line;            /* the line where it starts           */
} ds_row;
/* What a row callback says: the row is kept, left out on purpose (a failed
 * run, a duplicate: not damage), damaged (the callback has said why), or a
 * failure (out of memory: the whole read stops, nothing may be dropped). */
enum { DS_ROW_KEEP = 0, DS_ROW_SKIP = 1, DS_ROW_DAMAGED = 2, DS_ROW_FAIL = -1 };
typedef int (*ds_row_fn)(void *ctx, const ds_row *row);
/* Told "file:line[:col]: reason" for each damaged row. */
typedef void (*ds_damage_fn)(void *ctx, const char *message);
#define DS_ROWS_BAD_HEADER (-1)
#define DS_ROWS_FAILED (-2)
/* Reads a results file's text (kind: 0 runs, 1 epochs, 2 layers; name: its
 * path, for messages) with the CSV reader (csvread.h) and calls fn for each
 * row that is whole and well formed: the right field count, a run id of 16
 * hex digits, a number in every numeric column (metrics may be empty), a
 * known status. A damaged row (malformed, torn: the last line without its
 * line end, or unparseable) is not handed to fn: it is counted and, if
 * damaged is not NULL, reported. Returns the number of damaged rows (fn's
 * DS_ROW_DAMAGED included), DS_ROWS_BAD_HEADER if the header is not
 * deepsweep's header of kind, DS_ROWS_FAILED if fn failed or memory ran
 * out. */
int ds_csv_each_row(const char *name, const char *text, size_t len, int kind, ds_row_fn fn,
                    ds_damage_fn damaged, void *ctx);

/* The value of "key: value" on a line of a YAML text we wrote (sweep_id). */
int ds_yaml_line_value(const char *text, const char *key, char *out, size_t n);

#endif
