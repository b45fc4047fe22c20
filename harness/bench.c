/* `deepsweep bench`: the kernel throughput profiler. See bench.h.
 *
 * Every case is a (kernel, isa, threads, shape) measured by timer.c. Derived
 * figures (GFLOP/s, GB/s, % of peak, % of copy bandwidth, ratio to OpenBLAS)
 * are computed after all cases ran, from baselines measured in the same run,
 * so a row never mixes figures from different machines or loads. */
#include "bench.h"
#include "model.h"
#include "topo.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/* ---- output columns ------------------------------------------------------ */

const char *ds_bench_kernels_header(void)
{
    return "kernel,isa,threads,m,n,k,elems,reps,median_s,mad_s,min_s,gflops,gbps,pct_peak,"
           "pct_bw,vs_openblas,iters,mean_s,stddev_s,cv,ci_lo_s,ci_hi_s,cpu_median_s,checksum,note";
}
const char *ds_bench_raw_header(void) { return "kernel,isa,threads,m,n,k,elems,rep,iters,wall_s,cpu_s"; }
const char *ds_bench_machine_header(void) { return "key,value"; }

/* A number, or nothing for "not applicable" (NAN). */
static int put_num(char *buf, size_t len, double v)
{
    return isfinite(v) ? snprintf(buf, len, ",%.9g", v) : snprintf(buf, len, ",");
}

/* RFC 4180: quote a field holding a comma, quote or newline; double quotes. */
static size_t csv_field(char *buf, size_t len, const char *s)
{
    int quote = strpbrk(s, ",\"\n\r") != NULL;
    size_t o = 0;
    if (quote && o + 1 < len)
        buf[o++] = '"';
    for (; *s && o + 2 < len; s++) {
        if (*s == '"')
            buf[o++] = '"';
        buf[o++] = *s;
    }
    if (quote && o + 1 < len)
        buf[o++] = '"';
    buf[o < len ? o : len - 1] = 0;
    return o;
}

void ds_bench_row_csv(const ds_bench_row *r, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "%s,%s,%d,%ld,%ld,%ld,%ld,%d", r->kernel, r->isa,
                                r->threads, r->m, r->n, r->k, r->elems, r->reps);
    const double v1[] = {r->median_s, r->mad_s, r->min_s, r->gflops, r->gbps,
                         r->pct_peak, r->pct_bw, r->vs_openblas};
    for (size_t i = 0; i < sizeof v1 / sizeof v1[0] && o < len; i++)
        o += (size_t)put_num(buf + o, len - o, v1[i]);
    if (o < len)
        o += (size_t)snprintf(buf + o, len - o, ",%ld", r->iters);
    const double v2[] = {r->mean_s, r->stddev_s, r->cv, r->ci_lo_s, r->ci_hi_s,
                         r->cpu_median_s, r->checksum};
    for (size_t i = 0; i < sizeof v2 / sizeof v2[0] && o < len; i++)
        o += (size_t)put_num(buf + o, len - o, v2[i]);
    if (o + 2 < len) {
        buf[o++] = ',';
        o += csv_field(buf + o, len - o, r->note);
    }
    if (o + 1 < len) {
        buf[o++] = '\n';
        buf[o] = 0;
    }
}

void ds_bench_opts_default(ds_bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kernels = DS_BK_GEMM | DS_BK_ACT | DS_BK_SOFTMAX | DS_BK_DROPOUT | DS_BK_STEP;
    o->isas = 0; /* 0 = all: every ISA available + OpenBLAS */
    o->shapes = DS_BS_MLP | DS_BS_SQUARE;
    o->acts = (1u << DS_ACT_COUNT) - 1;
    o->n_threads = 0; /* 0 = 1 .. PUs */
    static const int sq[] = {64, 128, 256, 512, 1024, 2048, 4096};
    o->n_square = (int)(sizeof sq / sizeof sq[0]);
    memcpy(o->square, sq, sizeof sq);
    o->format = DS_BF_CONSOLE;
    snprintf(o->out, sizeof o->out, "results/bench");
    o->bind_core = 1;
    ds_timer_opts_default(&o->timer);
    o->max_case_s = 30;
}

/* ---- state --------------------------------------------------------------- */

enum { SZ_L1 = 0, SZ_L2, SZ_MEM, SZ_COUNT, SZ_NONE = -1 };
static const char *const size_names[SZ_COUNT] = {"L1", "L2", "mem"};

enum { FAM_BASE, FAM_GEMM, FAM_ELEM, FAM_STEP };

typedef struct {
    ds_bench_row r;
    int size_class; /* SZ_* for memory-bound rows */
    int family;     /* FAM_* */
} row_ext;

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
    char warnings[64][256];
    int n_warnings;
    char notes[32][256];
    int n_notes;
    char obl_detected[64], obl_best[160], obl_config[256];
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

static void warnf(bench_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(bench_state *st, const char *fmt, ...)
{
    if (st->n_warnings >= 64)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->warnings[st->n_warnings++], sizeof st->warnings[0], fmt, ap);
    va_end(ap);
}

static void notef(bench_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notef(bench_state *st, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!st->o->quiet)
        fprintf(stderr, "bench: note: %s\n", buf);
    if (st->n_notes < 32)
        snprintf(st->notes[st->n_notes++], sizeof st->notes[0], "%s", buf);
}

static row_ext *new_row(bench_state *st)
{
    if (st->n_rows == st->cap_rows) {
        int cap = st->cap_rows ? 2 * st->cap_rows : 64;
        row_ext *v = realloc(st->rows, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        st->rows = v;
        st->cap_rows = cap;
    }
    row_ext *x = &st->rows[st->n_rows++];
    memset(x, 0, sizeof *x);
    x->size_class = SZ_NONE;
    ds_bench_row *r = &x->r;
    r->gflops = r->gbps = r->pct_peak = r->pct_bw = r->vs_openblas = NAN;
    r->checksum = NAN;
    return x;
}

static float *falloc(size_t n)
{
    size_t bytes = ((n ? n : 1) * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes);
}

/* Deterministic fill in [lo, hi): setup only, never timed. */
static void fill(float *x, size_t n, uint32_t seed, float lo, float hi)
{
    uint32_t s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = lo + (hi - lo) * (float)(s >> 8) * (1.0f / 16777216.0f);
    }
}

/* Copies the measurement's statistics into the row (raw arrays included). */
static int take_measurement(ds_bench_row *r, const ds_measurement *m)
{
    r->reps = m->reps;
    r->iters = m->iters;
    r->median_s = m->stats.median;
    r->mad_s = m->stats.mad;
    r->min_s = m->stats.min;
    r->mean_s = m->stats.mean;
    r->stddev_s = m->stats.stddev;
    r->cv = m->stats.cv;
    r->ci_lo_s = m->stats.ci_lo;
    r->ci_hi_s = m->stats.ci_hi;
    r->cpu_median_s = m->cpu_stats.median;
    r->raw_wall = malloc(2 * (size_t)m->reps * sizeof(double));
    if (!r->raw_wall)
        return -1;
    r->raw_cpu = r->raw_wall + m->reps;
    memcpy(r->raw_wall, m->wall, (size_t)m->reps * sizeof(double));
    memcpy(r->raw_cpu, m->cpu, (size_t)m->reps * sizeof(double));
    return 0;
}

static void shape_text(const ds_bench_row *r, char *buf, size_t len)
{
    if (r->m && r->n && r->k)
        snprintf(buf, len, "%ldx%ldx%ld", r->m, r->n, r->k);
    else if (r->m && r->n)
        snprintf(buf, len, "%ldx%ld", r->m, r->n);
    else
        snprintf(buf, len, "%ld", r->elems);
}

/* Measures fn into row x (threads already in x->r.threads). est_s: a lower
 * bound of one call's time (0 if unknown). Returns 0 measured, 1 skipped
 * (over budget, row removed), -1 out of memory. */
static int measure(bench_state *st, row_ext *x, ds_bench_fn fn, void *ctx, double est_s)
{
    ds_bench_row *r = &x->r;
    char shape[64];
    shape_text(r, shape, sizeof shape);
    int reps = st->topts.reps;
    omp_set_num_threads(r->threads);
    double budget = st->o->max_case_s;
    if (est_s * (reps + 3) > budget) {
        notef(st, "%s %s t%d %s skipped: at peak speed its %d repetitions would take >= %.0f s "
                  "(budget %.0f s, --max-case-s)", r->kernel, r->isa, r->threads, shape, reps,
              est_s * (reps + 3), budget);
        st->n_rows--;
        return 1;
    }
    double t0 = st->clock.wall(st->clock.ctx);
    fn(ctx, 1);
    double call = st->clock.wall(st->clock.ctx) - t0;
    double need = ds_timer_effective_min_time(&st->topts);
    double est_total = (reps + 2) * (call > need ? call : need) + call;
    if (est_total > budget) {
        notef(st, "%s %s t%d %s skipped: one call takes %.2f s, %d repetitions ~%.0f s "
                  "(budget %.0f s, --max-case-s)", r->kernel, r->isa, r->threads, shape, call,
              reps, est_total, budget);
        st->n_rows--;
        return 1;
    }
    ds_measurement m;
    if (ds_timer_measure(&st->clock, &st->topts, fn, ctx, &m) != 0 || take_measurement(r, &m) != 0) {
        ds_measurement_free(&m);
        return -1;
    }
    ds_measurement_free(&m);
    st->case_no++;
    if (!st->o->quiet)
        fprintf(stderr, "bench: %3d %-14s %-9s t%-2d %-14s %11.4g ms  cv %5.2f%%  (%ld x %d)\n",
                st->case_no, r->kernel, r->isa, r->threads, shape, r->median_s * 1e3,
                100 * r->cv, r->iters, r->reps);
    return 0;
}

/* ---- GEMM ---------------------------------------------------------------- */

typedef struct {
    char kname[16];
    ds_trans ta, tb;
    int m, n, k;
} gemm_case;

/* The lab nets' layers [in x out] at batch 100: forward NN (Y = X·W), dX NT
 * (dY·Wᵀ), dW TN (Xᵀ·dY). */
static const int mlp_layers[][2] = {{784, 256}, {256, 256}, {784, 512}, {512, 512}, {512, 10}};
#define MLP_BATCH 100

static int gemm_cases(const ds_bench_opts *o, gemm_case *out, int max)
{
    int n = 0;
    if (o->shapes & DS_BS_MLP)
        for (size_t l = 0; l < sizeof mlp_layers / sizeof mlp_layers[0]; l++) {
            int in = mlp_layers[l][0], outd = mlp_layers[l][1];
            if (n + 3 > max)
                break;
            out[n++] = (gemm_case){"gemm_nn", DS_NOTRANS, DS_NOTRANS, MLP_BATCH, outd, in};
            out[n++] = (gemm_case){"gemm_nt", DS_NOTRANS, DS_TRANS, MLP_BATCH, in, outd};
            out[n++] = (gemm_case){"gemm_tn", DS_TRANS, DS_NOTRANS, in, outd, MLP_BATCH};
        }
    if (o->shapes & DS_BS_SQUARE)
        for (int i = 0; i < o->n_square && n < max; i++) {
            int s = o->square[i];
            out[n++] = (gemm_case){"gemm_nn", DS_NOTRANS, DS_NOTRANS, s, s, s};
        }
    return n;
}

