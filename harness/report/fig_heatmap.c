/* heatmap.png (depth x width) and heatmap-init-activation.png: mean test
 * accuracy over a grid of two swept columns, one panel per setting of the
 * others (at most 4). */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A panel is worth drawing when its cells form a grid: at least 2 values
 * on each axis, 3 cells, and half of its grid filled (the course's labs, one
 * network per setting, are not a grid). */
static int panel_is_grid(const ds_report *r, const int *line_of, int l, int kx, int ky)
{
    int cells = 0, ny = 0, nx = 0;
    const char *y[64], *x[64];
    for (int g = 0; g < r->ngroups; g++) {
        if (line_of[g] != l)
            continue;
        cells++;
        if (ds_str_index(y, ny, r->groups[g].key[ky]) < 0 && ny < 64)
            y[ny++] = r->groups[g].key[ky];
        if (ds_str_index(x, nx, r->groups[g].key[kx]) < 0 && nx < 64)
            x[nx++] = r->groups[g].key[kx];
    }
    return ny >= 2 && nx >= 2 && cells >= 3 && 2 * cells >= ny * nx;
}

/* Mean test accuracy over a kx x ky grid, one panel per setting of the other
 * varying columns (at most 4). */
static void fig_heatmap(ds_report_writer *w, int *line_of, int kx, int ky, const char *png,
                        const char *xl, const char *yl, const char *what)
{
    const ds_report *r = w->r;
    int G = r->ngroups > 0 ? r->ngroups : 1;
    const char *ys[G], *xs[G];
    int ny = ds_distinct_values(r, ky, ys), nx = ds_distinct_values(r, kx, xs);
    if (r->is_xor || ny < 2 || nx < 2)
        return;
    char(*titles)[256] = malloc((size_t)G * sizeof *titles);
    int nl = titles ? ds_lines_make(r, 1u << kx | 1u << ky, 1, line_of, titles, G) : -1;
    int keep[4], nf = 0, grids = 0;
    for (int l = 0; l < nl; l++)
        if (panel_is_grid(r, line_of, l, kx, ky) && grids++ < 4)
            keep[nf++] = l;
    if (!grids) {
        free(titles);
        return;
    }
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig) {
        free(titles);
        return;
    }
    if (grids > 4) {
        fig->drawn = 0;
        snprintf(fig->what, sizeof fig->what,
                 "%s heatmap: not drawn, %d panels (one per combination of the other "
                 "swept columns) are too many for one figure (at most 4); the table "
                 "below has every cell." DS_WHERE_HINT, what, grids);
        free(titles);
        return;
    }
    snprintf(fig->what, sizeof fig->what,
             "Mean test accuracy (%%, over seeds) for each %s cell%s; empty cells were "
             "not run. Read along a row or a column to see one factor's effect with the "
             "other held fixed.",
             what, nf > 1 ? ", one panel per setting of the other swept columns, all on one "
                            "colour scale"
                          : "");
    char path[4096], vars[4096], dat[96];
    snprintf(dat, sizeof dat, "%.*s.dat", (int)(strlen(png) - 4), png);
    /* one colour scale for every panel: the range of all their cells */
    double lo = INFINITY, hi = -INFINITY;
    for (int g = 0; g < r->ngroups; g++)
        for (int p = 0; p < nf; p++)
            if (line_of[g] == keep[p] && r->groups[g].test_acc.n) {
                lo = fmin(lo, 100 * ds_moments_mean(&r->groups[g].test_acc));
                hi = fmax(hi, 100 * ds_moments_mean(&r->groups[g].test_acc));
            }
    /* the finding: the best and the worst cell */
    int gb = -1, gw = -1;
    for (int g = 0; g < r->ngroups; g++)
        for (int p = 0; p < nf; p++)
            if (line_of[g] == keep[p] && r->groups[g].test_acc.n) {
                double m = ds_moments_mean(&r->groups[g].test_acc);
                if (gb < 0 || m > ds_moments_mean(&r->groups[gb].test_acc))
                    gb = g;
                if (gw < 0 || m < ds_moments_mean(&r->groups[gw].test_acc))
                    gw = g;
            }
    if (gb >= 0 && gb != gw)
        snprintf(fig->what + strlen(fig->what), sizeof fig->what - strlen(fig->what),
                 " Measured: best %s (%.2f%%), worst %s (%.2f%%).", r->groups[gb].name,
                 100 * ds_moments_mean(&r->groups[gb].test_acc), r->groups[gw].name,
                 100 * ds_moments_mean(&r->groups[gw].test_acc));
    FILE *f = ds_fig_data_open(w, dat, path, sizeof path);
    if (f) {
        fprintf(f, "# colour scale of every panel: %.6g %.6g\n", lo, hi);
        fprintf(f, "# blocks (one per panel): %s_index %s_index test_acc_mean_pct\n",
                ds_group_key_cols[kx], ds_group_key_cols[ky]);
        for (int p = 0; p < nf; p++) {
            for (int g = 0; g < r->ngroups; g++) {
                if (line_of[g] != keep[p])
                    continue;
                const ds_group *gr = &r->groups[g];
                fprintf(f, "%d %d", ds_str_index(xs, nx, gr->key[kx]),
                        ds_str_index(ys, ny, gr->key[ky]));
                ds_dat_num(f, 100 * ds_moments_mean(&gr->test_acc));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    /* tic labels and panel titles travel as gnuplot word lists */
    char qx[200], qy[200];
    ds_gp_quote(qx, sizeof qx, xl);
    ds_gp_quote(qy, sizeof qy, yl);
    size_t k = (size_t)snprintf(vars, sizeof vars, "n=%d; cblo=%.6g; cbhi=%.6g; xl=%s; yl=%s; xt='",
                                nf, isfinite(lo) ? lo : 0, isfinite(hi) ? hi : 100, qx, qy);
    for (int i = 0; i < nx && k < sizeof vars; i++)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "%s%s", i ? " " : "", xs[i]);
    if (k < sizeof vars)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "'; yt='");
    for (int i = 0; i < ny && k < sizeof vars; i++)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "%s%s", i ? " " : "", ys[i]);
    if (k < sizeof vars)
        k += (size_t)snprintf(vars + k, sizeof vars - k, "'; pt='");
    for (int p = 0; p < nf && k < sizeof vars; p++) {
        char q[600];
        /* one panel of everything: the figure's title says it all */
        ds_gp_quote(q, sizeof q,
                    nf == 1 && !strcmp(titles[keep[p]], "all runs") ? "" : titles[keep[p]]);
        q[strlen(q) - 1] = 0; /* inner text only: the list itself is quoted */
        k += (size_t)snprintf(vars + k, sizeof vars - k, "%s\"%s\"", p ? " " : "", q + 1);
    }
    if (k < sizeof vars)
        snprintf(vars + k, sizeof vars - k, "'");
    ds_fig_draw(w, fig, "heatmap", path, vars, f);
    free(titles);
}

void ds_fig_heatmap_depth_width(ds_report_writer *w, const char *png, int *line_of)
{
    fig_heatmap(w, line_of, DS_K_WIDTH, DS_K_DEPTH, png, "width (units per hidden layer)",
                "depth (hidden layers)",
                "depth (hidden layers) × width (units per hidden layer)");
}

void ds_fig_heatmap_init_activation(ds_report_writer *w, const char *png, int *line_of)
{
    fig_heatmap(w, line_of, DS_K_ACTIVATION, DS_K_INIT, png, "activation", "weight init",
                "weight init × activation");
}
