/* Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as
 * easy as 1, 2, 3", SC'11), scalar, header-only so every ISA's dropout uses
 * the very same generator. ISA-free: vector generators live in their ISA's
 * folder (kernels/avx2/philox_avx2.h) and must give the same bits.
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

#include <stddef.h>
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

#endif