typedef void (*cblas_sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha,
                               const float *a, int lda, const float *b, int ldb, float beta,
                               float *c, int ldc);
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

typedef struct {
    gemm_case gc;
    float *a, *b, *c;
    int lda, ldb, ldc;
    cblas_sgemm_fn cblas; /* NULL: ds_sgemm */
} gemm_ctx;

static void gemm_fn(void *p, long iters)
{
    gemm_ctx *g = p;
    for (long i = 0; i < iters; i++) {
        if (g->cblas)
            g->cblas(CBLAS_ROW_MAJOR, g->gc.ta ? CBLAS_TRANS : CBLAS_NO_TRANS,
                     g->gc.tb ? CBLAS_TRANS : CBLAS_NO_TRANS, g->gc.m, g->gc.n, g->gc.k, 1.0f,
                     g->a, g->lda, g->b, g->ldb, 0.0f, g->c, g->ldc);
        else
            ds_sgemm(g->gc.ta, g->gc.tb, g->gc.m, g->gc.n, g->gc.k, 1.0f, g->a, g->lda, g->b,
                     g->ldb, 0.0f, g->c, g->ldc);
        ds_do_not_optimize(g->c);
    }
}

static int gemm_ctx_init(gemm_ctx *g, const gemm_case *gc)
{
    memset(g, 0, sizeof *g);
    g->gc = *gc;
    size_t m = (size_t)gc->m, n = (size_t)gc->n, k = (size_t)gc->k;
    g->a = falloc(m * k);
    g->b = falloc(k * n);
    g->c = falloc(m * n);
    if (!g->a || !g->b || !g->c)
        return -1;
    /* op(A) is [m x k]: stored [k x m] when transposed; likewise B. */
    g->lda = gc->ta ? gc->m : gc->k;
    g->ldb = gc->tb ? gc->k : gc->n;
    g->ldc = gc->n;
    fill(g->a, m * k, 1, -1, 1);
    fill(g->b, k * n, 2, -1, 1);
    memset(g->c, 0, m * n * sizeof(float));
    return 0;
}

static void gemm_ctx_free(gemm_ctx *g)
{
    free(g->a);
    free(g->b);
    free(g->c);
}

static void gemm_row_fill(ds_bench_row *r, const gemm_case *gc)
{
    snprintf(r->kernel, sizeof r->kernel, "%.15s", gc->kname);
    r->m = gc->m, r->n = gc->n, r->k = gc->k;
    r->elems = (long)gc->m * gc->n;
    r->flops = 2.0 * gc->m * gc->n * gc->k;
    /* compulsory traffic: read A and B once, write C once (beta = 0) */
    r->bytes = 4.0 * ((double)gc->m * gc->k + (double)gc->k * gc->n + (double)gc->m * gc->n);
    r->items = r->flops;
}

/* ---- baselines ------------------------------------------------------------ */

#define PEAK_CHUNK 2000 /* FMA-chain iterations per timer iteration */

typedef struct {
    ds_isa isa;
    int threads;
    float sink;
} peak_ctx;

static void peak_fn(void *p, long iters)
{
    peak_ctx *c = p;
    float acc = 0;
#pragma omp parallel num_threads(c->threads) reduction(+ : acc)
    {
        float s = 0;
        ds_fma_peak_run(c->isa, iters * PEAK_CHUNK, &s);
        acc += s;
    }
    c->sink += acc;
    ds_do_not_optimize(&c->sink);
}

typedef struct {
    float *a, *b, *c;
    size_t n;
    int threads;
    int triad;
} stream_ctx;

/* STREAM-like: each thread streams its own static slice, the same slices as
 * the first-touch initialisation, so pages are local to the thread. */
static void stream_fn(void *p, long iters)
{
    stream_ctx *s = p;
    /* The iteration loop runs inside one parallel region: the baseline is
     * what the memory system sustains, not the fork/join cost of a region
     * per pass (which would flatter small kernels that stay sequential). */
#pragma omp parallel num_threads(s->threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t lo = s->n * (size_t)t / (size_t)nt, hi = s->n * (size_t)(t + 1) / (size_t)nt;
        for (long it = 0; it < iters; it++) {
            if (s->triad) {
                const float q = 3.0f;
                float *restrict a = s->a;
                const float *restrict b = s->b, *restrict c = s->c;
                for (size_t i = lo; i < hi; i++)
                    a[i] = b[i] + q * c[i];
            } else {
                memcpy(s->a + lo, s->b + lo, (hi - lo) * sizeof(float));
            }
            ds_do_not_optimize(s->a);
        }
    }
}

static int stream_init(stream_ctx *s, size_t n, int threads, int triad)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->threads = threads;
    s->triad = triad;
    s->a = falloc(n);
    s->b = falloc(n);
    s->c = falloc(n);
    if (!s->a || !s->b || !s->c)
        return -1;
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t lo = n * (size_t)t / (size_t)nt, hi = n * (size_t)(t + 1) / (size_t)nt;
        for (size_t i = lo; i < hi; i++) {
            s->a[i] = 0;
            s->b[i] = 1;
            s->c[i] = 2;
        }
    }
    return 0;
}

static void stream_free(stream_ctx *s)
{
    free(s->a);
    free(s->b);
    free(s->c);
}

/* ---- element-wise kernels ------------------------------------------------ */

typedef struct {
    ds_act act;
    float param;
    int backward;
    float *x, *y, *dy, *dx;
    size_t n;
} act_ctx;

static void act_fn(void *p, long iters)
{
    act_ctx *a = p;
    for (long i = 0; i < iters; i++) {
        if (a->backward)
            ds_act_backward(a->act, a->param, a->x, a->y, a->dy, a->dx, a->n);
        else
            ds_act_forward(a->act, a->param, a->x, a->y, a->n);
        ds_do_not_optimize(a->backward ? a->dx : a->y);
    }
}

typedef struct {
    int m, n;
    float *z, *dz;
    int32_t *labels;
    double loss;
} softmax_ctx;

static void softmax_fn(void *p, long iters)
{
    softmax_ctx *s = p;
    for (long i = 0; i < iters; i++) {
        int correct;
        s->loss = ds_softmax_xent(s->m, s->n, s->z, s->n, s->labels, s->dz, s->n,
                                  1.0f / (float)s->m, &correct);
        ds_do_not_optimize(s->dz);
    }
}

typedef struct {
    float *x;
    size_t n;
    uint32_t step;
    size_t kept;
} dropout_ctx;

static void dropout_fn(void *p, long iters)
{
    dropout_ctx *d = p;
    for (long i = 0; i < iters; i++) {
        d->kept += ds_dropout(d->x, d->n, 0.3f, 42, 1, d->step++);
        ds_do_not_optimize(d->x);
    }
}

/* ---- the training step ----------------------------------------------------- */

typedef struct {
    ds_mlp m;
    float *x, *adam_m, *adam_v;
    int32_t *labels;
    long t;
    double loss;
} step_ctx;

static void step_fn(void *p, long iters)
{
    step_ctx *s = p;
    for (long i = 0; i < iters; i++) {
        s->t++;
        ds_mlp_forward(&s->m, s->x, MLP_BATCH, 1, 7, (uint32_t)s->t);
        s->loss = ds_mlp_loss(&s->m, MLP_BATCH, s->labels, 1, NULL);
        ds_mlp_backward(&s->m, s->x, MLP_BATCH, 1, 7, (uint32_t)s->t);
        /* Adam over the whole contiguous parameter block, as the optimizer
         * does tensor by tensor (no weight decay: same cost). */
        ds_adam_step(s->m.params, s->m.grads, s->adam_m, s->adam_v, s->m.n_params, 1e-4f,
                     0.9f, 0.999f, 1e-8f, 0.0f, s->t);
        ds_do_not_optimize(s->m.params);
    }
}

typedef struct {
    const char *name;
    int n_hidden;
    int hidden[4];
} net_def;

/* The course's Xavier net and deep net (lab-mnist). */
static const net_def nets[] = {
    {"step_xavier", 2, {256, 256}},
    {"step_deep", 4, {512, 512, 512, 512}},
};

static int step_init(step_ctx *s, const net_def *nd)
{
    memset(s, 0, sizeof *s);
    if (ds_mlp_create(&s->m, 784, nd->n_hidden, nd->hidden, 10, DS_ACT_RELU, 0,
                      DS_LOSS_SOFTMAX_CE, 0.0f, MLP_BATCH) != 0)
        return -1;
    ds_mlp_init(&s->m, DS_INIT_XAVIER_UNIFORM, 1.0f, DS_BIAS_ZEROS, 1);
    s->x = falloc((size_t)MLP_BATCH * 784);
    s->adam_m = falloc(s->m.n_params);
    s->adam_v = falloc(s->m.n_params);
    s->labels = malloc(MLP_BATCH * sizeof *s->labels);
    if (!s->x || !s->adam_m || !s->adam_v || !s->labels)
        return -1;
    fill(s->x, (size_t)MLP_BATCH * 784, 3, 0, 1);
    memset(s->adam_m, 0, s->m.n_params * sizeof(float));
    memset(s->adam_v, 0, s->m.n_params * sizeof(float));
    for (int i = 0; i < MLP_BATCH; i++)
        s->labels[i] = i % 10;
    return 0;
}

static void step_free(step_ctx *s)
{
    ds_mlp_free(&s->m);
    free(s->x);
    free(s->adam_m);
    free(s->adam_v);
    free(s->labels);
}

/* GEMM flops of one step: forward 2·B·Σ in·out; backward dW the same and dX
 * for every layer but the first (nothing upstream of the input). */
static double step_flops(const ds_mlp *m)
{
    double f = 0;
    for (int l = 0; l < m->n_layers; l++) {
        double mm = 2.0 * MLP_BATCH * m->dims[l] * m->dims[l + 1];
        f += (l == 0 ? 2 : 3) * mm;
    }
    return f;
}

/* ---- threads and peaks ---------------------------------------------------- */

static int thread_list(const ds_bench_opts *o, const bench_state *st, int *out)
{
    if (o->n_threads > 0) {
        memcpy(out, o->threads, (size_t)o->n_threads * sizeof *out);
        return o->n_threads;
    }
    int pus = st->topo_ok && st->topo.pus > 0 ? st->topo.pus : omp_get_num_procs();
    int n = 0;
    for (int t = 1; t <= pus && n < DS_BENCH_MAX_THREADS_LIST; t++)
        out[n++] = t;
    return n;
}

