/* Command-line overrides, by Hydra's conventions: key=value sets a run key
 * (a list key=a,b,c sweeps it; hidden=[256,256] or hidden=256-256 is one
 * list value), +key=value adds a key the file does not set, ~key removes
 * one the file sets, mode=NAME picks a mode, and seeds, method, run_cap and
 * sweep_seed replace the file's. */
#include "loader.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits "a,b,c" (a list override) into vals. */
static int split_list(loader *L, const char *s, ds_pos p, val **out, int *n)
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

/* Keys of the plan, not of a run; mode and name are read first. */
static int is_plan_key(const char *key)
{
    return !strcmp(key, "seeds") || !strcmp(key, "method") || !strcmp(key, "run_cap") ||
           !strcmp(key, "sweep_seed") || !strcmp(key, "mode") || !strcmp(key, "name");
}

/* The error for a key that is neither a run key nor a plan key. */
static int unknown_override(loader *L, ds_pos p, const char *key)
{
    static const char *const extra[] = {"mode", "name", "seeds", "method", "run_cap", "sweep_seed"};
    const char *cands[DS_KEY_COUNT + 6];
    for (int j = 0; j < DS_KEY_COUNT; j++)
        cands[j] = ds_key_row_of((ds_key)j)->name;
    for (int j = 0; j < 6; j++)
        cands[DS_KEY_COUNT + j] = extra[j];
    char sug[96];
    ds_did_you_mean(key, cands, DS_KEY_COUNT + 6, sug, sizeof sug);
    return fail(L, p, "unknown key '%s' (%svalid: mode, name, seeds, method, run_cap, sweep_seed or a run key: %s)",
                DS_ECHO(key), sug, "dataset, hidden, depth, width, activation, init, dropout, lr, batch, epochs, ...");
}

/* Where the file sets run key k (NULL if nowhere): the top level, base, a
 * variant or a sweep axis. */
static const ds_pos *set_in_file(const loader *L, int k)
{
    if (L->top.v[k])
        return &L->top.kp[k];
    if (L->base.v[k])
        return &L->base.kp[k];
    for (int i = 0; i < L->n_variants; i++)
        if (L->variants[i].v[k])
            return &L->variants[i].kp[k];
    for (int a = 0; a < L->n_axes; a++)
        if (L->axes[a].key == k)
            return &L->axes[a].p;
    return NULL;
}

/* A run key's value: "a,b,c" sweeps it, "[a,b]" is one list value (Hydra's
 * form; hidden=[256,256] is hidden=256-256), anything else one value. */
static int set_cli_value(loader *L, int k, const char *value, ds_pos p)
{
    size_t len = strlen(value);
    int bracketed = len >= 2 && value[0] == '[' && value[len - 1] == ']';
    if (!bracketed && strchr(value, ',')) {
        val *vals = NULL;
        int nv = 0, r;
        if ((r = split_list(L, value, p, &vals, &nv)) || (r = add_axis(L, k, vals, nv, p)))
            return r;
        L->cli.v[k] = NULL;
        return 0;
    }
    val *v = keep(L, calloc(1, sizeof *v));
    char *text = kstrdup(L, bracketed ? value + 1 : value);
    if (!v || !text)
        return oom(L);
    if (bracketed)
        text[len - 2] = 0;
    *v = (val){text, bracketed, p};
    L->cli.v[k] = v;
    return 0;
}

/* "argument '<override>'": where an override's errors point, the override
 * shortened in the middle when long (err.h) so the message after it stays
 * whole; kept in the arena. NULL out of memory. */
static const char *argument_src(loader *L, const char *ov)
{
    char *src = keep(L, malloc(DS_ECHO_MAX + 16));
    if (src)
        snprintf(src, DS_ECHO_MAX + 16, "argument '%s'", DS_ECHO(ov));
    return src;
}

/* The key of an override, "key" of "key=value" (kv[0..len-1]): in the
 * arena, whatever its length. */
static char *key_of(loader *L, const char *kv, size_t len)
{
    char *k = keep(L, malloc(len + 1));
    if (k) {
        memcpy(k, kv, len);
        k[len] = 0;
    }
    return k;
}

