/* Activations, forward and backward, on every ISA this machine runs, against
 * double-precision libm.
 *
 * Error measure: |got − ref| / ulp(float(ref)), ref computed in double from
 * the same float input(s), ulp(f) = 2^(exponent(f) − 23). Where |ref| <
 * FLT_MIN the kernels run in flush-to-zero mode (ds_denormals_flush), so
 * there the bound is absolute: |got − ref| <= FLT_MIN. Products whose factor
 * underflows (gelu = x·σ(2u), softplus' = σ(x), their derivatives) carry
 * that flush scaled by the other factor: their floor is stated where used.
 * Infinite refs must match exactly, NaN refs must give NaN.
 *
 * Inputs: every 2^-8 step over [-100, 100], 40000 random values (uniform in
 * [-20, 20] and log-uniform magnitudes 1e-30..1e30 of both signs), and the
 * edges ±0, ±FLT_MIN, ±1, ±88, ±88.72, ±89, ±1e30, ±FLT_MAX, ±inf, NaN.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_test_util.h"
#include "kernels.h"

static void setup(void)
{
    ds_denormals_flush();
    rng_state = 12345;
}

/* ---- double references ------------------------------------------------------ */

#define LEAKY_SLOPE 0.01f
#define ELU_ALPHA 1.0f

