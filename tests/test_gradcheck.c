/* Gradient check of every activation x loss on every ISA this machine runs:
 * the analytic float backward must agree with double central differences to
 * DS_GRADCHECK_BOUND (1e-3 relative, see gradcheck.h for the measure; on
 * AVX2 the worst seen is ~6e-5, for GELU). The measure itself must flag a 1%
 * error in one component. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "gradcheck.h"
#include "kernels.h"

TestSuite(gradcheck);

Test(gradcheck, every_activation_and_loss_on_every_isa)
{
    static const int dims[][4] = {{7, 5, 4, 3}, {3, 6, 1, 0}};
    static const int nd[] = {4, 3};
    for (int isa = 0; isa < DS_ISA_COUNT; isa++) {
        if (!ds_isa_available((ds_isa)isa)) {
            fprintf(stderr, "test_gradcheck: %s not available here: skipped\n",
                    ds_isa_to_name((ds_isa)isa));
            continue;
        }
        ds_isa_set((ds_isa)isa);
        for (int a = 0; a < DS_ACT_COUNT; a++)
            for (int l = 0; l < DS_LOSS_COUNT; l++)
                for (int net = 0; net < 2; net++) {
                    if (l == DS_LOSS_SOFTMAX_CE && dims[net][nd[net] - 1] < 2)
                        continue; /* softmax needs >= 2 outputs */
                    ds_gradcheck_result r;
                    float p = a == DS_ACT_ELU ? 1.0f : 0.01f;
                    cr_assert_eq(ds_gradcheck_run((ds_act)a, p, (ds_loss)l, dims[net], nd[net],
                                                  5, 11 + (uint64_t)net, &r), 0);
                    cr_assert(r.worst <= DS_GRADCHECK_BOUND, "%s: %s x %s net %d: rel err %g",
                              ds_isa_to_name((ds_isa)isa), ds_act_to_name((ds_act)a),
                              ds_loss_name((ds_loss)l), net, r.worst);
                }
    }
}

Test(gradcheck, measure_flags_a_one_percent_error)
{
    double num[4] = {0.5, -0.25, 1e-3, 2.0};
    float ana[4] = {0.5f, -0.25f, 1e-3f, 2.0f};
    cr_assert(ds_gradcheck_rel_error(ana, num, 4) < 1e-6);
    ana[1] *= 1.01f; /* |a-n|/(|a|+|n|) ≈ 0.005 */
    cr_assert(ds_gradcheck_rel_error(ana, num, 4) > DS_GRADCHECK_BOUND);
    ana[1] = -0.25f;
    ana[3] = -2.0f; /* a sign error */
    cr_assert(ds_gradcheck_rel_error(ana, num, 4) > 0.9);
}
