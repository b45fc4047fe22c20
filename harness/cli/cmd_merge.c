/* `deepsweep merge OUT DIR...`: the union of shard folders of one sweep
 * (ds_results_merge, harness/results/merge.h). */
#include "commands.h"
#include "merge.h"

#include <stdio.h>
#include <string.h>

int cmd_merge(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: deepsweep merge OUT DIR...\n"
               "Unions the results folders DIR... of one sweep (e.g. the shard folders of\n"
               "`deepsweep run --shard I/N`) into OUT: runs.csv, epochs.csv, layers.csv and\n"
               "config.yaml. A run found in several folders is kept once; if its rows differ\n"
               "in a deterministic column (all but seconds, samples_per_s, threads) that is\n"
               "an error. Folders of different sweeps are refused, and so is a folder a\n"
               "`deepsweep run` is writing into. Runs are ordered as in the sweep's run\n"
               "list. exit status: 0 merged, 1 run-time failure, 2 bad input.\n");
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "deepsweep: merge: needs OUT and at least one DIR (usage: deepsweep merge OUT DIR...)\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-') {
            fprintf(stderr, "deepsweep: merge: unknown option '%s' (merge takes OUT DIR... and --help)\n", argv[i]);
            return 2;
        }
    char err[1400];
    ds_merge_counts n;
    int rc = ds_results_merge(argv[1], (const char *const *)argv + 2, argc - 2, &n, err, sizeof err);
    if (rc)
        fprintf(stderr, "deepsweep: merge: %s\n", err);
    else
        printf("merged %d runs from %d folders into %s (%d duplicate rows dropped)\n", n.runs,
               n.folders, argv[1], n.duplicates);
    return rc;
}
