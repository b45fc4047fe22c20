/* Public entry points of the element-wise and row kernels (kernels.h): name
 * tables, argument checks, and the OpenMP split over the active ISA's
 * struct ds_vec_ops (vec_ops.h).
 *
 * Determinism: an element-wise result depends only on that element's inputs,
 * never on where a piece starts or ends (see vec_body.inc), so element-wise
 * kernels simply give each thread one contiguous range (long ranges let
 * relu stream its stores). Every sum is formed over pieces whose boundaries
 * depend only on the sizes, then over pieces in index order. So each
 * function's output is bit-identical at any OMP_NUM_THREADS for a fixed ISA.
 */
#include "internal.h"
#include "philox.h"
#include "vec_ops.h"

#include <assert.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

/* Below this many elements one thread does it: an OpenMP region costs a few
 * microseconds, which is what 64K elements of relu take on one core. */
#define PAR_MIN ((size_t)1 << 16)
/* Least reduction piece: 16K floats = 64 KiB. */
#define CHUNK ((size_t)1 << 14)
/* Thread ranges start at multiples of 64 elements: whole cache lines, whole
 * vectors of every ISA, whole 32-element dropout groups (philox.h). */
#define RANGE_ALIGN 64
/* Reductions keep at most this many partial sums (on the stack); pieces grow
 * with n beyond that — as a function of n only. */
#define MAX_PARTS 256

/* ---- activation names ---------------------------------------------------- */

static const struct {
    ds_act act;
    const char *name;
} act_table[] = {
    {DS_ACT_IDENTITY, "identity"}, {DS_ACT_RELU, "relu"},
    {DS_ACT_LEAKY_RELU, "leaky_relu"}, {DS_ACT_SIGMOID, "sigmoid"},
    {DS_ACT_TANH, "tanh"}, {DS_ACT_ELU, "elu"},
    {DS_ACT_GELU, "gelu"}, {DS_ACT_SOFTPLUS, "softplus"},
};
#define N_ACT (sizeof act_table / sizeof act_table[0])
_Static_assert(N_ACT == DS_ACT_COUNT, "one name per activation");

const char *ds_act_to_name(ds_act act)
{
    for (size_t i = 0; i < N_ACT; i++)
        if (act_table[i].act == act)
            return act_table[i].name;
    return "unknown";
}

int ds_act_parse(const char *name, ds_act *out)
{
    for (size_t i = 0; name && i < N_ACT; i++)
        if (strcmp(name, act_table[i].name) == 0) {
            *out = act_table[i].act;
            return 0;
        }
    return -1;
}

