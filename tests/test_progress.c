/* Sweep progress: the cost-based ETA against a fake clock (the pattern of
 * test_timer.c), runs side by side, and lines fitted to the terminal width. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

static double fake_now;
static double fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

#define CLOSE(a, b) cr_assert(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1.0, fabs((double)(b))), \
                              "%s = %.17g, expected %.17g", #a, (double)(a), (double)(b))

static ds_progress_opts fake_opts(int jobs, int tty, int width, FILE *out)
{
    fake_now = 100; /* any origin */
    return (ds_progress_opts){.jobs = jobs, .tty = tty, .width = width, .out = out,
                              .clock = fake_clock};
}

static void at(double t) { fake_now = 100 + t; }

/* Two runs of cost 1, lines written to f. */
static void start_two(ds_progress *p, int jobs, int tty, int width, FILE *f)
{
    static const double cost[] = {1, 1};
    ds_progress_opts o = fake_opts(jobs, tty, width, f);
    cr_assert_eq(ds_progress_start(p, 2, cost, NULL, &o), 0);
}

/* The ETA's ends; both -1 when unknown. */
static void eta(const ds_progress *p, double *lo, double *hi)
{
    if (ds_progress_eta(p, lo, hi))
        *lo = *hi = -1;
}

#define ETA_IS(p, want_lo, want_hi)                                                                \
    do {                                                                                           \
        double lo_, hi_;                                                                           \
        eta(p, &lo_, &hi_);                                                                        \
        CLOSE(lo_, want_lo);                                                                       \
        CLOSE(hi_, want_hi);                                                                       \
    } while (0)

/* The ETA of the mean time of the finished runs said "ETA 3s" where 12 s
 * remained, with one big run left among small ones (depth-width quick said
 * "ETA 1s" with 13 s left): the remaining runs weigh by their cost. While
 * the finished runs have one cost, the time at that cost is all that is
 * known: the ETA is the range from "all of it overhead" (b = 0) to "all of
 * it cost" (a = 0). */
Test(progress, eta_weighs_the_remaining_runs_by_their_cost)
{
    const double cost[] = {1, 1, 2, 10};
    ds_progress p;
    ds_progress_opts o = fake_opts(1, 0, 0, NULL);
    o.quiet = 1;
    cr_assert_eq(ds_progress_start(&p, 4, cost, NULL, &o), 0);
    ds_progress_run(&p, 0, 0, "g", 1, 5);
    double lo, hi;
    cr_assert_lt(ds_progress_eta(&p, &lo, &hi), 0, "no run finished, no epoch logged: unknown");
    at(1);
    ds_progress_run_end(&p, 0, "id0", "ok", "test_acc", 0.5, 1.0);
    ETA_IS(&p, 3, 13); /* 1 s a run, or 1 s per unit of cost x (1 + 2 + 10) */
    ds_progress_run(&p, 0, 1, "g", 2, 5);
    at(1.25);
    ETA_IS(&p, 2.75, 12.75); /* a quarter of run 1 is behind us */
    at(3);
    /* a running run past its prediction is predicted to end now, not before */
    ETA_IS(&p, 2, 12);
    ds_progress_run_end(&p, 0, "id1", "ok", "test_acc", 0.5, 2.0);
    ETA_IS(&p, 1.5 * 2, 1.5 * 12); /* 1.5 s at cost 1 */
    ds_progress_run(&p, 0, 2, "g", 3, 5);
    at(5.5);
    ds_progress_run_end(&p, 0, "id2", "ok", "test_acc", 0.5, 2.5);
    /* (1, 1), (1, 2), (2, 2.5): least squares a = 0.5, b = 1 */
    ETA_IS(&p, 10.5, 10.5);
    ds_progress_finish(&p);
}

/* The XOR study (2,100 runs, depth 1 first) said "ETA 1h16m" at run 229,
 * after 45 s, and took 12m19s: a depth-1 net's time is nearly all overhead,
 * and seconds per unit of cost extrapolated it to nets 25 times its cost.
 * Here runs take 0.9 s + 0.1 s per unit of cost: 1 s at cost 1, 3.4 s at
 * cost 25. Once both costs have finished, the fit is the truth. */
