/* OpenBLAS rows of `deepsweep bench`: the worker (a child process started
 * through openblas.c) measures every GEMM case with timer.c and prints one
 * line per row; the parent reads them into the row table.
 *
 * The worker line format: "CORE\t<name>\t<config>" first, then per case a
 * "ROW" line with every field, raw repetitions included, tab-separated, or a
 * "SKIP\t<why>" line; "NOLIB\t<why>" when the library cannot be loaded. */
#include "gemm_cases.h"
#include "openblas.h"
#include "profiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

typedef struct {
    const ds_openblas *ob;
    ds_clock clock;
    ds_timer_opts topts;
    const ds_bench_opts *o;
    char isa[32]; /* openblas-<core, lower case> */
} worker;

/* One case at t threads: a ROW or SKIP line. 0, or -1 out of memory. */
static int worker_case(const worker *w, const gemm_case *gc, int t)
{
    gemm_ctx g;
    if (gemm_ctx_init(&g, gc) != 0) {
        gemm_ctx_free(&g);
        return -1;
    }
    g.ob = w->ob;
    ds_bench_row r;
    memset(&r, 0, sizeof r);
    gemm_row_fill(&r, gc);
    snprintf(r.isa, sizeof r.isa, "%s", w->isa);
    r.threads = t;
    double t0 = w->clock.wall(NULL);
    gemm_fn(&g, 1);
    double call = w->clock.wall(NULL) - t0;
    double need = ds_timer_effective_min_time(&w->topts);
    int rc = 0;
    if ((w->topts.reps + 2) * (call > need ? call : need) + call > w->o->max_case_s) {
        printf("SKIP\t%s t%d %dx%dx%d skipped: one call takes %.2f s (budget %.0f s)\n",
               gc->kname, t, gc->m, gc->n, gc->k, call, w->o->max_case_s);
    } else {
        ds_measurement meas;
        if (ds_timer_measure(&w->clock, &w->topts, gemm_fn, &g, &meas) != 0 ||
            bench_take_measurement(&r, &meas) != 0)
            rc = -1;
        else {
            ds_measurement_free(&meas);
            r.checksum = gemm_checksum(&g);
            worker_print_row(&r);
            free(r.raw_wall);
        }
    }
    gemm_ctx_free(&g);
    return rc;
}

int ds_bench_openblas_worker(const char *cases, const ds_bench_opts *o)
{
    ds_openblas ob;
    char err[512];
    if (ds_openblas_load(&ob, err, sizeof err) != 0) {
        printf("NOLIB\t%s\n", err);
        return 0;
    }
    printf("CORE\t%s\t%s\n", ob.core, ob.config);
    fflush(stdout);
    worker w = {&ob, ds_clock_system(), o->timer, o, "openblas-"};
    ds_timer_calib cal;
    ds_timer_calibrate(&w.clock, &cal);
    w.topts.resolution = cal.resolution_s;
    for (size_t i = 9, j = 0; ob.core[j] && i + 1 < sizeof w.isa; j++)
        w.isa[i++] = (char)(ob.core[j] >= 'A' && ob.core[j] <= 'Z' ? ob.core[j] - 'A' + 'a'
                                                                   : ob.core[j]),
        w.isa[i] = 0;
    for (int ti = 0; ti < o->n_threads; ti++) {
        int t = o->threads[ti];
        if (ob.set_threads)
            ob.set_threads(t);
        for (const char *p = cases; *p;) {
            char kind[3] = {0};
            int m, n, k, used = 0;
            if (sscanf(p, "%2[a-z]:%d:%d:%d%n", kind, &m, &n, &k, &used) != 4)
                return 2;
            p += used;
            if (*p == ',')
                p++;
            gemm_case gc = {"", kind[0] == 't' ? DS_TRANS : DS_NOTRANS,
                            kind[1] == 't' ? DS_TRANS : DS_NOTRANS, m, n, k};
            snprintf(gc.kname, sizeof gc.kname, "gemm_%s", kind);
            if (worker_case(&w, &gc, t) != 0)
                return 1;
        }
    }
    return 0;
}

/* ---- the parent ------------------------------------------------------------- */

typedef struct {
    const char *core;   /* OPENBLAS_CORETYPE, NULL: as detected */
    const char *rename; /* isa name for its rows, NULL: openblas-<core> */
    char detected[64];  /* the core the child reported ("" if it failed) */
    double logsum;      /* of the rows' GFLOP/s */
    int nrows;
} child_run;

