/* The bad-input corpus (tests/bad/, issue 11 item 2): every case of
 * tests/bad/cases is run through the binary, and must exit with its status,
 * print its message fragment, finish within TIME_BOUND seconds, and leave
 * every file as it was (the corpus, the scratch inputs and the working
 * folder the command runs in, snapshot before and after).
 *
 * A line of tests/bad/cases is
 *     class | status | arguments | message fragment
 * Arguments are split at spaces ('...' keeps spaces); in arguments and
 * fragment, @bad is tests/bad and @tmp the scratch folder this test fills
 * with what git cannot hold (see make_scratch): a directory, a fifo, an
 * unreadable file, a device node, a symbolic link, huge files. A case that
 * names @tmp/unreadable runs without CAP_DAC_OVERRIDE when the test runs as
 * root (setpriv), since root reads any file otherwise. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIME_BOUND 5.0 /* seconds per case: every case takes ~0.1 s */
#define MAX_ARGS 32

static char bad[1024], tmp[256], work[512], in[512], outdir[256];
static int have_device;

static void put(const char *dir, const char *name, const char *text)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(text, f);
    fclose(f);
}

/* A file of `n` repetitions of `unit` between head and tail. */
static void put_big(const char *name, const char *head, const char *unit, long n, const char *tail)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", in, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(head, f);
    for (long i = 0; i < n; i++)
        fputs(unit, f);
    fputs(tail, f);
    fclose(f);
}

/* What a repository cannot hold, made fresh in @tmp. */
static void make_scratch(void)
{
    char p[8192];
    snprintf(in, sizeof in, "%s/in", tmp);
    snprintf(work, sizeof work, "%s/work", tmp);
    cr_assert_eq(mkdir(in, 0755), 0);
    cr_assert_eq(mkdir(work, 0755), 0);
    snprintf(p, sizeof p, "%s/dir.yaml", in);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/fifo", in);
    cr_assert_eq(mkfifo(p, 0644), 0);
    put(in, "unreadable.yaml", "name: u\ndataset: xor\n");
    snprintf(p, sizeof p, "%s/unreadable.yaml", in);
    cr_assert_eq(chmod(p, 0), 0);
    snprintf(p, sizeof p, "%s/full", in); /* /dev/full's numbers, never the real one */
    have_device = mknod(p, S_IFCHR | 0666, makedev(1, 7)) == 0;
    put(in, "target", "a file a link points to\n");
    snprintf(p, sizeof p, "%s/link", in);
    cr_assert_eq(symlink("target", p), 0);
    /* huge scalars and lists: each refused with its reason, in linear time */
    put_big("huge-label.yaml", "name: h\ndataset: xor\nruns:\n  - label: ", "a", 1 << 20 >> 1, "\n");
    put_big("huge-number.yaml", "name: h\ndataset: xor\nbase:\n  epochs: ", "9", 100000, "\n");
    put_big("huge-hidden.yaml", "name: h\ndataset: xor\nbase:\n  hidden: [", "4, ", 20000, "4]\n");
    put_big("huge-sweep.yaml", "name: h\ndataset: xor\nsweep:\n  lr: [", "0.1, ", 20000, "abc]\n");
    put_big("huge-comment.yaml", "", "# a comment line of a long file, nothing else\n", 10000, "");
    put_big("huge-file.yaml", "name: h\ndataset: xor\ndescription: ", "x", 2 << 20, "\n");
}

/* ---- snapshot: every entry below a folder, with what a change changes ---- */

static char *snap;
static size_t snap_len, snap_cap;

