/* Working with past sweeps (issue 10 item 7): results/<name>-<mode>
 * folders, the README's commands as written, extending a sweep without
 * rerunning its finished runs, --force for a changed config, config.yaml
 * run again, `deepsweep show` and `deepsweep compare`. End to end through
 * build/deepsweep (DEEPSWEEP_BIN) on XOR nets of a few units: seconds. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "csv.h"
#include "runner.h"

#include "folder_test_util.h"

static void setup(void) { folder_setup("/tmp/ds-past-XXXXXX"); }

TestSuite(past, .init = setup, .fini = folder_teardown);

/* build/deepsweep (DEEPSWEEP_BIN), as an absolute path: the tests run it
 * from their own folders. */
static const char *bin(void)
{
    static char path[4096];
    const char *b = getenv("DEEPSWEEP_BIN");
    if (!realpath(b ? b : "build/deepsweep", path))
        snprintf(path, sizeof path, "%s", b ? b : "build/deepsweep");
    return path;
}

/* `deepsweep <args>` in dir: exit status; stdout in out.txt, stderr in
 * err.txt. */
static int ds(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >out.txt 2>err.txt", dir, bin(), args);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "%s", cmd);
    return WEXITSTATUS(st);
}

/* ds(args) must exit with want; returns its stdout (stderr in *errp if
 * errp). */
static char *expect(int want, const char *args, char **errp)
{
    int st = ds(args);
    char *out = get("out.txt"), *err = get("err.txt");
    cr_assert_eq(st, want, "deepsweep %s: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", args, st,
                 want, out, err);
    if (errp)
        *errp = err;
    else
        free(err);
    return out;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* 4 runs: 2 activations x 2 seeds; mode quick: fewer epochs. */
static const char *xor_cfg =
    "name: t\ndataset: xor\nbase: {width: 4, depth: 1, loss: sigmoid_bce, optimizer: sgd, "
    "lr: 0.5, batch: 4, epochs: 50, log_every: 25}\nsweep: {activation: [relu, tanh]}\n"
    "seeds: 2\nmodes:\n  quick: {epochs: 20, log_every: 20}\n";

/* ---- folders: results/<name> and results/<name>-<mode> -------------------- */

Test(past, a_named_mode_has_its_own_folder)
{
    put("x.yaml", xor_cfg);
    free(expect(0, "run x.yaml mode=quick -q", NULL));
    cr_assert(exists("results/t-quick/runs.csv"), "mode=quick did not write results/t-quick");
    cr_assert(!exists("results/t"), "mode=quick wrote results/t");
    /* the full mode's dry run is not refused after a quick run */
    char *out = expect(0, "run x.yaml --dry-run", NULL);
    cr_assert_not_null(strstr(out, "results in results/t\n"), "%s", out);
    cr_assert_not_null(strstr(out, "4 runs: 0 finished, 4 to run"), "%s", out);
    free(out);
    out = expect(0, "run x.yaml mode=quick --dry-run", NULL);
    cr_assert_not_null(strstr(out, "results in results/t-quick\n"), "%s", out);
    cr_assert_not_null(strstr(out, "4 runs: 4 finished, 0 to run"), "%s", out);
    free(out);
}

/* ---- the README's commands, verbatim ------------------------------------ */

/* The README's `build/deepsweep ...` command lines inside ```sh blocks,
 * continuation lines joined, trailing comments kept (sh ignores them). */
static int readme_commands(const char *text, char cmds[][1024], int max)
{
    int n = 0, in_block = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (!strncmp(p, "```", 3)) {
            in_block = !in_block && !strncmp(p, "```sh", 5);
        } else if (in_block && !strncmp(p, "build/deepsweep ", 16)) {
            cr_assert_lt(n, max);
            char *c = cmds[n++];
            c[0] = 0;
            for (;;) {
                cr_assert_lt(strlen(c) + len, 1000);
                strncat(c, p, len);
                if (len && c[strlen(c) - 1] == '\\' && nl) {
                    c[strlen(c) - 1] = ' ';
                    p = nl + 1;
                    nl = strchr(p, '\n');
                    len = nl ? (size_t)(nl - p) : strlen(p);
                    continue;
                }
                break;
            }
        }
        p = nl ? nl + 1 : p + len;
    }
    return n;
}