/* Generated from act_table, the one list of names (filled once per thread). */
const char *ds_act_valid_names(void)
{
    static _Thread_local char buf[128];
    if (!buf[0])
        for (size_t i = 0, o = 0; i < N_ACT && o < sizeof buf; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", act_table[i].name);
    return buf;
}

/* ---- helpers -------------------------------------------------------------- */

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* Length of each reduction piece over n items: at least `least`, and large
 * enough that there are at most MAX_PARTS pieces. Depends on n only. */
static size_t piece_len(size_t n, size_t least)
{
    size_t len = (n + MAX_PARTS - 1) / MAX_PARTS;
    return len < least ? least : len;
}

/* This thread's contiguous share [*lo, *hi) of n elements. */
static void thread_range(size_t n, size_t *lo, size_t *hi)
{
    size_t nth = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
    size_t per = (n + nth - 1) / nth;
    per = (per + RANGE_ALIGN - 1) / RANGE_ALIGN * RANGE_ALIGN;
    *lo = min_sz(n, t * per);
    *hi = min_sz(n, *lo + per);
}

static double sum_parts(const double *part, size_t np)
{
    double s = 0.0;
    for (size_t i = 0; i < np; i++)
        s += part[i];
    return s;
}

/* ---- activations --------------------------------------------------------- */

void ds_act_forward(ds_act act, float param, const float *x, float *y, size_t n)
{
    assert((unsigned)act < DS_ACT_COUNT);
    assert(n == 0 || (x && y));
    ds_act_fwd_fn f = ds_active_vec()->act_fwd[act];
    if (n < PAR_MIN) {
        f(param, x, y, n);
        return;
    }
#pragma omp parallel
    {
        ds_denormals_flush();
        size_t lo, hi;
        thread_range(n, &lo, &hi);
        if (hi > lo)
            f(param, x + lo, y + lo, hi - lo);
    }
}

void ds_act_backward(ds_act act, float param, const float *x, const float *y,
                     const float *dy, float *dx, size_t n)
{
    assert((unsigned)act < DS_ACT_COUNT);
    assert(n == 0 || (x && y && dy && dx));
    ds_act_bwd_fn f = ds_active_vec()->act_bwd[act];
    if (n < PAR_MIN) {
        f(param, x, y, dy, dx, n);
        return;
    }
#pragma omp parallel
    {
        ds_denormals_flush();
        size_t lo, hi;
        thread_range(n, &lo, &hi);
        if (hi > lo)
            f(param, x + lo, y + lo, dy + lo, dx + lo, hi - lo);
    }
}

/* ---- bias ----------------------------------------------------------------- */

void ds_bias_add(int m, int n, float *y, int ldy, const float *b)
{
    assert(m >= 0 && n >= 0 && ldy >= n);
    assert((m == 0 || n == 0) || (y && b));
    const struct ds_vec_ops *ops = ds_active_vec();
    if ((size_t)m * (size_t)n < PAR_MIN) {
        for (int i = 0; i < m; i++)
            ops->add_row(y + (size_t)i * ldy, b, (size_t)n);
        return;
    }
#pragma omp parallel
    {
        ds_denormals_flush();
#pragma omp for schedule(static)
        for (int i = 0; i < m; i++)
            ops->add_row(y + (size_t)i * ldy, b, (size_t)n);
    }
}

/* Columns are split into blocks; within a block the rows are added in order
 * 0..m-1 (float adds only), so db is the same at any thread count — and on
 * every ISA, since a vector add is the same IEEE add lane by lane. */
#define COL_BLOCK 256
static void bias_grad_block(const struct ds_vec_ops *ops, int m, const float *dy,
                            int lddy, float *db, size_t j0, size_t len)
{
    memset(db + j0, 0, len * sizeof(float));
    for (int i = 0; i < m; i++)
        ops->add_row(db + j0, dy + (size_t)i * lddy + j0, len);
}

void ds_bias_grad(int m, int n, const float *dy, int lddy, float *db)
{
    assert(m >= 0 && n >= 0 && lddy >= n);
    assert(n == 0 || (db && (m == 0 || dy)));
    const struct ds_vec_ops *ops = ds_active_vec();
    size_t nb = ((size_t)n + COL_BLOCK - 1) / COL_BLOCK;
    if ((size_t)m * (size_t)n < PAR_MIN || nb < 2) {
        for (size_t c = 0; c < nb; c++)
            bias_grad_block(ops, m, dy, lddy, db, c * COL_BLOCK,
                            min_sz(COL_BLOCK, (size_t)n - c * COL_BLOCK));
        return;
    }
#pragma omp parallel
    {
        ds_denormals_flush();
#pragma omp for schedule(static)
        for (size_t c = 0; c < nb; c++)
            bias_grad_block(ops, m, dy, lddy, db, c * COL_BLOCK,
                            min_sz(COL_BLOCK, (size_t)n - c * COL_BLOCK));
    }
}

void ds_cols_nonzero(int m, int n, const float *y, int ldy, uint8_t *alive)
{
    assert(m >= 0 && n >= 0 && ldy >= n);
    assert((m == 0 || n == 0) || (y && alive));
    const struct ds_vec_ops *ops = ds_active_vec();
    for (int i = 0; i < m; i++)
        ops->nonzero_row(y + (size_t)i * ldy, alive, (size_t)n);
}

/* ---- losses -------------------------------------------------------------- */

/* Rows are cut into pieces of `rows` rows (a function of m only); each
 * piece's loss is summed in row order, pieces in piece order. */
#define LOSS_ROWS_MIN 16

double ds_softmax_xent(int m, int n, const float *z, int ldz,
                       const int32_t *labels, float *dz, int lddz, float scale,
                       int *correct)
{
    assert(m >= 0 && n >= 1 && ldz >= n && (!dz || lddz >= n));
    assert(m == 0 || (z && labels));
    const struct ds_vec_ops *ops = ds_active_vec();
    size_t rows = piece_len((size_t)m, LOSS_ROWS_MIN);
    size_t np = ((size_t)m + rows - 1) / rows;
    double part[MAX_PARTS];
    int hits = 0;
#pragma omp parallel if ((size_t)m * (size_t)n >= PAR_MIN) reduction(+ : hits)
    {
        ds_denormals_flush();
#pragma omp for schedule(static)
        for (size_t p = 0; p < np; p++) {
            double s = 0.0;
            size_t end = min_sz((size_t)m, (p + 1) * rows);
            for (size_t i = p * rows; i < end; i++) {
                int32_t lab = labels[i];
                assert(lab >= 0 && lab < n);
                int am;
                s += ops->softmax_xent_row(z + i * (size_t)ldz, (size_t)n, lab,
                                           dz ? dz + i * (size_t)lddz : NULL,
                                           scale, &am);
                hits += am == lab;
            }
            part[p] = s;
        }
    }
    if (correct)
        *correct = hits;
    return sum_parts(part, np);
}

double ds_sigmoid_bce(int m, int n, const float *z, int ldz, const float *t,
                      int ldt, float *dz, int lddz, float scale, int *correct)
{
    assert(m >= 0 && n >= 0 && ldz >= n && ldt >= n && (!dz || lddz >= n));
    assert(m == 0 || n == 0 || (z && t));
    const struct ds_vec_ops *ops = ds_active_vec();
    size_t rows = piece_len((size_t)m, LOSS_ROWS_MIN);
    size_t np = ((size_t)m + rows - 1) / rows;
    double part[MAX_PARTS];
    int hits = 0;
#pragma omp parallel if ((size_t)m * (size_t)n >= PAR_MIN) reduction(+ : hits)
    {
        ds_denormals_flush();
#pragma omp for schedule(static)
        for (size_t p = 0; p < np; p++) {
            double s = 0.0;
            size_t end = min_sz((size_t)m, (p + 1) * rows);
            for (size_t i = p * rows; i < end; i++) {
                int ok;
                s += ops->sigmoid_bce_row(z + i * (size_t)ldz, t + i * (size_t)ldt,
                                          dz ? dz + i * (size_t)lddz : NULL,
                                          (size_t)n, scale, &ok);
                hits += ok;
            }
            part[p] = s;
        }
    }
    if (correct)
        *correct = hits;
    return sum_parts(part, np);
}

double ds_mse(int m, int n, const float *z, int ldz, const float *t, int ldt,
              float *dz, int lddz, float scale)
{
    assert(m >= 0 && n >= 0 && ldz >= n && ldt >= n && (!dz || lddz >= n));
    assert(m == 0 || n == 0 || (z && t));
    const struct ds_vec_ops *ops = ds_active_vec();
    size_t rows = piece_len((size_t)m, LOSS_ROWS_MIN);
    size_t np = ((size_t)m + rows - 1) / rows;
    double part[MAX_PARTS];
#pragma omp parallel if ((size_t)m * (size_t)n >= PAR_MIN)
    {
        ds_denormals_flush();
#pragma omp for schedule(static)
        for (size_t p = 0; p < np; p++) {
            double s = 0.0;
            size_t end = min_sz((size_t)m, (p + 1) * rows);
            for (size_t i = p * rows; i < end; i++)
                s += ops->mse_row(z + i * (size_t)ldz, t + i * (size_t)ldt,
                                  dz ? dz + i * (size_t)lddz : NULL, (size_t)n,
                                  scale);
            part[p] = s;
        }
    }
    return sum_parts(part, np);
}

/* ---- dropout ---------------------------------------------------------------- */

void ds_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    ds_philox4x32_10(ctr, key, out);
}

