/* `deepsweep bench`: options and the optional YAML profile; the work is in
 * bench.c. Every value is checked before any measurement starts. */
#include "bench.h"
#include "commands.h"
#include "topo.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

static const char *const kernel_names[] = {"gemm", "act", "softmax", "dropout", "step"};
#define N_KERNEL_NAMES (sizeof kernel_names / sizeof kernel_names[0])
static const char *const shape_names[] = {"mlp", "square"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: deepsweep bench [PROFILE.yaml] [options]\n"
            "\n"
            "Profiles the kernels' throughput: GEMM (NN/NT/TN at the MLP training shapes,\n"
            "square sizes), activations forward/backward at L1-, L2- and memory-sized\n"
            "vectors, softmax-CE, dropout and a whole training step, against baselines\n"
            "measured in the same run (FMA peak, copy/triad bandwidth, OpenBLAS).\n"
            "Writes OUT/kernels.csv, raw.csv, machine.csv and kernels.json (Google\n"
            "Benchmark's JSON schema, for its tools/compare.py).\n"
            "\n"
            "options (override the profile's keys of the same name):\n"
            "  --kernels LIST   gemm,act,softmax,dropout,step (default: all)\n"
            "  --isa LIST       all | best | scalar,avx2,avx512,openblas (default: all =\n"
            "                   every ISA this CPU has + OpenBLAS; best = the fastest ISA\n"
            "                   here; one the CPU lacks is skipped with a note)\n"
            "  --threads LIST   thread counts, e.g. 1,2 (default: 1 .. number of PUs)\n"
            "  --shapes LIST    mlp,square (default: both)\n"
            "  --square LIST    square GEMM sizes (default: 64,128,256,512,1024,2048,4096)\n"
            "  --acts LIST      activations (default: all: %s)\n"
            "  --format F       console | csv | json: what goes to stdout (default: console)\n"
            "  --out DIR        output folder (default: results/bench)\n"
            "  --bind B         core: one thread per core (OMP_PLACES=cores\n"
            "                   OMP_PROC_BIND=close); none (default: core)\n"
            "  --reps N         repetitions per case, >= %d (default: 10)\n"
            "  --min-time S     seconds one repetition must last (default: 0.1)\n"
            "  --max-case-s S   skip a case whose repetitions would take longer (default: 30)\n"
            "  --quick          5 repetitions of >= 0.01 s, squares up to 512, 4M-float vectors\n"
            "  -q               no progress lines on stderr\n"
            "  --help           this text\n",
            ds_act_valid_names(), DS_TIMER_MIN_REPS);
}

/* Where a value came from, for error messages: "bench: --threads" or
 * "configs/kernels.yaml:3:10: threads". */
typedef struct {
    char where[600];
} origin;

static int bad(const origin *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const origin *o, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "deepsweep: %s: %s\n", o->where, msg);
    return 2;
}

static int lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], s))
            return (int)i;
    return -1;
}

static void join(const char *const *names, size_t n, char *buf, size_t len)
{
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t o = strlen(buf);
        snprintf(buf + o, len - o, "%s%s", i ? ", " : "", names[i]);
    }
}

/* Splits a comma-separated list into items (trimmed); returns the count or
 * -1 when there are more than max or an item is empty. */
static int split(const char *s, char items[][64], int max)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (!len || len >= 64 || n >= max)
            return -1;
        memcpy(items[n], p, len);
        items[n++][len] = 0;
        if (!e)
            return n;
        p = e + 1;
    }
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Applies one option (CLI name without "--", or the YAML key) with its
 * value. Returns 0 or 2 (message printed). */
