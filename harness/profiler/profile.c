/* The profile's keys: one table for the YAML profile (configs/kernels.yaml)
 * and the command line (an option of the same name overrides the key), so
 * both take the same values with the same checks and messages. Numbers go
 * through parse.h, the file through the YAML layer (yamldoc.h). */
#include "bench.h"
#include "err.h"
#include "names.h"
#include "parse.h"
#include "runcfg.h"
#include "suggest.h"
#include "topo.h"
#include "yamldoc.h"

#include <omp.h>
#include <string.h>

typedef int (*key_setter)(ds_bench_opts *o, const char *field, const char *val, char *err,
                          size_t errlen);

/* Splits a comma-separated list into trimmed items; returns the count, or -1
 * when there are more than max or an item is empty or too long. */
static int split(const char *s, char items[][64], int max)
{
    int n = 0;
    for (const char *p = s;;) {
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

static const char *const kernel_names[] = {"gemm", "act", "softmax", "dropout", "step"};
static const char *const shape_names[] = {"mlp", "square"};

/* A list of names from `names` into a bit set. */
static int set_names(const char *field, const char *val, const char *what,
                     const char *const *names, int count, unsigned *bits, char *err,
                     size_t errlen)
{
    char valid[256] = "", items[64][64];
    for (int i = 0; i < count; i++) {
        size_t o = strlen(valid);
        snprintf(valid + o, sizeof valid - o, "%s%s", i ? ", " : "", names[i]);
    }
    int n = split(val, items, 64);
    if (n < 0)
        return ds_errf(err, errlen, 2, "%s: '%s' is not a list of %ss (valid: %s)", field,
                       DS_ECHO(val), what, valid);
    *bits = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < count && strcmp(names[k], items[i]))
            k++;
        if (k == count)
            return ds_errf(err, errlen, 2, "%s: unknown %s '%s' (valid: %s)", field, what,
                           DS_ECHO(items[i]), valid);
        *bits |= 1u << k;
    }
    return 0;
}

static int set_kernels(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    return set_names(field, val, "kernel", kernel_names, 5, &o->kernels, err, errlen);
}

static int set_shapes(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    return set_names(field, val, "shape set", shape_names, 2, &o->shapes, err, errlen);
}

static int set_isa(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    char valid[256], items[64][64];
    snprintf(valid, sizeof valid, "all, best, vector, %s, openblas", ds_isa_valid_names());
    int n = split(val, items, 64);
    if (n < 0)
        return ds_errf(err, errlen, 2, "%s: '%s' is not a list of ISAs (valid: %s)", field,
                       DS_ECHO(val), valid);
    o->isas = 0;
    for (int i = 0; i < n; i++) {
        ds_isa isa;
        if (!strcmp(items[i], "all"))
            return o->isas = 0, 0; /* all wins */
        else if (!strcmp(items[i], "best")) /* machine-independent profiles */
            o->isas |= 1u << ds_isa_best();
        else if (!strcmp(items[i], "vector")) /* AVX2 rows beside AVX-512 rows */
            for (int k = 0; k < DS_ISA_COUNT; k++)
                o->isas |= k != DS_ISA_SCALAR && ds_isa_available((ds_isa)k) ? 1u << k
                           : k == (int)ds_isa_best()                          ? 1u << k
                                                                              : 0;
        else if (!strcmp(items[i], "openblas"))
            o->isas |= DS_BENCH_OPENBLAS_BIT;
        else if (ds_isa_parse(items[i], &isa) == 0 && strstr(ds_isa_valid_names(), items[i]))
            o->isas |= 1u << isa;
        else
            return ds_errf(err, errlen, 2, "%s: unknown ISA '%s' (valid: %s)", field,
                           DS_ECHO(items[i]), valid);
    }
    return 0;
}

static int set_acts(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    char items[64][64];
    int n = split(val, items, 64);
    if (n < 0)
        return ds_errf(err, errlen, 2, "%s: '%s' is not a list of activations (valid: all, %s)",
                       field, DS_ECHO(val), ds_act_valid_names());
    o->acts = 0;
    for (int i = 0; i < n; i++) {
        ds_act a;
        if (!strcmp(items[i], "all"))
            o->acts = (1u << DS_ACT_COUNT) - 1;
        else if (ds_act_parse(items[i], &a) == 0)
            o->acts |= 1u << a;
        else
            return ds_errf(err, errlen, 2, "%s: unknown activation '%s' (valid: all, %s)", field,
                           DS_ECHO(items[i]), ds_act_valid_names());
    }
    return 0;
}

static int set_threads(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    /* the one thread limit of every command (more than 4 threads per PU
     * only measures the scheduler) */
    return ds_parse_int_list(field, "threads", val, 1, ds_thread_limit(), DS_BENCH_MAX_THREADS_LIST,
                             o->threads, &o->n_threads, err, errlen);
}

static int set_square(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    return ds_parse_int_list(field, "square", val, 1, 16384, DS_BENCH_MAX_SQUARE, o->square,
                             &o->n_square, err, errlen);
}

static int set_format(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    static const char *const f[] = {"console", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(val, f[i]))
            return o->format = (ds_bench_format)i, 0;
    return ds_errf(err, errlen, 2, "%s: unknown format '%s' (valid: console, csv, json)", field,
                   DS_ECHO(val));
}

