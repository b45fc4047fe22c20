/* The profiler's timer: statistics against hand-computed sample sets, the
 * iteration-growing logic against a fake clock, and the fixed output column
 * sets of `deepsweep bench`. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "timer.h"

/* Statistics are exact arithmetic on a few doubles: 1e-12 relative covers
 * the rounding of a sum and a sqrt, nothing more. */
#define CLOSE(a, b) cr_assert(fabs((double)(a) - (double)(b)) <= 1e-12 * fmax(1.0, fabs((double)(b))), \
                              "%s = %.17g, expected %.17g", #a, (double)(a), (double)(b))

TestSuite(timer_stats);

Test(timer_stats, odd_count)
{
    const double x[] = {5, 1, 3};
    ds_stats s;
    ds_stats_compute(x, 3, &s);
    cr_assert_eq(s.n, 3);
    CLOSE(s.median, 3);
    CLOSE(s.min, 1);
    CLOSE(s.max, 5);
    CLOSE(s.mean, 3);
    CLOSE(s.stddev, 2);          /* sqrt((4 + 0 + 4) / 2)         */
    CLOSE(s.cv, 2.0 / 3.0);
    CLOSE(s.mad, 2);             /* |dev| = {2, 2, 0} -> median 2  */
    cr_assert_eq(x[0], 5, "input must not be reordered");
}

Test(timer_stats, even_count)
{
    const double x[] = {4, 1, 3, 2};
    ds_stats s;
    ds_stats_compute(x, 4, &s);
    CLOSE(s.median, 2.5);        /* mean of the middle two        */
    CLOSE(s.mean, 2.5);
    CLOSE(s.stddev, sqrt(5.0 / 3.0));
    CLOSE(s.mad, 1.0);           /* |dev| = {1.5, .5, .5, 1.5}    */
}

Test(timer_stats, mad_ignores_outlier)
{
    const double x[] = {1, 2, 3, 4, 100};
    ds_stats s;
    ds_stats_compute(x, 5, &s);
    CLOSE(s.median, 3);
    CLOSE(s.mad, 1);             /* |dev| = {2,1,0,1,97} -> 1     */
    CLOSE(s.mean, 22);
}

Test(timer_stats, single_sample)
{
    const double x[] = {7};
    ds_stats s;
    ds_stats_compute(x, 1, &s);
    CLOSE(s.median, 7);
    CLOSE(s.stddev, 0);
    CLOSE(s.mad, 0);
    CLOSE(s.ci_lo, 7);
    CLOSE(s.ci_hi, 7);
}

Test(timer_stats, median_ci_order_statistics)
{
    /* n = 10: P(B <= 1) = 11/1024, coverage of [x(2), x(9)] = 1 - 22/1024;
     * P(B <= 2) = 56/1024 would give 0.89 < 0.95. */
    const double x10[] = {10, 3, 7, 1, 9, 2, 8, 4, 6, 5};
    ds_stats s;
    ds_stats_compute(x10, 10, &s);
    CLOSE(s.ci_lo, 2);
    CLOSE(s.ci_hi, 9);
    CLOSE(s.ci_level, 1.0 - 22.0 / 1024.0);
    CLOSE(s.median, 5.5);

    /* n = 20: sum C(20, i), i = 0..5, = 21700: coverage of [x(6), x(15)]
     * = 1 - 2·21700/2^20; one step narrower (i <= 6: 60460) is < 0.95. */
    double x20[20];
    for (int i = 0; i < 20; i++)
        x20[i] = 20 - i; /* 20 .. 1 */
    ds_stats_compute(x20, 20, &s);
    CLOSE(s.ci_lo, 6);
    CLOSE(s.ci_hi, 15);
    CLOSE(s.ci_level, 1.0 - 2.0 * 21700.0 / 1048576.0);

    /* n = 5 cannot reach 95%: [min, max] with its 1 - 2/32 coverage. */
    const double x5[] = {3, 5, 1, 4, 2};
    ds_stats_compute(x5, 5, &s);
    CLOSE(s.ci_lo, 1);
    CLOSE(s.ci_hi, 5);
    CLOSE(s.ci_level, 1.0 - 2.0 / 32.0);
}

