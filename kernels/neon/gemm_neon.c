/* NEON GEMM: an 8x12 micro-kernel with FMLA by element, and the block sizes
 * for a Neoverse-class core.
 *
 * Tile 8x12 (MR x NR), register budget (32 x 128-bit V registers):
 *   24 accumulators (8 rows x 3 vectors of 4 columns)
 *  + 3 B~ vectors (one 12-float row of the B~ panel)
 *  + 2 A~ vectors (one 8-float column of the A~ panel; each row's value is
 *    used in place as a lane: FMLA Vd.4S, Vn.4S, Vm.S[i], so A needs no
 *    broadcast instructions)
 *  = 29, 3 spare. Per k step: 5 loads (as 2 LDP q-pairs + 1 LDR q, or
 *  LD1 x2/x3) feed 24 FMLAs — 96 multiply-adds, a 24:5 FMA-to-load ratio,
 *  well above what 2 load pipes need to keep 2 (N1) or 4 (V1) FMA pipes
 *  busy. Why not 12x8: same 24 accumulators but 3 A + 2 B registers; 8 rows
 *  fit batch 100 better (13 tiles, 4% padding, against 9 tiles and 8% for
 *  12 rows), and 12 columns waste less than 16 on the 10-wide output layer.
 *  Why not 8x16 (32 accumulators): no registers left for A and B.
 *  Expected (no Arm machine here; from the objdump of the inner loop and
 *  the published pipes): 192 flops per k step. Neoverse N1, 2 x 128-bit
 *  FMA pipes: 12 cycles per step, 16 flops/cycle = its peak, the other 6.5
 *  instructions per step fit beside the FMLAs in its 4-wide front end.
 *  Neoverse V1, 4 x 128-bit FMA pipes: 6 cycles per step, 32 flops/cycle
 *  peak, with ~5 instructions per cycle to issue — close to its front-end
 *  width, so expect 85-100% of peak there. 24 independent accumulators
 *  cover FMA latency x pipes (4 x 2 = 8 on N1, 4 x 4 = 16 on V1).
 *
 * A read in place by rows (ds_sgemm_ukr_fn with rs_a != 1) cannot be loaded
 * as a column vector: that path loads each row's value as a scalar (GCC
 * emits LDR S + FMLA by element [0]) — the same single-rounding
 * multiply-add of the same two numbers, so both paths give the same bits.
 *
 * Summation order: as every micro-kernel here, one FMA per p in increasing p
 * for each element, then t = alpha·acc and C = beta·C + t (one FMA). With
 * the same KC as avx2 (1024), the whole ds_sgemm is bit-identical to the
 * avx2 path (gemm.c only ever splits K at KC boundaries). */
#include "gemm_ukr.h"

#include <arm_neon.h>
#include <math.h>

#define MR 8
#define NR 12

/* C tile write-back from a stack copy t = alpha·acc: any m <= MR, n <= NR,
 * any strides. fmaf is the same single rounding as the vector FMLA of the
 * full-tile path, so an element's result does not depend on which path
 * wrote it. (The accumulators are copied out, never passed by address: an
 * escaping acc[][] would make the compiler keep it in memory inside the k
 * loop.) */
static void store_edge(const float t[MR][NR], float beta, float *c, ptrdiff_t rs_c,
                       ptrdiff_t cs_c, int m, int n)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float *cp = c + i * rs_c + j * cs_c;
            *cp = beta == 0.0f ? t[i][j] : fmaf(beta, *cp, t[i][j]);
        }
}

