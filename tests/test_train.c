/* ds_train: determinism across thread counts, learning, the last partial
 * batch, metrics, divergence, the stop flag, and the bad-input classes of the
 * config checks and of `deepsweep train`. Synthetic data (a linear teacher)
 * except one test on a slice of real MNIST when `make data` has run. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data.h"
#include "init.h"
#include "kernels.h"
#include "train.h"

static void best_isa(void) { cr_assert_eq(ds_isa_set(ds_isa_best()), 0); }

TestSuite(train_engine, .init = best_isa);

/* n samples (drawn from seed), f features in [-1,1], `classes` labels from
 * the argmax of one fixed random linear teacher (the same for every seed, so
 * a training and a test set share it): separable, a linear model can reach
 * 100%. */
static void teacher_set(ds_dataset *d, int n, int f, int classes, uint64_t seed)
{
    d->n = n, d->features = f, d->classes = classes;
    d->x = ds_aligned_alloc((size_t)n * f * sizeof(float)); /* freed by ds_dataset_free */
    d->y = malloc((size_t)n * sizeof *d->y);
    float *t = malloc((size_t)f * classes * 4);
    ds_init_weights(DS_INIT_UNIFORM, 1, d->x, n, f, seed, 0);
    ds_init_weights(DS_INIT_NORMAL, 1, t, f, classes, 1000, 1);
    for (int i = 0; i < n; i++) {
        int best = 0;
        double bv = -1e30;
        for (int c = 0; c < classes; c++) {
            double s = 0;
            for (int k = 0; k < f; k++)
                s += d->x[(size_t)i * f + k] * t[(size_t)k * classes + c];
            if (s > bv)
                bv = s, best = c;
        }
        d->y[i] = best;
    }
    free(t);
}

/* A training and a test set of one teacher, drawn from seeds seed and
 * seed + 1. */
static void teacher_sets(ds_dataset *tr, int n_tr, ds_dataset *te, int n_te, int f, int classes,
                         uint64_t seed)
{
    teacher_set(tr, n_tr, f, classes, seed);
    teacher_set(te, n_te, f, classes, seed + 1);
}

static void free_sets(ds_dataset *tr, ds_dataset *te)
{
    ds_dataset_free(tr);
    ds_dataset_free(te);
}

#define MAX_LOG 64
typedef struct {
    int n;
    ds_epoch_metrics e[MAX_LOG];
    ds_layer_metrics l[MAX_LOG][8];
    int n_layers;
} log_t;

static void record(void *ctx, const ds_epoch_metrics *e, const ds_layer_metrics *l, int nl)
{
    log_t *g = ctx;
    if (g->n < MAX_LOG) {
        g->e[g->n] = *e;
        g->e[g->n].seconds = 0; /* wall time is the one non-deterministic field */
        memcpy(g->l[g->n], l, (size_t)nl * sizeof *l);
        g->n_layers = nl;
        g->n++;
    }
}

static ds_run_config small_cfg(void)
{
    ds_run_config rc;
    ds_run_config_defaults(&rc);
    snprintf(rc.dataset, sizeof rc.dataset, "mnist");
    rc.n_hidden = 2, rc.hidden[0] = 32, rc.hidden[1] = 16;
    rc.init = DS_INIT_XAVIER_UNIFORM;
    rc.bias_init = DS_BIAS_NORMAL;
    rc.dropout = 0.2f;
    rc.batch = 50;
    rc.epochs = 3;
    rc.lr = 0.01f;
    rc.val_split = 0; /* the synthetic sets are small; tests that split say so */
    return rc;
}

static void run(const ds_run_config *rc, const ds_dataset *tr, const ds_dataset *te, log_t *g,
                ds_run_result *res)
{
    memset(g, 0, sizeof *g);
    ds_train_hooks h = {record, g, NULL, NULL};
    char err[256];
    cr_assert_eq(ds_train(rc, tr, te, &h, res, err, sizeof err), 0, "%s", err);
}

