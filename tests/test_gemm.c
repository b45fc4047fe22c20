/* ds_sgemm against a double-accumulating triple loop, for every ISA this
 * machine runs (the others are skipped with a message).
 *
 * Error bound (netlib DMMCH's spirit, made rigorous): every element of C is
 * a sum of k products alpha·a·b plus beta·C0, each term passing through at
 * most k + 2 roundings of unit u = eps/2 (product and k-1 additions inside a
 * KC block, or fewer with FMA; the alpha scaling; the beta·C merge and the
 * merges of later KC blocks, which replace additions a flat sum would do).
 * Higham's bound for any summation order then gives
 *     |C - Cref| <= gamma(k+2) · (|alpha|·Σ|a||b| + |beta|·|C0|),
 *     gamma(n) = n·u / (1 - n·u),
 * i.e. c·eps with c = (k + 2)/2 · 1/(1 - (k+2)·u) <= 0.5·(k + 2)·1.001 for the
 * k <= 784 used here. The reference itself is exact to ~k·2^-53: negligible.
 * The inputs are uniform in [-1, 1): no under- or overflow, so no NaN/Inf
 * may appear anywhere, and beta = 0 must overwrite the NaN C starts with.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gemm_ukr.h"
#include "kernels.h"
#include "kernel_test_util.h"

TestSuite(gemm, .timeout = 120);

static const int sizes[] = {0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 129, 255, 256, 257, 784};
enum { NSIZES = sizeof sizes / sizeof sizes[0] };
static const float alphas[] = {0.0f, 1.0f, -0.5f};
static const float betas[] = {0.0f, 1.0f, 0.5f};
/* Every code path gemm.c can take (packed or in-place A and B, Cᵀ for a
 * skinny C; split among threads even when small): the shapes cycle through
 * them so each is checked for accuracy, and the invariance tests check they
 * give the same bits. */
enum {
    PACK_A = DS_GEMM_PACK_A, INPLACE_A = DS_GEMM_INPLACE_A, INPLACE_B = DS_GEMM_INPLACE_B,
    NO_CT = DS_GEMM_NO_CT, CT = DS_GEMM_CT, SPLIT = DS_GEMM_SPLIT_ALWAYS
};
static const unsigned policies[] = {0,         PACK_A | SPLIT,  INPLACE_A,
                                    INPLACE_B | SPLIT,          INPLACE_A | INPLACE_B,
                                    CT | SPLIT, INPLACE_A | INPLACE_B | CT, NO_CT | SPLIT};
enum { NPOL = sizeof policies / sizeof policies[0] };

/* Test data from the shared splitmix64 stream (kernel_test_util.h); each test
 * seeds rng_state itself. */
static uint32_t rand_u32(void) { return (uint32_t)(rng_next() >> 32); }
static float urand(void) { return (float)(rand_u32() >> 8) / (float)(1u << 23) - 1.0f; }

static float *alloc_floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    cr_assert_not_null(p);
    return p;
}

typedef struct {
    ds_trans ta, tb;
    int m, n, k, lda, ldb, ldc;
    float *a, *b, *c0;
    double *ref, *absref; /* Σ op(A)op(B) and Σ |op(A)||op(B)| per element */
} problem;

static void problem_new(problem *p, ds_trans ta, ds_trans tb, int m, int n, int k, int pad)
{
    p->ta = ta;
    p->tb = tb;
    p->m = m;
    p->n = n;
    p->k = k;
    /* leading dimensions: the row length plus a pad, never below 1 */
    const int arows = ta == DS_NOTRANS ? m : k, acols = ta == DS_NOTRANS ? k : m;
    const int brows = tb == DS_NOTRANS ? k : n, bcols = tb == DS_NOTRANS ? n : k;
    p->lda = acols + pad > 0 ? acols + pad : 1;
    p->ldb = bcols + pad > 0 ? bcols + pad : 1;
    p->ldc = n + pad > 0 ? n + pad : 1;
    p->a = alloc_floats((size_t)arows * p->lda);
    p->b = alloc_floats((size_t)brows * p->ldb);
    p->c0 = alloc_floats((size_t)m * p->ldc);
    for (size_t i = 0; i < (size_t)arows * p->lda; i++)
        p->a[i] = urand();
    for (size_t i = 0; i < (size_t)brows * p->ldb; i++)
        p->b[i] = urand();
    for (size_t i = 0; i < (size_t)m * p->ldc; i++)
        p->c0[i] = urand();
    p->ref = malloc(((size_t)m * n + 1) * sizeof(double));
    p->absref = malloc(((size_t)m * n + 1) * sizeof(double));
    cr_assert(p->ref && p->absref);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0, sa = 0;
            for (int q = 0; q < k; q++) {
                const double x = ta == DS_NOTRANS ? p->a[(size_t)i * p->lda + q] : p->a[(size_t)q * p->lda + i];
                const double y = tb == DS_NOTRANS ? p->b[(size_t)q * p->ldb + j] : p->b[(size_t)j * p->ldb + q];
                s += x * y;
                sa += fabs(x * y);
            }
            p->ref[(size_t)i * n + j] = s;
            p->absref[(size_t)i * n + j] = sa;
        }
}

