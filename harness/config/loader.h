/* Internal to the experiment loader (loader.c, overrides.c, expand.c,
 * compose.c): an experiment file as layers of key values, each value kept as
 * text with its position until a run is built, so the same code parses a YAML
 * value and a command-line override, and a range error found while building
 * run 57 still names the line that set it. */
#ifndef DS_LOADER_H
#define DS_LOADER_H

#include <stdint.h>

#include "config.h"
#include "csv.h"
#include "err.h"
#include "keys.h"
#include "yamldoc.h"

#define MAX_AXES 16
#define MAX_RUNS 1000000
#define MAX_SEEDS 10000
#define MAX_VARIANTS 1000

typedef struct {
    char *s;  /* scalar text; a list's items joined by ','   */
    int seq;  /* 1 if it is a list (YAML [..] or key=[..])   */
    ds_pos p;
} val;

/* One block of run keys (top-level dataset, base, a variant, a mode, the
 * command line); a key not set is NULL. */
typedef struct {
    val *v[DS_KEY_COUNT];
    ds_pos kp[DS_KEY_COUNT]; /* where the key itself was written */
} layer;

typedef struct {
    int key;
    val *vals;
    int n;
    ds_pos p;
} axis;

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    ds_yaml y;
    /* everything malloc'd for vals, freed together */
    void **arena;
    int n_arena, cap_arena;

    char name[64];
    layer top, base, mode, cli;
    layer *variants;
    int n_variants;
    axis axes[MAX_AXES];
    int n_axes;
    uint64_t *seeds;
    int n_seeds;
    ds_pos seeds_pos;
    char method[8];
    long run_cap;
    uint64_t sweep_seed;
    char mode_name[32];
    char *from_source, *from_overrides; /* config.yaml's source: and overrides: */
    yaml_node_t *modes; /* the `modes:` mapping, applied after overrides pick one */
    ds_pos removed[DS_KEY_COUNT]; /* ~key on the command line (src != NULL) */
} loader;

#define fail(L, p, ...) ds_err_at((L)->err, (L)->errlen, (p), __VA_ARGS__)
int oom(loader *L);
void *keep(loader *L, void *p);
char *kstrdup(loader *L, const char *s);
ds_pos at_file(const loader *L); /* the file, no position */

/* loader.c */
int read_top(loader *L, yaml_node_t *root);
int apply_mode(loader *L, ds_pos at);
int parse_seeds_val(loader *L, const val *v);
int add_axis(loader *L, int k, val *vals, int n, ds_pos p);
void drop_axis(loader *L, int k);
int unknown_run_key(loader *L, ds_pos p, const char *what, const char *k);
int check_name(const char *s, size_t max);

/* overrides.c: the command line's key=value, +key=value, ~key */
int apply_overrides(loader *L, char *const *ov, int n);

/* expand.c */
int expand(loader *L, ds_plan *plan);
int write_resolved(loader *L, ds_plan *plan);
/* s as a YAML double-quoted scalar, appended to b (any length) */
void yaml_str(ds_csvbuf *b, const char *s);

/* compose.c: the composed experiment as YAML (`run --cfg`) */
int write_composed(loader *L, ds_plan *plan);

#endif
