/* accuracy.png: final test accuracy per group, mean ± std over seeds, with
 * the config's reference beside it where the config gives one. */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ds_fig_accuracy(ds_report_writer *w, const char *png, int *scratch)
{
    const ds_report *r = w->r;
    (void)scratch;
    int any = 0, refs = 0;
    for (int g = 0; g < r->ngroups; g++) {
        any |= r->groups[g].ok > 0;
        refs |= isfinite(r->groups[g].reference);
    }
    if (!any || r->is_xor)
        return; /* XOR has its own figure: success fraction */
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig)
        return;
    if (r->ngroups > 40) {
        fig->drawn = 0;
        snprintf(fig->what, sizeof fig->what,
                 "Test accuracy per group: not drawn, %d groups are too many for one row "
                 "of error bars (at most 40); the heatmaps and the table below show them."
                 DS_WHERE_HINT,
                 r->ngroups);
        return;
    }
    /* the finding: the best group, and whether the runner-up is behind it
     * beyond seed noise */
    int best = -1, second = -1;
    for (int g = 0; g < r->ngroups; g++) {
        double m = ds_moments_mean(&r->groups[g].test_acc);
        if (!r->groups[g].ok)
            continue;
        if (best < 0 || m > ds_moments_mean(&r->groups[best].test_acc))
            second = best, best = g;
        else if (second < 0 || m > ds_moments_mean(&r->groups[second].test_acc))
            second = g;
    }
    char fnd[700] = "";
    if (second >= 0) {
        const ds_group *a = &r->groups[best], *b = &r->groups[second];
        ds_welch wt = ds_welch_test(&a->test_acc, &b->test_acc);
        char p[64] = "";
        if (!isnan(wt.p))
            snprintf(p, sizeof p, ", Welch p = %.2g", wt.p);
        snprintf(fnd, sizeof fnd,
                 " Measured: the best is %s (%.2f%%), %.2f points ahead of %s (%.2f%%): %s%s.",
                 a->name, 100 * ds_moments_mean(&a->test_acc), 100 * wt.diff, b->name,
                 100 * ds_moments_mean(&b->test_acc), ds_welch_verdict(&wt), p);
    }
    snprintf(fig->what, sizeof fig->what,
             "Final test accuracy of each group: the dot is the mean over its seeds, the "
             "bar ± one standard deviation (none for one seed)%s.%s",
             refs ? "; the open diamond beside it is the reference accuracy the "
                    "experiment file gives for that group (its source is in the table below)"
                  : "",
             fnd);
    char path[4096], vars[64];
    FILE *f = ds_fig_data_open(w, "accuracy.dat", path, sizeof path);
    if (f) {
        fprintf(f, "# index test_acc_mean_pct test_acc_std_pct reference_pct ok_runs name\n");
        for (int g = 0; g < r->ngroups; g++) {
            const ds_group *gr = &r->groups[g];
            fprintf(f, "%d", g);
            ds_dat_num(f, 100 * ds_moments_mean(&gr->test_acc));
            ds_dat_num(f, 100 * ds_report_std(&gr->test_acc));
            ds_dat_num(f, 100 * gr->reference);
            fprintf(f, " %d \"%s\"\n", gr->ok, gr->name);
        }
    }
    /* Slant the group names when, written level, they would run together. */
    size_t longest = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (strlen(r->groups[g].name) > longest)
            longest = strlen(r->groups[g].name);
    snprintf(vars, sizeof vars, "n=%d; ref=%d; rot=%d", r->ngroups, refs,
             (size_t)r->ngroups * (longest + 2) > 120);
    ds_fig_draw(w, fig, "accuracy", path, vars, f);
}