/* 610 samples in batches of 50: 12 full batches and a partial one of 10. */
Test(train_engine, bit_identical_at_1_and_2_threads)
{
    ds_split_policy_set(DS_SPLIT_ALWAYS); /* every step split, not as measured */
    ds_dataset tr, te;
    teacher_sets(&tr, 610, &te, 200, 20, 4, 1);
    ds_run_config rc = small_cfg();
    rc.val_split = 110; /* 500 train in 10 batches of 50, 110 validation */
    static log_t a, b;
    ds_run_result ra, rb;
    rc.threads = 1;
    run(&rc, &tr, &te, &a, &ra);
    rc.threads = 2;
    run(&rc, &tr, &te, &b, &rb);
    cr_assert_eq(a.n, 3);
    cr_assert(!isnan(ra.val_acc) && ra.best_epoch >= 1);
    cr_assert_eq(memcmp(&ra.best_val_acc, &rb.best_val_acc, sizeof ra.best_val_acc), 0);
    cr_assert_eq(memcmp(a.e, b.e, sizeof a.e), 0, "epoch metrics differ between 1 and 2 threads");
    cr_assert_eq(memcmp(a.l, b.l, sizeof a.l), 0, "layer metrics differ between 1 and 2 threads");
    cr_assert_eq(ra.train_loss, rb.train_loss);
    cr_assert_eq(ra.test_acc, rb.test_acc);
    /* a different seed is a different run */
    rc.seed = 2;
    run(&rc, &tr, &te, &b, &rb);
    cr_assert_neq(ra.train_loss, rb.train_loss);
    free_sets(&tr, &te);
}

/* Where on_epoch ran: inside the team's region, and how many threads. */
static int hook_in_team, hook_team_size;

static void where_am_i(void *ctx, const ds_epoch_metrics *e, const ds_layer_metrics *l, int nl)
{
    (void)ctx, (void)e, (void)l, (void)nl;
    hook_in_team = omp_in_parallel();
    hook_team_size = omp_get_num_threads();
}

/* The steps of all epochs run on one team kept for the run (kernels.h
 * ds_team_run): no threads started per step (a fresh OpenMP region per
 * step cost ~5% of a deep-net step at 2 threads). The hooks are called on
 * the run's thread, inside that team. */
Test(train_engine, epochs_run_on_one_team)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 200, &te, 50, 20, 4, 1);
    ds_run_config rc = small_cfg();
    rc.epochs = 2;
    rc.threads = 2;
    ds_train_hooks h = {where_am_i, NULL, NULL, NULL};
    ds_run_result res;
    char err[256];
    cr_assert_eq(ds_train(&rc, &tr, &te, &h, &res, err, sizeof err), 0, "%s", err);
    cr_assert_eq(res.status, DS_RUN_OK);
    cr_assert(hook_in_team && hook_team_size == 2,
              "the epochs ran outside one team of 2 (in a region: %d, threads %d)", hook_in_team,
              hook_team_size);
    free_sets(&tr, &te);
}

/* Learns the teacher (chance = 25%): > 90% test accuracy in 3 epochs, and the
 * train loss falls every epoch. Metrics are in range. */
Test(train_engine, learns_and_reports_metrics)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 2000, &te, 500, 20, 4, 3);
    ds_run_config rc = small_cfg();
    rc.dropout = 0;
    static log_t g;
    ds_run_result r;
    run(&rc, &tr, &te, &g, &r);
    cr_assert_eq(r.status, DS_RUN_OK);
    cr_assert_eq(r.epochs_done, 3);
    cr_assert_eq(r.params_weights, 20 * 32 + 32 * 16 + 16 * 4);
    cr_assert_eq(r.params_biases, 32 + 16 + 4);
    cr_assert(r.test_acc > 0.90, "test acc %g", r.test_acc);
    cr_assert_eq(r.best_epoch, 0, "no validation split: no best epoch");
    cr_assert(isnan(r.val_acc) && isnan(r.test_acc_at_best));
    for (int e = 1; e < g.n; e++)
        cr_assert(g.e[e].train_loss < g.e[e - 1].train_loss, "epoch %d loss rose", e + 1);
    cr_assert_eq(g.n_layers, 3);
    for (int e = 0; e < g.n; e++)
        for (int l = 0; l < 3; l++) {
            cr_assert(g.l[e][l].grad_norm > 0 && isfinite(g.l[e][l].grad_norm));
            cr_assert(g.l[e][l].weight_norm > 0);
            cr_assert(g.l[e][l].dead_frac >= 0 && g.l[e][l].dead_frac <= 1);
        }
    cr_assert(r.samples_per_s > 0);
    free_sets(&tr, &te);
}

