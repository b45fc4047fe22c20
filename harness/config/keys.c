/* The key table and how a key's text sets a ds_run_config (see keys.h). */
#include "keys.h"
#include "err.h"
#include "parse.h"
#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ds_key_row keys[DS_KEY_COUNT] = {
    [DS_KEY_DATASET] = {"dataset", 'e', NULL, "the data set (default mnist)"},
    [DS_KEY_DATA_DIR] = {"data_dir", 's', "a folder; empty = data/<dataset>",
                         "IDX files (default data/<dataset>; 'make data' fetches them)"},
    [DS_KEY_VAL_SPLIT] = {"val_split", 'i', "0 = none, else 1 <= val_split < the training set",
                          "hold out N training images for validation, drawn by the seed "
                          "(default: the dataset's, 5000 for mnist; 0 = train on all)"},
    [DS_KEY_TRAIN_SUBSET] = {"train_subset", 'i', "0 = all, else the first N training images",
                             "train on the first N training images left after val_split (default 0 = all)"},
    [DS_KEY_HIDDEN] = {"hidden", 'h',
                       "a list of widths 1 <= width <= " DS_STR(DS_MAX_WIDTH)
                       ", e.g. [256, 256]; [] = none",
                       "hidden layer widths, e.g. 256,256; none = softmax regression (default)"},
    [DS_KEY_DEPTH] = {"depth", 'i', NULL,
                      "hidden layers of --width units"},
    [DS_KEY_WIDTH] = {"width", 'i', NULL,
                      "the width of every hidden layer (default 256 with --depth)"},
    [DS_KEY_ACTIVATION] = {"activation", 'e', NULL, "of every hidden layer (default relu)"},
    [DS_KEY_ACT_PARAM] = {"act_param", 'f', "leaky_relu slope / elu alpha",
                          "leaky_relu slope / elu alpha (default 0.01 / 1)"},
    [DS_KEY_LOSS] = {"loss", 'e', NULL, "(default: the dataset's; xor: sigmoid_bce)"},
    [DS_KEY_INIT] = {"init", 'e', NULL, "weight init (default normal)"},
    [DS_KEY_INIT_SCALE] = {"init_scale", 'f', NULL,
                           "multiplies the init's draws (default 1)"},
    [DS_KEY_BIAS_INIT] = {"bias_init", 'e', NULL, "(default zeros)"},
    [DS_KEY_DROPOUT] = {"dropout", 'f', NULL,
                        "drop probability after each hidden layer (default 0)"},
    [DS_KEY_OPTIMIZER] = {"optimizer", 'e', NULL, "(default adam)"},
    [DS_KEY_LR] = {"lr", 'f', NULL, "learning rate (default 0.001)"},
    [DS_KEY_MOMENTUM] = {"momentum", 'f', NULL, "for momentum (default 0.9)"},
    [DS_KEY_NESTEROV] = {"nesterov", 'b', "true or false", "Nesterov momentum"},
    [DS_KEY_BETA1] = {"beta1", 'f', NULL, "Adam (default 0.9)"},
    [DS_KEY_BETA2] = {"beta2", 'f', NULL, "Adam (default 0.999)"},
    [DS_KEY_EPS] = {"eps", 'f', NULL, "Adam (default 1e-8)"},
    [DS_KEY_WEIGHT_DECAY] = {"weight_decay", 'f', NULL,
                             "L2 decay of the weights (default 0)"},
    [DS_KEY_BATCH] = {"batch", 'i', NULL,
                      "(default 100; above the training set = the full batch)"},
    [DS_KEY_EPOCHS] = {"epochs", 'i', NULL, "(default 15)"},
    [DS_KEY_LOG_EVERY] = {"log_every", 'i', NULL,
                          "print every N epochs and the last (default 1)"},
    [DS_KEY_THREADS] = {"threads", 'i', "0 = OpenMP default, else 1 <= threads <= 4 x the processors",
                        "OpenMP threads (default: OMP_NUM_THREADS or all cores)"},
    [DS_KEY_LABEL] = {"label", 's', "1 to 63 printable characters", NULL},
    /* label and the reference describe a group, not a run: no train option,
     * not in the run id */
    [DS_KEY_REFERENCE] = {"reference", 'f',
                          "0 <= reference <= 1: an accuracy as a fraction, e.g. 0.9783", NULL},
    [DS_KEY_REFERENCE_SOURCE] = {"reference_source", 's',
                                 "1 to 127 printable characters: where the reference comes from",
                                 NULL},
};

