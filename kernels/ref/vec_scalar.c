/* ds_vec_ops_scalar: the element-wise kernels of kernels/vec_body.inc over the
 * scalar mapping in simd.h. */
#include "simd.h"

#include "vec_body.inc"
