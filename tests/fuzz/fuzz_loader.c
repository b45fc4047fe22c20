/* Fuzz targets of the experiment loader: an experiment file (YAML, the
 * layers, validation, expansion) and the command line's overrides over a
 * fixed file. A plan that loads must come back the same from its composed
 * YAML (`run --cfg`): the same runs, ids and order. */
#include "fuzz.h"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The composed experiment reloads into the same runs. */
static void check_composed(const ds_plan *plan)
{
    const char *path = ds_fuzz_file((const uint8_t *)plan->composed, strlen(plan->composed),
                                    "-composed.yaml");
    ds_plan again;
    static char err[8192];
    err[0] = 0;
    int r = ds_plan_load(path, NULL, 0, &again, err, sizeof err);
    if (r)
        ds_fuzz_fail("the composed experiment does not load", err);
    if (again.n_runs != plan->n_runs)
        ds_fuzz_fail("the composed experiment has another number of runs", plan->composed);
    for (int i = 0; i < plan->n_runs; i++)
        if (strcmp(again.runs[i].id, plan->runs[i].id) ||
            strcmp(again.runs[i].group, plan->runs[i].group))
            ds_fuzz_fail("the composed experiment has other runs", plan->composed);
    ds_plan_free(&again);
}

static void load(const char *path, char *const *ov, int n_ov)
{
    static char err[8192];
    ds_plan plan;
    err[0] = 0;
    int r = ds_plan_load(path, ov, n_ov, &plan, err, sizeof err);
    ds_fuzz_check_status("ds_plan_load", r, err);
    if (r)
        return;
    if (plan.n_runs < 1 || !plan.composed || !plan.resolved)
        ds_fuzz_fail("ds_plan_load", "a plan without runs, composed or resolved text");
    check_composed(&plan);
    ds_plan_free(&plan);
}

int ds_fuzz_loader(const uint8_t *data, size_t size)
{
    load(ds_fuzz_file(data, size, ".yaml"), NULL, 0);
    return 0;
}

/* The experiment the overrides apply to: every layer a key can live in. */
static const char base_config[] =
    "name: fuzz\n"
    "dataset: xor\n"
    "base: {hidden: [4], activation: tanh, lr: 0.1, epochs: 2}\n"
    "runs:\n"
    "  - {label: a}\n"
    "  - {label: b, init: xavier_uniform, dropout: 0.1}\n"
    "sweep:\n"
    "  lr: [0.1, 0.01]\n"
    "seeds: [1, 2]\n"
    "modes:\n"
    "  quick: {epochs: 1, seeds: 1, sweep: {batch: [1, 2]}}\n";

/* One override per line (at most 64); a NUL byte ends the input. */
int ds_fuzz_overrides(const uint8_t *data, size_t size)
{
    const char *path = ds_fuzz_file((const uint8_t *)base_config, sizeof base_config - 1,
                                    "-base.yaml");
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char *ov[64];
    int n = 0;
    for (char *s = text; n < 64;) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = 0;
        ov[n++] = s;
        if (!nl)
            break;
        s = nl + 1;
    }
    load(path, ov, n);
    free(text);
    return 0;
}