/* ---- iteration growing, against a fake clock ----------------------------- */

typedef struct {
    double now;        /* seconds                                       */
    double per_iter;   /* what one inner iteration "costs"              */
    long calls[64];    /* iters of each call, in order                  */
    int n_calls;
} fake_clock;

static double fake_wall(void *ctx) { return ((fake_clock *)ctx)->now; }
/* CPU time runs twice as fast: two busy threads. */
static double fake_cpu(void *ctx) { return 2.0 * ((fake_clock *)ctx)->now; }

static void fake_work(void *ctx, long iters)
{
    fake_clock *f = ctx;
    if (f->n_calls < 64)
        f->calls[f->n_calls] = iters;
    f->n_calls++;
    f->now += f->per_iter * (double)iters;
}

TestSuite(timer_growth);

/* 2^-10 s per iteration keeps every fake time exact in binary. */
#define PER_ITER (1.0 / 1024.0)

Test(timer_growth, grows_to_min_time_and_keeps_count)
{
    fake_clock f = {.now = 1.0, .per_iter = PER_ITER};
    ds_clock c = {.wall = fake_wall, .cpu = fake_cpu, .ctx = &f};
    ds_timer_opts o;
    ds_timer_opts_default(&o);
    o.min_time = 0.1;
    o.reps = 10;
    ds_measurement m;
    cr_assert_eq(ds_timer_measure(&c, &o, fake_work, &f, &m), 0);
    /* warm-up 1; growth 1 (0.98 ms: < 10% of target -> x10), 10 (9.8 ms:
     * still <= 10% -> x10), 100 (97.7 ms: x 0.14/0.0977 -> 143.36 -> 143),
     * 143 (139.6 ms >= 100 ms): then 10 repetitions of 143. */
    const long want[] = {1, 1, 10, 100, 143};
    cr_assert_eq(f.n_calls, 5 + 10);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(f.calls[i], want[i], "call %d: %ld iters, want %ld", i, f.calls[i], want[i]);
    for (int i = 5; i < 15; i++)
        cr_assert_eq(f.calls[i], 143, "repetition %d used %ld iters", i - 5, f.calls[i]);
    cr_assert_eq(m.iters, 143);
    cr_assert_eq(m.reps, 10);
    cr_assert_eq(m.growth_steps, 4);
    CLOSE(m.warmup_s, PER_ITER);
    for (int r = 0; r < 10; r++) {
        CLOSE(m.wall[r], PER_ITER);
        CLOSE(m.cpu[r], 2 * PER_ITER);
    }
    CLOSE(m.stats.median, PER_ITER);
    CLOSE(m.stats.cv, 0);
    CLOSE(m.cpu_stats.median, 2 * PER_ITER);
    ds_measurement_free(&m);
}

Test(timer_growth, min_time_raised_to_1000x_resolution)
{
    fake_clock f = {.now = 0, .per_iter = PER_ITER};
    ds_clock c = {.wall = fake_wall, .cpu = fake_cpu, .ctx = &f};
    ds_timer_opts o;
    ds_timer_opts_default(&o);
    o.min_time = 0.1;
    o.resolution = 1e-3; /* -> each repetition must last >= 1 s */
    o.reps = 5;
    CLOSE(ds_timer_effective_min_time(&o), 1.0);
    ds_measurement m;
    cr_assert_eq(ds_timer_measure(&c, &o, fake_work, &f, &m), 0);
    /* 1, 10, 100, 1000 (0.977 s -> x1.4336 -> 1433.6 -> 1434) */
    cr_assert_eq(m.iters, 1434);
    cr_assert_eq(f.calls[4], 1000);
    cr_assert(m.iters * PER_ITER >= 1.0);
    ds_measurement_free(&m);
}

Test(timer_growth, reps_floor_and_iteration_cap)
{
    fake_clock f = {.now = 0, .per_iter = 1e-12};
    ds_clock c = {.wall = fake_wall, .cpu = fake_cpu, .ctx = &f};
    ds_timer_opts o;
    ds_timer_opts_default(&o);
    o.reps = 2;          /* raised to the floor of 5 */
    o.max_iters = 1000;  /* 1000 x 1e-12 s never reaches 0.1 s */
    ds_measurement m;
    cr_assert_eq(ds_timer_measure(&c, &o, fake_work, &f, &m), 0);
    cr_assert_eq(m.reps, DS_TIMER_MIN_REPS);
    cr_assert_eq(m.iters, 1000);
    ds_measurement_free(&m);
}

