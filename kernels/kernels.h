/* deepsweep kernels: the public API of the SIMD library.
 *
 * Row-major float32 throughout. Weights are [in x out], so a layer's forward is
 * Y = X·W + b (NN), its backward dX = dY·Wᵀ (NT) and dW = Xᵀ·dY (TN).
 *
 * The library does no I/O, reads no configuration and keeps no global state
 * but the dispatch table chosen by ds_init(). Every entry point below runs on
 * the ISA selected there (scalar reference, AVX2+FMA, AVX-512, NEON).
 *
 * Determinism: for a fixed ISA, every result is bit-identical for any
 * OpenMP thread count (work is split over independent output blocks only,
 * reductions run in a fixed order). Dropout masks are identical across ISAs.
 *
 * Misuse (negative sizes, leading dimension smaller than the row length, NULL
 * with a non-zero size) is caught by assert() in debug builds (-UNDEBUG) and is
 * undefined behaviour otherwise.
 */
#ifndef DS_KERNELS_H
#define DS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ISA dispatch ------------------------------------------------------ */

typedef enum {
    DS_ISA_SCALAR = 0,
    DS_ISA_AVX2,
    DS_ISA_AVX512,
    DS_ISA_NEON,
    DS_ISA_COUNT
} ds_isa;

/* Select the ISA once at start-up: the best the CPU and OS support, or the one
 * named by the environment variable DEEPSWEEP_ISA (scalar|avx2|avx512|neon).
 * Returns 0, or 2 with a one-line message in err (no "deepsweep:" prefix) when
 * DEEPSWEEP_ISA names an unknown ISA or one this CPU/OS/build cannot run.
 * Also sets flush-to-zero / denormals-are-zero in the calling thread. */
int ds_init(char *err, size_t errlen);

ds_isa ds_isa_best(void);              /* best ISA available here             */
int ds_isa_available(ds_isa isa);      /* CPU + OS (XCR0) + build support it  */
int ds_isa_set(ds_isa isa);            /* 0, or -1 if not available           */
ds_isa ds_isa_current(void);
const char *ds_isa_name(void);         /* "avx512", "avx2", "neon", "scalar"  */
const char *ds_isa_to_name(ds_isa isa);
int ds_isa_parse(const char *name, ds_isa *out); /* 0, or -1 if unknown       */
/* Comma-separated names of every ISA this build knows, e.g. "scalar, avx2,
 * avx512" (used in error messages). */
const char *ds_isa_valid_names(void);

/* Flush denormals to zero (MXCSR FTZ+DAZ on x86, FPCR.FZ on Arm) in the
 * calling thread. Every kernel that opens an OpenMP region calls this at the
 * top of the region, so worker threads are covered whatever their count. */
void ds_denormals_flush(void);
int ds_denormals_flushed(void);        /* 1 if the calling thread has FTZ+DAZ */

/* ---- GEMM -------------------------------------------------------------- */

typedef enum { DS_NOTRANS = 0, DS_TRANS = 1 } ds_trans;

/* C[m x n] = alpha · op(A)[m x k] · op(B)[k x n] + beta · C.
 * op(A) is A (lda >= k) or Aᵀ with A stored [k x m] (lda >= m); likewise B.
 * ldc >= n. Any m, n, k >= 0. beta == 0 overwrites C (NaN in C is ignored);
 * alpha == 0 or k == 0 scales C by beta only. */
void ds_sgemm(ds_trans ta, ds_trans tb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc);

/* How one GEMM may run, for tests and tuning (bench-kernels' DS_GEMM_POLICY
 * takes the same bits). ds_sgemm makes its own choices; none of these
 * settings changes a bit of C: they change memory traffic and the split
 * among threads, never the summation order. */
