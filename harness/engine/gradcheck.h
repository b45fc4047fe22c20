/* Gradient check: the analytic float backward of ds_mlp (kernels/) against
 * central finite differences of a double-precision scalar forward + loss, on
 * small nets, dropout off. */
#ifndef DS_GRADCHECK_H
#define DS_GRADCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The bound `deepsweep gradcheck` and the tests hold every layer to. */
#define DS_GRADCHECK_BOUND 1e-3

typedef struct {
    int n_layers;
    double max_rel_w[DS_MAX_LAYERS]; /* per weight matrix               */
    double max_rel_b[DS_MAX_LAYERS]; /* per bias vector                 */
    double worst;                    /* max over all of them            */
} ds_gradcheck_result;

/* Relative error of an analytic gradient against a numeric one, element-wise:
 * max_i |a_i − n_i| / (|a_i| + |n_i| + 1e-3·max_j |n_j|). The floor keeps
 * components ~1000x below the tensor's largest from dominating through
 * rounding noise alone. */
double ds_gradcheck_rel_error(const float *analytic, const double *numeric, size_t n);

/* Builds a net of widths dims[0..n_dims) (inputs .. outputs) with activation
 * act and loss, random weights, `rows` random samples from seed; compares.
 * Returns 0, or -1 out of memory. */
int ds_gradcheck_run(ds_act act, float act_param, ds_loss loss, const int *dims, int n_dims,
                     int rows, uint64_t seed, ds_gradcheck_result *res);

#endif
