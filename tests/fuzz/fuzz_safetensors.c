/* Fuzz target of the safetensors reader (a `train --load` checkpoint). A
 * file that loads must describe a net whose every parameter was read. */
#include "fuzz.h"

#include "safetensors.h"

int ds_fuzz_safetensors(const uint8_t *data, size_t size)
{
    const char *path = ds_fuzz_file(data, size, ".safetensors");
    ds_mlp m;
    char dataset[64], err[2048] = "";
    int r = ds_safetensors_load(path, &m, 4, dataset, sizeof dataset, err, sizeof err);
    ds_fuzz_check_status("ds_safetensors_load", r, err);
    if (r == 1 && size < DS_FUZZ_SMALL)
        ds_fuzz_fail("ds_safetensors_load: out of memory for a small file", err);
    if (!r) {
        size_t params = 0;
        for (int l = 0; l < m.n_layers; l++)
            params += (size_t)m.dims[l] * (size_t)m.dims[l + 1] + (size_t)m.dims[l + 1];
        if (params * 4 > size)
            ds_fuzz_fail("ds_safetensors_load", "more parameters than the file has bytes");
        ds_mlp_free(&m);
    }
    return 0;
}
