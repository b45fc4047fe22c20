/* Result folders: CSV writer, repair after a crash, resume, shards, merge,
 * refusals that leave nothing written, determinism across thread counts.
 * End-to-end cases run build/deepsweep (DEEPSWEEP_BIN, set by make test) on
 * small XOR sweeps: a few seconds in all. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "csv.h"
#include "csvread.h"
#include "alloc_fault.h"
#include "merge.h"
#include "runner.h"
#include "sweep.h"

#include "folder_test_util.h"

static void setup(void) { folder_setup("/tmp/ds-sweep-XXXXXX"); }

TestSuite(sweep, .init = setup, .fini = folder_teardown);

/* ---- CSV ----------------------------------------------------------------- */

Test(sweep, csv_quotes_and_reads_back)
{
    ds_csvbuf b = {0};
    const char *in[] = {"plain", "a,b", "say \"hi\"", " edge", "", "x\ny"};
    for (int i = 0; i < 6; i++)
        ds_csvw_str(&b, in[i]);
    ds_csvw_end(&b);
    cr_assert_str_eq(b.s, "plain,\"a,b\",\"say \"\"hi\"\"\",\" edge\",,\"x\ny\"\n");
    /* the one reader (csvread.h) reads the writer's row back, the quoted
     * line break included, from a header and that row */
    char text[256];
    int n = snprintf(text, sizeof text, "a,b,c,d,e,f\n%s", b.s);
    FILE *mem = fmemopen(text, (size_t)n, "rb");
    char err[256];
    ds_csv *c = ds_csv_open_stream(mem, "mem", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    for (int i = 0; i < 6; i++)
        cr_assert_str_eq(ds_csv_field(c, i), in[i]);
    cr_assert_eq(ds_csv_row_complete(c), 1);
    long start, end;
    ds_csv_row_span(c, &start, &end);
    cr_assert_eq(start, 12);
    cr_assert_eq(end, n, "the span of a row is its text, line end included");
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 0);
    ds_csv_close(c);
    ds_csvbuf_free(&b);
}

/* What the repair of a results folder relies on: a malformed row is an
 * error and reading goes on at the next line; a row without its line end
 * (torn by a crash) says so; a NUL byte is malformed. */
Test(sweep, csv_reader_skips_bad_rows_and_sees_torn_ones)
{
    static const char text[] = "x,y\n1,\"2\"3\n4,5\n6,7\0\n8,9";
    FILE *mem = fmemopen((void *)text, sizeof text - 1, "rb");
    char err[256];
    ds_csv *c = ds_csv_open_stream(mem, "mem", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "text after a closing quote"), "%s", err);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    cr_assert_str_eq(ds_csv_field(c, 0), "4");
    cr_assert_eq(ds_csv_row_complete(c), 1);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "NUL byte"), "%s", err);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    cr_assert_str_eq(ds_csv_field(c, 1), "9");
    cr_assert_eq(ds_csv_row_complete(c), 0);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 0);
    ds_csv_close(c);
}

Test(sweep, csv_numbers)
{
    ds_csvbuf b = {0};
    ds_csvw_dbl(&b, 0.1);        /* %.9g of a double: 9 significant digits */
    ds_csvw_flt(&b, 0.1f);       /* shortest text that reads back as 0.1f */
    ds_csvw_flt(&b, 0.3f);
    ds_csvw_dbl(&b, 1.0 / 3.0);
    ds_csvw_int(&b, -42);
    ds_csvw_dbl(&b, 0.0 / 0.0);
    ds_csvw_end(&b);
    cr_assert_str_eq(b.s, "0.1,0.1,0.3,0.333333333,-42,nan\n");
    char t[32];
    ds_fmt_float(t, sizeof t, 16777217.0f); /* not representable: 16777216 */
    cr_assert_str_eq(t, "16777216");
    ds_fmt_float(t, sizeof t, 1e-8f);
    cr_assert_eq((float)strtod(t, NULL), 1e-8f);
    ds_csvbuf_free(&b);
}

/* ---- shards --------------------------------------------------------------- */

Test(sweep, shard_parse)
{
    char err[256];
    int i, n;
    cr_assert_eq(ds_shard_parse("1/3", &i, &n, err, sizeof err), 0);
    cr_assert(i == 1 && n == 3);
    cr_assert_eq(ds_shard_parse("3/3", &i, &n, err, sizeof err), 2);
    cr_assert_str_eq(err, "--shard 3/3: I = 3 is out of range (0 <= I < N = 3)");
    cr_assert_eq(ds_shard_parse("0/0", &i, &n, err, sizeof err), 2);
    cr_assert_str_eq(err, "--shard 0/0: N = 0 is out of range (N >= 1)");
    cr_assert_eq(ds_shard_parse("x", &i, &n, err, sizeof err), 2);
    cr_assert_str_eq(err, "--shard x: expected I/N (0 <= I < N, e.g. 0/3)");
    setenv("SLURM_ARRAY_TASK_ID", "5", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "3", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "4", 1);
    cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 1);
    cr_assert(i == 1 && n == 3);
    setenv("SLURM_ARRAY_TASK_ID", "7", 1);
    cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 2);
    unsetenv("SLURM_ARRAY_TASK_ID");
    cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 2); /* COUNT alone: half a shard */
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    unsetenv("SLURM_ARRAY_TASK_MIN");
    cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 0);
}

/* ---- repair ------------------------------------------------------------- */

static const char *xor_cfg = "name: t\ndataset: xor\nbase: {width: 4, depth: 1, loss: sigmoid_bce, "
                             "optimizer: sgd, lr: 0.5, batch: 4, epochs: 50, log_every: 25}\n"
                             "sweep: {activation: [relu, tanh]}\nseeds: 2\n";

static void plan_of(const char *cfg, char **ov, int n, ds_plan *p)
{
    put("x.yaml", cfg);
    char path[128], err[1024];
    snprintf(path, sizeof path, "%s/x.yaml", dir);
    cr_assert_eq(ds_plan_load(path, ov, n, p, err, sizeof err), 0, "%s", err);
}

static void header(ds_csvbuf *b, int kind)
{
    ds_csvbuf_clear(b);
    ds_header_line(kind, b);
}

/* The reference of a run's group, from the config only: reference_acc
 * (a fraction, like every accuracy in the files) and reference_source,
 * both empty when the config gives none. */