static void problem_free(problem *p)
{
    free(p->a);
    free(p->b);
    free(p->c0);
    free(p->ref);
    free(p->absref);
}

/* Runs one GEMM on cfg and checks every element against the bound, NaN/Inf,
 * and that the padding columns of C were not touched. Returns 0 or asserts. */
static void check(const struct ds_gemm_cfg *cfg, const ds_gemm_opts *opts, const problem *p,
                  float alpha, float beta)
{
    const size_t nc = (size_t)p->m * p->ldc;
    float *c = alloc_floats(nc);
    for (size_t i = 0; i < nc; i++)
        c[i] = beta == 0.0f ? NAN : p->c0[i]; /* beta = 0 must ignore NaN in C */
    for (int i = 0; i < p->m; i++)            /* padding: a sentinel to keep */
        for (int j = p->n; j < p->ldc; j++)
            c[(size_t)i * p->ldc + j] = 12345.0f;
    ds_sgemm_cfg(cfg, p->ta, p->tb, p->m, p->n, p->k, alpha, p->a, p->lda, p->b, p->ldb, beta,
                 c, p->ldc, opts);
    const double cbound = 0.5 * (p->k + 2) * 1.001; /* c of the header, in units of eps */
    for (int i = 0; i < p->m; i++) {
        for (int j = 0; j < p->n; j++) {
            const size_t at = (size_t)i * p->ldc + j;
            const double c0 = p->c0[at];
            const double want = (double)alpha * p->ref[(size_t)i * p->n + j] + (beta == 0.0f ? 0.0 : beta * c0);
            const double scale = fabs(alpha) * p->absref[(size_t)i * p->n + j] + fabs(beta) * fabs(c0);
            const double err = fabs((double)c[at] - want);
            if (!isfinite(c[at]) || err > cbound * FLT_EPSILON * scale)
                cr_assert_fail("%s %c%c m=%d n=%d k=%d lda=%d ldb=%d ldc=%d alpha=%g beta=%g policy=%u: "
                               "C[%d][%d] = %.9g, want %.9g, |err| %.3g > %.3g (c = %.1f eps)",
                               ds_isa_to_name(cfg->isa), p->ta ? 'T' : 'N', p->tb ? 'T' : 'N', p->m,
                               p->n, p->k, p->lda, p->ldb, p->ldc, alpha, beta, opts->force,
                               i, j, c[at], want, err, cbound * FLT_EPSILON * scale, cbound);
        }
        for (int j = p->n; j < p->ldc; j++)
            cr_assert(c[(size_t)i * p->ldc + j] == 12345.0f,
                      "%s m=%d n=%d k=%d: padding C[%d][%d] overwritten",
                      ds_isa_to_name(cfg->isa), p->m, p->n, p->k, i, j);
    }
    free(c);
}

/* The shape list: m, n, k drawn from `sizes`, keeping the double reference
 * cheap (m·n·k <= 1e6: the suite also runs emulated, see
 * tests/qemu-nehalem.sh), plus one guaranteed 784 per dimension. */
static int next_shape(int idx, int *m, int *n, int *k)
{
    static const int fixed[][3] = {{784, 17, 33}, {31, 784, 15}, {16, 65, 784}, {100, 10, 512}, {0, 5, 7}, {5, 0, 7}, {5, 7, 0}};
    if (idx < (int)(sizeof fixed / sizeof fixed[0])) {
        *m = fixed[idx][0];
        *n = fixed[idx][1];
        *k = fixed[idx][2];
        return 0;
    }
    for (;;) {
        *m = sizes[rand_u32() % NSIZES];
        *n = sizes[rand_u32() % NSIZES];
        *k = sizes[rand_u32() % NSIZES];
        if ((double)*m * *n * *k <= 1e6)
            return 0;
    }
}

/* Shapes per transpose case: 210, or 24 with DEEPSWEEP_TEST_REDUCED set
 * (make test-valgrind: the fixed shapes, then enough random ones to cycle
 * every policy, padding and (alpha, beta) pair). */
static int shapes_per_trans(void) { return getenv("DEEPSWEEP_TEST_REDUCED") ? 24 : 210; }

/* The ISA's micro-kernel with tiny cache blocks, so that shapes of a few
 * hundred run every loop of the driver several times (several KC blocks
 * accumulating into C with beta = 1, several MC and NC blocks, edges of
 * each): the production KC (up to 1024) would leave k <= 784 in one block. */
