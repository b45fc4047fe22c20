/* The experiment loader: a YAML file (see configs/README.md) read into the
 * layers of loader.h (top-level dataset, base, variants, sweep axes, seeds,
 * modes), then ds_plan_load: overrides, the mode, expansion into runs. */
#include "loader.h"
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {"name", "dataset", "description", "base", "runs",
                                       "sweep", "method", "run_cap", "sweep_seed",
                                       "seeds", "modes", "mode", "source", "overrides",
                                       "sweep_id", "n_runs", "axes", "resolved"};
#define N_TOP (int)(sizeof top_keys / sizeof top_keys[0])

void *keep(loader *L, void *p)
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

char *kstrdup(loader *L, const char *s) { return keep(L, strdup(s)); }

int oom(loader *L)
{
    snprintf(L->err, L->errlen, "%s: out of memory", L->path);
    return 1;
}

ds_pos at_file(const loader *L) { return (ds_pos){L->path, 0, 0}; }

/* A sweep name (a folder under results/): letters, digits, '-', '_', '.',
 * not starting with '.', shorter than max. */
int check_name(const char *s, size_t max)
{
    int ok = *s && *s != '.' && strlen(s) < max;
    for (const char *c = s; ok && *c; c++)
        ok = isalnum((unsigned char)*c) || *c == '-' || *c == '_' || *c == '.';
    return ok;
}

/* The error for a key that is not a run key: nearest key, then all of them. */
int unknown_run_key(loader *L, ds_pos p, const char *what, const char *k)
{
    char sug[96];
    const char *names[DS_KEY_COUNT];
    for (int i = 0; i < DS_KEY_COUNT; i++)
        names[i] = ds_key_row_of((ds_key)i)->name;
    if (!strcmp(k, "<<")) /* YAML 1.1's merge key: libyaml reads it as a plain key */
        return fail(L, p, "%sYAML merge keys (<<: *anchor) are not supported (write the keys out; "
                          "base: holds what every run shares)", what);
    ds_did_you_mean(k, names, DS_KEY_COUNT, sug, sizeof sug);
    return fail(L, p, "%sunknown key '%s' (%svalid: %s)", what, DS_ECHO(k), sug, ds_key_valid_names());
}

static int to_val(loader *L, yaml_node_t *n, const char *key, val *out)
{
    out->p = ds_yaml_pos(&L->y, n);
    out->seq = 0;
    if (n->type == YAML_SCALAR_NODE) {
        out->s = kstrdup(L, ds_yaml_scalar(n));
        return out->s ? 0 : oom(L);
    }
    if (n->type == YAML_MAPPING_NODE)
        return fail(L, out->p, "%s: expected a value, got a mapping", key);
    /* A list of scalars: only `hidden` takes one; the check happens when
     * the value is applied, with the key's own message. */
    size_t len = 1;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = ds_yaml_node(&L->y, *it);
        if (!ds_yaml_scalar(e))
            return fail(L, ds_yaml_pos(&L->y, e), "%s: expected a list of plain values", key);
        len += e->data.scalar.length + 1;
    }
    char *s = keep(L, malloc(len));
    if (!s)
        return oom(L);
    size_t k = 0; /* joined in one pass: linear in the list's length */
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = ds_yaml_node(&L->y, *it);
        if (it != n->data.sequence.items.start)
            s[k++] = ',';
        memcpy(s + k, e->data.scalar.value, e->data.scalar.length);
        k += e->data.scalar.length;
    }
    s[k] = 0;
    out->s = s;
    out->seq = 1;
    return 0;
}

static int set_layer(loader *L, layer *ly, int k, yaml_node_t *kn, yaml_node_t *vn)
{
    val *v = keep(L, calloc(1, sizeof *v));
    if (!v)
        return oom(L);
    int r = to_val(L, vn, ds_key_row_of(k)->name, v);
    if (r)
        return r;
    ly->v[k] = v;
    ly->kp[k] = ds_yaml_pos(&L->y, kn);
    return 0;
}

/* A block of run keys (base, a variant, a mode); `extra` names further
 * keys the caller handles itself (returned through *handled). */
