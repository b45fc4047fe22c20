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

/* ---- thread pinning (the profiler) ---------------------------------------
 * One thread per core: OMP_PLACES=cores OMP_PROC_BIND=close, which the
 * OpenMP runtime reads once, when it starts — so the caller must re-exec
 * itself after ds_topo_bind_env() returns 1. When OpenMP binding is off
 * anyway (the user set OMP_PROC_BIND=false), ds_topo_thread_places can bind
 * each thread to a core itself with hwloc. */

typedef struct {
    int thread;     /* OpenMP thread number                                  */
    int pu;         /* OS index of the PU it was running on (sched_getcpu)   */
    int core;       /* logical index of that PU's core, -1 if unknown        */
    int one_core;   /* 1 if its CPU binding lies within a single core        */
} ds_thread_place;

/* Sets OMP_PLACES=cores and OMP_PROC_BIND=close unless the user set either.
 * Returns 1 if the environment changed, 0 if not. */
int ds_topo_bind_env(void);

/* Runs a parallel region of n threads (n <= 1024); each reports where it
 * runs into out[thread]. With hwloc_bind, each first binds itself to core
 * (thread mod cores) with hwloc_set_cpubind(HWLOC_CPUBIND_THREAD). Returns
 * the number of threads not confined to one core (binding refused or
 * absent), or -1 if hwloc cannot load the topology. */
int ds_topo_thread_places(int n, int hwloc_bind, ds_thread_place *out);

#endif