/* Every `build/deepsweep` line of the README runs as written, with tiny
 * overrides (one epoch, a few hundred images, one seed) appended, in a
 * folder where build/deepsweep, configs/ and data/ are this checkout's:
 * e.g. the `plot` line must find the folder the `run` line wrote. */
Test(past, readme_commands_run_verbatim, .timeout = 600)
{
    if (access("data/mnist/train-images-idx3-ubyte", R_OK) &&
        access("data/mnist/train-images-idx3-ubyte.gz", R_OK))
        cr_skip_test("data/mnist not found (make data): skipped");
    char *readme;
    size_t len;
    cr_assert_eq(ds_read_file("README.md", &readme, &len), 0, "README.md not found");
    static char cmds[32][1024];
    int n = readme_commands(readme, cmds, 32);
    free(readme);
    cr_assert_geq(n, 6, "found %d command lines in README.md", n);
    char cwd[512], cmd[16384];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    const char *b = bin();
    snprintf(cmd, sizeof cmd,
             "cd '%s' && mkdir build && ln -s '%s' build/deepsweep && ln -s '%s/configs' configs && "
             "ln -s '%s/data' data && ln -s '%s/plots' plots",
             dir, b, cwd, cwd, cwd);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    int ran_run = 0, ran_plot = 0;
    for (int i = 0; i < n; i++) {
        const char *c = cmds[i], *tiny = "";
        char *hash = strstr(c, "  #"); /* the comment goes after the overrides */
        char line[1024];
        snprintf(line, sizeof line, "%.*s", hash ? (int)(hash - c) : (int)strlen(c), c);
        if (!strncmp(c, "build/deepsweep train ", 22))
            tiny = " --epochs 1 --train-subset 300";
        else if (!strncmp(c, "build/deepsweep run ", 20) && !strstr(c, "--dry-run") &&
                 !strstr(c, "--cfg"))
            tiny = " epochs=1 train_subset=300 seeds=1 method=random run_cap=2", ran_run++;
        else if (!strncmp(c, "build/deepsweep bench ", 22))
            tiny = " --kernels act --acts relu --threads 1 --reps 5 --min-time 0.001";
        ran_plot += !strncmp(c, "build/deepsweep plot ", 21);
        snprintf(cmd, sizeof cmd, "cd '%s' && %s%s -q >out.txt 2>err.txt </dev/null", dir, line,
                 tiny);
        /* -q only where the command has it: else run it without */
        if (strncmp(c, "build/deepsweep run ", 20) && strncmp(c, "build/deepsweep plot ", 21))
            snprintf(cmd, sizeof cmd, "cd '%s' && %s%s >out.txt 2>err.txt </dev/null", dir, line, tiny);
        int st = system(cmd);
        char *err = get("err.txt");
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "README command failed (exit %d):\n%s%s\n%s",
                  WEXITSTATUS(st), line, tiny, err);
        free(err);
    }
    cr_assert_geq(ran_run, 1);
    cr_assert_geq(ran_plot, 1);
}

/* ---- extending a sweep ------------------------------------------------- */

/* A value added to a swept key, or a seed, reruns none of the finished
 * runs: their rows stay byte for byte (their seconds included), no --force
 * asked. */
Test(past, an_extended_sweep_reruns_no_finished_run)
{
    put("x.yaml", xor_cfg);
    free(expect(0, "run x.yaml -q", NULL));
    char *before = get("results/t/runs.csv");
    cr_assert_eq(count_lines(before), 1 + 4);
    char *err, *out = expect(0, "run x.yaml activation=relu,tanh,sigmoid -q", &err);
    char *after = get("results/t/runs.csv");
    cr_assert_eq(count_lines(after), 1 + 6, "%s", after);
    cr_assert_eq(strncmp(before, after, strlen(before)), 0, "finished rows changed:\n%s\n%s", before, after);
    cr_assert_not_null(strstr(err, "4 finished runs are in this sweep and are kept"), "%s", err);
    cr_assert_not_null(strstr(out, "6 runs, 6 finished"), "%s", out);
    free(out);
    free(err);
    /* a third seed the same way */
    out = expect(0, "run x.yaml activation=relu,tanh,sigmoid seeds=3 -q", NULL);
    char *third = get("results/t/runs.csv");
    cr_assert_eq(count_lines(third), 1 + 9, "%s", third);
    cr_assert_eq(strncmp(after, third, strlen(after)), 0);
    free(out);
    /* and --force on the same sweep reruns nothing either */
    free(expect(0, "run x.yaml activation=relu,tanh,sigmoid seeds=3 --force -q", NULL));
    char *forced = get("results/t/runs.csv");
    cr_assert_str_eq(forced, third);
    free(before);
    free(after);
    free(third);
    free(forced);
}

