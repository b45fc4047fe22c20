/* How kernels/ runs work on several threads (par.h): a team kept alive
 * across a caller's whole unit of work (ds_team_run, e.g. one training
 * step), its own bounded spin-then-sleep wait between kernels, and the
 * measured cost model that decides how many threads one kernel call uses.
 *
 * Why a team of our own rather than one OpenMP region per kernel: a step
 * of the 784-256-256-10 net calls ~20 kernels in ~0.5 ms, so between two
 * regions the OpenMP workers wait for microseconds, and how they wait
 * (libgomp: OMP_WAIT_POLICY, GOMP_SPINCOUNT) is read from the environment
 * once, when libgomp is loaded, before main() could set it. With the default
 * policy the step at 2 threads took twice as long as at 1 (issue 12). Inside
 * ds_team_run the workers wait on a word of ours: they spin for at most
 * SPIN_NS, then sleep on a futex, so deepsweep's waiting no longer depends on
 * the environment and an idle team costs at most SPIN_NS of CPU per gap.
 *
 * Determinism is not this file's concern: every caller splits its work into
 * parts whose results do not depend on how many threads run them (par.h).
 */
#include "par.h"
#include "vec_ops.h"

#include <limits.h>
#include <stdlib.h>
#include <linux/futex.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield" ::: "memory")
#else
#define cpu_relax() ((void)0)
#endif

/* A worker spins this long for the next kernel before it sleeps. A futex
 * wake costs ~5-50 us; gaps inside a step (the caller's serial work between
 * two kernels) are a few microseconds; 200 us covers them with room and
 * bounds the CPU an idle team burns. */
#define SPIN_NS 200000
/* The caller waiting for the workers' parts yields the CPU every this many
 * pauses (a few microseconds): a worker may be waiting for this very CPU.
 * Yielding only every 4096 made each job cost ~200 us when a crowded
 * machine put the caller and a worker on one CPU. */
#define JOIN_SPINS 64

/* The team of one ds_team_run: the job being run and the words the threads
 * wait on, each on its own cache line. */
typedef struct {
    _Alignas(64) atomic_uint gen; /* bumped once per job (and to quit): futex word */
    atomic_int sleepers;          /* workers asleep (or about to be) on gen      */
    _Alignas(64) atomic_int done; /* workers finished with the current job       */
    _Alignas(64) ds_par_body body;
    void *arg;
    int nt;   /* parts of the current job: threads 0 .. nt-1 run one each */
    int quit; /* set with the last bump: workers leave                    */
    int size; /* threads in the team, the caller (thread 0) included      */
    int active; /* threads kernels may use now (ds_team_run_threads inside
                 * the team lowers it for a unit of work): 1 .. size      */
} team;

static _Atomic ds_split_policy split_policy = DS_SPLIT_MODEL;

void ds_split_policy_set(ds_split_policy p) { atomic_store(&split_policy, p); }
ds_split_policy ds_split_policy_get(void) { return atomic_load(&split_policy); }

static _Thread_local team *tl_team;
/* > 0 inside ds_team_run_threads(1, ...): kernels stay on this thread */
static _Thread_local int tl_alone;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

