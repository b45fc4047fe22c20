/* safetensors writer and reader (see safetensors.h). The reader parses the
 * JSON header with a small recursive-descent parser: objects, strings (JSON
 * escapes, \u included), integer arrays; that is all the format uses. Nothing
 * is cut or guessed: a string too long for its field, a key twice, a tensor
 * a deepsweep MLP does not have, offsets that do not tile the data region
 * exactly (overlaps, gaps, trailing bytes) and non-finite weights are all
 * refused, and every offset and shape is checked before any byte is copied. */
#include "safetensors.h"

#include "err.h"
#include "files.h"
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c writes float32 as stored in memory: a little-endian host is assumed"
#endif

int ds_safetensors_save(const char *path, const ds_mlp *m, const char *dataset, char *err,
                        size_t errlen)
{
    size_t cap = 4096 + (size_t)m->n_layers * 256, len = 0;
    char *hdr = malloc(cap);
    if (!hdr)
        return ds_errf(err, errlen, 1, "%s: out of memory", path);
    char dims[DS_MAX_LAYERS * 12 + 16] = "";
    for (int l = 0, o = 0; l <= m->n_layers; l++)
        o += snprintf(dims + o, sizeof dims - (size_t)o, "%s%d", l ? "," : "", m->dims[l]);
    len += (size_t)snprintf(hdr + len, cap - len,
                            "{\"__metadata__\":{\"format\":\"deepsweep-mlp\",\"dims\":\"%s\","
                            "\"activation\":\"%s\",\"act_param\":\"%.9g\",\"loss\":\"%s\"%s%s%s}",
                            dims, ds_act_to_name(m->act), (double)m->act_param,
                            ds_loss_name(m->loss), dataset ? ",\"dataset\":\"" : "",
                            dataset ? dataset : "", dataset ? "\"" : "");
    size_t off = 0;
    for (int l = 0; l < m->n_layers; l++) {
        size_t nw = (size_t)m->dims[l] * (size_t)m->dims[l + 1] * 4, nb = (size_t)m->dims[l + 1] * 4;
        len += (size_t)snprintf(hdr + len, cap - len,
                                ",\"layers.%d.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d],"
                                "\"data_offsets\":[%zu,%zu]}",
                                l, m->dims[l], m->dims[l + 1], off, off + nw);
        off += nw;
        len += (size_t)snprintf(hdr + len, cap - len,
                                ",\"layers.%d.bias\":{\"dtype\":\"F32\",\"shape\":[%d],"
                                "\"data_offsets\":[%zu,%zu]}",
                                l, m->dims[l + 1], off, off + nb);
        off += nb;
    }
    len += (size_t)snprintf(hdr + len, cap - len, "}");
    /* pad with spaces so the data starts 8-byte aligned (the format allows it) */
    while ((8 + len) % 8)
        hdr[len++] = ' ';

    /* The target is checked again: it may have changed during the training. */
    int rc = ds_check_output("--save", path, err, errlen);
    if (rc) {
        free(hdr);
        return 1;
    }
    ds_atomic a;
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)((uint64_t)len >> (8 * i));
    int ok = ds_atomic_begin(&a, path) == 0 && ds_atomic_write(&a, le, 8) == 0 &&
             ds_atomic_write(&a, hdr, len) == 0;
    for (int l = 0; ok && l < m->n_layers; l++) {
        size_t nw = (size_t)m->dims[l] * (size_t)m->dims[l + 1], nb = (size_t)m->dims[l + 1];
        ok = ds_atomic_write(&a, m->W[l], nw * 4) == 0 && ds_atomic_write(&a, m->b[l], nb * 4) == 0;
    }
    free(hdr);
    if (!ok || ds_atomic_commit(&a) != 0)
        return ds_errf(err, errlen, 1, "%s: write failed: %s (the file is unchanged)", path,
                       strerror(errno));
    return 0;
}

/* ---- a JSON subset: objects, strings (with escapes), integer arrays ---- */

typedef struct {
    const char *s, *end, *start;
    const char *path;
    char *err;
    size_t errlen;
    int bad;
    int depth; /* of the arrays and objects jskip is inside */
} jp;

/* JSON nesting jskip follows (it recurses): deeper is refused, not a stack
 * overflow. deepsweep's own files nest 3 levels. */