static double sigmoid_d(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
/* the tanh form rewritten exactly as x·σ(2u): no cancellation at x << 0 */
static double gelu_t(double x) { return 2.0 * sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x); }
static double gelu_d(double x) { return x * sigmoid_d(gelu_t(x)); }
static double gelu_cond_ulp(double x) { return 3.0 * fabs(gelu_t(x)); }
static double gelu_grad_d(double x)
{
    double t = gelu_t(x), s = sigmoid_d(t);
    double dt = 2.0 * sqrt(2.0 / M_PI) * (1.0 + 3.0 * 0.044715 * x * x);
    return s + x * s * (1.0 - s) * dt;
}
static double softplus_d(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

static double fwd_ref(ds_act act, double x)
{
    switch (act) {
    case DS_ACT_IDENTITY: return x;
    case DS_ACT_RELU: return x < 0 ? 0.0 : x;
    case DS_ACT_LEAKY_RELU: return x < 0 ? (double)LEAKY_SLOPE * x : x;
    case DS_ACT_SIGMOID: return isnan(x) ? x : sigmoid_d(x);
    case DS_ACT_TANH: return tanh(x);
    case DS_ACT_ELU: return x > 0 ? x : (double)ELU_ALPHA * expm1(x);
    case DS_ACT_GELU:
        if (isinf(x))
            return x > 0 ? x : 0.0;
        return gelu_d(x);
    case DS_ACT_SOFTPLUS: return isnan(x) ? x : softplus_d(x);
    default: return NAN;
    }
}

static float act_param(ds_act act)
{
    return act == DS_ACT_LEAKY_RELU ? LEAKY_SLOPE : act == DS_ACT_ELU ? ELU_ALPHA : 0.0f;
}

/* Bound in ULP for each activation's forward pass, stated:
 * identity, relu: exact; leaky_relu: one rounding (slope·x); the exp-based
 * ones: our polynomial exp (<= 1 ulp) plus the few roundings of each formula.
 * gelu = x·σ(t), t = 2√(2/π)(x + 0.044715x³) formed in float with 3
 * roundings (1.5 ulp relative): σ(t) for t << 0 is e^t, whose relative
 * error is |t| times that of t, so gelu's bound is 6 + 3|t| ulp (see
 * gelu_cond_ulp). */
static double fwd_bound(ds_act act)
{
    switch (act) {
    case DS_ACT_IDENTITY:
    case DS_ACT_RELU: return 0.0;
    case DS_ACT_LEAKY_RELU: return 0.5;
    case DS_ACT_SIGMOID: return 4.0;
    case DS_ACT_TANH: return 4.0;
    case DS_ACT_ELU: return 4.0;
    case DS_ACT_GELU: return 6.0;
    case DS_ACT_SOFTPLUS: return 4.0;
    default: return 0.0;
    }
}

/* ---- checking ---------------------------------------------------------------- */

static double ulp_of(double ref)
{
    float f = (float)fabs(ref);
    if (isinf(f))
        f = FLT_MAX;
    return ldexp(1.0, ilogbf(f) - 23);
}

typedef struct {
    double max_ulp;
    float worst_x;
    long fails;
    float fail_x, fail_got;
    double fail_ref;
} acc_stats;

static void check_one(acc_stats *st, float x, float got, double ref, double bound,
                      double floor)
{
    int ok;
    if (isnan(ref)) {
        ok = isnan(got);
    } else if (isinf(ref)) {
        ok = (double)got == ref;
    } else if (fabs(ref) < floor) {
        ok = fabs((double)got - ref) <= floor;
    } else {
        double e = isfinite(got) ? fabs((double)got - ref) / ulp_of(ref) : INFINITY;
        if (e > st->max_ulp) {
            st->max_ulp = e;
            st->worst_x = x;
        }
        ok = e <= bound;
    }
    if (!ok && st->fails++ == 0) {
        st->fail_x = x;
        st->fail_got = got;
        st->fail_ref = ref;
    }
}

static float *make_inputs(size_t *n_out)
{
    static const float edges[] = {
        0.0f, -0.0f, FLT_MIN, -FLT_MIN, 1.0f, -1.0f, 88.0f, -88.0f, 88.72f, -88.72f,
        89.0f, -89.0f, 1e30f, -1e30f, FLT_MAX, -FLT_MAX, INFINITY, -INFINITY, NAN,
        0.625f, -0.625f, 0.62499994f, -0.62499994f, 1e-20f, -1e-20f,
    };
    size_t ngrid = 200 * 256 + 1, nrand = 40000, ne = sizeof edges / sizeof edges[0];
    size_t n = ngrid + nrand + ne;
    float *x = malloc(n * sizeof *x);
    cr_assert(x);
    for (size_t i = 0; i < ngrid; i++)
        x[i] = -100.0f + (float)i * 0x1p-8f;
    for (size_t i = 0; i < nrand; i++) {
        double u = rng_unit();
        if (i & 1)
            x[ngrid + i] = (float)(40.0 * u - 20.0);
        else
            x[ngrid + i] = (float)((rng_next() & 1 ? -1 : 1) * pow(10.0, 60.0 * u - 30.0));
    }
    memcpy(x + ngrid + nrand, edges, sizeof edges);
    *n_out = n;
    return x;
}

TestSuite(vec_act, .init = setup);

Test(vec_act, names_round_trip)
{
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        ds_act back;
        const char *name = ds_act_to_name((ds_act)a);
        cr_assert_eq(ds_act_parse(name, &back), 0, "%s", name);
        cr_assert_eq(back, (ds_act)a);
        cr_assert(strstr(ds_act_valid_names(), name), "%s missing from valid names", name);
    }
    ds_act out;
    cr_assert_eq(ds_act_parse("swish", &out), -1);
    cr_assert_eq(ds_act_parse(NULL, &out), -1);
    cr_assert_str_eq(ds_act_to_name(DS_ACT_COUNT), "unknown");
}