/* All-zero weights and biases: every relu unit outputs 0 (dead fraction 1)
 * and no gradient reaches the first layer (its dW is exactly 0). */
Test(train_engine, dead_units_and_zero_gradient)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 100, &te, 50, 8, 3, 5);
    ds_run_config rc = small_cfg();
    rc.dropout = 0, rc.init = DS_INIT_ZEROS, rc.bias_init = DS_BIAS_ZEROS, rc.epochs = 1;
    rc.optimizer = DS_OPT_SGD;
    static log_t g;
    ds_run_result r;
    run(&rc, &tr, &te, &g, &r);
    cr_assert_eq(g.l[0][0].dead_frac, 1.0);
    cr_assert_eq(g.l[0][1].dead_frac, 1.0);
    cr_assert_eq(g.l[0][2].dead_frac, 0.0); /* output layer: 0 by definition */
    /* every layer's input is 0 or its backward passes through W = 0 */
    for (int l = 0; l < 3; l++)
        cr_assert_eq(g.l[0][l].grad_norm, 0.0, "layer %d", l);
    free_sets(&tr, &te);
}

/* XOR, the course's lab 18/19 set-up in miniature: sigmoid output + BCE. A
 * tanh net with Adam solves all four points for every seed tried. */
Test(train_engine, xor_solved)
{
    ds_dataset tr, te;
    char err[256];
    cr_assert_eq(ds_dataset_load("xor", "", &tr, &te, err, sizeof err), 0);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        ds_run_config rc;
        ds_run_config_defaults(&rc);
        snprintf(rc.dataset, sizeof rc.dataset, "xor");
        ds_run_config_resolve(&rc, 0, 0, 0); /* xor's loss and val_split (0) */
        cr_assert_eq(rc.loss, DS_LOSS_SIGMOID_BCE);
        cr_assert_eq(rc.val_split, 0);
        rc.n_hidden = 1, rc.hidden[0] = 8;
        rc.activation = DS_ACT_TANH;
        rc.init = DS_INIT_XAVIER_UNIFORM;
        rc.lr = 0.05f, rc.batch = 4, rc.epochs = 500, rc.log_every = 500, rc.seed = seed;
        ds_run_result r;
        cr_assert_eq(ds_train(&rc, &tr, &te, NULL, &r, err, sizeof err), 0, "%s", err);
        cr_assert_eq(r.status, DS_RUN_OK);
        cr_assert_eq(r.train_acc, 1.0, "seed %d: acc %g", (int)seed, r.train_acc);
        cr_assert(r.train_loss < 0.1, "seed %d: loss %g (log 2 = 0.69 is chance)", (int)seed,
                  r.train_loss);
    }
    free_sets(&tr, &te);
}

Test(train_engine, diverges_without_crashing)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 200, &te, 50, 10, 3, 7);
    ds_run_config rc = small_cfg();
    rc.loss = DS_LOSS_MSE, rc.optimizer = DS_OPT_SGD, rc.lr = 1e30f, rc.epochs = 5;
    rc.init = DS_INIT_NORMAL;
    static log_t g;
    ds_run_result r;
    run(&rc, &tr, &te, &g, &r);
    cr_assert_eq(r.status, DS_RUN_DIVERGED);
    cr_assert_str_eq(ds_run_status_name(r.status), "diverged");
    cr_assert(r.epochs_done <= 5);
    /* a diverged model has no metrics: missing, not 0 */
    cr_assert(r.diverged_epoch >= 1 && r.diverged_epoch == r.epochs_done, "%d", r.diverged_epoch);
    cr_assert(isnan(r.train_acc) && isnan(r.train_loss) && isnan(r.test_acc) && isnan(r.val_acc));
    cr_assert(isnan(r.test_acc_at_best) && r.best_epoch == 0);
    cr_assert(!isfinite(r.train_loss_running), "the loss that diverged: %g", r.train_loss_running);
    free_sets(&tr, &te);
}

Test(train_engine, stop_flag_interrupts_before_any_epoch)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 200, &te, 50, 10, 3, 9);
    ds_run_config rc = small_cfg();
    static log_t g;
    volatile sig_atomic_t stop = 1;
    ds_train_hooks h = {record, &g, &stop, NULL};
    ds_run_result r;
    char err[256];
    memset(&g, 0, sizeof g);
    cr_assert_eq(ds_train(&rc, &tr, &te, &h, &r, err, sizeof err), 0);
    cr_assert_eq(r.status, DS_RUN_INTERRUPTED);
    cr_assert_eq(g.n, 0, "an interrupted run must record nothing");
    free_sets(&tr, &te);
}

