/* avx2 FMA peak: 12 independent vector FMA chains (16 ymm registers: 12 chains cover the 4-5 cycle FMA latency at 2 per cycle). */
#include "gemm_ukr.h"

#include <immintrin.h>

enum { CHAINS = 12 };

double ds_fma_peak_avx2(long iters, float *sink)
{
    /* x < 1 and y > 0 keep every chain finite and normal: it converges to
     * y / (1 - x) */
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-6f);
    __m256 acc[CHAINS];
#pragma GCC unroll 32
    for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm256_set1_ps((float)c);
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 32
        for (int c = 0; c < CHAINS; c++)
            acc[c] = _mm256_fmadd_ps(acc[c], x, y);
    }
    __m256 s = acc[0];
#pragma GCC unroll 32
    for (int c = 1; c < CHAINS; c++)
        s = _mm256_add_ps(s, acc[c]);
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    *sink = lanes[0];
    return 2.0 * 8 * CHAINS * (double)iters;
}
