/* The console report of `deepsweep bench`: the machine and set-up, then one
 * table per row family (baselines, GEMM, element-wise, training step), the
 * roofline, thread scaling, repeatability, notes and warnings. */
#include "mlp_shapes.h"
#include "profiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fmt_time(double s, char *buf, size_t len)
{
    if (s >= 1)
        snprintf(buf, len, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(buf, len, "%.3f ms", s * 1e3);
    else
        snprintf(buf, len, "%.3f us", s * 1e6);
}

static void fmt_num(double v, const char *fmt, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, fmt, v);
    else
        snprintf(buf, len, "-");
}

static void print_header(const bench_state *st, FILE *f)
{
    const ds_topo *t = &st->topo;
    fprintf(f, "deepsweep bench %s (%s), build %s\n", DS_VERSION, DS_GIT_REV, bench_build_type());
    fprintf(f, "cpu    %s: %d package(s), %d cores, %d PUs, %d NUMA node(s), %d MHz\n",
            t->cpu_model, t->packages, t->cores, t->pus, t->numa_nodes, bench_mhz_per_cpu());
    fprintf(f, "cache  L1d %zu KiB x %d, L2 %zu KiB x %d, L3 %zu KiB x %d\n", t->l1d_bytes >> 10,
            t->l1d_count, t->l2_bytes >> 10, t->l2_count, t->l3_bytes >> 10, t->l3_count);
    fprintf(f, "isa    best %s; available:", bench_best_isa_name());
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if (ds_isa_available((ds_isa)i))
            fprintf(f, " %s", ds_isa_to_name((ds_isa)i));
    fprintf(f, "\ntimer  CLOCK_MONOTONIC_RAW resolution %.0f ns, read overhead %.1f ns; "
               "repetition >= %.3g s, %d repetitions, median reported\n",
            st->cal.resolution_s * 1e9, st->cal.overhead_s * 1e9,
            ds_timer_effective_min_time(&st->topts), st->topts.reps);
    fprintf(f, "bind   OMP_PLACES=%s OMP_PROC_BIND=%s\n",
            getenv("OMP_PLACES") ? getenv("OMP_PLACES") : "(unset)",
            getenv("OMP_PROC_BIND") ? getenv("OMP_PROC_BIND") : "(unset)");
    for (int i = 0; i < st->n_placement; i++)
        fprintf(f, "       %s\n", st->placement[i]);
    if (st->obl_detected[0]) {
        char any[128], avx2[128];
        bench_obl_text(&st->obl[OBL_ANY], any, sizeof any);
        bench_obl_text(&st->obl[OBL_AVX2], avx2, sizeof avx2);
        fprintf(f, "oblas  OpenBLAS detects core %s; baselines: best core type %s; for the avx2 "
                   "rows the best AVX2 core type %s\n", st->obl_detected, any, avx2);
    }
    fprintf(f, "sizes  vectors: L1 %zu, L2 %zu, mem %zu floats (mem: %s)\n", st->sizes[SZ_L1],
            st->sizes[SZ_L2], st->sizes[SZ_MEM], st->mem_note);
}

static void print_baselines(const bench_state *st, FILE *f)
{
    char a[32], b[32], c[32];
    fprintf(f, "\n== Baselines (measured in this run)\n");
    fprintf(f, "%-10s %-9s %-4s %-8s %12s %12s %10s %6s   (rates from the fastest repetition)\n",
            "kernel", "isa", "thr", "size", "median", "GFLOP/s", "GB/s", "cv%");
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_BASE)
            continue;
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num(x->r.gflops, "%.1f", b, sizeof b);
        fmt_num(x->r.gbps, "%.1f", c, sizeof c);
        fprintf(f, "%-10s %-9s %-4d %-8s %12s %12s %10s %6.2f\n", x->r.kernel, x->r.isa,
                x->r.threads, x->size_class >= 0 ? bench_size_names[x->size_class] : "-", a, b,
                c, 100 * x->r.cv);
    }
}

