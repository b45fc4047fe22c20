/* The strict number parser and the width-list parser (harness/base/parse.h),
 * and the error helpers' never-silent cuts (harness/base/err.h). */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "parse.h"

static char err[512];

/* An int parse that must fail with exactly this message, leaving *out alone. */
static void int_refused(const char *s, int lo, int hi, const char *msg)
{
    int v = 12345;
    err[0] = 0;
    cr_assert_eq(ds_parse_int("--epochs", s, lo, hi, &v, err, sizeof err), 2, "'%s' accepted", s);
    cr_assert_eq(v, 12345, "'%s': target written on error", s);
    cr_assert_str_eq(err, msg);
}

static int int_ok(const char *s, int lo, int hi)
{
    int v = -7;
    cr_assert_eq(ds_parse_int("--epochs", s, lo, hi, &v, err, sizeof err), 0, "'%s': %s", s, err);
    return v;
}

Test(parse, int_decimal_only)
{
    cr_assert_eq(int_ok("1", 1, 100000), 1);
    cr_assert_eq(int_ok("100000", 1, 100000), 100000);
    cr_assert_eq(int_ok("-3", -5, 5), -3);
    cr_assert_eq(int_ok("+3", -5, 5), 3);
    cr_assert_eq(int_ok("0", 0, 5), 0);
    cr_assert_eq(int_ok("-2147483648", INT_MIN, INT_MAX), INT_MIN);
    int_refused("abc", 1, 100000, "--epochs: 'abc' is not an integer (1 <= epochs <= 100000)");
    int_refused("0x10", 1, 100000, "--epochs: '0x10' is not an integer (1 <= epochs <= 100000)");
    int_refused("4x", 1, 100000, "--epochs: '4x' is not an integer (1 <= epochs <= 100000)");
    int_refused("1,,2", 1, 100000, "--epochs: '1,,2' is not an integer (1 <= epochs <= 100000)");
    int_refused("1.0", 1, 100000, "--epochs: '1.0' is not an integer (1 <= epochs <= 100000)");
    int_refused("1e3", 1, 100000, "--epochs: '1e3' is not an integer (1 <= epochs <= 100000)");
    int_refused("", 1, 100000, "--epochs: '' is not an integer (1 <= epochs <= 100000)");
    int_refused(" 5", 1, 100000, "--epochs: ' 5' is not an integer (1 <= epochs <= 100000)");
    int_refused("5 ", 1, 100000, "--epochs: '5 ' is not an integer (1 <= epochs <= 100000)");
    int_refused("-", 1, 100000, "--epochs: '-' is not an integer (1 <= epochs <= 100000)");
    int_refused("010", 1, 100000,
                "--epochs: '010' is not a decimal integer: it has a leading zero (1 <= epochs <= 100000)");
}

Test(parse, int_ranges)
{
    int_refused("0", 1, 100000, "--epochs: 0 is out of range (1 <= epochs <= 100000)");
    int_refused("100001", 1, 100000, "--epochs: 100001 is out of range (1 <= epochs <= 100000)");
    int_refused("99999999999999999999999", 1, 100000,
                "--epochs: 99999999999999999999999 is out of range (1 <= epochs <= 100000)");
    int_refused("0", 1, INT_MAX, "--epochs: 0 is out of range (epochs >= 1)");
    int_refused("9", INT_MIN, 8, "--epochs: 9 is out of range (epochs <= 8)");
    int_refused("2147483648", INT_MIN, INT_MAX, "--epochs: 2147483648 is out of range");
    int_refused("x", INT_MIN, INT_MAX, "--epochs: 'x' is not an integer");
}

Test(parse, long_and_config_field_names)
{
    long v = 0;
    cr_assert_eq(ds_parse_long("run_cap", "9000000000", 1, LONG_MAX, &v, err, sizeof err), 0);
    cr_assert_eq(v, 9000000000L);
    cr_assert_eq(ds_parse_long("run_cap", "0", 1, LONG_MAX, &v, err, sizeof err), 2);
    cr_assert_str_eq(err, "run_cap: 0 is out of range (run_cap >= 1)");
    cr_assert_eq(ds_parse_long("run_cap", "-9223372036854775808", LONG_MIN, LONG_MAX, &v, err,
                               sizeof err), 0);
    cr_assert_eq(v, LONG_MIN);
}

