/* Element-wise kernel throughput, for make bench-kernels (bench_kernels.c). */
#ifndef DS_BENCH_VEC_H
#define DS_BENCH_VEC_H

/* Prints, for the active ISA at `threads` OpenMP threads, the median of
 * >= 5 repetitions over 16M floats of: a copy (memcpy, the bandwidth
 * reference), relu forward (GB/s and % of the copy), sigmoid, tanh, gelu,
 * elu, softplus (Gelem/s and ratio to relu), dropout and an Adam step, and
 * sigmoid over 10% denormal inputs relative to normal ones. */
void bench_vec_report(int threads);

#endif
