/* One resolved run: everything that determines a training run's result.
 *
 * The contract between the config/sweep layer (config.c, sweep.c: YAML ->
 * list of ds_run_config) and the training engine (data.c, model.c, init.c,
 * optim.c, train.c). Name <-> enum tables live with their implementation
 * (init.c, optim.c, model.c) and are declared here so both sides share them.
 */
#ifndef DS_RUNCFG_H
#define DS_RUNCFG_H

#include <stdint.h>

#include "kernels.h"

#define DS_MAX_HIDDEN 64

typedef enum {
    DS_INIT_NORMAL = 0,     /* N(0,1)·scale: TensorFlow's random_normal, the course's default */
    DS_INIT_UNIFORM,        /* U(-1,1)·scale                                    */
    DS_INIT_XAVIER_UNIFORM, /* U(±√(6/(in+out)))·scale (Glorot)                 */
    DS_INIT_XAVIER_NORMAL,  /* N(0, 2/(in+out))·scale                           */
    DS_INIT_HE_NORMAL,      /* N(0, 2/in)·scale                                 */
    DS_INIT_HE_UNIFORM,     /* U(±√(6/in))·scale                                */
    DS_INIT_LECUN_NORMAL,   /* N(0, 1/in)·scale                                 */
    DS_INIT_ZEROS,
    DS_INIT_COUNT
} ds_init_kind;

typedef enum { DS_BIAS_ZEROS = 0, DS_BIAS_NORMAL, DS_BIAS_COUNT } ds_bias_init;

typedef enum { DS_OPT_SGD = 0, DS_OPT_MOMENTUM, DS_OPT_ADAM, DS_OPT_COUNT } ds_opt_kind;

typedef enum {
    DS_LOSS_SOFTMAX_CE = 0, /* softmax + cross-entropy (multi-class)  */
    DS_LOSS_SIGMOID_BCE,    /* sigmoid + binary cross-entropy (XOR)   */
    DS_LOSS_MSE,            /* identity + mean squared error          */
    DS_LOSS_COUNT
} ds_loss;

typedef struct {
    char label[64];          /* human-readable group label, e.g. "xavier"        */
    char dataset[32];        /* "mnist", "fashion-mnist", "xor"                  */
    char data_dir[256];      /* "" -> data/<dataset>                             */
    int train_subset;        /* 0 = all training images; else the first N        */
    int n_hidden;            /* hidden layers, 0 = softmax/logistic regression   */
    int hidden[DS_MAX_HIDDEN];
    ds_act activation;       /* of every hidden layer                            */
    float act_param;         /* leaky_relu slope / elu alpha                     */
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

/* name <-> enum; parse returns 0, or -1 if unknown. valid_names lists them
 * ("normal, uniform, ...") for error messages. */
const char *ds_init_name(ds_init_kind k);
int ds_init_parse(const char *s, ds_init_kind *out);
const char *ds_init_valid_names(void);
const char *ds_bias_init_name(ds_bias_init k);
int ds_bias_init_parse(const char *s, ds_bias_init *out);
const char *ds_bias_init_valid_names(void);
const char *ds_opt_name(ds_opt_kind k);
int ds_opt_parse(const char *s, ds_opt_kind *out);
const char *ds_opt_valid_names(void);
const char *ds_loss_name(ds_loss k);
int ds_loss_parse(const char *s, ds_loss *out);
const char *ds_loss_valid_names(void);
/* datasets: "mnist, fashion-mnist, xor" */
int ds_dataset_known(const char *name);
const char *ds_dataset_valid_names(void);

/* Range checks shared by the CLI and the config loader: returns NULL if rc is
 * valid, else a static message "dropout: 1.5 is out of range (0 <= dropout < 1)"
 * naming the first bad field (its key in the YAML grammar). */
const char *ds_run_config_check(const ds_run_config *rc, char *buf, int buflen);

#endif
