/* The runner: one sweep (a ds_plan) run into its results folder.
 *
 * It selects the runs of this shard, refuses a net this machine cannot hold,
 * finds the runs already finished in the folder (resume), loads the data the
 * remaining runs need, takes the folder's lock, trains each remaining run
 * and commits its rows whole, and reports: the run table (dry run), the
 * summary (mean +- std over seeds per group, the t interval, XOR's Wilson
 * interval, Welch's test between groups that differ in one setting) and how
 * the sweep ended.
 * `deepsweep run` is option parsing around it. */
#ifndef DS_RUNNER_H
#define DS_RUNNER_H

#include <stdio.h>

#include "config.h"
#include "sweep.h"

typedef struct {
    const char *out;   /* results folder; NULL: ds_plan_folder's, with a
                          shard <that>/shard-I-of-N                          */
    int shard_i, shard_n; /* this process runs the runs with index % N == I */
    int sharded;       /* a shard was asked for (--shard or Slurm)            */
    int threads;       /* OpenMP threads per run; 0: the run's own setting   */
    int jobs;          /* runs side by side; 0: auto (ds_runner_jobs)        */
    int force;         /* drop finished runs that are not in this sweep (a
                          changed config) instead of refusing the folder  */
    int quiet;         /* no progress on stderr                              */
} ds_runner_opts;

typedef struct {
    const ds_plan *plan;
    ds_runner_opts opts;
    char out_dir[DS_RESULTS_DIR_MAX + 1];
    int n_sel;                  /* this shard's runs                          */
    const ds_run **sel;         /* ... in run-list order                      */
    const ds_run_row **rows;    /* each one's finished row, or NULL           */
    ds_run_row *fresh;          /* rows of the runs this process finished     */
    const char **ids;
    int n_done;
    ds_results res;
    int stopped_by;             /* the signal that stopped the sweep, or 0    */
} ds_runner;

/* Selects the shard's runs, checks their memory against this machine's RAM
 * and scans the results folder (read-only). 0; 2 with a message in err for
 * bad input (nothing written); 1 for a run-time failure. */
int ds_runner_init(ds_runner *r, const ds_plan *plan, const ds_runner_opts *o, char *err,
                   size_t errlen);
void ds_runner_free(ds_runner *r);

/* What the scan found that changes the folder, one line on f (nothing
 * when the folder holds this sweep or nothing): finished runs of a changed
 * config that --force drops, or the finished runs an extended sweep keeps. */
void ds_runner_print_changes(const ds_runner *r, FILE *f);

/* The numbered run table with each run's status (finished or todo) and
 * how many runs would go side by side: what --dry-run prints. */
void ds_runner_print_plan(const ds_runner *r, FILE *f);

/* A run's cost for the ETA: parameters x training samples x epochs. */
double ds_runner_cost(const ds_run_config *rc);

/* How many unfinished runs go side by side on `pus` processing units, and
 * the threads the largest of them uses (its want, at most pus / jobs).
 * opts.jobs if set, else auto: each
 * run wants --threads, else its config's threads, else as many as its
 * step's work keeps busy (6 x parameters x batch flops, 50 Mflop a thread);
 * the largest want divides the PUs; fewer if the runs' memory estimates
 * would not fit the RAM side by side. Never more than the runs left. */
void ds_runner_jobs(const ds_runner *r, int pus, int *jobs, int *threads);

/* Runs every unfinished run: data loaded before the folder is touched, the
 * folder's lock held throughout, SIGINT/SIGTERM abandon the current run and
 * stop (r->stopped_by). With jobs > 1 the runs go side by side on threads
 * of this process, each slot pinned to its own cores (hwloc; not when
 * OMP_PLACES or OMP_PROC_BIND is set), each run's OpenMP team within its
 * slot; rows are committed whole, one run at a time, in the order runs end.
 * A failed run stops the others (abandoned, like a signal). 0 when the loop ended (all done, or stopped by a signal);
 * 2 / 1 with a message in err for bad input / a run-time failure. */
int ds_runner_execute(ds_runner *r, char *err, size_t errlen);

/* The summary table: one row per group, mean +- std over seeds (the mean
 * alone for one ok run), the 95% t interval, XOR's solved fraction with its
 * Wilson interval; then each pair of groups differing in one setting with
 * the difference, its interval and Welch's p, in words (stats.h). Groups
 * in the sweep's order. */
void ds_runner_print_summary(const ds_runner *r, FILE *f);
/* The same with the groups sorted by column `sort` (ds_summary_sort_find;
 * -1: the sweep's order). */
void ds_summary_print(const ds_runner *r, int sort, FILE *f);
/* The columns the summary sorts by ("rank", "group", ...): index or -1;
 * every name, comma-separated. */
int ds_summary_sort_find(const char *name);
void ds_summary_sort_names(char *out, size_t n);

/* How the sweep ended, after the summary: says on `msg` which runs failed or
 * that a signal stopped it. Returns the exit status: 0, 1 (a run failed),
 * 128 + signal. */
int ds_runner_exit_status(const ds_runner *r, FILE *msg);

#endif
