/* The profile's CSV files (kernels.csv, raw.csv, machine.csv) and how every
 * output file is written: whole or not at all. */
#include "profiler.h"

#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *ds_bench_kernels_header(void)
{
    return "kernel,isa,threads,m,n,k,elems,reps,median_s,mad_s,min_s,gflops,gbps,pct_peak,"
           "pct_bw,vs_openblas,iters,mean_s,stddev_s,cv,ci_lo_s,ci_hi_s,cpu_median_s,checksum,note,"
           "vs_openblas_core";
}
const char *ds_bench_raw_header(void) { return "kernel,isa,threads,m,n,k,elems,rep,iters,wall_s,cpu_s"; }
const char *ds_bench_machine_header(void) { return "key,value"; }

/* A number, or an empty field for "not applicable" (NAN). */
static void num(ds_csvbuf *b, double v)
{
    if (isfinite(v))
        ds_csvw_dbl(b, v);
    else
        ds_csvw_str(b, "");
}

/* Writes the row built in b to f and empties b for the next one. */
static void row_out(ds_csvbuf *b, FILE *f)
{
    ds_csvw_end(b);
    if (b->oom) { /* a row of a few hundred bytes: the machine is out of memory */
        fputs("deepsweep: bench: out of memory\n", stderr);
        exit(1);
    }
    fwrite(b->s, 1, b->len, f);
    ds_csvbuf_clear(b);
}

static void row_fields(ds_csvbuf *b, const ds_bench_row *r)
{
    ds_csvw_str(b, r->kernel);
    ds_csvw_str(b, r->isa);
    const long long ints[] = {r->threads, r->m, r->n, r->k, r->elems, r->reps};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        ds_csvw_int(b, ints[i]);
    const double v1[] = {r->median_s, r->mad_s, r->min_s, r->gflops, r->gbps,
                         r->pct_peak, r->pct_bw, r->vs_openblas};
    for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++)
        num(b, v1[i]);
    ds_csvw_int(b, r->iters);
    const double v2[] = {r->mean_s, r->stddev_s, r->cv, r->ci_lo_s, r->ci_hi_s,
                         r->cpu_median_s, r->checksum};
    for (size_t i = 0; i < sizeof v2 / sizeof v2[0]; i++)
        num(b, v2[i]);
    ds_csvw_str(b, r->note);
    ds_csvw_str(b, r->vs_openblas_core);
}

void ds_bench_row_csv(const ds_bench_row *r, char *buf, size_t len)
{
    ds_csvbuf b = {0};
    row_fields(&b, r);
    ds_csvw_end(&b);
    snprintf(buf, len, "%s", b.oom || !b.s ? "" : b.s);
    ds_csvbuf_free(&b);
}

void bench_write_kernels_csv(const bench_state *st, FILE *f)
{
    fprintf(f, "%s\n", ds_bench_kernels_header());
    ds_csvbuf b = {0};
    for (int i = 0; i < st->n_rows; i++) {
        row_fields(&b, &st->rows[i].r);
        row_out(&b, f);
    }
    ds_csvbuf_free(&b);
}

void bench_write_raw_csv(const bench_state *st, FILE *f)
{
    fprintf(f, "%s\n", ds_bench_raw_header());
    ds_csvbuf b = {0};
    for (int i = 0; i < st->n_rows; i++) {
        const ds_bench_row *r = &st->rows[i].r;
        for (int rep = 0; rep < r->reps; rep++) {
            ds_csvw_str(&b, r->kernel);
            ds_csvw_str(&b, r->isa);
            const long long ints[] = {r->threads, r->m, r->n, r->k, r->elems, rep, r->iters};
            for (size_t j = 0; j < sizeof ints / sizeof ints[0]; j++)
                ds_csvw_int(&b, ints[j]);
            ds_csvw_dbl(&b, r->raw_wall[rep]);
            ds_csvw_dbl(&b, r->raw_cpu[rep]);
            row_out(&b, f);
        }
    }
    ds_csvbuf_free(&b);
}

static void kv(FILE *f, const char *k, const char *v)
{
    ds_csvbuf b = {0};
    ds_csvw_str(&b, k);
    ds_csvw_str(&b, v);
    row_out(&b, f);
    ds_csvbuf_free(&b);
}

static void kvn(FILE *f, const char *k, double v)
{
    ds_csvbuf b = {0};
    ds_csvw_str(&b, k);
    ds_csvw_dbl(&b, v);
    row_out(&b, f);
    ds_csvbuf_free(&b);
}

static void machine_topology(const bench_state *st, FILE *f)
{
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
}

static void machine_run_setup(const bench_state *st, FILE *f)
{
    kvn(f, "mhz_per_cpu", bench_mhz_per_cpu());
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
    kv(f, "isa_best", bench_best_isa_name());
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
}

void bench_write_machine_csv(const bench_state *st, FILE *f)
{
    fprintf(f, "%s\n", ds_bench_machine_header());
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    kv(f, "host_name", host);
    kv(f, "deepsweep_version", DS_VERSION " (" DS_GIT_REV ")");
    kv(f, "build_type", bench_build_type());
    machine_topology(st, f);
    machine_run_setup(st, f);
    kv(f, "openblas_detected_core", st->obl_detected);
    kv(f, "openblas_config", st->obl_config);
    char any[128], avx2[128];
    bench_obl_text(&st->obl[OBL_ANY], any, sizeof any);
    bench_obl_text(&st->obl[OBL_AVX2], avx2, sizeof avx2);
    kv(f, "openblas_baseline", any);
    kv(f, "openblas_baseline_avx2", avx2);
    kv(f, "config", st->o->config_path ? st->o->config_path : "");
    for (int i = 0; i < SZ_COUNT; i++) {
        char key[32];
        snprintf(key, sizeof key, "size_%s_elems", bench_size_names[i]);
        kvn(f, key, (double)st->sizes[i]);
    }
    kv(f, "cache_note", st->cache_note);
    kv(f, "size_mem_rule", st->mem_note);
}

int bench_write_file(const bench_state *st, const char *dir, const char *name,
                     void (*writer)(const bench_state *, FILE *))
{
    char path[1024];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    writer(st, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        errno = errno ? errno : ENOMEM;
        return -1;
    }
    int rc = ds_write_file_atomic(path, buf, len);
    free(buf);
    return rc;
}

static int make_dir(const char *p, char *err, size_t errlen)
{
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create folder (%s)", p, strerror(errno));
        return -1;
    }
    return 0;
}

int bench_prepare_out(const char *dir, char *err, size_t errlen)
{
    char p[512];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (make_dir(p, err, errlen) != 0)
                return -1;
            *s = '/';
        }
    if (make_dir(p, err, errlen) != 0)
        return -1;
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
