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

extern const fa_kernel_set fa_kernel_sets[];
extern const int fa_kernel_set_count;

/* Softmax of one row: y = e^(x − m) / Σ e^(x − m), m = max (NaN-propagating), x − m carried
 * exactly into the exponential, the sum compensated in double; y may be x. */
void fa_softmax_row_f32(const float *x, float *y, ptrdiff_t n);
void fa_softmax_row_f64(const double *x, double *y, ptrdiff_t n);
/* Softmax backward of one row: out = y ⊙ (g − Σ g·y); out may be g. */
void fa_softmax_vjp_row_f32(const float *g, const float *y, float *out, ptrdiff_t n);
void fa_softmax_vjp_row_f64(const double *g, const double *y, double *out, ptrdiff_t n);

/* Elementary functions over arrays (for the accuracy tests); op 0 exp, 1 expm1, 2 tanh. */
void fa_vmath_f32(int op, const float *x, float *out, ptrdiff_t n);
void fa_vmath_f64(int op, const double *x, double *out, ptrdiff_t n);

/* The instruction set the loops run with on this CPU, e.g. "x86-64-v4 (AVX-512)". */
const char *fa_instruction_set(void);

#endif
