/* IDX loader (harness/data.c): good files plain and gzip'd, every bad-input
 * class with its message, the built-in XOR set, and (when `make data` has run)
 * the real MNIST files. Bad files are generated in a fresh temp dir. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "data.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/ds-test-data-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(data_idx, .init = setup, .fini = teardown);

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Writes an IDX file: header (type, dims) then `payload` bytes of data
 * (element i = (i * 7) % 256, or labels i % mod). gz: through zlib. */
static void write_idx(const char *name, int type, int rank, const uint32_t *dims,
                      size_t payload, int label_mod, int gz, char *path_out)
{
    unsigned char hdr[4 + 4 * 4] = {0, 0, (unsigned char)type, (unsigned char)rank};
    for (int i = 0; i < rank; i++)
        put_be32(hdr + 4 + 4 * i, dims[i]);
    unsigned char *data = malloc(payload + 1);
    for (size_t i = 0; i < payload; i++)
        data[i] = (unsigned char)(label_mod ? i % (size_t)label_mod : (i * 7) % 256);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f);
        gzwrite(f, hdr, (unsigned)(4 + 4 * rank));
        if (payload)
            gzwrite(f, data, (unsigned)payload);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        fwrite(hdr, 1, (size_t)(4 + 4 * rank), f);
        fwrite(data, 1, payload, f);
        fclose(f);
    }
    free(data);
    if (path_out)
        strcpy(path_out, path);
}

static void expect_error(int rc, const char *err, const char *path, const char *what)
{
    cr_assert_eq(rc, 2, "rc %d, err '%s'", rc, err);
    cr_assert(strncmp(err, path, strlen(path)) == 0, "'%s' does not name %s", err, path);
    cr_assert_not_null(strstr(err, what), "'%s' lacks '%s'", err, what);
}

Test(data_idx, images_plain_and_gzip_scaled_and_aligned)
{
    uint32_t dims[3] = {3, 4, 5};
    for (int gz = 0; gz < 2; gz++) {
        char path[256];
        write_idx(gz ? "img.gz" : "img", 8, 3, dims, 60, 0, gz, path);
        int n = 0, f = 0;
        float *x = NULL;
        char err[512] = "";
        cr_assert_eq(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), 0, "%s", err);
        cr_assert_eq(n, 3);
        cr_assert_eq(f, 20);
        cr_assert_eq((uintptr_t)x % 64, 0, "not 64-byte aligned");
        for (int i = 0; i < 60; i++) /* exact: the loader divides the byte by 255 */
            cr_assert_eq(x[i], (float)((i * 7) % 256) / 255.0f, "pixel %d", i);
        free(x);
    }
}

Test(data_idx, labels_read_and_range_checked)
{
    uint32_t d = 30;
    char path[256], err[512] = "";
    write_idx("lab", 8, 1, &d, 30, 10, 0, path);
    int n;
    int32_t *y;
    cr_assert_eq(ds_idx_read_labels(path, 10, &n, &y, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 30);
    for (int i = 0; i < 30; i++)
        cr_assert_eq(y[i], i % 10);
    free(y);
    write_idx("lab12", 8, 1, &d, 30, 13, 0, path); /* labels 0..12 */
    expect_error(ds_idx_read_labels(path, 10, &n, &y, err, sizeof err), err, path,
                 "label 10 at index 10 is out of range (0-9)");
}

Test(data_idx, wrong_magic_type_rank)
{
    uint32_t dims[3] = {2, 2, 2};
    char path[256], err[512];
    int n, f;
    float *x;
    write_idx("badtype", 0x0D, 3, dims, 8, 0, 0, path); /* 0x0D = float: not read */
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "element type 0x0d is not supported (0x08 = unsigned byte)");
    write_idx("rank1", 8, 1, dims, 2, 0, 0, path);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "rank 1, expected 3");
    /* wrong magic: a PNG's first bytes */
    snprintf(path, sizeof path, "%s/png", dir);
    FILE *fp = fopen(path, "wb");
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, fp);
    fclose(fp);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "wrong magic 0x89504e47");
}

