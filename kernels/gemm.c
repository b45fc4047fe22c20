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
 * 64 threads. Packing buffers belong to the thread using them (thread-local),
 * are 64-byte aligned, allocated on first use and only grown afterwards: no
 * allocation in the steady state of a training loop.
 *
 * Built for the baseline ISA: packing here is plain C (it is a small share of
 * the time at the shapes that matter; see bench/bench_kernels.c).
 */
#include "gemm_ukr.h"
#include "par.h"

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    float *p;
    size_t cap; /* floats */
} pack_buf;

/* Per-thread A~ and B~ buffers. A pthread key frees them when an OpenMP
 * worker thread exits (the team shrinks, or the pool is torn down), so they
 * are neither leaked nor shared between threads. */
static _Thread_local pack_buf tl_bufs[2];
static _Thread_local int tl_registered;
static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;

static void bufs_free(void *p)
{
    pack_buf *b = p;
    for (int i = 0; i < 2; i++) {
        ds_aligned_free(b[i].p);
        b[i] = (pack_buf){NULL, 0};
    }
}

static void buf_key_init(void)
{
    if (pthread_key_create(&buf_key, bufs_free) != 0)
        abort();
}

static pack_buf *thread_bufs(void)
{
    if (!tl_registered) {
        pthread_once(&buf_once, buf_key_init);
        pthread_setspecific(buf_key, tl_bufs);
        tl_registered = 1;
    }
    return tl_bufs;
}

/* Panels are padded to 16 floats (64 bytes) so each starts aligned. */
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