static int read_block(loader *L, yaml_node_t *m, layer *ly, const char *where,
                      int allow_label, yaml_node_pair_t **extra, int *n_extra,
                      const char *const *extra_names, int n_extra_names)
{
    if (m->type != YAML_MAPPING_NODE)
        return fail(L, ds_yaml_pos(&L->y, m), "%s: expected a mapping of key: value", where);
    int r = ds_yaml_check_keys(&L->y, m, L->err, L->errlen);
    if (r)
        return r;
    if (n_extra)
        *n_extra = 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = ds_yaml_node(&L->y, p->key);
        const char *k = ds_yaml_scalar(kn);
        int handled = 0;
        for (int i = 0; i < n_extra_names; i++)
            if (!strcmp(k, extra_names[i])) {
                extra[(*n_extra)++] = p;
                handled = 1;
            }
        if (handled)
            continue;
        int ki = ds_key_find(k);
        if (ki < 0) {
            char w[80];
            snprintf(w, sizeof w, "%s: ", where);
            return unknown_run_key(L, ds_yaml_pos(&L->y, kn), w, k);
        }
        if (ki == DS_KEY_LABEL && !allow_label)
            return fail(L, ds_yaml_pos(&L->y, kn), "%s: label belongs to a variant under runs: (one label per variant)", where);
        if ((r = set_layer(L, ly, ki, kn, ds_yaml_node(&L->y, p->value))))
            return r;
    }
    return 0;
}

