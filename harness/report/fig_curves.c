/* curves.png: test accuracy and train loss per epoch, one line per group
 * (epochs.csv). More than 12 lines become small multiples as gradnorm's do
 * (ds_panels: one panel per value of the first varying setting). */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 12
#define MAX_PANELS 16 /* with more panels than this the figure is not drawn */

void ds_fig_curves(ds_report_writer *w, const char *png, int *sel)
{
    const ds_report *r = w->r;
    if (!r->have_epochs || r->is_xor)
        return;
    int n = 0;
    for (int g = 0; g < r->ngroups; g++)
        n += sel[g] = r->groups[g].ok && r->groups[g].n_epochs;
    if (!n)
        return;
    /* past 12 lines, small multiples as gradnorm draws them */
    ds_panels P;
    if (ds_panels_make(r, sel, MAX_LINES, &P))
        return;
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig || (!P.np && n > MAX_LINES) || P.np > MAX_PANELS) {
        if (fig && P.np) {
            fig->drawn = 0;
            snprintf(fig->what, sizeof fig->what,
                     "Training curves: not drawn, %d lines in %d panels (one per %s) are too many "
                     "for one figure (at most %d panels); the accuracy figure and the table "
                     "below compare them." DS_WHERE_HINT, n, P.np, ds_group_key_cols[P.facet],
                     MAX_PANELS);
        } else if (fig) {
            fig->drawn = 0;
            snprintf(fig->what, sizeof fig->what,
                     "Training curves: not drawn, %d groups are too many lines for one "
                     "readable figure (at most %d, and no setting of init, activation, dropout, "
                     "optimizer, lr splits them into panels); the accuracy figure and the table "
                     "below compare them." DS_WHERE_HINT, n, MAX_LINES);
        }
        ds_panels_free(&P);
        return;
    }
    snprintf(fig->what, sizeof fig->what,
             "Training curves per group%s%s: test accuracy (left) and mean training loss "
             "(right, log scale) after each epoch; the line is the mean over seeds and "
             "the shaded band ± one standard deviation. A train loss that keeps falling "
             "while test accuracy stalls is overfitting.",
             P.np ? ", one panel per " : "", P.np ? ds_group_key_cols[P.facet] : "");
    char path[4096];
    /* panels share one scale per side (accuracy, loss), as gradnorm's do */
    double alo = INFINITY, ahi = -INFINITY, llo = INFINITY, lhi = 0;
    FILE *f = ds_fig_data_open(w, "curves.dat", path, sizeof path);
    if (f)
        fprintf(f, "# blocks (one per group, title line first, grouped by panel): epoch "
                   "test_acc_mean_pct test_acc_std_pct train_loss_mean train_loss_std\n");
    for (int i = 0; i < P.m && f; i++) {
        const ds_group *gr =
            ds_panels_block(r, &P, i, f, "\"acc\" \"acc_std\" \"loss\" \"loss_std\"");
        for (int e = 0; e < gr->n_epochs; e++) {
            if (gr->ep_test_acc[e].n < 1)
                continue;
            double a = 100 * ds_moments_mean(&gr->ep_test_acc[e]);
            double as = 100 * ds_report_std(&gr->ep_test_acc[e]);
            double l = ds_moments_mean(&gr->ep_train_loss[e]), ls = ds_report_std(&gr->ep_train_loss[e]);
            fprintf(f, "%d", e);
            ds_dat_num(f, a);
            ds_dat_num(f, as);
            ds_dat_num(f, l);
            ds_dat_num(f, ls);
            double sa = isfinite(as) ? as : 0, sl = isfinite(ls) ? ls : 0;
            if (isfinite(a))
                alo = fmin(alo, a - sa), ahi = fmax(ahi, a + sa);
            if (l > 0) /* the loss side is a log axis (a band below 0 is drawn from the mean) */
                llo = fmin(llo, l - sl > 0 ? l - sl : l), lhi = fmax(lhi, l + sl);
            fprintf(f, "\n");
        }
        fprintf(f, "\n\n");
    }
    int maxep = 0;
    for (int i = 0; i < P.m; i++)
        if (r->groups[P.order[i]].n_epochs - 1 > maxep)
            maxep = r->groups[P.order[i]].n_epochs - 1;
    char styles[2048] = "", qpt[4300], vars[12000];
    ds_line_styles(r, P.order, P.m, ds_panels_exclude(&P), styles, sizeof styles);
    ds_gp_quote(qpt, sizeof qpt, P.pt);
    size_t k = (size_t)snprintf(vars, sizeof vars,
                                "n=%d; maxep=%d; np=%d; starts='%s'; counts='%s'; pt=%s; %s", P.m,
                                maxep, P.np, P.starts, P.counts, qpt, styles);
    if (P.np && ahi >= alo && lhi > 0 && k < sizeof vars) /* a margin: nothing on the frame */
        snprintf(vars + k, sizeof vars - k, "; alo=%.6g; ahi=%.6g; llo=%.6g; lhi=%.6g",
                 fmax(0, alo - 0.05 * (ahi - alo) - 0.5), fmin(100, ahi + 0.05 * (ahi - alo) + 0.5),
                 llo / 1.5, lhi * 1.5);
    ds_fig_draw(w, fig, "curves", path, vars, f);
    ds_panels_free(&P);
}
