/* `deepsweep bench`: options -> profile -> ds_bench_run -> exit status.
 * The keys, their checks and the profile file are harness/profiler/
 * profile.c; the work is harness/profiler/. Every value is checked before
 * any measurement starts. */
#include "bench.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "topo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f,
            "usage: deepsweep bench [PROFILE.yaml] [options]\n"
            "\n"
            "Profiles the kernels' throughput: GEMM (NN/NT/TN at the MLP training shapes,\n"
            "square sizes), activations forward/backward at L1-, L2- and memory-sized\n"
            "vectors, softmax-CE, dropout and the training step (ds_train_step), against\n"
            "baselines measured in the same run (FMA peak, copy/triad bandwidth, OpenBLAS).\n"
            "Writes OUT/kernels.csv, raw.csv, machine.csv and kernels.json (Google\n"
            "Benchmark's JSON schema, for its tools/compare.py).\n"
            "\n"
            "The profile is a YAML mapping of the option names below (min_time,\n"
            "max_case_s with '_') to a value or a list; an option overrides its key.\n"
            "Activations: all, %s.\n"
            "\n",
            ds_act_valid_names());
    ds_cli_print_options(f, opts);
    ds_cli_exit_status(f);
}

/* The option values as typed, applied after the profile (they override it). */
enum { V_KERNELS, V_ISA, V_THREADS, V_SHAPES, V_SQUARE, V_ACTS, V_FORMAT, V_OUT, V_BIND, V_REPS,
       V_MIN_TIME, V_MAX_CASE_S, V_COUNT };
static const char *const key_of[V_COUNT] = {"kernels", "isa",  "threads", "shapes",
                                            "square",  "acts", "format",  "out",
                                            "bind",    "reps", "min_time", "max_case_s"};
static const char *const option_of[V_COUNT] = {"--kernels", "--isa",  "--threads", "--shapes",
                                               "--square",  "--acts", "--format",  "--out",
                                               "--bind",    "--reps", "--min-time", "--max-case-s"};

/* One thread per core: the OpenMP runtime reads OMP_PLACES/OMP_PROC_BIND
 * once, at start-up, and main() has started it already, so set them and
 * re-exec (once: the second time they are set). Returns only on failure. */
static void reexec_bound(int argc, char **argv)
{
    char *args[256];
    int n = 0;
    args[n++] = "deepsweep";
    for (int i = 0; i < argc && n < 255; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    fflush(NULL);
    execv("/proc/self/exe", args);
    fprintf(stderr, "deepsweep: bench: note: re-exec for thread binding failed (%s); binding "
                    "with hwloc instead\n", strerror(errno));
}

int cmd_bench(int argc, char **argv)
{
    const char *v[V_COUNT] = {0}, *worker = NULL;
    int quick = 0, quiet = 0;
    const ds_opt opts[] = {
        DS_OPT_STR("kernels", 0, "LIST", &v[V_KERNELS], "gemm,act,softmax,dropout,step (default: all)"),
        DS_OPT_STR("isa", 0, "LIST", &v[V_ISA],
                   "all | best | vector | scalar,avx2,avx512,openblas (default:\n"
                   "all = every ISA this CPU has + OpenBLAS; best = the fastest\n"
                   "ISA here; vector = every SIMD ISA here, or best without one;\n"
                   "one the CPU lacks is skipped with a note)"),
        DS_OPT_STR("threads", 0, "LIST", &v[V_THREADS], "thread counts, e.g. 1,2 (default: 1 .. number of PUs)"),
        DS_OPT_STR("shapes", 0, "LIST", &v[V_SHAPES], "mlp,square (default: both)"),
        DS_OPT_STR("square", 0, "LIST", &v[V_SQUARE], "square GEMM sizes (default: 64,128,256,512,1024,2048,4096)"),
        DS_OPT_STR("acts", 0, "LIST", &v[V_ACTS], "activations (default: all)"),
        DS_OPT_STR("format", 0, "F", &v[V_FORMAT], "console | csv | json: what goes to stdout (default: console)"),
        DS_OPT_STR("out", 0, "DIR", &v[V_OUT], "output folder (default: results/bench)"),
        DS_OPT_STR("bind", 0, "B", &v[V_BIND],
                   "core: one thread per core (OMP_PLACES=cores\n"
                   "OMP_PROC_BIND=close); none (default: core)"),
        DS_OPT_STR("reps", 0, "N", &v[V_REPS], "repetitions per case, >= 5 (default: 10)"),
        DS_OPT_STR("min-time", 0, "S", &v[V_MIN_TIME], "seconds one repetition must last (default: 0.1)"),
        DS_OPT_STR("max-case-s", 0, "S", &v[V_MAX_CASE_S], "skip a case whose repetitions would take longer (default: 30)"),
        DS_OPT_FLAG("quick", 0, &quick, "5 repetitions of >= 0.01 s, squares up to 512, 4M-float vectors"),
        DS_OPT_FLAG("quiet", 'q', &quiet, "no progress lines on stderr"),
        DS_OPT_STR("openblas-worker", 0, "CASES", &worker, "(internal) the OpenBLAS child process"),
        DS_OPT_END,
    };
    const ds_cli cli = {.command = "bench", .opts = opts, .usage = usage, .max_args = 1,
                        .args = "[PROFILE.yaml]"};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    ds_bench_opts o;
    ds_bench_opts_default(&o);
    o.quiet = quiet;
    char err[DS_ERR_LEN];
    if (quick)
        ds_bench_opts_set(&o, "quick", "--quick", "true", err, sizeof err);
    const char *profile = first < argc ? argv[first] : NULL;
    if (profile && (status = ds_bench_profile_load(&o, profile, err, sizeof err)) != 0)
        return ds_err_print(NULL, status, "%s", err);
    o.config_path = profile;
    for (int i = 0; i < V_COUNT; i++)
        if (v[i] && ds_bench_opts_set(&o, key_of[i], option_of[i], v[i], err, sizeof err) != 0)
            return ds_err_print(cli.command, 2, "%s", err);
    if (worker) {
        if (!o.n_threads)
            o.threads[0] = 1, o.n_threads = 1;
        return ds_bench_openblas_worker(worker, &o);
    }
    if (o.bind_core && ds_topo_bind_env())
        reexec_bound(argc, argv);
    return ds_bench_run(&o);
}