static int cmp_seed(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* (seed, position) pairs */
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* A seed listed twice: the pair whose later copy comes first in the list
 * (as a left-to-right reader finds it), found by sorting (n log n). */
static int refuse_same_seeds(loader *L, const val *v)
{
    int n = L->n_seeds;
    uint64_t *pairs = malloc((size_t)n * 2 * sizeof *pairs);
    if (!pairs)
        return oom(L);
    for (int i = 0; i < n; i++) {
        pairs[2 * i] = L->seeds[i];
        pairs[2 * i + 1] = (uint64_t)i;
    }
    qsort(pairs, (size_t)n, 2 * sizeof *pairs, cmp_seed);
    int dup = -1;
    for (int i = 1; i < n; i++)
        if (pairs[2 * i] == pairs[2 * i - 2] && (dup < 0 || pairs[2 * i + 1] < (uint64_t)dup))
            dup = (int)pairs[2 * i + 1];
    free(pairs);
    if (dup >= 0)
        return fail(L, v->p, "seeds: %llu is listed twice (each seed once)",
                    (unsigned long long)L->seeds[dup]);
    return 0;
}

int parse_seeds_val(loader *L, const val *v)
{
    L->seeds_pos = v->p;
    free(L->seeds);
    L->seeds = NULL;
    L->n_seeds = 0;
    long cnt;
    if (!v->seq && !strchr(v->s, ',')) {
        if (ds_parse_long_text(v->s, &cnt) || cnt < 1 || cnt > MAX_SEEDS)
            return fail(L, v->p, "seeds: '%s' is not a seed count (1 <= seeds <= %d, or a list of seeds)", DS_ECHO(v->s), MAX_SEEDS);
        L->seeds = malloc((size_t)cnt * sizeof *L->seeds);
        if (!L->seeds)
            return oom(L);
        for (long i = 0; i < cnt; i++)
            L->seeds[i] = (uint64_t)(i + 1);
        L->n_seeds = (int)cnt;
        return 0;
    }
    /* a list of any length: split in a copy, every item read */
    long cap = 1;
    for (const char *c = v->s; *c; c++)
        cap += *c == ',';
    if (cap > MAX_SEEDS)
        return fail(L, v->p, "seeds: %ld seeds listed (at most %d)", cap, MAX_SEEDS);
    char *tmp = strdup(v->s);
    L->seeds = malloc((size_t)cap * sizeof *L->seeds);
    if (!tmp || !L->seeds) {
        free(tmp);
        return oom(L);
    }
    int r = 0;
    for (char *t = tmp, *end; t && !r; t = end) {
        end = strchr(t, ',');
        if (end)
            *end++ = 0;
        if (!*t)
            continue; /* empty items are skipped, as strtok did */
        while (*t == ' ')
            t++;
        uint64_t sd;
        if (ds_parse_u64("seeds", t, 0, UINT64_MAX, &sd, NULL, 0))
            r = fail(L, v->p, "seeds: '%s' is not a seed (an integer >= 0)", DS_ECHO(t));
        else
            L->seeds[L->n_seeds++] = sd;
    }
    free(tmp);
    if (!r && !L->n_seeds)
        r = fail(L, v->p, "seeds: empty list (give a count or at least one seed)");
    if (!r)
        r = refuse_same_seeds(L, v);
    return r;
}

int add_axis(loader *L, int k, val *vals, int n, ds_pos p)
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

void drop_axis(loader *L, int k)
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
        return fail(L, ds_yaml_pos(&L->y, m), "%s: expected a mapping of key: [values]", where);
    int r = ds_yaml_check_keys(&L->y, m, L->err, L->errlen);
    if (r)
        return r;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = ds_yaml_node(&L->y, p->key), *vn = ds_yaml_node(&L->y, p->value);
        const char *k = ds_yaml_scalar(kn);
        /* dotted keys: "base.lr" is lr; the prefix names the block */
        if (!strncmp(k, "base.", 5))
            k += 5;
        int ki = ds_key_find(k);
        if (ki < 0) {
            char w[80];
            snprintf(w, sizeof w, "%s: ", where);
            return unknown_run_key(L, ds_yaml_pos(&L->y, kn), w, k);
        }
        if (ki == DS_KEY_LABEL || ki == DS_KEY_REFERENCE)
            return fail(L, ds_yaml_pos(&L->y, kn), "%s: %s cannot be swept (use runs: for named variants)", where, k);
        if (vn->type != YAML_SEQUENCE_NODE)
            return fail(L, ds_yaml_pos(&L->y, vn), "%s: %s: expected a list of values, e.g. [0.1, 0.01]", where, k);
        int n = (int)(vn->data.sequence.items.top - vn->data.sequence.items.start);
        if (n == 0)
            return fail(L, ds_yaml_pos(&L->y, vn), "%s: %s: empty list (give at least one value)", where, k);
        val *vals = keep(L, calloc((size_t)n, sizeof *vals));
        if (!vals)
            return oom(L);
        for (int i = 0; i < n; i++) {
            yaml_node_t *e = ds_yaml_node(&L->y, vn->data.sequence.items.start[i]);
            if ((r = to_val(L, e, k, &vals[i])))
                return r;
        }
        if ((r = add_axis(L, ki, vals, n, ds_yaml_pos(&L->y, kn))))
            return r;
    }
    return 0;
}

/* runs: the named variants, each a block of run keys with a unique label. */
static int read_variants(loader *L, yaml_node_t *runs)
{
    int r;
    if (runs->type != YAML_SEQUENCE_NODE)
        return fail(L, ds_yaml_pos(&L->y, runs), "runs: expected a list of variants, each {label: ..., keys}");
    int n = (int)(runs->data.sequence.items.top - runs->data.sequence.items.start);
    if (n == 0)
        return fail(L, ds_yaml_pos(&L->y, runs), "runs: empty list (give at least one variant, or leave runs: out)");
    if (n > MAX_VARIANTS)
        return fail(L, ds_yaml_pos(&L->y, runs), "runs: %d variants (at most %d)", n, MAX_VARIANTS);
    L->variants = keep(L, calloc((size_t)n, sizeof *L->variants));
    if (!L->variants)
        return oom(L);
    for (int i = 0; i < n; i++) {
        yaml_node_t *vn = ds_yaml_node(&L->y, runs->data.sequence.items.start[i]);
        if ((r = read_block(L, vn, &L->variants[i], "runs", 1, NULL, NULL, NULL, 0)))
            return r;
        if (!L->variants[i].v[DS_KEY_LABEL])
            return fail(L, ds_yaml_pos(&L->y, vn), "runs: variant %d has no label (each variant needs label: NAME)", i + 1);
        for (int j = 0; j < i; j++)
            if (!strcmp(L->variants[j].v[DS_KEY_LABEL]->s, L->variants[i].v[DS_KEY_LABEL]->s))
                return fail(L, L->variants[i].v[DS_KEY_LABEL]->p, "runs: label '%s' is used twice (labels name groups: each once)",
                            DS_ECHO(L->variants[i].v[DS_KEY_LABEL]->s));
    }
    L->n_variants = n;
    return 0;
}

