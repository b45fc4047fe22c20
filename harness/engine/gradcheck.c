/* Gradient check (see gradcheck.h). The double path below is a reference
 * implementation: plain loops in double are its point, not a hot path. */
#include "gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "kernels.h"

/* f(x) in double for every activation of kernels.h, GELU in its tanh form as
 * the kernels define it. */
static double act_d(ds_act act, double p, double x)
{
    switch (act) {
    case DS_ACT_IDENTITY: return x;
    case DS_ACT_RELU: return x > 0 ? x : 0;
    case DS_ACT_LEAKY_RELU: return x > 0 ? x : p * x;
    case DS_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case DS_ACT_TANH: return tanh(x);
    case DS_ACT_ELU: return x > 0 ? x : p * (exp(x) - 1.0);
    case DS_ACT_GELU:
        return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case DS_ACT_SOFTPLUS: return x > 30 ? x : log1p(exp(x));
    default: return NAN;
    }
}

typedef struct {
    const ds_mlp *m;
    const double *x;      /* [rows x dims[0]]              */
    const int32_t *y;
    int rows;
    double *buf_a, *buf_b; /* [rows x max width] scratch   */
} dnet;

/* Mean loss over rows of the double net whose parameters are P (the layout of
 * m->params). */
static double loss_d(const dnet *d, const double *P)
{
    const ds_mlp *m = d->m;
    const double *in = d->x;
    double *out = d->buf_a;
    for (int l = 0; l < m->n_layers; l++) {
        int k = m->dims[l], n = m->dims[l + 1];
        const double *W = P + m->w_off[l], *b = P + m->b_off[l];
        for (int i = 0; i < d->rows; i++)
            for (int j = 0; j < n; j++) {
                double s = b[j];
                for (int q = 0; q < k; q++)
                    s += in[(size_t)i * k + q] * W[(size_t)q * n + j];
                out[(size_t)i * n + j] = l < m->n_layers - 1 ? act_d(m->act, m->act_param, s) : s;
            }
        in = out;
        out = out == d->buf_a ? d->buf_b : d->buf_a;
    }
    int n = m->dims[m->n_layers];
    double total = 0;
    for (int i = 0; i < d->rows; i++) {
        const double *z = in + (size_t)i * n;
        int lab = d->y[i];
        if (m->loss == DS_LOSS_SOFTMAX_CE) {
            double mx = z[0], s = 0;
            for (int j = 1; j < n; j++)
                mx = z[j] > mx ? z[j] : mx;
            for (int j = 0; j < n; j++)
                s += exp(z[j] - mx);
            total += log(s) + mx - z[lab];
        } else {
            for (int j = 0; j < n; j++) {
                double t = n == 1 ? lab : (j == lab);
                if (m->loss == DS_LOSS_SIGMOID_BCE) /* stable: max(z,0) − z·t + log(1+e^−|z|) */
                    total += (z[j] > 0 ? z[j] : 0) - z[j] * t + log1p(exp(-fabs(z[j])));
                else
                    total += (z[j] - t) * (z[j] - t);
            }
        }
    }
    return total / d->rows;
}

double ds_gradcheck_rel_error(const float *analytic, const double *numeric, size_t n)
{
    double gmax = 0, worst = 0;
    for (size_t i = 0; i < n; i++)
        gmax = fabs(numeric[i]) > gmax ? fabs(numeric[i]) : gmax;
    for (size_t i = 0; i < n; i++) {
        double a = analytic[i], d = fabs(a - numeric[i]);
        double den = fabs(a) + fabs(numeric[i]) + 1e-3 * gmax;
        double r = den > 0 ? d / den : d;
        if (!(r <= worst)) /* NaN sticks */
            worst = r;
    }
    return worst;
}

