/* The GEMM cases of a profile and the context that runs one, with
 * ds_sgemm or with OpenBLAS (openblas_bench.c's worker). */
#ifndef DS_GEMM_CASES_H
#define DS_GEMM_CASES_H

#include "bench.h"
#include "openblas.h"

typedef struct {
    char kname[16]; /* gemm_nn, gemm_nt, gemm_tn */
    ds_trans ta, tb;
    int m, n, k;
} gemm_case;

/* The profile's GEMM cases: the MLP shapes (mlp_shapes.h), then the squares
 * (NN). Returns the count (<= max). */
int bench_gemm_cases(const ds_bench_opts *o, gemm_case *out, int max);

typedef struct {
    gemm_case gc;
    float *a, *b, *c;
    int lda, ldb, ldc;
    const ds_openblas *ob; /* NULL: ds_sgemm */
} gemm_ctx;

/* Allocates and fills the operands (free with gemm_ctx_free even on
 * failure). 0, or -1 out of memory. */
int gemm_ctx_init(gemm_ctx *g, const gemm_case *gc);
void gemm_ctx_free(gemm_ctx *g);
/* The timed function and the checksum of C. */
void gemm_fn(void *g, long iters);
double gemm_checksum(void *g);
/* The row's shape and per-call work (flops, compulsory bytes). */
void gemm_row_fill(ds_bench_row *r, const gemm_case *gc);

#endif
