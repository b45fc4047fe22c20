/* Machine topology from hwloc: what `deepsweep info` and the profiler report. */
#ifndef DS_TOPO_H
#define DS_TOPO_H

#include <stddef.h>

typedef struct {
    char cpu_model[128];
    int packages, cores, pus, numa_nodes;
    size_t l1d_bytes, l2_bytes, l3_bytes; /* per instance; 0 if unknown */
    int l1d_count, l2_count, l3_count;    /* instances                  */
} ds_topo;

/* Fills t; returns 0, or -1 (with t zeroed and cpu_model "unknown") when
 * hwloc cannot load the topology. */
int ds_topo_read(ds_topo *t);

#endif