Test(progress, eta_fits_a_fixed_overhead_per_run)
{
    const double cost[] = {1, 1, 1, 1, 25, 25, 25, 25};
    ds_progress p;
    ds_progress_opts o = fake_opts(1, 0, 0, NULL);
    o.quiet = 1;
    cr_assert_eq(ds_progress_start(&p, 8, cost, NULL, &o), 0);
    double t = 0;
    for (int i = 0; i < 5; i++) {
        ds_progress_run(&p, 0, i, "g", i, 1);
        t += 0.9 + 0.1 * cost[i];
        at(t);
        ds_progress_run_end(&p, 0, "id", "ok", "test_acc", 0.5, 0.9 + 0.1 * cost[i]);
        if (i == 3) /* only cost 1 so far: 4 x 1 s up to 4 x 25 s; the truth in between */
            ETA_IS(&p, 4, 100);
    }
    /* 3 runs of 3.4 s left; seconds per unit of cost (the old ETA) said
     * (4 + 3.4) / 29 x 75 = 19.1 s */
    ETA_IS(&p, 3 * 3.4, 3 * 3.4);
    ds_progress_finish(&p);
}

/* Runs finished by an earlier process are neither remaining nor calibration. */
Test(progress, finished_runs_of_an_earlier_process_are_not_left)
{
    const double cost[] = {5, 1, 2};
    const unsigned char finished[] = {1, 0, 0};
    ds_progress p;
    ds_progress_opts o = fake_opts(1, 0, 0, NULL);
    o.quiet = 1;
    cr_assert_eq(ds_progress_start(&p, 3, cost, finished, &o), 0);
    cr_assert_eq(p.done, 1);
    ds_progress_run(&p, 0, 1, "g", 1, 1);
    at(2);
    ds_progress_run_end(&p, 0, "id1", "ok", "test_acc", 0.5, 2.0);
    ETA_IS(&p, 2, 4); /* 2 s a run, or 2 s per unit of cost x 2 */
    ds_progress_finish(&p);
}

/* Before any run ends, the logged epochs of the running ones calibrate. */
Test(progress, epochs_of_a_running_run_calibrate_before_any_run_ends)
{
    const double cost[] = {10, 10};
    ds_progress p;
    ds_progress_opts o = fake_opts(1, 0, 0, NULL);
    o.quiet = 1;
    cr_assert_eq(ds_progress_start(&p, 2, cost, NULL, &o), 0);
    ds_progress_run(&p, 0, 0, "g", 1, 10);
    at(4);
    ds_progress_epoch(&p, 0, 2); /* 2 of 10 epochs (2 units of cost) in 4 s */
    ETA_IS(&p, 2.0 * 8 + 2.0 * 10, 2.0 * 8 + 2.0 * 10);
    ds_progress_finish(&p);
}

/* Side by side: the remaining runs are laid out in order on the free slots. */
Test(progress, eta_lays_the_remaining_runs_on_the_jobs)
{
    const double cost[] = {1, 1, 1, 1, 4};
    ds_progress p;
    ds_progress_opts o = fake_opts(2, 0, 0, NULL);
    o.quiet = 1;
    cr_assert_eq(ds_progress_start(&p, 5, cost, NULL, &o), 0);
    ds_progress_run(&p, 0, 0, "g", 1, 1);
    ds_progress_run(&p, 1, 1, "g", 2, 1);
    at(1);
    ds_progress_run_end(&p, 0, "id0", "ok", "test_acc", 0.5, 1.0);
    /* slot 0 free now, slot 1 (run 1: 1 s predicted, 1 s run) free now;
     * run 2 -> slot 0 until 1, run 3 -> slot 1 until 1, run 4 -> 1 + 4
     * (1 s per unit of cost), or 1 + 1 (1 s a run) */
    ETA_IS(&p, 2, 5);
    ds_progress_run(&p, 0, 2, "g", 3, 1);
    at(1.5);
    ds_progress_run_end(&p, 1, "id1", "ok", "test_acc", 0.5, 1.5);
    /* 1.25 s at cost 1: run 2 ends at 1.25 - 0.5 = 0.75 from now on slot 0;
     * slot 1 free: run 3 -> 1.25, run 4 -> slot 0 at 0.75 + 5 (1.25 s per
     * unit of cost), or 0.75 + 1.25 (1.25 s a run) */
    ETA_IS(&p, 0.75 + 1.25, 0.75 + 5);
    ds_progress_finish(&p);
}

/* Not a terminal: one whole line per finished run, with elapsed time, the
 * run's metric and the ETA. */
