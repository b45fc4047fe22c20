/* Experiment files: YAML (libyaml) -> a validated, fully resolved run list.
 *
 * The grammar is documented with examples in configs/README.md. In short:
 *
 *   name: lab-mnist            # results go to results/<name>/
 *   dataset: mnist
 *   base: {hidden: [256, 256], activation: relu, lr: 0.001, ...}
 *   runs:                      # named variants, each a partial override
 *     - {label: softmax, hidden: []}
 *   sweep:                     # key -> values; Cartesian product per variant
 *     init: [normal, xavier_uniform]
 *   method: grid               # or random, with run_cap and sweep_seed
 *   seeds: 3                   # or a list [1, 7, 42]
 *   modes:                     # mode=quick on the command line
 *     quick: {epochs: 2, train_subset: 10000, seeds: 1}
 *
 * Each run is built in layers, later ones winning: defaults, base (top-level
 * dataset first), the variant, the sweep values, the mode's keys, the command
 * line's key=value. A mode or command-line scalar for a swept key replaces
 * that axis; a command-line list (key=a,b) adds or replaces an axis.
 */
#ifndef DS_CONFIG_H
#define DS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "runcfg.h"

/* One resolved run. */
typedef struct {
    ds_run_config rc;
    char id[17];        /* stable run id: ds_run_hash of canon, 16 hex digits */
    char *group;        /* label + the swept keys' values: the summary row
                           (whole at any length; the plan owns it)         */
    double reference;   /* `reference:` an accuracy (fraction), e.g. a paper's */
    int has_reference;
    char reference_source[128]; /* `reference_source:`, "" if not given      */
    int index;          /* 0-based position in the full run list             */
} ds_run;

typedef struct {
    char name[64];
    char source[1024];  /* the config file as given                          */
    char from[1024];    /* the experiment file the sweep came from: source,
                           or the source: a results folder's config.yaml
                           records when run again                            */
    char mode[32];      /* "full" unless mode=... selected another           */
    char method[8];     /* "grid" or "random"                                */
    char sweep_id[17];  /* FNV-1a 64 over every run id in order              */
    int n_axes;         /* swept keys, in order (group columns)              */
    char axes[16][24];
    ds_run *runs;
    int n_runs;
    char *resolved;     /* the resolved sweep as YAML text (config.yaml)     */
    char *overrides;    /* the command-line overrides, space separated (after
                           a config.yaml's own, when one is run again)       */
    char *composed;     /* the experiment after overrides and mode, as YAML
                           that ds_plan_load reads back into the same runs
                           (Hydra's --cfg; `run CONFIG --cfg` prints it)     */
} ds_plan;

/* Loads path, applies the overrides (each "key=value" or "key=a,b,c", also
 * "mode=NAME" and "seeds=N|a,b"), expands and validates every run.
 * Returns 0; or 2 with err = "<file>:<line>:<col>: <what> (<allowed>)" (no
 * "deepsweep: " prefix) for bad input; or 1 for a run-time failure. */
int ds_plan_load(const char *path, char *const *overrides, int n_overrides,
                 ds_plan *plan, char *err, size_t errlen);
void ds_plan_free(ds_plan *plan);

/* The plan's results folder: results/<name> for the full mode,
 * results/<name>-<mode> for a named one (so modes never share a folder). */
void ds_plan_folder(const ds_plan *plan, char *out, size_t n);

/* The canonical text of a run's resolved config (every key that can change a
 * result, one "key=value" per line, fixed order; threads and data_dir
 * excluded) and its 64-bit FNV-1a hash. */
int ds_run_canon(const ds_run_config *rc, char *buf, size_t n);
uint64_t ds_fnv1a64(const void *data, size_t n, uint64_t h);
/* The run id: FNV-1a 64 of the canonical text, then splitmix64's finalizer. */
uint64_t ds_run_hash(const char *canon);
#define DS_FNV_OFFSET 0xcbf29ce484222325ull

#endif
