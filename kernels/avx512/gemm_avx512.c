/* AVX-512 GEMM: the shared micro-kernel (kernels/gemm_simd.h) on 512-bit
 * vectors, 14x32 tile: 28 accumulators + 2 B~ vectors + 1 broadcast = 31 of
 * the 32 zmm registers; its logic is also tested without AVX-512 through
 * the portable 16-lane build in tests/test_gemm.c. Plus the packing of Bᵀ
 * panels by 16 x 16 register transposes (the NT form dX = dY·Wᵀ). */
#include "gemm_ukr.h"

#include <immintrin.h>

#define DSV __m512
#define DSV_LANES 16
#define DSV_ZERO() _mm512_setzero_ps()
#define DSV_SET1(x) _mm512_set1_ps(x)
#define DSV_BCAST(p) _mm512_set1_ps(*(p))
#define DSV_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define DSV_MUL(a, b) _mm512_mul_ps(a, b)
#define DSV_LOADU(p) _mm512_loadu_ps(p)
#define DSV_STOREU(p, v) _mm512_storeu_ps(p, v)
#define DSV_MASK __mmask16
/* n in [1, 16]: the shift is done in 32 bits so n == 16 is defined */
#define DSV_MASK_FIRST(n) ((__mmask16)((1u << (n)) - 1u))
#define DSV_MASKLOAD(p, m) _mm512_maskz_loadu_ps(m, p)
#define DSV_MASKSTORE(p, m, v) _mm512_mask_storeu_ps(p, m, v)

#define DSS_FMA(a, b, c) \
    _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)))

/* 16 x 16 transpose in registers: r[j] holds row j, on return column j. */
static inline void transpose16(__m512 r[16])
{
    __m512 t[16];
    for (int i = 0; i < 8; i++) { /* per 128-bit lane: (a0 b0 a1 b1), (a2 b2 a3 b3) */
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) { /* r[4i+c], lane L: column 4L+c of rows 4i..4i+3 */
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) { /* gather lane L of the four row groups */
        const __m512 x0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
        const __m512 x1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
        const __m512 y0 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        const __m512 y1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
        t[c] = _mm512_shuffle_f32x4(x0, y0, 0x88);
        t[8 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
        t[4 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);
        t[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
    }
    for (int j = 0; j < 16; j++)
        r[j] = t[j];
}

#define DSV_TRANSPOSE(r) transpose16(r)

#define UKR_MR 14
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_avx512_14x32
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME

/* Edge tiles (gemm_ukr.h): 4 rows (a last row tile of up to 8 rows, in
 * chunks), 10 rows (the 10-class layer computed as Cᵀ), and 16 columns (a
 * last panel of up to 16 columns, e.g. the 10-class layer) on 14, 10 or 4
 * rows. */
#define UKR_MR 4
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_avx512_4x32
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME

#define UKR_MR 10
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_avx512_10x32
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME

#define UKR_MR 14
#define UKR_NV 1
#define UKR_NAME sgemm_ukr_avx512_14x16
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME

#define UKR_MR 10
#define UKR_NV 1
#define UKR_NAME sgemm_ukr_avx512_10x16
#include "gemm_simd.h"
#undef UKR_MR
#undef UKR_NV
#undef UKR_NAME

#define UKR_MR 4
#define UKR_NV 1
#define UKR_NAME sgemm_ukr_avx512_4x16
#include "gemm_simd.h"

/* A full 32-column B~ panel from Bᵀ storage: 16 x 16 blocks transposed in
 * registers (the kc tail with masked loads, rows past it not stored). */
static void sgemm_pack_bt_avx512_32(const float *b, ptrdiff_t ldb, int kc, float *dst)
{
    for (int p = 0; p < kc; p += 16) {
        const int rows = kc - p < 16 ? kc - p : 16;
        const __mmask16 mk = (__mmask16)((1u << rows) - 1u);
        for (int h = 0; h < 2; h++) {
            __m512 r[16];
            for (int j = 0; j < 16; j++)
                r[j] = _mm512_maskz_loadu_ps(mk, b + (h * 16 + j) * ldb + p);
            transpose16(r);
            for (int q = 0; q < rows; q++)
                _mm512_storeu_ps(dst + (size_t)(p + q) * 32 + h * 16, r[q]);
        }
    }
}

/* KC = 1024 as in avx2 and neon: K is then split at the same places on
 * every vector ISA, and since each element is one FMA per p in the same
 * order with the same write-back, ds_sgemm gives the same bits on AVX-512,
 * AVX2 and NEON. The B~ micro-panel (1024 x 32 floats, 128 KiB) streams
 * from L2; A~ (MC x KC = 112 x 1024 floats, 448 KiB) fits a 1 MiB L2 (Zen
 * 5, Skylake-SP); the B~ block is at most 8 MiB. MC and NC are not tuned:
 * on a shared 2-vCPU Zen 5 (48 KiB L1d, 1 MiB L2, the VM reports a 508 MiB
 * L3), 2048² NN with MC 56/112/126/224/448 and NC 512..4096 all fell in
 * 127-170 GFLOP/s across rounds at load 7-10, no winner above the noise;
 * the batch-100 shapes fit one MC and one NC block whatever they are. */
const struct ds_gemm_cfg ds_gemm_cfg_avx512 = {
    .isa = DS_ISA_AVX512,
    .mr = 14, .nr = 32,
    .mc = 112, .kc = 1024, .nc = 2048,
    .ukr = sgemm_ukr_avx512_14x32,
    .b_masked = 1,
    .pack_bt = sgemm_pack_bt_avx512_32,
    .edge = {{4, 32, sgemm_ukr_avx512_4x32},
             {10, 32, sgemm_ukr_avx512_10x32},
             {14, 16, sgemm_ukr_avx512_14x16},
             {10, 16, sgemm_ukr_avx512_10x16},
             {4, 16, sgemm_ukr_avx512_4x16}},
};
