/* Experiment files: YAML -> validated run list (see config.h and
 * configs/README.md for the grammar).
 *
 * libyaml's document API gives a node tree whose every node carries its
 * line:column, so every error can point at the text that caused it. A value
 * is kept as text with its position (a `val`) until a run is built, so the
 * same code parses a YAML value and a command-line override, and a range
 * error found while building run 57 still names the line that set it. */
#include "config.h"
#include "csv.h"
#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_AXES 16
#define MAX_RUNS 1000000
#define MAX_SEEDS 10000
#define MAX_VARIANTS 1000

/* ---- the keys of a run ------------------------------------------------- */

enum {
    K_DATASET, K_DATA_DIR, K_TRAIN_SUBSET, K_HIDDEN, K_DEPTH, K_WIDTH, K_ACTIVATION,
    K_ACT_PARAM, K_LOSS, K_INIT, K_INIT_SCALE, K_BIAS_INIT, K_DROPOUT, K_OPTIMIZER,
    K_LR, K_MOMENTUM, K_NESTEROV, K_BETA1, K_BETA2, K_EPS, K_WEIGHT_DECAY, K_BATCH,
    K_EPOCHS, K_LOG_EVERY, K_THREADS, K_LABEL, K_REFERENCE, K_COUNT
};

/* Applied in this order within one layer, so `depth` and `width` given
 * together mean the same whatever their order in the file. */
static const struct {
    const char *name;
    char type; /* i int, f float, b bool, s string, e name, h hidden list */
    const char *allowed;
} keys[K_COUNT] = {
    [K_DATASET] = {"dataset", 'e', NULL},
    [K_DATA_DIR] = {"data_dir", 's', "a folder; empty = data/<dataset>"},
    [K_TRAIN_SUBSET] = {"train_subset", 'i', "0 = all, else the first N training images"},
    [K_HIDDEN] = {"hidden", 'h', "a list of widths 1 <= width <= " DS_STR(DS_MAX_WIDTH) ", e.g. [256, 256]; [] = none"},
    [K_DEPTH] = {"depth", 'i', "0 <= depth <= 64"},
    [K_WIDTH] = {"width", 'i', "1 <= width <= " DS_STR(DS_MAX_WIDTH)},
    [K_ACTIVATION] = {"activation", 'e', NULL},
    [K_ACT_PARAM] = {"act_param", 'f', "leaky_relu slope / elu alpha"},
    [K_LOSS] = {"loss", 'e', NULL},
    [K_INIT] = {"init", 'e', NULL},
    [K_INIT_SCALE] = {"init_scale", 'f', "init_scale >= 0"},
    [K_BIAS_INIT] = {"bias_init", 'e', NULL},
    [K_DROPOUT] = {"dropout", 'f', "0 <= dropout < 1"},
    [K_OPTIMIZER] = {"optimizer", 'e', NULL},
    [K_LR] = {"lr", 'f', "lr > 0"},
    [K_MOMENTUM] = {"momentum", 'f', "0 <= momentum < 1"},
    [K_NESTEROV] = {"nesterov", 'b', "true or false"},
    [K_BETA1] = {"beta1", 'f', "0 <= beta1 < 1"},
    [K_BETA2] = {"beta2", 'f', "0 <= beta2 < 1"},
    [K_EPS] = {"eps", 'f', "eps > 0"},
    [K_WEIGHT_DECAY] = {"weight_decay", 'f', "weight_decay >= 0"},
    [K_BATCH] = {"batch", 'i', "batch >= 1"},
    [K_EPOCHS] = {"epochs", 'i', "epochs >= 1"},
    [K_LOG_EVERY] = {"log_every", 'i', "log_every >= 1"},
    [K_THREADS] = {"threads", 'i', "0 = OpenMP default, else 1 <= threads <= 4 x the processors"},
    [K_LABEL] = {"label", 's', "1 to 63 printable characters"},
    [K_REFERENCE] = {"reference", 'f', "a number shown beside the group, e.g. 97.83"},
};

static const char *const top_keys[] = {"name", "dataset", "description", "base", "runs",
                                       "sweep", "method", "run_cap", "sweep_seed",
                                       "seeds", "modes"};
#define N_TOP (int)(sizeof top_keys / sizeof top_keys[0])

/* ---- values with positions --------------------------------------------- */

typedef struct {
    const char *src; /* file name, or "argument 'k=v'" */
    int line, col;   /* 1-based; 0 = no position */
} pos;

typedef struct {
    char *s;  /* scalar text; a YAML list's items joined by ',' */
    int seq;  /* 1 if it came from a YAML list                   */
    pos p;
} val;

typedef struct {
    val *v[K_COUNT];
    pos kp[K_COUNT]; /* where the key itself was written */
} layer;

typedef struct {
    int key;
    val *vals;
    int n;
    pos p;
} axis;

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    yaml_document_t doc;
    int have_doc;
    /* everything malloc'd for vals, freed together */
    void **arena;
    int n_arena, cap_arena;

    char name[64];
    pos name_pos;
    layer top, base, mode, cli;
    layer *variants;
    int n_variants;
    axis axes[MAX_AXES];
    int n_axes;
    uint64_t *seeds;
    int n_seeds;
    pos seeds_pos;
    char method[8];
    long run_cap;
    uint64_t sweep_seed;
    char mode_name[32];
    yaml_node_t *modes; /* the `modes:` mapping, applied after overrides pick one */
} loader;

static void *keep(loader *L, void *p)
{
    if (!p)
        return NULL;
    if (L->n_arena == L->cap_arena) {
        int cap = L->cap_arena ? 2 * L->cap_arena : 64;
        void **a = realloc(L->arena, (size_t)cap * sizeof *a);
        if (!a) {
            free(p);
            return NULL;
        }
        L->arena = a;
        L->cap_arena = cap;
    }
    L->arena[L->n_arena++] = p;
    return p;
}

static char *kstrdup(loader *L, const char *s) { return keep(L, strdup(s)); }

/* Formats "<src>:<line>:<col>: <message>" into L->err and returns 2. */
static int fail(loader *L, pos p, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p.line > 0)
        snprintf(L->err, L->errlen, "%s:%d:%d: %s", p.src, p.line, p.col, msg);
    else
        snprintf(L->err, L->errlen, "%s: %s", p.src, msg);
    return 2;
}

static int oom(loader *L)
{
    snprintf(L->err, L->errlen, "%s: out of memory", L->path);
    return 1;
}

