/* Progress of a sweep on stderr, for runs one at a time or side by side.
 *
 * On a terminal: one line redrawn in place, fitted to the terminal's width
 * (TIOCGWINSZ, else COLUMNS, else 80; never the last column, which would
 * wrap): runs done/total, elapsed time, ETA, the last finished run's
 * metric, then each running run's seed and epoch, then a bar -- what does
 * not fit is left out from the end, group names shortened first. Not a
 * terminal: one whole line per finished run. Nothing with quiet.
 *
 * The ETA: a run's cost is parameters x training samples x epochs (the
 * runner's ds_runner_cost); its time is fitted as a + b x cost by least
 * squares (a, b >= 0: stats.h's ds_linfit) over the runs finished in this
 * process (wall time from their start to their rows committed), so a tiny
 * net's fixed overhead (a) is not extrapolated as if it were cost (the XOR
 * study said "ETA 1h16m" at run 229 of 2,100 and took 12m19s). While the
 * finished runs all have one cost, the data fix only the time at that cost:
 * the ETA is then the range over the lines through it (b from 0 to
 * time / cost), shown "ETA 6m10s-1h16m" (one figure when both ends agree).
 * Before the first run ends the logged epochs of the running ones
 * calibrate seconds per unit of cost (a = 0). Each running run is predicted
 * to hold its slot for the rest of its predicted time (none once overdue);
 * the remaining runs are laid out in order, each on the slot that frees
 * first; the ETA is when the last slot frees. Unknown ("ETA ?") until
 * something calibrates it.
 *
 * Not thread-safe: the runner calls it under its lock. The clock is
 * injectable (timer.h's ds_clock_fn) so tests drive the ETA. */
#ifndef DS_PROGRESS_H
#define DS_PROGRESS_H

#include <stdio.h>

#include "stats.h"
#include "timer.h"

typedef struct {
    int jobs;          /* runs at once (slots), >= 1                         */
    int quiet;         /* nothing is printed (the ETA is still kept)         */
    FILE *out;         /* NULL: stderr                                       */
    int tty;           /* 0: decide by isatty(out); 1: a terminal; -1: not   */
    int width;         /* columns; 0: the terminal's                         */
    ds_clock_fn clock; /* seconds; NULL: CLOCK_MONOTONIC                     */
    void *clock_ctx;
} ds_progress_opts;

typedef struct {
    int run;           /* index of the running run, -1 when the slot is idle */
    const char *group;
    long long seed;
    int epochs, epoch; /* epoch: the last logged one                         */
    double t0;         /* when it started                                   */
} ds_progress_slot;

typedef struct {
    ds_progress_opts o;
    int n, done, tty;
    const double *cost;      /* [n] each run's cost                          */
    unsigned char *state;    /* [n] 0 to run, 1 running, 2 finished          */
    ds_progress_slot *slot;  /* [o.jobs]                                     */
    ds_linfit fit;           /* runs finished in this process: time on cost  */
    double t_start, t_drawn;
    char last[256];          /* the last finished run, as the line shows it  */
    const char *last_group;  /* its group (the caller's, whole)              */
} ds_progress;

/* n runs with cost[n] (kept, not copied); finished[i] (may be NULL) marks
 * runs an earlier process finished. 0, or -1 when out of memory. */
int ds_progress_start(ds_progress *p, int n, const double *cost, const unsigned char *finished,
                      const ds_progress_opts *o);
/* Run `run` starts on slot (0 <= slot < jobs); group is kept, not copied:
 * it must outlive p. */
void ds_progress_run(ds_progress *p, int slot, int run, const char *group, long long seed,
                     int epochs);
/* The run on slot logged epoch (1-based). */
void ds_progress_epoch(ds_progress *p, int slot, int epoch);
/* The run on slot ended, its rows committed: status "ok", "diverged", ...;
 * metric_name and metric (a fraction; NaN: none) its headline figure;
 * seconds its own training time (shown in plain lines). */
void ds_progress_run_end(ds_progress *p, int slot, const char *id, const char *status,
                         const char *metric_name, double metric, double seconds);
/* The run on slot was abandoned (a signal): it is left to run. */
void ds_progress_run_abandoned(ds_progress *p, int slot);
/* Seconds left: 0 and *lo <= *hi (equal once the finished runs' costs
 * differ, or before any ends), or -1 when nothing calibrates it yet. */
int ds_progress_eta(const ds_progress *p, double *lo, double *hi);
/* The terminal line for `width` columns (at most width - 1 of them). */
void ds_progress_line(const ds_progress *p, char *buf, size_t n, int width);
/* Columns of the terminal on fd (-1: none): TIOCGWINSZ, else COLUMNS, else 80. */
int ds_progress_term_width(int fd);
/* Ends the redrawn line and frees p's memory. */
void ds_progress_finish(ds_progress *p);

#endif
