/* ds_fma_peak_run: the machine's multiply-add peak per ISA, measured by the
 * caller (flops / seconds), so GEMM throughput can be quoted as a share of
 * what this core really sustains rather than a datasheet number. */
#include "gemm_ukr.h"

double ds_fma_peak_run(ds_isa isa, long iters, float *sink)
{
    if (!ds_isa_available(isa))
        return 0.0;
    switch (isa) {
    case DS_ISA_SCALAR: return ds_fma_peak_scalar(iters, sink);
#if defined(__x86_64__)
    case DS_ISA_AVX2: return ds_fma_peak_avx2(iters, sink);
    case DS_ISA_AVX512: return ds_fma_peak_avx512(iters, sink);
#endif
#if defined(__aarch64__)
    case DS_ISA_NEON: return ds_fma_peak_neon(iters, sink);
#endif
    default: return 0.0;
    }
}
