/* The statistics of the harness, in one place: running moments (count, mean,
 * sample standard deviation, a 95% Student-t confidence interval of the
 * mean) for results pooled over seeds, Student's t distribution (CDF and
 * quantile at any real df, through the regularized incomplete beta
 * function), the Wilson score interval of a success fraction, Welch's
 * two-sample t-test, the median for timings, and a running least-squares
 * line y = a + b x with a, b >= 0 (the progress ETA's time = a + b cost).
 *
 * Undefined values are NaN, never 0: a standard deviation, an interval or a
 * test needs two samples per group, a mean one. Callers print NaN as a blank
 * or "-". */
#ifndef DS_STATS_H
#define DS_STATS_H

/* Welford's running mean and sum of squared deviations: one pass, no
 * cancellation (the textbook sum/sum-of-squares formula loses the digits of
 * accuracies like 0.9812 +- 0.0003). Zero-initialise, then add. */
typedef struct {
    long n;
    double mean, m2;
} ds_moments;

void ds_moments_add(ds_moments *s, double x);
double ds_moments_mean(const ds_moments *s); /* NaN when n == 0            */
double ds_moments_std(const ds_moments *s);  /* sample (n - 1); NaN if n < 2 */
/* Half-width of the 95% confidence interval of the mean,
 * t(0.975, n - 1) * std / sqrt(n); NaN when n < 2. */
double ds_moments_ci95(const ds_moments *s);

/* A running least-squares line y = a + b x (Welford's co-moments: one
 * pass, no cancellation when x is large, as a run's cost is). Zero-initialise,
 * then add. */
typedef struct {
    long n;
    double mx, my, sxx, sxy, syy;
} ds_linfit;

void ds_linfit_add(ds_linfit *f, double x, double y);
/* The least-squares a, b with a >= 0 and b >= 0 (for data with x, y >= 0:
 * the unconstrained fit, else the better of b = 0 (a = mean y) and a = 0
 * (b = sum xy / sum xx)). 0 when x varies; 1 when it does not (n >= 1):
 * the data then fix only the line's point at mean x, and *b is the smallest
 * slope (0) and *b_hi the largest (mean y / mean x) of the lines through it
 * with a, b >= 0 (a = mean y - b mean x); -1 when n == 0. When 0, *b_hi = *b. */
int ds_linfit_nonneg(const ds_linfit *f, double *a, double *b, double *b_hi);

/* The regularized incomplete beta function I_x(a, b) for a, b > 0 and
 * 0 <= x <= 1 (continued fraction, modified Lentz); NaN outside. */
double ds_betai(double a, double b, double x);
/* P(T <= t) for Student's t with df > 0 degrees of freedom (real: Welch's
 * df is fractional; df = INFINITY is the standard normal); NaN for df <= 0. */
double ds_t_cdf(double t, double df);
/* The p quantile of Student's t (t(0.975, df) is the two-sided 95%
 * critical value), 0 < p < 1, df > 0; NaN otherwise. */
double ds_t_quantile(double p, double df);

typedef struct {
    double lo, hi;
} ds_interval;

/* The 95% Wilson score interval of a success fraction k/n (no continuity
 * correction): inside [0, 1], not a point at k = 0 or k = n. NaN when
 * n < 1 or k outside 0..n. */
ds_interval ds_wilson95(long k, long n);

/* Welch's two-sample t-test of mean(a) - mean(b), unequal variances:
 * se = sqrt(var_a/n_a + var_b/n_b), t = diff / se, df by Welch-Satterthwaite,
 * p two-sided, [lo, hi] the 95% interval diff -+ t(0.975, df) se. diff is
 * NaN when a group is empty; everything else NaN when a group has fewer
 * than two samples or both have no spread (se = 0). */
typedef struct {
    double diff, lo, hi;
    double t, df, p;
} ds_welch;

ds_welch ds_welch_test(const ds_moments *a, const ds_moments *b);
/* The test's answer in the words every table uses: "beyond seed noise"
 * (p < 0.05, two-sided: the 95% interval excludes 0), "within seed noise",
 * or "cannot tell (...)" when p is NaN. */
const char *ds_welch_verdict(const ds_welch *w);

/* Median of v[0..n-1] (sorts v in place; the mean of the two middle values
 * when n is even); NaN when n == 0. */
double ds_median(double *v, int n);

#endif
