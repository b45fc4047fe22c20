/* The profiler's inside: the state every part of harness/profiler/ works on
 * (one table of measured rows plus the machine facts, notes and warnings that
 * go with them) and the functions the parts offer each other. The public face
 * is bench.h; the parts follow Google Benchmark's split of its src/:
 *
 *   bench.c          orchestration: ds_bench_run (the order of the phases)
 *   state.c          the row table, notes, warnings, look-ups
 *   measure.c        the measurement core: one case -> one row
 *   cases.c          the case table: GEMM, element-wise kernels (per ISA)
 *   step.c           the training step benchmark
 *   baselines.c      FMA peak and STREAM-like copy/triad bandwidth
 *   openblas_bench.c OpenBLAS rows (worker and parent; openblas.c is the
 *                    child-process harness it shares with bench/)
 *   machine.c        machine facts, start-up warnings, working-set sizes
 *   derive.c         derived figures, noisy rows, repeatability
 *   report_csv.c     kernels.csv, raw.csv, machine.csv, file writing
 *   report_json.c    kernels.json (Google Benchmark's schema)
 *   report_console.c the console tables
 *   profile.c        the YAML profile and option values -> ds_bench_opts */
#ifndef DS_PROFILER_H
#define DS_PROFILER_H

#include <stdio.h>

#include "bench.h"
#include "topo.h"

/* Working-set size classes of the memory-bound kernels. */
enum { SZ_L1 = 0, SZ_L2, SZ_MEM, SZ_COUNT, SZ_NONE = -1 };
extern const char *const bench_size_names[SZ_COUNT];

/* Row families: what a row is compared with. */
enum { FAM_BASE, FAM_GEMM, FAM_ELEM, FAM_STEP };

typedef struct {
    ds_bench_row r;
    int size_class; /* SZ_* for memory-bound rows */
    int family;     /* FAM_* */
    int probe;      /* an OpenBLAS core type's probe row, not a baseline */
} row_ext;

/* The OpenBLAS baselines. Rows of our avx2 kernels are compared with the best
 * AVX2 core type of OpenBLAS (Haswell, Zen): an AVX-512 one would set AVX2
 * code against wider vectors. Every other ISA's rows are compared with the
 * best core type of all. The two are one when an AVX2 core type is the best. */
enum { OBL_ANY = 0, OBL_AVX2, OBL_KINDS };
typedef struct {
    char isa[32];      /* its rows' isa ("openblas", "openblas-avx2"); "" = none */
    char core[64];     /* the core OpenBLAS reported running ("Cooperlake") */
    char coretype[32]; /* the OPENBLAS_CORETYPE it ran with, "unset" = detected */
} obl_baseline;
#define BENCH_OBL_AVX2_ISA "openblas-avx2"

typedef struct {
    const ds_bench_opts *o;
    ds_clock clock;
    ds_timer_calib cal;
    ds_timer_opts topts;
    ds_topo topo;
    int topo_ok;
    row_ext *rows;
    int n_rows, cap_rows;
    size_t sizes[SZ_COUNT];       /* elements per vector for each size class */
    char cache_note[256];         /* why a reported cache size was not used   */
    char mem_note[256];           /* what capped the memory working set       */
    char warnings[64][256];
    int n_warnings;
    char notes[32][256];
    int n_notes;
    char obl_detected[64], obl_config[256];
    obl_baseline obl[OBL_KINDS];
    char placement[DS_BENCH_MAX_THREADS_LIST][512];
    int n_placement;
    char governor[64], hypervisor[64];
    double load1;
    int case_no;
    /* repeatability against the previous kernels.csv in the same folder */
    int rep_compared, rep_over, rep_cpu_compared, rep_cpu_over;
    double rep_max_dev, rep_cpu_max_dev;
    char rep_worst[160];
} bench_state;

