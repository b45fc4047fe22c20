/* Command-line options on glibc getopt_long: see cli.h. */
#include "cli.h"

#include "err.h"
#include "suggest.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define HELP_VAL 'h'
#define LONG_VAL0 256 /* getopt value of option i without a short name: LONG_VAL0 + i */

static int is_option(const ds_opt *o) { return o->type != DS_ARG_END && o->type != DS_ARG_HEADING; }

static int count_rows(const ds_opt *opts)
{
    int n = 0;
    while (opts[n].type != DS_ARG_END)
        n++;
    return n;
}

/* "(see 'deepsweep train --help')" */
static const char *see_help(const ds_cli *cli, char *buf, size_t len)
{
    snprintf(buf, len, "see 'deepsweep %s%s--help'", cli->command ? cli->command : "",
             cli->command ? " " : "");
    return buf;
}

/* Stores value into the option's target; 0 or 2 with the message in err. */
static int apply(const ds_opt *o, const char *value, char *err, size_t errlen)
{
    char field[96];
    snprintf(field, sizeof field, "--%s", o->name);
    switch (o->type) {
    case DS_ARG_FLAG:
        if (o->target)
            *(int *)o->target = 1;
        return 0;
    case DS_ARG_INT: {
        int x;
        if (ds_parse_int(field, value, (int)o->lo, (int)o->hi, &x, err, errlen))
            return 2;
        *(int *)o->target = x;
        return 0;
    }
    case DS_ARG_LONG: {
        long x;
        if (ds_parse_long(field, value, (long)o->lo, (long)o->hi, &x, err, errlen))
            return 2;
        *(long *)o->target = x;
        return 0;
    }
    case DS_ARG_U64:
        return ds_parse_u64(field, value, o->ulo, o->uhi, o->target, err, errlen);
    case DS_ARG_DOUBLE:
        return ds_parse_double(field, value, o->bounds, o->target, err, errlen);
    case DS_ARG_FLOAT:
        return ds_parse_float(field, value, o->bounds, o->target, err, errlen);
    case DS_ARG_STR:
        *(const char **)o->target = value;
        return 0;
    case DS_ARG_FN:
        return o->fn(field, value, o->target, err, errlen) ? 2 : 0;
    default:
        return ds_errf(err, errlen, 2, "--%s: not an option (bad table row)", o->name);
    }
}

/* The long option a word (without "--") is a prefix of, when there are
 * several: lists them into buf and returns 1. */
static int ambiguous(const ds_opt *opts, const char *word, size_t wl, char *buf, size_t len)
{
    int hits = 0;
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; opts[i].type != DS_ARG_END; i++)
        if (is_option(&opts[i]) && !strncmp(opts[i].name, word, wl) && o < len) {
            o += (size_t)snprintf(buf + o, len - o, "%s--%s", hits ? ", " : "", opts[i].name);
            hits++;
        }
    return hits > 1;
}

/* The option a misspelt long name most likely meant (NULL: none). After a
 * single dash ("-epochs", "-lr") only a long name it begins counts: a
 * cluster of short options ("-qx") is no typo of a long one. */
static const char *nearest_option(const ds_opt *opts, const char *name, int single_dash)
{
    int n = count_rows(opts);
    if (single_dash) {
        for (int i = 0; i < n; i++)
            if (is_option(&opts[i]) && !strncmp(opts[i].name, name, strlen(name)))
                return opts[i].name;
        return NULL;
    }
    const char **cands = calloc((size_t)n + 1, sizeof *cands);
    if (!cands)
        return NULL;
    for (int i = 0; i < n; i++)
        cands[i] = is_option(&opts[i]) ? opts[i].name : NULL;
    cands[n] = "help";
    const char *best = ds_suggest(name, cands, n + 1);
    free(cands);
    return best;
}

/* The message for an option getopt did not recognise: a long one (token
 * "--name[=value]"), or the short option short_opt of token. */
