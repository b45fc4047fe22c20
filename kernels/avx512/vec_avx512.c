/* ds_vec_ops_avx512: the element-wise kernels of kernels/vec_body.inc over the
 * avx512 mapping in simd.h. */
#include "simd.h"

#include "vec_body.inc"
