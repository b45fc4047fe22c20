/* ds_aligned_alloc / ds_aligned_free: see kernels.h. */
#include <stdint.h>
#include <stdlib.h>

#include "kernels.h"

void *ds_aligned_alloc(size_t bytes)
{
    /* C17 aligned_alloc wants the size to be a multiple of the alignment. */
    if (bytes > SIZE_MAX - (DS_ALIGN - 1))
        return NULL;
    size_t rounded = (bytes + DS_ALIGN - 1) / DS_ALIGN * DS_ALIGN;
    return aligned_alloc(DS_ALIGN, rounded ? rounded : DS_ALIGN);
}

void ds_aligned_free(void *p) { free(p); }
