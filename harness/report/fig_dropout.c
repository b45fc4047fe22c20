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
    size_t wk = (size_t)snprintf(
        fig->what, sizeof fig->what,
        "Dropout: test accuracy (left) and the train/test gap, train accuracy minus test "
        "accuracy in percentage points (right), against the drop probability; mean ± one "
        "standard deviation over seeds. %s",
        r->train_evaluated
            ? "Train accuracy is evaluated with dropout off, so a gap that shrinks as "
              "dropout grows is dropout reducing overfitting."
            : "**Caution:** this file's train accuracy was counted during training with "
              "dropout on, which lowers it more the larger p is: the gap understates "
              "overfitting at high p and cannot show what dropout buys.");
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
            /* the finding, for the first three lines: the ends and the best p */
            const ds_group *lo = &r->groups[mem[0]], *hi = &r->groups[mem[m - 1]];
            const ds_group *top = lo;
            for (int i = 1; i < m; i++)
                if (ds_moments_mean(&r->groups[mem[i]].test_acc) > ds_moments_mean(&top->test_acc))
                    top = &r->groups[mem[i]];
            if (drawn <= 3 && wk < sizeof fig->what)
                wk += (size_t)snprintf(
                    fig->what + wk, sizeof fig->what - wk,
                    " Measured%s%s: test accuracy %.2f%% at p = %s, %.2f%% at p = %s (best "
                    "%.2f%% at p = %s); the gap %.2f points at p = %s, %.2f at p = %s.",
                    nl > 1 ? " for " : "", nl > 1 ? titles[l] : "",
                    100 * ds_moments_mean(&lo->test_acc), lo->key[DS_K_DROPOUT],
                    100 * ds_moments_mean(&hi->test_acc), hi->key[DS_K_DROPOUT],
                    100 * ds_moments_mean(&top->test_acc), top->key[DS_K_DROPOUT],
                    100 * ds_moments_mean(&lo->gap), lo->key[DS_K_DROPOUT],
                    100 * ds_moments_mean(&hi->gap), hi->key[DS_K_DROPOUT]);
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
