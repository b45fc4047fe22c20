/* One GEMM micro-kernel, written once over a per-ISA vector mapping
 * (ggml's simd-mappings idea): kernels/avx2/gemm_avx2.c and
 * kernels/avx512/gemm_avx512.c define the mapping and the tile, then include
 * this file. The AVX2 instantiation runs (and is tested) on every AVX2
 * machine, and tests/test_gemm.c builds this file over a portable C mapping
 * of 16 lanes with the AVX-512 tile, checked bit for bit against the scalar
 * reference: the AVX-512 logic is tested on machines without AVX-512 too.
 *
 * The including file defines:
 *   DSV                    vector of DSV_LANES floats
 *   DSV_ZERO()             all zeros
 *   DSV_SET1(x)            x in every lane
 *   DSV_BCAST(p)           *p in every lane
 *   DSV_FMA(a, b, c)       a·b + c, one rounding
 *   DSV_MUL(a, b)          a·b
 *   DSV_LOADU(p), DSV_STOREU(p, v)      unaligned full-width load / store
 *   DSV_MASK               lane-mask type
 *   DSV_MASK_FIRST(n)      mask of the first n lanes, 0 < n <= DSV_LANES
 *   DSV_MASKLOAD(p, m), DSV_MASKSTORE(p, m, v)  masked lanes never touched
 *   DSS_FMA(a, b, c)       scalar a·b + c, one rounding (strided write-back)
 *   DSV_TRANSPOSE(r)       optional: transposes DSV r[DSV_LANES] in place (r[i]
 *                          lane j becomes r[j] lane i); with it, a C stored
 *                          transposed is written a vector (one C row) at a
 *                          time when UKR_MR <= DSV_LANES, else element-wise
 *   UKR_MR, UKR_NV         the tile: UKR_MR rows x UKR_NV vectors
 *   UKR_NAME               the function's name
 *
 * The kernel: UKR_MR x UKR_NV accumulators held in registers across k; per
 * step one B row (UKR_NV vectors) and UKR_MR broadcasts of A (packed or in
 * place: see ds_sgemm_ukr_fn in gemm_ukr.h for the strides).
 * Each element of C gets exactly one FMA per p, in increasing p, the same in
 * full and edge tiles (edges only mask the write-back), so results do not
 * depend on where an element falls in a tile.
 */
#ifndef UKR_NAME
#error "define the mapping and UKR_MR, UKR_NV, UKR_NAME before including gemm_simd.h"
#endif

#define UKR_NR (UKR_NV * DSV_LANES)