static float *pack_buf_get(pack_buf *bf, size_t n)
{
    if (n > bf->cap) {
        ds_aligned_free(bf->p);
        size_t cap = round_up(n + n / 4, 16); /* grow with slack: fewer reallocs */
        bf->p = ds_aligned_alloc(cap * sizeof(float));
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

/* Transposing copies go in blocks of PACK_BLK along k, so the source rows
 * and destination lines of one block stay in L1 (one source row at a time
 * for the whole kc would evict the destination lines it is scattered over). */
enum { PACK_BLK = 16 };

/* One A~ panel: rows [i0, i0+mv) of op(A), columns [p0, p0+kc), mv <= mr. */
static void pack_a_panel(ds_trans ta, const float *a, int lda, int i0, int p0,
                         int mv, int kc, int mr, float *restrict dst)
{
    if (ta == DS_NOTRANS) {
        for (int pb = 0; pb < kc; pb += PACK_BLK) {
            const int pe = kc - pb < PACK_BLK ? kc : pb + PACK_BLK;
            for (int i = 0; i < mv; i++) {
                const float *src = a + (size_t)(i0 + i) * lda + p0;
                for (int p = pb; p < pe; p++)
                    dst[(size_t)p * mr + i] = src[p];
            }
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

/* The row stride of a B~ panel of nv columns: the narrowest tile width
 * (cfg->nr or an edge tile's) that covers them. A narrow last panel (the
 * 10-class layer) is then packed and read at the width its tile uses. */
static int panel_width(const struct ds_gemm_cfg *cfg, int nv)
{
    int w = cfg->nr;
    for (int e = 0; e < DS_GEMM_MAX_EDGE && cfg->edge[e].ukr; e++)
        if (cfg->edge[e].nr >= nv && cfg->edge[e].nr < w)
            w = cfg->edge[e].nr;
    return w;
}

/* One B~ panel: rows [p0, p0+kc) of op(B), columns [j0, j0+nv), nv <= w,
 * rows w floats apart, zero past nv; full transposed panels by the ISA's
 * pack_bt when it has one. */
static void pack_b_panel(const struct ds_gemm_cfg *cfg, ds_trans tb, const float *b,
                         int ldb, int p0, int j0, int nv, int w, int kc, float *restrict dst)
{
    if (tb != DS_NOTRANS && nv == cfg->nr && cfg->pack_bt) {
        cfg->pack_bt(b + (size_t)j0 * ldb + p0, ldb, kc, dst);
    } else if (tb == DS_NOTRANS) {
        for (int p = 0; p < kc; p++) {
            const float *src = b + (size_t)(p0 + p) * ldb + j0;
            float *d = dst + (size_t)p * w;
            for (int j = 0; j < nv; j++)
                d[j] = src[j];
            for (int j = nv; j < w; j++)
                d[j] = 0.0f;
        }
    } else {
        for (int pb = 0; pb < kc; pb += PACK_BLK) {
            const int pe = kc - pb < PACK_BLK ? kc : pb + PACK_BLK;
            for (int j = 0; j < nv; j++) {
                const float *src = b + (size_t)(j0 + j) * ldb + p0;
                for (int p = pb; p < pe; p++)
                    dst[(size_t)p * w + j] = src[p];
            }
        }
        if (nv < w)
            for (int p = 0; p < kc; p++)
                for (int j = nv; j < w; j++)
                    dst[(size_t)p * w + j] = 0.0f;
    }
}

/* One register tile of mv x nv (<= MR x NR) elements of C whose B rows
 * hold w floats (panel_width, or NR in place), by the ISA's micro-kernel
 * or, at an edge, by the tile of cfg->edge (gemm_ukr.h) as wide as the
 * panel that covers mv rows in the fewest lanes of work: chunks of its mr
 * rows, each chunk mr x nr lanes (a tie goes to the tile listed first, ukr
 * before edges). */
static void run_tile(const struct ds_gemm_cfg *cfg, int kc, float alpha, const float *a,
                     ptrdiff_t rs_a, ptrdiff_t cs_a, const float *b, ptrdiff_t rs_b, int w,
                     float beta, float *c, ptrdiff_t rs_c, ptrdiff_t cs_c, int mv, int nv)
{
    if (mv == cfg->mr && w == cfg->nr) { /* a full tile */
        cfg->ukr(kc, alpha, a, rs_a, cs_a, b, rs_b, beta, c, rs_c, cs_c, mv, nv);
        return;
    }
    ds_sgemm_ukr_fn ukr = w == cfg->nr ? cfg->ukr : NULL;
    int mr = cfg->mr;
    long best = ukr ? (long)mr * w : -1;
    for (int e = 0; e < DS_GEMM_MAX_EDGE && cfg->edge[e].ukr; e++) {
        const struct ds_gemm_tile *t = &cfg->edge[e];
        const long cost = (long)((mv + t->mr - 1) / t->mr) * t->mr * t->nr;
        if (t->nr == w && (best < 0 || cost < best)) {
            best = cost;
            ukr = t->ukr;
            mr = t->mr;
        }
    }
    for (int r = 0; r < mv; r += mr)
        ukr(kc, alpha, a + r * rs_a, rs_a, cs_a, b, rs_b, beta, c + r * rs_c, rs_c, cs_c,
            mv - r < mr ? mv - r : mr, nv);
}

/* One GEMM as the micro-kernel sees it: C(i, j) = c[i*rs_c + j*cs_c]. */
typedef struct {
    const struct ds_gemm_cfg *cfg;
    ds_trans ta, tb;
    int m, n, k;
    float alpha, beta;
    const float *a, *b;
    int lda, ldb;
    float *c;
    ptrdiff_t rs_c, cs_c;
    int pack_a;    /* 0: the micro-kernel reads op(A) in place               */
    int inplace_b; /* 1: full B panels are read in place (tb == N only)     */
} gemm_plan;

/* Rows [i0, i1) x columns [j0, j1) of C, on the calling thread, with its own
 * packing buffers. The summation order of an element depends only on k and
 * KC, never on the block bounds: any partition gives the same bits. */
static void gemm_block(const gemm_plan *g, int i0, int i1, int j0, int j1)
{
    const struct ds_gemm_cfg *cfg = g->cfg;
    const int MR = cfg->mr, NR = cfg->nr, k = g->k;
    const int KC = cfg->kc < k ? cfg->kc : k;
    const int mr_up = (int)round_up((size_t)(i1 - i0), (size_t)MR);
    const int nr_up = (int)round_up((size_t)(j1 - j0), (size_t)NR);
    const int MC = cfg->mc < mr_up ? cfg->mc : mr_up;
    const int NC = cfg->nc < nr_up ? cfg->nc : nr_up;
    const size_t ps_a = round_up((size_t)MR * KC, 16); /* floats per A~ panel */
    const size_t ps_b = round_up((size_t)NR * KC, 16); /* floats per B~ panel */
    pack_buf *bufs = thread_bufs();
    float *const abuf = g->pack_a ? pack_buf_get(&bufs[0], ps_a * (size_t)(MC / MR)) : NULL;
    float *const bbuf = pack_buf_get(&bufs[1], ps_b * (size_t)(NC / NR));

    for (int jc = j0; jc < j1; jc += NC) {
        const int nc = j1 - jc < NC ? j1 - jc : NC;
        const int npb = (nc + NR - 1) / NR;
        for (int pc = 0; pc < k; pc += KC) {
            const int kc = k - pc < KC ? k - pc : KC;
            const float beta_pc = pc == 0 ? g->beta : 1.0f; /* later blocks accumulate */
            for (int jp = 0; jp < npb; jp++) {
                const int nv = nc - jp * NR < NR ? nc - jp * NR : NR;
                if (!(g->inplace_b && (nv == NR || cfg->b_masked)))
                    pack_b_panel(cfg, g->tb, g->b, g->ldb, pc, jc + jp * NR, nv,
                                 panel_width(cfg, nv), kc, bbuf + (size_t)jp * ps_b);
            }
            for (int ic = i0; ic < i1; ic += MC) {
                const int mc = i1 - ic < MC ? i1 - ic : MC;
                const int npa = (mc + MR - 1) / MR;
                if (g->pack_a)
                    for (int ip = 0; ip < npa; ip++) {
                        const int mv = mc - ip * MR < MR ? mc - ip * MR : MR;
                        pack_a_panel(g->ta, g->a, g->lda, ic + ip * MR, pc, mv, kc, MR,
                                     abuf + (size_t)ip * ps_a);
                    }
                for (int jp = 0; jp < npb; jp++) {
                    const int nv = nc - jp * NR < NR ? nc - jp * NR : NR;
                    const float *bp;
                    ptrdiff_t rs_b;
                    int w = panel_width(cfg, nv);
                    if (g->inplace_b && (nv == NR || cfg->b_masked)) {
                        bp = g->b + (size_t)pc * g->ldb + jc + jp * NR;
                        rs_b = g->ldb;
                    } else {
                        bp = bbuf + (size_t)jp * ps_b;
                        rs_b = w;
                    }
                    for (int ip = 0; ip < npa; ip++) {
                        const int mv = mc - ip * MR < MR ? mc - ip * MR : MR;
                        const int row = ic + ip * MR;
                        const float *ap;
                        ptrdiff_t rs_a, cs_a;
                        if (g->pack_a) {
                            ap = abuf + (size_t)ip * ps_a;
                            rs_a = 1;
                            cs_a = MR;
                        } else if (g->ta == DS_NOTRANS) {
                            ap = g->a + (size_t)row * g->lda + pc;
                            rs_a = g->lda;
                            cs_a = 1;
                        } else {
                            ap = g->a + (size_t)pc * g->lda + row;
                            rs_a = 1;
                            cs_a = g->lda;
                        }
                        run_tile(cfg, kc, g->alpha, ap, rs_a, cs_a, bp, rs_b, w, beta_pc,
                                 g->c + row * g->rs_c + (jc + jp * NR) * g->cs_c, g->rs_c,
                                 g->cs_c, mv, nv);
                    }
                }
            }
        }
    }
}

/* [lo, hi) of `count` items for part t of nt: contiguous, sizes differ by at
 * most one. */
static void split(int count, int t, int nt, int *lo, int *hi)
{
    *lo = (int)((long)count * t / nt);
    *hi = (int)((long)count * (t + 1) / nt);
}

/* Block (t / tn, t % tn) of a tm x tn grid over C's tiles, for part t. */
typedef struct {
    const gemm_plan *g;
    int tm, tn, mtiles, ntiles;
} grid_job;

static void grid_body(void *p, int t, int nt)
{
    const grid_job *j = p;
    const gemm_plan *g = j->g;
    const int MR = g->cfg->mr, NR = g->cfg->nr;
    (void)nt;
    if (t >= j->tm * j->tn)
        return;
    int ilo, ihi, jlo, jhi;
    split(j->mtiles, t / j->tn, j->tm, &ilo, &ihi);
    split(j->ntiles, t % j->tn, j->tn, &jlo, &jhi);
    const int i0 = ilo * MR, i1 = ihi * MR < g->m ? ihi * MR : g->m;
    const int j0 = jlo * NR, j1 = jhi * NR < g->n ? jhi * NR : g->n;
    if (i0 < i1 && j0 < j1)
        gemm_block(g, i0, i1, j0, j1);
}

/* Packing one element costs about as much as this many multiply-adds
 * (plain-C packing against the micro-kernel's FMA rate): used to weigh
 * partitions that pack less. */
#define GEMM_PACK_COST 8

void ds_sgemm_cfg(const struct ds_gemm_cfg *cfg, ds_trans ta, ds_trans tb, int m,
                  int n, int k, float alpha, const float *a, int lda, const float *b,
                  int ldb, float beta, float *c, int ldc, const ds_gemm_opts *opts)
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
    const unsigned ov = opts ? opts->force : 0;

    gemm_plan g = {cfg, ta, tb, m, n, k, alpha, beta, a, b, lda, ldb, c, ldc, 1, 1, 0};
    /* Computing Cᵀ = op(B)ᵀ·op(A)ᵀ instead swaps which operand the
     * micro-kernel streams in place and which one is packed; Cᵀ is then
     * written element by element, which k must amortise.
     * - A skinny C (n below one register tile) wastes most of each tile's
     *   columns; as Cᵀ its short side goes to the tile's rows. Only when
     *   op(A)ᵀ can then be read in place (A stored transposed).
     * - dX = dY·Wᵀ (NT, m < n): the big W would be packed by a transposing
     *   gather; as Cᵀ = W·dYᵀ, W is read in place by rows and only the small
     *   dY is packed. Measured on AVX2 (Zen 1, 1 thread, CPU time):
     *   [100x784]x[784x256] NT 24.4 -> 30.1 GFLOP/s, [100x784]x[784x512]
     *   27.0 -> 30.8; with k = 10 it lost (20.8 -> 14.7), hence k >= 64.
     *   An ISA that packs Bᵀ with vector transposes (pack_bt) makes the
     *   gather cheap and then the direct form wins: on AVX-512 (Zen 5) NT
     *   100x784x256 direct 143-147 GFLOP/s against Cᵀ 127-131, 100x512x512
     *   155-157 against 117-122 (medians of 41, CPU time, load 9-10);
     *   likewise on AVX2 once it had pack_bt (Zen 5, user CPU time, medians
     *   of 5): 100x784x256 direct 430 us against Cᵀ 460, 100x256x256 137
     *   against 150. */
    int transpose = (n < NR && m > n && ta == DS_TRANS) ||
                    (ta == DS_NOTRANS && tb == DS_TRANS && m < n && k >= 64 && !cfg->pack_bt);
    if (ov & DS_GEMM_NO_CT) transpose = 0;
    if (ov & DS_GEMM_CT) transpose = 1;
    if (transpose) {
        g.ta = tb == DS_NOTRANS ? DS_TRANS : DS_NOTRANS;
        g.tb = ta == DS_NOTRANS ? DS_TRANS : DS_NOTRANS;
        g.m = n;
        g.n = m;
        g.a = b;
        g.lda = ldb;
        g.b = a;
        g.ldb = lda;
        g.rs_c = 1;
        g.cs_c = ldc;
    }
    /* Packing costs a pass over the operand; reading it in place costs
     * cache and TLB misses when its rows are far apart. Measured on Zen 1
     * (thread CPU time, 1 thread, against OpenBLAS Haswell interleaved):
     * in place won on every batch-100 shape, e.g. [100x256]x[256x256] NN
     * 32.6 -> 36.5 GFLOP/s (OpenBLAS 36.3), but at 2048 in-place B fell to
     * 11.4 from 36.2 (rows 8 KiB apart alias in L1 and L2) and in-place A
     * to 33.7. So: in place when rows are < 4 KiB apart and the operand is
     * at most 4 MiB; always for A when few B panels reuse it, and for B
     * when few A tiles do (the Cᵀ form of a skinny dW). */
    const int nearby_a = g.lda < 1024 && (size_t)g.m * g.k <= ((size_t)1 << 20);
    const int nearby_b = g.ldb < 1024 && (size_t)g.k * g.n <= ((size_t)1 << 20);
    g.pack_a = g.n > 4 * NR && !nearby_a;
    if (ov & DS_GEMM_PACK_A) g.pack_a = 1;
    if (ov & DS_GEMM_INPLACE_A) g.pack_a = 0;
    g.inplace_b = (g.m + MR - 1) / MR <= 4 || nearby_b;
    if (ov & DS_GEMM_PACK_B) g.inplace_b = 0;
    if (ov & DS_GEMM_INPLACE_B) g.inplace_b = 1;
    if (g.tb != DS_NOTRANS)
        g.inplace_b = 0;

    const int mtiles = (g.m + MR - 1) / MR, ntiles = (g.n + NR - 1) / NR;
    const long tiles = (long)mtiles * ntiles;
    int nth = ov & DS_GEMM_SPLIT_ALWAYS
                  ? ds_par_max()
                  : ds_par_threads(ds_par_gemm_ns(cfg->isa, (double)m * n * k),
                                   tiles > INT_MAX ? INT_MAX : (int)tiles);
    if ((long)nth > tiles)
        nth = (int)tiles;
    /* A tm x tn grid of independent blocks, one per thread: no barrier but
     * the final join. Pick the grid with the least work on its busiest
     * thread (multiply-adds plus packing). */
    int tm = 1, tn = nth;
    double best = -1;
    for (int d = 1; d <= nth; d++) {
        if (nth % d)
            continue;
        const int e = nth / d;
        if (d > mtiles || e > ntiles)
            continue;
        const double mb = (double)((mtiles + d - 1) / d) * MR;
        const double nb = (double)((ntiles + e - 1) / e) * NR;
        const double cost = mb * nb + GEMM_PACK_COST * ((g.pack_a ? mb : 0) + (g.inplace_b ? 0 : nb));
        if (best < 0 || cost < best) {
            best = cost;
            tm = d;
            tn = e;
        }
    }
    if (best < 0) { /* nth has no divisor fitting the tiles: fall back */
        tm = 1;
        tn = 1;
        nth = 1;
    }
    grid_job j = {&g, tm, tn, mtiles, ntiles};
    ds_par(nth, grid_body, &j);
}

void ds_sgemm(ds_trans ta, ds_trans tb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc)
{
    ds_sgemm_cfg(ds_active_gemm(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                 ldc, NULL);
}

void ds_sgemm_ex(ds_trans ta, ds_trans tb, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta,
                 float *c, int ldc, const ds_gemm_opts *opts)
{
    ds_sgemm_cfg(ds_active_gemm(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                 ldc, opts);
}
