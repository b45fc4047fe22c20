/* `make bench-kernels`: a quick GEMM throughput printout for tuning.
 *
 * For the MLP training shapes (batch 100: forward NN, backward NT = dY·Wᵀ and
 * TN = Xᵀ·dY) and square 2048, at 1 and 2 threads: median GFLOP/s of >= 5
 * repetitions for deepsweep's ds_sgemm on the active ISA, its share of the
 * FMA peak measured in this run, and OpenBLAS's cblas_sgemm for each
 * OPENBLAS_CORETYPE in {as detected, SkylakeX, Haswell}. OpenBLAS is loaded
 * with dlopen (never linked) and reads OPENBLAS_CORETYPE once, at load time,
 * so each core type runs in a child process: this program re-executed with
 * --openblas-child, kept alive and asked for each shape right after ours is
 * measured (on a shared machine only figures taken close in time compare).
 *
 * The full profiler is `deepsweep bench` (harness/profiler/); this stays small.
 * The MLP shapes and the OpenBLAS child harness are the profiler's
 * (harness/profiler/mlp_shapes.c, openblas.c), linked in.
 */
#include "gemm_ukr.h"
#include "kernels.h"
#include "mlp_shapes.h"
#include "openblas.h"

#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include("bench_vec.h")
#include "bench_vec.h"
#define HAVE_BENCH_VEC 1
#endif
#endif

typedef struct {
    char layer[40]; /* the layer, as [batch x in]·[in x out] */
    char form[3];   /* NN forward, NT dX, TN dW, or square NN */
    ds_trans ta, tb;
    int m, n, k;
} shape;

enum { NSHAPES = DS_MLP_N_GEMMS + 1, MIN_REPS = 5 };
static shape shapes[NSHAPES];

/* The MLP shapes of mlp_shapes.h (the ones `deepsweep bench` measures), then
 * square 2048. */
static void shapes_init(void)
{
    ds_mlp_gemm g[DS_MLP_N_GEMMS];
    ds_mlp_gemms(g);
    for (int s = 0; s < DS_MLP_N_GEMMS; s++) {
        shape *x = &shapes[s];
        snprintf(x->layer, sizeof x->layer, "[%dx%d]x[%dx%d]", DS_MLP_BATCH, g[s].in, g[s].in,
                 g[s].out);
        for (int i = 0; i < 2; i++)
            x->form[i] = (char)(g[s].form[i] - 'a' + 'A');
        x->ta = g[s].ta, x->tb = g[s].tb, x->m = g[s].m, x->n = g[s].n, x->k = g[s].k;
    }
    shapes[DS_MLP_N_GEMMS] =
        (shape){"[2048x2048]x[2048x2048]", "NN", DS_NOTRANS, DS_NOTRANS, 2048, 2048, 2048};
}

/* Wall clock by default; with --cpu-time (1 thread only) the process's CPU
 * time, which on a loaded machine leaves out the time other processes held
 * the core — the only figure there that compares across minutes. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef void (*gemm_fn)(const shape *s, const float *a, const float *b, float *c);

/* Operands of one shape, row-major with tight leading dimensions. */
typedef struct {
    float *a, *b, *c;
} operands;