/* A changed config (other epochs: every id changes) is refused without
 * --force, leaving the folder as it was; with --force it says what it
 * drops and runs, and the folder then holds this sweep's runs only. */
Test(past, a_changed_config_needs_force_which_says_what_it_reruns)
{
    put("x.yaml", xor_cfg);
    free(expect(0, "run x.yaml -q", NULL));
    char *before = get("results/t/runs.csv"), *err;
    free(expect(2, "run x.yaml epochs=60 -q", &err));
    cr_assert_not_null(strstr(err, "deepsweep: results/t: holds 4 finished runs that are not in this sweep"), "%s", err);
    cr_assert_not_null(strstr(err, "--force"), "%s", err);
    free(err);
    char *same = get("results/t/runs.csv");
    cr_assert_str_eq(before, same);
    free(same);
    free(expect(0, "run x.yaml epochs=60 --force -q", &err));
    cr_assert_not_null(strstr(err, "--force: drops the 4 finished runs that are not in this sweep"), "%s", err);
    cr_assert_not_null(strstr(err, "4 runs to run"), "%s", err);
    free(err);
    char *after = get("results/t/runs.csv");
    cr_assert_eq(count_lines(after), 1 + 4, "%s", after);
    cr_assert_null(strstr(after, ",50,"), "a run of the old config is still there:\n%s", after);
    free(before);
    free(after);
}

/* ---- config.yaml and --cfg run again ---------------------------------------- */

/* A dry run's output without what depends on what already ran: the status
 * column of the run table and the count line. The first line ("t: 4 runs
 * (mode quick, ...); results in ...") and the ids stay. */
static char *table_without_status(char *out)
{
    char *w = out;
    for (char *line = out; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
        char one[2048];
        snprintf(one, sizeof one, "%.*s", (int)len, line);
        char *st = strstr(one, "  ok      ");
        if (!st)
            st = strstr(one, "  todo    ");
        if (st)
            memmove(st, st + 10, strlen(st + 10) + 1);
        if (!(strstr(one, " runs: ") && strstr(one, " finished, "))) {
            memcpy(w, one, strlen(one));
            w += strlen(one);
        }
        line += len;
    }
    *w = 0;
    return out;
}

Test(past, config_yaml_runs_again_with_the_same_ids)
{
    put("x.yaml", xor_cfg);
    const char *ov = "x.yaml mode=quick lr=0.25 'hidden=[3,2]' activation=relu,tanh,sigmoid";
    char args[512];
    snprintf(args, sizeof args, "run %s --dry-run", ov);
    char *want = table_without_status(expect(0, args, NULL));
    cr_assert_not_null(strstr(want, "mode quick"), "%s", want);
    snprintf(args, sizeof args, "run %s -q", ov);
    free(expect(0, args, NULL));
    char *got = table_without_status(expect(0, "run results/t-quick/config.yaml --dry-run", NULL));
    cr_assert_str_eq(got, want);
    free(got);
    char *before = get("results/t-quick/runs.csv"), *cfg = get("results/t-quick/config.yaml");
    char *out = expect(0, "run results/t-quick/config.yaml -q", NULL);
    cr_assert_not_null(strstr(out, "6 runs, 6 finished"), "%s", out);
    char *after = get("results/t-quick/runs.csv"), *cfg2 = get("results/t-quick/config.yaml");
    cr_assert_str_eq(before, after);
    cr_assert_str_eq(cfg, cfg2, "running config.yaml again changed it");
    free(out);
    free(before);
    free(after);
    free(cfg);
    free(cfg2);
    free(want);
}

/* --cfg of a named mode prints an experiment that runs as that mode (into
 * the same folder), not as "mode full". */