static const row_ext *find_row(const bench_state *st, const char *kernel, const char *isa,
                               int threads, long m, long n, long k, int size_class)
{
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (!strcmp(x->r.kernel, kernel) && !strcmp(x->r.isa, isa) && x->r.threads == threads &&
            x->r.m == m && x->r.n == n && x->r.k == k &&
            (size_class == SZ_NONE || x->size_class == size_class))
            return x;
    }
    return NULL;
}

static double peak_gflops(const bench_state *st, const char *isa, int threads)
{
    const row_ext *x = find_row(st, "fma_peak", isa, threads, 0, 0, 0, SZ_NONE);
    return x ? x->r.gflops : NAN;
}

static const char *best_isa_name(void) { return ds_isa_to_name(ds_isa_best()); }

/* ---- OpenBLAS, in child processes ----------------------------------------- */

/* The worker line format: one "ROW" line per case with every field, raw
 * repetitions included, tab-separated. */
static void worker_print_row(const ds_bench_row *r)
{
    printf("ROW\t%s\t%s\t%d\t%ld\t%ld\t%ld\t%ld\t%d\t%ld", r->kernel, r->isa, r->threads, r->m,
           r->n, r->k, r->elems, r->reps, r->iters);
    const double v[] = {r->median_s, r->mad_s, r->min_s, r->mean_s, r->stddev_s, r->cv,
                        r->ci_lo_s, r->ci_hi_s, r->cpu_median_s, r->flops, r->bytes,
                        r->items, r->checksum};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        printf("\t%.17g", v[i]);
    for (int i = 0; i < r->reps; i++)
        printf("\t%.17g\t%.17g", r->raw_wall[i], r->raw_cpu[i]);
    printf("\n");
    fflush(stdout);
}

static int worker_parse_row(char *line, ds_bench_row *r)
{
    char *save = NULL, *f[64 + 2 * DS_TIMER_MAX_REPS];
    int nf = 0;
    for (char *t = strtok_r(line, "\t\n", &save); t && nf < (int)(sizeof f / sizeof f[0]);
         t = strtok_r(NULL, "\t\n", &save))
        f[nf++] = t;
    if (nf < 23 || strcmp(f[0], "ROW"))
        return -1;
    snprintf(r->kernel, sizeof r->kernel, "%s", f[1]);
    snprintf(r->isa, sizeof r->isa, "%s", f[2]);
    r->threads = atoi(f[3]);
    r->m = atol(f[4]), r->n = atol(f[5]), r->k = atol(f[6]), r->elems = atol(f[7]);
    r->reps = atoi(f[8]);
    r->iters = atol(f[9]);
    double *v[] = {&r->median_s, &r->mad_s, &r->min_s, &r->mean_s, &r->stddev_s, &r->cv,
                   &r->ci_lo_s, &r->ci_hi_s, &r->cpu_median_s, &r->flops, &r->bytes,
                   &r->items, &r->checksum};
    for (int i = 0; i < 13; i++)
        *v[i] = strtod(f[10 + i], NULL);
    if (r->reps < 1 || r->reps > DS_TIMER_MAX_REPS || nf != 23 + 2 * r->reps)
        return -1;
    r->raw_wall = malloc(2 * (size_t)r->reps * sizeof(double));
    if (!r->raw_wall)
        return -1;
    r->raw_cpu = r->raw_wall + r->reps;
    for (int i = 0; i < r->reps; i++) {
        r->raw_wall[i] = strtod(f[23 + 2 * i], NULL);
        r->raw_cpu[i] = strtod(f[24 + 2 * i], NULL);
    }
    return 0;
}

/* The worker is a re-exec of deepsweep, whose OpenMP runtime binds the main
 * thread to one PU when OMP_PROC_BIND is set (--bind core). OpenBLAS sizes its
 * thread pool from the affinity mask it sees at load time and its threads
 * inherit it, so without this it ran every "2-thread" case on one core
 * (square 1024: 36 GFLOP/s bound vs 70 unbound). Give it the whole machine. */
static void openblas_unbind(void)
{
    cpu_set_t all;
    CPU_ZERO(&all);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < n && i < CPU_SETSIZE; i++)
        CPU_SET((int)i, &all);
    if (sched_setaffinity(0, sizeof all, &all) != 0)
        fprintf(stderr, "deepsweep: bench: note: OpenBLAS worker could not be unbound: %s\n",
                strerror(errno));
}

int ds_bench_openblas_worker(const char *cases, const ds_bench_opts *o)
{
    openblas_unbind();
    /* DEEPSWEEP_OPENBLAS names another library file (tests use a missing one). */
    const char *lib = getenv("DEEPSWEEP_OPENBLAS");
    void *h = dlopen(lib && *lib ? lib : "libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("NOLIB\t%s\n", dlerror());
        return 0;
    }
    cblas_sgemm_fn sgemm = (cblas_sgemm_fn)(uintptr_t)dlsym(h, "cblas_sgemm");
    char *(*corename)(void) = (char *(*)(void))(uintptr_t)dlsym(h, "openblas_get_corename");
    char *(*config)(void) = (char *(*)(void))(uintptr_t)dlsym(h, "openblas_get_config");
    void (*set_threads)(int) = (void (*)(int))(uintptr_t)dlsym(h, "openblas_set_num_threads");
    if (!sgemm) {
        printf("NOLIB\tno cblas_sgemm in libopenblas.so.0\n");
        return 0;
    }
    printf("CORE\t%s\t%s\n", corename ? corename() : "unknown", config ? config() : "");
    fflush(stdout);
    ds_clock clock = ds_clock_system();
    ds_timer_opts topts = o->timer;
    ds_timer_calib cal;
    ds_timer_calibrate(&clock, &cal);
    topts.resolution = cal.resolution_s;
    const char *core = corename ? corename() : "unknown";
    char isa[32] = "openblas-";
    for (size_t i = 9; *core && i + 1 < sizeof isa; core++)
        isa[i++] = (char)(*core >= 'A' && *core <= 'Z' ? *core - 'A' + 'a' : *core), isa[i] = 0;

    for (int ti = 0; ti < o->n_threads; ti++) {
        int t = o->threads[ti];
        if (set_threads)
            set_threads(t);
        const char *p = cases;
        while (*p) {
            char kind[3] = {0};
            int m, n, k, used = 0;
            if (sscanf(p, "%2[a-z]:%d:%d:%d%n", kind, &m, &n, &k, &used) != 4)
                return 2;
            p += used;
            if (*p == ',')
                p++;
            gemm_case gc = {"gemm_nn", kind[0] == 't' ? DS_TRANS : DS_NOTRANS,
                            kind[1] == 't' ? DS_TRANS : DS_NOTRANS, m, n, k};
            snprintf(gc.kname, sizeof gc.kname, "gemm_%s", kind);
            gemm_ctx g;
            if (gemm_ctx_init(&g, &gc) != 0)
                return 1;
            g.cblas = sgemm;
            ds_bench_row r;
            memset(&r, 0, sizeof r);
            gemm_row_fill(&r, &gc);
            snprintf(r.isa, sizeof r.isa, "%s", isa);
            r.threads = t;
            double t0 = clock.wall(NULL);
            gemm_fn(&g, 1);
            double call = clock.wall(NULL) - t0;
            double need = ds_timer_effective_min_time(&topts);
            if ((topts.reps + 2) * (call > need ? call : need) + call > o->max_case_s) {
                printf("SKIP\t%s t%d %dx%dx%d skipped: one call takes %.2f s (budget %.0f s)\n", gc.kname,
                       t, m, n, k, call, o->max_case_s);
                gemm_ctx_free(&g);
                continue;
            }
            ds_measurement meas;
            if (ds_timer_measure(&clock, &topts, gemm_fn, &g, &meas) != 0 ||
                take_measurement(&r, &meas) != 0)
                return 1;
            ds_measurement_free(&meas);
            r.checksum = ds_sumsq(g.c, (size_t)m * (size_t)n);
            worker_print_row(&r);
            free(r.raw_wall);
            gemm_ctx_free(&g);
        }
    }
    return 0;
}

/* Runs this executable as an OpenBLAS worker with OPENBLAS_CORETYPE=core
 * (NULL: as detected); adds its rows with isa renamed to `rename` when not
 * NULL. Returns the detected core name in core_out ("" if the child failed),
 * and the geometric mean GFLOP/s of its rows (0 if none). */
static double run_openblas_child(bench_state *st, const char *core, const char *cases,
                                 const int *threads, int n_threads, const ds_timer_opts *topts,
                                 const char *rename, char *core_out, size_t core_len)
{
    core_out[0] = 0;
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return 0;
    exe[len] = 0;
    char tl[128] = "", reps[16], mt[32], budget[32];
    for (int i = 0; i < n_threads; i++) {
        size_t o = strlen(tl);
        snprintf(tl + o, sizeof tl - o, "%s%d", i ? "," : "", threads[i]);
    }
    snprintf(reps, sizeof reps, "%d", topts->reps);
    snprintf(mt, sizeof mt, "%.17g", topts->min_time);
    snprintf(budget, sizeof budget, "%.17g", st->o->max_case_s);
    char *argv[] = {"deepsweep", "bench", "--openblas-worker", (char *)cases, "--threads", tl,
                    "--reps", reps, "--min-time", mt, "--max-case-s", budget, "-q", NULL};
    int pfd[2];
    if (pipe(pfd) != 0)
        return 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return 0;
    }
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        if (core)
            setenv("OPENBLAS_CORETYPE", core, 1);
        else
            unsetenv("OPENBLAS_CORETYPE");
        /* The worker runs OpenBLAS's own threads, not ours; keep OpenMP from
         * spinning idle threads on the cores it needs. */
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv(exe, argv);
        _exit(127);
    }
    close(pfd[1]);
    FILE *f = fdopen(pfd[0], "r");
    size_t cap = 1 << 16;
    char *line = malloc(cap);
    double logsum = 0;
    int nrows = 0;
    const char *label = core ? core : "as detected";
    while (f && line && fgets(line, (int)cap, f)) {
        if (!strncmp(line, "CORE\t", 5)) {
            char *nl = strchr(line + 5, '\t');
            if (nl)
                *nl = 0;
            snprintf(core_out, core_len, "%s", line + 5);
            if (!core) {
                char *cfg = nl ? nl + 1 : (char *)"";
                cfg[strcspn(cfg, "\n")] = 0;
                snprintf(st->obl_config, sizeof st->obl_config, "%s", cfg);
            }
        } else if (!strncmp(line, "NOLIB\t", 6)) {
            line[strcspn(line, "\n")] = 0;
            notef(st, "OpenBLAS not available (%s): baseline skipped (scripts/install-deps.sh bench)",
                  line + 6);
        } else if (!strncmp(line, "SKIP\t", 5)) {
            line[strcspn(line, "\n")] = 0;
            notef(st, "openblas (%s) %s", label, line + 5);
        } else if (!strncmp(line, "ROW\t", 4)) {
            row_ext *x = new_row(st);
            if (!x)
                break;
            if (worker_parse_row(line, &x->r) != 0) {
                st->n_rows--;
                continue;
            }
            x->family = FAM_GEMM;
            if (rename)
                snprintf(x->r.isa, sizeof x->r.isa, "%s", rename);
            snprintf(x->r.note, sizeof x->r.note, "OPENBLAS_CORETYPE=%s core=%s",
                     core ? core : "(detected)", core_out);
            logsum += log(x->r.flops / x->r.median_s / 1e9);
            nrows++;
            st->case_no++;
            if (!st->o->quiet) {
                char shape[64];
                shape_text(&x->r, shape, sizeof shape);
                fprintf(stderr, "bench: %3d %-14s %-9s t%-2d %-14s %11.4g ms  cv %5.2f%%  (%s)\n",
                        st->case_no, x->r.kernel, x->r.isa, x->r.threads, shape,
                        x->r.median_s * 1e3, 100 * x->r.cv, core_out);
            }
        }
    }
    free(line);
    if (f)
        fclose(f);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        notef(st, "OpenBLAS with OPENBLAS_CORETYPE=%s died with signal %d (%s)%s", label,
              WTERMSIG(status), strsignal(WTERMSIG(status)),
              WTERMSIG(status) == SIGILL ? ": this CPU lacks that core type's instructions" : "");
        return 0;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        notef(st, "OpenBLAS worker (%s) failed with exit status %d", label,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 0;
    }
    return nrows ? exp(logsum / nrows) : 0;
}