ISA_TEST(vec_act, forward_vs_libm)
{
    size_t n;
    float *x = make_inputs(&n), *y = malloc(n * sizeof *y);
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        ds_act act = (ds_act)a;
        memset(y, 0xff, n * sizeof *y);
        ds_act_forward(act, act_param(act), x, y, n);
        acc_stats st = {0};
        for (size_t i = 0; i < n; i++) {
            /* gelu = x·σ(2u): σ flushed below FLT_MIN costs |x|·FLT_MIN */
            double floor = act == DS_ACT_GELU && fabsf(x[i]) > 1.0f
                               ? fabs((double)x[i]) * FLT_MIN
                               : FLT_MIN;
            double bound = fwd_bound(act);
            if (act == DS_ACT_GELU && isfinite(x[i]) && x[i] < 0)
                bound += gelu_cond_ulp(x[i]);
            check_one(&st, x[i], y[i], fwd_ref(act, x[i]), bound, floor);
        }
        cr_log_info("forward %-10s %-6s max %.2f ulp (at x = %g), bound %.1f%s",
                    ds_act_to_name(act), ds_isa_name(), st.max_ulp,
                    (double)st.worst_x, fwd_bound(act),
                    act == DS_ACT_GELU ? " + 3|t|" : "");
        cr_expect_eq(st.fails, 0,
                     "%s forward on %s: %ld values off (first: x = %a -> %a, ref %a); max %.2f ulp > %.1f",
                     ds_act_to_name(act), ds_isa_name(), st.fails, (double)st.fail_x,
                     (double)st.fail_got, st.fail_ref, st.max_ulp, fwd_bound(act));
    }
    free(x);
    free(y);
}

/* sign of zero kept where the function is odd or passes x through */
ISA_TEST(vec_act, signed_zero_and_nan)
{
    const float x[] = {-0.0f, 0.0f, NAN, -NAN};
    const ds_act odd[] = {DS_ACT_IDENTITY, DS_ACT_RELU, DS_ACT_LEAKY_RELU, DS_ACT_TANH};
    for (size_t a = 0; a < sizeof odd / sizeof odd[0]; a++) {
        float y[4];
        ds_act_forward(odd[a], act_param(odd[a]), x, y, 4);
        cr_expect(y[0] == 0.0f && signbit(y[0]), "%s(-0) on %s = %a", ds_act_to_name(odd[a]),
                  ds_isa_name(), (double)y[0]);
        cr_expect(y[1] == 0.0f && !signbit(y[1]), "%s(+0) on %s", ds_act_to_name(odd[a]),
                  ds_isa_name());
    }
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        float y[4];
        ds_act_forward((ds_act)a, act_param((ds_act)a), x, y, 4);
        cr_expect(isnan(y[2]) && isnan(y[3]), "%s(NaN) on %s is not NaN",
                  ds_act_to_name((ds_act)a), ds_isa_name());
    }
}

/* ---- backward ----------------------------------------------------------------- */

/* reference derivative times dy, in double, from the same float x, y, dy;
 * *scale receives the magnitude the rounding errors are relative to, *floor
 * the absolute error a flushed (sub-FLT_MIN) intermediate may cause */
static double bwd_ref(ds_act act, float x, float y, float dy, double *scale,
                      double *floor)
{
    double X = x, Y = y, D = dy, r;
    *floor = FLT_MIN;
    switch (act) {
    case DS_ACT_IDENTITY: r = D; break;
    case DS_ACT_RELU: r = X > 0 ? D : 0.0; break;
    case DS_ACT_LEAKY_RELU: r = X < 0 ? (double)LEAKY_SLOPE * D : D; break;
    case DS_ACT_SIGMOID: r = D * Y * (1.0 - Y); break;
    case DS_ACT_TANH: r = D * (1.0 - Y) * (1.0 + Y); break;
    case DS_ACT_ELU: r = X > 0 ? D : D * (Y + (double)ELU_ALPHA); break;
    case DS_ACT_GELU: {
        /* gelu' = σ + x·σ(1−σ)·t': a sum of two terms that cancel near
         * x = −0.75, so the error is bounded relative to |σ| + |term| */
        double t = gelu_t(X), s = sigmoid_d(t);
        double term = X * s * (1.0 - s) * 2.0 * sqrt(2.0 / M_PI) * (1.0 + 3.0 * 0.044715 * X * X);
        double dt = 2.0 * sqrt(2.0 / M_PI) * (1.0 + 3.0 * 0.044715 * X * X);
        *scale = fabs(D) * (fabs(s) + fabs(term));
        *floor = fabs(D) * (1.0 + fabs(X * dt)) * FLT_MIN; /* σ, e flushed */
        return D * gelu_grad_d(X);
    }
    case DS_ACT_SOFTPLUS:
        r = D * sigmoid_d(X);
        *floor = fmax(1.0, fabs(D)) * FLT_MIN; /* σ(x) flushed, times dy */
        break;
    default: r = NAN;
    }
    *scale = fabs(r);
    return r;
}

