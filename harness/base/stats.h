/* The statistics of the harness, in one place: running moments (count, mean,
 * sample standard deviation, a 95% Student-t confidence interval of the
 * mean) for results pooled over seeds, and the median for timings.
 *
 * Undefined values are NaN, never 0: a standard deviation or an interval
 * needs two samples, a mean one. Callers print NaN as a blank or "-". */
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

/* The 0.975 quantile of Student's t with df >= 1 degrees of freedom (the
 * two-sided 95% critical value); NaN for df < 1. */
double ds_t975(long df);

/* Median of v[0..n-1] (sorts v in place; the mean of the two middle values
 * when n is even); NaN when n == 0. */
double ds_median(double *v, int n);

#endif
