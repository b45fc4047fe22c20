/* Streaming RFC 4180 reader (see csvread.h). One state machine over getc:
 * a row is parsed into one growing byte buffer with the fields NUL-separated,
 * so a file of any length needs only one row of memory. */
#include "csvread.h"

#include "err.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct ds_csv {
    FILE *f;
    char *name;
    long line, col;      /* position of the next character to read        */
    long row_line;       /* line where the current row starts             */
    long row_start, row_end; /* byte offsets of the current row's text    */
    int row_complete;    /* the current row ended with a line end          */
    char *buf;           /* current row's fields, NUL-separated           */
    size_t len, cap;
    size_t *off;         /* field start offsets into buf                  */
    long *fline, *fcol;  /* where each field starts, for messages         */
    int nf, fcap;
    char **head;         /* header names (owned copies)                   */
    int ncols;
    int oom;             /* the last -1 was out of memory, not bad input  */
};

static void msg(char *err, size_t n, const char *name, long line, long col,
                const char *fmt, ...)
{
    int k = snprintf(err, n, "deepsweep: %s:%ld:%ld: ", name, line, col);
    if (k < 0 || (size_t)k >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    ds_verrf(err + k, n - (size_t)k, fmt, ap); /* a cut shows as "..." (err.h) */
    va_end(ap);
}

static int put(ds_csv *c, char ch)
{
    if (c->len + 1 >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        char *b = realloc(c->buf, cap);
        if (!b)
            return -1;
        c->buf = b;
        c->cap = cap;
    }
    c->buf[c->len++] = ch;
    return 0;
}

static int start_field(ds_csv *c)
{
    if (c->nf == c->fcap) {
        int cap = c->fcap ? c->fcap * 2 : 32;
        size_t *o = realloc(c->off, (size_t)cap * sizeof *o);
        if (!o)
            return -1;
        c->off = o;
        long *l = realloc(c->fline, (size_t)cap * sizeof *l);
        if (!l)
            return -1;
        c->fline = l;
        long *k = realloc(c->fcol, (size_t)cap * sizeof *k);
        if (!k)
            return -1;
        c->fcol = k;
        c->fcap = cap;
    }
    c->off[c->nf] = c->len;
    c->fline[c->nf] = c->line;
    c->fcol[c->nf] = c->col;
    c->nf++;
    return 0;
}

static int get(ds_csv *c)
{
    int ch = getc(c->f);
    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else if (ch != EOF) {
        c->col++;
    }
    return ch;
}

/* Skips empty lines (LF or CRLF): 0 at the end of the input, else 1. */
static int skip_empty_lines(ds_csv *c)
{
    for (;;) {
        int ch = getc(c->f);
        if (ch == EOF)
            return 0;
        if (ch == '\n') {
            c->line++;
            c->col = 1;
            continue;
        }
        if (ch == '\r') {
            int nx = getc(c->f);
            if (nx == '\n') {
                c->line++;
                c->col = 1;
                continue;
            }
            if (nx != EOF)
                ungetc(nx, c->f);
        }
        ungetc(ch, c->f);
        return 1;
    }
}

static int oom(ds_csv *c, char *err, size_t errlen)
{
    c->oom = 1;
    msg(err, errlen, c->name, c->line, c->col, "out of memory reading a row (rows fit in RAM)");
    return -1;
}

/* Appends a field's character: -1 with err for a NUL byte or out of memory. */
static int put_text(ds_csv *c, int ch, char *err, size_t errlen)
{
    if (ch == 0) {
        msg(err, errlen, c->name, c->line, c->col - 1,
            "NUL byte in a field (a text file has none: a crash may have torn it)");
        return -1;
    }
    return put(c, (char)ch) ? oom(c, err, errlen) : 0;
}

/* A CR before LF ends the line as LF does: *ch becomes '\n'. 1 if so. */
static int crlf(ds_csv *c, int *ch)
{
    int nx = getc(c->f);
    if (nx == '\n') {
        c->line++;
        c->col = 1;
        *ch = '\n';
        return 1;
    }
    if (nx != EOF)
        ungetc(nx, c->f);
    return 0;
}

/* The rest of a quoted field (its opening quote read, at qline:qcol); *ch
 * becomes what follows the closing quote (',', '\n' or EOF). 0 or -1. */
static int read_quoted(ds_csv *c, long qline, long qcol, int *ch, char *err, size_t errlen)
{
    for (;;) {
        int x = get(c);
        if (x == EOF) {
            msg(err, errlen, c->name, qline, qcol,
                "quoted field is not closed before the end of the file "
                "(a quoted field ends with a quote)");
            return -1;
        }
        if (x == '"') {
            int nx = getc(c->f);
            if (nx != '"') {
                if (nx != EOF)
                    ungetc(nx, c->f);
                break;
            }
            c->col++; /* "" is one quote */
        }
        if (put_text(c, x, err, errlen))
            return -1;
    }
    *ch = get(c);
    if ((*ch == '\r' && !crlf(c, ch)) || (*ch != ',' && *ch != '\n' && *ch != EOF)) {
        msg(err, errlen, c->name, c->line, c->col - 1,
            "text after a closing quote (a quoted field ends at its "
            "closing quote, then ',' or the line end)");
        return -1;
    }
    return 0;
}

/* An unquoted field from its first character *ch; *ch becomes the
 * character that ended it (',', '\n' or EOF). 0 or -1. */
static int read_plain(ds_csv *c, int *ch, char *err, size_t errlen)
{
    while (*ch != ',' && *ch != '\n' && *ch != EOF) {
        if (*ch == '"') {
            msg(err, errlen, c->name, c->line, c->col - 1,
                "quote inside an unquoted field (quote the whole field and "
                "double the quotes inside it)");
            return -1;
        }
        if (*ch == '\r' && crlf(c, ch))
            break;
        if (put_text(c, *ch, err, errlen))
            return -1;
        *ch = get(c);
    }
    return 0;
}

/* Parses one record into buf/off: 1 = a record, 0 = EOF before any byte,
 * -1 = malformed or out of memory (err set). Empty lines are skipped. */
static int read_record(ds_csv *c, char *err, size_t errlen)
{
    if (!skip_empty_lines(c))
        return 0;
    c->len = 0;
    c->nf = 0;
    c->row_line = c->line;
    c->row_start = ftell(c->f);
    for (;;) { /* one field per iteration */
        if (start_field(c))
            return oom(c, err, errlen);
        long qline = c->line, qcol = c->col;
        int ch = get(c);
        int bad = ch == '"' ? read_quoted(c, qline, qcol, &ch, err, errlen)
                            : read_plain(c, &ch, err, errlen);
        if (bad)
            return -1;
        if (put(c, '\0')) /* the field's end */
            return oom(c, err, errlen);
        if (ch != ',') {
            c->row_complete = ch == '\n';
            return 1;
        }
    }
}

int ds_csv_out_of_memory(const ds_csv *c) { return c->oom; }

static int cmp_name_ref(const void *a, const void *b)
{
    char **const *x = a, **const *y = b; /* pointers into the header array */
    int c = strcmp(**x, **y);
    return c ? c : (*x > *y) - (*x < *y); /* equal names: in header order */
}

/* The first column (in header order) whose name an earlier column has: its
 * index, -1 for none, -2 out of memory. By sorting: n log n, so a header of
 * many columns opens as fast as it is read. */
static int first_duplicate(char **head, int n)
{
    char ***ref = malloc((size_t)(n ? n : 1) * sizeof *ref);
    if (!ref)
        return -2;
    for (int i = 0; i < n; i++)
        ref[i] = &head[i];
    qsort(ref, (size_t)n, sizeof *ref, cmp_name_ref);
    int dup = -1;
    for (int i = 1; i < n; i++)
        if (!strcmp(*ref[i], *ref[i - 1]) && (i < 2 || strcmp(*ref[i - 1], *ref[i - 2]))) {
            int at = (int)(ref[i] - head); /* the second of a run of equal names */
            if (dup < 0 || at < dup)
                dup = at;
        }
    free(ref);
    return dup;
}

ds_csv *ds_csv_open_stream(FILE *f, const char *name, char *err, size_t errlen)
{
    ds_csv *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        snprintf(err, errlen, "deepsweep: %s: out of memory", name);
        free(c);
        fclose(f);
        return NULL;
    }
    c->f = f;
    c->line = 1;
    c->col = 1;
    int r = read_record(c, err, errlen);
    if (r == 0)
        msg(err, errlen, name, 1, 1, "empty file (a header line naming the columns is required)");
    if (r != 1)
        goto fail;
    c->ncols = c->nf;
    c->head = calloc((size_t)c->ncols, sizeof *c->head);
    if (!c->head)
        goto fail;
    int empty = -1; /* the first column without a name */
    for (int i = 0; i < c->ncols; i++) {
        if (!c->buf[c->off[i]] && empty < 0)
            empty = i;
        if (!(c->head[i] = strdup(c->buf + c->off[i]))) {
            oom(c, err, errlen);
            goto fail;
        }
    }
    int dup = first_duplicate(c->head, c->ncols);
    if (dup == -2) {
        oom(c, err, errlen);
        goto fail;
    }
    if (empty >= 0 && (dup < 0 || empty <= dup)) {
        msg(err, errlen, name, c->fline[empty], c->fcol[empty],
            "header column %d has no name (every column is named)", empty + 1);
        goto fail;
    }
    if (dup >= 0) {
        msg(err, errlen, name, c->fline[dup], c->fcol[dup],
            "duplicate column '%s' in the header (names are unique)", DS_ECHO(c->head[dup]));
        goto fail;
    }
    return c;
fail:
    ds_csv_close(c);
    return NULL;
}

