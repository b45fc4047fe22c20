/* OpenBLAS as a baseline, in child processes: the one harness that
 * `deepsweep bench` (openblas_bench.c) and bench/bench_kernels.c share
 * (bench-kernels links openblas.o; it depends on kernels.h and libc only).
 *
 * OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, so each core
 * type is measured in a child process of its own: the parent starts this
 * executable again (/proc/self/exe) with the core type in its environment and
 * talks to it through two pipes; the child loads the library with dlopen (it
 * is never linked, so a machine without it still runs everything else). */
#ifndef DS_OPENBLAS_H
#define DS_OPENBLAS_H

#include <stdio.h>
#include <sys/types.h>

#include "kernels.h"

/* ---- in the child ----------------------------------------------------------- */

typedef void (*ds_cblas_sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha,
                                  const float *a, int lda, const float *b, int ldb, float beta,
                                  float *c, int ldc);
typedef struct {
    ds_cblas_sgemm_fn sgemm;
    void (*set_threads)(int); /* NULL when the library lacks it */
    char core[64];            /* openblas_get_corename(), or "unknown" */
    char config[256];         /* openblas_get_config(), or "" */
} ds_openblas;

/* Gives this process every PU (see openblas.c for why), then loads
 * libopenblas.so.0, or the file $DEEPSWEEP_OPENBLAS names (tests name a
 * missing one). Returns 0, or -1 with the reason in err. */
int ds_openblas_load(ds_openblas *ob, char *err, size_t errlen);

/* C = op(A)·op(B) (alpha 1, beta 0), row-major, in ds_sgemm's argument order. */
void ds_openblas_sgemm(const ds_openblas *ob, ds_trans ta, ds_trans tb, int m, int n, int k,
                       const float *a, int lda, const float *b, int ldb, float *c, int ldc);

/* ---- in the parent ---------------------------------------------------------- */

typedef struct {
    pid_t pid;
    FILE *to;   /* the child's stdin  */
    FILE *from; /* the child's stdout */
} ds_openblas_child;

/* Starts exe (NULL: /proc/self/exe, this program again) with argv (argv[0]
 * is its name) and
 * OPENBLAS_CORETYPE=coretype (NULL: unset, OpenBLAS detects the core), and
 * OMP_WAIT_POLICY=passive (the child runs OpenBLAS's threads, not ours: idle
 * OpenMP threads must not spin on the cores it needs). mute_stderr sends the
 * child's stderr to /dev/null (a crash message would cut into a table).
 * Returns 0, or -1 with errno set. */
int ds_openblas_child_start(ds_openblas_child *c, const char *exe, const char *coretype,
                            char *const argv[], int mute_stderr);

/* Ends the child: closes its stdin (end of input: a serving child returns),
 * kills it first when kill_it, and waits. Returns 0 when it exited with
 * status 0, else -1 with what happened in why ("died with signal 4 (Illegal
 * instruction): this CPU lacks that core type's instructions", "exit status
 * 3"). */
int ds_openblas_child_stop(ds_openblas_child *c, int kill_it, char *why, size_t whylen);

#endif
