/* MLP forward / backward over kernels/ calls only (see model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "kernels.h"

/* Rounds a float count up to a whole 64-byte line, so every buffer carved out
 * of one allocation stays 64-byte aligned. */
static size_t pad16(size_t n) { return (n + 15) / 16 * 16; }

float *ds_zalloc_floats(size_t n)
{
    float *p = ds_aligned_alloc(n * sizeof *p);
    if (p)
        memset(p, 0, n * sizeof *p);
    return p;
}

int ds_mlp_create(ds_mlp *m, int inputs, int n_hidden, const int *hidden, int outputs,
                  ds_act act, float act_param, ds_loss loss, float dropout, int max_batch)
{
    memset(m, 0, sizeof *m);
    m->n_layers = n_hidden + 1;
    m->dims[0] = inputs;
    for (int i = 0; i < n_hidden; i++)
        m->dims[i + 1] = hidden[i];
    m->dims[m->n_layers] = outputs;
    m->act = act;
    m->act_param = act_param;
    m->loss = loss;
    m->dropout = dropout;
    m->max_batch = max_batch;

    size_t off = 0;
    for (int l = 0; l < m->n_layers; l++) {
        m->w_off[l] = off;
        off += pad16((size_t)m->dims[l] * (size_t)m->dims[l + 1]);
        m->b_off[l] = off;
        off += pad16((size_t)m->dims[l + 1]);
    }
    m->n_params = off;
    m->params = ds_zalloc_floats(off);
    m->grads = ds_zalloc_floats(off);

    /* activations: z, h, a (only with dropout), dz per layer + targets */
    size_t act_floats = 0;
    for (int l = 0; l < m->n_layers; l++) {
        size_t sz = pad16((size_t)max_batch * (size_t)m->dims[l + 1]);
        int hidden_layer = l < m->n_layers - 1;
        act_floats += sz * (size_t)(2 + (hidden_layer ? 1 : 0) + (hidden_layer && dropout > 0));
    }
    act_floats += pad16((size_t)max_batch * (size_t)outputs);
    m->arena = ds_zalloc_floats(act_floats);
    if (!m->params || !m->grads || !m->arena) {
        ds_mlp_free(m);
        return -1;
    }
    float *p = m->arena;
    for (int l = 0; l < m->n_layers; l++) {
        size_t sz = pad16((size_t)max_batch * (size_t)m->dims[l + 1]);
        int hidden_layer = l < m->n_layers - 1;
        m->W[l] = m->params + m->w_off[l];
        m->b[l] = m->params + m->b_off[l];
        m->dW[l] = m->grads + m->w_off[l];
        m->db[l] = m->grads + m->b_off[l];
        m->z[l] = p, p += sz;
        m->dz[l] = p, p += sz;
        if (hidden_layer) {
            m->h[l] = p, p += sz;
            m->a[l] = m->h[l];
            if (dropout > 0)
                m->a[l] = p, p += sz;
        }
    }
    m->targets = p;
    return 0;
}

void ds_mlp_free(ds_mlp *m)
{
    ds_aligned_free(m->params);
    ds_aligned_free(m->grads);
    ds_aligned_free(m->arena);
    memset(m, 0, sizeof *m);
}

void ds_mlp_init(ds_mlp *m, ds_init_kind init, float scale, ds_bias_init bias, uint64_t seed)
{
    for (int l = 0; l < m->n_layers; l++) {
        ds_init_weights(init, scale, m->W[l], m->dims[l], m->dims[l + 1], seed, (uint32_t)l);
        ds_init_bias(bias, m->b[l], m->dims[l + 1], seed, (uint32_t)l);
    }
}

long ds_mlp_weight_count(const ds_mlp *m)
{
    long n = 0;
    for (int l = 0; l < m->n_layers; l++)
        n += (long)m->dims[l] * m->dims[l + 1];
    return n;
}

long ds_mlp_bias_count(const ds_mlp *m)
{
    long n = 0;
    for (int l = 0; l < m->n_layers; l++)
        n += m->dims[l + 1];
    return n;
}