const ds_key_row *ds_key_row_of(ds_key k) { return (unsigned)k < DS_KEY_COUNT ? &keys[k] : NULL; }

/* What key k allows, for messages: its row's text, or its range from the one
 * table of ranges (runcfg.h: "0 <= dropout < 1"); NULL for a name key. */
static const char *allowed(ds_key k, char *buf, size_t len)
{
    const ds_bounds *b = ds_run_range(keys[k].name);
    if (keys[k].allowed || !b)
        return keys[k].allowed;
    ds_bounds_text(keys[k].name, *b, buf, len);
    return buf;
}

int ds_key_find(const char *name)
{
    for (int i = 0; i < DS_KEY_COUNT; i++)
        if (!strcmp(name, keys[i].name))
            return i;
    return -1;
}

const char *ds_key_valid_names(void)
{
    static _Thread_local char buf[512];
    return ds_names_join(buf, sizeof buf, keys, sizeof keys[0], DS_KEY_COUNT);
}

/* ---- suggestions ----------------------------------------------------------- */

void ds_did_you_mean(const char *word, const char *const *cands, int n, char *out, size_t len)
{
    const char *near = ds_suggest(word, cands, n);
    if (near)
        snprintf(out, len, "did you mean '%s'? ", near);
    else
        out[0] = 0;
}

/* ---- values ------------------------------------------------------------------ */

/* The strict parser of base/parse.h, with the key's own message. */
int ds_parse_long_text(const char *s, long *out)
{
    return ds_parse_long("", s, LONG_MIN, LONG_MAX, out, NULL, 0) ? -1 : 0;
}

void ds_run_build_init(ds_run_build *b, const char *label, ds_pos origin)
{
    memset(b, 0, sizeof *b);
    ds_run_config_defaults(&b->rc);
    snprintf(b->rc.label, sizeof b->rc.label, "%s", label);
    b->width = 256;
    b->origin = origin;
    for (int k = 0; k < DS_KEY_COUNT; k++)
        b->prov[k] = origin;
}

/* The widths of `hidden`, in every form base/parse.h accepts: a YAML list's
 * items joined by ',', "[256,256]", "256-256" (the command line, where ','
 * separates sweep values), [], none or "" for no hidden layer. */
static int apply_hidden(ds_run_build *b, const char *s, ds_pos p, const char *kn, char *err,
                        size_t errlen)
{
    ds_run_config *rc = &b->rc;
    char msg[512];
    if (ds_parse_widths(kn, s, 1, DS_MAX_WIDTH, DS_MAX_HIDDEN, rc->hidden, &rc->n_hidden, msg,
                        sizeof msg))
        return ds_err_at(err, errlen, p, "%s", msg);
    if (rc->n_hidden)
        b->width = rc->hidden[0];
    b->prov[DS_KEY_DEPTH] = b->prov[DS_KEY_WIDTH] = p;
    return 0;
}

