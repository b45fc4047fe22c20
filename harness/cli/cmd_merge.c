/* `deepsweep merge OUT DIR...`: options, then the engine: the union of the
 * shard folders of one sweep (ds_results_merge, harness/results/merge.h). */
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "merge.h"

#include <stdio.h>
#include <string.h>

/* Exit status of a merge that wrote OUT but found runs of the sweep in no
 * folder (incomplete shards). */
#define MERGE_INCOMPLETE 3

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f, "usage: deepsweep merge OUT DIR...\n"
               "\n"
               "Unions the results folders DIR... of one sweep (e.g. the shard folders of\n"
               "`deepsweep run --shard I/N`) into OUT: runs.csv, epochs.csv, layers.csv and\n"
               "config.yaml. A run found in several folders is kept once; if its rows differ\n"
               "in a deterministic column (all but seconds, samples_per_s, threads) that is\n"
               "an error. Folders of different sweeps are refused, and so is a folder a\n"
               "`deepsweep run` is writing into, and an OUT holding results without a\n"
               "config.yaml. Every row is checked (whole, numbers that parse, a run of the\n"
               "sweep with its configuration, epochs and layers rows for a finished run):\n"
               "a damaged row is named file:line and nothing is merged, unless\n"
               "--skip-damaged. Runs are ordered as in the sweep's run list. OUT may be one\n"
               "of the DIRs or hold an earlier merge; it changes all at once or not at all.\n"
               "\n"
               "options:\n");
    ds_cli_print_options(f, opts);
    fprintf(f, "\nexit status 3: OUT was written but runs of the sweep are in no folder\n"
               "(incomplete shards: their ids are listed); merge again once they are there.\n");
    ds_cli_exit_status(f);
}

/* Prints counts->notes, one "deepsweep: merge: " line each. */
static void print_notes(const ds_csvbuf *notes, const char *what)
{
    for (const char *l = notes->s, *e; l && l < notes->s + notes->len; l = e + 1) {
        e = memchr(l, '\n', (size_t)(notes->s + notes->len - l));
        if (!e)
            break;
        if ((strncmp(l, "missing: ", 9) != 0) == !strcmp(what, "damaged"))
            fprintf(stderr, "deepsweep: merge: %.*s\n", (int)(e - l), l);
    }
}

int cmd_merge(int argc, char **argv)
{
    int skip = 0;
    const ds_opt opts[] = {
        DS_OPT_FLAG("skip-damaged", 0, &skip, "merge the rest when rows are damaged: drop them\n"
                                              "and say how many"),
        DS_OPT_END};
    const ds_cli cli = {.command = "merge", .opts = opts, .usage = usage, .min_args = 2,
                        .max_args = -1, .args = "OUT DIR..."};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    char err[DS_ERR_LEN];
    ds_merge_counts n;
    const char *out = argv[first];
    int rc = ds_results_merge(out, (const char *const *)argv + first + 1, argc - first - 1, skip,
                              &n, err, sizeof err);
    print_notes(&n.notes, "damaged");
    if (rc) {
        fprintf(stderr, "deepsweep: merge: %s\n", err);
    } else {
        printf("merged %d runs from %d folders into %s (%d duplicate rows dropped)\n", n.runs,
               n.folders, out, n.duplicates);
        if (n.damaged)
            printf("%d damaged rows dropped (--skip-damaged; listed on stderr)\n", n.damaged);
        if (n.missing) {
            print_notes(&n.notes, "missing");
            fprintf(stderr, "deepsweep: merge: %d of the sweep's %d runs are in no folder%s: "
                            "the shards are incomplete (exit status 3)\n",
                    n.missing, n.sweep_runs, n.missing > 10 ? " (the first 10 listed)" : "");
            rc = MERGE_INCOMPLETE;
        }
    }
    ds_csvbuf_free(&n.notes);
    return rc;
}
