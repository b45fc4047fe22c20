/* SIMD mapping for the portable scalar reference: a "vector" of one float.
 * See kernels/vec_body.inc for the meaning of every macro. Plain C only
 * (baseline target): no FMA, so VFMA rounds twice here. */
#ifndef DS_SIMD_REF_H
#define DS_SIMD_REF_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define VW 1
typedef float VF;
typedef int VM;

#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
#define VSET1(f) ((float)(f))
#define VZERO() 0.0f
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VSQRT(a) sqrtf(a)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VFNMA(a, b, c) ((c) - (a) * (b))
/* x86 MAXPS/MINPS semantics: the second operand when unordered or equal */
#define VMAX(a, b) ((a) > (b) ? (a) : (b))
#define VMIN(a, b) ((a) < (b) ? (a) : (b))
#define VABS(a) fabsf(a)
#define VCOPYSIGN(mag, sgn) copysignf(mag, sgn)
#define VLT(a, b) ((a) < (b))
#define VLE(a, b) ((a) <= (b))
#define VGT(a, b) ((a) > (b))
#define VGE(a, b) ((a) >= (b))
#define VEQ(a, b) ((a) == (b))
/* a bitwise select, not a branch: random signs would mispredict half the
 * time, and straight-line code lets the compiler vectorise the loops */
static inline float ds_ref_sel(int m, float a, float b)
{
    uint32_t ua, ub, mask = 0u - (uint32_t)(m != 0);
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    uint32_t r = (ua & mask) | (ub & ~mask);
    float f;
    memcpy(&f, &r, sizeof f);
    return f;
}
#define VSEL(m, a, b) ds_ref_sel((m), (a), (b))
#define VHSUM(v) (v)
#define VHMAX(v) (v)

static inline float ds_ref_pow2n(float n)
{
    /* n is an integer in [-127, 127] (NaN only when the caller's result is
     * NaN anyway): clamp first so the conversion is always defined */
    n = n > -127.0f ? n : -127.0f;
    n = n < 127.0f ? n : 127.0f;
    uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}
#define VPOW2N(n) ds_ref_pow2n(n)

/* double accumulation of squares: two accumulators (lo used, hi spare) */
typedef double VD;
#define VD_ZERO() 0.0
#define VD_SQACC(lo, hi, v) ((lo) += (double)(v) * (double)(v), (void)(hi))
#define VD_HSUM(lo, hi) ((lo) + (hi))

/* FMA peak (peak_body.inc): 8 independent chains of a multiply and an add
 * (no FMA on baseline x86-64: 2 flops per step and chain, rounded twice) */
#define VPEAK_CHAINS 8

#define DS_VEC_ISA DS_ISA_SCALAR
#define DS_VEC_OPS_NAME ds_vec_ops_scalar
#define DS_VEC_FN(name) name##_scalar

#endif
