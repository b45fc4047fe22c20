/* Allocation fault injection (see alloc_fault.h): the wrappers the linker
 * puts between the harness's objects and the C library's allocator. */
#include "alloc_fault.h"

#include <errno.h>
#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

static long countdown; /* 0: disarmed */
static int fired;

void ds_fault_arm(long n)
{
    countdown = n;
    fired = 0;
}

void ds_fault_disarm(void) { countdown = 0; }

int ds_fault_fired(void) { return fired; }

static int fail_now(void)
{
    if (countdown > 0 && --countdown == 0) {
        fired = 1;
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return fail_now() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
