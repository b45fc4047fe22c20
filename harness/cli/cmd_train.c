/* `deepsweep train`: one run from the command line, printing the course's
 * per-epoch lines and the final test accuracy; --save / --load checkpoints. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "data.h"
#include "kernels.h"
#include "model.h"
#include "safetensors.h"
#include "train.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: deepsweep train [options]\n\n"
            "Trains one MLP and prints, per epoch, the mean training loss ('cost'), the\n"
            "training accuracy (measured during the epoch, dropout on), the test accuracy\n"
            "and the seconds of the epoch's training loop (the test pass not included);\n"
            "then the run's wall time, its training samples/s and the final test accuracy.\n\n"
            "model:\n"
            "  --dataset NAME       mnist | fashion-mnist | xor (default mnist)\n"
            "  --data-dir DIR       IDX files (default data/<dataset>; 'make data' fetches them)\n"
            "  --train-subset N     train on the first N training images (default: all)\n"
            "  --hidden W1,W2,...   hidden layer widths; 'none' = softmax regression (default none)\n"
            "  --activation NAME    of every hidden layer (default relu; valid: %s)\n"
            "  --act-param X        leaky_relu slope / elu alpha (default 0.01 / 1)\n"
            "  --loss NAME          softmax_ce | sigmoid_bce | mse (default softmax_ce; xor: sigmoid_bce)\n"
            "  --init NAME          weight init (default normal; valid: %s)\n"
            "  --init-scale X       multiplies the init's draws (default 1)\n"
            "  --bias-init NAME     zeros | normal (default zeros)\n"
            "  --dropout P          drop probability after each hidden layer, 0 <= P < 1 (default 0)\n"
            "training:\n"
            "  --optimizer NAME     sgd | momentum | adam (default adam)\n"
            "  --lr X               learning rate > 0 (default 0.001)\n"
            "  --momentum X         for momentum, 0 <= X < 1 (default 0.9)\n"
            "  --nesterov           Nesterov momentum\n"
            "  --weight-decay X     L2 decay of the weights >= 0 (default 0)\n"
            "  --epochs N           >= 1 (default 15)\n"
            "  --batch N            >= 1; >= the training set means full batch (default 100)\n"
            "  --seed N             init, shuffle and dropout seed (default 1)\n"
            "  --log-every N        print every N epochs and the last (default 1)\n"
            "  --threads N          OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
            "files:\n"
            "  --save FILE          write the trained weights (safetensors: layers.<i>.weight\n"
            "                       [in, out], layers.<i>.bias [out], architecture in __metadata__)\n"
            "  --load FILE          evaluate a saved model on the test set instead of training\n"
            "  -q                   print only the final accuracy\n"
            "\nExit status: 0 ok, 1 run-time failure or diverged run, 2 bad input.\n",
            ds_act_valid_names(), ds_init_valid_names());
}

static int bad(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "deepsweep: train: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 2;
}

static int parse_int(const char *opt, const char *s, int *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (!*s || *e || errno || v < INT_MIN || v > INT_MAX)
        return bad("%s: '%s' is not an integer", opt, s);
    *out = (int)v;
    return 0;
}

static int parse_float(const char *opt, const char *s, float *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (!*s || *e || errno || !isfinite(v))
        return bad("%s: '%s' is not a finite number", opt, s);
    *out = (float)v;
    return 0;
}

static int parse_hidden(const char *s, ds_run_config *rc)
{
    rc->n_hidden = 0;
    if (!strcmp(s, "none") || !*s)
        return 0;
    const char *p = s;
    while (*p) {
        char *e;
        errno = 0;
        long v = strtol(p, &e, 10);
        if (e == p || errno || (*e && *e != ','))
            return bad("--hidden: '%s' is not a comma-separated list of widths (e.g. 256,256; 'none' for no hidden layer)%s", s, "");
        if (v <= 0 || v > DS_MAX_WIDTH) {
            char num[32];
            snprintf(num, sizeof num, "%ld", v);
            return bad("--hidden: width %s is out of range (1 <= width <= %s)", num, DS_STR(DS_MAX_WIDTH));
        }
        if (rc->n_hidden == DS_MAX_HIDDEN) {
            char num[16];
            snprintf(num, sizeof num, "%d", DS_MAX_HIDDEN);
            return bad("--hidden: more than %s hidden layers%s", num, "");
        }
        rc->hidden[rc->n_hidden++] = (int)v;
        p = *e ? e + 1 : e;
    }
    return 0;
}

typedef struct {
    int quiet;
    const char *save;
    int save_rc;
    char err[512];
} train_ctx;

static void print_epoch(void *ctx, const ds_epoch_metrics *e, const ds_layer_metrics *layers,
                        int n_layers)
{
    (void)layers;
    (void)n_layers;
    const train_ctx *tc = ctx;
    if (tc->quiet)
        return;
    printf("Epoch: %04d cost = %.9f train_acc = %.4f test_acc = %.4f time = %.2fs\n", e->epoch,
           e->train_loss, e->train_acc, e->test_acc, e->seconds);
    fflush(stdout);
}

static void save_model(void *ctx, const struct ds_mlp *m)
{
    train_ctx *tc = ctx;
    tc->save_rc = ds_safetensors_save(tc->save, m, tc->err, sizeof tc->err);
}

static void arch_string(const ds_mlp *m, char *buf, size_t len)
{
    size_t o = 0;
    for (int l = 0; l <= m->n_layers && o < len; l++)
        o += (size_t)snprintf(buf + o, len - o, "%s%d", l ? "-" : "", m->dims[l]);
}

/* --load: evaluate a checkpoint on the test split. */
static int eval_saved(const char *path, const ds_run_config *rc, int quiet)
{
    char err[512];
    ds_mlp m;
    int rc2 = ds_safetensors_load(path, &m, 1000, err, sizeof err);
    if (rc2) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return rc2;
    }
    ds_dataset train, test;
    if ((rc2 = ds_dataset_load(rc->dataset, rc->data_dir, &train, &test, err, sizeof err))) {
        fprintf(stderr, "deepsweep: %s\n", err);
        ds_mlp_free(&m);
        return rc2;
    }
    ds_dataset_free(&train);
    if (test.features != m.dims[0] || (test.classes > 1 && m.dims[m.n_layers] != test.classes)) {
        fprintf(stderr, "deepsweep: %s: model has %d inputs and %d outputs, dataset %s has %d features and %d classes\n",
                path, m.dims[0], m.dims[m.n_layers], rc->dataset, test.features, test.classes);
        ds_mlp_free(&m);
        ds_dataset_free(&test);
        return 2;
    }
    double loss, acc;
    ds_evaluate(&m, &test, &loss, &acc);
    char arch[512];
    arch_string(&m, arch, sizeof arch);
    if (!quiet)
        printf("model: %s %s (%s), %ld weights + %ld biases, from %s\ntest cost = %.9f\n", arch,
               ds_act_to_name(m.act), ds_loss_name(m.loss), ds_mlp_weight_count(&m),
               ds_mlp_bias_count(&m), path, loss);
    printf("Accuracy: %.4f\n", acc);
    ds_mlp_free(&m);
    ds_dataset_free(&test);
    return 0;
}

