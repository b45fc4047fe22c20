/* Fuzz targets: one function per parser that takes untrusted input, each
 * the body of a libFuzzer target (entry.c, `make fuzz`) and replayed by the
 * normal build over its seed corpus and its regression cases
 * (tests/test_fuzz.c, `make test`).
 *
 * A target returns 0 for any input; it aborts (a finding) when the parser
 * breaks its contract: a status other than 0, 1 or 2, an error status with
 * no message, or a result that does not survive its own round trip. The
 * sanitizers, libFuzzer's -timeout and -rss_limit_mb catch the rest. */
#ifndef DS_FUZZ_H
#define DS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

typedef int (*ds_fuzz_fn)(const uint8_t *data, size_t size);

int ds_fuzz_loader(const uint8_t *data, size_t size);      /* an experiment file */
int ds_fuzz_overrides(const uint8_t *data, size_t size);   /* override lines     */
int ds_fuzz_idx(const uint8_t *data, size_t size);         /* IDX, plain or gzip */
int ds_fuzz_safetensors(const uint8_t *data, size_t size); /* a checkpoint       */
int ds_fuzz_csv(const uint8_t *data, size_t size);         /* a results CSV file */

/* An input this small never justifies "out of memory" (exit 1): a reader
 * that runs out of memory on one allocates by what the file claims, not by
 * what it holds. */
#define DS_FUZZ_SMALL ((size_t)16 << 20)

/* The input as the file a loader opens: a per-process temporary file named
 * ...<suffix>, rewritten for each input (removed at exit). */
const char *ds_fuzz_file(const uint8_t *data, size_t size, const char *suffix);

/* Aborts with a message: the parser broke its contract. */
void ds_fuzz_fail(const char *what, const char *detail) __attribute__((noreturn));

/* Checks a loader's result: status 0, 1 or 2, and a message when not 0. */
void ds_fuzz_check_status(const char *what, int status, const char *err);

#endif
