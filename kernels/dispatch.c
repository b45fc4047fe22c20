/* ISA selection: once at start-up, from CPUID + XCR0 (x86) or AT_HWCAP (Arm),
 * overridable with DEEPSWEEP_ISA. Built for the baseline target: nothing here
 * may execute an instruction the oldest supported CPU lacks. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <xmmintrin.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

static const char *const isa_names[DS_ISA_COUNT] = {
    [DS_ISA_SCALAR] = "scalar",
    [DS_ISA_AVX2] = "avx2",
    [DS_ISA_AVX512] = "avx512",
    [DS_ISA_NEON] = "neon",
};

static ds_isa current = DS_ISA_SCALAR;

const char *ds_isa_to_name(ds_isa isa)
{
    return (unsigned)isa < DS_ISA_COUNT ? isa_names[isa] : "unknown";
}

const char *ds_isa_name(void) { return isa_names[current]; }
ds_isa ds_isa_current(void) { return current; }

int ds_isa_parse(const char *name, ds_isa *out)
{
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if (name && strcmp(name, isa_names[i]) == 0) {
            *out = (ds_isa)i;
            return 0;
        }
    return -1;
}

const char *ds_isa_valid_names(void)
{
#if defined(__x86_64__)
    return "scalar, avx2, avx512";
#elif defined(__aarch64__)
    return "scalar, neon";
#else
    return "scalar";
#endif
}

#if defined(__x86_64__)
/* XGETBV without -mxsave: the instruction is only reached once CPUID says
 * OSXSAVE is set. */
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static int x86_has(ds_isa isa)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma)
        return 0;
    uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) /* OS saves XMM and YMM state */
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    int avx2 = (b >> 5) & 1;
    if (isa == DS_ISA_AVX2)
        return avx2;
    if (isa == DS_ISA_AVX512) {
        int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1,
            vl = (b >> 31) & 1;
        /* opmask, upper ZMM0-15 and ZMM16-31 state saved by the OS */
        return avx2 && f && dq && bw && vl && (xcr0 & 0xe6) == 0xe6;
    }
    return 0;
}
#endif

int ds_isa_available(ds_isa isa)
{
    switch (isa) {
    case DS_ISA_SCALAR:
        return 1;
#if defined(__x86_64__)
    case DS_ISA_AVX2:
    case DS_ISA_AVX512:
        return x86_has(isa);
#endif
#if defined(__aarch64__)
    case DS_ISA_NEON:
        return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#endif
    default:
        return 0;
    }
}

ds_isa ds_isa_best(void)
{
    static const ds_isa order[] = {DS_ISA_AVX512, DS_ISA_AVX2, DS_ISA_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (ds_isa_available(order[i]))
            return order[i];
    return DS_ISA_SCALAR;
}

int ds_isa_set(ds_isa isa)
{
    if (!ds_isa_available(isa))
        return -1;
    current = isa;
    return 0;
}

const struct ds_gemm_cfg *ds_gemm_cfg_for(ds_isa isa)
{
    switch (isa) {
    case DS_ISA_SCALAR: return &ds_gemm_cfg_scalar;
#if defined(__x86_64__)
    case DS_ISA_AVX2: return &ds_gemm_cfg_avx2;
    case DS_ISA_AVX512: return &ds_gemm_cfg_avx512;
#endif
#if defined(__aarch64__)
    case DS_ISA_NEON: return &ds_gemm_cfg_neon;
#endif
    default: return NULL;
    }
}

const struct ds_vec_ops *ds_vec_ops_for(ds_isa isa)
{
    switch (isa) {
    case DS_ISA_SCALAR: return &ds_vec_ops_scalar;
#if defined(__x86_64__)
    case DS_ISA_AVX2: return &ds_vec_ops_avx2;
    case DS_ISA_AVX512: return &ds_vec_ops_avx512;
#endif
#if defined(__aarch64__)
    case DS_ISA_NEON: return &ds_vec_ops_neon;
#endif
    default: return NULL;
    }
}

const struct ds_gemm_cfg *ds_active_gemm(void) { return ds_gemm_cfg_for(current); }
const struct ds_vec_ops *ds_active_vec(void) { return ds_vec_ops_for(current); }

void ds_denormals_flush(void)
{
#if defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() | 0x8040); /* FTZ (bit 15) | DAZ (bit 6) */
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr |= (uint64_t)1 << 24; /* FZ */
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#endif
}

int ds_denormals_flushed(void)
{
#if defined(__x86_64__)
    return (_mm_getcsr() & 0x8040) == 0x8040;
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return (int)((fpcr >> 24) & 1);
#else
    return 0;
#endif
}

int ds_init(char *err, size_t errlen)
{
    ds_denormals_flush();
#pragma omp parallel
    ds_denormals_flush();

    const char *env = getenv("DEEPSWEEP_ISA");
    if (!env || !*env) {
        current = ds_isa_best();
        return 0;
    }
    ds_isa want;
    /* "valid" = the names this build knows: neon is unknown on x86 builds */
    if (ds_isa_parse(env, &want) != 0 || !strstr(ds_isa_valid_names(), isa_names[want])) {
        snprintf(err, errlen, "DEEPSWEEP_ISA=%s: unknown ISA (valid: %s)", env,
                 ds_isa_valid_names());
        return 2;
    }
    if (ds_isa_set(want) != 0) {
        char avail[64] = "scalar";
        for (int i = 1; i < DS_ISA_COUNT; i++)
            if (ds_isa_available((ds_isa)i)) {
                strcat(avail, ", ");
                strcat(avail, isa_names[i]);
            }
        snprintf(err, errlen,
                 "DEEPSWEEP_ISA=%s: not supported by this CPU or OS (available here: %s)",
                 env, avail);
        return 2;
    }
    return 0;
}
