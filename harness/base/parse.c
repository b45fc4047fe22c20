/* Strict decimal numbers and width lists: see parse.h for the rules. */
#include "parse.h"

#include "err.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name a range states: "--epochs" -> "epochs". */
static const char *bare(const char *field)
{
    while (*field == '-')
        field++;
    return field;
}

/* " (range)", or "" when the range is unbounded. */
static const char *paren(const char *range, char *buf, size_t len)
{
    if (!*range)
        return "";
    snprintf(buf, len, " (%s)", range);
    return buf;
}

void ds_range_text(const char *field, long long lo, long long hi, char *buf, size_t len)
{
    const char *name = bare(field);
    if (lo == LLONG_MIN && hi == LLONG_MAX)
        snprintf(buf, len, "%s", "");
    else if (hi == LLONG_MAX)
        snprintf(buf, len, "%s >= %lld", name, lo);
    else if (lo == LLONG_MIN)
        snprintf(buf, len, "%s <= %lld", name, hi);
    else
        snprintf(buf, len, "%lld <= %s <= %lld", lo, name, hi);
}

/* A bound as a reader writes it: whole numbers whole (1048576, not
 * 1.04858e+06), others %g. */
static const char *bound(double v, char *buf, size_t len)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
    return buf;
}

void ds_bounds_text(const char *field, ds_bounds b, char *buf, size_t len)
{
    const char *name = bare(field), *lop = b.lo_open ? "<" : "<=", *hip = b.hi_open ? "<" : "<=";
    int has_lo = isfinite(b.lo), has_hi = isfinite(b.hi);
    char l[32], h[32];
    if (!has_lo && !has_hi)
        snprintf(buf, len, "%s", "");
    else if (!has_hi)
        snprintf(buf, len, "%s %s %s", name, b.lo_open ? ">" : ">=", bound(b.lo, l, sizeof l));
    else if (!has_lo)
        snprintf(buf, len, "%s %s %s", name, hip, bound(b.hi, h, sizeof h));
    else
        snprintf(buf, len, "%s %s %s %s %s", bound(b.lo, l, sizeof l), lop, name, hip,
                 bound(b.hi, h, sizeof h));
}

/* What is wrong with an integer's text. */
enum { INT_OK, INT_SYNTAX, INT_LEADING_ZERO, INT_TOO_BIG };

/* Scans s[0..len-1] as [+-]digits with no leading zero; the magnitude goes
 * to *mag (INT_TOO_BIG beyond 2^64-1), the sign to *neg. */
static int scan_int(const char *s, size_t len, int *neg, unsigned long long *mag)
{
    size_t i = 0;
    *neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        *neg = s[i++] == '-';
    if (i == len)
        return INT_SYNTAX;
    for (size_t j = i; j < len; j++)
        if (s[j] < '0' || s[j] > '9')
            return INT_SYNTAX;
    if (s[i] == '0' && len - i > 1)
        return INT_LEADING_ZERO;
    unsigned long long v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return INT_TOO_BIG;
        v = v * 10 + d;
    }
    *mag = v;
    return INT_OK;
}

/* The verdict on s[0..len-1] as an integer in lo..hi (INT_TOO_BIG: out of
 * range, however far). */
static int check_int(const char *s, size_t len, long long lo, long long hi, long long *out)
{
    int neg;
    unsigned long long mag = 0;
    int why = scan_int(s, len, &neg, &mag);
    if (why != INT_OK)
        return why;
    if (mag > (neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX))
        return INT_TOO_BIG;
    long long v = neg ? (long long)(0 - mag) : (long long)mag;
    if (v < lo || v > hi)
        return INT_TOO_BIG;
    *out = v;
    return INT_OK;
}

/* The message for a bad integer (the value s[0..len-1]): syntax, leading
 * zero or out of range; `range` goes in parentheses unless empty. */
static int int_error(const char *field, const char *s, size_t len, int why, const char *range,
                     char *err, size_t errlen)
{
    char shown[DS_ECHO_MAX + 1], p[256];
    ds_echo_n(s, len, shown, sizeof shown);
    const char *pr = paren(range, p, sizeof p);
    if (why == INT_SYNTAX)
        return ds_errf(err, errlen, 2, "%s: '%s' is not an integer%s", field, shown, pr);
    if (why == INT_LEADING_ZERO)
        return ds_errf(err, errlen, 2, "%s: '%s' is not a decimal integer: it has a leading zero%s",
                       field, shown, pr);
    return ds_errf(err, errlen, 2, "%s: %s is out of range%s", field, shown, pr);
}