int read_top(loader *L, yaml_node_t *root)
{
    if (!root)
        return fail(L, at_file(L), "empty file (an experiment needs at least name: and dataset:)");
    if (root->type != YAML_MAPPING_NODE)
        return fail(L, ds_yaml_pos(&L->y, root), "expected a mapping of top-level keys (name, dataset, base, runs, sweep, seeds, modes)");
    int r = ds_yaml_check_keys(&L->y, root, L->err, L->errlen);
    if (r)
        return r;
    snprintf(L->method, sizeof L->method, "grid");
    L->sweep_seed = 1;
    yaml_node_t *runs = NULL, *sweep = NULL;
    ds_pos method_pos = {L->path, 0, 0}, cap_pos = method_pos;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = ds_yaml_node(&L->y, p->key), *vn = ds_yaml_node(&L->y, p->value);
        const char *k = ds_yaml_scalar(kn);
        if (!strcmp(k, "name")) {
            const char *s = ds_yaml_scalar(vn);
            if (!s || !check_name(s, sizeof L->name))
                return fail(L, ds_yaml_pos(&L->y, vn), "name: '%s' is not a sweep name (letters, digits, '-', '_', '.'; at most 63)", DS_ECHO(s ? s : ""));
            snprintf(L->name, sizeof L->name, "%s", s);
        } else if (!strcmp(k, "dataset")) {
            if ((r = set_layer(L, &L->top, DS_KEY_DATASET, kn, vn)))
                return r;
        } else if (!strcmp(k, "description") || !strcmp(k, "sweep_id") || !strcmp(k, "n_runs") ||
                   !strcmp(k, "axes") || !strcmp(k, "resolved")) {
            /* free text for the reader; what a results folder's config.yaml
             * records about the sweep as run (the runs follow from the rest) */
        } else if (!strcmp(k, "source") || !strcmp(k, "overrides")) {
            /* config.yaml's provenance, carried into the next config.yaml */
            const char *s = ds_yaml_scalar(vn);
            if (!s)
                return fail(L, ds_yaml_pos(&L->y, vn), "%s: expected a text", k);
            char **to = !strcmp(k, "source") ? &L->from_source : &L->from_overrides;
            size_t max = sizeof ((ds_plan *)0)->from - 1;
            if (to == &L->from_source && strlen(s) > max)
                return fail(L, ds_yaml_pos(&L->y, vn), "source: %zu characters (at most %zu)",
                            strlen(s), max);
            if (!(*to = kstrdup(L, s)))
                return oom(L);
        } else if (!strcmp(k, "mode")) {
            /* the mode the file runs without mode= (a composed experiment's) */
            const char *s = ds_yaml_scalar(vn);
            if (!s || !check_name(s, sizeof L->mode_name))
                return fail(L, ds_yaml_pos(&L->y, vn), "mode: '%s' is not a mode name (letters, digits, '-', '_', '.'; at most 31)", DS_ECHO(s ? s : ""));
            snprintf(L->mode_name, sizeof L->mode_name, "%s", s);
        } else if (!strcmp(k, "base")) {
            if ((r = read_block(L, vn, &L->base, "base", 1, NULL, NULL, NULL, 0)))
                return r;
        } else if (!strcmp(k, "runs")) {
            runs = vn;
        } else if (!strcmp(k, "sweep")) {
            sweep = vn;
        } else if (!strcmp(k, "method")) {
            const char *s = ds_yaml_scalar(vn);
            if (!s || (strcmp(s, "grid") && strcmp(s, "random")))
                return fail(L, ds_yaml_pos(&L->y, vn), "method: '%s' is not a method (valid: grid, random)", DS_ECHO(s ? s : ""));
            snprintf(L->method, sizeof L->method, "%s", s);
            method_pos = ds_yaml_pos(&L->y, vn);
        } else if (!strcmp(k, "run_cap")) {
            const char *s = ds_yaml_scalar(vn);
            if (!s || ds_parse_long_text(s, &L->run_cap) || L->run_cap < 1)
                return fail(L, ds_yaml_pos(&L->y, vn), "run_cap: '%s' is out of range (run_cap >= 1)", DS_ECHO(s ? s : ""));
            cap_pos = ds_yaml_pos(&L->y, vn);
        } else if (!strcmp(k, "sweep_seed")) {
            const char *s = ds_yaml_scalar(vn);
            long v;
            if (!s || ds_parse_long_text(s, &v) || v < 0)
                return fail(L, ds_yaml_pos(&L->y, vn), "sweep_seed: '%s' is not a seed (an integer >= 0)", DS_ECHO(s ? s : ""));
            L->sweep_seed = (uint64_t)v;
        } else if (!strcmp(k, "seeds")) {
            val v;
            if ((r = to_val(L, vn, "seeds", &v)) || (r = parse_seeds_val(L, &v)))
                return r;
        } else if (!strcmp(k, "modes")) {
            if (vn->type != YAML_MAPPING_NODE)
                return fail(L, ds_yaml_pos(&L->y, vn), "modes: expected a mapping of mode name: {keys}");
            if ((r = ds_yaml_check_keys(&L->y, vn, L->err, L->errlen)))
                return r;
            for (int i = 0; i < ds_yaml_len(vn); i++) {
                yaml_node_t *mk = ds_yaml_node(&L->y, ds_yaml_pair(vn, i)->key);
                if (!check_name(ds_yaml_scalar(mk), sizeof L->mode_name))
                    return fail(L, ds_yaml_pos(&L->y, mk), "modes: '%s' is not a mode name (letters, digits, '-', '_', '.'; at most %zu)",
                                DS_ECHO(ds_yaml_scalar(mk)), sizeof L->mode_name - 1);
            }
            L->modes = vn;
        } else {
            char sug[96];
            ds_did_you_mean(k, top_keys, N_TOP, sug, sizeof sug);
            if (ds_key_find(k) >= 0)
                return fail(L, ds_yaml_pos(&L->y, kn), "unknown top-level key '%s' (%s is a run key: put it under base:, a runs: variant or sweep:)", k, k);
            char valid[256] = "";
            ds_names_join(valid, sizeof valid, top_keys, sizeof top_keys[0], N_TOP);
            return fail(L, ds_yaml_pos(&L->y, kn), "unknown top-level key '%s' (%svalid: %s)", DS_ECHO(k), sug, valid);
        }
    }
    if (!L->name[0])
        return fail(L, at_file(L), "name: missing (every experiment has a name: its results go to results/<name>/)");
    if (!L->top.v[DS_KEY_DATASET] && !L->base.v[DS_KEY_DATASET])
        return fail(L, at_file(L), "dataset: missing (valid: %s)", ds_dataset_valid_names());
    if (!strcmp(L->method, "random") && L->run_cap < 1)
        return fail(L, method_pos, "method: random needs run_cap: N (how many sweep points to draw per variant)");
    if (L->run_cap && strcmp(L->method, "random"))
        return fail(L, cap_pos, "run_cap: only applies to method: random");
    if (runs && (r = read_variants(L, runs)))
        return r;
    if (sweep && (r = read_sweep(L, sweep, "sweep")))
        return r;
    return 0;
}

