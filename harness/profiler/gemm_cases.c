/* See gemm_cases.h. */
#include "gemm_cases.h"
#include "mlp_shapes.h"
#include "profiler.h"

#include <stdlib.h>
#include <string.h>

int bench_gemm_cases(const ds_bench_opts *o, gemm_case *out, int max)
{
    int n = 0;
    if (o->shapes & DS_BS_MLP) {
        ds_mlp_gemm g[DS_MLP_N_GEMMS];
        ds_mlp_gemms(g);
        for (int i = 0; i < DS_MLP_N_GEMMS && n < max; i++) {
            out[n] = (gemm_case){"", g[i].ta, g[i].tb, g[i].m, g[i].n, g[i].k};
            snprintf(out[n++].kname, sizeof out[0].kname, "gemm_%.2s", g[i].form);
        }
    }
    if (o->shapes & DS_BS_SQUARE)
        for (int i = 0; i < o->n_square && n < max; i++) {
            int s = o->square[i];
            out[n++] = (gemm_case){"gemm_nn", DS_NOTRANS, DS_NOTRANS, s, s, s};
        }
    return n;
}

void gemm_fn(void *p, long iters)
{
    gemm_ctx *g = p;
    for (long i = 0; i < iters; i++) {
        if (g->ob)
            ds_openblas_sgemm(g->ob, g->gc.ta, g->gc.tb, g->gc.m, g->gc.n, g->gc.k, g->a, g->lda,
                              g->b, g->ldb, g->c, g->ldc);
        else
            ds_sgemm(g->gc.ta, g->gc.tb, g->gc.m, g->gc.n, g->gc.k, 1.0f, g->a, g->lda, g->b,
                     g->ldb, 0.0f, g->c, g->ldc);
        ds_do_not_optimize(g->c);
    }
}

double gemm_checksum(void *p)
{
    gemm_ctx *g = p;
    return ds_sumsq(g->c, (size_t)g->gc.m * (size_t)g->gc.n);
}

int gemm_ctx_init(gemm_ctx *g, const gemm_case *gc)
{
    memset(g, 0, sizeof *g);
    g->gc = *gc;
    size_t m = (size_t)gc->m, n = (size_t)gc->n, k = (size_t)gc->k;
    g->a = bench_falloc(m * k);
    g->b = bench_falloc(k * n);
    g->c = bench_falloc(m * n);
    if (!g->a || !g->b || !g->c)
        return -1;
    /* op(A) is [m x k]: stored [k x m] when transposed; likewise B. */
    g->lda = gc->ta ? gc->m : gc->k;
    g->ldb = gc->tb ? gc->k : gc->n;
    g->ldc = gc->n;
    bench_fill(g->a, m * k, 1, -1, 1);
    bench_fill(g->b, k * n, 2, -1, 1);
    memset(g->c, 0, m * n * sizeof(float));
    return 0;
}

void gemm_ctx_free(gemm_ctx *g)
{
    ds_aligned_free(g->a);
    ds_aligned_free(g->b);
    ds_aligned_free(g->c);
}

void gemm_row_fill(ds_bench_row *r, const gemm_case *gc)
{
    snprintf(r->kernel, sizeof r->kernel, "%.15s", gc->kname);
    r->m = gc->m, r->n = gc->n, r->k = gc->k;
    r->elems = (long)gc->m * gc->n;
    r->flops = 2.0 * gc->m * gc->n * gc->k;
    /* compulsory traffic: read A and B once, write C once (beta = 0) */
    r->bytes = 4.0 * ((double)gc->m * gc->k + (double)gc->k * gc->n + (double)gc->m * gc->n);
    r->items = r->flops;
}
