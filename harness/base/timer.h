/* The profiler's timer and statistics (Google Benchmark's method, in C).
 *
 * A measurement runs a benchmark function fn(ctx, iters) that does `iters`
 * inner iterations of the work. It first makes one discarded warm-up call,
 * then grows iters until one call lasts at least the effective minimum time
 * (max(min_time, 1000 x the clock's resolution)), then runs `reps`
 * repetitions with that same iteration count. Each repetition's wall time
 * (CLOCK_MONOTONIC_RAW) and process CPU time are divided by iters.
 *
 * The clock is a pair of function pointers so tests can drive the
 * iteration-growing logic with a fake clock that fn advances.
 */
#ifndef DS_TIMER_H
#define DS_TIMER_H

#include <stddef.h>

/* Keeps a value (or what a pointer points to) alive and the compiler from
 * deleting the work that produced it, like benchmark::DoNotOptimize. */
static inline void ds_do_not_optimize(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}
/* Forces pending stores to be considered visible (benchmark::ClobberMemory). */
static inline void ds_clobber_memory(void) { __asm__ volatile("" : : : "memory"); }

typedef double (*ds_clock_fn)(void *ctx); /* seconds since an arbitrary origin */

typedef struct {
    ds_clock_fn wall; /* monotonic wall clock                  */
    ds_clock_fn cpu;  /* process CPU time (all threads)        */
    void *ctx;
} ds_clock;

/* CLOCK_MONOTONIC_RAW and CLOCK_PROCESS_CPUTIME_ID. */
ds_clock ds_clock_system(void);

typedef struct {
    double resolution_s; /* smallest observed non-zero step of the wall clock */
    double overhead_s;   /* cost of one wall-clock read                       */
} ds_timer_calib;

/* Measures the wall clock's resolution and the cost of reading it. */
void ds_timer_calibrate(const ds_clock *c, ds_timer_calib *out);

typedef struct {
    double min_time;   /* seconds one repetition must last (default 0.1)      */
    int reps;          /* repetitions, >= 5 (default 10)                      */
    double resolution; /* clock resolution: min_time is raised to 1000x this  */
    long max_iters;    /* cap on inner iterations (default 1e9)               */
} ds_timer_opts;

#define DS_TIMER_MIN_REPS 5
#define DS_TIMER_MAX_REPS 1000

void ds_timer_opts_default(ds_timer_opts *o);
/* max(min_time, 1000 x resolution): what one repetition must last. */
double ds_timer_effective_min_time(const ds_timer_opts *o);

typedef struct {
    int n;
    double median, min, max, mean, stddev, cv; /* cv = stddev / mean            */
    double mad;         /* median of |x_i - median| (unscaled)                   */
    double ci_lo, ci_hi;/* distribution-free CI of the median: order statistics */
    double ci_level;    /* its exact coverage (>= 0.95 when n >= 6)              */
} ds_stats;

/* Statistics of x[0..n-1] (n >= 1; x is not modified). stddev is the sample
 * standard deviation (n - 1), 0 when n == 1. The median CI is
 * [x_(l), x_(n+1-l)] (1-based order statistics) with l the largest index
 * whose binomial(n, 1/2) coverage 1 - 2·P(B <= l-1) is >= 0.95; when no l
 * reaches 0.95 (n <= 5) it is [min, max] with its lower coverage reported. */
void ds_stats_compute(const double *x, int n, ds_stats *s);

/* fn runs `iters` inner iterations; it must keep its results alive
 * (ds_do_not_optimize). */
typedef void (*ds_bench_fn)(void *ctx, long iters);

typedef struct {
    long iters;          /* inner iterations per repetition                    */
    int reps;
    double warmup_s;     /* wall time of the discarded warm-up call (1 iter)   */
    double *wall;        /* [reps] seconds per iteration, wall                 */
    double *cpu;         /* [reps] seconds per iteration, process CPU          */
    ds_stats stats;      /* of wall[]                                          */
    ds_stats cpu_stats;  /* of cpu[]                                           */
    long growth_steps;   /* calls made while growing iters (discarded)         */
} ds_measurement;

/* Runs the measurement described above. Returns 0, or -1 when out of memory.
 * Free with ds_measurement_free. */
int ds_timer_measure(const ds_clock *c, const ds_timer_opts *o, ds_bench_fn fn,
                     void *ctx, ds_measurement *out);
void ds_measurement_free(ds_measurement *m);

/* The next inner-iteration count after a call of `iters` iterations lasted
 * `elapsed` seconds, for a target of `min_time` seconds (Google Benchmark's
 * rule: aim 40% past the target, grow at most 10x, at least by 1). */
long ds_timer_next_iters(long iters, double elapsed, double min_time, long max_iters);

#endif