size_t ds_dropout(float *x, size_t n, float p, uint64_t seed, uint32_t layer,
                  uint32_t step)
{
    /* p outside [0, 1) is the caller's error (the config layer rejects it):
     * p = 1 would drop everything and divide by zero */
    assert(p >= 0.0f && p < 1.0f);
    assert(n == 0 || x);
    if (p == 0.0f)
        return n;
    const struct ds_vec_ops *ops = ds_active_vec();
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t thr = ds_dropout_threshold(p);
    float scale = 1.0f / (1.0f - p);
    if (n < PAR_MIN)
        return ops->dropout(x, n, 0, key, layer, step, thr, scale);
    size_t kept = 0;
#pragma omp parallel reduction(+ : kept)
    {
        ds_denormals_flush();
        size_t lo, hi;
        thread_range(n, &lo, &hi);
        if (hi > lo)
            kept += ops->dropout(x + lo, hi - lo, lo, key, layer, step, thr, scale);
    }
    return kept;
}

/* ---- optimizer steps -------------------------------------------------------- */

void ds_adam_step(float *w, const float *g, float *m, float *v, size_t n,
                  float lr, float b1, float b2, float eps, float wd, long t)
{
    assert(t >= 1);
    assert(n == 0 || (w && g && m && v));
    const struct ds_vec_ops *ops = ds_active_vec();
    /* the bias correction, once per call in double */
    double bc = sqrt(1.0 - pow((double)b2, (double)t)) / (1.0 - pow((double)b1, (double)t));
    float lr_t = (float)((double)lr * bc);
    if (n < PAR_MIN) {
        ops->adam(w, g, m, v, n, lr_t, b1, b2, eps, wd);
        return;
    }
#pragma omp parallel
    {
        ds_denormals_flush();
        size_t lo, hi;
        thread_range(n, &lo, &hi);
        if (hi > lo)
            ops->adam(w + lo, g + lo, m + lo, v + lo, hi - lo, lr_t, b1, b2, eps, wd);
    }
}

