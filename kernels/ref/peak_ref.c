/* Baseline peak: 8 independent scalar multiply-add chains (no FMA on
 * baseline x86-64: a multiply and an add, 2 flops, per step and chain). */
#include "gemm_ukr.h"

enum { CHAINS = 8 };

double ds_fma_peak_scalar(long iters, float *sink)
{
    /* x < 1 and y > 0 keep every chain finite and normal: it converges to
     * y / (1 - x) */
    float acc[CHAINS];
    const float x = 0.999999f, y = 1e-6f;
    for (int c = 0; c < CHAINS; c++)
        acc[c] = (float)c;
    for (long i = 0; i < iters; i++)
        for (int c = 0; c < CHAINS; c++)
            acc[c] = acc[c] * x + y;
    float s = 0.0f;
    for (int c = 0; c < CHAINS; c++)
        s += acc[c];
    *sink = s;
    return 2.0 * CHAINS * (double)iters;
}
