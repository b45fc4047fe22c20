/* Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as
 * easy as 1, 2, 3", SC'11), scalar, header-only so every ISA's dropout uses
 * the very same generator.
 *
 * Counter layout used by ds_dropout (the contract that makes masks identical
 * across ISAs and thread counts). Elements go in groups of 32; group
 * g = i >> 5 uses the 8 blocks b = 8g + (i & 7), and element i takes word
 * (i >> 3) & 3 of its block:
 *     ctr = { (uint32)b, (uint32)(b >> 32), layer, step }
 *     key = { (uint32)seed, (uint32)(seed >> 32) }
 * so 8 consecutive elements are one word of 8 consecutive blocks: an 8-lane
 * vector generator writes them without a transpose.
 *   keep_i = word >= thr, thr = floor(p · 2³²) computed exactly in double
 *   (p is a float, so p · 2³² is exact and p < 1 keeps thr < 2³²), so
 *   P(keep) = 1 − thr/2³² = 1 − p to within 2⁻³².
 */
#ifndef DS_PHILOX_H
#define DS_PHILOX_H

#include <stdint.h>

#define DS_PHILOX_M0 0xD2511F53u
#define DS_PHILOX_M1 0xCD9E8D57u
#define DS_PHILOX_W0 0x9E3779B9u /* golden ratio */
#define DS_PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

static inline void ds_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                                    uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)DS_PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)DS_PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
        k0 += DS_PHILOX_W0;
        k1 += DS_PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/* thr = floor(p · 2³²) for p in [0, 1), exact (see above). */
static inline uint32_t ds_dropout_threshold(float p)
{
    return (uint32_t)((double)p * 4294967296.0);
}

/* Dropout of elements [lo, hi) of group g (0 <= lo <= hi <= 32) starting at
 * x[0] = element 32g, scalar: the reference every vector version matches. */
static inline size_t ds_dropout_group_scalar(float *x, uint64_t g, size_t lo, size_t hi,
                                             const uint32_t key[2], uint32_t layer,
                                             uint32_t step, uint32_t thr, float scale)
{
    size_t kept = 0;
    for (size_t lane = 0; lane < 8; lane++) {
        uint64_t b = 8 * g + lane;
        uint32_t ctr[4] = {(uint32_t)b, (uint32_t)(b >> 32), layer, step}, w[4];
        ds_philox4x32_10(ctr, key, w);
        for (size_t k = 0; k < 4; k++) {
            size_t j = 8 * k + lane;
            if (j < lo || j >= hi)
                continue;
            int keep = w[k] >= thr;
            kept += (size_t)keep;
            x[j] = keep ? x[j] * scale : 0.0f;
        }
    }
    return kept;
}

#if defined(__AVX2__)
#include <immintrin.h>

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
#define DS_DROPOUT_GROUP_VEC ds_dropout_group_avx2
#endif

#endif