static float *rand_matrix(size_t n, unsigned *seed)
{
    float *p = ds_aligned_alloc(n * sizeof(float));
    if (!p) {
        fprintf(stderr, "bench-kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        p[i] = (float)(*seed >> 8) / (float)(1u << 24) - 0.5f;
    }
    return p;
}

static operands operands_new(const shape *s)
{
    unsigned seed = 12345;
    operands o = {rand_matrix((size_t)s->m * s->k, &seed), rand_matrix((size_t)s->k * s->n, &seed),
                  rand_matrix((size_t)s->m * s->n, &seed)};
    return o;
}

static void operands_free(operands *o)
{
    ds_aligned_free(o->a);
    ds_aligned_free(o->b);
    ds_aligned_free(o->c);
}

/* Median GFLOP/s of >= MIN_REPS repetitions; a repetition repeats the call
 * until it lasts >= 20 ms so small shapes are not timer-bound. */
static double time_gemm(gemm_fn fn, const shape *s)
{
    operands o = operands_new(s);
    const double flops = 2.0 * s->m * s->n * s->k;
    fn(s, o.a, o.b, o.c); /* warm-up: page faults, packing buffers, thread pool */
    int calls = 1;
    for (;;) {
        double t0 = now();
        for (int i = 0; i < calls; i++)
            fn(s, o.a, o.b, o.c);
        double dt = now() - t0;
        if (dt >= 0.02 || calls >= 1 << 20)
            break;
        calls *= dt < 0.002 ? 10 : 2;
    }
    double rate[MIN_REPS];
    for (int r = 0; r < MIN_REPS; r++) {
        double t0 = now();
        for (int i = 0; i < calls; i++)
            fn(s, o.a, o.b, o.c);
        rate[r] = flops * calls / (now() - t0) * 1e-9;
    }
    operands_free(&o);
    qsort(rate, MIN_REPS, sizeof rate[0], cmp_double);
    return rate[MIN_REPS / 2];
}

static ds_gemm_opts gemm_opts; /* DS_GEMM_POLICY */

static void run_ds(const shape *s, const float *a, const float *b, float *c)
{
    int lda = s->ta == DS_NOTRANS ? s->k : s->m, ldb = s->tb == DS_NOTRANS ? s->n : s->k;
    ds_sgemm_ex(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, s->n,
                &gemm_opts);
}

/* ---- OpenBLAS, in child processes (harness/profiler/openblas.h) ---------- */

static ds_openblas ob_lib;

static void run_ob(const shape *s, const float *a, const float *b, float *c)
{
    int lda = s->ta == DS_NOTRANS ? s->k : s->m, ldb = s->tb == DS_NOTRANS ? s->n : s->k;
    ds_openblas_sgemm(&ob_lib, s->ta, s->tb, s->m, s->n, s->k, a, lda, b, ldb, c, s->n);
}

/* Child: loads OpenBLAS, prints "core <name>" (or "error <why>"), then
 * answers each request "<threads> <shape index>" on stdin with
 * "<gflops>" on stdout, until end of input. */
static int openblas_child(void)
{
    char err[512];
    if (ds_openblas_load(&ob_lib, err, sizeof err) != 0) {
        printf("error %s\n", err);
        return 1;
    }
    if (!ob_lib.set_threads) {
        printf("error OpenBLAS lacks openblas_set_num_threads\n");
        return 1;
    }
    printf("core %s\n", ob_lib.core);
    fflush(stdout);
    int th, s;
    while (scanf("%d %d", &th, &s) == 2 && s >= 0 && s < NSHAPES && th >= 1) {
        ob_lib.set_threads(th);
        printf("%.3f\n", time_gemm(run_ob, &shapes[s]));
        fflush(stdout);
    }
    return 0;
}

enum { NCORES = 3, MAXTHR = 2 };
static const char *const coretypes[NCORES] = {NULL, "SkylakeX", "Haswell"};

/* One OpenBLAS core type: a child process kept alive for the whole run, so
 * its measurement of a shape comes right after ours — on a shared machine
 * the load changes by the minute, and only close-in-time figures compare. */
typedef struct {
    char core[64];  /* what openblas_get_corename reported */
    char note[160]; /* why there are no (more) figures */
    ds_openblas_child c;
} ob_child;

static void ob_fail(ob_child *o, const char *why)
{
    if (!o->note[0])
        snprintf(o->note, sizeof o->note, "%s", why);
    /* a crash (SIGILL: a core type this CPU lacks) says more than the note */
    char died[160];
    if (o->c.pid > 0 && ds_openblas_child_stop(&o->c, 1, died, sizeof died) != 0 &&
        !strncmp(died, "died", 4))
        snprintf(o->note, sizeof o->note, "child %.150s", died);
}

static void ob_start(const char *coretype, ob_child *o)
{
    memset(o, 0, sizeof *o);
    char *argv[] = {"bench-kernels", "--openblas-child",
                    bench_clock == CLOCK_PROCESS_CPUTIME_ID ? "--cpu-time" : NULL, NULL};
    if (ds_openblas_child_start(&o->c, NULL, coretype, argv, 1) != 0) {
        snprintf(o->note, sizeof o->note, "cannot start the child (%s)", strerror(errno));
        return;
    }
    char line[256];
    if (!fgets(line, sizeof line, o->c.from)) {
        ob_fail(o, "child exited before loading OpenBLAS");
        return;
    }
    line[strcspn(line, "\n")] = 0;
    if (!strncmp(line, "error ", 6)) {
        snprintf(o->note, sizeof o->note, "%.150s", line + 6);
        ob_fail(o, "");
    } else if (sscanf(line, "core %63s", o->core) != 1) {
        ob_fail(o, "child said something unexpected");
    }
}

/* GFLOP/s of OpenBLAS on shape s at th threads, or 0 when unavailable. */
static double ob_measure(ob_child *o, int th, int s)
{
    if (!o->c.to)
        return 0;
    char line[64];
    double g;
    if (fprintf(o->c.to, "%d %d\n", th, s) < 0 || fflush(o->c.to) != 0 ||
        !fgets(line, sizeof line, o->c.from) || sscanf(line, "%lf", &g) != 1) {
        ob_fail(o, "child died");
        return 0;
    }
    return g;
}

/* End of input: the child returns. */
static void ob_stop(ob_child *o)
{
    if (o->c.pid > 0)
        ds_openblas_child_stop(&o->c, 0, NULL, 0);
}

/* Peak GFLOP/s of the active ISA's FMA chains on `threads` threads at once. */
static double fma_peak(int threads)
{
    const long iters = 20 * 1000 * 1000;
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double flops = 0, t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : flops)
        {
            float sink;
            flops += ds_fma_peak_run(ds_isa_current(), iters, &sink);
            if (sink == 12345.0f) /* keep sink observable */
                printf(" ");
        }
        double g = flops / (now() - t0) * 1e-9;
        best = g > best ? g : best;
    }
    return best;
}