static struct ds_gemm_cfg small_blocks(const struct ds_gemm_cfg *cfg)
{
    struct ds_gemm_cfg s = *cfg;
    s.kc = 48;
    s.mc = 3 * cfg->mr;
    s.nc = 2 * cfg->nr;
    return s;
}

static void sweep_cfg(const struct ds_gemm_cfg *cfg)
{
    const struct ds_gemm_cfg small = small_blocks(cfg);
    omp_set_num_threads(2);
    static const int pads[] = {0, 1, 3, 16};
    for (int t = 0; t < 4; t++) {
        rng_state = 2463534242u + (uint32_t)t;
        for (int s = 0, n_shapes = shapes_per_trans(); s < n_shapes; s++) {
            int m, n, k;
            next_shape(s, &m, &n, &k);
            problem p;
            problem_new(&p, (ds_trans)(t & 1), (ds_trans)(t >> 1), m, n, k, pads[s % 4]);
            const ds_gemm_opts opts = {policies[s % NPOL]};
            /* every (alpha, beta) pair, cycling over the shapes */
            check(s % 2 ? &small : cfg, &opts, &p, alphas[s % 3], betas[(s / 3) % 3]);
            problem_free(&p);
        }
    }
}

/* gemm/sweep_<isa>: one test per ISA, a missing one reported as skipped */
ISA_TEST(gemm, sweep)
{
    cr_assert_not_null(ds_gemm_cfg_for(isa));
    sweep_cfg(ds_gemm_cfg_for(isa));
}

/* Bits of C at 1, 2 and 3 threads, and along every packing path, must match
 * exactly: threads split output blocks only, never K. Shapes large enough to
 * be split into several blocks in both dimensions. */
ISA_TEST(gemm, invariance)
{
    const struct ds_gemm_cfg *const prod = ds_gemm_cfg_for(isa);
    const struct ds_gemm_cfg small = small_blocks(prod);
    static const struct {
        ds_trans ta, tb;
        int m, n, k;
    } shapes[] = {
        /* small: policy bit 64 makes them split among threads anyway */
        {DS_NOTRANS, DS_NOTRANS, 64, 100, 300},
        {DS_NOTRANS, DS_TRANS, 50, 200, 40},    /* dX = dY·Wᵀ             */
        {DS_TRANS, DS_NOTRANS, 200, 60, 50},    /* dW = Xᵀ·dY             */
        {DS_TRANS, DS_NOTRANS, 300, 10, 100},   /* skinny dW: Cᵀ path     */
        {DS_NOTRANS, DS_NOTRANS, 100, 10, 300}, /* skinny forward         */
        {DS_TRANS, DS_TRANS, 65, 129, 33},
    };
    /* every path at 1 thread, then 2 and 3 threads on two of them (SPLIT:
     * even where the cost model would keep one thread) */
    static const struct {
        unsigned policy;
        int threads;
    } runs[] = {{0, 1},      {PACK_A, 1},  {INPLACE_A, 1}, {INPLACE_B, 1},
                {INPLACE_A | INPLACE_B, 1},  {CT, 1},      {INPLACE_A | INPLACE_B | CT, 1},
                {NO_CT, 1},  {SPLIT, 2},   {SPLIT, 3},     {INPLACE_A | INPLACE_B | CT | SPLIT, 2},
                {INPLACE_A | INPLACE_B | CT | SPLIT, 3}};
    for (size_t s = 0; s < 2 * sizeof shapes / sizeof shapes[0]; s++) {
        /* each shape with the production blocks, then with tiny ones */
        const struct ds_gemm_cfg *cfg = s % 2 ? &small : prod;
        problem p;
        rng_state = 88172645u + (uint32_t)s;
        problem_new(&p, shapes[s / 2].ta, shapes[s / 2].tb, shapes[s / 2].m, shapes[s / 2].n,
                    shapes[s / 2].k, 5);
        const size_t nc = (size_t)p.m * p.ldc;
        float *first = alloc_floats(nc), *c = alloc_floats(nc);
        int have_first = 0;
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
            const int th = runs[r].threads;
            const ds_gemm_opts opts = {runs[r].policy};
            omp_set_num_threads(th);
            memcpy(c, p.c0, nc * sizeof(float));
            ds_sgemm_cfg(cfg, p.ta, p.tb, p.m, p.n, p.k, -0.5f, p.a, p.lda, p.b, p.ldb, 0.5f, c,
                         p.ldc, &opts);
            if (!have_first) {
                memcpy(first, c, nc * sizeof(float));
                have_first = 1;
                continue;
            }
            for (size_t i = 0; i < nc; i++)
                if (memcmp(&c[i], &first[i], sizeof(float)) != 0)
                    cr_assert_fail("%s %c%c %dx%dx%d (kc %d): C[%zu] = %a at %d threads, policy %u, but "
                                   "%a at 1 thread, policy 0",
                                   ds_isa_to_name(isa), p.ta ? 'T' : 'N', p.tb ? 'T' : 'N', p.m, p.n,
                                   p.k, cfg->kc, i, c[i], th, runs[r].policy, first[i]);
        }
        free(first);
        free(c);
        problem_free(&p);
    }
}


