/* CSV rows built in memory and written whole; see csv.h. */
#include "csv.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ds_csvbuf_free(ds_csvbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

void ds_csvbuf_clear(ds_csvbuf *b)
{
    b->len = 0;
    b->fields = 0;
    if (b->s)
        b->s[0] = 0;
}

static int reserve(ds_csvbuf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void ds_csvw_raw(ds_csvbuf *b, const char *s, size_t n)
{
    if (reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sep(ds_csvbuf *b)
{
    if (b->fields++)
        ds_csvw_raw(b, ",", 1);
}

void ds_csvw_str(ds_csvbuf *b, const char *s)
{
    sep(b);
    size_t n = strlen(s);
    int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        ds_csvw_raw(b, s, n);
        return;
    }
    ds_csvw_raw(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            ds_csvw_raw(b, "\"", 1);
        ds_csvw_raw(b, s + i, 1);
    }
    ds_csvw_raw(b, "\"", 1);
}

void ds_csvw_int(ds_csvbuf *b, long long v)
{
    char t[32];
    int n = snprintf(t, sizeof t, "%lld", v);
    sep(b);
    ds_csvw_raw(b, t, (size_t)n);
}

/* newlocale/uselocale make the "C" numeric format thread-local for the
 * duration of one call, so a host program's setlocale(LC_ALL, "de_DE")
 * cannot turn 0.5 into 0,5 in a result file. */
int ds_fmt_g9(char *out, size_t n, double v)
{
    if (isnan(v))
        return snprintf(out, n, "nan");
    if (isinf(v))
        return snprintf(out, n, v > 0 ? "inf" : "-inf");
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    int r = snprintf(out, n, "%.9g", v);
    if (c_locale)
        uselocale(old);
    return r;
}

int ds_fmt_float(char *out, size_t n, float v)
{
    if (!isfinite(v))
        return ds_fmt_g9(out, n, v);
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    int r = 0;
    for (int p = 6; p <= 9; p++) {
        r = snprintf(out, n, "%.*g", p, (double)v);
        if ((float)strtod(out, NULL) == v)
            break;
    }
    if (c_locale)
        uselocale(old);
    return r;
}

void ds_csvw_flt(ds_csvbuf *b, float v)
{
    char t[48];
    int n = ds_fmt_float(t, sizeof t, v);
    sep(b);
    ds_csvw_raw(b, t, (size_t)n);
}

void ds_csvw_dbl(ds_csvbuf *b, double v)
{
    char t[48];
    int n = ds_fmt_g9(t, sizeof t, v);
    sep(b);
    ds_csvw_raw(b, t, (size_t)n);
}

void ds_csvw_metric(ds_csvbuf *b, double v)
{
    if (isfinite(v))
        ds_csvw_dbl(b, v);
    else
        ds_csvw_str(b, "");
}

void ds_csvw_end(ds_csvbuf *b)
{
    ds_csvw_raw(b, "\n", 1);
    b->fields = 0;
}

int ds_read_file(const char *path, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 1 : -1;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    if (!s) {
        fclose(f);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                fclose(f);
                errno = ENOMEM;
                return -1;
            }
            s = t;
            cap *= 2;
        }
        size_t got = fread(s + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(s);
        errno = EIO;
        return -1;
    }
    s[n] = 0;
    *buf = s;
    *len = n;
    return 0;
}

int ds_write_all_sync(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return fsync(fd);
}

int ds_write_file_atomic(const char *path, const char *data, size_t len)
{
    ds_atomic a;
    if (ds_atomic_begin(&a, path) != 0 || ds_atomic_write(&a, data, len) != 0)
        return -1;
    return ds_atomic_commit(&a);
}
