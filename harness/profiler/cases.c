/* The case table of the kernels, per ISA: GEMM at the profile's shapes, the
 * activations forward and backward, softmax-CE and dropout at each working-
 * set size class. Each case is a context (operands set up once, untimed), a
 * timed function and a checksum; measure.c does the rest. */
#include "gemm_cases.h"
#include "names.h"
#include "profiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- GEMM ------------------------------------------------------------------- */

/* Lower bound of one call: at the best rate this ISA and thread count reached
 * on an earlier GEMM row, or else at FMA peak (0 if neither is known). */
static double gemm_estimate(const bench_state *st, const char *iname, int threads, double flops)
{
    double rate = bench_peak_gflops(st, iname, threads), seen = 0;
    for (int j = 0; j < st->n_rows; j++) {
        const ds_bench_row *p = &st->rows[j].r;
        if (st->rows[j].family == FAM_GEMM && !strcmp(p->isa, iname) && p->threads == threads &&
            p->median_s > 0 && p->flops / p->median_s / 1e9 > seen)
            seen = p->flops / p->median_s / 1e9;
    }
    if (seen > 0)
        rate = seen;
    return isfinite(rate) && rate > 0 ? flops / (rate * 1e9) : 0;
}

static int run_gemm(bench_state *st, const char *iname, const int *threads, int nt)
{
    gemm_case gcs[64];
    int ng = bench_gemm_cases(st->o, gcs, 64);
    for (int gi = 0; gi < ng; gi++) {
        gemm_ctx g;
        int rc = gemm_ctx_init(&g, &gcs[gi]);
        ds_bench_row shape = {0};
        gemm_row_fill(&shape, &gcs[gi]);
        bench_case c = {.family = FAM_GEMM, .size_class = SZ_NONE, .kernel = shape.kernel,
                        .isa = iname, .m = shape.m, .n = shape.n, .k = shape.k,
                        .elems = shape.elems, .flops = shape.flops, .bytes = shape.bytes,
                        .items = shape.items};
        for (int ti = 0; ti < nt && rc == 0; ti++) {
            c.threads = threads[ti];
            c.est_s = gemm_estimate(st, iname, threads[ti], c.flops);
            rc = bench_measure_case(st, &c, gemm_fn, gemm_checksum, &g) < 0 ? -1 : 0;
        }
        gemm_ctx_free(&g);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- activations ------------------------------------------------------------ */

typedef struct {
    ds_act act;
    float param;
    int backward;
    float *x, *y, *dy, *dx;
    size_t n;
} act_ctx;

static void act_fn(void *p, long iters)
{
    act_ctx *a = p;
    for (long i = 0; i < iters; i++) {
        if (a->backward)
            ds_act_backward(a->act, a->param, a->x, a->y, a->dy, a->dx, a->n);
        else
            ds_act_forward(a->act, a->param, a->x, a->y, a->n);
        ds_do_not_optimize(a->backward ? a->dx : a->y);
    }
}

static double act_checksum(void *p)
{
    act_ctx *a = p;
    return ds_sumsq(a->backward ? a->dx : a->y, a->n);
}

/* One activation, one direction, one size class, at every thread count. */
static int run_act_case(bench_state *st, const char *iname, ds_act act, int bwd, int sz,
                        const int *threads, int nt)
{
    size_t n = st->sizes[sz];
    act_ctx ac = {act, ds_act_row_of(act)->param_default, bwd, bench_falloc(n),
                  bench_falloc(n), bench_falloc(n), bench_falloc(n), n};
    int rc = -1;
    if (ac.x && ac.y && ac.dy && ac.dx) {
        bench_fill(ac.x, n, 4, -4, 4);
        ds_act_forward(ac.act, ac.param, ac.x, ac.y, n);
        bench_fill(ac.dy, n, 5, -1, 1);
        memset(ac.dx, 0, n * sizeof(float));
        char kernel[32];
        snprintf(kernel, sizeof kernel, "%s_%s", ds_act_to_name(act), bwd ? "bwd" : "fwd");
        /* forward reads x, writes y; backward reads x, y, dy, writes dx */
        bench_case c = {.family = FAM_ELEM, .size_class = sz, .kernel = kernel, .isa = iname,
                        .note = bench_size_names[sz], .elems = (long)n,
                        .bytes = (bwd ? 16.0 : 8.0) * (double)n, .items = (double)n};
        rc = bench_measure_threads(st, c, threads, nt, act_fn, act_checksum, &ac);
    }
    ds_aligned_free(ac.x);
    ds_aligned_free(ac.y);
    ds_aligned_free(ac.dy);
    ds_aligned_free(ac.dx);
    return rc;
}

static int run_acts(bench_state *st, const char *iname, const int *threads, int nt)
{
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        if (!(st->o->acts & (1u << a)))
            continue;
        for (int sz = 0; sz < SZ_COUNT; sz++)
            for (int bwd = 0; bwd < 2; bwd++)
                if (run_act_case(st, iname, (ds_act)a, bwd, sz, threads, nt) != 0)
                    return -1;
    }
    return 0;
}

/* ---- softmax-CE --------------------------------------------------------------- */

typedef struct {
    int m, n;
    float *z, *dz;
    int32_t *labels;
    double loss;
} softmax_ctx;

static void softmax_fn(void *p, long iters)
{
    softmax_ctx *s = p;
    for (long i = 0; i < iters; i++) {
        int correct;
        s->loss = ds_softmax_xent(s->m, s->n, s->z, s->n, s->labels, s->dz, s->n,
                                  1.0f / (float)s->m, &correct);
        ds_do_not_optimize(s->dz);
    }
}

static double softmax_checksum(void *p) { return ((softmax_ctx *)p)->loss; }

static int run_softmax(bench_state *st, const char *iname, const int *threads, int nt)
{
    static const int sm[][2] = {{100, 10}, {1000, 1000}};
    /* a softmax row's size class: where z and dz fit, as the vectors' are */
    size_t l1 = st->sizes[SZ_L1] * 16, l2 = st->sizes[SZ_L2] * 16;
    for (size_t si = 0; si < sizeof sm / sizeof sm[0]; si++) {
        size_t e = (size_t)sm[si][0] * (size_t)sm[si][1];
        softmax_ctx sc = {sm[si][0], sm[si][1], bench_falloc(e), bench_falloc(e),
                          malloc((size_t)sm[si][0] * sizeof(int32_t)), 0};
        int rc = -1;
        if (sc.z && sc.dz && sc.labels) {
            bench_fill(sc.z, e, 6, -5, 5);
            for (int r = 0; r < sc.m; r++)
                sc.labels[r] = r % sc.n;
            bench_case c = {.family = FAM_ELEM, .kernel = "softmax_xent", .isa = iname,
                            .size_class = e * 8 <= l1 / 2 ? SZ_L1 : e * 8 <= l2 / 2 ? SZ_L2 : SZ_MEM,
                            .m = sc.m, .n = sc.n, .elems = (long)e,
                            .bytes = 8.0 * (double)e + 4.0 * sc.m, /* z in, dz out, labels */
                            .items = (double)e};
            rc = bench_measure_threads(st, c, threads, nt, softmax_fn, softmax_checksum, &sc);
        }
        ds_aligned_free(sc.z);
        ds_aligned_free(sc.dz);
        free(sc.labels);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- dropout ------------------------------------------------------------------ */

typedef struct {
    float *x;
    size_t n;
    uint32_t step;
    size_t kept;
} dropout_ctx;

static void dropout_fn(void *p, long iters)
{
    dropout_ctx *d = p;
    for (long i = 0; i < iters; i++) {
        d->kept += ds_dropout(d->x, d->n, 0.3f, 42, 1, d->step++);
        ds_do_not_optimize(d->x);
    }
}

static double dropout_checksum(void *p) { return (double)((dropout_ctx *)p)->kept; }

static int run_dropout(bench_state *st, const char *iname, const int *threads, int nt)
{
    for (int sz = SZ_L2; sz < SZ_COUNT; sz++) {
        size_t n = st->sizes[sz];
        dropout_ctx dc = {bench_falloc(n), n, 0, 0};
        if (!dc.x)
            return -1;
        bench_fill(dc.x, n, 7, -1, 1);
        char note[32];
        snprintf(note, sizeof note, "%s p=0.3", bench_size_names[sz]);
        bench_case c = {.family = FAM_ELEM, .size_class = sz, .kernel = "dropout", .isa = iname,
                        .note = note, .elems = (long)n, .bytes = 8.0 * (double)n,
                        .items = (double)n};
        int rc = bench_measure_threads(st, c, threads, nt, dropout_fn, dropout_checksum, &dc);
        ds_aligned_free(dc.x);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int bench_run_kernels(bench_state *st, const char *iname, const int *threads, int nt)
{
    unsigned k = st->o->kernels;
    if ((k & DS_BK_GEMM) && run_gemm(st, iname, threads, nt) != 0)
        return -1;
    if ((k & DS_BK_ACT) && run_acts(st, iname, threads, nt) != 0)
        return -1;
    if ((k & DS_BK_SOFTMAX) && run_softmax(st, iname, threads, nt) != 0)
        return -1;
    if ((k & DS_BK_DROPOUT) && run_dropout(st, iname, threads, nt) != 0)
        return -1;
    if ((k & DS_BK_STEP) && bench_run_steps(st, iname, threads, nt) != 0)
        return -1;
    return 0;
}
