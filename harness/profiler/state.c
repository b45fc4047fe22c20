/* The profiler's row table, notes and warnings, and the look-ups the other
 * parts share. See profiler.h. */
#include "profiler.h"

#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const bench_size_names[SZ_COUNT] = {"L1", "L2", "mem"};

void bench_warnf(bench_state *st, const char *fmt, ...)
{
    if (st->n_warnings >= 64)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->warnings[st->n_warnings++], sizeof st->warnings[0], fmt, ap);
    va_end(ap);
}

void bench_notef(bench_state *st, const char *fmt, ...)
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

row_ext *bench_new_row(bench_state *st)
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

const row_ext *bench_find_row(const bench_state *st, const char *kernel, const char *isa,
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

double bench_peak_gflops(const bench_state *st, const char *isa, int threads)
{
    const row_ext *x = bench_find_row(st, "fma_peak", isa, threads, 0, 0, 0, SZ_NONE);
    return x ? x->r.gflops : NAN;
}

const char *bench_best_isa_name(void) { return ds_isa_to_name(ds_isa_best()); }

const char *bench_peak_isa(const row_ext *x)
{
    if (strncmp(x->r.isa, "openblas", 8))
        return x->r.isa;
    return strcmp(x->r.isa, BENCH_OBL_AVX2_ISA) ? bench_best_isa_name()
                                                : ds_isa_to_name(DS_ISA_AVX2);
}

void bench_obl_text(const obl_baseline *b, char *buf, size_t len)
{
    if (b->isa[0])
        snprintf(buf, len, "%s (OPENBLAS_CORETYPE=%s)", b->core, b->coretype);
    else
        snprintf(buf, len, "none");
}

void bench_shape_text(const ds_bench_row *r, char *buf, size_t len)
{
    if (r->m && r->n && r->k)
        snprintf(buf, len, "%ldx%ldx%ld", r->m, r->n, r->k);
    else if (r->m && r->n)
        snprintf(buf, len, "%ldx%ld", r->m, r->n);
    else
        snprintf(buf, len, "%ld", r->elems);
}

float *bench_falloc(size_t n)
{
    if (n > SIZE_MAX / sizeof(float))
        return NULL;
    return ds_aligned_alloc(n * sizeof(float));
}

void bench_fill(float *x, size_t n, uint32_t seed, float lo, float hi)
{
    uint32_t s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = lo + (hi - lo) * (float)(s >> 8) * (1.0f / 16777216.0f);
    }
}

int bench_pus(const bench_state *st)
{
    return st->topo_ok && st->topo.pus > 0 ? st->topo.pus : omp_get_num_procs();
}
