/* MLP structure, init schemes, dropout in the forward pass, safetensors.
 * Bounds are stated next to each assertion. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "kernels.h"
#include "model.h"
#include "safetensors.h"

static void best_isa(void) { cr_assert_eq(ds_isa_set(ds_isa_best()), 0); }

TestSuite(model_mlp, .init = best_isa);

Test(model_mlp, parameter_count_course_881)
{
    ds_mlp m;
    int hidden[3] = {16, 16, 9};
    cr_assert_eq(ds_mlp_create(&m, 25, 3, hidden, 9, DS_ACT_RELU, 0, DS_LOSS_SOFTMAX_CE, 0, 4), 0);
    cr_assert_eq(ds_mlp_weight_count(&m), 25 * 16 + 16 * 16 + 16 * 9 + 9 * 9); /* = 881 */
    cr_assert_eq(ds_mlp_weight_count(&m), 881);
    cr_assert_eq(ds_mlp_bias_count(&m), 16 + 16 + 9 + 9);
    for (int l = 0; l < m.n_layers; l++) { /* every tensor 64-byte aligned */
        cr_assert_eq((uintptr_t)m.W[l] % 64, 0);
        cr_assert_eq((uintptr_t)m.b[l] % 64, 0);
        cr_assert_eq((uintptr_t)m.z[l] % 64, 0);
    }
    ds_mlp_free(&m);
    /* depth 0: softmax regression 784-10 */
    cr_assert_eq(ds_mlp_create(&m, 784, 0, NULL, 10, DS_ACT_RELU, 0, DS_LOSS_SOFTMAX_CE, 0, 4), 0);
    cr_assert_eq(ds_mlp_weight_count(&m), 7840);
    cr_assert_eq(ds_mlp_bias_count(&m), 10);
    ds_mlp_free(&m);
}

/* Sample mean and variance of the init draws against the scheme's: with
 * n = 784·256 draws the standard error of the variance is ~0.3% (normal) and
 * ~0.2% (uniform), so 2% is > 6 standard errors. */
