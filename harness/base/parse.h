/* The one strict number parser of the harness, and the one width-list parser.
 *
 * Every number a user types (command-line option, config value, override)
 * goes through here, so `--epochs 4x`, `epochs: 0x10` and `epochs=1e999` are
 * refused the same way everywhere. The rules:
 *   - decimal only: an optional sign, digits, and for reals an optional
 *     fraction and exponent ("1", "-3", "2.5", ".5", "1e-3"); no hex ("0x10",
 *     "0x1p3"), no leading zeros in integers ("010": octal in C and YAML 1.1),
 *     no "inf"/"nan", no spaces, no trailing characters ("4x");
 *   - the whole token is consumed and the value is finite;
 *   - the value lies in a range the caller states.
 * Each function returns 0 and stores the value, or formats a message naming
 * the field, the value and the allowed range into err and returns 2 (bad
 * input), e.g. "--epochs: 'abc' is not an integer (1 <= epochs <= 100000)".
 * `field` is what the user typed ("--epochs" or "epochs"); the range names it
 * without the leading dashes. *out is untouched on error. */
#ifndef DS_PARSE_H
#define DS_PARSE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Integers: inclusive range lo..hi. */
int ds_parse_int(const char *field, const char *s, int lo, int hi, int *out, char *err, size_t errlen);
int ds_parse_long(const char *field, const char *s, long lo, long hi, long *out, char *err,
                  size_t errlen);
/* Seeds: no sign at all. */
int ds_parse_u64(const char *field, const char *s, uint64_t lo, uint64_t hi, uint64_t *out,
                 char *err, size_t errlen);

/* Real ranges: each bound is inclusive or open, or absent (+-INFINITY). */
typedef struct {
    double lo, hi;
    unsigned char lo_open, hi_open;
} ds_bounds;
#define DS_ANY_REAL ((ds_bounds){-INFINITY, INFINITY, 0, 0})
#define DS_AT_LEAST(a) ((ds_bounds){(a), INFINITY, 0, 0})       /* x >= a      */
#define DS_ABOVE(a) ((ds_bounds){(a), INFINITY, 1, 0})          /* x > a       */
#define DS_CLOSED(a, b) ((ds_bounds){(a), (b), 0, 0})           /* a <= x <= b */
#define DS_HALF_OPEN(a, b) ((ds_bounds){(a), (b), 0, 1})        /* a <= x < b  */
#define DS_OPEN_CLOSED(a, b) ((ds_bounds){(a), (b), 1, 0})      /* a < x <= b  */

int ds_parse_double(const char *field, const char *s, ds_bounds b, double *out, char *err,
                    size_t errlen);
/* As double, then also within float's finite, normal range (or exactly 0):
 * "1e39" and "1e-50" are refused rather than becoming inf or 0. */
int ds_parse_float(const char *field, const char *s, ds_bounds b, float *out, char *err,
                   size_t errlen);

/* true/yes/on/1 and false/no/off/0 (also capitalised, as YAML 1.1 writes). */
int ds_parse_bool(const char *field, const char *s, int *out, char *err, size_t errlen);

/* The range as the messages state it: "1 <= epochs <= 100000", "lr > 0",
 * "0 <= dropout < 1" (name: field without leading dashes). */
void ds_range_text(const char *field, long long lo, long long hi, char *buf, size_t len);
void ds_bounds_text(const char *field, ds_bounds b, char *buf, size_t len);

/* Hidden-layer widths, in every form the commands accept:
 *   "256,256"   (train --hidden; a YAML flow list's text)
 *   "[256,256]" (Hydra's list form; spaces after commas allowed)
 *   "256-256"   (run overrides, where ',' separates sweep values)
 *   "none", "[]" or ""  no hidden layer.
 * Each element is a decimal integer in lo..hi (the limits are the caller's:
 * see the config's limit table); at most max_n elements. Stores them in
 * out[0..*n-1]. Errors name the bad element: "--hidden: '4--4': width 2 is
 * empty (...)", "--hidden: '4x' is not an integer (width 2 of '8,4x';
 * 1 <= width <= 1048576)". */
int ds_parse_widths(const char *field, const char *s, int lo, int hi, int max_n, int *out, int *n,
                    char *err, size_t errlen);

/* A list of 1..max_n integers in lo..hi: "1,2,4" or "[1, 2, 4]" (bench
 * --threads, --square); `elem` names one in messages ("threads": "--threads:
 * '0' ... (threads 1 of '0,2'; 1 <= threads <= 8)"). */
int ds_parse_int_list(const char *field, const char *elem, const char *s, int lo, int hi, int max_n,
                      int *out, int *n, char *err, size_t errlen);

#endif
