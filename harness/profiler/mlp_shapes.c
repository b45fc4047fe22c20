/* See mlp_shapes.h. */
#include "mlp_shapes.h"

const int ds_mlp_layers[DS_MLP_N_LAYERS][2] = {
    {784, 256}, {256, 256}, {784, 512}, {512, 512}, {512, 10}};

void ds_mlp_gemms(ds_mlp_gemm out[DS_MLP_N_GEMMS])
{
    const int b = DS_MLP_BATCH;
    for (int l = 0; l < DS_MLP_N_LAYERS; l++) {
        const int in = ds_mlp_layers[l][0], o = ds_mlp_layers[l][1];
        out[3 * l + 0] = (ds_mlp_gemm){"nn", DS_NOTRANS, DS_NOTRANS, b, o, in, in, o};
        out[3 * l + 1] = (ds_mlp_gemm){"nt", DS_NOTRANS, DS_TRANS, b, in, o, in, o};
        out[3 * l + 2] = (ds_mlp_gemm){"tn", DS_TRANS, DS_NOTRANS, in, o, b, in, o};
    }
}
