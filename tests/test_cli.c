/* The option parser every command uses (harness/cli/cli.h), on a table like
 * a command's; then every command `deepsweep --help` lists, through the
 * binary: --help exits 0 and ends with the standard exit-status text, an
 * unknown option exits 2 with a suggestion. */

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli.h"
#include "suggest.h"

typedef struct {
    int epochs, quiet;
    uint64_t seed;
    float lr;
    const char *out;
    int hidden[8], n_hidden;
} opts_t;

static int set_hidden(const char *field, const char *value, void *target, char *err, size_t errlen)
{
    opts_t *o = target;
    return ds_parse_widths(field, value, 1, 1 << 20, 8, o->hidden, &o->n_hidden, err, errlen);
}

static int helps;
static void usage(FILE *f, const ds_opt *opts)
{
    helps++;
    ds_cli_print_options(f, opts);
    ds_cli_exit_status(f);
}

static char err[512];
static opts_t o;
static char *argv[16]; /* the words parse() parsed, as getopt left them */

/* Parses the words of line (at most 15) as `deepsweep test <line>`. */
static int parse(const char *line, int max_args, int *first)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    int argc = 0;
    argv[argc++] = "test";
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    memset(&o, 0, sizeof o);
    o.epochs = 15;
    const ds_opt opts[] = {
        DS_OPT_HEADING("training:"),
        DS_OPT_INT("epochs", 'e', "N", &o.epochs, 1, 100000, "epochs (default 15)"),
        DS_OPT_INT("rows", 0, "N", &o.epochs, 1, 1000, "rows"),
        DS_OPT_FLOAT("lr", 0, "X", &o.lr, DS_ABOVE(0), "learning rate"),
        DS_OPT_U64("seed", 0, "N", &o.seed, 0, UINT64_MAX, "seed"),
        DS_OPT_FN("hidden", 0, "W1,W2", set_hidden, &o, "widths"),
        DS_OPT_STR("out", 'o', "DIR", &o.out, "folder"),
        DS_OPT_FLAG("quiet", 'q', &o.quiet, "quiet"),
        DS_OPT_FLAG("eval", 0, NULL, "a switch without a target"),
        DS_OPT_END,
    };
    const ds_cli cli = {.command = "test", .opts = opts, .usage = usage, .max_args = max_args,
                        .args = "[FILE]"};
    err[0] = 0;
    int f = -1;
    int r = ds_cli_getopt(&cli, argc, argv, &f, err, sizeof err);
    if (first)
        *first = f;
    return r;
}

static void refused(const char *line, const char *msg)
{
    cr_assert_eq(parse(line, 1, NULL), 2, "'%s' accepted", line);
    cr_assert_str_eq(err, msg, "'%s'", line);
}

Test(cli, value_forms)
{
    int first;
    cr_assert_eq(parse("--epochs=1", 1, NULL), 0, "%s", err);
    cr_assert_eq(o.epochs, 1);
    cr_assert_eq(parse("--epochs 7 --lr=0.5 -q", 1, NULL), 0, "%s", err);
    cr_assert(o.epochs == 7 && o.lr == 0.5f && o.quiet == 1);
    cr_assert_eq(parse("-e 3 -oresults -q", 1, NULL), 0, "%s", err);
    cr_assert(o.epochs == 3 && !strcmp(o.out, "results") && o.quiet);
    cr_assert_eq(parse("--seed 18446744073709551615 --eval", 1, NULL), 0, "%s", err);
    cr_assert_eq(o.seed, UINT64_MAX);
    cr_assert_eq(parse("--hidden [256,128]", 1, NULL), 0, "%s", err);
    cr_assert(o.n_hidden == 2 && o.hidden[0] == 256 && o.hidden[1] == 128);
    cr_assert_eq(parse("--hidden=none", 1, NULL), 0, "%s", err);
    cr_assert_eq(o.n_hidden, 0);
    /* a value that looks like an option is still the value */
    cr_assert_eq(parse("--lr -1", 1, NULL), 2);
    cr_assert_str_eq(err, "--lr: -1 is out of range (lr > 0)");
    /* unambiguous prefixes, as in every GNU tool */
    cr_assert_eq(parse("--epo 9", 1, NULL), 0, "%s", err);
    cr_assert_eq(o.epochs, 9);
    /* positional arguments anywhere, gathered at the end; -- ends options */
    cr_assert_eq(parse("file.yaml --epochs 2", 1, &first), 0, "%s", err);
    cr_assert_eq(first, 3);
    cr_assert_eq(o.epochs, 2);
    cr_assert_eq(parse("--epochs 2 -- --quiet", 1, &first), 0, "%s", err);
    cr_assert_eq(o.quiet, 0);
    cr_assert_eq(first, 4);
}