static pos node_pos(loader *L, const yaml_node_t *n)
{
    return (pos){L->path, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

/* "; did you mean 'lr'?" when a candidate is close enough to be a typo. */
static void suggest(const char *word, const char *const *cands, int n, char *out, size_t len)
{
    const char *bw = ds_suggest(word, cands, n);
    if (bw)
        snprintf(out, len, "did you mean '%s'? ", bw);
    else
        out[0] = 0;
}

static const char *const *key_names(void)
{
    static const char *names[K_COUNT];
    for (int i = 0; i < K_COUNT; i++)
        names[i] = keys[i].name;
    return names;
}

static int key_find(const char *name)
{
    for (int i = 0; i < K_COUNT; i++)
        if (!strcmp(name, keys[i].name))
            return i;
    return -1;
}

/* The error for a key that is not a run key: nearest key, then all of them. */
static int unknown_run_key(loader *L, pos p, const char *what, const char *k)
{
    char sug[96];
    suggest(k, key_names(), K_COUNT, sug, sizeof sug);
    char list[600] = "";
    for (int i = 0; i < K_COUNT; i++) {
        strcat(list, keys[i].name);
        if (i + 1 < K_COUNT)
            strcat(list, ", ");
    }
    return fail(L, p, "%sunknown key '%s' (%svalid: %s)", what, k, sug, list);
}

/* ---- YAML nodes -> vals ------------------------------------------------ */

static yaml_node_t *node(loader *L, int i) { return yaml_document_get_node(&L->doc, i); }

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Rejects a mapping that holds the same key twice (libyaml does not). */
static int check_dups(loader *L, yaml_node_t *m)
{
    for (yaml_node_pair_t *a = m->data.mapping.pairs.start; a < m->data.mapping.pairs.top; a++) {
        yaml_node_t *ka = node(L, a->key);
        if (!scalar(ka))
            return fail(L, node_pos(L, ka), "a key must be a plain word");
        for (yaml_node_pair_t *b = m->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *kb = node(L, b->key);
            if (scalar(kb) && !strcmp(scalar(ka), scalar(kb)))
                return fail(L, node_pos(L, ka), "duplicate key '%s' (first set at line %d; each key once per block)",
                            scalar(ka), (int)kb->start_mark.line + 1);
        }
    }
    return 0;
}

static int to_val(loader *L, yaml_node_t *n, const char *key, val *out)
{
    out->p = node_pos(L, n);
    out->seq = 0;
    if (n->type == YAML_SCALAR_NODE) {
        out->s = kstrdup(L, scalar(n));
        return out->s ? 0 : oom(L);
    }
    if (n->type == YAML_MAPPING_NODE)
        return fail(L, out->p, "%s: expected a value, got a mapping", key);
    /* A list of scalars: only `hidden` takes one; the check happens when
     * the value is applied, with the key's own message. */
    size_t len = 1;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = node(L, *it);
        if (!scalar(e))
            return fail(L, node_pos(L, e), "%s: expected a list of plain values", key);
        len += strlen(scalar(e)) + 1;
    }
    char *s = keep(L, malloc(len));
    if (!s)
        return oom(L);
    s[0] = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        if (it != n->data.sequence.items.start)
            strcat(s, ",");
        strcat(s, scalar(node(L, *it)));
    }
    out->s = s;
    out->seq = 1;
    return 0;
}

static int set_layer(loader *L, layer *ly, int k, yaml_node_t *kn, yaml_node_t *vn)
{
    val *v = keep(L, calloc(1, sizeof *v));
    if (!v)
        return oom(L);
    int r = to_val(L, vn, keys[k].name, v);
    if (r)
        return r;
    ly->v[k] = v;
    ly->kp[k] = node_pos(L, kn);
    return 0;
}

/* A block of run keys (base, a variant, a mode); `extra` names further
 * keys the caller handles itself (returned through *handled). */
static int read_block(loader *L, yaml_node_t *m, layer *ly, const char *where,
                      int allow_label, yaml_node_pair_t **extra, int *n_extra,
                      const char *const *extra_names, int n_extra_names)
{
    if (m->type != YAML_MAPPING_NODE)
        return fail(L, node_pos(L, m), "%s: expected a mapping of key: value", where);
    int r = check_dups(L, m);
    if (r)
        return r;
    if (n_extra)
        *n_extra = 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(L, p->key);
        const char *k = scalar(kn);
        int handled = 0;
        for (int i = 0; i < n_extra_names; i++)
            if (!strcmp(k, extra_names[i])) {
                extra[(*n_extra)++] = p;
                handled = 1;
            }
        if (handled)
            continue;
        int ki = key_find(k);
        if (ki < 0) {
            char w[80];
            snprintf(w, sizeof w, "%s: ", where);
            return unknown_run_key(L, node_pos(L, kn), w, k);
        }
        if (ki == K_LABEL && !allow_label)
            return fail(L, node_pos(L, kn), "%s: label belongs to a variant under runs: (one label per variant)", where);
        if ((r = set_layer(L, ly, ki, kn, node(L, p->value))))
            return r;
    }
    return 0;
}

/* ---- parsing values into a ds_run_config -------------------------------- */

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    if (!*s || isspace((unsigned char)*s))
        return -1;
    long v = strtol(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (!*s || isspace((unsigned char)*s))
        return -1;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const t[] = {"true", "yes", "on", "1", "True", "TRUE"};
    static const char *const f[] = {"false", "no", "off", "0", "False", "FALSE"};
    for (int i = 0; i < 6; i++) {
        if (!strcmp(s, t[i]))
            return *out = 1, 0;
        if (!strcmp(s, f[i]))
            return *out = 0, 0;
    }
    return -1;
}

/* The state of one run being built: the config plus what set each key. */
typedef struct {
    ds_run_config rc;
    int width;          /* the width `depth` uses when it adds layers      */
    int act_param_set, loss_set; /* else the activation's / dataset's default */
    double reference;
    int has_reference;
    pos prov[K_COUNT];  /* where each key was last set ({file, 0, 0}: default) */
} build;

