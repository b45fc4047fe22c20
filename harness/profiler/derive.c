/* Figures derived after every case ran (GFLOP/s, GB/s, % of peak, % of copy
 * bandwidth, ratio to OpenBLAS), from baselines measured in the same run, so
 * a row never mixes figures from different machines or loads; then the
 * noisy rows and the repeatability against the previous run. */
#include "profiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_memory_bound(const row_ext *x)
{
    return x->family == FAM_ELEM || !strcmp(x->r.kernel, "copy") || !strcmp(x->r.kernel, "triad");
}

/* The copy baseline at x's size class and thread count, or NULL. */
static const row_ext *copy_row(const bench_state *st, const row_ext *x)
{
    for (int j = 0; j < st->n_rows; j++)
        if (!strcmp(st->rows[j].r.kernel, "copy") && st->rows[j].r.threads == x->r.threads &&
            st->rows[j].size_class == x->size_class)
            return &st->rows[j];
    return NULL;
}

static void derive_row(const bench_state *st, row_ext *x)
{
    ds_bench_row *r = &x->r;
    /* A baseline is an upper bound of what the machine sustains: take its
     * fastest repetition, so noise from other processes cannot lower the bar
     * kernels are compared with. Kernels are quoted at their median. */
    double t = x->family == FAM_BASE ? r->min_s : r->median_s;
    if (r->flops > 0 && t > 0)
        r->gflops = r->flops / t / 1e9;
    if (is_memory_bound(x) && r->bytes > 0 && t > 0)
        r->gbps = r->bytes / t / 1e9;
    if (x->family == FAM_GEMM || x->family == FAM_STEP) {
        double pk = bench_peak_gflops(st, bench_peak_isa(x), r->threads);
        if (isfinite(pk) && pk > 0 && isfinite(r->gflops))
            r->pct_peak = 100 * r->gflops / pk;
    }
    if (!strcmp(r->kernel, "fma_peak"))
        r->pct_peak = 100;
    if (is_memory_bound(x) && x->size_class != SZ_NONE && strcmp(r->kernel, "copy")) {
        const row_ext *c = copy_row(st, x);
        if (c) {
            double cbw = c->r.bytes / c->r.min_s / 1e9;
            if (isfinite(r->gbps) && cbw > 0)
                r->pct_bw = 100 * r->gbps / cbw;
        }
    } else if (!strcmp(r->kernel, "copy")) {
        r->pct_bw = 100;
    }
    if (x->family == FAM_GEMM && strncmp(r->isa, "openblas", 8)) {
        const obl_baseline *b = &st->obl[bench_obl_kind_of_isa(r->isa)];
        const row_ext *ob =
            b->isa[0] ? bench_find_row(st, r->kernel, b->isa, r->threads, r->m, r->n, r->k, SZ_NONE)
                      : NULL;
        if (ob && ob->r.median_s > 0) {
            r->vs_openblas = ob->r.median_s / r->median_s;
            snprintf(r->vs_openblas_core, sizeof r->vs_openblas_core, "%s", b->core);
        }
    }
}

/* One line for the noisy rows (their cv% is in every table), naming the
 * worst few, rather than one warning per row. */
static void warn_noisy(bench_state *st)
{
    int noisy = 0, worst[4] = {-1, -1, -1, -1};
    for (int i = 0; i < st->n_rows; i++) {
        if (!(st->rows[i].r.cv > 0.05))
            continue;
        noisy++;
        for (int w = 0; w < 4; w++)
            if (worst[w] < 0 || st->rows[i].r.cv > st->rows[worst[w]].r.cv) {
                memmove(worst + w + 1, worst + w, (size_t)(3 - w) * sizeof worst[0]);
                worst[w] = i;
                break;
            }
    }
    if (!noisy)
        return;
    char list[200] = "";
    for (int w = 0; w < 4 && worst[w] >= 0; w++) {
        const ds_bench_row *r = &st->rows[worst[w]].r;
        char shape[64];
        bench_shape_text(r, shape, sizeof shape);
        size_t o = strlen(list);
        snprintf(list + o, sizeof list - o, "%s%s/%s/t%d/%s %.0f%%", w ? ", " : "", r->kernel,
                 r->isa, r->threads, shape, 100 * r->cv);
    }
    double la[1] = {0};
    getloadavg(la, 1);
    bench_warnf(st, "%d of %d rows have CV > 5%% (worst: %s)%s", noisy, st->n_rows, list,
                st->load1 > 0.5 || la[0] > 0.5 ? ": the machine was busy (load average "
                                                 "before/after above 0.5), medians still robust"
                                               : "");
}

