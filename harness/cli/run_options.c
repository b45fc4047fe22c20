/* The run keys as command-line options (see run_options.h). */
#include "run_options.h"

#include <stdio.h>
#include <string.h>

static int store_text(const char *field, const char *value, void *target, char *err,
                      size_t errlen)
{
    (void)field, (void)err, (void)errlen;
    *(const char **)target = value; /* parsed with the other keys, in table order */
    return 0;
}

/* "NAME", "N", "X", "DIR", "W1,W2,..." by the key's type. */
static const char *metavar(const ds_key_row *row)
{
    switch (row->type) {
    case 'i': return "N";
    case 'f': return "X";
    case 'h': return "W1,W2,...";
    case 's': return "DIR";
    default: return "NAME";
    }
}

/* The names a name key accepts, from its table. */
static const char *valid_names(ds_key k)
{
    switch (k) {
    case DS_KEY_DATASET: return ds_dataset_valid_names();
    case DS_KEY_ACTIVATION: return ds_act_valid_names();
    case DS_KEY_LOSS: return ds_loss_valid_names();
    case DS_KEY_INIT: return ds_init_valid_names();
    case DS_KEY_BIAS_INIT: return ds_bias_init_valid_names();
    case DS_KEY_OPTIMIZER: return ds_opt_valid_names();
    default: return NULL;
    }
}

int ds_run_options_table(ds_run_options *ro, ds_opt *opts)
{
    memset(ro, 0, sizeof *ro);
    int n = 0;
    for (int k = 0; k < DS_KEY_COUNT; k++) {
        const ds_key_row *row = ds_key_row_of((ds_key)k);
        if (!row->help)
            continue; /* label, reference: a variant's, not a run's */
        snprintf(ro->name[k], sizeof ro->name[k], "%s", row->name);
        for (char *c = ro->name[k]; *c; c++)
            if (*c == '_')
                *c = '-';
        const char *valid = valid_names((ds_key)k);
        snprintf(ro->help[k], sizeof ro->help[k], "%s%s%s", row->help, valid ? "\nvalid: " : "",
                 valid ? valid : "");
        if (row->type == 'b')
            opts[n++] = (ds_opt)DS_OPT_FLAG(ro->name[k], 0, &ro->flag[k], ro->help[k]);
        else
            opts[n++] = (ds_opt)DS_OPT_FN(ro->name[k], 0, metavar(row), store_text, &ro->text[k],
                                          ro->help[k]);
    }
    return n;
}

int ds_run_options_config(const ds_run_options *ro, uint64_t seed, ds_run_config *rc, char *err,
                          size_t errlen)
{
    ds_run_build b;
    ds_pos origin = {NULL, 0, 0}; /* messages name the option, not a file */
    ds_run_build_init(&b, "run", origin);
    for (int k = 0; k < DS_KEY_COUNT; k++) {
        const char *text = ro->flag[k] ? "true" : ro->text[k];
        if (!text)
            continue;
        char spelled[32];
        snprintf(spelled, sizeof spelled, "--%s", ro->name[k]);
        int r = ds_key_apply(&b, (ds_key)k, text, 0, origin, spelled, err, errlen);
        if (r)
            return r;
    }
    b.rc.seed = seed;
    int r = ds_run_build_finish(&b, err, errlen);
    *rc = b.rc;
    return r;
}
