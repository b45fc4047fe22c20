/* Error messages: one family of helpers for every part of the harness.
 *
 * Engine and loader functions format their message into the caller's buffer
 * (ds_errf) and return an exit status; commands print it once, as
 * "deepsweep: <command>: <message>", and return that status (ds_err_print).
 * Exit statuses: 0 ok, 1 run-time failure, 2 bad input.
 *
 * A message is never cut silently: values echoed from the user go through
 * DS_ECHO(), which shortens a long one in the middle ("abcdefgh...wxyz") so
 * the reason after it stays whole; and if a message still does not fit the
 * caller's buffer, its last characters become "..." so the cut shows. */
#ifndef DS_ERR_H
#define DS_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* The size of a command's message buffer: a path of PATH_MAX (4096) bytes
 * and the reason after it fit whole. */
#define DS_ERR_LEN 8192

/* Longest echoed value DS_ECHO() keeps whole (characters). */
#define DS_ECHO_MAX 80

/* A copy of s shortened to at most DS_ECHO_MAX characters: its start, "...",
 * its end. The copy lives in a compound literal, i.e. until the end of the
 * enclosing block: use it directly as an argument of ds_errf/ds_err_print. */
#define DS_ECHO(s) ds_echo((s), (char[DS_ECHO_MAX + 1]){0}, DS_ECHO_MAX + 1)
const char *ds_echo(const char *s, char *buf, size_t len);
/* The same for the n characters at s (not NUL-terminated): always into buf. */
const char *ds_echo_n(const char *s, size_t n, char *buf, size_t len);

/* snprintf(err, errlen, fmt, ...) that marks a cut with "...", then returns
 * status (so `return ds_errf(err, errlen, 2, "...", ...);`). err may be NULL
 * when errlen is 0. */
int ds_errf(char *err, size_t errlen, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The same over a va_list, without a status: for formatters of their own
 * (ds_err_at puts a position before the message). */
void ds_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prints "deepsweep: <command>: <message>\n" (or "deepsweep: <message>\n"
 * when command is NULL) to stderr and returns status. */
int ds_err_print(const char *command, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