static void run_openblas(bench_state *st, const int *threads, int n_threads)
{
    gemm_case gcs[64];
    int ng = gemm_cases(st->o, gcs, 64);
    char cases[4096] = "";
    for (int i = 0; i < ng; i++) {
        size_t o = strlen(cases);
        snprintf(cases + o, sizeof cases - o, "%s%c%c:%d:%d:%d", i ? "," : "",
                 gcs[i].ta ? 't' : 'n', gcs[i].tb ? 't' : 'n', gcs[i].m, gcs[i].n, gcs[i].k);
    }
    /* Probe each core type on two representative shapes at one thread with
     * short repetitions, then measure every case with the best one only:
     * three full runs would triple the profile's time. */
    static const char *const cores[] = {NULL, "Haswell", "SkylakeX"};
    ds_timer_opts probe = st->topts;
    probe.reps = DS_TIMER_MIN_REPS;
    probe.min_time = probe.min_time < 0.05 ? probe.min_time : 0.05;
    const char *probe_cases = "nn:100:256:784,nn:512:512:512";
    const int one = 1;
    double best = 0;
    const char *best_core = NULL;
    char name[64];
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++) {
        double g = run_openblas_child(st, cores[i], probe_cases, &one, 1, &probe, NULL, name,
                                      sizeof name);
        if (!name[0] && i == 0)
            return; /* no library: one note was printed */
        if (i == 0)
            snprintf(st->obl_detected, sizeof st->obl_detected, "%s", name);
        if (g > best) {
            best = g;
            best_core = cores[i];
            snprintf(st->obl_best, sizeof st->obl_best, "%s (OPENBLAS_CORETYPE=%s)", name,
                     cores[i] ? cores[i] : "unset");
        }
    }
    if (best <= 0)
        return;
    run_openblas_child(st, best_core, cases, threads, n_threads, &st->topts, "openblas", name,
                       sizeof name);
}

/* ---- machine facts and warnings ------------------------------------------- */

static void read_governor(bench_state *st)
{
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "r");
    snprintf(st->governor, sizeof st->governor, "unknown");
    if (f) {
        if (fgets(st->governor, sizeof st->governor, f))
            st->governor[strcspn(st->governor, "\n")] = 0;
        fclose(f);
    }
}

static void read_hypervisor(bench_state *st)
{
    st->hypervisor[0] = 0;
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c >> 31) & 1) {
        unsigned r[4];
        __cpuid(0x40000000, r[0], r[1], r[2], r[3]);
        char vendor[13];
        memcpy(vendor, &r[1], 4);
        memcpy(vendor + 4, &r[2], 4);
        memcpy(vendor + 8, &r[3], 4);
        vendor[12] = 0;
        snprintf(st->hypervisor, sizeof st->hypervisor, "%s", vendor[0] ? vendor : "yes");
    }
#else
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor")) {
            snprintf(st->hypervisor, sizeof st->hypervisor, "yes");
            break;
        }
    if (f)
        fclose(f);
#endif
}

static int mhz_per_cpu(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "cpu MHz", 7)) {
            char *c = strchr(line, ':');
            if (c)
                mhz = strtod(c + 1, NULL);
            break;
        }
    if (f)
        fclose(f);
    return (int)(mhz + 0.5);
}

static const char *build_type(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return "sanitized";
#elif !defined(__OPTIMIZE__)
    return "debug";
#elif !defined(NDEBUG)
    return "release+asserts";
#else
    return "release";
#endif
}

static void collect_warnings_start(bench_state *st)
{
    if (strcmp(build_type(), "release"))
        warnf(st, "Library was built as %s (not -O3 -DNDEBUG): timings are not representative",
              build_type());
    if (strcmp(st->governor, "performance"))
        warnf(st, "CPU frequency governor is %s (not performance): the clock may ramp during "
                  "a repetition", st->governor);
    if (st->hypervisor[0])
        warnf(st, "Running under a hypervisor (%s): steal time and a shared host add noise; "
                  "FMA peak and bandwidth are the guest's view", st->hypervisor);
    double la[1];
    if (getloadavg(la, 1) == 1) {
        st->load1 = la[0];
        if (la[0] > 0.5)
            warnf(st, "Load average %.2f before the run: other processes compete for the %d "
                      "PUs, expect high CV", la[0], st->topo_ok ? st->topo.pus : omp_get_num_procs());
    }
}

/* ---- derived figures -------------------------------------------------------- */

static int is_memory_bound(const row_ext *x)
{
    return x->family == FAM_ELEM || !strcmp(x->r.kernel, "copy") || !strcmp(x->r.kernel, "triad");
}

static void derive(bench_state *st)
{
    for (int i = 0; i < st->n_rows; i++) {
        row_ext *x = &st->rows[i];
        ds_bench_row *r = &x->r;
        /* A baseline is an upper bound of what the machine sustains: take its
         * fastest repetition, so noise from other processes cannot lower the
         * bar kernels are compared with. Kernels are quoted at their median. */
        double t = x->family == FAM_BASE ? r->min_s : r->median_s;
        if (r->flops > 0 && t > 0)
            r->gflops = r->flops / t / 1e9;
        if (is_memory_bound(x) && r->bytes > 0 && t > 0)
            r->gbps = r->bytes / t / 1e9;
        if (x->family == FAM_GEMM || x->family == FAM_STEP) {
            /* OpenBLAS against the machine's best ISA peak; ours against our own ISA's. */
            const char *pisa = strncmp(r->isa, "openblas", 8) ? r->isa : best_isa_name();
            double pk = peak_gflops(st, pisa, r->threads);
            if (isfinite(pk) && pk > 0 && isfinite(r->gflops))
                r->pct_peak = 100 * r->gflops / pk;
        }
        if (!strcmp(r->kernel, "fma_peak"))
            r->pct_peak = 100;
        if (is_memory_bound(x) && x->size_class != SZ_NONE && strcmp(r->kernel, "copy")) {
            const row_ext *c = NULL;
            for (int j = 0; j < st->n_rows && !c; j++)
                if (!strcmp(st->rows[j].r.kernel, "copy") && st->rows[j].r.threads == r->threads &&
                    st->rows[j].size_class == x->size_class)
                    c = &st->rows[j];
            if (c) {
                double cbw = c->r.bytes / c->r.min_s / 1e9;
                if (isfinite(r->gbps) && cbw > 0)
                    r->pct_bw = 100 * r->gbps / cbw;
            }
        } else if (!strcmp(r->kernel, "copy")) {
            r->pct_bw = 100;
        }
        if (x->family == FAM_GEMM && strncmp(r->isa, "openblas", 8)) {
            const row_ext *ob = find_row(st, r->kernel, "openblas", r->threads, r->m, r->n, r->k, SZ_NONE);
            if (ob && ob->r.median_s > 0)
                r->vs_openblas = ob->r.median_s / r->median_s;
        }
    }
    /* One line for the noisy rows (their cv% is in every table), naming the
     * worst few, rather than one warning per row. */
    int noisy = 0, worst[4] = {-1, -1, -1, -1};
    for (int i = 0; i < st->n_rows; i++) {
        if (!(st->rows[i].r.cv > 0.05))
            continue;
        noisy++;
        for (int w = 0; w < 4; w++)
            if (worst[w] < 0 || st->rows[i].r.cv > st->rows[worst[w]].r.cv) {
                memmove(worst + w + 1, worst + w, (size_t)(3 - w) * sizeof worst[0]);
                worst[w] = i;
                break;
            }
    }
    if (noisy) {
        char list[200] = "";
        for (int w = 0; w < 4 && worst[w] >= 0; w++) {
            const ds_bench_row *r = &st->rows[worst[w]].r;
            char shape[64];
            shape_text(r, shape, sizeof shape);
            size_t o = strlen(list);
            snprintf(list + o, sizeof list - o, "%s%s/%s/t%d/%s %.0f%%", w ? ", " : "", r->kernel,
                     r->isa, r->threads, shape, 100 * r->cv);
        }
        double la[1] = {0};
        getloadavg(la, 1);
        warnf(st, "%d of %d rows have CV > 5%% (worst: %s)%s", noisy, st->n_rows, list,
              st->load1 > 0.5 || la[0] > 0.5 ? ": the machine was busy (load average "
                                               "before/after above 0.5), medians still robust"
                                             : "");
    }
}

