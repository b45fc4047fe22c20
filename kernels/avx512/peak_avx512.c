/* avx512 FMA peak: 24 independent vector FMA chains (32 zmm registers: 24 chains cover the 4-cycle FMA latency at 2 per cycle). */
#include "gemm_ukr.h"

#include <immintrin.h>

enum { CHAINS = 24 };

double ds_fma_peak_avx512(long iters, float *sink)
{
    /* x < 1 and y > 0 keep every chain finite and normal: it converges to
     * y / (1 - x) */
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-6f);
    __m512 acc[CHAINS];
#pragma GCC unroll 32
    for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm512_set1_ps((float)c);
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 32
        for (int c = 0; c < CHAINS; c++)
            acc[c] = _mm512_fmadd_ps(acc[c], x, y);
    }
    __m512 s = acc[0];
#pragma GCC unroll 32
    for (int c = 1; c < CHAINS; c++)
        s = _mm512_add_ps(s, acc[c]);
    float lanes[16];
    _mm512_storeu_ps(lanes, s);
    *sink = lanes[0];
    return 2.0 * 16 * CHAINS * (double)iters;
}
