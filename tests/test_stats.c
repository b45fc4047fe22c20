/* harness/base/stats: running moments, Student t (CDF, quantile, the 95%
 * interval), Wilson intervals, Welch's t-test, the median. */
#include <criterion/criterion.h>
#include <math.h>

#include "stats.h"

static ds_moments of(const double *x, int n)
{
    ds_moments s = {0};
    for (int i = 0; i < n; i++)
        ds_moments_add(&s, x[i]);
    return s;
}

Test(stats, mean_and_sample_std)
{
    const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    ds_moments s = of(x, 8);
    cr_assert_eq(s.n, 8);
    cr_assert_float_eq(ds_moments_mean(&s), 5.0, 1e-15);
    cr_assert_float_eq(ds_moments_std(&s), sqrt(32.0 / 7.0), 1e-15);
}

/* Fewer than two samples: no spread, no interval (NaN, printed blank), and
 * no mean without a sample. */
Test(stats, undefined_below_two_samples)
{
    ds_moments s = {0};
    cr_assert(isnan(ds_moments_mean(&s)));
    cr_assert(isnan(ds_moments_std(&s)));
    cr_assert(isnan(ds_moments_ci95(&s)));
    ds_moments_add(&s, 0.98);
    cr_assert_eq(ds_moments_mean(&s), 0.98);
    cr_assert(isnan(ds_moments_std(&s)));
    cr_assert(isnan(ds_moments_ci95(&s)));
}

/* Values far from 0 with a small spread: the sum-of-squares formula loses
 * every digit here (1e18 + 30 in double), Welford keeps them. */
Test(stats, no_cancellation)
{
    const double x[] = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    ds_moments s = of(x, 4);
    cr_assert_float_eq(ds_moments_mean(&s), 1e9 + 10, 1e-6);
    cr_assert_float_eq(ds_moments_std(&s), sqrt(30.0), 1e-9);
}

/* P(T <= t) for Student's t with df degrees of freedom: 1/2 plus Simpson's
 * rule over the density on [0, t] (smooth: 20000 panels are plenty). An
 * oracle independent of stats.c's incomplete beta function. */
static double t_cdf_simpson(double t, double nu)
{
    double c = exp(lgamma((nu + 1) / 2) - lgamma(nu / 2)) / sqrt(nu * M_PI);
    int panels = 20000;
    double h = t / panels, sum = 0;
    for (int i = 0; i <= panels; i++) {
        double x = i * h;
        double f = c * pow(1 + x * x / nu, -(nu + 1) / 2);
        sum += f * (i == 0 || i == panels ? 1 : i % 2 ? 4 : 2);
    }
    return 0.5 + sum * h / 3;
}

/* Quantiles of Student's t against published table values (R's qt, 10+
 * digits): two-sided 90/95/99/99.9% critical values, small and large df. */
Test(stats, t_quantile_table_values)
{
    const struct { double p, df, t; } tab[] = {
        {0.975, 1, 12.7062047361747},  {0.975, 2, 4.30265272974946},
        {0.975, 3, 3.18244630528371},  {0.975, 5, 2.57058183563631},
        {0.975, 10, 2.22813885198627}, {0.975, 30, 2.04227245630124},
        {0.975, 120, 1.97993040508242}, {0.995, 5, 4.03214298355523},
        {0.95, 20, 1.72471824292079},  {0.99, 2, 6.96455673428326},
        {0.9995, 1, 636.619248768334}, {0.5, 7, 0.0},
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++) {
        double t = ds_t_quantile(tab[i].p, tab[i].df);
        cr_assert(fabs(t - tab[i].t) <= 1e-9 * fmax(1, tab[i].t), "p %g df %g: %.12g, table %.12g",
                  tab[i].p, tab[i].df, t, tab[i].t);
        /* and symmetric: the lower quantile is the negated upper one */
        cr_assert_float_eq(ds_t_quantile(1 - tab[i].p, tab[i].df), -tab[i].t, 1e-9 * fmax(1, tab[i].t));
    }
}

/* The CDF behind the quantile, at real (Welch: fractional) df, against the
 * density integrated numerically; and the quantile inverts it. */
Test(stats, t_cdf_matches_the_density)
{
    const double dfs[] = {1, 2.5, 4, 17.776, 60, 1000};
    const double ts[] = {-3, -0.4, 0.3, 1.96, 4.5};
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 5; j++) {
            double ref = ts[j] >= 0 ? t_cdf_simpson(ts[j], dfs[i]) : 1 - t_cdf_simpson(-ts[j], dfs[i]);
            cr_assert_float_eq(ds_t_cdf(ts[j], dfs[i]), ref, 1e-9, "t %g df %g", ts[j], dfs[i]);
        }
    for (int i = 0; i < 6; i++)
        cr_assert_float_eq(ds_t_cdf(ds_t_quantile(0.975, dfs[i]), dfs[i]), 0.975, 1e-12);
    /* an infinite df is the normal distribution */
    cr_assert_float_eq(ds_t_quantile(0.975, INFINITY), 1.959963984540054, 1e-12);
    cr_assert_float_eq(ds_t_quantile(0.975, 1e7), 1.959963984540054, 1e-6);
    cr_assert(isnan(ds_t_quantile(0.975, 0)));
    cr_assert(isnan(ds_t_quantile(0, 5)));
    cr_assert(isnan(ds_t_quantile(1, 5)));
    cr_assert(isnan(ds_t_cdf(1, -1)));
}

