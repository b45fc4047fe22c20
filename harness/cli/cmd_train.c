/* `deepsweep train`: one run from the command line, printing the course's
 * per-epoch lines and the final test accuracy; --save / --load checkpoints.
 *
 * Thin: its options are the run keys of a config (run_options.h: `train
 * --lr 0.1` is `base: {lr: 0.1}`, through the same key table, resolver and
 * checks), then the engine (ds_train, ds_evaluate), then printing. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "data.h"
#include "err.h"
#include "files.h"
#include "kernels.h"
#include "model.h"
#include "run_options.h"
#include "safetensors.h"
#include "train.h"

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f,
            "usage: deepsweep train [options]\n\n"
            "Trains one MLP and prints, per epoch, the mean training loss of the epoch's\n"
            "steps ('cost', dropout on), the training accuracy measured after the epoch\n"
            "with dropout off (on up to 10,000 training images), the validation accuracy\n"
            "(the val_split images held out of training; none with --val-split 0), the\n"
            "test accuracy and the seconds of the epoch's training loop (the evaluation\n"
            "not included); then the run's wall time, its training samples/s and the\n"
            "final test accuracy.\n"
            "The run options are the run keys of an experiment file (configs/README.md):\n"
            "`train --hidden 256,256 --lr 0.1` is the one-run config\n"
            "`base: {hidden: [256, 256], lr: 0.1}`, with the same defaults and checks.\n\n");
    ds_cli_print_options(f, opts);
    ds_cli_exit_status(f);
}

typedef struct {
    int quiet;
    const char *save, *dataset;
    int save_rc;
    char err[DS_ERR_LEN];
} train_ctx;

static void print_epoch(void *ctx, const ds_epoch_metrics *e, const ds_layer_metrics *layers,
                        int n_layers)
{
    (void)layers;
    (void)n_layers;
    const train_ctx *tc = ctx;
    if (tc->quiet)
        return;
    char val[32] = "";
    if (!isnan(e->val_acc))
        snprintf(val, sizeof val, " val_acc = %.4f", e->val_acc);
    printf("Epoch: %04d cost = %.9f train_acc = %.4f%s test_acc = %.4f time = %.2fs\n", e->epoch,
           e->train_loss_running, e->train_acc, val, e->test_acc, e->seconds);
    fflush(stdout);
}

static void save_model(void *ctx, const struct ds_mlp *m)
{
    train_ctx *tc = ctx;
    tc->save_rc = ds_safetensors_save(tc->save, m, tc->dataset, tc->err, sizeof tc->err);
}

static void arch_string(const ds_mlp *m, char *buf, size_t len)
{
    size_t o = 0;
    for (int l = 0; l <= m->n_layers && o < len; l++)
        o += (size_t)snprintf(buf + o, len - o, "%s%d", l ? "-" : "", m->dims[l]);
}

/* --load: evaluate a checkpoint on the test split of the dataset it was
 * trained on (from its metadata). Another dataset is refused, whatever its
 * shape: MNIST weights scored on Fashion-MNIST mean nothing. */
static int eval_saved(const char *path, const char *dataset_opt, const char *data_dir, int quiet)
{
    char err[DS_ERR_LEN], dataset[32];
    ds_mlp m;
    int r = ds_safetensors_load(path, &m, 1000, dataset, sizeof dataset, err, sizeof err);
    if (r)
        return ds_err_print("train", r, "%s", err);
    if (!dataset[0]) /* written before checkpoints named their dataset */
        snprintf(dataset, sizeof dataset, "%s", dataset_opt ? dataset_opt : "mnist");
    const ds_dataset_row *row = ds_dataset_row_of(dataset);
    if (!row || (dataset_opt && strcmp(dataset_opt, dataset)))
        r = ds_err_print("train", 2, "--load %s: the model was trained on %s, not %s (leave "
                         "--dataset out to use %s)", path, dataset, dataset_opt, dataset);
    else if (row->features != m.dims[0] || row->classes != m.dims[m.n_layers])
        r = ds_err_print("train", 2, "--load %s: the model has %d inputs and %d outputs, dataset "
                         "%s has %d features and %d classes", path, m.dims[0],
                         m.dims[m.n_layers], dataset, row->features, row->classes);
    ds_dataset train, test;
    if (!r && (r = ds_dataset_load(dataset, data_dir, &train, &test, err, sizeof err)))
        ds_err_print("train", r, "%s", err);
    if (r) {
        ds_mlp_free(&m);
        return r;
    }
    ds_dataset_free(&train);
    double loss, acc;
    if (ds_evaluate(&m, &test, NULL, test.n, &loss, &acc)) {
        ds_mlp_free(&m);
        ds_dataset_free(&test);
        return ds_err_print("train", 1, "out of memory");
    }
    char arch[512];
    arch_string(&m, arch, sizeof arch);
    if (!quiet)
        printf("model: %s %s (%s), %ld weights + %ld biases, from %s (%s)\ntest cost = %.9f\n",
               arch, ds_act_to_name(m.act), ds_loss_name(m.loss), ds_mlp_weight_count(&m),
               ds_mlp_bias_count(&m), path, dataset, loss);
    printf("Accuracy: %.4f\n", acc);
    ds_mlp_free(&m);
    ds_dataset_free(&test);
    return 0;
}

