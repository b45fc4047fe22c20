/* Optimizer steps (Adam, SGD with momentum / Nesterov / weight decay), the
 * bias kernels and the reductions, on every ISA this machine runs, against
 * double evaluations of the formulas in kernels.h from the same float
 * inputs. */
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

static float rnd(double lo, double hi)
{
    return (float)(lo + (hi - lo) * ((double)(rng_next() >> 11) * 0x1p-53));
}



static void setup(void)
{
    ds_denormals_flush();
    rng_state = 31337;
}

TestSuite(vec_optim, .init = setup);

#define EPS ((double)FLT_EPSILON)

/* Adam from the same float state, in double. Bounds (units of FLT_EPSILON,
 * relative to the magnitude of the terms of each formula): m, v: 2; w: the
 * update u = lr_t·m/(√v + eps) within 8·|u| (lr_t rounded to float, m, v,
 * √, +, / and the final product) plus |w|. */
ISA_TEST(vec_optim, adam_vs_double)
{
    const size_t n = 1003;
    float *w = malloc(n * sizeof *w), *g = malloc(n * sizeof *g), *m = malloc(n * sizeof *m),
          *v = malloc(n * sizeof *v);
    float *w0 = malloc(n * sizeof *w0), *m0 = malloc(n * sizeof *m0), *v0 = malloc(n * sizeof *v0);
    const long steps[] = {1, 7, 1000};
    const float wds[] = {0.0f, 1e-2f};
    for (size_t i = 0; i < n; i++) {
        w0[i] = rnd(-1, 1);
        g[i] = rnd(-0.1, 0.1);
        m0[i] = rnd(-0.05, 0.05);
        v0[i] = rnd(0, 0.01);
    }
    const float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    for (size_t s = 0; s < 3; s++)
        for (size_t d = 0; d < 2; d++) {
            memcpy(w, w0, n * sizeof *w), memcpy(m, m0, n * sizeof *m), memcpy(v, v0, n * sizeof *v);
            ds_adam_step(w, g, m, v, n, lr, b1, b2, eps, wds[d], steps[s]);
            double t = (double)steps[s];
            double lr_t = lr * sqrt(1 - pow(b2, t)) / (1 - pow(b1, t));
            long bad = 0;
            for (size_t i = 0; i < n; i++) {
                double gg = (double)g[i] + (double)wds[d] * w0[i];
                double mm = (double)b1 * m0[i] + (1.0 - (double)b1) * gg;
                double vv = (double)b2 * v0[i] + (1.0 - (double)b2) * gg * gg;
                double u = lr_t * mm / (sqrt(vv) + eps);
                double ww = w0[i] - u;
                int ok = fabs(m[i] - mm) <= 2 * EPS * (fabs(b1 * m0[i]) + fabs((1 - b1) * gg)) + FLT_MIN &&
                         fabs(v[i] - vv) <= 2 * EPS * vv + FLT_MIN &&
                         fabs(w[i] - ww) <= EPS * (fabs(w0[i]) + 8 * fabs(u));
                if (!ok && bad++ == 0)
                    cr_expect_fail("%s adam t=%ld wd=%g [%zu]: w %.9g vs %.9g, m %.9g vs %.9g, v %.9g vs %.9g",
                                   ds_isa_name(), steps[s], (double)wds[d], i, (double)w[i], ww,
                                   (double)m[i], mm, (double)v[i], vv);
            }
        }
    free(w), free(g), free(m), free(v), free(w0), free(m0), free(v0);
}

/* SGD: g' = g + wd·w; vel = mu·vel + g'; w −= lr·(nesterov ? g' + mu·vel : vel).
 * Bounds: vel within 2·FLT_EPSILON·(|mu·vel| + |g'|); w within
 * FLT_EPSILON·(|w| + 4·|lr·step|) — a few roundings per formula. */
