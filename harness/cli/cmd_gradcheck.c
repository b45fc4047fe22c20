/* `deepsweep gradcheck`: analytic backward (float, kernels/) vs central
 * finite differences (double) for every activation × loss. */
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "gradcheck.h"
#include "kernels.h"

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f,
            "usage: deepsweep gradcheck [--seed N] [--rows N]\n\n"
            "For every hidden activation x output loss (softmax_ce, sigmoid_bce, mse), on a\n"
            "7-5-4-3 net with dropout off, compares the analytic gradient of the float\n"
            "kernels with central finite differences (h = 1e-6) of a double-precision\n"
            "forward + loss, and prints per layer the maximum relative error\n"
            "|a-n| / (|a| + |n| + 1e-3 max|n|) over the weights (W) and biases (b).\n"
            "Fails (exit 1) if any exceeds %g.\n\n",
            DS_GRADCHECK_BOUND);
    ds_cli_print_options(f, opts);
    ds_cli_exit_status(f);
}

int cmd_gradcheck(int argc, char **argv)
{
    uint64_t seed = 1;
    int rows = 6;
    const ds_opt opts[] = {
        DS_OPT_U64("seed", 0, "N", &seed, 0, UINT64_MAX, "weights and inputs seed (default 1)"),
        DS_OPT_INT("rows", 0, "N", &rows, 1, 1000, "rows of the check batch (default 6)"),
        DS_OPT_END,
    };
    const ds_cli cli = {.command = "gradcheck", .opts = opts, .usage = usage};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    static const int dims[] = {7, 5, 4, 3};
    int fails = 0;
    printf("gradcheck: net 7-5-4-3, %d rows, seed %llu, isa %s, bound %g\n", rows,
           (unsigned long long)seed, ds_isa_name(), DS_GRADCHECK_BOUND);
    for (int a = 0; a < DS_ACT_COUNT; a++)
        for (int l = 0; l < DS_LOSS_COUNT; l++) {
            ds_gradcheck_result r;
            float param = ds_act_row_of((ds_act)a)->param_default;
            if (ds_gradcheck_run((ds_act)a, param, (ds_loss)l, dims, 4, rows, seed, &r) != 0)
                return ds_err_print(cli.command, 1, "out of memory");
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