static void print_header(const ds_run_config *rc, const ds_dataset *train)
{
    long w = 0, b = 0;
    int prev = train->features;
    printf("model: %d", prev);
    for (int l = 0; l <= rc->n_hidden; l++) {
        int next = l < rc->n_hidden ? rc->hidden[l] : train->classes;
        printf("-%d", next);
        w += (long)prev * next;
        b += next;
        prev = next;
    }
    printf(" %s, %s, init %s/%s, dropout %g; %ld parameters (%ld weights + %ld biases)\n",
           ds_act_to_name(rc->activation), ds_loss_name(rc->loss), ds_init_name(rc->init),
           ds_bias_init_name(rc->bias_init), (double)rc->dropout, w + b, w, b);
    printf("train: %s, %ld images%s, %d held out for validation, %s lr %g, batch %d, %d epochs, "
           "seed %llu, isa %s, %d threads\n",
           rc->dataset, rc->train_subset ? (long)rc->train_subset : (long)train->n - rc->val_split,
           rc->train_subset ? " (subset)" : "", rc->val_split, ds_opt_name(rc->optimizer), (double)rc->lr,
           rc->batch, rc->epochs, (unsigned long long)rc->seed, ds_isa_name(),
           omp_get_max_threads());
    fflush(stdout);
}

/* Trains rc, printing as it goes; the exit status. */
static int train_and_print(const ds_run_config *rc, const char *save, int quiet)
{
    char err[DS_ERR_LEN];
    ds_dataset train, test;
    int r = ds_dataset_load(rc->dataset, rc->data_dir, &train, &test, err, sizeof err);
    if (r)
        return ds_err_print("train", r, "%s", err);
    if (!quiet)
        print_header(rc, &train);
    train_ctx tc = {quiet, save, rc->dataset, 0, ""};
    ds_train_hooks hooks = {print_epoch, &tc, NULL, save ? save_model : NULL};
    ds_run_result res;
    r = ds_train(rc, &train, &test, &hooks, &res, err, sizeof err);
    if (r)
        ds_err_print("train", r, "%s", err);
    else if (res.status == DS_RUN_FAILED)
        r = ds_err_print("train", 1, "out of memory");
    else if (res.status == DS_RUN_DIVERGED)
        r = ds_err_print("train", 1, "diverged in epoch %d (loss is %g): no model saved",
                         res.diverged_epoch, res.train_loss_running);
    else if (tc.save_rc)
        r = ds_err_print(NULL, tc.save_rc, "%s", tc.err);
    if (!r) {
        if (!quiet)
            printf("Learning finished: %.2f s, %.0f samples/s\n", res.seconds, res.samples_per_s);
        printf("Accuracy: %.4f\n", res.test_acc);
        if (save && !quiet)
            printf("saved: %s\n", save);
    }
    ds_dataset_free(&train);
    ds_dataset_free(&test);
    return r;
}

int cmd_train(int argc, char **argv)
{
    ds_run_options ro;
    ds_opt opts[DS_KEY_COUNT + 8];
    int n = 0;
    opts[n++] = (ds_opt)DS_OPT_HEADING("run (the run keys of an experiment file):");
    n += ds_run_options_table(&ro, opts + n);
    uint64_t seed = 1;
    const char *save = NULL, *load = NULL;
    int quiet = 0;
    opts[n++] = (ds_opt)DS_OPT_U64("seed", 0, "N", &seed, 0, UINT64_MAX,
                                   "init, shuffle and dropout seed (default 1)");
    opts[n++] = (ds_opt)DS_OPT_HEADING("files:");
    opts[n++] = (ds_opt)DS_OPT_STR("save", 0, "FILE", &save,
                                   "write the trained weights (safetensors: layers.<i>.weight\n"
                                   "[in, out], layers.<i>.bias [out], architecture and dataset\n"
                                   "in __metadata__); a new file or a regular file, replaced\n"
                                   "whole (never a link, device, fifo or directory)");
    opts[n++] = (ds_opt)DS_OPT_STR("load", 0, "FILE",
                                   &load, "evaluate a saved model on the test set of its dataset");
    opts[n++] = (ds_opt)DS_OPT_FLAG("quiet", 'q', &quiet, "print only the final accuracy");
    opts[n++] = (ds_opt)DS_OPT_END;
    const ds_cli cli = {.command = "train", .opts = opts, .usage = usage};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    if (save && load)
        return ds_err_print("train", 2, "--save and --load exclude each other");
    if (load)
        return eval_saved(load, ro.text[DS_KEY_DATASET], ro.text[DS_KEY_DATA_DIR], quiet);
    char err[DS_ERR_LEN];
    ds_run_config rc;
    int r = ds_run_options_config(&ro, seed, &rc, err, sizeof err);
    const char *msg = r ? err : ds_run_mem_check(&rc, err, sizeof err);
    if (msg)
        return ds_err_print("train", 2, "%s", msg);
    /* before the training: what --save would replace must be a regular file */
    if (save && ds_check_output("--save", save, err, sizeof err))
        return ds_err_print("train", 2, "%s", err);
    if (rc.threads > 0)
        omp_set_num_threads(rc.threads);
    return train_and_print(&rc, save, quiet);
}
