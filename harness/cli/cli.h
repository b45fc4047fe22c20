/* Command-line options for every deepsweep command: one table, glibc
 * getopt_long underneath, the same messages and the same --help ending.
 *
 * HOW TO CONVERT A COMMAND (see info.c and cmd_gradcheck.c for two done)
 *
 *   int cmd_foo(int argc, char **argv)
 *   {
 *       int rows = 6, quiet = 0;
 *       uint64_t seed = 1;
 *       const char *out = NULL;
 *       const ds_opt opts[] = {
 *           DS_OPT_INT("rows", 0, "N", &rows, 1, 1000, "rows per check (default 6)"),
 *           DS_OPT_U64("seed", 0, "N", &seed, 0, UINT64_MAX, "the seed (default 1)"),
 *           DS_OPT_STR("out", 'o', "DIR", &out, "results folder"),
 *           DS_OPT_FLAG("quiet", 'q', &quiet, "no progress lines"),
 *           DS_OPT_END,
 *       };
 *       const ds_cli cli = {.command = "foo", .opts = opts, .usage = usage,
 *                           .max_args = 1, .args = "[FILE]"};
 *       int first, status;
 *       if (ds_cli_parse(&cli, argc, argv, &first, &status))
 *           return status;           // 0 after --help, 2 after bad input
 *       // argv[first .. argc-1]: the positional arguments (0 or 1 here)
 *   }
 *
 * - Targets are typed: DS_OPT_INT takes an int *, DS_OPT_FLOAT a float *,
 *   DS_OPT_U64 a uint64_t *, ... (a wrong type does not compile). Numbers go
 *   through parse.h, so ranges are stated in the table and messages read
 *   "deepsweep: foo: --rows: '4x' is not an integer (1 <= rows <= 1000)".
 * - Names, lists and anything else: DS_OPT_FN with a setter
 *   `int set(const char *field, const char *value, void *target, char *err,
 *   size_t errlen)` that returns 0, or 2 with a message: for --hidden call
 *   ds_parse_widths(field, value, ...) (every list form: 256,256 /
 *   [256,256] / 256-256 / none), for a list of counts ds_parse_int_list.
 *   Checks that involve several options (--save with --load) go after
 *   ds_cli_parse, reported with ds_err_print.
 * - Several spellings of one option (--cfg, --print-config): two rows with
 *   the same target. A no-op option (run's -m/--multirun): DS_OPT_FLAG with
 *   a NULL target.
 * - --help and -h are added for you: ds_cli_parse calls
 *   cli.usage(stdout, opts) and returns 1 with status 0. usage() writes the
 *   text (ds_cli_print_options(f, opts) prints the table's lines, --help
 *   included; explain command-specific statuses before the end) and MUST
 *   end with ds_cli_exit_status(f). tests/test_cli.c runs `deepsweep CMD
 *   --help` and `deepsweep CMD --hepl` for every command `deepsweep --help`
 *   lists: --help must exit 0 ending with DS_CLI_EXIT_STATUS, an unknown
 *   option must exit 2 with the standard message.
 * - Accepted for free: `--opt value`, `--opt=value`, `-o value`, `-ovalue`,
 *   unambiguous prefixes (`--epo 3`), `--` ending the options, options and
 *   positional arguments in any order (GNU permutation; set stop_at_arg to
 *   stop at the first positional argument, as main.c does for the command).
 *   An option's value may start with '-' (`--act-param -0.5`).
 * - Refused with exit status 2 and one line on stderr: an unknown option
 *   (with "did you mean --epochs?"), an ambiguous prefix, a missing value
 *   ("--rows needs a value"), a value given to a flag, a bad number, too few
 *   or too many positional arguments.
 * - Repeated calls in one process (tests) are fine: getopt's state is reset.
 *   argv is permuted in place (glibc), so pass a writable char *argv[].
 * - Messages of your own after parsing: ds_err_print(cli.command, 2, ...)
 *   from err.h prints "deepsweep: foo: ..." and returns the status; echo a
 *   user's value through DS_ECHO() so a long one cannot push out the reason.
 * - Config keys use the same parsers: ds_parse_int("epochs", s, ...) gives
 *   "epochs: 'abc' is not an integer (1 <= epochs <= 100000)". */
#ifndef DS_CLI_H
#define DS_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "parse.h"

/* The last lines of every command's --help. */
#define DS_CLI_EXIT_STATUS "Exit status: 0 ok, 1 run-time failure, 2 bad input.\n"

typedef enum {
    DS_ARG_END,     /* the table's last row (DS_OPT_END)                    */
    DS_ARG_HEADING, /* a heading line of the help text, not an option       */
    DS_ARG_FLAG,    /* no value: *(int *)target = 1 (target may be NULL)   */
    DS_ARG_INT,
    DS_ARG_LONG,
    DS_ARG_U64,
    DS_ARG_DOUBLE,
    DS_ARG_FLOAT,
    DS_ARG_STR,     /* *(const char **)target = the argv string            */
    DS_ARG_FN,      /* fn(field, value, target, err, errlen)               */
} ds_arg_type;

