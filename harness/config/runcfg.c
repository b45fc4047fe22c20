/* ds_run_config: the course's defaults, the range checks shared by the CLI and
 * the YAML loader, and the dataset name table. (The init / optimizer / loss
 * name tables live with their implementations: init.c, optim.c, model.c.) */
#include "runcfg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void ds_run_config_defaults(ds_run_config *rc)
{
    memset(rc, 0, sizeof *rc);
    snprintf(rc->label, sizeof rc->label, "run");
    snprintf(rc->dataset, sizeof rc->dataset, "mnist");
    rc->n_hidden = 0;
    rc->activation = DS_ACT_RELU;
    rc->act_param = 0.01f; /* leaky_relu slope; elu callers set 1.0 */
    rc->loss = DS_LOSS_SOFTMAX_CE;
    rc->init = DS_INIT_NORMAL;
    rc->init_scale = 1.0f;
    rc->bias_init = DS_BIAS_ZEROS;
    rc->dropout = 0.0f;
    rc->optimizer = DS_OPT_ADAM;
    rc->lr = 0.001f;
    rc->momentum = 0.9f;
    rc->nesterov = 0;
    rc->beta1 = 0.9f;
    rc->beta2 = 0.999f;
    rc->eps = 1e-8f;
    rc->weight_decay = 0.0f;
    rc->batch = 100;
    rc->epochs = 15;
    rc->log_every = 1;
    rc->seed = 1;
    rc->threads = 0;
}

/* Datasets the loader knows; the order is the one error messages list. */
static const char *const dataset_names[] = {"mnist", "fashion-mnist", "xor"};

int ds_dataset_known(const char *name)
{
    for (size_t i = 0; i < sizeof dataset_names / sizeof dataset_names[0]; i++)
        if (!strcmp(name, dataset_names[i]))
            return 1;
    return 0;
}

const char *ds_dataset_valid_names(void) { return "mnist, fashion-mnist, xor"; }

#define BAD(...)                                                                \
    do {                                                                        \
        snprintf(buf, (size_t)buflen, __VA_ARGS__);                             \
        return buf;                                                             \
    } while (0)

const char *ds_run_config_check(const ds_run_config *rc, char *buf, int buflen)
{
    if (!ds_dataset_known(rc->dataset))
        BAD("dataset: unknown name '%s' (valid: %s)", rc->dataset, ds_dataset_valid_names());
    if (rc->train_subset < 0)
        BAD("train_subset: %d is out of range (0 = all, else >= 1)", rc->train_subset);
    if (rc->n_hidden < 0 || rc->n_hidden > DS_MAX_HIDDEN)
        BAD("depth: %d is out of range (0 <= depth <= %d)", rc->n_hidden, DS_MAX_HIDDEN);
    for (int i = 0; i < rc->n_hidden; i++)
        if (rc->hidden[i] <= 0)
            BAD("width: %d is out of range (width >= 1)", rc->hidden[i]);
    if ((int)rc->activation < 0 || rc->activation >= DS_ACT_COUNT)
        BAD("activation: %d is not an activation (valid: %s)", (int)rc->activation,
            ds_act_valid_names());
    if ((int)rc->loss < 0 || rc->loss >= DS_LOSS_COUNT)
        BAD("loss: %d is not a loss (valid: %s)", (int)rc->loss, ds_loss_valid_names());
    if ((int)rc->init < 0 || rc->init >= DS_INIT_COUNT)
        BAD("init: %d is not an init scheme (valid: %s)", (int)rc->init, ds_init_valid_names());
    if (!isfinite(rc->init_scale) || rc->init_scale < 0)
        BAD("init_scale: %g is out of range (init_scale >= 0)", (double)rc->init_scale);
    if ((int)rc->bias_init < 0 || rc->bias_init >= DS_BIAS_COUNT)
        BAD("bias_init: %d is not a bias init (valid: %s)", (int)rc->bias_init,
            ds_bias_init_valid_names());
    if (!(rc->dropout >= 0 && rc->dropout < 1))
        BAD("dropout: %g is out of range (0 <= dropout < 1)", (double)rc->dropout);
    if ((int)rc->optimizer < 0 || rc->optimizer >= DS_OPT_COUNT)
        BAD("optimizer: %d is not an optimizer (valid: %s)", (int)rc->optimizer,
            ds_opt_valid_names());
    if (!(rc->lr > 0) || !isfinite(rc->lr))
        BAD("lr: %g is out of range (lr > 0)", (double)rc->lr);
    if (!(rc->momentum >= 0 && rc->momentum < 1))
        BAD("momentum: %g is out of range (0 <= momentum < 1)", (double)rc->momentum);
    if (!(rc->beta1 >= 0 && rc->beta1 < 1))
        BAD("beta1: %g is out of range (0 <= beta1 < 1)", (double)rc->beta1);
    if (!(rc->beta2 >= 0 && rc->beta2 < 1))
        BAD("beta2: %g is out of range (0 <= beta2 < 1)", (double)rc->beta2);
    if (!(rc->eps > 0) || !isfinite(rc->eps))
        BAD("eps: %g is out of range (eps > 0)", (double)rc->eps);
    if (!(rc->weight_decay >= 0) || !isfinite(rc->weight_decay))
        BAD("weight_decay: %g is out of range (weight_decay >= 0)", (double)rc->weight_decay);
    if (rc->batch <= 0)
        BAD("batch: %d is out of range (batch >= 1)", rc->batch);
    if (rc->epochs < 1)
        BAD("epochs: %d is out of range (epochs >= 1)", rc->epochs);
    if (rc->log_every < 1)
        BAD("log_every: %d is out of range (log_every >= 1)", rc->log_every);
    if (rc->threads < 0)
        BAD("threads: %d is out of range (0 = OpenMP default, else >= 1)", rc->threads);
    if (!strcmp(rc->dataset, "xor") && rc->loss == DS_LOSS_SOFTMAX_CE)
        BAD("loss: softmax_ce does not fit dataset xor (valid for xor: sigmoid_bce, mse)");
    return NULL;
}
