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

/* ---- slots for runs side by side (the sweep runner) ----------------------
 * The PUs this process may run on (hwloc's topology holds only those),
 * split in logical order into n disjoint groups whose sizes differ by at
 * most one: whole cores while n <= the cores, else PUs. A thread bound to a slot keeps
 * the threads it starts later (its OpenMP team) there too: Linux gives a
 * new thread its creator's CPU mask. */

typedef struct ds_topo_slots ds_topo_slots;

/* The PUs this process may run on; omp_get_num_procs() if hwloc fails. */
int ds_topo_pus(void);
/* n slots (1 <= n <= PUs), or NULL (n out of range, hwloc failed, no memory). */
ds_topo_slots *ds_topo_slots_new(int n);
void ds_topo_slots_free(ds_topo_slots *s);
/* The number of PUs of slot k. */
int ds_topo_slot_pus(const ds_topo_slots *s, int k);
/* Slot k's PUs (OS indices) into out[0 .. max-1]; returns how many. */
int ds_topo_slot_list(const ds_topo_slots *s, int k, int *out, int max);
/* Binds the calling thread to slot k (hwloc_set_cpubind, THREAD). 0 or -1. */
int ds_topo_slot_bind(const ds_topo_slots *s, int k);

#endif