/* This machine may be shared: the load says how far to trust the figures. */
static void print_load(void)
{
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "unknown";
    if (la) {
        if (!fgets(load, sizeof load, la))
            snprintf(load, sizeof load, "unknown");
        fclose(la);
        load[strcspn(load, "\n")] = 0;
    }
    printf("load average (1, 5, 15 min, runnable/total, last pid): %s on %d CPUs\n", load,
           omp_get_num_procs());
}

static int parse_threads(const char *arg, int *threads)
{
    int n = 0;
    for (const char *p = arg; *p && n < MAXTHR;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 1024)
            return -1;
        threads[n++] = (int)v;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return n;
}

/* The GEMM table: per thread count and shape, ours, then each OpenBLAS
 * core type right after (only close-in-time figures compare). */
static void print_table(ob_child ob[NCORES], const int *threads, int nthreads, const double *peak)
{
    printf("\n%-24s %-4s %3s %9s %6s", "shape", "form", "thr", "deepsweep", "%peak");
    for (int c = 0; c < NCORES; c++) {
        char h[80];
        snprintf(h, sizeof h, "ob:%.60s", ob[c].core[0] ? ob[c].core : (coretypes[c] ? coretypes[c] : "detected"));
        printf(" %11.11s", h);
    }
    printf(" %8s\n", "ds/best");
    for (int t = 0; t < nthreads; t++) {
        omp_set_num_threads(threads[t]);
        for (int s = 0; s < NSHAPES; s++) {
            /* idle spell: the other library's worker threads spin-wait after
             * a call (OpenBLAS for up to ~2^28 cycles) and would steal the
             * second core from this measurement */
            usleep(200 * 1000);
            double g = time_gemm(run_ds, &shapes[s]), best = 0;
            printf("%-24s %-4s %3d %9.1f %5.0f%%", shapes[s].layer, shapes[s].form, threads[t], g,
                   100.0 * g / peak[t]);
            for (int c = 0; c < NCORES; c++) {
                if (ob[c].c.to)
                    usleep(200 * 1000);
                double o = ob_measure(&ob[c], threads[t], s);
                best = o > best ? o : best;
                if (o > 0)
                    printf(" %11.1f", o);
                else
                    printf(" %11s", "-");
            }
            if (best > 0)
                printf(" %7.2fx\n", g / best);
            else
                printf(" %8s\n", "-");
            fflush(stdout);
        }
    }
}

