/* gradnorm.png: each layer's gradient norm against its position, the
 * vanishing gradient (layers.csv); one figure per init (gradnorm-<init>.png)
 * when the lines are too many for one. */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One figure per value of `facet` (a key index, or -1 for one figure). */
static void gradnorm_one(ds_report_writer *w, const char *png_all, int facet, const char *value,
                         int *sel)
{
    const ds_report *r = w->r;
    int n = 0;
    for (int g = 0; g < r->ngroups; g++) {
        const ds_group *gr = &r->groups[g];
        sel[g] = gr->ok && gr->n_layers >= 2 && (facet < 0 || !strcmp(gr->key[facet], value));
        n += sel[g];
    }
    if (!n)
        return;
    char png[96], dat[96], sub[160], vars[2600], qsub[340];
    int stem = (int)strlen(png_all) - 4; /* "gradnorm" of "gradnorm.png" */
    if (facet < 0) {
        snprintf(png, sizeof png, "%.*s.png", stem, png_all);
        snprintf(dat, sizeof dat, "%.*s.dat", stem, png_all);
    } else {
        snprintf(png, sizeof png, "%.*s-%s.png", stem, png_all, value);
        snprintf(dat, sizeof dat, "%.*s-%s.dat", stem, png_all, value);
    }
    sub[0] = 0;
    if (facet >= 0)
        snprintf(sub, sizeof sub, "init %s", value);
    for (char *p = png; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    for (char *p = dat; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig)
        return;
    int first = 1; /* facets after the first say only what differs */
    for (int i = 0; i + 1 < w->nfigs; i++)
        first &= strncmp(w->figs[i].png, png_all, (size_t)stem) != 0;
    if (!first)
        snprintf(fig->what, sizeof fig->what, "As above, with %s.", sub);
    else
        snprintf(fig->what, sizeof fig->what,
                 "The vanishing gradient, measured%s%s: L2 norm of each layer's weight "
                 "gradient (averaged over the epoch's steps, then over seeds) against the "
                 "layer's position, layer 0 next to the input, on a log scale%s. A line "
                 "that falls steeply towards layer 0 means the layers near the input "
                 "barely learn.",
                 facet < 0 ? "" : " with ", sub,
                 r->layers_single ? ", at the one epoch the runs logged"
                                  : "; left at the first logged epoch, right at the last");
    char path[4096];
    FILE *f = ds_fig_data_open(w, dat, path, sizeof path);
    if (f) {
        fprintf(f, "# blocks (one per group, title line first): layer grad_first_mean "
                   "grad_first_std grad_last_mean grad_last_std\n");
        for (int g = 0; g < r->ngroups; g++) {
            const ds_group *gr = &r->groups[g];
            if (!sel[g])
                continue;
            char name[256];
            ds_group_name(r, gr, facet < 0 ? 0 : 1u << facet, name, sizeof name);
            fprintf(f, "\"%s\" \"first\" \"first_std\" \"last\" \"last_std\"\n", name);
            for (int l = 0; l < gr->n_layers; l++) {
                if (gr->grad_first[l].n < 1 && gr->grad_last[l].n < 1)
                    continue;
                fprintf(f, "%d", l);
                ds_dat_num(f, ds_moments_mean(&gr->grad_first[l]));
                ds_dat_num(f, ds_report_std(&gr->grad_first[l]));
                ds_dat_num(f, ds_moments_mean(&gr->grad_last[l]));
                ds_dat_num(f, ds_report_std(&gr->grad_last[l]));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    ds_gp_quote(qsub, sizeof qsub, sub);
    int *rep = malloc((size_t)n * sizeof *rep), m = 0;
    for (int g = 0; g < r->ngroups && rep; g++)
        if (sel[g])
            rep[m++] = g;
    char styles[2048] = "";
    ds_line_styles(r, rep, rep ? n : 0, facet < 0 ? 0 : 1u << facet, styles, sizeof styles);
    free(rep);
    snprintf(vars, sizeof vars, "n=%d; sub=%s; single=%d; %s", n, qsub, r->layers_single,
             styles);
    ds_fig_draw(w, fig, "gradnorm", path, vars, f);
}

void ds_fig_gradnorm(ds_report_writer *w, const char *png, int *sel)
{
    const ds_report *r = w->r;
    if (!r->have_layers)
        return;
    int n = 0;
    for (int g = 0; g < r->ngroups; g++)
        n += r->groups[g].ok && r->groups[g].n_layers >= 2;
    /* Many lines (XOR: activation x init x depth) are split by init so each
     * figure shows activation x depth, the vanishing-gradient comparison. */
    if (n > 12 && r->varies[DS_K_INIT]) {
        const char *vals[r->ngroups > 0 ? r->ngroups : 1];
        int nv = ds_distinct_values(r, DS_K_INIT, vals);
        for (int i = 0; i < nv; i++)
            gradnorm_one(w, png, DS_K_INIT, vals[i], sel);
    } else {
        gradnorm_one(w, png, -1, NULL, sel);
    }
}
