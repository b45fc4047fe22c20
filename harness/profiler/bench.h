/* `deepsweep bench`: the kernel throughput profiler (issue 5).
 *
 * Runs the kernels of kernels/kernels.h at the MLP training shapes and square
 * sizes, measures them with timer.c, sets them against baselines measured in
 * the same run (FMA peak, STREAM-like copy/triad, OpenBLAS in a child process
 * per core type) and writes results/bench/{kernels,raw,machine}.csv and
 * kernels.json (Google Benchmark's schema). */
#ifndef DS_BENCH_H
#define DS_BENCH_H

#include <stddef.h>

#include "kernels.h"
#include "timer.h"

enum {
    DS_BK_GEMM = 1u << 0,
    DS_BK_ACT = 1u << 1,
    DS_BK_SOFTMAX = 1u << 2,
    DS_BK_DROPOUT = 1u << 3,
    DS_BK_STEP = 1u << 4,
};
enum { DS_BS_MLP = 1u << 0, DS_BS_SQUARE = 1u << 1 };
/* Bit of ds_bench_opts.isas for OpenBLAS (the ds_isa values take bits 0..3). */
#define DS_BENCH_OPENBLAS_BIT (1u << DS_ISA_COUNT)

typedef enum { DS_BF_CONSOLE = 0, DS_BF_CSV, DS_BF_JSON } ds_bench_format;

#define DS_BENCH_MAX_THREADS_LIST 16
#define DS_BENCH_MAX_SQUARE 16

typedef struct {
    unsigned kernels;              /* DS_BK_* */
    unsigned isas;                 /* 1u << ds_isa, | DS_BENCH_OPENBLAS_BIT */
    unsigned shapes;               /* DS_BS_* */
    unsigned acts;                 /* 1u << ds_act */
    int threads[DS_BENCH_MAX_THREADS_LIST], n_threads;
    int square[DS_BENCH_MAX_SQUARE], n_square;
    ds_bench_format format;
    char out[512];
    int bind_core;                 /* 1: one thread per core; 0: no binding */
    int quick;
    int quiet;                     /* no progress lines on stderr */
    ds_timer_opts timer;
    double max_case_s;             /* skip a case whose repetitions would exceed this */
    const char *config_path;       /* for the record (machine.csv), may be NULL */
} ds_bench_opts;

typedef struct {
    char kernel[32];   /* gemm_nn, relu_fwd, softmax_xent, step_xavier, fma_peak, copy, ... */
    char isa[32];      /* scalar, avx2, avx512, openblas (the best core type),
                          openblas-avx2 (the best AVX2 one), openblas-<core> (probes) */
    int threads;
    long m, n, k;      /* GEMM shape; rows x cols for row kernels; 0 if n/a  */
    long elems;        /* elements touched per call (vectors); m*n for GEMM  */
    int reps;
    long iters;
    double median_s, mad_s, min_s, mean_s, stddev_s, cv, ci_lo_s, ci_hi_s, cpu_median_s;
    double flops;      /* per call; 0 if not meaningful                      */
    double bytes;      /* per call, compulsory traffic                       */
    double items;      /* per call: elements, samples (step) or flops        */
    double gflops, gbps, pct_peak, pct_bw, vs_openblas; /* NAN when n/a      */
    char vs_openblas_core[64]; /* the OpenBLAS core vs_openblas is against, "" n/a */
    double checksum;   /* of the output after the run: proves the work was done */
    char note[160];
    double *raw_wall, *raw_cpu; /* [reps] seconds per call (owned)            */
} ds_bench_row;

/* Fixed column sets (a header line each, without the newline). kernels.csv
 * starts with DESIGN.md's 14 columns; extras only follow. */
const char *ds_bench_kernels_header(void);
const char *ds_bench_raw_header(void);
const char *ds_bench_machine_header(void);
/* One kernels.csv line (with '\n') for r; NAN fields are left empty. */
void ds_bench_row_csv(const ds_bench_row *r, char *buf, size_t len);

void ds_bench_opts_default(ds_bench_opts *o);
/* Sets one key of the profile (profile.c: kernels, isa, threads, shapes,
 * square, acts, format, out, bind, reps, min_time, max_case_s, quick) from
 * its text; field names it in messages ("--threads" or "threads"). The YAML
 * profile and the command line go through here. Returns 0, or 2 with the
 * message in err ("--threads: '0' is out of range (1 <= threads <= 8)"). */
int ds_bench_opts_set(ds_bench_opts *o, const char *key, const char *field, const char *value,
                      char *err, size_t errlen);
/* Applies the YAML profile at path: a mapping of keys to a scalar or a list
 * of scalars. Returns 0; 2 with "<path>:<line>:<col>: <key>: ..." in err; 1
 * when out of memory. */
int ds_bench_profile_load(ds_bench_opts *o, const char *path, char *err, size_t errlen);
/* Runs the whole profile; returns the process exit status (0, 1). */
int ds_bench_run(const ds_bench_opts *o);

/* The OpenBLAS child process: loads libopenblas.so.0 (OPENBLAS_CORETYPE is
 * already in its environment), runs the GEMM cases named in `cases`
 * ("nn:m:n:k,tn:m:n:k,..."), at each thread count, prints rows on stdout in
 * the worker line format that ds_bench_run parses. Returns exit status. */
int ds_bench_openblas_worker(const char *cases, const ds_bench_opts *o);

#endif