Test(train_engine, subset_and_full_batch)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 100, &te, 50, 10, 3, 11);
    ds_run_config rc = small_cfg();
    ds_run_result r;
    char err[256];
    rc.train_subset = 101;
    cr_assert_eq(ds_train(&rc, &tr, &te, NULL, &r, err, sizeof err), 2);
    cr_assert_str_eq(err, "train_subset: 101 is out of range (1 <= train_subset <= 100, the training set)");
    rc.val_split = 10;
    rc.train_subset = 91;
    cr_assert_eq(ds_train(&rc, &tr, &te, NULL, &r, err, sizeof err), 2);
    cr_assert_str_eq(err, "train_subset: 91 is out of range (1 <= train_subset <= 90, the training set less val_split)");
    rc.train_subset = 0;
    rc.val_split = 100;
    cr_assert_eq(ds_train(&rc, &tr, &te, NULL, &r, err, sizeof err), 2);
    cr_assert_str_eq(err, "val_split: 100 is out of range (0 <= val_split < 100, the training set)");
    rc.val_split = 0;
    rc.train_subset = 60;
    rc.batch = 1000; /* larger than the set: one full batch per epoch */
    cr_assert_eq(ds_train(&rc, &tr, &te, NULL, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.status, DS_RUN_OK);
    free_sets(&tr, &te);
}

/* The step API is the run: a trainer driven step by step (as the profiler's
 * step benchmark drives it) gives bit-identical metrics to ds_train, and
 * ds_evaluate gives its test accuracy. */
Test(train_engine, trainer_steps_are_the_run)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 610, &te, 200, 20, 4, 13);
    ds_run_config rc = small_cfg();
    rc.epochs = 2;
    static log_t g;
    ds_run_result r;
    run(&rc, &tr, &te, &g, &r);

    ds_trainer t;
    char err[256];
    cr_assert_eq(ds_trainer_create(&t, &rc, &tr, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t.n_batches, 13); /* 12 full batches of 50 and one of 10 */
    for (int epoch = 1; epoch <= 2; epoch++) {
        ds_trainer_begin_epoch(&t, epoch);
        double loss = 0;
        long correct = 0, rows = 0;
        for (int b = 0; b < t.n_batches; b++) {
            ds_step_result s;
            cr_assert_eq(ds_train_step(&t, b, &s), 0);
            loss += s.loss_sum, correct += s.correct, rows += s.rows;
        }
        cr_assert_eq(rows, 610);
        cr_assert_eq(loss / 610, g.e[epoch - 1].train_loss_running, "epoch %d", epoch);
        cr_assert_eq((double)correct / 610, g.e[epoch - 1].train_acc_running);
        ds_layer_metrics lm[3];
        ds_trainer_layer_metrics(&t, lm);
        cr_assert_eq(memcmp(lm, g.l[epoch - 1], sizeof lm), 0, "epoch %d layers", epoch);
        double acc, mean_loss;
        cr_assert_eq(ds_evaluate(&t.model, &te, NULL, te.n, &mean_loss, &acc), 0);
        cr_assert_eq(acc, g.e[epoch - 1].test_acc);
        cr_assert(isfinite(mean_loss) && mean_loss > 0);
    }
    ds_trainer_free(&t);
    free_sets(&tr, &te);
}

/* A diverging step updates nothing and says so. */
Test(train_engine, diverged_step_reports_and_skips_the_update)
{
    ds_dataset tr;
    teacher_set(&tr, 100, 10, 3, 15);
    ds_run_config rc = small_cfg();
    rc.loss = DS_LOSS_MSE, rc.optimizer = DS_OPT_SGD, rc.lr = 1e30f, rc.init = DS_INIT_NORMAL;
    ds_trainer t;
    char err[256];
    cr_assert_eq(ds_trainer_create(&t, &rc, &tr, err, sizeof err), 0, "%s", err);
    ds_trainer_begin_epoch(&t, 1);
    ds_step_result s;
    int b = 0, diverged = 0;
    for (int tries = 0; tries < 50 && !diverged; tries++, b = (b + 1) % t.n_batches)
        diverged = ds_train_step(&t, b, &s);
    cr_assert_eq(diverged, 1);
    cr_assert(!isfinite(s.loss_sum));
    ds_trainer_free(&t);
    ds_dataset_free(&tr);
}

