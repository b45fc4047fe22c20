/* `deepsweep plot`: the CSV reader, the per-group aggregation (against
 * hand-computed means and standard deviations) and the command end to end. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csvread.h"
#include "report.h"

/* ---- helpers -------------------------------------------------------- */

static ds_csv *open_text(const char *text, char *err, size_t n)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    return ds_csv_open_stream(f, "mem.csv", err, n);
}

/* Reads rows until the end or an error; returns ds_csv_next's last result. */
static int drain(ds_csv *c, char *err, size_t n)
{
    int st;
    while ((st = ds_csv_next(c, err, n)) == 1)
        ;
    return st;
}

static char *tmpdir(void)
{
    char *d = strdup("/tmp/deepsweep-plot-XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "cannot write %s", p);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

static int exists(const char *dir, const char *name)
{
    char p[512];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

/* A PNG: non-empty and starting with the 8-byte PNG signature. */
static void assert_png(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f, "%s was not drawn", p);
    unsigned char sig[8] = {0};
    size_t n = fread(sig, 1, 8, f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    cr_assert(n == 8 && !memcmp(sig, png, 8), "%s is not a PNG", p);
    cr_assert_gt(size, 1000, "%s is only %ld bytes", p, size);
}

/* Loads folder d and writes its report in process, gnuplot disabled (exit
 * 1: no figures); returns REPORT.md's text. */
static char *report_md(const char *d)
{
    char err[512], p[512];
    ds_report *r;
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_write(r, d, "plots", NULL, 1, 0, err, sizeof err), 1);
    ds_report_free(r);
    snprintf(p, sizeof p, "%s/REPORT.md", d);
    char *md = slurp(p);
    cr_assert_not_null(md);
    return md;
}

static int have_gnuplot(void)
{
    return system("gnuplot -e 'set terminal png' >/dev/null 2>&1") == 0;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Runs build/deepsweep with args, stderr into *err (malloc'd); returns the
 * exit status. */
static int run_plot(const char *args, const char *env, char **err)
{
    const char *bin = getenv("DEEPSWEEP_BIN");
    if (!bin)
        bin = "build/deepsweep";
    char errf[] = "/tmp/deepsweep-plot-err-XXXXXX";
    int fd = mkstemp(errf);
    cr_assert_geq(fd, 0);
    close(fd);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s plot %s >/dev/null 2>%s", env ? env : "", bin, args, errf);
    int st = system(cmd);
    *err = slurp(errf);
    unlink(errf);
    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static const char runs_head[] =
    "run_id,label,dataset,depth,width,activation,init,dropout,optimizer,lr,batch,epochs,"
    "seed,params,status,train_loss,train_acc,test_acc,best_test_acc,seconds,samples_per_s,"
    "isa,threads\n";

/* ---- the CSV reader ------------------------------------------------- */

TestSuite(plot_csvread);

Test(plot_csvread, quoted_fields_crlf_and_header_lookup)
{
    char err[256];
    ds_csv *c = open_text("a,\"b c\",d\r\n"
                          "1,\"x, \"\"y\"\"\",\"two\nlines\"\r\n"
                          "\n"
                          ",,\"\"\n",
                          err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(ds_csv_ncols(c), 3);
    cr_assert_eq(ds_csv_col(c, "b c"), 1);
    cr_assert_eq(ds_csv_col(c, "d"), 2);
    cr_assert_eq(ds_csv_col(c, "e"), -1);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    cr_assert_str_eq(ds_csv_field(c, 0), "1");
    cr_assert_str_eq(ds_csv_field(c, 1), "x, \"y\"");
    cr_assert_str_eq(ds_csv_field(c, 2), "two\nlines");
    cr_assert_eq(ds_csv_line(c), 2);
    /* the empty line 4 is skipped; line 5 holds three empty fields */
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1, "%s", err);
    cr_assert_eq(ds_csv_line(c), 5);
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(ds_csv_field(c, i), "");
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 0);
    ds_csv_close(c);
}

Test(plot_csvread, numbers_and_require)
{
    char err[256];
    ds_csv *c = open_text("x,y,z\n0.25,-3,nan\n", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    int idx[2];
    const char *want[] = {"z", "x"};
    cr_assert_eq(ds_csv_require(c, want, idx, 2, err, sizeof err), 0);
    cr_assert(idx[0] == 2 && idx[1] == 0);
    const char *bad[] = {"x", "w"};
    cr_assert_eq(ds_csv_require(c, bad, idx, 2, err, sizeof err), -1);
    cr_assert_str_eq(err, "deepsweep: mem.csv:1:1: missing column 'w' (the header must "
                          "name x,w)");
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1);
    double v;
    long i;
    cr_assert_eq(ds_csv_double(c, 0, &v, err, sizeof err), 0);
    cr_assert_eq(v, 0.25);
    cr_assert_eq(ds_csv_int(c, 1, &i, err, sizeof err), 0);
    cr_assert_eq(i, -3);
    cr_assert_eq(ds_csv_double(c, 2, &v, err, sizeof err), 0);
    cr_assert(isnan(v));
    cr_assert_eq(ds_csv_int(c, 0, &i, err, sizeof err), -1);
    cr_assert_str_eq(err, "deepsweep: mem.csv:2:1: x: '0.25' is not an integer (decimal digits)");
    ds_csv_close(c);
}

/* Each malformed input: the message names the file, line and column. */
Test(plot_csvread, malformed_rows_name_file_line_col)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"a,b\n1,2\n1,2,3\n", "deepsweep: mem.csv:3:5: row has 3 fields (the header has 2)"},
        {"a,b\n1\n", "deepsweep: mem.csv:2:1: row has 1 fields (the header has 2)"},
        {"a,b\n1,\"open\n\n", "deepsweep: mem.csv:2:3: quoted field is not closed before the "
                              "end of the file (a quoted field ends with a quote)"},
        {"a,b\n1,ab\"c\n", "deepsweep: mem.csv:2:5: quote inside an unquoted field (quote the "
                           "whole field and double the quotes inside it)"},
        {"a,b\n\"x\"y,2\n", "deepsweep: mem.csv:2:4: text after a closing quote (a quoted "
                            "field ends at its closing quote, then ',' or the line end)"},
        {"a,b\n1,zz\n", NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char err[256] = "";
        ds_csv *c = open_text(cases[k].text, err, sizeof err);
        cr_assert_not_null(c, "%s", err);
        if (cases[k].msg) {
            cr_assert_eq(drain(c, err, sizeof err), -1, "case %zu parsed", k);
            cr_assert_str_eq(err, cases[k].msg, "case %zu", k);
        } else { /* well-formed, but not a number */
            cr_assert_eq(ds_csv_next(c, err, sizeof err), 1);
            double v;
            cr_assert_eq(ds_csv_double(c, 1, &v, err, sizeof err), -1);
            cr_assert_str_eq(err, "deepsweep: mem.csv:2:3: b: 'zz' is not a number (a "
                                  "decimal number with '.')");
        }
        ds_csv_close(c);
    }
}

Test(plot_csvread, bad_headers)
{
    char err[256];
    cr_assert_null(open_text("", err, sizeof err));
    cr_assert_str_eq(err, "deepsweep: mem.csv:1:1: empty file (a header line naming the "
                          "columns is required)");
    cr_assert_null(open_text("a,b,a\n", err, sizeof err));
    cr_assert_str_eq(err, "deepsweep: mem.csv:1:5: duplicate column 'a' in the header (names "
                          "are unique)");
    cr_assert_null(ds_csv_open("/nonexistent/runs.csv", err, sizeof err));
    cr_assert_str_eq(err, "deepsweep: /nonexistent/runs.csv: not found");
}

/* ---- aggregation ---------------------------------------------------- */

TestSuite(plot_aggregate);

/* Three seeds of "xavier" (test 0.90, 0.92, 0.97), one of them written twice
 * (the later row wins), one diverged run, and "nn" with one seed. */
static char *agg_fixture(void)
{
    char *d = tmpdir();
    char runs[4096];
    snprintf(runs, sizeof runs, "%s%s", runs_head,
             "a1,xavier,mnist,2,256,relu,xavier_uniform,0,adam,0.001,100,3,1,9,ok,"
             "0.5,0.99,0.10,0.2,10,100,avx2,2\n"
             "a2,xavier,mnist,2,256,relu,xavier_uniform,0,adam,0.001,100,3,2,9,ok,"
             "0.3,0.95,0.92,0.93,12,90,avx2,2\n"
             "a3,xavier,mnist,2,256,relu,xavier_uniform,0,adam,0.001,100,3,3,9,ok,"
             "0.1,0.98,0.97,0.97,14,80,avx2,2\n"
             "a4,xavier,mnist,2,256,relu,xavier_uniform,0,adam,0.001,100,3,4,9,diverged,"
             "nan,,,,1,0,avx2,2\n"
             "a1,xavier,mnist,2,256,relu,xavier_uniform,0,adam,0.001,100,3,1,9,ok,"
             "0.2,0.97,0.90,0.91,11,95,avx2,2\n"
             "b1,NN,mnist,2,256,relu,normal,0,adam,0.001,100,3,1,9,ok,"
             "0.4,0.96,0.95,0.95,10,100,avx2,2\n");
    write_file(d, "runs.csv", runs);
    write_file(d, "epochs.csv",
               "run_id,epoch,train_loss,train_acc,test_acc,seconds\n"
               "a1,1,0.8,0.8,0.50,1\n"
               "a2,1,0.6,0.8,0.60,1\n"
               "a1,2,0.4,0.9,0.80,2\n"
               "a2,2,0.2,0.9,0.90,2\n"
               "a4,1,9,0,0,1\n"
               "zz,1,9,0,0,1\n");
    write_file(d, "layers.csv",
               "run_id,epoch,layer,grad_norm,weight_norm,dead_frac\n"
               "a1,1,0,0.01,1,0\n"
               "a1,1,1,0.10,1,0\n"
               "a1,2,0,0.03,1,0\n"
               "a1,2,1,0.20,1,0\n"
               "a2,1,0,0.03,1,0\n"
               "a2,1,1,0.30,1,0\n"
               "a2,3,0,0.05,1,0\n"
               "a2,3,1,0.40,1,0\n"
               "a4,1,0,99,1,0\n");
    return d;
}

Test(plot_aggregate, mean_std_over_seeds_by_hand)
{
    char *d = agg_fixture();
    char err[512];
    ds_report *r;
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_ngroups(r), 2);
    const ds_group *x = ds_report_group(r, 0), *nn = ds_report_group(r, 1);
    cr_assert_str_eq(x->name, "xavier");
    cr_assert_str_eq(nn->name, "NN");
    cr_assert(x->runs == 4 && x->ok == 3 && x->diverged == 1 && x->failed == 0);
    /* test_acc 0.90 0.92 0.97: mean 0.93; deviations -.03 -.01 .04, sum of
     * squares .0026, sample std sqrt(.0026/2) = .0360555127546399. Bound: a
     * few ulps of the inputs' rounding, 1e-12. */
    cr_assert_float_eq(ds_moments_mean(&x->test_acc), 0.93, 1e-12);
    cr_assert_float_eq(ds_report_std(&x->test_acc), sqrt(0.0026 / 2), 1e-12);
    /* train_acc - test_acc per run: .07 .03 .01 -> mean .11/3, std by hand */
    double m = 0.11 / 3, ss = pow(0.07 - m, 2) + pow(0.03 - m, 2) + pow(0.01 - m, 2);
    cr_assert_float_eq(ds_moments_mean(&x->gap), m, 1e-12);
    cr_assert_float_eq(ds_report_std(&x->gap), sqrt(ss / 2), 1e-12);
    cr_assert_float_eq(ds_moments_mean(&x->seconds), 37.0 / 3, 1e-12);
    /* one seed: std is 0, not NaN */
    cr_assert(nn->ok == 1 && ds_report_std(&nn->test_acc) == 0);
    /* no reference_acc column: no reference, whatever the labels say
     * (they used to be guessed from words: xavier 97.83, "NN" 94.55) */
    cr_assert(isnan(x->reference) && isnan(nn->reference));
    /* per-epoch: a1 and a2 only (a4 diverged, zz unknown) */
    cr_assert_eq(x->n_epochs, 3);
    cr_assert_eq(x->ep_test_acc[0].n, 0);
    cr_assert_float_eq(ds_moments_mean(&x->ep_test_acc[1]), 0.55, 1e-12);
    cr_assert_float_eq(ds_report_std(&x->ep_test_acc[1]), sqrt(0.005), 1e-12);
    cr_assert_float_eq(ds_moments_mean(&x->ep_train_loss[2]), 0.3, 1e-12);
    /* layers: first logged epoch (1 for both) and last (a1: 2, a2: 3) */
    cr_assert_eq(x->n_layers, 2);
    cr_assert_float_eq(ds_moments_mean(&x->grad_first[0]), 0.02, 1e-12);
    cr_assert_float_eq(ds_moments_mean(&x->grad_first[1]), 0.20, 1e-12);
    cr_assert_float_eq(ds_moments_mean(&x->grad_last[0]), 0.04, 1e-12);
    cr_assert_float_eq(ds_moments_mean(&x->grad_last[1]), 0.30, 1e-12);
    cr_assert(ds_report_varies(r, DS_K_LABEL) && ds_report_varies(r, DS_K_INIT));
    cr_assert(!ds_report_varies(r, DS_K_DEPTH));
    ds_report_free(r);
    rm_rf(d);
    free(d);
}

/* The reference of a group is the reference_acc its rows carry (from the
 * config), with reference_source; an empty cell is no reference. */
Test(plot_aggregate, reference_from_the_rows)
{
    char *d = tmpdir(), err[512], text[2048];
    snprintf(text, sizeof text, "%.*s,reference_acc,reference_source\n%s", (int)strlen(runs_head) - 1,
             runs_head,
             "a,xavier,mnist,2,256,relu,xavier_uniform,0,adam,0.001,100,3,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1,0.9783,\"the course, lab 22\"\n"
             "b,deep,mnist,2,256,relu,normal,0,adam,0.001,100,3,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1,,\n");
    write_file(d, "runs.csv", text);
    ds_report *r;
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    const ds_group *x = ds_report_group(r, 0), *deep = ds_report_group(r, 1);
    cr_assert_eq(x->reference, 0.9783);
    cr_assert_str_eq(x->reference_source, "the course, lab 22");
    cr_assert(isnan(deep->reference) && !deep->reference_source[0]);
    ds_report_free(r);
    /* a reference is an accuracy: a fraction in [0, 1] */
    snprintf(text, sizeof text, "%.*s,reference_acc\n%s", (int)strlen(runs_head) - 1, runs_head,
             "a,x,mnist,2,256,relu,normal,0,adam,0.001,100,3,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1,97.83\n");
    write_file(d, "runs.csv", text);
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 2);
    cr_assert(strstr(err, "runs.csv:2: accuracy 97.83 is out of range"), "%s", err);
    rm_rf(d);
    free(d);
}

