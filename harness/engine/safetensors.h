/* Model checkpoints in the safetensors format, readable by numpy / PyTorch:
 * an 8-byte little-endian header length, a JSON header, then raw
 * little-endian float32 data. Tensors: "layers.<i>.weight" [in, out] and
 * "layers.<i>.bias" [out], i = 0 for the input-side layer. "__metadata__"
 * holds the architecture as strings so a file alone rebuilds the net:
 *   format "deepsweep-mlp", dims "784,256,256,10", activation "relu",
 *   act_param "0.01", loss "softmax_ce", dataset "mnist" (the dataset it
 *   was trained on; absent in files written before it was recorded). */
#ifndef DS_SAFETENSORS_H
#define DS_SAFETENSORS_H

#include <stddef.h>

#include "model.h"

/* Writes m's parameters to path, a new file or a regular file it replaces
 * whole (files.h: a temporary file renamed into place, so a failed write, a
 * full disk included, leaves path as it was; a link, device, fifo or
 * directory at path is refused). Returns 0, or 1 with a message in err. */
int ds_safetensors_save(const char *path, const ds_mlp *m, const char *dataset, char *err,
                        size_t errlen);

/* Reads path, creates *m (max_batch rows) with its architecture and weights
 * (exactly m's tensors, tiling the data region, every weight finite),
 * and copies the dataset it names into dataset ("" if none; may be NULL).
 * Returns 0; 2 with a message naming the file for a missing or malformed
 * file; 1 out of memory. */
int ds_safetensors_load(const char *path, ds_mlp *m, int max_batch, char *dataset,
                        size_t dataset_len, char *err, size_t errlen);

#endif
