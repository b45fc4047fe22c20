/* Timer and statistics of the profiler: see timer.h. */
#include "timer.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* MONOTONIC_RAW: not slewed by NTP, so a repetition is not stretched or
 * shrunk by a clock adjustment in the middle of it. */
static double wall_now(void *ctx)
{
    (void)ctx;
    return clock_seconds(CLOCK_MONOTONIC_RAW);
}

static double cpu_now(void *ctx)
{
    (void)ctx;
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

ds_clock ds_clock_system(void)
{
    return (ds_clock){.wall = wall_now, .cpu = cpu_now, .ctx = NULL};
}

void ds_timer_calibrate(const ds_clock *c, ds_timer_calib *out)
{
    /* Resolution: the smallest non-zero step seen between consecutive reads
     * (what a measurement can actually distinguish, which can be coarser
     * than clock_getres claims). */
    double res = INFINITY;
    for (int trial = 0; trial < 200; trial++) {
        double t0 = c->wall(c->ctx), t1;
        long spins = 0;
        do {
            t1 = c->wall(c->ctx);
        } while (t1 == t0 && ++spins < 10000000);
        if (t1 > t0 && t1 - t0 < res)
            res = t1 - t0;
    }
    /* Overhead: the mean cost of one read over a batch long enough to dwarf
     * the resolution; the best of 5 batches (others were interrupted). */
    const int batch = 20000;
    double best = INFINITY;
    for (int trial = 0; trial < 5; trial++) {
        double t0 = c->wall(c->ctx), t = t0;
        for (int i = 0; i < batch; i++)
            t = c->wall(c->ctx);
        double per = (t - t0) / batch;
        if (per < best)
            best = per;
    }
    out->resolution_s = isfinite(res) ? res : 1e-9;
    out->overhead_s = isfinite(best) && best > 0 ? best : 0;
}

void ds_timer_opts_default(ds_timer_opts *o)
{
    o->min_time = 0.1;
    o->reps = 10;
    o->resolution = 1e-9;
    o->max_iters = 1000000000L;
}

double ds_timer_effective_min_time(const ds_timer_opts *o)
{
    double floor_t = 1000.0 * o->resolution;
    return o->min_time > floor_t ? o->min_time : floor_t;
}

long ds_timer_next_iters(long iters, double elapsed, double min_time, long max_iters)
{
    /* Aim 40% past the target so the next call very likely suffices; trust
     * the extrapolation only when the last call was long enough (>10% of the
     * target) to be measured well, else grow 10x. */
    double mult = min_time * 1.4 / (elapsed > 1e-9 ? elapsed : 1e-9);
    if (elapsed / min_time <= 0.1 || mult > 10.0)
        mult = 10.0;
    if (mult <= 1.0)
        mult = 2.0;
    double next = (double)iters * mult;
    long n = next >= (double)max_iters ? max_iters : (long)(next + 0.5);
    if (n <= iters)
        n = iters + 1 <= max_iters ? iters + 1 : max_iters;
    return n;
}

/* P(B <= k) for B ~ binomial(n, 1/2), in log space so large n cannot
 * overflow. */
static double binom_half_cdf(int n, int k)
{
    double sum = 0;
    for (int i = 0; i <= k; i++)
        sum += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    return sum;
}

void ds_stats_compute(const double *x, int n, ds_stats *s)
{
    memset(s, 0, sizeof *s);
    if (n <= 0)
        return;
    double *v = malloc(2 * (size_t)n * sizeof *v);
    if (!v) {
        s->n = 0;
        return;
    }
    double *dev = v + n;
    memcpy(v, x, (size_t)n * sizeof *v);
    s->n = n;
    s->median = ds_median(v, n); /* sorts v: the order statistics below */
    s->min = v[0];
    s->max = v[n - 1];
    ds_moments mo = {0};
    for (int i = 0; i < n; i++)
        ds_moments_add(&mo, v[i]);
    s->mean = ds_moments_mean(&mo);
    s->stddev = n > 1 ? ds_moments_std(&mo) : 0;
    s->cv = s->mean != 0 ? s->stddev / s->mean : 0;
    for (int i = 0; i < n; i++)
        dev[i] = fabs(v[i] - s->median);
    s->mad = ds_median(dev, n);

    int l = 1; /* 1-based; l = 1 gives [min, max] */
    for (int cand = 1; 2 * cand <= n; cand++) {
        if (1.0 - 2.0 * binom_half_cdf(n, cand - 1) >= 0.95)
            l = cand;
        else
            break;
    }
    s->ci_lo = v[l - 1];
    s->ci_hi = v[n - l];
    s->ci_level = n > 1 ? 1.0 - 2.0 * binom_half_cdf(n, l - 1) : 0;
    free(v);
}

int ds_timer_measure(const ds_clock *c, const ds_timer_opts *o, ds_bench_fn fn,
                     void *ctx, ds_measurement *out)
{
    memset(out, 0, sizeof *out);
    int reps = o->reps < DS_TIMER_MIN_REPS ? DS_TIMER_MIN_REPS : o->reps;
    if (reps > DS_TIMER_MAX_REPS)
        reps = DS_TIMER_MAX_REPS;
    long max_iters = o->max_iters > 0 ? o->max_iters : 1000000000L;
    double min_time = ds_timer_effective_min_time(o);

    /* Warm-up: caches, page faults of first touch, lazy binding, thread
     * start-up and frequency ramp land here and are thrown away. */
    double t0 = c->wall(c->ctx);
    fn(ctx, 1);
    out->warmup_s = c->wall(c->ctx) - t0;

    long iters = 1;
    for (;;) {
        t0 = c->wall(c->ctx);
        fn(ctx, iters);
        double el = c->wall(c->ctx) - t0;
        out->growth_steps++;
        if (el >= min_time || iters >= max_iters)
            break;
        iters = ds_timer_next_iters(iters, el, min_time, max_iters);
    }

    out->wall = malloc(2 * (size_t)reps * sizeof *out->wall);
    if (!out->wall)
        return -1;
    out->cpu = out->wall + reps;
    out->iters = iters;
    out->reps = reps;
    for (int r = 0; r < reps; r++) {
        double c0 = c->cpu(c->ctx);
        double w0 = c->wall(c->ctx);
        fn(ctx, iters);
        double w1 = c->wall(c->ctx);
        double c1 = c->cpu(c->ctx);
        out->wall[r] = (w1 - w0) / (double)iters;
        out->cpu[r] = (c1 - c0) / (double)iters;
    }
    ds_stats_compute(out->wall, reps, &out->stats);
    ds_stats_compute(out->cpu, reps, &out->cpu_stats);
    return 0;
}

void ds_measurement_free(ds_measurement *m)
{
    free(m->wall);
    m->wall = m->cpu = NULL;
}