int ds_gradcheck_run(ds_act act, float act_param, ds_loss loss, const int *dims, int n_dims,
                     int rows, uint64_t seed, ds_gradcheck_result *res)
{
    memset(res, 0, sizeof *res);
    ds_mlp m;
    if (ds_mlp_create(&m, dims[0], n_dims - 2, dims + 1, dims[n_dims - 1], act, act_param, loss,
                      0.0f, rows) != 0)
        return -1;
    /* Weights of a moderate spread so every activation sees both sides of its
     * kink/saturation; biases N(0,1)·0.5 via the init table then scaled. */
    ds_mlp_init(&m, DS_INIT_XAVIER_NORMAL, 1.5f, DS_BIAS_NORMAL, seed);
    int maxw = 0;
    for (int i = 0; i < n_dims; i++)
        maxw = dims[i] > maxw ? dims[i] : maxw;
    float *xf = ds_aligned_alloc((size_t)rows * dims[0] * sizeof *xf);
    double *xd = malloc((size_t)rows * dims[0] * sizeof(double));
    int32_t *y = malloc((size_t)rows * sizeof *y);
    double *P = malloc(m.n_params * sizeof *P);
    double *num = malloc(m.n_params * sizeof *num);
    double *ba = malloc((size_t)rows * maxw * sizeof(double));
    double *bb = malloc((size_t)rows * maxw * sizeof(double));
    int rc = -1;
    if (!xf || !xd || !y || !P || !num || !ba || !bb)
        goto out;
    /* inputs N(0,1), labels uniform over the outputs (0/1 for one output) */
    ds_init_weights(DS_INIT_NORMAL, 1.0f, xf, rows, dims[0], seed ^ 0x9E3779B97F4A7C15ull, 99);
    int classes = dims[n_dims - 1] > 1 ? dims[n_dims - 1] : 2;
    for (int i = 0; i < rows; i++) {
        uint32_t r[4];
        ds_rand4(seed, (uint32_t)i, 0, 0x4C41424Cu /* "LABL" */, r);
        y[i] = (int32_t)(r[0] % (uint32_t)classes);
    }
    for (size_t i = 0; i < (size_t)rows * dims[0]; i++)
        xd[i] = xf[i];

    /* analytic, float, through the kernels */
    ds_mlp_forward(&m, xf, rows, 0, 0, 0);
    ds_mlp_loss(&m, rows, y, 1, NULL);
    ds_mlp_backward(&m, xf, rows, 0, 0, 0);

    /* numeric, double: central differences, h small enough that the O(h²)
     * truncation (~1e-12) and the rounding (~1e-16/h) are both far below the
     * float gradient's own rounding */
    const double h = 1e-6;
    for (size_t i = 0; i < m.n_params; i++)
        P[i] = m.params[i];
    dnet d = {&m, xd, y, rows, ba, bb};
    memset(num, 0, m.n_params * sizeof *num);
    for (int l = 0; l < m.n_layers; l++) {
        size_t offs[2] = {m.w_off[l], m.b_off[l]};
        size_t cnt[2] = {(size_t)m.dims[l] * m.dims[l + 1], (size_t)m.dims[l + 1]};
        for (int t = 0; t < 2; t++)
            for (size_t i = offs[t]; i < offs[t] + cnt[t]; i++) {
                double keep = P[i];
                P[i] = keep + h;
                double lp = loss_d(&d, P);
                P[i] = keep - h;
                double lm = loss_d(&d, P);
                P[i] = keep;
                num[i] = (lp - lm) / (2 * h);
            }
        res->max_rel_w[l] = ds_gradcheck_rel_error(m.grads + offs[0], num + offs[0], cnt[0]);
        res->max_rel_b[l] = ds_gradcheck_rel_error(m.grads + offs[1], num + offs[1], cnt[1]);
        double w = res->max_rel_w[l] > res->max_rel_b[l] ? res->max_rel_w[l] : res->max_rel_b[l];
        if (!(w <= res->worst))
            res->worst = w;
    }
    res->n_layers = m.n_layers;
    rc = 0;
out:
    ds_aligned_free(xf);
    free(xd);
    free(y);
    free(P);
    free(num);
    free(ba);
    free(bb);
    ds_mlp_free(&m);
    return rc;
}