Test(past, cfg_keeps_the_mode)
{
    put("x.yaml", xor_cfg);
    char *composed = expect(0, "run x.yaml mode=quick epochs=7 --cfg", NULL);
    put("r.yaml", composed);
    free(composed);
    char *want = table_without_status(expect(0, "run x.yaml mode=quick epochs=7 --dry-run", NULL));
    char *got = table_without_status(expect(0, "run r.yaml --dry-run", NULL));
    cr_assert_str_eq(got, want);
    cr_assert_not_null(strstr(got, "(mode quick,"), "%s", got);
    cr_assert_not_null(strstr(got, "results in results/t-quick\n"), "%s", got);
    free(want);
    free(got);
}

/* ---- show ---------------------------------------------------------------- */

/* The summary `run` printed: from the empty line before the one naming
 * the sweep. */
static char *summary_part(char *out)
{
    char *s = strstr(out, "\nt (mode ");
    cr_assert_not_null(s, "%s", out);
    return s;
}

Test(past, show_prints_the_run_summary_from_the_csvs)
{
    put("x.yaml", xor_cfg);
    char *ran = expect(0, "run x.yaml -q", NULL);
    char *shown = expect(0, "show results/t", NULL);
    cr_assert_str_eq(shown, summary_part(ran));
    free(shown);
    /* --where keeps the runs whose column has that value */
    shown = expect(0, "show results/t --where activation=tanh", NULL);
    cr_assert_not_null(strstr(shown, "activation=tanh"), "%s", shown);
    cr_assert_null(strstr(shown, "activation=relu"), "%s", shown);
    free(shown);
    /* a run key's value is read as the key reads it: hidden=4 is the
     * runs.csv text [4] (it matched nothing: the texts differ) */
    shown = expect(0, "show results/t --where hidden=4", NULL);
    cr_assert_not_null(strstr(shown, "activation=tanh"), "%s", shown);
    cr_assert_not_null(strstr(shown, "activation=relu"), "%s", shown);
    free(shown);
    shown = expect(0, "show results/t --where hidden=[4]", NULL);
    cr_assert_not_null(strstr(shown, "activation=tanh"), "%s", shown);
    free(shown);
    shown = expect(0, "show results/t --where hidden=4-4", NULL);
    cr_assert_null(strstr(shown, "activation=tanh"), "%s", shown);
    free(shown);
    /* --sort group orders by name */
    shown = expect(0, "show results/t --sort group", NULL);
    char *a = strstr(shown, "activation=relu"), *b = strstr(shown, "activation=tanh");
    cr_assert(a && b && a < b, "%s", shown);
    free(shown);
    free(ran);
    /* a run not finished matches by its config: the folder as a wider
     * sweep sees it (its config.yaml), sigmoid not run yet */
    free(expect(0, "run x.yaml activation=relu,tanh,sigmoid --out wide -q", NULL));
    char *wide = get("wide/config.yaml");
    put("results/t/config.yaml", wide);
    free(wide);
    shown = expect(0, "show results/t --where activation=sigmoid", NULL);
    cr_assert_not_null(strstr(shown, "\n   -  activation=sigmoid      2  "), "%s", shown);
    cr_assert_not_null(strstr(shown, "2 not run"), "%s", shown);
    cr_assert_null(strstr(shown, "activation=tanh"), "%s", shown);
    free(shown);
    char *err;
    free(expect(2, "show results/t --sort speed", &err));
    cr_assert_not_null(strstr(err, "deepsweep: show: --sort: 'speed' is not a column (valid: "), "%s", err);
    free(err);
    free(expect(2, "show results/t --where colour=red", &err));
    cr_assert_not_null(strstr(err, "deepsweep: show: --where colour=red: no column 'colour' in results/t/runs.csv (valid: "), "%s", err);
    free(err);
    free(expect(2, "show results/t --where activation", &err));
    cr_assert_not_null(strstr(err, "--where activation: expected KEY=VALUE"), "%s", err);
    free(err);
    free(expect(2, "show nowhere", &err));
    cr_assert_not_null(strstr(err, "deepsweep: show: nowhere/runs.csv:"), "%s", err);
    free(err);
}

/* --where width=4 keeps the nets whose width column is 4: not a net
 * without hidden layers (width 0), on which setting width changes nothing
 * (width is compared as the number it is, not set on a run's config). */
