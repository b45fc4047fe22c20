/* Merge: the union of result folders of one sweep (e.g. the shard folders of
 * `deepsweep run --shard I/N`) written into one folder.
 *
 * Every folder must hold the same sweep (config.yaml's sweep_id). Every row
 * read is checked: whole and well formed (ds_csv_each_row), its run id in
 * the sweep's run list, its configuration columns equal to that run's entry
 * in config.yaml, and a finished (ok) run with its epochs and layers rows.
 * A damaged row makes the merge refuse (each one named file:line: reason),
 * unless skip_damaged: then it is dropped and counted. A run id found in
 * several folders must have the same deterministic columns there (all but
 * seconds, samples_per_s and threads): then it is kept once, else it is an
 * error. A run's epochs/layers rows come from the folder whose runs.csv row
 * was kept; failed runs are left out (a run retries them). Runs are ordered
 * as in the sweep's run list; runs of the sweep found nowhere are counted
 * (missing: the shards are incomplete).
 *
 * Locks as `run` does: OUT's lock is held while it is written (a run
 * writing into OUT makes the merge refuse), and an input folder a run is
 * writing into is refused too (its rows would be a torn copy). OUT must be
 * new or hold results of the same sweep (a runs.csv without config.yaml is
 * refused); it may be one of the inputs, or hold an earlier merge, which
 * then counts as an input. OUT changes all at once or not at all: the new
 * files are written and fsync'd in a staging folder inside OUT, then
 * renamed into place; on any failure OUT is as before (a new OUT is
 * removed). */
#ifndef DS_MERGE_H
#define DS_MERGE_H

#include <stddef.h>

#include "csv.h"

typedef struct {
    int runs;        /* runs in OUT                                    */
    int folders;     /* folders read (OUT included when it held results) */
    int duplicates;  /* rows dropped because another folder had them   */
    int damaged;     /* damaged rows (refused, or dropped if skip_damaged) */
    int sweep_runs;  /* runs in the sweep's run list                   */
    int missing;     /* runs of the sweep in no folder (or only failed) */
    ds_csvbuf notes; /* one line per damaged row, then the missing ids */
} ds_merge_counts;

/* Merges dirs[0..n_dirs) into out. 0 (also when runs are missing: see
 * counts->missing); 2 with a message in err for bad input (a damaged row
 * without skip_damaged: counts->notes says which; nothing written); 1 for
 * a run-time failure (nothing changed). counts->notes is the caller's to
 * free (ds_csvbuf_free). */
int ds_results_merge(const char *out, const char *const *dirs, int n_dirs, int skip_damaged,
                     ds_merge_counts *counts, char *err, size_t errlen);

#endif
