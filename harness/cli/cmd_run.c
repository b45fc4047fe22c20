/* `deepsweep run CONFIG [key=value ...]`: expand an experiment file, run the
 * runs this shard owns that are not finished yet, commit each run's rows
 * whole, print a summary table (mean ± std over seeds per group). */
#include "commands.h"
#include "config.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: deepsweep run CONFIG [key=value ...] [key=a,b,c ...] [--out DIR]\n"
            "                     [--threads N] [--dry-run] [--shard I/N] [--force] [-q]\n"
            "\n"
            "Runs the experiment file CONFIG (see configs/README.md): every run of its\n"
            "variants x sweep x seeds, skipping runs already finished in the results\n"
            "folder, and prints a summary table (mean +- std over seeds per group).\n"
            "\n"
            "overrides (applied after the file and its mode):\n"
            "  key=value        sets a run key for every run (epochs=3, hidden=256-256)\n"
            "  key=a,b,c        adds or replaces a sweep axis (lr=0.1,0.01)\n"
            "  mode=NAME        selects a mode of the file (e.g. mode=quick)\n"
            "  seeds=N|a,b,c    N seeds 1..N, or a list of seeds\n"
            "  name=NAME        another sweep name (results/<name>)\n"
            "  method=grid|random run_cap=N sweep_seed=S\n"
            "\n"
            "options:\n"
            "  --out DIR        results folder (default results/<name>; with a shard,\n"
            "                   results/<name>/shard-I-of-N)\n"
            "  --threads N      OpenMP threads per run (results are the same at any N)\n"
            "  --dry-run        print the numbered run table and the count; run nothing\n"
            "  --shard I/N      run only the runs whose index is I mod N (0 <= I < N);\n"
            "                   without it, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT\n"
            "                   select the shard inside a Slurm job array\n"
            "  --force          redo finished runs, and write into a folder that holds\n"
            "                   another sweep\n"
            "  -q               no progress on stderr\n"
            "\n"
            "files in the results folder: runs.csv (one row per run), epochs.csv,\n"
            "layers.csv, config.yaml (the resolved sweep). A run's rows are written\n"
            "when it ends, so an interrupted sweep resumes where it stopped: run the\n"
            "same command again. SIGINT/SIGTERM abandon the current run (exit 130/143).\n"
            "exit status: 0 done, 1 run-time failure, 2 bad input.\n");
}

int cmd_run(int argc, char **argv)
{
    const char *config = NULL, *out = NULL, *shard = NULL;
    int threads = 0, dry = 0, force = 0, quiet = 0;
    char **ov = calloc((size_t)argc + 1, sizeof *ov);
    int n_ov = 0;
    if (!ov) {
        fprintf(stderr, "deepsweep: run: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(ov);
            return 0;
        } else if (!strcmp(a, "--out") || !strcmp(a, "--threads") || !strcmp(a, "--shard")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "deepsweep: run: %s needs a value (see deepsweep run --help)\n", a);
                free(ov);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--out"))
                out = v;
            else if (!strcmp(a, "--shard"))
                shard = v;
            else {
                char *end;
                long t = strtol(v, &end, 10);
                if (!*v || *end || t < 1 || t > 4096) {
                    fprintf(stderr, "deepsweep: run: --threads %s is out of range (1 <= threads <= 4096)\n", v);
                    free(ov);
                    return 2;
                }
                threads = (int)t;
            }
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "deepsweep: run: unknown option '%s' (valid: --out, --threads, --dry-run, --shard, --force, -q, --help)\n", a);
            free(ov);
            return 2;
        } else if (!config) {
            config = a;
        } else {
            ov[n_ov++] = argv[i]; /* checked by the loader: key=value */
        }
    }
    if (!config) {
        fprintf(stderr, "deepsweep: run: no experiment file given (usage: deepsweep run CONFIG [key=value ...]; see --help)\n");
        free(ov);
        return 2;
    }
    char err[2048];
    ds_plan plan;
    int rc = ds_plan_load(config, ov, n_ov, &plan, err, sizeof err);
    free(ov);
    if (rc) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return rc;
    }
    ds_runner_opts o = {.out = out, .threads = threads, .force = force, .quiet = quiet};
    if (shard) {
        rc = ds_shard_parse(shard, &o.shard_i, &o.shard_n, err, sizeof err);
        o.sharded = 1;
    } else {
        rc = ds_shard_from_env(&o.shard_i, &o.shard_n, err, sizeof err);
        o.sharded = rc == 1;
        rc = rc == 1 ? 0 : rc;
    }
    if (rc) {
        fprintf(stderr, "deepsweep: run: %s\n", err);
        ds_plan_free(&plan);
        return rc;
    }
    ds_runner r;
    rc = ds_runner_init(&r, &plan, &o, err, sizeof err);
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