static int apply(loader *L, build *b, int k, const val *v)
{
    ds_run_config *rc = &b->rc;
    const char *name = keys[k].name, *s = v->s;
    b->prov[k] = v->p;
    if (v->seq && keys[k].type != 'h')
        return fail(L, v->p, "%s: expected one value, got a list [%s] (%s; lists go under sweep:)",
                    name, s, keys[k].allowed ? keys[k].allowed : "one name");
    long iv = 0;
    double fv = 0;
    switch (keys[k].type) {
    case 'i':
        if (parse_long(s, &iv) || iv < INT_MIN || iv > INT_MAX)
            return fail(L, v->p, "%s: '%s' is not an integer (%s)", name, s, keys[k].allowed);
        break;
    case 'f':
        if (parse_double(s, &fv))
            return fail(L, v->p, "%s: '%s' is not a number (%s)", name, s, keys[k].allowed);
        break;
    case 'b': {
        int bv;
        if (parse_bool(s, &bv))
            return fail(L, v->p, "%s: '%s' is not true or false", name, s);
        iv = bv;
        break;
    }
    default:
        break;
    }
    switch (k) {
    case K_DATASET:
        if (!ds_dataset_known(s))
            return fail(L, v->p, "dataset: unknown name '%s' (valid: %s)", s, ds_dataset_valid_names());
        snprintf(rc->dataset, sizeof rc->dataset, "%s", s);
        break;
    case K_DATA_DIR:
        if (strlen(s) >= sizeof rc->data_dir)
            return fail(L, v->p, "data_dir: too long (at most %zu characters)", sizeof rc->data_dir - 1);
        snprintf(rc->data_dir, sizeof rc->data_dir, "%s", s);
        break;
    case K_TRAIN_SUBSET: rc->train_subset = (int)iv; break;
    case K_HIDDEN: {
        /* [256, 256] in YAML; "256-256" (or 256x256) as one scalar, as on
         * the command line where ',' separates sweep values. */
        int n = 0;
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s", s);
        if (!v->seq && (!strcmp(tmp, "[]") || !strcmp(tmp, "none") || !*tmp))
            tmp[0] = 0;
        const char *seps = v->seq ? "," : "-x,";
        for (char *save = NULL, *t = strtok_r(tmp, seps, &save); t; t = strtok_r(NULL, seps, &save)) {
            long w;
            while (*t == ' ')
                t++;
            if (parse_long(t, &w) || w < 1 || w > DS_MAX_WIDTH)
                return fail(L, v->p, "hidden: '%s' is not a width (%s)", t, keys[k].allowed);
            if (n == DS_MAX_HIDDEN)
                return fail(L, v->p, "hidden: more than %d layers (depth <= %d)", DS_MAX_HIDDEN, DS_MAX_HIDDEN);
            rc->hidden[n++] = (int)w;
        }
        rc->n_hidden = n;
        if (n)
            b->width = rc->hidden[0];
        b->prov[K_DEPTH] = b->prov[K_WIDTH] = v->p;
        break;
    }
    case K_DEPTH:
        if (iv < 0 || iv > DS_MAX_HIDDEN)
            return fail(L, v->p, "depth: %ld is out of range (0 <= depth <= %d)", iv, DS_MAX_HIDDEN);
        for (int i = rc->n_hidden; i < iv; i++)
            rc->hidden[i] = b->width;
        rc->n_hidden = (int)iv;
        break;
    case K_WIDTH:
        if (iv < 1 || iv > DS_MAX_WIDTH)
            return fail(L, v->p, "width: %ld is out of range (1 <= width <= %d)", iv, DS_MAX_WIDTH);
        b->width = (int)iv;
        for (int i = 0; i < rc->n_hidden; i++)
            rc->hidden[i] = (int)iv;
        break;
    case K_ACTIVATION:
        if (ds_act_parse(s, &rc->activation))
            return fail(L, v->p, "activation: unknown name '%s' (valid: %s)", s, ds_act_valid_names());
        break;
    case K_ACT_PARAM: rc->act_param = (float)fv; b->act_param_set = 1; break;
    case K_LOSS:
        if (ds_loss_parse(s, &rc->loss))
            return fail(L, v->p, "loss: unknown name '%s' (valid: %s)", s, ds_loss_valid_names());
        b->loss_set = 1;
        break;
    case K_INIT:
        if (ds_init_parse(s, &rc->init))
            return fail(L, v->p, "init: unknown name '%s' (valid: %s)", s, ds_init_valid_names());
        break;
    case K_INIT_SCALE: rc->init_scale = (float)fv; break;
    case K_BIAS_INIT:
        if (ds_bias_init_parse(s, &rc->bias_init))
            return fail(L, v->p, "bias_init: unknown name '%s' (valid: %s)", s, ds_bias_init_valid_names());
        break;
    case K_DROPOUT: rc->dropout = (float)fv; break;
    case K_OPTIMIZER:
        if (ds_opt_parse(s, &rc->optimizer))
            return fail(L, v->p, "optimizer: unknown name '%s' (valid: %s)", s, ds_opt_valid_names());
        break;
    case K_LR: rc->lr = (float)fv; break;
    case K_MOMENTUM: rc->momentum = (float)fv; break;
    case K_NESTEROV: rc->nesterov = (int)iv; break;
    case K_BETA1: rc->beta1 = (float)fv; break;
    case K_BETA2: rc->beta2 = (float)fv; break;
    case K_EPS: rc->eps = (float)fv; break;
    case K_WEIGHT_DECAY: rc->weight_decay = (float)fv; break;
    case K_BATCH: rc->batch = (int)iv; break;
    case K_EPOCHS: rc->epochs = (int)iv; break;
    case K_LOG_EVERY: rc->log_every = (int)iv; break;
    case K_THREADS: rc->threads = (int)iv; break;
    case K_LABEL: {
        size_t n = strlen(s);
        int ok = n >= 1 && n < sizeof rc->label;
        for (size_t i = 0; ok && i < n; i++)
            ok = isprint((unsigned char)s[i]);
        if (!ok)
            return fail(L, v->p, "label: '%s' is not a label (%s)", s, keys[k].allowed);
        snprintf(rc->label, sizeof rc->label, "%s", s);
        break;
    }
    case K_REFERENCE: b->reference = fv; b->has_reference = 1; break;
    }
    return 0;
}

static int apply_layer(loader *L, build *b, const layer *ly)
{
    for (int k = 0; k < K_COUNT; k++)
        if (ly->v[k]) {
            int r = apply(L, b, k, ly->v[k]);
            if (r)
                return r;
        }
    return 0;
}

/* Final checks of a built run; errors point at the text that set the key. */
static int finish(loader *L, build *b)
{
    ds_run_config *rc = &b->rc;
    ds_run_config_resolve(rc, b->act_param_set, b->loss_set);
    char msg[512];
    const char *bad = ds_run_config_check(rc, msg, sizeof msg);
    if (bad) {
        char kname[32] = "";
        sscanf(bad, "%31[a-z_0-9]", kname);
        int k = key_find(kname);
        pos p = k >= 0 ? b->prov[k] : (pos){L->path, 0, 0};
        return fail(L, p, "%s", bad);
    }
    return 0;
}

/* ---- the canonical text and ids ------------------------------------------ */

