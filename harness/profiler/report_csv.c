/* The profile's CSV files (kernels.csv, raw.csv, machine.csv) and how every
 * output file is written: whole or not at all. */
#include "profiler.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void bench_write_kernels_csv(const bench_state *st, FILE *f)
{
    fprintf(f, "%s\n", ds_bench_kernels_header());
    char line[2048];
    for (int i = 0; i < st->n_rows; i++) {
        ds_bench_row_csv(&st->rows[i].r, line, sizeof line);
        fputs(line, f);
    }
}

void bench_write_raw_csv(const bench_state *st, FILE *f)
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

static void kvn(FILE *f, const char *k, double v) { fprintf(f, "%s,%.9g\n", k, v); }

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
    kv(f, "openblas_baseline", st->obl_best);
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
