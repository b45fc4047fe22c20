/* ds_run_config: the course's defaults, the defaults that depend on other
 * keys (from the tables of names.h), the range checks every command shares,
 * and the dataset-size and memory helpers. */
#include "runcfg.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ds_run_config_defaults(ds_run_config *rc)
{
    memset(rc, 0, sizeof *rc);
    snprintf(rc->label, sizeof rc->label, "run");
    snprintf(rc->dataset, sizeof rc->dataset, "mnist");
    rc->val_split = ds_dataset_row_of(rc->dataset)->val_split;
    rc->n_hidden = 0;
    rc->activation = DS_ACT_RELU;
    /* relu's act_param is unused; 0.01 (leaky_relu's slope) is kept because
     * it is part of every run's canonical text, hence of its id */
    rc->act_param = ds_act_row_of(DS_ACT_LEAKY_RELU)->param_default;
    rc->loss = DS_LOSS_SOFTMAX_CE;
    rc->init = DS_INIT_NORMAL;
    rc->init_scale = 1.0f;
    rc->bias_init = DS_BIAS_ZEROS;
    rc->dropout = 0.0f;
    rc->optimizer = DS_OPT_ADAM;
    rc->lr = 0.001f;
    rc->momentum = ds_opt_row_of(DS_OPT_MOMENTUM)->momentum;
    rc->nesterov = 0;
    rc->beta1 = ds_opt_row_of(DS_OPT_ADAM)->beta1;
    rc->beta2 = ds_opt_row_of(DS_OPT_ADAM)->beta2;
    rc->eps = ds_opt_row_of(DS_OPT_ADAM)->eps;
    rc->weight_decay = 0.0f;
    rc->batch = 100;
    rc->epochs = 15;
    rc->log_every = 1;
    rc->seed = 1;
    rc->threads = 0;
}

void ds_run_config_resolve(ds_run_config *rc, int act_param_set, int loss_set,
                           int val_split_set)
{
    const ds_dataset_row *d = ds_dataset_row_of(rc->dataset);
    if (!val_split_set && d)
        rc->val_split = d->val_split;
    long n = ds_dataset_train_size(rc);
    if (n > 0 && rc->batch > n)
        rc->batch = (int)n;
    const ds_act_row *act = ds_act_row_of(rc->activation);
    if (!act_param_set && act && act->param)
        rc->act_param = act->param_default;
    if (!loss_set && d)
        rc->loss = d->default_loss;
}

int ds_thread_limit(void) { return 4 * omp_get_num_procs(); }

#define BAD(...)                                                                \
    do {                                                                        \
        snprintf(buf, (size_t)buflen, __VA_ARGS__);                             \
        return buf;                                                             \
    } while (0)

static const struct {
    const char *key;
    ds_bounds b;
} ranges[] = {
    {"depth", DS_CLOSED(0, DS_MAX_HIDDEN)},
    {"width", DS_CLOSED(1, DS_MAX_WIDTH)},
    {"init_scale", DS_AT_LEAST(0)},
    {"dropout", DS_HALF_OPEN(0, 1)},
    {"lr", DS_ABOVE(0)},
    {"momentum", DS_HALF_OPEN(0, 1)},
    {"beta1", DS_HALF_OPEN(0, 1)},
    {"beta2", DS_HALF_OPEN(0, 1)},
    {"eps", DS_ABOVE(0)},
    {"weight_decay", DS_AT_LEAST(0)},
    {"batch", DS_AT_LEAST(1)},
    {"epochs", DS_AT_LEAST(1)},
    {"log_every", DS_AT_LEAST(1)},
};

const ds_bounds *ds_run_range(const char *key)
{
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (!strcmp(ranges[i].key, key))
            return &ranges[i].b;
    return NULL;
}

/* v against key's range: NULL, or "lr: -0.1 is out of range (lr > 0)" (an
 * integer key's value printed whole, a float's as %g). */
static const char *check_range(const char *key, double v, int is_int, char *buf, int buflen)
{
    const ds_bounds *b = ds_run_range(key);
    if (isfinite(v) && (b->lo_open ? v > b->lo : v >= b->lo) && (b->hi_open ? v < b->hi : v <= b->hi))
        return NULL;
    char r[128];
    ds_bounds_text(key, *b, r, sizeof r);
    BAD(is_int ? "%s: %.0f is out of range (%s)" : "%s: %g is out of range (%s)", key, v, r);
}

#define CHECK(key, v, is_int)                                                   \
    do {                                                                        \
        const char *bad_ = check_range(key, (double)(v), is_int, buf, buflen);  \
        if (bad_)                                                               \
            return bad_;                                                        \
    } while (0)

/* The names: an enum out of its table can only come from code, not input. */
static const char *check_names(const ds_run_config *rc, char *buf, int buflen)
{
    if (!ds_dataset_known(rc->dataset))
        BAD("dataset: unknown name '%s' (valid: %s)", rc->dataset, ds_dataset_valid_names());
    if (!ds_act_row_of(rc->activation))
        BAD("activation: %d is not an activation (valid: %s)", (int)rc->activation,
            ds_act_valid_names());
    if ((unsigned)rc->loss >= DS_LOSS_COUNT)
        BAD("loss: %d is not a loss (valid: %s)", (int)rc->loss, ds_loss_valid_names());
    if ((unsigned)rc->init >= DS_INIT_COUNT)
        BAD("init: %d is not an init scheme (valid: %s)", (int)rc->init, ds_init_valid_names());
    if ((unsigned)rc->bias_init >= DS_BIAS_COUNT)
        BAD("bias_init: %d is not a bias init (valid: %s)", (int)rc->bias_init,
            ds_bias_init_valid_names());
    if ((unsigned)rc->optimizer >= DS_OPT_COUNT)
        BAD("optimizer: %d is not an optimizer (valid: %s)", (int)rc->optimizer,
            ds_opt_valid_names());
    const ds_dataset_row *d = ds_dataset_row_of(rc->dataset);
    if (!d->multi_class_only && rc->loss == DS_LOSS_SOFTMAX_CE)
        BAD("loss: softmax_ce does not fit dataset %s (one output unit; valid for %s: "
            "sigmoid_bce, mse)", rc->dataset, rc->dataset);
    return NULL;
}

