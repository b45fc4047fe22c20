/* Inside harness/report/: the figures of a report and REPORT.md.
 *
 * figures.c holds the table of figure kinds. A kind is one function
 * (fig_<kind>.c) that decides from the loaded groups whether it applies,
 * registers its figure (ds_fig_new) with the sentence REPORT.md says about
 * it, writes plot-data/<name>.dat and draws it with plots/<script>.gp
 * (ds_fig_draw). lines.c turns groups into a figure's lines; markdown.c
 * writes REPORT.md from the figures registered. */
#ifndef DS_FIGURE_H
#define DS_FIGURE_H

#include "report_data.h"

#include <stddef.h>
#include <stdio.h>

#define DS_MAX_FIGS 16
/* The end of a "not drawn: too many" sentence: how to draw a part. */
#define DS_WHERE_HINT                                                                      \
    " To draw a part, select groups: deepsweep plot DIR --where KEY=VALUE "                \
    "(e.g. --where activation=relu)."

typedef struct {
    char png[96];   /* its name as a PNG file in outdir ("accuracy.png"); other
                       formats swap the extension (ds_fig_file) */
    char what[2048]; /* the sentence REPORT.md says about it: room for the
                        longest fixed text plus its findings (fnd, zeros) */
    int drawn;      /* 1 drawn, 0 skipped (why in what), -1 failed, -2 gnuplot's
                       output cut short (a full disk): earlier files are kept */
} ds_figure;

/* One `deepsweep plot` output: where it goes, gnuplot, the figures so far. */
typedef struct {
    const ds_report *r;
    const char *outdir, *plots_dir, *gnuplot;
    unsigned formats;                 /* 1 << DS_FORMAT_*: the files to draw */
    char term[DS_N_FORMATS][32];      /* each format's terminal found by ds_gnuplot_probe ("" none) */
    int have_gnuplot;
    int quiet;
    ds_figure figs[DS_MAX_FIGS];
    int nfigs;
    int dropped;   /* figures left out: the table was full (said in REPORT.md) */
    int failures;
} ds_report_writer;

/* A figure kind: png is its file name (figures.c's table); scratch has room
 * for one int per group. Adds nothing when the figure does not apply. */
typedef void ds_fig_fn(ds_report_writer *w, const char *png, int *scratch);

ds_fig_fn ds_fig_accuracy, ds_fig_xor, ds_fig_curves, ds_fig_gradnorm, ds_fig_dropout,
    ds_fig_heatmap_depth_width, ds_fig_heatmap_init_activation;

/* figures.c: every kind in the table's order, then removes the PNG of a kind
 * that no longer applies. -1 when out of memory. */
int ds_figures_draw(ds_report_writer *w);

/* ---- gnuplot.c: data files and drawing ---- */

/* Sets w->have_gnuplot and w->term[] for the formats asked for (png:
 * pngcairo, else libgd's png; svg; pdf: pdfcairo); formats 0 means png. */
void ds_gnuplot_probe(ds_report_writer *w);
/* The file of fig in `format` ("accuracy.svg"). */
void ds_fig_file(const ds_report_writer *w, const ds_figure *fig, int format, char *out, size_t n);
/* Whether `name` is a file fig is drawn to in one of w's formats. */
int ds_fig_wrote(const ds_report_writer *w, const ds_figure *fig, const char *name);
/* The format REPORT.md shows: png when drawn, else the first asked for. */
int ds_fig_main_format(const ds_report_writer *w);
/* Registers a figure; NULL when DS_MAX_FIGS are registered (counted in
 * w->dropped, which REPORT.md states): every caller checks. */
ds_figure *ds_fig_new(ds_report_writer *w, const char *png);
/* Opens outdir/plot-data/<name> for writing (path gets its path), with a
 * comment line naming the source; NULL on failure. */
FILE *ds_fig_data_open(ds_report_writer *w, const char *name, char *path, size_t n);
/* Closes datf and draws fig with plots/<script>.gp over the data file
 * `data`; vars are extra gnuplot assignments ("n=3; xt='1 2'"). */
void ds_fig_draw(ds_report_writer *w, ds_figure *fig, const char *script, const char *data,
                 const char *vars, FILE *datf);
/* " %.6g" or " NaN": a number column of a data file. */
void ds_dat_num(FILE *f, double v);
/* s as a gnuplot single-quoted string (quotes doubled). */
void ds_gp_quote(char *out, size_t n, const char *s);

/* ---- lines.c: groups as lines of a figure ---- */

/* Partitions groups (those with ok runs, or all if !need_ok) into lines:
 * groups whose names, leaving out the `exclude` columns, are equal. Returns
 * the number of lines (-1 past max); line_of[g] = -1 for groups left out. */
int ds_lines_make(const ds_report *r, unsigned exclude, int need_ok, int *line_of,
                  char (*titles)[256], int max);
/* Indices of the groups on line l, sorted numerically by key k. */
int ds_line_members(const ds_report *r, const int *line_of, int l, int k, int *out);
/* Distinct values of key k among groups with ok runs: numbers in numeric
 * order, names in the order of first appearance. */
int ds_distinct_values(const ds_report *r, int k, const char **vals);
/* Index of s in vals[0..n), or -1. */
int ds_str_index(const char **vals, int n, const char *s);
/* gnuplot word lists lcs='..'; dts='..' (colour, dash per line); rep[i] is
 * a group on line i, exclude the columns the x axis spans. */
void ds_line_styles(const ds_report *r, const int *rep, int n, unsigned exclude, char *out,
                    size_t cap);

/* Small multiples, as gradnorm and curves draw them: past max_lines
 * selected groups (sel[g]), one panel per value of the first varying
 * setting of init, activation, dropout, optimizer, lr (the others are the
 * lines of each panel; without one, np is 0 and it stays one figure). */
typedef struct {
    int facet;         /* DS_K_* of the panels, -1 when np == 0          */
    int np;            /* panels (0: one figure)                          */
    const char **vals; /* [np] each panel's value of the facet            */
    int *order, m;     /* the selected groups, panel by panel             */
    char starts[256], counts[256]; /* gnuplot words: each panel's first block and count */
    char pt[4096];     /* gnuplot words: each panel's title, "init he_normal" */
} ds_panels;
/* 0, or -1 out of memory (p freed). Free with ds_panels_free. */
int ds_panels_make(const ds_report *r, const int *sel, int max_lines, ds_panels *p);
void ds_panels_free(ds_panels *p);
/* What the lines of a panel are called: the group's name without the facet. */
unsigned ds_panels_exclude(const ds_panels *p);
/* Starts the data block of line i (p->order[i]): its title line, the
 * group's name without the facet, then the quoted column names cols;
 * returns the group. */
const ds_group *ds_panels_block(const ds_report *r, const ds_panels *p, int i, FILE *f,
                                const char *cols);

/* ---- markdown.c ---- */

/* Writes outdir/REPORT.md whole or not at all: 0, or 1 with err. */
int ds_report_md_write(const ds_report_writer *w, char *err, size_t errlen);

#endif
