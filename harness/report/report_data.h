/* Inside harness/report/: the loaded results a report is made from (see
 * report.h for what a group is). load.c fills the run table and each group's
 * accumulators from the CSVs; groups.c works out what tells groups apart and
 * names them; the figures and REPORT.md only read it. */
#ifndef DS_REPORT_DATA_H
#define DS_REPORT_DATA_H

#include "report.h"

#include <stddef.h>

enum { DS_RUN_OK, DS_RUN_DIVERGED, DS_RUN_FAILED };

/* One run of runs.csv (its last row when a run was written twice). */
typedef struct {
    char *id;
    int group;
    int status; /* DS_RUN_* */
    double test, train, loss, secs, sps;
    double best; /* test_acc_at_best (the epoch best on validation), NaN if none */
    long lay_min, lay_max; /* first and last epoch seen in layers.csv */
} ds_run_rec;

struct ds_report {
    char *dir;
    ds_run_rec *runs;
    int nruns, runs_cap;
    int *slot; /* open-addressing hash of run ids -> index in runs */
    size_t nslot;
    ds_group *groups;
    int ngroups, groups_cap;
    int varies[DS_K_COUNT];
    int have_epochs, have_layers, is_xor;
    int label_unique;  /* no two groups share a label */
    /* train_acc is an evaluation with dropout off (the file keeps the
     * in-epoch running average apart, as train_*_running) */
    int train_evaluated;
    /* the order names and tables list the grouping columns in: the label,
     * then the sweep's axes as runs.csv's group column lists them
     * ("depth=1 activation=relu init=normal"), then the rest */
    int order[DS_K_COUNT];
    int layers_single; /* every run logged its layers at one epoch only */
};

/* load.c: frees what a group owns (not the group itself). */
void ds_group_free(ds_group *g);

/* The runs.csv column of each DS_K_* grouping key. */
extern const char *const ds_group_key_cols[DS_K_COUNT];

/* groups.c: the ok runs' metrics into their group's statistics, and the
 * counts of ok/diverged/failed runs. */
void ds_groups_aggregate(ds_report *r);
/* groups.c: which keys vary, whether labels are unique, each group's display
 * name, whether the sweep is XOR. */
void ds_groups_describe(ds_report *r);
/* The one setting groups g and h differ in (a DS_K_* other than the
 * label; an extra column such as hidden only when no required one
 * differs), or -1 when they differ in none or in more than one. */
int ds_groups_one_factor(const ds_report *r, int g, int h);
/* groups.c: r->order from a group column's text (NULL: none). */
void ds_groups_order(ds_report *r, const char *group_text);
/* Display name of g leaving out the `exclude` keys (a bit per DS_K_*): only
 * what tells groups apart; "all runs" when nothing does. */
void ds_group_name(const ds_report *r, const ds_group *g, unsigned exclude, char *out,
                   size_t n);
/* The last component of the results folder's path (the sweep's name). */
const char *ds_report_basename(const ds_report *r);

#endif