/* ULP bounds of the backward formulas given float y: identity and relu are
 * exact, leaky one rounding, sigmoid/tanh/elu three roundings, softplus
 * σ(x) (<= 4) and one product; gelu: 8 units of FLT_EPSILON/2 relative to
 * |dy|·(|σ| + |x·σ(1−σ)·t'|), plus the conditioning 3|t| of forward. */
static double bwd_bound(ds_act act)
{
    switch (act) {
    case DS_ACT_IDENTITY:
    case DS_ACT_RELU: return 0.0;
    case DS_ACT_LEAKY_RELU: return 0.5;
    case DS_ACT_SIGMOID:
    case DS_ACT_TANH:
    case DS_ACT_ELU: return 2.0;
    case DS_ACT_SOFTPLUS: return 5.0;
    case DS_ACT_GELU: return 8.0;
    default: return 0.0;
    }
}

ISA_TEST(vec_act, backward_vs_double)
{
    size_t n0;
    float *x0 = make_inputs(&n0);
    /* finite inputs only: the special values are covered by forward */
    float *x = malloc(n0 * sizeof *x);
    size_t n = 0;
    for (size_t i = 0; i < n0; i++)
        if (isfinite(x0[i]))
            x[n++] = x0[i];
    float *y = malloc(n * sizeof *y), *dy = malloc(n * sizeof *dy), *dx = malloc(n * sizeof *dx);
    for (size_t i = 0; i < n; i++)
        dy[i] = (float)(4.0 * rng_unit() - 2.0);
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        ds_act act = (ds_act)a;
        float p = act_param(act);
        ds_act_forward(act, p, x, y, n);
        ds_act_backward(act, p, x, y, dy, dx, n);
        double maxe = 0.0, bound = bwd_bound(act);
        long fails = 0;
        size_t first = 0;
        for (size_t i = 0; i < n; i++) {
            double sc, floor, ref = bwd_ref(act, x[i], y[i], dy[i], &sc, &floor);
            double err = fabs((double)dx[i] - ref);
            double e;
            if (err <= floor && (act == DS_ACT_GELU || fabs(ref) < floor))
                e = 0.0; /* FTZ regime */
            else if (act == DS_ACT_GELU)
                e = sc > 0 ? err / (sc * FLT_EPSILON / 2) : INFINITY;
            else if (fabs(ref) < floor)
                e = INFINITY;
            else
                e = err / ulp_of(ref);
            double b = bound;
            if (act == DS_ACT_GELU && x[i] < 0)
                b += gelu_cond_ulp(x[i]);
            if (!(e <= b) && fails++ == 0)
                first = i;
            if (e > maxe)
                maxe = e;
        }
        cr_log_info("backward %-10s %-6s max %.2f (bound %.1f%s)", ds_act_to_name(act),
                    ds_isa_name(), maxe, bound, act == DS_ACT_GELU ? " + 3|t|" : "");
        cr_expect_eq(fails, 0,
                     "%s backward on %s: %ld off, first x = %a y = %a dy = %a -> %a; max %.2f > %.1f",
                     ds_act_to_name(act), ds_isa_name(), fails, (double)x[first],
                     (double)y[first], (double)dy[first], (double)dx[first], maxe, bound);
    }
    free(x0), free(x), free(y), free(dy), free(dx);
}