static int unknown(const ds_cli *cli, const char *token, int short_opt, char *err, size_t errlen)
{
    char see[96];
    see_help(cli, see, sizeof see);
    if (short_opt && (token[1] == '-' || strlen(token) <= 2))
        return ds_errf(err, errlen, 2, "unknown option '-%c' (%s)", short_opt, see);
    const char *word = token + strspn(token, "-");
    size_t wl = strcspn(word, "=");
    char name[64], list[512];
    snprintf(name, sizeof name, "%.*s", (int)(wl < 63 ? wl : 63), word);
    if (!short_opt && ambiguous(cli->opts, word, wl, list, sizeof list))
        return ds_errf(err, errlen, 2, "option '--%s' is ambiguous (%s)", name, list);
    const char *best = nearest_option(cli->opts, name, short_opt != 0);
    if (best)
        return ds_errf(err, errlen, 2, "unknown option '%s%s' (did you mean --%s?)",
                       short_opt ? "-" : "--", DS_ECHO(name), best);
    if (short_opt)
        return ds_errf(err, errlen, 2, "unknown option '-%c' in '%s' (%s)", short_opt,
                       DS_ECHO(token), see);
    return ds_errf(err, errlen, 2, "unknown option '%s' (%s)", DS_ECHO(token), see);
}

/* The option row getopt reported as val (-1: none). */
static int row_of(const ds_opt *opts, int val)
{
    if (val >= LONG_VAL0)
        return val - LONG_VAL0;
    for (int i = 0; val > 0 && opts[i].type != DS_ARG_END; i++)
        if (is_option(&opts[i]) && opts[i].short_name == val)
            return i;
    return -1;
}

static int check_positional(const ds_cli *cli, int argc, char **argv, int first, char *err,
                            size_t errlen)
{
    char see[96];
    int n = argc - first;
    see_help(cli, see, sizeof see);
    if (n < cli->min_args)
        return ds_errf(err, errlen, 2, "missing argument: usage: deepsweep %s%s[options] %s (%s)",
                       cli->command ? cli->command : "", cli->command ? " " : "",
                       cli->args ? cli->args : "", see);
    if (cli->max_args >= 0 && n > cli->max_args) {
        if (cli->max_args == 0)
            return ds_errf(err, errlen, 2, "unexpected argument '%s' (%s takes none; %s)",
                           DS_ECHO(argv[first]), cli->command ? cli->command : "deepsweep", see);
        return ds_errf(err, errlen, 2, "unexpected argument '%s' (usage: deepsweep %s%s[options] %s)",
                       DS_ECHO(argv[first + cli->max_args]), cli->command ? cli->command : "",
                       cli->command ? " " : "", cli->args ? cli->args : "");
    }
    return 0;
}

/* getopt_long's tables for opts: *lo the long options (and help), *shorts
 * the short-option string, "-:h..." ('-': positional arguments come back in
 * order as 1, so POSIXLY_CORRECT cannot change how a command line parses;
 * ':': a missing value comes back as ':'). Returns 0 or -1 (no memory). */
static int getopt_tables(const ds_opt *opts, struct option **lo, char **shorts)
{
    int n = count_rows(opts);
    *lo = calloc((size_t)n + 2, sizeof **lo);
    *shorts = malloc(3 * (size_t)n + 8);
    if (!*lo || !*shorts) {
        free(*lo);
        free(*shorts);
        return -1;
    }
    size_t ns = 0, nl = 0;
    char *sh = *shorts;
    sh[ns++] = '-';
    sh[ns++] = ':';
    sh[ns++] = HELP_VAL;
    for (int i = 0; i < n; i++) {
        if (!is_option(&opts[i]))
            continue;
        int has_arg = opts[i].type == DS_ARG_FLAG ? no_argument : required_argument;
        (*lo)[nl++] = (struct option){opts[i].name, has_arg, NULL,
                                      opts[i].short_name ? opts[i].short_name : LONG_VAL0 + i};
        if (opts[i].short_name) {
            sh[ns++] = opts[i].short_name;
            if (has_arg)
                sh[ns++] = ':';
        }
    }
    sh[ns] = 0;
    (*lo)[nl++] = (struct option){"help", no_argument, NULL, HELP_VAL};
    (*lo)[nl] = (struct option){0};
    return 0;
}

/* The token getopt stopped at for an unknown short option c: the current
 * word while getopt is still inside it ("-epochs"), else the one before. */
static const char *short_token(int argc, char **argv, int c)
{
    if (optind < argc && argv[optind][0] == '-' && argv[optind][1] != '-' &&
        strchr(argv[optind] + 1, c))
        return argv[optind];
    return argv[optind - 1];
}

/* Moves the positional arguments (is_pos) after everything else, each group
 * in its order, as GNU getopt's permutation does; returns where they start. */