static int apply(ds_bench_opts *o, const char *key, const char *val, const origin *at)
{
    char items[64][64];
    char valid[256];
    int n;
    if (!strcmp(key, "kernels")) {
        join(kernel_names, N_KERNEL_NAMES, valid, sizeof valid);
        if ((n = split(val, items, 64)) < 0)
            return bad(at, "'%s' is not a list of kernels (valid: %s)", val, valid);
        o->kernels = 0;
        for (int i = 0; i < n; i++) {
            int k = lookup(kernel_names, N_KERNEL_NAMES, items[i]);
            if (k < 0)
                return bad(at, "unknown kernel '%s' (valid: %s)", items[i], valid);
            o->kernels |= 1u << k;
        }
    } else if (!strcmp(key, "isa")) {
        snprintf(valid, sizeof valid, "all, best, %s, openblas", ds_isa_valid_names());
        if ((n = split(val, items, 64)) < 0)
            return bad(at, "'%s' is not a list of ISAs (valid: %s)", val, valid);
        o->isas = 0;
        for (int i = 0; i < n; i++) {
            ds_isa isa;
            if (!strcmp(items[i], "all"))
                o->isas = 0, i = n; /* all wins */
            else if (!strcmp(items[i], "best")) /* machine-independent profiles */
                o->isas |= 1u << ds_isa_best();
            else if (!strcmp(items[i], "openblas"))
                o->isas |= DS_BENCH_OPENBLAS_BIT;
            else if (ds_isa_parse(items[i], &isa) == 0 && strstr(ds_isa_valid_names(), items[i]))
                o->isas |= 1u << isa;
            else
                return bad(at, "unknown ISA '%s' (valid: %s)", items[i], valid);
        }
    } else if (!strcmp(key, "threads")) {
        int pus = omp_get_num_procs();
        ds_topo t;
        if (ds_topo_read(&t) == 0 && t.pus > 0)
            pus = t.pus;
        if ((n = split(val, items, DS_BENCH_MAX_THREADS_LIST)) < 0)
            return bad(at, "'%s' is not a list of at most %d thread counts", val,
                       DS_BENCH_MAX_THREADS_LIST);
        for (int i = 0; i < n; i++) {
            long v;
            if (parse_long(items[i], &v) != 0 || v < 1 || v > 4L * pus)
                return bad(at, "'%s' is not a valid thread count (1 <= threads <= %d, 4 x the "
                               "%d PUs)", items[i], 4 * pus, pus);
            o->threads[i] = (int)v;
        }
        o->n_threads = n;
    } else if (!strcmp(key, "shapes")) {
        join(shape_names, 2, valid, sizeof valid);
        if ((n = split(val, items, 64)) < 0)
            return bad(at, "'%s' is not a list of shapes (valid: %s)", val, valid);
        o->shapes = 0;
        for (int i = 0; i < n; i++) {
            int k = lookup(shape_names, 2, items[i]);
            if (k < 0)
                return bad(at, "unknown shape set '%s' (valid: %s)", items[i], valid);
            o->shapes |= 1u << k;
        }
    } else if (!strcmp(key, "square")) {
        if ((n = split(val, items, DS_BENCH_MAX_SQUARE)) < 0)
            return bad(at, "'%s' is not a list of at most %d sizes", val, DS_BENCH_MAX_SQUARE);
        for (int i = 0; i < n; i++) {
            long v;
            if (parse_long(items[i], &v) != 0 || v < 1 || v > 16384)
                return bad(at, "'%s' is not a valid square size (1 <= size <= 16384)", items[i]);
            o->square[i] = (int)v;
        }
        o->n_square = n;
    } else if (!strcmp(key, "acts")) {
        if ((n = split(val, items, 64)) < 0)
            return bad(at, "'%s' is not a list of activations (valid: %s)", val,
                       ds_act_valid_names());
        o->acts = 0;
        for (int i = 0; i < n; i++) {
            ds_act a;
            if (!strcmp(items[i], "all")) {
                o->acts = (1u << DS_ACT_COUNT) - 1;
                continue;
            }
            if (ds_act_parse(items[i], &a) != 0)
                return bad(at, "unknown activation '%s' (valid: all, %s)", items[i],
                           ds_act_valid_names());
            o->acts |= 1u << a;
        }
    } else if (!strcmp(key, "format")) {
        if (!strcmp(val, "console"))
            o->format = DS_BF_CONSOLE;
        else if (!strcmp(val, "csv"))
            o->format = DS_BF_CSV;
        else if (!strcmp(val, "json"))
            o->format = DS_BF_JSON;
        else
            return bad(at, "unknown format '%s' (valid: console, csv, json)", val);
    } else if (!strcmp(key, "out")) {
        if (!*val || strlen(val) >= sizeof o->out - 64)
            return bad(at, "'%s' is not a usable folder name (1 to %zu characters)", val,
                       sizeof o->out - 65);
        snprintf(o->out, sizeof o->out, "%s", val);
    } else if (!strcmp(key, "bind")) {
        if (!strcmp(val, "core"))
            o->bind_core = 1;
        else if (!strcmp(val, "none"))
            o->bind_core = 0;
        else
            return bad(at, "unknown binding '%s' (valid: core, none)", val);
    } else if (!strcmp(key, "reps")) {
        long v;
        if (parse_long(val, &v) != 0 || v < DS_TIMER_MIN_REPS || v > DS_TIMER_MAX_REPS)
            return bad(at, "'%s' is not a valid repetition count (%d <= reps <= %d)", val,
                       DS_TIMER_MIN_REPS, DS_TIMER_MAX_REPS);
        o->timer.reps = (int)v;
    } else if (!strcmp(key, "min-time") || !strcmp(key, "min_time")) {
        double v;
        if (parse_double(val, &v) != 0 || v <= 0 || v > 60)
            return bad(at, "'%s' is not a valid time (0 < min_time <= 60 seconds)", val);
        o->timer.min_time = v;
    } else if (!strcmp(key, "max-case-s") || !strcmp(key, "max_case_s")) {
        double v;
        if (parse_double(val, &v) != 0 || v <= 0)
            return bad(at, "'%s' is not a valid time (seconds > 0)", val);
        o->max_case_s = v;
    } else if (!strcmp(key, "quick")) {
        if (!strcmp(val, "true") || !strcmp(val, "1")) {
            o->quick = 1;
            o->timer.reps = DS_TIMER_MIN_REPS;
            o->timer.min_time = 0.01;
            static const int sq[] = {64, 128, 256, 512};
            memcpy(o->square, sq, sizeof sq);
            o->n_square = 4;
            o->max_case_s = 5;
        } else if (strcmp(val, "false") && strcmp(val, "0")) {
            return bad(at, "'%s' is not a boolean (true, false)", val);
        }
    } else {
        return bad(at, "unknown key '%s' (valid: kernels, isa, threads, shapes, square, acts, "
                       "format, out, bind, reps, min_time, max_case_s, quick)", key);
    }
    return 0;
}

