/* REPORT.md: what the sweep was, every figure with what it shows (or why it
 * was not drawn), and a table of the groups. Written to a temporary file and
 * renamed into place, so a reader never sees half a report. */
#include "err.h"
#include "figure.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void md_cell(FILE *f, const char *s)
{
    fputs("| ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
    fputc(' ', f);
}

/* "mean ± std"; the mean alone for one run (a spread needs two: never
 * "± 0"); "—" for none. */
static void md_pm(FILE *f, const ds_moments *s, double scale, const char *fmt)
{
    char a[64], b[64];
    if (s->n < 1) {
        fputs("| — ", f);
        return;
    }
    snprintf(a, sizeof a, fmt, scale * ds_moments_mean(s));
    if (s->n < 2) {
        fprintf(f, "| %s ", a);
        return;
    }
    snprintf(b, sizeof b, fmt, scale * ds_moments_std(s));
    fprintf(f, "| %s ± %s ", a, b);
}

/* The 95% t interval of the mean, "[lo, hi]" in %, cut to the 0-100 an
 * accuracy can be (the cut interval holds the mean whenever the whole one
 * does); "—" below two runs. */
static void md_ci(FILE *f, const ds_moments *s)
{
    double h = ds_moments_ci95(s), m = ds_moments_mean(s);
    if (isnan(h))
        fputs("| — ", f);
    else
        fprintf(f, "| [%.2f, %.2f] ", fmax(0, 100 * (m - h)), fmin(100, 100 * (m + h)));
}

/* The title, the run counts, what every group shares and, with one run per
 * group, the warning that no difference can be told from seed noise. */
static void md_intro(FILE *f, const ds_report *r)
{
    int ok = 0, dv = 0, fl = 0, runs = 0;
    for (int g = 0; g < r->ngroups; g++) {
        ok += r->groups[g].ok;
        dv += r->groups[g].diverged;
        fl += r->groups[g].failed;
        runs += r->groups[g].runs;
    }
    fprintf(f, "# deepsweep report: %s\n\n", ds_report_basename(r));
    fprintf(f, "From `%s`: %d run%s (%d ok, %d diverged, %d failed) in %d group%s. A group "
               "is every run with the same configuration but the seed; means are over its "
               "ok runs, ± is the sample standard deviation over seeds (n − 1), and the 95%% "
               "CI is Student's t interval of the mean (mean ± t(0.975, n − 1) · std / √n); "
               "a group with one ok run has neither.\n\n",
            r->dir, runs, runs == 1 ? "" : "s", ok, dv, fl, r->ngroups,
            r->ngroups == 1 ? "" : "s");
    /* What every group shares, so a reader knows e.g. a quick mode's
     * epochs and subset before comparing with a reference. */
    int shared = 0;
    for (int k = 0; k < DS_K_COUNT && r->ngroups; k++) {
        const char *v = r->groups[0].key[k];
        int same = *v != 0;
        for (int g = 1; g < r->ngroups && same; g++)
            same = !strcmp(r->groups[g].key[k], v);
        if (!same)
            continue;
        fprintf(f, "%s%s `%s`", shared++ ? ", " : "Shared by every group: ",
                ds_group_key_cols[k], v);
    }
    if (shared)
        fprintf(f, ".\n\n");
    int most = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (r->groups[g].ok > most)
            most = r->groups[g].ok;
    if (most == 1)
        fprintf(f, "**Every group has a single run**, so there is no ± and no interval, and no "
                   "difference below "
                   "can be told from seed noise: run more seeds (`seeds=3`) before "
                   "drawing conclusions.\n\n");
}

/* Each figure in the order drawn: the image and its sentence, or why not. */
static void md_figures(FILE *f, const ds_report_writer *w)
{
    fprintf(f, "## Figures\n\n");
    if (!w->have_gnuplot)
        fprintf(f, "**gnuplot was not found%s, so no figure was drawn** (install it with "
                   "`make deps-plots`, then rerun `deepsweep plot`). The data files are in "
                   "`plot-data/` and the tables below are complete.\n\n",
                w->gnuplot ? "" : " (disabled)");
    int listed = 0;
    for (int i = 0; i < w->nfigs; i++) {
        const ds_figure *fg = &w->figs[i];
        char file[128];
        ds_fig_file(w, fg, ds_fig_main_format(w), file, sizeof file);
        if (fg->drawn == 1)
            fprintf(f, "![%s](%s)\n\n**%s** — %s\n\n", file, file, file, fg->what);
        else if (fg->drawn == 0)
            fprintf(f, "- %s\n\n", fg->what);
        else
            fprintf(f, "- **%s** (not drawn) — %s\n\n", fg->png, fg->what);
        listed++;
    }
    if (w->dropped)
        fprintf(f, "- %d more figure%s not drawn: a report holds at most %d.\n\n", w->dropped,
                w->dropped == 1 ? " was" : "s were", DS_MAX_FIGS);
    if (!listed)
        fprintf(f, "No figure applies: no group has an ok run.\n\n");
}

/* One row per group: a column per configuration column that differs
 * between groups, then the runs and the metrics over seeds. */
static void md_groups(FILE *f, const ds_report_writer *w)
{
    const ds_report *r = w->r;
    fprintf(f, "## Groups\n\n");
    int refs = 0;
    for (int g = 0; g < r->ngroups; g++)
        refs |= isfinite(r->groups[g].reference);
    int cols = 0;
    for (int j = 0; j < DS_K_COUNT; j++)
        if (r->varies[r->order[j]]) {
            fprintf(f, "| %s ", ds_group_key_cols[r->order[j]]);
            cols++;
        }
    if (!cols)
        fputs("| group ", f);
    fprintf(f, "| runs | ok | test acc (%%) | 95%% CI (%%) | train acc (%%) | train loss | "
               "test acc at best val epoch (%%) |%s%s s per run | samples/s |\n",
            refs ? " reference (%) |" : "", r->is_xor ? " solved |" : "");
    for (int k = 0; k < (cols ? cols : 1); k++)
        fputs("|---", f);
    fprintf(f, "|---:|---:|---:|---:|---:|---:|---:|%s%s---:|---:|\n", refs ? "---:|" : "",
            r->is_xor ? "---:|" : "");
    for (int g = 0; g < r->ngroups; g++) {
        const ds_group *gr = &r->groups[g];
        for (int j = 0; j < DS_K_COUNT; j++)
            if (r->varies[r->order[j]])
                md_cell(f, gr->key[r->order[j]]);
        if (!cols)
            md_cell(f, gr->name);
        fprintf(f, "| %d | %d ", gr->runs, gr->ok);
        md_pm(f, &gr->test_acc, 100, "%.2f");
        md_ci(f, &gr->test_acc);
        md_pm(f, &gr->train_acc, 100, "%.2f");
        md_pm(f, &gr->train_loss, 1, "%.4f");
        md_pm(f, &gr->test_acc_at_best, 100, "%.2f");
        if (refs) {
            if (isfinite(gr->reference))
                fprintf(f, "| %.2f ", 100 * gr->reference);
            else
                fputs("| — ", f);
        }
        if (r->is_xor) {
            ds_interval wi = ds_wilson95(gr->solved, gr->runs);
            if (gr->runs)
                fprintf(f, "| %d/%d = %.2f [%.2f, %.2f] ", gr->solved, gr->runs,
                        (double)gr->solved / gr->runs, wi.lo, wi.hi);
            else
                fputs("| — ", f);
        }
        md_pm(f, &gr->seconds, 1, "%.3g");
        md_pm(f, &gr->samples_per_s, 1, "%.0f");
        fputs("|\n", f);
    }
    fprintf(f, "\nColumns: test/train accuracy and train loss are the last epoch's%s; the "
               "test accuracy at the epoch with the best validation accuracy (chosen on "
               "validation, never on test; — without a validation split)%s%s. The full "
               "configuration of every run "
               "is in `%s/runs.csv`%s.\n",
            r->train_evaluated ? " (train measured after the epoch with dropout off)"
                               : " (train counted during the epoch with dropout on: results "
                                 "of an older deepsweep)",
            refs ? "; reference is the accuracy the experiment file gives for the group "
                   "(`reference:`), from the source listed below" : "",
            r->is_xor ? "; solved counts runs (of all, diverged included) that classify "
                        "all four XOR points, with the 95% Wilson score interval of the "
                        "fraction in brackets"
                      : "",
            r->dir, w->have_gnuplot ? "; the figures' numbers are in `plot-data/`" : "");
    if (refs) {
        fprintf(f, "\nReference sources:");
        for (int g = 0, k = 0; g < r->ngroups; g++)
            if (isfinite(r->groups[g].reference))
                fprintf(f, "%s %s: %s", k++ ? ";" : "", r->groups[g].name,
                        r->groups[g].reference_source[0] ? r->groups[g].reference_source
                                                         : "not given");
        fprintf(f, ".\n");
    }
}

/* Every pair of groups that differ in one setting: the difference of their
 * mean test accuracies, its 95% interval and Welch's p, and in words
 * whether it is beyond seed noise. */
static void md_differences(FILE *f, const ds_report *r)
{
    enum { MAX_ROWS = 60 };
    if (r->is_xor)
        return; /* XOR's measure is the solved fraction (Wilson, above) */
    int pairs = 0, within = 0, unknown = 0;
    for (int g = 0; g < r->ngroups; g++)
        for (int h = g + 1; h < r->ngroups; h++) {
            int k = ds_groups_one_factor(r, g, h);
            if (k < 0)
                continue;
            const ds_group *a = &r->groups[g], *b = &r->groups[h];
            ds_welch w = ds_welch_test(&a->test_acc, &b->test_acc);
            if (!pairs++)
                fprintf(f, "\n## Differences between groups that differ in one setting\n\n"
                           "Final test accuracy, group A minus group B, in percentage points, "
                           "with its 95%% confidence interval and the p-value of Welch's "
                           "two-sample t-test (two-sided, unequal variances, "
                           "Welch–Satterthwaite degrees of freedom) over the groups' ok runs. "
                           "*Beyond seed noise* means p < 0.05 (the interval excludes 0); "
                           "*within seed noise* means this many seeds cannot tell the two "
                           "apart. The p-values are not corrected for the number of "
                           "comparisons.\n\n"
                           "| setting | A | B | A − B (points) | 95%% CI | p (Welch) | |\n"
                           "|---|---|---|---:|---:|---:|---|\n");
            within += !isnan(w.p) && w.p >= 0.05;
            unknown += isnan(w.p);
            if (pairs > MAX_ROWS)
                continue;
            md_cell(f, ds_group_key_cols[k]);
            md_cell(f, a->name);
            md_cell(f, b->name);
            if (isnan(w.diff))
                fputs("| — ", f);
            else
                fprintf(f, "| %+.2f ", 100 * w.diff);
            if (isnan(w.p))
                fputs("| — | — ", f);
            else
                fprintf(f, "| [%+.2f, %+.2f] | %.2g ", 100 * w.lo, 100 * w.hi, w.p);
            fprintf(f, "| %s |\n", ds_welch_verdict(&w));
        }
    if (!pairs)
        return;
    if (pairs > MAX_ROWS)
        fprintf(f, "\n(%d more pairs not listed.)\n", pairs - MAX_ROWS);
    fprintf(f, "\n%d of %d comparison%s within seed noise.\n", within, pairs,
            pairs == 1 ? " is" : "s are");
    if (unknown)
        fprintf(f, "%d cannot be told: a group with fewer than 2 ok runs has no spread to "
                   "test against (run more seeds).\n", unknown);
}

int ds_report_md_write(const ds_report_writer *w, char *err, size_t errlen)
{
    char tmp[4096], fin[4096];
    snprintf(tmp, sizeof tmp, "%s/.REPORT.md.tmp", w->outdir);
    snprintf(fin, sizeof fin, "%s/REPORT.md", w->outdir);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        return ds_errf(err, errlen, 1, "deepsweep: %s: %s", tmp, strerror(errno));
    }
    md_intro(f, w->r);
    md_figures(f, w);
    md_groups(f, w);
    md_differences(f, w->r);
    if (fflush(f) || ferror(f) || fsync(fileno(f))) {
        ds_errf(err, errlen, 1, "deepsweep: %s: write failed: %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        return 1;
    }
    if (fclose(f) || rename(tmp, fin)) {
        ds_errf(err, errlen, 1, "deepsweep: %s: %s", fin, strerror(errno));
        unlink(tmp);
        return 1;
    }
    if (!w->quiet)
        fprintf(stderr, "deepsweep: plot: wrote %s\n", fin);
    return 0;
}
