/* Inverted dropout over Philox4x32-10: known-answer vectors of the generator,
 * the documented counter layout, the kept fraction, and the same mask on
 * every ISA and thread count. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_test_util.h"
#include "kernels.h"



TestSuite(vec_dropout, .init = ds_denormals_flush);

/* Random123's kat_vectors, "philox4x32 10" lines: ctr[4] key[2] -> out[4] */
Test(vec_dropout, philox_known_answers)
{
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
         0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
         0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int i = 0; i < 3; i++) {
        uint32_t out[4];
        ds_philox4x32(kat[i], kat[i] + 4, out);
        for (int w = 0; w < 4; w++)
            cr_expect_eq(out[w], kat[i][6 + w], "vector %d word %d: %08x, want %08x", i, w,
                         out[w], kat[i][6 + w]);
    }
}

/* element i: word (i >> 3) & 3 of block b = 8·(i >> 5) + (i & 7),
 * ctr = {b low, b high, layer, step}, key = {seed low, seed high}; keep iff
 * word >= floor(p·2³²); kept values are x·(1/(1−p)) (float). Checked on
 * every ISA. */
ISA_TEST(vec_dropout, documented_counter_layout)
{
    const size_t n = 1000;
    const float p = 0.3f;
    const uint64_t seed = 0x0123456789abcdefull;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0f + (float)i;
    uint32_t thr = (uint32_t)((double)p * 4294967296.0);
    float scale = 1.0f / (1.0f - p);
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0f + (float)i;
    size_t kept = ds_dropout(x, n, p, seed, 7, 42);
    size_t count = 0;
    long bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = 8 * (i >> 5) + (i & 7);
        uint32_t ctr[4] = {(uint32_t)b, (uint32_t)(b >> 32), 7, 42}, w[4];
        ds_philox4x32(ctr, key, w);
        int keep = w[(i >> 3) & 3] >= thr;
        count += (size_t)keep;
        float want = keep ? (1.0f + (float)i) * scale : 0.0f;
        if (x[i] != want && bad++ == 0)
            cr_expect_fail("%s element %zu: %g, want %g", ds_isa_name(), i, (double)x[i],
                           (double)want);
    }
    cr_expect_eq(kept, count);
    free(x);
}

/* kept fraction within 4 sigma of 1 − p over 1e6 elements, for several p;
 * the return value counts the kept elements */
Test(vec_dropout, kept_fraction)
{
    const size_t n = 1000000;
    float *x = malloc(n * sizeof *x);
    const float ps[] = {0.1f, 0.3f, 0.5f, 0.9f};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        for (size_t i = 0; i < n; i++)
            x[i] = 1.0f;
        size_t kept = ds_dropout(x, n, ps[k], 99 + k, 1, 1);
        size_t nz = 0;
        for (size_t i = 0; i < n; i++)
            nz += x[i] != 0.0f;
        double p = ps[k], sigma = sqrt(n * p * (1 - p));
        cr_expect_eq(kept, nz);
        cr_expect(fabs((double)kept - n * (1 - p)) <= 4 * sigma,
                  "p = %g: kept %zu of %zu, expected %.0f ± %.0f (4 sigma)", p, kept, n,
                  n * (1 - p), 4 * sigma);
    }
    free(x);
}

/* on every ISA at 1 and 2 threads, the output bits of the scalar reference
 * at 1 thread; n crosses the threading threshold and is not a multiple of 4;
 * a second call with the same key (the backward pass) zeroes the same
 * elements */
ISA_TEST(vec_dropout, same_mask_every_isa_and_thread_count)
{
    const size_t n = 1000003;
    float *x = malloc(n * sizeof *x), *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)i * 0.001f - 300.0f;
    int saved = omp_get_max_threads();
    use_isa(DS_ISA_SCALAR);
    omp_set_num_threads(1);
    memcpy(ref, x, n * sizeof *x);
    size_t kref = ds_dropout(ref, n, 0.25f, 5, 3, 11);
    use_isa(isa);
    for (int th = 1; th <= 2; th++) {
        ds_split_policy_set(DS_SPLIT_ALWAYS); /* the threaded path, whatever the cost model says */
        omp_set_num_threads(th);
        memcpy(got, x, n * sizeof *x);
        size_t kg = ds_dropout(got, n, 0.25f, 5, 3, 11);
        cr_expect_eq(kg, kref);
        cr_expect(memcmp(got, ref, n * sizeof *got) == 0, "%s at %d threads: mask differs",
                  ds_isa_name(), th);
    }
    /* backward: ones through the same key -> zero exactly where forward was */
    for (size_t i = 0; i < n; i++)
        got[i] = 1.0f;
    ds_dropout(got, n, 0.25f, 5, 3, 11);
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0.0f && (got[i] == 0.0f) != (ref[i] == 0.0f)) {
            cr_expect_fail("backward mask differs at %zu", i);
            break;
        }
    /* another step gives another mask */
    memcpy(got, x, n * sizeof *x);
    ds_dropout(got, n, 0.25f, 5, 3, 12);
    cr_expect(memcmp(got, ref, n * sizeof *got) != 0);
    omp_set_num_threads(saved);
    ds_split_policy_set(DS_SPLIT_MODEL);
    free(x), free(ref), free(got);
}

Test(vec_dropout, p_zero_is_identity)
{
    float x[37], y[37];
    for (int i = 0; i < 37; i++)
        x[i] = y[i] = (float)i - 18.5f;
    cr_expect_eq(ds_dropout(y, 37, 0.0f, 1, 2, 3), 37);
    cr_expect(memcmp(x, y, sizeof x) == 0);
}

#ifndef NDEBUG
/* p outside [0, 1) is the caller's error, caught by assert() in debug builds */
Test(vec_dropout, p_one_asserts, .signal = SIGABRT)
{
    float x[4] = {1, 2, 3, 4};
    ds_dropout(x, 4, 1.0f, 1, 2, 3);
}
Test(vec_dropout, p_negative_asserts, .signal = SIGABRT)
{
    float x[4] = {1, 2, 3, 4};
    ds_dropout(x, 4, -0.1f, 1, 2, 3);
}
#endif
