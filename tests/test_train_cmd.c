/* `deepsweep train` as a one-run config: its options set the run through the
 * key table of a config, so a train command and the equivalent one-run
 * config are the same run (same id, bit-identical runs.csv row); and
 * `train --load` scores a checkpoint only on the dataset it was trained on. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    ds_runs_row(&b, run, &res, "any", 1);
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

static int sh(const char *args, char *out, size_t n)
{
    const char *bin = getenv("DEEPSWEEP_BIN");
    char cmd[1024], of[128];
    snprintf(of, sizeof of, "%s/out", dir);
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>&1", bin ? bin : "build/deepsweep", args, of);
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
