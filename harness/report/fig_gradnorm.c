/* gradnorm.png: each layer's gradient norm against its position, the
 * vanishing gradient (layers.csv). More than 8 lines become small multiples:
 * one panel per value of the first varying setting of init, activation,
 * dropout, optimizer, lr (the other settings are the lines of each panel).
 * A line with a zero gradient cannot be drawn on the log axis: it is named
 * in a note on the figure and in REPORT.md. The sentence about the figure
 * states its finding, computed from the data. */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 8
#define MAX_PANELS 16 /* with more panels than this the figure is not drawn */

/* The group's mean gradient norm at layer l: first or last logged epoch. */
static double grad_at(const ds_group *gr, int l, int last)
{
    const ds_moments *m = last ? &gr->grad_last[l] : &gr->grad_first[l];
    return m->n ? ds_moments_mean(m) : NAN;
}

/* The finding: where depth varies, the line whose layer-0 gradient (last
 * logged epoch) falls most from its shallowest to its deepest net; else
 * the group whose layer 0 gets the smallest share of its last layer's
 * gradient. Nothing when no ratio can be computed. */
static void finding(const ds_report *r, const int *sel, char *out, size_t n)
{
    out[0] = 0;
    double best = 0;
    if (r->varies[DS_K_DEPTH]) {
        for (int a = 0; a < r->ngroups; a++)
            for (int b = 0; b < r->ngroups; b++) {
                const ds_group *ga = &r->groups[a], *gb = &r->groups[b];
                if (!sel[a] || !sel[b] || atof(gb->key[DS_K_DEPTH]) <= atof(ga->key[DS_K_DEPTH]))
                    continue;
                char na[256], nb[256];
                ds_group_name(r, ga, 1u << DS_K_DEPTH, na, sizeof na);
                ds_group_name(r, gb, 1u << DS_K_DEPTH, nb, sizeof nb);
                double ya = grad_at(ga, 0, 1), yb = grad_at(gb, 0, 1);
                if (strcmp(na, nb) || !(ya > 0) || !(yb > 0) || ya / yb <= best)
                    continue;
                best = ya / yb;
                snprintf(out, n,
                         " Measured: %s's layer-0 gradient norm falls by a factor of 10^%.1f "
                         "from depth %s (%.2g) to depth %s (%.2g).",
                         na, log10(best), ga->key[DS_K_DEPTH], ya, gb->key[DS_K_DEPTH], yb);
            }
        if (best > 1)
            return;
        out[0] = 0;
    }
    best = 0;
    for (int g = 0; g < r->ngroups; g++) {
        const ds_group *gr = &r->groups[g];
        if (!sel[g])
            continue;
        double y0 = grad_at(gr, 0, 1), yl = grad_at(gr, gr->n_layers - 1, 1);
        if (!(y0 > 0) || !(yl > 0) || yl / y0 <= best)
            continue;
        best = yl / y0;
        snprintf(out, n,
                 " Measured: in %s, layer 0's gradient norm is 10^%.1f times %s the last "
                 "layer's (%.2g against %.2g).",
                 gr->name, fabs(log10(best)), best >= 1 ? "smaller than" : "larger than", y0, yl);
    }
}

void ds_fig_gradnorm(ds_report_writer *w, const char *png, int *sel)
{
    const ds_report *r = w->r;
    if (!r->have_layers)
        return;
    int G = r->ngroups, n = 0;
    for (int g = 0; g < G; g++)
        n += sel[g] = r->groups[g].ok && r->groups[g].n_layers >= 2;
    if (!n)
        return;
    ds_panels P;
    if (ds_panels_make(r, sel, MAX_LINES, &P))
        return;
    int np = P.np, facet = P.facet;
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig || np > MAX_PANELS) {
        if (fig) {
            fig->drawn = 0;
            snprintf(fig->what, sizeof fig->what,
                     "Gradient norms per layer: not drawn, %d lines in %d panels (one per %s) are "
                     "too many for one figure (at most %d panels)." DS_WHERE_HINT, n, np,
                     ds_group_key_cols[facet], MAX_PANELS);
        }
        ds_panels_free(&P);
        return;
    }
    /* a faceted figure shows the last logged epoch only */
    int single = r->layers_single || np > 0;
    char zeros[600] = "", fnd[400];
    size_t kz = 0;
    int nzero = 0;
    double ylo = INFINITY, yhi = 0; /* one y range for every panel */
    char path[4096];
    FILE *f = ds_fig_data_open(w, "gradnorm.dat", path, sizeof path);
    if (f)
        fprintf(f, "# blocks (one per group, title line first, grouped by panel): layer "
                   "grad_first_mean grad_first_std grad_last_mean grad_last_std\n");
    for (int i = 0; i < P.m && f; i++) {
        const ds_group *gr =
            ds_panels_block(r, &P, i, f, "\"first\" \"first_std\" \"last\" \"last_std\"");
        int zero = 0;
        for (int l = 0; l < gr->n_layers; l++) {
            if (gr->grad_first[l].n < 1 && gr->grad_last[l].n < 1)
                continue;
            double a = grad_at(gr, l, 0), b = grad_at(gr, l, 1);
            zero |= (!single && a <= 0) || b <= 0;
            if (!single && a > 0)
                ylo = fmin(ylo, a), yhi = fmax(yhi, a);
            if (b > 0)
                ylo = fmin(ylo, b), yhi = fmax(yhi, b);
            fprintf(f, "%d", l);
            ds_dat_num(f, a);
            ds_dat_num(f, ds_report_std(&gr->grad_first[l]));
            ds_dat_num(f, b);
            ds_dat_num(f, ds_report_std(&gr->grad_last[l]));
            fprintf(f, "\n");
        }
        fprintf(f, "\n\n");
        if (zero && kz < sizeof zeros)
            kz += (size_t)snprintf(zeros + kz, sizeof zeros - kz, "%s%s", nzero++ ? "; " : "",
                                   gr->name);
    }
    finding(r, sel, fnd, sizeof fnd);
    size_t k = (size_t)snprintf(
        fig->what, sizeof fig->what,
        "The vanishing gradient, measured: L2 norm of each layer's weight gradient (averaged "
        "over the epoch's steps, then over seeds) against the layer's position, layer 0 next "
        "to the input, on a log scale%s%s%s. A line that falls steeply towards layer 0 means "
        "the layers near the input barely learn.%s",
        np ? ", one panel per " : "", np ? ds_group_key_cols[facet] : "",
        np ? ", at the last logged epoch"
           : r->layers_single ? ", at the one epoch the runs logged"
                              : "; left at the first logged epoch, right at the last",
        fnd);
    if (nzero && k < sizeof fig->what)
        snprintf(fig->what + k, sizeof fig->what - k,
                 " Not drawn (a zero gradient has no place on a log axis): %s.", zeros);
    char vars[12000], styles[2048] = "", qz[700], qpt[4300];
    ds_line_styles(r, P.order, P.m, ds_panels_exclude(&P), styles, sizeof styles);
    ds_gp_quote(qz, sizeof qz, nzero ? zeros : "");
    ds_gp_quote(qpt, sizeof qpt, P.pt);
    snprintf(vars, sizeof vars,
             "n=%d; np=%d; starts='%s'; counts='%s'; pt=%s; single=%d; zeros=%s; ylo=%.6g; "
             "yhi=%.6g; %s", P.m, np, P.starts, P.counts, qpt, single, qz,
             yhi > 0 ? ylo / 2 : 1e-3, yhi > 0 ? yhi * 2 : 1, styles);
    ds_fig_draw(w, fig, "gradnorm", path, vars, f);
    ds_panels_free(&P);
}