static void print_gemm(const bench_state *st, FILE *f)
{
    char a[32], b[32], c[32], d[32], e[96], g[32];
    int any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_GEMM)
            continue;
        if (!any++)
            fprintf(f, "\n== GEMM (C = A.B, beta 0; MLP shapes at batch 100: NN forward, NT dX, "
                       "TN dW; vs OBLAS = OpenBLAS median / ours, > 1 is faster, with the OpenBLAS core "
                       "type it is against)\n%-8s %-16s %-19s %-4s %12s %8s %9s %7s %-18s %6s\n",
                    "kernel", "m x n x k", "isa", "thr", "median", "+-MAD%", "GFLOP/s",
                    "%peak", "vs OBLAS (core)", "cv%");
        char shape[64];
        snprintf(shape, sizeof shape, "%ldx%ldx%ld", x->r.m, x->r.n, x->r.k);
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num(100 * x->r.mad_s / x->r.median_s, "%.2f", b, sizeof b);
        fmt_num(x->r.gflops, "%.1f", c, sizeof c);
        fmt_num(x->r.pct_peak, "%.1f", d, sizeof d);
        if (isfinite(x->r.vs_openblas))
            snprintf(e, sizeof e, "%.2fx %s", x->r.vs_openblas, x->r.vs_openblas_core);
        else
            snprintf(e, sizeof e, "-");
        fmt_num(100 * x->r.cv, "%.2f", g, sizeof g);
        fprintf(f, "%-8s %-16s %-19s %-4d %12s %8s %9s %7s %-18s %6s\n", x->r.kernel, shape,
                x->r.isa, x->r.threads, a, b, c, d, e, g);
    }
}

static void print_elementwise(const bench_state *st, FILE *f)
{
    char a[32], b[32], c[32], d[32];
    int any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_ELEM)
            continue;
        if (!any++)
            fprintf(f, "\n== Element-wise kernels (GB/s counts compulsory traffic; %%copy = of "
                       "the copy baseline at the same size and threads)\n"
                       "%-17s %-12s %-9s %-4s %12s %9s %8s %7s %6s\n",
                    "kernel", "size", "isa", "thr", "median", "Gelem/s", "GB/s", "%copy", "cv%");
        char size[48];
        if (x->r.m && x->r.n)
            snprintf(size, sizeof size, "%ldx%ld", x->r.m, x->r.n);
        else
            snprintf(size, sizeof size, "%s %ld",
                     x->size_class >= 0 ? bench_size_names[x->size_class] : "", x->r.elems);
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num((double)x->r.elems / x->r.median_s / 1e9, "%.3f", b, sizeof b);
        fmt_num(x->r.gbps, "%.1f", c, sizeof c);
        fmt_num(x->r.pct_bw, "%.1f", d, sizeof d);
        fprintf(f, "%-17s %-12s %-9s %-4d %12s %9s %8s %7s %6.2f\n", x->r.kernel, size, x->r.isa,
                x->r.threads, a, b, c, d, 100 * x->r.cv);
    }
}

static void print_steps(const bench_state *st, FILE *f)
{
    char a[32], b[32], c[32], d[32];
    int any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_STEP)
            continue;
        if (!any++)
            fprintf(f, "\n== Training step (forward + backward + Adam, batch 100, relu, "
                       "softmax-CE)\n%-12s %-20s %-9s %-4s %12s %10s %9s %7s %6s\n",
                    "kernel", "net", "isa", "thr", "median", "samples/s", "GFLOP/s", "%peak",
                    "cv%");
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num(DS_MLP_BATCH / x->r.median_s, "%.0f", b, sizeof b);
        fmt_num(x->r.gflops, "%.1f", c, sizeof c);
        fmt_num(x->r.pct_peak, "%.1f", d, sizeof d);
        fprintf(f, "%-12s %-20s %-9s %-4d %12s %10s %9s %7s %6.2f\n", x->r.kernel,
                !strcmp(x->r.kernel, "step_xavier") ? "784-256-256-10" : "784-512x4-10",
                x->r.isa, x->r.threads, a, b, c, d, 100 * x->r.cv);
    }
}

