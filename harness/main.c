/* build/deepsweep: subcommand dispatch only. */
#include "commands.h"
#include "kernels.h"

#include <stdio.h>
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
};

static void usage(FILE *f)
{
    fprintf(f, "usage: deepsweep [--help] [--version] <command> [args]\n\n"
               "A multithreaded SIMD benchmark harness for multilayer perceptrons.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'deepsweep <command> --help' describes one command.\n\n"
               "environment:\n"
               "  DEEPSWEEP_ISA    force a kernel ISA (valid: %s)\n"
               "  OMP_NUM_THREADS  number of threads (default: all cores)\n",
            ds_isa_valid_names());
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("deepsweep %s (%s)\n", DS_VERSION, DS_GIT_REV);
        return 0;
    }
    char err[256];
    if (ds_init(err, sizeof err) != 0) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "deepsweep: unknown command '%s' (valid:", argv[1]);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, "%s %s", i ? "," : "", commands[i].name);
    fprintf(stderr, ")\n");
    return 2;
}
