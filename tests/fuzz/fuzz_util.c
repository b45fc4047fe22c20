/* Shared by the fuzz targets: the input as a file, the contract checks. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char paths[8][256];
static int n_paths;

static void remove_files(void)
{
    for (int i = 0; i < n_paths; i++)
        unlink(paths[i]);
}

const char *ds_fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
    char want[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(want, sizeof want, "%s/ds-fuzz-%ld%s", tmp && *tmp ? tmp : "/tmp", (long)getpid(),
             suffix);
    int i = 0;
    while (i < n_paths && strcmp(paths[i], want))
        i++;
    if (i == n_paths) {
        if (n_paths == (int)(sizeof paths / sizeof paths[0]))
            ds_fuzz_fail("ds_fuzz_file", "too many suffixes");
        if (!n_paths)
            atexit(remove_files);
        snprintf(paths[n_paths++], sizeof paths[0], "%s", want);
    }
    FILE *f = fopen(paths[i], "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
        ds_fuzz_fail("ds_fuzz_file: cannot write", paths[i]);
    return paths[i];
}

void ds_fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, detail ? detail : "");
    abort();
}

void ds_fuzz_check_status(const char *what, int status, const char *err)
{
    if (status != 0 && status != 1 && status != 2) {
        char d[64];
        snprintf(d, sizeof d, "status %d (0, 1 or 2 expected)", status);
        ds_fuzz_fail(what, d);
    }
    if (status && !err[0])
        ds_fuzz_fail(what, "an error status with an empty message");
}
