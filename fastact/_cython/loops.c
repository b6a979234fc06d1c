/* The loops of loops.h, generated from table.h and the formulas of activations.h.
 *
 * Wide vectors: on x86-64 with gcc or clang every loop is compiled three times, with
 * __attribute__((target)) for x86-64-v4 (AVX-512), x86-64-v3 (AVX2 + FMA) and the baseline
 * (function multiversioning by hand); fa_select() picks the widest set the CPU supports when
 * the module is imported (ifunc-based target_clones resolved to the baseline during
 * relocation on the development machine, so the choice is made at run time instead).
 * Elsewhere the loops are compiled once for the compiler's default target. No -ffast-math:
 * the formulas vectorize because vmath.h is branch-free and calls no libm function.
 */
#include <stddef.h>
#include <string.h>
#include "activations.h"
#include "loops.h"
#include "table.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(FASTACT_NO_MULTIVERSIONING)
#define FA_MULTIVERSIONING 1
#define FA_TARGET_v4 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi2")))
#define FA_TARGET_v3 __attribute__((target("avx2,fma,bmi2")))
#else
#define FA_MULTIVERSIONING 0
#endif
#define FA_TARGET_base

#define FA_IF_0(...)
#define FA_IF_1(...) __VA_ARGS__
#define FA_PICK_0(yes, no) no
#define FA_PICK_1(yes, no) yes

/* out[i] = name_op(x[i]) */
#define FA_MAP_LOOP(name, op, T, S, ISA)                                                      \
    FA_TARGET_##ISA static void name##_##op##_loop_##S##_##ISA(                               \
        const T *x, T *out, ptrdiff_t n, const T *restrict p, int np) {                       \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = name##_##op##_##S(x[i], p, np);                                           \
    }

/* out[i] = name_op(g[i], x[i]) */
#define FA_VJP_LOOP(name, op, T, S, ISA)                                                      \
    FA_TARGET_##ISA static void name##_##op##_loop_##S##_##ISA(                               \
        const T *g, const T *x, T *out, ptrdiff_t n, const T *restrict p, int np) {           \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = name##_##op##_##S(g[i], x[i], p, np);                                     \
    }

/* Neumaier-compensated Σ g·∂f/∂p[k] in index order (the same order as numba's loop). */
#define FA_PSUM_LOOP(name, T, S, ISA)                                                         \
    FA_TARGET_##ISA static double name##_param_sum_##S##_##ISA(const T *g, const T *x, ptrdiff_t n, \
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

#define FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, T, S, ISA)                                    \
    FA_MAP_LOOP(name, forward, T, S, ISA)                                                     \
    FA_MAP_LOOP(name, derivative, T, S, ISA)                                                  \
    FA_VJP_LOOP(name, vjp, T, S, ISA)                                                         \
    FA_IF_##FROM_Y(FA_VJP_LOOP(name, vjp_from_y, T, S, ISA))                                  \
    FA_IF_##PARAMS(FA_PSUM_LOOP(name, T, S, ISA))