/* ---- output files ---------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void bench_name(const ds_bench_row *r, char *buf, size_t len)
{
    if (r->m && r->n && r->k)
        snprintf(buf, len, "%s/%s/m:%ld/n:%ld/k:%ld/threads:%d", r->kernel, r->isa, r->m, r->n,
                 r->k, r->threads);
    else if (r->m && r->n)
        snprintf(buf, len, "%s/%s/m:%ld/n:%ld/threads:%d", r->kernel, r->isa, r->m, r->n,
                 r->threads);
    else
        snprintf(buf, len, "%s/%s/elems:%ld/threads:%d", r->kernel, r->isa, r->elems, r->threads);
}

static void write_json(const bench_state *st, FILE *f)
{
    char date[64], host[256] = "unknown";
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", &tm);
    gethostname(host, sizeof host - 1);
    fprintf(f, "{\n  \"context\": {\n    \"date\": ");
    json_str(f, date);
    fprintf(f, ",\n    \"host_name\": ");
    json_str(f, host);
    fprintf(f, ",\n    \"executable\": \"deepsweep bench\",\n    \"num_cpus\": %d,\n"
               "    \"mhz_per_cpu\": %d,\n    \"cpu_scaling_enabled\": %s,\n",
            st->topo_ok && st->topo.pus ? st->topo.pus : omp_get_num_procs(), mhz_per_cpu(),
            strcmp(st->governor, "performance") ? "true" : "false");
    fprintf(f, "    \"caches\": [\n");
    struct {
        const char *type;
        int level;
        size_t size;
        int count;
    } c[] = {{"Data", 1, st->topo.l1d_bytes, st->topo.l1d_count},
             {"Unified", 2, st->topo.l2_bytes, st->topo.l2_count},
             {"Unified", 3, st->topo.l3_bytes, st->topo.l3_count}};
    int first = 1;
    int pus = st->topo.pus > 0 ? st->topo.pus : 1;
    for (int i = 0; i < 3; i++) {
        if (!c[i].size)
            continue;
        fprintf(f, "%s      {\"type\": \"%s\", \"level\": %d, \"size\": %zu, \"num_sharing\": %d}",
                first ? "" : ",\n", c[i].type, c[i].level, c[i].size,
                c[i].count > 0 ? pus / c[i].count : 1);
        first = 0;
    }
    double la[3] = {0, 0, 0};
    getloadavg(la, 3);
    fprintf(f, "\n    ],\n    \"load_avg\": [%.2f, %.2f, %.2f],\n", la[0], la[1], la[2]);
    fprintf(f, "    \"library_build_type\": \"%s\",\n    \"cpu_model\": ", build_type());
    json_str(f, st->topo.cpu_model);
    fprintf(f, ",\n    \"deepsweep_version\": \"%s (%s)\",\n    \"isa\": \"%s\",\n"
               "    \"timer_resolution_ns\": %.3f,\n    \"timer_overhead_ns\": %.3f,\n"
               "    \"openblas_detected_core\": ",
            DS_VERSION, DS_GIT_REV, best_isa_name(), st->cal.resolution_s * 1e9,
            st->cal.overhead_s * 1e9);
    json_str(f, st->obl_detected);
    fprintf(f, ",\n    \"openblas_baseline\": ");
    json_str(f, st->obl_best);
    fprintf(f, "\n  },\n  \"benchmarks\": [\n");
    first = 1;
    for (int i = 0; i < st->n_rows; i++) {
        const ds_bench_row *r = &st->rows[i].r;
        char name[192];
        bench_name(r, name, sizeof name);
        double ips = r->items > 0 && r->median_s > 0 ? r->items / r->median_s : 0;
        for (int rep = 0; rep < r->reps; rep++) {
            fprintf(f, "%s    {\"name\": \"%s\", \"family_index\": %d, "
                       "\"per_family_instance_index\": 0, \"run_name\": \"%s\", "
                       "\"run_type\": \"iteration\", \"repetitions\": %d, "
                       "\"repetition_index\": %d, \"threads\": %d, \"iterations\": %ld, "
                       "\"real_time\": %.9g, \"cpu_time\": %.9g, \"time_unit\": \"ns\", "
                       "\"items_per_second\": %.9g}",
                    first ? "" : ",\n", name, i, name, r->reps, rep, r->threads, r->iters,
                    r->raw_wall[rep] * 1e9, r->raw_cpu[rep] * 1e9,
                    r->items > 0 && r->raw_wall[rep] > 0 ? r->items / r->raw_wall[rep] : 0);
            first = 0;
        }
        ds_stats cs;
        ds_stats_compute(r->raw_cpu, r->reps, &cs);
        struct {
            const char *agg;
            double real, cpu;
            const char *unit;
        } a[] = {{"mean", r->mean_s * 1e9, cs.mean * 1e9, "time"},
                 {"median", r->median_s * 1e9, cs.median * 1e9, "time"},
                 {"stddev", r->stddev_s * 1e9, cs.stddev * 1e9, "time"},
                 {"cv", r->cv, cs.cv, "percentage"}};
        for (int j = 0; j < 4; j++) {
            fprintf(f, ",\n    {\"name\": \"%s_%s\", \"family_index\": %d, "
                       "\"per_family_instance_index\": 0, \"run_name\": \"%s\", "
                       "\"run_type\": \"aggregate\", \"repetitions\": %d, \"threads\": %d, "
                       "\"aggregate_name\": \"%s\", \"aggregate_unit\": \"%s\", "
                       "\"iterations\": %d, \"real_time\": %.9g, \"cpu_time\": %.9g, "
                       "\"time_unit\": \"ns\"",
                    name, a[j].agg, i, name, r->reps, r->threads, a[j].agg, a[j].unit, r->reps,
                    a[j].real, a[j].cpu);
            if (j == 1)
                fprintf(f, ", \"items_per_second\": %.9g", ips);
            fprintf(f, "}");
        }
    }
    fprintf(f, "\n  ]\n}\n");
}

static void write_kernels_csv(const bench_state *st, FILE *f)
{
    fprintf(f, "%s\n", ds_bench_kernels_header());
    char line[2048];
    for (int i = 0; i < st->n_rows; i++) {
        ds_bench_row_csv(&st->rows[i].r, line, sizeof line);
        fputs(line, f);
    }
}

static void write_raw_csv(const bench_state *st, FILE *f)
{
    fprintf(f, "%s\n", ds_bench_raw_header());
    for (int i = 0; i < st->n_rows; i++) {
        const ds_bench_row *r = &st->rows[i].r;
        for (int rep = 0; rep < r->reps; rep++)
            fprintf(f, "%s,%s,%d,%ld,%ld,%ld,%ld,%d,%ld,%.9g,%.9g\n", r->kernel, r->isa,
                    r->threads, r->m, r->n, r->k, r->elems, rep, r->iters, r->raw_wall[rep],
                    r->raw_cpu[rep]);
    }
}

static void kv(FILE *f, const char *k, const char *v)
{
    char buf[1024];
    csv_field(buf, sizeof buf, v);
    fprintf(f, "%s,%s\n", k, buf);
}

static void kvn(FILE *f, const char *k, double v)
{
    fprintf(f, "%s,%.9g\n", k, v);
}

static void write_machine_csv(const bench_state *st, FILE *f)
{
    fprintf(f, "%s\n", ds_bench_machine_header());
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    kv(f, "host_name", host);
    kv(f, "deepsweep_version", DS_VERSION " (" DS_GIT_REV ")");
    kv(f, "build_type", build_type());
    kv(f, "cpu_model", st->topo.cpu_model);
    kvn(f, "packages", st->topo.packages);
    kvn(f, "cores", st->topo.cores);
    kvn(f, "pus", st->topo.pus);
    kvn(f, "numa_nodes", st->topo.numa_nodes);
    kvn(f, "l1d_bytes", (double)st->topo.l1d_bytes);
    kvn(f, "l1d_count", st->topo.l1d_count);
    kvn(f, "l2_bytes", (double)st->topo.l2_bytes);
    kvn(f, "l2_count", st->topo.l2_count);
    kvn(f, "l3_bytes", (double)st->topo.l3_bytes);
    kvn(f, "l3_count", st->topo.l3_count);
    kvn(f, "mhz_per_cpu", mhz_per_cpu());
    kv(f, "governor", st->governor);
    kv(f, "hypervisor", st->hypervisor[0] ? st->hypervisor : "none");
    kvn(f, "load_avg_start", st->load1);
    char isas[128] = "";
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if (ds_isa_available((ds_isa)i)) {
            size_t o = strlen(isas);
            snprintf(isas + o, sizeof isas - o, "%s%s", o ? " " : "", ds_isa_to_name((ds_isa)i));
        }
    kv(f, "isa_available", isas);
    kv(f, "isa_best", best_isa_name());
    kvn(f, "timer_resolution_s", st->cal.resolution_s);
    kvn(f, "timer_overhead_s", st->cal.overhead_s);
    kvn(f, "min_time_s", ds_timer_effective_min_time(&st->topts));
    kvn(f, "reps", st->topts.reps);
    kv(f, "omp_places", getenv("OMP_PLACES") ? getenv("OMP_PLACES") : "");
    kv(f, "omp_proc_bind", getenv("OMP_PROC_BIND") ? getenv("OMP_PROC_BIND") : "");
    for (int i = 0; i < st->n_placement; i++) {
        char key[32];
        snprintf(key, sizeof key, "placement_%d", i);
        kv(f, key, st->placement[i]);
    }
    kv(f, "openblas_detected_core", st->obl_detected);
    kv(f, "openblas_config", st->obl_config);
    kv(f, "openblas_baseline", st->obl_best);
    kv(f, "config", st->o->config_path ? st->o->config_path : "");
    for (int i = 0; i < SZ_COUNT; i++) {
        char key[32];
        snprintf(key, sizeof key, "size_%s_elems", size_names[i]);
        kvn(f, key, (double)st->sizes[i]);
    }
}

/* Writes path via a temporary name and rename(): a reader never sees half a
 * file. Returns 0 or -1 (errno set). */
