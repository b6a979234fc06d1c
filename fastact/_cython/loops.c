/* The loops of loops.h, generated from table.h and the formulas of activations.h.
 *
 * Wide vectors: on x86-64 with gcc >= 12 and glibc, every loop is compiled three times
 * (function multiversioning, target_clones): for x86-64-v4 (AVX-512), x86-64-v3 (AVX2 + FMA)
 * and the baseline; the dynamic loader picks the best one for the CPU at import. Elsewhere
 * the loops are compiled once for the compiler's default target. No -ffast-math anywhere:
 * the formulas vectorize because vmath.h is branch-free and calls no libm function.
 */
#include <stddef.h>
#include "activations.h"
#include "loops.h"
#include "table.h"

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) \
    && defined(__linux__) && !defined(FASTACT_NO_MULTIVERSIONING)
#define FA_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
const char *fa_instruction_set(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4 (AVX-512)";
    if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3 (AVX2, FMA)";
    return "x86-64 baseline (SSE2)";
}
#else
#define FA_MULTIVERSION
const char *fa_instruction_set(void) { return "the compiler's default target (no multiversioning)"; }
#endif

#define FA_IF_0(...)
#define FA_IF_1(...) __VA_ARGS__
#define FA_PICK_0(yes, no) no
#define FA_PICK_1(yes, no) yes

/* out[i] = name_op(x[i]) */
#define FA_MAP_LOOP(name, op, T, S)                                                           \
    FA_MULTIVERSION static void name##_##op##_loop_##S(const T *x, T *out, ptrdiff_t n,       \
                                                       const T *restrict p, int np) {         \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = name##_##op##_##S(x[i], p, np);                                           \
    }

/* out[i] = name_op(g[i], x[i]) */
#define FA_VJP_LOOP(name, op, T, S)                                                           \
    FA_MULTIVERSION static void name##_##op##_loop_##S(const T *g, const T *x, T *out,        \
                                                       ptrdiff_t n, const T *restrict p,      \
                                                       int np) {                              \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = name##_##op##_##S(g[i], x[i], p, np);                                     \
    }

/* Neumaier-compensated Σ g·∂f/∂p[k] in index order (the same order as numba's loop). */
#define FA_PSUM_LOOP(name, T, S)                                                              \
    static double name##_param_sum_##S(const T *g, const T *x, ptrdiff_t n,                   \
                                       const T *restrict p, int np, int k) {                  \
        double total = 0.0, compensation = 0.0;                                                \
        for (ptrdiff_t i = 0; i < n; i++) {                                                    \
            double v = (double)name##_param_vjp_##S(g[i], x[i], p, np, k);                     \
            double t = total + v;                                                              \
            compensation += __builtin_fabs(total) >= __builtin_fabs(v) ? (total - t) + v       \
                                                                       : (v - t) + total;      \
            total = t;                                                                         \
        }                                                                                      \
        return total + compensation;                                                           \
    }

#define FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, T, S)                                         \
    FA_MAP_LOOP(name, forward, T, S)                                                          \
    FA_MAP_LOOP(name, derivative, T, S)                                                       \
    FA_VJP_LOOP(name, vjp, T, S)                                                              \
    FA_IF_##FROM_Y(FA_VJP_LOOP(name, vjp_from_y, T, S))                                       \
    FA_IF_##PARAMS(FA_PSUM_LOOP(name, T, S))

#define FA_LOOPS(name, FROM_Y, PARAMS)                                                        \
    FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, float, f32)                                       \
    FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, double, f64)

FA_ACTIVATIONS(FA_LOOPS)

