/* The measurement core: one case -> one row, within the time budget.
 *
 * Every kernel, baseline and training step goes through bench_measure_case,
 * so the budget check, the statistics copied into the row, the checksum and
 * the progress line are the same for all of them. */
#include "profiler.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

int bench_take_measurement(ds_bench_row *r, const ds_measurement *m)
{
    r->reps = m->reps;
    r->iters = m->iters;
    r->median_s = m->stats.median;
    r->mad_s = m->stats.mad;
    r->min_s = m->stats.min;
    r->mean_s = m->stats.mean;
    r->stddev_s = m->stats.stddev;
    r->cv = m->stats.cv;
    r->ci_lo_s = m->stats.ci_lo;
    r->ci_hi_s = m->stats.ci_hi;
    r->cpu_median_s = m->cpu_stats.median;
    r->raw_wall = malloc(2 * (size_t)m->reps * sizeof(double));
    if (!r->raw_wall)
        return -1;
    r->raw_cpu = r->raw_wall + m->reps;
    memcpy(r->raw_wall, m->wall, (size_t)m->reps * sizeof(double));
    memcpy(r->raw_cpu, m->cpu, (size_t)m->reps * sizeof(double));
    return 0;
}

static void fill_row(row_ext *x, const bench_case *c)
{
    ds_bench_row *r = &x->r;
    x->family = c->family;
    x->size_class = c->size_class;
    snprintf(r->kernel, sizeof r->kernel, "%s", c->kernel);
    snprintf(r->isa, sizeof r->isa, "%s", c->isa);
    if (c->note)
        snprintf(r->note, sizeof r->note, "%s", c->note);
    r->threads = c->threads;
    r->m = c->m, r->n = c->n, r->k = c->k, r->elems = c->elems;
    r->flops = c->flops, r->bytes = c->bytes, r->items = c->items;
}

/* 0 when the case fits the budget; 1 (with a note) when its repetitions
 * would take longer than --max-case-s, judged first from est_s, then from
 * one call. */
static int over_budget(bench_state *st, const bench_case *c, ds_bench_fn fn, void *ctx)
{
    char shape[64];
    ds_bench_row tmp = {.m = c->m, .n = c->n, .k = c->k, .elems = c->elems};
    bench_shape_text(&tmp, shape, sizeof shape);
    int reps = st->topts.reps;
    double budget = st->o->max_case_s;
    if (c->est_s * (reps + 3) > budget) {
        bench_notef(st, "%s %s t%d %s skipped: at peak speed its %d repetitions would take >= "
                        "%.0f s (budget %.0f s, --max-case-s)", c->kernel, c->isa, c->threads,
                    shape, reps, c->est_s * (reps + 3), budget);
        return 1;
    }
    double t0 = st->clock.wall(st->clock.ctx);
    fn(ctx, 1);
    double call = st->clock.wall(st->clock.ctx) - t0;
    double need = ds_timer_effective_min_time(&st->topts);
    double est_total = (reps + 2) * (call > need ? call : need) + call;
    if (est_total > budget) {
        bench_notef(st, "%s %s t%d %s skipped: one call takes %.2f s, %d repetitions ~%.0f s "
                        "(budget %.0f s, --max-case-s)", c->kernel, c->isa, c->threads, shape,
                    call, reps, est_total, budget);
        return 1;
    }
    return 0;
}

int bench_measure_case(bench_state *st, const bench_case *c, ds_bench_fn fn,
                       bench_checksum_fn sum, void *ctx)
{
    omp_set_num_threads(c->threads);
    if (over_budget(st, c, fn, ctx))
        return 1;
    row_ext *x = bench_new_row(st);
    if (!x)
        return -1;
    fill_row(x, c);
    ds_bench_row *r = &x->r;
    ds_measurement m;
    if (ds_timer_measure(&st->clock, &st->topts, fn, ctx, &m) != 0 ||
        bench_take_measurement(r, &m) != 0) {
        ds_measurement_free(&m);
        return -1;
    }
    ds_measurement_free(&m);
    r->checksum = sum(ctx);
    st->case_no++;
    if (!st->o->quiet) {
        char shape[64];
        bench_shape_text(r, shape, sizeof shape);
        fprintf(stderr, "bench: %3d %-14s %-9s t%-2d %-14s %11.4g ms  cv %5.2f%%  (%ld x %d)\n",
                st->case_no, r->kernel, r->isa, r->threads, shape, r->median_s * 1e3,
                100 * r->cv, r->iters, r->reps);
    }
    return 0;
}

int bench_measure_threads(bench_state *st, bench_case c, const int *threads, int nt,
                          ds_bench_fn fn, bench_checksum_fn sum, void *ctx)
{
    for (int ti = 0; ti < nt; ti++) {
        c.threads = threads[ti];
        if (bench_measure_case(st, &c, fn, sum, ctx) < 0)
            return -1;
    }
    return 0;
}
