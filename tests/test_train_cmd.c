/* `deepsweep train` as a one-run config: its options set the run through the
 * key table of a config, so a train command and the equivalent one-run
 * config are the same run (same id, bit-identical runs.csv row); and
 * `train --load` scores a checkpoint only on the dataset it was trained on. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "csv.h"
#include "data.h"
#include "run_options.h"
#include "sweep.h"
#include "train.h"

static char dir[64];

static void mk(void)
{
    snprintf(dir, sizeof dir, "/tmp/ds-train-cmd-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(train_cmd, .init = mk, .fini = rm);

/* The run train's parser builds from argv (what cmd_train does). */
static int train_config(char **argv, int argc, ds_run_config *rc, char *err, size_t errlen)
{
    ds_run_options ro;
    ds_opt opts[DS_KEY_COUNT + 2];
    int n = ds_run_options_table(&ro, opts);
    uint64_t seed = 1;
    opts[n++] = (ds_opt)DS_OPT_U64("seed", 0, "N", &seed, 0, UINT64_MAX, "seed");
    opts[n++] = (ds_opt)DS_OPT_END;
    const ds_cli cli = {.command = "train", .opts = opts};
    int first;
    int r = ds_cli_getopt(&cli, argc, argv, &first, err, errlen);
    return r ? r : ds_run_options_config(&ro, seed, rc, err, errlen);
}

/* The runs.csv row of rc trained on XOR, without the timing columns. */
static void runs_row(const ds_run *run, char *out, size_t n)
{
    ds_dataset train, test;
    char err[512];
    cr_assert_eq(ds_dataset_load("xor", "", &train, &test, err, sizeof err), 0, "%s", err);
    ds_run_result res;
    cr_assert_eq(ds_train(&run->rc, &train, &test, NULL, &res, err, sizeof err), 0, "%s", err);
    res.seconds = res.samples_per_s = 0; /* wall time: not deterministic */
    ds_csvbuf b = {0};
    const ds_provenance pv = {.isa = "any", .threads = 1};
    ds_runs_row(&b, run, &res, &pv);
    snprintf(out, n, "%s", b.s);
    ds_csvbuf_free(&b);
    ds_dataset_free(&train);
    ds_dataset_free(&test);
}

Test(train_cmd, train_flags_are_the_one_run_config)
{
    /* elu without act_param, xor without loss: the two defaults train and
     * run used to disagree on (alpha 0.01 vs 1.0; sigmoid_bce vs an error) */
    char *argv[] = {"train", "--dataset", "xor", "--hidden", "8,8", "--activation=elu",
                    "--init", "xavier_uniform", "--optimizer", "sgd", "--lr", "0.5",
                    "--batch", "4", "--epochs", "300", "--seed", "7", NULL};
    ds_run_config rc;
    char err[512];
    cr_assert_eq(train_config(argv, 18, &rc, err, sizeof err), 0, "%s", err);

    char path[128];
    snprintf(path, sizeof path, "%s/one.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("name: run\ndataset: xor\nseeds: [7]\n"
          "base: {hidden: [8, 8], activation: elu, init: xavier_uniform, optimizer: sgd,\n"
          "       lr: 0.5, batch: 4, epochs: 300}\n", f);
    fclose(f);
    ds_plan plan;
    cr_assert_eq(ds_plan_load(path, NULL, 0, &plan, err, sizeof err), 0, "%s", err);
    cr_assert_eq(plan.n_runs, 1);

    ds_run run = plan.runs[0];
    cr_assert_float_eq(run.rc.act_param, 1.0f, 0);
    cr_assert_eq(run.rc.loss, DS_LOSS_SIGMOID_BCE);
    char canon_t[2048], canon_c[2048];
    ds_run_canon(&rc, canon_t, sizeof canon_t);
    ds_run_canon(&run.rc, canon_c, sizeof canon_c);
    cr_assert_str_eq(canon_t, canon_c);
    cr_assert_eq(memcmp(&rc, &run.rc, sizeof rc), 0, "every field, data_dir and threads too");

    ds_run from_train = run;
    from_train.rc = rc;
    char row_t[4096], row_c[4096];
    runs_row(&from_train, row_t, sizeof row_t);
    runs_row(&run, row_c, sizeof row_c);
    cr_assert_str_eq(row_t, row_c);
    ds_plan_free(&plan);
}

