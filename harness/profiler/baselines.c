/* Baselines measured in the same run as the kernels they bound: the FMA
 * peak per ISA and thread count, and STREAM-like copy and triad bandwidth at
 * each working-set size class. */
#include "profiler.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define PEAK_CHUNK 2000 /* FMA-chain iterations per timer iteration */

typedef struct {
    ds_isa isa;
    int threads;
    float sink;
} peak_ctx;

static void peak_fn(void *p, long iters)
{
    peak_ctx *c = p;
    float acc = 0;
#pragma omp parallel num_threads(c->threads) reduction(+ : acc)
    {
        float s = 0;
        ds_fma_peak_run(c->isa, iters * PEAK_CHUNK, &s);
        acc += s;
    }
    c->sink += acc;
    ds_do_not_optimize(&c->sink);
}

static double peak_checksum(void *p) { return ((peak_ctx *)p)->sink; }

typedef struct {
    float *a, *b, *c;
    size_t n;
    int threads;
    int triad;
} stream_ctx;

/* STREAM-like: each thread streams its own static slice, the same slices as
 * the first-touch initialisation, so pages are local to the thread. */
static void stream_fn(void *p, long iters)
{
    stream_ctx *s = p;
    /* The iteration loop runs inside one parallel region: the baseline is
     * what the memory system sustains, not the fork/join cost of a region
     * per pass (which would flatter small kernels that stay sequential). */
#pragma omp parallel num_threads(s->threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t lo = s->n * (size_t)t / (size_t)nt, hi = s->n * (size_t)(t + 1) / (size_t)nt;
        for (long it = 0; it < iters; it++) {
            if (s->triad) {
                const float q = 3.0f;
                float *restrict a = s->a;
                const float *restrict b = s->b, *restrict c = s->c;
                for (size_t i = lo; i < hi; i++)
                    a[i] = b[i] + q * c[i];
            } else {
                memcpy(s->a + lo, s->b + lo, (hi - lo) * sizeof(float));
            }
            ds_do_not_optimize(s->a);
        }
    }
}

static double stream_checksum(void *p)
{
    stream_ctx *s = p;
    return ds_sumsq(s->a, s->n);
}

static int stream_init(stream_ctx *s, size_t n, int threads, int triad)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->threads = threads;
    s->triad = triad;
    s->a = bench_falloc(n);
    s->b = bench_falloc(n);
    s->c = bench_falloc(n);
    if (!s->a || !s->b || !s->c)
        return -1;
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t lo = n * (size_t)t / (size_t)nt, hi = n * (size_t)(t + 1) / (size_t)nt;
        for (size_t i = lo; i < hi; i++) {
            s->a[i] = 0;
            s->b[i] = 1;
            s->c[i] = 2;
        }
    }
    return 0;
}

static void stream_free(stream_ctx *s)
{
    ds_aligned_free(s->a);
    ds_aligned_free(s->b);
    ds_aligned_free(s->c);
}

static int run_peaks(bench_state *st, unsigned isas, const int *threads, int nt)
{
    for (int i = 0; i < DS_ISA_COUNT; i++) {
        ds_isa isa = (ds_isa)i;
        if (!ds_isa_available(isa) || (!(isas & (1u << i)) && isa != ds_isa_best()))
            continue;
        for (int ti = 0; ti < nt; ti++) {
            peak_ctx pc = {isa, threads[ti], 0};
            float s1 = 0;
            double flops = ds_fma_peak_run(isa, PEAK_CHUNK, &s1) * threads[ti];
            bench_case c = {.family = FAM_BASE, .size_class = SZ_NONE, .kernel = "fma_peak",
                            .isa = ds_isa_to_name(isa), .threads = threads[ti],
                            .flops = flops, .items = flops};
            if (bench_measure_case(st, &c, peak_fn, peak_checksum, &pc) < 0)
                return -1;
        }
    }
    return 0;
}

/* The stream context is set up per thread count: first touch by the threads
 * that stream it. */
static int run_streams(bench_state *st, const int *threads, int nt)
{
    for (int sz = 0; sz < SZ_COUNT; sz++)
        for (int triad = 0; triad < 2; triad++)
            for (int ti = 0; ti < nt; ti++) {
                size_t n = st->sizes[sz];
                stream_ctx sc;
                int rc = stream_init(&sc, n, threads[ti], triad);
                bench_case c = {.family = FAM_BASE, .size_class = sz,
                                .kernel = triad ? "triad" : "copy", .isa = "baseline",
                                .note = bench_size_names[sz], .threads = threads[ti],
                                .elems = (long)n, .bytes = (triad ? 12.0 : 8.0) * (double)n,
                                .flops = triad ? 2.0 * (double)n : 0, .items = (double)n};
                if (rc == 0)
                    rc = bench_measure_case(st, &c, stream_fn, stream_checksum, &sc);
                stream_free(&sc);
                if (rc < 0)
                    return -1;
            }
    return 0;
}

int bench_run_baselines(bench_state *st, unsigned isas, const int *threads, int nt)
{
    if (run_peaks(st, isas, threads, nt) != 0)
        return -1;
    return run_streams(st, threads, nt);
}

int bench_rerun_baselines(bench_state *st, unsigned isas, const int *threads, int nt)
{
    int first = st->n_rows, improved = 0;
    int rc = bench_run_baselines(st, isas, threads, nt);
    for (int j = first; j < st->n_rows; j++) {
        row_ext *y = &st->rows[j];
        for (int i = 0; i < first; i++) {
            row_ext *x = &st->rows[i];
            if (x->family != FAM_BASE || strcmp(x->r.kernel, y->r.kernel) ||
                strcmp(x->r.isa, y->r.isa) || x->r.threads != y->r.threads ||
                x->size_class != y->size_class)
                continue;
            if (y->r.min_s < x->r.min_s) {
                row_ext t = *x;
                *x = *y;
                *y = t; /* the slower one is freed below */
                improved++;
            }
            break;
        }
        free(y->r.raw_wall);
    }
    st->n_rows = first;
    if (improved)
        bench_notef(st, "%d baseline(s) were faster when measured again after the kernels: the "
                        "later measurement is kept", improved);
    return rc;
}