uint64_t ds_fnv1a64(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* FNV-1a spreads a change in the last bytes over few output bits; the
 * splitmix64 finalizer makes neighbouring runs' ids look unrelated. */
uint64_t ds_run_hash(const char *canon)
{
    uint64_t z = ds_fnv1a64(canon, strlen(canon), DS_FNV_OFFSET);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int ds_run_canon(const ds_run_config *rc, char *buf, size_t n)
{
    char hid[DS_MAX_HIDDEN * 12 + 2] = "";
    for (int i = 0; i < rc->n_hidden; i++) {
        char t[16];
        snprintf(t, sizeof t, "%s%d", i ? "," : "", rc->hidden[i]);
        strcat(hid, t);
    }
    char f[9][40];
    double fs[9] = {rc->act_param, rc->init_scale, rc->dropout, rc->lr, rc->momentum,
                    rc->beta1, rc->beta2, rc->eps, rc->weight_decay};
    for (int i = 0; i < 9; i++)
        ds_fmt_float(f[i], sizeof f[i], (float)fs[i]);
    return snprintf(buf, n,
                    "label=%s\ndataset=%s\ntrain_subset=%d\nhidden=[%s]\nactivation=%s\n"
                    "act_param=%s\nloss=%s\ninit=%s\ninit_scale=%s\nbias_init=%s\ndropout=%s\n"
                    "optimizer=%s\nlr=%s\nmomentum=%s\nnesterov=%d\nbeta1=%s\nbeta2=%s\neps=%s\n"
                    "weight_decay=%s\nbatch=%d\nepochs=%d\nlog_every=%d\nseed=%llu\n",
                    rc->label, rc->dataset, rc->train_subset, hid, ds_act_to_name(rc->activation),
                    f[0], ds_loss_name(rc->loss), ds_init_name(rc->init), f[1],
                    ds_bias_init_name(rc->bias_init), f[2], ds_opt_name(rc->optimizer), f[3], f[4],
                    rc->nesterov, f[5], f[6], f[7], f[8], rc->batch, rc->epochs, rc->log_every,
                    (unsigned long long)rc->seed);
}

/* ---- top level ----------------------------------------------------------- */

static int parse_seeds_val(loader *L, const val *v)
{
    L->seeds_pos = v->p;
    free(L->seeds);
    L->seeds = NULL;
    L->n_seeds = 0;
    long cnt;
    if (!v->seq && !strchr(v->s, ',')) {
        if (parse_long(v->s, &cnt) || cnt < 1 || cnt > MAX_SEEDS)
            return fail(L, v->p, "seeds: '%s' is not a seed count (1 <= seeds <= %d, or a list of seeds)", v->s, MAX_SEEDS);
        L->seeds = malloc((size_t)cnt * sizeof *L->seeds);
        if (!L->seeds)
            return oom(L);
        for (long i = 0; i < cnt; i++)
            L->seeds[i] = (uint64_t)(i + 1);
        L->n_seeds = (int)cnt;
        return 0;
    }
    char tmp[8192];
    snprintf(tmp, sizeof tmp, "%s", v->s);
    int cap = 1;
    for (char *c = tmp; *c; c++)
        cap += *c == ',';
    L->seeds = malloc((size_t)cap * sizeof *L->seeds);
    if (!L->seeds)
        return oom(L);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        char *end;
        errno = 0;
        unsigned long long s = strtoull(t, &end, 10);
        if (!*t || *end || errno || *t == '-')
            return fail(L, v->p, "seeds: '%s' is not a seed (an integer >= 0)", t);
        for (int i = 0; i < L->n_seeds; i++)
            if (L->seeds[i] == s)
                return fail(L, v->p, "seeds: %llu is listed twice (each seed once)", s);
        L->seeds[L->n_seeds++] = s;
    }
    if (!L->n_seeds)
        return fail(L, v->p, "seeds: empty list (give a count or at least one seed)");
    return 0;
}

static int add_axis(loader *L, int k, val *vals, int n, pos p)
{
    for (int i = 0; i < L->n_axes; i++)
        if (L->axes[i].key == k) {
            L->axes[i] = (axis){k, vals, n, p};
            return 0;
        }
    if (L->n_axes == MAX_AXES)
        return fail(L, p, "sweep: more than %d swept keys", MAX_AXES);
    L->axes[L->n_axes++] = (axis){k, vals, n, p};
    return 0;
}

static void drop_axis(loader *L, int k)
{
    for (int i = 0; i < L->n_axes; i++)
        if (L->axes[i].key == k) {
            memmove(&L->axes[i], &L->axes[i + 1], (size_t)(L->n_axes - i - 1) * sizeof L->axes[0]);
            L->n_axes--;
            return;
        }
}

static int read_sweep(loader *L, yaml_node_t *m, const char *where)
{
    if (m->type != YAML_MAPPING_NODE)
        return fail(L, node_pos(L, m), "%s: expected a mapping of key: [values]", where);
    int r = check_dups(L, m);
    if (r)
        return r;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(L, p->key), *vn = node(L, p->value);
        const char *k = scalar(kn);
        /* dotted keys: "base.lr" is lr; the prefix names the block */
        if (!strncmp(k, "base.", 5))
            k += 5;
        int ki = key_find(k);
        if (ki < 0) {
            char w[80];
            snprintf(w, sizeof w, "%s: ", where);
            return unknown_run_key(L, node_pos(L, kn), w, k);
        }
        if (ki == K_LABEL || ki == K_REFERENCE)
            return fail(L, node_pos(L, kn), "%s: %s cannot be swept (use runs: for named variants)", where, k);
        if (vn->type != YAML_SEQUENCE_NODE)
            return fail(L, node_pos(L, vn), "%s: %s: expected a list of values, e.g. [0.1, 0.01]", where, k);
        int n = (int)(vn->data.sequence.items.top - vn->data.sequence.items.start);
        if (n == 0)
            return fail(L, node_pos(L, vn), "%s: %s: empty list (give at least one value)", where, k);
        val *vals = keep(L, calloc((size_t)n, sizeof *vals));
        if (!vals)
            return oom(L);
        for (int i = 0; i < n; i++) {
            yaml_node_t *e = node(L, vn->data.sequence.items.start[i]);
            if ((r = to_val(L, e, k, &vals[i])))
                return r;
        }
        if ((r = add_axis(L, ki, vals, n, node_pos(L, kn))))
            return r;
    }
    return 0;
}

