/* The profiler's OpenBLAS baselines: which core type a row of ours is set
 * against (avx2 rows the best AVX2 core type, every other ISA the best of
 * all), how the probes pick them, and that console, kernels.csv and
 * kernels.json name the core type beside each ratio. Built on a hand-made
 * row table: nothing is timed. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiler.h"

TestSuite(bench_openblas);

Test(bench_openblas, avx2_core_types_are_haswell_and_zen)
{
    cr_assert_eq(bench_obl_kind_of_core("Haswell"), OBL_AVX2);
    cr_assert_eq(bench_obl_kind_of_core("Zen"), OBL_AVX2);
    cr_assert_eq(bench_obl_kind_of_core("haswell"), OBL_AVX2, "OpenBLAS's case is not ours");
    cr_assert_eq(bench_obl_kind_of_core("SkylakeX"), OBL_ANY);
    cr_assert_eq(bench_obl_kind_of_core("Cooperlake"), OBL_ANY);
    cr_assert_eq(bench_obl_kind_of_core("SapphireRapids"), OBL_ANY);
    cr_assert_eq(bench_obl_kind_of_core(""), OBL_ANY);
    cr_assert_eq(bench_obl_kind_of_isa("avx2"), OBL_AVX2);
    cr_assert_eq(bench_obl_kind_of_isa("avx512"), OBL_ANY);
    cr_assert_eq(bench_obl_kind_of_isa("scalar"), OBL_ANY);
    cr_assert_eq(bench_obl_kind_of_isa("neon"), OBL_ANY);
}

Test(bench_openblas, probes_pick_the_best_overall_and_the_best_avx2)
{
    /* Zen 5: detected Cooperlake fastest; Zen beats Haswell among AVX2 ones. */
    obl_probe p[] = {{NULL, "Cooperlake", 120}, {"Haswell", "Haswell", 90},
                     {"Zen", "Zen", 95}, {"SkylakeX", "SkylakeX", 118}};
    cr_assert_eq(bench_obl_pick(p, 4, OBL_ANY), 0);
    cr_assert_eq(bench_obl_pick(p, 4, OBL_AVX2), 2);
    /* The kind is the core OpenBLAS reported, not the one asked for: a
     * library built for one target ignores OPENBLAS_CORETYPE. */
    obl_probe q[] = {{NULL, "Haswell", 90}, {"SkylakeX", "Haswell", 91}};
    cr_assert_eq(bench_obl_pick(q, 2, OBL_ANY), 1);
    cr_assert_eq(bench_obl_pick(q, 2, OBL_AVX2), 1);
    /* No AVX2 core type ran: none. A failed probe (0) is never picked. */
    obl_probe r[] = {{NULL, "SkylakeX", 100}, {"Haswell", "Haswell", 0}};
    cr_assert_eq(bench_obl_pick(r, 2, OBL_AVX2), -1);
    cr_assert_eq(bench_obl_pick(r, 2, OBL_ANY), 0);
    cr_assert_eq(bench_obl_pick(r, 0, OBL_ANY), -1);
}

/* ---- a hand-made row table -------------------------------------------------- */

static ds_bench_opts opts;

static row_ext *add(bench_state *st, int family, const char *kernel, const char *isa, double med,
                    const char *note)
{
    row_ext *x = bench_new_row(st);
    cr_assert_not_null(x);
    x->family = family;
    ds_bench_row *r = &x->r;
    snprintf(r->kernel, sizeof r->kernel, "%s", kernel);
    snprintf(r->isa, sizeof r->isa, "%s", isa);
    snprintf(r->note, sizeof r->note, "%s", note ? note : "");
    r->threads = 1;
    if (family == FAM_GEMM)
        r->m = 100, r->n = 10, r->k = 512;
    r->flops = family == FAM_GEMM ? 2.0 * 100 * 10 * 512 : 1e6;
    r->median_s = r->min_s = r->mean_s = med;
    r->reps = 1;
    r->iters = 1;
    r->raw_wall = malloc(2 * sizeof(double));
    cr_assert_not_null(r->raw_wall);
    r->raw_cpu = r->raw_wall + 1;
    r->raw_wall[0] = r->raw_cpu[0] = med;
    return x;
}

