/* Merge: the union of result folders of one sweep (e.g. the shard folders of
 * `deepsweep run --shard I/N`) written into one folder.
 *
 * Every folder must hold the same sweep (config.yaml's sweep_id). A run id
 * found in several folders must have the same deterministic columns there
 * (all but seconds, samples_per_s and threads): then it is kept once, else
 * it is an error. A run's epochs/layers rows come from the folder whose
 * runs.csv row was kept; failed runs are left out (a run retries them).
 * Runs are ordered as in the sweep's run list.
 *
 * Locks as `run` does: OUT's lock is held while it is written (a run
 * writing into OUT makes the merge refuse), and an input folder a run is
 * writing into is refused too (its rows would be a torn copy). OUT's files
 * are written atomically; OUT may be one of the inputs, or hold an earlier
 * merge, which then counts as an input. */
#ifndef DS_MERGE_H
#define DS_MERGE_H

#include <stddef.h>

typedef struct {
    int runs;        /* runs in OUT                                    */
    int folders;     /* folders read (OUT included when it held results) */
    int duplicates;  /* rows dropped because another folder had them   */
} ds_merge_counts;

/* Merges dirs[0..n_dirs) into out. 0; 2 with a message in err for bad input
 * (nothing written); 1 for a run-time failure. */
int ds_results_merge(const char *out, const char *const *dirs, int n_dirs,
                     ds_merge_counts *counts, char *err, size_t errlen);

#endif
