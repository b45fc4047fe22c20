/* Denormals: flush-to-zero / denormals-are-zero is set in every thread that
 * runs kernels, and activations fed 10% denormal inputs give the results of
 * the same inputs with those values read as (signed) zero. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "kernel_test_util.h"
#include "kernels.h"

/* turn FTZ/DAZ off in the calling thread (to see that kernels turn it on) */
static void denormals_unflush(void)
{
#if defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() & ~0x8040u);
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr &= ~((uint64_t)1 << 24);
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#endif
}

/* in the calling thread and in both threads of a 2-thread team */
static void unflush_all(void)
{
    denormals_unflush();
#pragma omp parallel num_threads(2)
    denormals_unflush();
}

/* a float's bits are not zero (immune to DAZ, unlike comparisons) */
static int nonzero_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (u & 0x7fffffffu) != 0;
}

static void seed(void) { rng_state = 4242; }

TestSuite(vec_denormals, .init = seed);

Test(vec_denormals, flushed_in_every_thread_after_init)
{
    char err[256];
    unsetenv("DEEPSWEEP_ISA");
    cr_assert_eq(ds_init(err, sizeof err), 0, "%s", err);
    cr_expect_eq(ds_denormals_flushed(), 1, "main thread");
    int flushed[2] = {-1, -1};
#pragma omp parallel num_threads(2)
    flushed[omp_get_thread_num()] = ds_denormals_flushed();
    cr_expect_eq(flushed[0], 1, "thread 0 not flushed");
    cr_expect_eq(flushed[1], 1, "thread 1 not flushed");
}

/* A kernel that opens a parallel region flushes its threads itself, even if
 * the mode was cleared after ds_init: with FTZ/DAZ cleared everywhere,
 * ds_bias_add(denormals, b = 0) over a matrix big enough to be split between
 * 2 threads must still give exact zeros in every row (DAZ reads the
 * denormals as 0). Observed through results because OpenMP runtimes differ
 * in what they do with the mode between regions (LLVM's libomp copies the
 * primary thread's MXCSR into the workers at each fork, libgomp does not). */
ISA_TEST(vec_denormals, kernels_flush_their_threads)
{
    char err[256];
    unsetenv("DEEPSWEEP_ISA");
    cr_assert_eq(ds_init(err, sizeof err), 0, "%s", err);
    use_isa(isa); /* ds_init chose the best */
    ds_split_policy_set(DS_SPLIT_ALWAYS); /* the threaded path, whatever the cost model says */
    omp_set_num_threads(2);
    const int m = 256, n = 512;
    float *y = malloc((size_t)m * n * sizeof *y), *b = calloc((size_t)n, sizeof *b);
    const float d = 0x1p-130f; /* a denormal */
    for (int i = 0; i < m * n; i++)
        y[i] = (i & 1) ? d : -d;
    unflush_all();
    cr_assert_eq(ds_denormals_flushed(), 0, "could not clear the mode for the test");
    ds_bias_add(m, n, y, n, b);
    long left = 0, first = -1;
    for (int i = 0; i < m * n; i++)
        if (nonzero_bits(y[i])) {
            left++;
            if (first < 0)
                first = i;
        }
    cr_expect_eq(left, 0, "%s: %ld denormals survived (first in row %ld of %d): a thread "
                          "ran without FTZ/DAZ", ds_isa_name(), left, first / n, m);
    ds_split_policy_set(DS_SPLIT_MODEL);
    free(y), free(b);
}

static float denormal(void)
{
    uint32_t bits = (uint32_t)(rng_next() % 0x7fffff) + 1; /* exponent 0, mantissa != 0 */
    bits |= (uint32_t)(rng_next() & 1) << 31;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* 10% denormal inputs: every output equals (bitwise) the output for the same
 * array with those inputs replaced by zeros of their sign, or differs from it
 * by at most FLT_MIN (a bitwise select may pass a denormal through, e.g.
 * identity, relu). */
ISA_TEST(vec_denormals, activations_read_denormals_as_zero)
{
    const size_t n = 100003;
    float *x = malloc(n * sizeof *x), *xz = malloc(n * sizeof *xz);
    float *dy = malloc(n * sizeof *dy), *dyz = malloc(n * sizeof *dyz);
    float *y = malloc(n * sizeof *y), *yz = malloc(n * sizeof *yz);
    float *dx = malloc(n * sizeof *dx), *dxz = malloc(n * sizeof *dxz);
    size_t nden = 0;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(rng_next() >> 11) * 0x1p-53;
        x[i] = (float)(8.0 * u - 4.0);
        dy[i] = (float)(2.0 * u - 1.0);
        if (rng_next() % 10 == 0) {
            x[i] = denormal();
            dy[i] = denormal();
            nden++;
        }
        xz[i] = fpclassify(x[i]) == FP_SUBNORMAL ? copysignf(0.0f, x[i]) : x[i];
        dyz[i] = fpclassify(dy[i]) == FP_SUBNORMAL ? copysignf(0.0f, dy[i]) : dy[i];
    }
    cr_assert(nden > n / 20 && nden < n / 5, "denormal share %zu of %zu", nden, n);
    ds_denormals_flush();
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        ds_act act = (ds_act)a;
        float p = act == DS_ACT_LEAKY_RELU ? 0.01f : 1.0f;
        ds_act_forward(act, p, x, y, n);
        ds_act_forward(act, p, xz, yz, n);
        ds_act_backward(act, p, x, y, dy, dx, n);
        ds_act_backward(act, p, xz, yz, dyz, dxz, n);
        long bad = 0;
        size_t first = 0;
        for (size_t i = 0; i < n; i++) {
            int ok = (memcmp(&y[i], &yz[i], sizeof(float)) == 0 ||
                      fabsf(y[i] - yz[i]) <= FLT_MIN) &&
                     (memcmp(&dx[i], &dxz[i], sizeof(float)) == 0 ||
                      fabsf(dx[i] - dxz[i]) <= FLT_MIN);
            if (!ok && bad++ == 0)
                first = i;
        }
        cr_expect_eq(bad, 0, "%s on %s: %ld outputs differ, first x = %a: y %a vs %a, dx %a vs %a",
                     ds_act_to_name(act), ds_isa_name(), bad, (double)x[first],
                     (double)y[first], (double)yz[first], (double)dx[first], (double)dxz[first]);
    }
    free(x), free(xz), free(dy), free(dyz), free(y), free(yz), free(dx), free(dxz);
}
