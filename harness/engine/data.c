/* IDX files (MNIST, Fashion-MNIST; plain or gzip'd) and the built-in XOR set.
 *
 * An IDX file is: two zero bytes, an element-type byte (0x08 = unsigned byte,
 * the only type MNIST uses and the only one read here), a rank byte, then
 * `rank` big-endian uint32 dimensions and the elements. The whole file is read
 * (inflated first when it starts with the gzip magic, and then bytes after the
 * gzip stream are an error), so one path validates both; every check compares
 * the header against the bytes actually present, so a truncated or padded file
 * is refused rather than read short. */
#include "data.h"
#include "err.h"
#include "files.h"
#include "init.h"
#include "names.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* MNIST's training images are 47 MB; anything past this is not a dataset we
 * know and would only exhaust memory. */
#define IDX_MAX_BYTES ((size_t)1 << 31)

/* Inflates the gzip stream in[0..n-1] (one member, or gzip's concatenated
 * members) into *out. Anything after the last member is an error, as bytes
 * after a plain IDX file's data are. */
static int gunzip(const char *path, const unsigned char *in, size_t n, unsigned char **out,
                  size_t *len, char *err, size_t errlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return ds_errf(err, errlen, 1, "%s: out of memory", path);
    size_t cap = n * 4 + 64, used = 0;
    unsigned char *b = malloc(cap);
    int rc = b ? 0 : ds_errf(err, errlen, 1, "%s: out of memory", path);
    z.next_in = (unsigned char *)in;
    while (!rc) {
        if (used == cap) {
            if (cap >= IDX_MAX_BYTES) {
                rc = ds_errf(err, errlen, 2, "%s: larger than %zu bytes uncompressed (not an MNIST-sized IDX file)",
                             path, IDX_MAX_BYTES);
                break;
            }
            cap = cap * 2 > IDX_MAX_BYTES ? IDX_MAX_BYTES : cap * 2;
            unsigned char *nb = realloc(b, cap);
            if (!nb) {
                rc = ds_errf(err, errlen, 1, "%s: out of memory", path);
                break;
            }
            b = nb;
        }
        size_t left = n - (size_t)(z.next_in - in);
        z.avail_in = left > (1u << 30) ? 1u << 30 : (unsigned)left;
        z.next_out = b + used;
        z.avail_out = cap - used > (1u << 30) ? 1u << 30 : (unsigned)(cap - used);
        unsigned before = z.avail_out;
        int zr = inflate(&z, Z_NO_FLUSH);
        used += before - z.avail_out;
        left = n - (size_t)(z.next_in - in);
        if (zr == Z_STREAM_END) {
            if (!left)
                break;
            if (left >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
                inflateReset(&z); /* another member */
                continue;
            }
            rc = ds_errf(err, errlen, 2, "%s: %zu bytes after the gzip stream (a file holds one gzip'd IDX file)",
                         path, left);
        } else if (zr == Z_BUF_ERROR && !left) {
            rc = ds_errf(err, errlen, 2, "%s: truncated gzip stream", path);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = ds_errf(err, errlen, 2, "%s: corrupt gzip stream (%s)", path,
                         z.msg ? z.msg : "zlib error");
        }
    }
    inflateEnd(&z);
    if (rc) {
        free(b);
        return rc;
    }
    *out = b;
    *len = used;
    return 0;
}

/* Reads the whole file into *buf: inflated when it is gzip'd (it starts with
 * the gzip magic 1f 8b; an IDX file starts with 00 00). */
