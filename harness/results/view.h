/* A results folder read back, nothing run and nothing written: what
 * `deepsweep show` prints and `deepsweep compare` compares.
 *
 * The folder's config.yaml (the sweep as run, an experiment the loader
 * reads) gives the runs, their groups and order; runs.csv, read by the scan
 * of sweep.h (the one CSV reader), gives the finished ones. The view is a
 * ds_runner whose selection is every run of the sweep, so the runner's
 * summary (summary.c) prints it as `run` would. */
#ifndef DS_VIEW_H
#define DS_VIEW_H

#include <stddef.h>

#include "runner.h"
#include "where.h"

/* Loads dir/config.yaml into plan and scans dir (read-only). 0; 2 with a
 * message (no runs.csv, a config.yaml the loader refuses, a header that is
 * not deepsweep's); 1 on a system error. Free with ds_view_close even on
 * failure. */
int ds_view_open(ds_runner *r, ds_plan *plan, const char *dir, char *err, size_t errlen);
void ds_view_close(ds_runner *r, ds_plan *plan);

/* --where KEY=VALUE: keeps the runs whose runs.csv column KEY holds VALUE
 * (the same text, or the same number: lr=0.001 matches 0.00100000005; or
 * VALUE as ds_where_value reads it). A run not finished matches by its
 * config when KEY is a config column (a run key or group) and not
 * otherwise. 0; 2 with a message naming the columns when KEY is not one; 1
 * out of memory. */
int ds_view_where(ds_runner *r, const char *kv, char *err, size_t errlen);

#endif
