/* Inputs of any length are read whole or refused with a message, never cut:
 * long seed lists (YAML and command line), long values echoed in errors (the
 * value shortened, the reason whole), long values kept whole in config.yaml
 * and the composed experiment; parsing is linear in the input, and the
 * stated limits on a document's size and on alias expansion are refused
 * with exit status 2 within a time bound. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sweep.h"
#include "yamldoc.h"

static char dir[64], path[128], err[4096];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/ds-limits-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/x.yaml", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

TestSuite(limits, .init = setup, .fini = teardown);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int load(const char *text, char **ov, int n_ov, ds_plan *plan)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    err[0] = 0;
    return ds_plan_load(path, ov, n_ov, plan, err, sizeof err);
}

/* "a, b, c" of n seeds 10000000 + 7i (8 digits each: 1,000 of them join
 * into 8,999 characters). */
static char *seed_list(int n)
{
    char *s = malloc((size_t)n * 16 + 1);
    size_t k = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)sprintf(s + k, "%s%d", i ? ", " : "", 10000000 + 7 * i);
    return s;
}

static void expect_seeds(const ds_plan *p, int n)
{
    cr_assert_eq(p->n_runs, n, "%d runs from %d seeds", p->n_runs, n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(p->runs[i].rc.seed, (uint64_t)(10000000 + 7 * i), "run %d", i);
}

Test(limits, a_yaml_seed_list_longer_than_8k_is_read_whole)
{
    char *seeds = seed_list(1000), *text = malloc(strlen(seeds) + 100);
    sprintf(text, "name: s\ndataset: xor\nseeds: [%s]\n", seeds);
    cr_assert_gt(strlen(seeds) - 999, 8191); /* joined without the spaces */
    ds_plan p;
    cr_assert_eq(load(text, NULL, 0, &p), 0, "%s", err);
    expect_seeds(&p, 1000);
    ds_plan_free(&p);
    free(seeds);
    free(text);
}

Test(limits, a_command_line_seed_list_longer_than_8k_is_read_whole)
{
    char *seeds = seed_list(1000), *ov = malloc(strlen(seeds) + 16);
    char *o = ov + sprintf(ov, "seeds=");
    for (const char *c = seeds; *c; c++) /* "a,b,c": no spaces on a command line */
        if (*c != ' ')
            *o++ = *c;
    *o = 0;
    ds_plan p;
    cr_assert_eq(load("name: s\ndataset: xor\n", &ov, 1, &p), 0, "%s", err);
    expect_seeds(&p, 1000);
    ds_plan_free(&p);
    free(seeds);
    free(ov);
}

Test(limits, ten_thousand_seeds_no_false_duplicate_and_fast)
{
    char *seeds = seed_list(10000), *text = malloc(strlen(seeds) + 100);
    sprintf(text, "name: s\ndataset: xor\nseeds: [%s]\n", seeds);
    ds_plan p;
    double t0 = now();
    cr_assert_eq(load(text, NULL, 0, &p), 0, "%s", err);
    cr_assert_lt(now() - t0, 5.0);
    expect_seeds(&p, 10000);
    ds_plan_free(&p);
    /* a real duplicate is still found, at the end of a long list */
    *strstr(seeds, ", 10069993") = 0; /* the first 9,999 */
    sprintf(text, "name: s\ndataset: xor\nseeds: [%s, 10000000]\n", seeds);
    cr_assert_eq(load(text, NULL, 0, &p), 2);
    cr_assert_not_null(strstr(err, "seeds: 10000000 is listed twice"), "%s", err);
    free(seeds);
    free(text);
}

/* A message that echoes a long value keeps its reason whole: the value is
 * shortened in the middle ("aaaa...aaaa"). */
Test(limits, a_long_value_is_shortened_and_the_reason_kept_whole)
{
    size_t n = 5000;
    char *text = malloc(n + 100), *v = malloc(n + 1);
    memset(v, 'a', n);
    v[n] = 0;
    sprintf(text, "name: s\ndataset: xor\nbase: {activation: %s}\n", v);
    ds_plan p;
    cr_assert_eq(load(text, NULL, 0, &p), 2);
    cr_assert_not_null(strstr(err, ":3:20: activation: unknown name 'aaa"), "%s", err);
    cr_assert_not_null(strstr(err, "a...a"), "%s", err);
    cr_assert_not_null(strstr(err, "' (valid: "), "%s", err);
    cr_assert_eq(err[strlen(err) - 1], ')', "the reason is cut: %s", err);
    cr_assert_lt(strlen(err), 1024, "%s", err);
    /* the same on the command line */
    char *ov = malloc(n + 16);
    sprintf(ov, "optimizer=%s", v);
    cr_assert_eq(load("name: s\ndataset: xor\n", &ov, 1, &p), 2);
    cr_assert_not_null(strstr(err, "optimizer: unknown name 'aaa"), "%s", err);
    cr_assert_not_null(strstr(err, "' (valid: "), "%s", err);
    cr_assert_eq(err[strlen(err) - 1], ')', "the reason is cut: %s", err);
    free(ov);
    free(text);
    free(v);
}

/* Loads a file whose hidden list has n widths (refused for their count);
 * returns the seconds it took. */
static double load_widths(int n)
{
    char *text = malloc((size_t)n * 3 + 100);
    size_t k = (size_t)sprintf(text, "name: s\ndataset: xor\nbase:\n  hidden: [");
    for (int i = 0; i < n; i++)
        k += (size_t)sprintf(text + k, "%s1", i ? ", " : "");
    sprintf(text + k, "]\n");
    ds_plan p;
    double t0 = now();
    cr_assert_eq(load(text, NULL, 0, &p), 2);
    double dt = now() - t0;
    cr_assert_not_null(strstr(err, "hidden: "), "%s", err);
    cr_assert_not_null(strstr(err, "widths, more than the"), "%s", err);
    free(text);
    return dt;
}

/* A long list is joined in linear time: 4 times the widths take about 4
 * times as long, not the 16 of a strcat loop (which took 6.8 s for 300,000
 * widths). The ratio, not a time, so a loaded machine or ASan pass too. */
Test(limits, a_long_list_is_parsed_in_linear_time)
{
    double small = load_widths(75000), big = load_widths(300000);
    cr_assert_lt(big, 8 * small + 0.5, "75,000 widths %.2f s, 300,000 widths %.2f s", small, big);
}

/* A 225 kB file whose one 200 kB value is referenced 5,000 times through
 * aliases would expand to 1 GB: refused at once, naming the limit. */
Test(limits, alias_expansion_is_bounded)
{
    size_t big = 200000;
    char *text = malloc(big + 5000 * 6 + 200);
    size_t k = (size_t)sprintf(text, "name: s\ndataset: xor\ndescription: &v ");
    memset(text + k, 'x', big);
    k += big;
    k += (size_t)sprintf(text + k, "\nsweep:\n  hidden: [");
    for (int i = 0; i < 5000; i++)
        k += (size_t)sprintf(text + k, "%s*v", i ? ", " : "");
    sprintf(text + k, "]\n");
    ds_plan p;
    double t0 = now();
    cr_assert_eq(load(text, NULL, 0, &p), 2, "%s", err);
    /* The expansion limit refuses it at once (well under 1 s quiet); before
       it, this document took 16.7 s. 8 s still tells the two apart on a
       shared 2-core machine whose load reached 20, where 2 s did not. */
    cr_assert_lt(now() - t0, 8.0, "%.1f s", now() - t0);
    cr_assert_not_null(strstr(err, "aliases expand the document to more than"), "%s", err);
    free(text);
}

/* A value may be referenced often while the expansion stays small. */
Test(limits, small_aliases_are_fine)
{
    ds_plan p;
    cr_assert_eq(load("name: s\ndataset: xor\nbase: {hidden: &h [4, 4]}\n"
                      "runs:\n  - {label: a, hidden: *h}\n  - {label: b, hidden: *h, lr: 0.5}\n",
                      NULL, 0, &p), 0, "%s", err);
    cr_assert_eq(p.n_runs, 2);
    cr_assert_eq(p.runs[1].rc.hidden[1], 4);
    ds_plan_free(&p);
}

/* An alias to the node that holds it (a cycle) is refused. */
Test(limits, a_recursive_alias_is_refused)
{
    ds_plan p;
    cr_assert_eq(load("name: s\ndataset: xor\nbase: &b {runs: *b}\n", NULL, 0, &p), 2);
    cr_assert_not_null(strstr(err, "refers to itself"), "%s", err);
}

Test(limits, a_document_larger_than_the_limit_is_refused)
{
    size_t n = DS_YAML_MAX_BYTES + 1;
    char *text = malloc(n + 1);
    size_t k = (size_t)sprintf(text, "name: s\ndataset: xor\ndescription: ");
    memset(text + k, 'x', n - k);
    text[n] = 0;
    ds_plan p;
    cr_assert_eq(load(text, NULL, 0, &p), 2);
    char want[300];
    snprintf(want, sizeof want, "%s: larger than %d bytes, the limit of a YAML file deepsweep reads",
             path, DS_YAML_MAX_BYTES);
    cr_assert_str_eq(err, want);
    free(text);
}

/* Long values survive into config.yaml and the composed experiment: 100
 * overrides (over 512 characters), a data_dir with quotes and backslashes,
 * and a 1,500-digit lr (0.1 written the long way). */
Test(limits, long_values_are_kept_whole_in_the_written_yaml)
{
    char ddir[256];
    memset(ddir, 'd', 200);
    memcpy(ddir + 10, "\"quoted\\", 8);
    ddir[200] = 0;
    char lr[1600] = "0.";
    memset(lr + 2, '0', 1500);
    strcpy(lr + 1502, "1e1500");
    char *text = malloc(4000);
    sprintf(text, "name: s\ndataset: xor\nbase: {data_dir: '%s', lr: %s}\n", ddir, lr);
    char *ov[100];
    for (int i = 0; i < 100; i++) {
        ov[i] = malloc(32);
        sprintf(ov[i], "epochs=%d", i + 1);
    }
    ds_plan p;
    cr_assert_eq(load(text, ov, 100, &p), 0, "%s", err);
    cr_assert_gt(strlen(p.overrides), 512);
    cr_assert_eq(p.runs[0].rc.epochs, 100);
    cr_assert_float_eq(p.runs[0].rc.lr, 0.1f, 0);
    /* config.yaml: the overrides and data_dir whole (quoted, escaped) */
    cr_assert_not_null(strstr(p.resolved, "epochs=99 epochs=100\"\n"), "overrides cut in config.yaml");
    cr_assert_not_null(strstr(p.resolved, "dddddddddd\\\"quoted\\\\dd"), "%s", p.resolved);
    /* the composed experiment loads back into the same run */
    FILE *f = fopen(path, "w");
    fputs(p.composed, f);
    fclose(f);
    ds_plan q;
    cr_assert_eq(ds_plan_load(path, NULL, 0, &q, err, sizeof err), 0, "%s\n%s", err, p.composed);
    cr_assert_str_eq(q.runs[0].id, p.runs[0].id);
    cr_assert_str_eq(q.runs[0].rc.data_dir, ddir);
    ds_plan_free(&q);
    ds_plan_free(&p);
    for (int i = 0; i < 100; i++)
        free(ov[i]);
    free(text);
}

/* ---- checkpoints: memory and stack bounded by the file ---------------------- */

#include "safetensors.h"

/* A safetensors file of the given JSON header and n_data zero bytes. */
static void write_st(const char *file, const char *json, size_t n_data)
{
    FILE *f = fopen(file, "wb");
    cr_assert_not_null(f);
    uint64_t len = strlen(json);
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(len >> (8 * i));
    fwrite(le, 1, 8, f);
    fwrite(json, 1, len, f);
    for (size_t i = 0; i < n_data; i++)
        fputc(0, f);
    fclose(f);
}

/* dims of 100,000 x 100,000 (40 GB of weights) in a file of 200 bytes: refused
 * as bad input before any allocation, not "out of memory" (exit 1). */
Test(limits, checkpoint_dims_larger_than_its_data_are_refused_before_allocating)
{
    char file[160];
    snprintf(file, sizeof file, "%s/big.safetensors", dir);
    write_st(file,
             "{\"__metadata__\":{\"format\":\"deepsweep-mlp\",\"dims\":\"100000,100000\","
             "\"activation\":\"relu\",\"loss\":\"softmax_ce\"}}",
             16);
    ds_mlp m;
    double t0 = now();
    int r = ds_safetensors_load(file, &m, 4, NULL, 0, err, sizeof err);
    unlink(file);
    cr_assert_eq(r, 2, "%d: %s", r, err);
    cr_assert_lt(now() - t0, 1.0);
    cr_assert_not_null(strstr(err, "big.safetensors: tensor layers.0.weight is missing"), "%s", err);
}

/* JSON nested 100,000 deep in an ignored key: refused at the depth limit,
 * not a stack overflow. */
Test(limits, checkpoint_json_nesting_is_bounded)
{
    int d = 100000;
    char *json = malloc((size_t)d * 2 + 100);
    size_t k = (size_t)sprintf(json, "{\"layers.0.bias\":{\"x\":");
    memset(json + k, '[', (size_t)d);
    k += (size_t)d;
    memset(json + k, ']', (size_t)d);
    k += (size_t)d;
    strcpy(json + k, "}}");
    char file[160];
    snprintf(file, sizeof file, "%s/deep.safetensors", dir);
    write_st(file, json, 0);
    free(json);
    ds_mlp m;
    int r = ds_safetensors_load(file, &m, 4, NULL, 0, err, sizeof err);
    unlink(file);
    cr_assert_eq(r, 2, "%d: %s", r, err);
    cr_assert_not_null(strstr(err, "nested deeper than 64 levels"), "%s", err);
}

/* ---- the CSV reader: linear in its input, long fields shortened in messages - */

#include "csvread.h"

static ds_csv *csv_of(const char *text)
{
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    cr_assert_not_null(f);
    return ds_csv_open_stream(f, "mem.csv", err, sizeof err);
}

/* A header of 100,000 columns is checked for duplicates in n log n. */
Test(limits, a_csv_header_of_many_columns_opens_fast)
{
    int n = 100000;
    char *text = malloc((size_t)n * 8 + 16);
    size_t k = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)sprintf(text + k, "%sc%d", i ? "," : "", i);
    sprintf(text + k, "\n");
    double t0 = now();
    ds_csv *c = csv_of(text);
    cr_assert_not_null(c, "%s", err);
    cr_assert_lt(now() - t0, 2.0, "%.1f s", now() - t0);
    cr_assert_eq(ds_csv_ncols(c), n);
    ds_csv_close(c);
    /* a duplicate is still named, the first one in the line */
    sprintf(text + k, ",c7,c5\n");
    c = csv_of(text);
    cr_assert_null(c);
    cr_assert_not_null(strstr(err, "duplicate column 'c7' in the header"), "%s", err);
    free(text);
}

