/* Fused losses: softmax + cross-entropy, sigmoid + binary cross-entropy, MSE,
 * on every ISA this machine runs, against double references; gradients also
 * against central finite differences of the double loss. */
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
    rng_state = 777;
}

TestSuite(vec_losses, .init = setup);

/* −log softmax(z)[label] and its gradient, in double */
static double xent_row_d(const double *z, int n, int label, double *grad)
{
    double mx = z[0];
    for (int j = 1; j < n; j++)
        mx = fmax(mx, z[j]);
    double s = 0.0;
    for (int j = 0; j < n; j++)
        s += exp(z[j] - mx);
    if (grad)
        for (int j = 0; j < n; j++)
            grad[j] = exp(z[j] - mx) / s - (j == label);
    return log(s) - (z[label] - mx);
}

/* Loss within 8·FLT_EPSILON of Σ_rows (|log Σexp| + |z_l − max|) (the float
 * sums of n ≤ 64 exponentials and one float subtraction per row); gradient
 * within |scale|·FLT_EPSILON·((4 + |z_j − max|/2)·p_j + 4·[j = label]) +
 * FLT_MIN: z_j − max is rounded in float (relative 2⁻²⁴), and exp turns
 * that into a relative error |z_j − max|·2⁻²⁴ of p_j. */
ISA_TEST(vec_losses, softmax_xent_vs_double)
{
    const int shapes[][2] = {{1, 1}, {1, 2}, {3, 7}, {37, 10}, {5, 17}, {100, 10}, {9, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], ld = n + 3;
        float *z = malloc((size_t)m * ld * sizeof *z), *dz = malloc((size_t)m * ld * sizeof *dz);
        int32_t *lab = malloc((size_t)m * sizeof *lab);
        double *zd = malloc((size_t)n * sizeof *zd), *gd = malloc((size_t)n * sizeof *gd);
        for (int i = 0; i < m * ld; i++)
            z[i] = (float)(10.0 * rng_unit() - 5.0);
        for (int i = 0; i < m; i++)
            lab[i] = (int32_t)(rng_next() % (uint64_t)n);
        const float scale = 0.25f;
        int correct = -1;
        double loss = ds_softmax_xent(m, n, z, ld, lab, dz, ld, scale, &correct);
        double ref = 0.0, mag = 0.0;
        int ref_correct = 0;
        for (int i = 0; i < m; i++) {
            int am = 0;
            double mx = -INFINITY;
            for (int j = 0; j < n; j++) {
                zd[j] = z[(size_t)i * ld + j];
                if (zd[j] > zd[am])
                    am = j;
                mx = fmax(mx, zd[j]);
            }
            ref_correct += am == lab[i];
            double l = xent_row_d(zd, n, lab[i], gd);
            ref += l;
            mag += fabs(l) + fabs(zd[lab[i]]) + 10.0;
            for (int j = 0; j < n; j++) {
                double want = scale * gd[j];
                double pj = gd[j] + (j == lab[i]);
                double tol = scale * FLT_EPSILON *
                                 ((4.0 + fabs(zd[j] - mx) / 2) * pj + 4.0 * (j == lab[i])) +
                             FLT_MIN;
                double got = dz[(size_t)i * ld + j];
                if (fabs(got - want) > tol)
                    cr_expect_fail("%s softmax grad [%d,%d] of %dx%d: %.9g vs %.9g (tol %.3g)",
                                   ds_isa_name(), i, j, m, n, got, want, tol);
            }
        }
        cr_expect_eq(correct, ref_correct, "%s: correct %d vs %d", ds_isa_name(), correct, ref_correct);
        cr_expect(fabs(loss - ref) <= 8.0 * FLT_EPSILON * mag,
                  "%s softmax loss %dx%d: %.12g vs %.12g", ds_isa_name(), m, n, loss, ref);
        free(z), free(dz), free(lab), free(zd), free(gd);
    }
}

/* The analytic gradient agrees with central differences of the double loss
 * (h = 1e-4: truncation ~h² ≈ 1e-8, rounding ~1e-12), within 1e-6 + the
 * float gradient's own 4·FLT_EPSILON; and with central differences of the
 * kernel's own loss (h = 2^-6 on float logits, tolerance 2e-3: the loss is
 * formed in float, so its differences carry ~1e-7·|loss|/h of noise). */