Test(timer_growth, next_iters_rule)
{
    cr_assert_eq(ds_timer_next_iters(1, 0.0, 0.1, 1000000), 10);    /* nothing measured: x10   */
    cr_assert_eq(ds_timer_next_iters(100, 0.05, 0.1, 1000000), 280); /* 0.14 / 0.05 = 2.8       */
    cr_assert_eq(ds_timer_next_iters(7, 0.2, 0.1, 1000000), 14);    /* already past: x2        */
    cr_assert_eq(ds_timer_next_iters(500, 0.001, 0.1, 1000), 1000);  /* capped                  */
}

Test(timer_growth, system_clock_is_sane)
{
    ds_clock c = ds_clock_system();
    ds_timer_calib cal;
    ds_timer_calibrate(&c, &cal);
    /* CLOCK_MONOTONIC_RAW steps in ns on Linux; anything coarser than 1 ms or
     * a read costing more than 100 us would make every figure meaningless. */
    cr_assert(cal.resolution_s > 0 && cal.resolution_s < 1e-3, "resolution %g s", cal.resolution_s);
    cr_assert(cal.overhead_s >= 0 && cal.overhead_s < 1e-4, "overhead %g s", cal.overhead_s);
    double a = c.wall(c.ctx), b = c.wall(c.ctx);
    cr_assert(b >= a);
}

/* ---- output column sets --------------------------------------------------- */

TestSuite(bench_columns);

Test(bench_columns, kernels_csv_starts_with_design_columns)
{
    /* DESIGN.md fixes these 14 first; extra columns may only follow. */
    const char *design = "kernel,isa,threads,m,n,k,elems,reps,median_s,mad_s,min_s,gflops,gbps,pct_peak";
    cr_assert_eq(strncmp(ds_bench_kernels_header(), design, strlen(design)), 0,
                 "header: %s", ds_bench_kernels_header());
    cr_assert_str_eq(ds_bench_kernels_header(),
                     "kernel,isa,threads,m,n,k,elems,reps,median_s,mad_s,min_s,gflops,gbps,pct_peak,"
                     "pct_bw,vs_openblas,iters,mean_s,stddev_s,cv,ci_lo_s,ci_hi_s,cpu_median_s,checksum,note,"
                     "vs_openblas_core");
    cr_assert_str_eq(ds_bench_raw_header(), "kernel,isa,threads,m,n,k,elems,rep,iters,wall_s,cpu_s");
    cr_assert_str_eq(ds_bench_machine_header(), "key,value");
}

static int count_fields(const char *line)
{
    int n = 1;
    for (const char *p = line; *p && *p != '\n'; p++)
        n += *p == ',';
    return n;
}

Test(bench_columns, row_has_header_field_count)
{
    ds_bench_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.kernel, sizeof r.kernel, "gemm_nn");
    snprintf(r.isa, sizeof r.isa, "avx2");
    snprintf(r.note, sizeof r.note, "a note, with a comma");
    r.threads = 2;
    r.m = 100, r.n = 256, r.k = 784;
    r.reps = 10;
    r.gflops = 80.5;
    r.gbps = NAN; /* not applicable -> empty field */
    char line[1024];
    ds_bench_row_csv(&r, line, sizeof line);
    cr_assert_eq(count_fields(line) - 1 /* the quoted comma */, count_fields(ds_bench_kernels_header()),
                 "row: %s", line);
    cr_assert(strstr(line, "gemm_nn,avx2,2,100,256,784,") == line, "row: %s", line);
    cr_assert(strstr(line, "\"a note, with a comma\"") != NULL, "RFC 4180 quoting: %s", line);
}

/* ---- thread placement ------------------------------------------------------ */

#include "topo.h"

TestSuite(bench_topo);