void bench_derive(bench_state *st)
{
    for (int i = 0; i < st->n_rows; i++)
        derive_row(st, &st->rows[i]);
    warn_noisy(st);
}

/* One row of the previous kernels.csv against this run's row of the same
 * kernel, isa, threads and shape. */
static void compare_row(bench_state *st, char *line)
{
    /* strsep keeps empty fields (n/a columns) in place; fields up to
     * cpu_median_s (23rd) never hold a comma. */
    char *fld[23], *p = line;
    int nf = 0;
    while (nf < 23 && p)
        fld[nf++] = strsep(&p, ",");
    if (nf < 23 || strncmp(fld[0], "gemm_", 5))
        return;
    double prev = strtod(fld[8], NULL), prev_cpu = strtod(fld[22], NULL);
    const row_ext *x = bench_find_row(st, fld[0], fld[1], atoi(fld[2]), atol(fld[3]),
                                      atol(fld[4]), atol(fld[5]), SZ_NONE);
    if (!x || !(prev > 0) || x->r.median_s < 1e-3 || prev < 1e-3)
        return;
    /* One thread: process CPU time excludes the time the thread waited for a
     * core, so it separates "the kernel changed" from "the machine was
     * shared" (with more threads it also counts spin-waiting). */
    if (x->r.threads == 1 && prev_cpu > 0 && x->r.cpu_median_s > 0) {
        double d = fabs(x->r.cpu_median_s / prev_cpu - 1);
        st->rep_cpu_compared++;
        st->rep_cpu_over += d > 0.05;
        if (d > st->rep_cpu_max_dev)
            st->rep_cpu_max_dev = d;
    }
    double dev = fabs(x->r.median_s / prev - 1);
    st->rep_compared++;
    if (dev > 0.05)
        st->rep_over++;
    if (dev > st->rep_max_dev) {
        st->rep_max_dev = dev;
        snprintf(st->rep_worst, sizeof st->rep_worst, "%s/%s/t%d/%ldx%ldx%ld %.3f ms vs %.3f ms",
                 x->r.kernel, x->r.isa, x->r.threads, x->r.m, x->r.n, x->r.k,
                 x->r.median_s * 1e3, prev * 1e3);
    }
}

/* Compares this run's GEMM medians of >= 1 ms with the previous run's
 * kernels.csv in the same folder: the acceptance test of two back-to-back
 * runs agreeing within 5%. */
void bench_compare_previous(bench_state *st)
{
    char path[600];
    snprintf(path, sizeof path, "%s/kernels.csv", st->o->out);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[2048];
    if (!fgets(line, sizeof line, f) ||
        strncmp(line, "kernel,isa,threads,m,n,k,elems,reps,median_s", 44)) {
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f))
        compare_row(st, line);
    fclose(f);
    if (st->rep_over) {
        double la[1] = {0};
        getloadavg(la, 1);
        bench_warnf(st, "repeatability: %d of %d GEMM rows >= 1 ms differ from the previous run "
                        "in %s by more than 5%% (worst %.1f%%: %s)%s", st->rep_over,
                    st->rep_compared, st->o->out, 100 * st->rep_max_dev, st->rep_worst,
                    st->load1 > 0.5 || la[0] > 0.5 ? "; load average above 0.5: other processes "
                                                     "shared the cores" : "");
    }
}
