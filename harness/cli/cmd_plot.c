/* `deepsweep plot RESULTS_DIR [--out DIR]`: figures and REPORT.md from a
 * results folder's CSVs. Options, then the engine (harness/report/): load
 * the results, write the figures and REPORT.md, return its status. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "commands.h"
#include "err.h"
#include "report.h"

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f,
            "usage: deepsweep plot RESULTS_DIR [--out DIR] [--plots DIR] [-q]\n"
            "\n"
            "Reads RESULTS_DIR/runs.csv (and epochs.csv, layers.csv when present),\n"
            "averages each group of runs (same configuration, different seeds) and\n"
            "writes into DIR (default RESULTS_DIR):\n"
            "  accuracy.png   test accuracy per group, mean ± std over seeds (MNIST labs:\n"
            "                 next to the course's figures; <= 40 groups)\n"
            "  curves.png     test accuracy and train loss per epoch (<= 12 groups)\n"
            "  gradnorm.png   per-layer gradient norm vs layer (the vanishing gradient);\n"
            "                 gradnorm-<init>.png, one per init, when lines are many\n"
            "  xor.png        XOR: fraction of seeds solved vs depth (xor sweeps)\n"
            "  dropout.png    test accuracy and train/test gap vs dropout (if swept)\n"
            "  heatmap.png    test accuracy over depth x width (if both swept)\n"
            "  heatmap-init-activation.png  the same over init x activation\n"
            "  REPORT.md      every figure with what it shows, and a table of groups\n"
            "  plot-data/     the numbers behind each figure (gnuplot data files)\n"
            "A figure whose columns were not swept is not drawn. Figures are drawn by\n"
            "gnuplot (Debian gnuplot-nox) with plots/*.gp. A figure that could not be\n"
            "drawn (gnuplot missing or failing) is a run-time failure, exit status 1:\n"
            "REPORT.md and its tables are still written.\n"
            "\n"
            "options:\n");
    ds_cli_print_options(f, opts);
    fprintf(f, "\n"
               "environment:\n"
               "  DEEPSWEEP_PLOTS    the folder of the *.gp scripts (when no --plots)\n"
               "  DEEPSWEEP_GNUPLOT  the gnuplot program to run (default: gnuplot)\n");
    ds_cli_exit_status(f);
}

/* --where clauses, in the order given (each one narrows the groups) */
typedef struct {
    const char *v[16];
    int n;
} where_list;

static int add_where(const char *field, const char *value, void *target, char *err,
                     size_t errlen)
{
    where_list *w = target;
    if (w->n == 16)
        return ds_errf(err, errlen, 2, "%s: at most 16 of them", field);
    w->v[w->n++] = value;
    return 0;
}

int cmd_plot(int argc, char **argv)
{
    where_list where = {0};
    const char *outdir = NULL, *plots = NULL, *format = "png";
    int quiet = 0;
    const ds_opt opts[] = {
        DS_OPT_STR("out", 0, "DIR", &outdir, "write there instead of RESULTS_DIR"),
        DS_OPT_STR("plots", 0, "DIR",
                   &plots, "folder of the *.gp scripts (default: $DEEPSWEEP_PLOTS, else\n"
                           "the plots/ folder of the source tree holding this binary,\n"
                           "else ./plots)"),
        DS_OPT_STR("format", 0, "LIST", &format,
                   "figure formats, comma-separated (default png; valid: " DS_FORMAT_NAMES ")"),
        DS_OPT_FN("where", 0, "KEY=VALUE", add_where, &where,
                  "only the groups whose column KEY has VALUE (e.g. activation=relu;\n"
                  "VALUE may list several: depth=2,4); repeat to narrow further"),
        DS_OPT_FLAG("quiet", 'q', &quiet, "no progress lines on stderr"),
        DS_OPT_END,
    };
    const ds_cli cli = {.command = "plot", .opts = opts, .usage = usage,
                        .min_args = 1, .max_args = 1, .args = "RESULTS_DIR"};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    unsigned formats;
    if (ds_report_parse_formats(format, &formats)) {
        fprintf(stderr, "deepsweep: plot: --format: '%s' is not a list of formats (valid: "
                        DS_FORMAT_NAMES ", comma-separated)\n", format);
        return 2;
    }
    const char *dir = argv[first];
    if (!outdir)
        outdir = dir;
    char plots_dir[PATH_MAX];
    if (plots)
        snprintf(plots_dir, sizeof plots_dir, "%s", plots);
    else if (ds_report_find_plots(plots_dir, sizeof plots_dir))
        fprintf(stderr, "deepsweep: plot: gnuplot scripts not found (looked for "
                        "plots/accuracy.gp next to this binary and here; use --plots DIR "
                        "or DEEPSWEEP_PLOTS)\n");
    const char *gp = getenv("DEEPSWEEP_GNUPLOT");
    if (!gp || !*gp)
        gp = "gnuplot";

    char err[DS_ERR_LEN] = "";
    ds_report *r;
    int rc = ds_report_load(dir, &r, err, sizeof err);
    for (int i = 0; !rc && i < where.n; i++)
        if ((rc = ds_report_select(r, where.v[i], err, sizeof err)))
            ds_report_free(r);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        return rc;
    }
    rc = ds_report_write(r, outdir, plots_dir, gp, quiet, formats, err, sizeof err);
    if (err[0])
        fprintf(stderr, "%s\n", err);
    ds_report_free(r);
    return rc;
}
