/* Fault injection for the unit tests: the test binary is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (Makefile), so every
 * allocation made by the harness's objects goes through tests/alloc_fault.c.
 * Armed with n, the n-th allocation from then on returns NULL (errno
 * ENOMEM), once; the others pass through. */
#ifndef DS_ALLOC_FAULT_H
#define DS_ALLOC_FAULT_H

void ds_fault_arm(long n);   /* fail the n-th allocation from now (n >= 1) */
void ds_fault_disarm(void);
int ds_fault_fired(void);    /* 1 if the armed allocation failed */

#endif