ISA_TEST(vec_losses, softmax_xent_finite_differences)
{
    const int n = 10;
    float z[10], dz[10];
    double zd[10];
    for (int trial = 0; trial < 20; trial++) {
        int32_t lab = (int32_t)(rng_next() % n);
        for (int j = 0; j < n; j++) {
            z[j] = (float)(6.0 * rng_unit() - 3.0);
            zd[j] = z[j];
        }
        ds_softmax_xent(1, n, z, n, &lab, dz, n, 1.0f, NULL);
        for (int j = 0; j < n; j++) {
            const double h = 1e-4;
            double save = zd[j];
            zd[j] = save + h;
            double lp = xent_row_d(zd, n, lab, NULL);
            zd[j] = save - h;
            double lm = xent_row_d(zd, n, lab, NULL);
            zd[j] = save;
            double fd = (lp - lm) / (2 * h);
            cr_expect(fabs(dz[j] - fd) <= 1e-6 + 4 * FLT_EPSILON,
                      "%s: dz[%d] = %.9g, finite difference %.9g", ds_isa_name(), j,
                      (double)dz[j], fd);

            const float hf = 0x1p-6f;
            float zf = z[j];
            z[j] = zf + hf;
            double kp = ds_softmax_xent(1, n, z, n, &lab, NULL, n, 1.0f, NULL);
            z[j] = zf - hf;
            double km = ds_softmax_xent(1, n, z, n, &lab, NULL, n, 1.0f, NULL);
            z[j] = zf;
            cr_expect(fabs(dz[j] - (kp - km) / (2 * hf)) <= 2e-3,
                      "%s: dz[%d] = %.9g, kernel finite difference %.9g", ds_isa_name(), j,
                      (double)dz[j], (kp - km) / (2 * hf));
        }
    }
}

/* logits of ±1e4: the loss is finite and exact to float rounding, the
 * gradient is the softmax minus the one-hot */
ISA_TEST(vec_losses, softmax_xent_huge_logits)
{
    const float z[6] = {1e4f, -1e4f, 3.0f, 1e4f - 2.0f, -1e4f, 0.0f};
    for (int32_t lab = 0; lab < 6; lab++) {
        float dz[6];
        double zd[6], gd[6];
        for (int j = 0; j < 6; j++)
            zd[j] = z[j];
        int correct;
        double loss = ds_softmax_xent(1, 6, z, 6, &lab, dz, 6, 1.0f, &correct);
        double ref = xent_row_d(zd, 6, lab, gd);
        cr_expect(isfinite(loss), "%s: loss %g for label %d", ds_isa_name(), loss, lab);
        cr_expect(fabs(loss - ref) <= 8.0 * FLT_EPSILON * (fabs(ref) + 1.0),
                  "%s: label %d loss %.10g vs %.10g", ds_isa_name(), lab, loss, ref);
        cr_expect_eq(correct, lab == 0);
        for (int j = 0; j < 6; j++)
            cr_expect(fabs(dz[j] - gd[j]) <= 4 * FLT_EPSILON + FLT_MIN,
                      "%s: label %d dz[%d] = %.9g vs %.9g", ds_isa_name(), lab, j,
                      (double)dz[j], gd[j]);
    }
}

/* argmax ties go to the lowest index; dz may alias z */
ISA_TEST(vec_losses, softmax_xent_ties_and_alias)
{
    float z[2][9] = {{0, 1, 5, 2, 3, 5, 1, 0, 5}, {0, 1, 5, 2, 3, 5, 1, 0, 5}};
    int32_t lab[2] = {2, 5};
    float a[2][9], out[2][9];
    memcpy(a, z, sizeof z);
    int correct;
    double l1 = ds_softmax_xent(2, 9, &z[0][0], 9, lab, &out[0][0], 9, 0.5f, &correct);
    cr_expect_eq(correct, 1, "%s: ties must go to the lowest index", ds_isa_name());
    double l2 = ds_softmax_xent(2, 9, &a[0][0], 9, lab, &a[0][0], 9, 0.5f, NULL);
    cr_expect(l1 == l2);
    cr_expect(memcmp(a, out, sizeof a) == 0, "%s: in-place gradient differs", ds_isa_name());
}

/* loss = max(z,0) − z·t + log1p(e^−|z|) in double; |z| up to 1e30 stays
 * finite; loss within 8·FLT_EPSILON·Σ(|z|·(1+t) + 1); gradient within
 * 4·FLT_EPSILON·|scale| + FLT_MIN of scale·(σ(z) − t). */