static int write_file(const bench_state *st, const char *dir, const char *name,
                      void (*writer)(const bench_state *, FILE *))
{
    char path[1024], tmp[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    writer(st, f);
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0 || bad) {
        int e = errno;
        unlink(tmp);
        errno = e ? e : EIO;
        return -1;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* mkdir -p, then prove the folder is writable before any work is done. */
static int prepare_out(const char *dir, char *err, size_t errlen)
{
    char p[512];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: cannot create folder (%s)", p, strerror(errno));
                return -1;
            }
            *s = '/';
        }
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create folder (%s)", p, strerror(errno));
        return -1;
    }
    char probe[600];
    snprintf(probe, sizeof probe, "%s/.write-test.XXXXXX", p);
    int fd = mkstemp(probe);
    if (fd < 0) {
        snprintf(err, errlen, "%s: folder is not writable (%s)", p, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(probe);
    return 0;
}

/* ---- repeatability ---------------------------------------------------------- */

/* Compares this run's GEMM medians of >= 1 ms with the previous run's
 * kernels.csv in the same folder (same kernel, isa, threads and shape): the
 * acceptance test of two back-to-back runs agreeing within 5%. The first
 * nine columns never hold a comma, so a plain split is exact for them. */
static void compare_previous(bench_state *st)
{
    char path[600];
    snprintf(path, sizeof path, "%s/kernels.csv", st->o->out);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[2048];
    if (!fgets(line, sizeof line, f) || strncmp(line, "kernel,isa,threads,m,n,k,elems,reps,median_s", 44)) {
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        /* strsep keeps empty fields (n/a columns) in place; fields up to
         * cpu_median_s (23rd) never hold a comma. */
        char *fld[23], *p = line;
        int nf = 0;
        while (nf < 23 && p)
            fld[nf++] = strsep(&p, ",");
        if (nf < 23 || strncmp(fld[0], "gemm_", 5))
            continue;
        double prev = strtod(fld[8], NULL), prev_cpu = strtod(fld[22], NULL);
        const row_ext *x = find_row(st, fld[0], fld[1], atoi(fld[2]), atol(fld[3]), atol(fld[4]),
                                    atol(fld[5]), SZ_NONE);
        if (!x || !(prev > 0) || x->r.median_s < 1e-3 || prev < 1e-3)
            continue;
        /* One thread: process CPU time excludes the time the thread waited
         * for a core, so it separates "the kernel changed" from "the machine
         * was shared" (with more threads it also counts spin-waiting). */
        if (x->r.threads == 1 && prev_cpu > 0 && x->r.cpu_median_s > 0) {
            double d = fabs(x->r.cpu_median_s / prev_cpu - 1);
            st->rep_cpu_compared++;
            st->rep_cpu_over += d > 0.05;
            if (d > st->rep_cpu_max_dev)
                st->rep_cpu_max_dev = d;
        }
        double dev = fabs(x->r.median_s / prev - 1);
        st->rep_compared++;
        if (dev > 0.05)
            st->rep_over++;
        if (dev > st->rep_max_dev) {
            st->rep_max_dev = dev;
            snprintf(st->rep_worst, sizeof st->rep_worst, "%s/%s/t%d/%ldx%ldx%ld %.3f ms vs %.3f ms",
                     x->r.kernel, x->r.isa, x->r.threads, x->r.m, x->r.n, x->r.k,
                     x->r.median_s * 1e3, prev * 1e3);
        }
    }
    fclose(f);
    if (st->rep_over) {
        double la[1] = {0};
        getloadavg(la, 1);
        warnf(st, "repeatability: %d of %d GEMM rows >= 1 ms differ from the previous run in %s "
                  "by more than 5%% (worst %.1f%%: %s)%s", st->rep_over, st->rep_compared,
              st->o->out, 100 * st->rep_max_dev, st->rep_worst,
              st->load1 > 0.5 || la[0] > 0.5 ? "; load average above 0.5: other processes shared "
                                                "the cores" : "");
    }
}

/* ---- console --------------------------------------------------------------- */

static void fmt_time(double s, char *buf, size_t len)
{
    if (s >= 1)
        snprintf(buf, len, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(buf, len, "%.3f ms", s * 1e3);
    else
        snprintf(buf, len, "%.3f us", s * 1e6);
}

static void fmt_num(double v, const char *fmt, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, fmt, v);
    else
        snprintf(buf, len, "-");
}

static void print_console(const bench_state *st, FILE *f)
{
    const ds_topo *t = &st->topo;
    fprintf(f, "deepsweep bench %s (%s), build %s\n", DS_VERSION, DS_GIT_REV, build_type());
    fprintf(f, "cpu    %s: %d package(s), %d cores, %d PUs, %d NUMA node(s), %d MHz\n",
            t->cpu_model, t->packages, t->cores, t->pus, t->numa_nodes, mhz_per_cpu());
    fprintf(f, "cache  L1d %zu KiB x %d, L2 %zu KiB x %d, L3 %zu KiB x %d\n", t->l1d_bytes >> 10,
            t->l1d_count, t->l2_bytes >> 10, t->l2_count, t->l3_bytes >> 10, t->l3_count);
    fprintf(f, "isa    best %s; available:", best_isa_name());
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if (ds_isa_available((ds_isa)i))
            fprintf(f, " %s", ds_isa_to_name((ds_isa)i));
    fprintf(f, "\ntimer  CLOCK_MONOTONIC_RAW resolution %.0f ns, read overhead %.1f ns; "
               "repetition >= %.3g s, %d repetitions, median reported\n",
            st->cal.resolution_s * 1e9, st->cal.overhead_s * 1e9,
            ds_timer_effective_min_time(&st->topts), st->topts.reps);
    fprintf(f, "bind   OMP_PLACES=%s OMP_PROC_BIND=%s\n",
            getenv("OMP_PLACES") ? getenv("OMP_PLACES") : "(unset)",
            getenv("OMP_PROC_BIND") ? getenv("OMP_PROC_BIND") : "(unset)");
    for (int i = 0; i < st->n_placement; i++)
        fprintf(f, "       %s\n", st->placement[i]);
    if (st->obl_detected[0])
        fprintf(f, "oblas  OpenBLAS detects core %s; baseline = best core type: %s\n",
                st->obl_detected, st->obl_best[0] ? st->obl_best : "none");
    fprintf(f, "sizes  vectors: L1 %zu, L2 %zu, mem %zu floats\n", st->sizes[SZ_L1],
            st->sizes[SZ_L2], st->sizes[SZ_MEM]);

    char a[32], b[32], c[32], d[32], e[32], g[32];
    /* baselines */
    fprintf(f, "\n== Baselines (measured in this run)\n");
    fprintf(f, "%-10s %-9s %-4s %-8s %12s %12s %10s %6s   (rates from the fastest repetition)\n",
            "kernel", "isa", "thr", "size", "median", "GFLOP/s", "GB/s", "cv%");
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_BASE)
            continue;
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num(x->r.gflops, "%.1f", b, sizeof b);
        fmt_num(x->r.gbps, "%.1f", c, sizeof c);
        fprintf(f, "%-10s %-9s %-4d %-8s %12s %12s %10s %6.2f\n", x->r.kernel, x->r.isa,
                x->r.threads, x->size_class >= 0 ? size_names[x->size_class] : "-", a, b, c,
                100 * x->r.cv);
    }
    /* GEMM */
    int any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_GEMM)
            continue;
        if (!any++)
            fprintf(f, "\n== GEMM (C = A.B, beta 0; MLP shapes at batch 100: NN forward, NT dX, "
                       "TN dW; vs OBLAS = OpenBLAS median / ours, > 1 is faster)\n%-8s %-16s %-16s %-4s %12s %8s %9s %7s %9s %6s\n",
                    "kernel", "m x n x k", "isa", "thr", "median", "+-MAD%", "GFLOP/s",
                    "%peak", "vs OBLAS", "cv%");
        char shape[64];
        snprintf(shape, sizeof shape, "%ldx%ldx%ld", x->r.m, x->r.n, x->r.k);
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num(100 * x->r.mad_s / x->r.median_s, "%.2f", b, sizeof b);
        fmt_num(x->r.gflops, "%.1f", c, sizeof c);
        fmt_num(x->r.pct_peak, "%.1f", d, sizeof d);
        fmt_num(x->r.vs_openblas, "%.2fx", e, sizeof e);
        fmt_num(100 * x->r.cv, "%.2f", g, sizeof g);
        fprintf(f, "%-8s %-16s %-16s %-4d %12s %8s %9s %7s %9s %6s\n", x->r.kernel, shape,
                x->r.isa, x->r.threads, a, b, c, d, e, g);
    }
    /* element-wise */
    any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_ELEM)
            continue;
        if (!any++)
            fprintf(f, "\n== Element-wise kernels (GB/s counts compulsory traffic; %%copy = of "
                       "the copy baseline at the same size and threads)\n"
                       "%-17s %-12s %-9s %-4s %12s %9s %8s %7s %6s\n",
                    "kernel", "size", "isa", "thr", "median", "Gelem/s", "GB/s", "%copy", "cv%");
        char size[48];
        if (x->r.m && x->r.n)
            snprintf(size, sizeof size, "%ldx%ld", x->r.m, x->r.n);
        else
            snprintf(size, sizeof size, "%s %ld", x->size_class >= 0 ? size_names[x->size_class] : "",
                     x->r.elems);
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num((double)x->r.elems / x->r.median_s / 1e9, "%.3f", b, sizeof b);
        fmt_num(x->r.gbps, "%.1f", c, sizeof c);
        fmt_num(x->r.pct_bw, "%.1f", d, sizeof d);
        fprintf(f, "%-17s %-12s %-9s %-4d %12s %9s %8s %7s %6.2f\n", x->r.kernel, size, x->r.isa,
                x->r.threads, a, b, c, d, 100 * x->r.cv);
    }
    /* step */
    any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_STEP)
            continue;
        if (!any++)
            fprintf(f, "\n== Training step (forward + backward + Adam, batch 100, relu, "
                       "softmax-CE)\n%-12s %-20s %-9s %-4s %12s %10s %9s %7s %6s\n",
                    "kernel", "net", "isa", "thr", "median", "samples/s", "GFLOP/s", "%peak",
                    "cv%");
        fmt_time(x->r.median_s, a, sizeof a);
        fmt_num(MLP_BATCH / x->r.median_s, "%.0f", b, sizeof b);
        fmt_num(x->r.gflops, "%.1f", c, sizeof c);
        fmt_num(x->r.pct_peak, "%.1f", d, sizeof d);
        fprintf(f, "%-12s %-20s %-9s %-4d %12s %10s %9s %7s %6.2f\n", x->r.kernel,
                !strcmp(x->r.kernel, "step_xavier") ? "784-256-256-10" : "784-512x4-10",
                x->r.isa, x->r.threads, a, b, c, d, 100 * x->r.cv);
    }
    /* roofline: GEMM and step rows against min(peak, AI x memory bandwidth) */
    any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        if (x->family != FAM_GEMM || !(x->r.bytes > 0) || !strncmp(x->r.isa, "openblas-", 9))
            continue; /* core-type probes are in the GEMM table already */
        const char *pisa = strncmp(x->r.isa, "openblas", 8) ? x->r.isa : best_isa_name();
        double pk = peak_gflops(st, pisa, x->r.threads);
        const row_ext *cp = NULL;
        for (int j = 0; j < st->n_rows && !cp; j++)
            if (!strcmp(st->rows[j].r.kernel, "copy") && st->rows[j].size_class == SZ_MEM &&
                st->rows[j].r.threads == x->r.threads)
                cp = &st->rows[j];
        if (!isfinite(pk) || !cp)
            continue;
        double bw = cp->r.gbps;
        double ai = x->r.flops / x->r.bytes;
        double roof = ai * bw < pk ? ai * bw : pk;
        if (!any++)
            fprintf(f, "\n== Roofline (AI = flops / compulsory bytes; roof = min(FMA peak, AI x "
                       "copy GB/s at mem size))\n%-12s %-16s %-9s %-4s %8s %9s %9s %7s %-7s\n",
                    "kernel", "shape", "isa", "thr", "AI", "GFLOP/s", "roof", "%roof", "bound");
        char shape[64];
        if (x->family == FAM_STEP)
            snprintf(shape, sizeof shape, "batch 100");
        else
            snprintf(shape, sizeof shape, "%ldx%ldx%ld", x->r.m, x->r.n, x->r.k);
        fprintf(f, "%-12s %-16s %-9s %-4d %8.1f %9.1f %9.1f %7.1f %-7s\n", x->r.kernel, shape,
                x->r.isa, x->r.threads, ai, x->r.gflops, roof, 100 * x->r.gflops / roof,
                ai * bw < pk ? "memory" : "compute");
    }
    /* thread scaling: GEMM 2048 and the training steps, per ISA */
    any = 0;
    for (int i = 0; i < st->n_rows; i++) {
        const row_ext *x = &st->rows[i];
        int is_sq = x->family == FAM_GEMM && x->r.m == 2048 && x->r.n == 2048 && x->r.k == 2048;
        if (!(is_sq || x->family == FAM_STEP))
            continue;
        const row_ext *one = find_row(st, x->r.kernel, x->r.isa, 1, x->r.m, x->r.n, x->r.k, SZ_NONE);
        if (!one)
            continue;
        if (!any++)
            fprintf(f, "\n== Thread scaling (speedup = T1 / Tn, efficiency = speedup / n)\n"
                       "%-12s %-16s %-9s %-4s %12s %9s %10s\n",
                    "kernel", "shape", "isa", "thr", "median", "speedup", "efficiency");
        char shape[64];
        if (x->family == FAM_STEP)
            snprintf(shape, sizeof shape, "batch 100");
        else
            snprintf(shape, sizeof shape, "%ldx%ldx%ld", x->r.m, x->r.n, x->r.k);
        double sp = one->r.median_s / x->r.median_s;
        fmt_time(x->r.median_s, a, sizeof a);
        fprintf(f, "%-12s %-16s %-9s %-4d %12s %9.2f %9.1f%%\n", x->r.kernel, shape, x->r.isa,
                x->r.threads, a, sp, 100 * sp / x->r.threads);
    }
    if (st->rep_compared)
        fprintf(f, "\n== Repeatability: %d GEMM rows >= 1 ms compared with the previous run in "
                   "%s: max deviation of the median %.1f%% (%s); %d above 5%%\n",
                st->rep_compared, st->o->out, 100 * st->rep_max_dev,
                st->rep_worst[0] ? st->rep_worst : "-", st->rep_over);
    if (st->rep_cpu_compared)
        fprintf(f, "   process CPU time of the %d one-thread rows: max deviation %.1f%%; %d above "
                   "5%%\n", st->rep_cpu_compared, 100 * st->rep_cpu_max_dev, st->rep_cpu_over);
    if (st->n_notes) {
        fprintf(f, "\n== Notes\n");
        for (int i = 0; i < st->n_notes; i++)
            fprintf(f, "%s\n", st->notes[i]);
    }
    if (st->n_warnings) {
        fprintf(f, "\n");
        for (int i = 0; i < st->n_warnings; i++)
            fprintf(f, "***WARNING*** %s\n", st->warnings[i]);
    }
}

