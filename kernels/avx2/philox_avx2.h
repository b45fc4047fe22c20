/* The 8-lane AVX2 Philox4x32-10 dropout generator: whole 32-element groups of
 * the counter layout in kernels/philox.h, the same bits as its scalar
 * ds_dropout_group_scalar. Used by the avx2 and avx512 mappings (AVX-512
 * includes AVX2), which name it DS_DROPOUT_GROUP_VEC for vec_body.inc. */
#ifndef DS_PHILOX_AVX2_H
#define DS_PHILOX_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "philox.h"

/* 8 lanes of a·m -> high and low 32-bit halves */
static inline void ds_mulhilo8(__m256i a, __m256i m, __m256i *hi, __m256i *lo)
{
    __m256i pe = _mm256_mul_epu32(a, m);                        /* lanes 0,2,4,6 */
    __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m); /* lanes 1,3,5,7 */
    *lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
}

/* A whole group of 32 elements (x[0] = element 32g) with 8 Philox blocks in
 * the 8 lanes of AVX2 registers; same bits as ds_dropout_group_scalar. */
static inline size_t ds_dropout_group_avx2(float *x, uint64_t g, const uint32_t key[2],
                                           uint32_t layer, uint32_t step, uint32_t thr,
                                           float scale)
{
    uint64_t b0 = 8 * g; /* a multiple of 8: adding the lane never carries */
    __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)b0),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i c1 = _mm256_set1_epi32((int)(uint32_t)(b0 >> 32));
    __m256i c2 = _mm256_set1_epi32((int)layer), c3 = _mm256_set1_epi32((int)step);
    __m256i k0 = _mm256_set1_epi32((int)key[0]), k1 = _mm256_set1_epi32((int)key[1]);
    const __m256i m0 = _mm256_set1_epi32((int)DS_PHILOX_M0), m1 = _mm256_set1_epi32((int)DS_PHILOX_M1);
    const __m256i w0 = _mm256_set1_epi32((int)DS_PHILOX_W0), w1 = _mm256_set1_epi32((int)DS_PHILOX_W1);
    for (int r = 0; r < 10; r++) {
        __m256i hi0, lo0, hi1, lo1;
        ds_mulhilo8(c0, m0, &hi0, &lo0);
        ds_mulhilo8(c2, m1, &hi1, &lo1);
        c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), k0);
        c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), k1);
        c1 = lo1;
        c3 = lo0;
        k0 = _mm256_add_epi32(k0, w0);
        k1 = _mm256_add_epi32(k1, w1);
    }
    const __m256i t = _mm256_set1_epi32((int)thr);
    const __m256 s = _mm256_set1_ps(scale);
    __m256i words[4] = {c0, c1, c2, c3};
    size_t kept = 0;
    for (int k = 0; k < 4; k++) {
        /* unsigned word >= thr  <=>  max(word, thr) == word */
        __m256 keep = _mm256_castsi256_ps(
            _mm256_cmpeq_epi32(_mm256_max_epu32(words[k], t), words[k]));
        __m256 v = _mm256_loadu_ps(x + 8 * k);
        _mm256_storeu_ps(x + 8 * k, _mm256_and_ps(keep, _mm256_mul_ps(v, s)));
        kept += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(keep));
    }
    return kept;
}

#endif
