/* neon FMA peak: 16 independent 4-lane FMLA chains. FMLA latency is 4 cycles
 * on Neoverse N1 and V1; 2 (N1) or 4 (V1) FMA pipes need 8 or 16 chains in
 * flight, so 16 (of the 32 V registers) cover both.
 * Reached through ds_fma_peak_run (kernels/peak.c). */
#include "gemm_ukr.h"

#include <arm_neon.h>

enum { CHAINS = 16 };

double ds_fma_peak_neon(long iters, float *sink)
{
    /* x < 1 and y > 0 keep every chain finite and normal: it converges to
     * y / (1 - x) */
    const float32x4_t x = vdupq_n_f32(0.999999f), y = vdupq_n_f32(1e-6f);
    float32x4_t acc[CHAINS];
#pragma GCC unroll 32
    for (int c = 0; c < CHAINS; c++)
        acc[c] = vdupq_n_f32((float)c);
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 32
        for (int c = 0; c < CHAINS; c++)
            acc[c] = vfmaq_f32(y, acc[c], x);
    }
    float32x4_t s = acc[0];
#pragma GCC unroll 32
    for (int c = 1; c < CHAINS; c++)
        s = vaddq_f32(s, acc[c]);
    *sink = vgetq_lane_f32(s, 0);
    return 2.0 * 4 * CHAINS * (double)iters;
}
