/* LD_PRELOAD shim for tests/qemu-nehalem.sh (not part of the test binary:
 * it lives outside the tests/*.c wildcard).
 *
 * Criterion runs every test in a fresh process: its sandbox (BoxFort) forks
 * and then execve()s the test binary again. Under qemu-user that exec starts
 * the binary natively, outside the emulator, so the tests would run on the
 * host CPU and prove nothing about baseline code. This shim, preloaded into
 * the emulated process, turns that execve into
 *     qemu-x86_64 -cpu <cpu> -0 <argv0> <binary> <args...>
 * so the re-executed test stays on the emulated CPU. Set by the script:
 * DS_QEMU_WRAP (the qemu binary) and DS_QEMU_CPU (the CPU model).
 * (libcriterion imports execve only, so that is the one call to catch.) */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { MAX_ARGS = 64 };

/* The real execve, by its system call (no symbol lookup that could find
 * this one again). */
static int real_execve(const char *path, char *const argv[], char *const envp[])
{
    return (int)syscall(SYS_execve, path, argv, envp);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    const char *qemu = getenv("DS_QEMU_WRAP"), *cpu = getenv("DS_QEMU_CPU");
    int n = 0;
    while (argv[n] && n < MAX_ARGS)
        n++;
    if (!qemu || !*qemu || !cpu || !*cpu || n == 0 || argv[n])
        return real_execve(path, argv, envp);
    char *wrapped[MAX_ARGS + 8];
    int w = 0;
    wrapped[w++] = (char *)qemu;
    wrapped[w++] = "-cpu";
    wrapped[w++] = (char *)cpu;
    wrapped[w++] = "-0"; /* the guest's argv[0]: BoxFort's "boxfort-worker" */
    wrapped[w++] = argv[0];
    wrapped[w++] = (char *)path;
    for (int i = 1; i < n; i++)
        wrapped[w++] = argv[i];
    wrapped[w] = NULL;
    return real_execve(qemu, wrapped, envp);
}
