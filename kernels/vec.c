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
#include "par.h"
#include "philox.h"
#include "vec_ops.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Below this many elements the calling thread does it without asking the
 * cost model (par.h): ~1 us of work, which no split can win back, and tiny
 * nets (XOR) make millions of such calls. */
#define SERIAL_BELOW ((size_t)1 << 12)
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

/* Part t's contiguous share [*lo, *hi) of n elements split in nt parts. */
static void thread_range(size_t n, int t_, int nt_, size_t *lo, size_t *hi)
{
    size_t nth = (size_t)nt_, t = (size_t)t_;
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

/* Elements [lo, lo + len) of one element-wise call whose operands are in
 * args; returns what it counts (dropout: the kept elements), else 0. */
typedef size_t (*elem_piece_fn)(const void *args, size_t lo, size_t len);

/* Threads for a call over n elements touching floats_per_elem floats each
 * (reads + writes), by the cost model; parts are RANGE_ALIGN elements. */
static int elem_threads(size_t n, double floats_per_elem)
{
    size_t parts = (n + RANGE_ALIGN - 1) / RANGE_ALIGN;
    return ds_par_threads(ds_par_stream_ns((double)n * floats_per_elem),
                          parts > INT_MAX ? INT_MAX : (int)parts);
}

typedef struct {
    size_t n;
    elem_piece_fn piece;
    const void *args;
    size_t count[DS_PAR_MAX_THREADS];
} elem_job;

static void elem_body(void *p, int t, int nt)
{
    elem_job *j = p;
    size_t lo, hi;
    thread_range(j->n, t, nt, &lo, &hi);
    j->count[t] = hi > lo ? j->piece(j->args, lo, hi - lo) : 0;
}

/* The split of every element-wise kernel: the calling thread alone for
 * small calls or when the cost model says one thread, else one contiguous
 * range per part (thread_range). Returns the pieces' counts summed.
 * Inlined, so the small (serial) case costs a direct call, as before it was
 * written once: tiny nets (XOR) make millions of such calls. */
static inline __attribute__((always_inline)) size_t elementwise(size_t n, double floats_per_elem,
                                                               elem_piece_fn piece,
                                                               const void *args)
{
    if (n < SERIAL_BELOW)
        return piece(args, 0, n);
    const int nt = elem_threads(n, floats_per_elem);
    if (nt <= 1)
        return piece(args, 0, n);
    elem_job j = {.n = n, .piece = piece, .args = args};
    ds_par(nt, elem_body, &j);
    size_t count = 0;
    for (int t = 0; t < nt; t++)
        count += j.count[t];
    return count;
}

/* Items [lo, hi) of a call split over items (rows, column blocks, pieces
 * of a sum): each writes only its own items' outputs. */
typedef void (*range_fn)(const void *args, size_t lo, size_t hi);

typedef struct {
    size_t count;
    range_fn fn;
    const void *args;
} range_job;

static void range_body(void *p, int t, int nt)
{
    const range_job *j = p;
    size_t lo = j->count * (size_t)t / (size_t)nt, hi = j->count * (size_t)(t + 1) / (size_t)nt;
    if (hi > lo)
        j->fn(j->args, lo, hi);
}

/* fn over [0, count) in nt contiguous parts (nt <= 1: here, in one call). */
static void for_ranges(size_t count, int nt, range_fn fn, const void *args)
{
    if (nt <= 1) {
        fn(args, 0, count);
        return;
    }
    range_job j = {count, fn, args};
    ds_par(nt, range_body, &j);
}

/* Threads for `count` items over a call touching `floats` floats. */
static int range_threads(size_t count, size_t floats)
{
    if (floats < SERIAL_BELOW)
        return 1;
    return ds_par_threads(ds_par_stream_ns((double)floats), count > INT_MAX ? INT_MAX : (int)count);
}

/* ---- activations --------------------------------------------------------- */

typedef struct {
    ds_act_fwd_fn fwd;
    ds_act_bwd_fn bwd;
    float param;
    const float *x, *y, *dy;
    float *out; /* y (forward) or dx (backward) */
} act_args;

static size_t act_fwd_piece(const void *args, size_t lo, size_t len)
{
    const act_args *a = args;
    a->fwd(a->param, a->x + lo, a->out + lo, len);
    return 0;
}

static size_t act_bwd_piece(const void *args, size_t lo, size_t len)
{
    const act_args *a = args;
    a->bwd(a->param, a->x + lo, a->y + lo, a->dy + lo, a->out + lo, len);
    return 0;
}

void ds_act_forward(ds_act act, float param, const float *x, float *y, size_t n)
{
    assert((unsigned)act < DS_ACT_COUNT);
    assert(n == 0 || (x && y));
    act_args a = {.fwd = ds_active_vec()->act_fwd[act], .param = param, .x = x, .out = y};
    elementwise(n, 2, act_fwd_piece, &a);
}

void ds_act_backward(ds_act act, float param, const float *x, const float *y,
                     const float *dy, float *dx, size_t n)
{
    assert((unsigned)act < DS_ACT_COUNT);
    assert(n == 0 || (x && y && dy && dx));
    act_args a = {.bwd = ds_active_vec()->act_bwd[act], .param = param, .x = x, .y = y,
                  .dy = dy, .out = dx};
    elementwise(n, 4, act_bwd_piece, &a);
}

/* ---- bias ----------------------------------------------------------------- */

typedef struct {
    const struct ds_vec_ops *ops;
    int m, n, ld;
    const float *src; /* bias_add: b; bias_grad: dy */
    float *dst;       /* bias_add: y; bias_grad: db */
} bias_args;

static void bias_add_rows(const void *p, size_t lo, size_t hi)
{
    const bias_args *a = p;
    for (size_t i = lo; i < hi; i++)
        a->ops->add_row(a->dst + i * (size_t)a->ld, a->src, (size_t)a->n);
}

void ds_bias_add(int m, int n, float *y, int ldy, const float *b)
{
    assert(m >= 0 && n >= 0 && ldy >= n);
    assert((m == 0 || n == 0) || (y && b));
    bias_args a = {ds_active_vec(), m, n, ldy, b, y};
    size_t cnt = (size_t)m * (size_t)n;
    for_ranges((size_t)m, range_threads((size_t)m, 2 * cnt), bias_add_rows, &a);
}

/* Columns are split into blocks; within a block the rows are added in order
 * 0..m-1 (float adds only), so db is the same at any thread count — and on
 * every ISA, since a vector add is the same IEEE add lane by lane. */
#define COL_BLOCK 256
static void bias_grad_blocks(const void *p, size_t lo, size_t hi)
{
    const bias_args *a = p;
    for (size_t c = lo; c < hi; c++) {
        size_t j0 = c * COL_BLOCK, len = min_sz(COL_BLOCK, (size_t)a->n - j0);
        memset(a->dst + j0, 0, len * sizeof(float));
        for (int i = 0; i < a->m; i++)
            a->ops->add_row(a->dst + j0, a->src + (size_t)i * a->ld + j0, len);
    }
}

void ds_bias_grad(int m, int n, const float *dy, int lddy, float *db)
{
    assert(m >= 0 && n >= 0 && lddy >= n);
    assert(n == 0 || (db && (m == 0 || dy)));
    bias_args a = {ds_active_vec(), m, n, lddy, dy, db};
    size_t nb = ((size_t)n + COL_BLOCK - 1) / COL_BLOCK;
    for_ranges(nb, range_threads(nb, (size_t)m * (size_t)n), bias_grad_blocks, &a);
}

/* ---- fused layer passes -------------------------------------------------- */

typedef struct {
    const struct ds_vec_ops *ops;
    ds_act_fwd_fn fwd;
    ds_act_bwd_fn bwd;
    float param;
    int m, n, ld;
    const float *b, *x, *y, *dy; /* forward: b; backward: x, y, dy */
    float *z, *h;                /* forward: z, h = f(z) */
    float *dx, *db;              /* backward */
} layer_args;

/* Rows [lo, hi): each row gets its bias and its activation while it is in
 * L1, by the same row kernels as ds_bias_add and ds_act_forward. */
static void bias_act_rows(const void *p, size_t lo, size_t hi)
{
    const layer_args *a = p;
    for (size_t i = lo; i < hi; i++) {
        float *z = a->z + i * (size_t)a->ld;
        a->ops->add_row(z, a->b, (size_t)a->n);
        a->fwd(a->param, z, a->h + i * (size_t)a->ld, (size_t)a->n);
    }
}

void ds_bias_act_forward(ds_act act, float param, int m, int n, float *z, int ld,
                         const float *b, float *h)
{
    assert((unsigned)act < DS_ACT_COUNT);
    assert(m >= 0 && n >= 0 && ld >= n);
    assert((m == 0 || n == 0) || (z && b && h));
    const struct ds_vec_ops *ops = ds_active_vec();
    layer_args a = {.ops = ops, .fwd = ops->act_fwd[act], .param = param, .m = m, .n = n,
                    .ld = ld, .b = b, .z = z, .h = h};
    size_t cnt = (size_t)m * (size_t)n;
    for_ranges((size_t)m, range_threads((size_t)m, 4 * cnt), bias_act_rows, &a);
}

/* Column blocks [lo, hi) as bias_grad_blocks splits them, taken as one
 * range of columns: each row's piece of it first through the activation's
 * backward (element-wise: where a piece starts does not show), then added
 * to db in row order (each db[j] the same float adds in the same order). */
static void act_bwd_bias_blocks(const void *p, size_t lo, size_t hi)
{
    const layer_args *a = p;
    size_t j0 = lo * COL_BLOCK, len = min_sz(hi * COL_BLOCK, (size_t)a->n) - j0;
    memset(a->db + j0, 0, len * sizeof(float));
    for (int i = 0; i < a->m; i++) {
        size_t o = (size_t)i * (size_t)a->ld + j0;
        a->bwd(a->param, a->x + o, a->y + o, a->dy + o, a->dx + o, len);
        a->ops->add_row(a->db + j0, a->dx + o, len);
    }
}

void ds_act_backward_bias_grad(ds_act act, float param, int m, int n, const float *x,
                               const float *y, const float *dy, float *dx, int ld, float *db)
{
    assert((unsigned)act < DS_ACT_COUNT);
    assert(m >= 0 && n >= 0 && ld >= n);
    assert(n == 0 || (db && (m == 0 || (x && y && dy && dx))));
    const struct ds_vec_ops *ops = ds_active_vec();
    layer_args a = {.ops = ops, .bwd = ops->act_bwd[act], .param = param, .m = m, .n = n,
                    .ld = ld, .x = x, .y = y, .dy = dy, .dx = dx, .db = db};
    size_t nb = ((size_t)n + COL_BLOCK - 1) / COL_BLOCK;
    for_ranges(nb, range_threads(nb, 4 * (size_t)m * (size_t)n), act_bwd_bias_blocks, &a);
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

/* The operands of one fused-loss call; t or labels unused by some losses. */
typedef struct {
    const struct ds_vec_ops *ops;
    size_t n, ldz, ldt, lddz;
    const float *z, *t;
    const int32_t *labels;
    float *dz; /* may be NULL */
    float scale;
} loss_args;

/* Row i's loss; *hit = 1 if the row counts as correct. */
typedef double (*loss_row_fn)(const loss_args *a, size_t i, int *hit);

static inline float *row_dz(const loss_args *a, size_t i)
{
    return a->dz ? a->dz + i * a->lddz : NULL;
}

static double softmax_xent_row(const loss_args *a, size_t i, int *hit)
{
    int32_t lab = a->labels[i];
    assert(lab >= 0 && (size_t)lab < a->n);
    int am;
    double l = a->ops->softmax_xent_row(a->z + i * a->ldz, a->n, lab, row_dz(a, i), a->scale, &am);
    *hit = am == lab;
    return l;
}

static double sigmoid_bce_row(const loss_args *a, size_t i, int *hit)
{
    return a->ops->sigmoid_bce_row(a->z + i * a->ldz, a->t + i * a->ldt, row_dz(a, i), a->n,
                                   a->scale, hit);
}

static double mse_row(const loss_args *a, size_t i, int *hit)
{
    *hit = 0;
    return a->ops->mse_row(a->z + i * a->ldz, a->t + i * a->ldt, row_dz(a, i), a->n, a->scale);
}

/* The pieces of one loss call: piece p's sum and rows hit. */
typedef struct {
    const loss_args *a;
    size_t m, rows;
    loss_row_fn row;
    double *part;
    int *hits;
} loss_job;

/* Pieces [lo, hi): each the Σ of row(a, i) over its rows ([p·rows,
 * (p+1)·rows) ∩ [0, m)), in row order. */
static inline __attribute__((always_inline)) void loss_pieces(const loss_job *j, size_t lo,
                                                             size_t hi)
{
    for (size_t p = lo; p < hi; p++) {
        double s = 0.0;
        int hits = 0;
        size_t end = min_sz(j->m, (p + 1) * j->rows);
        for (size_t i = p * j->rows; i < end; i++) {
            int hit;
            s += j->row(j->a, i, &hit);
            hits += hit;
        }
        j->part[p] = s;
        j->hits[p] = hits;
    }
}

static void loss_pieces_fn(const void *p, size_t lo, size_t hi) { loss_pieces(p, lo, hi); }

/* Σ over the m rows of row(a, i), in the fixed piece order above (so the
 * same bits at any thread count); *correct (if non-NULL) = rows hit. Small
 * calls run here without asking the cost model: a tiny net's whole loss
 * costs less than starting any thread. */
static inline __attribute__((always_inline)) double loss_rows(const loss_args *a, size_t m,
                                                             loss_row_fn row, int *correct)
{
    size_t rows = piece_len(m, LOSS_ROWS_MIN);
    size_t np = (m + rows - 1) / rows;
    double part[MAX_PARTS];
    int hits[MAX_PARTS];
    loss_job j = {a, m, rows, row, part, hits};
    /* a row of a softmax costs about as much as streaming 8 floats per element */
    const int nt = range_threads(np, 8 * m * a->n);
    if (nt <= 1)
        loss_pieces(&j, 0, np);
    else
        for_ranges(np, nt, loss_pieces_fn, &j);
    if (correct) {
        int c = 0;
        for (size_t p = 0; p < np; p++)
            c += hits[p];
        *correct = c;
    }
    return sum_parts(part, np);
}

double ds_softmax_xent(int m, int n, const float *z, int ldz,
                       const int32_t *labels, float *dz, int lddz, float scale,
                       int *correct)
{
    assert(m >= 0 && n >= 1 && ldz >= n && (!dz || lddz >= n));
    assert(m == 0 || (z && labels));
    loss_args a = {ds_active_vec(), (size_t)n, (size_t)ldz, 0, (size_t)lddz,
                   z, NULL, labels, dz, scale};
    return loss_rows(&a, (size_t)m, softmax_xent_row, correct);
}

double ds_sigmoid_bce(int m, int n, const float *z, int ldz, const float *t,
                      int ldt, float *dz, int lddz, float scale, int *correct)
{
    assert(m >= 0 && n >= 0 && ldz >= n && ldt >= n && (!dz || lddz >= n));
    assert(m == 0 || n == 0 || (z && t));
    loss_args a = {ds_active_vec(), (size_t)n, (size_t)ldz, (size_t)ldt, (size_t)lddz,
                   z, t, NULL, dz, scale};
    return loss_rows(&a, (size_t)m, sigmoid_bce_row, correct);
}

double ds_mse(int m, int n, const float *z, int ldz, const float *t, int ldt,
              float *dz, int lddz, float scale)
{
    assert(m >= 0 && n >= 0 && ldz >= n && ldt >= n && (!dz || lddz >= n));
    assert(m == 0 || n == 0 || (z && t));
    loss_args a = {ds_active_vec(), (size_t)n, (size_t)ldz, (size_t)ldt, (size_t)lddz,
                   z, t, NULL, dz, scale};
    return loss_rows(&a, (size_t)m, mse_row, NULL);
}

/* ---- dropout ---------------------------------------------------------------- */

void ds_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    ds_philox4x32_10(ctr, key, out);
}

typedef struct {
    const struct ds_vec_ops *ops;
    float *x;
    uint32_t key[2], layer, step, thr;
    float scale;
} dropout_args;

/* lo is the global index of x[lo]: it picks the Philox counters */
static size_t dropout_piece(const void *args, size_t lo, size_t len)
{
    const dropout_args *a = args;
    return a->ops->dropout(a->x + lo, len, lo, a->key, a->layer, a->step, a->thr, a->scale);
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
    dropout_args a = {ds_active_vec(), x, {(uint32_t)seed, (uint32_t)(seed >> 32)},
                      layer, step, ds_dropout_threshold(p), 1.0f / (1.0f - p)};
    return elementwise(n, 4, dropout_piece, &a);
}

/* ---- optimizer steps -------------------------------------------------------- */

typedef struct {
    const struct ds_vec_ops *ops;
    float *w, *m, *v; /* sgd: m is the velocity (may be NULL), v unused */
    const float *g;
    float lr, b1, b2, eps, wd, mu; /* adam: lr is lr_t, bias-corrected */
    int nesterov;
} step_args;

static size_t adam_piece(const void *args, size_t lo, size_t len)
{
    const step_args *a = args;
    a->ops->adam(a->w + lo, a->g + lo, a->m + lo, a->v + lo, len, a->lr, a->b1, a->b2, a->eps,
                 a->wd);
    return 0;
}

static size_t sgd_piece(const void *args, size_t lo, size_t len)
{
    const step_args *a = args;
    a->ops->sgd(a->w + lo, a->g + lo, a->m ? a->m + lo : NULL, len, a->lr, a->mu, a->nesterov,
                a->wd);
    return 0;
}

/* The operands of one Adam call, lr_t = lr with the bias correction of
 * step t (once per call, in double). */
static step_args adam_args(float *w, const float *g, float *m, float *v, size_t n, float lr,
                           float b1, float b2, float eps, float wd, long t)
{
    assert(t >= 1);
    assert(n == 0 || (w && g && m && v));
    (void)n;
    double bc = sqrt(1.0 - pow((double)b2, (double)t)) / (1.0 - pow((double)b1, (double)t));
    return (step_args){.ops = ds_active_vec(), .w = w, .m = m, .v = v, .g = g,
                       .lr = (float)((double)lr * bc), .b1 = b1, .b2 = b2, .eps = eps,
                       .wd = wd};
}

static step_args sgd_args(float *w, const float *g, float *vel, size_t n, float lr, float mu,
                          int nesterov, float wd)
{
    assert(n == 0 || (w && g));
    assert(vel || mu == 0.0f);
    (void)n;
    return (step_args){.ops = ds_active_vec(), .w = w, .m = vel, .g = g, .lr = lr, .wd = wd,
                       .mu = mu, .nesterov = nesterov};
}

void ds_adam_step(float *w, const float *g, float *m, float *v, size_t n,
                  float lr, float b1, float b2, float eps, float wd, long t)
{
    step_args a = adam_args(w, g, m, v, n, lr, b1, b2, eps, wd, t);
    elementwise(n, 7, adam_piece, &a);
}

void ds_sgd_step(float *w, const float *g, float *vel, size_t n, float lr,
                 float mu, int nesterov, float wd)
{
    step_args a = sgd_args(w, g, vel, n, lr, mu, nesterov, wd);
    elementwise(n, 5, sgd_piece, &a);
}

/* The _sumsq steps run over ds_sumsq's pieces (piece_len(n, CHUNK), partial
 * sums added in piece order), each piece one pass of the ISA's fused step:
 * the update is element-wise, so the pieces do not show in it, and the sum
 * has ds_sumsq(g, n)'s bits. */
typedef struct {
    const step_args *a;
    int adam;
    size_t n, len;
    double *part;
} step_sumsq_args;

static void step_sumsq_pieces(const void *p, size_t lo, size_t hi)
{
    const step_sumsq_args *s = p;
    const step_args *a = s->a;
    for (size_t q = lo; q < hi; q++) {
        size_t o = q * s->len, len = min_sz(s->len, s->n - o);
        s->part[q] = s->adam ? a->ops->adam_sumsq(a->w + o, a->g + o, a->m + o, a->v + o, len,
                                                  a->lr, a->b1, a->b2, a->eps, a->wd)
                             : a->ops->sgd_sumsq(a->w + o, a->g + o, a->m ? a->m + o : NULL,
                                                 len, a->lr, a->mu, a->nesterov, a->wd);
    }
}

static double step_sumsq(const step_args *a, int adam, size_t n, double floats_per_elem)
{
    size_t len = piece_len(n, CHUNK);
    size_t np = (n + len - 1) / len;
    double part[MAX_PARTS];
    step_sumsq_args s = {a, adam, n, len, part};
    int nt = n < SERIAL_BELOW ? 1
                              : ds_par_threads(ds_par_stream_ns((double)n * floats_per_elem),
                                               (int)np);
    for_ranges(np, nt, step_sumsq_pieces, &s);
    return sum_parts(part, np);
}

double ds_adam_step_sumsq(float *w, const float *g, float *m, float *v, size_t n,
                          float lr, float b1, float b2, float eps, float wd, long t)
{
    step_args a = adam_args(w, g, m, v, n, lr, b1, b2, eps, wd, t);
    return step_sumsq(&a, 1, n, 7);
}

double ds_sgd_step_sumsq(float *w, const float *g, float *vel, size_t n, float lr,
                         float mu, int nesterov, float wd)
{
    step_args a = sgd_args(w, g, vel, n, lr, mu, nesterov, wd);
    return step_sumsq(&a, 0, n, 5);
}

/* ---- reductions --------------------------------------------------------- */

typedef struct {
    const struct ds_vec_ops *ops;
    const float *x;
    size_t n, len;
    double *part;
} sumsq_args;

static void sumsq_pieces(const void *p, size_t lo, size_t hi)
{
    const sumsq_args *a = p;
    for (size_t q = lo; q < hi; q++)
        a->part[q] = a->ops->sumsq(a->x + q * a->len, min_sz(a->len, a->n - q * a->len));
}

double ds_sumsq(const float *x, size_t n)
{
    assert(n == 0 || x);
    size_t len = piece_len(n, CHUNK);
    size_t np = (n + len - 1) / len;
    double part[MAX_PARTS];
    sumsq_args a = {ds_active_vec(), x, n, len, part};
    for_ranges(np, range_threads(np, n), sumsq_pieces, &a);
    return sum_parts(part, np);
}
