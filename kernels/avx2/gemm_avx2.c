/* AVX2+FMA GEMM: the shared micro-kernel (kernels/gemm_simd.h) on 256-bit
 * vectors, 6x16 tile: 12 accumulators + 2 B~ vectors + 1 broadcast = 15 of
 * the 16 ymm registers. Plus 8 x 8 register transposes: the write-back of a
 * C stored transposed and the packing of Bᵀ panels (the NT form). */
#include "gemm_ukr.h"

#include <immintrin.h>

#define DSV __m256
#define DSV_LANES 8
#define DSV_ZERO() _mm256_setzero_ps()
#define DSV_SET1(x) _mm256_set1_ps(x)
#define DSV_BCAST(p) _mm256_broadcast_ss(p)
#define DSV_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define DSV_MUL(a, b) _mm256_mul_ps(a, b)
#define DSV_LOADU(p) _mm256_loadu_ps(p)
#define DSV_STOREU(p, v) _mm256_storeu_ps(p, v)
#define DSV_MASK __m256i
#define DSV_MASK_FIRST(n) \
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define DSV_MASKLOAD(p, m) _mm256_maskload_ps(p, m)
#define DSV_MASKSTORE(p, m, v) _mm256_maskstore_ps(p, m, v)

#define DSS_FMA(a, b, c) \
    _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)))

/* 8 x 8 transpose in registers: r[j] holds row j, on return column j (the
 * write-back of a C stored transposed, gemm_simd.h). */
static inline void transpose8(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
}
#define DSV_TRANSPOSE(r) transpose8(r)

#define UKR_MR 6
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_avx2_6x16
#include "gemm_simd.h"

/* A full 16-column B~ panel from Bᵀ storage (the NT form dX = dY·Wᵀ):
 * 8 x 8 blocks transposed in registers (the kc tail with masked loads, rows
 * past it not stored). */
static void sgemm_pack_bt_avx2_16(const float *b, ptrdiff_t ldb, int kc, float *dst)
{
    for (int p = 0; p < kc; p += 8) {
        const int rows = kc - p < 8 ? kc - p : 8;
        const __m256i mk = DSV_MASK_FIRST(rows);
        for (int h = 0; h < 2; h++) {
            __m256 r[8];
            for (int j = 0; j < 8; j++)
                r[j] = _mm256_maskload_ps(b + (h * 8 + j) * ldb + p, mk);
            transpose8(r);
            for (int q = 0; q < rows; q++)
                _mm256_storeu_ps(dst + (size_t)(p + q) * 16 + h * 8, r[q]);
        }
    }
}

/* Block sizes measured on the development machine (Zen 1, 32 KiB L1d, 512
 * KiB L2, 8 MiB L3; thread-CPU-time GFLOP/s, square 2048 and the MLP
 * shapes): KC = 1024 beat 256 by ~10% at 2048 (34.9-36.4 against 31.9-32.5)
 * and was level or better on every batch-100 shape, where it also keeps
 * k = 784 in one K block. Its B~ micro-panel (1024 x 16 floats, 64 KiB)
 * outgrows L1 and streams from L2, which Zen's L2 bandwidth absorbs; A~
 * (MC x KC = 240 x 1024) sits in L2/L3. NC bounds the B~ block to 8 MiB. */
const struct ds_gemm_cfg ds_gemm_cfg_avx2 = {
    .isa = DS_ISA_AVX2,
    .mr = 6, .nr = 16,
    .mc = 240, .kc = 1024, .nc = 2048,
    .ukr = sgemm_ukr_avx2_6x16,
    .b_masked = 1,
    .pack_bt = sgemm_pack_bt_avx2_16,
};