/* One "ROW" line into the table. 0, or -1 out of memory. */
static int take_row(bench_state *st, child_run *cr, char *line)
{
    row_ext *x = bench_new_row(st);
    if (!x)
        return -1;
    if (worker_parse_row(line, &x->r) != 0) {
        st->n_rows--;
        return 0;
    }
    x->family = FAM_GEMM;
    x->probe = !cr->rename;
    if (cr->rename)
        snprintf(x->r.isa, sizeof x->r.isa, "%s", cr->rename);
    snprintf(x->r.note, sizeof x->r.note, "OPENBLAS_CORETYPE=%s core=%s",
             cr->core ? cr->core : "(detected)", cr->detected);
    cr->logsum += log(x->r.flops / x->r.median_s / 1e9);
    cr->nrows++;
    st->case_no++;
    if (!st->o->quiet) {
        char shape[64];
        bench_shape_text(&x->r, shape, sizeof shape);
        fprintf(stderr, "bench: %3d %-14s %-9s t%-2d %-14s %11.4g ms  cv %5.2f%%  (%s)\n",
                st->case_no, x->r.kernel, x->r.isa, x->r.threads, shape, x->r.median_s * 1e3,
                100 * x->r.cv, cr->detected);
    }
    return 0;
}

/* One line of the worker's output. 0, or -1 out of memory. */
static int take_line(bench_state *st, child_run *cr, char *line)
{
    const char *label = cr->core ? cr->core : "as detected";
    if (!strncmp(line, "CORE\t", 5)) {
        char *tab = strchr(line + 5, '\t');
        if (tab)
            *tab = 0;
        snprintf(cr->detected, sizeof cr->detected, "%s", line + 5);
        if (!cr->core) {
            char *cfg = tab ? tab + 1 : (char *)"";
            cfg[strcspn(cfg, "\n")] = 0;
            snprintf(st->obl_config, sizeof st->obl_config, "%s", cfg);
        }
    } else if (!strncmp(line, "NOLIB\t", 6)) {
        line[strcspn(line, "\n")] = 0;
        bench_notef(st, "OpenBLAS not available (%s): baseline skipped (scripts/install-deps.sh "
                        "bench)", line + 6);
    } else if (!strncmp(line, "SKIP\t", 5)) {
        line[strcspn(line, "\n")] = 0;
        bench_notef(st, "openblas (%s) %s", label, line + 5);
    } else if (!strncmp(line, "ROW\t", 4)) {
        return take_row(st, cr, line);
    }
    return 0;
}

/* Runs this executable as an OpenBLAS worker for cr->core on `cases` at the
 * given thread counts and timer options; adds its rows. Returns the
 * geometric mean GFLOP/s of its rows (0 if none); cr->detected is "" when
 * the child failed. */
static double run_child(bench_state *st, child_run *cr, const char *cases, const int *threads,
                        int n_threads, const ds_timer_opts *topts)
{
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
    cr->detected[0] = 0;
    ds_openblas_child c;
    if (ds_openblas_child_start(&c, NULL, cr->core, argv, 0) != 0)
        return 0;
    fclose(c.to); /* the worker reads nothing */
    c.to = NULL;
    size_t cap = 1 << 16;
    char *line = malloc(cap);
    int oom = !line;
    while (!oom && fgets(line, (int)cap, c.from))
        oom = take_line(st, cr, line) != 0;
    free(line);
    char why[256];
    if (ds_openblas_child_stop(&c, oom, why, sizeof why) != 0 && !oom) {
        const char *label = cr->core ? cr->core : "as detected";
        if (!strncmp(why, "died", 4))
            bench_notef(st, "OpenBLAS with OPENBLAS_CORETYPE=%s %s", label, why);
        else
            bench_notef(st, "OpenBLAS worker (%s) failed with %s", label, why);
        return 0;
    }
    return cr->nrows ? exp(cr->logsum / cr->nrows) : 0;
}

/* The core types OpenBLAS names (openblas_get_corename) whose SGEMM kernels
 * are AVX2 ones. */
static const char *const avx2_cores[] = {"Haswell", "Zen"};