/* A mode's block: run keys, plus seeds: and sweep:. */
int apply_mode(loader *L, ds_pos at)
{
    if (!strcmp(L->mode_name, "full") && !L->modes)
        return 0;
    yaml_node_t *m = NULL;
    char names[512] = "";
    if (L->modes)
        for (yaml_node_pair_t *p = L->modes->data.mapping.pairs.start; p < L->modes->data.mapping.pairs.top; p++) {
            const char *k = ds_yaml_scalar(ds_yaml_node(&L->y, p->key));
            if (!strcmp(k, L->mode_name))
                m = ds_yaml_node(&L->y, p->value);
            size_t nl = strlen(names), kl = strlen(k);
            if (nl + kl + 3 + 5 < sizeof names) /* room for ", ..." after it */
                snprintf(names + nl, sizeof names - nl, "%s%s", nl ? ", " : "", k);
            else if (nl + 5 < sizeof names && strcmp(names + nl - 3, "..."))
                snprintf(names + nl, sizeof names - nl, ", ..."); /* the list goes on */
        }
    if (!m) {
        if (!strcmp(L->mode_name, "full"))
            return 0; /* full = the file as written, when it defines no full: */
        return fail(L, at, "mode: unknown mode '%s' (valid: full%s%s)", DS_ECHO(L->mode_name), names[0] ? ", " : "", names);
    }
    if (!check_name(L->mode_name, sizeof L->mode_name))
        return fail(L, at, "mode: '%s' is not a mode name (letters, digits, '-', '_', '.': it names the folder results/<name>-<mode>)", DS_ECHO(L->mode_name));
    static const char *const extra_names[] = {"seeds", "sweep"};
    yaml_node_pair_t *extra[4];
    int n_extra = 0;
    char where[64];
    snprintf(where, sizeof where, "modes: %s", L->mode_name);
    int r = read_block(L, m, &L->mode, where, 0, extra, &n_extra, extra_names, 2);
    if (r)
        return r;
    for (int i = 0; i < n_extra; i++) {
        const char *k = ds_yaml_scalar(ds_yaml_node(&L->y, extra[i]->key));
        yaml_node_t *vn = ds_yaml_node(&L->y, extra[i]->value);
        if (!strcmp(k, "seeds")) {
            val v;
            if ((r = to_val(L, vn, "seeds", &v)) || (r = parse_seeds_val(L, &v)))
                return r;
        } else if ((r = read_sweep(L, vn, where))) {
            return r;
        }
    }
    /* A mode's scalar for a swept key fixes it: the axis goes. */
    for (int k = 0; k < DS_KEY_COUNT; k++)
        if (L->mode.v[k])
            drop_axis(L, k);
    return 0;
}