static void sgemm_ukr_neon_8x12(int k, float alpha, const float *a, ptrdiff_t rs_a,
                                ptrdiff_t cs_a, const float *b, ptrdiff_t rs_b,
                                float beta, float *c, ptrdiff_t rs_c, ptrdiff_t cs_c,
                                int m, int n)
{
    float32x4_t acc[MR][3];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);

    if (rs_a == 1 && (m == MR || cs_a == MR)) {
        /* A column contiguous and 8 floats readable: packed A~ (rows past
         * the edge are zero there), or Aᵀ read in place with a full tile.
         * Unrolled by 2: 61 instructions per 2 steps (48 FMLA, 6 loads, 7
         * for pointers and the branch) instead of 32 per step. */
#pragma GCC unroll 2
        for (int p = 0; p < k; p++, a += cs_a, b += rs_b) {
            const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4),
                              b2 = vld1q_f32(b + 8);
            const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
#define ROW(i, av, lane)                                                       \
    acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, lane);                      \
    acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, lane);                      \
    acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, lane);
            ROW(0, a0, 0) ROW(1, a0, 1) ROW(2, a0, 2) ROW(3, a0, 3)
            ROW(4, a1, 0) ROW(5, a1, 1) ROW(6, a1, 2) ROW(7, a1, 3)
#undef ROW
        }
    } else {
        /* rows of A in place: rows past the edge re-read the last valid row
         * (always in bounds); their results are discarded */
        const float *ar[MR];
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++)
            ar[i] = a + (i < m ? i : m - 1) * rs_a;
        ptrdiff_t off = 0;
        for (int p = 0; p < k; p++, off += cs_a, b += rs_b) {
            const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4),
                              b2 = vld1q_f32(b + 8);
#pragma GCC unroll 8
            for (int i = 0; i < MR; i++) {
                const float32x4_t ai = vld1q_dup_f32(ar[i] + off);
                acc[i][0] = vfmaq_f32(acc[i][0], b0, ai);
                acc[i][1] = vfmaq_f32(acc[i][1], b1, ai);
                acc[i][2] = vfmaq_f32(acc[i][2], b2, ai);
            }
        }
    }

    if (m == MR && n == NR && cs_c == 1) {
        const float32x4_t va = vdupq_n_f32(alpha), vb = vdupq_n_f32(beta);
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++)
#pragma GCC unroll 3
            for (int v = 0; v < 3; v++) {
                float *cp = c + i * rs_c + 4 * v;
                float32x4_t t = vmulq_f32(va, acc[i][v]);
                if (beta != 0.0f)
                    t = vfmaq_f32(t, vb, vld1q_f32(cp));
                vst1q_f32(cp, t);
            }
        return;
    }
    float t[MR][NR];
    const float32x4_t va = vdupq_n_f32(alpha);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 3
        for (int v = 0; v < 3; v++)
            vst1q_f32(&t[i][4 * v], vmulq_f32(va, acc[i][v]));
    store_edge(t, beta, c, rs_c, cs_c, m, n);
}

/* Block sizes for a Neoverse N1 / V1 core, assumed caches: 64 KiB L1d and
 * 1 MiB private L2 per core (Graviton2/3, Ampere Altra), a shared last level
 * of >= 8 MiB (32 MiB SLC on Graviton2/Altra).
 *   KC = 1024, the avx2 value: K is split at the same places, which keeps
 *        the neon and avx2 results bit-identical at every shape, and the
 *        MLP's k <= 784 stays one K block (C is written once, never
 *        re-read between blocks). The B~ micro-panel (KC x NR = 48 KiB)
 *        fits the 64 KiB L1d; the A~ micro-panel (KC x MR = 32 KiB) streams
 *        from L2, one 32-byte column per k step, which the L2 sustains.
 *   MC = 120 (15 x MR): the A~ block, MC x KC = 480 KiB, half of L2, the
 *        other half for the B~ panels passing through.
 *   NC = 1536 (128 x NR): the B~ block, KC x NC = 6 MiB, in the shared
 *        last level. */
const struct ds_gemm_cfg ds_gemm_cfg_neon = {
    .isa = DS_ISA_NEON,
    .mr = MR, .nr = NR,
    .mc = 120, .kc = 1024, .nc = 1536,
    .ukr = sgemm_ukr_neon_8x12,
};