ISA_TEST(vec_optim, sgd_vs_double)
{
    const size_t n = 517;
    float w[517], g[517], u[517], w0[517], u0[517];
    for (size_t i = 0; i < n; i++) {
        w0[i] = rnd(-1, 1);
        g[i] = rnd(-0.1, 0.1);
        u0[i] = rnd(-0.1, 0.1);
    }
    struct { float mu; int nesterov; float wd; } cases[] = {
        {0.0f, 0, 0.0f}, {0.0f, 0, 1e-3f}, {0.9f, 0, 0.0f}, {0.9f, 1, 0.0f}, {0.9f, 1, 5e-4f}};
    const float lr = 0.05f;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(w, w0, sizeof w), memcpy(u, u0, sizeof u);
        float mu = cases[c].mu, wd = cases[c].wd;
        ds_sgd_step(w, g, mu == 0.0f && c == 0 ? NULL : u, n, lr, mu, cases[c].nesterov, wd);
        for (size_t i = 0; i < n; i++) {
            double gg = (double)g[i] + (double)wd * w0[i];
            double vel = c == 0 ? 0.0 : (double)mu * u0[i] + gg;
            double step = c == 0 ? gg : cases[c].nesterov ? gg + (double)mu * vel : vel;
            double ww = w0[i] - (double)lr * step;
            if (c != 0)
                cr_expect(fabs(u[i] - vel) <= 2 * EPS * (fabs(mu * u0[i]) + fabs(gg)) + FLT_MIN,
                          "%s sgd case %zu vel[%zu]", ds_isa_name(), c, i);
            cr_expect(fabs(w[i] - ww) <= EPS * (fabs(w0[i]) + 4 * fabs(lr * step)),
                      "%s sgd case %zu w[%zu]: %.9g vs %.9g", ds_isa_name(), c, i,
                      (double)w[i], ww);
        }
    }
}

/* Σx² in double: each square is exact in double, so the sum is within
 * n·DBL_EPSILON relative of the exact one */
ISA_TEST(vec_optim, sumsq_vs_double)
{
    const size_t sizes[] = {0, 1, 7, 8, 17, 1000, 65536 + 13, 1000003};
    float *x = malloc(1000003 * sizeof *x);
    for (size_t i = 0; i < 1000003; i++)
        x[i] = rnd(-3, 3);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        long double ref = 0;
        for (size_t i = 0; i < n; i++)
            ref += (long double)x[i] * x[i];
        double got = ds_sumsq(x, n);
        cr_expect(fabsl(got - ref) <= (long double)n * DBL_EPSILON * ref,
                  "%s sumsq n=%zu: %.17g vs %.17Lg", ds_isa_name(), n, got, ref);
    }
    free(x);
}

/* bias_add: one float add per element; bias_grad: rows summed in order in
 * float, within m·FLT_EPSILON·Σ|dy| of the exact column sum. Both are plain
 * IEEE adds, so they are bit-identical on every ISA: checked too. */
ISA_TEST(vec_optim, bias_add_and_grad)
{
    const int shapes[][2] = {{1, 1}, {3, 5}, {100, 10}, {100, 256}, {37, 513}, {300, 300}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], ld = n + 5;
        float *y0 = malloc((size_t)m * ld * sizeof *y0), *y = malloc((size_t)m * ld * sizeof *y);
        float *b = malloc((size_t)n * sizeof *b), *db = malloc((size_t)n * sizeof *db);
        float *ref_add = malloc((size_t)m * ld * sizeof *ref_add);
        float *ref_grad = malloc((size_t)n * sizeof *ref_grad);
        for (int i = 0; i < m * ld; i++)
            y0[i] = rnd(-1, 1);
        for (int j = 0; j < n; j++)
            b[j] = rnd(-1, 1);
        use_isa(DS_ISA_SCALAR);
        memcpy(ref_add, y0, (size_t)m * ld * sizeof *y);
        ds_bias_add(m, n, ref_add, ld, b);
        ds_bias_grad(m, n, y0, ld, ref_grad);
        use_isa(isa);
        memcpy(y, y0, (size_t)m * ld * sizeof *y);
        ds_bias_add(m, n, y, ld, b);
        ds_bias_grad(m, n, y0, ld, db);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++)
                cr_expect(y[i * ld + j] == y0[i * ld + j] + b[j], "%s bias_add", ds_isa_name());
            for (int j = n; j < ld; j++)
                cr_expect(memcmp(&y[i * ld + j], &y0[i * ld + j], sizeof(float)) == 0,
                          "%s bias_add wrote past the row", ds_isa_name());
        }
        for (int j = 0; j < n; j++) {
            double s1 = 0, sa = 0;
            for (int i = 0; i < m; i++)
                s1 += y0[i * ld + j], sa += fabs(y0[i * ld + j]);
            cr_expect(fabs(db[j] - s1) <= m * EPS * sa, "%s bias_grad %dx%d col %d: %.9g vs %.9g",
                      ds_isa_name(), m, n, j, (double)db[j], s1);
        }
        cr_expect(memcmp(ref_add, y, (size_t)m * ld * sizeof *y) == 0,
                  "%s bias_add differs from scalar", ds_isa_name());
        cr_expect(memcmp(ref_grad, db, (size_t)n * sizeof *db) == 0,
                  "%s bias_grad differs from scalar", ds_isa_name());
        free(y0), free(y), free(b), free(db), free(ref_add), free(ref_grad);
    }
}

