/* The libFuzzer entry of one target, chosen at compile time
 * (-DDS_FUZZ_TARGET=ds_fuzz_loader): see fuzz.h and `make fuzz`. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return DS_FUZZ_TARGET(data, size);
}