int bench_obl_kind_of_core(const char *core)
{
    for (size_t i = 0; i < sizeof avx2_cores / sizeof avx2_cores[0]; i++)
        if (!strcasecmp(core, avx2_cores[i]))
            return OBL_AVX2;
    return OBL_ANY;
}

int bench_obl_kind_of_isa(const char *isa)
{
    return !strcmp(isa, ds_isa_to_name(DS_ISA_AVX2)) ? OBL_AVX2 : OBL_ANY;
}

int bench_obl_pick(const obl_probe *p, int n, int kind)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if ((kind == OBL_ANY || bench_obl_kind_of_core(p[i].core) == kind) && p[i].gflops > 0 &&
            (best < 0 || p[i].gflops > p[best].gflops))
            best = i;
    return best;
}

/* Every case with the probe pr's core type, its rows named isa; records the
 * baseline in b. */
static void run_baseline(bench_state *st, const obl_probe *pr, const char *isa, const char *cases,
                         const int *threads, int n_threads, obl_baseline *b)
{
    child_run cr = {pr->coretype, isa, "", 0, 0};
    run_child(st, &cr, cases, threads, n_threads, &st->topts);
    if (!cr.nrows)
        return;
    snprintf(b->isa, sizeof b->isa, "%s", isa);
    snprintf(b->core, sizeof b->core, "%s", cr.detected[0] ? cr.detected : pr->core);
    snprintf(b->coretype, sizeof b->coretype, "%s", pr->coretype ? pr->coretype : "unset");
}

void bench_run_openblas(bench_state *st, unsigned isas, const int *threads, int n_threads)
{
    gemm_case gcs[64];
    int ng = bench_gemm_cases(st->o, gcs, 64);
    char cases[4096] = "";
    for (int i = 0; i < ng; i++) {
        size_t o = strlen(cases);
        snprintf(cases + o, sizeof cases - o, "%s%c%c:%d:%d:%d", i ? "," : "",
                 gcs[i].ta ? 't' : 'n', gcs[i].tb ? 't' : 'n', gcs[i].m, gcs[i].n, gcs[i].k);
    }
    /* Probe each core type on representative shapes (the three forms of an
     * MLP layer, the N = 10 layer, a square) at one thread with short
     * repetitions, then measure every case with the best one only, and with
     * the best AVX2 one for the avx2 rows: a full run per core type would
     * multiply the profile's time. */
    static const char *const cores[] = {NULL, "Haswell", "Zen", "SkylakeX"};
    enum { N_CORES = sizeof cores / sizeof cores[0] };
    ds_timer_opts probe = st->topts;
    probe.reps = DS_TIMER_MIN_REPS;
    probe.min_time = probe.min_time < 0.05 ? probe.min_time : 0.05;
    const char *probe_cases =
        "nn:100:256:784,nt:100:784:256,tn:784:256:100,nn:100:10:512,nn:512:512:512";
    const int one = 1;
    obl_probe pr[N_CORES];
    int np = 0;
    for (int i = 0; i < N_CORES; i++) {
        child_run cr = {cores[i], NULL, "", 0, 0};
        double g = run_child(st, &cr, probe_cases, &one, 1, &probe);
        if (!cr.detected[0] && i == 0)
            return; /* no library: one note was printed */
        if (i == 0)
            snprintf(st->obl_detected, sizeof st->obl_detected, "%s", cr.detected);
        if (g > 0) {
            pr[np] = (obl_probe){cores[i], "", g};
            snprintf(pr[np++].core, sizeof pr[0].core, "%s", cr.detected);
        }
    }
    int any = bench_obl_pick(pr, np, OBL_ANY);
    if (any < 0)
        return;
    run_baseline(st, &pr[any], "openblas", cases, threads, n_threads, &st->obl[OBL_ANY]);
    if (!(isas & (1u << DS_ISA_AVX2)))
        return;
    int avx2 = bench_obl_pick(pr, np, OBL_AVX2);
    if (avx2 < 0)
        bench_notef(st, "no AVX2 core type of OpenBLAS ran (Haswell, Zen): the avx2 rows have no "
                        "ratio to OpenBLAS");
    else if (avx2 == any)
        st->obl[OBL_AVX2] = st->obl[OBL_ANY];
    else
        run_baseline(st, &pr[avx2], BENCH_OBL_AVX2_ISA, cases, threads, n_threads,
                     &st->obl[OBL_AVX2]);
}