/* Options after positional arguments, in every environment: with
 * POSIXLY_CORRECT set, plain getopt_long would stop at "file.yaml" and take
 * "--epochs" for a second positional argument. */
Test(cli, positional_arguments_gathered_in_order)
{
    for (int posix = 0; posix < 2; posix++) {
        if (posix)
            setenv("POSIXLY_CORRECT", "1", 1);
        int first;
        cr_assert_eq(parse("a.yaml --epochs 2 b=1 -q c=2 -- -d", -1, &first), 0, "%s", err);
        cr_assert(o.epochs == 2 && o.quiet, "POSIXLY_CORRECT %d", posix);
        cr_assert_eq(first, 5, "POSIXLY_CORRECT %d: first %d", posix, first);
        const char *want[] = {"a.yaml", "b=1", "c=2", "-d"};
        for (int i = 0; i < 4; i++)
            cr_assert_str_eq(argv[first + i], want[i], "POSIXLY_CORRECT %d", posix);
    }
    unsetenv("POSIXLY_CORRECT");
}

Test(cli, bad_input)
{
    refused("--rows", "--rows needs a value");
    refused("-e", "-e needs a value");
    refused("--rows abc", "--rows: 'abc' is not an integer (1 <= rows <= 1000)");
    refused("--epochs 0x10", "--epochs: '0x10' is not an integer (1 <= epochs <= 100000)");
    refused("--epochs=4x", "--epochs: '4x' is not an integer (1 <= epochs <= 100000)");
    refused("--epochs 0", "--epochs: 0 is out of range (1 <= epochs <= 100000)");
    refused("--lr 1e999", "--lr: '1e999' is not a finite number (lr > 0)");
    refused("--lr nan", "--lr: 'nan' is not a number (lr > 0)");
    refused("--hidden 4--4",
            "--hidden: '4--4': width 2 is empty (a list like 256,256, [256,256] or 256-256; none "
            "for no hidden layer)");
    refused("--epohs 3", "unknown option '--epohs' (did you mean --epochs?)");
    refused("--epcohs=3", "unknown option '--epcohs' (did you mean --epochs?)");
    refused("--hlep", "unknown option '--hlep' (did you mean --help?)");
    refused("--zzzzzz", "unknown option '--zzzzzz' (see 'deepsweep test --help')");
    refused("-x", "unknown option '-x' (see 'deepsweep test --help')");
    refused("-qx", "unknown option '-x' in '-qx' (see 'deepsweep test --help')");
    refused("-row 3", "unknown option '-row' (did you mean --rows?)");
    /* after one dash, a word starting with a short option is that option: GNU */
    refused("-epochs 3", "--epochs: 'pochs' is not an integer (1 <= epochs <= 100000)");
    refused("-lr 0.1", "unknown option '-lr' (did you mean --lr?)");
    refused("-seed 8", "unknown option '-seed' (did you mean --seed?)");
    refused("-zzzzz", "unknown option '-z' in '-zzzzz' (see 'deepsweep test --help')");
    refused("--e 3", "option '--e' is ambiguous (--epochs, --eval)");
    refused("--quiet=1", "--quiet takes no value (it is a switch)");
    refused("a b", "unexpected argument 'b' (usage: deepsweep test [options] [FILE])");
    cr_assert_eq(parse("a", 0, NULL), 2);
    cr_assert_str_eq(err, "unexpected argument 'a' (test takes none; see 'deepsweep test --help')");
}

Test(cli, help_and_repeated_calls)
{
    int before = helps;
    cr_assert_eq(parse("--epochs 3 --help", 1, NULL), DS_CLI_HELP);
    cr_assert_eq(parse("-h", 1, NULL), DS_CLI_HELP);
    cr_assert_eq(helps, before, "ds_cli_getopt prints nothing");
    /* getopt's state is reset: the same words parse the same way each time,
     * also after an error in the middle of a short-option cluster */
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(parse("-qx", 1, NULL), 2);
        cr_assert_eq(parse("-qe 5 file", 1, NULL), 0, "%s", err);
        cr_assert(o.quiet && o.epochs == 5);
    }
}

Test(cli, print_options_and_exit_status, .init = cr_redirect_stdout)
{
    const ds_opt opts[] = {
        DS_OPT_HEADING("training:"),
        DS_OPT_INT("epochs", 0, "N", &o.epochs, 1, 9, "epochs\nsecond line"),
        DS_OPT_FLAG("quiet", 'q', &o.quiet, "quiet"),
        DS_OPT_END,
    };
    ds_cli_print_options(stdout, opts);
    ds_cli_exit_status(stdout);
    fflush(stdout);
    cr_assert_stdout_eq_str("training:\n"
                            "      --epochs N        epochs\n"
                            "                        second line\n"
                            "  -q, --quiet           quiet\n"
                            "  -h, --help            this text\n"
                            "\n"
                            "Exit status: 0 ok, 1 run-time failure, 2 bad input.\n");
}

