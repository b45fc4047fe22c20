/* Running moments, the t critical value and the median (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

void ds_moments_add(ds_moments *s, double x)
{
    s->n += 1;
    double d = x - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (x - s->mean);
}

double ds_moments_mean(const ds_moments *s) { return s->n > 0 ? s->mean : NAN; }

double ds_moments_std(const ds_moments *s)
{
    return s->n > 1 ? sqrt(fmax(0, s->m2 / (double)(s->n - 1))) : NAN;
}

double ds_moments_ci95(const ds_moments *s)
{
    return s->n > 1 ? ds_t975(s->n - 1) * ds_moments_std(s) / sqrt((double)s->n) : NAN;
}

/* t(0.975, df) for df = 1..30 (tests/test_stats.c checks each against the
 * t distribution's CDF by numerical integration); above 30 the
 * Cornish-Fisher expansion around the normal quantile, whose error there is
 * below 1e-5. */
static const double t975_table[30] = {
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252,  2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830,
    2.160368656,  2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040,
    2.093024054,  2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553,  2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456};

double ds_t975(long df)
{
    if (df < 1)
        return NAN;
    if (df <= 30)
        return t975_table[df - 1];
    const double z = 1.959963984540054, z2 = z * z, n = (double)df;
    double g1 = (z2 + 1) * z / 4;
    double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
    double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
    return z + g1 / n + g2 / (n * n) + g3 / (n * n * n);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ds_median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
