/* The summary `deepsweep run` prints (results/summary.c): mean ± std only
 * with two or more ok runs, the t interval, the Wilson interval of XOR's
 * solved fraction, and the Welch comparison of groups that differ in one
 * setting. The runner is built by hand around finished rows: no training. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "runner.h"

static char dir[64], path[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/ds-summary-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/x.yaml", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

TestSuite(summary, .init = setup, .fini = teardown);

/* The summary of `cfg` whose run i ended with status[i] and test (= train)
 * accuracy acc[i]; status NULL: not run. Returns the printed text. */
static char *summary_of(const char *cfg, const char *const *status, const double *acc, int n)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(cfg, f);
    fclose(f);
    ds_plan *p = calloc(1, sizeof *p);
    char err[1024];
    cr_assert_eq(ds_plan_load(path, NULL, 0, p, err, sizeof err), 0, "%s", err);
    cr_assert_eq(p->n_runs, n);
    ds_runner r = {.plan = p, .n_sel = n};
    snprintf(r.out_dir, sizeof r.out_dir, "results/x");
    r.sel = calloc((size_t)n, sizeof *r.sel);
    r.rows = calloc((size_t)n, sizeof *r.rows);
    ds_run_row *rows = calloc((size_t)n, sizeof *rows);
    for (int i = 0; i < n; i++) {
        r.sel[i] = &p->runs[i];
        if (!status[i])
            continue;
        snprintf(rows[i].status, sizeof rows[i].status, "%s", status[i]);
        rows[i].test_acc = rows[i].train_acc = acc[i];
        r.rows[i] = &rows[i];
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    ds_runner_print_summary(&r, m);
    fclose(m);
    free(rows);
    free(r.sel);
    free(r.rows);
    ds_plan_free(p);
    free(p);
    return text;
}

static const char *const ok9[9] = {"ok", "ok", "ok", "ok", "ok", "ok", "ok", NULL, NULL};

/* normal 0.90 0.91 0.92, xavier_uniform 0.95 0.96 0.97, he_normal one run:
 * normal - xavier = -5 points, se = sqrt(2 * 0.0001 / 3), t = -6.12,
 * df = 4, p = 0.0036; he_normal has no ± and cannot be tested. */
Test(summary, one_seed_no_plus_minus_and_welch_between_one_setting)
{
    const double acc[9] = {0.90, 0.91, 0.92, 0.95, 0.96, 0.97, 0.93, 0, 0};
    char *s = summary_of("name: s\ndataset: mnist\nbase: {hidden: [8]}\n"
                         "sweep: {init: [normal, xavier_uniform, he_normal]}\nseeds: 3\n",
                         ok9, acc, 9);
    cr_assert(strstr(s, " 91.00 ±  1.00 "), "%s", s);
    /* t(0.975, 2) * 0.01 / sqrt(3) = 2.48 points */
    cr_assert(strstr(s, "[88.52, 93.48]"), "%s", s);
    cr_assert(!strstr(s, "93.00 ±") && strstr(s, " 93.00 "), "%s", s);
    cr_assert(strstr(s, "Welch"), "%s", s);
    cr_assert(strstr(s, "init=normal - init=xavier_uniform: -5.00 [-7.27, -2.73], p = 0.0036, "
                        "beyond seed noise"),
              "%s", s);
    cr_assert(strstr(s, "init=normal - init=he_normal: -2.00, cannot tell"), "%s", s);
    free(s);
}

/* Two groups whose spreads overlap: the difference is within seed noise. */
Test(summary, overlapping_groups_are_within_seed_noise)
{
    const double acc[6] = {0.90, 0.95, 0.92, 0.93, 0.91, 0.94};
    const char *const ok6[6] = {"ok", "ok", "ok", "ok", "ok", "ok"};
    char *s = summary_of("name: s\ndataset: mnist\nbase: {hidden: [8]}\n"
                         "sweep: {dropout: [0, 0.5]}\nseeds: 3\n",
                         ok6, acc, 6);
    cr_assert(strstr(s, "within seed noise"), "%s", s);
    free(s);
}

/* XOR: solved k/n with its Wilson interval. */
Test(summary, xor_solved_with_wilson_interval)
{
    const double acc[4] = {1, 0.75, 0.75, 0.5};
    const char *const ok4[4] = {"ok", "ok", "ok", "ok"};
    char *s = summary_of("name: s\ndataset: xor\nbase: {hidden: [4], loss: sigmoid_bce}\nseeds: 4\n",
                         ok4, acc, 4);
    cr_assert(strstr(s, "1/4 = 0.25 [0.05, 0.70]"), "%s", s);
    cr_assert(strstr(s, "Wilson"), "%s", s);
    free(s);
}

/* The config's reference, a fraction, is shown in % beside its group only. */
Test(summary, reference_from_the_config_in_percent)
{
    const double acc[2] = {0.97, 0.90};
    const char *const ok2[2] = {"ok", "ok"};
    char *s = summary_of("name: s\ndataset: mnist\nruns:\n"
                         "  - {label: xavier, hidden: [8], reference: 0.9783, "
                         "reference_source: the course}\n"
                         "  - {label: other, hidden: [4]}\n",
                         ok2, acc, 2);
    cr_assert(strstr(s, "reference"), "%s", s);
    cr_assert(strstr(s, "97.83"), "%s", s);
    cr_assert(!strstr(s, "0.98 "), "%s", s);
    free(s);
}