static int gather(int argc, char **argv, const unsigned char *is_pos, char **tmp)
{
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 1; i < argc; i++)
            if (is_pos[i] == pass)
                tmp[k++] = argv[i];
    int first = argc;
    for (int i = 1; i < argc; i++)
        first -= is_pos[i];
    memcpy(argv + 1, tmp, (size_t)k * sizeof *tmp);
    return first;
}

int ds_cli_getopt(const ds_cli *cli, int argc, char **argv, int *first, char *err, size_t errlen)
{
    const ds_opt *opts = cli->opts;
    struct option *lo;
    char *shorts;
    unsigned char *is_pos = calloc((size_t)argc + 1, 1);
    char **tmp = calloc((size_t)argc + 1, sizeof *tmp);
    if (!is_pos || !tmp || getopt_tables(opts, &lo, &shorts)) {
        free(is_pos);
        free(tmp);
        return ds_errf(err, errlen, 1, "out of memory");
    }
    optind = 0; /* glibc: a full re-initialisation (tests parse many times) */
    opterr = 0; /* our messages, not getopt's */
    int r = 0, c, rest = -1;
    while (!r && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const char *token = argv[optind - 1];
        int row = row_of(opts, c == '?' || c == ':' ? optopt : c);
        if (c == 1 && cli->stop_at_arg) { /* the command: the rest is its own */
            rest = optind - 1;
            break;
        } else if (c == 1)
            is_pos[optind - 1] = 1;
        else if (c == HELP_VAL)
            r = DS_CLI_HELP;
        else if (c == ':')
            r = row >= 0 && !strncmp(token, "--", 2)
                    ? ds_errf(err, errlen, 2, "--%s needs a value", opts[row].name)
                    : ds_errf(err, errlen, 2, "-%c needs a value", optopt);
        else if (c == '?' && row >= 0)
            r = ds_errf(err, errlen, 2, "--%s takes no value (it is a switch)", opts[row].name);
        else if (c == '?' && optopt == HELP_VAL)
            r = ds_errf(err, errlen, 2, "--help takes no value");
        else if (c == '?')
            r = unknown(cli, optopt ? short_token(argc, argv, optopt) : token, optopt, err, errlen);
        else if (row >= 0)
            r = apply(&opts[row], optarg, err, errlen);
    }
    if (!r) { /* after "--" (or the command): positional, whatever they look like */
        for (int i = rest >= 0 ? rest : optind; i < argc; i++)
            is_pos[i] = 1;
        *first = gather(argc, argv, is_pos, tmp);
        r = check_positional(cli, argc, argv, *first, err, errlen);
    }
    free(lo);
    free(shorts);
    free(is_pos);
    free(tmp);
    return r;
}

int ds_cli_parse(const ds_cli *cli, int argc, char **argv, int *first, int *status)
{
    char err[DS_ERR_LEN];
    int r = ds_cli_getopt(cli, argc, argv, first, err, sizeof err);
    if (r == DS_CLI_HELP) {
        cli->usage(stdout, cli->opts);
        *status = 0;
        return 1;
    }
    if (r) {
        *status = ds_err_print(cli->command, r, "%s", err);
        return 1;
    }
    return 0;
}

void ds_cli_print_options(FILE *f, const ds_opt *opts)
{
    for (int i = 0;; i++) {
        const ds_opt *o = &opts[i];
        if (o->type == DS_ARG_HEADING) {
            fprintf(f, "%s\n", o->name);
            continue;
        }
        const char *name = o->type == DS_ARG_END ? "help" : o->name;
        char sh = o->type == DS_ARG_END ? 'h' : o->short_name;
        char left[128];
        int k;
        if (sh)
            k = snprintf(left, sizeof left, "  -%c, --%s", sh, name);
        else
            k = snprintf(left, sizeof left, "      --%s", name); /* under -h's "--help" */
        if (o->metavar && k > 0 && (size_t)k < sizeof left)
            snprintf(left + k, sizeof left - (size_t)k, " %s", o->metavar);
        fprintf(f, "%-24s", left);
        if (strlen(left) >= 24)
            fprintf(f, "\n%24s", "");
        const char *h = o->type == DS_ARG_END ? "this text" : o->help ? o->help : "";
        for (; *h; h++) {
            fputc(*h, f);
            if (*h == '\n')
                fprintf(f, "%24s", "");
        }
        fputc('\n', f);
        if (o->type == DS_ARG_END)
            break;
    }
}

void ds_cli_exit_status(FILE *f) { fprintf(f, "\n" DS_CLI_EXIT_STATUS); }