typedef int (*ds_opt_fn)(const char *field, const char *value, void *target, char *err,
                         size_t errlen);

typedef struct {
    ds_arg_type type;
    const char *name;    /* long name without "--" (heading: its text)      */
    char short_name;     /* 0: none                                         */
    const char *metavar; /* "N", "X", "FILE"; NULL for flags                */
    const char *help;    /* one line; '\n' continues on the next, indented  */
    void *target;
    long long lo, hi;    /* DS_ARG_INT, DS_ARG_LONG: inclusive range        */
    uint64_t ulo, uhi;   /* DS_ARG_U64                                      */
    ds_bounds bounds;    /* DS_ARG_DOUBLE, DS_ARG_FLOAT                     */
    ds_opt_fn fn;        /* DS_ARG_FN                                       */
} ds_opt;

#define DS_OPT_FLAG(n, s, p, h) \
    {.type = DS_ARG_FLAG, .name = (n), .short_name = (s), .help = (h), \
     .target = _Generic((p), int *: (p), void *: (p))}
#define DS_OPT_INT(n, s, m, p, l, u, h) \
    {.type = DS_ARG_INT, .name = (n), .short_name = (s), .metavar = (m), .help = (h), \
     .target = _Generic((p), int *: (p)), .lo = (l), .hi = (u)}
#define DS_OPT_LONG(n, s, m, p, l, u, h) \
    {.type = DS_ARG_LONG, .name = (n), .short_name = (s), .metavar = (m), .help = (h), \
     .target = _Generic((p), long *: (p)), .lo = (l), .hi = (u)}
#define DS_OPT_U64(n, s, m, p, l, u, h) \
    {.type = DS_ARG_U64, .name = (n), .short_name = (s), .metavar = (m), .help = (h), \
     .target = _Generic((p), uint64_t *: (p)), .ulo = (l), .uhi = (u)}
#define DS_OPT_DOUBLE(n, s, m, p, b, h) \
    {.type = DS_ARG_DOUBLE, .name = (n), .short_name = (s), .metavar = (m), .help = (h), \
     .target = _Generic((p), double *: (p)), .bounds = b}
#define DS_OPT_FLOAT(n, s, m, p, b, h) \
    {.type = DS_ARG_FLOAT, .name = (n), .short_name = (s), .metavar = (m), .help = (h), \
     .target = _Generic((p), float *: (p)), .bounds = b}
#define DS_OPT_STR(n, s, m, p, h) \
    {.type = DS_ARG_STR, .name = (n), .short_name = (s), .metavar = (m), .help = (h), \
     .target = _Generic((p), const char **: (p))}
#define DS_OPT_FN(n, s, m, f, p, h) \
    {.type = DS_ARG_FN, .name = (n), .short_name = (s), .metavar = (m), .help = (h), \
     .fn = (f), .target = (p)}
#define DS_OPT_HEADING(text) {.type = DS_ARG_HEADING, .name = (text)}
#define DS_OPT_END {.type = DS_ARG_END}

typedef struct {
    const char *command;    /* "train" ("deepsweep: train: ..."); NULL: main */
    const ds_opt *opts;     /* ends with DS_OPT_END                          */
    /* the --help text: may print opts with ds_cli_print_options; ends with
     * ds_cli_exit_status */
    void (*usage)(FILE *f, const ds_opt *opts);
    int min_args, max_args; /* positional arguments (default 0, 0: none);
                             * max_args < 0: any number */
    const char *args;       /* their names for messages ("CONFIG [key=value ...]") */
    int stop_at_arg;        /* options end at the first positional argument */
} ds_cli;

/* Parses argv[1..argc-1] (argv[0] is the command's name; argv is permuted,
 * GNU style, so positional arguments end up at argv[*first..argc-1]).
 * Returns 0 to go on; 1 when the command should return *status now: 0 after
 * printing --help, 2 after printing a bad-input message. */
int ds_cli_parse(const ds_cli *cli, int argc, char **argv, int *first, int *status);

/* The same without printing: returns 0 (go on), 2 (bad input; the message,
 * without the "deepsweep: <command>: " prefix, in err) or DS_CLI_HELP. */
#define DS_CLI_HELP (-1)
int ds_cli_getopt(const ds_cli *cli, int argc, char **argv, int *first, char *err, size_t errlen);

/* The table's options, one per line ("  -q, --quiet          no progress
 * lines"), headings unindented. */
void ds_cli_print_options(FILE *f, const ds_opt *opts);

/* "\nExit status: 0 ok, 1 run-time failure, 2 bad input.\n": the end of
 * every --help. */
void ds_cli_exit_status(FILE *f);

#endif
