/* Private to kernels/: the per-ISA tables that dispatch.c chooses between.
 *
 * Two tables per ISA, each filled in that ISA's directory:
 *   struct ds_gemm_cfg  (kernels/gemm_ukr.h):  MR/NR/MC/KC/NC + micro-kernel
 *   struct ds_vec_ops   (kernels/vec_ops.h):   activations, losses, dropout,
 *                                              optimizer steps, reductions
 * The entry points of kernels.h (gemm.c, vec.c) fetch the active table here.
 */
#ifndef DS_KERNELS_INTERNAL_H
#define DS_KERNELS_INTERNAL_H

#include "kernels.h"

struct ds_gemm_cfg;
struct ds_vec_ops;

extern const struct ds_gemm_cfg ds_gemm_cfg_scalar;
extern const struct ds_vec_ops ds_vec_ops_scalar;
#if defined(__x86_64__)
extern const struct ds_gemm_cfg ds_gemm_cfg_avx2;
extern const struct ds_vec_ops ds_vec_ops_avx2;
extern const struct ds_gemm_cfg ds_gemm_cfg_avx512;
extern const struct ds_vec_ops ds_vec_ops_avx512;
#endif
#if defined(__aarch64__)
extern const struct ds_gemm_cfg ds_gemm_cfg_neon;
extern const struct ds_vec_ops ds_vec_ops_neon;
#endif

/* The tables of the ISA chosen by ds_init()/ds_isa_set() (scalar before). */
const struct ds_gemm_cfg *ds_active_gemm(void);
const struct ds_vec_ops *ds_active_vec(void);
/* The tables of a given ISA (NULL if this build has none), for tests/bench. */
const struct ds_gemm_cfg *ds_gemm_cfg_for(ds_isa isa);
const struct ds_vec_ops *ds_vec_ops_for(ds_isa isa);

#endif
