/* ds_aligned_alloc / ds_aligned_free: the one aligned allocator (kernels.h). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"

TestSuite(alloc, .timeout = 30);

Test(alloc, aligned_for_sizes_that_are_not_multiples_of_the_alignment)
{
    static const size_t sizes[] = {1, 3, 63, 64, 65, 100, 4096 + 4, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = ds_aligned_alloc(sizes[i]);
        cr_assert_not_null(p, "ds_aligned_alloc(%zu)", sizes[i]);
        cr_expect_eq((uintptr_t)p % DS_ALIGN, 0, "ds_aligned_alloc(%zu) = %p", sizes[i],
                     (void *)p);
        /* the rounded-up tail is usable (a whole vector may be loaded there) */
        size_t rounded = (sizes[i] + DS_ALIGN - 1) / DS_ALIGN * DS_ALIGN;
        memset(p, 0xA5, rounded);
        ds_aligned_free(p);
    }
}

Test(alloc, zero_bytes_gives_a_usable_block)
{
    unsigned char *p = ds_aligned_alloc(0);
    cr_assert_not_null(p);
    cr_expect_eq((uintptr_t)p % DS_ALIGN, 0);
    memset(p, 0, DS_ALIGN);
    ds_aligned_free(p);
}

Test(alloc, overflowing_sizes_return_null)
{
    cr_expect_eq(ds_aligned_alloc(SIZE_MAX), NULL);
    cr_expect_eq(ds_aligned_alloc(SIZE_MAX - DS_ALIGN + 2), NULL);
}

Test(alloc, free_of_null_is_a_no_op) { ds_aligned_free(NULL); }