/* REPORT.md: a one-seed group prints its mean alone (no "± 0.00", no
 * interval), a three-seed group mean ± std and its t interval; the two
 * differ in init only, and with one seed the difference cannot be tested. */
Test(plot_aggregate, one_seed_prints_no_plus_minus)
{
    char *d = agg_fixture();
    char *md = report_md(d);
    cr_assert_not_null(md);
    cr_assert(strstr(md, "| NN | normal | 1 | 1 | 95.00 | — | 96.00 |"), "%s", md);
    cr_assert(!strstr(md, "± 0.00"), "%s", md);
    /* 0.90 0.92 0.97: 93.00 ± 3.61, t(0.975, 2) 3.61 / sqrt(3) = 8.96,
     * the interval cut at 100% */
    cr_assert(strstr(md, "| xavier | xavier_uniform | 4 | 3 | 93.00 ± 3.61 | [84.04, 100.00] |"),
              "%s", md);
    cr_assert(strstr(md, "| init | xavier | NN | -2.00 | — | — | cannot tell"), "%s", md);
    free(md);
    rm_rf(d);
    free(d);
}

/* --where KEY=VALUE keeps the groups that have it and names them by what
 * still varies; bad clauses are refused naming the option. */
Test(plot_aggregate, where_selects_groups)
{
    char *d = agg_fixture(), err[512];
    ds_report *r;
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_select(r, "init=normal,he_normal", err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_ngroups(r), 1);
    cr_assert_str_eq(ds_report_group(r, 0)->name, "NN");
    cr_assert(!ds_report_varies(r, DS_K_INIT));
    cr_assert_float_eq(ds_moments_mean(&ds_report_group(r, 0)->test_acc), 0.95, 1e-12);
    cr_assert_eq(ds_report_select(r, "init=xavier_uniform", err, sizeof err), 2);
    cr_assert(strstr(err, "--where init=xavier_uniform: no group has it (init in "), "%s", err);
    cr_assert_eq(ds_report_select(r, "int=normal", err, sizeof err), 2);
    cr_assert(strstr(err, "--where: unknown column 'int' (did you mean 'init'?"), "%s", err);
    cr_assert_eq(ds_report_select(r, "init", err, sizeof err), 2);
    cr_assert(strstr(err, "--where: 'init' is not KEY=VALUE"), "%s", err);
    ds_report_free(r);
    rm_rf(d);
    free(d);
}