#define JSON_MAX_DEPTH 64

static void jfail(jp *p, const char *what)
{
    if (!p->bad)
        ds_errf(p->err, p->errlen, 2, "%s: malformed safetensors header: %s at byte %ld", p->path,
             what, (long)(p->s - p->start) + 8);
    p->bad = 1;
}

static void ws(jp *p)
{
    while (p->s < p->end && isspace((unsigned char)*p->s))
        p->s++;
}

static int expect(jp *p, char c)
{
    ws(p);
    if (p->s < p->end && *p->s == c) {
        p->s++;
        return 1;
    }
    char what[32];
    snprintf(what, sizeof what, "expected '%c'", c);
    jfail(p, what);
    return 0;
}

/* One JSON object, member by member: obj_open consumes '{' and says whether
 * a member follows ('{}' and errors: no); obj_more, after a member, consumes
 * ',' (another follows) or the closing '}' (done, as after any error). */
static int obj_open(jp *p)
{
    if (!expect(p, '{'))
        return 0;
    ws(p);
    if (p->s < p->end && *p->s == '}') {
        p->s++;
        return 0;
    }
    return 1;
}

static int obj_more(jp *p)
{
    if (p->bad)
        return 0;
    ws(p);
    if (p->s < p->end && *p->s == ',') {
        p->s++;
        return 1;
    }
    expect(p, '}');
    return 0;
}

/* A message of its own (not "malformed header at byte N"), once. */
static void jfailf(jp *p, const char *fmt, const char *arg)
{
    if (!p->bad) {
        char msg[256];
        snprintf(msg, sizeof msg, fmt, arg);
        ds_errf(p->err, p->errlen, 2, "%s: %s", p->path, msg);
    }
    p->bad = 1;
}

static int hex4(const char *s, const char *end, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        if (s + i >= end || !isxdigit((unsigned char)s[i]))
            return 0;
        *v = *v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
    }
    return 1;
}

/* Appends code point c as UTF-8 to out[*n] (within outlen-1). */
static int put_utf8(char *out, size_t outlen, size_t *n, unsigned c)
{
    unsigned char b[4];
    int k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (k == 1)
        b[0] = (unsigned char)c;
    else {
        for (int i = k - 1; i > 0; i--, c >>= 6)
            b[i] = (unsigned char)(0x80 | (c & 0x3f));
        b[0] = (unsigned char)((0xf00u >> k) | c); /* 110x, 1110x, 11110x */
    }
    if (*n + (size_t)k >= outlen)
        return 0;
    memcpy(out + *n, b, (size_t)k);
    *n += (size_t)k;
    return 1;
}

/* A JSON string into out (NUL-terminated), or skipped when out is NULL.
 * Escapes are JSON's (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs as one
 * code point); a string longer than outlen-1 bytes is an error, not cut. */
