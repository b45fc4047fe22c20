/* Replays every fuzz target (tests/fuzz/) over its seed corpus
 * (tests/fuzz/corpus/<target>/) and its regression cases
 * (tests/fuzz/regressions/<target>/: each input a fuzzer found that once
 * crashed, hung or took too much memory, kept after its fix) through the
 * normal build, so `make test` (and `make test SAN=1` under ASan+UBSan)
 * holds every finding fixed. Each input must finish within the fuzzers'
 * -timeout (10 s) and the run within their -rss_limit_mb (2048). */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fuzz/fuzz.h"

#define INPUT_SECONDS 10.0
#define RSS_LIMIT_MB 2048

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs fn over every file of dir; returns how many (a missing dir: 0). */
static int replay_dir(const char *dir, ds_fuzz_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        rewind(f);
        uint8_t *buf = malloc((size_t)len + 1);
        cr_assert_not_null(buf);
        cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len, "%s", path);
        fclose(f);
        double t0 = now();
        cr_assert_eq(fn(buf, (size_t)len), 0, "%s", path);
        double dt = now() - t0;
        cr_assert_lt(dt, INPUT_SECONDS, "%s took %.1f s (the fuzzers' -timeout is %.0f s)", path,
                     dt, INPUT_SECONDS);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *target, ds_fuzz_fn fn)
{
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", target);
    int seeds = replay_dir(dir, fn);
    cr_assert_gt(seeds, 0, "%s: no seed corpus", dir);
    snprintf(dir, sizeof dir, "tests/fuzz/regressions/%s", target);
    replay_dir(dir, fn);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    cr_assert_lt(ru.ru_maxrss / 1024, RSS_LIMIT_MB, "%s: %ld MB resident (limit %d MB)", target,
                 ru.ru_maxrss / 1024, RSS_LIMIT_MB);
}

Test(fuzz_replay, loader, .timeout = 300) { replay("loader", ds_fuzz_loader); }
Test(fuzz_replay, overrides, .timeout = 300) { replay("overrides", ds_fuzz_overrides); }
Test(fuzz_replay, idx, .timeout = 300) { replay("idx", ds_fuzz_idx); }
Test(fuzz_replay, safetensors, .timeout = 300) { replay("safetensors", ds_fuzz_safetensors); }
Test(fuzz_replay, csv, .timeout = 300) { replay("csv", ds_fuzz_csv); }