/* s as a long long in lo..hi (LLONG_MIN/LLONG_MAX: unbounded side). */
static int parse_ll(const char *field, const char *s, long long lo, long long hi, long long *out,
                    char *err, size_t errlen)
{
    int why = check_int(s, strlen(s), lo, hi, out);
    if (why == INT_OK)
        return 0;
    char range[128];
    ds_range_text(field, lo, hi, range, sizeof range);
    return int_error(field, s, strlen(s), why, range, err, errlen);
}

int ds_parse_long(const char *field, const char *s, long lo, long hi, long *out, char *err,
                  size_t errlen)
{
    long long v = 0;
    long long l = lo == LONG_MIN ? LLONG_MIN : lo, h = hi == LONG_MAX ? LLONG_MAX : hi;
    int r = parse_ll(field, s, l, h, &v, err, errlen);
    if (r)
        return r;
    if (v < lo || v > hi) /* only when an unbounded side was widened */
        return int_error(field, s, strlen(s), INT_TOO_BIG, "", err, errlen);
    *out = (long)v;
    return 0;
}

int ds_parse_int(const char *field, const char *s, int lo, int hi, int *out, char *err, size_t errlen)
{
    long long v = 0;
    long long l = lo == INT_MIN ? LLONG_MIN : lo, h = hi == INT_MAX ? LLONG_MAX : hi;
    int r = parse_ll(field, s, l, h, &v, err, errlen);
    if (r)
        return r;
    if (v < lo || v > hi)
        return int_error(field, s, strlen(s), INT_TOO_BIG, "", err, errlen);
    *out = (int)v;
    return 0;
}

int ds_parse_u64(const char *field, const char *s, uint64_t lo, uint64_t hi, uint64_t *out,
                 char *err, size_t errlen)
{
    int neg;
    unsigned long long mag = 0;
    int why = scan_int(s, strlen(s), &neg, &mag);
    if (why == INT_OK && ((neg && mag) || mag < lo || mag > hi))
        why = INT_TOO_BIG;
    if (why == INT_OK) {
        *out = mag;
        return 0;
    }
    char range[128];
    snprintf(range, sizeof range, "%llu <= %s <= %llu", (unsigned long long)lo, bare(field),
             (unsigned long long)hi);
    return int_error(field, s, strlen(s), why, range, err, errlen);
}

/* [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa digit. */
static int is_decimal_real(const char *s)
{
    const char *p = s;
    int digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    for (; *p >= '0' && *p <= '9'; p++)
        digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == 0;
}

static int in_bounds(double v, ds_bounds b)
{
    return (b.lo_open ? v > b.lo : v >= b.lo) && (b.hi_open ? v < b.hi : v <= b.hi);
}

/* The text as a finite double in b; as_float: also a finite, normal float
 * (or 0), rounded to float before the range check since the float is what
 * gets used. */
static int parse_real(const char *field, const char *s, ds_bounds b, int as_float, double *out,
                      char *err, size_t errlen)
{
    char range[160], p[170];
    ds_bounds_text(field, b, range, sizeof range);
    const char *pr = paren(range, p, sizeof p), *why = NULL;
    double v = 0;
    if (!is_decimal_real(s)) {
        why = "is not a number";
    } else {
        errno = 0;
        v = strtod(s, NULL); /* no harness code calls setlocale: '.' is the point */
        if (errno == ERANGE && fabs(v) > 1)
            why = "is not a finite number";
        else if (errno == ERANGE && fabs(v) < DBL_MIN)
            why = "is too close to 0 to be represented";
        else if (as_float && fabs(v) > FLT_MAX)
            why = "is too large for a float";
        else if (as_float && v != 0 && fabs(v) < FLT_MIN)
            why = "is too close to 0 for a float";
    }
    if (why)
        return ds_errf(err, errlen, 2, "%s: '%s' %s%s", field, DS_ECHO(s), why, pr);
    if (as_float)
        v = (float)v;
    if (!in_bounds(v, b))
        return ds_errf(err, errlen, 2, "%s: %s is out of range%s", field, DS_ECHO(s), pr);
    *out = v;
    return 0;
}