ds_csv *ds_csv_open(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "deepsweep: %s: %s", path,
                 errno == ENOENT ? "not found" : strerror(errno));
        return NULL;
    }
    return ds_csv_open_stream(f, path, err, errlen);
}

void ds_csv_close(ds_csv *c)
{
    if (!c)
        return;
    if (c->f)
        fclose(c->f);
    if (c->head)
        for (int i = 0; i < c->ncols; i++)
            free(c->head[i]);
    free(c->head);
    free(c->name);
    free(c->buf);
    free(c->off);
    free(c->fline);
    free(c->fcol);
    free(c);
}

/* After a malformed record: on to the next line, so that a reader that
 * skips bad rows (the repair of a results folder) can go on. */
static void skip_line(ds_csv *c)
{
    int ch;
    while ((ch = get(c)) != EOF && ch != '\n')
        ;
}

int ds_csv_next(ds_csv *c, char *err, size_t errlen)
{
    int r = read_record(c, err, errlen);
    if (r < 0)
        skip_line(c);
    if (r != 1)
        return r;
    c->row_end = ftell(c->f);
    if (c->nf != c->ncols) {
        long col = c->nf > c->ncols ? c->fcol[c->ncols] : 1;
        long line = c->nf > c->ncols ? c->fline[c->ncols] : c->row_line;
        msg(err, errlen, c->name, line, col, "row has %d fields (the header has %d)",
            c->nf, c->ncols);
        return -1;
    }
    return 1;
}