void ds_plan_free(ds_plan *plan)
{
    for (int i = 0; plan->runs && i < plan->n_runs; i++)
        free(plan->runs[i].group);
    free(plan->runs);
    free(plan->resolved);
    free(plan->overrides);
    free(plan->composed);
    memset(plan, 0, sizeof *plan);
}

void ds_plan_folder(const ds_plan *plan, char *out, size_t n)
{
    if (!strcmp(plan->mode, "full"))
        snprintf(out, n, "results/%s", plan->name);
    else
        snprintf(out, n, "results/%s-%s", plan->name, plan->mode);
}

/* The plan's description: name, source, mode, method, axes, overrides. */
static int describe(loader *L, ds_plan *plan, char *const *overrides, int n_overrides)
{
    snprintf(plan->name, sizeof plan->name, "%s", L->name);
    if (strlen(L->path) >= sizeof plan->source)
        return fail(L, at_file(L), "the path is longer than %zu characters (move the file nearer)",
                    sizeof plan->source - 1);
    snprintf(plan->source, sizeof plan->source, "%s", L->path);
    snprintf(plan->from, sizeof plan->from, "%s", L->from_source ? L->from_source : L->path);
    snprintf(plan->mode, sizeof plan->mode, "%s", L->mode_name);
    snprintf(plan->method, sizeof plan->method, "%s", L->method);
    plan->n_axes = L->n_axes;
    for (int a = 0; a < L->n_axes; a++)
        snprintf(plan->axes[a], sizeof plan->axes[a], "%s", ds_key_row_of(L->axes[a].key)->name);
    /* a config.yaml run again: its overrides first, then these */
    const char *before = L->from_overrides ? L->from_overrides : "";
    size_t ol = strlen(before) + 1;
    for (int i = 0; i < n_overrides; i++)
        ol += strlen(overrides[i]) + 1;
    plan->overrides = calloc(1, ol);
    if (!plan->overrides)
        return oom(L);
    size_t k = strlen(before);
    memcpy(plan->overrides, before, k + 1);
    for (int i = 0; i < n_overrides; i++) { /* one pass: linear in the total length */
        size_t n = strlen(overrides[i]);
        if (k)
            plan->overrides[k++] = ' ';
        memcpy(plan->overrides + k, overrides[i], n + 1);
        k += n;
    }
    return 0;
}

