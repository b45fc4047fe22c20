/* Machine facts the profile records (governor, hypervisor, clock, build) and
 * what follows from them: start-up warnings and the working-set sizes of the
 * memory-bound kernels. */
#include "profiler.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

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

/* Vector sizes: two arrays (in + out) filling half of L1 / half of L2, and
 * for memory 16 M floats or 4x the last-level cache, whichever is larger. */
static void working_sets(bench_state *st)
{
    size_t l1 = st->topo.l1d_bytes ? st->topo.l1d_bytes : 32768;
    size_t l2 = st->topo.l2_bytes ? st->topo.l2_bytes : 524288;
    size_t l3 = st->topo.l3_bytes * (size_t)(st->topo.l3_count > 0 ? st->topo.l3_count : 1);
    st->sizes[SZ_L1] = l1 / 16;
    st->sizes[SZ_L2] = l2 / 16;
    st->sizes[SZ_MEM] = (size_t)16 << 20;
    size_t four_l3_in_floats = l3; /* 4 x l3 bytes / 4 bytes per float */
    if (four_l3_in_floats > st->sizes[SZ_MEM])
        st->sizes[SZ_MEM] = four_l3_in_floats;
    if (st->o->quick)
        st->sizes[SZ_MEM] = (size_t)4 << 20;
}

void bench_read_machine(bench_state *st)
{
    st->topo_ok = ds_topo_read(&st->topo) == 0;
    read_governor(st);
    read_hypervisor(st);
    warnings_at_start(st);
    working_sets(st);
}