/* The regularized incomplete beta function at closed forms: I_x(1, 1) = x,
 * I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, I_1/2(a, a) = 1/2. */
Test(stats, incomplete_beta_closed_forms)
{
    cr_assert_float_eq(ds_betai(1, 1, 0.3), 0.3, 1e-14);
    cr_assert_float_eq(ds_betai(3, 1, 0.7), 0.343, 1e-14);
    cr_assert_float_eq(ds_betai(1, 4, 0.2), 1 - pow(0.8, 4), 1e-14);
    cr_assert_float_eq(ds_betai(7.5, 7.5, 0.5), 0.5, 1e-14);
    cr_assert_eq(ds_betai(2, 3, 0), 0.0);
    cr_assert_eq(ds_betai(2, 3, 1), 1.0);
    cr_assert(isnan(ds_betai(2, 3, 1.5)));
    cr_assert(isnan(ds_betai(0, 3, 0.5)));
}

/* The 95% interval of the mean uses t(0.975, n - 1). */
Test(stats, ci95_uses_the_t_quantile)
{
    const double x[] = {1, 2, 3};
    ds_moments s = of(x, 3);
    cr_assert_float_eq(ds_moments_ci95(&s), 4.30265272974946 / sqrt(3.0), 1e-9);
}

/* Wilson score intervals against Newcombe (1998), "Two-sided confidence
 * intervals for the single proportion", Stat. Med. 17:857, table II, method
 * 3 (score, no continuity correction), 4 decimals. */
Test(stats, wilson_newcombe_table)
{
    const struct { long k, n; double lo, hi; } tab[] = {
        {81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605},
        {0, 20, 0.0000, 0.1611},   {1, 29, 0.0061, 0.1718},
    };
    for (int i = 0; i < 4; i++) {
        ds_interval w = ds_wilson95(tab[i].k, tab[i].n);
        cr_assert(fabs(w.lo - tab[i].lo) < 5e-5 && fabs(w.hi - tab[i].hi) < 5e-5,
                  "%ld/%ld: [%.5f, %.5f], table [%.4f, %.4f]", tab[i].k, tab[i].n, w.lo, w.hi,
                  tab[i].lo, tab[i].hi);
    }
    /* all solved: the interval ends at 1 and does not collapse to a point */
    ds_interval all = ds_wilson95(50, 50);
    cr_assert_eq(all.hi, 1.0);
    cr_assert(all.lo > 0.9 && all.lo < 0.95);
    ds_interval none = ds_wilson95(0, 0);
    cr_assert(isnan(none.lo) && isnan(none.hi));
    cr_assert(isnan(ds_wilson95(3, 2).lo));
}

/* Welch's t-test against R's t.test(extra ~ group, data = sleep):
 * t = -1.8608, df = 17.776, p-value = 0.07939,
 * 95 percent confidence interval: -3.3654832 0.2054832. */
Test(stats, welch_sleep_data)
{
    const double g1[] = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
    const double g2[] = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};
    ds_moments a = of(g1, 10), b = of(g2, 10);
    ds_welch w = ds_welch_test(&a, &b);
    cr_assert_float_eq(w.diff, -1.58, 1e-12);
    cr_assert_float_eq(w.t, -1.8608, 5e-5);
    cr_assert_float_eq(w.df, 17.776, 5e-4);
    cr_assert_float_eq(w.p, 0.07939, 5e-6);
    cr_assert_float_eq(w.lo, -3.3654832, 5e-7);
    cr_assert_float_eq(w.hi, 0.2054832, 5e-7);
    /* swapped groups: the same test, the difference negated */
    ds_welch s = ds_welch_test(&b, &a);
    cr_assert_float_eq(s.diff, 1.58, 1e-12);
    cr_assert_float_eq(s.p, w.p, 1e-15);
    cr_assert_float_eq(s.lo, -w.hi, 1e-12);
}

/* The words every table uses for a Welch comparison, at the 5% level of
 * the two-sided test (the 95% interval excludes 0 exactly when p < 0.05). */
Test(stats, welch_verdict_words)
{
    ds_welch beyond = {.diff = 1, .lo = 0.2, .hi = 1.8, .t = 3, .df = 4, .p = 0.04};
    ds_welch within = {.diff = 1, .lo = -0.2, .hi = 2.2, .t = 1, .df = 4, .p = 0.37};
    ds_welch unknown = {.diff = 1, .lo = NAN, .hi = NAN, .t = NAN, .df = NAN, .p = NAN};
    cr_assert_str_eq(ds_welch_verdict(&beyond), "beyond seed noise");
    cr_assert_str_eq(ds_welch_verdict(&within), "within seed noise");
    cr_assert_str_eq(ds_welch_verdict(&unknown), "cannot tell (fewer than 2 ok runs, or no spread)");
}

