/* `deepsweep gradcheck`: analytic backward (float, kernels/) vs central
 * finite differences (double) for every activation × loss. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "gradcheck.h"
#include "kernels.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: deepsweep gradcheck [--seed N] [--rows N]\n\n"
            "For every hidden activation x output loss (softmax_ce, sigmoid_bce, mse), on a\n"
            "7-5-4-3 net with dropout off, compares the analytic gradient of the float\n"
            "kernels with central finite differences (h = 1e-6) of a double-precision\n"
            "forward + loss, and prints per layer the maximum relative error\n"
            "|a-n| / (|a| + |n| + 1e-3 max|n|) over the weights (W) and biases (b).\n"
            "Fails (exit 1) if any exceeds %g.\n",
            DS_GRADCHECK_BOUND);
}

int cmd_gradcheck(int argc, char **argv)
{
    unsigned long long seed = 1;
    int rows = 6;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        char *e;
        if ((!strcmp(argv[i], "--seed") || !strcmp(argv[i], "--rows")) && i + 1 < argc) {
            errno = 0;
            unsigned long long v = strtoull(argv[i + 1], &e, 10);
            if (!*argv[i + 1] || *e || errno || *argv[i + 1] == '-' ||
                (!strcmp(argv[i], "--rows") && (v < 1 || v > 1000))) {
                fprintf(stderr, "deepsweep: gradcheck: %s: '%s' is out of range (%s)\n", argv[i],
                        argv[i + 1], !strcmp(argv[i], "--rows") ? "1 <= rows <= 1000" : "an integer >= 0");
                return 2;
            }
            if (!strcmp(argv[i], "--seed"))
                seed = v;
            else
                rows = (int)v;
            i++;
            continue;
        }
        fprintf(stderr, "deepsweep: gradcheck: unknown argument '%s' (valid: --seed N, --rows N)\n",
                argv[i]);
        return 2;
    }
    static const int dims[] = {7, 5, 4, 3};
    int fails = 0;
    printf("gradcheck: net 7-5-4-3, %d rows, seed %llu, isa %s, bound %g\n", rows, seed,
           ds_isa_name(), DS_GRADCHECK_BOUND);
    for (int a = 0; a < DS_ACT_COUNT; a++)
        for (int l = 0; l < DS_LOSS_COUNT; l++) {
            ds_gradcheck_result r;
            float param = ds_act_row_of((ds_act)a)->param_default;
            if (ds_gradcheck_run((ds_act)a, param, (ds_loss)l, dims, 4, rows, seed, &r) != 0) {
                fprintf(stderr, "deepsweep: gradcheck: out of memory\n");
                return 1;
            }
            int ok = r.worst <= DS_GRADCHECK_BOUND;
            fails += !ok;
            printf("%-10s %-11s", ds_act_to_name((ds_act)a), ds_loss_name((ds_loss)l));
            for (int k = 0; k < r.n_layers; k++)
                printf("  L%d W %.1e b %.1e", k, r.max_rel_w[k], r.max_rel_b[k]);
            printf("  %s\n", ok ? "ok" : "FAIL");
        }
    printf("gradcheck: %s (%d of %d combinations above the bound)\n", fails ? "FAILED" : "passed",
           fails, DS_ACT_COUNT * DS_LOSS_COUNT);
    return fails ? 1 : 0;
}