static void csv_to_stdout(const bench_state *st, FILE *f) { write_kernels_csv(st, f); }

/* ---- the run --------------------------------------------------------------- */

/* Baselines: FMA peak per ISA measured (and the best ISA always, the
 * machine's peak OpenBLAS is compared with), copy and triad. Returns 0, or
 * 1 when out of memory. */
static int run_baselines(bench_state *st, unsigned isas, const int *threads, int nt)
{
    int rc = 0;
    for (int i = 0; i < DS_ISA_COUNT && rc == 0; i++) {
        ds_isa isa = (ds_isa)i;
        if (!ds_isa_available(isa) || (!(isas & (1u << i)) && isa != ds_isa_best()))
            continue;
        for (int ti = 0; ti < nt; ti++) {
            peak_ctx pc = {isa, threads[ti], 0};
            row_ext *x = new_row(st);
            if (!x) {
                rc = 1;
                break;
            }
            x->family = FAM_BASE;
            snprintf(x->r.kernel, sizeof x->r.kernel, "fma_peak");
            snprintf(x->r.isa, sizeof x->r.isa, "%s", ds_isa_to_name(isa));
            x->r.threads = threads[ti];
            float s1 = 0;
            x->r.flops = ds_fma_peak_run(isa, PEAK_CHUNK, &s1) * threads[ti];
            x->r.items = x->r.flops;
            int m = measure(st, x, peak_fn, &pc, 0);
            if (m < 0)
                rc = 1;
            else if (m == 0)
                x->r.checksum = pc.sink;
        }
    }
    for (int sz = 0; sz < SZ_COUNT && rc == 0; sz++)
        for (int triad = 0; triad < 2 && rc == 0; triad++)
            for (int ti = 0; ti < nt && rc == 0; ti++) {
                stream_ctx sc;
                if (stream_init(&sc, st->sizes[sz], threads[ti], triad) != 0) {
                    stream_free(&sc);
                    rc = 1;
                    break;
                }
                row_ext *x = new_row(st);
                if (!x) {
                    rc = 1;
                    break;
                }
                x->family = FAM_BASE;
                x->size_class = sz;
                snprintf(x->r.kernel, sizeof x->r.kernel, "%s", triad ? "triad" : "copy");
                snprintf(x->r.isa, sizeof x->r.isa, "%s", "baseline");
                snprintf(x->r.note, sizeof x->r.note, "%s", size_names[sz]);
                x->r.threads = threads[ti];
                x->r.elems = (long)st->sizes[sz];
                x->r.bytes = (triad ? 12.0 : 8.0) * (double)st->sizes[sz];
                x->r.flops = triad ? 2.0 * (double)st->sizes[sz] : 0;
                x->r.items = (double)st->sizes[sz];
                int m = measure(st, x, stream_fn, &sc, 0);
                if (m < 0)
                    rc = 1;
                else if (m == 0)
                    x->r.checksum = ds_sumsq(sc.a, sc.n);
                stream_free(&sc);
            }

    return rc;
}

/* A second pass of the baselines after the kernels: a peak is an upper
 * bound, so each baseline keeps the faster of its two measurements (the
 * machine may have been busier at the start than later). */
static int rerun_baselines(bench_state *st, unsigned isas, const int *threads, int nt)
{
    int first = st->n_rows, improved = 0;
    int rc = run_baselines(st, isas, threads, nt);
    for (int j = first; j < st->n_rows; j++) {
        row_ext *y = &st->rows[j];
        for (int i = 0; i < first; i++) {
            row_ext *x = &st->rows[i];
            if (x->family != FAM_BASE || strcmp(x->r.kernel, y->r.kernel) ||
                strcmp(x->r.isa, y->r.isa) || x->r.threads != y->r.threads ||
                x->size_class != y->size_class)
                continue;
            if (y->r.min_s < x->r.min_s) {
                row_ext t = *x;
                *x = *y;
                *y = t; /* the slower one is freed below */
                improved++;
            }
            break;
        }
        free(y->r.raw_wall);
    }
    st->n_rows = first;
    if (improved)
        notef(st, "%d baseline(s) were faster when measured again after the kernels: the later "
                  "measurement is kept", improved);
    return rc;
}



static void log_placement(bench_state *st, const int *threads, int nt)
{
    int omp_bind = omp_get_proc_bind() != omp_proc_bind_false;
    for (int i = 0; i < nt && st->n_placement < DS_BENCH_MAX_THREADS_LIST; i++) {
        int n = threads[i];
        ds_thread_place pl[1024];
        if (n > 1024)
            continue;
        /* OpenMP binding off but one thread per core wanted: bind with hwloc. */
        int loose = ds_topo_thread_places(n, st->o->bind_core && !omp_bind, pl);
        char *s = st->placement[st->n_placement++];
        size_t o = (size_t)snprintf(s, sizeof st->placement[0], "%d thread(s):", n);
        for (int j = 0; j < n && o < sizeof st->placement[0]; j++)
            o += (size_t)snprintf(s + o, sizeof st->placement[0] - o, " t%d->PU%d%s", j, pl[j].pu,
                                  pl[j].one_core ? "" : "(unbound)");
        if (st->o->bind_core && loose > 0)
            warnf(st, "binding one thread per core was refused or not applied for %d of %d "
                      "threads: the scheduler may move them (OMP_PLACES/OMP_PROC_BIND, cgroup "
                      "cpuset?)", loose, n);
    }
}