enum {
    DS_GEMM_PACK_A = 1,        /* copy op(A) into A~ panels               */
    DS_GEMM_INPLACE_A = 2,     /* read op(A) where it lies                */
    DS_GEMM_PACK_B = 4,        /* copy every B panel into B~              */
    DS_GEMM_INPLACE_B = 8,     /* read full B panels in place (op(B) = B) */
    DS_GEMM_NO_CT = 16,        /* never compute C as Cᵀ = op(B)ᵀ·op(A)ᵀ   */
    DS_GEMM_CT = 32,           /* always compute C as Cᵀ                  */
    DS_GEMM_SPLIT_ALWAYS = 64, /* split among threads whatever the size   */
};
typedef struct {
    unsigned force; /* DS_GEMM_* bits; 0: ds_sgemm's own choices */
} ds_gemm_opts;

/* ds_sgemm with explicit options (NULL: the same as ds_sgemm). */
void ds_sgemm_ex(ds_trans ta, ds_trans tb, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc, const ds_gemm_opts *opts);

/* ---- element-wise and row kernels ------------------------------------- */

typedef enum {
    DS_ACT_IDENTITY = 0,
    DS_ACT_RELU,
    DS_ACT_LEAKY_RELU, /* param = negative slope (e.g. 0.01)          */
    DS_ACT_SIGMOID,
    DS_ACT_TANH,
    DS_ACT_ELU,        /* param = alpha (e.g. 1.0)                      */
    DS_ACT_GELU,       /* tanh form: 0.5x(1+tanh(√(2/π)(x+0.044715x³))) */
    DS_ACT_SOFTPLUS,   /* log(1 + e^x)                                  */
    DS_ACT_COUNT
} ds_act;

const char *ds_act_to_name(ds_act act);            /* "relu", ...         */
int ds_act_parse(const char *name, ds_act *out);   /* 0, or -1 if unknown */
const char *ds_act_valid_names(void);              /* "identity, relu, ..." */

/* y[i] = f(x[i]). x and y may alias. */
void ds_act_forward(ds_act act, float param, const float *x, float *y, size_t n);
/* dx[i] = dy[i] · f'(x[i]); y = f(x) is passed too (sigmoid/tanh/elu use it).
 * dx may alias dy. */
void ds_act_backward(ds_act act, float param, const float *x, const float *y,
                     const float *dy, float *dx, size_t n);

/* y[i][j] += b[j] for an [m x n] matrix with row stride ldy. */
void ds_bias_add(int m, int n, float *y, int ldy, const float *b);
/* db[j] = Σ_i dy[i][j] (overwrites db); fixed summation order. */
void ds_bias_grad(int m, int n, const float *dy, int lddy, float *db);

/* The layer's element-wise passes fused, one pass over the matrix instead
 * of two, with the same bits as the separate calls. Matrices [m x n], row
 * stride ld. Forward: z[i][j] += b[j], then h[i][j] = f(z[i][j])
 * (ds_bias_add then ds_act_forward). Backward: dx = dy·f'(x) (y = f(x)),
 * then db[j] = Σ_i dx[i][j] (ds_act_backward then ds_bias_grad of dx);
 * dx may alias dy. */
void ds_bias_act_forward(ds_act act, float param, int m, int n, float *z, int ld,
                         const float *b, float *h);
void ds_act_backward_bias_grad(ds_act act, float param, int m, int n, const float *x,
                               const float *y, const float *dy, float *dx, int ld, float *db);

/* Row-wise numerically stable softmax fused with cross-entropy.
 * z: logits [m x n] (row stride ldz); labels[i] in [0, n).
 * Returns Σ_i −log softmax(z_i)[labels[i]] (a sum, not a mean; in double).
 * If dz is non-NULL: dz[i][j] = scale · (softmax(z_i)[j] − [j == labels[i]]).
 * If correct is non-NULL: *correct = number of rows whose argmax == label
 * (ties go to the lowest index). dz may alias z. */
double ds_softmax_xent(int m, int n, const float *z, int ldz,
                       const int32_t *labels, float *dz, int lddz, float scale,
                       int *correct);