Test(vec_optim, cols_nonzero)
{
    float y[3][6] = {{0, 1, 0, 0, -0.0f, 0}, {0, 0, 0, 2, 0, 0}, {0, 0, 0, 0, 0, 7}};
    uint8_t alive[5] = {0, 0, 0, 0, 0};
    ds_cols_nonzero(3, 5, &y[0][0], 6, alive); /* column 5 is padding */
    const uint8_t want[5] = {0, 1, 0, 1, 0};
    cr_expect(memcmp(alive, want, 5) == 0, "alive %d%d%d%d%d", alive[0], alive[1], alive[2],
              alive[3], alive[4]);
    alive[0] = 1; /* accumulates: never cleared */
    ds_cols_nonzero(1, 5, &y[2][0], 6, alive);
    cr_expect_eq(alive[0], 1);
}

/* adam, sgd, sumsq, bias_add, bias_grad: same bits at 1 and 2 threads */
ISA_TEST(vec_optim, same_bits_at_1_and_2_threads)
{
    const size_t n = 300007;
    float *g = malloc(n * sizeof *g), *st[2][4];
    for (int r = 0; r < 2; r++)
        for (int q = 0; q < 4; q++)
            st[r][q] = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        g[i] = rnd(-1, 1);
    int saved = omp_get_max_threads();
    double ss[2];
    for (int r = 0; r < 2; r++) {
        ds_split_policy_set(DS_SPLIT_ALWAYS); /* the threaded path, whatever the cost model says */
        omp_set_num_threads(r + 1);
        for (size_t i = 0; i < n; i++) {
            st[r][0][i] = g[(i * 7) % n];
            st[r][1][i] = 0.01f * g[(i * 3) % n];
            st[r][2][i] = 0.001f * fabsf(g[(i * 5) % n]);
            st[r][3][i] = 0.1f * g[(i * 11) % n];
        }
        ds_adam_step(st[r][0], g, st[r][1], st[r][2], n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 3);
        ds_sgd_step(st[r][0], g, st[r][3], n, 0.01f, 0.9f, 1, 1e-4f);
        ds_bias_add(n / 1000, 1000, st[r][1], 1000, g);
        ds_bias_grad(n / 1000, 1000, st[r][2], 1000, st[r][3]);
        ss[r] = ds_sumsq(st[r][0], n);
    }
    for (int q = 0; q < 4; q++)
        cr_expect(memcmp(st[0][q], st[1][q], n * sizeof(float)) == 0,
                  "%s: state %d differs between 1 and 2 threads", ds_isa_name(), q);
    cr_expect(memcmp(&ss[0], &ss[1], sizeof(double)) == 0, "%s: sumsq differs", ds_isa_name());
    omp_set_num_threads(saved);
    ds_split_policy_set(DS_SPLIT_MODEL);
    for (int r = 0; r < 2; r++)
        for (int q = 0; q < 4; q++)
            free(st[r][q]);
    free(g);
}