/* 0 when s is UTF-8 made of characters YAML may hold (its printable set:
 * tab, LF, CR, U+0020-007E, U+0085, U+00A0-D7FF, U+E000-FFFD,
 * U+10000-10FFFF), else 1 + the offset of the first byte that is not: an
 * override becomes YAML in the composed experiment and config.yaml, which
 * must load again as a file does (the fuzzer found '\xb1' in a value of a
 * random sweep that no sampled run checked). */
static size_t not_yaml_text(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; u[i];) {
        unsigned c = u[i];
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len)
            return i + 1;
        if (len > 1)
            c &= 0x3Fu >> (len - 1);
        for (int j = 1; j < len; j++) {
            if ((u[i + j] & 0xC0) != 0x80)
                return i + 1;
            c = c << 6 | (u[i + j] & 0x3Fu);
        }
        static const unsigned least[5] = {0, 0, 0x80, 0x800, 0x10000};
        int printable = c == 9 || c == 10 || c == 13 || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
                        (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
                        (c >= 0x10000 && c <= 0x10FFFF);
        if (c < least[len] || !printable)
            return i + 1;
        i += (size_t)len;
    }
    return 0;
}

static int read_overrides(loader *L, char *const *ov, int n, ds_pos *mode_at)
{
    for (int i = 0; i < n; i++) {
        const char *src = argument_src(L, ov[i]);
        if (!src)
            return oom(L);
        ds_pos p = {src, 0, 0};
        size_t bad = not_yaml_text(ov[i]);
        if (bad)
            return fail(L, p, "byte %zu (0x%02x) is not text a YAML file may hold (UTF-8, no control "
                        "characters but tab and newline)", bad, (unsigned char)ov[i][bad - 1]);
        char op = ov[i][0] == '+' || ov[i][0] == '~' ? ov[i][0] : 0;
        const char *kv = ov[i] + (op != 0), *eq = strchr(kv, '=');
        if (op == '~' && !eq)
            eq = kv + strlen(kv);
        if (!eq || eq == kv)
            return fail(L, p, "an override is key=value, key=a,b,c, +key=value or ~key (e.g. epochs=3, lr=0.1,0.01, hidden=[256,256], mode=quick)");
        char *key = key_of(L, kv, (size_t)(eq - kv));
        if (!key)
            return oom(L);
        const char *value = *eq ? eq + 1 : eq;
        int k = ds_key_find(!strncmp(key, "base.", 5) ? key + 5 : key);
        if (op && k < 0)
            return is_plan_key(key) ? fail(L, p, "%c applies to run keys only ('%s' is not one)", op, DS_ECHO(key))
                                    : unknown_override(L, p, key);
        if (!op && !strcmp(key, "mode")) {
            if (!*value || strlen(value) >= sizeof L->mode_name)
                return fail(L, p, "mode: '%s' is not a mode name (1 to %zu characters)", DS_ECHO(value),
                            sizeof L->mode_name - 1);
            snprintf(L->mode_name, sizeof L->mode_name, "%s", value);
            *mode_at = p;
            continue;
        }
        if (!op && !strcmp(key, "name")) {
            if (!check_name(value, sizeof L->name))
                return fail(L, p, "name: '%s' is not a sweep name (letters, digits, '-', '_', '.'; at most 63)", DS_ECHO(value));
            snprintf(L->name, sizeof L->name, "%s", value);
            continue;
        }
        if (!op && is_plan_key(key))
            continue; /* applied after the mode, see apply_late */
        if (k < 0)
            return unknown_override(L, p, key);
        if (k == DS_KEY_LABEL || k == DS_KEY_REFERENCE)
            return fail(L, p, "%s cannot be overridden from the command line (it belongs to a variant)", key);
        const ds_pos *fp = set_in_file(L, k);
        if (op == '+' && fp)
            return fail(L, p, "+%s: the file already sets %s (line %d): use %s=VALUE to override it",
                        key, key, fp->line, key);
        if (op == '~') {
            if (*eq)
                return fail(L, p, "~%s takes no value (~key removes the key; key=value sets it)", key);
            /* a file must name its data set (loader.c), so the composed file
             * of a plan without one would not load */
            if (k == DS_KEY_DATASET)
                return fail(L, p, "~dataset: an experiment names its data set; use dataset=NAME to "
                            "change it (valid: %s)", ds_dataset_valid_names());
            L->removed[k] = p;
            continue;
        }
        int r = set_cli_value(L, k, value, p);
        if (r)
            return r;
    }
    return 0;
}

