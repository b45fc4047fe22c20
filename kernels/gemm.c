/* ds_sgemm: the BLIS/GotoBLAS 5-loop driver shared by every ISA.
 *
 *   for jc in N step NC          B~ block (kc x nc) shared by all threads
 *     for pc in K step KC          packed cooperatively, then a barrier
 *       for ic in M step MC        A~ block (mc x kc) shared, packed likewise
 *         for (jr, ir) tiles       split among threads: contiguous tile ranges,
 *           micro-kernel              jr-major so a thread keeps its B~ panel
 *
 * Threads only ever split packing and output tiles, never K: every element of
 * C is summed in the same order (pc blocks in order, p in order inside the
 * micro-kernel) whatever the thread count, so C is bit-identical for 1, 2 or
 * 64 threads. Packing buffers belong to the calling thread (thread-local),
 * are 64-byte aligned, allocated on first use and only grown afterwards: no
 * allocation in the steady state of a training loop.
 *
 * Built for the baseline ISA: packing here is plain C (it is a small share of
 * the time at the shapes that matter; see bench/bench_kernels.c).
 */
#include "gemm_ukr.h"

#include <assert.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    float *p;
    size_t cap; /* floats */
} pack_buf;

static _Thread_local pack_buf tl_a, tl_b;

/* Panels are padded to 16 floats (64 bytes) so each starts aligned. */
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

static float *pack_buf_get(pack_buf *bf, size_t n)
{
    if (n > bf->cap) {
        free(bf->p);
        size_t cap = round_up(n + n / 4, 16); /* grow with slack: fewer reallocs */
        bf->p = aligned_alloc(64, cap * sizeof(float));
        if (!bf->p)
            abort(); /* the kernel library has no error channel; OOM is fatal */
        bf->cap = cap;
    }
    return bf->p;
}

/* C = beta·C (beta == 0 writes zeros without reading: NaN in C is ignored). */
static void scale_c(int m, int n, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * ldc;
        if (beta == 0.0f)
            memset(row, 0, (size_t)n * sizeof(float));
        else if (beta != 1.0f)
            for (int j = 0; j < n; j++)
                row[j] *= beta;
    }
}

/* One A~ panel: rows [i0, i0+mv) of op(A), columns [p0, p0+kc), mv <= mr. */
static void pack_a_panel(ds_trans ta, const float *a, int lda, int i0, int p0,
                         int mv, int kc, int mr, float *restrict dst)
{
    if (ta == DS_NOTRANS) {
        for (int i = 0; i < mv; i++) {
            const float *src = a + (size_t)(i0 + i) * lda + p0;
            for (int p = 0; p < kc; p++)
                dst[(size_t)p * mr + i] = src[p];
        }
        if (mv < mr)
            for (int p = 0; p < kc; p++)
                for (int i = mv; i < mr; i++)
                    dst[(size_t)p * mr + i] = 0.0f;
    } else {
        for (int p = 0; p < kc; p++) {
            const float *src = a + (size_t)(p0 + p) * lda + i0;
            float *d = dst + (size_t)p * mr;
            memcpy(d, src, (size_t)mv * sizeof(float));
            for (int i = mv; i < mr; i++)
                d[i] = 0.0f;
        }
    }
}

/* One B~ panel: rows [p0, p0+kc) of op(B), columns [j0, j0+nv), nv <= nr. */
static void pack_b_panel(ds_trans tb, const float *b, int ldb, int p0, int j0,
                         int nv, int kc, int nr, float *restrict dst)
{
    if (tb == DS_NOTRANS) {
        for (int p = 0; p < kc; p++) {
            const float *src = b + (size_t)(p0 + p) * ldb + j0;
            float *d = dst + (size_t)p * nr;
            memcpy(d, src, (size_t)nv * sizeof(float));
            for (int j = nv; j < nr; j++)
                d[j] = 0.0f;
        }
    } else {
        for (int j = 0; j < nv; j++) {
            const float *src = b + (size_t)(j0 + j) * ldb + p0;
            for (int p = 0; p < kc; p++)
                dst[(size_t)p * nr + j] = src[p];
        }
        if (nv < nr)
            for (int p = 0; p < kc; p++)
                for (int j = nv; j < nr; j++)
                    dst[(size_t)p * nr + j] = 0.0f;
    }
}

/* [lo, hi) of `count` items for thread t of nt: contiguous, sizes differ by
 * at most one. */
static void split(int count, int t, int nt, int *lo, int *hi)
{
    *lo = (int)((long)count * t / nt);
    *hi = (int)((long)count * (t + 1) / nt);
}

