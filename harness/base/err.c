/* Error messages: see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ds_echo_n(const char *s, size_t n, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (n < len || len < 8) { /* fits (or no room to shorten): as is, cut at len */
        size_t k = n < len ? n : len - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
        return buf;
    }
    size_t keep = len - 1 - 3; /* characters of s kept around "..." */
    size_t head = keep - keep / 4, tail = keep - head;
    memcpy(buf, s, head);
    memcpy(buf + head, "...", 3);
    memcpy(buf + head + 3, s + n - tail, tail);
    buf[len - 1] = 0;
    return buf;
}

const char *ds_echo(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s);
    return n < len ? s : ds_echo_n(s, n, buf, len);
}

void ds_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (!err || !errlen)
        return;
    int n = vsnprintf(err, errlen, fmt, ap);
    if (n >= 0 && (size_t)n < errlen)
        return;
    size_t end = strlen(err), dots = errlen > 3 ? 3 : errlen - 1;
    memset(err + end - dots, '.', dots);
}

int ds_errf(char *err, size_t errlen, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ds_verrf(err, errlen, fmt, ap);
    va_end(ap);
    return status;
}

int ds_err_print(const char *command, int status, const char *fmt, ...)
{
    /* straight to stderr: a message of any length, whole */
    va_list ap;
    va_start(ap, fmt);
    if (command)
        fprintf(stderr, "deepsweep: %s: ", command);
    else
        fputs("deepsweep: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}
