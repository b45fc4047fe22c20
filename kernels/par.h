/* Private to kernels/: how a kernel runs on several threads (team.c).
 *
 * A kernel splits its work into nt parts whose results do not depend on nt
 * (GEMM: blocks of C, never K; element-wise: ranges of elements; sums: fixed
 * pieces added in a fixed order), asks the cost model how many threads the
 * call is worth (ds_par_threads), and runs the parts with ds_par. Inside
 * ds_team_run (kernels.h) the parts go to the caller's team, whose workers
 * spin (bounded) between kernels; outside, to one OpenMP region.
 */
#ifndef DS_KERNELS_PAR_H
#define DS_KERNELS_PAR_H

#include "internal.h"

/* At most this many parts per call (per-part results live on the stack). */
#define DS_PAR_MAX_THREADS 256

/* Part t of nt of one kernel call. */
typedef void (*ds_par_body)(void *arg, int t, int nt);

/* Runs body(arg, t, nt) for every t in [0, nt), each part on one thread
 * (part 0 on the caller), and returns when all are done. Each thread has
 * flushed denormals. nt <= 1 runs body(arg, 0, 1) here. */
void ds_par(int nt, ds_par_body body, void *arg);

/* Threads the calling thread may use: its team's size inside ds_team_run,
 * else omp_get_max_threads() (the run's thread count), and 1 inside any
 * other parallel region. */
int ds_par_max(void);

/* The cost model: how many threads (1 .. min(ds_par_max(), parts)) a call
 * taking ns1 nanoseconds on one thread, in `parts` equal indivisible parts,
 * should use. Splitting must save SPLIT_MIN_GAIN of ns1 after the measured
 * start cost of a job (on the team, or of a fresh OpenMP region).
 * DS_SPLIT_ALWAYS / DS_SPLIT_NEVER (kernels.h) override it. */
int ds_par_threads(double ns1, int parts);

/* One-thread time predictions from the measured rates: a GEMM of `fmas`
 * multiply-adds on `isa`, a streaming kernel on the active ISA touching
 * `floats` floats (reads + writes). */
double ds_par_gemm_ns(ds_isa isa, double fmas);
double ds_par_stream_ns(double floats);

#endif
