/* The training step benchmark: forward, loss, backward and Adam of the
 * course's Xavier net and deep net at batch 100. */
#include "mlp_shapes.h"
#include "model.h"
#include "profiler.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    ds_mlp m;
    float *x, *adam_m, *adam_v;
    int32_t *labels;
    long t;
    double loss;
} step_ctx;

static void step_fn(void *p, long iters)
{
    step_ctx *s = p;
    for (long i = 0; i < iters; i++) {
        s->t++;
        ds_mlp_forward(&s->m, s->x, DS_MLP_BATCH, 1, 7, (uint32_t)s->t);
        s->loss = ds_mlp_loss(&s->m, DS_MLP_BATCH, s->labels, 1, NULL);
        ds_mlp_backward(&s->m, s->x, DS_MLP_BATCH, 1, 7, (uint32_t)s->t);
        /* Adam over the whole contiguous parameter block, as the optimizer
         * does tensor by tensor (no weight decay: same cost). */
        ds_adam_step(s->m.params, s->m.grads, s->adam_m, s->adam_v, s->m.n_params, 1e-4f,
                     0.9f, 0.999f, 1e-8f, 0.0f, s->t);
        ds_do_not_optimize(s->m.params);
    }
}

static double step_checksum(void *p) { return ((step_ctx *)p)->loss; }

typedef struct {
    const char *name;
    int n_hidden;
    int hidden[4];
} net_def;

/* The course's Xavier net and deep net (lab-mnist). */
static const net_def nets[] = {
    {"step_xavier", 2, {256, 256}},
    {"step_deep", 4, {512, 512, 512, 512}},
};

static int step_init(step_ctx *s, const net_def *nd)
{
    memset(s, 0, sizeof *s);
    if (ds_mlp_create(&s->m, 784, nd->n_hidden, nd->hidden, 10, DS_ACT_RELU, 0,
                      DS_LOSS_SOFTMAX_CE, 0.0f, DS_MLP_BATCH) != 0)
        return -1;
    ds_mlp_init(&s->m, DS_INIT_XAVIER_UNIFORM, 1.0f, DS_BIAS_ZEROS, 1);
    s->x = bench_falloc((size_t)DS_MLP_BATCH * 784);
    s->adam_m = bench_falloc(s->m.n_params);
    s->adam_v = bench_falloc(s->m.n_params);
    s->labels = malloc(DS_MLP_BATCH * sizeof *s->labels);
    if (!s->x || !s->adam_m || !s->adam_v || !s->labels)
        return -1;
    bench_fill(s->x, (size_t)DS_MLP_BATCH * 784, 3, 0, 1);
    memset(s->adam_m, 0, s->m.n_params * sizeof(float));
    memset(s->adam_v, 0, s->m.n_params * sizeof(float));
    for (int i = 0; i < DS_MLP_BATCH; i++)
        s->labels[i] = i % 10;
    return 0;
}

static void step_free(step_ctx *s)
{
    ds_mlp_free(&s->m);
    free(s->x);
    free(s->adam_m);
    free(s->adam_v);
    free(s->labels);
}

/* GEMM flops of one step: forward 2·B·Σ in·out; backward dW the same and dX
 * for every layer but the first (nothing upstream of the input). */
static double step_flops(const ds_mlp *m)
{
    double f = 0;
    for (int l = 0; l < m->n_layers; l++) {
        double mm = 2.0 * DS_MLP_BATCH * m->dims[l] * m->dims[l + 1];
        f += (l == 0 ? 2 : 3) * mm;
    }
    return f;
}

int bench_run_steps(bench_state *st, const char *iname, const int *threads, int nt)
{
    for (size_t ni = 0; ni < sizeof nets / sizeof nets[0]; ni++) {
        step_ctx sc;
        int rc = step_init(&sc, &nets[ni]);
        /* parameters, gradients and Adam state: each read/written once */
        bench_case c = {.family = FAM_STEP, .size_class = SZ_NONE, .kernel = nets[ni].name,
                        .isa = iname,
                        .note = "batch 100; items = samples; flops = GEMM flops only",
                        .m = DS_MLP_BATCH, .n = sc.m.dims[sc.m.n_layers], .k = sc.m.dims[0],
                        .elems = (long)sc.m.n_params, .flops = step_flops(&sc.m),
                        .bytes = 4.0 * 6.0 * (double)sc.m.n_params, .items = DS_MLP_BATCH};
        if (rc == 0)
            rc = bench_measure_threads(st, c, threads, nt, step_fn, step_checksum, &sc);
        step_free(&sc);
        if (rc != 0)
            return -1;
    }
    return 0;
}