/* An operand of rows x cols floats (row stride cols) whose last float ends
 * right before a page nobody may read, so reading one float past it faults. */
typedef struct {
    char *base;
    size_t span;
    float *p;
} guarded;

static void guarded_new(guarded *g, int rows, int cols)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes = (size_t)rows * cols * sizeof(float);
    g->span = (bytes + page - 1) / page * page + page;
    g->base = mmap(NULL, g->span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(g->base != MAP_FAILED);
    cr_assert_eq(mprotect(g->base + g->span - page, page, PROT_NONE), 0);
    g->p = (float *)(g->base + g->span - page - bytes);
    for (size_t i = 0; i < (size_t)rows * cols; i++)
        g->p[i] = urand();
}

/* A narrow last B panel is read where it lies when the ISA's tiles load only
 * their n columns of B (b_masked): with B rows of exactly n floats (the
 * 10-class layer's W) ending at an unreadable page, nothing may be read past
 * them, and C must have the bits of the packed path. The same for the Cᵀ
 * form of a skinny dW, whose in-place operand is A. */
ISA_TEST(gemm, narrow_panels_in_place_stay_in_bounds)
{
    const struct ds_gemm_cfg *cfg = ds_gemm_cfg_for(isa);
    static const int ns[] = {1, 5, 10, 16, 19, 33, 45};
    static const int ms[] = {100, 3, 14, 19};
    enum { K = 37 };
    omp_set_num_threads(1);
    rng_state = 4242u;
    for (size_t x = 0; x < sizeof ns / sizeof ns[0]; x++)
        for (size_t y = 0; y < sizeof ms / sizeof ms[0]; y++)
            for (int tn = 0; tn < 2; tn++) {
                /* NN: C[m x n] = A[m x K]·B[K x n], B guarded; TN as Cᵀ:
                 * C[m x n] = A[K x m]ᵀ·B[K x n] with n < m, A guarded */
                const int m = tn ? ns[x] + ms[y] : ms[y], n = tn ? ms[y] % 10 + 1 : ns[x];
                guarded g;
                guarded_new(&g, K, tn ? m : n);
                float *other = alloc_floats((size_t)K * (tn ? n : m));
                for (size_t i = 0; i < (size_t)K * (tn ? n : m); i++)
                    other[i] = urand();
                const float *a = tn ? g.p : other, *b = tn ? other : g.p;
                const int lda = tn ? m : K;
                float *c1 = alloc_floats((size_t)m * n), *c2 = alloc_floats((size_t)m * n);
                const ds_gemm_opts in_place = {DS_GEMM_INPLACE_B | DS_GEMM_INPLACE_A | (tn ? CT : 0)};
                const ds_gemm_opts packed = {DS_GEMM_PACK_B | (tn ? CT : 0)};
                ds_sgemm_cfg(cfg, tn ? DS_TRANS : DS_NOTRANS, DS_NOTRANS, m, n, K, 1.0f, a, lda, b,
                             n, 0.0f, c1, n, &in_place);
                ds_sgemm_cfg(cfg, tn ? DS_TRANS : DS_NOTRANS, DS_NOTRANS, m, n, K, 1.0f, a, lda, b,
                             n, 0.0f, c2, n, &packed);
                cr_assert(memcmp(c1, c2, (size_t)m * n * sizeof(float)) == 0,
                          "%s %s %dx%dx%d: in place and packed differ", ds_isa_to_name(isa),
                          tn ? "TN" : "NN", m, n, K);
                free(c1);
                free(c2);
                free(other);
                munmap(g.base, g.span);
            }
}

/* The public entry points run the ISA chosen by ds_isa_set: same bits as
 * that ISA's table driven directly, whatever the options. */