static int read_top(loader *L, yaml_node_t *root)
{
    if (!root)
        return fail(L, (pos){L->path, 0, 0}, "empty file (an experiment needs at least name: and dataset:)");
    if (root->type != YAML_MAPPING_NODE)
        return fail(L, node_pos(L, root), "expected a mapping of top-level keys (name, dataset, base, runs, sweep, seeds, modes)");
    int r = check_dups(L, root);
    if (r)
        return r;
    snprintf(L->method, sizeof L->method, "grid");
    L->sweep_seed = 1;
    yaml_node_t *runs = NULL, *sweep = NULL;
    pos method_pos = {L->path, 0, 0}, cap_pos = method_pos;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(L, p->key), *vn = node(L, p->value);
        const char *k = scalar(kn);
        if (!strcmp(k, "name")) {
            const char *s = scalar(vn);
            int ok = s && *s && strlen(s) < sizeof L->name;
            for (const char *c = s; ok && *c; c++)
                ok = isalnum((unsigned char)*c) || *c == '-' || *c == '_' || *c == '.';
            if (!ok || *s == '.')
                return fail(L, node_pos(L, vn), "name: '%s' is not a sweep name (letters, digits, '-', '_', '.'; at most 63)", s ? s : "");
            snprintf(L->name, sizeof L->name, "%s", s);
            L->name_pos = node_pos(L, vn);
        } else if (!strcmp(k, "dataset")) {
            if ((r = set_layer(L, &L->top, K_DATASET, kn, vn)))
                return r;
        } else if (!strcmp(k, "description")) {
            /* free text for the reader */
        } else if (!strcmp(k, "base")) {
            if ((r = read_block(L, vn, &L->base, "base", 1, NULL, NULL, NULL, 0)))
                return r;
        } else if (!strcmp(k, "runs")) {
            runs = vn;
        } else if (!strcmp(k, "sweep")) {
            sweep = vn;
        } else if (!strcmp(k, "method")) {
            const char *s = scalar(vn);
            if (!s || (strcmp(s, "grid") && strcmp(s, "random")))
                return fail(L, node_pos(L, vn), "method: '%s' is not a method (valid: grid, random)", s ? s : "");
            snprintf(L->method, sizeof L->method, "%s", s);
            method_pos = node_pos(L, vn);
        } else if (!strcmp(k, "run_cap")) {
            const char *s = scalar(vn);
            if (!s || parse_long(s, &L->run_cap) || L->run_cap < 1)
                return fail(L, node_pos(L, vn), "run_cap: '%s' is out of range (run_cap >= 1)", s ? s : "");
            cap_pos = node_pos(L, vn);
        } else if (!strcmp(k, "sweep_seed")) {
            const char *s = scalar(vn);
            long v;
            if (!s || parse_long(s, &v) || v < 0)
                return fail(L, node_pos(L, vn), "sweep_seed: '%s' is not a seed (an integer >= 0)", s ? s : "");
            L->sweep_seed = (uint64_t)v;
        } else if (!strcmp(k, "seeds")) {
            val v;
            if ((r = to_val(L, vn, "seeds", &v)) || (r = parse_seeds_val(L, &v)))
                return r;
        } else if (!strcmp(k, "modes")) {
            if (vn->type != YAML_MAPPING_NODE)
                return fail(L, node_pos(L, vn), "modes: expected a mapping of mode name: {keys}");
            if ((r = check_dups(L, vn)))
                return r;
            L->modes = vn;
        } else {
            char sug[96];
            suggest(k, top_keys, N_TOP, sug, sizeof sug);
            if (key_find(k) >= 0)
                return fail(L, node_pos(L, kn), "unknown top-level key '%s' (%s is a run key: put it under base:, a runs: variant or sweep:)", k, k);
            return fail(L, node_pos(L, kn), "unknown top-level key '%s' (%svalid: name, dataset, description, base, runs, sweep, method, run_cap, sweep_seed, seeds, modes)", k, sug);
        }
    }
    if (!L->name[0])
        return fail(L, (pos){L->path, 0, 0}, "name: missing (every experiment has a name: its results go to results/<name>/)");
    if (!L->top.v[K_DATASET] && !L->base.v[K_DATASET])
        return fail(L, (pos){L->path, 0, 0}, "dataset: missing (valid: %s)", ds_dataset_valid_names());
    if (!strcmp(L->method, "random") && L->run_cap < 1)
        return fail(L, method_pos, "method: random needs run_cap: N (how many sweep points to draw per variant)");
    if (L->run_cap && strcmp(L->method, "random"))
        return fail(L, cap_pos, "run_cap: only applies to method: random");
    if (runs) {
        if (runs->type != YAML_SEQUENCE_NODE)
            return fail(L, node_pos(L, runs), "runs: expected a list of variants, each {label: ..., keys}");
        int n = (int)(runs->data.sequence.items.top - runs->data.sequence.items.start);
        if (n == 0)
            return fail(L, node_pos(L, runs), "runs: empty list (give at least one variant, or leave runs: out)");
        if (n > MAX_VARIANTS)
            return fail(L, node_pos(L, runs), "runs: %d variants (at most %d)", n, MAX_VARIANTS);
        L->variants = keep(L, calloc((size_t)n, sizeof *L->variants));
        if (!L->variants)
            return oom(L);
        for (int i = 0; i < n; i++) {
            yaml_node_t *vn = node(L, runs->data.sequence.items.start[i]);
            if ((r = read_block(L, vn, &L->variants[i], "runs", 1, NULL, NULL, NULL, 0)))
                return r;
            if (!L->variants[i].v[K_LABEL])
                return fail(L, node_pos(L, vn), "runs: variant %d has no label (each variant needs label: NAME)", i + 1);
            for (int j = 0; j < i; j++)
                if (!strcmp(L->variants[j].v[K_LABEL]->s, L->variants[i].v[K_LABEL]->s))
                    return fail(L, L->variants[i].v[K_LABEL]->p, "runs: label '%s' is used twice (labels name groups: each once)",
                                L->variants[i].v[K_LABEL]->s);
        }
        L->n_variants = n;
    }
    if (sweep && (r = read_sweep(L, sweep, "sweep")))
        return r;
    return 0;
}

/* A mode's block: run keys, plus seeds: and sweep:. */
static int apply_mode(loader *L, pos at)
{
    if (!strcmp(L->mode_name, "full") && !L->modes)
        return 0;
    yaml_node_t *m = NULL;
    char names[512] = "";
    if (L->modes)
        for (yaml_node_pair_t *p = L->modes->data.mapping.pairs.start; p < L->modes->data.mapping.pairs.top; p++) {
            const char *k = scalar(node(L, p->key));
            if (!strcmp(k, L->mode_name))
                m = node(L, p->value);
            if (strlen(names) + strlen(k) + 3 < sizeof names) {
                strcat(names, names[0] ? ", " : "");
                strcat(names, k);
            }
        }
    if (!m) {
        if (!strcmp(L->mode_name, "full"))
            return 0; /* full = the file as written, when it defines no full: */
        return fail(L, at, "mode: unknown mode '%s' (valid: full%s%s)", L->mode_name, names[0] ? ", " : "", names);
    }
    static const char *const extra_names[] = {"seeds", "sweep"};
    yaml_node_pair_t *extra[4];
    int n_extra = 0;
    char where[64];
    snprintf(where, sizeof where, "modes: %s", L->mode_name);
    int r = read_block(L, m, &L->mode, where, 0, extra, &n_extra, extra_names, 2);
    if (r)
        return r;
    for (int i = 0; i < n_extra; i++) {
        const char *k = scalar(node(L, extra[i]->key));
        yaml_node_t *vn = node(L, extra[i]->value);
        if (!strcmp(k, "seeds")) {
            val v;
            if ((r = to_val(L, vn, "seeds", &v)) || (r = parse_seeds_val(L, &v)))
                return r;
        } else if ((r = read_sweep(L, vn, where))) {
            return r;
        }
    }
    /* A mode's scalar for a swept key fixes it: the axis goes. */
    for (int k = 0; k < K_COUNT; k++)
        if (L->mode.v[k])
            drop_axis(L, k);
    return 0;
}

