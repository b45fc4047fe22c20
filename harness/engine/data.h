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

#endif