Test(parse, u64_seeds)
{
    uint64_t v = 7;
    cr_assert_eq(ds_parse_u64("--seed", "18446744073709551615", 0, UINT64_MAX, &v, err, sizeof err), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(ds_parse_u64("--seed", "0", 0, UINT64_MAX, &v, err, sizeof err), 0);
    cr_assert_eq(v, 0);
    v = 7;
    cr_assert_eq(ds_parse_u64("--seed", "18446744073709551616", 0, UINT64_MAX, &v, err, sizeof err), 2);
    cr_assert_str_eq(err, "--seed: 18446744073709551616 is out of range (0 <= seed <= 18446744073709551615)");
    cr_assert_eq(ds_parse_u64("--seed", "-1", 0, UINT64_MAX, &v, err, sizeof err), 2);
    cr_assert_str_eq(err, "--seed: -1 is out of range (0 <= seed <= 18446744073709551615)");
    cr_assert_eq(ds_parse_u64("--seed", "0x10", 0, UINT64_MAX, &v, err, sizeof err), 2);
    cr_assert_str_eq(err, "--seed: '0x10' is not an integer (0 <= seed <= 18446744073709551615)");
    cr_assert_eq(v, 7);
}

static void real_refused(const char *s, ds_bounds b, const char *msg)
{
    double d = 42;
    float f = 42;
    cr_assert_eq(ds_parse_double("--lr", s, b, &d, err, sizeof err), 2, "double '%s' accepted", s);
    cr_assert_eq(d, 42);
    cr_assert_str_eq(err, msg);
    cr_assert_eq(ds_parse_float("--lr", s, b, &f, err, sizeof err), 2, "float '%s' accepted", s);
    cr_assert_eq(f, 42);
}

Test(parse, reals_decimal_and_finite)
{
    double d;
    float f;
    const char *ok[] = {"1", "0.5", ".5", "5.", "-2.5e-3", "1E3", "+7", "0010.5"};
    const double want[] = {1, 0.5, 0.5, 5, -2.5e-3, 1e3, 7, 10.5};
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(ds_parse_double("--lr", ok[i], DS_ANY_REAL, &d, err, sizeof err), 0, "%s: %s", ok[i], err);
        cr_assert_eq(d, want[i], "%s", ok[i]);
        cr_assert_eq(ds_parse_float("--lr", ok[i], DS_ANY_REAL, &f, err, sizeof err), 0, "%s: %s", ok[i], err);
        cr_assert_eq(f, (float)want[i], "%s", ok[i]);
    }
    real_refused("nan", DS_ABOVE(0), "--lr: 'nan' is not a number (lr > 0)");
    real_refused("inf", DS_ABOVE(0), "--lr: 'inf' is not a number (lr > 0)");
    real_refused("-infinity", DS_ANY_REAL, "--lr: '-infinity' is not a number");
    real_refused("0x1p3", DS_ABOVE(0), "--lr: '0x1p3' is not a number (lr > 0)");
    real_refused("0x10", DS_ABOVE(0), "--lr: '0x10' is not a number (lr > 0)");
    real_refused("4x", DS_ABOVE(0), "--lr: '4x' is not a number (lr > 0)");
    real_refused("1,,2", DS_ABOVE(0), "--lr: '1,,2' is not a number (lr > 0)");
    real_refused("1e", DS_ABOVE(0), "--lr: '1e' is not a number (lr > 0)");
    real_refused(".", DS_ABOVE(0), "--lr: '.' is not a number (lr > 0)");
    real_refused("", DS_ABOVE(0), "--lr: '' is not a number (lr > 0)");
    real_refused(" 1", DS_ABOVE(0), "--lr: ' 1' is not a number (lr > 0)");
    real_refused("1e999", DS_ABOVE(0), "--lr: '1e999' is not a finite number (lr > 0)");
    real_refused("-1e999", DS_ANY_REAL, "--lr: '-1e999' is not a finite number");
    real_refused("1e-999", DS_ABOVE(0), "--lr: '1e-999' is too close to 0 to be represented (lr > 0)");
}