int ds_csv_ncols(const ds_csv *c) { return c->ncols; }
const char *ds_csv_header(const ds_csv *c, int i) { return c->head[i]; }
int ds_csv_row_complete(const ds_csv *c) { return c->row_complete; }

void ds_csv_row_span(const ds_csv *c, long *start, long *end)
{
    *start = c->row_start;
    *end = c->row_end;
}
const char *ds_csv_name(const ds_csv *c) { return c->name; }
long ds_csv_line(const ds_csv *c) { return c->row_line; }

int ds_csv_col(const ds_csv *c, const char *name)
{
    for (int i = 0; i < c->ncols; i++)
        if (!strcmp(c->head[i], name))
            return i;
    return -1;
}

int ds_csv_require(const ds_csv *c, const char *const *names, int *idx, int n,
                   char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        idx[i] = ds_csv_col(c, names[i]);
        if (idx[i] < 0) {
            char want[512] = "";
            size_t k = 0;
            for (int j = 0; j < n && k < sizeof want; j++) {
                int w = snprintf(want + k, sizeof want - k, "%s%s", j ? "," : "", names[j]);
                if (w < 0)
                    break;
                k += (size_t)w;
            }
            msg(err, errlen, c->name, 1, 1, "missing column '%s' (the header must name %s)",
                names[i], want);
            return -1;
        }
    }
    return 0;
}

const char *ds_csv_field(const ds_csv *c, int i) { return c->buf + c->off[i]; }

int ds_csv_double(const ds_csv *c, int i, double *out, char *err, size_t errlen)
{
    const char *s = ds_csv_field(c, i);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* strtod is locale-dependent, but no harness code calls setlocale, so
     * the C locale's '.' decimal point is the one in force. */
    if (!*s || *end || (errno == ERANGE && isinf(v))) {
        msg(err, errlen, c->name, c->fline[i], c->fcol[i],
            "%s: '%s' is not a number (a decimal number with '.')", DS_ECHO(c->head[i]), DS_ECHO(s));
        return -1;
    }
    *out = v;
    return 0;
}

int ds_csv_int(const ds_csv *c, int i, long *out, char *err, size_t errlen)
{
    const char *s = ds_csv_field(c, i);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno == ERANGE) {
        msg(err, errlen, c->name, c->fline[i], c->fcol[i],
            "%s: '%s' is not an integer (decimal digits)", DS_ECHO(c->head[i]), DS_ECHO(s));
        return -1;
    }
    *out = v;
    return 0;
}