/* The profile: a YAML mapping of the option names to a scalar or a list of
 * scalars. Returns 0, or 2 with a file:line:col message. */
static int load_profile(ds_bench_opts *o, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "deepsweep: bench: %s: cannot open (%s)\n", path, strerror(errno));
        return 2;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int rc = 0, depth = 0, in_seq = 0;
    char key[64] = "", val[1024] = "";
    size_t kline = 0, kcol = 0;
    unsigned seen = 0; /* duplicate-key detection over a small fixed set */
    static const char *const keys[] = {"kernels", "isa", "threads", "shapes", "square",
                                       "acts", "format", "out", "bind", "reps", "min_time",
                                       "max_case_s", "quick"};
    for (int done = 0; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            fprintf(stderr, "deepsweep: %s:%zu:%zu: %s (a YAML mapping of option: value)\n", path,
                    p.problem_mark.line + 1, p.problem_mark.column + 1,
                    p.problem ? p.problem : "syntax error");
            rc = 2;
            break;
        }
        origin at;
        snprintf(at.where, sizeof at.where, "%s:%zu:%zu: %s", path, kline, kcol, key);
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_MAPPING_START_EVENT:
            if (++depth > 1) {
                fprintf(stderr, "deepsweep: %s:%zu:%zu: nested mapping (values are scalars or "
                                "lists of scalars)\n", path, ev.start_mark.line + 1,
                        ev.start_mark.column + 1);
                rc = 2;
            }
            break;
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SEQUENCE_START_EVENT:
            if (!key[0] || in_seq) {
                fprintf(stderr, "deepsweep: %s:%zu:%zu: unexpected list (values are scalars or "
                                "lists of scalars)\n", path, ev.start_mark.line + 1,
                        ev.start_mark.column + 1);
                rc = 2;
            }
            in_seq = 1;
            val[0] = 0;
            break;
        case YAML_SEQUENCE_END_EVENT:
            in_seq = 0;
            rc = apply(o, key, val, &at);
            key[0] = 0;
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            if (depth != 1) {
                fprintf(stderr, "deepsweep: %s:%zu:%zu: expected a mapping of option: value\n",
                        path, ev.start_mark.line + 1, ev.start_mark.column + 1);
                rc = 2;
            } else if (in_seq) {
                size_t l = strlen(val);
                snprintf(val + l, sizeof val - l, "%s%s", l ? "," : "", s);
            } else if (!key[0]) {
                snprintf(key, sizeof key, "%s", s);
                kline = ev.start_mark.line + 1;
                kcol = ev.start_mark.column + 1;
                int k = lookup(keys, sizeof keys / sizeof keys[0], key);
                snprintf(at.where, sizeof at.where, "%s:%zu:%zu: %s", path, kline, kcol, key);
                if (k >= 0 && (seen & (1u << k)))
                    rc = bad(&at, "duplicate key (each option at most once)");
                if (k >= 0)
                    seen |= 1u << k;
            } else {
                rc = apply(o, key, s, &at);
                key[0] = 0;
            }
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    fclose(f);
    return rc;
}

