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