/* Sigmoid fused with binary cross-entropy, element-wise over [m x n].
 * t: targets in [0,1] with the same shape and stride as z.
 * Returns Σ −t·log σ(z) − (1−t)·log(1−σ(z)) computed stably from z.
 * If dz is non-NULL: dz = scale · (σ(z) − t). If correct is non-NULL:
 * *correct = number of rows whose every output (σ(z) ≥ 0.5) matches (t ≥ 0.5). */
double ds_sigmoid_bce(int m, int n, const float *z, int ldz, const float *t,
                      int ldt, float *dz, int lddz, float scale, int *correct);

/* Mean-squared-error pieces for an identity output: returns Σ (z − t)²;
 * dz = scale · 2 · (z − t) when dz is non-NULL. */
double ds_mse(int m, int n, const float *z, int ldz, const float *t, int ldt,
              float *dz, int lddz, float scale);

/* Inverted dropout, in place: x[i] = keep_i ? x[i] / (1 − p) : 0, where
 * keep_i = (a word of Philox4x32-10(key = seed, counter = {block, layer, step}))
 * >= floor(p·2³²); the exact element -> (block, word) layout is in philox.h.
 * The mask depends only on (seed, layer, step, i): it is the same for every
 * ISA and thread count. Calling it again with the same key on the upstream
 * gradient applies the same mask (the backward pass). Returns the number of
 * kept elements. p must be in [0, 1); p == 0 leaves x untouched. */
size_t ds_dropout(float *x, size_t n, float p, uint64_t seed, uint32_t layer,
                  uint32_t step);
/* The raw generator, for tests and for other counter-based draws:
 * out[0..3] = Philox4x32-10(key, ctr). */
void ds_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* ---- optimizer updates -------------------------------------------------- */

/* Adam (Kingma & Ba; TensorFlow's form): with t >= 1 the step number,
 * m = b1·m + (1−b1)·g', v = b2·v + (1−b2)·g'², g' = g + wd·w,
 * w −= lr·√(1−b2ᵗ)/(1−b1ᵗ) · m / (√v + eps). */
void ds_adam_step(float *w, const float *g, float *m, float *v, size_t n,
                  float lr, float b1, float b2, float eps, float wd, long t);
/* SGD with optional (Nesterov) momentum and L2 decay: g' = g + wd·w;
 * vel = mu·vel + g'; w −= lr·(nesterov ? g' + mu·vel : vel). vel may be NULL
 * when mu == 0. */
void ds_sgd_step(float *w, const float *g, float *vel, size_t n, float lr,
                 float mu, int nesterov, float wd);
/* The same updates (the same bits) that also return Σ g[i]² with the bits
 * of ds_sumsq(g, n), read in the same pass: the training step's gradient
 * norms without a second pass over the gradients. */
double ds_adam_step_sumsq(float *w, const float *g, float *m, float *v, size_t n,
                          float lr, float b1, float b2, float eps, float wd, long t);
double ds_sgd_step_sumsq(float *w, const float *g, float *vel, size_t n, float lr,
                         float mu, int nesterov, float wd);

/* Σ x[i]² in double, fixed summation order (for gradient and weight norms). */
double ds_sumsq(const float *x, size_t n);

/* alive[j] |= (y[i][j] != 0 for some row i), over [m x n] with stride ldy:
 * tracks units that fired at least once (dead-ReLU fraction). */
void ds_cols_nonzero(int m, int n, const float *y, int ldy, uint8_t *alive);

/* ---- threads ------------------------------------------------------------ */

/* Runs fn(ctx) on the calling thread with a team of the run's threads
 * (omp_get_max_threads()) kept alive until fn returns. Every kernel fn calls
 * on this thread splits its work over the team, whose other threads wait
 * between kernels by spinning for at most 200 us and then sleeping: this is
 * deepsweep's own wait policy, whatever OMP_WAIT_POLICY or GOMP_SPINCOUNT
 * say. With one thread, inside another parallel region, or inside a team
 * already, it just calls fn. Outside a team, a kernel that splits opens an
 * OpenMP region of its own.
 *
 * How many threads a kernel call uses (1 .. the team's or the run's) is
 * chosen per call by a cost model measured once per process, on first use:
 * the start cost of a job on a team and of an OpenMP region, each ISA's FMA
 * rate and streaming rate. A call is split only if the predicted time on
 * its busiest thread plus the start cost is at least 15% below the
 * one-thread time, so small shapes stay on one thread. None of this
 * changes a bit of any result (see Determinism above). */
