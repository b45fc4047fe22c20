/* Running moments, Student's t, Wilson, Welch and the median (see stats.h). */
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

void ds_moments_add(ds_moments *s, double x)
{
    s->n += 1;
    double d = x - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (x - s->mean);
}

void ds_linfit_add(ds_linfit *f, double x, double y)
{
    f->n += 1;
    double dx = x - f->mx, dy = y - f->my;
    f->mx += dx / (double)f->n;
    f->my += dy / (double)f->n;
    f->sxx += dx * (x - f->mx);
    f->sxy += dx * (y - f->my);
    f->syy += dy * (y - f->my);
}

/* Squared error of y = a + b x over the data, from the co-moments. */
static double linfit_sse(const ds_linfit *f, double a, double b)
{
    double r = f->my - a - b * f->mx; /* the residual's mean */
    return f->syy - 2 * b * f->sxy + b * b * f->sxx + (double)f->n * r * r;
}

int ds_linfit_nonneg(const ds_linfit *f, double *a, double *b, double *b_hi)
{
    if (f->n < 1)
        return -1;
    /* x equal to within rounding: the slope is not determined */
    if (!(f->sxx > 1e-18 * f->mx * f->mx * (double)f->n)) {
        *a = f->my;
        *b = 0;
        *b_hi = f->mx > 0 ? fmax(0, f->my) / f->mx : 0;
        return 1;
    }
    *b = f->sxy / f->sxx;
    *a = f->my - *b * f->mx;
    if (*a < 0 || *b < 0) { /* the best line on the boundary a = 0 or b = 0 */
        double sxx0 = f->sxx + (double)f->n * f->mx * f->mx;
        double b0 = fmax(0, (f->sxy + (double)f->n * f->mx * f->my) / sxx0);
        double a1 = fmax(0, f->my);
        if (linfit_sse(f, 0, b0) <= linfit_sse(f, a1, 0)) {
            *a = 0;
            *b = b0;
        } else {
            *a = a1;
            *b = 0;
        }
    }
    *b_hi = *b;
    return 0;
}

double ds_moments_mean(const ds_moments *s) { return s->n > 0 ? s->mean : NAN; }

double ds_moments_std(const ds_moments *s)
{
    return s->n > 1 ? sqrt(fmax(0, s->m2 / (double)(s->n - 1))) : NAN;
}

double ds_moments_ci95(const ds_moments *s)
{
    return s->n > 1 ? ds_t_quantile(0.975, (double)(s->n - 1)) * ds_moments_std(s) / sqrt((double)s->n)
                    : NAN;
}

/* One step of the modified Lentz algorithm with partial numerator aa:
 * updates c and d and returns the factor that multiplies the fraction. */
static double lentz_step(double aa, double *c, double *d)
{
    const double tiny = 1e-300;
    *d = 1 + aa * *d;
    if (fabs(*d) < tiny)
        *d = tiny;
    *c = 1 + aa / *c;
    if (fabs(*c) < tiny)
        *c = tiny;
    *d = 1 / *d;
    return *d * *c;
}

/* The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified
 * Lentz), which converges fast for x < (a + 1) / (a + b + 2); its number
 * of terms grows as sqrt(max(a, b)). */
static double betacf(double a, double b, double x)
{
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m;
        h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), &c, &d);
        double del = lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &c, &d);
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    return h;
}

double ds_betai(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
        return NAN;
    if (x == 0 || x == 1)
        return x;
    double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2))
        return exp(lfront) * betacf(a, b, x) / a;
    return 1 - exp(lfront) * betacf(b, a, 1 - x) / b;
}

/* P(T > t) for t >= 0: I_{df/(df+t^2)}(df/2, 1/2) / 2. */
static double t_upper(double t, double df)
{
    if (isinf(df))
        return 0.5 * erfc(t / sqrt(2.0));
    if (isinf(t))
        return 0;
    return 0.5 * ds_betai(df / 2, 0.5, df / (df + t * t));
}

double ds_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t))
        return NAN;
    return t >= 0 ? 1 - t_upper(t, df) : t_upper(-t, df);
}

double ds_t_quantile(double p, double df)
{
    if (!(df > 0) || !(p > 0) || !(p < 1))
        return NAN;
    if (p == 0.5)
        return 0;
    if (p < 0.5)
        return -ds_t_quantile(1 - p, df);
    /* P(T > t) = q is decreasing in t: bracket it, then bisect to the last
     * bit of a double (the tail, not 1 - tail, keeps the digits of small q) */
    double q = 1 - p, lo = 0, hi = 1;
    while (t_upper(hi, df) > q) {
        lo = hi;
        hi *= 2;
        if (hi > 1e300)
            return INFINITY;
    }
    for (;;) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        if (t_upper(mid, df) > q)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

ds_interval ds_wilson95(long k, long n)
{
    if (n < 1 || k < 0 || k > n)
        return (ds_interval){NAN, NAN};
    const double z = 1.959963984540054; /* the normal's 0.975 quantile */
    double nn = (double)n, ph = (double)k / nn, z2n = z * z / nn;
    double centre = (ph + z2n / 2) / (1 + z2n);
    double half = z * sqrt(ph * (1 - ph) / nn + z2n / (4 * nn)) / (1 + z2n);
    ds_interval w = {fmax(0, centre - half), fmin(1, centre + half)};
    if (k == 0)
        w.lo = 0;
    if (k == n)
        w.hi = 1;
    return w;
}

ds_welch ds_welch_test(const ds_moments *a, const ds_moments *b)
{
    ds_welch w = {ds_moments_mean(a) - ds_moments_mean(b), NAN, NAN, NAN, NAN, NAN};
    if (a->n < 2 || b->n < 2)
        return w;
    double va = ds_moments_std(a), vb = ds_moments_std(b);
    va = va * va / (double)a->n;
    vb = vb * vb / (double)b->n;
    double se2 = va + vb;
    if (!(se2 > 0))
        return w;
    double se = sqrt(se2);
    w.t = w.diff / se;
    w.df = se2 * se2 / (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    w.p = 2 * t_upper(fabs(w.t), w.df);
    double h = ds_t_quantile(0.975, w.df) * se;
    w.lo = w.diff - h;
    w.hi = w.diff + h;
    return w;
}

const char *ds_welch_verdict(const ds_welch *w)
{
    if (isnan(w->p))
        return "cannot tell (fewer than 2 ok runs, or no spread)";
    return w->p < 0.05 ? "beyond seed noise" : "within seed noise";
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