static int slurp(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    int rc = ds_read_input(path, " (run 'make data')", IDX_MAX_BYTES, &raw, &n, err, errlen);
    if (rc || n < 2 || raw[0] != 0x1f || raw[1] != 0x8b) {
        if (!rc)
            *buf = raw, *len = n;
        return rc;
    }
    rc = gunzip(path, raw, n, buf, len, err, errlen);
    free(raw);
    return rc;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Validates the header of an IDX file of the given rank and returns its dims
 * and the offset of the first element. */
static int idx_header(const char *path, const unsigned char *b, size_t len, int rank,
                      uint32_t dims[3], size_t *offset, char *err, size_t errlen)
{
    if (len < 4)
        return ds_errf(err, errlen, 2, "%s: truncated: %zu bytes, an IDX header needs at least 4",
                    path, len);
    if (b[0] != 0 || b[1] != 0)
        return ds_errf(err, errlen, 2, "%s: wrong magic 0x%02x%02x%02x%02x (an IDX file starts with 0x0000)",
                    path, b[0], b[1], b[2], b[3]);
    if (b[2] != 0x08)
        return ds_errf(err, errlen, 2, "%s: element type 0x%02x is not supported (0x08 = unsigned byte)",
                    path, b[2]);
    if (b[3] != rank)
        return ds_errf(err, errlen, 2, "%s: rank %d, expected %d (%s)", path, b[3], rank,
                    rank == 3 ? "images: count x rows x cols" : "labels: count");
    size_t hdr = 4 + 4 * (size_t)rank;
    if (len < hdr)
        return ds_errf(err, errlen, 2, "%s: truncated: %zu bytes, the rank-%d header needs %zu",
                    path, len, rank, hdr);
    uint64_t prod = 1;
    for (int i = 0; i < rank; i++) {
        dims[i] = be32(b + 4 + 4 * i);
        prod *= dims[i]; /* each factor < 2^32 and we stop before 2^63 */
        if (prod > (uint64_t)INT32_MAX)
            return ds_errf(err, errlen, 2,
                        "%s: dimensions overflow: their product exceeds %d elements", path,
                        INT32_MAX);
    }
    if (prod == 0)
        return ds_errf(err, errlen, 2, "%s: empty: a dimension is 0 (every dimension must be >= 1)",
                    path);
    if (len - hdr != prod)
        return ds_errf(err, errlen, 2, "%s: %s: header says %llu bytes of data, file has %zu",
                    path, len - hdr < prod ? "truncated" : "trailing bytes",
                    (unsigned long long)prod, len - hdr);
    *offset = hdr;
    return 0;
}

/* A whole IDX file of the given rank: its bytes in *b (free them), its
 * dimensions, and the offset of the data after the header. */
static int read_idx(const char *path, int rank, unsigned char **b, uint32_t dims[3],
                    size_t *off, char *err, size_t errlen)
{
    size_t len = 0;
    int rc = slurp(path, b, &len, err, errlen);
    if (rc)
        return rc;
    rc = idx_header(path, *b, len, rank, dims, off, err, errlen);
    if (rc)
        free(*b);
    return rc;
}

int ds_idx_read_images(const char *path, int *n, int *features, float **x, char *err,
                       size_t errlen)
{
    unsigned char *b;
    size_t off;
    uint32_t dims[3] = {0, 0, 0};
    int rc = read_idx(path, 3, &b, dims, &off, err, errlen);
    if (rc)
        return rc;
    size_t total = (size_t)dims[0] * dims[1] * dims[2];
    float *out = ds_aligned_alloc(total * sizeof *out);
    if (!out) {
        free(b);
        return ds_errf(err, errlen, 1, "%s: out of memory (%zu floats)", path, total);
    }
    /* One-off conversion at load time, not a hot path. */
    for (size_t i = 0; i < total; i++)
        out[i] = (float)b[off + i] / 255.0f;
    free(b);
    *n = (int)dims[0];
    *features = (int)(dims[1] * dims[2]);
    *x = out;
    return 0;
}

int ds_idx_read_labels(const char *path, int max_label, int *n, int32_t **y, char *err,
                       size_t errlen)
{
    unsigned char *b;
    size_t off;
    uint32_t dims[3] = {0, 0, 0};
    int rc = read_idx(path, 1, &b, dims, &off, err, errlen);
    if (rc)
        return rc;
    int32_t *out = ds_aligned_alloc((size_t)dims[0] * sizeof *out);
    if (!out) {
        free(b);
        return ds_errf(err, errlen, 1, "%s: out of memory", path);
    }
    for (uint32_t i = 0; i < dims[0]; i++) {
        if (b[off + i] >= max_label) {
            rc = ds_errf(err, errlen, 2, "%s: label %d at index %u is out of range (0-%d)", path,
                      b[off + i], i, max_label - 1);
            ds_aligned_free(out);
            free(b);
            return rc;
        }
        out[i] = b[off + i];
    }
    free(b);
    *n = (int)dims[0];
    *y = out;
    return 0;
}

void ds_dataset_free(ds_dataset *d)
{
    if (!d)
        return;
    ds_aligned_free(d->x);
    ds_aligned_free(d->y);
    memset(d, 0, sizeof *d);
}

/* Picks "<dir>/<base>" or, if only that exists, "<dir>/<base>.gz". When
 * neither exists, the plain name is kept so the error names what `make data`
 * provides for MNIST. */
static void idx_path(char *out, size_t outlen, const char *dir, const char *base)
{
    struct stat st;
    snprintf(out, outlen, "%s/%s", dir, base);
    if (stat(out, &st) == 0)
        return;
    char gz[1024];
    snprintf(gz, sizeof gz, "%s/%s.gz", dir, base);
    if (stat(gz, &st) == 0)
        snprintf(out, outlen, "%s", gz);
}

/* One split: the images and labels files named by the dataset's row. */
static int load_split(const char *dir, const char *images, const char *labels, int classes,
                      ds_dataset *d, char *err, size_t errlen)
{
    char ip[1024], lp[1024];
    idx_path(ip, sizeof ip, dir, images);
    idx_path(lp, sizeof lp, dir, labels);
    memset(d, 0, sizeof *d);
    int n_img, n_lab, rc;
    rc = ds_idx_read_images(ip, &n_img, &d->features, &d->x, err, errlen);
    if (rc)
        return rc;
    rc = ds_idx_read_labels(lp, classes, &n_lab, &d->y, err, errlen);
    if (rc) {
        ds_dataset_free(d);
        return rc;
    }
    if (n_img != n_lab) {
        rc = ds_errf(err, errlen, 2, "%s: %d labels but %s has %d images (the counts must agree)",
                  lp, n_lab, ip, n_img);
        ds_dataset_free(d);
        return rc;
    }
    d->n = n_img;
    d->classes = classes;
    return 0;
}

static int make_xor(ds_dataset *d, char *err, size_t errlen)
{
    static const float pts[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    static const int32_t lab[4] = {0, 1, 1, 0};
    memset(d, 0, sizeof *d);
    d->x = ds_aligned_alloc(sizeof pts);
    d->y = ds_aligned_alloc(sizeof lab);
    if (!d->x || !d->y) {
        ds_dataset_free(d);
        return ds_errf(err, errlen, 1, "xor: out of memory");
    }
    memcpy(d->x, pts, sizeof pts);
    memcpy(d->y, lab, sizeof lab);
    d->n = 4;
    d->features = 2;
    d->classes = 1;
    return 0;
}

int ds_dataset_load(const char *name, const char *dir, ds_dataset *train, ds_dataset *test,
                    char *err, size_t errlen)
{
    const ds_dataset_row *row = ds_dataset_row_of(name);
    if (!row)
        return ds_errf(err, errlen, 2, "dataset: unknown name '%s' (valid: %s)", name,
                    ds_dataset_valid_names());
    if (!row->files[0]) { /* built in: xor is the only one */
        int rc = make_xor(train, err, errlen);
        if (!rc && (rc = make_xor(test, err, errlen)) != 0)
            ds_dataset_free(train);
        return rc;
    }
    char defdir[300];
    if (!dir || !*dir) {
        snprintf(defdir, sizeof defdir, "data/%s", name);
        dir = defdir;
    }
    int rc = load_split(dir, row->files[0], row->files[1], row->classes, train, err, errlen);
    if (rc)
        return rc;
    rc = load_split(dir, row->files[2], row->files[3], row->classes, test, err, errlen);
    if (rc) {
        ds_dataset_free(train);
        return rc;
    }
    if (train->features != test->features) {
        rc = ds_errf(err, errlen, 2, "%s/%s: %d features per image but the training images have %d",
                  dir, row->files[2], test->features, train->features);
        ds_dataset_free(train);
        ds_dataset_free(test);
        return rc;
    }
    return 0;
}

/* ---- the validation split --------------------------------------------------- */

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int ds_sample_sorted(int n, int k, uint64_t seed, uint32_t stream, int32_t *out)
{
    if (k <= 0)
        return 0;
    int32_t *p = malloc((size_t)n * sizeof *p);
    if (!p)
        return 1;
    for (int i = 0; i < n; i++)
        p[i] = i;
    for (int i = 0; i < k && i < n - 1; i++) {
        uint32_t r[4];
        ds_rand4(seed, (uint32_t)i, 0, stream, r);
        /* 64 random bits modulo n - i <= 2^31: bias below 2^-32 */
        uint64_t v = (uint64_t)r[0] << 32 | r[1];
        int j = i + (int)(v % (uint64_t)(n - i));
        int32_t t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    memcpy(out, p, (size_t)k * sizeof *out);
    free(p);
    qsort(out, (size_t)k, sizeof *out, cmp_i32);
    return 0;
}

int ds_split(int n, int val_n, int train_subset, uint64_t seed, int32_t **train_idx,
             int *n_train, int32_t **val_idx, char *err, size_t errlen)
{
    *train_idx = *val_idx = NULL;
    *n_train = 0;
    if (val_n < 0 || val_n >= n)
        return ds_errf(err, errlen, 2, "val_split: %d is out of range (0 <= val_split < %d, "
                       "the training set)", val_n, n);
    int rest = n - val_n;
    if (train_subset < 0 || train_subset > rest)
        return ds_errf(err, errlen, 2, "train_subset: %d is out of range (1 <= train_subset <= "
                       "%d, the training set%s)", train_subset, rest,
                       val_n ? " less val_split" : "");
    int m = train_subset > 0 ? train_subset : rest;
    int32_t *v = val_n ? malloc((size_t)val_n * sizeof *v) : NULL;
    int32_t *t = malloc((size_t)m * sizeof *t);
    if ((val_n && !v) || !t || ds_sample_sorted(n, val_n, seed, DS_STREAM_VALSPLIT, v)) {
        free(v);
        free(t);
        return ds_errf(err, errlen, 1, "out of memory");
    }
    /* the training images: every index not in v (sorted), in order */
    for (int i = 0, k = 0, o = 0; i < n && o < m; i++) {
        if (k < val_n && v[k] == i) {
            k++;
            continue;
        }
        t[o++] = i;
    }
    *train_idx = t;
    *val_idx = v;
    *n_train = m;
    return 0;
}