static int note(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    char line[8192 + 256];
    int n = snprintf(line, sizeof line, "%s %o %lld %llu %lld.%09ld %lld.%09ld\n", path,
                     (unsigned)st->st_mode, (long long)st->st_size, (unsigned long long)st->st_ino,
                     (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                     (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
    if (snap_len + (size_t)n + 1 > snap_cap) {
        snap_cap = 2 * (snap_cap + (size_t)n + 1);
        snap = realloc(snap, snap_cap);
        cr_assert_not_null(snap);
    }
    memcpy(snap + snap_len, line, (size_t)n + 1);
    snap_len += (size_t)n;
    return 0;
}

/* The tree of bad and tmp as text (malloc'd). */
static char *snapshot(void)
{
    snap = NULL;
    snap_len = snap_cap = 0;
    nftw(bad, note, 16, FTW_PHYS);
    nftw(tmp, note, 16, FTW_PHYS);
    return snap ? snap : strdup("");
}

/* ---- one case --------------------------------------------------------------- */

/* s with @bad and @tmp replaced, into out. */
static void expand(const char *s, char *out, size_t n)
{
    size_t o = 0;
    while (*s && o + 1 < n) {
        const char *rep = !strncmp(s, "@bad", 4) ? bad : !strncmp(s, "@tmp", 4) ? in : NULL;
        if (rep) {
            o += (size_t)snprintf(out + o, n - o, "%s", rep);
            s += 4;
        } else {
            out[o++] = *s++;
        }
    }
    out[o < n ? o : n - 1] = 0;
}

/* Splits s at spaces ('...' quotes) into argv (pointing into s). */
static int split(char *s, char **argv, int max)
{
    int n = 0;
    while (*s && n < max - 1) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        char *w = s, *o = s;
        for (int q = 0; *s && (q || *s != ' '); s++) {
            if (*s == '\'')
                q = !q;
            else
                *o++ = *s;
        }
        if (*s)
            s++;
        *o = 0;
        argv[n++] = w;
    }
    argv[n] = NULL;
    return n;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs the binary with argv in work; returns its exit status (-1: killed at
 * the time bound), its output in out, its seconds in *secs. */
static int run_case(char **argv, int argc, int no_dac, char *out, size_t outlen, double *secs)
{
    const char *bin = getenv("DEEPSWEEP_BIN");
    char of[8192], binabs[4096 + 64];
    snprintf(of, sizeof of, "%s/out", outdir); /* outside the trees compared */
    if (!bin || !realpath(bin, binabs)) /* realpath writes at most PATH_MAX */
        snprintf(binabs, sizeof binabs, "%s/../../build/deepsweep", bad);
    char *full[MAX_ARGS + 4];
    int k = 0;
    if (no_dac) {
        full[k++] = "setpriv";
        full[k++] = "--bounding-set";
        full[k++] = "-dac_override,-dac_read_search";
    }
    full[k++] = binabs;
    for (int i = 0; i < argc; i++)
        full[k++] = argv[i];
    full[k] = NULL;
    double t0 = now();
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open(of, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || chdir(work) != 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        execvp(full[0], full);
        _exit(127);
    }
    int st = 0, done = 0;
    while (!done && now() - t0 < TIME_BOUND) {
        done = waitpid(pid, &st, WNOHANG) == pid;
        if (!done)
            nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    *secs = now() - t0;
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    /* the output is the command's, not part of the tree it may not change */
    FILE *f = fopen(of, "r");
    size_t got = f ? fread(out, 1, outlen - 1, f) : 0;
    out[got] = 0;
    if (f)
        fclose(f);
    unlink(of);
    return !done ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(bad_inputs, corpus)
{
    cr_assert_not_null(realpath("tests/bad", bad), "run from the repository root");
    snprintf(tmp, sizeof tmp, "/tmp/ds-bad-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(outdir, sizeof outdir, "/tmp/ds-bad-out-XXXXXX");
    cr_assert_not_null(mkdtemp(outdir));
    make_scratch();
    char manifest[8192];
    snprintf(manifest, sizeof manifest, "%s/cases", bad);
    FILE *mf = fopen(manifest, "r");
    cr_assert_not_null(mf, "%s", manifest);
    char line[4096], classes[64][32];
    int per_class[64] = {0}, n_classes = 0, n = 0, failed = 0, skipped = 0, lineno = 0;
    double slowest = 0;
    static char out[1 << 16];
    while (fgets(line, sizeof line, mf)) {
        lineno++;
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *f[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            char *bar = f[i - 1] ? strstr(f[i - 1], " | ") : NULL;
            cr_assert_not_null(bar, "%s:%d: class | status | arguments | fragment", manifest, lineno);
            *bar = 0;
            f[i] = bar + 3;
        }
        char args[8192], frag[8192], *argv[MAX_ARGS];
        expand(f[2], args, sizeof args);
        expand(f[3], frag, sizeof frag);
        int argc = split(args, argv, MAX_ARGS);
        if (strstr(f[2], "@tmp/full") && !have_device) {
            skipped++;
            continue;
        }
        int no_dac = strstr(f[2], "@tmp/unreadable") && geteuid() == 0;
        int want = atoi(f[1]), c;
        for (c = 0; c < n_classes && strcmp(classes[c], f[0]); c++)
            ;
        if (c == n_classes) {
            cr_assert_lt(n_classes, 64);
            snprintf(classes[n_classes++], sizeof classes[0], "%.31s", f[0]);
        }
        char *before = snapshot();
        double secs;
        int got = run_case(argv, argc, no_dac, out, sizeof out, &secs);
        char *after = snapshot();
        const char *why = got == -1                ? "did not finish within the time bound"
                          : got != want            ? "wrong exit status"
                          : !strstr(out, frag)     ? "message lacks the fragment"
                          : strcmp(before, after)  ? "changed or created files"
                                                   : NULL;
        if (why) {
            failed++;
            fprintf(stderr, "tests/bad/cases:%d: %s: %s\n  status %d (want %d), %.2f s\n  output: %.600s\n  fragment: %s\n",
                    lineno, f[2], why, got, want, secs, out, frag);
        }
        if (secs > slowest)
            slowest = secs;
        free(before);
        free(after);
        per_class[c]++;
        n++;
    }
    fclose(mf);
    fprintf(stderr, "bad inputs: %d cases (%d failed, %d skipped: no device node), slowest %.2f s:", n,
            failed, skipped, slowest);
    for (int c = 0; c < n_classes; c++)
        fprintf(stderr, " %s %d%s", classes[c], per_class[c], c + 1 < n_classes ? "," : "\n");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwX %s; rm -rf %s %s", tmp, tmp, outdir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(failed, 0, "%d of %d bad inputs not refused as tests/bad/cases says (see above)", failed, n);
    cr_assert_gt(n, 0);
}