/* x and y (dx and dy) may alias: in-place gives the same bits */
ISA_TEST(vec_act, in_place_matches_out_of_place)
{
    size_t n = 1003;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    float *dy = malloc(n * sizeof *dy), *dx = malloc(n * sizeof *dx);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(16.0 * rng_unit() - 8.0);
        dy[i] = (float)(2.0 * rng_unit() - 1.0);
    }
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        ds_act act = (ds_act)a;
        ds_act_forward(act, act_param(act), x, y, n);
        memcpy(z, x, n * sizeof *z);
        ds_act_forward(act, act_param(act), z, z, n);
        cr_expect(memcmp(y, z, n * sizeof *z) == 0, "%s forward in place differs on %s",
                  ds_act_to_name(act), ds_isa_name());
        ds_act_backward(act, act_param(act), x, y, dy, dx, n);
        memcpy(z, dy, n * sizeof *z);
        ds_act_backward(act, act_param(act), x, y, z, z, n);
        cr_expect(memcmp(dx, z, n * sizeof *z) == 0, "%s backward in place differs on %s",
                  ds_act_to_name(act), ds_isa_name());
    }
    free(x), free(y), free(z), free(dy), free(dx);
}

/* Bit-identical at 1 and 2 threads (n large enough to be split), including
 * relu's streaming-store path (n > 8 MiB of floats, y misaligned). */
ISA_TEST(vec_act, same_bits_at_1_and_2_threads)
{
    size_t n = ((size_t)1 << 22) + 13;
    float *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy);
    float *y1 = malloc((n + 1) * sizeof *y1), *y2 = malloc((n + 1) * sizeof *y2);
    float *d1 = malloc(n * sizeof *d1), *d2 = malloc(n * sizeof *d2);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(20.0 * rng_unit() - 10.0);
        dy[i] = (float)(2.0 * rng_unit() - 1.0);
    }
    int saved = omp_get_max_threads();
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        ds_act act = (ds_act)a;
        size_t m = act == DS_ACT_RELU ? n : n / 16; /* keep the slow ones fast */
        omp_set_num_threads(1);
        ds_act_forward(act, act_param(act), x, y1 + 1, m);
        ds_act_backward(act, act_param(act), x, y1 + 1, dy, d1, m);
        ds_split_policy_set(DS_SPLIT_ALWAYS); /* the threaded path, whatever the cost model says */
        omp_set_num_threads(2);
        ds_act_forward(act, act_param(act), x, y2 + 1, m);
        ds_act_backward(act, act_param(act), x, y2 + 1, dy, d2, m);
        cr_expect(memcmp(y1 + 1, y2 + 1, m * sizeof *y1) == 0, "%s forward on %s: 1 vs 2 threads",
                  ds_act_to_name(act), ds_isa_name());
        cr_expect(memcmp(d1, d2, m * sizeof *d1) == 0, "%s backward on %s: 1 vs 2 threads",
                  ds_act_to_name(act), ds_isa_name());
        if (act == DS_ACT_RELU)
            for (size_t i = 0; i < m; i++)
                if (y1[i + 1] != (x[i] < 0 ? 0.0f : x[i])) {
                    cr_expect_fail("relu (streaming) wrong at %zu on %s", i, ds_isa_name());
                    break;
                }
    }
    omp_set_num_threads(saved);
    ds_split_policy_set(DS_SPLIT_MODEL);
    free(x), free(dy), free(y1), free(y2), free(d1), free(d2);
}

/* identity, relu and leaky_relu are single IEEE operations per element:
 * bit-identical on every ISA (the exp-based ones are not: FMA vs not). */
VECTOR_ISA_TEST(vec_act, piecewise_linear_same_bits_as_scalar)
{
    size_t n = 4099;
    float *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy);
    float *ref = malloc(2 * n * sizeof *ref), *got = malloc(2 * n * sizeof *got);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(10.0 * rng_unit() - 5.0);
        dy[i] = (float)(2.0 * rng_unit() - 1.0);
    }
    const ds_act acts[] = {DS_ACT_IDENTITY, DS_ACT_RELU, DS_ACT_LEAKY_RELU};
    for (size_t a = 0; a < 3; a++) {
        use_isa(DS_ISA_SCALAR);
        ds_act_forward(acts[a], act_param(acts[a]), x, ref, n);
        ds_act_backward(acts[a], act_param(acts[a]), x, ref, dy, ref + n, n);
        use_isa(isa);
        ds_act_forward(acts[a], act_param(acts[a]), x, got, n);
        ds_act_backward(acts[a], act_param(acts[a]), x, got, dy, got + n, n);
        cr_expect(memcmp(ref, got, 2 * n * sizeof *got) == 0, "%s on %s differs from scalar",
                  ds_act_to_name(acts[a]), ds_isa_name());
    }
    free(x), free(dy), free(ref), free(got);
}