Test(gemm, entry_point_uses_active_isa)
{
    problem p;
    rng_state = 7u;
    problem_new(&p, DS_NOTRANS, DS_TRANS, 37, 45, 53, 2);
    const size_t nc = (size_t)p.m * p.ldc;
    float *c1 = alloc_floats(nc), *c2 = alloc_floats(nc);
    for (int isa = 0; isa < DS_ISA_COUNT; isa++) {
        if (!ds_isa_available((ds_isa)isa) || !ds_gemm_cfg_for((ds_isa)isa))
            continue;
        cr_assert_eq(ds_isa_set((ds_isa)isa), 0);
        memcpy(c1, p.c0, nc * sizeof(float));
        memcpy(c2, p.c0, nc * sizeof(float));
        ds_sgemm(p.ta, p.tb, p.m, p.n, p.k, 1.0f, p.a, p.lda, p.b, p.ldb, 1.0f, c1, p.ldc);
        ds_sgemm_cfg(ds_gemm_cfg_for((ds_isa)isa), p.ta, p.tb, p.m, p.n, p.k, 1.0f, p.a, p.lda,
                     p.b, p.ldb, 1.0f, c2, p.ldc, NULL);
        cr_assert(memcmp(c1, c2, nc * sizeof(float)) == 0, "ds_sgemm on %s differs from its table",
                  ds_isa_to_name((ds_isa)isa));
        /* ds_sgemm_ex: NULL options are ds_sgemm's; forced paths, same bits */
        static const ds_gemm_opts forced[] = {{0}, {CT | INPLACE_A | SPLIT}, {NO_CT | PACK_A}};
        for (int f = -1; f < (int)(sizeof forced / sizeof forced[0]); f++) {
            memcpy(c2, p.c0, nc * sizeof(float));
            ds_sgemm_ex(p.ta, p.tb, p.m, p.n, p.k, 1.0f, p.a, p.lda, p.b, p.ldb, 1.0f, c2, p.ldc,
                        f < 0 ? NULL : &forced[f]);
            cr_assert(memcmp(c1, c2, nc * sizeof(float)) == 0,
                      "ds_sgemm_ex on %s, policy %u, differs from ds_sgemm",
                      ds_isa_to_name((ds_isa)isa), f < 0 ? 0u : forced[f].force);
        }
    }
    free(c1);
    free(c2);
    problem_free(&p);
}

/* k = 0 and alpha = 0 only scale C: beta = 0 gives exact zeros over NaN,
 * beta = 0.5 halves C exactly, and nothing outside C is touched. */
Test(gemm, degenerate_scales_c)
{
    enum { M = 5, N = 7, LDC = 9 };
    float c[M * LDC], a[M * 3], b[3 * N];
    for (int i = 0; i < M * 3; i++)
        a[i] = NAN; /* alpha = 0 must not look at A or B either */
    for (int i = 0; i < 3 * N; i++)
        b[i] = NAN;
    for (int isa = 0; isa < DS_ISA_COUNT; isa++) {
        const struct ds_gemm_cfg *cfg = ds_gemm_cfg_for((ds_isa)isa);
        if (!cfg || !ds_isa_available((ds_isa)isa))
            continue;
        for (int kk = 0; kk <= 3; kk += 3) {
            for (int i = 0; i < M * LDC; i++)
                c[i] = NAN;
            ds_sgemm_cfg(cfg, DS_NOTRANS, DS_NOTRANS, M, N, kk, kk ? 0.0f : 1.0f, a, 3, b, N, 0.0f, c, LDC, NULL);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < LDC; j++) {
                    const float v = c[i * LDC + j];
                    if (j < N)
                        cr_assert(v == 0.0f && !signbit(v), "%s k=%d: C[%d][%d] = %g, want +0",
                                  ds_isa_to_name((ds_isa)isa), kk, i, j, v);
                    else
                        cr_assert(isnan(v), "%s: padding C[%d][%d] written", ds_isa_to_name((ds_isa)isa), i, j);
                }
            for (int i = 0; i < M * LDC; i++)
                c[i] = (float)i;
            ds_sgemm_cfg(cfg, DS_NOTRANS, DS_NOTRANS, M, N, kk, kk ? 0.0f : 1.0f, a, 3, b, N, 0.5f, c, LDC, NULL);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                    cr_assert(c[i * LDC + j] == 0.5f * (float)(i * LDC + j));
        }
    }
}

#if defined(__x86_64__)
#include <xmmintrin.h>
/* Denormal inputs are flushed (DAZ) in every thread the GEMM runs on, even
 * when the caller never called ds_init: the team is first started with
 * FTZ/DAZ cleared in each thread; then 1e-39 · 1 must come out as 0, and the
 * worker threads have FTZ+DAZ afterwards. */