/* Below this many multiply-adds a second thread costs more (fork/join and
 * barriers, a few microseconds) than it saves. Measured with bench-kernels. */
#define GEMM_MT_MIN_FMAS (64L * 64 * 64)

void ds_sgemm_cfg(const struct ds_gemm_cfg *cfg, ds_trans ta, ds_trans tb, int m,
                  int n, int k, float alpha, const float *a, int lda, const float *b,
                  int ldb, float beta, float *c, int ldc)
{
    assert(cfg && m >= 0 && n >= 0 && k >= 0);
    assert(ldc >= (n > 0 ? n : 1) && (c || m == 0 || n == 0));
    assert(lda >= ((ta == DS_NOTRANS ? k : m) > 0 ? (ta == DS_NOTRANS ? k : m) : 1));
    assert(ldb >= ((tb == DS_NOTRANS ? n : k) > 0 ? (tb == DS_NOTRANS ? n : k) : 1));
    if (m == 0 || n == 0)
        return;
    if (alpha == 0.0f || k == 0) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    assert(a && b);

    const int MR = cfg->mr, NR = cfg->nr;
    const int KC = cfg->kc < k ? cfg->kc : k;
    const int MC = cfg->mc < (int)round_up((size_t)m, (size_t)MR) ? cfg->mc
                                                                   : (int)round_up((size_t)m, (size_t)MR);
    const int NC = cfg->nc < (int)round_up((size_t)n, (size_t)NR) ? cfg->nc
                                                                   : (int)round_up((size_t)n, (size_t)NR);
    const size_t ps_a = round_up((size_t)MR * KC, 16); /* floats per A~ panel */
    const size_t ps_b = round_up((size_t)NR * KC, 16); /* floats per B~ panel */
    float *const abuf = pack_buf_get(&tl_a, ps_a * (size_t)(MC / MR));
    float *const bbuf = pack_buf_get(&tl_b, ps_b * (size_t)(NC / NR));
    const ds_sgemm_ukr_fn ukr = cfg->ukr;

    int nth = 1;
    if (!omp_in_parallel() && (long)m * n * k >= GEMM_MT_MIN_FMAS) {
        long tiles = (long)((m + MR - 1) / MR) * ((n + NR - 1) / NR);
        nth = omp_get_max_threads();
        if (nth > tiles)
            nth = (int)tiles;
    }

#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        ds_denormals_flush();
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        for (int jc = 0; jc < n; jc += NC) {
            const int nc = n - jc < NC ? n - jc : NC;
            const int npb = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                const int kc = k - pc < KC ? k - pc : KC;
                const float beta_pc = pc == 0 ? beta : 1.0f; /* later blocks accumulate */
                int lo, hi;
                split(npb, t, nt, &lo, &hi);
                for (int jp = lo; jp < hi; jp++) {
                    const int nv = nc - jp * NR < NR ? nc - jp * NR : NR;
                    pack_b_panel(tb, b, ldb, pc, jc + jp * NR, nv, kc, NR,
                                 bbuf + (size_t)jp * ps_b);
                }
#pragma omp barrier
                for (int ic = 0; ic < m; ic += MC) {
                    const int mc = m - ic < MC ? m - ic : MC;
                    const int npa = (mc + MR - 1) / MR;
                    split(npa, t, nt, &lo, &hi);
                    for (int ip = lo; ip < hi; ip++) {
                        const int mv = mc - ip * MR < MR ? mc - ip * MR : MR;
                        pack_a_panel(ta, a, lda, ic + ip * MR, pc, mv, kc, MR,
                                     abuf + (size_t)ip * ps_a);
                    }
#pragma omp barrier
                    split(npa * npb, t, nt, &lo, &hi);
                    for (int tile = lo; tile < hi; tile++) {
                        const int jp = tile / npa, ip = tile % npa;
                        const int mv = mc - ip * MR < MR ? mc - ip * MR : MR;
                        const int nv = nc - jp * NR < NR ? nc - jp * NR : NR;
                        ukr(kc, alpha, abuf + (size_t)ip * ps_a, bbuf + (size_t)jp * ps_b,
                            beta_pc, c + (size_t)(ic + ip * MR) * ldc + jc + jp * NR, ldc,
                            mv, nv);
                    }
                    /* A~ (and after the last ic, B~) is overwritten next */
#pragma omp barrier
                }
            }
        }
    }
}

void ds_sgemm(ds_trans ta, ds_trans tb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc)
{
    ds_sgemm_cfg(ds_active_gemm(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                 ldc);
}
