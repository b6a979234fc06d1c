/* Loops over 1-D contiguous arrays, one set per activation and type, and their table.
 *
 * Each loop runs over [0, n); callers split an array into chunks for threads. Element-wise
 * loops allow out == x (and out == g): element i is read before it is written.
 */
#ifndef FASTACT_LOOPS_H
#define FASTACT_LOOPS_H

#include <stddef.h>

typedef void (*fa_map_f32)(const float *x, float *out, ptrdiff_t n, const float *p, int np);
typedef void (*fa_map_f64)(const double *x, double *out, ptrdiff_t n, const double *p, int np);
typedef void (*fa_vjp_f32)(const float *g, const float *x, float *out, ptrdiff_t n, const float *p, int np);
typedef void (*fa_vjp_f64)(const double *g, const double *x, double *out, ptrdiff_t n, const double *p, int np);
/* Σ_i g[i]·∂f/∂p[k] at x[i] over [0, n), in double, Neumaier-compensated, in index order. */
typedef double (*fa_psum_f32)(const float *g, const float *x, ptrdiff_t n, const float *p, int np, int k);
typedef double (*fa_psum_f64)(const double *g, const double *x, ptrdiff_t n, const double *p, int np, int k);

typedef struct {
    const char *name;
    fa_map_f32 map_f32[2];   /* forward, derivative */
    fa_map_f64 map_f64[2];
    fa_vjp_f32 vjp_f32[2];   /* vjp, vjp_from_y (NULL where y does not determine f') */
    fa_vjp_f64 vjp_f64[2];
    fa_psum_f32 psum_f32;    /* NULL without learnable parameters */
    fa_psum_f64 psum_f64;
} fa_kernel_set;

/* Everything compiled for one instruction set. */
typedef struct {
    const char *description;                 /* e.g. "x86-64-v3 (AVX2, FMA)" */
    const fa_kernel_set *sets;               /* fa_kernel_set_count entries, table.h's order */
    /* Softmax of one row: y = e^(x − m) / Σ e^(x − m), m = max (NaN-propagating), x − m
     * carried exactly into the exponential, the sum compensated in double; y may be x. */
    void (*softmax_row_f32)(const float *x, float *y, ptrdiff_t n);
    void (*softmax_row_f64)(const double *x, double *y, ptrdiff_t n);
    /* Softmax backward of one row: out = y ⊙ (g − Σ g·y); out may be g. */
    void (*softmax_vjp_row_f32)(const float *g, const float *y, float *out, ptrdiff_t n);
    void (*softmax_vjp_row_f64)(const double *g, const double *y, double *out, ptrdiff_t n);
    /* Elementary functions over arrays (for the accuracy tests); op 0 exp, 1 expm1, 2 tanh, 3 log1p. */
    void (*vmath_f32)(int op, const float *x, float *out, ptrdiff_t n);
    void (*vmath_f64)(int op, const double *x, double *out, ptrdiff_t n);
} fa_instruction_set;

extern const int fa_kernel_set_count;

/* The instruction sets this CPU runs, widest first, for i = 0, 1, ...; NULL past the last. */
const fa_instruction_set *fa_instruction_sets(int i);

#endif
