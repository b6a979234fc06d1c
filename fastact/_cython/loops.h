/* Loops over 1-D contiguous arrays, one set per activation and type, and their table.
 *
 * Each element-wise loop runs over [0, n); callers split an array into chunks for threads.
 * Element-wise loops allow out == x (and out == g): element i is read before it is written.
 *
 * Feature loops (the fused neuron f(u − θ), PReLU) see a flat C-ordered array of shape
 * (outer, C, inner), C = channels, and run over the elements [start, stop) of it: element i
 * belongs to channel (i / inner) % C. They allow out == u (out == x, du == g) likewise.
 */
#ifndef FASTACT_LOOPS_H
#define FASTACT_LOOPS_H

#include <stddef.h>

#define FA_LOOP_TYPES(T, S)                                                                      \
    typedef void (*fa_map_##S)(const T *x, T *out, ptrdiff_t n, const T *p, int np);              \
    typedef void (*fa_vjp_##S)(const T *g, const T *x, T *out, ptrdiff_t n, const T *p, int np);  \
    /* sum[0] + sum[1] += Σ g[i]·∂f/∂p[k] at x[i] over [0, n), in double, Neumaier-compensated   \
     * (sum[1] is the compensation), in index order. */                                          \
    typedef void (*fa_psum_##S)(const T *g, const T *x, ptrdiff_t n, const T *p, int np, int k,   \
                                double *sum);                                                     \
    /* One row of n elements: y = softmax(x), log_softmax(x) or softmin(x); y may be x. */         \
    typedef void (*fa_row_##S)(const T *x, T *y, ptrdiff_t n);                                    \
    /* The backward pass of one row from its output y; out may be g. */                          \
    typedef void (*fa_row_vjp_##S)(const T *g, const T *y, T *out, ptrdiff_t n);                  \
    /* PReLU over [start, stop): op 0 out = f(x), 1 f'(x), 2 g·f'(x), w[channel] the slope. */     \
    typedef void (*fa_prelu_##S)(int op, const T *g, const T *x, const T *w, T *out,              \
                                 ptrdiff_t start, ptrdiff_t stop, ptrdiff_t channels,             \
                                 ptrdiff_t inner);                                                \
    /* PReLU's slope gradient over [start, stop): partial[c] + partial[C + c] += Σ g·x over the    \
     * elements x ≤ 0 of channel c (a running sum and its compensation, in double). */           \
    typedef void (*fa_prelu_weight_##S)(const T *g, const T *x, ptrdiff_t start, ptrdiff_t stop,  \
                                        ptrdiff_t channels, ptrdiff_t inner, double *partial);    \
    /* Elementary functions over arrays (for the accuracy tests); op 0 exp, 1 expm1, 2 tanh,      \
     * 3 log1p. */                                                                                \
    typedef void (*fa_vmath_##S)(int op, const T *x, T *out, ptrdiff_t n);

FA_LOOP_TYPES(float, f32)
FA_LOOP_TYPES(double, f64)

typedef struct {
    const char *name;
    fa_map_f32 map_f32[2];   /* forward, derivative */
    fa_map_f64 map_f64[2];
    fa_vjp_f32 vjp_f32[2];   /* vjp, vjp_from_y (NULL where y does not determine f') */
    fa_vjp_f64 vjp_f64[2];
    fa_psum_f32 psum_f32;    /* NULL without learnable parameters */
    fa_psum_f64 psum_f64;
} fa_kernel_set;

/* The fused neuron f(u − θ) over the elements [start, stop) of a feature array, with the
 * element-wise loops of kernel set k (on x = u − θ[channel], computed in chunks):
 *   bias_map:  out = f(x)
 *   bias_vjp:  du = g·f'(x), and dtheta[c] −= Σ du over channel c's elements (in double)
 * (stream: out or du written with streaming stores, stream.h, and fenced at the end)
 *   bias_psum: sum[0] + sum[1] += Σ g·∂f/∂p[k] at x, as fa_psum */
#define FA_BIAS_TYPES(T, S)                                                                      \
    typedef void (*fa_bias_map_##S)(const fa_kernel_set *k, const T *u, const T *theta, T *out,   \
                                    ptrdiff_t start, ptrdiff_t stop, ptrdiff_t channels,          \
                                    ptrdiff_t inner, const T *p, int np, int stream);             \
    typedef void (*fa_bias_vjp_##S)(const fa_kernel_set *k, const T *g, const T *u,               \
                                    const T *theta, T *du, ptrdiff_t start, ptrdiff_t stop,       \
                                    ptrdiff_t channels, ptrdiff_t inner, const T *p, int np,      \
                                    double *dtheta, int stream);                                  \
    typedef void (*fa_bias_psum_##S)(const fa_kernel_set *k, const T *g, const T *u,              \
                                     const T *theta, ptrdiff_t start, ptrdiff_t stop,             \
                                     ptrdiff_t channels, ptrdiff_t inner, const T *p, int np,     \
                                     int param, double *sum);

FA_BIAS_TYPES(float, f32)
FA_BIAS_TYPES(double, f64)

/* The row-wise functions, in the order of the row arrays below. */
enum { FA_SOFTMAX = 0, FA_LOG_SOFTMAX = 1, FA_SOFTMIN = 2, FA_ROW_KINDS = 3 };

/* Everything compiled for one instruction set. */
typedef struct {
    const char *description;                 /* e.g. "x86-64-v3 (AVX2, FMA)" */
    const fa_kernel_set *sets;               /* fa_kernel_set_count entries, table.h's order */
    /* Row functions: m = max (NaN-propagating; softmin: of −x), x − m carried exactly into the
     * exponential, sums compensated in double. */
    fa_row_f32 row_f32[FA_ROW_KINDS];
    fa_row_f64 row_f64[FA_ROW_KINDS];
    fa_row_vjp_f32 row_vjp_f32[FA_ROW_KINDS];
    fa_row_vjp_f64 row_vjp_f64[FA_ROW_KINDS];
    fa_bias_map_f32 bias_map_f32;
    fa_bias_map_f64 bias_map_f64;
    fa_bias_vjp_f32 bias_vjp_f32;
    fa_bias_vjp_f64 bias_vjp_f64;
    fa_bias_psum_f32 bias_psum_f32;
    fa_bias_psum_f64 bias_psum_f64;
    fa_prelu_f32 prelu_f32;
    fa_prelu_f64 prelu_f64;
    fa_prelu_weight_f32 prelu_weight_f32;
    fa_prelu_weight_f64 prelu_weight_f64;
    fa_vmath_f32 vmath_f32;
    fa_vmath_f64 vmath_f64;
} fa_instruction_set;

extern const int fa_kernel_set_count;

/* The instruction sets this CPU runs, widest first, for i = 0, 1, ...; NULL past the last. */
const fa_instruction_set *fa_instruction_sets(int i);

#endif