#define FA_ENTRY(name, FROM_Y, PARAMS, ISA)                                                   \
    {#name,                                                                                   \
     {name##_forward_loop_f32_##ISA, name##_derivative_loop_f32_##ISA},                       \
     {name##_forward_loop_f64_##ISA, name##_derivative_loop_f64_##ISA},                       \
     {name##_vjp_loop_f32_##ISA, FA_PICK_##FROM_Y(name##_vjp_from_y_loop_f32_##ISA, NULL)},   \
     {name##_vjp_loop_f64_##ISA, FA_PICK_##FROM_Y(name##_vjp_from_y_loop_f64_##ISA, NULL)},   \
     FA_PICK_##PARAMS(name##_param_sum_f32_##ISA, NULL),                                      \
     FA_PICK_##PARAMS(name##_param_sum_f64_##ISA, NULL)},

/* ---- softmax rows (fastact/_kernels/cpu_loops.py and rows.py: the same numerics) ----
 * max: NaN-propagating, 8 lanes; y = e^z + e^z·dz with z + dz = x − m exactly (two_sum);
 * sums in double, Neumaier-compensated in each of 8 lanes (so the sum g·y of the backward
 * pass keeps its accuracy under cancellation); then one division per element. */

#define FA_LARGER(a, m) (((a) > (m) || (a) != (a)) ? (a) : (m))

#define FA_SOFTMAX_ROWS(T, S, EXP, ISA)                                                          \
    __attribute__((always_inline)) static inline T fa_row_max_##S##_##ISA(const T *v, ptrdiff_t n) {                                 \
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
    __attribute__((always_inline)) static inline double fa_row_sum_##S##_##ISA(const T *a, const T *b,  \
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
    FA_TARGET_##ISA static void fa_softmax_row_##S##_##ISA(const T *x, T *y, ptrdiff_t n) {                  \
        T m = fa_row_max_##S##_##ISA(x, n);                                                            \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++) {                               \
            T dz, z = two_sum_##S(x[i], -m, &dz);                                              \
            T e = EXP(z);                                                                      \
            y[i] = e + e * dz;                                                                 \
        }                                                                                      \
        double total = fa_row_sum_##S##_##ISA(y, NULL, n);                                             \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = (T)(y[i] / total);                            \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_softmax_vjp_row_##S##_##ISA(const T *g, const T *y, T *out, ptrdiff_t n) { \
        double total = fa_row_sum_##S##_##ISA(g, y, n);                                                \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = (T)(y[i] * (g[i] - total));                                               \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_vmath_##S##_##ISA(int op, const T *x, T *out, ptrdiff_t n) {              \
        if (op == 0)                                                                           \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_exp_##S(x[i]);                       \
        else if (op == 1)                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_expm1_##S(x[i]);                     \
        else if (op == 2)                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_tanh_##S(x[i]);                      \
        else                                                                                   \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_log1p_##S(x[i]);                     \
    }

/* ---- one complete set of loops per instruction set ---- */

#define FA_LOOPS_F32(name, FROM_Y, PARAMS) FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, float, f32, FA_ISA)
#define FA_LOOPS_F64(name, FROM_Y, PARAMS) FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, double, f64, FA_ISA)
#define FA_EXPAND(macro, ...) macro(__VA_ARGS__) /* expands FA_ISA before ## pastes it */
#define FA_ENTRY_ISA(name, FROM_Y, PARAMS) FA_EXPAND(FA_ENTRY, name, FROM_Y, PARAMS, FA_ISA)

#define FA_INSTRUCTION_SET(ISA, DESCRIPTION)                                                  \
    FA_ACTIVATIONS(FA_LOOPS_F32)                                                              \
    FA_ACTIVATIONS(FA_LOOPS_F64)                                                              \
    FA_SOFTMAX_ROWS(float, f32, fa_exp_f32, ISA)                                              \
    FA_SOFTMAX_ROWS(double, f64, fa_exp_f64, ISA)                                             \
    static const fa_kernel_set fa_sets_##ISA[] = {FA_ACTIVATIONS(FA_ENTRY_ISA)};              \
    static const fa_instruction_set fa_isa_##ISA = {                                          \
        DESCRIPTION, fa_sets_##ISA,                                                           \
        fa_softmax_row_f32_##ISA, fa_softmax_row_f64_##ISA,                                   \
        fa_softmax_vjp_row_f32_##ISA, fa_softmax_vjp_row_f64_##ISA,                           \
        fa_vmath_f32_##ISA, fa_vmath_f64_##ISA};

#define FA_ISA base
FA_INSTRUCTION_SET(base, FA_MULTIVERSIONING ? "x86-64 baseline (SSE2)" : "the compiler's default target")
#undef FA_ISA
#if FA_MULTIVERSIONING
#define FA_ISA v3
FA_INSTRUCTION_SET(v3, "x86-64-v3 (AVX2, FMA)")
#undef FA_ISA
#define FA_ISA v4
FA_INSTRUCTION_SET(v4, "x86-64-v4 (AVX-512)")
#undef FA_ISA
#endif

const int fa_kernel_set_count = sizeof(fa_sets_base) / sizeof(fa_sets_base[0]);

const fa_instruction_set *fa_instruction_sets(int i) {
    const fa_instruction_set *usable[3];
    int n = 0;
#if FA_MULTIVERSIONING
    __builtin_cpu_init();
    int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
    int v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
             && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    if (v4) usable[n++] = &fa_isa_v4;
    if (v3) usable[n++] = &fa_isa_v3;
#endif
    usable[n++] = &fa_isa_base;
    return 0 <= i && i < n ? usable[i] : NULL;
}
