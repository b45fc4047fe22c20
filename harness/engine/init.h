/* Weight-init schemes (one table: init.c) and the counter-based draws every
 * random number of a run comes from. A draw depends only on (seed, stream,
 * index), never on the thread count, ISA or call order, so the same seed gives
 * bit-identical weights and shuffles everywhere. */
#ifndef DS_INIT_H
#define DS_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "runcfg.h"

/* Stream tags (the Philox counter's last word), one per use, so streams never
 * overlap: dropout (in kernels/) uses counter word 3 = 0. */
enum {
    DS_STREAM_WEIGHT = 0x57454947u, /* "WEIG" */
    DS_STREAM_BIAS = 0x42494153u,   /* "BIAS" */
    DS_STREAM_SHUFFLE = 0x53485546u, /* "SHUF" */
    DS_STREAM_VALSPLIT = 0x56414C53u, /* "VALS": the validation images (data.c) */
    DS_STREAM_EVALSUB = 0x4556414Cu   /* "EVAL": the training-metric subset (train.c) */
};

/* Four 32-bit draws for counter (a, b, stream) under key seed. */
void ds_rand4(uint64_t seed, uint32_t a, uint32_t b, uint32_t stream, uint32_t out[4]);

/* Fills w[in x out] of weight matrix `layer` with scheme k times scale. */
void ds_init_weights(ds_init_kind k, float scale, float *w, int in, int out, uint64_t seed,
                     uint32_t layer);
/* Fills b[n] of layer `layer`: zeros or N(0,1). */
void ds_init_bias(ds_bias_init k, float *b, int n, uint64_t seed, uint32_t layer);

#endif