Test(sweep, runs_row_has_the_configs_reference)
{
    ds_plan p;
    plan_of(xor_cfg, NULL, 0, &p);
    ds_run with = p.runs[0], without = p.runs[1];
    with.reference = 0.9783;
    with.has_reference = 1;
    snprintf(with.reference_source, sizeof with.reference_source, "course lab 22, \"one run\"");
    ds_csvbuf b = {0};
    header(&b, 0);
    ds_run_result ok = {.status = DS_RUN_OK, .train_acc = 1, .test_acc = 1};
    const ds_provenance pv = {.sweep_id = "0123456789abcdef", .isa = "avx2", .threads = 2};
    ds_runs_row(&b, &with, &ok, &pv);
    ds_runs_row(&b, &without, &ok, &pv);
    FILE *f = fmemopen(b.s, b.len, "r");
    char err[512];
    ds_csv *c = ds_csv_open_stream(f, "runs.csv", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    int acc = ds_csv_col(c, "reference_acc"), src = ds_csv_col(c, "reference_source");
    cr_assert(acc >= 0 && src >= 0, "runs.csv has reference_acc and reference_source");
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    cr_assert_str_eq(ds_csv_field(c, acc), "0.9783");
    cr_assert_str_eq(ds_csv_field(c, src), "course lab 22, \"one run\"");
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    cr_assert_str_eq(ds_csv_field(c, acc), "");
    cr_assert_str_eq(ds_csv_field(c, src), "");
    ds_csv_close(c);
    ds_csvbuf_free(&b);
    ds_plan_free(&p);
}

/* One logged epoch of run id: its epochs.csv row and two layers.csv rows. */
static void child_rows(ds_csvbuf *ep, ds_csvbuf *ly, const char *id)
{
    ds_run_rows rr = {.id = id};
    ds_epoch_metrics e = {.epoch = 25, .train_loss = 0.5, .train_acc = 1, .test_acc = 1, .seconds = 0.1};
    ds_layer_metrics l[2] = {{.layer = 0, .grad_norm = 1}, {.layer = 1, .grad_norm = 2}};
    ds_run_rows_epoch(&rr, &e, l, 2);
    ds_csvw_raw(ep, rr.epochs.s, rr.epochs.len);
    ds_csvw_raw(ly, rr.layers.s, rr.layers.len);
    ds_csvbuf_free(&rr.epochs);
    ds_csvbuf_free(&rr.layers);
}

/* Writes the three files and scans the folder for plan p. */
static void put_and_scan(const ds_csvbuf *runs, const ds_csvbuf *ep, const ds_csvbuf *ly,
                         const ds_plan *p, ds_results *r)
{
    put("runs.csv", runs->s);
    put("epochs.csv", ep->s);
    put("layers.csv", ly->s);
    char err[1024];
    cr_assert_eq(ds_results_scan(r, dir, p, 0, err, sizeof err), 0, "%s", err);
}

Test(sweep, repair_keeps_only_whole_finished_runs)
{
    ds_plan p;
    plan_of(xor_cfg, NULL, 0, &p);
    cr_assert_eq(p.n_runs, 4);
    /* runs.csv: run 0 ok, run 1 failed (retried), run 2 ok twice (a
     * duplicate), then a torn line; epochs.csv rows of runs 0..3. */
    ds_csvbuf runs = {0}, ep = {0}, ly = {0};
    header(&runs, 0);
    ds_run_result ok = {.status = DS_RUN_OK, .train_acc = 1, .test_acc = 1, .params_weights = 12, .params_biases = 5};
    ds_run_result failed = ok;
    failed.status = DS_RUN_FAILED;
    const ds_provenance pv = {.sweep_id = "0123456789abcdef", .isa = "avx2", .threads = 2};
    ds_runs_row(&runs, &p.runs[0], &ok, &pv);
    ds_runs_row(&runs, &p.runs[1], &failed, &pv);
    ds_runs_row(&runs, &p.runs[2], &ok, &pv);
    ds_runs_row(&runs, &p.runs[2], &ok, &pv);
    ds_csvw_raw(&runs, p.runs[3].id, 16);
    ds_csvw_raw(&runs, ",t,xor", 6); /* torn: no newline */
    header(&ep, 1);
    header(&ly, 2);
    for (int i = 0; i < 4; i++)
        child_rows(&ep, &ly, p.runs[i].id);
    ds_csvw_raw(&ly, "garbage-without-newline", 23);
    ds_results r;
    put_and_scan(&runs, &ep, &ly, &p, &r);
    char err[1024];
    cr_assert_eq(r.n_done, 2);
    cr_assert_not_null(ds_results_find(&r, p.runs[0].id));
    cr_assert_null(ds_results_find(&r, p.runs[1].id));
    cr_assert_not_null(ds_results_find(&r, p.runs[2].id));
    cr_assert_null(ds_results_find(&r, p.runs[3].id));
    cr_assert_eq(ds_results_open(&r, &p, err, sizeof err), 0, "%s", err);
    ds_results_close(&r);
    char *got = get("runs.csv");
    ds_csvbuf want = {0};
    header(&want, 0);
    ds_runs_row(&want, &p.runs[0], &ok, &pv);
    ds_runs_row(&want, &p.runs[2], &ok, &pv);
    cr_assert_str_eq(got, want.s);
    free(got);
    got = get("epochs.csv");
    int lines = 0;
    for (char *c = got; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, 1 + 2, "%s", got); /* header + runs 0 and 2 */
    cr_assert_not_null(strstr(got, p.runs[0].id));
    cr_assert_null(strstr(got, p.runs[1].id));
    free(got);
    got = get("layers.csv");
    lines = 0;
    for (char *c = got; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, 1 + 4, "%s", got);
    cr_assert_null(strstr(got, "garbage"));
    free(got);
    cr_assert(exists("config.yaml"));
    /* force keeps the finished runs of the plan: nothing to drop */
    cr_assert_eq(ds_results_scan(&r, dir, &p, 1, err, sizeof err), 0);
    cr_assert_eq(r.n_done, 2);
    cr_assert_eq(r.n_stale, 0);
    ds_results_close(&r);
    ds_csvbuf_free(&runs);
    ds_csvbuf_free(&ep);
    ds_csvbuf_free(&ly);
    ds_csvbuf_free(&want);
    ds_plan_free(&p);
}

/* Resume checks a finished row against the sweep's config.yaml as merge
 * does (one validation): a row whose id is in the sweep but whose columns
 * say another configuration (a hand-edited or mixed-up file) was kept and
 * counted as finished; it is damaged: named, dropped, and its run runs
 * again. */
Test(sweep, resume_drops_a_row_whose_config_is_not_the_sweeps)
{
    ds_plan p;
    plan_of(xor_cfg, NULL, 0, &p);
    ds_csvbuf runs = {0}, ep = {0}, ly = {0};
    header(&runs, 0);
    header(&ep, 1);
    header(&ly, 2);
    ds_run_result ok = {.status = DS_RUN_OK, .train_acc = 1, .test_acc = 1, .params_weights = 12, .params_biases = 5};
    const ds_provenance pv = {.sweep_id = "0123456789abcdef", .isa = "avx2", .threads = 2};
    ds_run other = p.runs[0];
    other.rc.lr = 0.25f; /* run 0's id, another lr */
    ds_runs_row(&runs, &other, &ok, &pv);
    ds_runs_row(&runs, &p.runs[2], &ok, &pv);
    child_rows(&ep, &ly, p.runs[0].id);
    child_rows(&ep, &ly, p.runs[2].id);
    ds_results r;
    put_and_scan(&runs, &ep, &ly, &p, &r);
    cr_assert_eq(r.n_done, 1);
    cr_assert_null(ds_results_find(&r, p.runs[0].id), "a row of another config is not run 0");
    cr_assert_not_null(ds_results_find(&r, p.runs[2].id));
    char want[256];
    snprintf(want, sizeof want, "runs.csv:2: lr is 0.25 but the sweep's config.yaml has 0.5 for run %s: row dropped",
             p.runs[0].id);
    cr_assert_not_null(r.notes.s);
    cr_assert_not_null(strstr(r.notes.s, want), "%s", r.notes.s);
    ds_results_close(&r);
    ds_csvbuf_free(&runs);
    ds_csvbuf_free(&ep);
    ds_csvbuf_free(&ly);
    ds_plan_free(&p);
}

static char *deterministic(const char *name);

/* runs.csv holds every resolved key of a run (a column of the key's name),
 * but data_dir (where the files are, not what was run) and reference (the
 * report's columns); every column name once. */
Test(sweep, runs_csv_has_every_run_key)
{
    for (int k = 0; k < DS_KEY_COUNT; k++) {
        const char *key = ds_key_row_of((ds_key)k)->name;
        if (!strcmp(key, "data_dir") || !strcmp(key, "reference"))
            continue;
        int found = 0;
        for (int c = 0; c < DS_RUNS_COLS; c++)
            found += !strcmp(ds_runs_header[c], key);
        cr_assert_eq(found, 1, "runs.csv has %d columns named after the run key '%s'", found, key);
    }
    for (int c = 0; c < DS_RUNS_COLS; c++) {
        cr_assert_not_null(ds_runs_header[c], "column %d has no name", c);
        for (int d = 0; d < c; d++)
            cr_assert_str_neq(ds_runs_header[c], ds_runs_header[d]);
    }
}

/* A diverged run's row: status diverged, the epoch, and empty metrics (not
 * 0: a plain mean over the column would count it). hidden is text. */
Test(sweep, diverged_row_has_empty_metrics)
{
    ds_plan p;
    plan_of(xor_cfg, NULL, 0, &p);
    ds_run_result res = {.status = DS_RUN_DIVERGED, .diverged_epoch = 3, .epochs_done = 3,
                         .train_loss = NAN, .train_acc = 0, .test_acc = 0,
                         .train_loss_running = INFINITY, .params_weights = 12};
    const ds_provenance pv = {.sweep_id = "0123456789abcdef", .isa = "avx2", .threads = 2,
                              .started_at = 86400};
    ds_csvbuf b = {0};
    header(&b, 0);
    ds_runs_row(&b, &p.runs[0], &res, &pv);
    put("d.csv", b.s);
    char path[600], err[512];
    snprintf(path, sizeof path, "%s/d.csv", dir);
    ds_csv *c = ds_csv_open(path, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    cr_assert_str_eq(ds_csv_field(c, DS_RC_STATUS), "diverged");
    cr_assert_str_eq(ds_csv_field(c, DS_RC_DIVERGED_EPOCH), "3");
    const int empty[] = {DS_RC_TRAIN_LOSS, DS_RC_TRAIN_ACC, DS_RC_VAL_LOSS, DS_RC_VAL_ACC,
                         DS_RC_TEST_LOSS, DS_RC_TEST_ACC, DS_RC_BEST_EPOCH, DS_RC_BEST_VAL_ACC,
                         DS_RC_TEST_ACC_AT_BEST, DS_RC_TRAIN_LOSS_RUNNING,
                         DS_RC_TRAIN_ACC_RUNNING};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
        cr_assert_str_eq(ds_csv_field(c, empty[i]), "", "%s", ds_runs_header[empty[i]]);
    cr_assert_str_eq(ds_csv_field(c, DS_RC_HIDDEN), "[4]");
    cr_assert_str_eq(ds_csv_field(c, DS_RC_STARTED_AT), "1970-01-02T00:00:00Z");
    cr_assert_str_eq(ds_csv_field(c, DS_RC_SWEEP_ID), "0123456789abcdef");
    ds_csv_close(c);
    ds_csvbuf_free(&b);
    ds_plan_free(&p);
}

/* The runner API as `run` drives it. The folder may change between the
 * read-only scan (ds_runner_init) and the scan under the lock
 * (ds_runner_execute): a run seen finished first and gone later is run,
 * its data loaded then. */
Test(sweep, runner_runs_what_the_locked_scan_finds_unfinished)
{
    ds_plan p;
    plan_of(xor_cfg, NULL, 0, &p);
    char out[128], err[1024];
    snprintf(out, sizeof out, "%s/res", dir);
    ds_runner_opts o = {.out = out, .quiet = 1};
    ds_runner r;
    cr_assert_eq(ds_runner_init(&r, &p, &o, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.n_sel, 4);
    cr_assert_eq(r.n_done, 0);
    cr_assert_eq(ds_runner_execute(&r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_runner_exit_status(&r, stderr), 0);
    ds_runner_free(&r);
    char *runs = get("res/runs.csv");
    put("first.csv", runs);
    free(runs);

    cr_assert_eq(ds_runner_init(&r, &p, &o, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.n_done, 4);
    ds_csvbuf h = {0};
    header(&h, 0);
    put("res/runs.csv", h.s); /* every run gone before the lock is taken */
    cr_assert_eq(ds_runner_execute(&r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.n_done, 0, "the scan under the lock found no run finished");
    for (int i = 0; i < 4; i++)
        cr_assert_not_null(r.rows[i], "run %d not run again", i);
    ds_runner_free(&r);
    char *a = deterministic("first.csv"), *b = deterministic("res/runs.csv");
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    ds_csvbuf_free(&h);
    ds_plan_free(&p);
}

/* Finished runs of another config (ids not in the plan) are refused
 * without force and dropped with it; another sweep_id alone (an extended
 * sweep) is no reason to refuse. */
Test(sweep, other_config_refused_without_force)
{
    ds_plan p, q;
    plan_of(xor_cfg, NULL, 0, &p);
    char *ov[] = {"lr=0.25"};
    plan_of(xor_cfg, ov, 1, &q);
    put("config.yaml", "name: t\nsweep_id: 0123456789abcdef\nsource: \"old.yaml\"\noverrides: \"\"\n");
    ds_csvbuf runs = {0};
    header(&runs, 0);
    ds_run_result ok = {.status = DS_RUN_OK, .train_acc = 1, .test_acc = 1};
    const ds_provenance pv = {.sweep_id = "0123456789abcdef", .isa = "avx2", .threads = 1};
    ds_runs_row(&runs, &q.runs[1], &ok, &pv);
    ds_runs_row(&runs, &p.runs[0], &ok, &pv);
    put("runs.csv", runs.s);
    ds_csvbuf ep = {0}, ly = {0}; /* a finished run has its epochs/layers rows */
    header(&ep, 1);
    header(&ly, 2);
    child_rows(&ep, &ly, p.runs[0].id);
    put("epochs.csv", ep.s);
    put("layers.csv", ly.s);
    ds_csvbuf_free(&ep);
    ds_csvbuf_free(&ly);
    ds_results r;
    char err[1024], want[1024];
    cr_assert_eq(ds_results_scan(&r, dir, &p, 0, err, sizeof err), 2);
    snprintf(want, sizeof want,
             "%s: holds 1 finished run that is not in this sweep (the config changed since they ran; "
             "e.g. run %s: group '%s', seed 2): use --out DIR for a new folder, or --force to drop "
             "them and run this sweep there",
             dir, q.runs[1].id, q.runs[1].group);
    cr_assert_str_eq(err, want);
    ds_results_close(&r);
    cr_assert_eq(ds_results_scan(&r, dir, &p, 1, err, sizeof err), 0);
    cr_assert_eq(r.n_stale, 1);
    cr_assert_eq(r.n_done, 1);
    cr_assert_not_null(ds_results_find(&r, p.runs[0].id));
    cr_assert_str_eq(r.old_sweep_id, "0123456789abcdef");
    ds_results_close(&r);
    ds_csvbuf_free(&runs);
    ds_plan_free(&q);
    ds_plan_free(&p);
}

/* ---- end to end (the deepsweep binary) ------------------------------------ */

static const char *bin(void)
{
    const char *b = getenv("DEEPSWEEP_BIN");
    return b ? b : "build/deepsweep";
}

/* Runs `deepsweep <command> <args>` in dir; returns the exit status; stderr
 * in dir/err.txt, stdout in dir/out.txt. */
static int deepsweep(const char *command, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s %s >out.txt 2>err.txt", dir, bin(), command, args);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "%s", cmd);
    return WEXITSTATUS(st);
}

static int run(const char *args) { return deepsweep("run", args); }
static int merge_cmd(const char *args) { return deepsweep("merge", args); }

static void expect_refused(const char *args, const char *msg)
{
    int st = run(args);
    char *e = get("err.txt");
    cr_assert_eq(st, 2, "deepsweep run %s: exit %d, stderr %s", args, st, e);
    cr_assert_not_null(strstr(e, msg), "deepsweep run %s: stderr %s", args, e);
    free(e);
    cr_assert(!exists("results"), "deepsweep run %s wrote results", args);
}

Test(sweep, bad_input_writes_nothing)
{
    cr_assert_eq(access(bin(), X_OK), 0, "DEEPSWEEP_BIN=%s is not executable", bin());
    put("x.yaml", xor_cfg);
    put("bad.yaml", "name: t\ndataset: xor\nbase: {loss: sigmoid_bce, batch: 4, dropout: 1.5}\n");
    expect_refused("bad.yaml", "deepsweep: bad.yaml:3:46: dropout: 1.5 is out of range (0 <= dropout < 1)");
    expect_refused("x.yaml epochs", "deepsweep: argument 'epochs': an override is key=value");
    expect_refused("x.yaml --shard 2/2", "deepsweep: run: --shard 2/2: I = 2 is out of range (0 <= I < N = 2)");
    expect_refused("x.yaml --shard 0/0", "N = 0 is out of range (N >= 1)");
    expect_refused("x.yaml hidden=100000-100000-100000", "GiB, more than this machine's");
    put("m.yaml", "name: m\ndataset: mnist\nbase: {data_dir: nowhere}\n");
    expect_refused("m.yaml", "deepsweep: nowhere/");
    /* a folder holding another sweep is left untouched */
    cr_assert_eq(run("x.yaml --out res -q"), 0);
    char *before = get("res/runs.csv");
    int st = run("x.yaml --out res lr=0.25 -q");
    char *e = get("err.txt"), *after = get("res/runs.csv");
    cr_assert_eq(st, 2);
    cr_assert_not_null(strstr(e, "holds 4 finished runs that are not in this sweep"), "%s", e);
    cr_assert_str_eq(before, after);
    free(before);
    free(after);
    free(e);
}

/* GNU and Hydra forms: --opt=value, short options, -m/--multirun as a
 * no-op, a misspelt option answered with the right one. */
Test(sweep, run_options_gnu_and_hydra_forms)
{
    put("x.yaml", xor_cfg);
    cr_assert_eq(run("x.yaml -m --threads=2 -n"), 0);
    char *out = get("out.txt");
    cr_assert_not_null(strstr(out, "4 runs: 0 finished, 4 to run"), "%s", out);
    free(out);
    cr_assert_eq(run("--multirun x.yaml --dry-run --out=elsewhere"), 0);
    out = get("out.txt");
    cr_assert_not_null(strstr(out, "results in elsewhere"), "%s", out);
    free(out);
    cr_assert_eq(run("x.yaml --dryrun"), 2);
    char *e = get("err.txt");
    cr_assert_not_null(strstr(e, "deepsweep: run: unknown option '--dryrun' (did you mean --dry-run?)"), "%s", e);
    free(e);
    cr_assert(!exists("results") && !exists("elsewhere"));
}

/* The text after a dry run's first line (which names the mode): the run
 * table and the count. */
static char *run_table(void)
{
    char *out = get("out.txt");
    cr_assert_not_null(out);
    char *nl = strchr(out, '\n');
    cr_assert_not_null(nl, "%s", out);
    memmove(out, nl + 1, strlen(nl + 1) + 1);
    return out;
}

/* `run CONFIG overrides --cfg > r.yaml && run r.yaml --dry-run` lists the
 * same runs (ids, groups, order) as `run CONFIG overrides --dry-run`, with
 * Hydra's override forms among the overrides; --cfg writes no results. */
Test(sweep, cfg_prints_an_experiment_run_accepts_back)
{
    put("x.yaml", xor_cfg);
    const char *ov = "x.yaml lr=0.25 'hidden=[3,2]' activation=relu,tanh,sigmoid +weight_decay=0.001 seeds=3";
    char args[512];
    snprintf(args, sizeof args, "%s --cfg", ov);
    cr_assert_eq(run(args), 0);
    char *composed = get("out.txt");
    put("r.yaml", composed);
    free(composed);
    cr_assert(!exists("results"), "--cfg wrote results");
    snprintf(args, sizeof args, "%s --dry-run", ov);
    cr_assert_eq(run(args), 0);
    char *want = run_table();
    /* --print-config is --cfg; printing wins over --dry-run */
    cr_assert_eq(run("--print-config r.yaml -n"), 0);
    char *again = get("out.txt");
    cr_assert_not_null(strstr(again, "name: t"), "%s", again);
    cr_assert_null(strstr(again, "runs: 0 finished"), "%s", again);
    free(again);
    cr_assert_eq(run("r.yaml --dry-run"), 0);
    char *got = run_table();
    cr_assert_str_eq(got, want);
    cr_assert_not_null(strstr(want, "9 runs: 0 finished, 9 to run"), "%s", want);
    cr_assert_not_null(strstr(want, "3-2"), "%s", want);
    free(want);
    free(got);
}

/* runs.csv without the columns that may differ between runs of one config
 * (ds_runs_col_provenance: seconds, samples_per_s, threads, host, ...),
 * found by name, rows sorted. */
static char *deterministic(const char *name)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ds_csv *c = ds_csv_open(path, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(ds_csv_ncols(c), DS_RUNS_COLS);
    ds_csvbuf b = {0};
    for (int i = 0; i < DS_RUNS_COLS; i++) {
        cr_assert_str_eq(ds_csv_header(c, i), ds_runs_header[i]);
        if (!ds_runs_col_provenance(i))
            ds_csvw_str(&b, ds_csv_header(c, i));
    }
    ds_csvw_end(&b);
    int r;
    while ((r = ds_csv_next(c, err, sizeof err)) == 1) {
        for (int i = 0; i < DS_RUNS_COLS; i++)
            if (!ds_runs_col_provenance(i))
                ds_csvw_str(&b, ds_csv_field(c, i));
        ds_csvw_end(&b);
    }
    cr_assert_eq(r, 0, "%s", err);
    ds_csv_close(c);
    char det[600], cmd[1300];
    snprintf(det, sizeof det, "%s.det", name);
    put(det, b.s);
    ds_csvbuf_free(&b);
    snprintf(cmd, sizeof cmd, "cd '%s' && sort -o %s %s", dir, det, det);
    cr_assert_eq(system(cmd), 0);
    char *s = get(det);
    cr_assert_not_null(s);
    return s;
}

/* Runs yaml at 1 and at 2 threads into t1/ and t2/: the deterministic
 * columns of runs.csv and all of layers.csv must be equal. Returns the
 * number of lines of runs.csv, header included. */
static int same_bits_at_1_and_2_threads(const char *yaml)
{
    char args[256];
    /* one run at a time: the files in the same order (--jobs is tested apart) */
    snprintf(args, sizeof args, "%s --out t1 --threads 1 --jobs 1 -q", yaml);
    cr_assert_eq(run(args), 0);
    snprintf(args, sizeof args, "%s --out t2 --threads 2 --jobs 1 -q", yaml);
    cr_assert_eq(run(args), 0);
    char *a = deterministic("t1/runs.csv"), *b = deterministic("t2/runs.csv");
    cr_assert_str_eq(a, b);
    int rows = 0;
    for (char *c = a; *c; c++)
        rows += *c == '\n';
    free(a);
    free(b);
    char *l1 = get("t1/layers.csv"), *l2 = get("t2/layers.csv");
    cr_assert_str_eq(l1, l2);
    free(l1);
    free(l2);
    return rows;
}

Test(sweep, same_bits_at_1_and_2_threads_and_resume_adds_nothing)
{
    put("x.yaml", xor_cfg);
    cr_assert_eq(same_bits_at_1_and_2_threads("x.yaml"), 1 + 4);
    /* again: every run is finished, nothing is appended */
    char *before = get("t1/runs.csv");
    cr_assert_eq(run("x.yaml --out t1 -q"), 0);
    char *after = get("t1/runs.csv"), *out = get("out.txt");
    cr_assert_str_eq(before, after);
    cr_assert_not_null(strstr(out, "4 runs, 4 finished (4 ok, 0 diverged, 0 failed)"), "%s", out);
    free(before);
    free(after);
    free(out);
}

/* The XOR nets above are too small for the kernels to split over threads:
 * this one (a 300-image MNIST slice, 784-256-128-10, dropout) is not. */
Test(sweep, mnist_slice_same_bits_at_1_and_2_threads)
{
    if (access("data/mnist/train-images-idx3-ubyte", R_OK) && access("data/mnist/train-images-idx3-ubyte.gz", R_OK))
        cr_skip_test("data/mnist not found (make data): skipped");
    char cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "name: m\ndataset: mnist\nbase: {data_dir: %s/data/mnist, train_subset: 300, hidden: [256, 128], "
             "dropout: 0.2, init: he_normal, batch: 100, epochs: 1}\nseeds: 1\n", cwd);
    put("m.yaml", cfg);
    cr_assert_eq(same_bits_at_1_and_2_threads("m.yaml"), 1 + 1);
}

Test(sweep, shards_then_merge_equal_one_process)
{
    put("x.yaml", xor_cfg);
    cr_assert_eq(run("x.yaml --out all -q"), 0);
    for (int s = 0; s < 3; s++) {
        char a[128];
        snprintf(a, sizeof a, "x.yaml --shard %d/3 -q", s);
        cr_assert_eq(run(a), 0);
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' merge merged results/t/shard-0-of-3 results/t/shard-1-of-3 results/t/shard-2-of-3 >out.txt 2>err.txt",
             dir, bin());
    cr_assert_eq(system(cmd), 0);
    char *a = deterministic("all/runs.csv"), *b = deterministic("merged/runs.csv");
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    char *c1 = get("all/config.yaml"), *c2 = get("merged/config.yaml");
    cr_assert_str_eq(c1, c2);
    free(c1);
    free(c2);
    /* a conflicting row for one id is an error */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && sed -i '2s/,ok,[^,]*,/,ok,0.123,/' results/t/shard-0-of-3/runs.csv && "
             "'%s' merge bad all results/t/shard-0-of-3 >out.txt 2>err.txt",
             dir, bin());
    int st = system(cmd);
    cr_assert_eq(WEXITSTATUS(st), 2);
    char *e = get("err.txt");
    cr_assert_not_null(strstr(e, "conflicting rows"), "%s", e);
    cr_assert_not_null(strstr(e, "column train_loss differs"), "%s", e);
    free(e);
}

/* Holds <dir>/<folder>'s lock (an flock on the folder) as a running
 * `deepsweep run` does. */
static int hold_lock(const char *folder)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, folder);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    cr_assert(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0, "%s", p);
    return fd;
}

static ino_t inode(const char *name)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    cr_assert_eq(stat(p, &st), 0, "%s", p);
    return st.st_ino;
}

/* Merge takes the folder lock as run does: it refuses to write OUT while a
 * run writes there, and to read a folder a run is still writing into;
 * nothing is written either way. */
Test(sweep, merge_refuses_a_folder_a_run_is_writing)
{
    put("x.yaml", xor_cfg);
    cr_assert_eq(run("x.yaml --shard 0/2 -q"), 0);
    cr_assert_eq(run("x.yaml --shard 1/2 -q"), 0);
    const char *shards = "results/t/shard-0-of-2 results/t/shard-1-of-2";
    char args[512];
    snprintf(args, sizeof args, "merged %s", shards);
    cr_assert_eq(merge_cmd(args), 0);
    ino_t before = inode("merged/runs.csv");

    int fd = hold_lock("merged");
    int st = merge_cmd(args);
    char *e = get("err.txt");
    cr_assert_eq(st, 2, "merge into a locked folder: exit %d, stderr %s", st, e);
    cr_assert_not_null(strstr(e, "merged: another deepsweep run is writing to this folder"), "%s", e);
    free(e);
    cr_assert_eq(inode("merged/runs.csv"), before, "merge rewrote a folder a run holds");
    close(fd);

    fd = hold_lock("results/t/shard-1-of-2");
    snprintf(args, sizeof args, "m2 %s", shards);
    st = merge_cmd(args);
    e = get("err.txt");
    cr_assert_eq(st, 2, "merge of a folder being written: exit %d, stderr %s", st, e);
    cr_assert_not_null(strstr(e, "shard-1-of-2: another deepsweep run is writing to this folder"), "%s", e);
    free(e);
    cr_assert(!exists("m2"), "merge wrote m2 from a folder being written");
    close(fd);
    cr_assert_eq(merge_cmd(args), 0);
}

Test(sweep, sigint_abandons_the_current_run_and_one_writer_per_folder)
{
    /* long runs, so the signal lands inside one */
    put("x.yaml", "name: s\ndataset: xor\nbase: {width: 8, depth: 2, loss: sigmoid_bce, optimizer: sgd, "
                  "lr: 0.1, batch: 4, epochs: 2000000, log_every: 1000000}\nseeds: 2\n");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && ('%s' run x.yaml --threads 1 -q >out.txt 2>err.txt & pid=$!; "
                              "for i in $(seq 200); do [ -f results/s/config.yaml ] && break; sleep 0.05; done; "
                              "sleep 0.5; '%s' run x.yaml -q >out2.txt 2>err2.txt; echo $? > rc2.txt; "
                              "kill -INT $pid; wait $pid; echo $? > rc.txt)",
             dir, bin(), bin());
    cr_assert_eq(system(cmd), 0);
    /* a second writer into the same folder meanwhile is refused */
    char *rc2 = get("rc2.txt"), *e2 = get("err2.txt");
    cr_assert_eq(atoi(rc2), 2, "second writer: exit %s, stderr %s", rc2, e2);
    cr_assert_not_null(strstr(e2, "results/s: another deepsweep run is writing to this folder"), "%s", e2);
    free(rc2);
    free(e2);
    char *rc = get("rc.txt"), *e = get("err.txt"), *runs = get("results/s/runs.csv");
    cr_assert_eq(atoi(rc), 130, "exit %s, stderr %s", rc, e);
    cr_assert_not_null(strstr(e, "interrupted (SIGINT)"), "%s", e);
    cr_assert_not_null(runs);
    cr_assert_null(strchr(strchr(runs, '\n') + 1, '\n'), "no run row expected: %s", runs);
    free(rc);
    free(e);
    free(runs);
}

/* ---- runs side by side (--jobs) ------------------------------------------- */

/* auto: tiny nets one run per PU at one thread each; a big MNIST net all
 * the threads for one run, unless --threads asks for fewer; never more
 * runs at once than are left to run. */
Test(sweep, auto_jobs_follow_the_net_size)
{
    ds_plan p;
    plan_of(xor_cfg, NULL, 0, &p); /* 4 runs of a 2-4-1 net */
    char out[128], err[1024];
    snprintf(out, sizeof out, "%s/res", dir);
    ds_runner_opts o = {.out = out, .quiet = 1};
    ds_runner r;
    int jobs, threads;
    cr_assert_eq(ds_runner_init(&r, &p, &o, err, sizeof err), 0, "%s", err);
    ds_runner_jobs(&r, 2, &jobs, &threads);
    cr_assert(jobs == 2 && threads == 1, "xor on 2 PUs: %d jobs x %d threads", jobs, threads);
    ds_runner_jobs(&r, 64, &jobs, &threads);
    cr_assert(jobs == 4 && threads == 1, "4 xor runs on 64 PUs: %d jobs x %d threads", jobs, threads);
    ds_runner_free(&r);
    o.jobs = 1;
    cr_assert_eq(ds_runner_init(&r, &p, &o, err, sizeof err), 0, "%s", err);
    ds_runner_jobs(&r, 2, &jobs, &threads);
    cr_assert_eq(jobs, 1, "--jobs 1 asked");
    ds_runner_free(&r);
    ds_plan_free(&p);

    const char *mnist = "name: m\ndataset: mnist\nbase: {hidden: [256, 256], batch: 100}\nseeds: 4\n";
    plan_of(mnist, NULL, 0, &p);
    o.jobs = 0;
    cr_assert_eq(ds_runner_init(&r, &p, &o, err, sizeof err), 0, "%s", err);
    ds_runner_jobs(&r, 2, &jobs, &threads);
    cr_assert(jobs == 1 && threads == 2, "784-256-256-10 on 2 PUs: %d jobs x %d threads", jobs, threads);
    ds_runner_free(&r);
    o.threads = 1;
    cr_assert_eq(ds_runner_init(&r, &p, &o, err, sizeof err), 0, "%s", err);
    ds_runner_jobs(&r, 2, &jobs, &threads);
    cr_assert(jobs == 2 && threads == 1, "--threads 1 on 2 PUs: %d jobs x %d threads", jobs, threads);
    ds_runner_free(&r);
    ds_plan_free(&p);
}

/* A results file with the columns that hold wall time (and the thread
 * count, which --jobs may change) blanked, rows sorted: what must not
 * depend on how many runs went side by side. Columns found by name, so a
 * schema change does not silently compare the wrong ones. */
static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *deterministic_rows(const char *name)
{
    static const char *const timing[] = {"seconds", "samples_per_s", "threads", "started_at"};
    char p[1024], err[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    ds_csv *c = ds_csv_open(p, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    int nc = ds_csv_ncols(c), r, n = 0;
    char **rows = NULL;
    while ((r = ds_csv_next(c, err, sizeof err)) != 0) {
        cr_assert_gt(r, 0, "%s: %s", name, err);
        ds_csvbuf b = {0};
        for (int i = 0; i < nc; i++) {
            int skip = 0;
            for (size_t k = 0; k < sizeof timing / sizeof *timing; k++)
                skip |= !strcmp(ds_csv_header(c, i), timing[k]);
            ds_csvw_str(&b, skip ? "" : ds_csv_field(c, i));
        }
        ds_csvw_end(&b);
        rows = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        rows[n++] = b.s;
    }
    ds_csv_close(c);
    qsort(rows, (size_t)n, sizeof *rows, cmp_line);
    ds_csvbuf all = {0};
    for (int i = 0; i < n; i++) {
        ds_csvw_raw(&all, rows[i], strlen(rows[i]));
        free(rows[i]);
    }
    free(rows);
    cr_assert_gt(n, 0, "%s has no rows", name);
    return all.s;
}

static void same_rows(const char *a_dir, const char *b_dir)
{
    static const char *const files[] = {"runs.csv", "epochs.csv", "layers.csv"};
    for (int k = 0; k < 3; k++) {
        char a[256], b[256];
        snprintf(a, sizeof a, "%s/%s", a_dir, files[k]);
        snprintf(b, sizeof b, "%s/%s", b_dir, files[k]);
        char *x = deterministic_rows(a), *y = deterministic_rows(b);
        cr_assert_str_eq(x, y, "%s and %s differ", a, b);
        free(x);
        free(y);
    }
}

/* 12 XOR runs of different lengths, so runs end out of order side by side. */
static const char *jobs_cfg = "name: j\ndataset: xor\nbase: {width: 6, loss: sigmoid_bce, optimizer: sgd, "
                              "lr: 0.5, batch: 4, epochs: 300, log_every: 100}\n"
                              "sweep: {depth: [1, 3], activation: [relu, tanh]}\nseeds: 3\n";

Test(sweep, jobs_2_gives_the_rows_of_jobs_1)
{
    put("j.yaml", jobs_cfg);
    cr_assert_eq(run("j.yaml --out j1 --jobs 1 -q"), 0);
    cr_assert_eq(run("j.yaml --out j2 --jobs=2 -q"), 0);
    same_rows("j1", "j2");
    /* auto (the default), one thread per run */
    cr_assert_eq(run("j.yaml --out j3 --threads 1 -q"), 0);
    same_rows("j1", "j3");
    cr_assert_eq(run("j.yaml --out j4 --jobs 2 -n"), 0);
    char *out = get("out.txt");
    cr_assert_not_null(strstr(out, "12 runs: 0 finished, 12 to run, 2 at a time, 1 thread each (--jobs N)\n"),
                       "%s", out);
    free(out);
    expect_refused("j.yaml --jobs 0", "--jobs: '0'");
    expect_refused("j.yaml --jobs many", "--jobs: 'many'");
}

/* SIGTERM with runs side by side: every run in flight is abandoned, the
 * finished ones stay, exit 143; the same command then finishes the sweep
 * with the rows an uninterrupted run gives. */
/* `deepsweep run args` in the background, SIGTERM once the shell test
 * `cond` holds (checked every 10 ms, 8 s at most); its exit status in rc.txt. */
static void term_when(const char *args, const char *cond)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ('%s' run %s >out.txt 2>err.txt & pid=$!; "
             "for i in $(seq 800); do %s && break; sleep 0.01; done; "
             "kill -TERM $pid; wait $pid; echo $? > rc.txt)",
             dir, bin(), args, cond);
    cr_assert_eq(system(cmd), 0);
}

Test(sweep, sigterm_with_jobs_then_resume_equals_one_process)
{
    put("j.yaml", jobs_cfg);
    cr_assert_eq(run("j.yaml --out ref --jobs 1 -q"), 0);
    /* runs of 1-10 s on a quiet Zen 5 (at epochs=20000 the whole sweep ended
       before the signal there, exit 0): it lands while two are in flight */
    term_when("j.yaml epochs=400000 log_every=200000 --out s --jobs 2 -q",
              "[ -f s/config.yaml ] && sleep 0.3");
    char *rc = get("rc.txt"), *e = get("err.txt");
    cr_assert_eq(atoi(rc), 143, "exit %s, stderr %s", rc, e);
    cr_assert_not_null(strstr(e, "interrupted (SIGTERM)"), "%s", e);
    free(rc);
    free(e);
    /* the interrupted folder is another sweep (epochs differ): resume the
     * real one the same way, from a kill in its middle */
    term_when("j.yaml --out r --jobs 2 -q", "[ -s r/runs.csv ] && [ $(wc -l < r/runs.csv) -ge 3 ]");
    rc = get("rc.txt");
    cr_assert(atoi(rc) == 143 || atoi(rc) == 0, "exit %s", rc);
    free(rc);
    cr_assert_eq(run("j.yaml --out r --jobs 2 -q"), 0);
    same_rows("ref", "r");
}

/* ---- nothing lost: strict shard numbers, a lock no file deletion breaks,
 * the row-callback contract (tests/merge-safety.sh has the end-to-end
 * merge and resume cases) ------------------------------------------------ */

Test(sweep, shard_numbers_are_strict)
{
    char err[512];
    int i = -1, n = -1;
    const char *bad[] = {" 1/3", "+1/3", "1/+3", "1/ 3", "1/3 ", "01/3", "1/03", "-0/3", "1/3/4",
                         "0x1/3", "1/", "/3", "1e0/3"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        cr_assert_eq(ds_shard_parse(bad[k], &i, &n, err, sizeof err), 2, "'%s' accepted", bad[k]);
        cr_assert_not_null(strstr(err, "expected I/N"), "%s: %s", bad[k], err);
    }
    cr_assert_eq(ds_shard_parse("0/1", &i, &n, err, sizeof err), 0);
    cr_assert(i == 0 && n == 1);
    cr_assert_eq(ds_shard_parse("2/10", &i, &n, err, sizeof err), 0);
    cr_assert(i == 2 && n == 10);
}

Test(sweep, slurm_task_id_without_count_is_an_error)
{
    char err[512];
    int i = -1, n = -1;
    unsetenv("SLURM_ARRAY_TASK_MIN");
    setenv("SLURM_ARRAY_TASK_ID", "1", 1);
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 2,
                 "SLURM_ARRAY_TASK_ID alone would run the whole sweep unsharded");
    cr_assert_not_null(strstr(err, "SLURM_ARRAY_TASK_COUNT=unset"), "%s", err);
    unsetenv("SLURM_ARRAY_TASK_ID");
    setenv("SLURM_ARRAY_TASK_COUNT", "3", 1);
    cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 2, "COUNT alone");
    const char *ids[] = {" 1", "+1", "1 ", "0x1", "01"};
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++) {
        setenv("SLURM_ARRAY_TASK_ID", ids[k], 1);
        cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 2, "ID '%s' accepted", ids[k]);
    }
    setenv("SLURM_ARRAY_TASK_ID", "2", 1);
    cr_assert_eq(ds_shard_from_env(&i, &n, err, sizeof err), 1);
    cr_assert(i == 2 && n == 3);
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
}

