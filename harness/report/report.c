/* `deepsweep plot`'s engine, the writing half (see report.h): the folders,
 * gnuplot's probe, every figure that applies (figures.c), then REPORT.md
 * (markdown.c). Loading is in load.c and groups.c. */
#include "err.h"
#include "figure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int make_folder(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0777) && errno != EEXIST)
        return ds_errf(err, errlen, 1, "deepsweep: %s: cannot create the folder: %s", path,
                       strerror(errno));
    return 0;
}

int ds_report_write(const ds_report *r, const char *outdir, const char *plots_dir,
                    const char *gnuplot, int quiet, unsigned formats, char *err,
                    size_t errlen)
{
    char pd[4096];
    if (errlen)
        err[0] = 0;
    snprintf(pd, sizeof pd, "%s/plot-data", outdir);
    if (make_folder(outdir, err, errlen) || make_folder(pd, err, errlen))
        return 1;
    ds_report_writer *w = calloc(1, sizeof *w);
    if (!w)
        return ds_errf(err, errlen, 1, "deepsweep: out of memory");
    w->r = r;
    w->outdir = outdir;
    w->plots_dir = plots_dir;
    w->gnuplot = gnuplot;
    w->quiet = quiet;
    w->formats = formats ? formats : 1u << DS_FORMAT_PNG;
    ds_gnuplot_probe(w);
    if (gnuplot && !w->have_gnuplot)
        fprintf(stderr, "deepsweep: plot: '%s' not found or has no terminal for the formats "
                        "asked; writing the tables only (install it: make deps-plots)\n", gnuplot);
    if (ds_figures_draw(w)) {
        free(w);
        return ds_errf(err, errlen, 1, "deepsweep: out of memory");
    }
    int rc = ds_report_md_write(w, err, errlen);
    if (!rc && (w->failures || !w->have_gnuplot))
        rc = 1;
    free(w);
    return rc;
}
