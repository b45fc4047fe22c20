/* Element-wise kernel throughput (see bench_vec.h). Reported, never asserted.
 *
 * Bytes counted are the ones a kernel must move: read x + write y (8 bytes
 * per element) for copy and relu, so "% of copy" compares like with like.
 * Every timing is the median of REPS repetitions after one warm-up call.
 * Wall time and process CPU time per thread are both taken: on a shared,
 * oversubscribed machine the wall time includes waiting for a core, the CPU
 * time does not (the "vs" ratios use CPU time; bandwidth is still shared). */
#include "bench_vec.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

enum { REPS = 7 };
#define N ((size_t)1 << 24) /* 16M floats = 64 MiB per array */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { K_COPY, K_ACT, K_DROPOUT, K_ADAM } kind;

typedef struct {
    const char *name;
    kind kind;
    ds_act act;
    float param;
} job;

typedef struct {
    float *x, *y, *g, *m, *v;
} arrays;

/* copy with the same thread split the kernels use: one contiguous range per
 * thread */
static void par_copy(float *dst, const float *src, size_t n)
{
#pragma omp parallel
    {
        size_t nth = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
        size_t per = (n + nth - 1) / nth, lo = t * per < n ? t * per : n;
        size_t hi = lo + per < n ? lo + per : n;
        if (hi > lo)
            memcpy(dst + lo, src + lo, (hi - lo) * sizeof(float));
    }
}