static int jstring(jp *p, char *out, size_t outlen)
{
    if (!expect(p, '"'))
        return 0;
    size_t n = 0;
    while (p->s < p->end && *p->s != '"') {
        unsigned c = (unsigned char)*p->s++;
        if (c < 0x20) {
            jfail(p, "control character in a string");
            return 0;
        }
        if (c == '\\') {
            if (p->s >= p->end)
                break;
            char e = *p->s++;
            switch (e) {
            case '"': case '\\': case '/': c = (unsigned char)e; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            default: c = 0;
            }
            if (c) {
                /* one of the single-character escapes */
            } else if (e == 'u') {
                if (!hex4(p->s, p->end, &c)) {
                    jfail(p, "\\u needs 4 hex digits");
                    return 0;
                }
                p->s += 4;
                unsigned lo;
                if (c >= 0xd800 && c < 0xdc00 && p->end - p->s >= 6 && p->s[0] == '\\' &&
                    p->s[1] == 'u' && hex4(p->s + 2, p->end, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                    c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                    p->s += 6;
                } else if (c >= 0xd800 && c < 0xe000) {
                    jfail(p, "\\u escape of a lone surrogate");
                    return 0;
                }
                if (c == 0) {
                    jfail(p, "\\u0000 in a string");
                    return 0;
                }
            } else {
                jfail(p, "unknown escape in a string");
                return 0;
            }
        }
        if (out && !put_utf8(out, outlen, &n, c)) {
            char what[64];
            snprintf(what, sizeof what, "string longer than %zu bytes", outlen - 1);
            jfail(p, what);
            return 0;
        }
    }
    if (out)
        out[n] = 0;
    if (p->s >= p->end) {
        jfail(p, "unterminated string");
        return 0;
    }
    p->s++;
    return 1;
}

static int jints(jp *p, long long *v, int maxn, int *count)
{
    *count = 0;
    if (!expect(p, '['))
        return 0;
    ws(p);
    if (p->s < p->end && *p->s == ']') {
        p->s++;
        return 1;
    }
    for (;;) {
        ws(p);
        /* digits only, within the header, no leading zero, below 2^53 */
        long long x = 0;
        const char *d = p->s;
        while (p->s < p->end && isdigit((unsigned char)*p->s) && x < (1LL << 53))
            x = x * 10 + (*p->s++ - '0');
        if (p->s == d || (*d == '0' && p->s - d > 1) || x >= (1LL << 53) ||
            (p->s < p->end && isdigit((unsigned char)*p->s))) {
            jfail(p, "expected a non-negative integer");
            return 0;
        }
        if (*count >= maxn) {
            jfail(p, "array too long");
            return 0;
        }
        v[(*count)++] = x;
        ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        return expect(p, ']');
    }
}

/* Skips any JSON value (for keys we do not use, e.g. other metadata). */
static void jskip(jp *p)
{
    ws(p);
    if (p->s >= p->end) {
        jfail(p, "unexpected end");
        return;
    }
    if (*p->s == '"') {
        jstring(p, NULL, 0);
        return;
    }
    if (*p->s == '{' || *p->s == '[') {
        char close = *p->s == '{' ? '}' : ']';
        if (p->depth >= JSON_MAX_DEPTH) {
            jfail(p, "a value nested deeper than 64 levels");
            return;
        }
        p->s++;
        ws(p);
        if (p->s < p->end && *p->s == close) {
            p->s++;
            return;
        }
        for (;;) {
            if (close == '}' && (!jstring(p, NULL, 0) || !expect(p, ':')))
                return;
            p->depth++;
            jskip(p);
            p->depth--;
            if (p->bad)
                return;
            ws(p);
            if (p->s < p->end && *p->s == ',') {
                p->s++;
                continue;
            }
            expect(p, close);
            return;
        }
    }
    while (p->s < p->end && (isalnum((unsigned char)*p->s) || strchr("+-.", *p->s)))
        p->s++;
}

typedef struct {
    char name[64];
    char dtype[8];
    long long shape[4];
    int rank;
    long long off[2];
    unsigned seen; /* dtype, shape, data_offsets: bits 0, 1, 2 */
} tensor_info;

#define MAX_TENSORS (2 * DS_MAX_LAYERS)

typedef struct {
    /* all as long as dims: a metadata value of any length is cut, never overrun */
    char dims[DS_MAX_LAYERS * 12 + 16], activation[DS_MAX_LAYERS * 12 + 16],
        act_param[DS_MAX_LAYERS * 12 + 16], loss[DS_MAX_LAYERS * 12 + 16],
        format[DS_MAX_LAYERS * 12 + 16], dataset[DS_MAX_LAYERS * 12 + 16];
    tensor_info t[MAX_TENSORS];
    int nt;
} header;

/* A member key seen twice in one object: JSON parsers keep one silently. */
static int seen_once(jp *p, unsigned *seen, int bit, const char *key)
{
    if (*seen & (1u << bit)) {
        jfailf(p, "header key \"%s\" appears twice in one object", key);
        return 0;
    }
    *seen |= 1u << bit;
    return 1;
}

static void parse_tensor(jp *p, tensor_info *t)
{
    if (!obj_open(p))
        return;
    do {
        char k[32];
        if (!jstring(p, k, sizeof k) || !expect(p, ':'))
            return;
        int cnt;
        if (!strcmp(k, "dtype")) {
            if (seen_once(p, &t->seen, 0, k))
                jstring(p, t->dtype, sizeof t->dtype);
        } else if (!strcmp(k, "shape")) {
            if (seen_once(p, &t->seen, 1, k))
                jints(p, t->shape, 4, &t->rank);
        } else if (!strcmp(k, "data_offsets")) {
            if (seen_once(p, &t->seen, 2, k) && jints(p, t->off, 2, &cnt) && cnt != 2)
                jfail(p, "data_offsets needs 2 integers");
        } else
            jskip(p);
    } while (obj_more(p));
}

static void parse_meta(jp *p, header *h)
{
    static const char *const keys[] = {"dims", "activation", "act_param", "loss", "format", "dataset"};
    char *dst[] = {h->dims, h->activation, h->act_param, h->loss, h->format, h->dataset};
    unsigned seen = 0;
    if (!obj_open(p))
        return;
    do {
        char k[32], v[sizeof h->dims];
        if (!jstring(p, k, sizeof k) || !expect(p, ':') || !jstring(p, v, sizeof v))
            return;
        for (int i = 0; i < (int)(sizeof keys / sizeof keys[0]); i++)
            if (!strcmp(k, keys[i]) && seen_once(p, &seen, i, k))
                snprintf(dst[i], sizeof h->dims, "%s", v);
    } while (obj_more(p));
}

static const tensor_info *find(const header *h, const char *name);

static void parse_header(jp *p, header *h)
{
    int has_meta = 0;
    if (!obj_open(p))
        return;
    do {
        char k[64];
        if (!jstring(p, k, sizeof k) || !expect(p, ':'))
            return;
        if (!strcmp(k, "__metadata__")) {
            if (has_meta++) {
                jfailf(p, "header key \"%s\" appears twice", k);
                return;
            }
            parse_meta(p, h);
        } else if (find(h, k)) {
            jfailf(p, "tensor '%s' appears twice in the header", k);
            return;
        } else if (h->nt < MAX_TENSORS) {
            tensor_info *t = &h->t[h->nt++];
            snprintf(t->name, sizeof t->name, "%s", k);
            parse_tensor(p, t);
        } else {
            jfail(p, "more tensors than a deepsweep MLP has");
            return;
        }
    } while (obj_more(p));
    ws(p); /* the format pads the header with spaces; nothing else may follow */
    if (!p->bad && p->s < p->end)
        jfail(p, "characters after the JSON object");
}

static const tensor_info *find(const header *h, const char *name)
{
    for (int i = 0; i < h->nt; i++)
        if (!strcmp(h->t[i].name, name))
            return &h->t[i];
    return NULL;
}

/* The whole file into *buf (at least the 8-byte header length). */
static int read_whole(const char *path, unsigned char **buf, long *fsz, char *err, size_t errlen)
{
    size_t len = 0;
    int rc = ds_read_input(path, NULL, (size_t)LONG_MAX, buf, &len, err, errlen);
    if (rc)
        return rc;
    *fsz = (long)len;
    if (*fsz < 8) {
        free(*buf);
        *buf = NULL;
        return ds_errf(err, errlen, 2, "%s: truncated: %ld bytes, a safetensors file has at least 8",
                       path, *fsz);
    }
    return 0;
}

static int check_tensors(const char *path, const header *h, uint64_t dlen, const ds_mlp *m,
                         char *err, size_t errlen);
static int check_tiling(const char *path, const header *h, uint64_t dlen, char *err, size_t errlen);

/* The net the metadata describes (dims, activation, act_param, loss), its
 * numbers through the one strict parser (parse.h). */
static int create_from_meta(const char *path, const header *h, uint64_t dlen, ds_mlp *m,
                            int max_batch, char *err, size_t errlen)
{
    int dims[DS_MAX_LAYERS + 1], nd = 0;
    ds_act act;
    ds_loss loss;
    char msg[512];
    if (!*h->dims)
        return ds_errf(err, errlen, 2, "%s: no \"dims\" in __metadata__ (not written by deepsweep: the architecture is unknown)",
                    path);
    /* as deepsweep writes it: digits and commas, nothing else (no sign, no spaces) */
    if (h->dims[strspn(h->dims, "0123456789,")])
        return ds_errf(err, errlen, 2, "%s: __metadata__ dims \"%s\" is not a list of widths like \"784,256,10\"",
                       path, DS_ECHO(h->dims));
    if (ds_parse_int_list("__metadata__ dims", "width", h->dims, 1, 1 << 24, DS_MAX_LAYERS + 1, dims,
                          &nd, msg, sizeof msg))
        return ds_errf(err, errlen, 2, "%s: %s", path, msg);
    if (nd < 2)
        return ds_errf(err, errlen, 2, "%s: __metadata__ dims \"%s\" needs inputs and outputs", path, h->dims);
    if (ds_act_parse(h->activation, &act) != 0)
        return ds_errf(err, errlen, 2, "%s: activation \"%s\" is unknown (valid: %s)", path, h->activation,
                    ds_act_valid_names());
    if (ds_loss_parse(h->loss, &loss) != 0)
        return ds_errf(err, errlen, 2, "%s: loss \"%s\" is unknown (valid: %s)", path, h->loss,
                    ds_loss_valid_names());
    const ds_act_row *row = ds_act_row_of(act);
    float act_param = row->param_default;
    ds_bounds b = row->param ? DS_CLOSED(row->param_min, row->param_max) : DS_ANY_REAL;
    if (*h->act_param && ds_parse_float("act_param", h->act_param, b, &act_param, msg, sizeof msg))
        return ds_errf(err, errlen, 2, "%s: __metadata__ %s", path, msg);
    /* every tensor checked against the file before the net is allocated, so
     * memory stays within the file's size whatever dims claims (dims
     * 100000,100000 in a 200-byte file asked for 40 GB) */
    ds_mlp shape;
    memset(&shape, 0, sizeof shape);
    shape.n_layers = nd - 1;
    memcpy(shape.dims, dims, (size_t)nd * sizeof dims[0]);
    int rc = check_tensors(path, h, dlen, &shape, err, errlen);
    if (rc || (rc = check_tiling(path, h, dlen, err, errlen)))
        return rc;
    if (ds_mlp_create(m, dims[0], nd - 2, dims + 1, dims[nd - 1], act, act_param, loss, 0.0f,
                      max_batch) != 0)
        return ds_errf(err, errlen, 1, "%s: out of memory", path);
    return 0;
}

/* Every tensor of the header is one of m's (layers.<l>.weight, .bias), each
 * F32 of m's shape within the data region. */
static int check_tensors(const char *path, const header *h, uint64_t dlen, const ds_mlp *m,
                         char *err, size_t errlen)
{
    for (int i = 0; i < h->nt; i++) {
        int l = -1;
        char kind[8] = "", canon[64] = "";
        const tensor_info *t = &h->t[i];
        /* the name must read back exactly: no "layers.01.weight", "layers.+1..." */
        if (sscanf(t->name, "layers.%d.%7[a-z]", &l, kind) == 2 && l >= 0 && l < m->n_layers)
            snprintf(canon, sizeof canon, "layers.%d.%s", l, kind);
        if (strcmp(canon, t->name) || (strcmp(kind, "weight") && strcmp(kind, "bias")))
            return ds_errf(err, errlen, 2, "%s: unexpected tensor '%s' (a %d-layer net has layers.0.weight to layers.%d.bias)",
                           path, t->name, m->n_layers, m->n_layers - 1);
    }
    for (int l = 0; l < m->n_layers; l++)
        for (int kind = 0; kind < 2; kind++) {
            char name[64];
            snprintf(name, sizeof name, "layers.%d.%s", l, kind ? "bias" : "weight");
            const tensor_info *t = find(h, name);
            long long want0 = kind ? m->dims[l + 1] : m->dims[l];
            long long n = kind ? want0 : want0 * m->dims[l + 1];
            if (!t)
                return ds_errf(err, errlen, 2, "%s: tensor %s is missing", path, name);
            if (strcmp(t->dtype, "F32"))
                return ds_errf(err, errlen, 2, "%s: %s has dtype %s (only F32 is read)", path, name,
                               t->seen & 1 ? t->dtype : "(none)");
            if (t->rank != (kind ? 1 : 2) || t->shape[0] != want0 ||
                (!kind && t->shape[1] != m->dims[l + 1]))
                return ds_errf(err, errlen, 2, "%s: %s has the wrong shape (expected [%lld%s%d])", path, name,
                               want0, kind ? "" : ", ", kind ? 0 : m->dims[l + 1]);
            if (!(t->seen & 4) || t->off[1] < t->off[0] || (uint64_t)t->off[1] > dlen ||
                t->off[1] - t->off[0] != n * 4)
                return ds_errf(err, errlen, 2, "%s: %s data_offsets [%lld, %lld] do not fit its shape or the file (%llu data bytes)",
                               path, name, t->off[0], t->off[1], (unsigned long long)dlen);
        }
    return 0;
}

/* The tensors tile the data region: sorted by offset (ties in header order),
 * each starts where the previous ends, the first at 0, the last at the end.
 * Overlaps (a bias read from weight bytes), gaps and trailing bytes are all
 * refused. */
static int check_tiling(const char *path, const header *h, uint64_t dlen, char *err, size_t errlen)
{
    const tensor_info *by[MAX_TENSORS];
    int n = h->nt;
    for (int i = 0; i < n; i++) { /* insertion sort: stable, at most 130 */
        int j = i;
        while (j > 0 && by[j - 1]->off[0] > h->t[i].off[0]) {
            by[j] = by[j - 1];
            j--;
        }
        by[j] = &h->t[i];
    }
    long long pos = 0;
    for (int i = 0; i < n; i++) {
        if (by[i]->off[0] < pos)
            return ds_errf(err, errlen, 2, "%s: %s data_offsets [%lld, %lld] overlap %s [%lld, %lld]",
                           path, by[i]->name, by[i]->off[0], by[i]->off[1], by[i - 1]->name,
                           by[i - 1]->off[0], by[i - 1]->off[1]);
        if (by[i]->off[0] > pos)
            return ds_errf(err, errlen, 2, "%s: bytes %lld to %lld of the data belong to no tensor (the tensors must tile the data region)",
                           path, pos, by[i]->off[0]);
        pos = by[i]->off[1];
    }
    if ((uint64_t)pos != dlen)
        return ds_errf(err, errlen, 2, "%s: %llu bytes after the last tensor (the data region is %llu bytes, the tensors end at %lld)",
                       path, (unsigned long long)(dlen - (uint64_t)pos), (unsigned long long)dlen, pos);
    return 0;
}

/* Every layer's weight and bias into m, each value finite. */
static int copy_tensors(const char *path, const header *h, const unsigned char *data, ds_mlp *m,
                        char *err, size_t errlen)
{
    for (int l = 0; l < m->n_layers; l++)
        for (int kind = 0; kind < 2; kind++) {
            char name[64];
            snprintf(name, sizeof name, "layers.%d.%s", l, kind ? "bias" : "weight");
            const tensor_info *t = find(h, name);
            float *dst = kind ? m->b[l] : m->W[l];
            size_t n = (size_t)(t->off[1] - t->off[0]) / 4;
            memcpy(dst, data + t->off[0], n * 4);
            for (size_t i = 0; i < n; i++)
                if (!isfinite(dst[i]))
                    return ds_errf(err, errlen, 2, "%s: %s[%zu] is %g (a model's weights are finite)",
                                   path, name, i, (double)dst[i]);
        }
    return 0;
}

int ds_safetensors_load(const char *path, ds_mlp *m, int max_batch, char *dataset,
                        size_t dataset_len, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (dataset && dataset_len)
        dataset[0] = 0;
    unsigned char *buf = NULL;
    long fsz = 0;
    int rc = read_whole(path, &buf, &fsz, err, errlen);
    if (rc)
        return rc;
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++)
        hlen |= (uint64_t)buf[i] << (8 * i);
    if (hlen > (uint64_t)fsz - 8) {
        free(buf);
        return ds_errf(err, errlen, 2, "%s: header length %llu exceeds the file (%ld bytes)", path,
                    (unsigned long long)hlen, fsz);
    }
    header *h = calloc(1, sizeof *h);
    if (!h) {
        free(buf);
        return ds_errf(err, errlen, 1, "%s: out of memory", path);
    }
    jp p = {(const char *)buf + 8, (const char *)buf + 8 + hlen, (const char *)buf + 8, path,
            err, errlen, 0, 0};
    parse_header(&p, h);
    uint64_t dlen = (uint64_t)fsz - 8 - hlen;
    rc = p.bad ? 2 : create_from_meta(path, h, dlen, m, max_batch, err, errlen);
    if (!rc && (rc = copy_tensors(path, h, buf + 8 + hlen, m, err, errlen)))
        ds_mlp_free(m);
    if (!rc && dataset && dataset_len)
        snprintf(dataset, dataset_len, "%s", h->dataset);
    free(h);
    free(buf);
    return rc;
}