void ds_team_run(void (*fn)(void *ctx), void *ctx);

/* ds_team_run on exactly nth threads (at most the run's; 1: no team, and
 * every kernel fn calls on this thread stays on it). Called on a team
 * already (inside ds_team_run), fn runs on nth of that team's threads
 * (at most as many as the caller may use) while the others wait: a
 * caller keeps one team across many units of work (ds_train's epoch loop
 * around its steps) and chooses each unit's thread count without starting
 * threads again. */
void ds_team_run_threads(int nth, void (*fn)(void *ctx), void *ctx);

/* Whole-unit thread choice by measurement, for work repeated many times
 * (the training step): ds_team_run_tuned times fn at 1 thread and at the
 * run's threads, DS_TUNE_PROBES runs each, interleaved, and from then on
 * runs it on whichever count had the lower median; it measures again after
 * `interval` runs (doubling up to DS_TUNE_MAX_INTERVAL while the choice
 * holds). So on a crowded machine, where two threads can lose to one by
 * waiting for each other's time slices, the unit goes back to one thread.
 * Zero-initialise; no resources to free. */
#define DS_TUNE_PROBES 5
#define DS_TUNE_MAX_INTERVAL 4096
typedef struct {
    int fixed;      /* > 0: always this many threads (no measuring)        */
    int threads;    /* the current choice (0: none yet)                     */
    int probe;      /* runs measured in the current probe                   */
    long left;      /* runs before the next probe                           */
    long interval;  /* runs between probes                                  */
    double ns[2][DS_TUNE_PROBES]; /* probe times: [0] 1 thread, [1] the run's */
} ds_team_tuner;
void ds_team_run_tuned(ds_team_tuner *tu, void (*fn)(void *ctx), void *ctx);

/* The measured constants of the cost model (measured now if not yet). */
typedef struct {
    double team_ns;      /* starting one job on a team of 2 threads         */
    double region_ns;    /* one empty OpenMP region of 2 threads            */
    double ns_per_fma;   /* one GEMM multiply-add, active ISA, one thread   */
    double ns_per_float; /* one float streamed in or out, active ISA        */
} ds_thread_costs;
void ds_thread_costs_get(ds_thread_costs *out);

/* How kernels choose their thread count, process-wide (tests, profiler):
 * the cost model (the default), every thread for any call that has work for
 * more than one, or always one. Results are the same bits under each. */
typedef enum { DS_SPLIT_MODEL = 0, DS_SPLIT_ALWAYS, DS_SPLIT_NEVER } ds_split_policy;
void ds_split_policy_set(ds_split_policy p);
ds_split_policy ds_split_policy_get(void);

/* ---- memory ------------------------------------------------------------ */

/* The one aligned allocator of deepsweep (kernels, harness and bench use it):
 * memory aligned to DS_ALIGN bytes (a cache line, a full AVX-512 vector), the
 * size rounded up to a multiple of DS_ALIGN (bytes == 0 still returns a
 * usable block), contents uninitialised. Returns NULL when out of memory or
 * when rounding would overflow size_t. Release with ds_aligned_free(). */
#define DS_ALIGN 64
void *ds_aligned_alloc(size_t bytes);
void ds_aligned_free(void *p);         /* NULL is a no-op                     */

/* ---- machine probes (for the profiler) --------------------------------- */

/* Runs `iters` iterations of independent FMA chains on `isa` in the calling
 * thread (enough chains to cover the FMA latency x throughput) and returns
 * the number of floating-point operations done (2 per FMA lane). *sink keeps
 * the result alive. Peak GFLOP/s = flops / seconds. */
double ds_fma_peak_run(ds_isa isa, long iters, float *sink);

#ifdef __cplusplus
}
#endif
#endif /* DS_KERNELS_H */