static void run(const job *j, arrays *a, uint32_t rep)
{
    switch (j->kind) {
    case K_COPY: par_copy(a->y, a->x, N); break;
    case K_ACT: ds_act_forward(j->act, j->param, a->x, a->y, N); break;
    case K_DROPOUT: ds_dropout(a->y, N, 0.3f, 1234, 0, rep); break;
    case K_ADAM: ds_adam_step(a->y, a->g, a->m, a->v, N, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, (long)rep + 1); break;
    }
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* median wall seconds; *cpu = median process CPU seconds / threads */
static double median_time(const job *j, arrays *a, int threads, double *cpu)
{
    double t[REPS], c[REPS];
    run(j, a, 0); /* warm-up: page faults, caches, thread pool */
    for (int r = 0; r < REPS; r++) {
        double t0 = now_s(), c0 = cpu_s();
        run(j, a, (uint32_t)r + 1);
        t[r] = now_s() - t0;
        c[r] = (cpu_s() - c0) / threads;
    }
    qsort(t, REPS, sizeof t[0], cmp_d);
    qsort(c, REPS, sizeof c[0], cmp_d);
    *cpu = c[REPS / 2];
    return t[REPS / 2];
}

static float *alloc_init(unsigned seed, float lo, float hi)
{
    float *p = ds_aligned_alloc(N * sizeof(float));
    if (!p)
        return NULL;
    uint32_t s = seed;
#pragma omp parallel for schedule(static) firstprivate(s)
    for (size_t i = 0; i < N; i++) {
        uint32_t h = (uint32_t)i * 2654435761u ^ s;
        h ^= h >> 15;
        h *= 2246822519u;
        h ^= h >> 13;
        p[i] = lo + (hi - lo) * (float)(h >> 8) * 0x1p-24f;
    }
    return p;
}

void bench_vec_report(int threads)
{
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    arrays a = {alloc_init(1, -4.0f, 4.0f), alloc_init(2, -4.0f, 4.0f), alloc_init(3, -0.1f, 0.1f),
                alloc_init(4, -0.01f, 0.01f), alloc_init(5, 0.0f, 1e-4f)};
    if (!a.x || !a.y || !a.g || !a.m || !a.v) {
        printf("bench_vec: out of memory for 5 x %zu floats\n", N);
        goto out;
    }
    static const job jobs[] = {
        {"copy", K_COPY, DS_ACT_IDENTITY, 0.0f},
        {"relu", K_ACT, DS_ACT_RELU, 0.0f},
        {"leaky_relu", K_ACT, DS_ACT_LEAKY_RELU, 0.01f},
        {"sigmoid", K_ACT, DS_ACT_SIGMOID, 0.0f},
        {"tanh", K_ACT, DS_ACT_TANH, 0.0f},
        {"gelu", K_ACT, DS_ACT_GELU, 0.0f},
        {"elu", K_ACT, DS_ACT_ELU, 1.0f},
        {"softplus", K_ACT, DS_ACT_SOFTPLUS, 0.0f},
        {"dropout", K_DROPOUT, DS_ACT_IDENTITY, 0.0f},
        {"adam", K_ADAM, DS_ACT_IDENTITY, 0.0f},
    };
    enum { NJOBS = sizeof jobs / sizeof jobs[0] };
    double t[NJOBS], c[NJOBS];
    double load = 0.0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = 0.0;
        fclose(f);
    }
    printf("\nelement-wise kernels, isa %s, %d thread%s, %zu floats, median of %d "
           "(load average %.1f)\n",
           ds_isa_name(), threads, threads == 1 ? "" : "s", N, REPS, load);
    printf("  %-11s %8s %8s %9s %9s %8s  %s\n", "kernel", "wall ms", "cpu ms", "Gelem/s",
           "cpu Gel/s", "cpu GB/s", "vs (cpu time)");
    for (int k = 0; k < NJOBS; k++) {
        t[k] = median_time(&jobs[k], &a, threads, &c[k]);
        double ge = (double)N / t[k] * 1e-9, gc = (double)N / c[k] * 1e-9;
        char vs[64] = "";
        if (k == 1)
            snprintf(vs, sizeof vs, "%.0f%% of copy", 100.0 * c[0] / c[1]);
        else if (jobs[k].kind == K_ACT && k > 1)
            snprintf(vs, sizeof vs, "%.2fx relu", c[1] / c[k]);
        char bw[32] = "-"; /* only the memory-bound ones: x read + y written */
        if (k <= 2)
            snprintf(bw, sizeof bw, "%.1f", 8.0 * gc * threads);
        printf("  %-11s %8.2f %8.2f %9.3f %9.3f %8s  %s\n", jobs[k].name, 1e3 * t[k],
               1e3 * c[k], ge, gc * threads, bw, vs);
    }
    /* 10% denormal inputs: with FTZ/DAZ they cost nothing extra */
    for (size_t i = 0; i < N; i += 10)
        a.x[i] = 0x1p-140f;
    job sig = {"sigmoid", K_ACT, DS_ACT_SIGMOID, 0.0f};
    double cd, td = median_time(&sig, &a, threads, &cd);
    printf("  sigmoid over 10%% denormal inputs: %.2f ms wall, %.2fx the CPU time of normal "
           "inputs\n",
           1e3 * td, cd / c[3]);

    /* the bias pass at the MLP's widest layer, against the GEMM it follows:
     * what fusing it into the GEMM write-back could save at most */
    {
        enum { M = 100, K = 784, NN = 512, R = 201 };
        double tb[R], tg[R];
        for (int r = 0; r < R; r++) {
            double c0 = now_s();
            ds_sgemm(DS_NOTRANS, DS_NOTRANS, M, NN, K, 1.0f, a.x, K, a.g, NN, 0.0f, a.y, NN);
            double c1 = now_s();
            ds_bias_add(M, NN, a.y, NN, a.m);
            tg[r] = c1 - c0;
            tb[r] = now_s() - c1;
        }
        qsort(tb, R, sizeof tb[0], cmp_d);
        qsort(tg, R, sizeof tg[0], cmp_d);
        printf("  bias_add [100x512] after sgemm [100x784]x[784x512]: %.1f us vs %.1f us "
               "(%.1f%% of the GEMM; median of %d)\n",
               1e6 * tb[R / 2], 1e6 * tg[R / 2], 100.0 * tb[R / 2] / tg[R / 2], R);
    }
out:
    ds_aligned_free(a.x), ds_aligned_free(a.y), ds_aligned_free(a.g), ds_aligned_free(a.m),
        ds_aligned_free(a.v);
    omp_set_num_threads(saved);
}