void ds_sgd_step(float *w, const float *g, float *vel, size_t n, float lr,
                 float mu, int nesterov, float wd)
{
    assert(n == 0 || (w && g));
    assert(vel || mu == 0.0f);
    const struct ds_vec_ops *ops = ds_active_vec();
    if (n < PAR_MIN) {
        ops->sgd(w, g, vel, n, lr, mu, nesterov, wd);
        return;
    }
#pragma omp parallel
    {
        ds_denormals_flush();
        size_t lo, hi;
        thread_range(n, &lo, &hi);
        if (hi > lo)
            ops->sgd(w + lo, g + lo, vel ? vel + lo : NULL, hi - lo, lr, mu,
                     nesterov, wd);
    }
}

/* ---- reductions --------------------------------------------------------- */

double ds_sumsq(const float *x, size_t n)
{
    assert(n == 0 || x);
    const struct ds_vec_ops *ops = ds_active_vec();
    size_t len = piece_len(n, CHUNK);
    size_t np = (n + len - 1) / len;
    double part[MAX_PARTS];
#pragma omp parallel if (n >= PAR_MIN)
    {
        ds_denormals_flush();
#pragma omp for schedule(static)
        for (size_t p = 0; p < np; p++)
            part[p] = ops->sumsq(x + p * len, min_sz(len, n - p * len));
    }
    return sum_parts(part, np);
}