const float *ds_mlp_forward(ds_mlp *m, const float *x, int rows, int train, uint64_t seed,
                            uint32_t step)
{
    const float *in = x;
    for (int l = 0; l < m->n_layers; l++) {
        int k = m->dims[l], n = m->dims[l + 1];
        ds_sgemm(DS_NOTRANS, DS_NOTRANS, rows, n, k, 1.0f, in, k, m->W[l], n, 0.0f, m->z[l], n);
        if (l == m->n_layers - 1) {
            ds_bias_add(rows, n, m->z[l], n, m->b[l]);
            break;
        }
        /* z += b and h = f(z) in one pass */
        ds_bias_act_forward(m->act, m->act_param, rows, n, m->z[l], n, m->b[l], m->h[l]);
        size_t cnt = (size_t)rows * (size_t)n;
        in = m->h[l];
        if (m->dropout > 0 && train) {
            memcpy(m->a[l], m->h[l], cnt * sizeof(float));
            ds_dropout(m->a[l], cnt, m->dropout, seed, (uint32_t)l, step);
            in = m->a[l];
        }
    }
    return m->z[m->n_layers - 1];
}

/* Float targets for BCE / MSE from class labels: one output -> the label
 * itself (0/1), several -> one-hot. Per row, not per element. */
static void fill_targets(ds_mlp *m, int rows, const int32_t *labels)
{
    int out = m->dims[m->n_layers];
    if (out == 1) {
        for (int i = 0; i < rows; i++)
            m->targets[i] = (float)labels[i];
        return;
    }
    memset(m->targets, 0, (size_t)rows * (size_t)out * sizeof(float));
    for (int i = 0; i < rows; i++)
        m->targets[(size_t)i * (size_t)out + (size_t)labels[i]] = 1.0f;
}

double ds_mlp_loss(ds_mlp *m, int rows, const int32_t *labels, int grad, int *correct)
{
    int L = m->n_layers - 1, out = m->dims[m->n_layers];
    const float *z = m->z[L];
    float *dz = grad ? m->dz[L] : NULL;
    float scale = 1.0f / (float)rows;
    switch (m->loss) {
    case DS_LOSS_SOFTMAX_CE:
        return ds_softmax_xent(rows, out, z, out, labels, dz, out, scale, correct);
    case DS_LOSS_SIGMOID_BCE:
        fill_targets(m, rows, labels);
        return ds_sigmoid_bce(rows, out, z, out, m->targets, out, dz, out, scale, correct);
    case DS_LOSS_MSE:
    default: {
        fill_targets(m, rows, labels);
        double s = ds_mse(rows, out, z, out, m->targets, out, dz, out, scale);
        if (correct) {
            if (out > 1) {
                /* argmax of the outputs: softmax is monotonic, so the fused
                 * kernel's argmax count is the identity output's */
                ds_softmax_xent(rows, out, z, out, labels, NULL, out, 1.0f, correct);
            } else {
                int c = 0;
                for (int i = 0; i < rows; i++)
                    c += (z[i] >= 0.5f) == (labels[i] != 0);
                *correct = c;
            }
        }
        return s;
    }
    }
}

void ds_mlp_backward(ds_mlp *m, const float *x, int rows, int train, uint64_t seed,
                     uint32_t step)
{
    for (int l = m->n_layers - 1; l >= 0; l--) {
        int k = m->dims[l], n = m->dims[l + 1];
        const float *in = l == 0 ? x : (train && m->dropout > 0 ? m->a[l - 1] : m->h[l - 1]);
        /* dW = inᵀ·dz [k x n], db = column sums of dz (a hidden layer's
         * came with its activation's backward, below) */
        ds_sgemm(DS_TRANS, DS_NOTRANS, k, n, rows, 1.0f, in, k, m->dz[l], n, 0.0f, m->dW[l], n);
        if (l == m->n_layers - 1)
            ds_bias_grad(rows, n, m->dz[l], n, m->db[l]);
        if (l == 0)
            break;
        /* d(a_{l-1}) = dz·Wᵀ, then through dropout's mask and f', and
         * layer l-1's db in the same pass */
        float *da = m->dz[l - 1];
        ds_sgemm(DS_NOTRANS, DS_TRANS, rows, k, n, 1.0f, m->dz[l], n, m->W[l], n, 0.0f, da, k);
        if (train && m->dropout > 0)
            ds_dropout(da, (size_t)rows * (size_t)k, m->dropout, seed, (uint32_t)(l - 1), step);
        ds_act_backward_bias_grad(m->act, m->act_param, rows, k, m->z[l - 1], m->h[l - 1], da,
                                  da, k, m->db[l - 1]);
    }
}
