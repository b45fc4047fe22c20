/* curves.png: test accuracy and train loss per epoch, one line per group
 * (epochs.csv). */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ds_fig_curves(ds_report_writer *w, const char *png, int *scratch)
{
    const ds_report *r = w->r;
    (void)scratch;
    if (!r->have_epochs || r->is_xor)
        return;
    int n = 0;
    for (int g = 0; g < r->ngroups; g++)
        n += r->groups[g].ok && r->groups[g].n_epochs;
    if (!n)
        return;
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig)
        return;
    if (n > 12) {
        fig->drawn = 0;
        snprintf(fig->what, sizeof fig->what,
                 "Training curves: not drawn, %d groups are too many lines for one "
                 "readable figure (at most 12); the accuracy figure and the table "
                 "below compare them." DS_WHERE_HINT, n);
        return;
    }
    snprintf(fig->what, sizeof fig->what,
             "Training curves per group: test accuracy (left) and mean training loss "
             "(right, log scale) after each epoch; the line is the mean over seeds and "
             "the shaded band ± one standard deviation. A train loss that keeps falling "
             "while test accuracy stalls is overfitting.");
    char path[4096], vars[400];
    FILE *f = ds_fig_data_open(w, "curves.dat", path, sizeof path);
    if (f) {
        fprintf(f, "# blocks (one per group, title line first): epoch test_acc_mean_pct "
                   "test_acc_std_pct train_loss_mean train_loss_std\n");
        for (int g = 0; g < r->ngroups; g++) {
            const ds_group *gr = &r->groups[g];
            if (!gr->ok || !gr->n_epochs)
                continue;
            fprintf(f, "\"%s\" \"acc\" \"acc_std\" \"loss\" \"loss_std\"\n", gr->name);
            for (int e = 0; e < gr->n_epochs; e++) {
                if (gr->ep_test_acc[e].n < 1)
                    continue;
                fprintf(f, "%d", e);
                ds_dat_num(f, 100 * ds_moments_mean(&gr->ep_test_acc[e]));
                ds_dat_num(f, 100 * ds_report_std(&gr->ep_test_acc[e]));
                ds_dat_num(f, ds_moments_mean(&gr->ep_train_loss[e]));
                ds_dat_num(f, ds_report_std(&gr->ep_train_loss[e]));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    int maxep = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (r->groups[g].ok && r->groups[g].n_epochs > maxep)
            maxep = r->groups[g].n_epochs - 1;
    int rep[12], m = 0;
    for (int g = 0; g < r->ngroups && m < 12; g++)
        if (r->groups[g].ok && r->groups[g].n_epochs)
            rep[m++] = g;
    char styles[256];
    ds_line_styles(r, rep, m, 0, styles, sizeof styles);
    snprintf(vars, sizeof vars, "n=%d; maxep=%d; %s", n, maxep, styles);
    ds_fig_draw(w, fig, "curves", path, vars, f);
}
