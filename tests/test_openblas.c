/* The OpenBLAS child-process harness that `deepsweep bench` and
 * bench/bench_kernels.c share (harness/profiler/openblas.c): each copy had
 * one of two fixes the other lacked (close-on-exec pipes, unbinding the
 * worker); these pin both. The children here are /bin/cat and /bin/sh. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "openblas.h"

TestSuite(openblas_child);

/* bench-kernels keeps one child per core type alive and ends each by closing
 * its stdin. Were the pipes inherited, the second child would hold the
 * first one's stdin open and stopping the first would wait forever. */
Test(openblas_child, a_second_child_does_not_keep_the_first_alive, .timeout = 20)
{
    char *argv[] = {"cat", NULL};
    ds_openblas_child a, b;
    cr_assert_eq(ds_openblas_child_start(&a, "/bin/cat", NULL, argv, 1), 0);
    cr_assert_eq(ds_openblas_child_start(&b, "/bin/cat", NULL, argv, 1), 0);
    cr_assert(fcntl(fileno(a.to), F_GETFD) & FD_CLOEXEC, "pipe to the child is inherited");
    cr_assert(fcntl(fileno(a.from), F_GETFD) & FD_CLOEXEC, "pipe from the child is inherited");
    cr_assert_gt(fprintf(a.to, "ping\n"), 0);
    fflush(a.to);
    char line[64] = "";
    cr_assert_not_null(fgets(line, sizeof line, a.from));
    cr_assert_str_eq(line, "ping\n");
    char why[160];
    cr_assert_eq(ds_openblas_child_stop(&a, 0, why, sizeof why), 0, "why: %s", why);
    cr_assert_eq(ds_openblas_child_stop(&b, 0, why, sizeof why), 0, "why: %s", why);
}

Test(openblas_child, stop_says_how_a_child_failed)
{
    char *code[] = {"sh", "-c", "exit 3", NULL};
    char *ill[] = {"sh", "-c", "kill -ILL $$", NULL};
    ds_openblas_child c;
    char why[160];
    cr_assert_eq(ds_openblas_child_start(&c, "/bin/sh", NULL, code, 1), 0);
    cr_assert_eq(ds_openblas_child_stop(&c, 0, why, sizeof why), -1);
    cr_assert_str_eq(why, "exit status 3");
    cr_assert_eq(ds_openblas_child_start(&c, "/bin/sh", NULL, ill, 1), 0);
    cr_assert_eq(ds_openblas_child_stop(&c, 0, why, sizeof why), -1);
    cr_assert(strstr(why, "signal 4") && strstr(why, "lacks that core type"), "why: %s", why);
}

Test(openblas_child, core_type_is_set_or_unset_in_the_child)
{
    char *argv[] = {"sh", "-c", "echo \"${OPENBLAS_CORETYPE-unset} $OMP_WAIT_POLICY\"", NULL};
    setenv("OPENBLAS_CORETYPE", "Haswell", 1); /* as this machine kind exports it */
    ds_openblas_child c;
    char line[64] = "", why[160];
    cr_assert_eq(ds_openblas_child_start(&c, "/bin/sh", NULL, argv, 1), 0);
    cr_assert_not_null(fgets(line, sizeof line, c.from));
    cr_assert_str_eq(line, "unset passive\n", "NULL core type: OpenBLAS must detect the core");
    cr_assert_eq(ds_openblas_child_stop(&c, 0, why, sizeof why), 0);
    cr_assert_eq(ds_openblas_child_start(&c, "/bin/sh", "SkylakeX", argv, 1), 0);
    cr_assert_not_null(fgets(line, sizeof line, c.from));
    cr_assert_str_eq(line, "SkylakeX passive\n");
    cr_assert_eq(ds_openblas_child_stop(&c, 0, why, sizeof why), 0);
}

/* A child re-executed under OMP_PROC_BIND inherits a one-PU mask; OpenBLAS
 * sizes its pool from it, so "2-thread" rows ran on one core. Loading must
 * give the process every PU first (the load itself fails here). */
Test(openblas_child, load_unbinds_the_process)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    setenv("DEEPSWEEP_OPENBLAS", "libopenblas-missing.so.0", 1);
    ds_openblas ob;
    char err[256];
    cr_assert_eq(ds_openblas_load(&ob, err, sizeof err), -1, "a missing library loads?");
    cr_assert(strstr(err, "libopenblas-missing") != NULL, "err: %s", err);
    cpu_set_t now;
    cr_assert_eq(sched_getaffinity(0, sizeof now, &now), 0);
    cr_assert_eq(CPU_COUNT(&now), n < CPU_SETSIZE ? n : CPU_SETSIZE,
                 "after load the process may run on %d of %ld PUs", CPU_COUNT(&now), n);
}
