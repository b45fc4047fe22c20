/* The training engine: one training step (ds_train_step), one evaluation
 * (ds_evaluate), and the epoch loop of one run built on them (ds_train).
 *
 * `train`, `train --load`, `run` and the profiler's step benchmark all go
 * through these, so the step the profiler times is the step users run. */
#ifndef DS_TRAIN_H
#define DS_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "data.h"
#include "model.h"
#include "optim.h"
#include "runcfg.h"

typedef enum {
    DS_RUN_OK = 0,
    DS_RUN_DIVERGED,    /* loss became NaN/Inf: the run stops, not the sweep */
    DS_RUN_FAILED,      /* out of memory or similar                          */
    DS_RUN_INTERRUPTED  /* *hooks->stop was set: nothing of it is recorded    */
} ds_run_status;

const char *ds_run_status_name(ds_run_status s); /* "ok", "diverged", ... */

/* The training metrics are measured by ds_evaluate (dropout off) at the
 * epoch's end on a fixed subset of the training images: all of them up to
 * DS_TRAIN_EVAL_MAX, else DS_TRAIN_EVAL_MAX drawn once per run by the seed
 * (ds_sample_sorted). The running averages the steps saw during the epoch
 * (dropout on, weights moving) keep their own names. */
#define DS_TRAIN_EVAL_MAX 10000

/* One logged epoch. Accuracies are fractions in [0,1]; NaN = not measured
 * (val_* without a validation split). */
typedef struct {
    int epoch;                 /* 1-based                                          */
    double train_loss, train_acc;  /* evaluated, dropout off (see above)            */
    double val_loss, val_acc;      /* on the held-out validation images            */
    double test_loss, test_acc;
    double train_loss_running, train_acc_running; /* the epoch's steps, dropout on */
    double seconds;            /* wall time of the epoch's steps (no evaluation)   */
} ds_epoch_metrics;

typedef struct {
    int layer;                 /* 0 = first weight matrix (input side)  */
    double grad_norm;          /* L2 norm of dW, averaged over the epoch's steps */
    double weight_norm;        /* L2 norm of W at the epoch's end       */
    double dead_frac;          /* units (hidden layers) that never fired on the
                                  epoch's last batch; 0 for the output layer */
} ds_layer_metrics;

typedef struct {
    /* Called after every logged epoch (see log_every) with n_layers rows. */
    void (*on_epoch)(void *ctx, const ds_epoch_metrics *e,
                     const ds_layer_metrics *layers, int n_layers);
    void *ctx;
    /* Checked between steps; when it becomes non-zero, ds_train returns
     * DS_RUN_INTERRUPTED promptly. May be NULL. */
    volatile sig_atomic_t *stop;
    /* Called once when a run ends ok, with the trained model (struct ds_mlp,
     * harness/model.h), e.g. to save it. May be NULL (fields left out of an
     * initializer are). */
    void (*on_model)(void *ctx, const struct ds_mlp *model);
} ds_train_hooks;

/* The outcome of a run. The metrics are the last logged epoch's; all of them
 * are NaN unless the run ended ok (a diverged model has none). */
typedef struct {
    ds_run_status status;
    long params_weights, params_biases;
    double train_loss, train_acc, val_loss, val_acc, test_loss, test_acc;
    double train_loss_running, train_acc_running; /* for a diverged run: the
                                   running loss of the epoch it diverged in    */
    int best_epoch;             /* the logged epoch of the highest val_acc (the
                                   first of ties); 0 without a validation split */
    double best_val_acc, test_acc_at_best; /* val and test accuracy there       */
    int diverged_epoch;         /* the epoch whose loss was not finite; 0 if none */
    double seconds, samples_per_s;
    int epochs_done;
} ds_run_result;

/* The state of one training run: the model, its optimizer, the epoch's
 * sample order and the mini-batch buffers. Made from a run config and the
 * training set (which must outlive it). */
typedef struct {
    ds_run_config rc;
    const ds_dataset *data;
    int n;              /* samples per epoch: the training images of the split */
    int32_t *train_idx; /* their rows in data (ds_split: file order)           */
    int32_t *val_idx;   /* the validation images' rows (n_val, NULL if none)   */
    int n_val;
    int32_t *eval_idx;  /* rows of the training-metric subset (n_eval)         */
    int n_eval;
    int batch;          /* rows per step: rc.batch, at most n                  */
    int n_batches;      /* steps per epoch, the last one possibly partial      */
    ds_mlp model;       /* max_batch >= 256 rows, so ds_evaluate reads in big chunks */
    ds_optim opt;
    int32_t *perm;      /* this epoch's order of the n samples                 */
    float *xb;          /* the mini-batch, batch x features                    */
    int32_t *yb;
    double *grad_norm_sum; /* per layer: sum over this epoch's steps of |dW|   */
    uint8_t *alive;     /* scratch of the dead-unit count, widest hidden layer */
    int steps;          /* steps taken this epoch                              */
    uint32_t step;      /* steps taken in the run: keys the dropout masks      */
    int model_ok;
} ds_trainer;

/* Checks rc against the data (config ranges, val_split and train_subset,
 * the loss against the class count), splits the training set (ds_split),
 * allocates, and initialises the model from rc.seed.
 * Returns 0; 2 with a message in err for bad input; 1 when out of memory. */
int ds_trainer_create(ds_trainer *t, const ds_run_config *rc, const ds_dataset *train,
                      char *err, size_t errlen);
void ds_trainer_free(ds_trainer *t);

/* Starts epoch (1-based): the sample order of (seed, epoch), metrics reset. */
void ds_trainer_begin_epoch(ds_trainer *t, int epoch);

/* What one step saw, before its update. */
typedef struct {
    double loss_sum;    /* loss summed over the batch's rows                   */
    int correct;        /* rows classified right                               */
    int rows;
} ds_step_result;

/* One step on batch b (0 <= b < n_batches) of the current epoch: gather the
 * rows, forward with dropout, loss, backward, per-layer gradient norms, the
 * optimizer update of every tensor. Returns 0, or 1 when the loss is not
 * finite (diverged: nothing is updated, out->loss_sum holds the loss). */
int ds_train_step(ds_trainer *t, int b, ds_step_result *out);

/* The per-layer metrics of the epoch so far, read after its last step and
 * before any evaluation (the dead units are those of the last batch). */
void ds_trainer_layer_metrics(ds_trainer *t, ds_layer_metrics *lm);

/* Mean loss and accuracy (fraction) of m on rows idx[0..n) of d (idx NULL:
 * rows 0..n-1), in eval mode (no dropout), in chunks of m->max_batch rows
 * in that order. Either output may be NULL; n = 0 gives NaN. Returns 0, or 1
 * when out of memory (the outputs NaN). */
int ds_evaluate(ds_mlp *m, const ds_dataset *d, const int32_t *idx, int n, double *loss,
                double *acc);

/* Trains a fresh model for rc on train less its validation split,
 * evaluating on the training-metric subset, the validation images and test
 * each logged epoch.
 * Deterministic: same rc (incl. seed) -> bit-identical metrics at any thread
 * count. Returns 0 (see out->status), or 2 with a message in err for a config
 * the data cannot serve (e.g. batch > training set). */
int ds_train(const ds_run_config *rc, const ds_dataset *train,
             const ds_dataset *test, const ds_train_hooks *hooks,
             ds_run_result *out, char *err, size_t errlen);

#endif