ISA_TEST(vec_losses, sigmoid_bce_stable)
{
    const float zs[] = {0.0f, -0.0f, 0.5f, -0.5f, 3.0f, -3.0f, 20.0f, -20.0f, 88.0f, -88.0f,
                        100.0f, -100.0f, 1e4f, -1e4f, 1e30f, -1e30f, 17.5f};
    const int n = (int)(sizeof zs / sizeof zs[0]);
    float z[2 * 17], t[2 * 17], dz[2 * 17];
    for (int j = 0; j < n; j++) {
        z[j] = zs[j], t[j] = 0.0f;
        z[n + j] = zs[j], t[n + j] = 1.0f;
    }
    t[5] = 0.25f; /* soft target */
    int correct = -1;
    const float scale = 0.5f;
    double loss = ds_sigmoid_bce(2, n, z, n, t, n, dz, n, scale, &correct);
    double ref = 0.0, mag = 0.0;
    for (int i = 0; i < 2 * n; i++) {
        double Z = z[i], T = t[i];
        ref += fmax(Z, 0.0) - Z * T + log1p(exp(-fabs(Z)));
        mag += fabs(Z) * (1.0 + T) + 1.0;
        double s = Z >= 0 ? 1.0 / (1.0 + exp(-Z)) : exp(Z) / (1.0 + exp(Z));
        double want = scale * (s - T);
        cr_expect(fabs(dz[i] - want) <= 4 * FLT_EPSILON * scale + FLT_MIN,
                  "%s: bce dz at z = %g t = %g: %.9g vs %.9g", ds_isa_name(), Z, T,
                  (double)dz[i], want);
    }
    cr_expect(isfinite(loss));
    cr_expect(fabs(loss - ref) <= 8.0 * FLT_EPSILON * mag, "%s: bce loss %.12g vs %.12g",
              ds_isa_name(), loss, ref);
    cr_expect_eq(correct, 0, "no row has every output right");
    /* one row right: z >= 0 exactly where t >= 0.5 */
    float zr[3] = {2.0f, -1.0f, 0.0f}, tr[3] = {1.0f, 0.0f, 0.5f};
    ds_sigmoid_bce(1, 3, zr, 3, tr, 3, NULL, 3, 1.0f, &correct);
    cr_expect_eq(correct, 1);
}

ISA_TEST(vec_losses, mse_vs_double)
{
    const int m = 7, n = 13, ld = 16;
    float z[7 * 16], t[7 * 16], dz[7 * 16];
    for (int i = 0; i < m * ld; i++) {
        z[i] = (float)(4.0 * rng_unit() - 2.0);
        t[i] = (float)(4.0 * rng_unit() - 2.0);
    }
    double loss = ds_mse(m, n, z, ld, t, ld, dz, ld, 0.125f), ref = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double d = (double)z[i * ld + j] - t[i * ld + j];
            ref += d * d;
            cr_expect(fabs(dz[i * ld + j] - 0.25 * d) <= FLT_EPSILON * 0.25 * fabs(d),
                      "%s: mse dz", ds_isa_name());
        }
    /* float sums of ≤ 13 squares per row: 16·FLT_EPSILON relative */
    cr_expect(fabs(loss - ref) <= 16 * FLT_EPSILON * ref, "%s: mse %.12g vs %.12g",
              ds_isa_name(), loss, ref);
}

/* every loss: the same bits at 1 and 2 threads (m·n large enough to split) */
ISA_TEST(vec_losses, same_bits_at_1_and_2_threads)
{
    const int m = 20000, n = 10;
    float *z = malloc((size_t)m * n * sizeof *z), *t = malloc((size_t)m * n * sizeof *t);
    float *d1 = malloc((size_t)m * n * sizeof *d1), *d2 = malloc((size_t)m * n * sizeof *d2);
    int32_t *lab = malloc((size_t)m * sizeof *lab);
    for (int i = 0; i < m * n; i++) {
        z[i] = (float)(8.0 * rng_unit() - 4.0);
        t[i] = (float)rng_unit();
    }
    for (int i = 0; i < m; i++)
        lab[i] = (int32_t)(rng_next() % n);
    int saved = omp_get_max_threads();
    double l[2][3];
    int c[2][2];
    float *d[2] = {d1, d2};
    float *db[2] = {malloc((size_t)m * n * sizeof(float)), malloc((size_t)m * n * sizeof(float))};
    float *dm[2] = {malloc((size_t)m * n * sizeof(float)), malloc((size_t)m * n * sizeof(float))};
    for (int r = 0; r < 2; r++) {
        ds_split_policy_set(DS_SPLIT_ALWAYS); /* the threaded path, whatever the cost model says */
        omp_set_num_threads(r + 1);
        l[r][0] = ds_softmax_xent(m, n, z, n, lab, d[r], n, 0.01f, &c[r][0]);
        l[r][1] = ds_sigmoid_bce(m, n, z, n, t, n, db[r], n, 0.01f, &c[r][1]);
        l[r][2] = ds_mse(m, n, z, n, t, n, dm[r], n, 0.01f);
    }
    cr_expect(memcmp(l[0], l[1], sizeof l[0]) == 0, "%s: losses differ 1 vs 2 threads",
              ds_isa_name());
    cr_expect(memcmp(c[0], c[1], sizeof c[0]) == 0);
    cr_expect(memcmp(d1, d2, (size_t)m * n * sizeof *d1) == 0, "%s: softmax dz differs",
              ds_isa_name());
    cr_expect(memcmp(db[0], db[1], (size_t)m * n * sizeof(float)) == 0);
    cr_expect(memcmp(dm[0], dm[1], (size_t)m * n * sizeof(float)) == 0);
    free(db[0]), free(db[1]), free(dm[0]), free(dm[1]);
    omp_set_num_threads(saved);
    ds_split_policy_set(DS_SPLIT_MODEL);
    free(z), free(t), free(d1), free(d2), free(lab);
}
