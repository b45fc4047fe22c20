/* Shards: --shard I/N and a Slurm job array's task (see sweep.h). */
#include "sweep.h"

#include "parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A shard number: plain decimal digits (no sign, no space, no leading
 * zero) through the strict parser, 0..1000000. 0, or 2. */
static int shard_number(const char *s, size_t n, long *out)
{
    char t[32], err[256];
    uint64_t v;
    if (n == 0 || n >= sizeof t || !isdigit((unsigned char)s[0]))
        return 2;
    memcpy(t, s, n);
    t[n] = 0;
    if (ds_parse_u64("shard", t, 0, 1000000, &v, err, sizeof err))
        return 2;
    *out = (long)v;
    return 0;
}

int ds_shard_parse(const char *s, int *i, int *n, char *err, size_t errlen)
{
    const char *slash = strchr(s, '/');
    long a = 0, b = 0;
    if (!slash || shard_number(s, (size_t)(slash - s), &a) ||
        shard_number(slash + 1, strlen(slash + 1), &b)) {
        snprintf(err, errlen, "--shard %s: expected I/N (0 <= I < N, e.g. 0/3)", s);
        return 2;
    }
    if (b < 1) {
        snprintf(err, errlen, "--shard %s: N = %ld is out of range (N >= 1)", s, b);
        return 2;
    }
    if (a >= b) {
        snprintf(err, errlen, "--shard %s: I = %ld is out of range (0 <= I < N = %ld)", s, a, b);
        return 2;
    }
    *i = (int)a;
    *n = (int)b;
    return 0;
}

int ds_shard_from_env(int *i, int *n, char *err, size_t errlen)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID"), *cnt = getenv("SLURM_ARRAY_TASK_COUNT");
    const char *mn = getenv("SLURM_ARRAY_TASK_MIN");
    if (!id && !cnt)
        return 0;
    long a = 0, b = 0, m = 0;
    if (!id || !cnt || shard_number(id, strlen(id), &a) || shard_number(cnt, strlen(cnt), &b) ||
        (mn && shard_number(mn, strlen(mn), &m)) || b < 1 || a - m < 0 || a - m >= b) {
        snprintf(err, errlen,
                 "SLURM_ARRAY_TASK_ID=%s SLURM_ARRAY_TASK_COUNT=%s SLURM_ARRAY_TASK_MIN=%s: not a shard "
                 "(both must be set, as decimal numbers; use --array=0-(N-1) so that 0 <= ID - MIN < COUNT, "
                 "or pass --shard I/N)",
                 id ? id : "unset", cnt ? cnt : "unset", mn ? mn : "unset");
        return 2;
    }
    *i = (int)(a - m);
    *n = (int)b;
    return 1;
}