/* ~key: the key goes from every layer of the file (and the mode), so the
 * default applies; removing a key the file does not set is an error. */
static int remove_keys(loader *L)
{
    for (int k = 0; k < DS_KEY_COUNT; k++) {
        if (!L->removed[k].src)
            continue;
        if (!set_in_file(L, k) && !L->mode.v[k])
            return fail(L, L->removed[k], "~%s: the file does not set %s (nothing to remove)",
                        ds_key_row_of((ds_key)k)->name, ds_key_row_of((ds_key)k)->name);
        L->top.v[k] = L->base.v[k] = L->mode.v[k] = NULL;
        for (int i = 0; i < L->n_variants; i++)
            L->variants[i].v[k] = NULL;
        drop_axis(L, k);
    }
    return 0;
}

/* seeds, method, run_cap, sweep_seed from the command line: after the mode,
 * so `seeds=3 mode=quick` means three seeds whatever quick says. */
static int apply_late(loader *L, char *const *ov, int n)
{
    ds_pos cap_at = {NULL, 0, 0};
    const char *file_method = L->method[0] == 'r' ? "random" : "grid";
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(ov[i], '=');
        if (ov[i][0] == '+' || ov[i][0] == '~' || !eq)
            continue; /* run keys, read by read_overrides */
        char *key = key_of(L, ov[i], (size_t)(eq - ov[i]));
        const char *value = eq + 1, *src = argument_src(L, ov[i]);
        if (!key || !src)
            return oom(L);
        ds_pos p = {src, 0, 0};
        long v;
        if (!strcmp(key, "run_cap"))
            cap_at = p;
        if (!strcmp(key, "seeds")) {
            val sv = {(char *)value, 0, p};
            int r = parse_seeds_val(L, &sv);
            if (r)
                return r;
        } else if (!strcmp(key, "method")) {
            if (strcmp(value, "grid") && strcmp(value, "random"))
                return fail(L, p, "method: '%s' is not a method (valid: grid, random)", DS_ECHO(value));
            snprintf(L->method, sizeof L->method, "%s", value);
        } else if (!strcmp(key, "run_cap")) {
            if (ds_parse_long_text(value, &v) || v < 1)
                return fail(L, p, "run_cap: '%s' is out of range (run_cap >= 1)", DS_ECHO(value));
            L->run_cap = v;
        } else if (!strcmp(key, "sweep_seed")) {
            if (ds_parse_long_text(value, &v) || v < 0)
                return fail(L, p, "sweep_seed: '%s' is not a seed (an integer >= 0)", DS_ECHO(value));
            L->sweep_seed = (uint64_t)v;
        }
    }
    if (!strcmp(L->method, "random") && L->run_cap < 1)
        return fail(L, at_file(L), "method: random needs run_cap: N (how many sweep points to draw per variant)");
    /* run_cap belongs to method: random. The file's cap goes with the file's
     * method when method=grid replaces it; a cap the command line gives to
     * a grid sweep is an error, not ignored. */
    if (L->run_cap && strcmp(L->method, "random")) {
        if (cap_at.src)
            return fail(L, cap_at, "run_cap: only applies to method: random (add method=random)");
        if (!strcmp(file_method, "random"))
            L->run_cap = 0;
    }
    /* A command-line scalar for a swept key fixes it. */
    for (int k = 0; k < DS_KEY_COUNT; k++)
        if (L->cli.v[k])
            drop_axis(L, k);
    return 0;
}

/* The overrides, then the mode they pick, then the keys that replace the
 * mode's (seeds, method, run_cap, sweep_seed). */
int apply_overrides(loader *L, char *const *ov, int n)
{
    ds_pos mode_at = at_file(L);
    int r = read_overrides(L, ov, n, &mode_at);
    if (!r)
        r = apply_mode(L, mode_at);
    if (!r)
        r = remove_keys(L);
    if (!r)
        r = apply_late(L, ov, n);
    if (r)
        return r;
    /* A command-line list for a key the mode fixed: the list wins. */
    for (int a = 0; a < L->n_axes; a++) {
        int k = L->axes[a].key;
        size_t kl = strlen(ds_key_row_of(k)->name);
        for (int i = 0; L->mode.v[k] && i < n; i++)
            if (!strncmp(ov[i], ds_key_row_of(k)->name, kl) && ov[i][kl] == '=')
                L->mode.v[k] = NULL;
    }
    return 0;
}