/* Options that take a value (everything but --quick, -q, --help). */
static int takes_value(const char *a)
{
    static const char *const v[] = {"--kernels", "--isa", "--threads", "--shapes", "--square",
                                    "--acts", "--format", "--out", "--bind", "--reps",
                                    "--min-time", "--max-case-s", "--openblas-worker"};
    return lookup(v, sizeof v / sizeof v[0], a) >= 0;
}

int cmd_bench(int argc, char **argv)
{
    ds_bench_opts o;
    ds_bench_opts_default(&o);
    const char *profile = NULL, *worker = NULL;
    int quick = 0;
    /* Pass 1: --help, the profile (the one positional), --quick. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (takes_value(argv[i])) {
            if (i + 1 >= argc) {
                fprintf(stderr, "deepsweep: bench: %s: missing value (see deepsweep bench --help)\n",
                        argv[i]);
                return 2;
            }
            i++;
        } else if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else if (!strcmp(argv[i], "-q")) {
            o.quiet = 1;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "deepsweep: bench: unknown option '%s' (see deepsweep bench --help)\n",
                    argv[i]);
            return 2;
        } else if (profile) {
            fprintf(stderr, "deepsweep: bench: '%s': only one profile file is accepted (already "
                            "have '%s')\n", argv[i], profile);
            return 2;
        } else {
            profile = argv[i];
        }
    }
    origin cli;
    if (quick) {
        snprintf(cli.where, sizeof cli.where, "bench: --quick");
        apply(&o, "quick", "true", &cli);
    }
    if (profile && load_profile(&o, profile) != 0)
        return 2;
    o.config_path = profile;
    /* Pass 2: the command line overrides the profile. */
    for (int i = 1; i < argc; i++) {
        if (!takes_value(argv[i]))
            continue;
        if (!strcmp(argv[i], "--openblas-worker")) {
            worker = argv[++i];
            continue;
        }
        snprintf(cli.where, sizeof cli.where, "bench: %s", argv[i]);
        if (apply(&o, argv[i] + 2, argv[i + 1], &cli) != 0)
            return 2;
        i++;
    }
    if (!o.n_threads && worker) {
        o.threads[0] = 1;
        o.n_threads = 1;
    }
    if (worker)
        return ds_bench_openblas_worker(worker, &o);

    /* One thread per core: the OpenMP runtime reads OMP_PLACES/OMP_PROC_BIND
     * once, at start-up, and main() has started it already, so set them and
     * re-exec (once: the second time they are set). */
    if (o.bind_core && ds_topo_bind_env()) {
        char *args[256];
        int n = 0;
        args[n++] = "deepsweep";
        for (int i = 0; i < argc && n < 255; i++)
            args[n++] = argv[i];
        args[n] = NULL;
        fflush(NULL);
        execv("/proc/self/exe", args);
        fprintf(stderr, "deepsweep: bench: note: re-exec for thread binding failed (%s); "
                        "binding with hwloc instead\n", strerror(errno));
    }
    return ds_bench_run(&o);
}
