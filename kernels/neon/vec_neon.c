/* ds_vec_ops_neon: the element-wise kernels of kernels/vec_body.inc over the
 * NEON mapping in simd.h (8-float vectors as register pairs: bit-identical
 * to the avx2 instantiation). */
#include "simd.h"

#include "vec_body.inc"
