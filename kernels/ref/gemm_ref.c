/* The scalar reference GEMM micro-kernel and its configuration: plain C that
 * every other ISA is tested against, and the fallback on any CPU. */
#include "gemm_ukr.h"

/* 4x8: 32 accumulators, small enough for the compiler to keep most of them in
 * registers on any target; baseline x86-64 builds may vectorise the j loop
 * with SSE2, which changes no rounding (one multiply, one add per term). */
enum { REF_MR = 4, REF_NR = 8 };

static void sgemm_ukr_ref_4x8(int k, float alpha, const float *restrict a,
                              const float *restrict b, float beta,
                              float *restrict c, int ldc, int m, int n)
{
    float acc[REF_MR][REF_NR] = {{0}};
    for (int p = 0; p < k; p++) {
        const float *ap = a + (size_t)p * REF_MR, *bp = b + (size_t)p * REF_NR;
        for (int i = 0; i < REF_MR; i++)
            for (int j = 0; j < REF_NR; j++)
                acc[i][j] += ap[i] * bp[j];
    }
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        for (int j = 0; j < n; j++) {
            const float t = alpha * acc[i][j];
            ci[j] = beta == 0.0f ? t : beta * ci[j] + t;
        }
    }
}

/* A~ (MC x KC = 128 x 256 floats, 128 KiB) fits L2, B~ panels stream from L3. */
const struct ds_gemm_cfg ds_gemm_cfg_scalar = {
    .isa = DS_ISA_SCALAR,
    .mr = REF_MR, .nr = REF_NR,
    .mc = 128, .kc = 256, .nc = 2048,
    .ukr = sgemm_ukr_ref_4x8,
};
