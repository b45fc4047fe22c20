/* The keys of a run: one table that both an experiment file (`hidden:`,
 * `lr:`) and `train`'s options (--hidden, --lr) set a ds_run_config through,
 * with the same parsing, the same messages, the same resolver and the same
 * checks. `train --lr 0.1` is the one-run config `base: {lr: 0.1}`. */
#ifndef DS_KEYS_H
#define DS_KEYS_H

#include <stddef.h>

#include "runcfg.h"
#include "yamldoc.h"

/* In the order keys apply within one layer, so `depth` and `width` given
 * together mean the same whatever their order in the file. */
typedef enum {
    DS_KEY_DATASET, DS_KEY_DATA_DIR, DS_KEY_VAL_SPLIT, DS_KEY_TRAIN_SUBSET, DS_KEY_HIDDEN, DS_KEY_DEPTH,
    DS_KEY_WIDTH, DS_KEY_ACTIVATION, DS_KEY_ACT_PARAM, DS_KEY_LOSS, DS_KEY_INIT,
    DS_KEY_INIT_SCALE, DS_KEY_BIAS_INIT, DS_KEY_DROPOUT, DS_KEY_OPTIMIZER, DS_KEY_LR,
    DS_KEY_MOMENTUM, DS_KEY_NESTEROV, DS_KEY_BETA1, DS_KEY_BETA2, DS_KEY_EPS,
    DS_KEY_WEIGHT_DECAY, DS_KEY_BATCH, DS_KEY_EPOCHS, DS_KEY_LOG_EVERY, DS_KEY_THREADS,
    DS_KEY_LABEL, DS_KEY_REFERENCE, DS_KEY_REFERENCE_SOURCE, DS_KEY_COUNT
} ds_key;

typedef struct {
    const char *name;    /* the YAML key; train's option is --name with '-' for '_' */
    char type;           /* i int, f float, b bool, s string, e name, h width list */
    const char *allowed; /* for messages; NULL: the valid names of the table    */
    const char *help;    /* one line for train --help                          */
} ds_key_row;

const ds_key_row *ds_key_row_of(ds_key k);
int ds_key_find(const char *name); /* -1 if not a run key */
/* "dataset, data_dir, ..." (every key, in table order) */
const char *ds_key_valid_names(void);

/* A run being built: the config plus what set each key, for messages. */
typedef struct {
    ds_run_config rc;
    int width;          /* the width `depth` uses when it adds layers        */
    int act_param_set, loss_set, val_split_set;
    double reference;          /* `reference:`, an accuracy (fraction)        */
    int has_reference;
    char reference_source[128]; /* `reference_source:`, where it comes from   */
    ds_pos prov[DS_KEY_COUNT]; /* where each key was last set (line 0: default) */
    ds_pos origin;             /* where the run comes from (the file)          */
} ds_run_build;

/* The course's defaults; `label` names the run; `origin` is the position
 * reported for a key nobody set. */
void ds_run_build_init(ds_run_build *b, const char *label, ds_pos origin);

/* Sets key k from its text (is_list: the items of a YAML list joined by ',';
 * only `hidden` takes one). `spelled` is how the user wrote the key (e.g.
 * "--hidden"), NULL = its name. Returns 0, or 2 with err "<p>: <spelled>:
 * '<text>' is not an integer (<allowed>)". */
int ds_key_apply(ds_run_build *b, ds_key k, const char *text, int is_list, ds_pos p,
                 const char *spelled, char *err, size_t errlen);

/* Once every key is set: ds_run_config_resolve, then ds_run_config_check,
 * whose error points at the text that set the offending key. 0 or 2. */
int ds_run_build_finish(ds_run_build *b, char *err, size_t errlen);

/* Strict number parsing for the key values (whole text, base 10, finite). */
int ds_parse_long_text(const char *s, long *out);

/* "did you mean 'lr'? " when a candidate is close enough to be a typo
 * (base/suggest.h), "" otherwise: the start of an unknown-key message. */
void ds_did_you_mean(const char *word, const char *const *cands, int n, char *out, size_t len);

#endif