/* ---- every converted command, through the binary ---------------------------- */

static const char *bin(void)
{
    const char *b = getenv("DEEPSWEEP_BIN");
    return b ? b : "build/deepsweep";
}

/* Runs `deepsweep <args>`; returns the exit status, output in *out. */
static int run(const char *args, char **out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", bin(), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    for (size_t k; (k = fread(s + n, 1, cap - 1 - n, p)) > 0;)
        n += k;
    s[n] = 0;
    int st = pclose(p);
    cr_assert(WIFEXITED(st), "%s", cmd);
    *out = s;
    return WEXITSTATUS(st);
}

/* The commands `deepsweep --help` lists (its "commands:" block), and ""
 * for deepsweep itself; returns the count. */
static int commands(char names[][32], int max)
{
    char *out;
    cr_assert_eq(run("--help", &out), 0, "%s", out);
    char *p = strstr(out, "\ncommands:\n");
    cr_assert_not_null(p, "deepsweep --help lists no commands:\n%s", out);
    int n = 0;
    names[n++][0] = 0;
    for (p += strlen("\ncommands:\n"); *p == ' ' && n < max; p = strchr(p, '\n') + 1) {
        cr_assert_eq(sscanf(p, " %31s", names[n]), 1);
        n++;
    }
    free(out);
    cr_assert_geq(n, 8, "only %d commands found", n - 1);
    return n;
}

/* Runs `deepsweep <cmd> <arg>`: the exit status, the output in *out. */
static int run_cmd(const char *cmd, const char *arg, char **out)
{
    char args[128];
    snprintf(args, sizeof args, "%.31s %.64s", cmd, arg);
    return run(args, out);
}

Test(cli_commands, help_ends_with_exit_statuses)
{
    char names[32][32];
    int n = commands(names, 32);
    for (int i = 0; i < n; i++) {
        char *out;
        const char *tail = "\n" DS_CLI_EXIT_STATUS;
        int st = run_cmd(names[i], "--help", &out);
        size_t len = strlen(out), k = strlen(tail);
        cr_assert(st == 0 && len >= k && !strcmp(out + len - k, tail),
                  "deepsweep %s --help: exit %d, ends:\n%s", names[i], st,
                  len > 200 ? out + len - 200 : out);
        free(out);
    }
}

Test(cli_commands, unknown_option_exits_2_with_a_suggestion)
{
    char names[32][32];
    int n = commands(names, 32);
    for (int i = 0; i < n; i++) {
        char want[160], *out;
        snprintf(want, sizeof want, "deepsweep: %.31s%sunknown option '--hepl' (did you mean --help?)\n",
                 names[i], *names[i] ? ": " : "");
        int st = run_cmd(names[i], "--hepl", &out);
        cr_assert_eq(st, 2, "deepsweep %s --hepl: exit %d: %s", names[i], st, out);
        cr_assert_str_eq(out, want);
        free(out);
    }
}

Test(cli, suggestions_count_a_swap_as_one_typo)
{
    cr_assert_eq(ds_edit_distance("hepl", "help"), 1);
    cr_assert_eq(ds_edit_distance("hepl", "eps"), 2);
    cr_assert_eq(ds_edit_distance("EPOCHS", "epochs"), 0);
    cr_assert_eq(ds_edit_distance("widht", "width"), 1);
    cr_assert_eq(ds_edit_distance("abc", "ca"), 3); /* optimal string alignment, not Damerau */
    const char *cands[] = {"eps", "reps", "help", NULL};
    cr_assert_str_eq(ds_suggest("hepl", cands, 4), "help");
    cr_assert_null(ds_suggest("zzzzzz", cands, 4));
}

/* OMP_NUM_THREADS above the one thread limit (4 x the processors) is
 * clamped with a warning before any parallel region: 100000 crashed inside
 * libgomp's start-up. */
Test(cli_commands, omp_num_threads_above_the_limit_is_clamped)
{
    char *out;
    setenv("OMP_NUM_THREADS", "100000", 1);
    int st = run("info", &out);
    cr_assert_eq(st, 0, "OMP_NUM_THREADS=100000 deepsweep info: exit %d: %s", st, out);
    cr_assert_not_null(strstr(out, "warning: OMP_NUM_THREADS=100000 is above the thread limit"), "%s", out);
    free(out);
    setenv("OMP_NUM_THREADS", "1", 1);
    st = run("info", &out);
    cr_assert_eq(st, 0);
    cr_assert_null(strstr(out, "warning: OMP_NUM_THREADS"), "%s", out);
    free(out);
    unsetenv("OMP_NUM_THREADS");
}