Test(parse, real_ranges)
{
    double d;
    float f;
    cr_assert_eq(ds_parse_double("dropout", "0", DS_HALF_OPEN(0, 1), &d, err, sizeof err), 0);
    cr_assert_eq(ds_parse_double("dropout", "1", DS_HALF_OPEN(0, 1), &d, err, sizeof err), 2);
    cr_assert_str_eq(err, "dropout: 1 is out of range (0 <= dropout < 1)");
    cr_assert_eq(ds_parse_double("--lr", "0", DS_ABOVE(0), &d, err, sizeof err), 2);
    cr_assert_str_eq(err, "--lr: 0 is out of range (lr > 0)");
    cr_assert_eq(ds_parse_double("--wd", "-0.1", DS_AT_LEAST(0), &d, err, sizeof err), 2);
    cr_assert_str_eq(err, "--wd: -0.1 is out of range (wd >= 0)");
    cr_assert_eq(ds_parse_double("min_time", "60", DS_OPEN_CLOSED(0, 60), &d, err, sizeof err), 0);
    cr_assert_eq(ds_parse_double("min_time", "60.5", DS_OPEN_CLOSED(0, 60), &d, err, sizeof err), 2);
    cr_assert_str_eq(err, "min_time: 60.5 is out of range (0 < min_time <= 60)");
    cr_assert_eq(ds_parse_double("x", "2", DS_CLOSED(-1, 1), &d, err, sizeof err), 2);
    cr_assert_str_eq(err, "x: 2 is out of range (-1 <= x <= 1)");
    /* the float is what is used: 0.99999999999 rounds to 1.0f, outside [0, 1) */
    cr_assert_eq(ds_parse_double("--dropout", "0.99999999999", DS_HALF_OPEN(0, 1), &d, err, sizeof err), 0);
    cr_assert_eq(ds_parse_float("--dropout", "0.99999999999", DS_HALF_OPEN(0, 1), &f, err, sizeof err), 2);
    cr_assert_str_eq(err, "--dropout: 0.99999999999 is out of range (0 <= dropout < 1)");
    /* beyond float, though fine as a double */
    cr_assert_eq(ds_parse_float("--lr", "1e39", DS_ABOVE(0), &f, err, sizeof err), 2);
    cr_assert_str_eq(err, "--lr: '1e39' is too large for a float (lr > 0)");
    cr_assert_eq(ds_parse_float("--lr", "1e-50", DS_ABOVE(0), &f, err, sizeof err), 2);
    cr_assert_str_eq(err, "--lr: '1e-50' is too close to 0 for a float (lr > 0)");
    cr_assert_eq(ds_parse_float("--wd", "-0", DS_AT_LEAST(0), &f, err, sizeof err), 0);
}

Test(parse, bools)
{
    int b = 5;
    cr_assert_eq(ds_parse_bool("nesterov", "yes", &b, err, sizeof err), 0);
    cr_assert_eq(b, 1);
    cr_assert_eq(ds_parse_bool("nesterov", "False", &b, err, sizeof err), 0);
    cr_assert_eq(b, 0);
    cr_assert_eq(ds_parse_bool("nesterov", "2", &b, err, sizeof err), 2);
    cr_assert_str_eq(err, "nesterov: '2' is not true or false");
}

/* ---- width lists ---------------------------------------------------------- */

static int widths(const char *s, int *w)
{
    int n = -1;
    cr_assert_eq(ds_parse_widths("--hidden", s, 1, 1 << 20, 64, w, &n, err, sizeof err), 0,
                 "'%s': %s", s, err);
    return n;
}

static void widths_refused(const char *s, const char *msg)
{
    int w[64], n = -1;
    cr_assert_eq(ds_parse_widths("--hidden", s, 1, 1 << 20, 4, w, &n, err, sizeof err), 2,
                 "'%s' accepted", s);
    cr_assert_eq(n, -1);
    cr_assert_str_eq(err, msg);
}

Test(parse, width_list_forms)
{
    const char *forms[] = {"256,128", "[256,128]", "256-128", "[256, 128]", " 256 , 128 "};
    for (int i = 0; i < 5; i++) {
        int w[64] = {0};
        cr_assert_eq(widths(forms[i], w), 2, "%s", forms[i]);
        cr_assert(w[0] == 256 && w[1] == 128, "%s: %d,%d", forms[i], w[0], w[1]);
    }
    const char *empty[] = {"none", "[]", "", "[ ]"};
    for (int i = 0; i < 4; i++) {
        int w[64];
        cr_assert_eq(widths(empty[i], w), 0, "'%s'", empty[i]);
    }
    int w[64];
    cr_assert_eq(widths("7", w), 1);
    cr_assert_eq(w[0], 7);
    cr_assert_eq(widths("[1048576]", w), 1);
}