/* Unequal sizes and spreads, against a hand computation: means 10 and 8,
 * variances 4 (n 5) and 1 (n 3): se^2 = 4/5 + 1/3 = 17/15,
 * df = (17/15)^2 / ((4/5)^2/4 + (1/3)^2/2) = 4.9185..., t = 2 / sqrt(17/15). */
Test(stats, welch_unequal_sizes)
{
    const double a5[] = {8, 9, 10, 11, 12}; /* var 2.5: scale to 4 below */
    const double b3[] = {7, 8, 9};           /* var 1 */
    double s = sqrt(4 / 2.5), x[5];
    for (int i = 0; i < 5; i++)
        x[i] = 10 + (a5[i] - 10) * s;
    ds_moments a = of(x, 5), b = of(b3, 3);
    ds_welch w = ds_welch_test(&a, &b);
    double se2 = 4.0 / 5 + 1.0 / 3;
    double df = se2 * se2 / ((4.0 / 5) * (4.0 / 5) / 4 + (1.0 / 3) * (1.0 / 3) / 2);
    cr_assert_float_eq(w.t, 2 / sqrt(se2), 1e-12);
    cr_assert_float_eq(w.df, df, 1e-12);
    cr_assert_float_eq(w.p, 2 * (1 - ds_t_cdf(w.t, df)), 1e-12);
    cr_assert_float_eq(w.hi - w.diff, ds_t_quantile(0.975, df) * sqrt(se2), 1e-12);
}

/* One seed in a group: no spread, so no interval and no p-value (NaN), but
 * the difference of the means is still known. No spread at all (every seed
 * equal in both groups): no test either. */
Test(stats, welch_undefined_without_spread)
{
    const double one[] = {0.9}, three[] = {0.8, 0.82, 0.81}, same[] = {0.5, 0.5};
    ds_moments a = of(one, 1), b = of(three, 3), c = of(same, 2);
    ds_welch w = ds_welch_test(&a, &b);
    cr_assert_float_eq(w.diff, 0.09, 1e-12);
    cr_assert(isnan(w.p) && isnan(w.lo) && isnan(w.hi) && isnan(w.df) && isnan(w.t));
    ds_welch z = ds_welch_test(&c, &c);
    cr_assert_eq(z.diff, 0.0);
    cr_assert(isnan(z.p) && isnan(z.lo));
}

Test(stats, median)
{
    double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2};
    cr_assert_eq(ds_median(odd, 3), 3.0);
    cr_assert_eq(ds_median(even, 4), 2.5);
    cr_assert(isnan(ds_median(odd, 0)));
}

static int linfit_of(const double *x, const double *y, int n, double *a, double *b, double *b_hi)
{
    ds_linfit f = {0};
    for (int i = 0; i < n; i++)
        ds_linfit_add(&f, x[i], y[i]);
    return ds_linfit_nonneg(&f, a, b, b_hi);
}

/* time = a + b cost: the fit of a line, exact on points of a line, even at
 * a run's cost (~10^12) where the sum-of-squares formula cancels. */
Test(stats, linfit_recovers_a_line)
{
    const double x[] = {1e12, 1e12, 3e12, 2e12}, y[] = {1.5, 1.5, 2.5, 2};
    double a, b, bh;
    cr_assert_eq(linfit_of(x, y, 4, &a, &b, &bh), 0);
    cr_assert_float_eq(a, 1.0, 1e-9);
    cr_assert_float_eq(b, 0.5e-12, 1e-21);
    cr_assert_eq(bh, b);
}

/* a, b >= 0: a negative slope becomes the mean (b = 0); a negative
 * intercept the line through the origin, sum xy / sum xx. */
Test(stats, linfit_keeps_a_and_b_nonnegative)
{
    const double x1[] = {1, 2}, y1[] = {2, 1};
    double a, b, bh;
    cr_assert_eq(linfit_of(x1, y1, 2, &a, &b, &bh), 0);
    cr_assert_float_eq(a, 1.5, 1e-12);
    cr_assert_eq(b, 0);
    const double x2[] = {1, 2}, y2[] = {1, 3};
    cr_assert_eq(linfit_of(x2, y2, 2, &a, &b, &bh), 0);
    cr_assert_eq(a, 0);
    cr_assert_float_eq(b, 7.0 / 5.0, 1e-12);
}

/* One x: only the point (mean x, mean y) is known; the slopes of the lines
 * through it with a, b >= 0 run from 0 to mean y / mean x. */
Test(stats, linfit_of_one_x_gives_the_range_of_slopes)
{
    const double x[] = {4, 4, 4}, y[] = {1, 2, 3};
    double a, b, bh;
    cr_assert_eq(linfit_of(x, y, 3, &a, &b, &bh), 1);
    cr_assert_float_eq(a, 2.0, 1e-12);
    cr_assert_eq(b, 0);
    cr_assert_float_eq(bh, 0.5, 1e-12);
    ds_linfit none = {0};
    cr_assert_eq(ds_linfit_nonneg(&none, &a, &b, &bh), -1);
}
