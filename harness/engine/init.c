/* Weight-init schemes as one static table {distribution, standard deviation
 * or uniform limit} indexed by the enum of names.h, where the names live:
 * adding a scheme is one row here and one there. All draws come from Philox4x32
 * keyed by the run's seed, with Box-Muller done in double, so weights do not
 * depend on threads, ISA or libm's float rounding. Init runs once per run, so
 * its per-element loops are not a hot path. */
#include "init.h"

#include <math.h>
#include <string.h>

#include "kernels.h"

typedef enum { DIST_NORMAL, DIST_UNIFORM, DIST_ZERO } dist_kind;

typedef struct {
    dist_kind dist;
    /* the normal's standard deviation or the uniform's limit, from fan-in/out */
    double (*spread)(int in, int out);
} init_row;

static double one(int in, int out) { (void)in; (void)out; return 1.0; }
static double glorot_u(int in, int out) { return sqrt(6.0 / (in + out)); }
static double glorot_n(int in, int out) { return sqrt(2.0 / (in + out)); }
static double he_n(int in, int out) { (void)out; return sqrt(2.0 / in); }
static double he_u(int in, int out) { (void)out; return sqrt(6.0 / in); }
static double lecun_n(int in, int out) { (void)out; return sqrt(1.0 / in); }

static const init_row inits[DS_INIT_COUNT] = {
    [DS_INIT_NORMAL] = {DIST_NORMAL, one},
    [DS_INIT_UNIFORM] = {DIST_UNIFORM, one},
    [DS_INIT_XAVIER_UNIFORM] = {DIST_UNIFORM, glorot_u},
    [DS_INIT_XAVIER_NORMAL] = {DIST_NORMAL, glorot_n},
    [DS_INIT_HE_NORMAL] = {DIST_NORMAL, he_n},
    [DS_INIT_HE_UNIFORM] = {DIST_UNIFORM, he_u},
    [DS_INIT_LECUN_NORMAL] = {DIST_NORMAL, lecun_n},
    [DS_INIT_ZEROS] = {DIST_ZERO, one},
};

void ds_rand4(uint64_t seed, uint32_t a, uint32_t b, uint32_t stream, uint32_t out[4])
{
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    const uint32_t ctr[4] = {a, b, stream, 0x5EEDu};
    ds_philox4x32(ctr, key, out);
}

/* (0, 1): never 0, so log() in Box-Muller is finite. */
static double unit_open(uint32_t w) { return ((double)w + 0.5) * (1.0 / 4294967296.0); }

/* Fills x[n] with N(0,1)·sd (normal) or U(-lim, lim) from stream (layer, tag):
 * draw i comes from counter block i/4, so the value at i is fixed by i alone. */
static void fill(dist_kind dist, double spread, float *x, size_t n, uint64_t seed,
                 uint32_t layer, uint32_t stream)
{
    if (dist == DIST_ZERO) {
        memset(x, 0, n * sizeof *x);
        return;
    }
    for (size_t blk = 0; blk * 4 < n; blk++) {
        uint32_t r[4];
        /* counter word 0 is the block index: up to 2^34 values per tensor */
        ds_rand4(seed, (uint32_t)blk, layer, stream, r);
        double v[4];
        if (dist == DIST_NORMAL) {
            for (int p = 0; p < 2; p++) {
                double rad = sqrt(-2.0 * log(unit_open(r[2 * p])));
                double ang = 2.0 * M_PI * unit_open(r[2 * p + 1]);
                v[2 * p] = rad * cos(ang);
                v[2 * p + 1] = rad * sin(ang);
            }
        } else {
            for (int p = 0; p < 4; p++)
                v[p] = 2.0 * unit_open(r[p]) - 1.0;
        }
        for (int p = 0; p < 4 && blk * 4 + (size_t)p < n; p++)
            x[blk * 4 + (size_t)p] = (float)(v[p] * spread);
    }
}

void ds_init_weights(ds_init_kind k, float scale, float *w, int in, int out, uint64_t seed,
                     uint32_t layer)
{
    const init_row *row = &inits[k];
    fill(row->dist, row->spread(in, out) * scale, w, (size_t)in * (size_t)out, seed, layer,
         DS_STREAM_WEIGHT);
}

void ds_init_bias(ds_bias_init k, float *b, int n, uint64_t seed, uint32_t layer)
{
    fill(k == DS_BIAS_NORMAL ? DIST_NORMAL : DIST_ZERO, 1.0, b, (size_t)n, seed, layer,
         DS_STREAM_BIAS);
}
