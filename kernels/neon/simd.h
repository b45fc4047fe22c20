/* SIMD mapping for AArch64 Advanced SIMD (NEON). See kernels/vec_body.inc.
 *
 * One "vector" here is a PAIR of 128-bit registers (8 floats), not one: with
 * the same width as AVX2, every per-lane result AND every reduction
 * (VHSUM/VHMAX, the double Σx² of VD_*) is done in exactly AVX2's order, so
 * the element-wise kernels, the fused losses and the norms are bit-identical
 * between neon and avx2 (IEEE add/sub/mul/div/sqrt/fma round the same on
 * both). Two independent registers per operation are also what a Neoverse
 * core with 2 (N1) or 4 (V1) FP pipes needs to stay busy.
 *
 * Semantics kept from x86 on purpose (the body relies on them):
 *   VMAX/VMIN = a > b ? a : b / a < b ? a : b   (second operand when unordered
 *             or equal, like MAXPS/MINPS) — not FMAX/FMIN, which would return
 *             NaN for a NaN in either operand and +0 for max(+0, -0).
 *   VPOW2N    via round-to-nearest conversion (FCVTNS), as CVTPS2DQ does under
 *             the default MXCSR rounding.
 */
#ifndef DS_SIMD_NEON_H
#define DS_SIMD_NEON_H

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#define VW 8
typedef float32x4x2_t VF;
typedef uint32x4x2_t VM; /* all-ones / all-zeros lanes */

/* One helper per operation: each applies a 4-lane intrinsic to both halves. */
#define DS_NEON_F2(name, expr)                                                 \
    static inline VF name(VF a, VF b)                                          \
    {                                                                          \
        VF r;                                                                  \
        r.val[0] = expr(a.val[0], b.val[0]);                                   \
        r.val[1] = expr(a.val[1], b.val[1]);                                   \
        return r;                                                              \
    }
#define DS_NEON_CMP(name, expr)                                                \
    static inline VM name(VF a, VF b)                                          \
    {                                                                          \
        VM r;                                                                  \
        r.val[0] = expr(a.val[0], b.val[0]);                                   \
        r.val[1] = expr(a.val[1], b.val[1]);                                   \
        return r;                                                              \
    }

static inline VF ds_neon_load(const float *p) { return vld1q_f32_x2(p); }
static inline void ds_neon_store(float *p, VF v) { vst1q_f32_x2(p, v); }
static inline VF ds_neon_set1(float f)
{
    VF r;
    r.val[0] = r.val[1] = vdupq_n_f32(f);
    return r;
}
/* x86 MAXPS/MINPS rule, lane by lane */
static inline float32x4_t ds_neon_max4(float32x4_t a, float32x4_t b)
{
    return vbslq_f32(vcgtq_f32(a, b), a, b);
}
static inline float32x4_t ds_neon_min4(float32x4_t a, float32x4_t b)
{
    return vbslq_f32(vcltq_f32(a, b), a, b);
}

DS_NEON_F2(ds_neon_add, vaddq_f32)
DS_NEON_F2(ds_neon_sub, vsubq_f32)
DS_NEON_F2(ds_neon_mul, vmulq_f32)
DS_NEON_F2(ds_neon_div, vdivq_f32)
DS_NEON_F2(ds_neon_max, ds_neon_max4)
DS_NEON_F2(ds_neon_min, ds_neon_min4)
DS_NEON_CMP(ds_neon_lt, vcltq_f32)
DS_NEON_CMP(ds_neon_le, vcleq_f32)
DS_NEON_CMP(ds_neon_gt, vcgtq_f32)
DS_NEON_CMP(ds_neon_ge, vcgeq_f32)
DS_NEON_CMP(ds_neon_eq, vceqq_f32)

/* a·b + c and c − a·b, one rounding (FMLA / FMLS) */
static inline VF ds_neon_fma(VF a, VF b, VF c)
{
    VF r;
    r.val[0] = vfmaq_f32(c.val[0], a.val[0], b.val[0]);
    r.val[1] = vfmaq_f32(c.val[1], a.val[1], b.val[1]);
    return r;
}
static inline VF ds_neon_fnma(VF a, VF b, VF c)
{
    VF r;
    r.val[0] = vfmsq_f32(c.val[0], a.val[0], b.val[0]);
    r.val[1] = vfmsq_f32(c.val[1], a.val[1], b.val[1]);
    return r;
}
static inline VF ds_neon_sqrt(VF a)
{
    VF r;
    r.val[0] = vsqrtq_f32(a.val[0]);
    r.val[1] = vsqrtq_f32(a.val[1]);
    return r;
}
static inline VF ds_neon_abs(VF a)
{
    VF r;
    r.val[0] = vabsq_f32(a.val[0]);
    r.val[1] = vabsq_f32(a.val[1]);
    return r;
}
/* |mag| with the sign bit of sgn (bitwise, like the x86 and/or form) */
static inline VF ds_neon_copysign(VF mag, VF sgn)
{
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    VF r;
    r.val[0] = vbslq_f32(sign, sgn.val[0], mag.val[0]);
    r.val[1] = vbslq_f32(sign, sgn.val[1], mag.val[1]);
    return r;
}
static inline VF ds_neon_sel(VM m, VF a, VF b)
{
    VF r;
    r.val[0] = vbslq_f32(m.val[0], a.val[0], b.val[0]);
    r.val[1] = vbslq_f32(m.val[1], a.val[1], b.val[1]);
    return r;
}