/* The names of the file's modes (malloc'd, *n of them), for the check of
 * every mode: NULL and 0 when it has no modes:. */
static char **mode_names(loader *L, int *n)
{
    *n = 0;
    if (!L->modes)
        return NULL;
    int cnt = ds_yaml_len(L->modes);
    char **names = calloc((size_t)cnt + 1, sizeof *names);
    for (int i = 0; names && i < cnt; i++) {
        names[*n] = strdup(ds_yaml_scalar(ds_yaml_node(&L->y, ds_yaml_pair(L->modes, i)->key)));
        if (!names[*n])
            break; /* out of memory: the ones named so far are checked */
        ++*n;
    }
    return names;
}

/* One mode of the file (the one the overrides pick); *modes, if not NULL,
 * receives the names of every mode the file defines. */
static int plan_load(const char *path, char *const *overrides, int n_overrides, ds_plan *plan,
                     char ***modes, int *n_modes, char *err, size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    loader L;
    memset(&L, 0, sizeof L);
    L.path = path;
    L.err = err;
    L.errlen = errlen;
    snprintf(L.mode_name, sizeof L.mode_name, "full");
    int r = ds_yaml_load(&L.y, path, err, errlen);
    if (!r)
        r = read_top(&L, ds_yaml_root(&L.y));
    if (!r && !L.n_seeds) {
        val one = {"1", 0, at_file(&L)};
        r = parse_seeds_val(&L, &one);
    }
    if (!r)
        r = apply_overrides(&L, overrides, n_overrides);
    if (!r)
        r = describe(&L, plan, overrides, n_overrides);
    if (!r)
        r = write_composed(&L, plan);
    if (!r)
        r = expand(&L, plan);
    if (!r)
        r = write_resolved(&L, plan);
    if (!r && modes)
        *modes = mode_names(&L, n_modes);
    ds_yaml_free(&L.y);
    for (int i = 0; i < L.n_arena; i++)
        free(L.arena[i]);
    free(L.arena);
    free(L.seeds);
    if (r)
        ds_plan_free(plan);
    return r;
}

/* The selected mode, then every other mode of the file as the file writes it
 * (without the command line's overrides): a mistake in a mode nobody picked
 * today is found today, not the day someone picks it. `full` (the file as
 * written, or its modes: full:) is one of them. */
int ds_plan_load(const char *path, char *const *overrides, int n_overrides, ds_plan *plan,
                 char *err, size_t errlen)
{
    char **modes = NULL;
    int n_modes = 0;
    int r = plan_load(path, overrides, n_overrides, plan, &modes, &n_modes, err, errlen);
    for (int i = -1; !r && i < n_modes; i++) {
        const char *m = i < 0 ? "full" : modes[i];
        int skip = !strcmp(m, plan->mode);
        for (int j = 0; i < 0 && j < n_modes; j++)
            skip |= !strcmp(modes[j], "full"); /* a full: under modes: comes in its turn */
        if (skip)
            continue;
        char arg[sizeof plan->mode + 8], *ov[] = {arg};
        snprintf(arg, sizeof arg, "mode=%s", m);
        ds_plan other;
        r = plan_load(path, ov, 1, &other, NULL, NULL, err, errlen);
        ds_plan_free(&other);
        if (r == 2) {
            size_t len = strlen(err);
            snprintf(err + len, errlen - len, " (mode '%s'; every mode is checked, selected or not)", m);
        }
    }
    for (int i = 0; i < n_modes; i++)
        free(modes[i]);
    free(modes);
    if (r)
        ds_plan_free(plan);
    return r;
}
