/* `deepsweep merge OUT DIR...`: options, then the engine: the union of the
 * shard folders of one sweep (ds_results_merge, harness/results/merge.h). */
#include "cli.h"
#include "commands.h"
#include "merge.h"

#include <stdio.h>

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f, "usage: deepsweep merge OUT DIR...\n"
               "\n"
               "Unions the results folders DIR... of one sweep (e.g. the shard folders of\n"
               "`deepsweep run --shard I/N`) into OUT: runs.csv, epochs.csv, layers.csv and\n"
               "config.yaml. A run found in several folders is kept once; if its rows differ\n"
               "in a deterministic column (all but seconds, samples_per_s, threads) that is\n"
               "an error. Folders of different sweeps are refused, and so is a folder a\n"
               "`deepsweep run` is writing into. Runs are ordered as in the sweep's run\n"
               "list. OUT may be one of the DIRs or hold an earlier merge.\n"
               "\n"
               "options:\n");
    ds_cli_print_options(f, opts);
    ds_cli_exit_status(f);
}

int cmd_merge(int argc, char **argv)
{
    const ds_opt opts[] = {DS_OPT_END};
    const ds_cli cli = {.command = "merge", .opts = opts, .usage = usage, .min_args = 2,
                        .max_args = -1, .args = "OUT DIR..."};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    char err[1400];
    ds_merge_counts n;
    const char *out = argv[first];
    int rc = ds_results_merge(out, (const char *const *)argv + first + 1, argc - first - 1, &n,
                              err, sizeof err);
    if (rc)
        fprintf(stderr, "deepsweep: merge: %s\n", err);
    else
        printf("merged %d runs from %d folders into %s (%d duplicate rows dropped)\n", n.runs,
               n.folders, out, n.duplicates);
    return rc;
}
