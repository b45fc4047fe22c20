/* `deepsweep compare DIR_A DIR_B`: two results folders, their groups
 * matched by configuration, and for each pair the difference B - A of a
 * metric with its 95% interval and the p-value of Welch's t-test
 * (stats.h), as a table and a figure.
 *
 * Each folder is loaded as `plot` loads it (report.h: a group is every run
 * sharing the configuration columns but the seed). A configuration column
 * that holds one value in all of A and another in all of B is what the two
 * sweeps differ in (e.g. lr: 0.5 in A, 0.05 in B); groups are matched on
 * every other column. Only ok runs enter the statistics, as everywhere. */
#ifndef DS_COMPARE_H
#define DS_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"
#include "stats.h"

typedef struct {
    const ds_group *a, *b;
    ds_welch w; /* mean(B) - mean(A), its interval and p (NaN: too few seeds) */
} ds_cmp_pair;

typedef struct {
    const char *dir_a, *dir_b;
    ds_report *a, *b;
    int metric;          /* ds_compare_metric_find's index */
    char differ[1024];   /* "lr: 0.5 (A) vs 0.05 (B); ...", "" if nothing */
    ds_cmp_pair *pairs;
    int n_pairs;
    int only_a, only_b;  /* groups without a match */
    char only_a_names[512], only_b_names[512];
} ds_comparison;

/* The metrics compare accepts ("test_acc", ...): index or -1; every name,
 * comma-separated. */
int ds_compare_metric_find(const char *name);
void ds_compare_metric_names(char *out, size_t n);
/* The configuration columns groups are matched on, comma-separated. */
void ds_compare_config_columns(char *out, size_t n);

/* Loads both folders and matches their groups. 0; 2 / 1 with err (a folder
 * that is not a results folder, out of memory). Free with ds_compare_free
 * even on failure. */
int ds_compare_load(const char *dir_a, const char *dir_b, int metric, ds_comparison *c,
                    char *err, size_t errlen);
void ds_compare_free(ds_comparison *c);

/* The table: what A and B differ in, the matched pairs, the groups only
 * one of them has. */
void ds_compare_print(const ds_comparison *c, FILE *f);

/* results/compare-<A>-vs-<B> (the folders' last names): where the figure
 * goes by default. */
void ds_compare_default_out(const ds_comparison *c, char *out, size_t n);

/* outdir (which must exist)/plot-data/compare.dat and outdir/compare.png (plots_dir/compare.gp
 * through gnuplot, as `plot` draws): B - A per pair with its interval.
 * 0; 1 when the figure could not be drawn (the data file is still written)
 * or a file could not be written (err). */
int ds_compare_figure(const ds_comparison *c, const char *outdir, const char *plots_dir,
                      const char *gnuplot, int quiet, char *err, size_t errlen);

#endif