/* Splits "a,b,c" (a list override) into vals. */
static int split_list(loader *L, const char *s, pos p, val **out, int *n)
{
    int cap = 1;
    for (const char *c = s; *c; c++)
        cap += *c == ',';
    val *v = keep(L, calloc((size_t)cap, sizeof *v));
    char *tmp = kstrdup(L, s);
    if (!v || !tmp)
        return oom(L);
    int k = 0;
    for (char *t = tmp;;) {
        char *c = strchr(t, ',');
        if (c)
            *c = 0;
        v[k++] = (val){t, 0, p};
        if (!c)
            break;
        t = c + 1;
    }
    for (int i = 0; i < k; i++)
        if (!*v[i].s)
            return fail(L, p, "empty value in the list (key=a,b,c)");
    *out = v;
    *n = k;
    return 0;
}

static int read_overrides(loader *L, char *const *ov, int n, pos *mode_at)
{
    int r;
    for (int i = 0; i < n; i++) {
        char *src = keep(L, malloc(strlen(ov[i]) + 16));
        if (!src)
            return oom(L);
        sprintf(src, "argument '%s'", ov[i]);
        pos p = {src, 0, 0};
        const char *eq = strchr(ov[i], '=');
        if (!eq || eq == ov[i])
            return fail(L, p, "an override is key=value or key=a,b,c (e.g. epochs=3, lr=0.1,0.01, mode=quick)");
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(eq - ov[i]), ov[i]);
        const char *value = eq + 1;
        if (!strcmp(key, "mode")) {
            if (!*value || strlen(value) >= sizeof L->mode_name)
                return fail(L, p, "mode: '%s' is not a mode name", value);
            snprintf(L->mode_name, sizeof L->mode_name, "%s", value);
            *mode_at = p;
            continue;
        }
        if (!strcmp(key, "name")) {
            int ok = *value && strlen(value) < sizeof L->name && *value != '.';
            for (const char *c = value; ok && *c; c++)
                ok = isalnum((unsigned char)*c) || *c == '-' || *c == '_' || *c == '.';
            if (!ok)
                return fail(L, p, "name: '%s' is not a sweep name (letters, digits, '-', '_', '.')", value);
            snprintf(L->name, sizeof L->name, "%s", value);
            continue;
        }
        if (!strcmp(key, "seeds") || !strcmp(key, "method") || !strcmp(key, "run_cap") || !strcmp(key, "sweep_seed"))
            continue; /* applied after the mode, see apply_late */
        int k = key_find(!strncmp(key, "base.", 5) ? key + 5 : key);
        if (k < 0) {
            static const char *const extra[] = {"mode", "name", "seeds", "method", "run_cap", "sweep_seed"};
            const char *cands[K_COUNT + 6];
            for (int j = 0; j < K_COUNT; j++)
                cands[j] = keys[j].name;
            for (int j = 0; j < 6; j++)
                cands[K_COUNT + j] = extra[j];
            char sug[96];
            suggest(key, cands, K_COUNT + 6, sug, sizeof sug);
            return fail(L, p, "unknown key '%s' (%svalid: mode, name, seeds, method, run_cap, sweep_seed or a run key: %s)",
                        key, sug, "dataset, hidden, depth, width, activation, init, dropout, lr, batch, epochs, ...");
        }
        if (k == K_LABEL || k == K_REFERENCE)
            return fail(L, p, "%s cannot be overridden from the command line (it belongs to a variant)", key);
        if (strchr(value, ',')) {
            val *vals = NULL;
            int nv = 0;
            if ((r = split_list(L, value, p, &vals, &nv)) || (r = add_axis(L, k, vals, nv, p)))
                return r;
            L->cli.v[k] = NULL;
        } else {
            val *v = keep(L, calloc(1, sizeof *v));
            if (!v)
                return oom(L);
            *v = (val){kstrdup(L, value), 0, p};
            if (!v->s)
                return oom(L);
            L->cli.v[k] = v;
        }
    }
    return 0;
}

/* seeds, method, run_cap, sweep_seed from the command line: after the mode,
 * so `seeds=3 mode=quick` means three seeds whatever quick says. */
static int apply_late(loader *L, char *const *ov, int n)
{
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(ov[i], '=');
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(eq - ov[i]), ov[i]);
        const char *value = eq + 1;
        char *src = keep(L, malloc(strlen(ov[i]) + 16));
        if (!src)
            return oom(L);
        sprintf(src, "argument '%s'", ov[i]);
        pos p = {src, 0, 0};
        long v;
        if (!strcmp(key, "seeds")) {
            val sv = {(char *)value, 0, p};
            int r = parse_seeds_val(L, &sv);
            if (r)
                return r;
        } else if (!strcmp(key, "method")) {
            if (strcmp(value, "grid") && strcmp(value, "random"))
                return fail(L, p, "method: '%s' is not a method (valid: grid, random)", value);
            snprintf(L->method, sizeof L->method, "%s", value);
        } else if (!strcmp(key, "run_cap")) {
            if (parse_long(value, &v) || v < 1)
                return fail(L, p, "run_cap: '%s' is out of range (run_cap >= 1)", value);
            L->run_cap = v;
        } else if (!strcmp(key, "sweep_seed")) {
            if (parse_long(value, &v) || v < 0)
                return fail(L, p, "sweep_seed: '%s' is not a seed (an integer >= 0)", value);
            L->sweep_seed = (uint64_t)v;
        }
    }
    if (!strcmp(L->method, "random") && L->run_cap < 1)
        return fail(L, (pos){L->path, 0, 0}, "method: random needs run_cap: N (how many sweep points to draw per variant)");
    /* A command-line scalar for a swept key fixes it. */
    for (int k = 0; k < K_COUNT; k++)
        if (L->cli.v[k])
            drop_axis(L, k);
    return 0;
}

