/* The scalar reference GEMM micro-kernel and its configuration: plain C that
 * every other ISA is tested against, and the fallback on any CPU. */
#include "gemm_ukr.h"

/* 4x8: 32 accumulators, small enough for the compiler to keep most of them in
 * registers on any target; baseline x86-64 builds may vectorise the j loop
 * with SSE2, which changes no rounding (one multiply, one add per term). */
enum { REF_MR = 4, REF_NR = 8 };

static void sgemm_ukr_ref_4x8(int k, float alpha, const float *a, ptrdiff_t rs_a,
                              ptrdiff_t cs_a, const float *b, ptrdiff_t rs_b,
                              float beta, float *c, ptrdiff_t rs_c, ptrdiff_t cs_c,
                              int m, int n)
{
    float acc[REF_MR][REF_NR] = {{0}};
    for (int p = 0; p < k; p++) {
        const float *bp = b + p * rs_b;
        for (int i = 0; i < m; i++) {
            const float ai = a[i * rs_a + p * cs_a];
            for (int j = 0; j < REF_NR; j++)
                acc[i][j] += ai * bp[j];
        }
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float *cp = c + i * rs_c + j * cs_c;
            const float t = alpha * acc[i][j];
            *cp = beta == 0.0f ? t : beta * *cp + t;
        }
}

/* A~ (MC x KC = 128 x 256 floats, 128 KiB) fits L2, B~ panels stream from L3. */
const struct ds_gemm_cfg ds_gemm_cfg_scalar = {
    .isa = DS_ISA_SCALAR,
    .mr = REF_MR, .nr = REF_NR,
    .mc = 128, .kc = 256, .nc = 2048,
    .ukr = sgemm_ukr_ref_4x8,
};