int main(int argc, char **argv)
{
    shapes_init();
    int threads[MAXTHR] = {1, 2}, nthreads = 2;
    if (argc >= 2 && !strcmp(argv[1], "--openblas-child")) {
        if (argc == 3 && !strcmp(argv[2], "--cpu-time"))
            bench_clock = CLOCK_PROCESS_CPUTIME_ID;
        return openblas_child();
    }
    int with_openblas = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-openblas"))
            with_openblas = 0;
        else if (!strcmp(argv[i], "--cpu-time"))
            bench_clock = CLOCK_PROCESS_CPUTIME_ID;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc &&
                 (nthreads = parse_threads(argv[i + 1], threads)) > 0)
            i++;
        else {
            fprintf(stderr, "usage: bench-kernels [--no-openblas] [--threads N[,N]] [--cpu-time]\n"
                            "  --cpu-time: process CPU time instead of wall clock (1 thread only;\n"
                            "  for a loaded machine)\n"
                            "  DEEPSWEEP_ISA picks the ISA; DS_GEMM_POLICY=<bits> forces\n"
                            "  gemm.c's packing choices (DS_GEMM_* in kernels.h), for tuning\n");
            return 2;
        }
    }
    if (bench_clock == CLOCK_PROCESS_CPUTIME_ID) {
        threads[0] = 1; /* CPU time of several threads is not a speed */
        nthreads = 1;
    }
    const char *pol = getenv("DS_GEMM_POLICY");
    if (pol)
        gemm_opts.force = (unsigned)atoi(pol);
    char err[256];
    if (ds_init(err, sizeof err) != 0) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return 2;
    }

    ob_child ob[NCORES];
    for (int c = 0; c < NCORES; c++)
        if (with_openblas)
            ob_start(coretypes[c], &ob[c]);
        else
            memset(&ob[c], 0, sizeof ob[c]);

    const struct ds_gemm_cfg *cfg = ds_active_gemm();
    printf("bench-kernels: GEMM, isa %s (tile %dx%d, MC %d KC %d NC %d), median of %d "
           "repetitions, GFLOP/s by %s\n",
           ds_isa_name(), cfg->mr, cfg->nr, cfg->mc, cfg->kc, cfg->nc, MIN_REPS,
           bench_clock == CLOCK_MONOTONIC ? "wall clock" : "process CPU time");
    print_load();
    double peak[MAXTHR];
    for (int t = 0; t < nthreads; t++) {
        peak[t] = fma_peak(threads[t]);
        printf("FMA peak (%s), %d thread%s: %.1f GFLOP/s\n", ds_isa_name(), threads[t],
               threads[t] > 1 ? "s" : "", peak[t]);
    }
    for (int c = 0; c < NCORES && with_openblas; c++)
        printf("OpenBLAS OPENBLAS_CORETYPE=%-9s -> core %s%s%s\n",
               coretypes[c] ? coretypes[c] : "(unset)", ob[c].core[0] ? ob[c].core : "?",
               ob[c].note[0] ? ": " : "", ob[c].note);
    print_table(ob, threads, nthreads, peak);
    for (int c = 0; c < NCORES; c++) {
        if (with_openblas && ob[c].note[0] && ob[c].core[0])
            printf("note: OpenBLAS core %s: %s\n", ob[c].core, ob[c].note);
        ob_stop(&ob[c]);
    }
    print_load();
#ifdef HAVE_BENCH_VEC
    for (int t = 0; t < nthreads; t++)
        bench_vec_report(threads[t]);
#endif
    return 0;
}
