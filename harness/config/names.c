/* The name tables (see names.h). A table is an array of rows whose first
 * member is the name, so one lookup and one list-joining helper serve them
 * all; the activation names come from the kernel contract. */
#include "names.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- the tables ---------------------------------------------------------- */

/* Only leaky_relu and elu take a parameter; their defaults are PyTorch's and
 * Keras's (slope 0.01, alpha 1.0). */
static const ds_act_row act_rows[DS_ACT_COUNT] = {
    [DS_ACT_IDENTITY] = {DS_ACT_IDENTITY, NULL, 0, 0, 0},
    [DS_ACT_RELU] = {DS_ACT_RELU, NULL, 0, 0, 0},
    [DS_ACT_LEAKY_RELU] = {DS_ACT_LEAKY_RELU, "negative slope", 0.01f, 0.0f, 1.0f},
    [DS_ACT_SIGMOID] = {DS_ACT_SIGMOID, NULL, 0, 0, 0},
    [DS_ACT_TANH] = {DS_ACT_TANH, NULL, 0, 0, 0},
    [DS_ACT_ELU] = {DS_ACT_ELU, "alpha", 1.0f, 0.0f, 100.0f},
    [DS_ACT_GELU] = {DS_ACT_GELU, NULL, 0, 0, 0},
    [DS_ACT_SOFTPLUS] = {DS_ACT_SOFTPLUS, NULL, 0, 0, 0},
};

typedef struct {
    const char *name;
} name_row;

static const name_row init_rows[DS_INIT_COUNT] = {
    [DS_INIT_NORMAL] = {"normal"},
    [DS_INIT_UNIFORM] = {"uniform"},
    [DS_INIT_XAVIER_UNIFORM] = {"xavier_uniform"},
    [DS_INIT_XAVIER_NORMAL] = {"xavier_normal"},
    [DS_INIT_HE_NORMAL] = {"he_normal"},
    [DS_INIT_HE_UNIFORM] = {"he_uniform"},
    [DS_INIT_LECUN_NORMAL] = {"lecun_normal"},
    [DS_INIT_ZEROS] = {"zeros"},
};

static const name_row bias_rows[DS_BIAS_COUNT] = {
    [DS_BIAS_ZEROS] = {"zeros"},
    [DS_BIAS_NORMAL] = {"normal"},
};

static const name_row loss_rows[DS_LOSS_COUNT] = {
    [DS_LOSS_SOFTMAX_CE] = {"softmax_ce"},
    [DS_LOSS_SIGMOID_BCE] = {"sigmoid_bce"},
    [DS_LOSS_MSE] = {"mse"},
};

/* Each optimizer's own hyper-parameters; a run config holds all of them, so
 * switching optimizer in a sweep never leaves a field unset. */
static const ds_opt_row opt_rows[DS_OPT_COUNT] = {
    [DS_OPT_SGD] = {"sgd", 0, 0, 0, 0},
    [DS_OPT_MOMENTUM] = {"momentum", 0.9f, 0, 0, 0},
    [DS_OPT_ADAM] = {"adam", 0, 0.9f, 0.999f, 1e-8f},
};

/* The order is the one messages list. val_split: the course's loader
 * (tensorflow.examples.tutorials.mnist) held out the first 5,000 of the
 * 60,000 training images for validation; deepsweep holds out 5,000 drawn by
 * a seeded permutation. XOR's four points have none to spare. The SHA-256 of the files are in
 * scripts/fetch-data.sh, which checks them when it fetches. */
static const ds_dataset_row dataset_rows[] = {
    {"mnist", 784, 10, 60000, 10000, 5000, DS_LOSS_SOFTMAX_CE, 1,
     {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte"}},
    {"fashion-mnist", 784, 10, 60000, 10000, 5000, DS_LOSS_SOFTMAX_CE, 1,
     {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte"}},
    {"xor", 2, 1, 4, 4, 0, DS_LOSS_SIGMOID_BCE, 0, {NULL, NULL, NULL, NULL}},
};
#define N_DATASETS (int)(sizeof dataset_rows / sizeof dataset_rows[0])

/* ---- one lookup and one list for every table ----------------------------- */

static const char *row_name(const void *rows, size_t stride, int i)
{
    return *(const char *const *)((const char *)rows + (size_t)i * stride);
}

static int find(const void *rows, size_t stride, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(s, row_name(rows, stride, i)))
            return i;
    return -1;
}

/* "a, b, c" into buf (filled once per thread: the tables never change). */
const char *ds_names_join(char *buf, size_t len, const void *rows, size_t stride, int n)
{
    if (buf[0])
        return buf;
    size_t o = 0;
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", row_name(rows, stride, i));
    return buf;
}

#define NAME_FUNCS(prefix, type, rows, count)                                              \
    const char *prefix##_name(type k)                                                      \
    {                                                                                      \
        return (unsigned)k < (unsigned)(count) ? rows[k].name : "?";                       \
    }                                                                                      \
    int prefix##_parse(const char *s, type *out)                                           \
    {                                                                                      \
        int i = find(rows, sizeof rows[0], count, s);                                      \
        if (i < 0)                                                                         \
            return -1;                                                                     \
        *out = (type)i;                                                                    \
        return 0;                                                                          \
    }                                                                                      \
    const char *prefix##_valid_names(void)                                                 \
    {                                                                                      \
        static _Thread_local char buf[256];                                                \
        return ds_names_join(buf, sizeof buf, rows, sizeof rows[0], count);                         \
    }

NAME_FUNCS(ds_init, ds_init_kind, init_rows, DS_INIT_COUNT)
NAME_FUNCS(ds_bias_init, ds_bias_init, bias_rows, DS_BIAS_COUNT)
NAME_FUNCS(ds_opt, ds_opt_kind, opt_rows, DS_OPT_COUNT)
NAME_FUNCS(ds_loss, ds_loss, loss_rows, DS_LOSS_COUNT)

const ds_act_row *ds_act_row_of(ds_act act)
{
    return (unsigned)act < DS_ACT_COUNT ? &act_rows[act] : NULL;
}

const ds_opt_row *ds_opt_row_of(ds_opt_kind k)
{
    return (unsigned)k < DS_OPT_COUNT ? &opt_rows[k] : NULL;
}

const ds_dataset_row *ds_dataset_row_of(const char *name)
{
    int i = find(dataset_rows, sizeof dataset_rows[0], N_DATASETS, name);
    return i < 0 ? NULL : &dataset_rows[i];
}

int ds_dataset_known(const char *name) { return ds_dataset_row_of(name) != NULL; }

const char *ds_dataset_valid_names(void)
{
    static _Thread_local char buf[128];
    return ds_names_join(buf, sizeof buf, dataset_rows, sizeof dataset_rows[0], N_DATASETS);
}