/* hidden as train writes it (256,256) and as run overrides do ([256,256],
 * 256-256): one run. */
Test(train_cmd, hidden_lists_agree_between_train_and_run)
{
    char *argv[] = {"train", "--hidden", "256,256", NULL};
    ds_run_config rc;
    char err[512], path[128];
    cr_assert_eq(train_config(argv, 3, &rc, err, sizeof err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/one.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("name: run\ndataset: mnist\n", f);
    fclose(f);
    char *ov[] = {"hidden=[256,256]"};
    ds_plan plan;
    cr_assert_eq(ds_plan_load(path, ov, 1, &plan, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(&rc, &plan.runs[0].rc, sizeof rc), 0);
    ds_plan_free(&plan);
}

/* Runs `pre deepsweep args` in sh (pre: e.g. a ulimit), output in out. */
static int sh_pre(const char *pre, const char *args, char *out, size_t n)
{
    const char *bin = getenv("DEEPSWEEP_BIN");
    char cmd[1024], of[128];
    snprintf(of, sizeof of, "%s/out", dir);
    snprintf(cmd, sizeof cmd, "%s %s %s >%s 2>&1", pre, bin ? bin : "build/deepsweep", args, of);
    int st = system(cmd);
    FILE *f = fopen(of, "r");
    out[0] = 0;
    if (f) {
        size_t got = fread(out, 1, n - 1, f);
        out[got] = 0;
        fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int sh(const char *args, char *out, size_t n) { return sh_pre("", args, out, n); }

/* --save replaces a regular file or writes a new one, nothing else: a
 * device node, a fifo, a directory or a symbolic link is refused before the
 * training (exit 2) and left as it was. /dev/full used to become a regular
 * file, and a fifo hung the save. */
Test(train_cmd, save_refuses_what_is_not_a_regular_file)
{
    char p[256], args[512], out[2048];
    struct stat st;
    const char *train = "train --dataset xor --hidden 4 --epochs 1 --batch 4 -q --save";
    snprintf(p, sizeof p, "%s/full", dir);
    if (mknod(p, S_IFCHR | 0666, makedev(1, 7)) == 0) { /* /dev/full's numbers */
        snprintf(args, sizeof args, "%s %s", train, p);
        cr_assert_eq(sh(args, out, sizeof out), 2, "%s", out);
        cr_assert(strstr(out, "--save ") && strstr(out, "full: is a character device (--save writes a new file or replaces a regular file)"), "%s", out);
        cr_assert(stat(p, &st) == 0 && S_ISCHR(st.st_mode), "the device node was replaced");
    } else {
        cr_log_warn("mknod not permitted: the device case is skipped");
    }
    snprintf(p, sizeof p, "%s/fifo", dir);
    cr_assert_eq(mkfifo(p, 0644), 0);
    snprintf(args, sizeof args, "%s %s", train, p);
    cr_assert_eq(sh(args, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "fifo: is a fifo"), "%s", out);
    cr_assert(stat(p, &st) == 0 && S_ISFIFO(st.st_mode));
    snprintf(p, sizeof p, "%s/sub", dir);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(args, sizeof args, "%s %s", train, p);
    cr_assert_eq(sh(args, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "sub: is a directory"), "%s", out);
    /* a symbolic link: refused, the link and its target unchanged */
    char target[256];
    snprintf(target, sizeof target, "%s/target", dir);
    FILE *f = fopen(target, "w");
    fputs("old", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/link", dir);
    cr_assert_eq(symlink(target, p), 0);
    snprintf(args, sizeof args, "%s %s", train, p);
    cr_assert_eq(sh(args, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "link: is a symbolic link (--save writes a new file or replaces a regular "
                          "file; give the link's target instead)"), "%s", out);
    cr_assert(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
    cr_assert(stat(target, &st) == 0 && st.st_size == 3);
    /* a folder that does not exist */
    snprintf(args, sizeof args, "%s %s/no/m.safetensors", train, dir);
    cr_assert_eq(sh(args, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "No such file or directory"), "%s", out);
    /* a regular file is replaced */
    snprintf(args, sizeof args, "%s %s", train, target);
    cr_assert_eq(sh(args, out, sizeof out), 0, "%s", out);
    cr_assert(stat(target, &st) == 0 && st.st_size > 100);
}

/* A full disk (here: a file-size limit, the same write error) while saving:
 * exit 1, the old file whole, no temporary file left. */
Test(train_cmd, save_on_a_full_disk_leaves_the_target)
{
    char p[256], args[512], out[2048];
    snprintf(p, sizeof p, "%s/m.safetensors", dir);
    FILE *f = fopen(p, "w");
    fputs("old", f);
    fclose(f);
    /* 4096 hidden units: ~50 kB of weights, over the 8-block limit */
    snprintf(args, sizeof args, "train --dataset xor --hidden 4096 --epochs 1 --batch 4 -q --save %s", p);
    cr_assert_eq(sh_pre("trap '' XFSZ; ulimit -f 8;", args, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "m.safetensors: write failed: File too large (the file is unchanged)"), "%s", out);
    struct stat st;
    cr_assert(stat(p, &st) == 0 && st.st_size == 3, "the old file was replaced");
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    cr_assert_neq(system(cmd), 0, "a temporary file was left");
}

/* MNIST weights scored on Fashion-MNIST (same shape) used to exit 0. */
Test(train_cmd, load_refuses_another_dataset)
{
    char args[512], out[2048], model[128];
    snprintf(model, sizeof model, "%s/m.safetensors", dir);
    snprintf(args, sizeof args, "train --dataset mnist --train-subset 200 --hidden 8 --epochs 1 "
             "--save %s -q", model);
    cr_assert_eq(sh(args, out, sizeof out), 0, "%s", out);
    snprintf(args, sizeof args, "train --load %s --dataset fashion-mnist -q", model);
    cr_assert_eq(sh(args, out, sizeof out), 2, "%s", out);
    char want[512];
    snprintf(want, sizeof want, "deepsweep: train: --load %s: the model was trained on mnist, not "
             "fashion-mnist (leave --dataset out to use mnist)\n", model);
    cr_assert_str_eq(out, want);
    snprintf(args, sizeof args, "train --load %s --dataset xor -q", model);
    cr_assert_eq(sh(args, out, sizeof out), 2, "%s", out);
    /* without --dataset: the file's own */
    snprintf(args, sizeof args, "train --load %s -q", model);
    cr_assert_eq(sh(args, out, sizeof out), 0, "%s", out);
    cr_assert(!strncmp(out, "Accuracy: ", 10), "%s", out);
}

/* GNU and "did you mean" conventions, through the binary. */
Test(train_cmd, options_follow_gnu_conventions)
{
    char out[2048];
    cr_assert_eq(sh("train --dataset=xor --hidden=4 --epochs=2 --batch=4 -q", out, sizeof out), 0, "%s", out);
    cr_assert_eq(sh("train --hiden 4", out, sizeof out), 2);
    cr_assert_str_eq(out, "deepsweep: train: unknown option '--hiden' (did you mean --hidden?)\n");
    cr_assert_eq(sh("train --hidden 1048576,1048576", out, sizeof out), 2);
    cr_assert(strstr(out, "deepsweep: train: the run needs about "), "%s", out);
}
