/* One table per kind of name a run is described with: activations, weight
 * inits, bias inits, optimizers, losses, datasets. Each row carries
 * everything about its name (defaults, allowed ranges, shapes), the enum
 * lives beside its table, and every "valid: a, b, c" list in a message is
 * generated from the table. Adding an activation, an init, an optimizer or a
 * dataset is one row here (plus its arithmetic in kernels/ or engine/).
 *
 * The engine (init.c, optim.c, model.c, data.c) keeps only what a name does,
 * indexed by these enums; the names, defaults and ranges live here. */
#ifndef DS_NAMES_H
#define DS_NAMES_H

#include <stddef.h>

#include "kernels.h"

/* ---- activations --------------------------------------------------------
 * The kernel contract (kernels.h) owns the id (ds_act) and the name
 * (ds_act_to_name / ds_act_parse, one table in kernels/vec.c); this row owns
 * what a run needs on top: the meaning of act_param, its default and range. */
typedef struct {
    ds_act act;
    const char *param;   /* what act_param means ("slope"), NULL = unused  */
    float param_default; /* PyTorch's and Keras's defaults                 */
    float param_min, param_max; /* allowed act_param, inclusive            */
} ds_act_row;

const ds_act_row *ds_act_row_of(ds_act act); /* NULL if not an activation */

/* ---- weight inits ------------------------------------------------------ */
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

/* ---- optimizers -------------------------------------------------------- */
typedef enum { DS_OPT_SGD = 0, DS_OPT_MOMENTUM, DS_OPT_ADAM, DS_OPT_COUNT } ds_opt_kind;

typedef struct {
    const char *name;
    float momentum;           /* momentum's default (0.9); 0 = not used       */
    float beta1, beta2, eps;  /* Adam's defaults (0.9, 0.999, 1e-8)           */
} ds_opt_row;

const ds_opt_row *ds_opt_row_of(ds_opt_kind k);

/* ---- losses ------------------------------------------------------------ */
typedef enum {
    DS_LOSS_SOFTMAX_CE = 0, /* softmax + cross-entropy (multi-class)  */
    DS_LOSS_SIGMOID_BCE,    /* sigmoid + binary cross-entropy (XOR)   */
    DS_LOSS_MSE,            /* identity + mean squared error          */
    DS_LOSS_COUNT
} ds_loss;

/* ---- datasets ---------------------------------------------------------- */
typedef struct {
    const char *name;
    int features;         /* inputs per sample                               */
    int classes;          /* output units: 10, or 1 (one sigmoid output)     */
    int n_train, n_test;  /* samples of the full splits                      */
    int val_split;        /* training images held out for validation by
                             default (the course's TensorFlow loader: 5,000) */
    ds_loss default_loss; /* the loss a run gets when it names none          */
    int multi_class_only; /* 0: softmax_ce does not fit (one output unit)    */
    /* IDX files under data_dir (plain or .gz), NULL for a built-in set:
     * training images, training labels, test images, test labels */
    const char *files[4];
} ds_dataset_row;

const ds_dataset_row *ds_dataset_row_of(const char *name); /* NULL if unknown */
int ds_dataset_known(const char *name);

/* ---- name <-> enum for every table --------------------------------------
 * parse returns 0, or -1 if the name is unknown; name returns "?" for an
 * out-of-range value; valid_names is "a, b, c" generated from the table, for
 * error messages and help texts. */
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
const char *ds_dataset_valid_names(void);

/* "a, b, c" from a table whose rows begin with their name (const char *),
 * into buf once (buf[0] != 0 afterwards); returns buf. */
const char *ds_names_join(char *buf, size_t len, const void *rows, size_t stride, int n);

#endif