Test(past, show_where_width_is_not_matched_by_a_net_without_hidden_layers)
{
    put("x.yaml", xor_cfg);
    free(expect(0, "run x.yaml hidden=none,4 activation=relu seeds=1 -q", NULL));
    char *shown = expect(0, "show results/t --where width=4", NULL);
    cr_assert_not_null(strstr(shown, "hidden=4"), "%s", shown);
    cr_assert_null(strstr(shown, "hidden=none"), "%s", shown);
    free(shown);
    shown = expect(0, "show results/t --where hidden=none", NULL);
    cr_assert_not_null(strstr(shown, "hidden=none"), "%s", shown);
    cr_assert_null(strstr(shown, "hidden=4 "), "%s", shown);
    free(shown);
}

/* After an interrupt, groups that never ran have no rank; the groups that
 * ran are ranked 1..k among themselves. Through the runner's summary (what
 * `run` prints when a signal stops it) and through show. */
Test(past, groups_never_run_get_no_rank)
{
    put("x.yaml", xor_cfg);
    free(expect(0, "run x.yaml activation=tanh -q", NULL));
    /* the same folder seen by the wider sweep, nothing run */
    char path[128], err[1024];
    snprintf(path, sizeof path, "%s/x.yaml", dir);
    char *ov[] = {"activation=relu,tanh,sigmoid"};
    ds_plan p;
    cr_assert_eq(ds_plan_load(path, ov, 1, &p, err, sizeof err), 0, "%s", err);
    char out[128];
    snprintf(out, sizeof out, "%s/results/t", dir);
    ds_runner_opts o = {.out = out, .quiet = 1};
    ds_runner r;
    cr_assert_eq(ds_runner_init(&r, &p, &o, err, sizeof err), 0, "%s", err);
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    ds_runner_print_summary(&r, f);
    fclose(f);
    ds_runner_free(&r);
    ds_plan_free(&p);
    /* "   1  activation=tanh ..." ranked; relu and sigmoid "   -" */
    cr_assert_not_null(strstr(text, "\n   1  activation=tanh "), "%s", text);
    cr_assert_not_null(strstr(text, "\n   -  activation=relu "), "%s", text);
    cr_assert_not_null(strstr(text, "\n   -  activation=sigmoid "), "%s", text);
    cr_assert_null(strstr(text, "\n   2  "), "%s", text);
    free(text);
}

/* ---- compare ------------------------------------------------------------- */

/* compare's exit status: 1 when gnuplot cannot draw its figure. */
static int drawn_status(void)
{
    return system("gnuplot -e 'set terminal png' >/dev/null 2>&1") == 0 ? 0 : 1;
}

/* Two sweeps that differ in lr: groups matched by activation, the
 * difference in test accuracy with its CI and Welch's p, a figure. */
Test(past, compare_matches_groups_by_configuration)
{
    put("x.yaml", xor_cfg);
    free(expect(0, "run x.yaml seeds=3 -q", NULL));
    free(expect(0, "run x.yaml seeds=3 lr=0.05 activation=relu,tanh,sigmoid name=u -q", NULL));
    char *out = expect(drawn_status(), "compare results/t results/u --out cmp", NULL);
    cr_assert_not_null(strstr(out, "lr: 0.5 (A) vs 0.05 (B)"), "%s", out);
    cr_assert_not_null(strstr(out, "Welch"), "%s", out);
    cr_assert_not_null(strstr(out, "label: t (A) vs u (B)"), "%s", out);
    cr_assert_not_null(strstr(out, "groups matched on every other configuration column: 2;"), "%s", out);
    cr_assert_not_null(strstr(out, "only in B: 1 group (sigmoid)"), "%s", out);
    /* relu and tanh, 3 seeds a side: B - A with a CI and p, or a verdict */
    cr_assert_not_null(strstr(out, "\nrelu "), "%s", out);
    cr_assert_not_null(strstr(out, "\ntanh "), "%s", out);
    free(out);
    cr_assert(exists("cmp/plot-data/compare.dat"), "no data file");
    if (!drawn_status())
        cr_assert(exists("cmp/compare.png"), "no figure");
    char *err;
    free(expect(2, "compare results/t", &err));
    free(err);
    free(expect(2, "compare results/t results/t --metric colour", &err));
    cr_assert_not_null(strstr(err, "--metric: 'colour' is not a metric (valid: "), "%s", err);
    free(err);
}

/* The numbers compare prints, on known data: A's test accuracies 0.90,
 * 0.92, 0.94, B's 0.80, 0.82, 0.84 (lr differs). R's
 * t.test(c(80,82,84), c(90,92,94)): t = -6.1237, df = 4, p = 0.003602,
 * 95% CI -14.533 .. -5.467. */
