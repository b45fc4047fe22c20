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
 * The full profiler is `deepsweep bench` (harness/bench.c); this stays small.
 */
#include "gemm_ukr.h"
#include "kernels.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include("bench_vec.h")
#include "bench_vec.h"
#define HAVE_BENCH_VEC 1
#endif
#endif

typedef struct {
    const char *layer; /* the layer, as [batch x in]·[in x out] */
    const char *form;  /* NN forward, NT dX, TN dW, or square */
    ds_trans ta, tb;
    int m, n, k;
} shape;

enum { BATCH = 100, NSHAPES = 16, MIN_REPS = 5 };
static shape shapes[NSHAPES];

static void shapes_init(void)
{
    static const int layers[5][2] = {{784, 256}, {256, 256}, {784, 512}, {512, 512}, {512, 10}};
    static char names[5][40];
    int s = 0;
    for (int l = 0; l < 5; l++) {
        const int in = layers[l][0], out = layers[l][1];
        snprintf(names[l], sizeof names[l], "[%dx%d]x[%dx%d]", BATCH, in, in, out);
        shapes[s++] = (shape){names[l], "NN", DS_NOTRANS, DS_NOTRANS, BATCH, out, in};
        shapes[s++] = (shape){names[l], "NT", DS_NOTRANS, DS_TRANS, BATCH, in, out};
        shapes[s++] = (shape){names[l], "TN", DS_TRANS, DS_NOTRANS, in, out, BATCH};
    }
    shapes[s++] = (shape){"[2048x2048]x[2048x2048]", "NN", DS_NOTRANS, DS_NOTRANS, 2048, 2048, 2048};
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
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
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
    free(o->a);
    free(o->b);
    free(o->c);
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

/* ---- OpenBLAS, through dlopen ------------------------------------------- */

enum { CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112 };
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                               const float *, int, float, float *, int);
static cblas_sgemm_fn ob_sgemm;

static void run_ob(const shape *s, const float *a, const float *b, float *c)
{
    int lda = s->ta == DS_NOTRANS ? s->k : s->m, ldb = s->tb == DS_NOTRANS ? s->n : s->k;
    ob_sgemm(CblasRowMajor, s->ta == DS_NOTRANS ? CblasNoTrans : CblasTrans,
             s->tb == DS_NOTRANS ? CblasNoTrans : CblasTrans, s->m, s->n, s->k, 1.0f, a, lda,
             b, ldb, 0.0f, c, s->n);
}

/* Child: loads OpenBLAS, prints "core <name>" (or "error <why>"), then
 * answers each request "<threads> <shape index>" on stdin with
 * "<gflops>" on stdout, until end of input. */
static int openblas_child(void)
{
    const char *lib = "libopenblas.so.0";
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("error %s\n", dlerror());
        return 1;
    }
    ob_sgemm = (cblas_sgemm_fn)(uintptr_t)dlsym(h, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))(uintptr_t)dlsym(h, "openblas_set_num_threads");
    char *(*corename)(void) = (char *(*)(void))(uintptr_t)dlsym(h, "openblas_get_corename");
    if (!ob_sgemm || !set_threads) {
        printf("error %s lacks cblas_sgemm or openblas_set_num_threads\n", lib);
        return 1;
    }
    printf("core %s\n", corename ? corename() : "unknown");
    fflush(stdout);
    int th, s;
    while (scanf("%d %d", &th, &s) == 2 && s >= 0 && s < NSHAPES && th >= 1) {
        set_threads(th);
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
    FILE *to, *from;
    pid_t pid;
} ob_child;

static void ob_fail(ob_child *o, const char *why)
{
    if (!o->note[0])
        snprintf(o->note, sizeof o->note, "%s", why);
    if (o->to)
        fclose(o->to);
    if (o->from)
        fclose(o->from);
    o->to = o->from = NULL;
    if (o->pid > 0) {
        int st;
        kill(o->pid, SIGKILL);
        if (waitpid(o->pid, &st, 0) == o->pid && WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
            snprintf(o->note, sizeof o->note, "child killed by signal %d (%s)", WTERMSIG(st),
                     WTERMSIG(st) == SIGILL ? "SIGILL: this CPU lacks the core's instructions"
                                            : "crash");
        o->pid = 0;
    }
}

static void ob_start(const char *coretype, ob_child *o)
{
    memset(o, 0, sizeof *o);
    /* close-on-exec: a later child must not inherit this child's stdin
     * write end, or this child would never see end of input at ob_stop */
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
        snprintf(o->note, sizeof o->note, "pipe failed");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2); /* a crash message would cut into the table */
        if (coretype)
            setenv("OPENBLAS_CORETYPE", coretype, 1);
        else
            unsetenv("OPENBLAS_CORETYPE");
        execl("/proc/self/exe", "bench-kernels", "--openblas-child",
              bench_clock == CLOCK_PROCESS_CPUTIME_ID ? "--cpu-time" : (char *)NULL, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        snprintf(o->note, sizeof o->note, "fork failed");
        return;
    }
    o->pid = pid;
    o->to = fdopen(in[1], "w");
    o->from = fdopen(out[0], "r");
    char line[256];
    if (!o->to || !o->from || !fgets(line, sizeof line, o->from)) {
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
    if (!o->to)
        return 0;
    char line[64];
    double g;
    if (fprintf(o->to, "%d %d\n", th, s) < 0 || fflush(o->to) != 0 ||
        !fgets(line, sizeof line, o->from) || sscanf(line, "%lf", &g) != 1) {
        ob_fail(o, "child died");
        return 0;
    }
    return g;
}

static void ob_stop(ob_child *o)
{
    if (o->to) {
        fclose(o->to); /* end of input: the child returns */
        o->to = NULL;
    }
    if (o->from) {
        fclose(o->from);
        o->from = NULL;
    }
    if (o->pid > 0) {
        waitpid(o->pid, NULL, 0);
        o->pid = 0;
    }
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

    signal(SIGPIPE, SIG_IGN); /* a dead child is noted, not fatal */
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
                if (ob[c].to)
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
