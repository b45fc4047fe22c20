/* safetensors writer and reader (see safetensors.h). The reader parses the
 * JSON header with a small recursive-descent parser: objects, strings,
 * integer arrays; that is all the format uses. Every offset and shape is
 * checked against the file before any byte is copied. */
#include "safetensors.h"

#include "err.h"
#include "files.h"

#include <ctype.h>
#include <errno.h>
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
} jp;

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

/* Reads a string into out (truncated to outlen-1; escapes kept simple). */
static int jstring(jp *p, char *out, size_t outlen)
{
    if (!expect(p, '"'))
        return 0;
    size_t n = 0;
    while (p->s < p->end && *p->s != '"') {
        char c = *p->s++;
        if (c == '\\') {
            if (p->s >= p->end)
                break;
            c = *p->s++;
            if (c == 'u') { /* \uXXXX: not used in our names; keep a '?' */
                p->s += 4;
                c = '?';
            } else if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
        }
        if (n + 1 < outlen)
            out[n++] = c;
    }
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
        char *e;
        errno = 0;
        long long x = strtoll(p->s, &e, 10);
        if (e == p->s || errno || x < 0 || e > p->end) {
            jfail(p, "expected a non-negative integer");
            return 0;
        }
        p->s = e;
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
        char tmp[8];
        jstring(p, tmp, sizeof tmp);
        return;
    }
    if (*p->s == '{' || *p->s == '[') {
        char close = *p->s == '{' ? '}' : ']';
        p->s++;
        ws(p);
        if (p->s < p->end && *p->s == close) {
            p->s++;
            return;
        }
        for (;;) {
            if (close == '}') {
                char k[8];
                if (!jstring(p, k, sizeof k) || !expect(p, ':'))
                    return;
            }
            jskip(p);
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

static void parse_tensor(jp *p, tensor_info *t)
{
    if (!obj_open(p))
        return;
    do {
        char k[32];
        if (!jstring(p, k, sizeof k) || !expect(p, ':'))
            return;
        int cnt;
        if (!strcmp(k, "dtype"))
            jstring(p, t->dtype, sizeof t->dtype);
        else if (!strcmp(k, "shape"))
            jints(p, t->shape, 4, &t->rank);
        else if (!strcmp(k, "data_offsets")) {
            if (jints(p, t->off, 2, &cnt) && cnt != 2)
                jfail(p, "data_offsets needs 2 integers");
        } else
            jskip(p);
    } while (obj_more(p));
}

static void parse_meta(jp *p, header *h)
{
    if (!obj_open(p))
        return;
    do {
        char k[32], v[sizeof h->dims];
        if (!jstring(p, k, sizeof k) || !expect(p, ':') || !jstring(p, v, sizeof v))
            return;
        if (!strcmp(k, "dims"))
            snprintf(h->dims, sizeof h->dims, "%s", v);
        else if (!strcmp(k, "activation"))
            snprintf(h->activation, sizeof h->activation, "%s", v);
        else if (!strcmp(k, "act_param"))
            snprintf(h->act_param, sizeof h->act_param, "%s", v);
        else if (!strcmp(k, "loss"))
            snprintf(h->loss, sizeof h->loss, "%s", v);
        else if (!strcmp(k, "format"))
            snprintf(h->format, sizeof h->format, "%s", v);
        else if (!strcmp(k, "dataset"))
            snprintf(h->dataset, sizeof h->dataset, "%s", v);
    } while (obj_more(p));
}

static void parse_header(jp *p, header *h)
{
    if (!obj_open(p))
        return;
    do {
        char k[64];
        if (!jstring(p, k, sizeof k) || !expect(p, ':'))
            return;
        if (!strcmp(k, "__metadata__"))
            parse_meta(p, h);
        else if (h->nt < MAX_TENSORS) {
            tensor_info *t = &h->t[h->nt++];
            snprintf(t->name, sizeof t->name, "%s", k);
            parse_tensor(p, t);
        } else {
            jfail(p, "more tensors than a deepsweep MLP has");
            return;
        }
    } while (obj_more(p));
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
    int fd;
    off_t size;
    int rc = ds_open_input(path, NULL, &fd, &size, err, errlen);
    if (rc)
        return rc;
    *fsz = (long)size;
    if (*fsz < 8) {
        close(fd);
        return ds_errf(err, errlen, 2, "%s: truncated: %ld bytes, a safetensors file has at least 8",
                       path, *fsz);
    }
    *buf = malloc((size_t)*fsz);
    if (!*buf) {
        close(fd);
        return ds_errf(err, errlen, 1, "%s: out of memory (%ld bytes)", path, *fsz);
    }
    size_t got = 0;
    while (got < (size_t)*fsz) {
        ssize_t n = read(fd, *buf + got, (size_t)*fsz - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != (size_t)*fsz) {
        free(*buf);
        *buf = NULL;
        return ds_errf(err, errlen, 2, "%s: read error (%zu of %ld bytes)", path, got, *fsz);
    }
    return 0;
}

/* The net the metadata describes (dims, activation, act_param, loss). */
static int create_from_meta(const char *path, const header *h, ds_mlp *m, int max_batch,
                            char *err, size_t errlen)
{
    int dims[DS_MAX_LAYERS + 1], nd = 0;
    ds_act act;
    ds_loss loss;
    if (!*h->dims)
        return ds_errf(err, errlen, 2, "%s: no \"dims\" in __metadata__ (not written by deepsweep: the architecture is unknown)",
                    path);
    for (const char *s = h->dims; *s;) {
        char *e;
        long v = strtol(s, &e, 10);
        if (e == s || v <= 0 || v > (1L << 24) || nd > DS_MAX_LAYERS || (*e && *e != ','))
            return ds_errf(err, errlen, 2, "%s: __metadata__ dims \"%s\" is malformed (comma-separated widths >= 1, at most %d layers)",
                        path, h->dims, DS_MAX_LAYERS);
        dims[nd++] = (int)v;
        s = *e ? e + 1 : e;
    }
    if (nd < 2)
        return ds_errf(err, errlen, 2, "%s: __metadata__ dims \"%s\" needs inputs and outputs", path, h->dims);
    if (ds_act_parse(h->activation, &act) != 0)
        return ds_errf(err, errlen, 2, "%s: activation \"%s\" is unknown (valid: %s)", path, h->activation,
                    ds_act_valid_names());
    if (ds_loss_parse(h->loss, &loss) != 0)
        return ds_errf(err, errlen, 2, "%s: loss \"%s\" is unknown (valid: %s)", path, h->loss,
                    ds_loss_valid_names());
    float act_param = *h->act_param ? strtof(h->act_param, NULL) : ds_act_row_of(act)->param_default;
    if (ds_mlp_create(m, dims[0], nd - 2, dims + 1, dims[nd - 1], act, act_param, loss, 0.0f,
                      max_batch) != 0)
        return ds_errf(err, errlen, 1, "%s: out of memory", path);
    return 0;
}

/* Every layer's weight and bias tensor, checked against m's shape. */
static int copy_tensors(const char *path, const header *h, const unsigned char *data,
                        uint64_t dlen, ds_mlp *m, char *err, size_t errlen)
{
    int rc = 0;
    for (int l = 0; l < m->n_layers && !rc; l++) {
        for (int kind = 0; kind < 2 && !rc; kind++) {
            char name[64];
            snprintf(name, sizeof name, "layers.%d.%s", l, kind ? "bias" : "weight");
            const tensor_info *t = find(h, name);
            long long want0 = kind ? m->dims[l + 1] : m->dims[l];
            long long n = kind ? want0 : want0 * m->dims[l + 1];
            if (!t)
                rc = ds_errf(err, errlen, 2, "%s: tensor %s is missing", path, name);
            else if (strcmp(t->dtype, "F32"))
                rc = ds_errf(err, errlen, 2, "%s: %s has dtype %s (only F32 is read)", path, name, t->dtype);
            else if (t->rank != (kind ? 1 : 2) || t->shape[0] != want0 ||
                     (!kind && t->shape[1] != m->dims[l + 1]))
                rc = ds_errf(err, errlen, 2, "%s: %s has the wrong shape (expected [%lld%s%d])", path, name,
                          want0, kind ? "" : ", ", kind ? 0 : m->dims[l + 1]);
            else if (t->off[1] < t->off[0] || (uint64_t)t->off[1] > dlen ||
                     t->off[1] - t->off[0] != n * 4)
                rc = ds_errf(err, errlen, 2, "%s: %s data_offsets [%lld, %lld] do not fit its shape or the file (%llu data bytes)",
                          path, name, t->off[0], t->off[1], (unsigned long long)dlen);
            else
                memcpy(kind ? m->b[l] : m->W[l], data + t->off[0], (size_t)n * 4);
        }
    }
    return rc;
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
            err, errlen, 0};
    parse_header(&p, h);
    rc = p.bad ? 2 : create_from_meta(path, h, m, max_batch, err, errlen);
    if (!rc && (rc = copy_tensors(path, h, buf + 8 + hlen, (uint64_t)fsz - 8 - hlen, m, err, errlen)))
        ds_mlp_free(m);
    if (!rc && dataset && dataset_len)
        snprintf(dataset, dataset_len, "%s", h->dataset);
    free(h);
    free(buf);
    return rc;
}
