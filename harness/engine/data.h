/* Datasets: IDX files (MNIST, Fashion-MNIST; plain or gzip'd), XOR built in. */
#ifndef DS_DATA_H
#define DS_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int n;           /* samples                                        */
    int features;    /* inputs per sample (784 for MNIST, 2 for XOR)   */
    int classes;     /* 10, or 1 for XOR's single sigmoid output       */
    float *x;        /* [n x features], 64-byte aligned, in [0,1]      */
    int32_t *y;      /* [n] labels in [0, classes) (class index; 0/1 for XOR) */
} ds_dataset;

/* Loads dataset `name` from `dir` ("" = data/<name>): its training and test
 * splits (XOR: the four points, train == test). Returns 0; or 2 for bad or
 * missing input with a message in err naming the file and what is wrong
 * ("data/mnist/train-images-idx3-ubyte: not found (run 'make data')"); or 1 for
 * a run-time failure (out of memory). */
int ds_dataset_load(const char *name, const char *dir, ds_dataset *train,
                    ds_dataset *test, char *err, size_t errlen);

/* Reads one IDX file (magic, type, dims validated against the file size;
 * .gz accepted). images: rank 3 -> float [n x rows*cols] scaled to [0,1];
 * labels: rank 1 -> int32 checked < max_label. */
int ds_idx_read_images(const char *path, int *n, int *features, float **x,
                       char *err, size_t errlen);
int ds_idx_read_labels(const char *path, int max_label, int *n, int32_t **y,
                       char *err, size_t errlen);

void ds_dataset_free(ds_dataset *d);

/* ---- the validation split --------------------------------------------------
 * k of the indices 0..n-1 drawn by a partial Fisher-Yates shuffle whose draws
 * are Philox keyed (seed, i, stream): a function of (n, k, seed, stream)
 * alone, the same at any thread count. Written to out[k] in increasing order.
 * 0, or 1 when out of memory. */
int ds_sample_sorted(int n, int k, uint64_t seed, uint32_t stream, int32_t *out);

/* A run's split of a training set of n images: val_n images held out for
 * validation (ds_sample_sorted with the run's seed), and the others, in file
 * order, for training: all of them, or the first train_subset (> 0). Fills
 * *val_idx (val_n entries, NULL when val_n is 0) and *train_idx (*n_train
 * entries), both malloc'd. 0; 2 with a message in err when val_n or
 * train_subset do not fit n; 1 when out of memory. */
int ds_split(int n, int val_n, int train_subset, uint64_t seed, int32_t **train_idx,
             int *n_train, int32_t **val_idx, char *err, size_t errlen);

#endif
