/* The composed experiment as YAML (Hydra's --cfg): the file after the
 * command line and the mode are applied, as a file `run` accepts back and
 * expands into the same runs (the same ids, groups and order).
 *
 * The layers are kept as layers, since their order decides a run (base <
 * variant < sweep point < mode < command line): base and the variants as
 * read, the final sweep axes and seeds, and the mode with the command line's
 * keys on top written as that mode, which `mode:` makes the one the file
 * runs without mode= (so it runs as the same mode, into the same folder). */
#include "loader.h"
#include "csv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(ds_csvbuf *b, const char *s) { ds_csvw_raw(b, s, strlen(s)); }

/* The n characters at s: plain when a word or a number, else double-quoted
 * (the loader reads the text either way); whole, whatever their length. */
static void put_scalar_n(ds_csvbuf *b, const char *s, size_t n)
{
    int plain = n > 0;
    for (size_t i = 0; plain && i < n; i++)
        plain = isalnum((unsigned char)s[i]) || strchr("._+-", s[i]);
    if (plain) {
        ds_csvw_raw(b, s, n);
        return;
    }
    char *t = strndup(s, n);
    if (!t) {
        b->oom = 1;
        return;
    }
    yaml_str(b, t);
    free(t);
}

static void put_scalar(ds_csvbuf *b, const char *s) { put_scalar_n(b, s, strlen(s)); }

/* A value: a list as [a, b], a scalar as put_scalar. */
static void put_val(ds_csvbuf *b, const val *v)
{
    if (!v->seq) {
        put_scalar(b, v->s);
        return;
    }
    put(b, "[");
    const char *s = v->s;
    for (int first = 1; *s || first; first = 0) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        if (!n && first && !c)
            break; /* the empty list */
        put(b, first ? "" : ", ");
        put_scalar_n(b, s, n);
        if (!c)
            break;
        s = c + 1;
    }
    put(b, "]");
}

/* A layer as a flow mapping {k: v, ...} in key order. */
static void put_layer(ds_csvbuf *b, const layer *ly)
{
    put(b, "{");
    for (int k = 0, first = 1; k < DS_KEY_COUNT; k++) {
        if (!ly->v[k])
            continue;
        put(b, first ? "" : ", ");
        put(b, ds_key_row_of((ds_key)k)->name);
        put(b, ": ");
        put_val(b, ly->v[k]);
        first = 0;
    }
    put(b, "}");
}

/* The mode's keys with the command line's on top. A command-line hidden
 * replaces the mode's depth and width too: applied as one layer, the
 * mode's width would otherwise resize the command line's layers. */
static void merge_late(const loader *L, layer *out)
{
    *out = L->mode;
    for (int k = 0; k < DS_KEY_COUNT; k++)
        if (L->cli.v[k])
            out->v[k] = L->cli.v[k];
    if (L->cli.v[DS_KEY_HIDDEN]) {
        out->v[DS_KEY_DEPTH] = L->cli.v[DS_KEY_DEPTH];
        out->v[DS_KEY_WIDTH] = L->cli.v[DS_KEY_WIDTH];
    }
}

static void put_plan_keys(const loader *L, ds_csvbuf *b)
{
    char t[256];
    snprintf(t, sizeof t, "name: %s\n", L->name);
    put(b, t);
    if (strcmp(L->mode_name, "full")) {
        snprintf(t, sizeof t, "mode: %s\n", L->mode_name);
        put(b, t);
    }
    if (L->top.v[DS_KEY_DATASET]) {
        put(b, "dataset: ");
        put_val(b, L->top.v[DS_KEY_DATASET]);
        put(b, "\n");
    }
    snprintf(t, sizeof t, "method: %s\n", L->method);
    put(b, t);
    if (L->run_cap) {
        snprintf(t, sizeof t, "run_cap: %ld\n", L->run_cap);
        put(b, t);
    }
    snprintf(t, sizeof t, "sweep_seed: %llu\nseeds: [", (unsigned long long)L->sweep_seed);
    put(b, t);
    for (int i = 0; i < L->n_seeds; i++) {
        snprintf(t, sizeof t, "%s%llu", i ? ", " : "", (unsigned long long)L->seeds[i]);
        put(b, t);
    }
    put(b, "]\n");
}

int write_composed(loader *L, ds_plan *plan)
{
    ds_csvbuf b = {0};
    put(&b, "# deepsweep: the composed experiment (run --cfg); `deepsweep run` this file\n"
            "# to get the same runs\n");
    put_plan_keys(L, &b);
    put(&b, "base: ");
    put_layer(&b, &L->base);
    put(&b, "\n");
    if (L->n_variants) {
        put(&b, "runs:\n");
        for (int i = 0; i < L->n_variants; i++) {
            put(&b, "  - ");
            put_layer(&b, &L->variants[i]);
            put(&b, "\n");
        }
    }
    if (L->n_axes) {
        put(&b, "sweep:\n");
        for (int a = 0; a < L->n_axes; a++) {
            put(&b, "  ");
            put(&b, ds_key_row_of((ds_key)L->axes[a].key)->name);
            put(&b, ": [");
            for (int i = 0; i < L->axes[a].n; i++) {
                put(&b, i ? ", " : "");
                put_val(&b, &L->axes[a].vals[i]);
            }
            put(&b, "]\n");
        }
    }
    layer late;
    merge_late(L, &late);
    int any = strcmp(L->mode_name, "full") != 0;
    for (int k = 0; k < DS_KEY_COUNT; k++)
        any |= late.v[k] != NULL;
    if (any) {
        put(&b, "modes:\n  ");
        put(&b, L->mode_name);
        put(&b, ": ");
        put_layer(&b, &late);
        put(&b, "\n");
    }
    if (b.oom) {
        ds_csvbuf_free(&b);
        return oom(L);
    }
    plan->composed = b.s;
    return 0;
}