Test(bench_topo, hwloc_binding_confines_each_thread_to_one_core)
{
    ds_topo t;
    cr_assert_eq(ds_topo_read(&t), 0, "hwloc must load the topology");
    cr_assert(t.cores >= 1 && t.pus >= t.cores);
    int n = t.cores < 4 ? t.cores : 4;
    ds_thread_place pl[4];
    int loose = ds_topo_thread_places(n, 1, pl);
    /* Binding a thread to a PU of its own core is allowed to any process on
     * Linux unless a cpuset forbids it; then this test says so. */
    cr_assert_eq(loose, 0, "%d of %d threads not confined to one core after hwloc binding", loose, n);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(pl[i].thread, i);
        cr_assert(pl[i].pu >= 0 && pl[i].pu < 4096, "thread %d on PU %d", i, pl[i].pu);
        cr_assert_eq(pl[i].one_core, 1);
        cr_assert_eq(pl[i].core, i % t.cores, "thread %d bound to core %d, ran on core %d", i,
                     i % t.cores, pl[i].core);
    }
}

/* ---- working-set sizes (issue 12: a profiler that fits any machine) -------- */

#include "profiler.h"

TestSuite(bench_sizes);

static ds_topo topo_of(size_t l1, size_t l2, size_t l3, int l3_count, int cores)
{
    ds_topo t;
    memset(&t, 0, sizeof t);
    t.cores = t.pus = cores;
    t.l1d_bytes = l1, t.l2_bytes = l2, t.l3_bytes = l3;
    t.l1d_count = t.l2_count = cores, t.l3_count = l3_count;
    return t;
}

/* This VM kind reports L3 = 508 MiB x 2 on 2 vCPUs: sized from it, each
 * "mem" vector was 4 GiB and make bench used 16 GiB. */
Test(bench_sizes, an_l3_above_64_mib_per_core_is_unknown)
{
    ds_topo t = topo_of(48 << 10, 1 << 20, (size_t)508 << 20, 2, 2);
    size_t s[SZ_COUNT];
    char cache[256], mem[256];
    bench_working_sets(&t, (size_t)24 << 30, 0, s, cache, sizeof cache, mem, sizeof mem);
    cr_assert_eq(s[SZ_MEM], (size_t)16 << 20, "mem vector %zu floats", s[SZ_MEM]);
    cr_assert_eq(s[SZ_L1], (size_t)(48 << 10) / 16);
    cr_assert_eq(s[SZ_L2], (size_t)(1 << 20) / 16);
    cr_assert(strstr(cache, "L3 reported as 508 MiB x 2") && strstr(cache, "treated as unknown"),
              "cache note: %s", cache);
    cr_assert(strstr(mem, "L3 unknown") != NULL, "mem note: %s", mem);
}

Test(bench_sizes, a_sane_l3_sets_mem_to_four_times_it)
{
    ds_topo t = topo_of(32 << 10, 512 << 10, (size_t)32 << 20, 1, 8);
    size_t s[SZ_COUNT];
    char cache[256], mem[256];
    bench_working_sets(&t, (size_t)64 << 30, 0, s, cache, sizeof cache, mem, sizeof mem);
    cr_assert_eq(s[SZ_MEM], (size_t)32 << 20, "4 x 32 MiB = 128 MiB = 32M floats, got %zu", s[SZ_MEM]);
    cr_assert_str_eq(cache, "");
}

Test(bench_sizes, mem_vectors_fit_a_quarter_of_available_memory)
{
    ds_topo t = topo_of(32 << 10, 512 << 10, (size_t)32 << 20, 1, 8);
    size_t s[SZ_COUNT];
    char cache[256], mem[256];
    size_t avail = (size_t)512 << 20;
    bench_working_sets(&t, avail, 0, s, cache, sizeof cache, mem, sizeof mem);
    cr_assert_leq(4 * s[SZ_MEM] * sizeof(float), avail / 4, "4 vectors of %zu floats", s[SZ_MEM]);
    cr_assert_eq(s[SZ_MEM], avail / 4 / 16);
    cr_assert(strstr(mem, "capped") != NULL, "mem note: %s", mem);
    bench_working_sets(&t, avail, 1, s, cache, sizeof cache, mem, sizeof mem);
    cr_assert_eq(s[SZ_MEM], (size_t)4 << 20, "--quick: 4M floats");
}
