/* The training engine: one run of ds_run_config on loaded data. */
#ifndef DS_TRAIN_H
#define DS_TRAIN_H

#include <signal.h>

#include "data.h"
#include "runcfg.h"

struct ds_mlp;

typedef enum {
    DS_RUN_OK = 0,
    DS_RUN_DIVERGED,    /* loss became NaN/Inf: the run stops, not the sweep */
    DS_RUN_FAILED,      /* out of memory or similar                          */
    DS_RUN_INTERRUPTED  /* *hooks->stop was set: nothing of it is recorded    */
} ds_run_status;

const char *ds_run_status_name(ds_run_status s); /* "ok", "diverged", ... */

typedef struct {
    int epoch;                 /* 1-based                              */
    double train_loss;         /* mean over the epoch's samples         */
    double train_acc;          /* fraction in [0,1]                     */
    double test_acc;           /* fraction in [0,1]                     */
    double seconds;            /* wall time of this epoch               */
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

typedef struct {
    ds_run_status status;
    long params_weights, params_biases;
    double train_loss, train_acc, test_acc, best_test_acc; /* last epoch's */
    double seconds, samples_per_s;
    int epochs_done;
} ds_run_result;

/* Trains a fresh model for rc on train, evaluating on test each logged epoch.
 * Deterministic: same rc (incl. seed) -> bit-identical metrics at any thread
 * count. Returns 0 (see out->status), or 2 with a message in err for a config
 * the data cannot serve (e.g. batch > training set). */
int ds_train(const ds_run_config *rc, const ds_dataset *train,
             const ds_dataset *test, const ds_train_hooks *hooks,
             ds_run_result *out, char *err, size_t errlen);

#endif
