/* dropout.png: test accuracy and the train/test gap against the drop
 * probability, one line per setting of the other swept columns. */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ds_fig_dropout(ds_report_writer *w, const char *png, int *line_of)
{
    const ds_report *r = w->r;
    const char *vals[r->ngroups > 0 ? r->ngroups : 1];
    if (r->is_xor || ds_distinct_values(r, DS_K_DROPOUT, vals) < 2)
        return;
    ds_figure *fig = ds_fig_new(w, png);
    if (!fig)
        return;
    char(*titles)[256] = malloc((size_t)r->ngroups * sizeof *titles);
    int *mem = malloc((size_t)r->ngroups * sizeof *mem);
    snprintf(fig->what, sizeof fig->what,
             "Dropout: test accuracy (left) and the train/test gap, train accuracy minus "
             "test accuracy in percentage points (right), against the drop probability; "
             "mean ± one standard deviation over seeds. A gap that shrinks as dropout "
             "grows is dropout reducing overfitting.");
    char path[4096], vars[64];
    FILE *f = NULL;
    int nl = titles && mem ? ds_lines_make(r, 1u << DS_K_DROPOUT, 1, line_of, titles, r->ngroups)
                           : -1;
    if (nl >= 0)
        f = ds_fig_data_open(w, "dropout.dat", path, sizeof path);
    int drawn = 0;
    if (f) {
        fprintf(f, "# blocks (one per line, title line first): dropout test_acc_mean_pct "
                   "test_acc_std_pct gap_mean_pct gap_std_pct\n");
        for (int l = 0; l < nl; l++) {
            int m = ds_line_members(r, line_of, l, DS_K_DROPOUT, mem);
            if (m < 2)
                continue; /* a single dropout value says nothing about dropout */
            drawn++;
            fprintf(f, "\"%s\" \"acc\" \"acc_std\" \"gap\" \"gap_std\"\n", titles[l]);
            for (int i = 0; i < m; i++) {
                const ds_group *gr = &r->groups[mem[i]];
                fprintf(f, "%s", gr->key[DS_K_DROPOUT]);
                ds_dat_num(f, 100 * ds_moments_mean(&gr->test_acc));
                ds_dat_num(f, 100 * ds_report_std(&gr->test_acc));
                ds_dat_num(f, 100 * ds_moments_mean(&gr->gap));
                ds_dat_num(f, 100 * ds_report_std(&gr->gap));
                fprintf(f, "\n");
            }
            fprintf(f, "\n\n");
        }
    }
    if (f && !drawn) { /* no setting was run at two dropout values */
        fclose(f);
        unlink(path);
        w->nfigs--;
    } else {
        snprintf(vars, sizeof vars, "n=%d", drawn);
        ds_fig_draw(w, fig, "dropout", path, vars, f);
    }
    free(titles);
    free(mem);
}