/* A real-MNIST slice (2000 images, 2 epochs) is bit-identical at 1 and 2
 * threads too; skipped before `make data`. */
Test(train_engine, real_mnist_slice_thread_invariant)
{
    ds_split_policy_set(DS_SPLIT_ALWAYS); /* every step split, not as measured */
    struct stat st;
    if (stat("data/mnist/train-images-idx3-ubyte", &st) != 0) {
        cr_log_warn("data/mnist not fetched ('make data'): skipped");
        return;
    }
    ds_dataset tr, te;
    char err[512];
    cr_assert_eq(ds_dataset_load("mnist", "", &tr, &te, err, sizeof err), 0, "%s", err);
    te.n = 1000; /* evaluate on the first 1000 test images: enough to compare */
    ds_run_config rc = small_cfg();
    rc.hidden[0] = 64, rc.train_subset = 2000, rc.epochs = 2, rc.batch = 100;
    static log_t a, b;
    ds_run_result ra, rb;
    rc.threads = 1;
    run(&rc, &tr, &te, &a, &ra);
    rc.threads = 2;
    run(&rc, &tr, &te, &b, &rb);
    cr_assert_eq(memcmp(a.e, b.e, sizeof a.e), 0);
    cr_assert_eq(memcmp(a.l, b.l, sizeof a.l), 0);
    cr_assert(ra.test_acc > 0.6, "2000 images, 2 epochs: test acc %g (chance 0.1)", ra.test_acc);
    te.n = 10000;
    free_sets(&tr, &te);
}

/* ---- the validation split and the evaluated metrics ------------------- */

/* ds_split: validation and training images disjoint, together the whole
 * set, training in file order; a function of the seed alone. */
Test(train_engine, val_split_disjoint_and_deterministic)
{
    enum { N = 1000, V = 137 };
    int32_t *tr, *va, *tr2, *va2;
    int nt, nt2;
    char err[256];
    cr_assert_eq(ds_split(N, V, 0, 5, &tr, &nt, &va, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nt, N - V);
    static unsigned char seen[N];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < V; i++) {
        cr_assert(va[i] >= 0 && va[i] < N);
        cr_assert(i == 0 || va[i] > va[i - 1], "validation indices sorted, no repeat");
        seen[va[i]]++;
    }
    for (int i = 0; i < nt; i++) {
        cr_assert(i == 0 || tr[i] > tr[i - 1], "training images in file order");
        seen[tr[i]]++;
    }
    for (int i = 0; i < N; i++)
        cr_assert_eq(seen[i], 1, "image %d in %d parts", i, seen[i]);
    /* the same seed: the same split; another seed: another */
    cr_assert_eq(ds_split(N, V, 0, 5, &tr2, &nt2, &va2, err, sizeof err), 0);
    cr_assert_eq(memcmp(va, va2, V * sizeof *va), 0);
    free(tr2), free(va2);
    cr_assert_eq(ds_split(N, V, 0, 6, &tr2, &nt2, &va2, err, sizeof err), 0);
    cr_assert_neq(memcmp(va, va2, V * sizeof *va), 0);
    free(tr2), free(va2);
    /* not the first V images (the draw is spread over the set) */
    cr_assert(va[V - 1] > V);
    /* train_subset: the first N of the training images that are left */
    cr_assert_eq(ds_split(N, V, 300, 5, &tr2, &nt2, &va2, err, sizeof err), 0);
    cr_assert_eq(nt2, 300);
    cr_assert_eq(memcmp(tr, tr2, 300 * sizeof *tr), 0);
    free(tr2), free(va2);
    /* val_split 0: every image trains, in order */
    cr_assert_eq(ds_split(N, 0, 0, 5, &tr2, &nt2, &va2, err, sizeof err), 0);
    cr_assert_eq(nt2, N);
    cr_assert_null(va2);
    for (int i = 0; i < N; i++)
        cr_assert_eq(tr2[i], i);
    free(tr2);
    free(tr), free(va);
}

/* The trainer trains on the split's training images only and evaluates the
 * training metrics on them (all of them up to DS_TRAIN_EVAL_MAX, else a
 * seeded subset of that many). */