/* ---- the shared body at 16 lanes, runnable anywhere -------------------------
 *
 * The AVX-512 instantiation cannot run on every machine that builds it. Its
 * logic — everything but the ~40 lines of kernels/avx512/simd.h — is the
 * body kernels/vec_body.inc at VW = 16: the 16-lane tails, the padded
 * buffers, the per-lane selects. Here that body is instantiated over a
 * portable C mapping of 16 lanes that rounds exactly like the scalar
 * reference (no FMA), so every element-wise result must equal the scalar
 * table's bit for bit, at every length 0..70 and on the big input set. */
#include "internal.h"
#include "vec_ops.h"

#define VW 16
typedef struct { float f[VW]; } VF;
typedef struct { int m[VW]; } VM;
typedef struct { double d[VW]; } VD;

#define W_MAP1(name, expr) \
    static inline VF name(VF a) { VF r; for (int i = 0; i < VW; i++) r.f[i] = (expr); return r; }
#define W_MAP2(name, expr) \
    static inline VF name(VF a, VF b) { VF r; for (int i = 0; i < VW; i++) r.f[i] = (expr); return r; }
#define W_CMP(name, op) \
    static inline VM name(VF a, VF b) { VM r; for (int i = 0; i < VW; i++) r.m[i] = a.f[i] op b.f[i]; return r; }
static inline VF w_load(const float *p) { VF r; memcpy(r.f, p, sizeof r.f); return r; }
static inline void w_store(float *p, VF v) { memcpy(p, v.f, sizeof v.f); }
static inline VF w_set1(float x) { VF r; for (int i = 0; i < VW; i++) r.f[i] = x; return r; }
W_MAP2(w_add, a.f[i] + b.f[i])
W_MAP2(w_sub, a.f[i] - b.f[i])
W_MAP2(w_mul, a.f[i] * b.f[i])
W_MAP2(w_div, a.f[i] / b.f[i])
W_MAP2(w_max, a.f[i] > b.f[i] ? a.f[i] : b.f[i])
W_MAP2(w_min, a.f[i] < b.f[i] ? a.f[i] : b.f[i])
W_MAP2(w_copysign, copysignf(a.f[i], b.f[i]))
W_MAP1(w_sqrt, sqrtf(a.f[i]))
W_MAP1(w_abs, fabsf(a.f[i]))
static inline VF w_fma(VF a, VF b, VF c) { return w_add(w_mul(a, b), c); }
static inline VF w_fnma(VF a, VF b, VF c) { return w_sub(c, w_mul(a, b)); }
W_CMP(w_lt, <)
W_CMP(w_gt, >)
W_CMP(w_ge, >=)
W_CMP(w_eq, ==)
static inline VF w_sel(VM m, VF a, VF b) { VF r; for (int i = 0; i < VW; i++) r.f[i] = m.m[i] ? a.f[i] : b.f[i]; return r; }
static inline float w_hsum(VF v) { float s = 0; for (int i = 0; i < VW; i++) s += v.f[i]; return s; }
static inline float w_hmax(VF v) { float s = v.f[0]; for (int i = 1; i < VW; i++) s = s > v.f[i] ? s : v.f[i]; return s; }
static inline VF w_pow2n(VF n)
{
    VF r;
    for (int i = 0; i < VW; i++) {
        float k = n.f[i] > -127.0f ? n.f[i] : -127.0f;
        k = k < 127.0f ? k : 127.0f;
        uint32_t bits = (uint32_t)((int32_t)k + 127) << 23;
        memcpy(&r.f[i], &bits, sizeof bits);
    }
    return r;
}
static inline VD w_dzero(void) { VD r; for (int i = 0; i < VW; i++) r.d[i] = 0; return r; }
static inline double w_dhsum(VD lo) { double s = 0; for (int i = 0; i < VW; i++) s += lo.d[i]; return s; }
#define VLOAD(p) w_load(p)
#define VSTORE(p, v) w_store((p), (v))
#define VSET1(f) w_set1((float)(f))
#define VZERO() w_set1(0.0f)
#define VADD w_add
#define VSUB w_sub
#define VMUL w_mul
#define VDIV w_div
#define VSQRT w_sqrt
#define VFMA w_fma
#define VFNMA w_fnma
#define VMAX w_max
#define VMIN w_min
#define VABS w_abs
#define VCOPYSIGN w_copysign
#define VLT w_lt
#define VGT w_gt
#define VGE w_ge
#define VEQ w_eq
#define VSEL w_sel
#define VHSUM w_hsum
#define VHMAX w_hmax
#define VPOW2N w_pow2n
#define VD_ZERO w_dzero
#define VD_SQACC(lo, hi, v)                                                    \
    do {                                                                       \
        for (int i_ = 0; i_ < VW; i_++)                                        \
            (lo).d[i_] += (double)(v).f[i_] * (double)(v).f[i_];               \
        (void)(hi);                                                            \
    } while (0)