#define VLOAD(p) ds_neon_load(p)
#define VSTORE(p, v) ds_neon_store((p), (v))
#define VSET1(f) ds_neon_set1((float)(f))
#define VZERO() ds_neon_set1(0.0f)
#define VADD(a, b) ds_neon_add(a, b)
#define VSUB(a, b) ds_neon_sub(a, b)
#define VMUL(a, b) ds_neon_mul(a, b)
#define VDIV(a, b) ds_neon_div(a, b)
#define VSQRT(a) ds_neon_sqrt(a)
#define VFMA(a, b, c) ds_neon_fma(a, b, c)
#define VFNMA(a, b, c) ds_neon_fnma(a, b, c)
#define VMAX(a, b) ds_neon_max(a, b)
#define VMIN(a, b) ds_neon_min(a, b)
#define VABS(a) ds_neon_abs(a)
#define VCOPYSIGN(mag, sgn) ds_neon_copysign(mag, sgn)
#define VLT(a, b) ds_neon_lt(a, b)
#define VLE(a, b) ds_neon_le(a, b)
#define VGT(a, b) ds_neon_gt(a, b)
#define VGE(a, b) ds_neon_ge(a, b)
#define VEQ(a, b) ds_neon_eq(a, b)
#define VSEL(m, a, b) ds_neon_sel(m, a, b)
/* No VSTREAM: AArch64 has no cache-bypassing store for this use (STNP is
 * only a hint), so relu keeps ordinary stores. */

/* AVX2's order: halves added lane-wise (s_i = v_i + v_{i+4}), then
 * (s0 + s2, s1 + s3), then the two. */
static inline float ds_neon_hsum(VF v)
{
    float32x4_t s = vaddq_f32(v.val[0], v.val[1]);
    float32x2_t t = vadd_f32(vget_low_f32(s), vget_high_f32(s));
    return vget_lane_f32(t, 0) + vget_lane_f32(t, 1);
}
static inline float ds_neon_hmax(VF v)
{
    float32x4_t s = ds_neon_max4(v.val[0], v.val[1]);
    float32x2_t lo = vget_low_f32(s), hi = vget_high_f32(s);
    float32x2_t t = vbsl_f32(vcgt_f32(lo, hi), lo, hi);
    float a = vget_lane_f32(t, 0), b = vget_lane_f32(t, 1);
    return a > b ? a : b;
}
#define VHSUM(v) ds_neon_hsum(v)
#define VHMAX(v) ds_neon_hmax(v)

/* 2^n for float-valued integers n in [-127, 127]: exponent field n + 127 */
static inline VF ds_neon_pow2n(VF n)
{
    const int32x4_t bias = vdupq_n_s32(127);
    VF r;
    r.val[0] = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n.val[0]), bias), 23));
    r.val[1] = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n.val[1]), bias), 23));
    return r;
}
#define VPOW2N(n) ds_neon_pow2n(n)

/* Σ v² in double, AVX2's layout: lo holds lanes 0..3, hi lanes 4..7, each
 * as two 2-double registers. */
typedef float64x2x2_t VD;
static inline VD ds_neon_dzero(void)
{
    VD r;
    r.val[0] = r.val[1] = vdupq_n_f64(0.0);
    return r;
}
static inline VD ds_neon_dsqacc(VD acc, float32x4_t v)
{
    float64x2_t l = vcvt_f64_f32(vget_low_f32(v)), h = vcvt_high_f64_f32(v);
    acc.val[0] = vfmaq_f64(acc.val[0], l, l);
    acc.val[1] = vfmaq_f64(acc.val[1], h, h);
    return acc;
}
#define VD_ZERO() ds_neon_dzero()
#define VD_SQACC(lo, hi, v)                                                    \
    do {                                                                       \
        (lo) = ds_neon_dsqacc(lo, (v).val[0]);                                 \
        (hi) = ds_neon_dsqacc(hi, (v).val[1]);                                 \
    } while (0)
/* (lo + hi) as 4 doubles s, then (s0 + s2, s1 + s3), then the two */
static inline double ds_neon_dhsum(VD lo, VD hi)
{
    float64x2_t s01 = vaddq_f64(lo.val[0], hi.val[0]);
    float64x2_t s23 = vaddq_f64(lo.val[1], hi.val[1]);
    float64x2_t t = vaddq_f64(s01, s23);
    return vgetq_lane_f64(t, 0) + vgetq_lane_f64(t, 1);
}
#define VD_HSUM(lo, hi) ds_neon_dhsum(lo, hi)

/* FMA peak (peak_body.inc): 8 chains of register pairs = 16 independent
 * 4-lane FMLA chains. FMLA latency is 4 cycles on Neoverse N1 and V1; 2 (N1)
 * or 4 (V1) FMA pipes need 8 or 16 in flight, so 16 (of the 32 V registers)
 * cover both. */
#define VPEAK_CHAINS 8

#define DS_VEC_ISA DS_ISA_NEON
#define DS_VEC_OPS_NAME ds_vec_ops_neon
#define DS_VEC_FN(name) name##_neon

#endif
