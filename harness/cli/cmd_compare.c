/* `deepsweep compare DIR_A DIR_B`: options, then the engine (compare.h in
 * harness/report/): groups matched by configuration, B - A with its CI and
 * Welch's p, printed and drawn. */
#include "cli.h"
#include "commands.h"
#include "compare.h"
#include "err.h"
#include "sweep.h"

#include <stdio.h>
#include <string.h>

static int set_metric(const char *field, const char *value, void *target, char *err, size_t errlen)
{
    (void)field;
    int *m = target;
    if ((*m = ds_compare_metric_find(value)) >= 0)
        return 0;
    char valid[256];
    ds_compare_metric_names(valid, sizeof valid);
    return ds_errf(err, errlen, 2, "--metric: '%s' is not a metric (valid: %s)", DS_ECHO(value), valid);
}

static void usage(FILE *f, const ds_opt *opts)
{
    char metrics[256], cols[512];
    ds_compare_metric_names(metrics, sizeof metrics);
    ds_compare_config_columns(cols, sizeof cols);
    fprintf(f,
            "usage: deepsweep compare DIR_A DIR_B [--metric NAME] [--out DIR] [-q]\n"
            "\n"
            "Compares two results folders (written by `deepsweep run`), nothing run. A\n"
            "configuration column (below) with one value in all of A and another in all\n"
            "of B is what the sweeps differ in; groups (runs equal but for the seed) are\n"
            "matched on every other column. For each pair: the metric's mean and 95%%\n"
            "CI (Student t) in A and in B over the seeds whose run ended ok, B - A with\n"
            "its 95%% CI and the p-value of Welch's t-test (two-sided, unequal\n"
            "variances; both need two seeds a side), and whether the difference is\n"
            "within seed noise (p >= 0.05). Groups only one folder has are named.\n"
            "The figure (B - A with its interval per pair) and its data file go to\n"
            "--out: compare.png and plot-data/compare.dat.\n"
            "\n"
            "configuration columns: %s\n"
            "metrics: %s\n"
            "\n"
            "options:\n",
            cols, metrics);
    ds_cli_print_options(f, opts);
    fprintf(f, "\nexit status 1 also when the figure could not be drawn (the table is printed).\n");
    ds_cli_exit_status(f);
}

int cmd_compare(int argc, char **argv)
{
    int metric = ds_compare_metric_find("test_acc"), quiet = 0;
    const char *out = NULL, *plots = NULL;
    const ds_opt opts[] = {
        DS_OPT_FN("metric", 'm', "NAME", set_metric, &metric, "the metric compared (default test_acc)"),
        DS_OPT_STR("out", 'o', "DIR", &out, "where the figure goes (default\n"
                                            "results/compare-<A>-vs-<B>, the folders' names)"),
        DS_OPT_STR("plots", 0, "DIR", &plots, "the gnuplot scripts (default: as `plot` finds them)"),
        DS_OPT_FLAG("quiet", 'q', &quiet, "no line on stderr for the figure written"),
        DS_OPT_END,
    };
    const ds_cli cli = {.command = "compare", .opts = opts, .usage = usage, .min_args = 2,
                        .max_args = 2, .args = "DIR_A DIR_B"};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    char err[2048], outbuf[1024], plots_dir[1024];
    ds_comparison c;
    int rc = ds_compare_load(argv[first], argv[first + 1], metric, &c, err, sizeof err);
    if (rc) {
        ds_compare_free(&c);
        return ds_err_print("compare", rc, "%s", err);
    }
    ds_compare_print(&c, stdout);
    fflush(stdout);
    if (!out) {
        ds_compare_default_out(&c, outbuf, sizeof outbuf);
        out = outbuf;
    }
    if (plots)
        snprintf(plots_dir, sizeof plots_dir, "%s", plots);
    else
        ds_report_find_plots(plots_dir, sizeof plots_dir);
    if (!c.n_pairs) {
        fprintf(stderr, "deepsweep: compare: no group of A matches one of B: no figure\n");
        ds_compare_free(&c);
        return 0;
    }
    rc = ds_mkdir_p(out, err, sizeof err);
    if (!rc)
        rc = ds_compare_figure(&c, out, plots_dir, "gnuplot", quiet, err, sizeof err);
    if (rc)
        ds_err_print("compare", rc, "%s", err);
    ds_compare_free(&c);
    return rc;
}