Test(parse, width_list_elements)
{
    const char *forms = "a list like 256,256, [256,256] or 256-256; none for no hidden layer";
    char m[512];
    snprintf(m, sizeof m, "--hidden: '4--4': width 2 is empty (%s)", forms);
    widths_refused("4--4", m);
    snprintf(m, sizeof m, "--hidden: '-': width 1 is empty (%s)", forms);
    widths_refused("-", m);
    snprintf(m, sizeof m, "--hidden: ',256': width 1 is empty (%s)", forms);
    widths_refused(",256", m);
    snprintf(m, sizeof m, "--hidden: '1,,2': width 2 is empty (%s)", forms);
    widths_refused("1,,2", m);
    snprintf(m, sizeof m, "--hidden: '256,': width 2 is empty (%s)", forms);
    widths_refused("256,", m);
    snprintf(m, sizeof m, "--hidden: '[256,256' opens '[' without closing it (%s)", forms);
    widths_refused("[256,256", m);
    widths_refused("4x", "--hidden: '4x' is not an integer (1 <= width <= 1048576)");
    widths_refused("8,4x", "--hidden: '4x' is not an integer (width 2 of '8,4x'; 1 <= width <= 1048576)");
    widths_refused("0x10", "--hidden: '0x10' is not an integer (1 <= width <= 1048576)");
    widths_refused("8-0", "--hidden: 0 is out of range (width 2 of '8-0'; 1 <= width <= 1048576)");
    widths_refused("-4,4", "--hidden: -4 is out of range (width 1 of '-4,4'; 1 <= width <= 1048576)");
    widths_refused("1048577", "--hidden: 1048577 is out of range (1 <= width <= 1048576)");
    widths_refused("256x256", "--hidden: '256x256' is not an integer (1 <= width <= 1048576)");
    widths_refused("256-256,8", "--hidden: '256-256' is not an integer (width 1 of '256-256,8'; 1 <= width <= 1048576)");
    widths_refused("[none]", "--hidden: 'none' is not an integer (1 <= width <= 1048576)");
    widths_refused("1,2,3,4,5", "--hidden: '1,2,3,4,5' has 5 widths, more than the 4 allowed");
    widths_refused("08", "--hidden: '08' is not a decimal integer: it has a leading zero (1 <= width <= 1048576)");
}

/* ---- err.h ------------------------------------------------------------------ */

Test(err, errf_returns_status_and_marks_a_cut)
{
    char small[16];
    cr_assert_eq(ds_errf(small, sizeof small, 2, "%s", "0123456789abcdefghij"), 2);
    cr_assert_str_eq(small, "0123456789ab...");
    cr_assert_eq(ds_errf(small, sizeof small, 1, "fits %d", 7), 1);
    cr_assert_str_eq(small, "fits 7");
}

Test(err, echo_keeps_the_reason_whole)
{
    char big[300];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = 0;
    big[0] = 'A';
    big[sizeof big - 2] = 'Z';
    char msg[256];
    ds_errf(msg, sizeof msg, 2, "--data-dir: '%s' is too long (at most 255 characters)", DS_ECHO(big));
    const char *tail = "' is too long (at most 255 characters)";
    cr_assert(strlen(msg) < sizeof msg - 1, "%s", msg);
    cr_assert_str_eq(msg + strlen(msg) - strlen(tail), tail);
    cr_assert_not_null(strstr(msg, "'Avvv"));
    cr_assert_not_null(strstr(msg, "v...v"));
    cr_assert_not_null(strstr(msg, "vvZ'"));
    char buf[DS_ECHO_MAX + 1];
    cr_assert_eq(strlen(ds_echo(big, buf, sizeof buf)), DS_ECHO_MAX);
    cr_assert_str_eq(ds_echo("short", buf, sizeof buf), "short");
}

Test(parse, int_lists)
{
    int v[8], n = -1;
    cr_assert_eq(ds_parse_int_list("--threads", "threads", "1,2,4", 1, 8, 8, v, &n, err, sizeof err), 0, "%s", err);
    cr_assert(n == 3 && v[0] == 1 && v[1] == 2 && v[2] == 4);
    cr_assert_eq(ds_parse_int_list("--threads", "threads", "[1, 2]", 1, 8, 8, v, &n, err, sizeof err), 0, "%s", err);
    cr_assert(n == 2 && v[0] == 1 && v[1] == 2);
    n = -1;
    cr_assert_eq(ds_parse_int_list("--threads", "threads", "1-2", 1, 8, 8, v, &n, err, sizeof err), 2);
    cr_assert_str_eq(err, "--threads: '1-2' is not an integer (1 <= threads <= 8)");
    cr_assert_eq(ds_parse_int_list("--threads", "threads", "2,9", 1, 8, 8, v, &n, err, sizeof err), 2);
    cr_assert_str_eq(err, "--threads: 9 is out of range (threads 2 of '2,9'; 1 <= threads <= 8)");
    cr_assert_eq(ds_parse_int_list("--threads", "threads", "", 1, 8, 8, v, &n, err, sizeof err), 2);
    cr_assert_str_eq(err, "--threads: '': threads 1 is empty (a list like 1,2,4 or [1,2,4])");
    cr_assert_eq(ds_parse_int_list("--threads", "threads", "[]", 1, 8, 8, v, &n, err, sizeof err), 2);
    cr_assert_eq(ds_parse_int_list("--threads", "threads", "none", 1, 8, 8, v, &n, err, sizeof err), 2);
    cr_assert_eq(ds_parse_int_list("--square", "size", "1,2,3", 1, 8, 2, v, &n, err, sizeof err), 2);
    cr_assert_str_eq(err, "--square: '1,2,3' has 3 sizes, more than the 2 allowed");
    cr_assert_eq(n, -1);
}
