/* Slots for runs side by side: the PUs split into disjoint groups, and a
 * thread bound to a slot (with the threads it starts) runs only there. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>

#include "topo.h"

typedef struct {
    const ds_topo_slots *s;
    int k, bound, child_ok;
    cpu_set_t mine;
} bind_arg;

static void *child(void *v)
{
    bind_arg *a = v;
    cpu_set_t set;
    CPU_ZERO(&set);
    a->child_ok = sched_getaffinity(0, sizeof set, &set) == 0 && CPU_EQUAL(&set, &a->mine);
    return NULL;
}

static void *bind_and_look(void *v)
{
    bind_arg *a = v;
    a->bound = ds_topo_slot_bind(a->s, a->k);
    CPU_ZERO(&a->mine);
    sched_getaffinity(0, sizeof a->mine, &a->mine);
    pthread_t t; /* a thread it starts (an OpenMP team's) inherits the binding */
    pthread_create(&t, NULL, child, a);
    pthread_join(t, NULL);
    return NULL;
}

Test(topo, slots_are_disjoint_and_binding_holds)
{
    int pus = ds_topo_pus();
    cr_assert_geq(pus, 1);
    cr_assert_null(ds_topo_slots_new(pus + 1), "more slots than PUs");
    cr_assert_null(ds_topo_slots_new(0));
    for (int n = 1; n <= pus && n <= 4; n++) {
        ds_topo_slots *s = ds_topo_slots_new(n);
        cr_assert_not_null(s, "%d slots of %d PUs", n, pus);
        cpu_set_t seen;
        CPU_ZERO(&seen);
        int total = 0;
        for (int k = 0; k < n; k++) {
            int list[1024], m = ds_topo_slot_list(s, k, list, 1024);
            cr_assert_geq(m, 1, "slot %d of %d is empty", k, n);
            cr_assert_eq(m, ds_topo_slot_pus(s, k));
            total += m;
            cpu_set_t want;
            CPU_ZERO(&want);
            for (int i = 0; i < m; i++) {
                cr_assert(!CPU_ISSET(list[i], &seen), "PU %d in two slots", list[i]);
                CPU_SET(list[i], &seen);
                CPU_SET(list[i], &want);
            }
            bind_arg a = {.s = s, .k = k};
            pthread_t t;
            pthread_create(&t, NULL, bind_and_look, &a);
            pthread_join(t, NULL);
            cr_assert_eq(a.bound, 0, "binding to slot %d refused", k);
            cr_assert(CPU_EQUAL(&a.mine, &want), "slot %d: bound elsewhere", k);
            cr_assert(a.child_ok, "slot %d: a thread it started escaped the slot", k);
        }
        cr_assert_eq(total, pus, "%d slots cover %d of %d PUs", n, total, pus);
        ds_topo_slots_free(s);
    }
}
