/* Helpers shared by the tests that work in a results folder (test_sweep,
 * test_past): a fresh temporary folder `dir` per test, and its files by
 * name. Header-only (static): include it once per test file, then
 *
 *     static void setup(void) { folder_setup("/tmp/ds-sweep-XXXXXX"); }
 *     TestSuite(sweep, .init = setup, .fini = folder_teardown);
 */
#ifndef DS_FOLDER_TEST_UTIL_H
#define DS_FOLDER_TEST_UTIL_H

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "csv.h"

static char dir[64];

/* mkdtemp(pattern) into dir. */
static void folder_setup(const char *pattern)
{
    snprintf(dir, sizeof dir, "%s", pattern);
    cr_assert_not_null(mkdtemp(dir));
}

static void folder_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Writes text to dir/name. */
static void put(const char *name, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(text, f);
    fclose(f);
}

/* dir/name's text (malloc'd), or NULL. */
static char *get(const char *name)
{
    char p[1024], *s;
    size_t n;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return ds_read_file(p, &s, &n) ? NULL : s;
}

static int exists(const char *name)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

#endif