Test(gemm, denormals_flushed_in_workers)
{
    enum { M = 128, N = 128, K = 128 };
    const ds_gemm_opts split = {SPLIT}; /* among the 2 threads at this size */
    float *a = alloc_floats(M * K), *b = alloc_floats(K * N), *c = alloc_floats(M * N);
    for (int i = 0; i < M * K; i++)
        a[i] = 1e-39f; /* subnormal */
    for (int i = 0; i < K * N; i++)
        b[i] = 1.0f;
    for (int isa = 0; isa < DS_ISA_COUNT; isa++) {
        const struct ds_gemm_cfg *cfg = ds_gemm_cfg_for((ds_isa)isa);
        if (!cfg || !ds_isa_available((ds_isa)isa))
            continue;
        int cleared = 1;
#pragma omp parallel num_threads(2) reduction(&& : cleared)
        {
            _mm_setcsr(_mm_getcsr() & ~0x8040u); /* FTZ (bit 15), DAZ (bit 6) off */
            cleared = !ds_denormals_flushed();
        }
        cr_assert(cleared);
        omp_set_num_threads(2);
        ds_sgemm_cfg(cfg, DS_NOTRANS, DS_NOTRANS, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N, &split);
        for (int i = 0; i < M * N; i++)
            cr_assert(c[i] == 0.0f, "%s: C[%d] = %g: denormal input not flushed",
                      ds_isa_to_name((ds_isa)isa), i, c[i]);
        int flushed = 1;
#pragma omp parallel num_threads(2) reduction(&& : flushed)
        flushed = ds_denormals_flushed();
        cr_assert(flushed, "a worker thread lacks FTZ/DAZ after ds_sgemm");
    }
    free(a);
    free(b);
    free(c);
}
#endif

/* The vector ISAs share KC and do one FMA per p in the same order with the
 * same write-back, so they must agree to the bit (what lets a run on an
 * AVX-512 or Arm machine reproduce one made on AVX2). Skipped unless two of
 * them run here. */
Test(gemm, vector_isas_agree_bitwise)
{
    const ds_isa vec[] = {DS_ISA_AVX2, DS_ISA_AVX512, DS_ISA_NEON};
    const struct ds_gemm_cfg *first = NULL;
    int n = 0;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++)
        if (ds_isa_available(vec[i]) && ds_gemm_cfg_for(vec[i]))
            n++;
    if (n < 2)
        cr_skip_test("fewer than two vector ISAs run here: nothing to compare");
    /* k spanning two KC blocks; the 10-class layer's three GEMMs (narrow
     * tiles, the Cᵀ form and its transposed write-back) */
    static const struct {
        ds_trans ta, tb;
        int m, n, k;
    } shapes[] = {{DS_NOTRANS, DS_NOTRANS, 100, 45, 1100},
                  {DS_NOTRANS, DS_NOTRANS, 100, 10, 512},
                  {DS_NOTRANS, DS_TRANS, 100, 512, 10},
                  {DS_TRANS, DS_NOTRANS, 512, 10, 100}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        first = NULL;
        problem p;
        rng_state = 99u + s;
        problem_new(&p, shapes[s].ta, shapes[s].tb, shapes[s].m, shapes[s].n, shapes[s].k, 3);
        const size_t nc = (size_t)p.m * p.ldc;
        float *c0 = alloc_floats(nc), *c = alloc_floats(nc);
        for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
            const struct ds_gemm_cfg *cfg = ds_gemm_cfg_for(vec[i]);
            if (!ds_isa_available(vec[i]) || !cfg)
                continue;
            memcpy(first ? c : c0, p.c0, nc * sizeof(float));
            /* alpha 1 and beta 0 (the training step's) on the odd shapes */
            ds_sgemm_cfg(cfg, p.ta, p.tb, p.m, p.n, p.k, s % 2 ? 1.0f : 0.75f, p.a, p.lda, p.b,
                         p.ldb, s % 2 ? 0.0f : 0.5f, first ? c : c0, p.ldc, NULL);
            if (!first) {
                first = cfg;
                continue;
            }
            cr_assert_eq(cfg->kc, first->kc, "%s and %s split K differently", ds_isa_to_name(cfg->isa),
                         ds_isa_to_name(first->isa));
            cr_assert(memcmp(c, c0, nc * sizeof(float)) == 0, "%s and %s differ (%dx%dx%d)",
                      ds_isa_to_name(cfg->isa), ds_isa_to_name(first->isa), p.m, p.n, p.k);
        }
        free(c0);
        free(c);
        problem_free(&p);
    }
}

/* An ISA's pack_bt (full B~ panels from Bᵀ storage by vector transposes)
 * is the plain gather: dst[p*NR + j] = b[j*ldb + p], nothing written past
 * kc rows; every kc across the 16-row blocks and its tails. */
Test(gemm, pack_bt_is_the_gather)
{
    for (int isa = 0; isa < DS_ISA_COUNT; isa++) {
        const struct ds_gemm_cfg *cfg = ds_gemm_cfg_for((ds_isa)isa);
        if (!cfg || !ds_isa_available((ds_isa)isa) || !cfg->pack_bt)
            continue;
        enum { KMAX = 70 };
        const int nr = cfg->nr, ldb = KMAX + 3;
        float *b = alloc_floats((size_t)nr * ldb), *dst = alloc_floats((size_t)(KMAX + 1) * nr);
        for (int i = 0; i < nr * ldb; i++)
            b[i] = (float)i;
        for (int kc = 1; kc <= KMAX; kc++) {
            for (int i = 0; i < (KMAX + 1) * nr; i++)
                dst[i] = -1.0f;
            cfg->pack_bt(b, ldb, kc, dst);
            for (int p = 0; p <= KMAX; p++)
                for (int j = 0; j < nr; j++) {
                    const float want = p < kc ? b[j * ldb + p] : -1.0f;
                    cr_assert(dst[p * nr + j] == want, "%s pack_bt kc %d: dst[%d][%d] = %g, want %g",
                              ds_isa_to_name((ds_isa)isa), kc, p, j, dst[p * nr + j], want);
                }
        }
        free(b);
        free(dst);
    }
}