Test(train_engine, trainer_holds_out_validation)
{
    ds_dataset tr;
    teacher_set(&tr, 12000, 4, 3, 21);
    ds_run_config rc = small_cfg();
    rc.val_split = 1500;
    ds_trainer t;
    char err[256];
    cr_assert_eq(ds_trainer_create(&t, &rc, &tr, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t.n, 10500);
    cr_assert_eq(t.n_val, 1500);
    cr_assert_eq(t.n_eval, DS_TRAIN_EVAL_MAX);
    static unsigned char is_val[12000];
    memset(is_val, 0, sizeof is_val);
    for (int i = 0; i < t.n_val; i++)
        is_val[t.val_idx[i]] = 1;
    ds_trainer_begin_epoch(&t, 1);
    for (int i = 0; i < t.n; i++)
        cr_assert(!is_val[t.perm[i]], "validation image %d in the epoch's order", t.perm[i]);
    for (int i = 0; i < t.n_eval; i++) {
        cr_assert(!is_val[t.eval_idx[i]]);
        cr_assert(i == 0 || t.eval_idx[i] > t.eval_idx[i - 1]);
    }
    ds_trainer_free(&t);
    ds_dataset_free(&tr);
}

/* train_acc is measured after the epoch with dropout off; the running
 * accuracy counted during the epoch with dropout on keeps its own name. At
 * dropout 0.5 the evaluated one is the higher (the old train_acc was the
 * running one, which read as a negative train-test gap). The evaluated
 * metrics are ds_evaluate's on the training images. */
Test(train_engine, evaluated_train_metrics_with_dropout)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 2000, &te, 500, 20, 4, 23);
    ds_run_config rc = small_cfg();
    rc.dropout = 0.5f, rc.epochs = 2, rc.val_split = 200;
    static log_t g;
    ds_run_result r;
    run(&rc, &tr, &te, &g, &r);
    cr_assert_eq(r.status, DS_RUN_OK);
    cr_assert_eq(g.n, 2);
    for (int e = 0; e < g.n; e++) {
        cr_assert(g.e[e].train_acc >= g.e[e].train_acc_running, "epoch %d: evaluated %g < running %g",
                  e + 1, g.e[e].train_acc, g.e[e].train_acc_running);
        cr_assert(g.e[e].train_loss <= g.e[e].train_loss_running, "epoch %d: loss %g > running %g",
                  e + 1, g.e[e].train_loss, g.e[e].train_loss_running);
        cr_assert(g.e[e].val_acc >= 0 && g.e[e].val_acc <= 1);
    }
    cr_assert_eq(r.train_acc, g.e[1].train_acc);
    cr_assert_eq(r.train_acc_running, g.e[1].train_acc_running);

    /* the same numbers as ds_evaluate of a trainer stepped by hand */
    ds_trainer t;
    char err[256];
    cr_assert_eq(ds_trainer_create(&t, &rc, &tr, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t.n_eval, 1800, "every training image (< DS_TRAIN_EVAL_MAX)");
    for (int epoch = 1; epoch <= 2; epoch++) {
        ds_trainer_begin_epoch(&t, epoch);
        ds_step_result s;
        for (int b = 0; b < t.n_batches; b++)
            cr_assert_eq(ds_train_step(&t, b, &s), 0);
    }
    double loss, acc, vacc;
    cr_assert_eq(ds_evaluate(&t.model, &tr, t.eval_idx, t.n_eval, &loss, &acc), 0);
    cr_assert_eq(ds_evaluate(&t.model, &tr, t.val_idx, t.n_val, NULL, &vacc), 0);
    cr_assert_eq(acc, r.train_acc);
    cr_assert_eq(loss, r.train_loss);
    cr_assert_eq(vacc, r.val_acc);
    ds_trainer_free(&t);
    free_sets(&tr, &te);
}

/* best_epoch is the logged epoch with the highest validation accuracy (the
 * first of ties) and test_acc_at_best the test accuracy there: chosen on
 * validation, not test. A test set with unrelated (shuffled) labels makes
 * the two choices differ for some seed. */
