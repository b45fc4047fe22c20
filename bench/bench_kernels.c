/* `make bench-kernels`: a quick GEMM throughput printout for tuning.
 *
 * For the MLP training shapes (batch 100: forward NN, backward NT = dY·Wᵀ and
 * TN = Xᵀ·dY) and square 2048, at 1 and 2 threads: median GFLOP/s of >= 5
 * repetitions for deepsweep's ds_sgemm on the active ISA, its share of the
 * FMA peak measured in this run, and OpenBLAS's cblas_sgemm for each
 * OPENBLAS_CORETYPE in {as detected, SkylakeX, Haswell}. OpenBLAS is loaded
 * with dlopen (never linked) and reads OPENBLAS_CORETYPE once, at load time,
 * so each core type runs in a child process: this program re-executed with
 * --openblas-child, which prints one machine-readable line per measurement.
 *
 * The full profiler is `deepsweep bench` (harness/bench.c); this stays small.
 */
#include "gemm_ukr.h"
#include "kernels.h"

#include <dlfcn.h>
#include <omp.h>
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

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

static void run_ds(const shape *s, const float *a, const float *b, float *c)
{
    int lda = s->ta == DS_NOTRANS ? s->k : s->m, ldb = s->tb == DS_NOTRANS ? s->n : s->k;
    ds_sgemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, s->n);
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

/* Child: measure every shape at each thread count, one line each:
 *   core <name>
 *   ob <threads> <shape index> <gflops>                                    */
static int openblas_child(const int *threads, int nthreads)
{
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("error %s\n", dlerror());
        return 1;
    }
    ob_sgemm = (cblas_sgemm_fn)(uintptr_t)dlsym(h, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))(uintptr_t)dlsym(h, "openblas_set_num_threads");
    char *(*corename)(void) = (char *(*)(void))(uintptr_t)dlsym(h, "openblas_get_corename");
    if (!ob_sgemm || !set_threads) {
        printf("error libopenblas.so.0 lacks cblas_sgemm or openblas_set_num_threads\n");
        return 1;
    }
    printf("core %s\n", corename ? corename() : "unknown");
    fflush(stdout);
    for (int t = 0; t < nthreads; t++) {
        set_threads(threads[t]);
        for (int s = 0; s < NSHAPES; s++) {
            printf("ob %d %d %.3f\n", threads[t], s, time_gemm(run_ob, &shapes[s]));
            fflush(stdout);
        }
    }
    return 0;
}

enum { NCORES = 3, MAXTHR = 2 };
static const char *const coretypes[NCORES] = {NULL, "SkylakeX", "Haswell"};

typedef struct {
    char core[64];   /* what openblas_get_corename reported */
    char note[160];  /* why there are no figures, if there are none */
    double gflops[MAXTHR][NSHAPES];
} ob_result;

/* Re-executes this program with OPENBLAS_CORETYPE set (or unset) and reads
 * its lines; a child that crashes (a core type this CPU cannot run) leaves
 * a note and zeros. */
static void openblas_run(const char *coretype, const int *threads, int nthreads, ob_result *r)
{
    memset(r, 0, sizeof *r);
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        snprintf(r->note, sizeof r->note, "cannot find this program's path");
        return;
    }
    self[len] = 0;
    char cmd[4200], list[32] = "";
    for (int t = 0; t < nthreads; t++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", t ? "," : "", threads[t]);
    /* the child's own stderr (e.g. the shell's "Illegal instruction") would
     * interleave with the table: the note below says what happened */
    snprintf(cmd, sizeof cmd, "'%s' --openblas-child %s 2>/dev/null", self, list);
    if (coretype)
        setenv("OPENBLAS_CORETYPE", coretype, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
    FILE *p = popen(cmd, "r");
    unsetenv("OPENBLAS_CORETYPE");
    if (!p) {
        snprintf(r->note, sizeof r->note, "cannot start the OpenBLAS child");
        return;
    }
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, p)) {
        int th, s;
        double g;
        if (sscanf(line, "core %63s", r->core) == 1)
            continue;
        if (!strncmp(line, "error ", 6)) {
            line[strcspn(line, "\n")] = 0;
            snprintf(r->note, sizeof r->note, "%.150s", line + 6);
            continue;
        }
        if (sscanf(line, "ob %d %d %lf", &th, &s, &g) == 3 && s >= 0 && s < NSHAPES)
            for (int t = 0; t < nthreads; t++)
                if (threads[t] == th) {
                    r->gflops[t][s] = g;
                    got++;
                }
    }
    int st = pclose(p);
    if (st != 0 && !r->note[0]) {
        if (WIFSIGNALED(st))
            snprintf(r->note, sizeof r->note, "child killed by signal %d after %d results",
                     WTERMSIG(st), got);
        else
            /* sh reports a child killed by signal s as status 128 + s */
            snprintf(r->note, sizeof r->note, "child exited with status %d%s", WEXITSTATUS(st),
                     WEXITSTATUS(st) == 128 + 4 ? " (SIGILL: this CPU lacks the core's instructions)" : "");
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
    if (argc == 3 && !strcmp(argv[1], "--openblas-child")) {
        nthreads = parse_threads(argv[2], threads);
        return nthreads > 0 ? openblas_child(threads, nthreads) : 2;
    }
    int with_openblas = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-openblas"))
            with_openblas = 0;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc &&
                 (nthreads = parse_threads(argv[i + 1], threads)) > 0)
            i++;
        else {
            fprintf(stderr, "usage: bench-kernels [--no-openblas] [--threads N[,N]]\n"
                            "  DEEPSWEEP_ISA picks the ISA; DS_GEMM_POLICY=<bits> forces\n"
                            "  gemm.c's packing choices (see gemm_ukr.h), for tuning\n");
            return 2;
        }
    }
    const char *pol = getenv("DS_GEMM_POLICY");
    if (pol)
        ds_gemm_policy_override = atoi(pol);
    char err[256];
    if (ds_init(err, sizeof err) != 0) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return 2;
    }

    ob_result ob[NCORES];
    for (int c = 0; c < NCORES; c++)
        if (with_openblas)
            openblas_run(coretypes[c], threads, nthreads, &ob[c]);
        else
            memset(&ob[c], 0, sizeof ob[c]);

    const struct ds_gemm_cfg *cfg = ds_active_gemm();
    printf("bench-kernels: GEMM, isa %s (tile %dx%d, MC %d KC %d NC %d), median of %d "
           "repetitions, GFLOP/s\n",
           ds_isa_name(), cfg->mr, cfg->nr, cfg->mc, cfg->kc, cfg->nc, MIN_REPS);
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
            double g = time_gemm(run_ds, &shapes[s]), best = 0;
            printf("%-24s %-4s %3d %9.1f %5.0f%%", shapes[s].layer, shapes[s].form, threads[t], g,
                   100.0 * g / peak[t]);
            for (int c = 0; c < NCORES; c++) {
                double o = ob[c].gflops[t][s];
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
#ifdef HAVE_BENCH_VEC
    for (int t = 0; t < nthreads; t++)
        bench_vec_report(threads[t]);
#endif
    return 0;
}
