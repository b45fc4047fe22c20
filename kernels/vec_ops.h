/* Private to kernels/: the per-ISA table of element-wise and row kernels.
 *
 * One instance per ISA (ds_vec_ops_scalar in kernels/ref/, ds_vec_ops_avx2 in
 * kernels/avx2/, ...), all generated from the ISA-neutral body
 * kernels/vec_body.inc over that ISA's mapping header (<isa>/simd.h). The
 * table also carries the ISA's FMA-peak probe (kernels/peak_body.inc).
 *
 * Every function here works on one contiguous piece (a chunk of a vector or
 * one row) in the calling thread: no OpenMP, no allocation. kernels/vec.c
 * splits the public calls of kernels.h into fixed, thread-count-independent
 * pieces, runs them in parallel where it pays, and combines partial sums in
 * a fixed order, so results are bit-identical at any thread count.
 *
 * Each element's result depends only on that element's inputs, never on its
 * position (the last partial vector is computed through a padded buffer
 * with the same vector code, not by a different scalar formula): that is
 * what makes the chunking invisible in the output.
 */
#ifndef DS_VEC_OPS_H
#define DS_VEC_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

/* y[i] = f(x[i]); x and y may alias. */
typedef void (*ds_act_fwd_fn)(float param, const float *x, float *y, size_t n);
/* dx[i] = dy[i]·f'(x[i]), y = f(x); dx may alias dy. */
typedef void (*ds_act_bwd_fn)(float param, const float *x, const float *y,
                              const float *dy, float *dx, size_t n);

struct ds_vec_ops {
    ds_isa isa;
    ds_act_fwd_fn act_fwd[DS_ACT_COUNT];
    ds_act_bwd_fn act_bwd[DS_ACT_COUNT];

    /* y[j] += b[j], j < n */
    void (*add_row)(float *y, const float *b, size_t n);

    /* alive[j] |= (y[j] != 0), j < n */
    void (*nonzero_row)(const float *y, uint8_t *alive, size_t n);

    /* One row of softmax + cross-entropy (see ds_softmax_xent). Returns
     * −log softmax(z)[label]; writes dz when non-NULL (dz may alias z);
     * *argmax = first index of the row's maximum. */
    double (*softmax_xent_row)(const float *z, size_t n, int32_t label,
                               float *dz, float scale, int *argmax);

    /* One row of sigmoid + BCE: returns the row's loss sum, writes dz when
     * non-NULL, *all_match = every (z >= 0) equals (t >= 0.5). */
    double (*sigmoid_bce_row)(const float *z, const float *t, float *dz,
                              size_t n, float scale, int *all_match);

    /* One row of MSE: returns Σ (z − t)², dz = 2·scale·(z − t) if non-NULL. */
    double (*mse_row)(const float *z, const float *t, float *dz, size_t n,
                      float scale);

    /* Inverted dropout of x[0..n) whose first element has global index i0
     * (a multiple of 32): keep iff the Philox word of that index >= thr;
     * kept elements are multiplied by scale, others set to 0. Returns the
     * number kept. See kernels/philox.h for the counter layout. */
    size_t (*dropout)(float *x, size_t n, uint64_t i0, const uint32_t key[2],
                      uint32_t layer, uint32_t step, uint32_t thr, float scale);

    /* Adam with the bias correction already folded into lr_t. */
    void (*adam)(float *w, const float *g, float *m, float *v, size_t n,
                 float lr_t, float b1, float b2, float eps, float wd);
    /* SGD (see ds_sgd_step); vel may be NULL only when mu == 0. */
    void (*sgd)(float *w, const float *g, float *vel, size_t n, float lr,
                float mu, int nesterov, float wd);
    /* adam and sgd that also return Σ g[i]² with the bits of sumsq(g, n),
     * read in the same pass */
    double (*adam_sumsq)(float *w, const float *g, float *m, float *v, size_t n,
                         float lr_t, float b1, float b2, float eps, float wd);
    double (*sgd_sumsq)(float *w, const float *g, float *vel, size_t n, float lr,
                        float mu, int nesterov, float wd);

    /* Σ x[i]² accumulated in double, in this ISA's fixed lane order. */
    double (*sumsq)(const float *x, size_t n);

    /* The machine probe behind ds_fma_peak_run (kernels/peak_body.inc):
     * `iters` steps of independent FMA chains; returns the flops done. */
    double (*fma_peak)(long iters, float *sink);
};

#endif
