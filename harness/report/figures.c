/* The figures a report can hold, in the order REPORT.md shows them. To add a
 * figure: one row here, one function (fig_<kind>.c) that returns without a
 * figure when its columns were not swept, and plots/<kind>.gp. */
#include "figure.h"

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

/* A figure from an earlier plot of this folder that no longer applies would
 * sit beside REPORT.md unexplained: remove it. */
static void remove_stale(const ds_report_writer *w)
{
    for (size_t i = 0; i < N_KINDS; i++) {
        int drawn = 0;
        for (int j = 0; j < w->nfigs; j++)
            drawn |= w->figs[j].drawn == 1 && !strcmp(w->figs[j].png, figure_kinds[i].png);
        char p[4096];
        if (!drawn && w->have_gnuplot &&
            snprintf(p, sizeof p, "%s/%s", w->outdir, figure_kinds[i].png) < (int)sizeof p)
            unlink(p);
    }
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