/* ---- expansion ----------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static void axis_text(const val *v, char *out, size_t n)
{
    /* hidden lists print as 256-256 so a group name has no commas */
    snprintf(out, n, "%s", v->s);
    if (v->seq)
        for (char *c = out; *c; c++)
            if (*c == ',')
                *c = '-';
    if (v->seq && !*out)
        snprintf(out, n, "none");
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void yaml_str(char *out, size_t n, const char *s)
{
    size_t k = 0;
    if (n < 3)
        return;
    out[k++] = '"';
    for (; *s && k + 3 < n; s++) {
        if (*s == '"' || *s == '\\')
            out[k++] = '\\';
        out[k++] = *s;
    }
    out[k++] = '"';
    out[k] = 0;
}

static int expand(loader *L, ds_plan *plan)
{
    int nv = L->n_variants ? L->n_variants : 1;
    long grid = 1;
    for (int a = 0; a < L->n_axes; a++) {
        grid *= L->axes[a].n;
        if (grid > MAX_RUNS)
            return fail(L, L->axes[a].p, "sweep: more than %d grid points", MAX_RUNS);
    }
    long pick = grid;
    if (!strcmp(L->method, "random") && L->run_cap < grid)
        pick = L->run_cap;
    long total = (long)nv * pick * L->n_seeds;
    if (total > MAX_RUNS)
        return fail(L, L->seeds_pos.src ? L->seeds_pos : (pos){L->path, 0, 0},
                    "the sweep has %ld runs (at most %d)", total, MAX_RUNS);
    plan->runs = calloc((size_t)total, sizeof *plan->runs);
    long *cells = malloc((size_t)grid * sizeof *cells);
    if (!plan->runs || !cells) {
        free(cells);
        return oom(L);
    }
    int r = 0;
    long ri = 0;
    for (int vi = 0; vi < nv && !r; vi++) {
        for (long g = 0; g < grid; g++)
            cells[g] = g;
        if (pick < grid) {
            /* a seeded partial Fisher-Yates: the same draw every time */
            uint64_t st = L->sweep_seed * 0x9e3779b97f4a7c15ull + (uint64_t)vi;
            for (long i = 0; i < pick; i++) {
                long j = i + (long)(splitmix64(&st) % (uint64_t)(grid - i));
                long t = cells[i];
                cells[i] = cells[j];
                cells[j] = t;
            }
            qsort(cells, (size_t)pick, sizeof *cells, cmp_long);
        }
        for (long c = 0; c < pick && !r; c++) {
            int idx[MAX_AXES];
            long rest = cells[c];
            for (int a = L->n_axes - 1; a >= 0; a--) {
                idx[a] = (int)(rest % L->axes[a].n);
                rest /= L->axes[a].n;
            }
            for (int s = 0; s < L->n_seeds; s++) {
                build b;
                memset(&b, 0, sizeof b);
                ds_run_config_defaults(&b.rc);
                snprintf(b.rc.label, sizeof b.rc.label, "%s", L->name);
                b.width = 256;
                for (int k = 0; k < K_COUNT; k++)
                    b.prov[k] = (pos){L->path, 0, 0};
                if ((r = apply_layer(L, &b, &L->top)) || (r = apply_layer(L, &b, &L->base)))
                    break;
                if (L->n_variants && (r = apply_layer(L, &b, &L->variants[vi])))
                    break;
                /* sweep values, in key order like any layer */
                layer sl;
                memset(&sl, 0, sizeof sl);
                for (int a = 0; a < L->n_axes; a++)
                    sl.v[L->axes[a].key] = &L->axes[a].vals[idx[a]];
                if ((r = apply_layer(L, &b, &sl)) || (r = apply_layer(L, &b, &L->mode)) ||
                    (r = apply_layer(L, &b, &L->cli)))
                    break;
                b.rc.seed = L->seeds[s];
                if ((r = finish(L, &b)))
                    break;
                ds_run *run = &plan->runs[ri];
                run->rc = b.rc;
                run->reference = b.reference;
                run->has_reference = b.has_reference;
                run->index = (int)ri;
                char canon[2048];
                ds_run_canon(&b.rc, canon, sizeof canon);
                snprintf(run->id, sizeof run->id, "%016llx", (unsigned long long)ds_run_hash(canon));
                /* the label names the group only when variants give one */
                size_t gl = 0;
                if (L->n_variants || !L->n_axes)
                    gl = (size_t)snprintf(run->group, sizeof run->group, "%s", b.rc.label);
                for (int a = 0; a < L->n_axes; a++) {
                    char t[64];
                    axis_text(&L->axes[a].vals[idx[a]], t, sizeof t);
                    if (gl < sizeof run->group)
                        gl += (size_t)snprintf(run->group + gl, sizeof run->group - gl, "%s%s=%s",
                                               gl ? " " : "", keys[L->axes[a].key].name, t);
                }
                ri++;
            }
        }
    }
    free(cells);
    if (r)
        return r;
    plan->n_runs = (int)ri;
    /* Two runs with one id would share rows: refuse (e.g. a sweep value
     * repeated, like lr: [0.1, 0.1]). */
    uint64_t *ids = malloc((size_t)ri * 2 * sizeof *ids);
    if (!ids)
        return oom(L);
    for (long i = 0; i < ri; i++) {
        ids[2 * i] = strtoull(plan->runs[i].id, NULL, 16);
        ids[2 * i + 1] = (uint64_t)i;
    }
    qsort(ids, (size_t)ri, 2 * sizeof *ids, cmp_u64);
    for (long i = 1; i < ri; i++)
        if (ids[2 * i] == ids[2 * i - 2]) {
            long a = (long)ids[2 * i - 1], b = (long)ids[2 * i + 1];
            free(ids);
            long lo = a < b ? a : b, hi = a < b ? b : a;
            return fail(L, (pos){L->path, 0, 0},
                        "runs %ld (%s) and %ld (%s) resolve to the same config (id %s): a swept value is repeated, overridden, or changes nothing (e.g. width with depth 0)",
                        lo + 1, plan->runs[lo].group, hi + 1, plan->runs[hi].group, plan->runs[a].id);
        }
    free(ids);
    uint64_t h = DS_FNV_OFFSET;
    for (long i = 0; i < ri; i++)
        h = ds_fnv1a64(plan->runs[i].id, 16, h);
    snprintf(plan->sweep_id, sizeof plan->sweep_id, "%016llx", (unsigned long long)h);
    return 0;
}