int ds_parse_double(const char *field, const char *s, ds_bounds b, double *out, char *err,
                    size_t errlen)
{
    return parse_real(field, s, b, 0, out, err, errlen);
}

int ds_parse_float(const char *field, const char *s, ds_bounds b, float *out, char *err,
                   size_t errlen)
{
    double v;
    int r = parse_real(field, s, b, 1, &v, err, errlen);
    if (!r)
        *out = (float)v;
    return r;
}

int ds_parse_bool(const char *field, const char *s, int *out, char *err, size_t errlen)
{
    static const char *const t[] = {"true", "yes", "on", "1", "True", "TRUE", "Yes", "On"};
    static const char *const f[] = {"false", "no", "off", "0", "False", "FALSE", "No", "Off"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (!strcmp(s, t[i]))
            return *out = 1, 0;
        if (!strcmp(s, f[i]))
            return *out = 0, 0;
    }
    return ds_errf(err, errlen, 2, "%s: '%s' is not true or false", field, DS_ECHO(s));
}

/* ---- width lists ---------------------------------------------------------- */

static const char *const WIDTH_FORMS =
    "a list like 256,256, [256,256] or 256-256; none for no hidden layer";
static const char *const INT_LIST_FORMS = "a list like 1,2,4 or [1,2,4]";

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* The list parser behind ds_parse_widths (widths: '-' may separate, and
 * "none"/"[]"/"" are the empty list) and ds_parse_int_list. */
static int parse_list(const char *field, const char *elem, const char *s, int lo, int hi, int max_n,
                      int widths, int *out, int *n, char *err, size_t errlen)
{
    const char *forms = widths ? WIDTH_FORMS : INT_LIST_FORMS;
    const char *body = s, *end = s + strlen(s);
    if (widths && (!strcmp(s, "none") || !*s)) {
        *n = 0;
        return 0;
    }
    if (*s == '[') {
        if (end[-1] != ']' || end - s < 2)
            return ds_errf(err, errlen, 2, "%s: '%s' opens '[' without closing it (%s)", field,
                           DS_ECHO(s), forms);
        body = s + 1;
        end--;
        while (body < end && is_blank(*body))
            body++;
        if (body == end && widths) { /* "[]", "[ ]" */
            *n = 0;
            return 0;
        }
    }
    char sep = !widths || memchr(body, ',', (size_t)(end - body)) ? ',' : '-';
    int count = 1;
    for (const char *c = body; c < end; c++)
        count += *c == sep;
    if (count > max_n)
        return ds_errf(err, errlen, 2, "%s: '%s' has %d %ss, more than the %d allowed", field,
                       DS_ECHO(s), count, elem, max_n);
    int got[count];
    const char *e = body;
    for (int k = 0; k < count; k++, e++) {
        const char *b = e;
        while (e < end && *e != sep)
            e++;
        const char *ib = b, *ie = e;
        while (ib < ie && is_blank(*ib))
            ib++;
        while (ie > ib && is_blank(ie[-1]))
            ie--;
        if (ib == ie)
            return ds_errf(err, errlen, 2, "%s: '%s': %s %d is empty (%s)", field, DS_ECHO(s), elem,
                           k + 1, forms);
        long long v;
        int why = check_int(ib, (size_t)(ie - ib), lo, hi, &v);
        if (why != INT_OK) {
            char range[256];
            int m = count > 1 ? snprintf(range, sizeof range, "%s %d of '%s'; ", elem, k + 1, DS_ECHO(s)) : 0;
            ds_range_text(elem, lo, hi, range + m, sizeof range - (size_t)m);
            return int_error(field, ib, (size_t)(ie - ib), why, range, err, errlen);
        }
        got[k] = (int)v;
    }
    memcpy(out, got, (size_t)count * sizeof *got);
    *n = count;
    return 0;
}

int ds_parse_widths(const char *field, const char *s, int lo, int hi, int max_n, int *out, int *n,
                    char *err, size_t errlen)
{
    return parse_list(field, "width", s, lo, hi, max_n, 1, out, n, err, errlen);
}

int ds_parse_int_list(const char *field, const char *elem, const char *s, int lo, int hi, int max_n,
                      int *out, int *n, char *err, size_t errlen)
{
    return parse_list(field, elem, s, lo, hi, max_n, 0, out, n, err, errlen);
}