/* The fused passes of the training step: ds_adam_step_sumsq and
 * ds_sgd_step_sumsq update w (m, v / vel) to the bits of ds_adam_step /
 * ds_sgd_step and return the bits of ds_sumsq(g, n), read in the same pass,
 * at 1 and 2 threads, for sizes with partial vectors and several pieces. */
ISA_TEST(vec_optim, step_sumsq_is_step_plus_sumsq)
{
    const size_t sizes[] = {0, 1, 13, 512, 16384 + 7, 300007};
    const size_t nmax = 300007;
    float *g = malloc(nmax * sizeof *g), *a[4], *b[4];
    for (int q = 0; q < 4; q++)
        a[q] = malloc(nmax * sizeof(float)), b[q] = malloc(nmax * sizeof(float));
    for (size_t i = 0; i < nmax; i++)
        g[i] = rnd(-1, 1);
    int saved = omp_get_max_threads();
    for (int nt = 1; nt <= 2; nt++) {
        ds_split_policy_set(DS_SPLIT_ALWAYS);
        omp_set_num_threads(nt);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            for (size_t i = 0; i < n; i++) {
                a[0][i] = b[0][i] = g[(i * 7) % nmax];
                a[1][i] = b[1][i] = 0.01f * g[(i * 3) % nmax];
                a[2][i] = b[2][i] = 0.001f * fabsf(g[(i * 5) % nmax]);
                a[3][i] = b[3][i] = 0.1f * g[(i * 11) % nmax];
            }
            ds_adam_step(a[0], g, a[1], a[2], n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 3);
            double want = ds_sumsq(g, n);
            double got = ds_adam_step_sumsq(b[0], g, b[1], b[2], n, 1e-3f, 0.9f, 0.999f, 1e-8f,
                                            1e-4f, 3);
            cr_expect(memcmp(&got, &want, sizeof got) == 0,
                      "%s adam n=%zu nt=%d: sumsq %.17g, ds_sumsq %.17g", ds_isa_name(), n, nt,
                      got, want);
            for (int mu = 0; mu < 2; mu++) {
                ds_sgd_step(a[0], g, mu ? a[3] : NULL, n, 0.01f, mu ? 0.9f : 0.0f, mu, 1e-4f);
                got = ds_sgd_step_sumsq(b[0], g, mu ? b[3] : NULL, n, 0.01f, mu ? 0.9f : 0.0f,
                                        mu, 1e-4f);
                cr_expect(memcmp(&got, &want, sizeof got) == 0,
                          "%s sgd mu=%d n=%zu nt=%d: sumsq %.17g, ds_sumsq %.17g", ds_isa_name(),
                          mu, n, nt, got, want);
            }
            for (int q = 0; q < 4; q++)
                cr_expect(memcmp(a[q], b[q], n * sizeof(float)) == 0,
                          "%s n=%zu nt=%d: state %d differs from the unfused steps",
                          ds_isa_name(), n, nt, q);
        }
    }
    omp_set_num_threads(saved);
    ds_split_policy_set(DS_SPLIT_MODEL);
    for (int q = 0; q < 4; q++)
        free(a[q]), free(b[q]);
    free(g);
}

/* The fused passes of the layers: ds_bias_act_forward is ds_bias_add then
 * ds_act_forward, ds_act_backward_bias_grad is ds_act_backward then
 * ds_bias_grad of its output, bit for bit, for every activation, at 1 and 2
 * threads, with partial vectors, several column blocks and ld > n. */
