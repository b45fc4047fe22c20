/* One resolved run: everything that determines a training run's result.
 *
 * The contract between the config/sweep layer (config.c, sweep.c: YAML ->
 * list of ds_run_config) and the training engine (data.c, model.c, init.c,
 * optim.c, train.c). The names, enums, defaults and ranges of its fields
 * are the tables of names.h.
 */
#ifndef DS_RUNCFG_H
#define DS_RUNCFG_H

#include <stdint.h>

#include "kernels.h"
#include "names.h"
#include "parse.h"

#define DS_MAX_HIDDEN 64

typedef struct {
    char label[64];          /* human-readable group label, e.g. "xavier"        */
    char dataset[32];        /* "mnist", "fashion-mnist", "xor"                  */
    char data_dir[256];      /* "" -> data/<dataset>                             */
    int val_split;           /* training images held out for validation (a seeded
                                permutation of the run's seed); 0 = none          */
    int train_subset;        /* 0 = all training images left after val_split;
                                else the first N of them (in file order)          */
    int n_hidden;            /* hidden layers, 0 = softmax/logistic regression   */
    int hidden[DS_MAX_HIDDEN];
    ds_act activation;       /* of every hidden layer                            */
    float act_param;         /* leaky_relu slope / elu alpha (see names.h)       */
    ds_loss loss;
    ds_init_kind init;
    float init_scale;        /* multiplies the scheme's draw (1 = as defined)    */
    ds_bias_init bias_init;
    float dropout;           /* drop probability after each hidden layer, [0,1)  */
    ds_opt_kind optimizer;
    float lr;
    float momentum;          /* DS_OPT_MOMENTUM                                  */
    int nesterov;
    float beta1, beta2, eps; /* DS_OPT_ADAM (0.9, 0.999, 1e-8)                   */
    float weight_decay;      /* L2, added to the gradient                        */
    int batch;               /* >= 1; full batch when >= the training set size   */
    int epochs;              /* >= 1                                             */
    int log_every;           /* record epoch metrics every N epochs (and last)   */
    uint64_t seed;
    int threads;             /* 0 = OpenMP default                               */
} ds_run_config;

/* Defaults of the course's labs: Adam 0.001, batch 100, 15 epochs, relu,
 * normal init, zero bias, no dropout, softmax-CE, seed 1, log_every 1. */
void ds_run_config_defaults(ds_run_config *rc);

/* What depends on other keys, once every key is applied (both `train` and
 * the config loader call it): a batch larger than the training set is the
 * full batch, and is stored as the training set's size, so one run has one
 * id; for the keys the run did not set, act_param comes from the
 * activation's row (elu: alpha 1.0; leaky_relu: slope 0.01), loss and
 * val_split from the dataset's row (xor: sigmoid_bce, 0; mnist: 5000). */
void ds_run_config_resolve(ds_run_config *rc, int act_param_set, int loss_set,
                           int val_split_set);

/* The limits every command shares: a hidden layer's width, and threads
 * (0 = OpenMP's default, else 1 <= threads <= 4 x the processors this process
 * may run on: more only oversubscribes the cores). */
#define DS_MAX_WIDTH 1048576 /* 2^20: one 784 x 2^20 layer is already 3 GiB */
#define DS_STR_(x) #x
#define DS_STR(x) DS_STR_(x) /* a macro's value as text, for messages */
int ds_thread_limit(void);

/* The fixed range of a numeric run key, the one home of these facts:
 * ds_run_config_check checks them and the key table (keys.c) states them in
 * its messages ("0 <= dropout < 1"). NULL for a key without a fixed range
 * (train_subset, act_param and threads depend on the dataset, the activation
 * and the machine: the check states those). */
const ds_bounds *ds_run_range(const char *key);

/* Range checks shared by the CLI and the config loader: returns NULL if rc is
 * valid, else a static message "dropout: 1.5 is out of range (0 <= dropout < 1)"
 * naming the first bad field (its key in the YAML grammar). */
const char *ds_run_config_check(const ds_run_config *rc, char *buf, int buflen);

/* Training-set size of a dataset, after val_split and train_subset (0 if
 * unknown). */
long ds_dataset_train_size(const ds_run_config *rc);

/* Weights and biases of the run's net (0 if the dataset is unknown). */
double ds_run_param_count(const ds_run_config *rc);

/* Rough peak bytes one run needs (dataset + parameters, gradients, optimizer
 * state, activations of a batch and of the evaluation), the machine's RAM
 * (0 if unknown), and the check both commands make before allocating: NULL,
 * or a message "the run needs about 33.0 GiB, more than ...". */
double ds_run_mem_estimate(const ds_run_config *rc);
double ds_phys_ram(void);
const char *ds_run_mem_check(const ds_run_config *rc, char *buf, int buflen);

#endif
