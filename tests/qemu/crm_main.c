/* Driver for the minimal Criterion stand-in (tests/qemu/criterion/
 * criterion.h): runs every registered test in a forked process, in
 * registration order, and ends with the line "N passed, N failed".
 *   deepsweep-kernel-tests [--filter GLOB]... [--exclude GLOB]... [--jobs N]
 * (globs over "suite/name"; see main).
 * A test fails on a failed cr_assert/cr_expect, on a crash (a signal other
 * than its .signal), on exceeding its .timeout (seconds, its suite's when
 * unset, times CRM_TIMEOUT_SCALE), or — with .signal set — when it does
 * not die by that signal.
 * Skipped tests (cr_skip_test) are counted apart. Exit status 0 iff none
 * failed. */
#include "criterion/criterion.h"

#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_TESTS = 1024, MAX_SUITES = 128, EXIT_SKIP = 77 };

static struct crm_test *tests[MAX_TESTS];
static struct crm_suite *suites[MAX_SUITES];
static int ntests, nsuites;
static int failures; /* in the test's own process */

void crm_register_test(struct crm_test *t)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "crm: more than %d tests\n", MAX_TESTS);
        exit(2);
    }
    tests[ntests++] = t;
}

void crm_register_suite(struct crm_suite *s)
{
    if (nsuites == MAX_SUITES) {
        fprintf(stderr, "crm: more than %d suites\n", MAX_SUITES);
        exit(2);
    }
    suites[nsuites++] = s;
}

void crm_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    failures++;
    fprintf(stderr, "[----] %s:%d: Assertion failed: ", file, line);
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    } else {
        fputs(expr, stderr);
    }
    fputc('\n', stderr);
}

void crm_abort_test(void)
{
    fflush(NULL);
    _exit(1);
}

void crm_skip(const char *fmt, ...)
{
    fputs("[SKIP] ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(NULL);
    _exit(EXIT_SKIP);
}

void crm_log(const char *fmt, ...)
{
    fputs("[----] ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static const struct crm_suite *suite_of(const struct crm_test *t)
{
    for (int i = 0; i < nsuites; i++)
        if (strcmp(suites[i]->name, t->suite) == 0)
            return suites[i];
    return NULL;
}

/* in the forked process: init, test, fini; the exit status is the verdict */
static _Noreturn void run_child(const struct crm_test *t, const struct crm_suite *s,
                                double timeout)
{
    if (timeout > 0)
        alarm((unsigned)(timeout + 0.999));
    if (s && s->init)
        s->init();
    if (t->init)
        t->init();
    t->fn();
    if (t->fini)
        t->fini();
    if (s && s->fini)
        s->fini();
    fflush(NULL);
    _exit(failures ? 1 : 0);
}

/* the verdict of a finished test process; counts it */
struct running {
    pid_t pid;
    int idx, want_sig;
};
static int passed, failed, skipped;

static void verdict_of(const struct running *r, int st)
{
    const struct crm_test *t = tests[r->idx];
    const char *verdict;
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        verdict = sig == r->want_sig ? "PASS" : sig == SIGALRM ? "TIMEOUT" : "CRASH";
        if (sig != r->want_sig)
            fprintf(stderr, "[----] %s/%s: %s (signal %d)\n", t->suite, t->name,
                    sig == SIGALRM ? "timed out" : "crashed", sig);
    } else if (r->want_sig) {
        verdict = "FAIL";
        fprintf(stderr, "[----] %s/%s: expected signal %d, exited with %d\n", t->suite,
                t->name, r->want_sig, WEXITSTATUS(st));
    } else if (WEXITSTATUS(st) == EXIT_SKIP) {
        verdict = "SKIP";
    } else {
        verdict = WEXITSTATUS(st) == 0 ? "PASS" : "FAIL";
    }
    if (strcmp(verdict, "PASS") == 0)
        passed++;
    else if (strcmp(verdict, "SKIP") == 0)
        skipped++;
    else
        failed++;
    fprintf(stderr, "[%s] %s/%s\n", verdict, t->suite, t->name);
}

enum { MAX_GLOBS = 32, MAX_JOBS = 16 };

static int matches_any(const char *const *globs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (fnmatch(globs[i], name, 0) == 0)
            return 1;
    return 0;
}

/*   --filter GLOB    run only tests whose "suite/name" matches (repeatable: any)
 *   --exclude GLOB   skip those that match (repeatable)
 *   --jobs N         N test processes at a time (1..16; default 1) */
int main(int argc, char **argv)
{
    const char *filters[MAX_GLOBS], *excludes[MAX_GLOBS];
    int nf = 0, ne = 0, jobs = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc && nf < MAX_GLOBS)
            filters[nf++] = argv[++i];
        else if (strcmp(argv[i], "--exclude") == 0 && i + 1 < argc && ne < MAX_GLOBS)
            excludes[ne++] = argv[++i];
        else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc &&
                 (jobs = atoi(argv[i + 1])) >= 1 && jobs <= MAX_JOBS)
            i++;
        else {
            fprintf(stderr, "usage: %s [--filter GLOB]... [--exclude GLOB]... [--jobs 1..%d]\n",
                    argv[0], MAX_JOBS);
            return 2;
        }
    }
    /* CRM_TIMEOUT_SCALE: the tests' timeouts are set for native runs; the
     * runner scales them under emulation (they exist to catch hangs) */
    const char *ts = getenv("CRM_TIMEOUT_SCALE");
    double tscale = ts && atof(ts) > 0 ? atof(ts) : 1.0;
    struct running run[MAX_JOBS];
    int nrun = 0;
    for (int i = 0; i <= ntests; i++) {
        /* reap until a slot is free (all of them after the last test) */
        while (nrun > 0 && (nrun == jobs || i == ntests)) {
            int st;
            pid_t pid = wait(&st);
            if (pid < 0) {
                perror("crm: wait");
                return 1;
            }
            for (int r = 0; r < nrun; r++)
                if (run[r].pid == pid) {
                    verdict_of(&run[r], st);
                    run[r] = run[--nrun];
                    break;
                }
        }
        if (i == ntests)
            break;
        const struct crm_test *t = tests[i];
        const struct crm_suite *s = suite_of(t);
        char full[256];
        snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
        if ((nf && !matches_any(filters, nf, full)) || matches_any(excludes, ne, full))
            continue;
        if (t->disabled || (s && s->disabled)) {
            skipped++;
            continue;
        }
        double timeout = (t->timeout > 0 ? t->timeout : s ? s->timeout : 0) * tscale;
        fprintf(stderr, "[RUN ] %s\n", full);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            perror("crm: fork");
            return 1;
        }
        if (pid == 0)
            run_child(t, s, timeout);
        run[nrun].pid = pid;
        run[nrun].idx = i;
        run[nrun].want_sig = t->signal ? t->signal : s ? s->signal : 0;
        nrun++;
    }
    printf("Synthesis: Tested: %d | Passing: %d | Failing: %d | Skipped: %d\n",
           passed + failed, passed, failed, skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