/* ---- state.c ---------------------------------------------------------------- */
void bench_warnf(bench_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A note: on stderr now (unless quiet) and in the console's notes. */
void bench_notef(bench_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A new zeroed row (n/a figures NAN) at the end of the table, or NULL. */
row_ext *bench_new_row(bench_state *st);
const row_ext *bench_find_row(const bench_state *st, const char *kernel, const char *isa,
                              int threads, long m, long n, long k, int size_class);
/* The fma_peak row's GFLOP/s for isa at threads (after derive), or NAN. */
double bench_peak_gflops(const bench_state *st, const char *isa, int threads);
const char *bench_best_isa_name(void);
/* The ISA whose FMA peak a GEMM or step row's %peak is of: its own; for
 * OpenBLAS, avx2 for the best AVX2 core type's rows, else the best ISA. */
const char *bench_peak_isa(const row_ext *x);
/* "Cooperlake (OPENBLAS_CORETYPE=unset)", or "none". */
void bench_obl_text(const obl_baseline *b, char *buf, size_t len);
/* "MxNxK", "MxN" or the element count. */
void bench_shape_text(const ds_bench_row *r, char *buf, size_t len);
/* n floats from ds_aligned_alloc (kernels.h); free with ds_aligned_free. */
float *bench_falloc(size_t n);
/* Deterministic fill in [lo, hi): setup only, never timed. */
void bench_fill(float *x, size_t n, uint32_t seed, float lo, float hi);
/* The PUs: hwloc's count, else OpenMP's. */
int bench_pus(const bench_state *st);

/* ---- measure.c -------------------------------------------------------------- */
/* One case: what a row is, apart from its timing. */
typedef struct {
    int family, size_class;
    const char *kernel, *isa, *note; /* note may be NULL */
    int threads;
    long m, n, k, elems;
    double flops, bytes, items;      /* per call */
    double est_s;                    /* lower bound of one call's time, 0 if unknown */
} bench_case;

/* The checksum of a context's output after its run: proves the work was done. */
typedef double (*bench_checksum_fn)(void *ctx);

/* Adds c's row, measures fn(ctx, iters) at c->threads into it, then its
 * checksum. Returns 0 measured, 1 skipped (over the time budget: a note, no
 * row), -1 out of memory. */
int bench_measure_case(bench_state *st, const bench_case *c, ds_bench_fn fn,
                       bench_checksum_fn sum, void *ctx);
/* The same case at each thread count; 0, or -1 out of memory. */
int bench_measure_threads(bench_state *st, bench_case c, const int *threads, int nt,
                          ds_bench_fn fn, bench_checksum_fn sum, void *ctx);
/* Copies a measurement's statistics and raw repetitions into r. 0 or -1. */
int bench_take_measurement(ds_bench_row *r, const ds_measurement *m);

/* ---- cases.c / step.c ------------------------------------------------------- */
/* Every selected kernel case on the active ISA (named iname). 0 or -1 (OOM). */
int bench_run_kernels(bench_state *st, const char *iname, const int *threads, int nt);
int bench_run_steps(bench_state *st, const char *iname, const int *threads, int nt);

/* ---- baselines.c ------------------------------------------------------------ */
/* FMA peak per ISA measured (and the best ISA always), copy and triad at
 * each size class. 0, or -1 out of memory. */
int bench_run_baselines(bench_state *st, unsigned isas, const int *threads, int nt);
/* The same again after the kernels; each baseline keeps the faster. */
int bench_rerun_baselines(bench_state *st, unsigned isas, const int *threads, int nt);

/* ---- openblas_bench.c ------------------------------------------------------- */
/* OpenBLAS rows for every GEMM case with the best of the probed core types,
 * and with the best AVX2 one as well when it differs and isas has avx2;
 * sets st->obl. */
void bench_run_openblas(bench_state *st, unsigned isas, const int *threads, int n_threads);

/* One core type's probe: OPENBLAS_CORETYPE (NULL: unset), the core OpenBLAS
 * reported, the geometric mean GFLOP/s of its probe rows. */
typedef struct {
    const char *coretype;
    char core[64];
    double gflops;
} obl_probe;
/* OBL_AVX2 for a core OpenBLAS reports running AVX2 kernels (Haswell, Zen;
 * any case), else OBL_ANY. */
int bench_obl_kind_of_core(const char *core);
/* The baseline rows of our isa are compared with: OBL_AVX2 for avx2. */
int bench_obl_kind_of_isa(const char *isa);
/* The fastest of p[0..n) that counts for kind (OBL_ANY: every one; OBL_AVX2:
 * those whose reported core is an AVX2 one), or -1. */
int bench_obl_pick(const obl_probe *p, int n, int kind);

/* ---- machine.c -------------------------------------------------------------- */
/* Governor, hypervisor, topology-based sizes and the start-up warnings. */
void bench_read_machine(bench_state *st);
int bench_mhz_per_cpu(void);
/* Elements per vector of each size class, from the topology (a cache above
 * 64 MiB per core is treated as unknown: cache_note says so) and capped so
 * the largest case fits a quarter of mem_available bytes (0: unknown, no
 * cap; mem_note says what set the memory size). */
void bench_working_sets(const ds_topo *t, size_t mem_available, int quick,
                        size_t sizes[SZ_COUNT], char *cache_note, size_t cache_len,
                        char *mem_note, size_t mem_len);
const char *bench_build_type(void);

/* ---- derive.c --------------------------------------------------------------- */
void bench_derive(bench_state *st);
void bench_compare_previous(bench_state *st);

/* ---- reporters -------------------------------------------------------------- */
void bench_write_kernels_csv(const bench_state *st, FILE *f);
void bench_write_raw_csv(const bench_state *st, FILE *f);
void bench_write_machine_csv(const bench_state *st, FILE *f);
void bench_write_json(const bench_state *st, FILE *f);
void bench_print_console(const bench_state *st, FILE *f);
/* Writes dir/name via a temporary name and rename(): a reader never sees
 * half a file. 0, or -1 (errno set). */
int bench_write_file(const bench_state *st, const char *dir, const char *name,
                     void (*writer)(const bench_state *, FILE *));
/* mkdir -p, then proves the folder writable. 0, or -1 with a message. */
int bench_prepare_out(const char *dir, char *err, size_t errlen);

#endif