Test(progress, plain_lines_when_not_a_terminal)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ds_progress p;
    start_two(&p, 2, 0, 0, f);
    ds_progress_run(&p, 1, 1, "depth=1 activation=relu", 2, 3);
    at(60);
    ds_progress_run(&p, 0, 0, "depth=1 activation=relu", 1, 3);
    ds_progress_epoch(&p, 0, 1);
    at(62);
    ds_progress_run_end(&p, 1, "0123456789abcdef", "ok", "test_acc", 0.98125, 62.0);
    at(64);
    ds_progress_run_end(&p, 0, "fedcba9876543210", "diverged", "test_acc", NAN, 64.0);
    ds_progress_finish(&p);
    fclose(f);
    cr_assert_str_eq(buf,
                     "[1/2] 0123456789abcdef depth=1 activation=relu seed 2: ok, test_acc 0.9812, 1m02s; "
                     "elapsed 1m02s, ETA 1m00s\n"
                     "[2/2] fedcba9876543210 depth=1 activation=relu seed 1: diverged, 1m04s; "
                     "elapsed 1m04s, ETA 0s\n");
    free(buf);
}

/* Columns of a UTF-8 string (code points: every character here is one wide). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* On a terminal: one line, never wider than the terminal (minus the last
 * column, which would wrap), with what matters first. */
Test(progress, terminal_line_fits_the_width)
{
    const double cost[] = {1, 1, 1};
    ds_progress p;
    ds_progress_opts o = fake_opts(2, 1, 0, NULL);
    o.quiet = 1;
    cr_assert_eq(ds_progress_start(&p, 3, cost, NULL, &o), 0);
    const char *g = "depth=10 activation=sigmoid init=xavier_uniform dropout=0.5 \xc2\xb5";
    ds_progress_run(&p, 0, 0, g, 1, 15);
    ds_progress_run(&p, 1, 1, g, 2, 15);
    at(30);
    ds_progress_run_end(&p, 0, "id0", "ok", "test_acc", 0.75, 30.0);
    ds_progress_run(&p, 0, 2, g, 3, 15);
    at(45);
    ds_progress_epoch(&p, 0, 7);
    char line[1024];
    for (int w = 10; w <= 300; w++) {
        ds_progress_line(&p, line, sizeof line, w);
        cr_assert_leq(columns(line), w - 1, "width %d: %s", w, line);
        cr_assert_null(strchr(line, '\n'));
        if (w >= 30) {
            cr_assert_not_null(strstr(line, "1/3"), "width %d: %s", w, line);
            /* run 2: 30 s predicted, 15 s run; run 1 overdue: ends now */
            cr_assert_not_null(strstr(line, "ETA 15s"), "width %d: %s", w, line);
            cr_assert_not_null(strstr(line, "45s"), "width %d (elapsed): %s", w, line);
        }
        if (w >= 60)
            cr_assert_not_null(strstr(line, "test_acc 0.7500"), "width %d: %s", w, line);
        if (w >= 240) { /* room for everything: both running runs */
            cr_assert_not_null(strstr(line, "seed 3 epoch 7/15"), "width %d: %s", w, line);
            cr_assert_not_null(strstr(line, "seed 2 epoch 0/15"), "width %d: %s", w, line);
        }
    }
    ds_progress_finish(&p);
}

/* The width comes from the terminal, else COLUMNS, else 80. */
Test(progress, width_from_columns_when_not_a_terminal)
{
    setenv("COLUMNS", "57", 1);
    cr_assert_eq(ds_progress_term_width(-1), 57);
    setenv("COLUMNS", "x", 1);
    cr_assert_eq(ds_progress_term_width(-1), 80);
    unsetenv("COLUMNS");
    cr_assert_eq(ds_progress_term_width(-1), 80);
}

/* The redrawn line goes out whole, each draw starting with \r and ending by
 * clearing the rest of the line, and the last one is ended by a newline. */
Test(progress, terminal_redraws_whole_lines)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ds_progress p;
    start_two(&p, 1, 1, 50, f);
    ds_progress_run(&p, 0, 0, "g", 1, 1);
    at(1);
    ds_progress_run_end(&p, 0, "id0", "ok", "test_acc", 0.5, 1.0);
    ds_progress_run(&p, 0, 1, "g", 2, 1);
    at(2);
    ds_progress_run_end(&p, 0, "id1", "ok", "test_acc", 0.5, 1.0);
    ds_progress_finish(&p);
    fclose(f);
    cr_assert_gt(len, 0);
    cr_assert_eq(buf[0], '\r', "%s", buf);
    cr_assert_eq(buf[len - 1], '\n', "%s", buf);
    for (char *s = buf; (s = strchr(s, '\r')); s++) {
        char *end = strstr(s, "\033[K");
        cr_assert_not_null(end, "%s", buf);
        cr_assert_leq(columns(s + 1) - columns(end), 49);
    }
    cr_assert_not_null(strstr(buf, "2/2"), "%s", buf);
    free(buf);
}
