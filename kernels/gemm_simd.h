/* One GEMM micro-kernel, written once over a per-ISA vector mapping
 * (ggml's simd-mappings idea): kernels/avx2/gemm_avx2.c and
 * kernels/avx512/gemm_avx512.c define the mapping and the tile, then include
 * this file. The AVX2 instantiation runs (and is tested) on every AVX2
 * machine, so the logic of the AVX-512 one — which this project's CI may run
 * but its development machine cannot — is exercised by the same source.
 *
 * The including file defines:
 *   DSV                    vector of DSV_LANES floats
 *   DSV_ZERO()             all zeros
 *   DSV_SET1(x)            x in every lane
 *   DSV_LOAD(p)            aligned load of DSV_LANES floats
 *   DSV_BCAST(p)           *p in every lane
 *   DSV_FMA(a, b, c)       a·b + c, one rounding
 *   DSV_MUL(a, b)          a·b
 *   DSV_LOADU(p), DSV_STOREU(p, v)      unaligned full-width load / store
 *   DSV_MASK               lane-mask type
 *   DSV_MASK_FIRST(n)      mask of the first n lanes, 0 < n <= DSV_LANES
 *   DSV_MASKLOAD(p, m), DSV_MASKSTORE(p, m, v)  masked lanes never touched
 *   UKR_MR, UKR_NV         the tile: UKR_MR rows x UKR_NV vectors
 *   UKR_NAME               the function's name
 *
 * The kernel: UKR_MR x UKR_NV accumulators held in registers across k; per
 * step one aligned B~ row (UKR_NV vectors) and UKR_MR broadcasts of A~.
 * Each element of C gets exactly one FMA per p, in increasing p, the same in
 * full and edge tiles (edges only mask the write-back), so results do not
 * depend on where an element falls in a tile.
 */
#ifndef UKR_NAME
#error "define the mapping and UKR_MR, UKR_NV, UKR_NAME before including gemm_simd.h"
#endif

#define UKR_NR (UKR_NV * DSV_LANES)

static void UKR_NAME(int k, float alpha, const float *restrict a,
                     const float *restrict b, float beta, float *restrict c,
                     int ldc, int m, int n)
{
    DSV acc[UKR_MR][UKR_NV];
#pragma GCC unroll 32
    for (int i = 0; i < UKR_MR; i++)
#pragma GCC unroll 8
        for (int v = 0; v < UKR_NV; v++)
            acc[i][v] = DSV_ZERO();

    for (int p = 0; p < k; p++) {
        const float *ap = a + (size_t)p * UKR_MR, *bp = b + (size_t)p * UKR_NR;
        DSV bv[UKR_NV];
#pragma GCC unroll 8
        for (int v = 0; v < UKR_NV; v++)
            bv[v] = DSV_LOAD(bp + v * DSV_LANES);
#pragma GCC unroll 32
        for (int i = 0; i < UKR_MR; i++) {
            const DSV ai = DSV_BCAST(ap + i);
#pragma GCC unroll 8
            for (int v = 0; v < UKR_NV; v++)
                acc[i][v] = DSV_FMA(ai, bv[v], acc[i][v]);
        }
    }

    const DSV va = DSV_SET1(alpha), vb = DSV_SET1(beta);
    if (m == UKR_MR && n == UKR_NR) {
#pragma GCC unroll 32
        for (int i = 0; i < UKR_MR; i++)
#pragma GCC unroll 8
            for (int v = 0; v < UKR_NV; v++) {
                float *cp = c + (size_t)i * ldc + v * DSV_LANES;
                DSV t = DSV_MUL(va, acc[i][v]);
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
            float *cp = c + (size_t)i * ldc + v * DSV_LANES;
            DSV t = DSV_MUL(va, acc[i][v]);
            if (beta != 0.0f)
                t = DSV_FMA(vb, DSV_MASKLOAD(cp, mk), t);
            DSV_MASKSTORE(cp, mk, t);
        }
    }
}

#undef UKR_NR
