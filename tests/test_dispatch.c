/* ISA dispatch as users see it: build/deepsweep (its path in DEEPSWEEP_BIN,
 * set by `make test`) run with DEEPSWEEP_ISA set to each ISA, to an unknown
 * name and to an ISA this CPU lacks; plus the in-process API. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_test_util.h"
#include "kernels.h"

extern char **environ;

TestSuite(dispatch, .timeout = 60);

typedef struct {
    int status; /* exit status, or 128 + signal */
    char out[8192], err[4096];
} run_result;

static void slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    lseek(fd, 0, SEEK_SET);
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fd);
}

/* Runs `$DEEPSWEEP_BIN info` with DEEPSWEEP_ISA=isa (unset when isa is
 * NULL); skips the test when DEEPSWEEP_BIN is not set. */
static void run_info(const char *isa, run_result *r)
{
    const char *bin = getenv("DEEPSWEEP_BIN");
    if (!bin || !*bin)
        cr_skip_test("DEEPSWEEP_BIN not set (make test sets it): skipped");
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    cr_assert_not_null(env);
    size_t e = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "DEEPSWEEP_ISA=", 14) != 0)
            env[e++] = environ[i];
    char isavar[128];
    if (isa) {
        snprintf(isavar, sizeof isavar, "DEEPSWEEP_ISA=%s", isa);
        env[e++] = isavar;
    }
    env[e] = NULL;

    char outp[] = "/tmp/ds-dispatch-out-XXXXXX", errp[] = "/tmp/ds-dispatch-err-XXXXXX";
    int ofd = mkstemp(outp), efd = mkstemp(errp);
    cr_assert(ofd >= 0 && efd >= 0);
    unlink(outp);
    unlink(errp);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, ofd, 1);
    posix_spawn_file_actions_adddup2(&fa, efd, 2);
    char *argv[] = {(char *)bin, "info", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    cr_assert_eq(rc, 0, "cannot run %s", bin);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    slurp(ofd, r->out, sizeof r->out);
    slurp(efd, r->err, sizeof r->err);
}

/* The value of `deepsweep info`'s "isa" line ("isa            avx2"). */
static const char *info_isa(const char *out, char *buf, size_t cap)
{
    for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!strncmp(line, "isa ", 4)) {
            const char *v = line + 4;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\n");
            if (len >= cap)
                len = cap - 1;
            memcpy(buf, v, len);
            buf[len] = 0;
            return buf;
        }
    }
    return "";
}

Test(dispatch, unknown_isa_is_an_error)
{
    run_result r;
    run_info("bogus", &r);
    cr_assert_eq(r.status, 2, "exit status %d, want 2", r.status);
    cr_assert_str_eq(r.err, "deepsweep: DEEPSWEEP_ISA=bogus: unknown ISA (valid: scalar, avx2, avx512)\n");
    cr_assert_str_empty(r.out, "nothing may be printed on stdout, got: %s", r.out);
}

Test(dispatch, isa_this_cpu_lacks_is_an_error)
{
    ds_isa missing = DS_ISA_COUNT;
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if (strstr(ds_isa_valid_names(), ds_isa_to_name((ds_isa)i)) && !ds_isa_available((ds_isa)i))
            missing = (ds_isa)i;
    if (missing == DS_ISA_COUNT)
        cr_skip_test("this CPU runs every ISA of the build (%s): nothing to refuse", ds_isa_valid_names());
    run_result r;
    run_info(ds_isa_to_name(missing), &r);
    char want[128];
    snprintf(want, sizeof want, "deepsweep: DEEPSWEEP_ISA=%s: not supported by this CPU or OS (available here: scalar",
             ds_isa_to_name(missing));
    cr_assert_eq(r.status, 2, "exit status %d, want 2", r.status);
    cr_assert(!strncmp(r.err, want, strlen(want)), "stderr '%s', want it to start with '%s'", r.err, want);
    cr_assert(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "one line on stderr, got '%s'", r.err);
    cr_assert_str_empty(r.out);
}

/* DEEPSWEEP_ISA=<isa> runs <isa> (the per-ISA test is skipped, and says so,
 * where this CPU or build lacks it) */
ISA_TEST(dispatch, forced_isa_is_used)
{
    run_result r;
    char got[32];
    run_info(ds_isa_to_name(isa), &r);
    cr_assert_eq(r.status, 0, "DEEPSWEEP_ISA=%s: exit %d, stderr %s", ds_isa_to_name(isa), r.status, r.err);
    cr_assert_str_eq(info_isa(r.out, got, sizeof got), ds_isa_to_name(isa));
}

Test(dispatch, default_is_best_available)
{
    run_result r;
    char got[32];
    run_info(NULL, &r);
    cr_assert_eq(r.status, 0, "exit %d, stderr %s", r.status, r.err);
    cr_assert_str_eq(info_isa(r.out, got, sizeof got), ds_isa_to_name(ds_isa_best()));
}

Test(dispatch, api_refuses_unavailable)
{
    ds_isa x;
    cr_assert_eq(ds_isa_parse("bogus", &x), -1);
    cr_assert_eq(ds_isa_parse("avx2", &x), 0);
    cr_assert_eq(x, DS_ISA_AVX2);
    for (int i = 0; i < DS_ISA_COUNT; i++)
        cr_assert_eq(ds_isa_set((ds_isa)i) == 0, ds_isa_available((ds_isa)i) != 0, "ds_isa_set(%s)",
                     ds_isa_to_name((ds_isa)i));
    cr_assert(ds_isa_available(DS_ISA_SCALAR));
}

/* For tests/qemu-nehalem.sh: under `qemu-x86_64 -cpu Nehalem` the best ISA
 * must be scalar. It also proves the test ran under qemu at all: were
 * Criterion's test process to escape the emulator, it would see the host's
 * AVX2 and fail here. */
Test(dispatch, best_isa_as_expected)
{
    const char *want = getenv("DEEPSWEEP_EXPECT_BEST_ISA");
    if (!want)
        cr_skip_test("DEEPSWEEP_EXPECT_BEST_ISA not set (tests/qemu-nehalem.sh sets it): skipped");
    cr_assert_str_eq(ds_isa_to_name(ds_isa_best()), want);
}