/* A malformed 5,000-character field is echoed shortened, the reason whole. */
Test(limits, a_csv_error_shortens_the_field_and_keeps_the_reason)
{
    size_t n = 5000;
    char *text = malloc(n + 32);
    size_t k = (size_t)sprintf(text, "a,b\n1,");
    memset(text + k, 'x', n);
    sprintf(text + k + n, "\n");
    ds_csv *c = csv_of(text);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(ds_csv_next(c, err, sizeof err), 1);
    double v;
    char small[512];
    cr_assert_eq(ds_csv_double(c, 1, &v, small, sizeof small), -1);
    cr_assert_not_null(strstr(small, "x...x"), "%s", small);
    cr_assert_not_null(strstr(small, "' is not a number (a decimal number with '.')"), "%s", small);
    long l;
    cr_assert_eq(ds_csv_int(c, 1, &l, small, sizeof small), -1);
    cr_assert_not_null(strstr(small, "' is not an integer (decimal digits)"), "%s", small);
    ds_csv_close(c);
    free(text);
}

/* ---- commands: a message naming a long path keeps its reason ---------------- */

#include <sys/stat.h>
#include <sys/wait.h>

/* `deepsweep <args>` (DEEPSWEEP_BIN); its exit status, stderr in out. */
static int deepsweep(const char *args, char *out, size_t outlen)
{
    const char *b = getenv("DEEPSWEEP_BIN");
    size_t cl = strlen(args) + 256;
    char *cmd = malloc(cl);
    snprintf(cmd, cl, "'%s' %s 2>&1 >/dev/null", b ? b : "build/deepsweep", args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = 0;
    int st = pclose(p);
    free(cmd);
    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* A folder path of about 3,000 characters under dir (12 levels of 240). */
static void long_dir(char *out, size_t len)
{
    snprintf(out, len, "%s", dir);
    for (int i = 0; i < 12; i++) {
        size_t k = strlen(out);
        out[k] = '/';
        memset(out + k + 1, 'a' + i, 240);
        out[k + 241] = 0;
        cr_assert_eq(mkdir(out, 0700), 0, "%s", out);
    }
}

/* Removes what long_dir made: its first level under dir. */
static void remove_long_dir(void)
{
    char cmd[400];
    int k = snprintf(cmd, sizeof cmd, "rm -rf '%s/", dir);
    memset(cmd + k, 'a', 240);
    snprintf(cmd + k + 240, sizeof cmd - (size_t)k - 240, "'");
    cr_assert_eq(system(cmd), 0);
}

Test(limits, a_long_path_in_a_message_keeps_the_reason)
{
    char d[4096], args[8192], out[16384];
    long_dir(d, sizeof d);
    /* run: a YAML syntax error in a file under the long folder */
    char file[4200];
    snprintf(file, sizeof file, "%s/x.yaml", d);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("name: s\ndataset: [xor\n", f);
    fclose(f);
    snprintf(args, sizeof args, "run '%s' -n", file);
    cr_assert_eq(deepsweep(args, out, sizeof out), 2, "%s", out);
    cr_assert_not_null(strstr(out, file), "%s", out);
    cr_assert_not_null(strstr(out, "YAML syntax error"), "%s", out);
    /* train --load: a checkpoint that is not there */
    snprintf(args, sizeof args, "train --dataset xor --load '%s/m.safetensors'", d);
    cr_assert_eq(deepsweep(args, out, sizeof out), 2, "%s", out);
    cr_assert_not_null(strstr(out, "m.safetensors: not found"), "%s", out);
    remove_long_dir();
}

/* A results folder path longer than the limit is refused, not cut into
 * another folder's path (a 1,100-character --out wrote into the folder named
 * by its first 1,023 characters). */
Test(limits, a_results_folder_path_over_the_limit_is_refused)
{
    char d[4096], args[8192], out[16384];
    long_dir(d, sizeof d);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("name: s\ndataset: xor\nbase: {hidden: [2], epochs: 1}\n", f);
    fclose(f);
    d[DS_RESULTS_DIR_MAX + 10] = 0; /* a folder path just past the limit */
    snprintf(args, sizeof args, "run '%s' --out '%s' -q", path, d);
    cr_assert_eq(deepsweep(args, out, sizeof out), 2, "%s", out);
    cr_assert_not_null(strstr(out, "characters, more than a results folder path may have (at most 1023)"), "%s", out);
    char cut[DS_RESULTS_DIR_MAX + 1]; /* what it was cut to: nothing written there */
    memcpy(cut, d, DS_RESULTS_DIR_MAX);
    cut[DS_RESULTS_DIR_MAX] = 0;
    struct stat st;
    cr_assert_neq(stat(cut, &st), 0, "%s was created", cut);
    /* merge: into such a folder */
    snprintf(args, sizeof args, "merge '%s' '%s'", d, dir);
    cr_assert_eq(deepsweep(args, out, sizeof out), 2, "%s", out);
    cr_assert_not_null(strstr(out, "more than a results folder path may have"), "%s", out);
    remove_long_dir();
}

/* A config.yaml's source: longer than the plan keeps is refused, not cut in
 * the next config.yaml. */
Test(limits, a_long_source_in_a_config_yaml_is_refused)
{
    char *text = malloc(2000);
    int k = sprintf(text, "name: s\ndataset: xor\nsource: \"");
    memset(text + k, 's', 1100);
    sprintf(text + k + 1100, "\"\n");
    ds_plan p;
    cr_assert_eq(load(text, NULL, 0, &p), 2, "%s", err);
    cr_assert_not_null(strstr(err, "source: 1100 characters (at most 1023)"), "%s", err);
    free(text);
}