#define VD_HSUM(lo, hi) w_dhsum(lo)
#define VPEAK_CHAINS 2 /* the body's FMA-peak probe comes along; never timed */
#define DS_VEC_ISA DS_ISA_SCALAR
#define DS_VEC_OPS_NAME ds_vec_ops_test_w16
#define DS_VEC_FN(name) name##_test_w16
#include "vec_body.inc"

/* index of the first element whose bits differ (NaNs count as equal: a
 * compiler may swap the operands of a commutative op, which changes only
 * the NaN's payload or sign), or n */
static size_t first_diff(const float *a, const float *b, size_t n)
{
    size_t k = 0;
    while (k < n && (memcmp(&a[k], &b[k], sizeof *a) == 0 || (isnan(a[k]) && isnan(b[k]))))
        k++;
    return k;
}

Test(vec_act, body_at_16_lanes_matches_scalar_bitwise)
{
    const struct ds_vec_ops *ref = ds_vec_ops_for(DS_ISA_SCALAR), *w = &ds_vec_ops_test_w16;
    size_t nbig;
    float *big = make_inputs(&nbig);
    size_t cap = nbig + 1;
    float *y1 = malloc(cap * sizeof *y1), *y2 = malloc(cap * sizeof *y2);
    float *d1 = malloc(cap * sizeof *d1), *d2 = malloc(cap * sizeof *d2), *dy = malloc(cap * sizeof *dy);
    for (size_t i = 0; i < cap; i++)
        dy[i] = (float)(2.0 * rng_unit() - 1.0);
    for (int a = 0; a < DS_ACT_COUNT; a++) {
        float p = act_param((ds_act)a);
        for (size_t n = 0; n <= 71; n++) {
            size_t len = n == 71 ? nbig : n;
            /* the last lengths start inside the edge values */
            const float *x = n == 71 ? big : big + nbig - 30 - (n % 7);
            if (n != 71 && x + len > big + nbig)
                x = big + nbig - len;
            memset(y1, 0, cap * sizeof *y1), memset(y2, 0, cap * sizeof *y2);
            ref->act_fwd[a](p, x, y1, len);
            w->act_fwd[a](p, x, y2, len);
            ref->act_bwd[a](p, x, y1, dy, d1, len);
            w->act_bwd[a](p, x, y1, dy, d2, len);
            size_t k = first_diff(y1, y2, len);
            cr_expect(k == len, "%s forward, n = %zu: 16 lanes differ at x = %a: %a vs %a",
                      ds_act_to_name((ds_act)a), len, k < len ? (double)x[k] : 0.0,
                      k < len ? (double)y1[k] : 0.0, k < len ? (double)y2[k] : 0.0);
            cr_expect(first_diff(d1, d2, len) == len, "%s backward, n = %zu: 16 lanes differ",
                      ds_act_to_name((ds_act)a), len);
        }
    }
    /* rows, optimizer steps, dropout: element-wise outputs bitwise; sums
     * (another lane order) within 64·FLT_EPSILON relative */
    for (size_t n = 1; n <= 70; n++) {
        float z[70], t[70], g[70], a1[70], a2[70], b1[70], b2[70], c1[70], c2[70];
        for (size_t j = 0; j < n; j++) {
            z[j] = (float)(20.0 * rng_unit() - 10.0);
            t[j] = (float)rng_unit();
            g[j] = (float)(2.0 * rng_unit() - 1.0);
        }
        int am1, am2, ok1, ok2;
        int32_t lab = (int32_t)(n / 2);
        double l1 = ref->softmax_xent_row(z, n, lab, a1, 0.5f, &am1);
        double l2 = w->softmax_xent_row(z, n, lab, a2, 0.5f, &am2);
        cr_expect(fabs(l1 - l2) <= 64 * FLT_EPSILON * (fabs(l1) + 1) && am1 == am2, "softmax n = %zu", n);
        for (size_t j = 0; j < n; j++)
            cr_expect(fabsf(a1[j] - a2[j]) <= 64 * FLT_EPSILON * (fabsf(a1[j]) + FLT_MIN),
                      "softmax dz n = %zu j = %zu", n, j);
        l1 = ref->sigmoid_bce_row(z, t, a1, n, 0.5f, &ok1);
        l2 = w->sigmoid_bce_row(z, t, a2, n, 0.5f, &ok2);
        cr_expect(fabs(l1 - l2) <= 64 * FLT_EPSILON * fabs(l1) && ok1 == ok2, "bce n = %zu", n);
        cr_expect(memcmp(a1, a2, n * sizeof *a1) == 0, "bce dz n = %zu", n);
        l1 = ref->mse_row(z, t, a1, n, 0.5f);
        l2 = w->mse_row(z, t, a2, n, 0.5f);
        cr_expect(fabs(l1 - l2) <= 64 * FLT_EPSILON * fabs(l1), "mse n = %zu", n);
        cr_expect(memcmp(a1, a2, n * sizeof *a1) == 0, "mse dz n = %zu", n);
        l1 = ref->sumsq(z, n);
        l2 = w->sumsq(z, n);
        cr_expect(fabs(l1 - l2) <= 1e-12 * l1, "sumsq n = %zu", n);
        memcpy(a1, z, sizeof z), memcpy(a2, z, sizeof z);
        ref->add_row(a1, g, n);
        w->add_row(a2, g, n);
        cr_expect(memcmp(a1, a2, n * sizeof *a1) == 0, "add_row n = %zu", n);
        /* adam on (w, m, v) = (z, g/10, t/100), sgd with Nesterov momentum */
        for (size_t j = 0; j < n; j++) {
            a1[j] = a2[j] = z[j];
            b1[j] = b2[j] = g[j] * 0.1f;
            c1[j] = c2[j] = t[j] * 0.01f;
        }
        ref->adam(a1, g, b1, c1, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f);
        w->adam(a2, g, b2, c2, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f);
        const size_t sz = n * sizeof(float);
        cr_expect(memcmp(a1, a2, sz) == 0 && memcmp(b1, b2, sz) == 0 && memcmp(c1, c2, sz) == 0,
                  "adam n = %zu", n);
        ref->sgd(a1, g, b1, n, 0.1f, 0.9f, 1, 1e-4f);
        w->sgd(a2, g, b2, n, 0.1f, 0.9f, 1, 1e-4f);
        cr_expect(memcmp(a1, a2, sz) == 0 && memcmp(b1, b2, sz) == 0, "sgd n = %zu", n);
    }
    free(big), free(y1), free(y2), free(d1), free(d2), free(dy);
}
