/* `deepsweep show DIR [--sort KEY] [--where KEY=VALUE]...`: the summary
 * table of a results folder from its CSVs, nothing run (view.h, then the
 * runner's summary, summary.c). */
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "view.h"

#include <stdio.h>
#include <string.h>

#define MAX_WHERE 16

typedef struct {
    const char *kv[MAX_WHERE];
    int n;
} where_list;

static int add_where(const char *field, const char *value, void *target, char *err, size_t errlen)
{
    (void)field;
    where_list *w = target;
    if (w->n == MAX_WHERE)
        return ds_errf(err, errlen, 2, "--where: more than %d", MAX_WHERE);
    w->kv[w->n++] = value;
    return 0;
}

static int set_sort(const char *field, const char *value, void *target, char *err, size_t errlen)
{
    (void)field;
    int *sort = target;
    *sort = ds_summary_sort_find(value);
    if (*sort >= 0)
        return 0;
    char valid[256];
    ds_summary_sort_names(valid, sizeof valid);
    return ds_errf(err, errlen, 2, "--sort: '%s' is not a column (valid: %s)", DS_ECHO(value), valid);
}

static void usage(FILE *f, const ds_opt *opts)
{
    char sorts[256];
    ds_summary_sort_names(sorts, sizeof sorts);
    fprintf(f,
            "usage: deepsweep show DIR [--sort KEY] [--where KEY=VALUE ...]\n"
            "\n"
            "Prints the summary table of the results folder DIR (written by `deepsweep\n"
            "run`) from its CSVs, running nothing: the table `run` ends with, one row per\n"
            "group, mean +- std over the seeds whose run ended ok. Groups of the sweep\n"
            "that have not run yet are listed as \"not run\" and get no rank. DIR's\n"
            "config.yaml gives the sweep's groups and order, runs.csv the finished runs.\n"
            "\n"
            "options:\n");
    ds_cli_print_options(f, opts);
    fprintf(f, "\nsort keys: %s (rank and the accuracies: best first)\n", sorts);
    ds_cli_exit_status(f);
}

int cmd_show(int argc, char **argv)
{
    int sort = -1;
    where_list where = {.n = 0};
    const ds_opt opts[] = {
        DS_OPT_FN("sort", 's', "KEY", set_sort, &sort,
                  "order the groups by a column of the table (default:\n"
                  "the sweep's order)"),
        DS_OPT_FN("where", 'w', "KEY=VALUE", add_where, &where,
                  "only the runs whose runs.csv column KEY is VALUE\n"
                  "(e.g. activation=relu, lr=0.001); repeat to combine"),
        DS_OPT_END,
    };
    const ds_cli cli = {.command = "show", .opts = opts, .usage = usage, .min_args = 1,
                        .max_args = 1, .args = "DIR"};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    char err[4096];
    ds_runner r;
    ds_plan plan;
    int rc = ds_view_open(&r, &plan, argv[first], err, sizeof err);
    for (int i = 0; !rc && i < where.n; i++)
        rc = ds_view_where(&r, where.kv[i], err, sizeof err);
    if (rc)
        ds_err_print("show", rc, "%s", err);
    else
        ds_summary_print(&r, sort, stdout);
    ds_view_close(&r, &plan);
    return rc;
}
