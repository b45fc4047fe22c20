/* harness/base/stats: running moments, the 95% t interval, the median. */
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

Test(stats, ci95_is_t_times_standard_error)
{
    const double x[] = {1, 2, 3};
    ds_moments s = of(x, 3);
    cr_assert_float_eq(ds_moments_ci95(&s), 4.302652730 / sqrt(3.0), 1e-9);
    /* two samples: t(0.975, 1) = 12.71, the interval is wide */
    ds_moments two = of(x, 2);
    cr_assert_float_eq(ds_moments_ci95(&two), 12.706204736 * sqrt(0.5) / sqrt(2.0), 1e-9);
}

/* P(T <= t) for Student's t with df degrees of freedom: 1/2 plus Simpson's
 * rule over the density on [0, t] (smooth: 20000 panels are plenty). */
static double t_cdf(double t, long df)
{
    double nu = (double)df;
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

/* The critical value is the 0.975 quantile: checked against the CDF for the
 * table (df 1..30) and the expansion beyond it. */
Test(stats, t975_is_the_quantile)
{
    for (long df = 1; df <= 30; df++)
        cr_assert_float_eq(t_cdf(ds_t975(df), df), 0.975, 1e-8, "df %ld", df);
    const long big[] = {31, 40, 60, 120, 1000, 100000};
    for (int i = 0; i < 6; i++)
        cr_assert_float_eq(t_cdf(ds_t975(big[i]), big[i]), 0.975, 1e-6, "df %ld", big[i]);
    cr_assert(isnan(ds_t975(0)));
}

Test(stats, median)
{
    double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2};
    cr_assert_eq(ds_median(odd, 3), 3.0);
    cr_assert_eq(ds_median(even, 4), 2.5);
    cr_assert(isnan(ds_median(odd, 0)));
}