int cmd_train(int argc, char **argv)
{
    ds_run_config rc;
    ds_run_config_defaults(&rc);
    const char *save = NULL, *load = NULL;
    int quiet = 0, loss_given = 0, act_param_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(o, "-q")) {
            quiet = 1;
            continue;
        }
        if (!strcmp(o, "--nesterov")) {
            rc.nesterov = 1;
            continue;
        }
        if (strncmp(o, "--", 2) != 0)
            return bad("unexpected argument '%s'%s (see 'deepsweep train --help')", o, "");
        if (i + 1 >= argc)
            return bad("%s needs a value%s (see 'deepsweep train --help')", o, "");
        const char *v = argv[++i];
        int r = 0;
        if (!strcmp(o, "--dataset")) {
            if (!ds_dataset_known(v))
                return bad("--dataset: unknown name '%s' (valid: %s)", v, ds_dataset_valid_names());
            snprintf(rc.dataset, sizeof rc.dataset, "%s", v);
        } else if (!strcmp(o, "--data-dir")) {
            if (strlen(v) >= sizeof rc.data_dir)
                return bad("--data-dir: '%s' is too long%s", v, "");
            snprintf(rc.data_dir, sizeof rc.data_dir, "%s", v);
        } else if (!strcmp(o, "--train-subset"))
            r = parse_int(o, v, &rc.train_subset);
        else if (!strcmp(o, "--hidden"))
            r = parse_hidden(v, &rc);
        else if (!strcmp(o, "--activation")) {
            if (ds_act_parse(v, &rc.activation))
                return bad("--activation: unknown name '%s' (valid: %s)", v, ds_act_valid_names());
        } else if (!strcmp(o, "--act-param")) {
            r = parse_float(o, v, &rc.act_param);
            act_param_given = 1;
        }
        else if (!strcmp(o, "--loss")) {
            if (ds_loss_parse(v, &rc.loss))
                return bad("--loss: unknown name '%s' (valid: %s)", v, ds_loss_valid_names());
            loss_given = 1;
        } else if (!strcmp(o, "--init")) {
            if (ds_init_parse(v, &rc.init))
                return bad("--init: unknown name '%s' (valid: %s)", v, ds_init_valid_names());
        } else if (!strcmp(o, "--init-scale"))
            r = parse_float(o, v, &rc.init_scale);
        else if (!strcmp(o, "--bias-init")) {
            if (ds_bias_init_parse(v, &rc.bias_init))
                return bad("--bias-init: unknown name '%s' (valid: %s)", v, ds_bias_init_valid_names());
        } else if (!strcmp(o, "--dropout"))
            r = parse_float(o, v, &rc.dropout);
        else if (!strcmp(o, "--optimizer")) {
            if (ds_opt_parse(v, &rc.optimizer))
                return bad("--optimizer: unknown name '%s' (valid: %s)", v, ds_opt_valid_names());
        } else if (!strcmp(o, "--lr"))
            r = parse_float(o, v, &rc.lr);
        else if (!strcmp(o, "--momentum"))
            r = parse_float(o, v, &rc.momentum);
        else if (!strcmp(o, "--weight-decay"))
            r = parse_float(o, v, &rc.weight_decay);
        else if (!strcmp(o, "--epochs"))
            r = parse_int(o, v, &rc.epochs);
        else if (!strcmp(o, "--batch"))
            r = parse_int(o, v, &rc.batch);
        else if (!strcmp(o, "--log-every"))
            r = parse_int(o, v, &rc.log_every);
        else if (!strcmp(o, "--threads"))
            r = parse_int(o, v, &rc.threads);
        else if (!strcmp(o, "--seed")) {
            char *e;
            errno = 0;
            unsigned long long s = strtoull(v, &e, 10);
            if (!*v || *e || errno || *v == '-')
                return bad("--seed: '%s' is not a non-negative integer%s", v, "");
            rc.seed = s;
        } else if (!strcmp(o, "--save"))
            save = v;
        else if (!strcmp(o, "--load"))
            load = v;
        else
            return bad("unknown option '%s'%s (see 'deepsweep train --help')", o, "");
        if (r)
            return r;
    }
    ds_run_config_resolve(&rc, act_param_given, loss_given);
    char buf[256];
    const char *msg = ds_run_config_check(&rc, buf, sizeof buf);
    if (!msg && !load)
        msg = ds_run_mem_check(&rc, buf, sizeof buf);
    if (msg) {
        fprintf(stderr, "deepsweep: train: %s\n", msg);
        return 2;
    }
    if (save && load)
        return bad("--save and --load exclude each other%s%s", "", "");
    if (load)
        return eval_saved(load, &rc, quiet);
    if (rc.threads > 0)
        omp_set_num_threads(rc.threads);

    char err[512];
    ds_dataset train, test;
    int r = ds_dataset_load(rc.dataset, rc.data_dir, &train, &test, err, sizeof err);
    if (r) {
        fprintf(stderr, "deepsweep: %s\n", err);
        return r;
    }
    if (!quiet) {
        long w = 0, b = 0;
        int prev = train.features;
        printf("model: %d", prev);
        for (int l = 0; l <= rc.n_hidden; l++) {
            int next = l < rc.n_hidden ? rc.hidden[l] : train.classes;
            printf("-%d", next);
            w += (long)prev * next;
            b += next;
            prev = next;
        }
        printf(" %s, %s, init %s/%s, dropout %g; %ld parameters (%ld weights + %ld biases)\n",
               ds_act_to_name(rc.activation), ds_loss_name(rc.loss), ds_init_name(rc.init),
               ds_bias_init_name(rc.bias_init), (double)rc.dropout, w + b, w, b);
        printf("train: %s, %d images%s, %s lr %g, batch %d, %d epochs, seed %llu, isa %s, %d threads\n",
               rc.dataset, rc.train_subset ? rc.train_subset : train.n,
               rc.train_subset ? " (subset)" : "", ds_opt_name(rc.optimizer), (double)rc.lr,
               rc.batch, rc.epochs, (unsigned long long)rc.seed, ds_isa_name(),
               omp_get_max_threads());
        fflush(stdout);
    }
    train_ctx tc = {quiet, save, 0, ""};
    ds_train_hooks hooks = {print_epoch, &tc, NULL, save ? save_model : NULL};
    ds_run_result res;
    r = ds_train(&rc, &train, &test, &hooks, &res, err, sizeof err);
    int status = 0;
    if (r) {
        fprintf(stderr, "deepsweep: train: %s\n", err);
        status = r;
    } else if (res.status == DS_RUN_FAILED) {
        fprintf(stderr, "deepsweep: train: out of memory\n");
        status = 1;
    } else if (res.status == DS_RUN_DIVERGED) {
        fprintf(stderr, "deepsweep: train: diverged in epoch %d (loss is %g): no model saved\n",
                res.epochs_done, res.train_loss);
        status = 1;
    } else {
        if (!quiet)
            printf("Learning finished: %.2f s, %.0f samples/s\n", res.seconds, res.samples_per_s);
        printf("Accuracy: %.4f\n", res.test_acc);
    }
    if (!status && tc.save_rc) {
        fprintf(stderr, "deepsweep: %s\n", tc.err);
        status = tc.save_rc;
    } else if (!status && save && !quiet)
        printf("saved: %s\n", save);
    ds_dataset_free(&train);
    ds_dataset_free(&test);
    return status;
}