/* GEMM rows against min(peak, AI x memory bandwidth). */
static void print_roofline(const bench_state *st, FILE *f)
{
    int any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_GEMM || !(x->r.bytes > 0) || x->probe)
            continue; /* core-type probes are in the GEMM table already */
        double pk = bench_peak_gflops(st, bench_peak_isa(x), x->r.threads);
        const row_ext *cp = NULL;
        for (int j = 0; j < st->n_rows && !cp; j++)
            if (!strcmp(st->rows[j].r.kernel, "copy") && st->rows[j].size_class == SZ_MEM &&
                st->rows[j].r.threads == x->r.threads)
                cp = &st->rows[j];
        if (!isfinite(pk) || !cp)
            continue;
        double bw = cp->r.gbps;
        double ai = x->r.flops / x->r.bytes;
        double roof = ai * bw < pk ? ai * bw : pk;
        if (!any++)
            fprintf(f, "\n== Roofline (AI = flops / compulsory bytes; roof = min(FMA peak, AI x "
                       "copy GB/s at mem size))\n%-12s %-16s %-9s %-4s %8s %9s %9s %7s %-7s\n",
                    "kernel", "shape", "isa", "thr", "AI", "GFLOP/s", "roof", "%roof", "bound");
        char shape[64];
        snprintf(shape, sizeof shape, "%ldx%ldx%ld", x->r.m, x->r.n, x->r.k);
        fprintf(f, "%-12s %-16s %-9s %-4d %8.1f %9.1f %9.1f %7.1f %-7s\n", x->r.kernel, shape,
                x->r.isa, x->r.threads, ai, x->r.gflops, roof, 100 * x->r.gflops / roof,
                ai * bw < pk ? "memory" : "compute");
    }
}

/* GEMM 2048 and the training steps, per ISA: speedup over one thread. */
static void print_scaling(const bench_state *st, FILE *f)
{
    char a[32];
    int any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        int is_sq = x->family == FAM_GEMM && x->r.m == 2048 && x->r.n == 2048 && x->r.k == 2048;
        if (!(is_sq || x->family == FAM_STEP))
            continue;
        const row_ext *one =
            bench_find_row(st, x->r.kernel, x->r.isa, 1, x->r.m, x->r.n, x->r.k, SZ_NONE);
        if (!one)
            continue;
        if (!any++)
            fprintf(f, "\n== Thread scaling (speedup = T1 / Tn, efficiency = speedup / n)\n"
                       "%-12s %-16s %-9s %-4s %12s %9s %10s\n",
                    "kernel", "shape", "isa", "thr", "median", "speedup", "efficiency");
        char shape[64];
        if (x->family == FAM_STEP)
            snprintf(shape, sizeof shape, "batch 100");
        else
            snprintf(shape, sizeof shape, "%ldx%ldx%ld", x->r.m, x->r.n, x->r.k);
        double sp = one->r.median_s / x->r.median_s;
        fmt_time(x->r.median_s, a, sizeof a);
        fprintf(f, "%-12s %-16s %-9s %-4d %12s %9.2f %9.1f%%\n", x->r.kernel, shape, x->r.isa,
                x->r.threads, a, sp, 100 * sp / x->r.threads);
    }
}

static void print_messages(const bench_state *st, FILE *f)
{
    if (st->rep_compared)
        fprintf(f, "\n== Repeatability: %d GEMM rows >= 1 ms compared with the previous run in "
                   "%s: max deviation of the median %.1f%% (%s); %d above 5%%\n",
                st->rep_compared, st->o->out, 100 * st->rep_max_dev,
                st->rep_worst[0] ? st->rep_worst : "-", st->rep_over);
    if (st->rep_cpu_compared)
        fprintf(f, "   process CPU time of the %d one-thread rows: max deviation %.1f%%; %d above "
                   "5%%\n", st->rep_cpu_compared, 100 * st->rep_cpu_max_dev, st->rep_cpu_over);
    if (st->n_notes) {
        fprintf(f, "\n== Notes\n");
        for (int i = 0; i < st->n_notes; i++)
            fprintf(f, "%s\n", st->notes[i]);
    }
    if (st->n_warnings) {
        fprintf(f, "\n");
        for (int i = 0; i < st->n_warnings; i++)
            fprintf(f, "***WARNING*** %s\n", st->warnings[i]);
    }
}

void bench_print_console(const bench_state *st, FILE *f)
{
    print_header(st, f);
    print_baselines(st, f);
    print_gemm(st, f);
    print_elementwise(st, f);
    print_steps(st, f);
    print_roofline(st, f);
    print_scaling(st, f);
    print_messages(st, f);
}
