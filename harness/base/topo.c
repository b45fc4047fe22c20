#include "topo.h"

#include <hwloc.h>
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cache_info(hwloc_topology_t topo, hwloc_obj_type_t type,
                       size_t *bytes, int *count)
{
    int n = hwloc_get_nbobjs_by_type(topo, type);
    *count = n > 0 ? n : 0;
    *bytes = 0;
    if (n > 0) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, 0);
        if (o && o->attr)
            *bytes = (size_t)o->attr->cache.size;
    }
}

int ds_topo_read(ds_topo *t)
{
    memset(t, 0, sizeof *t);
    strcpy(t->cpu_model, "unknown");
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return -1;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    t->packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    t->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    t->pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    t->numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    cache_info(topo, HWLOC_OBJ_L1CACHE, &t->l1d_bytes, &t->l1d_count);
    cache_info(topo, HWLOC_OBJ_L2CACHE, &t->l2_bytes, &t->l2_count);
    cache_info(topo, HWLOC_OBJ_L3CACHE, &t->l3_bytes, &t->l3_count);
    hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
    const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    if (model)
        snprintf(t->cpu_model, sizeof t->cpu_model, "%s", model);
    hwloc_topology_destroy(topo);
    return 0;
}

int ds_topo_bind_env(void)
{
    if (getenv("OMP_PLACES") || getenv("OMP_PROC_BIND"))
        return 0; /* the user's choice wins */
    setenv("OMP_PLACES", "cores", 1);
    setenv("OMP_PROC_BIND", "close", 1);
    return 1;
}

int ds_topo_thread_places(int n, int hwloc_bind, ds_thread_place *out)
{
    if (n < 1 || n > 1024)
        return -1;
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return -1;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int loose = 0;
#pragma omp parallel num_threads(n) reduction(+ : loose)
    {
        int tid = omp_get_thread_num();
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        if (hwloc_bind && cores > 0) {
            hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)(tid % cores));
            hwloc_bitmap_copy(set, core->cpuset);
            hwloc_bitmap_singlify(set); /* one PU of the core: no SMT hopping */
            hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD); /* failure shows below */
        }
        /* Where binding leaves the thread, and where it actually runs now. */
        int one_core = 0;
        if (hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_THREAD) == 0 && !hwloc_bitmap_iszero(set))
            for (int c = 0; c < cores && !one_core; c++)
                one_core = hwloc_bitmap_isincluded(
                    set, hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)c)->cpuset);
        int pu = sched_getcpu();
        int core_idx = -1;
        hwloc_obj_t puo = pu >= 0 ? hwloc_get_pu_obj_by_os_index(topo, (unsigned)pu) : NULL;
        hwloc_obj_t co = puo ? hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, puo) : NULL;
        if (co)
            core_idx = (int)co->logical_index;
        out[tid] = (ds_thread_place){.thread = tid, .pu = pu, .core = core_idx, .one_core = one_core};
        loose += !one_core;
        hwloc_bitmap_free(set);
    }
    hwloc_topology_destroy(topo);
    return loose;
}

/* ---- slots --------------------------------------------------------------- */

struct ds_topo_slots {
    hwloc_topology_t topo;
    int n;
    hwloc_cpuset_t set[];
};

static int load_topology(hwloc_topology_t *topo)
{
    if (hwloc_topology_init(topo) != 0)
        return -1;
    if (hwloc_topology_load(*topo) != 0) {
        hwloc_topology_destroy(*topo);
        return -1;
    }
    return 0;
}

int ds_topo_pus(void)
{
    hwloc_topology_t topo;
    if (load_topology(&topo) != 0)
        return omp_get_num_procs();
    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    hwloc_topology_destroy(topo);
    return n > 0 ? n : omp_get_num_procs();
}

void ds_topo_slots_free(ds_topo_slots *s)
{
    if (!s)
        return;
    for (int k = 0; k < s->n; k++)
        hwloc_bitmap_free(s->set[k]);
    hwloc_topology_destroy(s->topo);
    free(s);
}

ds_topo_slots *ds_topo_slots_new(int n)
{
    if (n < 1)
        return NULL;
    ds_topo_slots *s = calloc(1, sizeof *s + (size_t)n * sizeof s->set[0]);
    if (!s)
        return NULL;
    if (load_topology(&s->topo) != 0) {
        free(s);
        return NULL;
    }
    if (n > hwloc_get_nbobjs_by_type(s->topo, HWLOC_OBJ_PU)) {
        ds_topo_slots_free(s);
        return NULL;
    }
    for (int k = 0; k < n; k++)
        if (!(s->set[k] = hwloc_bitmap_alloc())) {
            ds_topo_slots_free(s);
            return NULL;
        }
    s->n = n;
    /* whole cores while there are at least n of them, else PUs: split in
     * logical order (neighbours share caches) into n runs of sizes that
     * differ by at most one, so every PU is in exactly one slot */
    hwloc_obj_type_t unit = n <= hwloc_get_nbobjs_by_type(s->topo, HWLOC_OBJ_CORE) ? HWLOC_OBJ_CORE
                                                                                  : HWLOC_OBJ_PU;
    int m = hwloc_get_nbobjs_by_type(s->topo, unit);
    for (int i = 0; i < m; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(s->topo, unit, (unsigned)i);
        int k = (int)((long)i * n / m);
        if (o && o->cpuset)
            hwloc_bitmap_or(s->set[k], s->set[k], o->cpuset);
    }
    /* PUs of a core outside every core object (none on sane machines) */
    for (int k = 0; k < n; k++)
        if (hwloc_bitmap_iszero(s->set[k])) {
            ds_topo_slots_free(s);
            return NULL;
        }
    return s;
}

int ds_topo_slot_pus(const ds_topo_slots *s, int k) { return hwloc_bitmap_weight(s->set[k]); }

int ds_topo_slot_list(const ds_topo_slots *s, int k, int *out, int max)
{
    int m = 0;
    unsigned i;
    hwloc_bitmap_foreach_begin(i, s->set[k])
        if (m < max)
            out[m++] = (int)i;
    hwloc_bitmap_foreach_end();
    return m;
}

int ds_topo_slot_bind(const ds_topo_slots *s, int k)
{
    return hwloc_set_cpubind(s->topo, s->set[k], HWLOC_CPUBIND_THREAD) == 0 ? 0 : -1;
}