static int set_out(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    if (!*val || strlen(val) >= sizeof o->out - 64)
        return ds_errf(err, errlen, 2, "%s: '%s' is not a usable folder name (1 to %zu "
                       "characters)", field, DS_ECHO(val), sizeof o->out - 65);
    snprintf(o->out, sizeof o->out, "%s", val);
    return 0;
}

static int set_bind(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    if (strcmp(val, "core") && strcmp(val, "none"))
        return ds_errf(err, errlen, 2, "%s: unknown binding '%s' (valid: core, none)", field,
                       DS_ECHO(val));
    o->bind_core = !strcmp(val, "core");
    return 0;
}

static int set_reps(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    return ds_parse_int(field, val, DS_TIMER_MIN_REPS, DS_TIMER_MAX_REPS, &o->timer.reps, err,
                        errlen);
}

static int set_min_time(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    return ds_parse_double(field, val, DS_OPEN_CLOSED(0, 60), &o->timer.min_time, err, errlen);
}

static int set_max_case_s(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    return ds_parse_double(field, val, DS_ABOVE(0), &o->max_case_s, err, errlen);
}

/* quick: 5 repetitions of >= 0.01 s, squares up to 512, 4M-float vectors,
 * 5 s per case (keys after it still override). */
static int set_quick(ds_bench_opts *o, const char *field, const char *val, char *err, size_t errlen)
{
    int on;
    if (ds_parse_bool(field, val, &on, err, errlen) != 0)
        return 2;
    if (on) {
        o->quick = 1;
        o->timer.reps = DS_TIMER_MIN_REPS;
        o->timer.min_time = 0.01;
        static const int sq[] = {64, 128, 256, 512};
        memcpy(o->square, sq, sizeof sq);
        o->n_square = 4;
        o->max_case_s = 5;
    }
    return 0;
}

static const struct {
    const char *key;
    key_setter set;
} keys[] = {
    {"kernels", set_kernels}, {"isa", set_isa},           {"threads", set_threads},
    {"shapes", set_shapes},   {"square", set_square},     {"acts", set_acts},
    {"format", set_format},   {"out", set_out},           {"bind", set_bind},
    {"reps", set_reps},       {"min_time", set_min_time}, {"max_case_s", set_max_case_s},
    {"quick", set_quick},
};
#define N_KEYS ((int)(sizeof keys / sizeof keys[0]))

int ds_bench_opts_set(ds_bench_opts *o, const char *key, const char *field, const char *value,
                      char *err, size_t errlen)
{
    const char *names[N_KEYS];
    for (int i = 0; i < N_KEYS; i++) {
        names[i] = keys[i].key;
        if (!strcmp(key, keys[i].key))
            return keys[i].set(o, field, value, err, errlen);
    }
    const char *near = ds_suggest(key, names, N_KEYS);
    char hint[96] = "";
    if (near)
        snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
    return ds_errf(err, errlen, 2, "unknown key '%s' (%svalid: kernels, isa, threads, shapes, "
                   "square, acts, format, out, bind, reps, min_time, max_case_s, quick)",
                   DS_ECHO(key), hint);
}

/* A value: a scalar, or a list of scalars joined with commas. */
static int value_text(ds_yaml *y, yaml_node_t *v, char *buf, size_t len, char *err, size_t errlen)
{
    if (ds_yaml_scalar(v)) {
        snprintf(buf, len, "%s", ds_yaml_scalar(v));
        return 0;
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return ds_err_at(err, errlen, ds_yaml_pos(y, v),
                         "nested mapping (values are scalars or lists of scalars)");
    buf[0] = 0;
    for (int i = 0; i < ds_yaml_len(v); i++) {
        yaml_node_t *it = ds_yaml_item(y, v, i);
        if (!ds_yaml_scalar(it))
            return ds_err_at(err, errlen, ds_yaml_pos(y, it),
                             "unexpected list (values are scalars or lists of scalars)");
        size_t o = strlen(buf);
        snprintf(buf + o, len - o, "%s%s", i ? "," : "", ds_yaml_scalar(it));
    }
    return 0;
}

int ds_bench_profile_load(ds_bench_opts *o, const char *path, char *err, size_t errlen)
{
    ds_yaml y;
    int rc = ds_yaml_load(&y, path, err, errlen);
    yaml_node_t *root = rc ? NULL : ds_yaml_root(&y);
    if (!rc && root && root->type != YAML_MAPPING_NODE)
        rc = ds_err_at(err, errlen, ds_yaml_pos(&y, root), "expected a mapping of option: value");
    if (!rc && root)
        rc = ds_yaml_check_keys(&y, root, err, errlen);
    for (int i = 0; !rc && root && i < ds_yaml_len(root); i++) {
        yaml_node_pair_t *p = ds_yaml_pair(root, i);
        yaml_node_t *k = ds_yaml_node(&y, p->key), *v = ds_yaml_node(&y, p->value);
        char val[1024], why[512];
        rc = value_text(&y, v, val, sizeof val, err, errlen);
        if (!rc && ds_bench_opts_set(o, ds_yaml_scalar(k), ds_yaml_scalar(k), val, why,
                                     sizeof why) != 0)
            rc = ds_err_at(err, errlen, ds_yaml_pos(&y, k), "%s", why);
    }
    ds_yaml_free(&y);
    return rc;
}
