/* Private to kernels/: the per-ISA GEMM configuration that gemm.c drives.
 *
 * gemm.c owns the BLIS/GotoBLAS 5-loop structure (jc/NC, pc/KC, ic/MC, jr/NR,
 * ir/MR), packing and threading; an ISA contributes one of these tables
 * (ds_gemm_cfg_<isa>, filled in kernels/<isa>/gemm_*.c) with its block sizes
 * and its micro-kernel. No ISA code ever lives in gemm.c.
 *
 * Packed layouts (what a micro-kernel reads):
 *   A~ panel: MR rows x kc, column by column: a[p*MR + i] = op(A)(i, p),
 *             rows past the matrix edge are zero.
 *   B~ panel: kc x NR, row by row:           b[p*NR + j] = op(B)(p, j),
 *             columns past the matrix edge are zero.
 * Every panel starts 64-byte aligned (gemm.c rounds panel strides up to 16
 * floats), so packed rows never split a cache line; micro-kernels still use
 * unaligned loads because B may also be read in place.
 */
#ifndef DS_GEMM_UKR_H
#define DS_GEMM_UKR_H

#include "internal.h"

#include <stddef.h>

/* C[0..m) x [0..n) = alpha · A·B + beta · C for one register tile, where
 *   A(i, p) = a[i*rs_a + p*cs_a]   (A~ packed: rs_a = 1, cs_a = MR; or the
 *                                    caller's matrix read in place)
 *   B(p, j) = b[p*rs_b + j]        (B~ packed: rs_b = NR; or in place)
 *   C(i, j) = c[i*rs_c + j*cs_c]   (cs_c == 1 normally; ldc when gemm.c
 *                                    computes Cᵀ = Bᵀ·Aᵀ for a skinny C)
 * The product is summed over p = 0..k-1 in increasing order, one FMA (or, for
 * the scalar reference, one multiply and one add) per term, for every element
 * the same way whatever its place in the tile — which is what makes C
 * independent of how tiles are shared among threads.
 * m <= MR, n <= NR: edge tiles are handled inside; rows i >= m of A are
 * never read; columns j >= n of B are read unless the table says b_masked
 * (gemm.c then reads a narrow last B panel in place too; otherwise B must
 * hold NR readable floats per row and gemm.c passes in-place B panels only
 * when they are full).
 * beta == 0 must not read C. Write-back: t = alpha·acc;
 * C = (beta == 0) ? t : beta·C + t. */
typedef void (*ds_sgemm_ukr_fn)(int k, float alpha, const float *a, ptrdiff_t rs_a,
                                ptrdiff_t cs_a, const float *b, ptrdiff_t rs_b,
                                float beta, float *c, ptrdiff_t rs_c, ptrdiff_t cs_c,
                                int m, int n);

/* One full B~ panel from a B stored transposed (op(B) = Bᵀ, the NT form
 * dX = dY·Wᵀ): dst[p*NR + j] = b[j*ldb + p] for p < kc, j < NR. A copy, so
 * it changes no bit of C; an ISA's vector transposes do it several times
 * faster than gemm.c's element-by-element gather. */
typedef void (*ds_sgemm_pack_bt_fn)(const float *b, ptrdiff_t ldb, int kc, float *dst);

#define DS_GEMM_MAX_EDGE 6

struct ds_gemm_cfg {
    ds_isa isa;
    int mr, nr;        /* register tile: the micro-kernel's C block          */
    int mc, kc, nc;    /* cache blocks: A~ (mc x kc) in L2, B~ (kc x nc) in L3;
                        * mc a multiple of mr, nc a multiple of nr          */
    ds_sgemm_ukr_fn ukr;
    int b_masked; /* 1: no tile reads B past its n columns (gemm_simd.h) */
    ds_sgemm_pack_bt_fn pack_bt; /* NULL: gemm.c's plain C for every panel */
    /* Edge tiles (optional; the list ends at the first NULL ukr): the same
     * sums as ukr (one FMA per p in increasing p, the same write-back) over
     * a smaller block, so less work is spent on rows or columns past an
     * edge. gemm.c runs each register tile of mv x nv elements on the tile
     * (this list or ukr itself) with nr >= nv that covers mv rows in the
     * fewest lanes of work (chunks of mr rows, each chunk mr x nr), e.g. on
     * AVX-512 a last row tile of 2 rows (batch 100 = 7 x 14 + 2) on 4 x 32,
     * the 10-class layer as Cᵀ (10 rows) on 10 x 32, a last panel of up to
     * 16 columns on 14 x 16. */
    struct ds_gemm_tile {
        int mr, nr;
        ds_sgemm_ukr_fn ukr;
    } edge[DS_GEMM_MAX_EDGE];
};

/* ds_sgemm_ex on an explicit configuration (tests, bench): the same driver
 * ds_sgemm runs on the active ISA's table. opts may be NULL. */
void ds_sgemm_cfg(const struct ds_gemm_cfg *cfg, ds_trans ta, ds_trans tb, int m,
                  int n, int k, float alpha, const float *a, int lda, const float *b,
                  int ldb, float beta, float *c, int ldc, const ds_gemm_opts *opts);

#endif