int ds_bench_run(const ds_bench_opts *o)
{
    bench_state *st = calloc(1, sizeof *st);
    if (!st) {
        fprintf(stderr, "deepsweep: bench: out of memory\n");
        return 1;
    }
    st->o = o;
    char err[700];
    if (prepare_out(o->out, err, sizeof err) != 0) {
        fprintf(stderr, "deepsweep: bench: %s\n", err);
        free(st);
        return 1;
    }
    st->clock = ds_clock_system();
    ds_timer_calibrate(&st->clock, &st->cal);
    st->topts = o->timer;
    st->topts.resolution = st->cal.resolution_s;
    st->topo_ok = ds_topo_read(&st->topo) == 0;
    read_governor(st);
    read_hypervisor(st);
    collect_warnings_start(st);

    /* Vector sizes: two arrays (in + out) filling half of L1 / half of L2, and
     * for memory 16 M floats or 4x the last-level cache, whichever is larger. */
    size_t l1 = st->topo.l1d_bytes ? st->topo.l1d_bytes : 32768;
    size_t l2 = st->topo.l2_bytes ? st->topo.l2_bytes : 524288;
    size_t l3 = st->topo.l3_bytes * (size_t)(st->topo.l3_count > 0 ? st->topo.l3_count : 1);
    st->sizes[SZ_L1] = l1 / 16;
    st->sizes[SZ_L2] = l2 / 16;
    st->sizes[SZ_MEM] = (size_t)16 << 20;
    size_t four_l3_in_floats = l3; /* 4 x l3 bytes / 4 bytes per float */
    if (four_l3_in_floats > st->sizes[SZ_MEM])
        st->sizes[SZ_MEM] = four_l3_in_floats;
    if (o->quick)
        st->sizes[SZ_MEM] = (size_t)4 << 20;

    int threads[DS_BENCH_MAX_THREADS_LIST];
    int nt = thread_list(o, st, threads);
    log_placement(st, threads, nt);

    unsigned isas = o->isas ? o->isas : (((1u << DS_ISA_COUNT) - 1) | DS_BENCH_OPENBLAS_BIT);
    if (!o->isas) /* "all": what this machine has */
        for (int i = 0; i < DS_ISA_COUNT; i++)
            if (!ds_isa_available((ds_isa)i))
                isas &= ~(1u << i);
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if ((isas & (1u << i)) && !ds_isa_available((ds_isa)i)) {
            notef(st, "isa %s: not available on this CPU/OS/build, skipped", ds_isa_to_name((ds_isa)i));
            isas &= ~(1u << i);
        }
    ds_isa saved_isa = ds_isa_current();
    int rc = 0;

    /* 1. Baselines (measured again at the end, see rerun_baselines). */
    rc = run_baselines(st, isas, threads, nt);

    /* 2. OpenBLAS in child processes (one per core type probed). */
    if (rc == 0 && (isas & DS_BENCH_OPENBLAS_BIT) && (o->kernels & DS_BK_GEMM))
        run_openblas(st, threads, nt);

    /* 3. Our kernels, per ISA. */
    gemm_case gcs[64];
    int ng = gemm_cases(o, gcs, 64);
    for (int i = 0; i < DS_ISA_COUNT && rc == 0; i++) {
        ds_isa isa = (ds_isa)i;
        if (!(isas & (1u << i)))
            continue;
        ds_isa_set(isa);
        const char *iname = ds_isa_to_name(isa);
        if (o->kernels & DS_BK_GEMM)
            for (int gi = 0; gi < ng && rc == 0; gi++) {
                gemm_ctx g;
                if (gemm_ctx_init(&g, &gcs[gi]) != 0) {
                    gemm_ctx_free(&g);
                    rc = 1;
                    break;
                }
                for (int ti = 0; ti < nt && rc == 0; ti++) {
                    row_ext *x = new_row(st);
                    if (!x) {
                        rc = 1;
                        break;
                    }
                    x->family = FAM_GEMM;
                    gemm_row_fill(&x->r, &gcs[gi]);
                    snprintf(x->r.isa, sizeof x->r.isa, "%s", iname);
                    x->r.threads = threads[ti];
                    /* Lower bound of one call: at the best rate this ISA and thread
                     * count reached on an earlier GEMM row, or else at FMA peak. */
                    double rate = peak_gflops(st, iname, threads[ti]);
                    double seen = 0;
                    for (int j = 0; j < st->n_rows - 1; j++) {
                        const ds_bench_row *p = &st->rows[j].r;
                        if (st->rows[j].family == FAM_GEMM && !strcmp(p->isa, iname) &&
                            p->threads == threads[ti] && p->median_s > 0 &&
                            p->flops / p->median_s / 1e9 > seen)
                            seen = p->flops / p->median_s / 1e9;
                    }
                    if (seen > 0)
                        rate = seen;
                    double est = isfinite(rate) && rate > 0 ? x->r.flops / (rate * 1e9) : 0;
                    int m = measure(st, x, gemm_fn, &g, est);
                    if (m < 0)
                        rc = 1;
                    else if (m == 0)
                        x->r.checksum = ds_sumsq(g.c, (size_t)g.gc.m * (size_t)g.gc.n);
                }
                gemm_ctx_free(&g);
            }
        if (o->kernels & DS_BK_ACT)
            for (int a = 0; a < DS_ACT_COUNT && rc == 0; a++) {
                if (!(o->acts & (1u << a)))
                    continue;
                for (int sz = 0; sz < SZ_COUNT && rc == 0; sz++)
                    for (int bwd = 0; bwd < 2 && rc == 0; bwd++) {
                        size_t n = st->sizes[sz];
                        act_ctx ac = {(ds_act)a, ds_act_row_of((ds_act)a)->param_default, bwd,
                                      falloc(n), falloc(n), falloc(n), falloc(n), n};
                        if (!ac.x || !ac.y || !ac.dy || !ac.dx)
                            rc = 1;
                        else {
                            fill(ac.x, n, 4, -4, 4);
                            ds_act_forward(ac.act, ac.param, ac.x, ac.y, n);
                            fill(ac.dy, n, 5, -1, 1);
                            memset(ac.dx, 0, n * sizeof(float));
                        }
                        for (int ti = 0; ti < nt && rc == 0; ti++) {
                            row_ext *x = new_row(st);
                            if (!x) {
                                rc = 1;
                                break;
                            }
                            x->family = FAM_ELEM;
                            x->size_class = sz;
                            snprintf(x->r.kernel, sizeof x->r.kernel, "%s_%s",
                                     ds_act_to_name((ds_act)a), bwd ? "bwd" : "fwd");
                            snprintf(x->r.isa, sizeof x->r.isa, "%s", iname);
                            snprintf(x->r.note, sizeof x->r.note, "%s", size_names[sz]);
                            x->r.threads = threads[ti];
                            x->r.elems = (long)n;
                            /* forward reads x, writes y; backward reads x, y, dy, writes dx */
                            x->r.bytes = (bwd ? 16.0 : 8.0) * (double)n;
                            x->r.items = (double)n;
                            int m = measure(st, x, act_fn, &ac, 0);
                            if (m < 0)
                                rc = 1;
                            else if (m == 0)
                                x->r.checksum = ds_sumsq(bwd ? ac.dx : ac.y, n);
                        }
                        free(ac.x);
                        free(ac.y);
                        free(ac.dy);
                        free(ac.dx);
                    }
            }
        if (o->kernels & DS_BK_SOFTMAX) {
            static const int sm[][2] = {{100, 10}, {1000, 1000}};
            for (size_t si = 0; si < sizeof sm / sizeof sm[0] && rc == 0; si++) {
                softmax_ctx sc = {sm[si][0], sm[si][1], falloc((size_t)sm[si][0] * sm[si][1]),
                                  falloc((size_t)sm[si][0] * sm[si][1]),
                                  malloc((size_t)sm[si][0] * sizeof(int32_t)), 0};
                if (!sc.z || !sc.dz || !sc.labels)
                    rc = 1;
                else {
                    fill(sc.z, (size_t)sc.m * sc.n, 6, -5, 5);
                    for (int r = 0; r < sc.m; r++)
                        sc.labels[r] = r % sc.n;
                }
                for (int ti = 0; ti < nt && rc == 0; ti++) {
                    row_ext *x = new_row(st);
                    if (!x) {
                        rc = 1;
                        break;
                    }
                    x->family = FAM_ELEM;
                    size_t e = (size_t)sc.m * sc.n;
                    x->size_class = e * 8 <= l1 / 2 ? SZ_L1 : e * 8 <= l2 / 2 ? SZ_L2 : SZ_MEM;
                    snprintf(x->r.kernel, sizeof x->r.kernel, "softmax_xent");
                    snprintf(x->r.isa, sizeof x->r.isa, "%s", iname);
                    x->r.threads = threads[ti];
                    x->r.m = sc.m, x->r.n = sc.n, x->r.elems = (long)e;
                    x->r.bytes = 8.0 * (double)e + 4.0 * sc.m; /* z in, dz out, labels */
                    x->r.items = (double)e;
                    int m = measure(st, x, softmax_fn, &sc, 0);
                    if (m < 0)
                        rc = 1;
                    else if (m == 0)
                        x->r.checksum = sc.loss;
                }
                free(sc.z);
                free(sc.dz);
                free(sc.labels);
            }
        }
        if (o->kernels & DS_BK_DROPOUT)
            for (int sz = SZ_L2; sz < SZ_COUNT && rc == 0; sz++) {
                size_t n = st->sizes[sz];
                dropout_ctx dc = {falloc(n), n, 0, 0};
                if (!dc.x) {
                    rc = 1;
                    break;
                }
                fill(dc.x, n, 7, -1, 1);
                for (int ti = 0; ti < nt && rc == 0; ti++) {
                    row_ext *x = new_row(st);
                    if (!x) {
                        rc = 1;
                        break;
                    }
                    x->family = FAM_ELEM;
                    x->size_class = sz;
                    snprintf(x->r.kernel, sizeof x->r.kernel, "dropout");
                    snprintf(x->r.isa, sizeof x->r.isa, "%s", iname);
                    snprintf(x->r.note, sizeof x->r.note, "%s p=0.3", size_names[sz]);
                    x->r.threads = threads[ti];
                    x->r.elems = (long)n;
                    x->r.bytes = 8.0 * (double)n;
                    x->r.items = (double)n;
                    int m = measure(st, x, dropout_fn, &dc, 0);
                    if (m < 0)
                        rc = 1;
                    else if (m == 0)
                        x->r.checksum = (double)dc.kept;
                }
                free(dc.x);
            }
        if (o->kernels & DS_BK_STEP)
            for (size_t ni = 0; ni < sizeof nets / sizeof nets[0] && rc == 0; ni++) {
                step_ctx sc;
                if (step_init(&sc, &nets[ni]) != 0) {
                    step_free(&sc);
                    rc = 1;
                    break;
                }
                for (int ti = 0; ti < nt && rc == 0; ti++) {
                    row_ext *x = new_row(st);
                    if (!x) {
                        rc = 1;
                        break;
                    }
                    x->family = FAM_STEP;
                    snprintf(x->r.kernel, sizeof x->r.kernel, "%s", nets[ni].name);
                    snprintf(x->r.isa, sizeof x->r.isa, "%s", iname);
                    snprintf(x->r.note, sizeof x->r.note, "batch 100; items = samples; flops = "
                                                          "GEMM flops only");
                    x->r.threads = threads[ti];
                    x->r.m = MLP_BATCH;
                    x->r.n = sc.m.dims[sc.m.n_layers];
                    x->r.k = sc.m.dims[0];
                    x->r.elems = (long)sc.m.n_params;
                    x->r.flops = step_flops(&sc.m);
                    /* parameters, gradients and Adam state: each read/written once */
                    x->r.bytes = 4.0 * 6.0 * (double)sc.m.n_params;
                    x->r.items = MLP_BATCH;
                    int m = measure(st, x, step_fn, &sc, 0);
                    if (m < 0)
                        rc = 1;
                    else if (m == 0)
                        x->r.checksum = sc.loss;
                }
                step_free(&sc);
            }
    }
    ds_isa_set(saved_isa);
    if (rc == 0)
        rc = rerun_baselines(st, isas, threads, nt);
    if (rc != 0) {
        fprintf(stderr, "deepsweep: bench: out of memory\n");
        goto done;
    }

    derive(st);
    compare_previous(st);
    static const struct {
        const char *name;
        void (*w)(const bench_state *, FILE *);
    } files[] = {{"kernels.csv", write_kernels_csv},
                 {"raw.csv", write_raw_csv},
                 {"machine.csv", write_machine_csv},
                 {"kernels.json", write_json}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (write_file(st, o->out, files[i].name, files[i].w) != 0) {
            fprintf(stderr, "deepsweep: bench: %s/%s: cannot write (%s)\n", o->out, files[i].name,
                    strerror(errno));
            rc = 1;
            goto done;
        }
    if (o->format == DS_BF_JSON)
        write_json(st, stdout);
    else if (o->format == DS_BF_CSV)
        csv_to_stdout(st, stdout);
    else
        print_console(st, stdout);
    if (o->format != DS_BF_CONSOLE)
        for (int i = 0; i < st->n_warnings; i++)
            fprintf(stderr, "***WARNING*** %s\n", st->warnings[i]);
    if (!o->quiet)
        fprintf(stderr, "bench: wrote %s/kernels.csv, raw.csv, machine.csv, kernels.json\n", o->out);
done:
    for (int i = 0; i < st->n_rows; i++)
        free(st->rows[i].r.raw_wall);
    free(st->rows);
    free(st);
    return rc;
}