/* ---- the AVX-512 micro-kernel's logic at 16 lanes, runnable anywhere --------
 *
 * kernels/avx512/gemm_avx512.c is kernels/gemm_simd.h over a 16-lane mapping
 * with a 14 x 2-vector tile; only the mapping is AVX-512 code. Here the same
 * source is built over a portable C mapping of 16 lanes with that tile, so
 * its 16-lane edges, masks and Cᵀ write-back are tested on machines without
 * AVX-512 (as test_act does for vec_body.inc). The mapping rounds like the
 * scalar reference (a multiply and an add for DSV_FMA, no fused op), and
 * both sum one term per p in increasing p with the same KC: C must equal
 * the scalar table's bit for bit. */
#define W16 16
typedef struct { float f[W16]; } w16_vec;
typedef struct { unsigned char on[W16]; } w16_mask;
static inline w16_vec w16_set1(float x) { w16_vec r; for (int i = 0; i < W16; i++) r.f[i] = x; return r; }
static inline w16_vec w16_loadu(const float *p) { w16_vec r; memcpy(r.f, p, sizeof r.f); return r; }
static inline void w16_storeu(float *p, w16_vec v) { memcpy(p, v.f, sizeof v.f); }
static inline w16_vec w16_mul(w16_vec a, w16_vec b) { for (int i = 0; i < W16; i++) a.f[i] *= b.f[i]; return a; }
static inline w16_vec w16_fma(w16_vec a, w16_vec b, w16_vec c) { for (int i = 0; i < W16; i++) c.f[i] += a.f[i] * b.f[i]; return c; }
static inline w16_mask w16_first(int n)
{
    cr_assert(n > 0 && n <= W16, "DSV_MASK_FIRST(%d): outside 1..16", n);
    w16_mask m;
    for (int i = 0; i < W16; i++) m.on[i] = i < n;
    return m;
}
/* masked lanes are never read nor written: the padding sentinels of check()
 * and the bounds of C catch any slip */
static inline w16_vec w16_maskload(const float *p, w16_mask m) { w16_vec r; for (int i = 0; i < W16; i++) r.f[i] = m.on[i] ? p[i] : 0.0f; return r; }
static inline void w16_maskstore(float *p, w16_mask m, w16_vec v) { for (int i = 0; i < W16; i++) if (m.on[i]) p[i] = v.f[i]; }
static inline void w16_transpose(w16_vec r[W16])
{
    w16_vec t[W16];
    for (int i = 0; i < W16; i++)
        for (int j = 0; j < W16; j++)
            t[j].f[i] = r[i].f[j];
    memcpy(r, t, sizeof t);
}
#define DSV w16_vec
#define DSV_LANES W16
#define DSV_ZERO() w16_set1(0.0f)
#define DSV_SET1(x) w16_set1(x)
#define DSV_BCAST(p) w16_set1(*(p))
#define DSV_FMA(a, b, c) w16_fma(a, b, c)
#define DSV_MUL(a, b) w16_mul(a, b)
#define DSV_LOADU(p) w16_loadu(p)
#define DSV_STOREU(p, v) w16_storeu(p, v)
#define DSV_MASK w16_mask
#define DSV_MASK_FIRST(n) w16_first(n)
#define DSV_MASKLOAD(p, m) w16_maskload(p, m)
#define DSV_MASKSTORE(p, m, v) w16_maskstore(p, m, v)
#define DSS_FMA(a, b, c) ((a) * (b) + (c))
#define DSV_TRANSPOSE(r) w16_transpose(r)
/* the AVX-512 tiles (checked against its table below): 14 x 32 and the
 * edge tiles 4 x 32, 10 x 32, 14 x 16, 10 x 16 and 4 x 16 */
#define UKR_MR 14
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_w16_14x32
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME
#define UKR_MR 4
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_w16_4x32
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME
#define UKR_MR 10
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_w16_10x32
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME
#define UKR_MR 14
#define UKR_NV 1
#define UKR_NAME sgemm_ukr_w16_14x16
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME
#define UKR_MR 10
#define UKR_NV 1
#define UKR_NAME sgemm_ukr_w16_10x16
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME
#define UKR_MR 4
#define UKR_NV 1
#define UKR_NAME sgemm_ukr_w16_4x16
#include "gemm_simd.h"