/* A name from one of the tables of names.h. */
static int apply_name(ds_run_build *b, ds_key k, const char *s, ds_pos p, const char *kn,
                      char *err, size_t errlen)
{
    ds_run_config *rc = &b->rc;
    int bad = 0;
    const char *valid = "";
    switch (k) {
    case DS_KEY_DATASET:
        bad = !ds_dataset_known(s) || strlen(s) >= sizeof rc->dataset;
        valid = ds_dataset_valid_names();
        if (!bad)
            snprintf(rc->dataset, sizeof rc->dataset, "%s", s);
        break;
    case DS_KEY_ACTIVATION:
        bad = ds_act_parse(s, &rc->activation) != 0;
        valid = ds_act_valid_names();
        break;
    case DS_KEY_LOSS:
        bad = ds_loss_parse(s, &rc->loss) != 0;
        valid = ds_loss_valid_names();
        b->loss_set = 1;
        break;
    case DS_KEY_INIT:
        bad = ds_init_parse(s, &rc->init) != 0;
        valid = ds_init_valid_names();
        break;
    case DS_KEY_BIAS_INIT:
        bad = ds_bias_init_parse(s, &rc->bias_init) != 0;
        valid = ds_bias_init_valid_names();
        break;
    case DS_KEY_OPTIMIZER:
        bad = ds_opt_parse(s, &rc->optimizer) != 0;
        valid = ds_opt_valid_names();
        break;
    default:
        break;
    }
    if (bad)
        return ds_err_at(err, errlen, p, "%s: unknown name '%s' (valid: %s)", kn, DS_ECHO(s), valid);
    return 0;
}

static int apply_string(ds_run_build *b, ds_key k, const char *s, ds_pos p, const char *kn,
                        char *err, size_t errlen)
{
    ds_run_config *rc = &b->rc;
    if (k == DS_KEY_DATA_DIR) {
        if (strlen(s) >= sizeof rc->data_dir)
            return ds_err_at(err, errlen, p, "%s: too long (at most %zu characters)", kn,
                             sizeof rc->data_dir - 1);
        snprintf(rc->data_dir, sizeof rc->data_dir, "%s", s);
        return 0;
    }
    /* the label or the reference's source: printable text */
    int src = k == DS_KEY_REFERENCE_SOURCE;
    char *dst = src ? b->reference_source : rc->label;
    size_t cap = src ? sizeof b->reference_source : sizeof rc->label, n = strlen(s);
    int ok = n >= 1 && n < cap;
    for (size_t i = 0; ok && i < n; i++)
        ok = isprint((unsigned char)s[i]);
    if (!ok)
        return ds_err_at(err, errlen, p, "%s: '%s' is not %s (%s)", kn, DS_ECHO(s),
                         src ? "a source text" : "a label", keys[k].allowed);
    snprintf(dst, cap, "%s", s);
    return 0;
}