/* Folder name with the rows of the first n runs of x.yaml under the
 * overrides ov, test and train accuracy acc[i]. */
static void folder_with(const char *name, char **ov, int n_ov, const double *acc, int n)
{
    char path[128], err[1024];
    snprintf(path, sizeof path, "%s/x.yaml", dir);
    ds_plan p;
    cr_assert_eq(ds_plan_load(path, ov, n_ov, &p, err, sizeof err), 0, "%s", err);
    ds_csvbuf b = {0};
    ds_header_line(0, &b);
    for (int i = 0; i < n; i++) {
        ds_run_result r = {.status = DS_RUN_OK, .test_acc = acc[i], .train_acc = acc[i]};
        const ds_provenance pv = {.isa = "avx2", .threads = 1};
        ds_runs_row(&b, &p.runs[i], &r, &pv);
    }
    char file[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(file, sizeof file, "%s/runs.csv", name);
    put(file, b.s);
    ds_csvbuf_free(&b);
    ds_plan_free(&p);
}

static void folder_of(const char *name, char *lr, const double *acc)
{
    char *ov[] = {"activation=relu", "seeds=3", lr};
    folder_with(name, ov, 3, acc, 3);
}

/* compare.png names every pair and says why one has no test: a pair
 * without an interval (one seed a side) was a bare mark, with neither its
 * group's name under it nor "no test" (gnuplot skips a row with a NaN in a
 * column it uses). Drawn again as SVG, whose text can be read. */
Test(past, compare_figure_labels_pairs_without_a_test)
{
    if (drawn_status())
        cr_skip_test("gnuplot not installed (make deps-plots): figure checks skipped");
    put("x.yaml", xor_cfg);
    const double a[] = {0.90, 0.92, 0.94, 0.5}, b[] = {0.80, 0.82, 0.84, 0.75};
    /* relu: 3 seeds a side; tanh: 1 */
    char *ova[] = {"activation=relu,tanh", "seeds=3", "lr=0.5"};
    char *ovb[] = {"activation=relu,tanh", "seeds=3", "lr=0.25"};
    folder_with("A", ova, 3, a, 4);
    folder_with("B", ovb, 3, b, 4);
    char *out = expect(0, "compare A B --out cmp -q", NULL);
    cr_assert_not_null(strstr(out, "too few seeds for a test"), "%s", out);
    free(out);
    char script[4096], cmd[8192];
    cr_assert_not_null(realpath("plots/compare.gp", script));
    snprintf(cmd, sizeof cmd,
             "cd '%s' && gnuplot -e \"term='svg'; data='cmp/plot-data/compare.dat'; "
             "out='cmp/c.svg'; a='A'; b='B'; metric='test_acc'; pct=1; n=2\" '%s'",
             dir, script);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char *svg = get("cmp/c.svg");
    cr_assert_not_null(strstr(svg, ">relu<"), "no tick for relu");
    cr_assert_not_null(strstr(svg, ">tanh<"), "no tick for tanh: a bare mark");
    cr_assert_not_null(strstr(svg, ">p = 0.0036<"), "relu's p");
    cr_assert_not_null(strstr(svg, ">no test: too few seeds<"), "tanh's pair says nothing");
    free(svg);
}

Test(past, compare_prints_welch_on_known_data)
{
    put("x.yaml", xor_cfg);
    const double a[] = {0.90, 0.92, 0.94}, b[] = {0.80, 0.82, 0.84};
    folder_of("A", "lr=0.5", a);
    folder_of("B", "lr=0.25", b);
    char *out = expect(drawn_status(), "compare A B --out cmp -q", NULL);
    cr_assert_not_null(strstr(out, "A and B differ in: lr: 0.5 (A) vs 0.25 (B)\n"), "%s", out);
    cr_assert_not_null(strstr(out, "    3     92.00 ±  4.97    3     82.00 ±  4.97   -10.00 [ -14.53,   -5.47]  0.0036    differs (p < 0.05)"),
                       "%s", out);
    free(out);
    /* another metric column */
    out = expect(drawn_status(), "compare A B --out cmp -q --metric train_acc", NULL);
    cr_assert_not_null(strstr(out, "train_acc %"), "%s", out);
    free(out);
}
