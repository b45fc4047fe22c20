/* The GEMM shapes of one training step of the lab nets: one table for
 * `deepsweep bench` and bench/bench_kernels.c (which links mlp_shapes.o), so
 * the two always measure the same shapes. */
#ifndef DS_MLP_SHAPES_H
#define DS_MLP_SHAPES_H

#include "kernels.h"

#define DS_MLP_BATCH 100
#define DS_MLP_N_LAYERS 5
#define DS_MLP_N_GEMMS (3 * DS_MLP_N_LAYERS)

typedef struct {
    char form[3];   /* "nn" forward Y = X·W, "nt" dX = dY·Wᵀ, "tn" dW = Xᵀ·dY */
    ds_trans ta, tb;
    int m, n, k;    /* C[m x n] = op(A)[m x k] · op(B)[k x n]                  */
    int in, out;    /* the layer's W is [in x out]                             */
} ds_mlp_gemm;

/* The layers [in x out] of the course's nets (784-256-256-10 and
 * 784-512x4-10), each once. */
extern const int ds_mlp_layers[DS_MLP_N_LAYERS][2];

/* Fills out[DS_MLP_N_GEMMS]: per layer, in table order, NN, NT, TN at batch
 * DS_MLP_BATCH. */
void ds_mlp_gemms(ds_mlp_gemm out[DS_MLP_N_GEMMS]);

#endif
