/* Helpers shared by the element-wise kernel tests (test_act, test_losses,
 * test_dropout, test_denormals, test_optim_kernels): a seeded splitmix64
 * stream and the loop over every ISA with its skip message. Header-only and
 * static inline so the same test files build natively and for aarch64. */
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

static const ds_isa all_isas[] = {DS_ISA_SCALAR, DS_ISA_AVX2, DS_ISA_AVX512, DS_ISA_NEON};
#define N_ISAS (sizeof all_isas / sizeof all_isas[0])

/* Selects isa for the kernels and returns 1, or prints why it is skipped
 * ("<file>: avx512 not available ...") and returns 0. */
#define use_isa(isa) use_isa_named((isa), TEST_FILE_NAME)
static inline int use_isa_named(ds_isa isa, const char *file)
{
    if (!ds_isa_available(isa)) {
        fprintf(stderr, "%s: %s not available on this CPU/OS/build: skipped\n", file,
                ds_isa_to_name(isa));
        return 0;
    }
    cr_assert_eq(ds_isa_set(isa), 0);
    return 1;
}

#endif