Test(train_engine, best_epoch_chosen_on_validation)
{
    ds_dataset tr, te;
    teacher_sets(&tr, 600, &te, 300, 10, 3, 25);
    for (int i = 0; i < te.n; i++) /* labels unrelated to the inputs */
        te.y[i] = (int32_t)((i * 7 + 3) % 3);
    int differ = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        ds_run_config rc = small_cfg();
        rc.val_split = 150, rc.epochs = 6, rc.lr = 0.003f, rc.seed = seed;
        static log_t g;
        ds_run_result r;
        run(&rc, &tr, &te, &g, &r);
        int bv = 0, bt = 0;
        for (int e = 1; e < g.n; e++) {
            if (g.e[e].val_acc > g.e[bv].val_acc)
                bv = e;
            if (g.e[e].test_acc > g.e[bt].test_acc)
                bt = e;
        }
        cr_assert_eq(r.best_epoch, g.e[bv].epoch, "seed %d", (int)seed);
        cr_assert_eq(r.best_val_acc, g.e[bv].val_acc);
        cr_assert_eq(r.test_acc_at_best, g.e[bv].test_acc);
        differ += bv != bt && g.e[bt].test_acc > g.e[bv].test_acc;
    }
    cr_assert(differ > 0, "no seed where validation and test pick different epochs");
    free_sets(&tr, &te);
}

TestSuite(train_config);

Test(train_config, range_checks_name_the_field)
{
    char buf[256];
    ds_run_config rc;
    ds_run_config_defaults(&rc);
    cr_assert_null(ds_run_config_check(&rc, buf, sizeof buf));
    cr_assert_eq(rc.beta1, 0.9f);
    cr_assert_eq(rc.beta2, 0.999f);
    cr_assert_eq(rc.eps, 1e-8f);
    rc.dropout = 1.0f;
    cr_assert_str_eq(ds_run_config_check(&rc, buf, sizeof buf), "dropout: 1 is out of range (0 <= dropout < 1)");
    rc.dropout = -0.1f;
    cr_assert_str_eq(ds_run_config_check(&rc, buf, sizeof buf), "dropout: -0.1 is out of range (0 <= dropout < 1)");
    ds_run_config_defaults(&rc);
    rc.lr = 0;
    cr_assert_str_eq(ds_run_config_check(&rc, buf, sizeof buf), "lr: 0 is out of range (lr > 0)");
    ds_run_config_defaults(&rc);
    rc.batch = 0;
    cr_assert_str_eq(ds_run_config_check(&rc, buf, sizeof buf), "batch: 0 is out of range (batch >= 1)");
    ds_run_config_defaults(&rc);
    rc.n_hidden = 2, rc.hidden[0] = 5, rc.hidden[1] = 0;
    cr_assert_str_eq(ds_run_config_check(&rc, buf, sizeof buf), "width: 0 is out of range (1 <= width <= 1048576)");
    ds_run_config_defaults(&rc);
    rc.epochs = 0;
    cr_assert_str_eq(ds_run_config_check(&rc, buf, sizeof buf), "epochs: 0 is out of range (epochs >= 1)");
    ds_run_config_defaults(&rc);
    snprintf(rc.dataset, sizeof rc.dataset, "cifar");
    cr_assert_str_eq(ds_run_config_check(&rc, buf, sizeof buf),
                     "dataset: unknown name 'cifar' (valid: mnist, fashion-mnist, xor)");
}

Test(train_config, name_tables_round_trip)
{
    for (int k = 0; k < DS_INIT_COUNT; k++) {
        ds_init_kind o;
        cr_assert_eq(ds_init_parse(ds_init_name((ds_init_kind)k), &o), 0);
        cr_assert_eq((int)o, k);
        cr_assert(strstr(ds_init_valid_names(), ds_init_name((ds_init_kind)k)));
    }
    for (int k = 0; k < DS_OPT_COUNT; k++) {
        ds_opt_kind o;
        cr_assert_eq(ds_opt_parse(ds_opt_name((ds_opt_kind)k), &o), 0);
        cr_assert_eq((int)o, k);
        cr_assert(strstr(ds_opt_valid_names(), ds_opt_name((ds_opt_kind)k)));
    }
    for (int k = 0; k < DS_LOSS_COUNT; k++) {
        ds_loss o;
        cr_assert_eq(ds_loss_parse(ds_loss_name((ds_loss)k), &o), 0);
        cr_assert_eq((int)o, k);
    }
    ds_init_kind i;
    cr_assert_eq(ds_init_parse("glorot", &i), -1);
}

/* ---- the CLI: exit 2, the message, and no file written ---------------- */

