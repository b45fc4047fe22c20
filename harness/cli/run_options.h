/* The run keys of keys.h as command-line options: `train --hidden 256,256
 * --lr 0.1` is the one-run config `base: {hidden: [256, 256], lr: 0.1}`. One
 * option per key (label and reference excepted), named as the key with '-'
 * for '_', its help line and valid names from the tables; the values are
 * applied as one layer of a config (in the key table's order), then
 * resolved and checked by the same code as an experiment file. */
#ifndef DS_RUN_OPTIONS_H
#define DS_RUN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "keys.h"

typedef struct {
    const char *text[DS_KEY_COUNT]; /* the value given; NULL = not given  */
    int flag[DS_KEY_COUNT];         /* a boolean key given as a flag       */
    char name[DS_KEY_COUNT][24];    /* "data-dir"                          */
    char help[DS_KEY_COUNT][400];
} ds_run_options;

/* Writes one option row per run key into opts (room for DS_KEY_COUNT rows)
 * and returns how many. */
int ds_run_options_table(ds_run_options *ro, ds_opt *opts);

/* The run the given options describe, with seed; "run" is its label.
 * Returns 0, or 2 with err "--hidden: ..." / "dropout: 1.5 is out of range
 * (...)" (no "deepsweep: train: " prefix). */
int ds_run_options_config(const ds_run_options *ro, uint64_t seed, ds_run_config *rc, char *err,
                          size_t errlen);

#endif