/* The AVX-512 table with the portable micro-kernels (its block sizes: KC
 * must be the vector ISAs' common one). */
static const struct ds_gemm_cfg w16_cfg = {
    .isa = DS_ISA_SCALAR, .mr = 14, .nr = 2 * W16,
    .mc = 112, .kc = 1024, .nc = 2048, .ukr = sgemm_ukr_w16_14x32, .b_masked = 1,
    .edge = {{4, 32, sgemm_ukr_w16_4x32}, {10, 32, sgemm_ukr_w16_10x32},
             {14, 16, sgemm_ukr_w16_14x16}, {10, 16, sgemm_ukr_w16_10x16},
             {4, 16, sgemm_ukr_w16_4x16}},
};

#if defined(__x86_64__)
Test(gemm, w16_tile_is_avx512s)
{
    const struct ds_gemm_cfg *avx512 = ds_gemm_cfg_for(DS_ISA_AVX512);
    cr_assert(avx512->mr == w16_cfg.mr && avx512->nr == w16_cfg.nr && avx512->kc == w16_cfg.kc &&
                  avx512->b_masked == w16_cfg.b_masked,
              "the portable build's tile/KC (%dx%d, %d) are not AVX-512's (%dx%d, %d)", w16_cfg.mr,
              w16_cfg.nr, w16_cfg.kc, avx512->mr, avx512->nr, avx512->kc);
    for (int e = 0; e < DS_GEMM_MAX_EDGE; e++)
        cr_assert(avx512->edge[e].mr == w16_cfg.edge[e].mr && avx512->edge[e].nr == w16_cfg.edge[e].nr &&
                      !avx512->edge[e].ukr == !w16_cfg.edge[e].ukr,
                  "edge tile %d: the portable build's %dx%d is not AVX-512's %dx%d", e,
                  w16_cfg.edge[e].mr, w16_cfg.edge[e].nr, avx512->edge[e].mr, avx512->edge[e].nr);
}
#endif

/* Accuracy (the error bound) on every path, as for the real ISAs. */
Test(gemm, sweep_w16) { sweep_cfg(&w16_cfg); }

/* Bit for bit the scalar reference, on edge-heavy shapes, every path, every
 * transpose, (alpha, beta), production and tiny blocks (several KC blocks). */
Test(gemm, w16_matches_scalar_bitwise)
{
    static const int dims[][3] = {{1, 1, 1},   {14, 32, 5},  {13, 31, 17}, {15, 33, 48},
                                  {29, 17, 97}, {100, 10, 64}, {3, 65, 200}, {57, 100, 130},
                                  {61, 48, 70},  {60, 10, 40},  {10, 60, 40}};
    const struct ds_gemm_cfg w16_small = small_blocks(&w16_cfg);
    omp_set_num_threads(2);
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int t = 0; t < 4; t++)
            for (int v = 0; v < 2 * NPOL; v++) {
                const struct ds_gemm_cfg *w = v % 2 ? &w16_small : &w16_cfg;
                struct ds_gemm_cfg ref = *ds_gemm_cfg_for(DS_ISA_SCALAR);
                ref.kc = w->kc; /* same K blocks: same sums */
                const ds_gemm_opts opts = {policies[v / 2]};
                const float alpha = alphas[1 + v % 2], beta = betas[v % 3];
                problem p;
                rng_state = 1234u + (uint32_t)(d * 8 + (size_t)t);
                problem_new(&p, (ds_trans)(t & 1), (ds_trans)(t >> 1), dims[d][0], dims[d][1],
                            dims[d][2], (int)d % 3);
                const size_t nc = (size_t)p.m * p.ldc;
                float *c1 = alloc_floats(nc), *c2 = alloc_floats(nc);
                memcpy(c1, p.c0, nc * sizeof(float));
                memcpy(c2, p.c0, nc * sizeof(float));
                ds_sgemm_cfg(&ref, p.ta, p.tb, p.m, p.n, p.k, alpha, p.a, p.lda, p.b, p.ldb, beta,
                             c1, p.ldc, &opts);
                ds_sgemm_cfg(w, p.ta, p.tb, p.m, p.n, p.k, alpha, p.a, p.lda, p.b, p.ldb, beta, c2,
                             p.ldc, &opts);
                for (size_t i = 0; i < nc; i++)
                    if (memcmp(&c1[i], &c2[i], sizeof(float)) != 0)
                        cr_assert_fail("16 lanes %c%c %dx%dx%d kc %d policy %u alpha %g beta %g: "
                                       "C[%zu] = %a, scalar %a",
                                       p.ta ? 'T' : 'N', p.tb ? 'T' : 'N', p.m, p.n, p.k, w->kc,
                                       opts.force, alpha, beta, i, c2[i], c1[i]);
                free(c1);
                free(c2);
                problem_free(&p);
            }
}