/* config.yaml: every key of every run, defaults included. */
static int write_resolved(loader *L, ds_plan *plan)
{
    ds_csvbuf b = {0};
    char t[1024], q[512];
    yaml_str(q, sizeof q, plan->source);
    snprintf(t, sizeof t,
             "# deepsweep: the resolved sweep as run (written by `deepsweep run`)\n"
             "name: %s\nsource: %s\nmode: %s\n", plan->name, q, plan->mode);
    ds_csvw_raw(&b, t, strlen(t));
    yaml_str(q, sizeof q, plan->overrides);
    snprintf(t, sizeof t, "overrides: %s\nmethod: %s\nsweep_id: %s\nn_runs: %d\naxes: [", q,
             plan->method, plan->sweep_id, plan->n_runs);
    ds_csvw_raw(&b, t, strlen(t));
    for (int a = 0; a < plan->n_axes; a++) {
        snprintf(t, sizeof t, "%s%s", a ? ", " : "", plan->axes[a]);
        ds_csvw_raw(&b, t, strlen(t));
    }
    ds_csvw_raw(&b, "]\nruns:\n", 8);
    for (int i = 0; i < plan->n_runs; i++) {
        const ds_run_config *rc = &plan->runs[i].rc;
        char hid[DS_MAX_HIDDEN * 12 + 2] = "";
        for (int j = 0; j < rc->n_hidden; j++) {
            char w[16];
            snprintf(w, sizeof w, "%s%d", j ? ", " : "", rc->hidden[j]);
            strcat(hid, w);
        }
        char f[9][40];
        double fs[9] = {rc->act_param, rc->init_scale, rc->dropout, rc->lr, rc->momentum,
                        rc->beta1, rc->beta2, rc->eps, rc->weight_decay};
        for (int j = 0; j < 9; j++)
            ds_fmt_float(f[j], sizeof f[j], (float)fs[j]);
        char lab[160], dd[600];
        yaml_str(lab, sizeof lab, rc->label);
        yaml_str(dd, sizeof dd, rc->data_dir);
        char ref[64] = "";
        if (plan->runs[i].has_reference) {
            char g[40];
            ds_fmt_g9(g, sizeof g, plan->runs[i].reference);
            snprintf(ref, sizeof ref, ", reference: %s", g);
        }
        char line[4096];
        snprintf(line, sizeof line,
                 "  - {index: %d, id: %s, label: %s, dataset: %s, data_dir: %s, train_subset: %d, "
                 "hidden: [%s], activation: %s, act_param: %s, loss: %s, init: %s, init_scale: %s, "
                 "bias_init: %s, dropout: %s, optimizer: %s, lr: %s, momentum: %s, nesterov: %s, "
                 "beta1: %s, beta2: %s, eps: %s, weight_decay: %s, batch: %d, epochs: %d, "
                 "log_every: %d, seed: %llu%s}\n",
                 i, plan->runs[i].id, lab, rc->dataset, dd, rc->train_subset, hid,
                 ds_act_to_name(rc->activation), f[0], ds_loss_name(rc->loss), ds_init_name(rc->init),
                 f[1], ds_bias_init_name(rc->bias_init), f[2], ds_opt_name(rc->optimizer), f[3], f[4],
                 rc->nesterov ? "true" : "false", f[5], f[6], f[7], f[8], rc->batch, rc->epochs,
                 rc->log_every, (unsigned long long)rc->seed, ref);
        ds_csvw_raw(&b, line, strlen(line));
    }
    if (b.oom) {
        ds_csvbuf_free(&b);
        return oom(L);
    }
    plan->resolved = b.s ? b.s : strdup("");
    return 0;
}

static int load_yaml(loader *L)
{
    FILE *f = fopen(L->path, "rb");
    if (!f)
        return fail(L, (pos){L->path, 0, 0}, "cannot open: %s", strerror(errno));
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return oom(L);
    }
    yaml_parser_set_input_file(&parser, f);
    int ok = yaml_parser_load(&parser, &L->doc);
    int r = 0;
    if (!ok) {
        pos p = {L->path, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1};
        r = fail(L, p, "YAML syntax error: %s%s%s", parser.problem ? parser.problem : "malformed",
                 parser.context ? " " : "", parser.context ? parser.context : "");
    } else {
        L->have_doc = 1;
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return r;
}

void ds_plan_free(ds_plan *plan)
{
    free(plan->runs);
    free(plan->resolved);
    free(plan->overrides);
    memset(plan, 0, sizeof *plan);
}

int ds_plan_load(const char *path, char *const *overrides, int n_overrides, ds_plan *plan,
                 char *err, size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    loader L;
    memset(&L, 0, sizeof L);
    L.path = path;
    L.err = err;
    L.errlen = errlen;
    snprintf(L.mode_name, sizeof L.mode_name, "full");
    pos mode_at = {path, 0, 0};
    int r = load_yaml(&L);
    if (!r)
        r = read_top(&L, yaml_document_get_root_node(&L.doc));
    if (!r && !L.n_seeds) {
        val one = {"1", 0, {path, 0, 0}};
        r = parse_seeds_val(&L, &one);
    }
    if (!r)
        r = read_overrides(&L, overrides, n_overrides, &mode_at);
    if (!r)
        r = apply_mode(&L, mode_at);
    if (!r)
        r = apply_late(&L, overrides, n_overrides);
    /* A command-line list for a key the mode fixed: the list wins. */
    if (!r)
        for (int a = 0; a < L.n_axes; a++)
            if (L.mode.v[L.axes[a].key]) {
                for (int i = 0; i < n_overrides; i++)
                    if (!strncmp(overrides[i], keys[L.axes[a].key].name, strlen(keys[L.axes[a].key].name)) &&
                        overrides[i][strlen(keys[L.axes[a].key].name)] == '=')
                        L.mode.v[L.axes[a].key] = NULL;
            }
    if (!r) {
        snprintf(plan->name, sizeof plan->name, "%s", L.name);
        snprintf(plan->source, sizeof plan->source, "%s", path);
        snprintf(plan->mode, sizeof plan->mode, "%s", L.mode_name);
        snprintf(plan->method, sizeof plan->method, "%s", L.method);
        plan->n_axes = L.n_axes;
        for (int a = 0; a < L.n_axes; a++)
            snprintf(plan->axes[a], sizeof plan->axes[a], "%s", keys[L.axes[a].key].name);
        size_t ol = 1;
        for (int i = 0; i < n_overrides; i++)
            ol += strlen(overrides[i]) + 1;
        plan->overrides = calloc(1, ol);
        if (!plan->overrides)
            r = oom(&L);
        for (int i = 0; i < n_overrides && !r; i++) {
            if (i)
                strcat(plan->overrides, " ");
            strcat(plan->overrides, overrides[i]);
        }
    }
    if (!r)
        r = expand(&L, plan);
    if (!r)
        r = write_resolved(&L, plan);
    if (L.have_doc)
        yaml_document_delete(&L.doc);
    for (int i = 0; i < L.n_arena; i++)
        free(L.arena[i]);
    free(L.arena);
    free(L.seeds);
    if (r)
        ds_plan_free(plan);
    return r;
}
