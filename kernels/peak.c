/* ds_fma_peak_run: the machine's multiply-add peak per ISA, measured by the
 * caller (flops / seconds), so GEMM throughput can be quoted as a share of
 * what this core really sustains rather than a datasheet number. The loop is
 * kernels/peak_body.inc, instantiated in every ISA's vec_ops table. */
#include "internal.h"
#include "vec_ops.h"

double ds_fma_peak_run(ds_isa isa, long iters, float *sink)
{
    if (!ds_isa_available(isa))
        return 0.0;
    const struct ds_vec_ops *ops = ds_vec_ops_for(isa);
    return ops ? ops->fma_peak(iters, sink) : 0.0;
}
