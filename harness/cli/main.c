/* build/deepsweep: subcommand dispatch only. */
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "kernels.h"
#include "runcfg.h"
#include "suggest.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

/* One row per subcommand; each is implemented in its own harness/ file. */
static const command commands[] = {
    {"info", cmd_info, "version, ISA, threads and machine topology"},
    {"train", cmd_train, "train one MLP (MNIST, Fashion-MNIST, XOR) and print per-epoch metrics"},
    {"gradcheck", cmd_gradcheck, "check the backward pass against finite differences"},
    {"plot", cmd_plot, "figures and REPORT.md from a results folder"},
    {"bench", cmd_bench, "profile kernel throughput against peak, bandwidth and OpenBLAS"},
    {"run", cmd_run, "run an experiment file: a resumable, shardable sweep of runs"},
    {"merge", cmd_merge, "union the results folders of a sharded sweep"},
    {"show", cmd_show, "the summary table of a results folder, from its CSVs"},
    {"compare", cmd_compare, "two results folders: groups matched, differences, CIs, p-values"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f, "usage: deepsweep [--help] [--version] <command> [args]\n\n"
               "A multithreaded SIMD benchmark harness for multilayer perceptrons.\n\n"
               "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'deepsweep <command> --help' (or 'deepsweep help <command>') describes one\n"
               "command.\n\noptions:\n");
    ds_cli_print_options(f, opts);
    fprintf(f, "\nenvironment:\n"
               "  DEEPSWEEP_ISA    force a kernel ISA (valid: %s)\n"
               "  OMP_NUM_THREADS  number of threads (default: all cores; above the thread\n"
               "                   limit, 4 x the processors, it is clamped with a warning)\n",
            ds_isa_valid_names());
    ds_cli_exit_status(f);
}

/* "deepsweep: unknown command 'trian' (did you mean 'train'?)" */
static int unknown_command(const char *name)
{
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    const char *best = ds_suggest(name, names, (int)N_COMMANDS);
    char valid[256] = "";
    for (size_t i = 0, o = 0; i < N_COMMANDS && o < sizeof valid; i++)
        o += (size_t)snprintf(valid + o, sizeof valid - o, "%s%s", i ? ", " : "", names[i]);
    if (best)
        return ds_err_print(NULL, 2, "unknown command '%s' (did you mean '%s'?)", DS_ECHO(name),
                            best);
    return ds_err_print(NULL, 2, "unknown command '%s' (valid: %s)", DS_ECHO(name), valid);
}

/* OMP_NUM_THREADS above the thread limit (ds_thread_limit: 4 x the
 * processors) is clamped, with a warning, before any parallel region: libgomp
 * would try to start every thread it names (100000 crashed in its start-up).
 * Only the first level of a nested list ("8,2") is a thread count here. */
static void clamp_omp_threads(void)
{
    const char *s = getenv("OMP_NUM_THREADS");
    if (!s)
        return;
    size_t n = strspn(s, " \t"), d = strspn(s + n, "0123456789");
    if (!d)
        return; /* not a number: libgomp ignores it and uses its default */
    int limit = ds_thread_limit();
    char *end;
    unsigned long long v = strtoull(s + n, &end, 10); /* ULLONG_MAX on overflow: above too */
    if (v <= (unsigned long long)limit)
        return;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    fprintf(stderr,
            "deepsweep: warning: OMP_NUM_THREADS=%.40s is above the thread limit %d (4 x %d "
            "processors): using %d\n",
            s, limit, omp_get_num_procs(), limit);
    omp_set_num_threads(limit);
    setenv("OMP_NUM_THREADS", lim, 1); /* for child processes too */
}

int main(int argc, char **argv)
{
    clamp_omp_threads();
    int version = 0;
    const ds_opt opts[] = {
        DS_OPT_FLAG("version", 'V', &version, "the version and git revision"),
        DS_OPT_END,
    };
    const ds_cli cli = {.opts = opts, .usage = usage, .max_args = -1, .stop_at_arg = 1};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    if (version) {
        printf("deepsweep %s (%s)\n", DS_VERSION, DS_GIT_REV);
        return 0;
    }
    if (first == argc) {
        usage(stderr, opts);
        return 2;
    }
    /* "deepsweep help" is --help; "deepsweep help CMD" is "CMD --help" */
    char help_opt[] = "--help", *help_argv[] = {NULL, help_opt, NULL};
    if (!strcmp(argv[first], "help")) {
        if (first + 1 == argc) {
            usage(stdout, opts);
            return 0;
        }
        help_argv[0] = argv[first + 1];
        argv = help_argv;
        argc = 2;
        first = 0;
    }
    char err[256];
    if (ds_init(err, sizeof err) != 0)
        return ds_err_print(NULL, 2, "%s", err);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[first], commands[i].name))
            return commands[i].run(argc - first, argv + first);
    return unknown_command(argv[first]);
}
