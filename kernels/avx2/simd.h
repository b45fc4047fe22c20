/* SIMD mapping for AVX2 + FMA (8 floats). See kernels/vec_body.inc. */
#ifndef DS_SIMD_AVX2_H
#define DS_SIMD_AVX2_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define VW 8
typedef __m256 VF;
typedef __m256 VM; /* all-ones / all-zeros lanes */

#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VSTREAM(p, v) _mm256_stream_ps((p), (v)) /* p 32-byte aligned */
#define VALIGN 32
#define VSTREAM_FENCE() _mm_sfence()
#define VSET1(f) _mm256_set1_ps((float)(f))
#define VZERO() _mm256_setzero_ps()
#define VADD(a, b) _mm256_add_ps(a, b)
#define VSUB(a, b) _mm256_sub_ps(a, b)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VDIV(a, b) _mm256_div_ps(a, b)
#define VSQRT(a) _mm256_sqrt_ps(a)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VFNMA(a, b, c) _mm256_fnmadd_ps(a, b, c)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define VMIN(a, b) _mm256_min_ps(a, b)
#define VABS(a) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a)
#define VCOPYSIGN(mag, sgn)                                                    \
    _mm256_or_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), mag),                 \
                 _mm256_and_ps(_mm256_set1_ps(-0.0f), sgn))
#define VLT(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define VLE(a, b) _mm256_cmp_ps(a, b, _CMP_LE_OQ)
#define VGT(a, b) _mm256_cmp_ps(a, b, _CMP_GT_OQ)
#define VGE(a, b) _mm256_cmp_ps(a, b, _CMP_GE_OQ)
#define VEQ(a, b) _mm256_cmp_ps(a, b, _CMP_EQ_OQ)
#define VSEL(m, a, b) _mm256_blendv_ps(b, a, m)

static inline float ds_avx2_hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
static inline float ds_avx2_hmax(__m256 v)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#define VHSUM(v) ds_avx2_hsum(v)
#define VHMAX(v) ds_avx2_hmax(v)

/* 2^n for float-valued integers n in [-127, 127]: exponent field n + 127
 * (n = -127 gives +0, the flush-to-zero result) */
#define VPOW2N(n)                                                              \
    _mm256_castsi256_ps(_mm256_slli_epi32(                                     \
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))

typedef __m256d VD;
#define VD_ZERO() _mm256_setzero_pd()
#define VD_SQACC(lo, hi, v)                                                    \
    do {                                                                       \
        __m256d l_ = _mm256_cvtps_pd(_mm256_castps256_ps128(v));               \
        __m256d h_ = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));             \
        (lo) = _mm256_fmadd_pd(l_, l_, lo);                                    \
        (hi) = _mm256_fmadd_pd(h_, h_, hi);                                    \
    } while (0)
static inline double ds_avx2_dhsum(__m256d lo, __m256d hi)
{
    __m256d s = _mm256_add_pd(lo, hi);
    __m128d t = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    return _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
}
#define VD_HSUM(lo, hi) ds_avx2_dhsum(lo, hi)

/* FMA peak (peak_body.inc): 12 independent chains in the 16 ymm registers
 * cover the 4-5 cycle FMA latency at 2 FMAs per cycle */
#define VPEAK_CHAINS 12

/* whole dropout groups: the 8-lane AVX2 Philox generator */
#include "avx2/philox_avx2.h"
#define DS_DROPOUT_GROUP_VEC ds_dropout_group_avx2

#define DS_VEC_ISA DS_ISA_AVX2
#define DS_VEC_OPS_NAME ds_vec_ops_avx2
#define DS_VEC_FN(name) name##_avx2

#endif
