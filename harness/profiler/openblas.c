/* See openblas.h. */
#include "openblas.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

/* A child is a re-exec of its parent, whose OpenMP runtime binds the main
 * thread to one PU when OMP_PROC_BIND is set (deepsweep bench --bind core).
 * OpenBLAS sizes its thread pool from the affinity mask it sees at load time
 * and its threads inherit it, so without this it ran every "2-thread" case
 * on one core (square 1024: 36 GFLOP/s bound vs 70 unbound). */
static void unbind(void)
{
    cpu_set_t all;
    CPU_ZERO(&all);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < n && i < CPU_SETSIZE; i++)
        CPU_SET((int)i, &all);
    if (sched_setaffinity(0, sizeof all, &all) != 0)
        fprintf(stderr, "deepsweep: bench: note: OpenBLAS worker could not be unbound: %s\n",
                strerror(errno));
}

int ds_openblas_load(ds_openblas *ob, char *err, size_t errlen)
{
    memset(ob, 0, sizeof *ob);
    unbind();
    const char *lib = getenv("DEEPSWEEP_OPENBLAS");
    if (!lib || !*lib)
        lib = "libopenblas.so.0";
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "%s", dlerror());
        return -1;
    }
    ob->sgemm = (ds_cblas_sgemm_fn)(uintptr_t)dlsym(h, "cblas_sgemm");
    ob->set_threads = (void (*)(int))(uintptr_t)dlsym(h, "openblas_set_num_threads");
    char *(*corename)(void) = (char *(*)(void))(uintptr_t)dlsym(h, "openblas_get_corename");
    char *(*config)(void) = (char *(*)(void))(uintptr_t)dlsym(h, "openblas_get_config");
    if (!ob->sgemm) {
        snprintf(err, errlen, "no cblas_sgemm in %s", lib);
        return -1;
    }
    snprintf(ob->core, sizeof ob->core, "%s", corename ? corename() : "unknown");
    snprintf(ob->config, sizeof ob->config, "%s", config ? config() : "");
    return 0;
}

void ds_openblas_sgemm(const ds_openblas *ob, ds_trans ta, ds_trans tb, int m, int n, int k,
                       const float *a, int lda, const float *b, int ldb, float *c, int ldc)
{
    ob->sgemm(CBLAS_ROW_MAJOR, ta == DS_TRANS ? CBLAS_TRANS : CBLAS_NO_TRANS,
              tb == DS_TRANS ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, 1.0f, a, lda, b, ldb, 0.0f,
              c, ldc);
}

/* In the forked child: wire the pipes to stdin/stdout, set the environment,
 * exec. Never returns. */
static void exec_child(const int in[2], const int out[2], const char *exe,
                       const char *coretype, char *const argv[], int mute_stderr)
{
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    if (mute_stderr) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2);
    }
    if (coretype)
        setenv("OPENBLAS_CORETYPE", coretype, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv(exe ? exe : "/proc/self/exe", argv);
    _exit(127);
}

int ds_openblas_child_start(ds_openblas_child *c, const char *exe, const char *coretype,
                            char *const argv[], int mute_stderr)
{
    memset(c, 0, sizeof *c);
    /* Close-on-exec: a later child must not inherit this child's stdin write
     * end, or this child would never see end of input at stop. */
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN); /* a dead child is reported, not fatal */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        exec_child(in, out, exe, coretype, argv, mute_stderr);
    int e = errno;
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        errno = e;
        return -1;
    }
    c->pid = pid;
    c->to = fdopen(in[1], "w");
    c->from = fdopen(out[0], "r");
    if (!c->to || !c->from) {
        ds_openblas_child_stop(c, 1, NULL, 0);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int ds_openblas_child_stop(ds_openblas_child *c, int kill_it, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = 0;
    if (c->to)
        fclose(c->to);
    c->to = NULL;
    if (c->pid > 0 && kill_it)
        kill(c->pid, SIGKILL);
    if (c->from)
        fclose(c->from);
    c->from = NULL;
    if (c->pid <= 0)
        return -1;
    int status = 0;
    pid_t got = waitpid(c->pid, &status, 0);
    c->pid = 0;
    if (got < 0) {
        if (why)
            snprintf(why, whylen, "lost (%s)", strerror(errno));
        return -1;
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (why && !(kill_it && sig == SIGKILL))
            snprintf(why, whylen, "died with signal %d (%s)%s", sig, strsignal(sig),
                     sig == SIGILL ? ": this CPU lacks that core type's instructions" : "");
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        if (why)
            snprintf(why, whylen, "exit status %d", WEXITSTATUS(status));
        return -1;
    }
    return 0;
}
