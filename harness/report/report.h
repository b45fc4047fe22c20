/* `deepsweep plot`'s engine: reads a results folder's CSVs (runs.csv
 * required, epochs.csv and layers.csv when present), aggregates the runs of
 * each group over seeds, writes gnuplot data files, draws the figures with
 * plots/<kind>.gp and writes REPORT.md.
 *
 * A group is every run sharing the configuration columns of runs.csv except
 * the seed: label, dataset, depth, width, activation, init, dropout,
 * optimizer, lr, batch, epochs (and hidden, loss, bias_init, weight_decay,
 * train_subset when the file has them). Means are over the group's `ok` runs; ± is the
 * sample standard deviation (n - 1 in the denominator; none for one run).
 *
 * Files (harness/report/): load.c reads the CSVs (through csvread.h) into
 * the run table and groups; groups.c aggregates and names the groups;
 * figures.c is the table of figure
 * kinds, one fig_<kind>.c each, drawn through gnuplot.c with lines.c's
 * line/colour helpers; markdown.c writes REPORT.md; report.c runs the
 * writing half. report_data.h and figure.h are their internal headers. */
#ifndef DS_REPORT_H
#define DS_REPORT_H

#include "stats.h"

#include <stddef.h>

/* The error bar of the figures: the sample standard deviation (stats.h),
 * but a bar of length 0 for a single run where stats.h says NaN (nothing to
 * draw; REPORT.md prints no ± then); NaN when empty. */
double ds_report_std(const ds_moments *s);

/* Grouping columns: DESIGN.md's (required), then extras deepsweep run
 * writes after them (used when present: "hidden" tells 784-512-256 from
 * 784-512-128, which share depth and first width). */
enum {
    DS_K_LABEL, DS_K_DATASET, DS_K_DEPTH, DS_K_WIDTH, DS_K_ACTIVATION, DS_K_INIT,
    DS_K_DROPOUT, DS_K_OPTIMIZER, DS_K_LR, DS_K_BATCH, DS_K_EPOCHS,
    DS_K_REQUIRED,
    DS_K_HIDDEN = DS_K_REQUIRED, DS_K_LOSS, DS_K_BIAS_INIT, DS_K_WEIGHT_DECAY,
    DS_K_TRAIN_SUBSET, DS_K_COUNT
};

typedef struct {
    char *key[DS_K_COUNT]; /* the runs.csv text of each grouping column  */
    char name[256];        /* display name: the keys that vary between groups */
    int runs, ok, diverged, failed;
    int solved;            /* ok runs with test accuracy 1 (XOR: all four points) */
    ds_moments test_acc, train_acc, train_loss, test_acc_at_best, seconds, samples_per_s;
    ds_moments gap;           /* train_acc - test_acc, per run               */
    double reference;      /* reference_acc of its rows (the config's), NaN if none */
    char *reference_source; /* reference_source of its rows, "" if none     */
    /* Per epoch number (index = epoch, n_epochs = last epoch + 1), over the
     * group's ok runs; entries with n = 0 were not logged. */
    int n_epochs;
    ds_moments *ep_test_acc, *ep_train_loss;
    /* Per layer index (n_layers = last layer + 1): grad_norm at each run's
     * first and last logged epoch. */
    int n_layers;
    ds_moments *grad_first, *grad_last;
    int epochs_cap, layers_cap; /* allocated lengths of the arrays above */
} ds_group;

typedef struct ds_report ds_report;

/* Loads dir/runs.csv (+ epochs.csv, layers.csv if present). Returns 0, or 2
 * (bad or missing input) / 1 (run-time failure) with err set. */
int ds_report_load(const char *dir, ds_report **out, char *err, size_t errlen);
void ds_report_free(ds_report *r);

/* `plot --where KEY=VALUE[,VALUE...]`: keeps the groups whose grouping
 * column KEY (label, depth, activation, ...) has one of the values, and
 * describes them again (what varies, their names). 0; 2 with err naming
 * the option for a malformed clause, an unknown column or no match. */
int ds_report_select(ds_report *r, const char *where, char *err, size_t errlen);

int ds_report_ngroups(const ds_report *r);
const ds_group *ds_report_group(const ds_report *r, int i);
/* True when the grouping column k differs between at least two groups (an
 * extra column: between two groups equal in every required column). */
int ds_report_varies(const ds_report *r, int k);

/* The folder of the gnuplot scripts: $DEEPSWEEP_PLOTS, else the plots/ of
 * the source tree holding this binary (up to three folders up), else
 * ./plots. 0 when found; nonzero with out = "plots" when not. */
int ds_report_find_plots(char *out, size_t n);

/* The figure formats `plot --format` draws, as bits of a mask. */
enum { DS_FORMAT_PNG, DS_FORMAT_SVG, DS_FORMAT_PDF, DS_N_FORMATS };
#define DS_FORMAT_NAMES "png, svg, pdf"
/* "png,svg" -> the mask; -1 for an unknown or empty name. */
int ds_report_parse_formats(const char *s, unsigned *out);

/* Writes outdir/plot-data/<kind>.dat, the figures in each format of
 * `formats` (a DS_FORMAT_* mask, 0 = png; gnuplot on plots_dir/<kind>.gp
 * unless gnuplot is NULL) and outdir/REPORT.md. gnuplot is the program to
 * run ("gnuplot"); quiet silences the per-figure lines on stderr. Returns 0;
 * 1 when a figure could not be drawn (gnuplot missing or failing: REPORT.md
 * and the tables are still written and say so); 2/1 with err on failure. */
int ds_report_write(const ds_report *r, const char *outdir, const char *plots_dir,
                    const char *gnuplot, int quiet, unsigned formats, char *err,
                    size_t errlen);

#endif
