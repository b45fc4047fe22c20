/* xor.png: the fraction of seeds that solve XOR against depth, one line per
 * activation and init (the course's labs 18 and 19). */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ds_fig_xor(ds_report_writer *w, const char *png, int *line_of)
{
    const ds_report *r = w->r;
    if (!r->is_xor)
        return;
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig)
        return;
    char(*titles)[256] = malloc((size_t)r->ngroups * sizeof *titles);
    int *mem = malloc((size_t)r->ngroups * sizeof *mem);
    snprintf(fig->what, sizeof fig->what,
             "XOR (the course's labs 18 and 19): fraction of seeds whose trained network "
             "classifies all four points correctly, against the number of hidden layers, "
             "one line per activation and init (diverged and failed runs count as "
             "unsolved). The course's claim to check: deep sigmoid nets stop learning "
             "(lab 18) while ReLU nets learn (lab 19) - solid lines falling with depth, "
             "dashed ones staying high - and ReLU needs a sane init to do it.");
    char path[4096], vars[2100];
    FILE *f = NULL;
    int nl = titles && mem ? ds_lines_make(r, 1u << DS_K_DEPTH, 0, line_of, titles, r->ngroups)
                           : -1;
    if (nl >= 0)
        f = ds_fig_data_open(w, "xor.dat", path, sizeof path);
    double drop = -1;
    char fnd[400] = "";
    if (f) {
        fprintf(f, "# blocks (one per line, title line first): depth solved_fraction "
                   "solved runs\n");
        for (int l = 0; l < nl; l++) {
            fprintf(f, "\"%s\" \"frac\" \"solved\" \"runs\"\n", titles[l]);
            int m = ds_line_members(r, line_of, l, DS_K_DEPTH, mem);
            /* the finding: the line whose solved fraction falls most from its
             * shallowest to its deepest net */
            const ds_group *a = &r->groups[mem[0]], *b = &r->groups[mem[m - 1]];
            if (m > 1 && a->runs && b->runs &&
                (double)a->solved / a->runs - (double)b->solved / b->runs > drop) {
                drop = (double)a->solved / a->runs - (double)b->solved / b->runs;
                snprintf(fnd, sizeof fnd,
                         " Measured: the largest fall is %s's, from %d/%d solved at depth %s to "
                         "%d/%d at depth %s.",
                         titles[l], a->solved, a->runs, a->key[DS_K_DEPTH], b->solved, b->runs,
                         b->key[DS_K_DEPTH]);
            }
            for (int i = 0; i < m; i++) {
                const ds_group *gr = &r->groups[mem[i]];
                fprintf(f, "%s", gr->key[DS_K_DEPTH]);
                ds_dat_num(f, gr->runs ? (double)gr->solved / gr->runs : NAN);
                fprintf(f, " %d %d\n", gr->solved, gr->runs);
            }
            fprintf(f, "\n\n");
        }
    }
    char styles[2048] = "";
    if (nl > 0 && mem) {
        for (int l = 0; l < nl; l++) /* one representative group per line */
            for (int g = 0; g < r->ngroups; g++)
                if (line_of[g] == l) {
                    mem[l] = g;
                    break;
                }
        ds_line_styles(r, mem, nl, 1u << DS_K_DEPTH, styles, sizeof styles);
    }
    if (drop > 0)
        snprintf(fig->what + strlen(fig->what), sizeof fig->what - strlen(fig->what), "%s", fnd);
    snprintf(vars, sizeof vars, "n=%d; %s", nl, styles);
    ds_fig_draw(w, fig, "xor", path, vars, f);
    free(titles);
    free(mem);
}
