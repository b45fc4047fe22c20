/* Fuzz target of the IDX reader (data.c): the first byte picks labels or
 * images, and whether the rest is the file as is (plain IDX, or gzip bytes
 * the fuzzer shapes itself) or gzip-compressed first (so the IDX checks are
 * reached through zlib's stream as well). */
#include "fuzz.h"

#include "data.h"
#include "kernels.h"

#include <stdlib.h>
#include <zlib.h>

int ds_fuzz_idx(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    int labels = data[0] & 1, compress = data[0] & 2;
    data++;
    size--;
    const char *path;
    unsigned char *z = NULL;
    if (compress) {
        uLong cap = compressBound((uLong)size) + 32;
        z = malloc(cap);
        if (!z)
            return 0;
        z_stream s = {0};
        /* windowBits 15 + 16: a gzip member, as gzip(1) writes */
        if (deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            ds_fuzz_fail("deflateInit2", NULL);
        s.next_in = (Bytef *)data;
        s.avail_in = (uInt)size;
        s.next_out = z;
        s.avail_out = (uInt)cap;
        if (deflate(&s, Z_FINISH) != Z_STREAM_END)
            ds_fuzz_fail("deflate", NULL);
        size_t zn = cap - s.avail_out;
        deflateEnd(&s);
        path = ds_fuzz_file(z, zn, ".gz");
    } else {
        path = ds_fuzz_file(data, size, "-idx");
    }
    char err[2048] = "";
    int n = 0, r;
    if (labels) {
        int32_t *y = NULL;
        r = ds_idx_read_labels(path, 10, &n, &y, err, sizeof err);
        ds_fuzz_check_status("ds_idx_read_labels", r, err);
        if (r == 1 && size < DS_FUZZ_SMALL)
            ds_fuzz_fail("ds_idx_read_labels: out of memory for a small file", err);
        if (!r) {
            for (int i = 0; i < n; i++)
                if (y[i] < 0 || y[i] >= 10)
                    ds_fuzz_fail("ds_idx_read_labels", "a label out of range was accepted");
            ds_aligned_free(y);
        }
    } else {
        float *x = NULL;
        int features = 0;
        r = ds_idx_read_images(path, &n, &features, &x, err, sizeof err);
        ds_fuzz_check_status("ds_idx_read_images", r, err);
        if (r == 1 && size < DS_FUZZ_SMALL)
            ds_fuzz_fail("ds_idx_read_images: out of memory for a small file", err);
        if (!r) {
            for (size_t i = 0; i < (size_t)n * (size_t)features; i++)
                if (!(x[i] >= 0.0f && x[i] <= 1.0f))
                    ds_fuzz_fail("ds_idx_read_images", "a pixel outside [0, 1]");
            ds_aligned_free(x);
        }
    }
    free(z);
    return 0;
}