static void set_obl(obl_baseline *b, const char *isa, const char *core, const char *coretype)
{
    snprintf(b->isa, sizeof b->isa, "%s", isa);
    snprintf(b->core, sizeof b->core, "%s", core);
    snprintf(b->coretype, sizeof b->coretype, "%s", coretype);
}

/* Peaks 100 (avx2) and 200 (avx512) GFLOP/s; OpenBLAS at 10 us (Cooperlake)
 * and 20 us (Haswell); ours at 8 us on both ISAs. */
static bench_state *table(void)
{
    ds_bench_opts_default(&opts);
    bench_state *st = calloc(1, sizeof *st);
    cr_assert_not_null(st);
    st->o = &opts;
    add(st, FAM_BASE, "fma_peak", "avx2", 1e6 / 100e9, NULL);
    add(st, FAM_BASE, "fma_peak", "avx512", 1e6 / 200e9, NULL);
    add(st, FAM_GEMM, "gemm_nn", "openblas", 10e-6, "OPENBLAS_CORETYPE=(detected) core=Cooperlake");
    add(st, FAM_GEMM, "gemm_nn", BENCH_OBL_AVX2_ISA, 20e-6, "OPENBLAS_CORETYPE=Haswell core=Haswell");
    add(st, FAM_GEMM, "gemm_nn", "avx2", 8e-6, NULL);
    add(st, FAM_GEMM, "gemm_nn", "avx512", 8e-6, NULL);
    snprintf(st->obl_detected, sizeof st->obl_detected, "Cooperlake");
    set_obl(&st->obl[OBL_ANY], "openblas", "Cooperlake", "unset");
    set_obl(&st->obl[OBL_AVX2], BENCH_OBL_AVX2_ISA, "Haswell", "Haswell");
    return st;
}

static void table_free(bench_state *st)
{
    for (int i = 0; i < st->n_rows; i++)
        free(st->rows[i].r.raw_wall);
    free(st->rows);
    free(st);
}

static const ds_bench_row *row(const bench_state *st, const char *isa)
{
    const row_ext *x = bench_find_row(st, "gemm_nn", isa, 1, 100, 10, 512, SZ_NONE);
    cr_assert_not_null(x, "no gemm_nn row of %s", isa);
    return &x->r;
}

