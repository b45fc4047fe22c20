/* Machine facts the profile records (governor, hypervisor, clock, build) and
 * what follows from them: start-up warnings and the working-set sizes of the
 * memory-bound kernels. */
#include "profiler.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

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

int bench_mhz_per_cpu(void)
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

const char *bench_build_type(void)
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

static void warnings_at_start(bench_state *st)
{
    if (strcmp(bench_build_type(), "release"))
        bench_warnf(st, "Library was built as %s (not -O3 -DNDEBUG): timings are not "
                        "representative", bench_build_type());
    if (strcmp(st->governor, "performance"))
        bench_warnf(st, "CPU frequency governor is %s (not performance): the clock may ramp "
                        "during a repetition", st->governor);
    if (st->hypervisor[0])
        bench_warnf(st, "Running under a hypervisor (%s): steal time and a shared host add "
                        "noise; FMA peak and bandwidth are the guest's view", st->hypervisor);
    double la[1];
    if (getloadavg(la, 1) == 1) {
        st->load1 = la[0];
        if (la[0] > 0.5)
            bench_warnf(st, "Load average %.2f before the run: other processes compete for the "
                            "%d PUs, expect high CV", la[0], bench_pus(st));
    }
}

/* A cache size is trusted up to 64 MiB per core: a VM may report its host's
 * whole cache (this kind reports L3 = 508 MiB x 2 on 2 vCPUs), and sizing
 * from that made each "mem" vector 4 GiB and `make bench` use 16 GiB. */
#define SANE_CACHE_PER_CORE ((size_t)64 << 20)

/* bytes x count, or 0 (unknown) with a note when above the sane size. */
static size_t sane_cache(const char *name, size_t bytes, int count, int cores, char *note,
                         size_t notelen)
{
    size_t total = bytes * (size_t)(count > 0 ? count : 1);
    if (total / (size_t)cores <= SANE_CACHE_PER_CORE)
        return total;
    size_t o = strlen(note);
    snprintf(note + o, notelen - o, "%s%s reported as %zu MiB x %d = %zu MiB per core, above "
             "%zu MiB per core: treated as unknown", o ? "; " : "", name, bytes >> 20,
             count, total / (size_t)cores >> 20, SANE_CACHE_PER_CORE >> 20);
    return 0;
}

void bench_working_sets(const ds_topo *t, size_t mem_available, int quick,
                        size_t sizes[SZ_COUNT], char *cache_note, size_t cache_len,
                        char *mem_note, size_t mem_len)
{
    int cores = t->cores > 0 ? t->cores : 1;
    cache_note[0] = 0;
    /* L1 and L2 are per core: one instance's size */
    size_t l1 = sane_cache("L1d", t->l1d_bytes, 1, 1, cache_note, cache_len);
    size_t l2 = sane_cache("L2", t->l2_bytes, 1, 1, cache_note, cache_len);
    size_t l3 = sane_cache("L3", t->l3_bytes, t->l3_count, cores, cache_note, cache_len);
    /* two arrays (in + out) filling half of L1 / half of L2 */
    sizes[SZ_L1] = (l1 ? l1 : 32768) / 16;
    sizes[SZ_L2] = (l2 ? l2 : 524288) / 16;
    /* memory: 16 M floats or 4x the last-level cache, whichever is larger */
    size_t mem = (size_t)16 << 20, four_l3_in_floats = l3; /* 4 x bytes / 4 per float */
    const char *rule = l3 ? "max(16M floats, 4 x L3)" : "16M floats (L3 unknown)";
    if (four_l3_in_floats > mem)
        mem = four_l3_in_floats;
    if (quick)
        mem = (size_t)4 << 20, rule = "4M floats (--quick)";
    /* The largest case holds 4 vectors (activation backward: x, y, dy, dx);
     * together they may take a quarter of the memory available. */
    size_t cap = mem_available / 4 / (4 * sizeof(float));
    snprintf(mem_note, mem_len, "%s", rule);
    if (mem_available && mem > cap) {
        mem = cap;
        snprintf(mem_note, mem_len, "%s, capped to %zu floats: 4 vectors take at most a quarter "
                 "of the %zu MiB available", rule, cap, mem_available >> 20);
    }
    sizes[SZ_MEM] = mem;
}

/* MemAvailable of /proc/meminfo (what can be allocated without swapping),
 * else the free pages; 0 when neither is known. */
static size_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    if (kib)
        return (size_t)kib << 10;
    long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
}

void bench_read_machine(bench_state *st)
{
    st->topo_ok = ds_topo_read(&st->topo) == 0;
    read_governor(st);
    read_hypervisor(st);
    warnings_at_start(st);
    bench_working_sets(&st->topo, mem_available(), st->o->quick, st->sizes, st->cache_note,
                       sizeof st->cache_note, st->mem_note, sizeof st->mem_note);
    if (st->cache_note[0])
        bench_notef(st, "%s", st->cache_note);
}
