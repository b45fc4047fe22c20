/* kernels.json in Google Benchmark's JSON schema (a "context" object and a
 * "benchmarks" array of per-repetition "iteration" rows and mean / median /
 * stddev / cv "aggregate" rows per run), so its tools/compare.py reads it. */
#include "profiler.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static void json_caches(const bench_state *st, FILE *f)
{
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
    fprintf(f, "\n    ],\n");
}

static void json_context(const bench_state *st, FILE *f)
{
    char date[64], host[256] = "unknown";
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", &tm);
    gethostname(host, sizeof host - 1);
    fprintf(f, "  \"context\": {\n    \"date\": ");
    json_str(f, date);
    fprintf(f, ",\n    \"host_name\": ");
    json_str(f, host);
    fprintf(f, ",\n    \"executable\": \"deepsweep bench\",\n    \"num_cpus\": %d,\n"
               "    \"mhz_per_cpu\": %d,\n    \"cpu_scaling_enabled\": %s,\n",
            bench_pus(st), bench_mhz_per_cpu(),
            strcmp(st->governor, "performance") ? "true" : "false");
    json_caches(st, f);
    double la[3] = {0, 0, 0};
    getloadavg(la, 3);
    fprintf(f, "    \"load_avg\": [%.2f, %.2f, %.2f],\n", la[0], la[1], la[2]);
    fprintf(f, "    \"library_build_type\": \"%s\",\n    \"cpu_model\": ", bench_build_type());
    json_str(f, st->topo.cpu_model);
    fprintf(f, ",\n    \"deepsweep_version\": \"%s (%s)\",\n    \"isa\": \"%s\",\n"
               "    \"timer_resolution_ns\": %.3f,\n    \"timer_overhead_ns\": %.3f,\n"
               "    \"openblas_detected_core\": ",
            DS_VERSION, DS_GIT_REV, bench_best_isa_name(), st->cal.resolution_s * 1e9,
            st->cal.overhead_s * 1e9);
    json_str(f, st->obl_detected);
    char any[128], avx2[128];
    bench_obl_text(&st->obl[OBL_ANY], any, sizeof any);
    bench_obl_text(&st->obl[OBL_AVX2], avx2, sizeof avx2);
    fprintf(f, ",\n    \"openblas_baseline\": ");
    json_str(f, any);
    fprintf(f, ",\n    \"openblas_baseline_avx2\": ");
    json_str(f, avx2);
    fprintf(f, "\n  },\n");
}

/* One row: its repetitions ("iteration") and four aggregates. */
static void json_row(const ds_bench_row *r, int index, int *first, FILE *f)
{
    char name[192];
    bench_name(r, name, sizeof name);
    for (int rep = 0; rep < r->reps; rep++) {
        fprintf(f, "%s    {\"name\": \"%s\", \"family_index\": %d, "
                   "\"per_family_instance_index\": 0, \"run_name\": \"%s\", "
                   "\"run_type\": \"iteration\", \"repetitions\": %d, "
                   "\"repetition_index\": %d, \"threads\": %d, \"iterations\": %ld, "
                   "\"real_time\": %.9g, \"cpu_time\": %.9g, \"time_unit\": \"ns\", "
                   "\"items_per_second\": %.9g}",
                *first ? "" : ",\n", name, index, name, r->reps, rep, r->threads, r->iters,
                r->raw_wall[rep] * 1e9, r->raw_cpu[rep] * 1e9,
                r->items > 0 && r->raw_wall[rep] > 0 ? r->items / r->raw_wall[rep] : 0);
        *first = 0;
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
    double ips = r->items > 0 && r->median_s > 0 ? r->items / r->median_s : 0;
    for (int j = 0; j < 4; j++) {
        fprintf(f, ",\n    {\"name\": \"%s_%s\", \"family_index\": %d, "
                   "\"per_family_instance_index\": 0, \"run_name\": \"%s\", "
                   "\"run_type\": \"aggregate\", \"repetitions\": %d, \"threads\": %d, "
                   "\"aggregate_name\": \"%s\", \"aggregate_unit\": \"%s\", "
                   "\"iterations\": %d, \"real_time\": %.9g, \"cpu_time\": %.9g, "
                   "\"time_unit\": \"ns\"",
                name, a[j].agg, index, name, r->reps, r->threads, a[j].agg, a[j].unit, r->reps,
                a[j].real, a[j].cpu);
        if (j == 1)
            fprintf(f, ", \"items_per_second\": %.9g", ips);
        if (j == 1 && isfinite(r->vs_openblas)) {
            fprintf(f, ", \"vs_openblas\": %.9g, \"vs_openblas_core\": ", r->vs_openblas);
            json_str(f, r->vs_openblas_core);
        }
        fprintf(f, "}");
    }
}

void bench_write_json(const bench_state *st, FILE *f)
{
    fprintf(f, "{\n");
    json_context(st, f);
    fprintf(f, "  \"benchmarks\": [\n");
    int first = 1;
    for (int i = 0; i < st->n_rows; i++)
        json_row(&st->rows[i].r, i, &first, f);
    fprintf(f, "\n  ]\n}\n");
}