static char tdir[64];

static int cli(const char *args, char *err, size_t errlen)
{
    const char *bin = getenv("DEEPSWEEP_BIN");
    if (!bin)
        bin = "build/deepsweep";
    char cmd[2048], ef[128];
    snprintf(ef, sizeof ef, "%s/stderr", tdir);
    snprintf(cmd, sizeof cmd, "%s train %s >%s/stdout 2>%s", bin, args, tdir, ef);
    int st = system(cmd);
    cr_assert(WIFEXITED(st));
    FILE *f = fopen(ef, "r");
    err[0] = 0;
    if (f) {
        size_t n = fread(err, 1, errlen - 1, f);
        err[n] = 0;
        fclose(f);
    }
    return WEXITSTATUS(st);
}

static void mkt(void)
{
    snprintf(tdir, sizeof tdir, "/tmp/ds-test-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(tdir));
}

static void rmt(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(train_cli, .init = mkt, .fini = rmt);

Test(train_cli, bad_values_refused_before_any_work)
{
    struct { const char *args; const char *msg; } cases[] = {
        {"--activation swish", "deepsweep: train: --activation: unknown name 'swish' (valid: identity, relu, leaky_relu, sigmoid, tanh, elu, gelu, softplus)\n"},
        {"--init glorot", "deepsweep: train: --init: unknown name 'glorot' (valid: normal, uniform, xavier_uniform, xavier_normal, he_normal, he_uniform, lecun_normal, zeros)\n"},
        {"--optimizer rmsprop", "deepsweep: train: --optimizer: unknown name 'rmsprop' (valid: sgd, momentum, adam)\n"},
        {"--dataset cifar", "deepsweep: train: --dataset: unknown name 'cifar' (valid: mnist, fashion-mnist, xor)\n"},
        {"--loss hinge", "deepsweep: train: --loss: unknown name 'hinge' (valid: softmax_ce, sigmoid_bce, mse)\n"},
        {"--dropout 1.5", "deepsweep: train: dropout: 1.5 is out of range (0 <= dropout < 1)\n"},
        {"--lr 0", "deepsweep: train: lr: 0 is out of range (lr > 0)\n"},
        {"--lr -1", "deepsweep: train: lr: -1 is out of range (lr > 0)\n"},
        {"--batch 0", "deepsweep: train: batch: 0 is out of range (batch >= 1)\n"},
        {"--hidden 256,0", "deepsweep: train: --hidden: 0 is out of range (width 2 of '256,0'; 1 <= width <= 1048576)\n"},
        {"--epochs 0", "deepsweep: train: epochs: 0 is out of range (epochs >= 1)\n"},
        {"--epochs ten", "deepsweep: train: --epochs: 'ten' is not an integer (epochs >= 1)\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512], err[1024], out[128];
        snprintf(out, sizeof out, "%s/m.safetensors", tdir);
        /* a data dir that does not exist: a check that ran after loading
         * would report the missing file instead */
        snprintf(args, sizeof args, "%s --data-dir %s/nodata --save %s", cases[i].args, tdir, out);
        cr_assert_eq(cli(args, err, sizeof err), 2, "%s", cases[i].args);
        cr_assert_str_eq(err, cases[i].msg);
        struct stat st;
        cr_assert_neq(stat(out, &st), 0, "%s: wrote %s", cases[i].args, out);
    }
}

/* XOR end to end: train, save, load; the loaded model's accuracy is the
 * trained one's. */
Test(train_cli, xor_save_and_load)
{
    char args[512], err[1024], path[128], line[256];
    snprintf(path, sizeof path, "%s/xor.safetensors", tdir);
    snprintf(args, sizeof args,
             "--dataset xor --hidden 8 --activation tanh --init xavier_uniform --lr 0.05 --batch 4 "
             "--epochs 400 --log-every 100 --save %s -q", path);
    cr_assert_eq(cli(args, err, sizeof err), 0, "%s", err);
    char of[128];
    snprintf(of, sizeof of, "%s/stdout", tdir);
    FILE *f = fopen(of, "r");
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "Accuracy: 1.0000\n");
    snprintf(args, sizeof args, "--dataset xor --load %s -q", path);
    cr_assert_eq(cli(args, err, sizeof err), 0, "%s", err);
    f = fopen(of, "r");
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "Accuracy: 1.0000\n");
}
