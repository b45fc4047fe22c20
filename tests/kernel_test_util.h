/* Helpers shared by the kernel tests (test_act, test_losses, test_dropout,
 * test_denormals, test_optim_kernels, test_dispatch, ...): a seeded
 * splitmix64 stream and the per-ISA test macro. Header-only and static
 * inline so the same test files build natively (Criterion) and for aarch64
 * (tests/qemu/criterion/criterion.h, the stand-in used by make test-neon).
 *
 * ---- per-ISA tests ---------------------------------------------------------
 *
 *     ISA_TEST(suite, name)
 *     {
 *         ... the body, run with the kernels switched to `isa` ...
 *     }
 *
 * defines one Criterion test per ISA deepsweep knows — suite/name_scalar,
 * name_avx2, name_avx512, name_neon — so each ISA passes, fails or is
 * skipped on its own line. Each test selects its ISA with ds_isa_set() and
 * runs the body with `isa` (a ds_isa) naming it. On a CPU, OS or build that
 * lacks the ISA, the test is REPORTED as skipped (cr_skip_test, "avx512 not
 * available on this CPU/OS/build"), never passed silently. The suite's
 * options (.init, .fini, .timeout) apply as to any test of the suite.
 *
 *     VECTOR_ISA_TEST(suite, name) { ... }
 *
 * the same over the vector ISAs only (no _scalar test), for bodies that
 * compare an ISA with the scalar reference: compute the reference after
 * use_isa(DS_ISA_SCALAR), then use_isa(isa) (a scalar instance could not
 * fail). Adding an ISA to kernels.h means one line in DS_TEST_VECTOR_ISAS.
 *
 * A body that calls ds_init() (which selects the best ISA) must call
 * use_isa(isa) again after it. */
#ifndef DS_KERNEL_TEST_UTIL_H
#define DS_KERNEL_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "kernels.h"

/* Each test file seeds it in its suite's init (or at declaration). */
static uint64_t rng_state;

static inline uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline double rng_unit(void) { return (double)(rng_next() >> 11) * 0x1p-53; }

/* Switches the kernels to isa (which the test has checked is available). */
static inline void use_isa(ds_isa isa)
{
    cr_assert_eq(ds_isa_set(isa), 0, "ds_isa_set(%s) failed", ds_isa_to_name(isa));
}

/* The body of the per-ISA test `test` ("suite/name_isa"): skipped, and
 * said so, or run with isa selected. Criterion shows a skip's reason only
 * with --verbose, so the line goes to stderr too (the qemu stand-in prints
 * its own [SKIP] line). */
static inline void ds_test_on_isa(const char *test, ds_isa isa, void (*body)(ds_isa))
{
    if (!ds_isa_available(isa)) {
#ifndef DS_MINI_CRITERION_H
        fprintf(stderr, "[SKIP] %s: %s not available on this CPU/OS/build\n", test,
                ds_isa_to_name(isa));
#else
        (void)test;
#endif
        cr_skip_test("%s not available on this CPU/OS/build", ds_isa_to_name(isa));
    }
    use_isa(isa);
    body(isa);
}

/* X(id, suffix) for every vector ISA of kernels.h */
#define DS_TEST_VECTOR_ISAS(X, suite, name)                                    \
    X(suite, name, DS_ISA_AVX2, avx2)                                          \
    X(suite, name, DS_ISA_AVX512, avx512)                                      \
    X(suite, name, DS_ISA_NEON, neon)
_Static_assert(DS_ISA_COUNT == 4, "a new ISA in kernels.h: add it to DS_TEST_VECTOR_ISAS");

#define DS_TEST_BODY_(suite, name) ds_isa_test_##suite##_##name
#define DS_TEST_ONE_(suite, name, id, suffix)                                  \
    Test(suite, name##_##suffix)                                               \
    {                                                                          \
        ds_test_on_isa(#suite "/" #name "_" #suffix, id, DS_TEST_BODY_(suite, name)); \
    }

#define VECTOR_ISA_TEST(suite, name)                                           \
    static void DS_TEST_BODY_(suite, name)(ds_isa isa);                        \
    DS_TEST_VECTOR_ISAS(DS_TEST_ONE_, suite, name)                             \
    static void DS_TEST_BODY_(suite, name)(ds_isa isa __attribute__((unused)))

#define ISA_TEST(suite, name)                                                  \
    static void DS_TEST_BODY_(suite, name)(ds_isa isa);                        \
    DS_TEST_ONE_(suite, name, DS_ISA_SCALAR, scalar)                           \
    VECTOR_ISA_TEST(suite, name)

#endif
