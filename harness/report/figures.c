/* The figures a report can hold, in the order REPORT.md shows them. To add a
 * figure: one row here, one function (fig_<kind>.c) that returns without a
 * figure when its columns were not swept, and plots/<kind>.gp. */
#include "figure.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *png; /* the file it draws (gradnorm: or one per init, gradnorm-<init>.png) */
    ds_fig_fn *draw;
} figure_kinds[] = {
    {"accuracy.png", ds_fig_accuracy},
    {"xor.png", ds_fig_xor},
    {"curves.png", ds_fig_curves},
    {"gradnorm.png", ds_fig_gradnorm},
    {"dropout.png", ds_fig_dropout},
    {"heatmap.png", ds_fig_heatmap_depth_width},
    {"heatmap-init-activation.png", ds_fig_heatmap_init_activation},
};
#define N_KINDS (sizeof figure_kinds / sizeof figure_kinds[0])

/* Whether file name `name` is a figure of kind `png` ("gradnorm.png":
 * gradnorm.<ext> or gradnorm-<anything>.<ext>, as earlier versions drew one
 * per init) in one of the formats plot writes. */
static int of_kind(const char *name, const char *png)
{
    size_t stem = strlen(png) - 4, n = strlen(name);
    if (strncmp(name, png, stem) || (name[stem] != '.' && name[stem] != '-'))
        return 0;
    static const char *const exts[] = {".png", ".svg", ".pdf"};
    for (int e = 0; e < 3; e++)
        if (n > 4 && !strcmp(name + n - 4, exts[e]))
            return 1;
    return 0;
}

/* A figure from an earlier plot of this folder that no longer applies would
 * sit beside REPORT.md unexplained: remove every file of a figure kind (in
 * any format, gradnorm-<init>.png of older versions too) not drawn now. A
 * figure whose output gnuplot could not finish (a full disk) keeps its
 * earlier, whole files. */
static void remove_stale(const ds_report_writer *w)
{
    DIR *d = w->have_gnuplot ? opendir(w->outdir) : NULL;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int kind = 0, drawn = 0;
        for (size_t i = 0; i < N_KINDS; i++)
            kind |= of_kind(e->d_name, figure_kinds[i].png);
        for (int j = 0; j < w->nfigs && kind; j++)
            drawn |= (w->figs[j].drawn == 1 || w->figs[j].drawn == -2) &&
                     ds_fig_wrote(w, &w->figs[j], e->d_name);
        char p[4096];
        if (kind && !drawn &&
            snprintf(p, sizeof p, "%s/%s", w->outdir, e->d_name) < (int)sizeof p)
            unlink(p);
    }
    closedir(d);
}

int ds_figures_draw(ds_report_writer *w)
{
    int *scratch = malloc((size_t)(w->r->ngroups > 0 ? w->r->ngroups : 1) * sizeof *scratch);
    if (!scratch)
        return -1;
    for (size_t i = 0; i < N_KINDS; i++)
        figure_kinds[i].draw(w, figure_kinds[i].png, scratch);
    remove_stale(w);
    free(scratch);
    return 0;
}
