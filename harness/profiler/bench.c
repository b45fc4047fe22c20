/* `deepsweep bench`: the order of the profile's phases. See bench.h, and
 * profiler.h for the parts.
 *
 * Every case is a (kernel, isa, threads, shape) measured by timer.c. Derived
 * figures are computed after all cases ran, from baselines measured in the
 * same run (before the kernels and again after them). */
#include "profiler.h"

#include <errno.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

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

static int thread_list(const bench_state *st, int *out)
{
    const ds_bench_opts *o = st->o;
    if (o->n_threads > 0) {
        memcpy(out, o->threads, (size_t)o->n_threads * sizeof *out);
        return o->n_threads;
    }
    int pus = bench_pus(st), n = 0;
    for (int t = 1; t <= pus && n < DS_BENCH_MAX_THREADS_LIST; t++)
        out[n++] = t;
    return n;
}

/* Where each thread count's threads run, for the record. */
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
            bench_warnf(st, "binding one thread per core was refused or not applied for %d of %d "
                            "threads: the scheduler may move them (OMP_PLACES/OMP_PROC_BIND, "
                            "cgroup cpuset?)", loose, n);
    }
}

/* The ISAs to measure (bits 1u << ds_isa, | DS_BENCH_OPENBLAS_BIT): "all"
 * is what this machine has; one asked for but missing is dropped, noted. */
static unsigned isa_set(bench_state *st)
{
    const ds_bench_opts *o = st->o;
    unsigned isas = o->isas ? o->isas : (((1u << DS_ISA_COUNT) - 1) | DS_BENCH_OPENBLAS_BIT);
    if (!o->isas)
        for (int i = 0; i < DS_ISA_COUNT; i++)
            if (!ds_isa_available((ds_isa)i))
                isas &= ~(1u << i);
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if ((isas & (1u << i)) && !ds_isa_available((ds_isa)i)) {
            bench_notef(st, "isa %s: not available on this CPU/OS/build, skipped",
                        ds_isa_to_name((ds_isa)i));
            isas &= ~(1u << i);
        }
    return isas;
}

/* Baselines, OpenBLAS, our kernels per ISA, baselines again. 0, or -1 out
 * of memory. */
static int measure_all(bench_state *st, unsigned isas, const int *threads, int nt)
{
    if (bench_run_baselines(st, isas, threads, nt) != 0)
        return -1;
    if ((isas & DS_BENCH_OPENBLAS_BIT) && (st->o->kernels & DS_BK_GEMM))
        bench_run_openblas(st, isas, threads, nt);
    ds_isa saved = ds_isa_current();
    int rc = 0;
    for (int i = 0; i < DS_ISA_COUNT && rc == 0; i++) {
        if (!(isas & (1u << i)))
            continue;
        ds_isa_set((ds_isa)i);
        rc = bench_run_kernels(st, ds_isa_to_name((ds_isa)i), threads, nt);
    }
    ds_isa_set(saved);
    if (rc == 0)
        rc = bench_rerun_baselines(st, isas, threads, nt);
    return rc;
}

/* The four files, then stdout in the chosen format. 0, or 1 on a write error. */
static int report(const bench_state *st)
{
    const ds_bench_opts *o = st->o;
    static const struct {
        const char *name;
        void (*w)(const bench_state *, FILE *);
    } files[] = {{"kernels.csv", bench_write_kernels_csv},
                 {"raw.csv", bench_write_raw_csv},
                 {"machine.csv", bench_write_machine_csv},
                 {"kernels.json", bench_write_json}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (bench_write_file(st, o->out, files[i].name, files[i].w) != 0) {
            fprintf(stderr, "deepsweep: bench: %s/%s: cannot write (%s)\n", o->out, files[i].name,
                    strerror(errno));
            return 1;
        }
    if (o->format == DS_BF_JSON)
        bench_write_json(st, stdout);
    else if (o->format == DS_BF_CSV)
        bench_write_kernels_csv(st, stdout);
    else
        bench_print_console(st, stdout);
    if (o->format != DS_BF_CONSOLE)
        for (int i = 0; i < st->n_warnings; i++)
            fprintf(stderr, "***WARNING*** %s\n", st->warnings[i]);
    if (!o->quiet)
        fprintf(stderr, "bench: wrote %s/kernels.csv, raw.csv, machine.csv, kernels.json\n", o->out);
    return 0;
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
    if (bench_prepare_out(o->out, err, sizeof err) != 0) {
        fprintf(stderr, "deepsweep: bench: %s\n", err);
        free(st);
        return 1;
    }
    st->clock = ds_clock_system();
    ds_timer_calibrate(&st->clock, &st->cal);
    st->topts = o->timer;
    st->topts.resolution = st->cal.resolution_s;
    bench_read_machine(st);

    int threads[DS_BENCH_MAX_THREADS_LIST];
    int nt = thread_list(st, threads);
    log_placement(st, threads, nt);
    unsigned isas = isa_set(st);
    int rc = 0;
    if (measure_all(st, isas, threads, nt) != 0) {
        fprintf(stderr, "deepsweep: bench: out of memory\n");
        rc = 1;
    } else {
        bench_derive(st);
        bench_compare_previous(st);
        rc = report(st);
    }
    for (int i = 0; i < st->n_rows; i++)
        free(st->rows[i].r.raw_wall);
    free(st->rows);
    free(st);
    return rc;
}