ISA_TEST(vec_optim, fused_layer_passes_match_unfused)
{
    const int shapes[][2] = {{1, 1}, {3, 17}, {100, 10}, {100, 512}, {37, 600}};
    int saved = omp_get_max_threads();
    for (int nt = 1; nt <= 2; nt++) {
        ds_split_policy_set(DS_SPLIT_ALWAYS);
        omp_set_num_threads(nt);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int m = shapes[s][0], n = shapes[s][1], ld = n + 3;
            size_t sz = (size_t)m * (size_t)ld;
            float *z0 = malloc(sz * sizeof(float)), *dy0 = malloc(sz * sizeof(float));
            float *za = malloc(sz * sizeof(float)), *zb = malloc(sz * sizeof(float));
            float *ha = malloc(sz * sizeof(float)), *hb = malloc(sz * sizeof(float));
            float *da = malloc(sz * sizeof(float)), *dbuf = malloc(sz * sizeof(float));
            float *b = malloc((size_t)n * sizeof(float)), *ga = malloc((size_t)n * sizeof(float)),
                  *gb = malloc((size_t)n * sizeof(float));
            for (size_t i = 0; i < sz; i++)
                z0[i] = rnd(-3, 3), dy0[i] = rnd(-1, 1);
            for (int j = 0; j < n; j++)
                b[j] = rnd(-1, 1);
            for (int act = 0; act < DS_ACT_COUNT; act++) {
                float param = act == DS_ACT_LEAKY_RELU ? 0.01f : 1.0f;
                memcpy(za, z0, sz * sizeof(float)), memcpy(zb, z0, sz * sizeof(float));
                memcpy(ha, z0, sz * sizeof(float)), memcpy(hb, z0, sz * sizeof(float));
                ds_bias_add(m, n, za, ld, b);
                for (int i = 0; i < m; i++)
                    ds_act_forward((ds_act)act, param, za + (size_t)i * ld, ha + (size_t)i * ld,
                                   (size_t)n);
                ds_bias_act_forward((ds_act)act, param, m, n, zb, ld, b, hb);
                cr_expect(memcmp(za, zb, sz * sizeof(float)) == 0 &&
                              memcmp(ha, hb, sz * sizeof(float)) == 0,
                          "%s %s forward %dx%d nt=%d differs from bias_add + act_forward",
                          ds_isa_name(), ds_act_to_name((ds_act)act), m, n, nt);
                /* backward from the forward's z and h; in place as the model
                 * runs it, and out of place */
                memcpy(da, dy0, sz * sizeof(float)), memcpy(dbuf, dy0, sz * sizeof(float));
                for (int i = 0; i < m; i++)
                    ds_act_backward((ds_act)act, param, za + (size_t)i * ld, ha + (size_t)i * ld,
                                    da + (size_t)i * ld, da + (size_t)i * ld, (size_t)n);
                ds_bias_grad(m, n, da, ld, ga);
                ds_act_backward_bias_grad((ds_act)act, param, m, n, za, ha, dbuf, dbuf, ld, gb);
                cr_expect(memcmp(da, dbuf, sz * sizeof(float)) == 0 &&
                              memcmp(ga, gb, (size_t)n * sizeof(float)) == 0,
                          "%s %s backward %dx%d nt=%d (in place) differs from act_backward + "
                          "bias_grad", ds_isa_name(), ds_act_to_name((ds_act)act), m, n, nt);
                memcpy(dbuf, z0, sz * sizeof(float)); /* out of place: dy stays */
                ds_act_backward_bias_grad((ds_act)act, param, m, n, za, ha, dy0, dbuf, ld, gb);
                for (int i = 0; i < m; i++)
                    cr_expect(memcmp(da + (size_t)i * ld, dbuf + (size_t)i * ld,
                                     (size_t)n * sizeof(float)) == 0 &&
                                  memcmp(dbuf + (size_t)i * ld + n, z0 + (size_t)i * ld + n,
                                         (size_t)(ld - n) * sizeof(float)) == 0,
                              "%s %s backward %dx%d row %d (out of place)", ds_isa_name(),
                              ds_act_to_name((ds_act)act), m, n, i);
                cr_expect(memcmp(ga, gb, (size_t)n * sizeof(float)) == 0);
            }
            free(z0), free(dy0), free(za), free(zb), free(ha), free(hb), free(da), free(dbuf);
            free(b), free(ga), free(gb);
        }
    }
    omp_set_num_threads(saved);
    ds_split_policy_set(DS_SPLIT_MODEL);
}