Test(model_mlp, init_schemes_statistics)
{
    const int in = 784, out = 256;
    size_t n = (size_t)in * out;
    float *w = malloc(n * sizeof *w);
    struct { ds_init_kind k; double var; } rows[] = {
        {DS_INIT_NORMAL, 1.0},
        {DS_INIT_UNIFORM, 1.0 / 3},
        {DS_INIT_XAVIER_UNIFORM, 6.0 / (in + out) / 3},
        {DS_INIT_XAVIER_NORMAL, 2.0 / (in + out)},
        {DS_INIT_HE_NORMAL, 2.0 / in},
        {DS_INIT_HE_UNIFORM, 6.0 / in / 3},
        {DS_INIT_LECUN_NORMAL, 1.0 / in},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        ds_init_weights(rows[r].k, 1.0f, w, in, out, 7, 0);
        double s = 0, ss = 0, mx = 0;
        for (size_t i = 0; i < n; i++) {
            s += w[i];
            ss += (double)w[i] * w[i];
            mx = fabs(w[i]) > mx ? fabs(w[i]) : mx;
        }
        double mean = s / n, var = ss / n - mean * mean;
        cr_assert(fabs(mean) < 0.02 * sqrt(rows[r].var), "%s mean %g", ds_init_name(rows[r].k), mean);
        cr_assert(fabs(var / rows[r].var - 1) < 0.02, "%s var %g want %g",
                  ds_init_name(rows[r].k), var, rows[r].var);
        if (rows[r].k == DS_INIT_XAVIER_UNIFORM) /* never past the Glorot limit */
            cr_assert(mx <= sqrt(6.0 / (in + out)), "max %g", mx);
    }
    ds_init_weights(DS_INIT_ZEROS, 1.0f, w, in, out, 7, 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(w[i], 0.0f);
    /* scale multiplies the draw exactly (a power of two: no rounding) */
    float *w2 = malloc(n * sizeof *w2);
    ds_init_weights(DS_INIT_HE_NORMAL, 1.0f, w, in, out, 7, 0);
    ds_init_weights(DS_INIT_HE_NORMAL, 0.5f, w2, in, out, 7, 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(w2[i], w[i] * 0.5f);
    free(w);
    free(w2);
}

/* Weights are a function of (seed, layer, index) only: same seed, same bits
 * on every ISA; another seed or layer, other weights. */
Test(model_mlp, init_deterministic_across_isas_and_seeded)
{
    const size_t n = 1000;
    float a[1000], b[1000], c[1000];
    ds_init_weights(DS_INIT_XAVIER_NORMAL, 1.0f, a, 40, 25, 42, 3);
    for (int isa = 0; isa < DS_ISA_COUNT; isa++) {
        if (!ds_isa_available((ds_isa)isa)) {
            fprintf(stderr, "test_model: %s not available here: skipped\n", ds_isa_to_name((ds_isa)isa));
            continue;
        }
        ds_isa_set((ds_isa)isa);
        ds_init_weights(DS_INIT_XAVIER_NORMAL, 1.0f, b, 40, 25, 42, 3);
        cr_assert_eq(memcmp(a, b, sizeof a), 0, "weights differ on %s", ds_isa_to_name((ds_isa)isa));
    }
    ds_init_weights(DS_INIT_XAVIER_NORMAL, 1.0f, b, 40, 25, 43, 3);
    ds_init_weights(DS_INIT_XAVIER_NORMAL, 1.0f, c, 40, 25, 42, 4);
    size_t same_b = 0, same_c = 0;
    for (size_t i = 0; i < n; i++)
        same_b += a[i] == b[i], same_c += a[i] == c[i];
    cr_assert_eq(same_b, 0, "seed 43 repeats %zu draws of seed 42", same_b);
    cr_assert_eq(same_c, 0, "layer 4 repeats %zu draws of layer 3", same_c);
}

/* Dropout: off in evaluation (train=0 forward is deterministic and equals the
 * no-dropout net), on in training with a drop fraction near p (n = 64·128
 * units: the binomial's sd is 0.5%, bound 3%), masks repeat per (seed, step). */
Test(model_mlp, dropout_train_only)
{
    ds_mlp m, m0;
    int hidden[1] = {128};
    const int rows = 64, in = 20;
    cr_assert_eq(ds_mlp_create(&m, in, 1, hidden, 10, DS_ACT_RELU, 0, DS_LOSS_SOFTMAX_CE, 0.3f, rows), 0);
    cr_assert_eq(ds_mlp_create(&m0, in, 1, hidden, 10, DS_ACT_RELU, 0, DS_LOSS_SOFTMAX_CE, 0.0f, rows), 0);
    ds_mlp_init(&m, DS_INIT_HE_NORMAL, 1, DS_BIAS_NORMAL, 5);
    ds_mlp_init(&m0, DS_INIT_HE_NORMAL, 1, DS_BIAS_NORMAL, 5);
    float *x = ds_aligned_alloc(rows * in * sizeof(float));
    ds_init_weights(DS_INIT_NORMAL, 1, x, rows, in, 9, 0);
    size_t nout = (size_t)rows * 10;
    float *e1 = malloc(nout * 4), *e0 = malloc(nout * 4), *t1 = malloc(nout * 4), *t2 = malloc(nout * 4);
    memcpy(e1, ds_mlp_forward(&m, x, rows, 0, 1, 1), nout * 4);
    memcpy(e0, ds_mlp_forward(&m0, x, rows, 0, 1, 1), nout * 4);
    cr_assert_eq(memcmp(e1, e0, nout * 4), 0, "evaluation must not drop units");
    memcpy(t1, ds_mlp_forward(&m, x, rows, 1, 1, 7), nout * 4);
    size_t n = (size_t)rows * 128, zero_h = 0, zero_a = 0;
    for (size_t i = 0; i < n; i++)
        zero_h += m.h[0][i] == 0, zero_a += m.a[0][i] == 0;
    double dropped = (double)(zero_a - zero_h) / (double)(n - zero_h);
    cr_assert(fabs(dropped - 0.3) < 0.03, "dropped %.3f of live units, p = 0.3", dropped);
    memcpy(t2, ds_mlp_forward(&m, x, rows, 1, 1, 7), nout * 4);
    cr_assert_eq(memcmp(t1, t2, nout * 4), 0, "same (seed, step) must give the same mask");
    ds_mlp_forward(&m, x, rows, 1, 1, 8);
    cr_assert_neq(memcmp(t1, m.z[1], nout * 4), 0, "another step must give another mask");
    ds_aligned_free(x), free(e1), free(e0), free(t1), free(t2);
    ds_mlp_free(&m);
    ds_mlp_free(&m0);
}

TestSuite(model_safetensors, .init = best_isa);

static char tmpdir[64];

static void mk_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ds-test-st-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

Test(model_safetensors, roundtrip_and_python_reads_it)
{
    mk_tmp();
    ds_mlp m, r;
    int hidden[2] = {7, 5};
    cr_assert_eq(ds_mlp_create(&m, 6, 2, hidden, 3, DS_ACT_ELU, 1.0f, DS_LOSS_MSE, 0, 4), 0);
    ds_mlp_init(&m, DS_INIT_XAVIER_UNIFORM, 1, DS_BIAS_NORMAL, 3);
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/m.safetensors", tmpdir);
    cr_assert_eq(ds_safetensors_save(path, &m, "mnist", err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds_safetensors_load(path, &r, 4, NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.n_layers, 3);
    cr_assert_eq(r.act, DS_ACT_ELU);
    cr_assert_eq(r.act_param, 1.0f);
    cr_assert_eq(r.loss, DS_LOSS_MSE);
    for (int l = 0; l < 3; l++) {
        cr_assert_eq(r.dims[l + 1], m.dims[l + 1]);
        cr_assert_eq(memcmp(r.W[l], m.W[l], (size_t)m.dims[l] * m.dims[l + 1] * 4), 0);
        cr_assert_eq(memcmp(r.b[l], m.b[l], (size_t)m.dims[l + 1] * 4), 0);
    }
    /* an independent reader: header parsed with json, data with struct */
    double sum = 0;
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < m.dims[l] * m.dims[l + 1]; i++)
            sum += m.W[l][i];
        for (int i = 0; i < m.dims[l + 1]; i++)
            sum += m.b[l][i];
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,struct,sys\n"
             "b=open(\"%s\",\"rb\").read(); n=struct.unpack(\"<Q\",b[:8])[0]; h=json.loads(b[8:8+n]); d=b[8+n:]\n"
             "assert h[\"__metadata__\"][\"dims\"]==\"6,7,5,3\", h\n"
             "assert h[\"layers.0.weight\"][\"shape\"]==[6,7] and h[\"layers.2.bias\"][\"shape\"]==[3]\n"
             "s=0.0\n"
             "for k,v in h.items():\n"
             "  if k==\"__metadata__\": continue\n"
             "  a,e=v[\"data_offsets\"]; s+=sum(struct.unpack(\"<%%df\"%%((e-a)//4), d[a:e]))\n"
             "sys.exit(0 if abs(s-(%.17g))<1e-9*max(1,abs(s)) else 1)'",
             path, sum);
    if (system("python3 -c 1 2>/dev/null") != 0)
        cr_log_warn("python3 not found: independent reader skipped");
    else
        cr_assert_eq(system(cmd), 0, "python3 could not read %s", path);
    ds_mlp_free(&m);
    ds_mlp_free(&r);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

Test(model_safetensors, malformed_files_refused)
{
    mk_tmp();
    char path[128], err[512];
    ds_mlp r;
    snprintf(path, sizeof path, "%s/none.safetensors", tmpdir);
    cr_assert_eq(ds_safetensors_load(path, &r, 4, NULL, 0, err, sizeof err), 2);
    cr_assert(strstr(err, "not found"), "%s", err);
    struct { const char *name; const char *bytes; size_t len; const char *msg; } bad[] = {
        {"short", "\x05\0\0", 3, "truncated"},
        {"hlen", "\xff\0\0\0\0\0\0\0{}", 10, "exceeds the file"},
        {"json", "\x04\0\0\0\0\0\0\0{\"a\"", 12, "malformed safetensors header"},
        {"nodims", "\x02\0\0\0\0\0\0\0{}", 10, "no \"dims\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, bad[i].name);
        FILE *f = fopen(path, "wb");
        fwrite(bad[i].bytes, 1, bad[i].len, f);
        fclose(f);
        cr_assert_eq(ds_safetensors_load(path, &r, 4, NULL, 0, err, sizeof err), 2, "%s", bad[i].name);
        cr_assert(strncmp(err, path, strlen(path)) == 0 && strstr(err, bad[i].msg), "%s: %s",
                  bad[i].name, err);
    }
    /* a directory, a fifo (used to say "out of memory", and to hang) */
    snprintf(path, sizeof path, "%s/dir", tmpdir);
    cr_assert_eq(mkdir(path, 0755), 0);
    cr_assert_eq(ds_safetensors_load(path, &r, 4, NULL, 0, err, sizeof err), 2);
    cr_assert(strstr(err, "dir: is a directory (expected a file)"), "%s", err);
    snprintf(path, sizeof path, "%s/fifo", tmpdir);
    cr_assert_eq(mkfifo(path, 0644), 0);
    cr_assert_eq(ds_safetensors_load(path, &r, 4, NULL, 0, err, sizeof err), 2);
    cr_assert(strstr(err, "fifo: is a fifo, not a regular file"), "%s", err);
    /* a valid file with its data cut short */
    ds_mlp m;
    int hidden[1] = {4};
    cr_assert_eq(ds_mlp_create(&m, 3, 1, hidden, 2, DS_ACT_RELU, 0, DS_LOSS_SOFTMAX_CE, 0, 1), 0);
    snprintf(path, sizeof path, "%s/cut", tmpdir);
    cr_assert_eq(ds_safetensors_save(path, &m, "mnist", err, sizeof err), 0);
    struct stat st;
    stat(path, &st);
    cr_assert_eq(truncate(path, st.st_size - 4), 0);
    cr_assert_eq(ds_safetensors_load(path, &r, 4, NULL, 0, err, sizeof err), 2);
    cr_assert(strstr(err, "layers.1.bias data_offsets"), "%s", err);
    ds_mlp_free(&m);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

/* A safetensors file from its JSON header and its data region. */
static void write_st(const char *path, const char *json, const void *data, size_t dlen)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    unsigned char le[8];
    uint64_t n = strlen(json);
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(n >> (8 * i));
    fwrite(le, 1, 8, f);
    fwrite(json, 1, n, f);
    fwrite(data, 1, dlen, f);
    fclose(f);
}

/* A 2-3-1 net's header: off holds the data_offsets (begin, end) of
 * layers.0.weight [2,3], layers.0.bias [3], layers.1.weight [3,1] and
 * layers.1.bias [1]; extra is appended as further members. */
static void st_header(char *out, size_t n, const char *meta_extra, const char *act,
                      const long off[8], const char *extra)
{
    snprintf(out, n,
             "{\"__metadata__\":{\"format\":\"deepsweep-mlp\",\"dims\":\"2,3,1\","
             "\"activation\":\"%s\",\"loss\":\"sigmoid_bce\"%s},"
             "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[%ld,%ld]},"
             "\"layers.0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[%ld,%ld]},"
             "\"layers.1.weight\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[%ld,%ld]},"
             "\"layers.1.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%ld,%ld]}%s}",
             act, meta_extra, off[0], off[1], off[2], off[3], off[4], off[5], off[6], off[7], extra);
}

/* The data region must be tiled exactly by the tensors (a bias read from
 * weight bytes, trailing bytes, extra or duplicate tensors were accepted);
 * weights must be finite (NaN evaluated to cost = -nan, exit 0); JSON \u
 * escapes are JSON (they were refused). */
Test(model_safetensors, offsets_tile_the_data_weights_finite_json_escapes)
{
    mk_tmp();
    char path[128], err[512], hdr[2048];
    float data[14];
    for (int i = 0; i < 14; i++)
        data[i] = 0.25f * (float)(i + 1);
    const long tile[8] = {0, 24, 24, 36, 36, 48, 48, 52};
    ds_mlp r;
    snprintf(path, sizeof path, "%s/m.safetensors", tmpdir);
    /* the valid file, and \u escapes: "\u0072elu" is relu */
    st_header(hdr, sizeof hdr, "", "\\u0072elu", tile, "");
    write_st(path, hdr, data, 52);
    cr_assert_eq(ds_safetensors_load(path, &r, 1, NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.act, DS_ACT_RELU);
    cr_assert_eq(r.b[1][0], 0.25f * 13);
    ds_mlp_free(&r);
    struct { const char *what, *meta, *act; long off[8]; const char *extra; size_t dlen; float poison; const char *msg; } bad[] = {
        {"overlap", "", "relu", {0, 24, 0, 12, 36, 48, 48, 52}, "", 52, 0,
         "layers.0.bias data_offsets [0, 12] overlap layers.0.weight [0, 24]"},
        {"gap", "", "relu", {0, 24, 28, 40, 40, 52, 52, 56}, "", 56, 0,
         "bytes 24 to 28 of the data belong to no tensor"},
        {"trailing", "", "relu", {0, 24, 24, 36, 36, 48, 48, 52}, "", 56, 0,
         "4 bytes after the last tensor (the data region is 56 bytes, the tensors end at 52)"},
        {"extra", "", "relu", {0, 24, 24, 36, 36, 48, 48, 52},
         ",\"layers.2.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[52,56]}", 56, 0,
         "unexpected tensor 'layers.2.bias' (a 2-layer net has layers.0.weight to layers.1.bias)"},
        {"dup", "", "relu", {0, 24, 24, 36, 36, 48, 48, 52},
         ",\"layers.1.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[48,52]}", 52, 0,
         "tensor 'layers.1.bias' appears twice"},
        {"nan", "", "relu", {0, 24, 24, 36, 36, 48, 48, 52}, "", 52, NAN,
         "layers.0.bias[1] is nan (a model's weights are finite)"},
        {"inf", "", "relu", {0, 24, 24, 36, 36, 48, 48, 52}, "", 52, INFINITY,
         "layers.0.bias[1] is inf (a model's weights are finite)"},
        {"badu", "", "rel\\u00zz", {0, 24, 24, 36, 36, 48, 48, 52}, "", 52, 0,
         "malformed safetensors header: \\u needs 4 hex digits"},
        {"dims", ",\"act_param\":\"0x1\"", "leaky_relu", {0, 24, 24, 36, 36, 48, 48, 52}, "", 52, 0,
         "act_param: '0x1' is not a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        float d[14];
        memcpy(d, data, sizeof d);
        if (bad[i].poison != 0)
            d[7] = bad[i].poison; /* layers.0.bias[1] */
        snprintf(path, sizeof path, "%s/%s.safetensors", tmpdir, bad[i].what);
        st_header(hdr, sizeof hdr, bad[i].meta, bad[i].act, bad[i].off, bad[i].extra);
        write_st(path, hdr, d, bad[i].dlen);
        cr_assert_eq(ds_safetensors_load(path, &r, 1, NULL, 0, err, sizeof err), 2, "%s: %s", bad[i].what, err);
        cr_assert(strncmp(err, path, strlen(path)) == 0 && strstr(err, bad[i].msg), "%s: %s",
                  bad[i].what, err);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- optimizers: the table's rows against their formulas in double ----- */

#include "optim.h"

TestSuite(model_optim, .init = best_isa);

/* Three steps on 37 weights with fixed gradients, decay on; the float update
 * must match the double formula to 1e-5 relative (a few float roundings per
 * step, against changes of ~lr = 0.1). Biases (decay = 0) ignore wd. */
Test(model_optim, rows_match_formulas)
{
    enum { N = 37 };
    const double lr = 0.1, mu = 0.9, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
    for (int kind = 0; kind < DS_OPT_COUNT; kind++)
        for (int nesterov = 0; nesterov <= (kind == DS_OPT_MOMENTUM); nesterov++)
            for (int decay = 0; decay < 2; decay++) {
                ds_run_config rc;
                ds_run_config_defaults(&rc);
                rc.optimizer = (ds_opt_kind)kind, rc.lr = (float)lr, rc.momentum = (float)mu;
                rc.nesterov = nesterov, rc.weight_decay = (float)wd;
                ds_optim o;
                cr_assert_eq(ds_optim_create(&o, &rc, N), 0);
                float w[N], g[N];
                double W[N], V[N] = {0}, M[N] = {0}, S[N] = {0};
                for (int i = 0; i < N; i++) {
                    w[i] = (float)(0.5 - 0.03 * i), W[i] = w[i];
                    g[i] = (float)(0.2 * sin(i + 1.0));
                }
                for (int t = 1; t <= 3; t++) {
                    ds_optim_begin_step(&o);
                    double sq = -1, want = ds_sumsq(g, N);
                    ds_optim_update(&o, w, g, 0, N, decay, t == 2 ? NULL : &sq);
                    cr_expect(t == 2 || memcmp(&sq, &want, sizeof sq) == 0,
                              "optimizer %d: the pass's gradient sum of squares %.17g, "
                              "ds_sumsq %.17g", kind, sq, want);
                    for (int i = 0; i < N; i++) {
                        double gi = (double)g[i] + (decay ? wd * W[i] : 0);
                        if (kind == DS_OPT_SGD)
                            W[i] -= lr * gi;
                        else if (kind == DS_OPT_MOMENTUM) {
                            V[i] = mu * V[i] + gi;
                            W[i] -= lr * (nesterov ? gi + mu * V[i] : V[i]);
                        } else {
                            M[i] = b1 * M[i] + (1 - b1) * gi;
                            S[i] = b2 * S[i] + (1 - b2) * gi * gi;
                            W[i] -= lr * sqrt(1 - pow(b2, t)) / (1 - pow(b1, t)) * M[i] /
                                    (sqrt(S[i]) + eps);
                        }
                    }
                }
                for (int i = 0; i < N; i++)
                    cr_assert(fabs(w[i] - W[i]) <= 1e-5 * (fabs(W[i]) + 0.1), "%s%s decay %d: w[%d] %.9g want %.9g",
                              ds_opt_name((ds_opt_kind)kind), nesterov ? " nesterov" : "", decay, i,
                              (double)w[i], W[i]);
                ds_optim_free(&o);
            }
}