/* plot --where reads a run key's value as show --where does (one
 * normalisation, view.h's ds_where_value): hidden=256-256 is runs.csv's
 * [256-256]; it was "no group has it". */
Test(plot_aggregate, where_reads_a_width_list_as_the_key_table_does)
{
    char err[512];
    ds_report *r;
    cr_assert_eq(ds_report_load("results/reference/lab-mnist", &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_select(r, "hidden=256-256", err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_ngroups(r), 2);
    ds_report_free(r);
    cr_assert_eq(ds_report_load("results/reference/lab-mnist", &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_select(r, "hidden=[256-256],none", err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_ngroups(r), 3);
    ds_report_free(r);
}

/* Names and table columns follow the sweep's axes as the group column
 * lists them (init before activation here), not the order of runs.csv's
 * columns (activation before init). */
Test(plot_aggregate, names_in_the_order_of_the_sweep_axes)
{
    char *d = tmpdir(), err[512], text[2048];
    snprintf(text, sizeof text, "%.*s,group\n%s", (int)strlen(runs_head) - 1, runs_head,
             "a,,mnist,2,8,relu,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1,"
             "init=normal activation=relu\n"
             "b,,mnist,2,8,tanh,he_normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.8,0.9,1,1,avx2,1,"
             "init=he_normal activation=tanh\n");
    write_file(d, "runs.csv", text);
    ds_report *r;
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(ds_report_group(r, 0)->name, "normal, relu");
    cr_assert_str_eq(ds_report_group(r, 1)->name, "he_normal, tanh");
    ds_report_free(r);
    char *md = report_md(d);
    cr_assert(strstr(md, "| init | activation | runs |"), "%s", md);
    free(md);
    rm_rf(d);
    free(d);
}

/* deepsweep run's extra "hidden" column splits groups that DESIGN.md's
 * columns (depth, first width) cannot tell apart, and is shown only then. */
Test(plot_aggregate, extra_columns_split_groups)
{
    char *d = tmpdir(), err[512];
    char text[2048];
    snprintf(text, sizeof text, "%.*s,hidden\n%s", (int)strlen(runs_head) - 1, runs_head,
             "a,,mnist,2,512,relu,he_normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.80,0.9,1,1,avx2,1,512-256\n"
             "b,,mnist,2,512,relu,he_normal,0,adam,0.1,1,1,2,9,ok,0.1,0.9,0.90,0.9,1,1,avx2,1,512-256\n"
             "c,,mnist,2,512,relu,he_normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.70,0.9,1,1,avx2,1,512-128\n");
    write_file(d, "runs.csv", text);
    ds_report *r;
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_ngroups(r), 2);
    cr_assert(ds_report_varies(r, DS_K_HIDDEN));
    cr_assert_str_eq(ds_report_group(r, 0)->name, "hidden 512-256");
    cr_assert_float_eq(ds_moments_mean(&ds_report_group(r, 0)->test_acc), 0.85, 1e-12);
    cr_assert_str_eq(ds_report_group(r, 1)->name, "hidden 512-128");
    ds_report_free(r);
    /* hidden differing only where depth does: not shown */
    snprintf(text, sizeof text, "%.*s,hidden\n%s", (int)strlen(runs_head) - 1, runs_head,
             "a,,mnist,1,512,relu,he_normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.80,0.9,1,1,avx2,1,512\n"
             "c,,mnist,2,512,relu,he_normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.70,0.9,1,1,avx2,1,512-512\n");
    write_file(d, "runs.csv", text);
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    cr_assert(!ds_report_varies(r, DS_K_HIDDEN) && ds_report_varies(r, DS_K_DEPTH));
    cr_assert_str_eq(ds_report_group(r, 1)->name, "depth 2");
    ds_report_free(r);
    rm_rf(d);
    free(d);
}

Test(plot_aggregate, bad_results_are_refused)
{
    static const struct {
        const char *row, *msg;
    } cases[] = {
        {"a,x,mnist,1,8,relu,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,97.5,0.9,1,1,avx2,1\n",
         "runs.csv:2: accuracy 97.5 is out of range (accuracies are fractions in [0,1])"},
        {"a,x,mnist,1,8,relu,normal,0,adam,0.1,1,1,1,9,done,0.1,0.9,0.9,0.9,1,1,avx2,1\n",
         "runs.csv:2: status 'done' is unknown (valid: ok, diverged, failed)"},
        {"a,x,mnist,1,8,relu,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.9,0.9,1,fast,avx2,1\n",
         "runs.csv:2:67: samples_per_s: 'fast' is not a number (a decimal number with '.')"},
        {"", "runs.csv: no runs (the file has only its header)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *d = tmpdir(), text[1024], err[512];
        snprintf(text, sizeof text, "%s%s", runs_head, cases[k].row);
        write_file(d, "runs.csv", text);
        ds_report *r;
        cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 2, "case %zu loaded", k);
        cr_assert(strstr(err, cases[k].msg), "case %zu: got '%s'", k, err);
        cr_assert(!strncmp(err, "deepsweep: ", 11) && strstr(err, d), "%s", err);
        rm_rf(d);
        free(d);
    }
}

/* ---- the command ---------------------------------------------------- */

TestSuite(plot_command);

Test(plot_command, lab_fixture_draws_every_figure)
{
    char *out = tmpdir(), *err, args[512];
    snprintf(args, sizeof args, "tests/fixtures/plot-lab --out %s", out);
    int st = run_plot(args, NULL, &err);
    if (!have_gnuplot()) {
        cr_assert_eq(st, 1, "without gnuplot: exit 1 (%s)", err);
        cr_assert(exists(out, "REPORT.md"));
        cr_skip_test("gnuplot not installed (make deps-plots): PNG checks skipped");
    }
    cr_assert_eq(st, 0, "exit %d: %s", st, err);
    static const char *const pngs[] = {"accuracy.png", "curves.png", "gradnorm.png",
                                       "dropout.png"};
    char p[512];
    snprintf(p, sizeof p, "%s/REPORT.md", out);
    char *md = slurp(p);
    cr_assert_not_null(md);
    for (size_t i = 0; i < 4; i++) {
        assert_png(out, pngs[i]);
        char link[64];
        snprintf(link, sizeof link, "](%s)", pngs[i]);
        cr_assert(strstr(md, link), "REPORT.md does not link %s", pngs[i]);
    }
    /* the lab table: five labs with the course's figures beside */
    cr_assert(strstr(md, "| deep+dropout | 4 | 512 | xavier_uniform | 0.3 | 3 | 3 |") && strstr(md, "| 98.13 |"), "%s", md);
    cr_assert(!exists(out, "heatmap.png"), "five labs are not a depth x width grid");
    /* labs that differ in one setting, compared by Welch's t-test: nn and
     * xavier (init), deep and deep+dropout (dropout); nn and deep differ in
     * more than one and are not compared */
    cr_assert(strstr(md, "Welch's two-sample t-test"), "%s", md);
    cr_assert(strstr(md, "| init | nn | xavier | -2.84 |"), "%s", md);
    cr_assert(strstr(md, "| dropout | deep | deep+dropout | -0.51 |"), "%s", md);
    cr_assert(!strstr(md, "| nn | deep |"), "%s", md);
    cr_assert(strstr(md, "| beyond seed noise |"), "%s", md);
    cr_assert(strstr(md, "0 of 2 comparisons are within seed noise."), "%s", md);
    /* each figure's sentence states what the data show */
    cr_assert(strstr(md, "Measured: the best is deep+dropout (98.19%), 0.42 points ahead of "
                         "xavier (97.77%): within seed noise, Welch p = 0.067."),
              "%s", md);
    cr_assert(strstr(md, "test accuracy 97.68% at p = 0, 98.19% at p = 0.3 (best 98.19% at "
                         "p = 0.3); the gap 2.20 points at p = 0, 0.84 at p = 0.3."),
              "%s", md);
    /* this fixture's train accuracy is the running one (no train_*_running
     * column): the gap is not read as overfitting */
    cr_assert(strstr(md, "**Caution:** this file's train accuracy was counted during training "
                         "with dropout on"),
              "%s", md);
    free(md);
    free(err);
    rm_rf(out);
    free(out);
}

/* XOR (success fraction vs depth) and a depth x width grid (heatmap). */
Test(plot_command, xor_and_grid_figures)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot not installed (make deps-plots): figure checks skipped");
    char *xd = tmpdir(), *gd = tmpdir(), *err, row[256], args[512];
    char *text = malloc(65536);
    strcpy(text, runs_head);
    for (int a = 0; a < 2; a++)
        for (int depth = 1; depth <= 4; depth++)
            for (int seed = 1; seed <= 4; seed++) {
                /* sigmoid solves fewer seeds as depth grows */
                double acc = a || seed <= 4 - depth + 1 ? 1.0 : 0.75;
                snprintf(row, sizeof row,
                         "x%d%d%d,xor,xor,%d,10,%s,xavier_uniform,0,sgd,0.1,4,10001,%d,9,ok,"
                         "0.1,%g,%g,%g,1,4,avx2,1\n",
                         a, depth, seed, depth, a ? "relu" : "sigmoid", seed, acc, acc, acc);
                strcat(text, row);
            }
    write_file(xd, "runs.csv", text);
    strcpy(text, runs_head);
    for (int a = 0; a < 2; a++)
        for (int depth = 1; depth <= 3; depth++)
            for (int width = 32; width <= 128; width *= 2) {
                snprintf(row, sizeof row,
                         "g%d%d%d,,mnist,%d,%d,%s,he_normal,0,adam,0.001,100,2,1,9,ok,"
                         "0.1,0.99,%.5f,0.9,1,4,avx2,1\n",
                         a, depth, width, depth, width, a ? "sigmoid" : "relu",
                         0.9 - 0.1 * a + depth * 0.001 + width * 1e-4);
                strcat(text, row);
            }
    write_file(gd, "runs.csv", text);
    snprintf(args, sizeof args, "-q %s", xd);
    int st = run_plot(args, NULL, &err);
    cr_assert_eq(st, 0, "xor: exit %d: %s", st, err);
    assert_png(xd, "xor.png");
    cr_assert(!exists(xd, "accuracy.png"), "XOR gets its success figure instead");
    char p[512];
    snprintf(p, sizeof p, "%s/plot-data/xor.dat", xd);
    char *dat = slurp(p);
    /* sigmoid at depth 4: 1 of 4 seeds; relu at depth 4: all four */
    cr_assert(strstr(dat, "\n4 0.25 1 4\n") && strstr(dat, "\n4 1 4 4\n"), "%s", dat);
    free(dat);
    /* the solved fraction with its Wilson interval: 1/4 is [0.0456, 0.6994] */
    snprintf(p, sizeof p, "%s/REPORT.md", xd);
    dat = slurp(p);
    cr_assert(strstr(dat, "| 1/4 = 0.25 [0.05, 0.70] |") && strstr(dat, "Wilson"), "%s", dat);
    cr_assert(strstr(dat, "| 4/4 = 1.00 [0.51, 1.00] |"), "%s", dat);
    cr_assert(strstr(dat, "Measured: the largest fall is sigmoid's, from 4/4 solved at depth 1 "
                          "to 1/4 at depth 4."),
              "%s", dat);
    free(dat);
    free(err);
    snprintf(args, sizeof args, "-q %s", gd);
    st = run_plot(args, NULL, &err);
    cr_assert_eq(st, 0, "grid: exit %d: %s", st, err);
    assert_png(gd, "heatmap.png");
    assert_png(gd, "accuracy.png");
    snprintf(p, sizeof p, "%s/plot-data/heatmap.dat", gd);
    dat = slurp(p);
    /* relu 90.42..91.58 and sigmoid 80.42..81.58: one colour scale
     * (before: each panel its own, so one colour meant 90 and 80 side by side) */
    cr_assert(strstr(dat, "# colour scale of every panel: 80.42 91.58\n"), "%s", dat);
    free(dat);
    snprintf(p, sizeof p, "%s/REPORT.md", gd);
    dat = slurp(p);
    cr_assert(strstr(dat, "Measured: best depth 3, width 128, relu (91.58%), worst depth 1, "
                          "width 32, sigmoid (80.42%)."),
              "%s", dat);
    free(dat);
    cr_assert(!exists(gd, "heatmap-init-activation.png"), "one init, one activation: no grid");
    free(err);
    /* init x activation: 2 x 2 cells */
    strcpy(text, runs_head);
    static const char *const inits[] = {"normal", "he_normal"}, *const acts[] = {"relu", "tanh"};
    for (int i = 0; i < 2; i++)
        for (int a = 0; a < 2; a++) {
            snprintf(row, sizeof row,
                     "h%d%d,,mnist,2,64,%s,%s,0,adam,0.001,100,2,1,9,ok,0.1,0.9,0.9,0.9,1,4,"
                     "avx2,1\n", i, a, acts[a], inits[i]);
            strcat(text, row);
        }
    write_file(gd, "runs.csv", text);
    st = run_plot(args, NULL, &err);
    cr_assert_eq(st, 0, "init x activation: exit %d: %s", st, err);
    assert_png(gd, "heatmap-init-activation.png");
    cr_assert(!exists(gd, "heatmap.png"), "the earlier depth x width figure no longer applies");
    free(err);
    free(text);
    rm_rf(xd);
    rm_rf(gd);
    free(xd);
    free(gd);
}

/* A sweep whose labels say "dropout" and "deep" but whose config gives no
 * reference: no reference anywhere (it used to get the course's 98.13
 * beside every point). */
Test(plot_command, no_reference_without_one_in_the_config)
{
    char *d = tmpdir(), p[512], row[300];
    char *text = malloc(8192);
    strcpy(text, runs_head);
    for (int k = 0; k < 3; k++) {
        snprintf(row, sizeof row,
                 "d%d,deep-dropout,mnist,4,512,relu,xavier_uniform,0.%d,adam,0.001,100,2,1,9,ok,"
                 "0.1,0.95,0.9%d,0.9,1,1,avx2,1\n", k, k + 1, k);
        strcat(text, row);
    }
    write_file(d, "runs.csv", text);
    char *md = report_md(d);
    cr_assert(!strstr(md, "98.13") && !strstr(md, "course") && !strstr(md, "reference"), "%s", md);
    free(md);
    snprintf(p, sizeof p, "%s/plot-data/accuracy.dat", d);
    char *dat = slurp(p);
    cr_assert_not_null(dat);
    cr_assert(!strstr(dat, "98.13"), "%s", dat);
    free(dat);
    free(text);
    rm_rf(d);
    free(d);
}

/* 14 inits x 2 dropout values with epochs and layers: more figures than
 * DS_MAX_FIGS once gradnorm is split by init. It crashed (fig_dropout wrote
 * through the NULL of a full figure table); now every figure is either
 * drawn (here: described, no gnuplot) or said to be left out. */
Test(plot_command, more_figures_than_the_table_holds)
{
    char *d = tmpdir(), row[300];
    char *runs = malloc(65536), *eps = malloc(65536), *lay = malloc(65536);
    strcpy(runs, runs_head);
    strcpy(eps, "run_id,epoch,train_loss,train_acc,test_acc,seconds\n");
    strcpy(lay, "run_id,epoch,layer,grad_norm,weight_norm,dead_frac\n");
    for (int i = 0; i < 14; i++)
        for (int p = 0; p < 2; p++) {
            snprintf(row, sizeof row,
                     "r%d_%d,,mnist,2,64,relu,init%02d,0.%d,adam,0.001,100,1,1,9,ok,0.1,0.9,0.9,"
                     "0.9,1,1,avx2,1\n", i, p, i, p * 5);
            strcat(runs, row);
            snprintf(row, sizeof row, "r%d_%d,1,0.1,0.9,0.9,1\n", i, p);
            strcat(eps, row);
            for (int l = 0; l < 3; l++) {
                snprintf(row, sizeof row, "r%d_%d,1,%d,0.%d1,1,0\n", i, p, l, l + 1);
                strcat(lay, row);
            }
        }
    write_file(d, "runs.csv", runs);
    write_file(d, "epochs.csv", eps);
    write_file(d, "layers.csv", lay);
    char *md = report_md(d);
    cr_assert(strstr(md, "Dropout"), "the dropout figure is in REPORT.md: %s", md);
    free(md);
    free(runs);
    free(eps);
    free(lay);
    rm_rf(d);
    free(d);
}

/* --format png,svg,pdf draws each figure in each format; an unknown format
 * is refused; a figure file of an earlier plot that no longer applies (the
 * per-init gradnorm-<init>.png of older versions) is removed. */
Test(plot_command, formats_and_stale_figures)
{
    char *out = tmpdir(), *err, args[512];
    snprintf(args, sizeof args, "tests/fixtures/plot-lab --format svg,jpg --out %s", out);
    cr_assert_eq(run_plot(args, NULL, &err), 2);
    cr_assert(strstr(err, "--format: 'svg,jpg' is not a list of formats (valid: png, svg, pdf"),
              "%s", err);
    free(err);
    cr_assert(!exists(out, "REPORT.md"));
    if (!have_gnuplot())
        cr_skip_test("gnuplot not installed (make deps-plots): figure checks skipped");
    write_file(out, "gradnorm-normal.png", "stale");
    write_file(out, "heatmap.svg", "stale");
    snprintf(args, sizeof args, "tests/fixtures/plot-lab -q --format png,svg,pdf --out %s", out);
    int st = run_plot(args, NULL, &err);
    cr_assert_eq(st, 0, "exit %d: %s", st, err);
    free(err);
    assert_png(out, "accuracy.png");
    char p[512];
    snprintf(p, sizeof p, "%s/accuracy.svg", out);
    char *svg = slurp(p);
    cr_assert(svg && strstr(svg, "<svg"), "accuracy.svg is not an SVG");
    free(svg);
    snprintf(p, sizeof p, "%s/gradnorm.pdf", out);
    char *pdf = slurp(p);
    cr_assert(pdf && !strncmp(pdf, "%PDF", 4), "gradnorm.pdf is not a PDF");
    free(pdf);
    cr_assert(!exists(out, "gradnorm-normal.png") && !exists(out, "heatmap.svg"),
              "stale figures are removed");
    rm_rf(out);
    free(out);
}

/* gradnorm: a line with a zero gradient cannot be drawn on the log axis and
 * is named; the sentence states the measured fall of layer 0's gradient
 * with depth (sigmoid: 1e-2 at depth 2, 1e-7 at depth 4). */
Test(plot_command, gradnorm_names_zero_lines_and_states_its_finding)
{
    char *d = tmpdir();
    char text[4096];
    snprintf(text, sizeof text, "%s%s", runs_head,
             "s2,,mnist,2,8,sigmoid,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1\n"
             "s4,,mnist,4,8,sigmoid,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1\n"
             "r2,,mnist,2,8,relu,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1\n");
    write_file(d, "runs.csv", text);
    write_file(d, "layers.csv",
               "run_id,epoch,layer,grad_norm,weight_norm,dead_frac\n"
               "s2,1,0,1e-2,1,0\ns2,1,1,1e-1,1,0\ns2,1,2,1,1,0\n"
               "s4,1,0,1e-7,1,0\ns4,1,1,1e-5,1,0\ns4,1,2,1e-3,1,0\ns4,1,3,1e-2,1,0\n"
               "r2,1,0,0,1,0\nr2,1,1,0,1,0\nr2,1,2,0,1,0\n");
    char *md = report_md(d);
    cr_assert(strstr(md, "sigmoid's layer-0 gradient norm falls by a factor of 10^5.0 from "
                         "depth 2 (0.01) to depth 4 (1e-07)"),
              "%s", md);
    cr_assert(strstr(md, "Not drawn (a zero gradient has no place on a log axis): depth 2, relu."),
              "%s", md);
    free(md);
    rm_rf(d);
    free(d);
}

Test(plot_command, without_gnuplot_tables_still_written)
{
    char *out = tmpdir(), *err, args[512], p[512];
    snprintf(args, sizeof args, "tests/fixtures/plot-lab --out %s", out);
    int st = run_plot(args, "DEEPSWEEP_GNUPLOT=/nonexistent/gnuplot", &err);
    cr_assert_eq(st, 1, "exit %d (1 expected: figures not drawn)", st);
    cr_assert(strstr(err, "'/nonexistent/gnuplot' not found"), "%s", err);
    snprintf(p, sizeof p, "%s/REPORT.md", out);
    char *md = slurp(p);
    cr_assert_not_null(md, "REPORT.md must be written without gnuplot");
    cr_assert(strstr(md, "gnuplot was not found"), "%s", md);
    cr_assert(strstr(md, "| softmax | 0 | 0 | normal | 0 | 3 | 3 |"), "%s", md);
    cr_assert(!exists(out, "accuracy.png"));
    free(md);
    free(err);
    rm_rf(out);
    free(out);
}

Test(plot_command, bad_input_writes_nothing)
{
    char *d = tmpdir(), *err, args[512], text[1024];
    snprintf(args, sizeof args, "%s", d);
    cr_assert_eq(run_plot(args, NULL, &err), 2);
    char want[600];
    snprintf(want, sizeof want, "deepsweep: %s/runs.csv: not found (run 'deepsweep run CONFIG'",
             d);
    cr_assert(strstr(err, want), "%s", err);
    free(err);
    snprintf(text, sizeof text, "%s%s", runs_head,
             "a,x,mnist,1,8,relu,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.9,0.9,1,1\n");
    write_file(d, "runs.csv", text);
    cr_assert_eq(run_plot(args, NULL, &err), 2);
    cr_assert(strstr(err, "/runs.csv:2:1: row has 21 fields (the header has 23)"), "%s", err);
    cr_assert(!exists(d, "REPORT.md") && !exists(d, "plot-data"), "nothing may be written");
    free(err);
    cr_assert_eq(run_plot("", NULL, &err), 2);
    cr_assert(strstr(err, "usage: deepsweep plot"), "%s", err);
    free(err);
    cr_assert_eq(run_plot("--bogus x", NULL, &err), 2);
    cr_assert(strstr(err, "unknown option '--bogus'"), "%s", err);
    free(err);
    rm_rf(d);
    free(d);
}

/* The options follow cli.h: --opt=value, options after the folder, a
 * suggestion for a misspelt option, a missing value named. (Before it,
 * --out=DIR was an unknown option.) */
Test(plot_command, gnu_option_forms)
{
    char *out = tmpdir(), *err, args[512], p[512];
    snprintf(args, sizeof args, "tests/fixtures/plot-lab -q --out=%s", out);
    int st = run_plot(args, "DEEPSWEEP_GNUPLOT=/nonexistent/gnuplot", &err);
    cr_assert_eq(st, 1, "exit %d (1: no gnuplot): %s", st, err);
    snprintf(p, sizeof p, "%s/REPORT.md", out);
    cr_assert(exists(out, "REPORT.md"), "--out=DIR did not write %s: %s", p, err);
    free(err);
    cr_assert_eq(run_plot("tests/fixtures/plot-lab --ot x", NULL, &err), 2);
    cr_assert(strstr(err, "deepsweep: plot: unknown option '--ot' (did you mean --out?)"), "%s",
              err);
    free(err);
    cr_assert_eq(run_plot("tests/fixtures/plot-lab --out", NULL, &err), 2);
    cr_assert(strstr(err, "deepsweep: plot: --out needs a value"), "%s", err);
    free(err);
    cr_assert_eq(run_plot("a b", NULL, &err), 2);
    cr_assert(strstr(err, "unexpected argument 'b'"), "%s", err);
    free(err);
    rm_rf(out);
    free(out);
}

/* More than 12 training curves become small multiples, as gradnorm's
 * lines do: one panel per value of the first varying setting (here init),
 * the other settings the lines of each. 5 inits x 3 lr (15 lines) were
 * "not drawn, too many lines"; now 5 panels of 3. */
Test(plot_command, curves_past_12_lines_become_small_multiples)
{
    char *d = tmpdir(), row[300], p[512];
    char *runs = malloc(65536), *eps = malloc(65536);
    strcpy(runs, runs_head);
    strcpy(eps, "run_id,epoch,train_loss,train_acc,test_acc,seconds\n");
    static const char *const lrs[] = {"0.1", "0.01", "0.001"};
    for (int i = 0; i < 5; i++)
        for (int l = 0; l < 3; l++) {
            snprintf(row, sizeof row,
                     "r%d_%d,,mnist,2,64,relu,init%02d,0,adam,%s,100,3,1,9,ok,0.1,0.9,0.9,0.9,1,1,"
                     "avx2,1\n", i, l, i, lrs[l]);
            strcat(runs, row);
            for (int e = 1; e <= 3; e++) {
                snprintf(row, sizeof row, "r%d_%d,%d,%.3f,0.9,0.%d%d,1\n", i, l, e, 1.0 / e, 7 + l,
                         i);
                strcat(eps, row);
            }
        }
    write_file(d, "runs.csv", runs);
    write_file(d, "epochs.csv", eps);
    char *md = report_md(d);
    cr_assert(!strstr(md, "too many lines"), "%s", md);
    cr_assert(strstr(md, "Training curves per group, one panel per init:"), "%s", md);
    free(md);
    /* a block per line, each named without its panel's init */
    snprintf(p, sizeof p, "%s/plot-data/curves.dat", d);
    char *dat = slurp(p);
    cr_assert_not_null(dat);
    int blocks = 0;
    for (char *s = dat; (s = strstr(s, "\n\"")); s++, blocks++)
        cr_assert(strncmp(s + 2, "init", 4), "%s", dat);
    cr_assert_eq(blocks, 15, "%s", dat);
    free(dat);
    if (have_gnuplot()) {
        char *out = tmpdir(), args[600], *err;
        snprintf(args, sizeof args, "%s --out %s", d, out);
        cr_assert_eq(run_plot(args, NULL, &err), 0, "%s", err);
        free(err);
        assert_png(out, "curves.png");
        rm_rf(out);
        free(out);
    }
    free(runs);
    free(eps);
    rm_rf(d);
    free(d);
}

/* 41 groups with epochs: the accuracy figure (at most 40 groups) and the
 * curves (at most 12) are described in REPORT.md, not drawn. In process,
 * with gnuplot disabled (NULL): the notes do not depend on it. */
Test(plot_command, too_many_groups_are_described_not_drawn)
{
    char *d = tmpdir(), err[512], row[256], p[512];
    char *runs = malloc(65536), *eps = malloc(65536);
    strcpy(runs, runs_head);
    strcpy(eps, "run_id,epoch,train_loss,train_acc,test_acc,seconds\n");
    for (int k = 0; k < 41; k++) {
        snprintf(row, sizeof row,
                 "r%d,,mnist,1,%d,relu,normal,0,adam,0.1,1,1,1,9,ok,0.1,0.9,0.9,0.9,1,1,avx2,1\n",
                 k, 8 + k);
        strcat(runs, row);
        snprintf(row, sizeof row, "r%d,1,0.1,0.9,0.9,1\n", k);
        strcat(eps, row);
    }
    write_file(d, "runs.csv", runs);
    write_file(d, "epochs.csv", eps);
    ds_report *r;
    cr_assert_eq(ds_report_load(d, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_report_ngroups(r), 41);
    cr_assert_eq(ds_report_write(r, d, "plots", NULL, 1, 0, err, sizeof err), 1,
                 "no gnuplot: exit status 1");
    ds_report_free(r);
    snprintf(p, sizeof p, "%s/REPORT.md", d);
    char *md = slurp(p);
    cr_assert_not_null(md);
    cr_assert(strstr(md, "not drawn, 41 groups are too many for one row of error bars"), "%s", md);
    cr_assert(strstr(md, "select groups: deepsweep plot DIR --where KEY=VALUE"), "%s", md);
    cr_assert(strstr(md, "not drawn, 41 groups are too many lines for one readable figure"),
              "%s", md);
    cr_assert(strstr(md, "| width | runs |") && strstr(md, "| 48 | 1 | 1 |"), "%s", md);
    free(md);
    free(runs);
    free(eps);
    rm_rf(d);
    free(d);
}