Test(data_idx, truncated_trailing_and_overflowing_dims)
{
    uint32_t dims[3] = {10, 28, 28};
    char path[256], err[512];
    int n, f;
    float *x;
    write_idx("short", 8, 3, dims, 7839, 0, 0, path);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "truncated: header says 7840 bytes of data, file has 7839");
    write_idx("long", 8, 3, dims, 7841, 0, 0, path);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "trailing bytes: header says 7840 bytes of data, file has 7841");
    write_idx("short.gz", 8, 3, dims, 100, 0, 1, path);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "truncated: header says 7840 bytes of data, file has 100");
    /* 65536 x 65536 x 65536 wraps to 0 in 32 bits and 2^48 in 64 */
    uint32_t big[3] = {65536, 65536, 65536};
    write_idx("huge", 8, 3, big, 16, 0, 0, path);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "dimensions overflow");
    /* header cut inside the dims */
    snprintf(path, sizeof path, "%s/hdr", dir);
    FILE *fp = fopen(path, "wb");
    fwrite("\0\0\x08\x03\0\0", 1, 6, fp);
    fclose(fp);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "truncated: 6 bytes, the rank-3 header needs 16");
}

Test(data_idx, corrupt_gzip_stream)
{
    uint32_t dims[3] = {50, 28, 28};
    char path[256], err[512];
    int n, f;
    float *x;
    write_idx("cut.gz", 8, 3, dims, 50 * 784, 0, 1, path);
    /* cut the compressed file in half: the stream ends early */
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(truncate(path, st.st_size / 2), 0);
    int rc = ds_idx_read_images(path, &n, &f, &x, err, sizeof err);
    cr_assert_eq(rc, 2, "%s", err);
    cr_assert(strncmp(err, path, strlen(path)) == 0, "%s", err);
    cr_assert(strstr(err, "truncated") || strstr(err, "corrupt"), "%s", err);
}

/* Bytes after the gzip member are an error, as after a plain IDX file's
 * data (zlib's gzread skips them silently). A second gzip member is gzip's
 * own concatenation and stays valid. A directory or fifo: a message. */
Test(data_idx, gzip_trailing_bytes_refused)
{
    uint32_t dims[3] = {2, 2, 2};
    char path[256], err[512];
    int n, f;
    float *x;
    write_idx("junk.gz", 8, 3, dims, 8, 0, 1, path);
    FILE *fp = fopen(path, "ab");
    fputs("junk", fp);
    fclose(fp);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path,
                 "4 bytes after the gzip stream (a file holds one gzip'd IDX file)");
    /* two members: header in one, data in the other */
    snprintf(path, sizeof path, "%s/two.gz", dir);
    unsigned char hdr[16] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2}, data[8] = {0};
    gzFile g = gzopen(path, "wb");
    gzwrite(g, hdr, 16);
    gzclose(g);
    g = gzopen(path, "ab");
    gzwrite(g, data, 8);
    gzclose(g);
    cr_assert_eq(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 2);
    free(x);
    snprintf(path, sizeof path, "%s/d.gz", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path, "is a directory");
    snprintf(path, sizeof path, "%s/fifo", dir);
    cr_assert_eq(mkfifo(path, 0644), 0);
    expect_error(ds_idx_read_images(path, &n, &f, &x, err, sizeof err), err, path, "is a fifo");
}

Test(data_idx, dataset_missing_and_count_mismatch)
{
    ds_dataset tr, te;
    char err[512], want[512];
    int rc = ds_dataset_load("mnist", dir, &tr, &te, err, sizeof err);
    snprintf(want, sizeof want, "%s/train-images-idx3-ubyte: not found (run 'make data')", dir);
    cr_assert_eq(rc, 2);
    cr_assert_str_eq(err, want);

    uint32_t di[3] = {5, 2, 2}, dl = 4;
    write_idx("train-images-idx3-ubyte", 8, 3, di, 20, 0, 0, NULL);
    write_idx("train-labels-idx1-ubyte.gz", 8, 1, &dl, 4, 10, 1, NULL); /* .gz found too */
    rc = ds_dataset_load("mnist", dir, &tr, &te, err, sizeof err);
    snprintf(want, sizeof want,
             "%s/train-labels-idx1-ubyte.gz: 4 labels but %s/train-images-idx3-ubyte has 5 images (the counts must agree)",
             dir, dir);
    cr_assert_eq(rc, 2);
    cr_assert_str_eq(err, want);

    rc = ds_dataset_load("cifar", dir, &tr, &te, err, sizeof err);
    cr_assert_eq(rc, 2);
    cr_assert_str_eq(err, "dataset: unknown name 'cifar' (valid: mnist, fashion-mnist, xor)");
}

