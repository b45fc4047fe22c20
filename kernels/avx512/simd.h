/* SIMD mapping for AVX-512 F/DQ/BW/VL (16 floats). See kernels/vec_body.inc.
 * Cannot run on the development machine (Zen 1): the logic it instantiates is
 * the same body the AVX2 mapping runs and tests; only these lines are new. */
#ifndef DS_SIMD_AVX512_H
#define DS_SIMD_AVX512_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define VW 16
typedef __m512 VF;
typedef __mmask16 VM;

#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VSTREAM(p, v) _mm512_stream_ps((p), (v)) /* p 64-byte aligned */
#define VALIGN 64
#define VSTREAM_FENCE() _mm_sfence()
#define VSET1(f) _mm512_set1_ps((float)(f))
#define VZERO() _mm512_setzero_ps()
#define VADD(a, b) _mm512_add_ps(a, b)
#define VSUB(a, b) _mm512_sub_ps(a, b)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VDIV(a, b) _mm512_div_ps(a, b)
#define VSQRT(a) _mm512_sqrt_ps(a)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VFNMA(a, b, c) _mm512_fnmadd_ps(a, b, c)
/* VMAXPS/VMINPS zmm keep the x86 rule: second operand when unordered/equal */
#define VMAX(a, b) _mm512_max_ps(a, b)
#define VMIN(a, b) _mm512_min_ps(a, b)
#define VABS(a) _mm512_abs_ps(a)
#define VCOPYSIGN(mag, sgn)                                                    \
    _mm512_castsi512_ps(_mm512_ternarylogic_epi32(                             \
        _mm512_castps_si512(mag), _mm512_castps_si512(sgn),                    \
        _mm512_set1_epi32(INT32_MAX), 0xE4)) /* mask ? mag : sgn, bitwise */
#define VLT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define VLE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ)
#define VGT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define VGE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ)
#define VEQ(a, b) _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ)
#define VSEL(m, a, b) _mm512_mask_blend_ps(m, b, a)

/* fixed-order horizontal reductions: 512 -> 256 -> 128 -> scalar */
static inline float ds_avx512_hsum(__m512 v)
{
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
static inline float ds_avx512_hmax(__m512 v)
{
    __m256 h = _mm256_max_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#define VHSUM(v) ds_avx512_hsum(v)
#define VHMAX(v) ds_avx512_hmax(v)

#define VPOW2N(n)                                                              \
    _mm512_castsi512_ps(_mm512_slli_epi32(                                     \
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))

typedef __m512d VD;
#define VD_ZERO() _mm512_setzero_pd()
#define VD_SQACC(lo, hi, v)                                                    \
    do {                                                                       \
        __m512d l_ = _mm512_cvtps_pd(_mm512_castps512_ps256(v));               \
        __m512d h_ = _mm512_cvtps_pd(                                          \
            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))); \
        (lo) = _mm512_fmadd_pd(l_, l_, lo);                                    \
        (hi) = _mm512_fmadd_pd(h_, h_, hi);                                    \
    } while (0)
static inline double ds_avx512_dhsum(__m512d lo, __m512d hi)
{
    __m512d s = _mm512_add_pd(lo, hi);
    __m256d q = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1));
    __m128d t = _mm_add_pd(_mm256_castpd256_pd128(q), _mm256_extractf128_pd(q, 1));
    return _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
}
#define VD_HSUM(lo, hi) ds_avx512_dhsum(lo, hi)

/* FMA peak (peak_body.inc): 24 independent chains in the 32 zmm registers
 * cover the 4-cycle FMA latency at 2 FMAs per cycle */
#define VPEAK_CHAINS 24

/* whole dropout groups: the 8-lane AVX2 Philox generator */
#include "avx2/philox_avx2.h"
#define DS_DROPOUT_GROUP_VEC ds_dropout_group_avx2

#define DS_VEC_ISA DS_ISA_AVX512
#define DS_VEC_OPS_NAME ds_vec_ops_avx512
#define DS_VEC_FN(name) name##_avx512

#endif
