/* `deepsweep plot RESULTS_DIR [--out DIR]`: figures and REPORT.md from a
 * results folder's CSVs (the work is in report.c). */
#include "commands.h"
#include "report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void plot_usage(FILE *f)
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
            "gnuplot (Debian gnuplot-nox) with plots/*.gp.\n"
            "\n"
            "options:\n"
            "  --out DIR     write there instead of RESULTS_DIR\n"
            "  --plots DIR   folder of the *.gp scripts (default: $DEEPSWEEP_PLOTS, else\n"
            "                the plots/ folder of the source tree holding this binary,\n"
            "                else ./plots)\n"
            "  -q            no progress lines on stderr\n"
            "\n"
            "environment:\n"
            "  DEEPSWEEP_GNUPLOT  the gnuplot program to run (default: gnuplot)\n"
            "\n"
            "exit status: 0 all drawn; 1 a figure could not be drawn (gnuplot missing:\n"
            "REPORT.md and its tables are still written); 2 bad input.\n");
}

/* plots/ next to the build folder of this binary (build/deepsweep,
 * build/san/deepsweep, ...): up to three levels up. */
static int find_plots(char *out, size_t n)
{
    const char *env = getenv("DEEPSWEEP_PLOTS");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash)
                break;
            *slash = 0;
            if (snprintf(out, n, "%s/plots/accuracy.gp", exe) < (int)n &&
                access(out, R_OK) == 0 && snprintf(out, n, "%s/plots", exe) < (int)n)
                return 0;
        }
    }
    snprintf(out, n, "plots");
    return access("plots/accuracy.gp", R_OK);
}

int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *outdir = NULL, *plots = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            plot_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (!strcmp(argv[i], "--out") || !strcmp(argv[i], "--plots")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "deepsweep: plot: %s needs a folder (%s DIR)\n", argv[i],
                        argv[i]);
                return 2;
            }
            *(!strcmp(argv[i], "--out") ? &outdir : &plots) = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "deepsweep: plot: unknown option '%s' (valid: --out DIR, "
                            "--plots DIR, -q, --help)\n", argv[i]);
            return 2;
        } else if (dir) {
            fprintf(stderr, "deepsweep: plot: one results folder at a time (got '%s' and "
                            "'%s')\n", dir, argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        plot_usage(stderr);
        return 2;
    }
    if (!outdir)
        outdir = dir;
    char plots_dir[PATH_MAX];
    if (plots)
        snprintf(plots_dir, sizeof plots_dir, "%s", plots);
    else if (find_plots(plots_dir, sizeof plots_dir))
        fprintf(stderr, "deepsweep: plot: gnuplot scripts not found (looked for "
                        "plots/accuracy.gp next to this binary and here; use --plots DIR "
                        "or DEEPSWEEP_PLOTS)\n");
    const char *gp = getenv("DEEPSWEEP_GNUPLOT");
    if (!gp || !*gp)
        gp = "gnuplot";

    char err[1024] = "";
    ds_report *r;
    int rc = ds_report_load(dir, &r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        return rc;
    }
    rc = ds_report_write(r, outdir, plots_dir, gp, quiet, err, sizeof err);
    if (err[0])
        fprintf(stderr, "%s\n", err);
    ds_report_free(r);
    return rc;
}