Test(data_idx, xor_built_in)
{
    ds_dataset tr, te;
    char err[256];
    cr_assert_eq(ds_dataset_load("xor", "", &tr, &te, err, sizeof err), 0);
    cr_assert_eq(tr.n, 4);
    cr_assert_eq(tr.features, 2);
    cr_assert_eq(tr.classes, 1);
    for (int i = 0; i < 4; i++) /* label = a XOR b for every point */
        cr_assert_eq(tr.y[i], (int)tr.x[2 * i] ^ (int)tr.x[2 * i + 1]);
    cr_assert_eq(te.n, 4);
    ds_dataset_free(&tr);
    ds_dataset_free(&te);
}

/* The real files, when present (tests must pass before `make data` too). */
Test(data_idx, real_mnist_and_fashion_when_fetched)
{
    const char *sets[] = {"mnist", "fashion-mnist"};
    for (int s = 0; s < 2; s++) {
        char d[64];
        snprintf(d, sizeof d, "data/%s", sets[s]);
        struct stat st;
        if (stat(d, &st) != 0) {
            cr_log_warn("%s not fetched ('make data'): skipped", d);
            continue;
        }
        ds_dataset tr, te;
        char err[512];
        cr_assert_eq(ds_dataset_load(sets[s], "", &tr, &te, err, sizeof err), 0, "%s", err);
        cr_assert_eq(tr.n, 60000);
        cr_assert_eq(te.n, 10000);
        cr_assert_eq(tr.features, 784);
        long count[10] = {0};
        float lo = 1, hi = 0;
        for (int i = 0; i < tr.n; i++)
            count[tr.y[i]]++;
        for (size_t i = 0; i < (size_t)tr.n * 784; i++) {
            lo = tr.x[i] < lo ? tr.x[i] : lo;
            hi = tr.x[i] > hi ? tr.x[i] : hi;
        }
        cr_assert_eq(lo, 0.0f);
        cr_assert_eq(hi, 1.0f);
        /* MNIST classes hold 5421..6742 training images, Fashion-MNIST 6000 each */
        for (int c = 0; c < 10; c++)
            cr_assert(count[c] >= 5421 && count[c] <= 6742, "%s class %d: %ld", sets[s], c,
                      count[c]);
        ds_dataset_free(&tr);
        ds_dataset_free(&te);
    }
}

/* The CLI: bad data is refused with exit 2 and nothing is written. */
Test(data_idx, cli_missing_data_writes_nothing)
{
    const char *bin = getenv("DEEPSWEEP_BIN");
    if (!bin)
        bin = "build/deepsweep";
    char cmd[1024], out[256], errf[256];
    snprintf(out, sizeof out, "%s/model.safetensors", dir);
    snprintf(errf, sizeof errf, "%s/stderr", dir);
    snprintf(cmd, sizeof cmd, "%s train --data-dir %s/none --epochs 1 --save %s 2>%s >/dev/null",
             bin, dir, out, errf);
    int st = system(cmd);
    cr_assert(WIFEXITED(st));
    cr_assert_eq(WEXITSTATUS(st), 2);
    FILE *f = fopen(errf, "r");
    char line[512] = "", want[512];
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    snprintf(want, sizeof want,
             "deepsweep: train: %s/none/train-images-idx3-ubyte: not found (run 'make data')\n", dir);
    cr_assert_str_eq(line, want);
    struct stat sb;
    cr_assert_neq(stat(out, &sb), 0, "%s was written", out);
}
