/* Progress of a sweep on stderr: on a terminal one line redrawn in place
 * (runs done/total, the current run's group, its epoch, ETA from the runs
 * finished so far); otherwise one line per finished run; nothing with -q. */
#ifndef DS_PROGRESS_H
#define DS_PROGRESS_H

typedef struct {
    int total, done, quiet, tty;
    double t_start, run_seconds; /* sum over runs finished in this process */
    int runs_timed;
    const char *group;
    int epochs, seed;
    double t_run;
} ds_progress;

void ds_progress_start(ds_progress *p, int total, int already_done, int quiet);
void ds_progress_run(ds_progress *p, int index, const char *group, int seed, int epochs);
void ds_progress_epoch(ds_progress *p, int epoch);
/* status: "ok", "diverged", ...; test_acc a fraction. */
void ds_progress_run_end(ds_progress *p, const char *id, const char *status, double test_acc,
                         double seconds);
void ds_progress_finish(ds_progress *p);

#endif
