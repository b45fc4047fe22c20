/* The MLP: any number of hidden layers >= 0 of any width, one activation for
 * every hidden layer, an output layer fused with its loss (softmax + CE,
 * sigmoid + BCE, identity + MSE) and inverted dropout after each hidden layer.
 *
 * Parameters live in one 64-byte-aligned block, [W0 b0 W1 b1 ...], W_l being
 * [dims[l] x dims[l+1]] row-major (so forward is Z = A·W + b), and gradients
 * in a block of the same layout, so optimizers and checkpoints see flat
 * tensors. Every activation/gradient buffer is sized for max_batch rows once,
 * at creation: forward and backward never allocate. All arithmetic is done by
 * kernels/. */
#ifndef DS_MODEL_H
#define DS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "runcfg.h"

#define DS_MAX_LAYERS (DS_MAX_HIDDEN + 1)

typedef struct ds_mlp {
    int n_layers;                 /* weight matrices: n_hidden + 1       */
    int dims[DS_MAX_LAYERS + 1];  /* dims[0] inputs ... dims[n_layers] outputs */
    ds_act act;
    float act_param;
    ds_loss loss;
    float dropout;
    int max_batch;

    size_t n_params;              /* floats in params (and grads)        */
    size_t w_off[DS_MAX_LAYERS], b_off[DS_MAX_LAYERS];
    float *params, *grads;
    float *W[DS_MAX_LAYERS], *b[DS_MAX_LAYERS];
    float *dW[DS_MAX_LAYERS], *db[DS_MAX_LAYERS];

    /* per layer l, [max_batch x dims[l+1]]: z = pre-activation (logits for
     * the last layer), h = f(z), a = dropout(h) (== h when no dropout), dz =
     * dLoss/dz. h/a are unused for the output layer. */
    float *z[DS_MAX_LAYERS], *h[DS_MAX_LAYERS], *a[DS_MAX_LAYERS], *dz[DS_MAX_LAYERS];
    float *targets;               /* [max_batch x outputs] for BCE / MSE */
    float *arena;                 /* the one allocation behind z/h/a/dz/targets */

    /* threads of a training step and of an evaluation batch, each chosen by
     * measurement (kernels.h ds_team_run_tuned); zeroed by ds_mlp_create */
    ds_team_tuner step_tuner, eval_tuner;
} ds_mlp;

/* n zeroed floats, 64-byte aligned (ds_aligned_alloc; ds_aligned_free). */
float *ds_zalloc_floats(size_t n);

/* Returns 0, or -1 out of memory. Parameters are zero until ds_mlp_init. */
int ds_mlp_create(ds_mlp *m, int inputs, int n_hidden, const int *hidden, int outputs,
                  ds_act act, float act_param, ds_loss loss, float dropout, int max_batch);
void ds_mlp_free(ds_mlp *m);
void ds_mlp_init(ds_mlp *m, ds_init_kind init, float scale, ds_bias_init bias, uint64_t seed);

long ds_mlp_weight_count(const ds_mlp *m);
long ds_mlp_bias_count(const ds_mlp *m);

/* Forward of rows x[rows x dims[0]]; returns the output pre-activations
 * (logits) [rows x outputs]. train != 0 applies dropout keyed (seed, layer,
 * step); train == 0 is evaluation (no dropout). */
const float *ds_mlp_forward(ds_mlp *m, const float *x, int rows, int train, uint64_t seed,
                            uint32_t step);

/* Loss of the last forward against labels (class index; 0/1 for a single
 * output): returns the SUM over rows (double). With grad != 0 also sets the
 * output layer's dz to d(mean loss)/dz. *correct counts rows classified right
 * (may be NULL). */
double ds_mlp_loss(ds_mlp *m, int rows, const int32_t *labels, int grad, int *correct);

/* Backward of the last forward + ds_mlp_loss(grad=1): fills grads. The same
 * (train, seed, step) as the forward re-applies the dropout masks. */
void ds_mlp_backward(ds_mlp *m, const float *x, int rows, int train, uint64_t seed,
                     uint32_t step);

#endif