/* The lock is held by an open descriptor, not by a file's existence:
 * deleting <dir>/.lock (or anything else) lets no second writer in. */
Test(sweep, deleted_lock_file_admits_no_second_writer)
{
    char err[1024], path[128];
    int a = -1, b = -1, c = -1;
    cr_assert_eq(ds_results_lock(dir, 1, "hint", &a, err, sizeof err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/.lock", dir);
    unlink(path);
    cr_assert_eq(ds_results_lock(dir, 1, "hint", &b, err, sizeof err), 2,
                 "a second writer got in after .lock was deleted");
    cr_assert_not_null(strstr(err, "another deepsweep run is writing to this folder (hint)"), "%s", err);
    cr_assert_eq(ds_results_lock(dir, 0, "hint", &c, err, sizeof err), 2, "a reader got in");
    close(a);
    cr_assert_eq(ds_results_lock(dir, 1, "hint", &b, err, sizeof err), 0, "%s", err);
    close(b);
}

/* A folder of 4 finished runs: scan, then open (the repair), with the k-th
 * allocation failing, for every k until no allocation is left to fail.
 * Each time either the whole thing succeeds with all 4 runs, or it fails
 * (exit 1, "out of memory") and the files are untouched. Before the
 * contract, a failed realloc in the row callback counted as a bad row: the
 * run was dropped and the repair rewrote runs.csv without it. */
Test(sweep, allocation_failure_while_reading_drops_nothing)
{
    ds_plan p;
    plan_of(xor_cfg, NULL, 0, &p);
    cr_assert_eq(p.n_runs, 4);
    char res[128], err[2048];
    snprintf(res, sizeof res, "%s/res", dir);
    cr_assert_eq(mkdir(res, 0755), 0);
    ds_csvbuf runs = {0}, ep = {0}, ly = {0};
    header(&runs, 0);
    header(&ep, 1);
    header(&ly, 2);
    ds_run_result ok = {.status = DS_RUN_OK, .train_acc = 1, .test_acc = 1, .params_weights = 12,
                        .params_biases = 5, .epochs_done = 50};
    const ds_provenance pv = {.sweep_id = "0123456789abcdef", .isa = "avx2", .threads = 1};
    for (int i = 0; i < 4; i++) {
        ds_runs_row(&runs, &p.runs[i], &ok, &pv);
        child_rows(&ep, &ly, p.runs[i].id);
    }
    static const char *const files[3] = {"res/runs.csv", "res/epochs.csv", "res/layers.csv"};
    const ds_csvbuf *want[3] = {&runs, &ep, &ly};
    int failures = 0, k;
    for (k = 1; k < 100000; k++) {
        for (int f = 0; f < 3; f++)
            put(files[f], want[f]->s);
        ds_results r;
        ds_fault_arm(k);
        int rc = ds_results_scan(&r, res, &p, 0, err, sizeof err);
        if (!rc)
            rc = ds_results_open(&r, &p, err, sizeof err);
        int n_done = r.n_done;
        ds_fault_disarm();
        ds_results_close(&r);
        int fired = ds_fault_fired();
        for (int f = 0; f < 3; f++) {
            char *got = get(files[f]);
            cr_assert_str_eq(got, want[f]->s, "allocation %d failed: %s changed (rc %d)", k, files[f], rc);
            free(got);
        }
        if (rc) {
            cr_assert(fired, "allocation %d: rc %d without a failure: %s", k, rc, err);
            cr_assert_eq(rc, 1, "allocation %d failed: exit %d, want 1: %s", k, rc, err);
            cr_assert(strstr(err, "out of memory") || strstr(err, strerror(ENOMEM)),
                      "allocation %d: %s", k, err);
            failures++;
        } else {
            cr_assert_eq(n_done, 4, "allocation %d failed: %d runs finished, want 4", k, n_done);
            if (!fired)
                break; /* every allocation of a scan + open has been failed once */
        }
    }
    cr_assert(failures > 0 && k > 5, "only %d allocations tried", k);
    ds_csvbuf_free(&runs);
    ds_csvbuf_free(&ep);
    ds_csvbuf_free(&ly);
    ds_plan_free(&p);
}

/* Merge under allocation failure: the k-th allocation fails, for every k
 * until none is left to fail. Each time the merge either fails (exit 1,
 * OUT byte for byte as before) or gives the whole result; a failed
 * allocation in the row callback used to drop that row and merge the rest
 * with exit 0. */
Test(sweep, allocation_failure_in_merge_changes_nothing)
{
    put("x.yaml", xor_cfg);
    cr_assert_eq(run("x.yaml --shard 0/2 -q"), 0);
    cr_assert_eq(run("x.yaml --shard 1/2 -q"), 0);
    cr_assert_eq(merge_cmd("full results/t/shard-0-of-2 results/t/shard-1-of-2"), 0);
    cr_assert_eq(merge_cmd("m results/t/shard-0-of-2"), 3); /* an earlier, partial merge */
    static const char *const files[4] = {"runs.csv", "epochs.csv", "layers.csv", "config.yaml"};
    char *before[4], *full[4], name[64], out[128], s0[128], s1[128], err[2048];
    for (int f = 0; f < 4; f++) {
        snprintf(name, sizeof name, "m/%s", files[f]);
        before[f] = get(name);
        snprintf(name, sizeof name, "full/%s", files[f]);
        full[f] = get(name);
        cr_assert(before[f] && full[f]);
    }
    snprintf(out, sizeof out, "%s/m", dir);
    snprintf(s0, sizeof s0, "%s/results/t/shard-0-of-2", dir);
    snprintf(s1, sizeof s1, "%s/results/t/shard-1-of-2", dir);
    const char *in[2] = {s0, s1};
    int failures = 0, k;
    for (k = 1; k < 100000; k++) {
        ds_merge_counts n;
        ds_fault_arm(k);
        int rc = ds_results_merge(out, in, 2, 0, &n, err, sizeof err);
        ds_fault_disarm();
        ds_csvbuf_free(&n.notes);
        int fired = ds_fault_fired();
        char *const *want = rc ? before : full;
        for (int f = 0; f < 4; f++) {
            snprintf(name, sizeof name, "m/%s", files[f]);
            char *got = get(name);
            cr_assert_str_eq(got, want[f], "allocation %d failed: m/%s is %s (rc %d: %s)", k, files[f],
                             rc ? "not as before" : "not the whole merge", rc, rc ? err : "");
            free(got);
            put(name, before[f]); /* the next trial starts from the partial merge again */
        }
        if (rc) {
            cr_assert(fired, "allocation %d: rc %d without a failure: %s", k, rc, err);
            cr_assert_eq(rc, 1, "allocation %d failed: exit %d, want 1: %s", k, rc, err);
            failures++;
        } else if (!fired) {
            break; /* every allocation of a merge has been failed once */
        }
    }
    cr_assert(failures > 0 && k > 5, "only %d allocations tried", k);
    for (int f = 0; f < 4; f++) {
        free(before[f]);
        free(full[f]);
    }
}
