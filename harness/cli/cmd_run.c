/* `deepsweep run CONFIG [key=value ...]`: options, then the engine: load
 * the experiment (ds_plan_load), run it (the runner, harness/results/),
 * print the run table or the summary. */
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "err.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f,
            "usage: deepsweep run CONFIG [key=value ...] [key=a,b,c ...] [--out DIR]\n"
            "                     [--jobs N|auto] [--threads N] [--dry-run] [--shard I/N]\n"
            "                     [--force] [-q]\n"
            "                     [--cfg]\n"
            "\n"
            "Runs the experiment file CONFIG (see configs/README.md): every run of its\n"
            "variants x sweep x seeds, skipping runs already finished in the results\n"
            "folder, and prints a summary table (mean +- std over seeds per group).\n"
            "\n"
            "overrides (applied after the file and its mode):\n"
            "  key=value        sets a run key for every run (epochs=3, hidden=256-256)\n"
            "  key=a,b,c        adds or replaces a sweep axis (lr=0.1,0.01)\n"
            "  key=[a,b]        one list value (hidden=[256,256] is hidden=256-256)\n"
            "  +key=value       adds a key the file does not set (Hydra)\n"
            "  ~key             removes a key the file sets (Hydra)\n"
            "  mode=NAME        selects a mode of the file (e.g. mode=quick)\n"
            "  seeds=N|a,b,c    N seeds 1..N, or a list of seeds\n"
            "  name=NAME        another sweep name (its folder: see below)\n"
            "  method=grid|random run_cap=N sweep_seed=S\n"
            "\n"
            "options:\n");
    ds_cli_print_options(f, opts);
    fprintf(f,
            "\n"
            "results go to results/<name> for the full mode and results/<name>-<mode>\n"
            "for a named mode: runs.csv (one row per run), epochs.csv, layers.csv,\n"
            "config.yaml (the sweep as run: an experiment `run` accepts back, giving the\n"
            "same run ids). A run's rows are written when it ends, so an interrupted\n"
            "sweep resumes where it stopped: run the same command again. A run's id is\n"
            "a hash of its config, so finished runs are never run again: adding values\n"
            "or seeds to a sweep runs only the new runs. A folder holding finished runs\n"
            "that are not in this sweep (the config changed) is refused unless --force.\n"
            "SIGINT/SIGTERM abandon the current run (exit 130/143).\n");
    ds_cli_exit_status(f);
}

static int set_jobs(const char *field, const char *value, void *target, char *err, size_t errlen)
{
    int *jobs = target;
    if (!strcmp(value, "auto")) {
        *jobs = 0;
        return 0;
    }
    if (!ds_parse_int(field, value, 1, ds_thread_limit(), jobs, err, errlen))
        return 0;
    return ds_errf(err, errlen, 2, "%s: '%s' is neither auto nor a number of runs at once (1 <= jobs <= %d)",
                   field, DS_ECHO(value), ds_thread_limit());
}

static int set_shard(const char *field, const char *value, void *target, char *err, size_t errlen)
{
    (void)field;
    ds_runner_opts *o = target;
    o->sharded = 1;
    return ds_shard_parse(value, &o->shard_i, &o->shard_n, err, errlen);
}

/* --shard, else a Slurm array task's shard. 0 or 2 (message in err). */
static int shard_from_env(ds_runner_opts *o, char *err, size_t errlen)
{
    if (o->sharded)
        return 0;
    int e = ds_shard_from_env(&o->shard_i, &o->shard_n, err, errlen);
    o->sharded = e == 1;
    return e == 2 ? 2 : 0;
}

int cmd_run(int argc, char **argv)
{
    ds_runner_opts o = {0};
    int dry = 0, multirun = 0, print_cfg = 0;
    const ds_opt opts[] = {
        DS_OPT_STR("out", 'o', "DIR", &o.out, "results folder (default results/<name>, or\n"
                                            "results/<name>-<mode> for a named mode; with a\n"
                                            "shard, <that>/shard-I-of-N)"),
        DS_OPT_FN("jobs", 'j', "N|auto", set_jobs, &o.jobs,
                  "runs side by side, each pinned to its own cores (default\n"
                  "auto: as many as the net's size makes worthwhile, up to\n"
                  "the PUs; results are the same at any N)"),
        DS_OPT_INT("threads", 't', "N", &o.threads, 1, ds_thread_limit(),
                   "OpenMP threads per run (results are the same at any N)"),
        DS_OPT_FLAG("dry-run", 'n', &dry, "print the numbered run table and the count; run nothing"),
        DS_OPT_FN("shard", 0, "I/N", set_shard, &o,
                  "run only the runs whose index is I mod N (0 <= I < N);\n"
                  "without it, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT\n"
                  "select the shard inside a Slurm job array"),
        DS_OPT_FLAG("force", 0, &o.force, "the config changed: drop the folder's finished runs\n"
                                          "that are not in this sweep (said on stderr) and run\n"
                                          "it there; finished runs of this sweep are kept"),
        DS_OPT_FLAG("quiet", 'q', &o.quiet, "no progress on stderr"),
        DS_OPT_FLAG("cfg", 0, &print_cfg, "print the experiment after the overrides and mode as\n"
                                          "YAML that `run` accepts back; run nothing"),
        DS_OPT_FLAG("print-config", 0, &print_cfg, "the same as --cfg"),
        DS_OPT_FLAG("multirun", 'm', &multirun, "accepted for Hydra users; a sweep always runs\n"
                                                "every run (no-op)"),
        DS_OPT_END,
    };
    const ds_cli cli = {.command = "run", .opts = opts, .usage = usage, .min_args = 1,
                        .max_args = -1, .args = "CONFIG [key=value ...]"};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    char err[DS_ERR_LEN];
    if (shard_from_env(&o, err, sizeof err))
        return ds_err_print("run", 2, "%s", err);
    ds_plan plan;
    /* argv[first] is CONFIG; the rest are overrides, checked by the loader */
    int rc = ds_plan_load(argv[first], argv + first + 1, argc - first - 1, &plan, err, sizeof err);
    if (rc) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return rc;
    }
    if (print_cfg) {
        fputs(plan.composed, stdout);
        ds_plan_free(&plan);
        return 0;
    }
    ds_runner r;
    rc = ds_runner_init(&r, &plan, &o, err, sizeof err);
    if (!rc)
        ds_runner_print_changes(&r, stderr);
    if (!rc && dry)
        ds_runner_print_plan(&r, stdout);
    else if (!rc)
        rc = ds_runner_execute(&r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "deepsweep: %s\n", err);
    } else if (!dry) {
        ds_runner_print_summary(&r, stdout);
        rc = ds_runner_exit_status(&r, stderr);
    }
    ds_runner_free(&r);
    ds_plan_free(&plan);
    return rc;
}