static void futex_wait(atomic_uint *w, unsigned val)
{
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(atomic_uint *w)
{
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Waits until tm->gen differs from seen and returns it: spins up to SPIN_NS,
 * then sleeps. The sleeper count and gen are seq_cst on both sides (here and
 * in post()), so a bump is either seen before sleeping or wakes the sleeper;
 * FUTEX_WAIT itself returns at once if gen has already moved. */
static unsigned wait_gen(team *tm, unsigned seen)
{
    unsigned g;
    double t0 = 0;
    for (long i = 0;; i++) {
        if ((g = atomic_load_explicit(&tm->gen, memory_order_acquire)) != seen)
            return g;
        cpu_relax();
        if ((i & 255) == 255) {
            /* a thread of ours may be waiting for this CPU (a crowded
             * machine put both on it): let it run rather than hold the CPU
             * until the scheduler preempts us, a time slice later */
            sched_yield();
            double t = now_ns();
            if (t0 == 0)
                t0 = t;
            else if (t - t0 > SPIN_NS)
                break;
        }
    }
    for (;;) {
        atomic_fetch_add(&tm->sleepers, 1);
        if ((g = atomic_load(&tm->gen)) == seen)
            futex_wait(&tm->gen, seen);
        atomic_fetch_sub(&tm->sleepers, 1);
        if ((g = atomic_load(&tm->gen)) != seen)
            return g;
    }
}

static void post(team *tm)
{
    atomic_fetch_add(&tm->gen, 1);
    if (atomic_load(&tm->sleepers))
        futex_wake_all(&tm->gen);
}

static void worker(team *tm, int t)
{
    unsigned seen = 0;
    for (;;) {
        seen = wait_gen(tm, seen);
        if (tm->quit)
            return;
        if (t < tm->nt) {
            tm->body(tm->arg, t, tm->nt);
            atomic_fetch_add_explicit(&tm->done, 1, memory_order_release);
        }
    }
}

/* One job on the caller's team: the caller runs part 0 and then waits for
 * the others (a short wait: they started when it did). */
static void team_par(team *tm, int nt, ds_par_body body, void *arg)
{
    tm->body = body;
    tm->arg = arg;
    tm->nt = nt;
    atomic_store_explicit(&tm->done, 0, memory_order_relaxed);
    post(tm);
    body(arg, 0, nt);
    for (long i = 0; atomic_load_explicit(&tm->done, memory_order_acquire) != nt - 1; i++) {
        cpu_relax();
        if ((i & (JOIN_SPINS - 1)) == JOIN_SPINS - 1)
            sched_yield(); /* a worker waiting for this CPU (a crowded machine) */
    }
}

int ds_par_max(void)
{
    if (tl_team)
        return tl_team->active;
    if (tl_alone)
        return 1;
    return omp_in_parallel() ? 1 : omp_get_max_threads();
}

void ds_par(int nt, ds_par_body body, void *arg)
{
    if (nt <= 1) {
        body(arg, 0, 1);
        return;
    }
    team *tm = tl_team;
    if (tm) {
        if (nt > tm->active)
            nt = tm->active;
        if (nt <= 1)
            body(arg, 0, 1);
        else
            team_par(tm, nt, body, arg);
        return;
    }
    /* no team: one OpenMP region; parts are dealt round-robin in case the
     * runtime gives fewer threads than asked */
#pragma omp parallel num_threads(nt)
    {
        ds_denormals_flush();
        const int got = omp_get_num_threads();
        for (int t = omp_get_thread_num(); t < nt; t += got)
            body(arg, t, nt);
    }
}

/* Runs fn(ctx) on the calling thread as thread 0 of a team of nth threads
 * (libgomp's threads, one OpenMP region for the whole of fn). */
static void team_run(int nth, void (*fn)(void *), void *ctx)
{
    team tm = {.size = nth, .active = nth};
#pragma omp parallel num_threads(nth)
    {
        ds_denormals_flush();
        const int t = omp_get_thread_num();
        if (t == 0) {
            tm.size = tm.active = omp_get_num_threads(); /* before the first job: none yet */
            tl_team = &tm;
            fn(ctx);
            tl_team = NULL;
            tm.quit = 1;
            post(&tm);
        } else {
            worker(&tm, t);
        }
    }
}

/* ---- the cost model ----------------------------------------------------- */

/* The GEMM share of the FMA peak assumed when predicting a call's time: the
 * profiler measured 59-89% on the MLP shapes with N >= 256 (issue 12) and
 * 30-50% with N = 10; the lower the assumed share, the more a shape must
 * weigh before it is split, so the skinny shapes err towards one thread. */
#define GEMM_PEAK_SHARE 0.75
/* A split must save this share of the one-thread time to be taken. */
#define SPLIT_MIN_GAIN 0.15

/* Measured once per process, before the first team starts: */
static struct {
    pthread_once_t once;
    double team_ns;                 /* one empty job on a team of 2, least    */
    double region_ns;               /* one empty OpenMP region of 2, least    */
    double ns_per_fma[DS_ISA_COUNT];   /* 1 / (GEMM_PEAK_SHARE · FMA peak)    */
    double ns_per_float[DS_ISA_COUNT]; /* relu streaming its in- and output   */
} cost = {.once = PTHREAD_ONCE_INIT};

static void empty_body(void *arg, int t, int nt) { (void)arg, (void)t, (void)nt; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* Start costs are taken as the least of CAL_STARTS tries: what starting a
 * job costs when the threads are there. Whether they are there (a crowded
 * machine) is for ds_team_run_tuned to measure, step by step. */
#define CAL_STARTS 9
#define CAL_REPS 31

static double least_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

static void measure_team(void *ctx)
{
    double v[CAL_STARTS];
    for (int r = 0; r < CAL_STARTS; r++) {
        double t0 = now_ns();
        ds_par(2, empty_body, NULL);
        v[r] = now_ns() - t0;
    }
    *(double *)ctx = least_of(v, CAL_STARTS);
}

/* Elements of the streaming probe: 2 x 64 KiB, in L2 on every x86 and Arm
 * core deepsweep targets, as a batch's activations are. */
#define PROBE_N 8192

static void measure_isa(ds_isa isa)
{
    const struct ds_vec_ops *ops = ds_vec_ops_for(isa);
    float sink, *buf = ds_aligned_alloc(2 * PROBE_N * sizeof(float));
    if (!ops || !buf) {
        ds_aligned_free(buf);
        return;
    }
    double best = 0, v[CAL_REPS];
    for (int r = 0; r < 5; r++) { /* the fastest: a slice lost to another process is noise */
        double t0 = now_ns(), flops = ops->fma_peak(20000, &sink), dt = now_ns() - t0;
        if (flops / dt > best)
            best = flops / dt;
    }
    cost.ns_per_fma[isa] = 2.0 / (GEMM_PEAK_SHARE * best);
    for (int i = 0; i < 2 * PROBE_N; i++)
        buf[i] = (float)(i % 7) - 3.0f;
    for (int r = 0; r < CAL_REPS; r++) {
        double t0 = now_ns();
        ops->act_fwd[DS_ACT_RELU](0.0f, buf, buf + PROBE_N, PROBE_N);
        v[r] = now_ns() - t0;
    }
    cost.ns_per_float[isa] = median_of(v, CAL_REPS) / (2.0 * PROBE_N);
    ds_aligned_free(buf);
}

static void calibrate(void)
{
    for (int isa = 0; isa < DS_ISA_COUNT; isa++)
        if (ds_isa_available((ds_isa)isa))
            measure_isa((ds_isa)isa);
    double v[CAL_STARTS];
    for (int r = 0; r < CAL_STARTS; r++) {
        double t0 = now_ns();
#pragma omp parallel num_threads(2)
        empty_body(NULL, omp_get_thread_num(), 2);
        v[r] = now_ns() - t0;
    }
    cost.region_ns = least_of(v, CAL_STARTS);
    team_run(2, measure_team, &cost.team_ns);
}

static int calibrated(void)
{
    return pthread_once(&cost.once, calibrate) == 0;
}

/* On a team already (e.g. a training step inside ds_train's epoch loop),
 * fn runs on nth of its threads: the others wait as between kernels (spin,
 * then sleep), so a long unit of work run alone costs them no CPU, and the
 * team's threads need not be started again for the next unit. */
static void team_narrow(team *tm, int nth, void (*fn)(void *), void *ctx)
{
    const int was = tm->active;
    tm->active = nth < 1 ? 1 : nth > was ? was : nth;
    fn(ctx);
    tm->active = was;
}

void ds_team_run_threads(int nth, void (*fn)(void *), void *ctx)
{
    if (tl_team) {
        team_narrow(tl_team, nth, fn, ctx);
        return;
    }
    const int max = ds_par_max();
    if (nth > max)
        nth = max;
    if (nth <= 1) {
        const int was = tl_alone;
        tl_alone = 1;
        fn(ctx);
        tl_alone = was;
        return;
    }
    if (!calibrated()) {
        fn(ctx);
        return;
    }
    team_run(nth, fn, ctx);
}

void ds_team_run(void (*fn)(void *), void *ctx) { ds_team_run_threads(ds_par_max(), fn, ctx); }

/* Runs between probes at first; doubled while a probe confirms the choice. */
#define TUNE_INTERVAL 128
/* A probe ends at the first pair whose threaded run took this many times
 * the one-thread run: on a crowded machine a threaded step can take 10x
 * (it waits for time slices), and five of them would cost more than the
 * epoch gains. Not on a run's first pair, which also pays for first
 * touches and for creating the threads. */
#define TUNE_CUT 1.5

void ds_team_run_tuned(ds_team_tuner *tu, void (*fn)(void *), void *ctx)
{
    const int max = ds_par_max();
    const ds_split_policy pol = ds_split_policy_get();
    if (tu->fixed > 0 || max <= 1 || pol != DS_SPLIT_MODEL) {
        ds_team_run_threads(pol == DS_SPLIT_NEVER ? 1 : tu->fixed > 0 ? tu->fixed : max, fn, ctx);
        return;
    }
    if (tu->threads > 0 && tu->left > 0) {
        tu->left--;
        ds_team_run_threads(tu->threads, fn, ctx);
        return;
    }
    /* probing: 1 thread on even runs, the run's threads on odd ones */
    const int side = tu->probe & 1;
    const double t0 = now_ns();
    ds_team_run_threads(side ? max : 1, fn, ctx);
    tu->ns[side][tu->probe / 2] = now_ns() - t0;
    int pick = 0;
    const int pair = tu->probe / 2, warm_up = tu->threads == 0 && pair == 0;
    if (side && !warm_up && tu->ns[1][pair] > TUNE_CUT * tu->ns[0][pair]) {
        pick = 1; /* threads lost a pair by far: no need for more losing runs */
    } else if (++tu->probe == 2 * DS_TUNE_PROBES) {
        pick = median_of(tu->ns[1], DS_TUNE_PROBES) < median_of(tu->ns[0], DS_TUNE_PROBES) ? max : 1;
    }
    if (!pick)
        return;
    if (tu->threads == pick && tu->interval < DS_TUNE_MAX_INTERVAL)
        tu->interval *= 2;
    else if (tu->threads != pick)
        tu->interval = TUNE_INTERVAL;
    tu->threads = pick;
    tu->left = tu->interval;
    tu->probe = 0;
}

double ds_par_gemm_ns(ds_isa isa, double fmas) { return fmas * cost.ns_per_fma[isa]; }

double ds_par_stream_ns(double floats) { return floats * cost.ns_per_float[ds_isa_current()]; }

int ds_par_threads(double ns1, int parts)
{
    int max = ds_par_max();
    if (parts < max)
        max = parts;
    if (max > DS_PAR_MAX_THREADS)
        max = DS_PAR_MAX_THREADS;
    const ds_split_policy pol = ds_split_policy_get();
    if (max <= 1 || pol == DS_SPLIT_NEVER)
        return 1;
    if (pol == DS_SPLIT_ALWAYS)
        return max;
    if (!calibrated())
        return 1;
    /* start cost of one job: on the team, or a fresh OpenMP region */
    const double start = tl_team ? cost.team_ns : cost.region_ns;
    int best = 1;
    double best_ns = ns1 * (1.0 - SPLIT_MIN_GAIN);
    for (int nt = 2; nt <= max; nt++) {
        /* parts are dealt in whole: the busiest thread has ceil(parts/nt) */
        const double share = (double)((parts + nt - 1) / nt) / parts;
        const double ns = ns1 * share + start;
        if (ns < best_ns) {
            best_ns = ns;
            best = nt;
        }
    }
    return best;
}

void ds_thread_costs_get(ds_thread_costs *out)
{
    calibrated();
    out->team_ns = cost.team_ns;
    out->region_ns = cost.region_ns;
    out->ns_per_fma = cost.ns_per_fma[ds_isa_current()];
    out->ns_per_float = cost.ns_per_float[ds_isa_current()];
}