#define FA_ENTRY(name, FROM_Y, PARAMS)                                                        \
    {#name,                                                                                   \
     {name##_forward_loop_f32, name##_derivative_loop_f32},                                   \
     {name##_forward_loop_f64, name##_derivative_loop_f64},                                   \
     {name##_vjp_loop_f32, FA_PICK_##FROM_Y(name##_vjp_from_y_loop_f32, NULL)},               \
     {name##_vjp_loop_f64, FA_PICK_##FROM_Y(name##_vjp_from_y_loop_f64, NULL)},               \
     FA_PICK_##PARAMS(name##_param_sum_f32, NULL),                                            \
     FA_PICK_##PARAMS(name##_param_sum_f64, NULL)},

const fa_kernel_set fa_kernel_sets[] = {FA_ACTIVATIONS(FA_ENTRY)};
const int fa_kernel_set_count = sizeof(fa_kernel_sets) / sizeof(fa_kernel_sets[0]);

/* ---- softmax rows (fastact/_kernels/cpu_loops.py and rows.py: the same numerics) ----
 * max: NaN-propagating, 8 lanes; y = e^z + e^z·dz with z + dz = x − m exactly (two_sum);
 * sums in double, Neumaier-compensated in each of 8 lanes (so the sum g·y of the backward
 * pass keeps its accuracy under cancellation); then one division per element. */

#define FA_LARGER(a, m) (((a) > (m) || (a) != (a)) ? (a) : (m))

#define FA_SOFTMAX_ROWS(T, S, EXP)                                                            \
    __attribute__((always_inline)) static inline T fa_row_max_##S(const T *v, ptrdiff_t n) {                                 \
        T m[8];                                                                                \
        for (int j = 0; j < 8; j++) m[j] = v[0];                                               \
        ptrdiff_t i = 0;                                                                       \
        for (; i + 8 <= n; i += 8)                                                             \
            for (int j = 0; j < 8; j++) m[j] = FA_LARGER(v[i + j], m[j]);                      \
        for (; i < n; i++) m[0] = FA_LARGER(v[i], m[0]);                                       \
        T a = FA_LARGER(m[1], m[0]), b = FA_LARGER(m[3], m[2]);                                \
        T c = FA_LARGER(m[5], m[4]), d = FA_LARGER(m[7], m[6]);                                \
        a = FA_LARGER(b, a);                                                                   \
        c = FA_LARGER(d, c);                                                                   \
        return FA_LARGER(c, a);                                                                \
    }                                                                                          \
    /* Σ a[i] (b NULL) or Σ a[i]·b[i] in double, Neumaier-compensated in each of 8 lanes */ \
    __attribute__((always_inline)) static inline double fa_row_sum_##S(const T *a, const T *b,  \
                                                                      ptrdiff_t n) {          \
        double s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, c[8] = {0, 0, 0, 0, 0, 0, 0, 0};               \
        ptrdiff_t i = 0;                                                                       \
        for (; i + 8 <= n; i += 8)                                                             \
            for (int j = 0; j < 8; j++) {                                                      \
                double v = b == NULL ? (double)a[i + j] : (double)a[i + j] * b[i + j];         \
                double t = s[j] + v;                                                           \
                c[j] += __builtin_fabs(s[j]) >= __builtin_fabs(v) ? (s[j] - t) + v             \
                                                                  : (v - t) + s[j];            \
                s[j] = t;                                                                      \
            }                                                                                  \
        for (; i < n; i++) {                                                                   \
            double v = b == NULL ? (double)a[i] : (double)a[i] * b[i];                         \
            double t = s[0] + v;                                                               \
            c[0] += __builtin_fabs(s[0]) >= __builtin_fabs(v) ? (s[0] - t) + v : (v - t) + s[0]; \
            s[0] = t;                                                                          \
        }                                                                                      \
        double total = 0.0, compensation = 0.0;                                                \
        for (int j = 0; j < 8; j++) {                                                          \
            double t = total + s[j];                                                           \
            compensation += __builtin_fabs(total) >= __builtin_fabs(s[j]) ? (total - t) + s[j] \
                                                                          : (s[j] - t) + total; \
            total = t;                                                                         \
            compensation += c[j];                                                              \
        }                                                                                      \
        return total + compensation;                                                           \
    }                                                                                          \
    FA_MULTIVERSION void fa_softmax_row_##S(const T *x, T *y, ptrdiff_t n) {                  \
        T m = fa_row_max_##S(x, n);                                                            \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++) {                               \
            T dz, z = two_sum_##S(x[i], -m, &dz);                                              \
            T e = EXP(z);                                                                      \
            y[i] = e + e * dz;                                                                 \
        }                                                                                      \
        double total = fa_row_sum_##S(y, NULL, n);                                             \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = (T)(y[i] / total);                            \
    }                                                                                          \
    FA_MULTIVERSION void fa_softmax_vjp_row_##S(const T *g, const T *y, T *out, ptrdiff_t n) { \
        double total = fa_row_sum_##S(g, y, n);                                                \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = (T)(y[i] * (g[i] - total));                                               \
    }                                                                                          \
    FA_MULTIVERSION void fa_vmath_##S(int op, const T *x, T *out, ptrdiff_t n) {              \
        if (op == 0)                                                                           \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_exp_##S(x[i]);                       \
        else if (op == 1)                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_expm1_##S(x[i]);                     \
        else                                                                                   \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_tanh_##S(x[i]);                      \
    }

FA_SOFTMAX_ROWS(float, f32, fa_exp_f32)
FA_SOFTMAX_ROWS(double, f64, fa_exp_f64)