static void UKR_NAME(int k, float alpha, const float *a, ptrdiff_t rs_a,
                     ptrdiff_t cs_a, const float *b, ptrdiff_t rs_b, float beta,
                     float *c, ptrdiff_t rs_c, ptrdiff_t cs_c, int m, int n)
{
    /* Rows past the edge re-read the last valid row: always in bounds (A
     * may be the caller's matrix), the results are discarded. */
    const float *ar[UKR_MR];
#pragma GCC unroll 32
    for (int i = 0; i < UKR_MR; i++)
        ar[i] = a + (i < m ? i : m - 1) * rs_a;

    DSV acc[UKR_MR][UKR_NV];
#pragma GCC unroll 32
    for (int i = 0; i < UKR_MR; i++)
#pragma GCC unroll 8
        for (int v = 0; v < UKR_NV; v++)
            acc[i][v] = DSV_ZERO();

    /* One k step: a B row by LOADB(v), then UKR_MR broadcasts of A from
     * ADDR(i). A narrow tile (n < UKR_NR) loads only its first n columns of
     * B (masked), so B may be read in place with rows of only n floats. */
#define UKR_STEP(ADDR, LOADB)                                                 \
    do {                                                                      \
        DSV bv[UKR_NV];                                                       \
        _Pragma("GCC unroll 8") for (int v = 0; v < UKR_NV; v++)              \
            bv[v] = LOADB(v);                                                 \
        _Pragma("GCC unroll 32") for (int i = 0; i < UKR_MR; i++) {           \
            const DSV ai = DSV_BCAST(ADDR);                                   \
            _Pragma("GCC unroll 8") for (int v = 0; v < UKR_NV; v++)          \
                acc[i][v] = DSV_FMA(ai, bv[v], acc[i][v]);                    \
        }                                                                     \
    } while (0)

#define UKR_LOAD_FULL(v) DSV_LOADU(b + (v) * DSV_LANES)
#define UKR_LOAD_EDGE(v)                                                      \
    ((v) * DSV_LANES + DSV_LANES <= n ? DSV_LOADU(b + (v) * DSV_LANES)        \
     : (v) * DSV_LANES < n            ? DSV_MASKLOAD(b + (v) * DSV_LANES, bm[v]) \
                                      : DSV_ZERO())
    /* packed A~ (or rows adjacent in memory): one base pointer and constant
     * offsets, leaving the other registers free — with UKR_MR row pointers
     * a 14-row tile would run out of them */
    const int one_base = rs_a == 1 && m == UKR_MR;
    ptrdiff_t off = 0;
    if (n == UKR_NR) {
        if (one_base)
            for (int p = 0; p < k; p++, off += cs_a, b += rs_b)
                UKR_STEP(a + off + i, UKR_LOAD_FULL);
        else
            for (int p = 0; p < k; p++, off += cs_a, b += rs_b)
                UKR_STEP(ar[i] + off, UKR_LOAD_FULL);
    } else {
        DSV_MASK bm[UKR_NV];
#pragma GCC unroll 8
        for (int v = 0; v < UKR_NV; v++) /* lanes outside 1..DSV_LANES: unused */
            bm[v] = DSV_MASK_FIRST(n - v * DSV_LANES < 1                ? 1
                                   : n - v * DSV_LANES < DSV_LANES ? n - v * DSV_LANES
                                                                   : DSV_LANES);
        if (one_base)
            for (int p = 0; p < k; p++, off += cs_a, b += rs_b)
                UKR_STEP(a + off + i, UKR_LOAD_EDGE);
        else
            for (int p = 0; p < k; p++, off += cs_a, b += rs_b)
                UKR_STEP(ar[i] + off, UKR_LOAD_EDGE);
    }
#undef UKR_STEP
#undef UKR_LOAD_FULL
#undef UKR_LOAD_EDGE

    const DSV va = DSV_SET1(alpha), vb = DSV_SET1(beta);
#if defined(DSV_TRANSPOSE) && UKR_MR <= DSV_LANES
    if (cs_c != 1 && rs_c == 1) {
        /* C transposed in memory (skinny C computed as Cᵀ): column j of the
         * tile is m contiguous floats of C; a register transpose turns the
         * accumulators of DSV_LANES columns into those rows. The same
         * alpha·acc and single-rounding beta·C + t as every other path. */
        const DSV_MASK mk = DSV_MASK_FIRST(m);
#pragma GCC unroll 8
        for (int v = 0; v < UKR_NV; v++) {
            const int cols = n - v * DSV_LANES;
            if (cols <= 0)
                break;
            DSV r[DSV_LANES];
#pragma GCC unroll 32
            for (int i = 0; i < DSV_LANES; i++)
                r[i] = i >= UKR_MR ? DSV_ZERO() : alpha == 1.0f ? acc[i][v] : DSV_MUL(va, acc[i][v]);
            DSV_TRANSPOSE(r);
            for (int q = 0; q < (cols < DSV_LANES ? cols : DSV_LANES); q++) {
                float *cp = c + (v * DSV_LANES + q) * cs_c;
                DSV t = r[q];
                if (beta != 0.0f)
                    t = DSV_FMA(vb, DSV_MASKLOAD(cp, mk), t);
                DSV_MASKSTORE(cp, mk, t);
            }
        }
        return;
    }
#endif
    if (cs_c != 1) {
        /* C transposed in memory (skinny C computed as Cᵀ): element by
         * element, with the same single-rounding FMA as the vector path */
        float t[UKR_NV * DSV_LANES];
#pragma GCC unroll 32
        for (int i = 0; i < UKR_MR; i++) {
            if (i >= m)
                break;
#pragma GCC unroll 8
            for (int v = 0; v < UKR_NV; v++)
                DSV_STOREU(t + v * DSV_LANES, alpha == 1.0f ? acc[i][v] : DSV_MUL(va, acc[i][v]));
            for (int j = 0; j < n; j++) {
                float *cp = c + i * rs_c + j * cs_c;
                *cp = beta == 0.0f ? t[j] : DSS_FMA(beta, *cp, t[j]);
            }
        }
        return;
    }
    if (m == UKR_MR && n == UKR_NR) {
#pragma GCC unroll 32
        for (int i = 0; i < UKR_MR; i++)
#pragma GCC unroll 8
            for (int v = 0; v < UKR_NV; v++) {
                float *cp = c + i * rs_c + v * DSV_LANES;
                DSV t = alpha == 1.0f ? acc[i][v] : DSV_MUL(va, acc[i][v]);
                if (beta != 0.0f)
                    t = DSV_FMA(vb, DSV_LOADU(cp), t);
                DSV_STOREU(cp, t);
            }
        return;
    }
#pragma GCC unroll 32
    for (int i = 0; i < UKR_MR; i++) {
        if (i >= m)
            break;
#pragma GCC unroll 8
        for (int v = 0; v < UKR_NV; v++) {
            const int lanes = n - v * DSV_LANES;
            if (lanes <= 0)
                break;
            const DSV_MASK mk = DSV_MASK_FIRST(lanes < DSV_LANES ? lanes : DSV_LANES);
            float *cp = c + i * rs_c + v * DSV_LANES;
            DSV t = alpha == 1.0f ? acc[i][v] : DSV_MUL(va, acc[i][v]);
            if (beta != 0.0f)
                t = DSV_FMA(vb, DSV_MASKLOAD(cp, mk), t);
            DSV_MASKSTORE(cp, mk, t);
        }
    }
}

#undef UKR_NR