static const char *check_shape(const ds_run_config *rc, char *buf, int buflen)
{
    const ds_dataset_row *d = ds_dataset_row_of(rc->dataset);
    if (rc->val_split < 0 || rc->val_split >= d->n_train)
        BAD("val_split: %d is out of range (0 <= val_split < %d, the training set of %s)",
            rc->val_split, d->n_train, rc->dataset);
    if (rc->train_subset < 0 || rc->train_subset > d->n_train - rc->val_split)
        BAD("train_subset: %d is out of range (0 = all, else 1 <= train_subset <= %d, the "
            "training set of %s less val_split %d)", rc->train_subset,
            d->n_train - rc->val_split, rc->dataset, rc->val_split);
    CHECK("depth", rc->n_hidden, 1);
    for (int i = 0; i < rc->n_hidden; i++)
        CHECK("width", rc->hidden[i], 1);
    const ds_act_row *act = ds_act_row_of(rc->activation);
    if (act->param && !(rc->act_param >= act->param_min && rc->act_param <= act->param_max))
        BAD("act_param: %g is out of range for %s's %s (%g <= act_param <= %g)",
            (double)rc->act_param, ds_act_to_name(rc->activation), act->param,
            (double)act->param_min, (double)act->param_max);
    CHECK("init_scale", rc->init_scale, 0);
    CHECK("dropout", rc->dropout, 0);
    return NULL;
}

static const char *check_training(const ds_run_config *rc, char *buf, int buflen)
{
    CHECK("lr", rc->lr, 0);
    CHECK("momentum", rc->momentum, 0);
    CHECK("beta1", rc->beta1, 0);
    CHECK("beta2", rc->beta2, 0);
    CHECK("eps", rc->eps, 0);
    CHECK("weight_decay", rc->weight_decay, 0);
    CHECK("batch", rc->batch, 1);
    CHECK("epochs", rc->epochs, 1);
    CHECK("log_every", rc->log_every, 1);
    if (rc->threads < 0 || rc->threads > ds_thread_limit())
        BAD("threads: %d is out of range (0 = OpenMP default, else 1 <= threads <= %d, 4 x "
            "the %d processors)", rc->threads, ds_thread_limit(), omp_get_num_procs());
    return NULL;
}

const char *ds_run_config_check(const ds_run_config *rc, char *buf, int buflen)
{
    const char *bad = check_names(rc, buf, buflen);
    if (!bad)
        bad = check_shape(rc, buf, buflen);
    if (!bad)
        bad = check_training(rc, buf, buflen);
    return bad;
}

long ds_dataset_train_size(const ds_run_config *rc)
{
    const ds_dataset_row *d = ds_dataset_row_of(rc->dataset);
    long n = d ? d->n_train - rc->val_split : 0;
    if (n && rc->train_subset > 0 && rc->train_subset < n)
        n = rc->train_subset;
    return n;
}

double ds_run_param_count(const ds_run_config *rc)
{
    const ds_dataset_row *d = ds_dataset_row_of(rc->dataset);
    if (!d)
        return 0;
    double params = 0, in = d->features;
    for (int i = 0; i < rc->n_hidden; i++) {
        params += in * rc->hidden[i] + rc->hidden[i];
        in = rc->hidden[i];
    }
    return params + in * d->classes + d->classes;
}

double ds_run_mem_estimate(const ds_run_config *rc)
{
    const ds_dataset_row *d = ds_dataset_row_of(rc->dataset);
    if (!d)
        return 0;
    double features = d->features, classes = d->classes;
    double n_train = d->n_train, n_test = d->n_test;
    double data = (n_train + n_test) * (features * 4 + 4);
    double params = ds_run_param_count(rc), units = features + classes;
    for (int i = 0; i < rc->n_hidden; i++)
        units += rc->hidden[i];
    double state = rc->optimizer == DS_OPT_ADAM ? 4 : rc->optimizer == DS_OPT_MOMENTUM ? 3 : 2;
    double rows = rc->batch > n_test ? rc->batch : n_test;
    /* pre-activation, activation and gradient of every layer, float32 */
    return data + params * 4 * state + rows * units * 4 * 3 + n_train * 4;
}

double ds_phys_ram(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && psz > 0 ? (double)pages * (double)psz : 0;
}

const char *ds_run_mem_check(const ds_run_config *rc, char *buf, int buflen)
{
    double need = ds_run_mem_estimate(rc), ram = ds_phys_ram();
    if (ram > 0 && need > ram)
        BAD("the run needs about %.1f GiB, more than this machine's %.1f GiB of RAM (make the "
            "net smaller or the batch)", need / (1 << 30), ram / (1 << 30));
    return NULL;
}
