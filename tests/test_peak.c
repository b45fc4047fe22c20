/* ds_fma_peak_run, the machine probe of every ISA's vec_ops table
 * (kernels/peak_body.inc): what it returns and what it leaves in *sink. Never
 * timed here. */
#include <criterion/criterion.h>
#include <math.h>

#include "kernel_test_util.h"
#include "kernels.h"

TestSuite(peak, .timeout = 30);

/* flops proportional to the iterations (2 per lane, chain and step, a whole
 * number of vectors of chains), and the chains stay finite and normal */
ISA_TEST(peak, counts_flops_and_stays_normal)
{
    float s1 = NAN, s2 = NAN;
    double f1 = ds_fma_peak_run(isa, 1000, &s1), f2 = ds_fma_peak_run(isa, 3000, &s2);
    cr_expect(f1 > 0 && fmod(f1, 2.0 * 1000) == 0, "%s: %g flops for 1000 steps", ds_isa_name(), f1);
    cr_expect_eq(f2, 3 * f1, "%s: %g flops for 3000 steps, %g for 1000", ds_isa_name(), f2, f1);
    cr_expect(isnormal(s1) && isnormal(s2), "%s: sink %g, %g", ds_isa_name(), (double)s1,
              (double)s2);
    cr_expect_eq(ds_fma_peak_run(isa, 0, &s1), 0.0);
}

/* an ISA this CPU or build lacks measures nothing */
Test(peak, unavailable_isa_gives_zero)
{
    float s = 0;
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if (!ds_isa_available((ds_isa)i))
            cr_expect_eq(ds_fma_peak_run((ds_isa)i, 1000, &s), 0.0, "%s", ds_isa_to_name((ds_isa)i));
}
