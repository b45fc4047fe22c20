/* AVX-512 GEMM: the shared micro-kernel (kernels/gemm_simd.h) on 512-bit
 * vectors, 14x32 tile: 28 accumulators + 2 B~ vectors + 1 broadcast = 31 of
 * the 32 zmm registers. Not runnable on the development machine (no
 * AVX-512): its logic is the AVX2 instantiation's, only the mapping differs. */
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

#define UKR_MR 14
#define UKR_NV 2
#define UKR_NAME sgemm_ukr_avx512_14x32
#include "gemm_simd.h"

/* Not measured (no AVX-512 here). KC = 1024 as in avx2 and neon: K is then
 * split at the same places on every vector ISA, and since each element is
 * one FMA per p in the same order with the same write-back, ds_sgemm gives
 * the same bits on AVX-512, AVX2 and NEON. The B~ micro-panel (1024 x 32
 * floats, 128 KiB) streams from L2 as avx2's does on Zen (measured there:
 * KC 1024 beat 256); A~ (MC x KC = 112 x 1024 floats, 448 KiB) fits a
 * Skylake-SP 1 MiB L2; the B~ block is at most 8 MiB. */
const struct ds_gemm_cfg ds_gemm_cfg_avx512 = {
    .isa = DS_ISA_AVX512,
    .mr = 14, .nr = 32,
    .mc = 112, .kc = 1024, .nc = 2048,
    .ukr = sgemm_ukr_avx512_14x32,
};