/* What a writer prints for st, as one string (free it). */
static char *print(const bench_state *st, void (*w)(const bench_state *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    w(st, f);
    fclose(f);
    return buf;
}

#define CLOSE(a, b) cr_assert(fabs((a) - (b)) <= 1e-12 * fabs(b), "%s = %.17g, expected %.17g", #a, (a), (b))

Test(bench_openblas, avx2_rows_are_against_the_best_avx2_core_type)
{
    bench_state *st = table();
    bench_derive(st);
    const ds_bench_row *a2 = row(st, "avx2"), *a5 = row(st, "avx512");
    CLOSE(a2->vs_openblas, 20e-6 / 8e-6); /* the Haswell rows, not Cooperlake's */
    cr_assert_str_eq(a2->vs_openblas_core, "Haswell");
    CLOSE(a5->vs_openblas, 10e-6 / 8e-6);
    cr_assert_str_eq(a5->vs_openblas_core, "Cooperlake");
    /* The baselines themselves have no ratio; the AVX2 one's %peak is of the
     * AVX2 peak, the best one's of the best ISA's. */
    const ds_bench_row *o2 = row(st, BENCH_OBL_AVX2_ISA);
    cr_assert(isnan(o2->vs_openblas) && !o2->vs_openblas_core[0]);
    CLOSE(o2->pct_peak, 100 * (1.024e6 / 20e-6 / 1e9) / 100);
    cr_assert(isnan(row(st, "openblas")->vs_openblas));
    table_free(st);
}

Test(bench_openblas, one_baseline_when_an_avx2_core_type_is_the_best)
{
    /* An AVX2-only CPU (Zen 1): the best core type is an AVX2 one, so both
     * ISAs' rows are against the same "openblas" rows. */
    bench_state *st = table();
    set_obl(&st->obl[OBL_ANY], "openblas", "Zen", "unset");
    st->obl[OBL_AVX2] = st->obl[OBL_ANY];
    bench_derive(st);
    CLOSE(row(st, "avx2")->vs_openblas, 10e-6 / 8e-6);
    cr_assert_str_eq(row(st, "avx2")->vs_openblas_core, "Zen");
    table_free(st);
}

Test(bench_openblas, no_avx2_baseline_no_ratio)
{
    bench_state *st = table();
    memset(&st->obl[OBL_AVX2], 0, sizeof st->obl[OBL_AVX2]);
    bench_derive(st);
    cr_assert(isnan(row(st, "avx2")->vs_openblas), "an avx2 row set against AVX-512 OpenBLAS");
    cr_assert_str_eq(row(st, "avx2")->vs_openblas_core, "");
    cr_assert_str_eq(row(st, "avx512")->vs_openblas_core, "Cooperlake");
    table_free(st);
}

Test(bench_openblas, reports_name_the_core_type_of_each_ratio)
{
    bench_state *st = table();
    bench_derive(st);

    char *csv = print(st, bench_write_kernels_csv);
    const char *hdr_end = strchr(csv, '\n');
    cr_assert(hdr_end && !strncmp(hdr_end - 17, ",vs_openblas_core", 17), "header: %.400s", csv);
    char *l2 = strstr(csv, "\ngemm_nn,avx2,"), *l5 = strstr(csv, "\ngemm_nn,avx512,");
    cr_assert(l2 && l5, "%s", csv);
    cr_assert(!strncmp(strchr(l2 + 1, '\n') - 8, ",Haswell", 8), "avx2 row: %.300s", l2 + 1);
    cr_assert(!strncmp(strchr(l5 + 1, '\n') - 11, ",Cooperlake", 11), "avx512 row: %.300s", l5 + 1);
    free(csv);

    char *json = print(st, bench_write_json);
    const char *m2 = strstr(json, "\"name\": \"gemm_nn/avx2/m:100/n:10/k:512/threads:1_median\"");
    cr_assert_not_null(m2, "%s", json);
    const char *m2_end = strchr(m2, '}');
    const char *c2 = strstr(m2, "\"vs_openblas\": 2.5, \"vs_openblas_core\": \"Haswell\"");
    cr_assert(c2 && c2 < m2_end, "avx2 median: %.600s", m2);
    cr_assert_not_null(strstr(json, "\"vs_openblas\": 1.25, \"vs_openblas_core\": \"Cooperlake\""));
    cr_assert_not_null(strstr(json, "\"openblas_baseline_avx2\": \"Haswell (OPENBLAS_CORETYPE=Haswell)\""));
    free(json);

    char *mach = print(st, bench_write_machine_csv);
    cr_assert_not_null(strstr(mach, "\nopenblas_baseline,Cooperlake (OPENBLAS_CORETYPE=unset)\n"), "%s", mach);
    cr_assert_not_null(strstr(mach, "\nopenblas_baseline_avx2,Haswell (OPENBLAS_CORETYPE=Haswell)\n"), "%s", mach);
    free(mach);

    char *con = print(st, bench_print_console);
    cr_assert_not_null(strstr(con, "2.50x Haswell"), "%s", con);
    cr_assert_not_null(strstr(con, "1.25x Cooperlake"), "%s", con);
    cr_assert_not_null(strstr(con, "the best AVX2 core type Haswell (OPENBLAS_CORETYPE=Haswell)"), "%s", con);
    free(con);
    table_free(st);
}
