#include "topo.h"

#include <hwloc.h>
#include <stdio.h>
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