/* A number: parsed by type, stored in its field. */
static int apply_number(ds_run_build *b, ds_key k, const char *s, ds_pos p, const char *kn,
                        char *err, size_t errlen)
{
    ds_run_config *rc = &b->rc;
    long iv = 0;
    double fv = 0;
    int bv = 0, ii = 0, bad = 0;
    float ff = 0;
    char msg[512];
    /* parse.h says what is wrong (not an integer, a leading zero, too close
     * to 0 for a float: 1e-50 used to become lr 0, "out of range"); the key
     * adds what is allowed. Floats are parsed as the float they are kept as;
     * the reference is a double. */
    if (keys[k].type == 'i' && !(bad = ds_parse_int(kn, s, INT_MIN, INT_MAX, &ii, msg, sizeof msg)))
        iv = ii;
    if (keys[k].type == 'f' && k == DS_KEY_REFERENCE)
        bad = ds_parse_double(kn, s, DS_ANY_REAL, &fv, msg, sizeof msg);
    else if (keys[k].type == 'f' && !(bad = ds_parse_float(kn, s, DS_ANY_REAL, &ff, msg, sizeof msg)))
        fv = ff;
    char al[128];
    if (bad)
        return ds_err_at(err, errlen, p, "%s (%s)", msg, allowed(k, al, sizeof al));
    if (keys[k].type == 'b' && ds_parse_bool(kn, s, &bv, NULL, 0))
        return ds_err_at(err, errlen, p, "%s: '%s' is not true or false", kn, DS_ECHO(s));
    switch (k) {
    case DS_KEY_VAL_SPLIT: rc->val_split = (int)iv; b->val_split_set = 1; break;
    case DS_KEY_TRAIN_SUBSET: rc->train_subset = (int)iv; break;
    case DS_KEY_DEPTH:
        if (iv < 0 || iv > DS_MAX_HIDDEN) /* before it sizes the hidden list */
            return ds_err_at(err, errlen, p, "%s: %ld is out of range (%s)", kn, iv, allowed(k, al, sizeof al));
        for (int i = rc->n_hidden; i < iv; i++)
            rc->hidden[i] = b->width;
        rc->n_hidden = (int)iv;
        break;
    case DS_KEY_WIDTH:
        if (iv < 1 || iv > DS_MAX_WIDTH)
            return ds_err_at(err, errlen, p, "%s: %ld is out of range (%s)", kn, iv, allowed(k, al, sizeof al));
        b->width = (int)iv;
        for (int i = 0; i < rc->n_hidden; i++)
            rc->hidden[i] = (int)iv;
        break;
    case DS_KEY_ACT_PARAM: rc->act_param = (float)fv; b->act_param_set = 1; break;
    case DS_KEY_INIT_SCALE: rc->init_scale = (float)fv; break;
    case DS_KEY_DROPOUT: rc->dropout = (float)fv; break;
    case DS_KEY_LR: rc->lr = (float)fv; break;
    case DS_KEY_MOMENTUM: rc->momentum = (float)fv; break;
    case DS_KEY_NESTEROV: rc->nesterov = bv; break;
    case DS_KEY_BETA1: rc->beta1 = (float)fv; break;
    case DS_KEY_BETA2: rc->beta2 = (float)fv; break;
    case DS_KEY_EPS: rc->eps = (float)fv; break;
    case DS_KEY_WEIGHT_DECAY: rc->weight_decay = (float)fv; break;
    case DS_KEY_BATCH: rc->batch = (int)iv; break;
    case DS_KEY_EPOCHS: rc->epochs = (int)iv; break;
    case DS_KEY_LOG_EVERY: rc->log_every = (int)iv; break;
    case DS_KEY_THREADS: rc->threads = (int)iv; break;
    case DS_KEY_REFERENCE:
        if (!(fv >= 0 && fv <= 1))
            return ds_err_at(err, errlen, p, "%s: %s is out of range (%s)", kn, s, keys[k].allowed);
        b->reference = fv;
        b->has_reference = 1;
        break;
    default: break;
    }
    return 0;
}

int ds_key_apply(ds_run_build *b, ds_key k, const char *text, int is_list, ds_pos p,
                 const char *spelled, char *err, size_t errlen)
{
    const char *kn = spelled ? spelled : keys[k].name;
    char al[128];
    const char *a = allowed(k, al, sizeof al);
    b->prov[k] = p;
    if (is_list && keys[k].type != 'h')
        return ds_err_at(err, errlen, p, "%s: expected one value, got a list [%s] (%s; lists go under sweep:)",
                         kn, DS_ECHO(text), a ? a : "one name");
    switch (keys[k].type) {
    case 'h': return apply_hidden(b, text, p, kn, err, errlen);
    case 'e': return apply_name(b, k, text, p, kn, err, errlen);
    case 's': return apply_string(b, k, text, p, kn, err, errlen);
    default: return apply_number(b, k, text, p, kn, err, errlen);
    }
}

int ds_run_build_finish(ds_run_build *b, char *err, size_t errlen)
{
    if (b->reference_source[0] && !b->has_reference)
        return ds_err_at(err, errlen, b->prov[DS_KEY_REFERENCE_SOURCE],
                         "reference_source: given without reference (the accuracy it is the "
                         "source of)");
    ds_run_config_resolve(&b->rc, b->act_param_set, b->loss_set, b->val_split_set);
    char msg[512];
    const char *bad = ds_run_config_check(&b->rc, msg, sizeof msg);
    if (!bad)
        return 0;
    char kname[32] = "";
    sscanf(bad, "%31[a-z_0-9]", kname);
    int k = ds_key_find(kname);
    return ds_err_at(err, errlen, k >= 0 ? b->prov[k] : b->origin, "%s", bad);
}
